"""One writer at a time per data dir: the commands that write it (`data generate`, `data load`, `model train`)
hold an exclusive `flock` on `<data dir>/.lock` while they run.

A second command waits for the first, saying which one it waits for, up to `--lock-timeout` seconds, then gives
up with what to do next. The lock belongs to the process (the kernel drops it when the process exits, even when
killed), so a crashed command never leaves a stale lock behind; the file itself stays, holding the last
holder's description.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from concert_tools.cli.failures import os_error_message

LOCK_FILE = ".lock"
DEFAULT_TIMEOUT_SECONDS = 300.0
POLL_SECONDS = 0.2

F = TypeVar("F", bound=Callable[..., Any])


def lock_timeout_option(fn: F) -> F:
    """The `--lock-timeout` option of a command that writes the data dir."""
    return click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0),
        default=DEFAULT_TIMEOUT_SECONDS,
        show_default=True,
        help="Seconds to wait for another command writing the same data dir (0: give up at once).",
    )(fn)


@contextlib.contextmanager
def data_dir_lock(directory: Path, command: str, timeout: float) -> Iterator[None]:
    """Hold the data dir's write lock for the block; wait (saying so on stderr) while another command holds it,
    at most `timeout` seconds, then fail with a `click.ClickException` naming the holder and the way out."""
    path = Path(directory) / LOCK_FILE
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise click.ClickException(
            f"Cannot write to the data dir {directory}: {os_error_message(exc)}. Use a writable directory "
            "(--data-dir or CONCERT_DATA_DIR), or free space / fix its permissions, then run the command again."
        ) from None
    try:
        _acquire(fd, path, command, timeout)
        with contextlib.suppress(OSError):  # the description is a courtesy for the next waiter; the lock holds
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{command} (pid {os.getpid()})\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, path: Path, command: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    said = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if said:
                click.echo(f"{path.parent} is free now; running `{command}`.", err=True)
            return
        except BlockingIOError:
            pass
        holder = _holder(path)
        if time.monotonic() >= deadline:
            raise click.ClickException(
                f"Gave up after {timeout:g} s: {holder} is still writing {path.parent}. Wait for it to finish "
                f"and run `{command}` again, or pass a longer --lock-timeout."
            )
        if not said:
            click.echo(f"Waiting for {holder} to finish writing {path.parent} (up to {timeout:g} s; "
                       "--lock-timeout changes this)...", err=True)  # fmt: skip
            said = True
        sys.stderr.flush()
        time.sleep(POLL_SECONDS)


def _holder(path: Path) -> str:
    """Who holds the lock, as the holder wrote it (`concert-api data load (pid 1234)`)."""
    try:
        text = path.read_text().strip()
    except OSError:
        text = ""
    return f"`{text.split(' (pid')[0]}` ({text.split(' (', 1)[1]}" if " (pid" in text else "another command"
