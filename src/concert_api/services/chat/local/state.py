"""The dialogue state: what a conversation knows between two messages, typed and serialisable.

It is stored with the session (`SessionStore.put(session_id, state.to_dict())`) and read back with
`DialogueState.from_dict`, which also reads the plain dicts older versions stored (same keys, fewer of them).

* `intent` and `slots`: the last question answered, and its filters ("concerts in Houston next month" keeps
  city and dates, so "only jazz" narrows that question);
* `pending`: a question the assistant asked and the next message answers ("Which venue?");
* `results`: the things the last answer listed, in order, for "the second one", "them", "that venue";
* `prediction`: the slots of the last ticket-sales prediction or price curve, for "and at $90?" or "what about
  Saturday?" even after another question came in between;
* `user_id`: the request's user, kept for the session; `turns`: how many messages the session has had.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_RESULTS = 10
"""How many listed things are remembered: the most a reply lists."""


@dataclass(frozen=True)
class ResultItem:
    """One thing an answer listed: an artist (value: its name), a venue (its id) or a concert (its id), with
    what a follow-up about it needs (`details`: for a concert its artist, venue id and name, city and date)."""

    kind: str
    value: str
    label: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultItem:
        """The item from its stored dict."""
        return cls(kind=str(data["kind"]), value=str(data["value"]), label=str(data.get("label") or data["value"]),
                   details=dict(data.get("details") or {}))


@dataclass
class DialogueState:
    """What the conversation knows; see the module docstring."""

    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] | None = None
    results: list[ResultItem] = field(default_factory=list)
    prediction: dict[str, Any] | None = None
    user_id: str | None = None
    turns: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The state as a JSON-ready dict (what the session store keeps)."""
        data = asdict(self)
        data["results"] = [asdict(r) for r in self.results]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DialogueState:
        """The state from a stored dict (an empty state for None or an empty dict)."""
        data = data or {}
        return cls(
            intent=data.get("intent"),
            slots=dict(data.get("slots") or {}),
            pending=data.get("pending") or None,
            results=[ResultItem.from_dict(r) for r in data.get("results") or []][:MAX_RESULTS],
            prediction=data.get("prediction") or None,
            user_id=data.get("user_id"),
            turns=int(data.get("turns") or 0),
        )

    def of_kind(self, kind: str) -> list[ResultItem]:
        """The listed things of one kind, in the order they were listed."""
        return [r for r in self.results if r.kind == kind]


def results_of(tool: str, result: dict[str, Any]) -> list[ResultItem]:
    """The things a tool's result lists, in the order a reply shows them (empty when it lists nothing)."""
    items: list[ResultItem] = []
    if tool == "artist_lookup":
        if "artists" in result:
            items = [ResultItem("artist", a["name"], a["name"]) for a in result["artists"]]
        else:
            items = [ResultItem("artist", p["name"], p["name"])
                     for p in (result.get("artist"), result.get("compared_with")) if p]
    elif tool == "venue_rankings":
        items = [ResultItem("venue", v["venue_id"], v["name"]) for v in result.get("venues", [])]
    elif tool == "venue_lookup":
        items = [ResultItem("venue", p["venue_id"], p["name"])
                 for p in (result.get("venue"), result.get("compared_with")) if p]
    elif tool in {"concert_search", "recommendations"}:
        rows = result.get("concerts") or result.get("recommendations") or []
        items = [ResultItem("concert", str(c["concert_id"]), f"{c['artist_name']} at {c['venue_name']}",
                            {"artist": c["artist_name"], "venue": c.get("venue_id") or c["venue_name"],
                             "venue_label": c["venue_name"], "city": c.get("city"), "state": c.get("state"),
                             "event_date": str(c["event_date"])[:10],
                             "ticket_price": c.get("ticket_price")})
                 for c in rows]
    elif tool == "sales_figures" and result.get("group_by") in {"artist", "venue"}:
        kind = str(result["group_by"])
        items = [ResultItem(kind, b["name"], b["name"]) for b in result.get("breakdown", [])]
    elif tool in {"ticket_prediction", "price_curve"}:
        items = [ResultItem("artist", result["artist"]["name"], result["artist"]["name"]),
                 ResultItem("venue", result["venue"]["venue_id"], result["venue"]["name"])]
    return items[:MAX_RESULTS]
