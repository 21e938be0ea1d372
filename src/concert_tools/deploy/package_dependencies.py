"""The zip's third-party part: the runtime's declared dependencies, vendored for the Lambda platform.

Where they come from: pip for the target platform (`--platform manylinux2014_x86_64` or `_aarch64`,
`--python-version 3.12`, `--only-binary=:all:`, `--implementation cp`) into a build directory cached by a hash of
the requirements and the target; or an existing directory; or this interpreter's site-packages. What the Lambda
Python runtime already provides (boto3 and its dependencies) is left out unless `include_boto3` is set, and so are
the parts of the dependencies Lambda never imports (`PRUNED_DEPENDENCY_PATHS`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from concert_tools.deploy.errors import PackageError
from concert_tools.deploy.lambda_dependencies import (
    MissingDistributionError,
    canonical_name,
    distribution_closure,
    requirement_name,
    runtime_provided_distributions,
)
from concert_tools.deploy.package_sources import is_shipped

COMPLETE_MARKER = ".concert-api-complete"
# Parts of the dependencies that Lambda never imports, left out to keep the zip small. The handlers use
# Powertools' Logger and Metrics (with their shared, middleware and data-class helpers), not its REST resolver or
# opt-in utilities; `pydantic.v1` is the legacy API and `pydantic.mypy` a type-checker plugin. The import test
# (tests/deploy/test_package.py) imports every handler from the unpacked zip to prove nothing needed is missing.
# `--no-prune` ships the dependencies whole.
PRUNED_DEPENDENCY_PATHS: tuple[str, ...] = (
    "aws_lambda_powertools/event_handler",
    *(
        f"aws_lambda_powertools/utilities/{name}"
        for name in (
            "auth_alpha",
            "batch",
            "circuit_breaker",
            "data_masking",
            "feature_flags",
            "idempotency",
            "kafka",
            "parameters",
            "parser",
            "streaming",
            "validation",
        )
    ),
    "pydantic/v1",
    "pydantic/mypy.py",
)
_DIST_INFO_KEEP = frozenset({"METADATA", "top_level.txt", "entry_points.txt", "WHEEL"})


def runtime_requirements(pyproject: Path, include_boto3: bool = False) -> list[str]:
    """The `[project] dependencies` of pyproject.toml, less the runtime-provided ones unless `include_boto3`."""
    deps: list[str] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    if include_boto3:
        return sorted(deps)
    provided = runtime_provided_distributions()
    return sorted(d for d in deps if requirement_name(d) not in provided)


def pip_platforms(architecture: str) -> list[str]:
    """pip `--platform` tags for Lambda's Amazon Linux 2023 (glibc 2.34) on x86_64 or arm64."""
    arch = {"x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}.get(architecture)
    if arch is None:
        raise PackageError(f"unknown architecture {architecture!r}; use x86_64 or arm64")
    return [f"manylinux2014_{arch}", f"manylinux_2_28_{arch}", f"manylinux_2_34_{arch}"]


def requirements_key(requirements: Sequence[str], python_version: str, architecture: str) -> str:
    """The cache key of a vendored dependency directory."""
    blob = json.dumps([sorted(requirements), python_version, pip_platforms(architecture), "cp"]).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def vendor_with_pip(
    requirements: Sequence[str],
    *,
    python_version: str,
    architecture: str,
    cache_dir: Path,
    refresh: bool = False,
) -> Path:
    """Install `requirements` for the Lambda platform into a cached directory and return it.

    Uses `pip install --target --platform ... --python-version ... --only-binary=:all: --implementation cp`, so no
    source build runs and the wheels match Lambda, whatever this machine is.
    """
    target = cache_dir / requirements_key(requirements, python_version, architecture)
    marker = target / COMPLETE_MARKER
    if marker.is_file() and not refresh:
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    cmd += ["--target", str(target), "--python-version", python_version, "--implementation", "cp"]
    cmd += ["--only-binary=:all:"]
    for plat in pip_platforms(architecture):
        cmd += ["--platform", plat]
    cmd += list(requirements)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise PackageError(
            "pip could not install the runtime dependencies for the Lambda platform:\n"
            f"{proc.stderr.strip()[-2000:]}\n"
            "Check the package index is reachable (pip config / PIP_INDEX_URL), or build offline with "
            "--deps-dir DIR (a directory you populated) or --deps-from-site-packages (same Python and platform)."
        )
    marker.write_text(json.dumps({"requirements": sorted(requirements)}))
    return target


def vendor_from_site_packages(requirements: Sequence[str], target: Path) -> Path:
    """Copy the installed distributions satisfying `requirements` (and their dependencies) into `target`.

    Only right when this interpreter's Python version and platform are the Lambda target's (tests, or a build
    on Amazon Linux); pip mode is the general route.
    """
    try:
        closure = distribution_closure(requirements)
    except MissingDistributionError as exc:
        raise PackageError(f"{exc}; pip install it, or build without --deps-from-site-packages (pip mode)") from exc
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for dist in closure.values():
        for file in dist.files or []:
            src = Path(str(dist.locate_file(file)))
            if file.parts[0] == ".." or not src.is_file():
                continue  # scripts installed outside site-packages
            dest = target / file
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    return target


def distribution_files(deps_dir: Path, names: Iterable[str]) -> set[Path]:
    """Files (relative to `deps_dir`) belonging to the named distributions, from their RECORD files."""
    wanted = {canonical_name(n) for n in names}
    out: set[Path] = set()
    for info in deps_dir.glob("*.dist-info"):
        dist_name = canonical_name(info.name.removesuffix(".dist-info").rsplit("-", 1)[0])
        if dist_name not in wanted:
            continue
        record = info / "RECORD"
        if record.is_file():
            for line in record.read_text(encoding="utf-8").splitlines():
                rel = line.split(",", 1)[0]
                if rel and not rel.startswith(".."):
                    out.add(Path(rel))
        out.update(p.relative_to(deps_dir) for p in info.rglob("*") if p.is_file())
    return out


def small_metadata(text: str) -> str:
    """A METADATA file without its long description (the headers are what importlib.metadata reads)."""
    head = text.split("\n\n", 1)[0]
    return "\n".join(line for line in head.splitlines() if not line.startswith("Description:")) + "\n"


def is_pruned(rel: Path) -> bool:
    """Whether a dependency file lies under one of `PRUNED_DEPENDENCY_PATHS`."""
    posix = rel.as_posix()
    return any(posix == p or posix.startswith(p + "/") for p in PRUNED_DEPENDENCY_PATHS)


def stage_dependencies(deps_dir: Path, stage: Path, *, include_boto3: bool, prune: bool = True) -> None:
    """Copy the vendored dependencies from `deps_dir` into `stage`: code, licences and small metadata only."""
    drop = set() if include_boto3 else distribution_files(deps_dir, runtime_provided_distributions())
    for path in sorted(deps_dir.rglob("*")):
        rel = path.relative_to(deps_dir)
        if not path.is_file() or rel in drop or rel.parts[0] == "bin" or rel.name == COMPLETE_MARKER:
            continue
        if not is_shipped(rel) or (prune and is_pruned(rel)):
            continue
        dest = stage / rel
        if rel.parts[0].endswith(".dist-info"):
            if len(rel.parts) == 2 and rel.name == "METADATA":
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(small_metadata(path.read_text(encoding="utf-8", errors="replace")))
            elif (
                (len(rel.parts) == 2 and rel.name in _DIST_INFO_KEEP)
                or "licenses" in rel.parts[1:2]
                or rel.name.upper().startswith(("LICENSE", "COPYING", "NOTICE"))
            ):
                copy_file(path, dest)
            continue
        copy_file(path, dest)


def copy_file(src: Path, dest: Path) -> None:
    """Copy one file, creating its folder."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
