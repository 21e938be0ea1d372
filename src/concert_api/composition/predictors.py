"""Which model serves ticket predictions (a SageMaker endpoint or the local model), and which endpoint a one-off
venue scoring calls."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from concert_api.composition.registry import FileMarker, file_marker
from concert_api.errors import ServiceNotConfigured
from concert_api.settings import Settings

if TYPE_CHECKING:
    from concert_api.adapters.predictors.base import TicketPredictor
    from concert_api.adapters.predictors.venue_forecast import PredictFn


_trained: dict[Path, FileMarker] = {}
"""The `current` pointers found naming a trained model, with their marker then: `/health` asks on every request,
and a `stat` is cheaper than reading the pointer and checking the version it names."""


@functools.lru_cache(maxsize=8)
def current_pointer(model_dir: Path) -> Path:
    """The model's `current` pointer under `model_dir` (the path built once: every prediction and `/health`
    look at it)."""
    from concert_api.ml import artefacts

    return artefacts.model_root(model_dir) / artefacts.CURRENT


def local_model_trained(settings: Settings) -> bool:
    """A local ticket-sales model has been trained under the data dir (checked without loading numpy; one `stat`
    while the `current` pointer is unchanged)."""
    from concert_api.ml import artefacts  # standard library only

    pointer = current_pointer(settings.model_dir)
    marker = file_marker(pointer)
    if marker is not None and _trained.get(pointer) == marker:
        return True
    if artefacts.current_version_dir(settings.model_dir) is None:
        return False
    if marker is not None:
        _trained[pointer] = marker
    return True


def current_model_version(settings: Settings) -> str | None:
    """The served local model's version (its `current` pointer, without loading it), or None when a SageMaker
    endpoint serves or no model is trained."""
    from concert_api.ml import artefacts  # standard library only

    if settings.sagemaker_ticket_endpoint:
        return None
    version_dir = artefacts.current_version_dir(settings.model_dir)
    return None if version_dir is None else version_dir.name


def predictor_backend(settings: Settings) -> str:
    """`sagemaker`, `local`, or `not_configured` (no endpoint named and no local model trained)."""
    if settings.sagemaker_ticket_endpoint:
        return "sagemaker"
    return "local" if local_model_trained(settings) else "not_configured"


def build_ticket_predictor(settings: Settings) -> TicketPredictor:
    """The SageMaker endpoint's predictor when SAGEMAKER_TICKET_ENDPOINT is set, else the local model under
    `settings.model_dir` (ServiceNotConfigured, telling how to train one, when there is none)."""
    if settings.sagemaker_ticket_endpoint:
        from concert_api.adapters.predictors.sagemaker import SageMakerTicketPredictor

        return SageMakerTicketPredictor(settings.sagemaker_ticket_endpoint, region=settings.aws_region)
    from concert_api.ml import artefacts

    if not local_model_trained(settings):
        raise ServiceNotConfigured(
            f"No ticket-sales model has been trained: {artefacts.TRAIN_HINT}, or set SAGEMAKER_TICKET_ENDPOINT."
        )
    from concert_api.adapters.predictors.local import LocalTicketPredictor

    return LocalTicketPredictor.from_model_dir(settings.model_dir)


def build_venue_scoring_endpoint(settings: Settings, endpoint: str | None = None) -> PredictFn:
    """The `predict` of a SageMaker endpoint running the model package, for a one-off scoring of the venue
    forecasts (`concert-api model score --endpoint`): `endpoint`, else SAGEMAKER_VENUE_ENDPOINT. Requests never
    call it: the ranking reads the batch-scored `venue_forecasts` table."""
    name = endpoint or settings.sagemaker_venue_endpoint
    if not name:
        raise ServiceNotConfigured("No venue scoring endpoint: pass --endpoint NAME or set SAGEMAKER_VENUE_ENDPOINT.")
    from concert_api.adapters.predictors.sagemaker import SageMakerTicketPredictor

    return SageMakerTicketPredictor(name, region=settings.aws_region).predict
