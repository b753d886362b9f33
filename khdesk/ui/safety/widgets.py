"""Small pieces the safety page and its dialogs share: styles, labels, buttons."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
)

_OK_STYLE = "color: #1b5e20;"


_HINT_STYLE = "color: #555;"


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024)} KB"


def _label(text: str = "", style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if style:
        label.setStyleSheet(style)
    return label


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    box = QDialogButtonBox()
    ok = box.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
    ok.setDefault(True)
    dialog.cancel_button = box.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
    box.accepted.connect(dialog.save)
    box.rejected.connect(dialog.reject)
    return box, ok
