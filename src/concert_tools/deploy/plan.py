"""The dry run's plan: what would be created or updated, from the spec and the env file, checked against AWS
with read-only calls where credentials allow. What could not be checked is said, never guessed silently."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from concert_tools.deploy.account import AccountContext
from concert_tools.deploy.aws_errors import reason
from concert_tools.deploy.deploy_config import DeployConfig
from concert_tools.deploy.functions import environment_for, get_function_or_none
from concert_tools.deploy.permissions import current_statements, stale_sids, wanted_grants
from concert_tools.deploy.spec import ALIAS_NAME, FunctionSpec

# Operations the deployer may call in --dry-run: reads only. Tests assert nothing else is called.
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head")


def plan_function(
    spec: FunctionSpec,
    config: DeployConfig,
    ctx: AccountContext,
    lam: Callable[[], Any] | None,
    policy_for: Callable[[FunctionSpec], dict[str, Any]],
) -> dict[str, Any]:
    """The plan for one function; `lam` is None offline. Failed reads land in `ctx.unchecked`."""
    name = config.function_name(spec)
    grants = wanted_grants(spec, config, ctx.account, ctx.partition)
    action, stale = "create or update", []
    if lam is None:
        ctx.unchecked.append(f"whether {name} exists (offline: no AWS identity)")
    else:
        try:
            exists = get_function_or_none(lam(), name) is not None
            action = "update" if exists else "create"
            if exists:
                for qualifier in sorted({g.qualifier for g in grants}, key=lambda q: q or ""):
                    here = [g for g in grants if g.qualifier == qualifier]
                    current = current_statements(lam(), name, qualifier)
                    stale += [f"{sid} on {qualifier or 'function'}" for sid in stale_sids(spec, config, here, current)]
        except Exception as exc:
            ctx.unchecked.append(f"whether {name} exists, and its permissions ({reason(exc)})")
    return {
        "key": spec.key,
        "function_name": name,
        "action": action,
        "handler": spec.handler,
        "runtime": config.runtime,
        "architecture": config.architecture,
        "memory_mb": spec.memory_mb,
        "timeout_s": spec.timeout_s,
        "alias": ALIAS_NAME,
        "environment": list(environment_for(config, spec)),
        "role": config.role_arn or config.role_name(spec),
        "role_given": bool(config.role_arn),
        "policy_name": None if config.role_arn else f"{name}-policy",
        "policy": None if config.role_arn else policy_for(spec),
        "provisioned_concurrency": config.provisioned_concurrency,
        "permissions": [{"sid": g.sid, "principal": g.principal, "on": g.target, "source": g.source} for g in grants],
        "remove_permissions": stale,
    }


def render_plan(
    config: DeployConfig, ctx: AccountContext, package_line: str | None, functions: list[dict[str, Any]]
) -> list[str]:
    """The plan as text lines (environment variable names only, never values)."""
    lines = [f"Plan for stage {config.stage!r} in {config.region} (account {ctx.account}):"]
    if package_line:
        lines.append(f"  package: {package_line}")
    sessions = config.env.get("CONCERT_SESSIONS_TABLE")
    if sessions and any("CONCERT_SESSIONS_TABLE" in spec.env_names() for spec in config.functions):
        lines.append(f"  chat sessions table: {sessions} (created when missing: on demand, encrypted, "
                     "time to live on expires_at)")
    for f in functions:
        lines.append(
            f"  {f['action']} {f['function_name']}: handler {f['handler']}, {f['runtime']}/{f['architecture']},"
            f" {f['memory_mb']} MB, {f['timeout_s']} s, alias {f['alias']}"
        )
        lines.append(f"    environment (names only): {', '.join(f['environment'])}")
        if f["role_given"]:
            lines.append(f"    role: {f['role']} (given; not modified)")
        else:
            lines.append(f"    role: {f['role']} with inline policy {f['policy_name']}:")
            lines.extend(f"      {line}" for line in json.dumps(f["policy"], indent=2).splitlines())
        if f["provisioned_concurrency"] is not None:
            lines.append(f"    provisioned concurrency on {f['alias']}: {f['provisioned_concurrency']}")
        for p in f["permissions"]:
            lines.append(f"    permission {p['sid']} for {p['principal']} on {p['on']}: {p['source']}")
        for stale in f["remove_permissions"]:
            lines.append(f"    remove stale permission {stale}")
    if ctx.unchecked:
        lines.append("Could not check (the plan is incomplete):")
        lines.extend(f"  - {item}" for item in ctx.unchecked)
    lines.append("Dry run: nothing was changed.")
    return lines
