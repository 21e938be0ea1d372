"""Bytecode and the zip itself, both reproducible.

Bytecode is compiled by an interpreter of the target Python version with hash-based invalidation
(`UNCHECKED_HASH`): `/var/task` is read-only and unzipped files carry the zip's timestamps, so timestamp-based
`.pyc` files would never match and every cold start would recompile every module in memory. The zip has its
entries sorted, every timestamp 1980-01-01 00:00:00 and permissions 0644; bytecode is compiled with
`PYTHONHASHSEED=0` and a fixed directory prefix. The same inputs give the same bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from concert_tools.deploy.errors import PackageError

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644


def find_python(version: str, explicit: str | None = None) -> str:
    """An interpreter of the target Python version, to compile bytecode Lambda will accept."""
    if explicit:
        return explicit
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [str(p) for p in sorted((pyenv_root / "versions").glob(f"{version}*/bin/python{version}"))]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    raise PackageError(
        f"no python{version} interpreter found to compile bytecode for the Lambda runtime. Install Python {version}"
        f" (e.g. with pyenv), pass --compile-python PATH, or --no-bytecode (slower cold starts)."
    )


def compile_bytecode(stage: Path, python: str) -> None:
    """Compile every module under `stage` with hash-based invalidation, reproducibly."""
    code = (
        "import compileall, py_compile, sys\n"
        "ok = compileall.compile_dir(sys.argv[1], ddir='/var/task', quiet=1, force=True, workers=1,\n"
        "    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n"
        "sys.exit(0 if ok else 1)\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="0", SOURCE_DATE_EPOCH="315532800")
    env.pop("PYTHONPYCACHEPREFIX", None)
    proc = subprocess.run([python, "-I", "-c", code, str(stage)], capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise PackageError(f"bytecode compilation failed with {python}:\n{(proc.stdout + proc.stderr)[-2000:]}")


def write_zip(stage: Path, output: Path) -> int:
    """Zip `stage` deterministically into `output` (written whole, then renamed); return the number of files."""
    files = sorted((p for p in stage.rglob("*") if p.is_file()), key=lambda p: p.relative_to(stage).as_posix())
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(stage).as_posix(), date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permission bits below are honoured
            info.external_attr = FILE_MODE << 16
            zf.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    tmp.replace(output)
    return len(files)
