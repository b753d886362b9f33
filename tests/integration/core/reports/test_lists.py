"""The 18-KNĐ register, the due list and a file's checklist of documents."""

from __future__ import annotations

from datetime import date

from khdesk.core.reports import lists
from khdesk.core.reports.lists import RegisterRow
from khdesk.core.services import printing

from . import pdfcheck
from .conftest import ADMITTED, GAPPY, TODAY, WAITING

LANDSCAPE = (pdfcheck.A4[1], pdfcheck.A4[0])


def test_register_rows_number_the_whole_dang_bo_in_order_of_admission(commune):
    with commune.store.read() as conn:
        rows = lists.register_rows(conn)
    assert [r.no for r in rows] == list(range(1, len(rows) + 1))
    dates = [r.decision_on for r in rows]
    assert dates == sorted(dates)
    first = rows[0]
    assert (first.full_name, first.notes) == (
        "Phan Văn Mười",
        ["Chính thức từ 03/02/1976", "Từ trần"],
    )
    # The admitted file joins the member's line: decision number, ceremony, recognition.
    tuyet = next(r for r in rows if r.full_name == "Nguyễn Thị Ánh Tuyết")
    cells = tuyet.cells()
    assert cells["birth_female"] == "05/02/2001" and cells["birth_male"] == ""
    assert cells["decision_no"] == "12-QĐ/ĐU"
    assert cells["decision_on"] == "03/03/2025"
    assert cells["ceremony_on"] == "20/03/2025"
    assert cells["notes"] == "Chính thức từ 20/03/2026"
    assert cells["history_no"] == "LL-0110"
    assert cells["cell"] == "Chi bộ thôn Tân Đức"
    # A year keeps the register's own running numbers.
    with commune.store.read() as conn:
        only = lists.register_rows(conn, year=2025)
    assert [(r.no, r.full_name) for r in only] == [(tuyet.no, "Nguyễn Thị Ánh Tuyết")]


def test_register_pdf_is_landscape_a4_with_its_numbered_columns(commune):
    data, count = printing.register_pdf(commune, on=TODAY)
    assert count == 18
    assert pdfcheck.sizes(data) == [LANDSCAPE] * len(pdfcheck.sizes(data))
    assert pdfcheck.outside_margins(data, landscape=True) == []
    text = pdfcheck.flat(data)
    assert "SỔ ĐẢNG VIÊN DỰ BỊ" in text and "Tính đến ngày 26/11/2026" in text
    assert "ĐẢNG BỘ TỈNH KHÁNH HÒA" in text and "ĐẢNG ỦY XÃ CAM HẢI" in text
    assert "Cam Hải, ngày 26 tháng 11 năm 2026" in text
    assert "Ngày, tháng, năm sinh" in text and "Quyết định kết nạp" in text
    assert "1 2 3 4 5 6 7 8 9 10" in text  # the row of column numbers
    assert "Nguyễn Thị Ánh Tuyết" in text and "12-QĐ/ĐU" in text
    assert "Tổng số: 18 đảng viên." in text


def test_a_long_register_repeats_its_heading_on_every_page():
    rows = [
        RegisterRow(
            full_name=f"Nguyễn Văn Thành {i}",
            sex="Nam" if i % 3 else "Nữ",
            birth_date=date(1990, 1 + i % 12, 1 + i % 28),
            history_no=f"{i:06d}",
            home_town="xã Cam Hải Tây, tỉnh Khánh Hòa",
            cell="Chi bộ thôn Tân Đức",
            decision_no=f"{i}-QĐ/ĐU",
            decision_on=date(2020, 1, 1),
            ceremony_on=date(2020, 1, 20),
            notes=["Chính thức từ 20/01/2021"],
            no=i,
        )
        for i in range(1, 121)
    ]
    data = lists.render_register(
        rows, {"own_name": "Đảng ủy xã Cam Hải", "on": TODAY, "period_line": "Năm 2020"}
    )
    pages = [" ".join(p.extract_text().split()) for p in pdfcheck.reader(data).pages]
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert "Họ và tên (theo lý lịch)" in page, f"page {n} has no heading"
        if n > 1:
            assert page.lstrip().startswith(str(n))  # page number, top centre, from page 2
    assert pdfcheck.outside_margins(data, landscape=True) == []


def test_due_list_shows_what_is_due_soonest_first(commune):
    data, count = printing.due_pdf(commune, on=TODAY)
    assert count >= 1
    text = pdfcheck.flat(data)
    assert "DANH SÁCH VIỆC ĐẾN HẠN" in text and "tính đến ngày 26/11/2026" in text
    assert "Trương Thị Diễm My (X01-CB03-0001)" in text
    assert "Quyết định kết nạp:" in text  # the rule's label, then its message
    assert pdfcheck.sizes(data)[0] == LANDSCAPE
    assert pdfcheck.outside_margins(data, landscape=True) == []


def test_due_rows_say_how_late_or_how_soon():
    findings = [
        {
            "file_code": "A",
            "full_name": "An",
            "org_code": "C",
            "rule": "CEREMONY_DUE",
            "message": "Tổ chức lễ.",
            "due": "2026-12-06",
            "legal_basis": "294-QĐ/TW",
        },
        {
            "file_code": "B",
            "full_name": "Bình",
            "org_code": "C",
            "rule": "DECISION_DUE",
            "message": "Quyết định.",
            "due": "2026-11-20",
            "legal_basis": "294-QĐ/TW",
        },
        {
            "file_code": "C",
            "full_name": "Chi",
            "org_code": "C",
            "rule": "AGE_MIN",
            "message": "Chưa đủ tuổi.",
            "due": None,
            "legal_basis": "294-QĐ/TW",
        },
    ]
    rows = lists.due_rows(findings, TODAY, {"C": "Chi bộ thôn Tân Đức"})
    assert [(r["no"], r["who"], r["status"]) for r in rows] == [
        ("1", "Bình (B)", "Đã quá hạn"),
        ("2", "An (A)", "Còn 10 ngày"),
    ]
    assert rows[0]["task"] == "Quyết định kết nạp: Quyết định."
    assert rows[0]["cell"] == "Chi bộ thôn Tân Đức"


def test_due_list_without_anything_due():
    data = lists.render_due([], {"own_name": "Chi bộ thôn Tân Đức", "on": TODAY})
    assert "Không có việc nào có thời hạn." in pdfcheck.flat(data)


def test_checklist_of_a_file(commune):
    text = pdfcheck.flat(printing.checklist_pdf(commune, GAPPY, on=TODAY))
    assert "DANH MỤC TÀI LIỆU HỒ SƠ" in text
    assert "hồ sơ của Đinh Công Bằng (X01-CB01-0003)" in text
    assert "Lý lịch của người xin vào Đảng (mẫu 2-KNĐ)" in text
    assert "Còn thiếu" in text  # the personal history, skipped before the verification
    assert "Đã có" in text and "Chưa đến bước" in text
    assert "Ngày 01/03/2026, số 802-CN/TTCT" in text
    assert "Những điểm cần lưu ý (kiểm tra ngày 26/11/2026):" in text
    assert "[DOC_MISSING]" in text
    text = pdfcheck.flat(printing.checklist_pdf(commune, ADMITTED, on=TODAY))
    assert "Còn thiếu" not in text
    assert "Quyết định công nhận đảng viên chính thức (mẫu 16-KNĐ)" in text
    data = printing.checklist_pdf(commune, WAITING, on=TODAY)
    assert pdfcheck.outside_margins(data) == []
