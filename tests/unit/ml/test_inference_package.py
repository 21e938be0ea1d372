"""model.tar.gz: the SageMaker inference script loads the packaged artefact, in a process without concert_api, and
(issue 14, finding 6) without LightGBM and without network access: nothing is installed when the endpoint starts."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import pytest

from concert_api.adapters.predictors.local import LocalTicketPredictor
from concert_api.ml import artefacts, features
from concert_api.ml.sagemaker_inference import BadRequest, input_fn, output_fn, predict_fn
from concert_tools.model.packaging import CONTAINER_PYTHON, SKLEARN_FRAMEWORK_VERSION, package

PYTHON_310 = Path(os.environ.get("CONCERT_PYTHON310", "/root/.pyenv/versions/3.10.13/bin/python"))
CONTAINER_NUMPY = "numpy==2.1.0"
"""The numpy the scikit-learn 1.4-2 container installs (its base Dockerfile)."""
CONTAINER_SCIPY = "scipy>=1.13,<1.15"
"""scikit-learn's own dependency, so the container has it (model.py uses `scipy.special`)."""

CONTAINER = """
import json, socket, sys
sys.modules["concert_api"] = None  # as in the SageMaker container: the package is not installed
sys.modules["lightgbm"] = None  # nor LightGBM
def no_network(*args, **kwargs):
    raise OSError("network access is disabled (an endpoint in a VPC without internet access)")
socket.socket = no_network
socket.create_connection = no_network
socket.getaddrinfo = no_network
sys.path.insert(0, sys.argv[1] + "/code")
import inference
model = inference.model_fn(sys.argv[1])
instances = inference.input_fn(sys.stdin.read(), "application/json")
body, content_type = inference.output_fn(inference.predict_fn(instances, model), "application/json")
print(content_type)
print(body)
"""


def test_packaged_model_answers_like_the_local_model(trained_dir, tmp_path):
    version_dir = artefacts.current_version_dir(trained_dir / "models")
    archive = package(version_dir, tmp_path / "model.tar.gz")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        tar.extractall(tmp_path / "model", filter="data")
    assert {"booster.txt", "model.json", "metadata.json", "code/inference.py", "code/model.py",
            "code/transform.py", "code/features.py", "code/training_range.py",
            "code/lightgbm_text.py"} <= names  # fmt: skip
    assert "code/requirements.txt" not in names  # the container would pip install it at start: no internet there

    local = LocalTicketPredictor(version_dir)
    instances = _instances()
    done = subprocess.run([sys.executable, "-c", CONTAINER, str(tmp_path / "model")],
                          input=json.dumps({"instances": instances}), capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    content_type, body = done.stdout.strip().split("\n", 1)
    assert content_type == "application/json"
    predictions = json.loads(body)["predictions"]
    assert predictions == local.predict(instances)
    # The endpoint says what the local predictor says outside the training range (the range is in model.json)
    assert predictions[0]["warnings"] == [] and predictions[0]["confidence_factor"] == 1.0
    assert any(w.startswith("ticket_price $5,000 is above") for w in predictions[2]["warnings"])
    assert predictions[2]["confidence_factor"] < 1.0


def _instances():
    row = {"genre": "pop", "popularity": 80.0, "city": "Chicago", "state": "IL", "capacity": 15000,
           "venue_type": "arena", "city_population": 2_746_388, "a_n": 10, "a_sum_st": 9.0, "v_n": 0}  # fmt: skip
    return [features.instance(row, event_date=dt.date.today().isoformat(), ticket_price=p)
            for p in (120.0, 40.0, 5000.0)]  # the last above any list price the model was trained on


def test_the_package_is_made_for_the_scikit_learn_container():
    assert SKLEARN_FRAMEWORK_VERSION == "1.4-2" and CONTAINER_PYTHON == "3.10"


def _unavailable(reason: str) -> None:
    """Skip on a developer machine; fail in CI (env CI set), where the check must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: this check must run)")
    pytest.skip(reason)


def test_packaged_model_answers_under_the_containers_python_offline(trained_dir, tmp_path):
    """The container's Python (3.10) with the container's numpy and nothing else (no LightGBM, no network): the
    package must load and answer like the local model."""
    if not PYTHON_310.is_file():
        _unavailable(f"no Python {CONTAINER_PYTHON} at {PYTHON_310} (set CONCERT_PYTHON310)")
    version_dir = artefacts.current_version_dir(trained_dir / "models")
    with tarfile.open(package(version_dir, tmp_path / "model.tar.gz")) as tar:
        tar.extractall(tmp_path / "model", filter="data")
    venv = tmp_path / "py310"
    subprocess.run([str(PYTHON_310), "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--only-binary", ":all:"]
    for args in ([CONTAINER_NUMPY, CONTAINER_SCIPY],):  # what the image has; the package itself installs nothing
        try:
            subprocess.run(pip + args, check=True, capture_output=True, text=True, timeout=600)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            _unavailable(f"pip install {' '.join(args)} under Python {CONTAINER_PYTHON} failed (offline?): "
                         f"{getattr(exc, 'stderr', '') or exc}")  # fmt: skip
    version = subprocess.run([str(python), "-c", "import sys, numpy; print(sys.version_info[:2], numpy.__version__)"],
                             check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    assert version == f"(3, 10) {CONTAINER_NUMPY.split('==')[1]}"

    instances = _instances()
    done = subprocess.run([str(python), "-c", CONTAINER, str(tmp_path / "model")],
                          input=json.dumps({"instances": instances}), capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    content_type, body = done.stdout.strip().split("\n", 1)
    assert content_type == "application/json"
    got = json.loads(body)["predictions"]
    expected = LocalTicketPredictor(version_dir).predict(instances)
    for g, e in zip(got, expected, strict=True):
        assert g["model_version"] == e["model_version"]
        for key in ("predicted_sales", "low", "high", "confidence", "confidence_factor"):
            assert g[key] == e[key], key  # the NumPy evaluator gives LightGBM's predictions exactly
        assert g["warnings"] == e["warnings"]


def test_a_malformed_request_is_carried_to_output_fn_not_raised():
    assert input_fn("a,b", "text/csv") == BadRequest("unsupported content type 'text/csv'; send application/json")
    assert "instances" in input_fn('{"instances": [1, 2]}', "application/json").message
    assert "not JSON" in input_fn("{oops", "application/json").message
    assert input_fn('{"event_date": "2026-01-01"}', "application/json; charset=utf-8") == [
        {"event_date": "2026-01-01"}
    ]
    assert output_fn([], "application/json")[0] == '{"predictions": []}'
    bad = BadRequest("nope")
    assert predict_fn(bad, model=None) is bad


def test_a_bad_request_is_a_400_with_a_json_body_in_the_container(monkeypatch):
    """In the scikit-learn container an exception from the script is a 500; `output_fn` answers 400 through the
    container's response class instead (a stand-in here), and raises where there is none."""
    with pytest.raises(ValueError, match="nope"):
        output_fn(BadRequest("nope"), "application/json")

    class Response:
        def __init__(self, response=None, status=200, mimetype=None):
            self.response, self.status, self.mimetype = response, status, mimetype

    worker = types.SimpleNamespace(Response=Response)
    framework = types.ModuleType("sagemaker_containers.beta.framework")
    framework.worker = worker
    for name, module in (("sagemaker_containers", types.ModuleType("sagemaker_containers")),
                         ("sagemaker_containers.beta", types.ModuleType("sagemaker_containers.beta")),
                         ("sagemaker_containers.beta.framework", framework)):  # fmt: skip
        monkeypatch.setitem(sys.modules, name, module)
    answer = output_fn(BadRequest("nope"), "application/json")
    assert answer.status == 400 and answer.mimetype == "application/json"
    assert json.loads(answer.response) == {"error": "BadRequest", "message": "nope"}
    assert output_fn([], "text/csv").status == 400
