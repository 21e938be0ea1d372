"""Which model serves ticket predictions and venue forecasts: a SageMaker endpoint or the local model."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from concert_api.composition.registry import FileMarker, file_marker
from concert_api.errors import ServiceNotConfigured
from concert_api.settings import Settings

if TYPE_CHECKING:
    from concert_api.adapters.predictors.base import TicketPredictor, VenueForecaster


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


def build_venue_forecaster(
    settings: Settings, local_predictor: Callable[[], TicketPredictor]
) -> VenueForecaster | None:
    """The venue model: the SageMaker venue endpoint when SAGEMAKER_VENUE_ENDPOINT is set, else the local
    ticket-sales model (`local_predictor()`) when one is trained, else None (the ranking then omits forecasts)."""
    from concert_api.adapters.predictors.venue_forecast import ScheduledConcertForecaster

    if settings.sagemaker_venue_endpoint:
        from concert_api.adapters.predictors.sagemaker import SageMakerTicketPredictor

        endpoint = SageMakerTicketPredictor(settings.sagemaker_venue_endpoint, region=settings.aws_region)
        return ScheduledConcertForecaster(endpoint.predict, backend="sagemaker", cache_all=False)
    if settings.sagemaker_ticket_endpoint or not local_model_trained(settings):
        return None
    try:
        local = local_predictor()
    except ServiceNotConfigured:  # a model that cannot be loaded: the ranking goes on without forecasts
        return None
    return ScheduledConcertForecaster(local.predict, backend="local", cache_all=True)
