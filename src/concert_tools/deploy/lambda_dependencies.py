"""What Lambda may import: the one list the package builder and the import-path test share.

The runtime package `concert_api` declares what it needs in pyproject.toml's `[project] dependencies`; everything
else (DuckDB, numpy, scikit-learn, uvicorn, ...) sits in extras and never reaches Lambda. So the set of modules a
handler may load on Lambda is derived, not kept by hand:

* the standard library (`sys.stdlib_module_names`, plus the interpreter's built-in modules);
* `api_lambda_handlers` and `concert_api`;
* the import names of concert-api's requirements without an `extra` marker, and of their own requirements,
  transitively, read from the installed distributions' metadata (`importlib.metadata`).

Of those distributions, the Lambda Python runtime already carries boto3 and what boto3 depends on
(`runtime_provided_distributions`); the builder leaves them out of the zip unless asked to ship them.
"""

from __future__ import annotations

import functools
import importlib.metadata as md
import re
import sys
from collections.abc import Iterable

from packaging.requirements import Requirement

PROJECT = "concert-api"
RUNTIME_PACKAGE = "concert_api"
HANDLER_MODULE = "api_lambda_handlers"
# The distribution the Lambda Python runtime ships; it and its requirements are not vendored.
RUNTIME_SDK = "boto3"
_SYSCONFIGDATA = "_sysconfigdata_"


class MissingDistributionError(RuntimeError):
    """A declared requirement is not installed in this interpreter, so its metadata cannot be read."""


def canonical_name(name: str) -> str:
    """A distribution name normalised as PEP 503 does (`Python_Dateutil` -> `python-dateutil`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The canonical distribution name of a requirement string (`pydantic>=2.7` -> `pydantic`)."""
    return canonical_name(Requirement(requirement).name)


def _unconditional(raw: str) -> Requirement | None:
    """The requirement when it applies without any extra on this interpreter, else None."""
    req = Requirement(raw)
    if req.marker is None or req.marker.evaluate({"extra": ""}):
        return req
    return None


def distribution_closure(requirements: Iterable[str]) -> dict[str, md.Distribution]:
    """The installed distributions satisfying `requirements` and, transitively, their non-extra requirements.

    Keys are canonical names. Raises MissingDistributionError naming the first one that is not installed.
    """
    seen: dict[str, md.Distribution] = {}
    todo = [req for req in (_unconditional(r) for r in requirements) if req is not None]
    while todo:
        req = todo.pop()
        name = canonical_name(req.name)
        if name in seen:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError as exc:
            raise MissingDistributionError(f"{req.name} is not installed in this interpreter") from exc
        seen[name] = dist
        todo.extend(sub for sub in (_unconditional(r) for r in dist.requires or []) if sub is not None)
    return dict(sorted(seen.items()))


def declared_requirements() -> list[str]:
    """concert-api's requirements without an `extra` marker, from its installed metadata."""
    try:
        raw = md.requires(PROJECT) or []
    except md.PackageNotFoundError as exc:
        raise MissingDistributionError(f"{PROJECT} is not installed; run `make install`") from exc
    return sorted(str(req) for req in (_unconditional(r) for r in raw) if req is not None)


@functools.cache
def lambda_distributions() -> frozenset[str]:
    """Canonical names of every distribution Lambda may load: the declared requirements' closure."""
    return frozenset(distribution_closure(declared_requirements()))


@functools.cache
def runtime_provided_distributions() -> frozenset[str]:
    """Canonical names of what the Lambda Python runtime provides: boto3 and its requirements' closure."""
    return frozenset(distribution_closure([RUNTIME_SDK]))


def import_names(distributions: Iterable[str]) -> frozenset[str]:
    """The top-level import names the given distributions install (`python-dateutil` -> `dateutil`)."""
    wanted = {canonical_name(d) for d in distributions}
    names = {
        module
        for module, dists in md.packages_distributions().items()
        if any(canonical_name(d) in wanted for d in dists)
    }
    return frozenset(names)


@functools.cache
def lambda_importable() -> frozenset[str]:
    """Every top-level module name a handler may load on Lambda (see the module docstring). The one list."""
    stdlib = set(sys.stdlib_module_names) | set(sys.builtin_module_names) | {"__main__"}
    return frozenset(stdlib | {RUNTIME_PACKAGE, HANDLER_MODULE} | import_names(lambda_distributions()))


def outside_lambda(modules: Iterable[str]) -> list[str]:
    """The top-level names among `modules` (dotted names allowed) that Lambda may not import, sorted."""
    allowed = lambda_importable()
    tops = {m.split(".")[0] for m in modules}
    # sysconfig's per-platform data module is part of the standard library but named after the platform.
    return sorted(m for m in tops - allowed if not m.startswith(_SYSCONFIGDATA))
