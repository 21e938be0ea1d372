"""What a run reports: the guide's DEPLOYMENT SUMMARY block, or one JSON document with `--output json`."""

from __future__ import annotations

import json
from typing import Any

from concert_tools.deploy.deploy_config import FunctionResult

SUMMARY_RULE = "=" * 40


def format_summary(results: list[FunctionResult]) -> str:
    """The guide's DEPLOYMENT SUMMARY block: one entry per function, SUCCESS or FAILED with the reason."""
    lines = [SUMMARY_RULE, "DEPLOYMENT SUMMARY", SUMMARY_RULE, ""]
    for r in results:
        lines.append(f"{r.key}: {'SUCCESS' if r.ok else 'FAILED'}")
        lines.append(f"  Function Name: {r.name}")
        if r.ok:
            lines.append(f"  Function ARN: {r.arn}")
        else:
            lines.append(f"  Error: {r.error}")
        lines.append("")
    lines.append(SUMMARY_RULE)
    return "\n".join(lines)


def summary_json(
    *,
    region: str,
    account: str | None,
    results: list[FunctionResult] | None = None,
    plan: list[dict[str, Any]] | None = None,
    unchecked: list[str] | None = None,
    error: str | None = None,
) -> str:
    """One JSON document for `--output json`: the results (or the plan of a dry run), what could not be checked,
    and an overall `ok`."""
    results = results or []
    unchecked = unchecked or []
    doc: dict[str, Any] = {
        "ok": error is None and all(r.ok for r in results) and (plan is None or not unchecked),
        "dry_run": plan is not None,
        "region": region,
        "account": account,
        "error": error,
        "unchecked": unchecked,
    }
    if plan is not None:
        doc["plan"] = plan
    else:
        doc["functions"] = [r.as_dict() for r in results]
    return json.dumps(doc, indent=2)
