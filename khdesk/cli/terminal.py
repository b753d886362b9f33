"""The command line prints text, never terminal commands.

File names on a USB stick, sheet names, a sender's note: text from outside reaches the
terminal inside messages and reports. An escape sequence in it could retitle the window,
clear the screen or recolour a verdict, a CR overwrite "hợp lệ" onto a refusal, a bidi
mark reverse a name. Every write to stdout and stderr goes through `printable` instead
of each print remembering to."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from khdesk.core.text import printable


class _PrintableStream:
    """A text stream that writes `printable(text)` to the one it wraps."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, encoding, isatty ...
        return getattr(self._stream, name)


@contextlib.contextmanager
def printable_output() -> Iterator[None]:
    """stdout and stderr through `printable` while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PrintableStream(sys.stdout), _PrintableStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
