"""model.tar.gz: the SageMaker inference script loads the packaged artefact, in a process without concert_api."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile

import pytest

from concert_api.ml import artefacts, features
from concert_api.ml.local_predictor import LocalTicketPredictor
from concert_api.ml.packaging import package
from concert_api.ml.sagemaker_inference import input_fn, output_fn

CONTAINER = """
import json, sys
sys.modules["concert_api"] = None  # as in the SageMaker container: the package is not installed
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
            "code/transform.py", "code/features.py", "code/requirements.txt"} <= names  # fmt: skip
    assert "lightgbm==" in (tmp_path / "model" / "code" / "requirements.txt").read_text()

    local = LocalTicketPredictor(version_dir)
    row = {"genre": "pop", "popularity": 80.0, "city": "Chicago", "state": "IL", "capacity": 15000,
           "venue_type": "arena", "city_population": 2_746_388, "a_n": 10, "a_sum_st": 9.0, "v_n": 0}  # fmt: skip
    instances = [features.instance(row, event_date="2026-08-01", ticket_price=p) for p in (40.0, 120.0)]
    done = subprocess.run([sys.executable, "-c", CONTAINER, str(tmp_path / "model")],
                          input=json.dumps({"instances": instances}), capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    content_type, body = done.stdout.strip().split("\n", 1)
    assert content_type == "application/json"
    assert json.loads(body)["predictions"] == local.predict(instances)


def test_input_fn_rejects_other_content_types_and_shapes():
    with pytest.raises(ValueError, match="content type"):
        input_fn("a,b", "text/csv")
    with pytest.raises(ValueError, match="instances"):
        input_fn('{"instances": [1, 2]}', "application/json")
    assert input_fn('{"event_date": "2026-01-01"}', "application/json; charset=utf-8") == [
        {"event_date": "2026-01-01"}
    ]
    assert output_fn([], "application/json")[0] == '{"predictions": []}'
