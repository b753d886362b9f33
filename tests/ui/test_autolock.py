"""Auto-lock: idle time on a fake clock locks the window; unsaved text survives the lock;
only the right password unlocks; the delay is a per-profile setting."""

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from khdesk.core.services.session import open_profile
from khdesk.ui import operation, prefs, shell
from khdesk.ui.main_window import MainWindow
from tests.ui.helpers import TODAY, type_text


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def window(qtbot, demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    win = MainWindow(session, today=TODAY)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.autolock.watching)  # once the window has painted
    clock = FakeClock()
    win.autolock.timer.stop()  # the test calls check() itself
    win.autolock.clock = clock
    win.autolock.set_timeout(600)
    win.fake_clock = clock
    yield win
    for w in list(win.file_windows.values()):
        w.close()
    session.close()


def _file_window(win) -> QLineEdit:
    """Stands in for an open candidate-file window with an unsaved edit."""
    other = QWidget()
    other.setWindowTitle("Hồ sơ X01-CB01-0001")
    edit = QLineEdit(other)
    QVBoxLayout(other).addWidget(edit)
    win.file_windows["X01-CB01-0001"] = other
    other.show()
    return edit


def test_idle_locks_and_the_password_unlocks_keeping_unsaved_work(qtbot, window, tmp_path):
    lock = window.autolock
    page = window.candidates
    window.show_page("candidates")
    type_text(qtbot, page.search_edit, "Đức")
    edit = _file_window(window)
    type_text(qtbot, edit, "ghi chú chưa lưu")

    window.fake_clock.advance(599)
    assert lock.check() is False
    window.fake_clock.advance(2)
    assert lock.check() is True
    assert window.central_stack.currentWidget() is lock.lock_screen
    assert not window.menuBar().isVisible()
    assert not edit.window().isVisible()  # hidden, not closed
    # no shortcut acts behind the lock screen
    assert not window.find_action.isEnabled() and not window.lock_action.isEnabled()
    assert not window.new_file_shortcut.isEnabled()
    window.grab().save(str(tmp_path / "locked.png"))

    screen = lock.lock_screen
    type_text(qtbot, screen.password_edit, "sai-mat-khau")
    assert screen.try_unlock()  # checked in the background
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert screen.error_label.text() == "Mật khẩu không đúng."
    assert lock.locked
    screen.password_edit.clear()
    type_text(qtbot, screen.password_edit, "demo-password")
    assert screen.try_unlock()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert not lock.locked
    assert window.central_stack.currentWidget() is not screen
    assert window.menuBar().isVisible()
    assert window.find_action.isEnabled() and window.lock_action.isEnabled()
    assert edit.window().isVisible() and edit.text() == "ghi chú chưa lưu"
    assert page.search_edit.text() == "Đức"
    assert screen.password_edit.text() == ""  # the password is not kept


def test_input_resets_the_idle_time(qtbot, window):
    lock = window.autolock
    window.fake_clock.advance(500)
    target = window.candidates.search_edit
    QApplication.sendEvent(
        target,
        QMouseEvent(
            QEvent.Type.MouseButtonPress,
            QPointF(2, 2),
            QPointF(2, 2),
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        ),
    )
    window.fake_clock.advance(500)
    assert lock.check() is False
    window.fake_clock.advance(101)
    assert lock.check() is True


def test_ctrl_l_locks_and_zero_minutes_never_locks(qtbot, window):
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    copies = window.session.dir.open_copies_dir
    copies.mkdir(exist_ok=True)
    (copies / "quyết định.pdf").write_bytes(b"%PDF ban sao mo")  # what "Mở" left
    window.lock_action.trigger()
    assert window.autolock.locked
    assert not any(copies.iterdir())  # a locked PC keeps no plaintext scan
    window.autolock.unlock()
    window.autolock.set_timeout(0)
    window.fake_clock.advance(10**6)
    assert window.autolock.check() is False


def test_autolock_delay_is_saved_per_profile(qtbot, window, demo_home):
    dialog = shell.edit_autolock(window)
    assert dialog.spin.value() == 10
    dialog.spin.setValue(5)
    dialog.accept()
    assert window.autolock.timeout_s == 300
    assert prefs.autolock_minutes(window.session) == 5
    other = MainWindow(window.session, today=TODAY)
    qtbot.addWidget(other)
    assert other.autolock.timeout_s == 300
    prefs.save_profile_settings(window.session, autolock_minutes=10)


def test_larger_text_scales_the_app_font_and_is_remembered(qtbot, window, demo_home):
    app = QApplication.instance()
    before = app.font().pointSizeF()
    window.large_text_action.setChecked(True)
    try:
        assert app.font().pointSizeF() == pytest.approx(before * prefs.LARGE_TEXT_SCALE)
        assert prefs.home_settings(demo_home)["large_text"] is True
        # (widgets made before follow when the event loop runs, as in the real app)
        assert QLineEdit().font().pointSizeF() > before
    finally:
        window.large_text_action.setChecked(False)
    assert app.font().pointSizeF() == pytest.approx(before)
    assert window.menu.font().pointSizeF() == pytest.approx(before + 1)
    assert prefs.home_settings(demo_home)["large_text"] is False


def test_menu_bar_and_shortcuts(qtbot, window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&Tệp", "&Xem", "&Người dùng", "Trợ &giúp"]
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    window.activateWindow()
    window.find_action.trigger()
    assert window.current_page() is window.candidates
    qtbot.waitUntil(lambda: window.candidates.search_edit.hasFocus(), timeout=3000)
    # Ctrl+N: the list page's own button when it is shown, the window's shortcut elsewhere
    assert not window.new_file_shortcut.isEnabled()
    window.show_page("home")
    if window.current_page() is not window.candidates:
        assert window.new_file_shortcut.isEnabled()
