"""The deployment package: one lean, reproducible zip for all five functions.

Layout at the zip's root (what Lambda unpacks into `/var/task`):

* `api_lambda_handlers.py`, the guide's handler module;
* `concert_api/`, less what Lambda never imports (see `EXCLUDED_SUBPACKAGES` and `LOCAL_ONLY_IMPORTS`);
* the runtime dependencies from pyproject.toml, less what the Lambda Python runtime already provides
  (`RUNTIME_PROVIDED`: boto3 and its dependencies) unless `include_boto3` is set. They are installed by pip for
  the target platform (`--platform manylinux2014_x86_64` or `_aarch64`, `--python-version 3.12`,
  `--only-binary=:all:`, `--implementation cp`) into a build directory cached by a hash of the requirements and
  the target, or copied from an existing directory or from this interpreter's site-packages;
* bytecode for every module, compiled by an interpreter of the target Python version with hash-based
  invalidation (`UNCHECKED_HASH`). `/var/task` is read-only and unzipped files carry the zip's timestamps, so
  timestamp-based `.pyc` files would never match and every cold start would recompile every module in memory.

Reproducible: entries sorted, every timestamp 1980-01-01 00:00:00, permissions 0644, bytecode compiled with
`PYTHONHASHSEED=0` and a fixed directory prefix, dist-info reduced to its metadata headers. The same inputs give
the same bytes (a test builds twice and compares).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    tomllib = None  # type: ignore[assignment]

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUTPUT_DIR = REPO_ROOT / "build" / "lambda"
DEFAULT_CACHE_DIR = REPO_ROOT / "build" / "lambda-deps"
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024  # Lambda's limit for a zip sent in the CreateFunction/UpdateFunctionCode call
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644

# Distributions the Lambda Python runtime already has (boto3 and what it depends on).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six")

# concert_api subpackages and modules that Lambda never imports: the local HTTP server, the CLI, the data
# generator and loader, and this deployment tooling.
EXCLUDED_SUBPACKAGES = ("server", "cli", "data", "deploy")
# Any concert_api module that imports one of these at module level (not inside a function) is local-only and left
# out, and so, transitively, is any module that imports such a module at module level.
LOCAL_ONLY_IMPORTS = frozenset(
    {
        "duckdb",
        "numpy",
        "pandas",
        "pyarrow",
        "sklearn",
        "scipy",
        "lightgbm",
        "joblib",
        "rapidfuzz",
        "psycopg",
        "psycopg_pool",
        "uvicorn",
        "starlette",
        "click",
        "rich",
        "matplotlib",
    }
)
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
# Files never shipped.
_SKIP_DIRS = frozenset({"__pycache__", "tests", "test", ".mypy_cache", ".pytest_cache"})
_SKIP_SUFFIXES = (".pyc", ".pyo", ".pyi", ".c", ".h", ".pxd", ".pyx")
_SKIP_NAMES = frozenset({"py.typed"})
_DIST_INFO_KEEP = frozenset({"METADATA", "top_level.txt", "entry_points.txt", "WHEEL"})


class PackageError(RuntimeError):
    """A build step failed; the message says what to do next."""


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
    excluded_modules: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the console."""
        return (
            f"Deployment package {self.path} : {self.size / 1024 / 1024:.2f} MB ({self.size:,} bytes), "
            f"{self.files} files, python{self.python_version}/{self.architecture}, deps from {self.deps_source}, "
            f"sha256 {self.sha256[:16]}"
        )


# --------------------------------------------------------------------------------------------------------------
# Sources


def _module_imports(path: Path) -> set[str]:
    """Fully qualified names imported at module level (imports inside functions and classes are lazy)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()

    def visit(body: Iterable[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If | ast.Try):  # `if TYPE_CHECKING:` is skipped below
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return names


def select_sources(src_root: Path) -> tuple[list[Path], dict[str, str]]:
    """The concert_api files to ship (relative to `src_root`) and the excluded modules with the reason.

    Rule: every file of the package except the subpackages in `EXCLUDED_SUBPACKAGES`, `py.typed`, caches, and any
    module that imports a `LOCAL_ONLY_IMPORTS` package at module level or (transitively) an excluded module.
    """
    pkg = src_root / "concert_api"
    if not (pkg / "__init__.py").is_file():
        raise PackageError(f"{pkg} is not the concert_api package; run from the repository or pass --src")
    excluded: dict[str, str] = {}
    modules: dict[str, Path] = {}
    others: list[Path] = []
    for path in sorted(pkg.rglob("*")):
        rel = path.relative_to(src_root)
        if path.is_dir() or any(part in _SKIP_DIRS for part in rel.parts) or path.name in _SKIP_NAMES:
            continue
        if path.suffix in _SKIP_SUFFIXES:
            continue
        if len(rel.parts) > 2 and rel.parts[1] in EXCLUDED_SUBPACKAGES:
            excluded.setdefault(f"concert_api.{rel.parts[1]}", "local-only subpackage (EXCLUDED_SUBPACKAGES)")
            continue
        if path.suffix == ".py":
            mod = ".".join(rel.with_suffix("").parts)
            modules[mod.removesuffix(".__init__")] = rel
        else:
            others.append(rel)
    imports = {mod: _module_imports(src_root / rel) for mod, rel in modules.items()}
    changed = True
    while changed:
        changed = False
        for mod, names in imports.items():
            if mod in excluded:
                continue
            heavy = sorted({n.split(".")[0] for n in names} & LOCAL_ONLY_IMPORTS)
            if heavy:
                excluded[mod] = f"imports {', '.join(heavy)} at module level"
                changed = True
                continue
            bad = sorted(n for n in names if any(n == e or n.startswith(e + ".") for e in excluded))
            if bad:
                excluded[mod] = f"imports excluded module {bad[0]} at module level"
                changed = True
    keep = [rel for mod, rel in modules.items() if mod not in excluded]
    # Data files (SQL, JSON, YAML) go with their directory unless it was excluded as a whole.
    kept_dirs = {rel.parent for rel in keep}
    keep.extend(rel for rel in others if rel.parent in kept_dirs)
    return sorted(keep), dict(sorted(excluded.items()))


# --------------------------------------------------------------------------------------------------------------
# Dependencies


def runtime_requirements(pyproject: Path, include_boto3: bool = False) -> list[str]:
    """The `[project] dependencies` of pyproject.toml, less the runtime-provided ones unless `include_boto3`."""
    if tomllib is None:  # pragma: no cover
        raise PackageError("reading pyproject.toml needs Python 3.11+; pass --requirements FILE instead")
    deps: list[str] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    if include_boto3:
        return sorted(deps)
    return sorted(d for d in deps if _canonical(re.split(r"[\s\[<>=!~;]", d, maxsplit=1)[0]) not in RUNTIME_PROVIDED)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


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
    cache_dir: Path = DEFAULT_CACHE_DIR,
    refresh: bool = False,
) -> Path:
    """Install `requirements` for the Lambda platform into a cached directory and return it.

    Uses `pip install --target --platform ... --python-version ... --only-binary=:all: --implementation cp`, so no
    source build runs and the wheels match Lambda, whatever this machine is.
    """
    target = cache_dir / requirements_key(requirements, python_version, architecture)
    marker = target / ".concert-api-complete"
    if marker.is_file() and not refresh:
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--only-binary=:all:",
    ]
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


def _dist_closure(requirements: Sequence[str]) -> list[md.Distribution]:
    from packaging.requirements import Requirement

    seen: dict[str, md.Distribution] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = _canonical(req.name)
        if name in seen:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError as exc:
            raise PackageError(
                f"{req.name} is not installed in this interpreter; pip install it, or build without "
                "--deps-from-site-packages (pip mode)"
            ) from exc
        seen[name] = dist
        for raw in dist.requires or []:
            sub = Requirement(raw)
            if sub.marker is None or sub.marker.evaluate({"extra": ""}):
                todo.append(sub)
    return [seen[k] for k in sorted(seen)]


def vendor_from_site_packages(requirements: Sequence[str], target: Path) -> Path:
    """Copy the installed distributions satisfying `requirements` (and their dependencies) into `target`.

    Only right when this interpreter's Python version and platform are the Lambda target's (tests, or a build
    on Amazon Linux); pip mode is the general route.
    """
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for dist in _dist_closure(requirements):
        for file in dist.files or []:
            src = Path(str(dist.locate_file(file)))
            if file.parts[0] == ".." or not src.is_file():
                continue  # scripts installed outside site-packages
            dest = target / file
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    return target


def _dist_top_files(deps_dir: Path, names: Iterable[str]) -> set[Path]:
    """Files (relative to `deps_dir`) belonging to the named distributions, from their RECORD files."""
    wanted = {_canonical(n) for n in names}
    out: set[Path] = set()
    for info in deps_dir.glob("*.dist-info"):
        dist_name = _canonical(info.name.removesuffix(".dist-info").rsplit("-", 1)[0])
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


def _small_metadata(text: str) -> str:
    """A METADATA file without its long description (the headers are what importlib.metadata reads)."""
    head = text.split("\n\n", 1)[0]
    return "\n".join(line for line in head.splitlines() if not line.startswith("Description:")) + "\n"


# --------------------------------------------------------------------------------------------------------------
# Staging, bytecode and the zip


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


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def stage_package(
    stage: Path,
    *,
    repo_root: Path,
    deps_dir: Path | None,
    include_boto3: bool,
    prune: bool = True,
) -> dict[str, str]:
    """Lay out the package contents under `stage`; return the excluded concert_api modules with reasons."""
    _copy(repo_root / "api_lambda_handlers.py", stage / "api_lambda_handlers.py")
    files, excluded = select_sources(repo_root / "src")
    for rel in files:
        _copy(repo_root / "src" / rel, stage / rel)
    if deps_dir is not None:
        drop = set() if include_boto3 else _dist_top_files(deps_dir, RUNTIME_PROVIDED)
        for path in sorted(deps_dir.rglob("*")):
            rel = path.relative_to(deps_dir)
            if not path.is_file() or rel in drop or rel.parts[0] in ("bin", ".concert-api-complete"):
                continue
            if rel.name == ".concert-api-complete" or any(p in _SKIP_DIRS for p in rel.parts):
                continue
            if path.suffix in _SKIP_SUFFIXES or rel.name in _SKIP_NAMES:
                continue
            posix = rel.as_posix()
            if prune and any(posix == p or posix.startswith(p + "/") for p in PRUNED_DEPENDENCY_PATHS):
                continue
            if rel.parts[0].endswith(".dist-info"):
                if len(rel.parts) == 2 and rel.name == "METADATA":
                    dest = stage / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_text(_small_metadata(path.read_text(encoding="utf-8", errors="replace")))
                elif (
                    (len(rel.parts) == 2 and rel.name in _DIST_INFO_KEEP)
                    or "licenses" in rel.parts[1:2]
                    or (rel.name.upper().startswith(("LICENSE", "COPYING", "NOTICE")))
                ):
                    _copy(path, stage / rel)
                continue
            _copy(path, stage / rel)
    return excluded


def write_zip(stage: Path, output: Path) -> int:
    """Zip `stage` deterministically into `output`; return the number of files."""
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
    output = output or DEFAULT_OUTPUT_DIR / f"concert-api-lambda-py{python_version}-{architecture}.zip"
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
        excluded = stage_package(stage, repo_root=repo_root, deps_dir=deps, include_boto3=include_boto3, prune=prune)
        if bytecode:
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
        excluded_modules=excluded,
    )


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """The package builder's flags, shared by its own CLI and the deployer's."""
    g = parser.add_argument_group("package")
    g.add_argument(
        "--architecture",
        choices=("x86_64", "arm64"),
        default="x86_64",
        help="Lambda architecture; picks the wheels' platform (default: x86_64)",
    )
    g.add_argument("--python-version", default="3.12", help="Lambda Python version (default: 3.12, runtime python3.12)")
    g.add_argument(
        "--include-boto3",
        action="store_true",
        help="ship boto3/botocore in the zip instead of using the runtime's (pins the SDK version)",
    )
    g.add_argument("--deps-dir", type=Path, help="use this pre-populated dependency directory (offline builds)")
    g.add_argument(
        "--deps-from-site-packages",
        action="store_true",
        help="copy dependencies from this interpreter (only when it matches the Lambda Python/platform)",
    )
    g.add_argument(
        "--skip-deps", action="store_true", help="ship no third-party dependencies (e.g. they come from a layer)"
    )
    g.add_argument("--compile-python", help="interpreter used to compile bytecode (default: python<version> on PATH)")
    g.add_argument("--no-bytecode", action="store_true", help="ship sources only (every cold start compiles)")
    g.add_argument(
        "--no-prune",
        action="store_true",
        help="ship the dependencies whole (default: leave out PRUNED_DEPENDENCY_PATHS)",
    )
    g.add_argument("--package", type=Path, help="deploy this prebuilt zip instead of building one")
    g.add_argument("--output", type=Path, help="where to write the zip (default: build/lambda/...)")


def build_from_args(args: argparse.Namespace, log: Callable[[str], None] = print) -> BuildResult:
    """Run `build_package` with the flags of `add_build_arguments`."""
    return build_package(
        args.output,
        python_version=args.python_version,
        architecture=args.architecture,
        include_boto3=args.include_boto3,
        deps_dir=args.deps_dir,
        deps_from_site_packages=args.deps_from_site_packages,
        skip_deps=args.skip_deps,
        compile_python=args.compile_python,
        bytecode=not args.no_bytecode,
        prune=not args.no_prune,
        log=log,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m concert_tools.deploy.package`: build the zip and print its size."""
    parser = argparse.ArgumentParser(
        prog="python -m concert_tools.deploy.package",
        description="Build the Lambda deployment zip (api_lambda_handlers + concert_api + runtime deps).",
    )
    add_build_arguments(parser)
    parser.add_argument("--list-excluded", action="store_true", help="print the concert_api modules left out")
    args = parser.parse_args(argv)
    try:
        result = build_from_args(args)
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.describe())
    if args.list_excluded:
        for mod, why in result.excluded_modules.items():
            print(f"  excluded {mod}: {why}")
    if result.size > DIRECT_UPLOAD_LIMIT:
        print("note: over the 50 MB direct-upload limit; the deployer will upload it to S3 (--s3-bucket)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


HANDLER_NAMES = (
    "chatbot_handler",
    "venue_popularity_handler",
    "ticket_prediction_handler",
    "recommendations_handler",
    "health_check_handler",
)

_IMPORT_PROBE = """
import importlib, json, sys, time
sys.path[:0] = json.loads(sys.argv[1])
name = sys.argv[2]
t0 = time.perf_counter()
mod = importlib.import_module("api_lambda_handlers")
handler = getattr(mod, name) if name != "-" else None
elapsed = time.perf_counter() - t0
assert handler is None or callable(handler), name
heavy = sorted(m for m in ("duckdb", "numpy", "sklearn", "pandas", "pyarrow") if m in sys.modules)
print(json.dumps({"seconds": elapsed, "modules": len(sys.modules), "heavy": heavy,
                  "origin": getattr(sys.modules["concert_api"], "__file__", None) if name != "-" else None}))
"""


def runtime_provided_dir(target: Path) -> Path:
    """A directory standing in for the Lambda runtime's own packages: symlinks to this interpreter's copies of
    `RUNTIME_PROVIDED` (boto3, botocore, ...), which are pure Python."""
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PROVIDED:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        tops = (dist.read_text("top_level.txt") or "").split() or [name.replace("-", "_")]
        for top in tops:
            for candidate in (Path(str(dist.locate_file(top))), Path(str(dist.locate_file(top + ".py")))):
                link = target / candidate.name
                if candidate.exists() and not link.exists():
                    link.symlink_to(candidate)
    return target


def import_handler(
    unpacked: Path, handler: str, *, python: str, runtime_dir: Path | None = None, env: dict[str, str] | None = None
) -> dict[str, object]:
    """Import one handler from an unpacked package in a fresh, isolated interpreter (`-I -S`: no site-packages,
    no user site, no PYTHONPATH, no current directory; `-B`: no .pyc written, as on a read-only
    /var/task), with only the package and the runtime's own packages on
    sys.path, as on Lambda. `handler="-"` imports nothing but the module. Returns timing and module counts;
    raises PackageError with the interpreter's stderr if the import fails."""
    paths = [str(unpacked)] + ([str(runtime_dir)] if runtime_dir else [])
    run_env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(unpacked),
        "PYTHONDONTWRITEBYTECODE": "1",
        **(env or {}),
    }
    proc = subprocess.run(
        [python, "-I", "-S", "-B", "-c", _IMPORT_PROBE, json.dumps(paths), handler],
        capture_output=True,
        text=True,
        env=run_env,
        cwd=str(unpacked),
        check=False,
    )
    if proc.returncode != 0:
        raise PackageError(f"importing {handler} from {unpacked} failed:\n{proc.stderr.strip()[-3000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result
