"""Issue 17: no English reaches a person. Every text the year's flows show (tests/ui/
test_a_year_in_a_commune.py), then every page of the main window of a committee and of a
cell and the dialogs reachable from them, with Qt's own texts in Vietnamese as the app
installs them (the CLI's side: tests/integration/cli/test_cli_no_english.py). Words are
judged by tests/english.py (a short allow list: khdesk, PDF, USB, Excel, …)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog

from khdesk.core.services.candidates import list_files
from khdesk.ui import help as help_dialogs
from khdesk.ui import operation, qt_vietnamese, shell
from khdesk.ui.pages import page_entries
from khdesk.ui.print_dialog import form_choices
from tests.ui.helpers import click_in_next_box, type_text
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


def walk_the_window(pc: PC, files: list[str] | None = None, forms: int = 99) -> None:
    """Every page of the station's window, its menus, and the dialogs they open; for
    `files` (default: all), the file window, the record-step dialog and, for the first
    `forms` of them, the print dialog on every form."""
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
    if role != "cell":
        read_and_close(pc, pc.page("org").add_unit(), "thêm đơn vị")
    if files is None:
        files = [row["file_code"] for row in list_files(pc.session)]
    for n, code in enumerate(files):
        file_window = pc.file_window(code)
        settle(pc.qtbot)
        pc.read(file_window, f"hồ sơ {code}")
        read_and_close(pc, file_window.open_record_dialog(), f"ghi bước {code}")
        if n < forms:
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


def walk_the_refusals(pc: PC, tmp_path: Path) -> None:
    """What a person reads when something is refused: an impossible date, a key card
    without or with a wrong fingerprint, a file that is not a bundle, a question asked."""
    seen: list[str] = []
    files = [row["file_code"] for row in list_files(pc.session)]
    dialog = pc.file_window(files[0]).open_record_dialog()
    assert dialog.offered or pc.session.info.role == "committee"
    if dialog.offered:
        dialog.date_edit.clear()
        type_text(pc.qtbot, dialog.date_edit, "31/02/2026")
        assert not dialog.save()
        pc.read(dialog, "ghi bước: ngày không có thật")
    dialog.close()
    keys = pc.page("sync").keys
    keys.ask_enrol()
    pc.read(keys, "ghi nhận khóa: chưa chọn thẻ")
    tmp_path.mkdir(parents=True, exist_ok=True)
    card = keys.write_card(tmp_path)
    assert card is not None, keys.last_error
    keys.card_edit.setText(str(card))
    type_text(pc.qtbot, keys.typed_edit, "AAAA BBBB CCCC DDDD EEEE FFFF")
    keys.ask_enrol()
    assert keys.last_error
    pc.read(keys, "ghi nhận khóa: sai mã")
    junk = tmp_path / "khong-phai.khdb"
    junk.write_bytes(b"PK\x03\x04 day khong phai goi dong bo")
    page = pc.page("sync")
    page.tabs.setCurrentWidget(page.receive)
    page.receive.load_paths([junk])
    settle(pc.qtbot)
    assert page.receive.model.rowCount() == 1
    pc.read(where="nhận: tệp hỏng")
    click_in_next_box("Hủy", seen)
    keys.ask_rotate()
    assert seen, "no question was asked"
    for text in seen:
        pc.reader.read(text, "hộp hỏi đổi khóa")


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: no stacking
def test_no_english_in_the_windows_of_a_year(qtbot, tmp_path, usb, vietnamese_qt):
    reader = Reader()
    year = live_the_year(qtbot, tmp_path, usb, reader)
    try:
        for pc in (year.committee, *year.cells):
            walk_the_window(pc)
            walk_the_refusals(pc, tmp_path / pc.session.org_code)
    finally:
        year.close()
    assert not reader.english, "\n" + reader.report()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: no stacking
def test_no_english_in_the_demos_windows(qtbot, tmp_path, usb, vietnamese_qt):
    """The demo holds every state, findings, members, history: a committee's and a cell's
    window, one file of each state."""
    from khdesk.core.services.session import open_profile
    from khdesk.demo.loop import build_demo
    from tests.ui.helpers import TODAY

    home = tmp_path / "home"
    build_demo(home, "demo-password", today=TODAY)
    reader = Reader()
    for name in ("X01", "X01-CB01"):
        session = open_profile(home, name, "bithu", "demo-password")
        pc = PC(qtbot, session, TODAY, usb, reader)
        try:
            one_of_each = {row["state"]: row["file_code"] for row in list_files(session)}
            walk_the_window(pc, sorted(one_of_each.values()), forms=2)
        finally:
            pc.close()
    assert not reader.english, "\n" + reader.report()
