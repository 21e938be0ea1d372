"""The local predictor: the current model loaded in this process, features from an in-memory store.

The store holds every artist's and venue's attributes and history aggregates (and the genre-in-city ones), read
from the warehouse with the feature SQL in four queries on first use, so a warm prediction is a few dictionary
lookups and one call into LightGBM. It is rebuilt when the warehouse's data generation changes (a load replaced
the DuckDB file: checked with one `stat` per request), when the day changes, after `STORE_SECONDS`, and when a
request names an artist or venue it does not know, at most every `MISS_REFRESH_SECONDS` (for a remote warehouse,
which cannot tell its generation). The model itself is replaced by the composition root when `current` moves.

The store holds the aggregates as of the latest date asked (today, for an upcoming concert). A request about a
concert that has already happened asks for an earlier date (the service predicts it from what was known before
it, point in time); that one is answered by one `REQUEST_FEATURES` query instead, so it never evicts the store.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from concert_api.adapters.predictors.base import Prediction
from concert_api.adapters.predictors.dataset import Aggregates, load_aggregates
from concert_api.adapters.warehouse.base import Warehouse, data_generation
from concert_api.adapters.warehouse.queries import features as q
from concert_api.errors import ServiceNotConfigured
from concert_api.ml import artefacts
from concert_api.ml.model import TicketModel

STORE_SECONDS = 900.0
MISS_REFRESH_SECONDS = 30.0


class LocalTicketPredictor:
    """`TicketPredictor` on a model directory written by `training.save`."""

    backend = "local"

    def __init__(self, version_dir: Path) -> None:
        self.version_dir = Path(version_dir)
        self.model = TicketModel.load(self.version_dir)
        self.metadata = artefacts.read_metadata(self.version_dir)
        self._lock = threading.Lock()
        self._store: Aggregates | None = None
        self._store_built = 0.0
        self._store_generation: Any = None

    @classmethod
    def from_model_dir(cls, model_dir: Path) -> LocalTicketPredictor:
        """The current version under `model_dir`; `ServiceNotConfigured` (503) telling how to train one if none."""
        version_dir = artefacts.current_version_dir(model_dir)
        if version_dir is None:
            raise ServiceNotConfigured(f"No ticket-sales model has been trained yet: {artefacts.TRAIN_HINT}.")
        try:
            return cls(version_dir)
        except (OSError, ValueError, KeyError) as exc:
            raise ServiceNotConfigured(
                f"The ticket-sales model in {version_dir} cannot be loaded ({exc}); {artefacts.TRAIN_HINT}."
            ) from exc

    @property
    def model_version(self) -> str:
        return self.model.version

    def feature_row(self, warehouse: Warehouse, artist_id: str, venue_id: str, as_of: dt.date) -> Mapping[str, Any]:
        """The pair's feature row (shaped like `REQUEST_FEATURES`): from the store, or for a date before the
        store's, from one query."""
        if self._store is not None and as_of < self._store.as_of:
            rows = warehouse.query(q.REQUEST_FEATURES, {"artist_id": artist_id, "venue_id": venue_id, "as_of": as_of})
            return rows[0] if rows else {"artist_id": None, "venue_id": None}
        store = self._current_store(warehouse, as_of)
        unknown = artist_id not in store.artists or venue_id not in store.venues
        if unknown and time.monotonic() - self._store_built > MISS_REFRESH_SECONDS:
            store = self._current_store(warehouse, as_of, force=True)
        row = store.row(artist_id, venue_id)
        if row is not None:
            return row
        return {"artist_id": artist_id if artist_id in store.artists else None,
                "venue_id": venue_id if venue_id in store.venues else None}  # fmt: skip

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """The model's predictions, in process."""
        return self.model.predict(instances)

    def ping(self) -> None:
        """The model is loaded when this object exists; nothing can fail later without I/O."""

    def _current_store(self, warehouse: Warehouse, as_of: dt.date, *, force: bool = False) -> Aggregates:
        generation = data_generation(warehouse)
        store = self._store
        if not force and self._is_fresh(store, as_of, generation):
            assert store is not None
            return store
        with self._lock:
            store = self._store
            if force or not self._is_fresh(store, as_of, generation):
                store = load_aggregates(warehouse, as_of)
                self._store, self._store_built, self._store_generation = store, time.monotonic(), generation
            assert store is not None
            return store

    def _is_fresh(self, store: Aggregates | None, as_of: dt.date, generation: Any) -> bool:
        return (store is not None and store.as_of == as_of and self._store_generation == generation
                and time.monotonic() - self._store_built < STORE_SECONDS)
