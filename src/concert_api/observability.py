"""Logging and metrics: one JSON object per log line and CloudWatch metrics in Embedded Metric Format.

Built on Powertools for AWS Lambda. Log lines carry the guide's keys (`event`, `request_id`, `level`,
`timestamp`) beside Powertools' own (`cold_start`, `function_name`, `service`, ...). `LOG_LEVEL=DEBUG` adds
request and response summaries (sizes, field names, status), never bodies or headers, so no secret reaches a log.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", "concert-api")
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ConcertAPI")

_RENAMES = {"message": "event", "function_request_id": "request_id"}


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def valid_level(value: str | None) -> str:
    """`value` as a logging level name; anything unknown is INFO, so a typo in LOG_LEVEL cannot break startup."""
    level = (value or "INFO").strip().upper()
    return level if level in LEVELS else "INFO"


class GuideFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with the guide's key names: `event` for the message, `request_id`, and a
    lower-case `level`."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        renamed = {_RENAMES.get(key, key): value for key, value in log.items()}
        if isinstance(renamed.get("level"), str):
            renamed["level"] = renamed["level"].lower()
        return super().serialize(renamed)


class _CurrentStream:
    """Writes to whatever `sys.stdout` (or `sys.stderr`) is at the time of writing, not at import."""

    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, text: str) -> int:
        return getattr(sys, self.name).write(text)

    def flush(self) -> None:
        getattr(sys, self.name).flush()


logger = Logger(
    service=SERVICE_NAME,
    # Lambda reads stdout; the CLI asks for stderr so that what it prints stays machine-readable.
    stream=_CurrentStream("stderr" if os.environ.get("CONCERT_LOG_STREAM") == "stderr" else "stdout"),  # type: ignore[arg-type]
    level=valid_level(os.environ.get("LOG_LEVEL")),
    logger_formatter=GuideFormatter(
        use_rfc3339=True,
        utc=True,
        log_record_order=["message", "function_request_id", "request_id", "level", "timestamp"],
    ),
)
"""The one logger of the API's entry points."""

# The package's modules log with `logging.getLogger(__name__)`; their records go through the same handler and
# formatter, so they are JSON lines with the request id too.
_package_logger = logging.getLogger("concert_api")
_package_logger.addHandler(logger.registered_handler)
_package_logger.propagate = False


def set_level(level: str | None) -> None:
    """Apply LOG_LEVEL (from the settings, `.env` included) to the entry points' and the package's loggers."""
    name = valid_level(level)
    logger.setLevel(name)
    _package_logger.setLevel(name)


set_level(os.environ.get("LOG_LEVEL"))

metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
"""The one metrics emitter; flushed as an EMF document at the end of each invocation."""


class RateLimitedLog:
    """At most one log line per `interval` seconds for each cause (e.g. one dependency outage), so an outage
    under load writes a line every few seconds instead of one per request. The line that is written carries
    how many were left out since the last one (`suppressed`). Thread-safe."""

    def __init__(self, interval: float = 10.0, clock: Any = None) -> None:
        import threading
        import time

        self.interval = interval
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._last: dict[Any, tuple[float, int]] = {}

    def admit(self, cause: Any) -> int | None:
        """None when a line for `cause` was written less than `interval` ago (this one is counted and left
        out); else the number left out since the last line, and the caller writes its line."""
        now = self._clock()
        with self._lock:
            last, suppressed = self._last.get(cause, (float("-inf"), 0))
            if now - last < self.interval:
                self._last[cause] = (last, suppressed + 1)
                return None
            self._last[cause] = (now, 0)
            return suppressed


outages = RateLimitedLog()
"""The rate limit of the WARNING lines for expected dependency outages (503/504)."""
