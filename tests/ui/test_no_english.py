"""Issue 17: no English reaches a person. Every text the year's flows show (tests/ui/
test_a_year_in_a_commune.py), then every page of the main window of a committee and of a
cell and the dialogs reachable from them, with Qt's own texts in Vietnamese as the app
installs them (the CLI's side: tests/integration/cli/test_cli_no_english.py). Words are
judged by tests/english.py (a short allow list: khdesk, PDF, USB, Excel, …)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog

from khdesk.core.services.candidates import list_files
from khdesk.ui import help as help_dialogs
from khdesk.ui import operation, qt_vietnamese, shell
from khdesk.ui.pages import page_entries
from khdesk.ui.print_dialog import form_choices
from tests.ui.reading import Reader
from tests.ui.test_a_year_in_a_commune import PC, live_the_year


@pytest.fixture
def vietnamese_qt():
    """Qt's own texts (file dialog, right-click menu, standard buttons) as the app has them."""
    app = QApplication.instance()
    assert qt_vietnamese.install(app)
    yield
    qt_vietnamese.uninstall(app)


def settle(qtbot) -> None:
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def read_and_close(pc: PC, dialog, where: str) -> None:
    if dialog is None:
        return
    settle(pc.qtbot)
    pc.read(dialog, where)
    dialog.close()


def walk_the_window(pc: PC) -> None:
    """Every page of the station's window, its menus, and the dialogs they open."""
    window, role = pc.window, pc.session.info.role
    for entry in page_entries():
        if role in entry.roles:
            pc.page(entry.key)
            settle(pc.qtbot)
            pc.read(where=f"{role}: trang {entry.title}")
    read_and_close(pc, shell.edit_autolock(window), "tự động khóa")
    read_and_close(pc, shell.open_users(window), "người dùng")
    read_and_close(pc, shell.open_users(window, True), "đổi mật khẩu")
    read_and_close(pc, help_dialogs.open_guide(window), "hướng dẫn")
    read_and_close(pc, help_dialogs.open_about(window, pc.session), "giới thiệu")
    read_and_close(pc, shell.new_file(window), "thêm hồ sơ")
    for row in list_files(pc.session):
        code = row["file_code"]
        file_window = pc.file_window(code)
        settle(pc.qtbot)
        pc.read(file_window, f"hồ sơ {code}")
        read_and_close(pc, file_window.open_record_dialog(), f"ghi bước {code}")
        printing = file_window.open_print_dialog()
        for choice in form_choices(set()):
            printing.select_form(choice.code)
            settle(pc.qtbot)
            pc.read(printing, f"in {choice.code} {code}")
        printing.close()
        file_window.close()
    chooser = QFileDialog(window, "Chọn tệp")  # Qt's own file dialog, as the app opens it
    chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    read_and_close(pc, chooser, "hộp chọn tệp")


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: no stacking
def test_no_english_in_the_windows_of_a_year(qtbot, tmp_path, usb, vietnamese_qt):
    reader = Reader()
    year = live_the_year(qtbot, tmp_path, usb, reader)
    try:
        for pc in (year.committee, *year.cells):
            walk_the_window(pc)
    finally:
        year.close()
    assert not reader.english, "\n" + reader.report()
