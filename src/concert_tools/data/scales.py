"""The sizes of the generated data set: tiny (tests), small (demos), medium and large."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How much to generate. Concert counts are exact; history ends at `as_of`, the future follows it."""

    name: str
    artists: int
    venues: int
    cities: int  # the most populous reference cities that get venues and users
    users: int
    concerts: int
    history_days: int  # completed and cancelled concerts in the `history_days` before as_of
    future_days: int  # scheduled concerts in the `future_days` after as_of
    visits_per_user: float  # mean concerts a user attended over the history


SCALES: dict[str, Scale] = {
    s.name: s
    for s in (
        Scale("tiny", artists=40, venues=25, cities=12, users=300, concerts=2_500,
              history_days=3 * 365, future_days=180, visits_per_user=6.0),
        Scale("small", artists=400, venues=150, cities=40, users=5_000, concerts=30_000,
              history_days=4 * 365, future_days=180, visits_per_user=8.0),
        Scale("medium", artists=2_500, venues=800, cities=92, users=50_000, concerts=250_000,
              history_days=5 * 365, future_days=180, visits_per_user=10.0),
        Scale("large", artists=12_000, venues=4_000, cities=92, users=250_000, concerts=1_200_000,
              history_days=5 * 365, future_days=180, visits_per_user=10.0),
    )
}  # fmt: skip
"""The named scales, smallest first."""


def get_scale(name: str) -> Scale:
    """The scale called `name`; `ValueError` naming the valid choices otherwise."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
