"""Path arguments as people type them. A `*` or `?` in a name is expanded by khdesk
itself: cmd and PowerShell pass `E:\\*.khdb` through as typed (bash has expanded it
already, and then there is nothing left to expand)."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from khdesk.core.errors import InputError, UsageError

_WILD = ("*", "?")


def expand(patterns: list[str]) -> list[Path]:
    """Every path, a pattern replaced by the files it matches (sorted by name)."""
    paths: list[Path] = []
    for pattern in patterns:
        if not any(c in pattern for c in _WILD):
            paths.append(Path(pattern))
            continue
        found = sorted(glob.glob(pattern))
        if not found:
            raise InputError(f"Không có tệp nào khớp '{pattern}'.")
        paths += [Path(f) for f in found]
    return paths


def one(pattern: str) -> Path:
    """The one file a path argument names (a pattern must match exactly one)."""
    paths = expand([pattern])
    if len(paths) > 1:
        names = ", ".join(p.name for p in paths[:5])
        raise UsageError(
            f"'{pattern}' khớp {len(paths)} tệp ({names}{', …' if len(paths) > 5 else ''}): "
            "lệnh này nhận một tệp, hãy ghi rõ tên."
        )
    return paths[0]


def file_or_folder(text: str) -> Path:
    """An `--out` that takes a file or a folder: typed with a trailing separator
    (`E:\\goi\\`, `/media/usb/goi/`) it is a folder, made if missing, and the command names
    the file in it; Path() would drop the separator and write a file named 'goi'."""
    seps = tuple(s for s in (os.sep, os.altsep) if s)
    out = Path(text)
    if text.endswith(seps) and not out.is_dir():
        try:
            out.mkdir(parents=True)
        except OSError as exc:
            raise InputError(f"Không tạo được thư mục '{text}': {exc.strerror}.") from None
    return out
