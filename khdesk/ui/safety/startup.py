"""What runs once the main window shows: the quick check and the day's backup."""

from __future__ import annotations

import logging
import threading

from PySide6.QtWidgets import (
    QMessageBox,
    QWidget,
)

from khdesk.core.services import backup, safety
from khdesk.core.services.session import Session


def after_sign_in(window: QWidget, session: Session, *, daily_backup: bool = True):
    """Call once the main window shows: the cheap start-up check (a warning box that does
    not block when it finds something) and, on a thread, the day's automatic backup.
    Returns that thread (tests join it), or None."""
    log = logging.getLogger(__name__)
    try:
        report = safety.startup_check(session)
    except Exception:  # a check that cannot run is itself a finding, never a crash
        log.exception("start-up check failed")
        report = safety.StartupReport(["Không chạy được kiểm tra nhanh khi mở hồ sơ."])
    if not report.ok:
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Dữ liệu có vấn đề", safety.startup_message(report),
            parent=window,
        )  # fmt: skip
        window.startup_warning = box  # kept alive while shown
        box.open()
    if not daily_backup:
        return None

    def daily() -> None:
        try:
            backup.ensure_daily_backup(session)
        except Exception:  # the day's backup must never stop the work; it is retried
            log.warning("daily backup failed", exc_info=True)

    thread = threading.Thread(target=daily, name="khdesk-daily-backup", daemon=True)
    thread.start()
    return thread
