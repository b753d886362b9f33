"""The desktop app's entry: sign in to a profile, then the main window.

Start-up is measured (`khdesk gui --exit-when-ready`: milliseconds until the cell home
shows with its data), so the slow parts overlap or wait: when the password is known
(KHDESK_PASSWORD), the profile is unlocked on a thread — scrypt releases the GIL — while
this thread imports the home's core modules, then Qt, then the window modules. The home
is read through the unlock's bare SQLCipher connection: SQLAlchemy, whose import alone
costs more than a bare Qt window's start, is imported on a thread once the home shows,
where the store is built (`Session.build_store`). The menu imports no page module, only
the first page is built, the holidays package loads Việt Nam alone, and the garbage
collector waits.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
import threading
import time
from datetime import date
from pathlib import Path

import khdesk
from khdesk.core.errors import KhdeskError
from khdesk.core.services import session as sessions


class _Opening(threading.Thread):
    """Unlock a profile off the main thread; `result()` waits for it (None: failed)."""

    def __init__(self, home: Path, profile: str | None, password: str):
        super().__init__(name="khdesk-unlock", daemon=True)
        self.home, self.profile, self.password = home, profile, password
        self.session: sessions.Session | None = None

    def run(self) -> None:
        try:
            self.session = sessions.open_profile(
                self.home,
                self.profile,
                os.environ.get("KHDESK_USER"),
                self.password,
                lazy_store=True,
            )
        except KhdeskError:
            self.session = None  # the sign-in dialog asks instead

    def result(self) -> sessions.Session | None:
        self.join()
        return self.session


def _start_opening(home: Path, profile: str | None, password: str | None) -> _Opening | None:
    """Unlock straight away when the password is known: KHDESK_PASSWORD (automation,
    smoke tests) or the demo's own."""
    password = password if password is not None else os.environ.get("KHDESK_PASSWORD")
    if password is None:
        return None
    opening = _Opening(home, profile, password)
    opening.start()
    return opening


def run(
    home: Path,
    profile: str | None = None,
    *,
    exit_when_ready: bool = False,
    password: str | None = None,
    choose: bool = False,
) -> int:
    """`choose`: show the sign-in (the profile preselected, the password filled in) even
    when the password is known — the demo's stations to choose from."""
    # Start-up makes tens of thousands of long-lived objects (modules, classes, widgets):
    # the cyclic garbage collector finds nothing to free in them and costs ~8 % of the
    # launch. It is off until the first screen shows (or the sign-in dialog waits).
    resume_gc = _pause_gc()
    try:
        return _run(home, profile, exit_when_ready, password, resume_gc, choose)
    finally:
        resume_gc()


def _pause_gc():
    was_on = gc.isenabled()
    gc.disable()

    def resume() -> None:
        if was_on:
            gc.enable()

    return resume


def _run(
    home, profile, exit_when_ready: bool, password: str | None, resume_gc, choose: bool = False
) -> int:
    home = Path(home)
    opening = None if choose else _start_opening(home, profile, password)
    # The holiday package's days, kept between runs (its import costs the launch ~40 ms).
    from khdesk.core.domain.calendar import use_holiday_cache

    use_holiday_cache(home / "cache" / "holidays.json")
    if opening is not None:
        _import_home_core()

    from PySide6.QtCore import QTimer  # imported here, while the key derives
    from PySide6.QtWidgets import QApplication

    from khdesk.ui import prefs

    if QApplication.instance() is None:
        # HiDPI: Qt 6 scales by the screen's factor; pass 125 % / 150 % (common on Windows
        # laptops) through unrounded, so text is neither blurry nor oversized.
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("khdesk")
    app.setApplicationDisplayName("khdesk — Phát triển đảng viên")
    # Qt's and the window's modules load after the key derivation started
    from khdesk.ui import plaintext, qt_vietnamese
    from khdesk.ui.messages import install_error_hook

    qt_vietnamese.install(app)  # before the first widget: Qt's own texts in Vietnamese

    install_error_hook()
    plaintext.install(app)  # before the first window: stored text is never HTML
    if prefs.home_settings(home).get("large_text"):
        prefs.apply_text_size(True, app)

    session = None
    if opening is not None:
        _preload_window(home, profile)  # still while the key derives

        session = opening.result()
    if session is None:
        # the sign-in's modules load only when no password came with the launch
        from khdesk.ui.login import LoginDialog

        dialog = LoginDialog(home, preselect=profile, password=password if choose else None)
        resume_gc()
        if exit_when_ready:
            dialog.show()
            return _report_ready(app)
        # The main window's modules load while the user types the password.
        QTimer.singleShot(200, lambda: _preload_window(home, profile))
        if dialog.exec() != LoginDialog.DialogCode.Accepted:
            return 0
        session = dialog.session
    # preloaded while the key derives (_preload_window)
    from khdesk.ui.main_window import MainWindow

    window = MainWindow(session)
    window.show()
    resume_gc()
    if exit_when_ready:
        code = _report_ready(app)
        session.close()  # builds the store first: the unlock's audit entries are written
        return code
    # Once the window has painted: the store on a thread, then the quick check + the
    # day's backup.
    from khdesk.ui.store_loader import StoreLoader

    loader = StoreLoader(session)
    loader.done.connect(lambda error: _after_store(window, session, error))
    QTimer.singleShot(0, loader.start)
    code = app.exec()
    loader.wait()
    session.close()
    return code


def _after_store(window, session, error: BaseException | None) -> None:
    if error is not None:
        # only on failure: app.py's top stays free of Qt (the key derives first)
        from khdesk.ui.messages import show_error

        logging.getLogger(__name__).error("opening the store failed", exc_info=error)
        show_error(window, error, "Không mở được dữ liệu")
        return
    _after_sign_in(window, session)


def _import_home_core() -> None:
    """Import, while the key derives, what the unlock does after it (the SQLCipher driver)
    and the core modules of the first screen (the home page's check) with this year's
    holiday table. Before Qt: PySide6 hooks every later import (it reads each new
    module's source to see whether it uses PySide6), which costs the launch."""
    # this function is the preload (see its doc): imported here on purpose
    import sqlcipher3  # noqa: F401

    from khdesk.core.domain.calendar import default_calendar
    from khdesk.core.services import checking, plan  # noqa: F401

    try:
        default_calendar().is_working_day(date.today())  # only warms this year's table
    except Exception:  # noqa: BLE001 - a broken holiday file is reported by the home page
        pass


def _after_sign_in(window, session) -> None:
    # the start-up checks load after the window shows
    from khdesk.ui.safety.startup import after_sign_in

    after_sign_in(window, session)


def _preload_window(home: Path | None = None, profile: str | None = None) -> None:
    """Import the main window and the first page its station gets (a cell's home, a
    committee's overview; the home when the profile is not known yet)."""
    # this function is the preload: imported here on purpose
    import khdesk.ui.main_window  # noqa: F401
    from khdesk.ui.pages import page_entries

    role = "cell"
    if home is not None:
        try:
            pdir = sessions.ProfileDir(home, sessions.resolve_profile_name(home, profile))
            role = pdir.read_info().role
        except KhdeskError:
            pass  # the unlock says what is wrong
    first = next(e for e in page_entries() if role in e.roles)
    importlib.import_module(f"khdesk.ui.{first.path.partition(':')[0]}")


def _report_ready(app) -> int:
    """Print milliseconds from process start to a usable first screen, then quit."""
    # app.py's top stays free of Qt (the key derives first)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, app.quit)
    app.exec()
    elapsed = (time.perf_counter() - khdesk.STARTED) * 1000
    print(f"{elapsed:.0f}")
    return 0
