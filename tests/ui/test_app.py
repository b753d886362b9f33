"""The sign-in dialog and the candidate list, as real widgets (offscreen)."""

from datetime import date

from khdesk.core.services.session import open_profile
from khdesk.ui import operation
from khdesk.ui.candidate_list import CandidateTableModel
from khdesk.ui.login import LoginDialog
from khdesk.ui.main_window import MainWindow
from tests.ui.helpers import TODAY, type_text


def test_login_wrong_then_right_password(qtbot, demo_home):
    dialog = LoginDialog(demo_home, preselect="X01-CB01")
    qtbot.addWidget(dialog)
    assert dialog.profile_box.count() == 4
    assert dialog.profile_box.currentData() == "X01-CB01"
    assert dialog.user_edit.text() == "bithu"
    type_text(qtbot, dialog.password_edit, "sai-roi")
    dialog.try_open()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert dialog.session is None
    assert dialog.error_label.text() == "Mật khẩu không đúng."
    dialog.password_edit.clear()
    type_text(qtbot, dialog.password_edit, "demo-password")
    dialog.try_open()
    dialog.try_open()  # Enter pressed twice: still one session
    assert operation.running() == 1
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert dialog.session is not None and dialog.result() == LoginDialog.DialogCode.Accepted
    dialog.session.close()


def test_candidate_list_searches_as_you_type(qtbot, demo_home, tmp_path):
    session = open_profile(demo_home, "X01", "bithu", "demo-password")
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    page = window.candidates
    total = page.model.rowCount()
    assert total == 17
    type_text(qtbot, page.search_edit, "dực")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)
    index = page.model.index(0, 1)
    assert page.model.data(index) == "Đỗ Văn Dực"
    assert page.count_label.text() == "1 hồ sơ"
    page.search_edit.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == total, timeout=10000)
    page.state_box.setCurrentIndex(page.state_box.findData("DUNG"))
    assert page.model.rowCount() == 2
    assert {page.model.data(page.model.index(r, 5)) for r in range(2)} == {"Dừng"}
    window.grab().save(str(tmp_path / "main.png"))
    session.close()


def test_table_model_passes_qt_model_tester(qtmodeltester, demo_home):
    session = open_profile(demo_home, "X01", "bithu", "demo-password")
    model = CandidateTableModel(session)
    model.reload()
    qtmodeltester.check(model)
    session.close()


def test_gui_exit_when_ready_prints_startup_ms(demo_home):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env.update(
        KHDESK_HOME=str(demo_home), KHDESK_PASSWORD="demo-password", QT_QPA_PLATFORM="offscreen"
    )
    out = subprocess.run(
        [sys.executable, "-m", "khdesk", "gui", "--exit-when-ready", "--profile", "X01-CB01"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip().splitlines()[-1]) > 0


def test_wrong_clock_is_shown_before_anything_else(qtbot, demo_home, tmp_path):
    session = open_profile(demo_home, "X01", "bithu", "demo-password")
    right = MainWindow(session, today=TODAY)
    qtbot.addWidget(right)
    assert right.clock_label is None
    wrong = MainWindow(session, today=date(2024, 1, 1))
    qtbot.addWidget(wrong)
    wrong.show()
    assert "sớm hơn ngày đã ghi" in wrong.clock_label.text()
    wrong.grab().save(str(tmp_path / "clock.png"))
    session.close()


def test_an_uncaught_error_is_logged_and_shown_in_vietnamese(qtbot, caplog):
    import sys

    from PySide6.QtWidgets import QApplication, QMessageBox

    from khdesk.core.errors import InputError
    from khdesk.ui import messages

    saved = sys.excepthook
    messages.install_error_hook()
    try:
        try:
            raise ZeroDivisionError("division by zero")
        except ZeroDivisionError as exc:
            with caplog.at_level("ERROR"):
                sys.excepthook(type(exc), exc, exc.__traceback__)
        sys.excepthook(InputError, InputError("Ngày sinh không hợp lệ."), None)
    finally:
        sys.excepthook = saved
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    texts = [b.text() for b in boxes if b.isVisible()]
    assert any("lỗi ngoài dự kiến" in t and "logs/khdesk.log" in t for t in texts)
    assert "Ngày sinh không hợp lệ." in texts
    assert not any("ZeroDivisionError" in t or "Traceback" in t for t in texts)
    assert "ZeroDivisionError" in caplog.text  # the traceback went to the log
    for box in boxes:
        box.close()
