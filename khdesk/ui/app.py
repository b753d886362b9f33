"""The desktop app's entry: sign in to a profile, then the candidate list.

A thin layer over khdesk.core.services; the desktop issue grows it into the full app.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import khdesk
from khdesk.core.errors import KhdeskError
from khdesk.core.services import profiles
from khdesk.ui.login import LoginDialog
from khdesk.ui.main_window import MainWindow


def _open_directly(home: Path, profile: str | None, password: str | None):
    """Unlock straight away when the password is known: KHDESK_PASSWORD (automation,
    smoke tests) or the demo's own."""
    password = password if password is not None else os.environ.get("KHDESK_PASSWORD")
    if password is None:
        return None
    try:
        name = profiles.resolve_profile_name(home, profile)
        return profiles.open_profile(home, name, os.environ.get("KHDESK_USER"), password)
    except KhdeskError:
        return None


def run(
    home: Path,
    profile: str | None = None,
    *,
    exit_when_ready: bool = False,
    password: str | None = None,
) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("khdesk")
    app.setApplicationDisplayName("khdesk — Phát triển đảng viên")
    session = _open_directly(Path(home), profile, password)
    if session is None:
        dialog = LoginDialog(Path(home), preselect=profile)
        if exit_when_ready:
            dialog.show()
            return _report_ready(app)
        if dialog.exec() != LoginDialog.DialogCode.Accepted:
            return 0
        session = dialog.session
    window = MainWindow(session)
    window.show()
    if exit_when_ready:
        code = _report_ready(app)
        session.close()
        return code
    code = app.exec()
    session.close()
    return code


def _report_ready(app: QApplication) -> int:
    """Print milliseconds from process start to a usable first screen, then quit."""
    QTimer.singleShot(0, app.quit)
    app.exec()
    elapsed = (time.perf_counter() - khdesk.STARTED) * 1000
    print(f"{elapsed:.0f}")
    return 0
