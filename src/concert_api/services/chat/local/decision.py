"""A decision of the dialogue policy: what to do with one message (the executor runs it, the renderer words
it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from concert_api.services.chat.local.near_miss import NearMiss
from concert_api.services.chat.local.slots import Slots


@dataclass
class Decision:
    """What to do with one message.

    `action`: "tool" (run `intent`'s tool with `slots`, once per entry of `runs` when several), "ask" (a
    question: `pending` holds what answers it, `question` what to say), "chat" (greeting, help or out of scope,
    `kind`), "near_miss" (`near`), "stand" (a follow-up that changes nothing the last question can use).
    `notes` are sentences said before the answer; `extra` goes into the response's `data`.
    """

    action: str
    intent: str
    confidence: float
    slots: Slots = field(default_factory=dict)
    runs: list[Slots] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] | None = None
    question: dict[str, Any] = field(default_factory=dict)
    kind: str = ""
    near: NearMiss | None = None
    follow_up: bool = False
    keep_state: bool = False
    tool_intent: str | None = None
    """For a near miss: the intent whose tool shows the nearest thing the assistant can do (`runs`)."""
