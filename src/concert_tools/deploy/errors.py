"""The deploy tooling's errors: each message says what went wrong and what to do next."""

from __future__ import annotations


class PackageError(RuntimeError):
    """A package build step failed; the message says what to do next."""


class DeployError(RuntimeError):
    """The deployment cannot start (bad configuration, no region, unreadable env file); one line for the user."""
