"""Auto-lock: after some idle minutes the window hides its data behind a lock screen.

Locking closes nothing: the pages and the open candidate-file windows stay as they are
(hidden), so an unsaved edit is still there after the password unlocks the screen. The
time source and the timer are injected, so a test advances a fake clock and calls
`check()` instead of waiting ten minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.fsutil import empty_folder
from khdesk.core.services.session import Session
from khdesk.ui import prefs
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def _verify(session: Session, password: str, **_) -> None:
    from khdesk.core.services import profiles  # SQLAlchemy: kept off the app's launch path

    profiles.verify_password(session, password)


class LockScreen(QWidget):
    """What a locked window shows: whose profile it is, and the password field."""

    unlocked = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        title = QLabel("Phần mềm đang khóa")
        prefs.relative_font(title, 5, bold=True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        who = QLabel(
            f"{session.info.org_name} — {session.info.role_label}\n"
            f"Người dùng: {session.user}\n\n"
            "Dữ liệu đang làm dở vẫn được giữ nguyên. Nhập mật khẩu để làm tiếp."
        )
        who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        who.setWordWrap(True)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("Mật khẩu")
        self.password_edit.setMinimumWidth(260)
        self.password_edit.returnPressed.connect(self.try_unlock)
        self.unlock_button = QPushButton("Mở khóa")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(QLabel("Mật khẩu:"))
        row.addWidget(self.password_edit)
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addSpacing(12)
        layout.addWidget(who)
        layout.addSpacing(12)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addStretch(3)

    def try_unlock(self) -> bool:
        """False: no password typed. Else the check runs in the background (scrypt takes a
        fraction of a second: off the UI thread, the window repaints); `unlocked` follows."""
        password = self.password_edit.text()
        if not password:
            self.error_label.setText("Hãy nhập mật khẩu.")
            return False
        Operation(self, partial(_verify, self.session, password)).with_progress(
            "Đang kiểm tra mật khẩu…", cancellable=False
        ).success(self._verified).failure(self._refused).run_in_background()
        return True

    def _refused(self, exc: BaseException) -> None:
        self.error_label.setText(error_text(exc))
        self.password_edit.selectAll()
        self.password_edit.setFocus()

    def _verified(self, _: None) -> None:
        self.password_edit.clear()
        self.error_label.clear()
        self.unlocked.emit()


class AutoLock(QObject):
    """Locks `window` after `timeout_s` seconds without keyboard or mouse input.

    `window` is the main window: it has `central_stack` (a QStackedWidget holding its
    content), `session`, and `file_windows` (the open candidate-file windows)."""

    locked_changed = Signal(bool)

    def __init__(
        self,
        window,
        timeout_s: float = prefs.DEFAULT_AUTOLOCK_MINUTES * 60,
        clock: Callable[[], float] = time.monotonic,
        *,
        poll_ms: int = 5000,
        start_timer: bool = True,
        watch_input: bool = True,
    ):
        super().__init__(window)
        self.window = window
        self.timeout_s = timeout_s
        self.clock = clock
        self.last_input = clock()
        self.locked = False
        self.lock_screen: LockScreen | None = None
        self._hidden: list[QWidget] = []
        self._disabled: list = []
        self._content: QWidget | None = None
        self._focus: QWidget | None = None
        self.watching = False
        if watch_input:
            self.watch_input()
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.check)
        if start_timer:
            self.timer.start()

    def watch_input(self) -> None:
        """Start seeing the keyboard and the mouse: an application-wide event filter, so
        every event of every widget passes through Python, and the first events of each
        kind of Qt object cost Qt's bindings a tenth of the launch. The main window starts
        it once it has painted."""
        if not self.watching:
            self.watching = True
            self.last_input = self.clock()
            QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in _INPUT_EVENTS:
            self.last_input = self.clock()
        return False

    def set_timeout(self, timeout_s: float) -> None:
        """0 turns auto-lock off (Ctrl+L still locks)."""
        self.timeout_s = timeout_s
        self.last_input = self.clock()

    def check(self) -> bool:
        """Lock when idle long enough; returns whether the window is locked."""
        if self.locked or self.timeout_s <= 0:
            return self.locked
        if self.clock() - self.last_input < self.timeout_s:
            return False
        # A modal dialog in progress would be cancelled by hiding it, losing what was
        # typed into it: wait until it is closed.
        if QApplication.activeModalWidget() is not None:
            return False
        self.lock()
        return True

    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        # The plaintext copies "Mở" made go too: a locked PC shows no scan (best effort:
        # a viewer still holding one open on Windows keeps it until the session closes).
        empty_folder(self.window.session.dir.open_copies_dir)
        self._focus = QApplication.focusWidget()
        # Hide (never close) the other windows: file windows, non-modal dialogs.
        self._hidden = [
            w
            for w in QApplication.topLevelWidgets()
            if w is not self.window
            and w.isVisible()
            and w.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)
            and not (isinstance(w, QDialog) and w.isModal())
        ]
        for w in self._hidden:
            w.hide()
        if self.lock_screen is None:
            self.lock_screen = LockScreen(self.window.session)
            self.lock_screen.unlocked.connect(self.unlock)
            self.window.central_stack.addWidget(self.lock_screen)
        self._content = self.window.central_stack.currentWidget()
        self.window.central_stack.setCurrentWidget(self.lock_screen)
        self.window.menuBar().setEnabled(False)
        self.window.menuBar().hide()
        self.window.statusBar().hide()  # its last message may name a person
        # No shortcut (new file, find, …) may act behind the lock screen.
        self._disabled = [
            s
            for s in self.window.findChildren(QShortcut) + self.window.findChildren(QAction)
            if s.isEnabled()
        ]
        for s in self._disabled:
            s.setEnabled(False)
        self.lock_screen.password_edit.setFocus()
        self.locked_changed.emit(True)

    def unlock(self) -> None:
        if not self.locked:
            return
        self.locked = False
        if self._content is not None:
            self.window.central_stack.setCurrentWidget(self._content)
        self.window.menuBar().setEnabled(True)
        self.window.menuBar().show()
        self.window.statusBar().show()
        for s in self._disabled:
            s.setEnabled(True)
        self._disabled = []
        for w in self._hidden:
            w.show()
        self._hidden = []
        if self._focus is not None:
            try:
                self._focus.setFocus()
            except RuntimeError:  # the widget went away meanwhile
                pass
        self._focus = None
        self.last_input = self.clock()
        self.locked_changed.emit(False)


class AutoLockDialog(QDialog):
    """The "Tự động khóa" dialog: how many idle minutes before the lock (0 = never)."""

    def __init__(self, minutes: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Tự động khóa")
        self.spin = QSpinBox()
        self.spin.setRange(0, 240)
        self.spin.setSuffix(" phút")
        self.spin.setSpecialValueText("Không tự khóa")
        self.spin.setValue(minutes)
        note = QLabel(
            "Phần mềm tự khóa khi không dùng trong khoảng thời gian này, để người khác "
            "không xem được hồ sơ. Mở lại bằng mật khẩu; việc đang làm dở được giữ nguyên."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox()
        buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Tự khóa sau:"))
        row.addWidget(self.spin, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def minutes(self) -> int:
        return self.spin.value()
