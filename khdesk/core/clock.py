"""The clock the core reads (injected, so tests never depend on the wall clock)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00")


def is_iso(text: object) -> bool:
    """Is `text` a moment exactly as `iso` writes it (seconds, UTC as "+00:00")? The sync
    formats accept no other spelling (FORMAT.md §3.1)."""
    if not isinstance(text, str) or not _ISO.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
