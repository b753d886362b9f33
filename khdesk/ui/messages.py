"""Telling the user what went wrong: the service's Vietnamese message, never a traceback."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from khdesk.core.errors import KhdeskError

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, KhdeskError):
        return exc.message
    log.error("unexpected error", exc_info=exc)
    return (
        "Đã có lỗi ngoài dự kiến; dữ liệu không bị thay đổi. "
        "Chi tiết đã được ghi vào tệp nhật ký (logs/khdesk.log) để gửi cho cán bộ kỹ thuật."
    )


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
