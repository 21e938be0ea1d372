"""File-system failures said the way a user can act on them: the cause in words, never a traceback."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

import click

_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted (is the directory immutable or read-only?)",
    errno.ENOENT: "a directory on the way does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
}


def os_error_message(exc: OSError) -> str:
    """`exc`'s cause in plain words, with the path it concerns when known."""
    cause = _CAUSES.get(exc.errno or 0) or exc.strerror or type(exc).__name__
    where = exc.filename
    return f"{cause} ({where})" if where else cause


def require_writable(directory: Path, what: str) -> None:
    """Fail now, before any long work, when `directory` cannot take a new file: `what` is what would be written
    there ("the model", "the warehouse"). Tries for real (creates and removes a file): permission bits say
    nothing of a read-only mount, an immutable directory or root's rights."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise click.ClickException(
            f"Cannot write {what} into {directory}: {os_error_message(exc)}. Make it writable (or free space), or "
            "use another data dir with --data-dir / CONCERT_DATA_DIR; nothing was changed."
        ) from None
