"""Long commands: how far, on stderr when it is a terminal (never in a pipe or a log),
and Ctrl+C asks the service to stop at its next step — it raises Cancelled and the
transaction rolls back. A second Ctrl+C stops at once (still inside a transaction: the
database is never half-written, only the step is lost)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress


def _printer(stream: Any) -> ProgressReport:
    def show(p: Progress) -> None:
        counted = f" {p.done}/{p.total}" if p.total else ""
        stream.write(f"\r\033[K{p.what}{counted}")
        stream.flush()

    return show


@contextmanager
def long_work() -> Iterator[dict[str, Any]]:
    """The `progress=` and `cancel=` arguments for a long service, as a dict to pass on."""
    token = CancelToken()
    shown = sys.stderr.isatty()

    def on_interrupt(signum: int, frame: Any) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        print("\nkhdesk: đang dừng ở bước kế tiếp… (bấm Ctrl+C lần nữa để dừng ngay)",
              file=sys.stderr)  # fmt: skip

    # Signal handlers belong to the main thread; elsewhere (tests) Ctrl+C stays as it was.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_interrupt) if main else None
    try:
        yield {"progress": _printer(sys.stderr) if shown else no_progress, "cancel": token}
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        if shown:
            sys.stderr.write("\r\033[K")  # the progress line goes; the result stays
            sys.stderr.flush()
