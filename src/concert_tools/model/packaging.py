"""`model.tar.gz` for a SageMaker endpoint: the model files at the root, the inference code under `code/`.

    model.tar.gz
        booster.txt  model.json  metadata.json
        code/inference.py  (ml/sagemaker_inference.py)
        code/model.py  code/transform.py  code/features.py  code/training_range.py
        code/lightgbm_text.py  (LightGBM's model file evaluated with NumPy)

Target: the SageMaker scikit-learn framework container `SKLEARN_FRAMEWORK_VERSION` (`py3`: Python
`CONTAINER_PYTHON`), entry point `inference.py`. The container brings NumPy; LightGBM it does not have, and the
package installs nothing at start-up (no `code/requirements.txt`, whose `pip install` needs the internet, which an
endpoint in a VPC without a NAT does not have): the trees in `booster.txt` are walked by `lightgbm_text`, which
gives LightGBM's predictions exactly. The model files are text (no pickle).
`tests/unit/ml/test_inference_package.py` loads the package under Python 3.10 without LightGBM and with the
network switched off.
"""

from __future__ import annotations

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
    "code/lightgbm_text.py": _ML_DIR / "lightgbm_text.py",
}


SKLEARN_FRAMEWORK_VERSION = "1.4-2"
"""The SageMaker scikit-learn container the package is made for (`framework_version` in the SDK)."""
CONTAINER_PYTHON = "3.10"
"""That container's Python (`py_version="py3"`)."""
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
    tmp.replace(out_path)
    return out_path
