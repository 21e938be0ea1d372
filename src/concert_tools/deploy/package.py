"""The deployment package: one lean, reproducible zip for all five functions.

Layout at the zip's root (what Lambda unpacks into `/var/task`):

* `api_lambda_handlers.py`, the guide's handler module, and `concert_api/`, the whole runtime package
  (`package_sources`; `concert_tools`, the offline tooling, is never shipped);
* the runtime's declared dependencies (`[project] dependencies` in pyproject.toml), less what the Lambda Python
  runtime provides (boto3 and its dependencies) unless `include_boto3` is set (`package_dependencies`);
* bytecode for every module with hash-based invalidation, in a reproducible zip (`package_archive`).

`package_probe` imports each handler from the unpacked zip; `lambda_dependencies` is the one list of what Lambda
may import. `concert-api deploy package --help` builds it.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from concert_tools.deploy.errors import PackageError
from concert_tools.deploy.package_archive import compile_bytecode, find_python, write_zip
from concert_tools.deploy.package_dependencies import (
    PRUNED_DEPENDENCY_PATHS,
    copy_file,
    runtime_requirements,
    stage_dependencies,
    vendor_from_site_packages,
    vendor_with_pip,
)
from concert_tools.deploy.package_probe import HANDLER_NAMES, import_handler, runtime_provided_dir
from concert_tools.deploy.package_sources import handler_module, select_sources

__all__ = [
    "DEFAULT_CACHE_DIR",
    "DEFAULT_OUTPUT_DIR",
    "DIRECT_UPLOAD_LIMIT",
    "HANDLER_NAMES",
    "PRUNED_DEPENDENCY_PATHS",
    "REPO_ROOT",
    "BuildResult",
    "PackageError",
    "build_package",
    "find_python",
    "import_handler",
    "runtime_provided_dir",
    "select_sources",
]

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUTPUT_DIR = REPO_ROOT / "build" / "lambda"
DEFAULT_CACHE_DIR = REPO_ROOT / "build" / "lambda-deps"
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024  # Lambda's limit for a zip sent in the CreateFunction/UpdateFunctionCode call


@dataclass
class BuildResult:
    """What `build_package` produced."""

    path: Path
    size: int
    sha256: str
    files: int
    python_version: str
    architecture: str
    deps_source: str

    def describe(self) -> str:
        """One line for the console."""
        return (
            f"Deployment package {self.path} : {self.size / 1024 / 1024:.2f} MB ({self.size:,} bytes), "
            f"{self.files} files, python{self.python_version}/{self.architecture}, deps from {self.deps_source}, "
            f"sha256 {self.sha256[:16]}"
        )


def default_output(python_version: str, architecture: str) -> Path:
    """Where the zip goes unless told otherwise (what template.yaml's CodeUri names)."""
    return DEFAULT_OUTPUT_DIR / f"concert-api-lambda-py{python_version}-{architecture}.zip"


def stage_sources(stage: Path, repo_root: Path) -> None:
    """Copy the handler module and the runtime package into `stage`."""
    copy_file(handler_module(repo_root), stage / "api_lambda_handlers.py")
    for rel in select_sources(repo_root / "src"):
        copy_file(repo_root / "src" / rel, stage / rel)


def build_package(
    output: Path | None = None,
    *,
    repo_root: Path = REPO_ROOT,
    python_version: str = "3.12",
    architecture: str = "x86_64",
    include_boto3: bool = False,
    deps_dir: Path | None = None,
    deps_from_site_packages: bool = False,
    skip_deps: bool = False,
    requirements: Sequence[str] | None = None,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    compile_python: str | None = None,
    bytecode: bool = True,
    prune: bool = True,
    log: Callable[[str], None] = print,
) -> BuildResult:
    """Build the deployment zip and return where it is, its size and its digest.

    Dependencies come from `deps_dir` if given, else this interpreter's site-packages if
    `deps_from_site_packages`, else pip for the Lambda platform (cached); `skip_deps` ships none (for tests and
    for a layer-based setup).
    """
    output = output or default_output(python_version, architecture)
    reqs = (
        list(requirements)
        if requirements is not None
        else runtime_requirements(repo_root / "pyproject.toml", include_boto3)
    )
    with tempfile.TemporaryDirectory(prefix="concert-api-pkg-") as tmp:
        tmp_path = Path(tmp)
        if skip_deps:
            deps, source = None, "nowhere (--skip-deps)"
        elif deps_dir is not None:
            deps, source = deps_dir, str(deps_dir)
        elif deps_from_site_packages:
            deps, source = vendor_from_site_packages(reqs, tmp_path / "deps"), "site-packages"
        else:
            log(f"Installing {', '.join(reqs)} for python{python_version} on {architecture} (pip, cached) ...")
            deps = vendor_with_pip(reqs, python_version=python_version, architecture=architecture, cache_dir=cache_dir)
            source = f"pip ({deps.name})"
        stage = tmp_path / "stage"
        stage.mkdir()
        stage_sources(stage, repo_root)
        if deps is not None:
            stage_dependencies(deps, stage, include_boto3=include_boto3, prune=prune)
        if bytecode:
            log("Compiling bytecode ...")
            compile_bytecode(stage, find_python(python_version, compile_python))
        files = write_zip(stage, output)
    data = output.read_bytes()
    return BuildResult(
        path=output,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        files=files,
        python_version=python_version,
        architecture=architecture,
        deps_source=source,
    )
