"""Long work off the UI thread, in the manner of Anki's CollectionOp/QueryOp.

    Operation(self, partial(importer.import_file, session, path))
        .with_progress("Đang nhập dữ liệu")           # a dialog with "Hủy" (optional)
        .changes(ctx.hub, Changes(candidates=True))  # what pages must reload (optional)
        .success(self._imported)                     # gets the result, on the UI thread
        .failure(self._refused)                      # default: the Vietnamese message box
        .run_in_background()                         # returns at once

The work is called on a thread of the global QThreadPool as `work(progress=, cancel=)`,
the two keyword arguments every long service takes (core/progress.py): a long service
is passed with functools.partial, short work as `lambda **_: ...`. Its result or error
comes back on the UI thread through queued signals: no nested event loop, so the window
keeps painting and the caller's code after run_in_background runs before the work ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from khdesk.core.errors import Cancelled, KhdeskError
from khdesk.core.progress import CancelToken, Progress
from khdesk.ui.context import Changes, Hub
from khdesk.ui.messages import open_message, user_text

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Job:
    """What the worker thread holds: the work, its token and its outcome, and no other
    reference (a Qt object whose last reference went away on that thread would be
    destroyed there, and crash). The UI thread takes the outcome and clears it."""

    def __init__(self, work: Callable[..., Any]):
        self.work: Callable[..., Any] | None = work
        self.cancel = CancelToken()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work(progress=self.report, cancel=self.cancel)  # type: ignore[misc]
        except BaseException as exc:  # handed to the UI thread, never lost
            self.error = exc
        _relay().finished.emit(self)

    def report(self, progress: Progress) -> None:
        _relay().progressed.emit(self, progress)


class _Relay(QObject):
    """One for the app, living on the UI thread and never destroyed: the worker threads
    emit on it, its slots run on the UI thread and hand over to the operation."""

    progressed = Signal(object, object)
    finished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.running: dict[_Job, Operation[Any]] = {}
        queued = Qt.ConnectionType.QueuedConnection
        self.progressed.connect(self._progressed, queued)
        self.finished.connect(self._finished, queued)

    @Slot(object, object)
    def _progressed(self, job: _Job, progress: Progress) -> None:
        op = self.running.get(job)
        if op is not None:
            op._show(progress)

    @Slot(object)
    def _finished(self, job: _Job) -> None:
        op = self.running.pop(job)
        result, error = job.result, job.error
        job.work = job.result = job.error = None
        op._finish(result, error)


_the_relay: _Relay | None = None


def _relay() -> _Relay:
    global _the_relay
    if _the_relay is None:  # made by the first run_in_background, on the UI thread
        _the_relay = _Relay()
    return _the_relay


def running() -> int:
    """How many operations have not delivered their result yet (tests wait for 0)."""
    return len(_the_relay.running) if _the_relay is not None else 0


class Operation(Generic[T]):
    def __init__(self, parent: QWidget | None, work: Callable[..., T]):
        self.parent = parent
        self._job = _Job(work)
        self._title = ""
        self._cancellable = False
        self._dialog: QProgressDialog | None = None
        self._hub: Hub | None = None
        self._changes: Changes | Callable[[T], Changes] = Changes()
        self._on_success: Callable[[T], None] = lambda _: None
        self._on_failure: Callable[[BaseException], None] = self._show_error

    def with_progress(self, title: str, *, cancellable: bool = True) -> Operation[T]:
        """A window-modal progress dialog (shown only if the work takes a moment), with a
        "Hủy" button that cancels the work at its next step."""
        self._title, self._cancellable = title, cancellable
        return self

    def changes(self, hub: Hub, changes: Changes | Callable[[T], Changes]) -> Operation[T]:
        """After success, tell the pages what changed (or a function of the result)."""
        self._hub, self._changes = hub, changes
        return self

    def success(self, callback: Callable[[T], None]) -> Operation[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Operation[T]:
        self._on_failure = callback
        return self

    def cancel(self) -> None:
        """Ask the work to stop at its next step (what "Hủy" does)."""
        self._job.cancel.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText(f"{self._title}\nĐang hủy…")

    def run_in_background(self) -> None:
        relay = _relay()
        if self._title:
            self._dialog = self._make_dialog()
        relay.running[self._job] = self
        QThreadPool.globalInstance().start(self._job.run)

    # -- on the UI thread --

    def _make_dialog(self) -> QProgressDialog:
        dialog = QProgressDialog(self._title, "Hủy" if self._cancellable else "", 0, 0, self.parent)
        dialog.setWindowTitle("khdesk")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)  # quick work shows no dialog at all
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if self._cancellable:
            dialog.canceled.connect(self.cancel)
        else:
            dialog.setCancelButton(None)
        return dialog

    def _show(self, progress: Progress) -> None:
        dialog = self._dialog
        if dialog is None:
            return
        dialog.setMaximum(max(progress.total, 0))
        dialog.setValue(min(progress.done, progress.total) if progress.total else 0)
        if progress.what and not self._job.cancel.cancelled:
            dialog.setLabelText(f"{self._title}\n{progress.what}")

    def _finish(self, result: Any, error: BaseException | None) -> None:
        # The window that asked may be gone (closed meanwhile): then only the pages hear.
        asker_gone = self.parent is not None and not shiboken6.isValid(self.parent)
        if self._dialog is not None and shiboken6.isValid(self._dialog):
            if self._cancellable:
                self._dialog.canceled.disconnect(self.cancel)
            self._dialog.close()
            self._dialog.deleteLater()
        self._dialog = None
        if error is not None:
            if not isinstance(error, KhdeskError):
                log.error("background work failed", exc_info=error)
            if not asker_gone:
                self._on_failure(error)
            return
        if self._hub is not None:
            changes = self._changes(result) if callable(self._changes) else self._changes
            self._hub.notify(changes)
        if not asker_gone:
            self._on_success(result)

    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            open_message(self.parent, "Đã hủy", error.message, warning=False)
        else:
            open_message(self.parent, "Không thực hiện được", user_text(error))
