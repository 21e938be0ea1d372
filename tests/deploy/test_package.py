"""The deployment package: lean, reproducible, bytecode Lambda will use, and complete (every handler imports from
the unpacked zip in a fresh interpreter that sees only the zip and the Lambda runtime's own packages)."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from concert_tools.deploy.lambda_dependencies import runtime_provided_distributions
from concert_tools.deploy.package import (
    HANDLER_NAMES,
    PackageError,
    build_package,
    find_python,
    import_handler,
    runtime_provided_dir,
    select_sources,
)
from concert_tools.deploy.package_dependencies import runtime_requirements
from concert_tools.deploy.spec import AGENT_ACTION_GROUP_HANDLER

ROOT = Path(__file__).resolve().parents[2]

PYVER = f"{sys.version_info.major}.{sys.version_info.minor}"
TAG = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
FIVE_MB = 5 * 1024 * 1024
# The five handlers and the optional Bedrock Agent action group's, all in the one zip.
ALL_HANDLERS = (*HANDLER_NAMES, AGENT_ACTION_GROUP_HANDLER)


@pytest.fixture(scope="module")
def site_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full package for this interpreter's Python, dependencies copied from its site-packages (no network)."""
    out = tmp_path_factory.mktemp("site") / "pkg.zip"
    build_package(out, python_version=PYVER, deps_from_site_packages=True, log=lambda _m: None)
    return out


def test_same_input_gives_the_same_bytes(site_zip: Path, tmp_path: Path) -> None:
    again = build_package(
        tmp_path / "again.zip", python_version=PYVER, deps_from_site_packages=True, log=lambda _m: None
    )
    assert again.path.read_bytes() == site_zip.read_bytes()


def test_zip_entries_are_sorted_dated_1980_and_0644(site_zip: Path) -> None:
    with zipfile.ZipFile(site_zip) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_layout_is_lean(site_zip: Path) -> None:
    with zipfile.ZipFile(site_zip) as zf:
        names = zf.namelist()
    tops = {n.split("/")[0] for n in names}
    assert "api_lambda_handlers.py" in names
    assert {"concert_api", "pydantic", "pydantic_core", "aws_lambda_powertools", "dotenv"} <= tops
    for provided in ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py"):
        assert provided not in tops, provided
    # The offline tooling (CLI, data, model training, deploy) lives in concert_tools, which is never shipped.
    assert "concert_tools" not in tops
    for local_only in ("cli", "data", "deploy"):
        assert not any(n.startswith(f"concert_api/{local_only}/") for n in names), local_only
    assert not any(n.endswith("/RECORD") or "/tests/" in n for n in names)


def test_the_zip_carries_the_whole_runtime_package_and_no_tooling(site_zip: Path) -> None:
    with zipfile.ZipFile(site_zip) as zf:
        names = set(zf.namelist())
    runtime = {n for n in names if n.startswith("concert_api/") and "/__pycache__/" not in n}
    assert runtime == {p.as_posix() for p in select_sources(ROOT / "src")}
    assert "concert_api/server/app.py" in runtime  # lazily importing starlette: shipped, never imported on Lambda
    assert not any(n.startswith("concert_tools/") for n in names)


def test_every_module_has_unchecked_hash_bytecode(site_zip: Path) -> None:
    with zipfile.ZipFile(site_zip) as zf:
        names = set(zf.namelist())
        sources = [n for n in names if n.endswith(".py")]
        assert sources
        for src in sources:
            folder, _, mod = src.rpartition("/")
            pyc = f"{folder + '/' if folder else ''}__pycache__/{mod[:-3]}.{TAG}.pyc"
            assert pyc in names, src
        for pyc in (n for n in names if n.endswith(".pyc")):
            flags = struct.unpack("<I", zf.read(pyc)[4:8])[0]
            assert flags == 0b01, pyc  # hash-based, source not checked: no recompiling on a read-only /var/task


def test_every_handler_imports_from_the_unpacked_zip(site_zip: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(site_zip) as zf:
        zf.extractall(unpacked)
    runtime = runtime_provided_dir(tmp_path / "runtime")
    for handler in ALL_HANDLERS:
        result = import_handler(unpacked, handler, python=sys.executable, runtime_dir=runtime)
        assert result["heavy"] == [], handler
        assert str(result["origin"]).startswith(str(unpacked)), result


def test_an_import_outside_the_declared_dependencies_is_reported(site_zip: Path, tmp_path: Path) -> None:
    # Given an unpacked zip whose handler module imports a library that is not a declared dependency
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(site_zip) as zf:
        zf.extractall(unpacked)
    (unpacked / "numpy").mkdir()
    (unpacked / "numpy" / "__init__.py").write_text("")
    shim = unpacked / "api_lambda_handlers.py"
    shim.write_text(shim.read_text() + "\nimport numpy  # noqa\n")
    for pyc in (unpacked / "__pycache__").glob("api_lambda_handlers.*.pyc"):
        pyc.unlink()  # unchecked-hash bytecode would otherwise hide the edit, as intended on Lambda
    # When a handler is imported from it
    result = import_handler(
        unpacked, "health_check_handler", python=sys.executable, runtime_dir=runtime_provided_dir(tmp_path / "rt")
    )
    # Then the import is flagged against the one list of what Lambda may import
    assert result["heavy"] == ["numpy"]


def test_a_missing_dependency_is_caught(site_zip: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(site_zip) as zf:
        zf.extractall(unpacked, [n for n in zf.namelist() if not n.startswith("pydantic_core/")])
    with pytest.raises(PackageError, match="pydantic_core"):
        import_handler(
            unpacked,
            "health_check_handler",
            python=sys.executable,
            runtime_dir=runtime_provided_dir(tmp_path / "runtime"),
        )


def test_sources_are_the_whole_runtime_package_less_caches_and_typing_marker(tmp_path: Path) -> None:
    # Given a runtime package with a lazily imported local-only module, data files, caches and py.typed
    pkg = tmp_path / "concert_api"
    for rel, text in {
        "__init__.py": "",
        "settings.py": "import os\n",
        "adapters/warehouse/duckdb.py": "def make():\n    import duckdb\n    return duckdb\n",
        "adapters/warehouse/queries/venues.sql": "select 1",
        "server/app.py": "def create_app():\n    import starlette\n",
        "__pycache__/settings.cpython-311.pyc": "",
        "settings.pyi": "",
        "py.typed": "",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    (tmp_path / "concert_tools").mkdir()
    (tmp_path / "concert_tools" / "__init__.py").write_text("")
    # When the sources are selected (no import is read)
    kept = {p.as_posix() for p in select_sources(tmp_path)}
    # Then every file of concert_api ships except caches, stubs and the typing marker; concert_tools never does
    assert kept == {
        "concert_api/__init__.py",
        "concert_api/settings.py",
        "concert_api/adapters/warehouse/duckdb.py",
        "concert_api/adapters/warehouse/queries/venues.sql",
        "concert_api/server/app.py",
    }


def test_the_builder_leaves_out_exactly_what_the_lambda_runtime_provides() -> None:
    # The runtime-provided set is boto3's own dependency closure, read from the installed metadata
    assert runtime_provided_distributions() == {
        "boto3",
        "botocore",
        "s3transfer",
        "jmespath",
        "urllib3",
        "python-dateutil",
        "six",
    }
    reqs = runtime_requirements(ROOT / "pyproject.toml")
    assert not any(r.startswith("boto3") for r in reqs)
    assert any(r.startswith("pydantic") for r in reqs)
    assert any(r.startswith("boto3") for r in runtime_requirements(ROOT / "pyproject.toml", include_boto3=True))


@pytest.mark.network
@pytest.mark.slow
def test_lambda_platform_build_is_small_and_imports_on_python312(tmp_path: Path) -> None:
    """The real build: wheels for manylinux/python3.12 from the package index, bytecode by python3.12.

    Needs the package index; outside CI an unreachable index skips it, in CI (CI=true) it fails instead.
    """
    in_ci = bool(os.environ.get("CI"))
    try:
        python312 = find_python("3.12")
        result = build_package(tmp_path / "lambda.zip", python_version="3.12", log=lambda _m: None)
    except PackageError as exc:
        if in_ci:
            raise
        pytest.skip(f"no package index or python3.12 here: {str(exc).splitlines()[0]}")
    assert result.size <= FIVE_MB, f"{result.size:,} bytes"
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(unpacked)
        assert any(
            n.startswith("pydantic_core/")
            and "manylinux" not in n
            and n.endswith(".so")
            and "cpython-312-x86_64-linux-gnu" in n
            for n in zf.namelist()
        )
    runtime = runtime_provided_dir(tmp_path / "runtime")
    for handler in ALL_HANDLERS:
        assert import_handler(unpacked, handler, python=python312, runtime_dir=runtime)["heavy"] == []
