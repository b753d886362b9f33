"""Issue 17, "A year in a commune": three data homes stand for three PCs (the commune
committee and two of its cells), driven only through the real windows as a person would —
the new-profile wizard, the organisation page, the keys panel (cards written to a folder,
fingerprints read from one screen and typed into the other), the Excel wizard, the
record-step dialog, the print dialog (real PDFs, their text read back), the sync page's
"Gửi" and "Nhận" through a folder standing for the USB stick, and at the year's end the
committee's statistics page against a table computed by hand below.

Nothing here calls a service to change data: services are read only to check. What the
windows show along the way goes to a Reader (tests/ui/test_no_english.py judges it)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from khdesk.core.services.candidates import list_files
from khdesk.ui import operation
from khdesk.ui.candidate_file import CandidateFileWindow
from khdesk.ui.login import LoginDialog
from khdesk.ui.main_window import MainWindow
from khdesk.ui.new_profile import KEY_PAGE, ORG_PAGE, USER_PAGE
from khdesk.ui.stats_page import pct_text
from tests.ui.helpers import click_in_next_box, type_text
from tests.ui.reading import Reader

PASSWORD = "mat-khau-xa-cam-hai"
WORKDAY = date(2026, 11, 26)  # "today" on every PC while the year is lived
YEAR_END = date(2026, 12, 31)
CELL_A, CELL_B, COMMITTEE = "X01-CB01", "X01-CB02", "X01"
LAN = "Nguyễn Thị Lan"  # cell A's candidate who goes all the way to the ceremony
HUNG = "Trần Văn Hùng"  # cell A's candidate just entered in the source pool

# What the committee's statistics page must show for 2026 once the year is done, worked
# out by hand from the story: one admission (Lan: decision 05/11/2026, a woman born 1998,
# so a youth under 30, working at a private company); the source pool holds Hùng (cell A)
# and Phạm Thị Mai (cell B); the committee's plan for 2026 is 3 admissions.
EXPECTED_2026 = {
    "admitted": "1",
    "target": "3",
    "youth": pct_text(100.0),
    "women": pct_text(100.0),
    "private": "1",
    "pool": "2",
}
# Its chart of the cells: admitted in 2026, cell by cell (no cell has a plan of its own).
EXPECTED_BY_CELL_2026 = {"Chi bộ thôn Tân Đức": 1, "Chi bộ thôn Hòa Bình": 0}


def settle(qtbot) -> None:
    """Until every background operation (profile, import, bundle, PDF) has delivered."""
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def pdf_text(path: Path) -> str:
    """The PDF's text, its line breaks and runs of spaces made single spaces."""
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


# -- the first hour: profiles --


def new_profile(qtbot, reader, home: Path, role: str, code: str, name: str, parent: str = ""):
    """The sign-in's "Tạo hồ sơ mới…": the wizard, typed through, its recovery key kept."""
    login = LoginDialog(home)
    qtbot.addWidget(login)
    reader.read(login, "đăng nhập")
    wizard = login.open_new_profile()
    wizard.role_page.set_role(role)
    wizard.next()
    assert wizard.currentId() == ORG_PAGE
    org = wizard.org_page
    type_text(qtbot, org.code_edit, code)
    type_text(qtbot, org.name_edit, name)
    if parent:
        type_text(qtbot, org.parent_edit, parent)
    while wizard.currentId() != USER_PAGE:
        before = wizard.currentId()
        wizard.next()
        assert wizard.currentId() != before, org.error_label.text()
        reader.read(wizard, f"tạo hồ sơ, trang {wizard.currentId()}")
    user = wizard.user_page
    type_text(qtbot, user.password_edit, PASSWORD)
    type_text(qtbot, user.again_edit, PASSWORD)
    wizard.next()
    settle(qtbot)
    assert wizard.currentId() == KEY_PAGE, user.error_label.text()
    reader.read(wizard, "tạo hồ sơ, mã khôi phục")
    wizard.key_page.kept_check.setChecked(True)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.accept()
    session = login.session
    assert session is not None and session.org_code == code
    return session


class PC:
    """One station's main window, as its secretary sees it."""

    def __init__(self, qtbot, session, today: date, stick: Path, reader: Reader):
        self.qtbot, self.session, self.stick, self.reader = qtbot, session, stick, reader
        self.window = MainWindow(session, today=today)
        qtbot.addWidget(self.window)
        self.window.show()

    def read(self, widget=None, where: str = "") -> None:
        """What the person sees now (the main window, or a dialog of it)."""
        self.reader.read(widget or self.window, where or self.session.org_code)

    def page(self, key: str):
        self.window.show_page(key)
        page = self.window.current_page()
        assert page is not None and page.key == key
        return page

    def file_window(self, file_code: str) -> CandidateFileWindow:
        self.window.open_file(file_code)
        return self.window.file_windows[file_code]

    def record(self, file_code: str, step: str, on: str, **fields) -> None:
        """The file window's "Ghi bước…": the dialog filled in, "Ghi bước" pressed."""
        dialog = self.file_window(file_code).open_record_dialog()
        dialog.choose(step)
        dialog.date_edit.clear()
        type_text(self.qtbot, dialog.date_edit, on)
        for name, text in fields.items():
            edit = getattr(dialog, name)
            if hasattr(edit, "setValue"):
                edit.setValue(text)
            elif hasattr(edit, "setCurrentIndex"):
                found = edit.findText(text, Qt.MatchFlag.MatchContains)
                assert found >= 0, text
                edit.setCurrentIndex(found)
            else:
                edit.clear()
                type_text(self.qtbot, edit, text)
        self.read(dialog, f"ghi bước {step}")
        assert dialog.save(), dialog.error_label.text()
        self.read(self.window.file_windows[file_code], f"hồ sơ sau {step}")

    def print_form(self, file_code: str, form: str, out: Path) -> str:
        """The file window's "In biểu mẫu…": the form chosen, saved as a PDF, its text."""
        dialog = self.file_window(file_code).open_print_dialog()
        dialog.select_form(form)
        settle(self.qtbot)
        assert dialog.pdf_bytes, dialog.message_label.text()
        assert dialog.save_to(out)
        settle(self.qtbot)
        assert "Đã lưu" in dialog.saved_label.text()
        self.read(dialog, f"in {form}")
        dialog.close()
        return pdf_text(out)

    def send(self, target: str | None = None) -> Path:
        """The sync page's "Gửi" to the stick; the bundle written there."""
        page = self.page("sync")
        send = page.send
        page.tabs.setCurrentWidget(send)
        if target is not None:
            row = send.target_box.findData(target)
            assert row >= 0, [send.target_box.itemText(i) for i in range(send.target_box.count())]
            send.target_box.setCurrentIndex(row)
        before = set(self.stick.iterdir())
        assert send.destination() == str(self.stick)
        send.export()
        settle(self.qtbot)
        assert send.last_error is None, send.last_error
        assert "Có thể rút USB an toàn." in send.result_label.text()
        self.read(where="gửi")
        (written,) = set(self.stick.iterdir()) - before
        return written

    def receive(self, bundle: Path) -> str:
        """The sync page's "Nhận": the bundle checked, then "Nhập các tệp hợp lệ"."""
        page = self.page("sync")
        receive = page.receive
        page.tabs.setCurrentWidget(receive)
        receive.load_paths([bundle])
        settle(self.qtbot)
        self.read(where="nhận, đã kiểm tra")
        assert receive.import_button.isEnabled(), receive.last_error
        receive.import_valid()
        settle(self.qtbot)
        assert receive.last_error is None, receive.last_error
        assert [r.status for r in receive.imported] == ["imported"]
        self.read(where="nhận, đã nhập")
        return receive.report_view.toPlainText()

    def close(self) -> None:
        for w in list(self.window.file_windows.values()):
            w.close()
        self.window.close()
        self.session.close()


def enrol(qtbot, holder: PC, other: PC, folder: Path, seen: list[str]) -> None:
    """`other` writes its key card to `folder` and reads its fingerprint aloud; `holder`
    picks the card and types what it heard. A cell's card names its unit: the committee
    is asked to add it (and answers yes)."""
    theirs = other.page("sync").keys
    card = theirs.write_card(folder)
    assert card is not None and card.exists(), theirs.last_error
    heard = theirs.fingerprint_label.text()
    panel = holder.page("sync").keys
    panel.card_edit.setText(str(card))
    type_text(qtbot, panel.typed_edit, heard)
    if holder.session.info.role == "committee":
        click_in_next_box("Thêm đơn vị và ghi nhận", seen)
    panel.ask_enrol()
    assert panel.last_error is None, panel.last_error
    assert "Mã xác nhận khớp" in panel.enrol_result.text()
    peers = [
        panel.peer_model.data(panel.peer_model.index(r, 2))
        for r in range(panel.peer_model.rowCount())
    ]
    assert heard in peers
    holder.read(where="ghi nhận khóa")
    for text in seen:
        holder.reader.read(text, "hộp hỏi thêm đơn vị")


def fill_workbook(path: Path, cell: str, members: list[dict], candidates: list[dict]) -> None:
    """What a secretary types into the exported template in Excel."""
    book = openpyxl.load_workbook(path)
    for sheet_name, rows in (("Đảng viên", members), ("Quần chúng", candidates)):
        sheet = book[sheet_name]
        columns = {(c.value or "").rstrip("*"): c.column for c in sheet[1]}
        for values in rows:
            row = sheet.max_row + 1
            for header, value in {**values, "Mã chi bộ": cell}.items():
                sheet.cell(row=row, column=columns[header], value=value)
    book.save(path)


def import_workbook(qtbot, pc: PC, path: Path) -> None:
    """ "Nhập / xuất Excel" → the import wizard: preview without a problem, then import."""
    wizard = pc.page("excel").import_wizard()
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choose.path_edit.setText(str(path))
    wizard.next()
    settle(qtbot)
    assert wizard.preview.report.problems == [], wizard.preview.report.problems
    pc.read(wizard, "nhập Excel, xem trước")
    wizard.next()
    settle(qtbot)
    assert wizard.result_page.report.committed
    pc.read(wizard, "nhập Excel, kết quả")
    wizard.accept()


def export_template(qtbot, pc: PC, path: Path) -> Path:
    page = pc.page("excel")
    page.export(path)
    settle(qtbot)
    written = path.with_suffix(".xlsx")
    assert written.exists(), page.last_label.text()
    pc.read(where="xuất Excel")
    return written


OFFICIALS = [
    {"Họ và tên": name, "Giới tính": sex, "Ngày sinh": datetime(born, 1, 5),
     "Ngày vào Đảng": datetime(2010, 3, 2), "Ngày chính thức": datetime(2011, 3, 2),
     "Trạng thái": "Chính thức"}
    for name, sex, born in (
        ("Lê Văn Tâm", "Nam", 1970), ("Võ Thị Hạnh", "Nữ", 1975), ("Đặng Văn Bảy", "Nam", 1968),
    )
]  # fmt: skip


@dataclass
class Year:
    """The PCs at the year's end (the committee's window opened on 31/12) and what the
    committee's statistics page shows for 2026."""

    committee: PC
    cells: list[PC]
    figures: dict

    def close(self) -> None:
        for pc in (self.committee, *self.cells):
            pc.close()


def live_the_year(qtbot, tmp_path: Path, stick: Path, reader: Reader) -> Year:
    seen: list[str] = []
    homes = {name: tmp_path / name for name in ("uy-ban", "chi-bo-1", "chi-bo-2")}

    # The first hour: the committee, then its two cells, each on its own PC.
    com = PC(
        qtbot,
        new_profile(
            qtbot, reader, homes["uy-ban"], "committee", COMMITTEE, "Đảng ủy xã Cam Hải", "KH"
        ),
        WORKDAY,
        stick,
        reader,
    )
    org = com.page("org")
    row = org.add_plan_row(year=True)
    org.plans.item(row, 0).setText("2026")
    org.plans.item(row, 2).setText("3")
    assert org.save(), org.message.text()
    com.read(where="tổ chức")
    cell_a = PC(
        qtbot,
        new_profile(
            qtbot, reader, homes["chi-bo-1"], "cell", CELL_A, "Chi bộ thôn Tân Đức", COMMITTEE
        ),
        WORKDAY,
        stick,
        reader,
    )
    cell_b = PC(
        qtbot,
        new_profile(
            qtbot, reader, homes["chi-bo-2"], "cell", CELL_B, "Chi bộ thôn Hòa Bình", COMMITTEE
        ),
        WORKDAY,
        stick,
        reader,
    )
    cards = tmp_path / "the-khoa"
    cards.mkdir()
    for cell in (cell_a, cell_b):
        enrol(qtbot, com, cell, cards, seen)
        enrol(qtbot, cell, com, cards, seen)
    assert len(seen) == 2 and all("danh sách đơn vị" in s for s in seen)

    # Cell A's workbook: three official members, Lan with her first five steps, Hùng new.
    book = export_template(qtbot, cell_a, tmp_path / "chi-bo-1")
    lan = {
        "Họ và tên": LAN,
        "Giới tính": "Nữ",
        "Ngày sinh": datetime(1998, 4, 12),
        "Loại hình nơi làm việc": "Doanh nghiệp tư nhân",
        "Ngày vào nguồn": datetime(2025, 3, 1),
        "Ngày cấp chứng nhận bồi dưỡng": datetime(2025, 6, 20),
        "Số chứng nhận": "125-CN/TTCT",
        "Ngày nhận đơn": datetime(2026, 5, 4),
        "Ngày nhận lý lịch": datetime(2026, 5, 20),
        "Ngày kết luận thẩm tra": datetime(2026, 8, 28),
    }
    hung = {
        "Họ và tên": HUNG, "Giới tính": "Nam", "Ngày sinh": datetime(2001, 9, 9),
        "Ngày vào nguồn": datetime(2026, 10, 1),
    }  # fmt: skip
    fill_workbook(book, CELL_A, OFFICIALS, [lan, hung])
    import_workbook(qtbot, cell_a, book)
    codes = {f["full_name"]: f["file_code"] for f in list_files(cell_a.session)}
    lan_code = codes[LAN]
    assert set(codes) == {LAN, HUNG}

    cell_a.record(
        lan_code, "A6", "02/10/2026",
        intro1_box="Lê Văn Tâm", intro1_since="01/01/2024",
        intro2_box="Võ Thị Hạnh", intro2_since="01/06/2024",
    )  # fmt: skip
    cell_a.record(lan_code, "A7", "12/10/2026")
    cell_a.record(lan_code, "A8", "20/10/2026", doc_edit="12-NQ/CB", members_spin=3, votes_spin=3)
    # The forms print what the stations know: the committee's name came with its card.
    text = cell_a.print_form(lan_code, "5-KNĐ", tmp_path / "5-KND.pdf")
    assert "ĐẢNG BỘ XÃ CAM HẢI CHI BỘ THÔN TÂN ĐỨC" in text
    assert f"quần chúng {LAN}, sinh ngày 12/04/1998" in text and "T/M CHI BỘ" in text
    text = cell_a.print_form(lan_code, "6-KNĐ", tmp_path / "6-KND.pdf")
    assert "Số 12-NQ/CB" in text and "họp vào ngày 20 tháng 10 năm 2026" in text
    assert "đồng chí Lê Văn Tâm và đồng chí Võ Thị Hạnh" in text
    assert "3 đồng chí, đạt 100% so với tổng số 3 đảng viên chính thức" in text
    assert "Chi bộ đề nghị Ban Thường vụ Đảng ủy xã Cam Hải xem xét" in text

    # Cell B has one person in its source pool.
    book = export_template(qtbot, cell_b, tmp_path / "chi-bo-2")
    mai = {"Họ và tên": "Phạm Thị Mai", "Giới tính": "Nữ", "Ngày sinh": datetime(2000, 2, 2),
           "Ngày vào nguồn": datetime(2026, 9, 15)}  # fmt: skip
    fill_workbook(book, CELL_B, OFFICIALS[:1], [mai])
    import_workbook(qtbot, cell_b, book)

    # Up: the cells' bundles to the committee.
    for cell in (cell_a, cell_b):
        report = com.receive(cell.send())
        assert cell.session.org_code in report
    assert {f["file_code"]: f["state"] for f in list_files(com.session)}[lan_code] == "CHI_BO_XET"

    # The committee's decision, its 9-KNĐ, and the way down.
    com.record(lan_code, "A10", "05/11/2026", doc_edit="45-QĐ/ĐU")
    text = com.print_form(lan_code, "9-KNĐ", tmp_path / "9-KND.pdf")
    assert "Số 45-QĐ/ĐU" in text and "Cam Hải, ngày 05 tháng 11 năm 2026" in text
    assert "Chi bộ thôn Tân Đức (Nghị quyết số 12-NQ/CB ngày 20/10/2026)" in text
    assert f"Kết nạp quần chúng {LAN}, sinh ngày 12/04/1998" in text
    cell_a.receive(com.send(target=CELL_A))
    assert {f["full_name"]: f["state"] for f in list_files(cell_a.session)}[LAN] == "QUYET_DINH"

    # The ceremony at the cell, and the cell's next bundle up.
    cell_a.record(lan_code, "A11", "20/11/2026")
    com.receive(cell_a.send())
    assert {f["file_code"]: f["state"] for f in list_files(com.session)}[lan_code] == "DU_BI"

    # The year's end: the committee's figures for 2026.
    com.close()
    again = PC(qtbot, reopen(homes["uy-ban"], COMMITTEE), YEAR_END, stick, reader)
    stats = again.page("stats")
    stats.scope_box.setCurrentIndex(stats.scope_box.findText("Năm 2026"))
    settle(qtbot)
    again.read(where="thống kê")
    figures = {
        "admitted": stats.cards["admitted"].value_label.text(),
        "target": target_of(stats.cards["admitted"].detail_label.text()),
        "youth": stats.cards["youth"].value_label.text(),
        "women": stats.cards["women"].value_label.text(),
        "private": stats.cards["private"].value_label.text(),
        "pool": stats.cards["pool"].value_label.text(),
    }
    figures["by_cell"] = {bar.label: bar.value for bar in stats.admitted_chart.bars}
    return Year(again, [cell_a, cell_b], figures)


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: no stacking
def test_a_year_in_a_commune(qtbot, tmp_path, usb):
    year = live_the_year(qtbot, tmp_path, usb, Reader())
    try:
        by_cell = year.figures.pop("by_cell")
        assert year.figures == EXPECTED_2026
        assert by_cell == EXPECTED_BY_CELL_2026
    finally:
        year.close()


def target_of(detail: str) -> str:
    prefix = "Chỉ tiêu: "
    start = detail.index(prefix) + len(prefix)
    return detail[start:].split()[0].rstrip(".,;")


def reopen(home: Path, name: str):
    from khdesk.core.services.session import open_profile

    return open_profile(home, name, "bithu", PASSWORD)
