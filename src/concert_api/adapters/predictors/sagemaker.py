"""The SageMaker predictor: features from the warehouse (Redshift) per request, the model behind an endpoint.

The endpoint runs `ml/sagemaker_inference.py` from the package `concert-api model package` builds: JSON in
(`{"instances": [...]}`), JSON out (`{"predictions": [...]}`). Failures map to the one error format and never
leak the endpoint's message: ModelError -> 502, throttling -> 503 (Retry-After), timeouts -> 504, anything else
(validation, a malformed answer) -> 502. The details go to the log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from concert_api.adapters.aws_clients import deadline_client
from concert_api.adapters.predictors.base import Prediction
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.adapters.warehouse.queries import features as q
from concert_api.deadline import remaining_seconds
from concert_api.errors import DependencyError, DependencyThrottled, DependencyTimeout

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/json"
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 8.0
MAX_ATTEMPTS = 2
DEFAULT_SECONDS = 25.0
"""The preferred client settings: two attempts of at most 2 + 8 s. They are cut to the request's deadline
(`aws_clients.deadline_client`): with 3 s left one attempt of at most about 3 s is made, then our 504; with no
deadline set (a CLI run) `DEFAULT_SECONDS` are assumed."""

_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "ServiceUnavailable", "ModelNotReadyException"}


def client_config() -> Config:
    """botocore settings for a runtime client without a deadline: the preferred timeouts and retries."""
    return Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                  retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"})  # fmt: skip


class SageMakerTicketPredictor:
    """`TicketPredictor` that invokes a SageMaker endpoint; also the venue endpoint's `predict`."""

    backend = "sagemaker"

    def __init__(self, endpoint_name: str, *, region: str, client: Any | None = None,
                 endpoint_url: str | None = None) -> None:
        self.endpoint_name = endpoint_name
        self.client = client or deadline_client(
            "sagemaker-runtime", region=region, endpoint_url=endpoint_url, connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT, max_attempts=MAX_ATTEMPTS, default_seconds=DEFAULT_SECONDS)

    def feature_row(self, warehouse: Warehouse, artist_id: str, venue_id: str, as_of: dt.date) -> Mapping[str, Any]:
        """One `REQUEST_FEATURES` query on the warehouse."""
        rows = warehouse.query(q.REQUEST_FEATURES, {"artist_id": artist_id, "venue_id": venue_id, "as_of": as_of})
        return rows[0] if rows else {"artist_id": None, "venue_id": None}

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """One endpoint call for the batch."""
        body = self._invoke({"instances": list(instances)})
        predictions = body.get("predictions") if isinstance(body, dict) else None
        if not isinstance(predictions, list) or len(predictions) != len(instances) or not all(
            isinstance(p, dict) and {"predicted_sales", "low", "high", "sell_through"} <= p.keys()
            for p in predictions
        ):
            log.error("malformed SageMaker answer from %s: %.500s", self.endpoint_name, json.dumps(body))
            raise DependencyError("The prediction model returned an unexpected answer.", internal="malformed body")
        return predictions

    def ping(self) -> None:
        """An empty batch: one round trip to the endpoint, no prediction."""
        self._invoke({"instances": []})

    def _invoke(self, payload: dict[str, Any]) -> Any:
        if remaining_seconds(float("inf")) < 0.5:
            raise DependencyTimeout("No time left to call the prediction model.")
        try:
            response = self.client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                ContentType=CONTENT_TYPE,
                Accept=CONTENT_TYPE,
                Body=json.dumps(payload).encode(),
            )
            raw = response["Body"].read()
        except ClientError as exc:
            raise _map_client_error(exc, self.endpoint_name) from exc
        except (ReadTimeoutError, ConnectTimeoutError) as exc:
            log.error("SageMaker endpoint %s timed out: %s", self.endpoint_name, exc)
            raise DependencyTimeout("The prediction model did not answer in time.", internal=str(exc)) from exc
        except BotoCoreError as exc:
            log.error("SageMaker endpoint %s unreachable: %s", self.endpoint_name, exc)
            raise DependencyError("The prediction model could not be reached.", internal=str(exc)) from exc
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            log.error("non-JSON SageMaker answer from %s: %.200r", self.endpoint_name, raw)
            raise DependencyError("The prediction model returned an unexpected answer.", internal=str(exc)) from exc


def _map_client_error(exc: ClientError, endpoint: str) -> DependencyError:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    log.error("SageMaker endpoint %s failed: %s %s", endpoint, code, message)
    internal = f"{code}: {message}"
    if code in _THROTTLED:
        return DependencyThrottled("The prediction model is busy; retry shortly.", internal=internal)
    if code == "ModelError":
        return DependencyError("The prediction model failed to answer.", internal=internal)
    if code in ("ValidationError", "ValidationException"):
        return DependencyError("The prediction model rejected the request.", internal=internal)
    if code in ("AccessDeniedException", "UnrecognizedClientException"):
        return DependencyError("The API may not call the prediction model.", internal=internal)
    return DependencyError("The prediction model could not answer.", internal=internal)
