"""Build the session's SQLAlchemy store on a thread once the first screen shows.

The launch reads the home through the unlock's bare SQLCipher connection (app.py); the
store — SQLAlchemy's import, the engine, the unlock's audit entries — comes next, off the
UI thread, so the window answers while it loads. Pages that need the store wait for it
(`AppContext.wait_for_store`).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal


class StoreLoader(QObject):
    # None when the store is ready, else the exception; delivered on the UI thread
    done = Signal(object)

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="khdesk-store", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        error: BaseException | None = None
        try:
            self.session.build_store()
        except Exception as exc:  # noqa: BLE001 - shown on the UI thread, logged there
            error = exc
        self.done.emit(error)

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
