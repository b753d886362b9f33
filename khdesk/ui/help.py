"""Trợ giúp: the Vietnamese user guide (resources/guide/huong-dan.html, with its
screenshots) and "Giới thiệu khdesk" (version, the profile's unit, the data folder, the
fonts' licence). Both are plain dialogs the menu opens non-modally, so tests drive them."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import khdesk
from khdesk.core.resources import resource_path
from khdesk.core.services.session import Session
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.plaintext import rich

FONT_LICENCE = (
    "Phông chữ Liberation Serif in trong biểu mẫu: © Red Hat, Inc. và Google, "
    "theo giấy phép SIL Open Font License 1.1."
)


def guide_path() -> Path:
    """The guide's HTML; resolved through resource_path so it works from the installer."""
    return resource_path("guide", "huong-dan.html")


class GuideBrowser(QTextBrowser):
    """A browser that shrinks the guide's screenshots smoothly to fit the pane (the
    document would scale them by dropping pixels, which makes the text unreadable)."""

    max_image_width = 1100

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 - Qt's name
        data = super().loadResource(kind, url)
        image_kind = QTextDocument.ResourceType.ImageResource
        if kind not in (image_kind, image_kind.value) or data is None:
            return data
        image = data if isinstance(data, QImage) else QImage.fromData(data)
        if image.isNull() or image.width() <= self.max_image_width:
            return image
        image = image.convertToFormat(QImage.Format.Format_RGB32)
        return image.scaledToWidth(self.max_image_width, Qt.TransformationMode.SmoothTransformation)


class GuideDialog(QDialog):
    """The user guide in a browser pane; its images resolve against resources/guide/."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Hướng dẫn sử dụng khdesk")
        fit_to_screen(self, 1180, 690)
        self.browser = GuideBrowser()
        # The guide's own anchors navigate here; a web link (if any) opens outside.
        self.browser.setOpenExternalLinks(True)
        path = guide_path()
        self.browser.setSearchPaths([str(path.parent)])
        if path.exists():
            # setSource also sets the base URL: "images/…" resolves next to the HTML.
            self.browser.setSource(QUrl.fromLocalFile(str(path)))
        else:
            self.browser.setPlainText(f"Không tìm thấy tệp hướng dẫn ({path}). Hãy cài lại khdesk.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Đóng")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)


def about_text(session: Session | None) -> str:
    lines = [
        "<h2>khdesk</h2>",
        "<p>Quản lý công tác phát triển đảng viên — chạy không cần mạng.</p>",
        f"<p><b>Phiên bản:</b> {khdesk.__version__}</p>",
    ]
    if session is not None:
        info = session.info
        lines.append(
            f"<p><b>Hồ sơ làm việc:</b> {escape(info.org_name)} (mã {escape(info.org_code)}, "
            f"{escape(info.role_label)})<br><b>Người dùng:</b> {escape(session.user)}</p>"
        )
        lines.append(f"<p><b>Thư mục dữ liệu:</b><br>{escape(str(session.dir.path))}</p>")
    lines.append(f"<p><small>{FONT_LICENCE}</small></p>")
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, session: Session | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Giới thiệu khdesk")
        self.label = rich(QLabel(about_text(session)))
        self.label.setWordWrap(True)
        # Selectable: the data folder's path can be copied for whoever helps.
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setMinimumWidth(480)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Đóng")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)


def open_guide(window: QWidget) -> GuideDialog:
    """Show the guide beside the window (non-modal); a second request raises it."""
    dialog = getattr(window, "guide_dialog", None)
    if dialog is None or not dialog.isVisible():
        dialog = GuideDialog(window)
        window.guide_dialog = dialog
    dialog.show()
    dialog.raise_()
    return dialog


def open_about(window: QWidget, session: Session | None) -> AboutDialog:
    dialog = AboutDialog(session, window)
    window.about_dialog = dialog
    dialog.show()
    return dialog
