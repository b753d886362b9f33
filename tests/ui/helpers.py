"""Helpers the UI tests share: the frozen day, Vietnamese typing, answering a message box,
audit counts."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from khdesk.core.services.session import open_profile
from khdesk.core.store.store import verify_audit

TODAY = date(2026, 11, 26)


def type_text(qtbot, widget, text):
    """Type like a Vietnamese keyboard does: keyClicks aborts on non-ASCII under PySide6."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
            )


def click_in_next_box(button_text: str, seen: list[str]) -> None:
    """Answer the next modal message box by clicking the button with this text; `seen`
    gets what the box said (its text, the further text, its buttons)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(
            "\n".join([box.text(), box.informativeText(), *(b.text() for b in box.buttons())])
        )
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, click)


def unlocks_in(session) -> int:
    """How many unlocks the profile's audit log holds (its chain checked first)."""
    with session.store.read() as conn:
        assert verify_audit(conn) == []
        return conn.exec_driver_sql("SELECT count(*) FROM audit WHERE action = 'unlock'").scalar()


def unlocks_audited(home, profile: str = "X01-CB01") -> int:
    session = open_profile(home, profile, "bithu", "demo-password")
    try:
        return unlocks_in(session)
    finally:
        session.close()
