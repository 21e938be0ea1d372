"""SageMaker inference script for the ticket-sales model, in the SageMaker scikit-learn container's conventions.

`concert-api model package` puts this file in `model.tar.gz` as `code/inference.py`, beside `features.py`,
`transform.py`, `model.py` and a `requirements.txt` (lightgbm), with the model files at the archive's root.
Deploy it with the scikit-learn framework container (entry point `inference.py`); the container calls:

    model_fn(model_dir)                       -> the TicketModel
    input_fn(body, content_type)              -> a list of instances   (application/json only)
    predict_fn(instances, model)              -> a list of predictions
    output_fn(predictions, accept)            -> (JSON body, content type)

Request:  {"instances": [{...instance...}, ...]}   (or one instance object, or a bare list)
Response: {"predictions": [{"sell_through", "predicted_sales", "low", "high", "coverage", "confidence",
                            "model_version"}, ...]}
"""

from __future__ import annotations

import json
from typing import Any

try:
    from concert_api.ml.model import TicketModel
except ImportError:  # pragma: no cover - in the container the modules sit side by side in code/
    from model import TicketModel  # type: ignore[no-redef]

JSON = "application/json"
MAX_INSTANCES = 5000


def model_fn(model_dir: str) -> TicketModel:
    """Load the model the package holds (booster.txt and model.json at the archive's root)."""
    from pathlib import Path

    return TicketModel.load(Path(model_dir))


def input_fn(request_body: str | bytes, request_content_type: str = JSON) -> list[dict[str, Any]]:
    """Parse a JSON request into instances; `ValueError` (a 4xx from the container) for anything else."""
    if (request_content_type or JSON).split(";")[0].strip().lower() != JSON:
        raise ValueError(f"unsupported content type {request_content_type!r}; send {JSON}")
    payload = json.loads(request_body.decode("utf-8") if isinstance(request_body, bytes) else request_body)
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


def predict_fn(input_data: list[dict[str, Any]], model: TicketModel) -> list[dict[str, Any]]:
    """Predict every instance in one batch."""
    return model.predict(input_data)


def output_fn(prediction: list[dict[str, Any]], accept: str = JSON) -> tuple[str, str]:
    """Serialise the predictions as JSON (the only format offered)."""
    if accept and accept.split(";")[0].strip().lower() not in (JSON, "*/*"):
        raise ValueError(f"unsupported accept type {accept!r}; accept {JSON}")
    return json.dumps({"predictions": prediction}), JSON
