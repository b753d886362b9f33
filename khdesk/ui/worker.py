"""Long work off the UI thread: a modal progress dialog with a cancel button.

The function runs on a worker thread and gets a `progress(done, total, text)` callback;
calling it after the user pressed "Hủy" raises Cancelled inside the function, so the
service's transaction rolls back and nothing is half-written. The window keeps painting.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from khdesk.core.errors import Cancelled, KhdeskError
from khdesk.core.progress import Progress

log = logging.getLogger(__name__)

__all__ = ["Cancelled", "run_with_progress"]  # Cancelled now lives in core.errors


class _Runner(QObject):
    progressed = Signal(int, int, str)
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.cancel_requested = False
        self.result: Any = None
        self.error: BaseException | None = None

    def progress(self, done: int | Progress, total: int = 0, text: str = "") -> None:
        if isinstance(done, Progress):  # a service's report (core/progress.py)
            done, total, text = done.done, done.total, done.what
        if self.cancel_requested:
            raise Cancelled()
        self.progressed.emit(done, total, text)

    def run(self) -> None:
        try:
            self.result = self.fn(*self.args, progress=self.progress, **self.kwargs)
        except BaseException as exc:  # handed back to the UI thread, never lost
            self.error = exc
        finally:
            self.finished.emit()


class _DialogUpdater(QObject):
    """Lives on the UI thread, so the worker's progress signals are handled there (a plain
    function as the slot would run on the worker thread and touch widgets from it)."""

    def __init__(self, dialog: QProgressDialog, title: str):
        super().__init__(dialog)
        self.dialog, self.title = dialog, title

    @Slot(int, int, str)
    def update(self, done: int, total: int, text: str) -> None:
        self.dialog.setMaximum(max(total, 0))
        self.dialog.setValue(min(done, total) if total else 0)
        if text:
            self.dialog.setLabelText(f"{self.title}\n{text}")


def run_with_progress(
    parent: QWidget | None,
    title: str,
    fn: Callable[..., Any],
    *args: Any,
    cancellable: bool = True,
    **kwargs: Any,
) -> Any:
    """Run fn(*args, progress=..., **kwargs) on a worker thread; return its result or
    raise its exception here, on the UI thread."""
    dialog = QProgressDialog(title, "Hủy" if cancellable else "", 0, 0, parent)
    dialog.setWindowTitle("khdesk")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)  # quick work shows no dialog at all
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if not cancellable:
        dialog.setCancelButton(None)

    runner = _Runner(fn, args, kwargs)
    thread = QThread()
    runner.moveToThread(thread)
    thread.started.connect(runner.run)
    loop = QEventLoop()

    shown = _DialogUpdater(dialog, title)

    def on_cancel() -> None:
        runner.cancel_requested = True
        dialog.setLabelText(f"{title}\nĐang hủy…")

    runner.progressed.connect(shown.update, Qt.ConnectionType.QueuedConnection)
    runner.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(on_cancel)
    thread.start()
    loop.exec()
    thread.quit()
    thread.wait()
    dialog.close()
    dialog.deleteLater()
    result, error = runner.result, runner.error
    # Break the cycles (closures, connections) holding this call's Qt objects and collect
    # them now, on the UI thread: left to the cyclic collector, they could be freed later
    # on some worker thread, and a Qt object destroyed from the wrong thread crashes.
    runner.progressed.disconnect()
    runner.finished.disconnect()
    dialog.canceled.disconnect()
    runner = thread = shown = on_cancel = None  # type: ignore[assignment]
    gc.collect()
    if error is not None:
        if not isinstance(error, KhdeskError):
            log.exception("background work failed", exc_info=error)
        raise error
    return result
