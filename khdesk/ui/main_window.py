"""The main window: a menu of pages on the left, the chosen page on the right.

Which pages a station gets depends on its role (a cell, a commune committee, the
province); pages are listed in khdesk.ui.pages. The window routes the hub's signals:
"open this file" opens the candidate file window, "data changed" reloads the pages.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.services.checking import clock_warning
from khdesk.core.services.profiles import Session
from khdesk.ui.context import AppContext
from khdesk.ui.pages import Page, page_classes


class MainWindow(QMainWindow):
    def __init__(self, session: Session, today: date | None = None, ctx: AppContext | None = None):
        super().__init__()
        self.ctx = ctx or AppContext(session, today)
        self.session = session
        self.clock_label: QLabel | None = None
        self.file_windows: dict[str, QWidget] = {}
        info = session.info
        self.setWindowTitle(f"khdesk — {info.org_name} ({info.role_label})")
        self.resize(1280, 700)  # fits a 1366×768 screen with the taskbar

        self.menu = QListWidget()
        self.menu.setFixedWidth(210)
        font = QFont(self.menu.font())
        font.setPointSize(font.pointSize() + 1)
        self.menu.setFont(font)
        self.menu.setSpacing(2)
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {}
        for cls in page_classes():
            if self.ctx.role not in cls.roles:
                continue
            page = cls(self.ctx, self)
            self.pages[cls.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(cls.title)
            item.setData(Qt.ItemDataRole.UserRole, cls.key)
            self.menu.addItem(item)
        self.menu.currentRowChanged.connect(self._show_row)

        body = QWidget()
        outer = QVBoxLayout(body)
        warning = clock_warning(session, self.ctx.today())
        if warning:
            # A wrong clock shifts every deadline: say so before anything else.
            self.clock_label = QLabel(f"⚠ {warning}")
            self.clock_label.setWordWrap(True)
            self.clock_label.setStyleSheet(
                "background: #fdecea; color: #8a1c1c; padding: 8px; font-weight: bold;"
            )
            outer.addWidget(self.clock_label)
        row = QHBoxLayout()
        row.addWidget(self.menu)
        row.addWidget(self.stack, 1)
        outer.addLayout(row, 1)
        self.setCentralWidget(body)
        self.statusBar().showMessage(f"Người dùng: {session.user}")

        self.ctx.hub.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.ctx.hub.show_page.connect(self.show_page)
        self.ctx.hub.data_changed.connect(self._data_changed)
        self.ctx.hub.open_file.connect(self.open_file)
        if self.menu.count():
            self.menu.setCurrentRow(0)

    @property
    def candidates(self):
        return self.pages["candidates"]

    def show_page(self, key: str) -> None:
        for row in range(self.menu.count()):
            if self.menu.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.menu.setCurrentRow(row)
                return

    def current_page(self) -> Page:
        return self.stack.currentWidget()

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        key = self.menu.item(row).data(Qt.ItemDataRole.UserRole)
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        page.refresh()

    def _data_changed(self) -> None:
        # Only the visible page reloads now; the others reload when shown.
        page = self.current_page()
        if page is not None:
            page.refresh()

    def open_file(self, file_code: str, step: str = "") -> None:
        """Open the candidate file window (one per file; a second request raises it)."""
        from khdesk.ui.candidate_file import CandidateFileWindow

        window = self.file_windows.get(file_code)
        if window is None or not window.isVisible():
            window = CandidateFileWindow(self.ctx, file_code, self)
            self.file_windows[file_code] = window
            window.destroyed.connect(lambda *_: self.file_windows.pop(file_code, None))
        window.show_step(step)
        window.show()
        window.raise_()
        window.activateWindow()
