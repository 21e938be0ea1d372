"""What the model has seen, and what to say when a request lies outside it.

Gradient-boosted trees cannot extrapolate: beyond the highest price they were fit on, every price gets the same
answer, and a date years away is predicted as if nothing changed. So training records the range of the fitting
rows (`fit`), and every prediction is checked against it (`TrainingRange.assess`):

* **list price**, per venue type: the 1st-99th percentile of the fitting rows' ticket prices. A price outside
  it is warned about. A model with a price response (`model.PriceResponse`) follows the price beyond the range
  along it; one saved without predicts it at the nearer bound (`clamp_prices`), and the warning says which;
* **price relative to the artist's and the venue's usual price** (the features `price_vs_artist` and
  `price_vs_venue`: the price over the geometric mean of their past list prices), per venue type, 1st-99th
  percentile; the price the trees are given (after the clamp above) outside it is warned about, not changed;
* **event date**: before the earliest concert the model was built from, or more than `HORIZON_DAYS` (18 months)
  after the latest; warned about, not changed.

Confidence rule when extrapolating (`assess` returns the factor; `features.confidence` applies it):

    confidence = interval confidence x price factor x date factor
    price factor = exp(-d), d the largest distance outside the list-price range or a price-ratio range, in log
                   price (= bound / price above a range, price / bound below it: 0.5 at twice the highest list
                   price seen); 0.5 for a venue type the model has no concerts of
    date factor  = 0.5 ** (days outside / 365)   (halved for each year before the data or beyond the horizon)

Inside every range both factors are exactly 1 and the prediction is unchanged. A model saved before this module
existed has no range (`from_dict(None)` is None): no check, no warning.

Standard library and numpy only: the SageMaker package ships this file beside `model.py`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:  # inside the package, or beside it in the SageMaker model's code/ directory
    from concert_api.ml.features import VENUE_TYPES
except ImportError:  # pragma: no cover - the SageMaker container
    from features import VENUE_TYPES  # type: ignore[no-redef]

QUANTILES = (0.01, 0.99)
HORIZON_DAYS = 548
"""18 months: a date later than this after the latest concert of the training data is warned about."""
UNSEEN_VENUE_TYPE_FACTOR = 0.5
DATE_HALF_LIFE_DAYS = 365.0

Bounds = tuple[float, float]


@dataclass
class VenueTypeRange:
    """The fitting rows of one venue type: how many, and the 1st-99th percentile of their list price and of
    their price over the artist's and the venue's usual price (None: no row had that history)."""

    rows: int
    ticket_price: Bounds
    price_vs_artist: Bounds | None = None
    price_vs_venue: Bounds | None = None


@dataclass
class TrainingRange:
    """The range of what the model was trained on (see the module's docstring); JSON via `to_dict`."""

    first_date: dt.date
    last_date: dt.date
    venue_types: dict[str, VenueTypeRange] = field(default_factory=dict)
    quantiles: Bounds = QUANTILES
    horizon_days: int = HORIZON_DAYS

    # --- serialisation ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, stored in model.json (read at prediction) and copied into metadata.json."""
        return {
            "quantiles": list(self.quantiles),
            "event_date": {"first": self.first_date.isoformat(), "last": self.last_date.isoformat(),
                           "horizon_days": self.horizon_days},
            "venue_types": {
                name: {"rows": r.rows, "ticket_price": list(r.ticket_price),
                       "price_vs_artist": None if r.price_vs_artist is None else list(r.price_vs_artist),
                       "price_vs_venue": None if r.price_vs_venue is None else list(r.price_vs_venue)}
                for name, r in self.venue_types.items()
            },
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TrainingRange | None:
        """Inverse of `to_dict`; None for a model saved without a range."""
        if not data:
            return None
        dates = data["event_date"]

        def bounds(value: Any) -> Bounds | None:
            return None if value is None else (float(value[0]), float(value[1]))

        types = {}
        for name, r in data.get("venue_types", {}).items():
            price = bounds(r["ticket_price"])
            assert price is not None
            types[name] = VenueTypeRange(int(r["rows"]), price, bounds(r.get("price_vs_artist")),
                                         bounds(r.get("price_vs_venue")))  # fmt: skip
        q = data.get("quantiles", QUANTILES)
        return cls(dt.date.fromisoformat(dates["first"]), dt.date.fromisoformat(dates["last"]), types,
                   (float(q[0]), float(q[1])), int(dates.get("horizon_days", HORIZON_DAYS)))  # fmt: skip

    # --- prediction ---------------------------------------------------------------------------------

    def clamp_prices(self, cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The columns with each ticket price moved into its venue type's list-price range (a copy; prices of a
        venue type without a range are left alone). Inside the range the price is untouched, bit for bit."""
        lo = np.full(len(VENUE_TYPES) + 1, -np.inf)
        hi = np.full(len(VENUE_TYPES) + 1, np.inf)
        for i, name in enumerate(VENUE_TYPES):
            if name in self.venue_types:
                lo[i], hi[i] = self.venue_types[name].ticket_price
        lookup = {name: i for i, name in enumerate(VENUE_TYPES)}
        index = np.array([lookup.get(v, len(VENUE_TYPES)) for v in cols["venue_type"]], dtype=np.int64)
        price = np.asarray(cols["ticket_price"], dtype=np.float64)
        return {**cols, "ticket_price": np.minimum(np.maximum(price, lo[index]), hi[index])}

    def assess(self, inst: Mapping[str, Any], *, extrapolates: bool = False) -> tuple[list[str], float]:
        """(warnings, confidence factor) for one instance: ([], 1.0) when it lies inside every range.

        `extrapolates`: the model follows the price beyond the range with a fitted price response (the warnings
        say so) instead of holding it at the nearer bound (`clamp_prices`, a model without one)."""
        warnings: list[str] = []
        price_factor = 1.0
        venue_type = inst.get("venue_type")
        price = _number(inst.get("ticket_price"))
        seen = self.venue_types.get(str(venue_type))
        if seen is None:
            warnings.append(f"the model was trained on no {venue_type} concerts: the prediction is an "
                            "extrapolation from other venue types.")  # fmt: skip
            price_factor = UNSEEN_VENUE_TYPE_FACTOR
        elif price is not None and price > 0:
            lo, hi = seen.ticket_price
            kind = f"{venue_type}s"
            followed = ("the prediction is an extrapolation along the price response fitted to the history, with a "
                        "wider interval")  # fmt: skip
            if price > hi:
                held = (f"the prediction is an extrapolation and is capped at what it predicts for {money(hi)}; "
                        "fewer tickets may sell at a higher price")  # fmt: skip
                warnings.append(f"ticket_price {money(price)} is above the list prices the model was trained on "
                                f"for {kind} ({money(lo)}–{money(hi)}): {followed if extrapolates else held}.")
                price_factor = hi / price
            elif price < lo:
                held = (f"the prediction is an extrapolation and is held at what it predicts for {money(lo)}; more "
                        "tickets may sell at a lower price")  # fmt: skip
                warnings.append(f"ticket_price {money(price)} is below the list prices the model was trained on "
                                f"for {kind} ({money(lo)}–{money(hi)}): {followed if extrapolates else held}.")
                price_factor = price / lo
            # the price the trees are given: held at the bound (`clamp_prices`), or the price asked
            predicted_at = price if extrapolates else min(max(price, lo), hi)
            subject = (f"ticket_price {money(price)}" if predicted_at == price
                       else f"{money(predicted_at)}, the price it is predicted at,")  # fmt: skip
            for whose, sum_name, n_name, ratio_range in (
                ("artist", "a_sum_log_price", "a_n", seen.price_vs_artist),
                ("venue", "v_sum_log_price", "v_n", seen.price_vs_venue),
            ):
                usual = _usual_price(inst, sum_name, n_name)
                if ratio_range is None or usual is None:
                    continue
                ratio = predicted_at / usual
                r_lo, r_hi = ratio_range
                if r_lo <= ratio <= r_hi:
                    continue
                warnings.append(f"{subject} is {ratio:.2f} times the {whose}'s usual price ({money(usual)}); the "
                                f"{venue_type} concerts the model was trained on were priced {r_lo:.2f}–{r_hi:.2f} "
                                "times it: the prediction is an extrapolation.")  # fmt: skip
                price_factor = min(price_factor, ratio / r_lo if ratio < r_lo else r_hi / ratio)
        date_factor = 1.0
        day = _date(inst.get("event_date"))
        if day is not None:
            latest = self.last_date + dt.timedelta(days=self.horizon_days)
            if day < self.first_date:
                warnings.append(f"event_date {day.isoformat()} is before the earliest concert the model was trained "
                                f"on ({self.first_date.isoformat()}): the prediction is an extrapolation.")  # fmt: skip
                date_factor = 0.5 ** ((self.first_date - day).days / DATE_HALF_LIFE_DAYS)
            elif day > latest:
                warnings.append(f"event_date {day.isoformat()} is more than 18 months after the latest concert the "
                                f"model was trained on ({self.last_date.isoformat()}): the prediction is an "
                                "extrapolation that assumes nothing changes in between.")  # fmt: skip
                date_factor = 0.5 ** ((day - latest).days / DATE_HALF_LIFE_DAYS)
        return warnings, price_factor * date_factor


def fit(cols: Mapping[str, np.ndarray], *, first_date: dt.date, last_date: dt.date,
        quantiles: Bounds = QUANTILES) -> TrainingRange:  # fmt: skip
    """The range of the fitting rows `cols` (instance columns): per venue type, the list-price quantiles and
    the quantiles of the price over the artist's and the venue's usual price; the date span given."""
    price = np.asarray(cols["ticket_price"], dtype=np.float64)
    vtypes = np.asarray(cols["venue_type"], dtype=object)
    ratios = {name: _usual_ratio(cols, price, s, n) for name, s, n in
              (("artist", "a_sum_log_price", "a_n"), ("venue", "v_sum_log_price", "v_n"))}  # fmt: skip
    types: dict[str, VenueTypeRange] = {}
    for name in VENUE_TYPES:
        mask = vtypes == name
        if not mask.any():
            continue
        lo, hi = np.quantile(price[mask], quantiles)
        types[name] = VenueTypeRange(int(mask.sum()), (round(float(lo), 2), round(float(hi), 2)),
                                     _ratio_bounds(ratios["artist"][mask], quantiles),
                                     _ratio_bounds(ratios["venue"][mask], quantiles))  # fmt: skip
    return TrainingRange(first_date, last_date, types, quantiles)


def money(x: float) -> str:
    """$1,234 for whole dollars, $14.50 otherwise."""
    cents = round(x * 100)
    return f"${cents // 100:,}" if cents % 100 == 0 else f"${x:,.2f}"


def _usual_ratio(cols: Mapping[str, np.ndarray], price: np.ndarray, sum_name: str, n_name: str) -> np.ndarray:
    n = np.nan_to_num(np.asarray(cols[n_name], dtype=np.float64))
    s = np.asarray(cols[sum_name], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, price / np.exp(s / np.where(n > 0, n, 1.0)), np.nan)


def _ratio_bounds(ratio: np.ndarray, quantiles: Bounds) -> Bounds | None:
    ratio = ratio[np.isfinite(ratio)]
    if len(ratio) == 0:
        return None
    lo, hi = np.quantile(ratio, quantiles)
    return round(float(lo), 3), round(float(hi), 3)


def _usual_price(inst: Mapping[str, Any], sum_name: str, n_name: str) -> float | None:
    """The geometric mean of past list prices (the feature's reference), None without history."""
    n, s = _number(inst.get(n_name)), _number(inst.get(sum_name))
    if not n or n <= 0 or s is None:
        return None
    return math.exp(s / n)


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
