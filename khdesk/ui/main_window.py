"""The main window: a menu of pages on the left, the chosen page on the right.

Which pages a station gets depends on its role (a cell, a commune committee, the
province); pages are listed in khdesk.ui.pages. The window routes the hub's signals:
"open this file" opens the candidate file window, "data changed" reloads the pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
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

import khdesk
from khdesk.core.services.checking import clock_warning
from khdesk.core.services.session import Session
from khdesk.ui import help as help_dialogs
from khdesk.ui import shell
from khdesk.ui.autolock import AutoLock
from khdesk.ui.context import AppContext
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.pages import Page, PageEntry, page_entries
from khdesk.ui.prefs import relative_font


class _LazyPages(Mapping):
    """The window's pages by key, each built on first use."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.built: dict[str, Page] = {}

    def __getitem__(self, key: str) -> Page:
        if key not in self.window.page_types:
            raise KeyError(key)
        return self.window.build_page(key)[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self.window.page_types)

    def __len__(self) -> int:
        return len(self.window.page_types)


class MainWindow(QMainWindow):
    def __init__(self, session: Session, today: date | None = None, ctx: AppContext | None = None):
        super().__init__()
        self.ctx = ctx or AppContext(session, today)
        self.session = session
        self.clock_label: QLabel | None = None
        self.file_windows: dict[str, QWidget] = {}
        info = session.info
        # Qt adds the application's name ("khdesk — Phát triển đảng viên") after it.
        self.setWindowTitle(f"{info.org_name} ({info.role_label})")
        fit_to_screen(self, 1280, 700)  # a 1366×768 screen with the taskbar

        self.menu = QListWidget()
        relative_font(self.menu, 1)
        self.menu.setSpacing(2)
        self.stack = QStackedWidget()
        # Pages are built when first shown (or asked for): a start builds only the first.
        self.page_types: dict[str, PageEntry] = {}
        self._slots: dict[str, QWidget] = {}
        self.pages = _LazyPages(self)
        for cls in page_entries():
            if self.ctx.role not in cls.roles:
                continue
            self.page_types[cls.key] = cls
            self._slots[cls.key] = QWidget()
            self.stack.addWidget(self._slots[cls.key])
            item = QListWidgetItem(cls.title)
            item.setData(Qt.ItemDataRole.UserRole, cls.key)
            self.menu.addItem(item)
        self.fit_menu()
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
        # The content sits in a stack so the lock screen can cover it without closing it.
        self.central_stack = QStackedWidget()
        self.central_stack.addWidget(body)
        self.setCentralWidget(self.central_stack)
        # A widget, not a message: hovering a menu clears the status bar's message.
        self.user_label = QLabel(f"Người dùng: {session.user}")
        self.user_label.setContentsMargins(0, 0, 16, 0)  # apart from the version
        self.statusBar().addPermanentWidget(self.user_label)
        self.version_label = QLabel(f"khdesk {khdesk.__version__}")
        self.statusBar().addPermanentWidget(self.version_label)
        self._build_menus()

        self.ctx.hub.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.ctx.hub.show_page.connect(self.show_page)
        self.ctx.hub.show_reports.connect(self.show_reports)
        self.ctx.hub.data_changed.connect(self._data_changed)
        self.ctx.hub.open_file.connect(self.open_file)
        if self.menu.count():
            self.menu.setCurrentRow(0)

    def fit_menu(self) -> None:
        """The page menu as wide as its longest title at the current text size."""
        metrics = self.menu.fontMetrics()
        titles = [self.menu.item(row).text() for row in range(self.menu.count())]
        longest = max((metrics.horizontalAdvance(t) for t in titles), default=0)
        scroll = self.menu.verticalScrollBar().sizeHint().width()
        self.menu.setFixedWidth(longest + 2 * metrics.averageCharWidth() + scroll)

    def _build_menus(self) -> None:
        """The menu bar (Tệp, Xem, Người dùng, Trợ giúp) and the auto-lock; the actions'
        work is in khdesk.ui.shell."""
        self.autolock = AutoLock(self, shell.autolock_seconds(self.session), watch_input=False)
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&Tệp")
        if shell.can_add_file(self):
            # After a tab the menu shows the key in its shortcut column; the key itself is the
            # QShortcut below (on the list page its own button holds it).
            self.new_file_action = self.file_menu.addAction(
                "Thêm hồ sơ quần chúng…\tCtrl+N", lambda: shell.new_file(self)
            )
            # Ctrl+N from any page; on the list page its own button holds the shortcut.
            self.new_file_shortcut = QShortcut(QKeySequence.StandardKey.New, self)
            self.new_file_shortcut.activated.connect(lambda: shell.new_file(self))
            self.stack.currentChanged.connect(self._update_new_file_shortcut)
            self._update_new_file_shortcut()
        self.lock_action = self.file_menu.addAction("Khóa màn hình", self.autolock.lock)
        self.lock_action.setShortcut("Ctrl+L")
        self.file_menu.addAction("Tự động khóa…", lambda: shell.edit_autolock(self))
        self.file_menu.addSeparator()
        quit_action = self.file_menu.addAction("Thoát", self.close)
        quit_action.setShortcut("Ctrl+Q")
        self.view_menu = bar.addMenu("&Xem")
        self.find_action = self.view_menu.addAction("Tìm hồ sơ", lambda: shell.focus_search(self))
        self.find_action.setShortcut("Ctrl+F")
        self.large_text_action = self.view_menu.addAction("Chữ lớn hơn")
        self.large_text_action.setCheckable(True)
        self.large_text_action.setChecked(shell.is_large_text())
        self.large_text_action.toggled.connect(lambda on: shell.set_large_text(self, on))
        self.users_menu = bar.addMenu("&Người dùng")
        self.users_menu.addAction("Quản lý người dùng…", lambda: shell.open_users(self))
        self.users_menu.addAction("Đổi mật khẩu…", lambda: shell.open_users(self, True))
        self.help_menu = bar.addMenu("Trợ &giúp")
        self.guide_action = self.help_menu.addAction(
            "Hướng dẫn sử dụng", lambda: help_dialogs.open_guide(self)
        )
        self.guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)  # F1
        self.about_action = self.help_menu.addAction(
            "Giới thiệu khdesk", lambda: help_dialogs.open_about(self, self.session)
        )

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        # No input comes before the window has painted: start watching for it then.
        QTimer.singleShot(0, self.autolock.watch_input)
        super().showEvent(event)

    def _update_new_file_shortcut(self, *_) -> None:
        list_page = self.pages.built.get("candidates")
        self.new_file_shortcut.setEnabled(list_page is None or self.current_page() is not list_page)

    @property
    def candidates(self):
        return self.pages["candidates"]

    def show_page(self, key: str) -> None:
        for row in range(self.menu.count()):
            if self.menu.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.menu.setCurrentRow(row)
                return

    def show_reports(self, org_code: str) -> None:
        """The "Quyết định báo lên" page, on one cell's reports."""
        self.show_page("decisions")
        page = self.pages.built.get("decisions")
        if page is not None:
            page.show_cell(org_code)

    def current_page(self) -> Page | None:
        page = self.stack.currentWidget()
        return page if isinstance(page, Page) else None

    def build_page(self, key: str) -> tuple[Page, bool]:
        """The page for `key`, built now if it was not yet; and whether it was just built
        (a new page has loaded its data already)."""
        if key in self.pages.built:
            return self.pages.built[key], False
        slot = self._slots[key]
        page = self.page_types[key](self.ctx, self)
        index = self.stack.indexOf(slot)
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(slot)
        slot.deleteLater()
        self.pages.built[key] = page
        # A page's own data_changed handlers (marking its data stale) run before the
        # window's refresh of the shown page, whatever order the pages were built in.
        self.ctx.hub.data_changed.disconnect(self._data_changed)
        self.ctx.hub.data_changed.connect(self._data_changed)
        return page, True

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        key = self.menu.item(row).data(Qt.ItemDataRole.UserRole)
        page, new = self.build_page(key)
        self.stack.setCurrentWidget(page)
        if not new:
            page.refresh()

    def _data_changed(self) -> None:
        # Only the visible page reloads now; the others reload when shown.
        page = self.current_page()
        if page is not None:
            page.refresh()

    def open_file(self, file_code: str, step: str = "") -> None:
        """Open the candidate file window (one per file; a second request raises it)."""
        self.ctx.wait_for_store()
        # the file window (and SQLAlchemy) load after the first page shows
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
