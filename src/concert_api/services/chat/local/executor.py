"""The executor: runs the tools a decision names and reports what happened, without wording anything.

One decision may run a tool more than once: a comparison of two places or two artists ("concerts in LA vs
Phoenix") runs the same question once for each. A name the tool finds ambiguous, a name or id it does not know,
and bad arguments come back as an `Outcome` for the renderer to say; personal recommendations for a user the
data lacks are run again without the user, and the outcome says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from concert_api.errors import BadRequest, NotFound
from concert_api.services.chat.tools import TOOL_FOR_INTENT, AmbiguousName, ToolContext, ToolResult, run_tool


@dataclass
class Outcome:
    """What running a decision's tool gave: the results (one per run), or why there are none."""

    tool: str
    arguments: list[dict[str, Any]]
    results: list[ToolResult] = field(default_factory=list)
    ambiguous: AmbiguousName | None = None
    error: NotFound | BadRequest | None = None
    unknown_user: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.results) and self.ambiguous is None and self.error is None

    @property
    def first(self) -> ToolResult:
        return self.results[0]


def tool_for(intent: str, arguments: dict[str, Any]) -> str:
    """The tool that answers an intent. A ranking question about one venue ("how does X rank?") is answered by
    its profile, which holds its rank."""
    if intent == "venue_popularity" and "venue" in arguments:
        return "venue_lookup"
    return TOOL_FOR_INTENT[intent].name


class Executor:
    """Runs tools against a `ToolContext` built for the day being answered."""

    def __init__(self, context: Callable[[dt.date], ToolContext]) -> None:
        self._context = context

    def execute(self, intent: str, runs: list[dict[str, Any]], today: dt.date) -> Outcome:
        """Run the intent's tool once per argument set (every run uses the first run's tool)."""
        tool = tool_for(intent, runs[0])
        outcome = Outcome(tool=tool, arguments=runs)
        context = self._context(today)
        for arguments in runs:
            try:
                outcome.results.append(run_tool(tool, arguments, context))
            except AmbiguousName as exc:
                outcome.ambiguous = exc
                return outcome
            except NotFound as exc:
                if tool == "recommendations" and arguments.get("user_id") and str(exc.details).startswith("user_id"):
                    outcome.unknown_user = str(arguments["user_id"])
                    without = {k: v for k, v in arguments.items() if k != "user_id"}
                    outcome.results.append(run_tool(tool, without, context))
                    continue
                outcome.error = exc
                return outcome
            except BadRequest as exc:
                outcome.error = exc
                return outcome
        return outcome
