"""Long work on a worker thread: the result, the error and a cancel come back to the UI."""

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from khdesk.core.errors import InputError
from khdesk.ui.worker import Cancelled, run_with_progress


def test_result_comes_back_from_another_thread(qtbot):
    seen = []

    def work(a, b, progress):
        seen.append(threading.current_thread() is threading.main_thread())
        progress(1, 2, "nửa chừng")
        return a + b

    assert run_with_progress(None, "Đang cộng", work, 2, 3) == 5
    assert seen == [False]


def test_errors_are_raised_on_the_ui_thread(qtbot):
    def work(progress):
        raise InputError("Tệp hỏng ở dòng 3.")

    with pytest.raises(InputError, match="dòng 3"):
        run_with_progress(None, "Đang nhập", work)


def test_cancel_stops_the_work_at_its_next_progress_call(qtbot):
    release = threading.Event()
    steps = []

    def work(progress):
        for i in range(10_000):
            progress(i, 10_000, "")
            steps.append(i)
            release.wait(0.01)
        return "xong"

    def press_cancel():
        # The user presses the dialog's own "Hủy" button.
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)]
        buttons = [b for b in dialogs[0].findChildren(QPushButton) if b.text() == "Hủy"]
        buttons[0].click()

    QTimer.singleShot(100, press_cancel)
    with pytest.raises(Cancelled):
        run_with_progress(None, "Đang chạy", work)
    assert 0 < len(steps) < 10_000
