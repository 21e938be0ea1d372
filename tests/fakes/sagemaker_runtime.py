"""A SageMaker runtime endpoint on loopback that serves the project's inference script with a trained model.

`InvokeEndpoint` (REST-JSON: `POST /endpoints/<name>/invocations`) runs `ml/sagemaker_inference.py`'s
`input_fn`, `predict_fn` and `output_fn` over the model loaded with its `model_fn`, as the SageMaker scikit-learn
container does, after `latency` seconds. Point botocore at it with `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`.

What SageMaker does that this fake cannot: it runs the model package in its own container (Python 3.10, the
container's numpy and scikit-learn), autoscales, throttles, and caps a payload at 6 MB; here the model runs in
this process's interpreter, one request at a time per thread.
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.fakes.loopback import LoopbackHandler, LoopbackService

from concert_api.ml import sagemaker_inference


class FakeSageMakerRuntime(LoopbackService):
    """Serves one model directory (a trained version: `models/ticket_sales/<version>`) under any endpoint name."""

    def __init__(self, version_dir: Path, *, latency: float = 0.0) -> None:
        self.model = sagemaker_inference.model_fn(str(version_dir))
        self.latency = latency
        self.invocations = 0
        super().__init__()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        runtime = self

        class Handler(LoopbackHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                runtime.invocations += 1
                time.sleep(runtime.latency)
                content_type = self.headers.get("Content-Type", "application/json")
                parsed = sagemaker_inference.input_fn(body, content_type)
                output: Any = sagemaker_inference.output_fn(sagemaker_inference.predict_fn(parsed, runtime.model))
                payload = output[0] if isinstance(output, tuple) else output
                self.send_body(200, "application/json", payload.encode() if isinstance(payload, str) else payload)

        return Handler
