"""Small things a person notices (issue 17 item 9): the window title, the menu's shortcut
column, the user's name in the status bar, the sync page's messages and folder dialogs,
and what the print dialog says about the place a form prints."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QStatusTipEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from khdesk.core.services.session import open_profile
from khdesk.ui import drives, operation
from khdesk.ui.context import AppContext
from khdesk.ui.drives import Volume
from khdesk.ui.login import LoginDialog
from khdesk.ui.main_window import MainWindow
from khdesk.ui.print_dialog import PrintDialog
from khdesk.ui.sync.page import SyncPage
from khdesk.ui.sync.send import NO_DESTINATION
from tests.ui.helpers import TODAY


@pytest.fixture
def cell(demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    yield session
    session.close()


def test_khdesk_is_named_once_in_the_title(qtbot, cell, demo_home):
    # Qt appends the application's display name ("khdesk — Phát triển đảng viên").
    window = MainWindow(cell, today=TODAY)
    qtbot.addWidget(window)
    assert window.windowTitle() == "Chi bộ thôn Bãi Giếng Bắc (Chi bộ)"
    login = LoginDialog(demo_home)
    qtbot.addWidget(login)
    assert "khdesk" not in login.windowTitle()


def test_the_new_file_key_is_in_the_menus_shortcut_column(qtbot, cell):
    window = MainWindow(cell, today=TODAY)
    qtbot.addWidget(window)
    text, _, key = window.new_file_action.text().partition("\t")
    assert (text, key) == ("Thêm hồ sơ quần chúng…", "Ctrl+N")
    assert "(Ctrl" not in text
    assert window.new_file_shortcut.key().toString() == "Ctrl+N"


def test_the_users_name_stays_after_hovering_a_menu(qtbot, cell):
    window = MainWindow(cell, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    # What a menu item without a status tip sends the window when the mouse is over it.
    QApplication.sendEvent(window, QStatusTipEvent(""))
    window.ctx.hub.status.emit("Đã lưu.")
    shown = [w.text() for w in window.statusBar().findChildren(QLabel) if w.isVisibleTo(window)]
    assert "Người dùng: bithu" in shown


def test_choosing_a_folder_clears_choose_a_usb(qtbot, cell, tmp_path, monkeypatch):
    monkeypatch.setattr(drives, "removable_volumes", lambda: [])
    page = SyncPage(AppContext(cell, TODAY))
    qtbot.addWidget(page)
    page.refresh()
    page.send.export()
    assert page.send.last_error == NO_DESTINATION
    assert page.send.result_label.isVisibleTo(page)
    page.send.add_folder(tmp_path)
    assert page.send.last_error is None
    assert not page.send.result_label.isVisibleTo(page)


def test_folder_dialogs_open_on_the_stick_not_the_working_directory(
    qtbot, cell, tmp_path, monkeypatch
):
    stick = tmp_path / "usb"
    stick.mkdir()
    asked: list[str] = []

    def dialog(_parent, _title, start="", *_filters):
        asked.append(start)
        return ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a: (dialog(*a), ""))
    monkeypatch.setattr(drives, "removable_volumes", lambda: [Volume(str(stick), "E:", 1 << 30)])
    page = SyncPage(AppContext(cell, TODAY))
    qtbot.addWidget(page)
    page.receive._choose_folder()
    page.receive._choose_files()
    assert asked == [str(stick), str(stick)]
    page.send.add_folder(tmp_path)
    page.send._choose_folder()
    assert asked[-1] == str(tmp_path)  # the folder already chosen
    monkeypatch.setattr(drives, "removable_volumes", lambda: [])
    page.receive._choose_folder()
    assert asked[-1] == str(Path.home())  # no stick: home, not the working directory


def test_the_receive_hint_names_the_button_as_it_reads(qtbot, cell):
    page = SyncPage(AppContext(cell, TODAY))
    qtbot.addWidget(page)
    button = page.receive.import_button.text()
    hints = [w.text() for w in page.receive.findChildren(QLabel) if "khi bấm" in w.text()]
    assert hints and all(f"“{button}”" in h for h in hints)


def _pdf_text(qtbot, dialog: PrintDialog) -> str:
    dialog.select_form("6-KNĐ")
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)  # the preview
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(dialog.pdf_bytes)).pages)


def test_the_print_dialog_says_which_place_the_form_prints(qtbot, demo_home):
    committee = open_profile(demo_home, "X01", "bithu", "demo-password")
    try:
        dialog = PrintDialog(AppContext(committee, TODAY), "X01-CB02-0004", "", {"A8", "A10"})
        qtbot.addWidget(dialog)
        assert dialog.place_edit.text() == ""
        assert "Cam Lâm" in dialog.place_edit.placeholderText()
        assert "địa danh" not in dialog.settings_note.text()  # it is not left blank
        assert "Cam Lâm, ngày" in _pdf_text(qtbot, dialog)
    finally:
        committee.close()


def test_the_file_dialog_names_file_types_in_vietnamese(qtbot, qapp, tmp_path):
    from PySide6.QtWidgets import QFileSystemModel

    from khdesk.ui import qt_vietnamese

    (tmp_path / "6-KND.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "X01.xlsx").write_bytes(b"")
    assert qt_vietnamese.install(qapp)
    try:
        dialog = QFileDialog(None, "Lưu biểu mẫu", str(tmp_path), "Tệp PDF (*.pdf)")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        qtbot.addWidget(dialog)
        model = dialog.findChild(QFileSystemModel)
        assert model.type(model.index(str(tmp_path / "6-KND.pdf"))) == "Tài liệu PDF"
        assert "Excel" in model.type(model.index(str(tmp_path / "X01.xlsx")))
        assert "Bảng tính" in model.type(model.index(str(tmp_path / "X01.xlsx")))
    finally:
        qt_vietnamese.uninstall(qapp)
