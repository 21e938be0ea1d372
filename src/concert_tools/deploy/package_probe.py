"""The import test of an unpacked zip: each handler imported in a fresh interpreter that sees only the zip and
a stand-in for the Lambda runtime's own packages, reporting time, module count and any module Lambda may not
import (`lambda_dependencies.lambda_importable`)."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import subprocess
from pathlib import Path

from concert_api.routes import ROUTES
from concert_tools.deploy.errors import PackageError
from concert_tools.deploy.lambda_dependencies import outside_lambda, runtime_provided_distributions

# The five functions' handlers, in the guide's order.
HANDLER_NAMES = tuple(r.handler for r in ROUTES)

_IMPORT_PROBE = """
import importlib, json, sys, time
sys.path[:0] = json.loads(sys.argv[1])
name = sys.argv[2]
t0 = time.perf_counter()
mod = importlib.import_module("api_lambda_handlers")
handler = getattr(mod, name) if name != "-" else None
elapsed = time.perf_counter() - t0
assert handler is None or callable(handler), name
stdlib = set(sys.stdlib_module_names) | set(sys.builtin_module_names)  # the target interpreter's own
tops = {m.split(".")[0] for m in sys.modules}
print(json.dumps({"seconds": elapsed, "modules": len(sys.modules), "outside_stdlib": sorted(tops - stdlib),
                  "origin": getattr(sys.modules["concert_api"], "__file__", None) if name != "-" else None}))
"""


def runtime_provided_dir(target: Path) -> Path:
    """A directory standing in for the Lambda runtime's own packages: symlinks to this interpreter's copies of
    boto3 and its dependencies (`runtime_provided_distributions`), which are pure Python."""
    target.mkdir(parents=True, exist_ok=True)
    for name in sorted(runtime_provided_distributions()):
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
    """Import one handler from an unpacked package in a fresh, isolated interpreter, as on Lambda.

    `-I -S`: no site-packages, no user site, no PYTHONPATH, no current directory; `-B`: no .pyc written, as on a
    read-only /var/task; only the package and the runtime's own packages on sys.path. `handler="-"` imports
    nothing but the module. Returns the import's seconds, the number of modules loaded, the top-level modules
    outside what Lambda may import (`heavy`, empty when lean) and where `concert_api` came from; raises
    PackageError with the interpreter's stderr if the import fails.
    """
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
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "seconds": report["seconds"],
        "modules": report["modules"],
        "heavy": outside_lambda(report["outside_stdlib"]),
        "origin": report["origin"],
    }
