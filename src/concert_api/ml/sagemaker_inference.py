"""SageMaker inference script for the ticket-sales model, in the SageMaker scikit-learn container's conventions.

`concert-api model package` puts this file in `model.tar.gz` as `code/inference.py`, beside `features.py`,
`transform.py`, `training_range.py`, `model.py` and `lightgbm_text.py`, with the model files at the archive's
root. Nothing is installed at start-up (no `requirements.txt`), so the endpoint starts in a VPC without internet
access: where LightGBM is absent, `lightgbm_text` evaluates the model file with the container's NumPy. Deploy
it with the scikit-learn framework container 1.4-2, py3 (entry point `inference.py`); the container calls:

    model_fn(model_dir)                       -> the TicketModel
    input_fn(body, content_type)              -> a list of instances   (application/json only)
    predict_fn(instances, model)              -> a list of predictions
    output_fn(predictions, accept)            -> (JSON body, content type)

Request:  {"instances": [{...instance...}, ...]}   (or one instance object, or a bare list)
Response: {"predictions": [{"sell_through", "predicted_sales", "low", "high", "coverage", "confidence",
                            "model_version", "warnings", "confidence_factor", "sell_out_probability"}, ...]}

A batch is one call: `POST /tickets/price-curve` sends its whole price grid (up to 50 instances, the same concert
at different prices) in one request, and the model predicts it in one LightGBM call; beyond the prices it was
trained on it follows its fitted price response (`model.PriceResponse`, stored in model.json), exactly as the
local predictor does.

`warnings` and `confidence_factor` come from the training range stored in model.json (`training_range`): the
endpoint says, as the local predictor does, when a request lies outside what the model was trained on. The API
serves them as they come; an endpoint deployed from a package built before the range was recorded sends neither,
and the API then adds no warning (re-train, re-package and re-deploy to get them).

Errors. The container wraps every exception raised by these functions into its own error class and answers 500,
which InvokeEndpoint reports to the caller as `ModelError` (OriginalStatusCode 500). So a malformed request is
not raised: `input_fn` returns a `BadRequest`, `predict_fn` passes it on, and `output_fn` answers it with status
400 and the JSON body `{"error": "BadRequest", "message": ...}` through the container's response class
(`sagemaker_containers.beta.framework.worker.Response`, the single-model server of that container). The caller
still gets `ModelError` from InvokeEndpoint, now with OriginalStatusCode 400 and that message. Where that class
is absent (this package's tests, or a server that only takes `(body, content_type)` tuples), `output_fn`
raises `ValueError`, which such a server turns into a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

try:
    import lightgbm  # noqa: F401  (the local platform has it)
except ImportError:  # the endpoint: nothing to install, the model file is evaluated with NumPy (lightgbm_text.py)
    try:
        from concert_api.ml import lightgbm_text
    except ImportError:  # in the container the modules sit side by side in code/
        import lightgbm_text  # type: ignore[no-redef]
    lightgbm_text.install_as_lightgbm()

try:
    from concert_api.ml.model import TicketModel
except ImportError:  # pragma: no cover - in the container the modules sit side by side in code/
    from model import TicketModel  # type: ignore[no-redef]

JSON = "application/json"
MAX_INSTANCES = 5000


@dataclass(frozen=True)
class BadRequest:
    """A request the script cannot answer, carried from `input_fn` to `output_fn` (answered 400 there)."""

    message: str

    def body(self) -> str:
        return json.dumps({"error": "BadRequest", "message": self.message})


def model_fn(model_dir: str) -> TicketModel:
    """Load the model the package holds (booster.txt and model.json at the archive's root)."""
    from pathlib import Path

    return TicketModel.load(Path(model_dir))


def parse(request_body: str | bytes, request_content_type: str = JSON) -> list[dict[str, Any]]:
    """The instances of a JSON request; `ValueError` saying what is wrong with any other."""
    if (request_content_type or JSON).split(";")[0].strip().lower() != JSON:
        raise ValueError(f"unsupported content type {request_content_type!r}; send {JSON}")
    try:
        payload = json.loads(request_body.decode("utf-8") if isinstance(request_body, bytes) else request_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the body is not JSON: {exc}") from None
    if isinstance(payload, dict) and "instances" in payload:
        instances = payload["instances"]
    elif isinstance(payload, dict):
        instances = [payload]
    else:
        instances = payload
    if not isinstance(instances, list) or not all(isinstance(i, dict) for i in instances):
        raise ValueError('expected {"instances": [{...}, ...]}')
    if len(instances) > MAX_INSTANCES:
        raise ValueError(f"at most {MAX_INSTANCES} instances per request")
    return instances


def input_fn(request_body: str | bytes, request_content_type: str = JSON) -> list[dict[str, Any]] | BadRequest:
    """Parse a JSON request into instances; a `BadRequest` (answered 400 by `output_fn`) for anything else."""
    try:
        return parse(request_body, request_content_type)
    except ValueError as exc:
        return BadRequest(str(exc))


def predict_fn(input_data: list[dict[str, Any]] | BadRequest, model: TicketModel) -> list[dict[str, Any]] | BadRequest:
    """Predict every instance in one batch (a `BadRequest` passes through)."""
    if isinstance(input_data, BadRequest):
        return input_data
    try:
        return model.predict(input_data)
    except (KeyError, TypeError, ValueError) as exc:  # an instance lacking a field or holding a non-number
        return BadRequest(f"an instance cannot be read: {type(exc).__name__}: {exc}")


def output_fn(prediction: list[dict[str, Any]] | BadRequest, accept: str = JSON) -> Any:
    """Serialise the predictions as JSON (the only format offered): `(body, content type)`; a `BadRequest` or an
    unsupported `accept` becomes a 400 response (see the module's docstring)."""
    if accept and accept.split(";")[0].strip().lower() not in (JSON, "*/*"):
        prediction = BadRequest(f"unsupported accept type {accept!r}; accept {JSON}")
    if isinstance(prediction, BadRequest):
        return error_response(prediction)
    return json.dumps({"predictions": prediction}), JSON


def error_response(error: BadRequest) -> Any:
    """A 400 response with a JSON body in the container's response class; `ValueError` where there is none."""
    try:
        from sagemaker_containers.beta.framework import worker
    except ImportError:
        raise ValueError(error.message) from None
    return worker.Response(response=error.body(), status=400, mimetype=JSON)
