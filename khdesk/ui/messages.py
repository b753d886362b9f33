"""Telling the user what went wrong: the service's Vietnamese message, never a traceback."""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from khdesk.core.errors import KhdeskError

# How a refusal reads under the fields it is about, in every form and dialog.
ERROR_STYLE = "color: #b00020;"

log = logging.getLogger(__name__)

_UNEXPECTED = (
    "Đã có lỗi ngoài dự kiến; dữ liệu không bị thay đổi. "
    "Chi tiết đã được ghi vào tệp nhật ký (logs/khdesk.log) để gửi cho cán bộ kỹ thuật."
)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, KhdeskError):
        return exc.message
    log.error("unexpected error", exc_info=exc)
    return _UNEXPECTED


def show_error(
    parent: QWidget | None, exc: BaseException, title: str = "Không thực hiện được"
) -> None:
    QMessageBox.warning(parent, title, error_text(exc))


def confirm(parent: QWidget | None, title: str, text: str, yes: str = "Đồng ý") -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Hủy", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is ok


_shown: list[QMessageBox] = []  # the open error boxes (kept alive while shown)


def open_message(parent: QWidget | None, title: str, text: str, *, warning: bool = True) -> None:
    """A message box shown without waiting for it (no nested event loop): for errors
    delivered by a background operation, and by the hook below."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
    box = QMessageBox(icon, title, text, parent=parent)
    _shown.append(box)
    box.finished.connect(lambda *_: _shown.remove(box))
    box.open()


def install_error_hook() -> None:
    """An error nobody caught (in a button's handler, say) reaches the log with its
    traceback and the user as a Vietnamese box — not as a traceback on a console that a
    Windows app does not have."""

    def hook(kind, exc, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        if not isinstance(exc, KhdeskError):
            log.error("uncaught error", exc_info=(kind, exc, tb))
        open_message(QApplication.activeWindow(), "Không thực hiện được", user_text(exc))

    sys.excepthook = hook


def user_text(exc: BaseException) -> str:
    """error_text without logging again (the hook logged it with its traceback)."""
    return exc.message if isinstance(exc, KhdeskError) else _UNEXPECTED
