"""`model.tar.gz` for a SageMaker endpoint: the model files at the root, the inference code under `code/`.

    model.tar.gz
        booster.txt  model.json  metadata.json
        code/inference.py  (ml/sagemaker_inference.py)
        code/model.py  code/transform.py  code/features.py  code/training_range.py
        code/requirements.txt  (lightgbm only: installed by the scikit-learn container at start-up)

Target: the SageMaker scikit-learn framework container `SKLEARN_FRAMEWORK_VERSION` (`py3`: Python
`CONTAINER_PYTHON`), entry point `inference.py`. The container brings its own numpy and scikit-learn, so
requirements.txt never names them (pinning the numpy this machine has would ask for one that does not install on
the container's Python, or replace the numpy its scikit-learn was built against); it asks only for a LightGBM
range with wheels for that Python. The model files are text (no pickle), so they do not tie the two ends to one
LightGBM version. `tests/unit/ml/test_inference_package.py` installs requirements.txt under Python 3.10 and
runs the packaged model there.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import concert_api.ml
from concert_api.ml import artefacts
from concert_api.ml.model import BOOSTER_FILE, MODEL_FILE

_ML_DIR = Path(concert_api.ml.__file__).resolve().parent
CODE_FILES = {
    "code/inference.py": _ML_DIR / "sagemaker_inference.py",
    "code/model.py": _ML_DIR / "model.py",
    "code/transform.py": _ML_DIR / "transform.py",
    "code/features.py": _ML_DIR / "features.py",
    "code/training_range.py": _ML_DIR / "training_range.py",
}


SKLEARN_FRAMEWORK_VERSION = "1.4-2"
"""The SageMaker scikit-learn container the package is made for (`framework_version` in the SDK)."""
CONTAINER_PYTHON = "3.10"
"""That container's Python (`py_version="py3"`)."""
LIGHTGBM_REQUIREMENT = "lightgbm>=4.3,<5"
"""LightGBM 4.x publishes py3 wheels (no numpy ABI coupling) for Python 3.7 and later; 4.3 is the oldest this
code has been tested with, and 5 may change the model format."""


def requirements() -> str:
    """code/requirements.txt: LightGBM only (numpy and scikit-learn come with the container)."""
    return LIGHTGBM_REQUIREMENT + "\n"


def package(version_dir: Path, out_path: Path) -> Path:
    """Write the SageMaker package of the model in `version_dir` to `out_path` (a .tar.gz); return it."""
    version_dir = Path(version_dir)
    for name in (BOOSTER_FILE, MODEL_FILE, artefacts.METADATA_FILE):
        if not (version_dir / name).is_file():
            raise FileNotFoundError(f"{version_dir} has no {name}: not a trained model version")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".part")
    with tarfile.open(tmp, "w:gz") as tar:
        for name in (BOOSTER_FILE, MODEL_FILE, artefacts.METADATA_FILE):
            tar.add(version_dir / name, arcname=name)
        for arcname, source in CODE_FILES.items():
            tar.add(source, arcname=arcname)
        data = requirements().encode()
        info = tarfile.TarInfo("code/requirements.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    tmp.replace(out_path)
    return out_path
