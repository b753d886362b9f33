"""The one contract for long work: how a service says how far it is, and how it is asked
to stop.

A long service takes two keyword arguments, always these names:

    def import_file(..., *, progress: ProgressReport = no_progress,
                    cancel: CancelToken | None = None) -> ...

It calls `step(progress, cancel, done, total, what)` between units of work (a sheet, a
bundle, a scope). `step` raises Cancelled when the token was cancelled, so the unit's
transaction rolls back and nothing is half-written. Once a service starts its irreversible
part, it stops checking. The UI (ui/operation.py) and the CLI make the token; the work runs
on another thread, hence the lock-free Event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from khdesk.core.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """How far: `done` of `total` units (`total` 0: not known), doing `what` (Vietnamese)."""

    done: int
    total: int
    what: str = ""


ProgressReport = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """The default report: nobody is watching."""


class CancelToken:
    """Asked to stop from one thread, checked by the work on another."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise Cancelled if cancel() was called."""
        if self._event.is_set():
            raise Cancelled()


def step(
    progress: ProgressReport, cancel: CancelToken | None, done: int, total: int, what: str = ""
) -> None:
    """A unit boundary: stop here if asked (raises Cancelled), else say how far."""
    if cancel is not None:
        cancel.check()
    progress(Progress(done, total, what))
