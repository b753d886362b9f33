"""Atomic file writes: a reader (or a crash, or a full disk) sees the old file or the new
one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from khdesk.core.errors import InputError

# mkstemp creates files 0600; a written file should get the mode any new file gets.
_UMASK = os.umask(0)
os.umask(_UMASK)


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory to fsync it
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], *, private: bool = False) -> None:
    """Write through a temp file in the same folder, flush it to disk, rename it over
    `path`. `private` keeps the file readable by its owner only (key files)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise InputError(f"Không ghi được vào thư mục '{path.parent}': {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if os.name == "posix" and not private:
                os.fchmod(f.fileno(), 0o666 & ~_UMASK)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, PermissionError):
            raise InputError(
                f"Không ghi được '{path.name}' — tệp có đang mở trong chương trình khác không?"
            ) from None
        if isinstance(e, OSError):
            raise InputError(f"Không ghi được '{path.name}': {e.strerror or e}") from None
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = False) -> None:
    atomic_write(path, lambda f: f.write(data), private=private)
