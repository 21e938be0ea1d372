"""`model.tar.gz` for a SageMaker endpoint: the model files at the root, the inference code under `code/`.

    model.tar.gz
        booster.txt  model.json  metadata.json
        code/inference.py  (ml/sagemaker_inference.py)
        code/model.py  code/transform.py  code/features.py
        code/requirements.txt  (lightgbm, numpy: installed by the scikit-learn container at start-up)
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from concert_api.ml import artefacts
from concert_api.ml.model import BOOSTER_FILE, MODEL_FILE

_ML_DIR = Path(__file__).resolve().parent
CODE_FILES = {
    "code/inference.py": _ML_DIR / "sagemaker_inference.py",
    "code/model.py": _ML_DIR / "model.py",
    "code/transform.py": _ML_DIR / "transform.py",
    "code/features.py": _ML_DIR / "features.py",
}


def requirements() -> str:
    """Pinned to the versions the model was trained and tested with."""
    import lightgbm
    import numpy

    return f"lightgbm=={lightgbm.__version__}\nnumpy=={numpy.__version__}\n"


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
