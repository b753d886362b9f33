"""Stored text shown in the UI is shown as written, never read as HTML (red team of the
local surface, issue 15): a candidate, member, unit or attachment named `<img src=…>`
does not load a file, draw a link or hide words in any label of any page."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QTableWidget
from sqlalchemy import update

from khdesk.core.errors import InputError
from khdesk.core.services import candidates
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from khdesk.demo.stations import create_demo
from khdesk.ui.main_window import MainWindow
from khdesk.ui.messages import error_text

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

TODAY = date(2026, 11, 26)
EVIL = '<img src="/etc/passwd"><a href="file:///C:/x.bat">ĐỦ ĐIỀU KIỆN</a>'
# Every text column a sender, a spreadsheet or a second user can fill and a page shows.
HOSTILE = [
    (t.candidates, "full_name"),
    (t.candidates, "notes"),
    (t.candidates, "home_town"),
    (t.members, "full_name"),
    (t.members, "home_town"),
    (t.members, "status"),
    (t.orgs, "name"),
    (t.steps, "note"),
    (t.attachments, "name"),
    (t.private_units, "name"),
]


@pytest.fixture(scope="module")
def poisoned_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("plain-text")
    create_demo(home, "demo-password", today=TODAY)
    for code in ("X01-CB01", "X01"):
        session = open_profile(home, code, "bithu", "demo-password")
        with session.store.write("bithu") as tx:
            for table, column in HOSTILE:
                tx.conn.execute(update(table).values({column: EVIL}))
        session.close()
    return home


def rich_labels_showing(text: str) -> list[str]:
    """Where `text` is shown by a label that may read it as HTML (the widget path)."""
    found = []
    for widget in QApplication.allWidgets():
        if not isinstance(widget, QLabel) or text not in widget.text():
            continue
        if widget.textFormat() != Qt.TextFormat.PlainText:
            path, w = [], widget
            while w is not None:
                path.append(type(w).__name__)
                w = w.parentWidget()
            found.append("/".join(path))
    return found


def raw_item_tips_with(text: str) -> list[str]:
    """Table items whose tooltip quotes `text` unescaped (a tooltip is read as HTML)."""
    found = []
    for widget in QApplication.allWidgets():
        if isinstance(widget, QTableWidget):
            for row in range(widget.rowCount()):
                for col in range(widget.columnCount()):
                    item = widget.item(row, col)
                    if item is not None and text in item.toolTip():
                        found.append(f"{type(widget.window()).__name__} {row},{col}")
    return found


@pytest.mark.parametrize("station", ["X01-CB01", "X01"])
def test_unlisted_stored_text_is_never_rich_text_in_a_label(qtbot, poisoned_home, station):
    session = open_profile(poisoned_home, station, "bithu", "demo-password")
    window = MainWindow(session, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    for key in list(window.page_types):
        window.show_page(key)
        QApplication.processEvents()
    code = candidates.list_files(session)[0]["file_code"]
    window.open_file(code)
    file_window = window.file_windows[code]
    for tab in range(file_window.tabs.count()):
        file_window.tabs.setCurrentIndex(tab)
        QApplication.processEvents()
    dialog = file_window.open_record_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    # An error quoting stored text, as the error boxes show it.
    box = QMessageBox(QMessageBox.Icon.Warning, "Lỗi", error_text(InputError(EVIL)), parent=window)
    qtbot.addWidget(box)
    box.show()
    QApplication.processEvents()
    try:
        assert rich_labels_showing(EVIL) == []
        assert raw_item_tips_with(EVIL) == []
        # A deliberately rich label escapes what it quotes: the raw tag is nowhere.
        members = window.pages["members"]
        assert "<img" not in members.detail_form.text()
        assert "&lt;img" in members.detail_form.text()
        home = window.pages["home"]
        home.table.selectRow(0)
        assert "&lt;img" in home.detail.text() and "<img" not in home.detail.text()
    finally:
        for w in list(window.file_windows.values()):
            w.close()
        session.close()


def test_unlisted_about_dialog_escapes_the_units_name(qtbot, poisoned_home):
    """The About box is deliberately rich; the unit's name in it (profile.json, the unit
    settings) is quoted, not obeyed."""
    from dataclasses import replace

    from khdesk.ui.help import AboutDialog

    session = open_profile(poisoned_home, "X01-CB01", "bithu", "demo-password")
    try:
        session.info = replace(session.info, org_name=EVIL)
        dialog = AboutDialog(session)
        qtbot.addWidget(dialog)
        assert dialog.label.textFormat() == Qt.TextFormat.RichText
        assert "<img" not in dialog.label.text() and "&lt;img" in dialog.label.text()
    finally:
        session.close()


def test_unlisted_item_tooltips_show_stored_text_as_written(qtbot, poisoned_home, tmp_path):
    """A tooltip is read as HTML whenever its first line holds a tag, and an item view's
    tooltip cannot be made plain: the models escape what they quote — the to-do list's
    findings, and the import's cell problems quoting a hostile spreadsheet."""
    from khdesk.core.services.importer import import_file
    from khdesk.ui.import_wizard import ProblemModel

    session = open_profile(poisoned_home, "X01-CB01", "bithu", "demo-password")
    try:
        window = MainWindow(session, today=TODAY)
        qtbot.addWidget(window)
        tips = []
        home = window.pages["home"]
        for row in range(home.model.rowCount()):
            for col in range(home.model.columnCount()):
                tips.append(
                    home.model.data(home.model.index(row, col), Qt.ItemDataRole.ToolTipRole)
                )
        sheet = tmp_path / "Quần chúng.csv"
        header = "Họ và tên*,Giới tính*,Ngày sinh*,Mã chi bộ*\r\n"
        sheet.write_text(header + f"A,Nam,{EVIL},X01-CB01\r\n", encoding="utf-8-sig")
        report = import_file(session, sheet, dry_run=True)
        problems = ProblemModel()
        problems.set_problems(report.problems)
        assert problems.rowCount()
        for row in range(problems.rowCount()):
            index = problems.index(row, 3)
            assert EVIL in problems.data(index)  # shown as written in the table
            tips.append(problems.data(index, Qt.ItemDataRole.ToolTipRole))
        quoting = [tip for tip in tips if tip and "img" in tip]
        assert quoting, tips  # the hostile text does reach the tooltips ...
        assert all("<img" not in tip for tip in quoting)  # ... escaped
    finally:
        session.close()
