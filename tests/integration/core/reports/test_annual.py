"""The annual report and the screening list (Chỉ thị 28) on the hand-built province of
conftest.py: the PDFs' text read back with pypdf, the workbooks with openpyxl."""

from __future__ import annotations

import json
import re

import openpyxl
import pypdf
import pytest
from sqlalchemy import select

from khdesk.core.reports.annual import annual_pdf, annual_scopes, build_annual, paragraphs
from khdesk.core.reports.stats import StatsData, compute_stats
from khdesk.core.services.reporting import screening_list
from khdesk.core.store import schema as t
from tests.integration.cli.test_cli import khdesk
from tests.integration.core.reports.stats_dataset import (
    PASSWORD,
    TODAY,
    build_province_home,
    hand_tables,
    open_province,
)


@pytest.fixture(scope="module")
def province_home(tmp_path_factory):
    return build_province_home(tmp_path_factory)


@pytest.fixture
def province(province_home):
    session = open_province(province_home)
    yield session
    session.close()


def pdf_text(source) -> str:
    reader = pypdf.PdfReader(source)
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def annual(top="KH", level="province", year=2026):
    data = StatsData.from_tables(hand_tables())
    results = [
        compute_stats(data, s, top_code=top, top_level=level, today=TODAY)
        for s in annual_scopes(year)
    ]
    return build_annual(results, year, TODAY)


def test_annual_scopes_cover_the_plan_period():
    labels = [s.label for s in annual_scopes(2027)]
    # The year, the year before, the period, then each year of the period so far.
    assert labels == ["2027", "2026", "2026-2030", "2026", "2027"]


def test_annual_text_from_the_figures():
    report = annual()
    text = " ".join(p for _, texts in paragraphs(report) for p in texts)
    # 7 admitted of 11 (63,64%); 3 in 2025: +4.
    assert "toàn Đảng bộ tỉnh kết nạp 7 đảng viên, đạt 63,64% chỉ tiêu năm (chỉ tiêu 11)" in text
    assert "tăng 4 so với năm trước (3)" in text
    assert "5 đảng viên trong độ tuổi thanh niên (71,43%)" in text
    assert "4 đảng viên nữ (57,14%)" in text
    assert "2 người dân tộc thiểu số (28,57%)" in text
    assert "3 đảng viên trong khu vực kinh tế tư nhân (2 trong doanh nghiệp tư nhân" in text
    assert "Lũy kế giai đoạn 2026–2030: kết nạp 7 đảng viên, đạt 15,56%" in text
    assert "Công nhận 2 đảng viên chính thức (1 đúng thời hạn, 1 chậm" in text
    assert "nguồn có 3 quần chúng ưu tú chưa được kết nạp, trong đó 2 người" in text
    assert "2/4 thôn, tổ dân phố có chi bộ riêng (50,00%)" in text
    assert "có 3 đảng viên thuộc diện chi bộ xem xét" in text
    assert "tỷ lệ kết nạp trong độ tuổi thanh niên: 71,43% (giai đoạn 2015–2020: 60,44%)" in text

    commune = annual("X01", "commune")
    text = " ".join(p for _, texts in paragraphs(commune) for p in texts)
    # X01: 4 of its cells' 3 + 2; no 2025 admissions in X01 but X01-CB01-0003 and
    # X01-CB02-0003 and the register's X01-CB02-DV002: 3.
    assert "Năm 2026, Đảng bộ kết nạp 4 đảng viên, đạt 80,00% chỉ tiêu năm (chỉ tiêu 5)" in text
    assert "tăng 1 so với năm trước (3)" in text


def test_annual_pdf_reads_back():
    import io

    report = annual("X01", "commune")
    text = pdf_text(io.BytesIO(annual_pdf(report, invariant=True)))
    for expected in (
        "ĐẢNG BỘ TỈNH KHÁNH HÒA",  # the upper body: Tỉnh ủy → Đảng bộ tỉnh
        "ĐẢNG ỦY XÃ CAM HẢI",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Số ………-BC/ĐU",
        "Cam Hải, ngày 26 tháng 11 năm 2026",
        "BÁO CÁO",
        "kết quả công tác phát triển đảng viên năm 2026",
        "I. KẾT QUẢ THỰC HIỆN",
        "Bảng 1. Các chỉ số chủ yếu",
        "Số đảng viên kết nạp 3 4 4",  # 2025, 2026, the period so far
        "Kết nạp đảng viên so với chỉ tiêu, giai đoạn 2026–2030",
        "Cơ cấu đảng viên kết nạp năm 2026 (%)",
        "Bảng 2. Kết quả kết nạp năm 2026 theo đơn vị (chi bộ)",
        "Chi bộ thôn Hải Đông 3 3 100,00 66,67",
        "III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2027",
        "T/M ĐẢNG ỦY",
        "Ban Tổ chức Tỉnh ủy (để báo cáo)",
    ):
        assert expected in text, expected


def test_screening_list(province):
    listing = screening_list(province, 2026, TODAY)
    rows = [(r.member_code, r.rule) for r in listing.rows]
    assert rows == [
        ("X01-CB01-DV001", "SCREEN_ABSENT"),  # 3 months without party activity in 2026
        ("X02-CB01-DV001", "SCREEN_ABSENT"),  # 3 months unpaid in 2026
        ("X02-CB01-DV001", "SCREEN_DECLINE"),  # declining 2025 and 2026
        ("X02-CB02-DV001", "SCREEN_VIOLATION_2Y"),  # violated 2025 and 2026
    ]
    assert len(listing.members) == 3
    assert listing.rows[0].org_name == "Chi bộ thôn Hải Đông"
    # Judged on 31/12/2025 every member has one marked year at most: nobody.
    assert screening_list(province, 2025, TODAY).rows == []


def test_cli_report_annual_and_screening(province_home, tmp_path):
    def run(*args):
        base = ("report", *args[:1], "--profile", "KH", "--on", "2026-11-26", *args[1:])
        return khdesk(province_home, *base, password=PASSWORD)

    pdf = tmp_path / "bao-cao-nam.pdf"
    out = run("annual", "--year", "2026", "--out", str(pdf))
    assert out.returncode == 0, out.stderr
    assert "Đã ghi báo cáo năm" in out.stdout
    text = pdf_text(str(pdf))
    for expected in (
        "TỈNH ỦY KHÁNH HÒA",
        "toàn Đảng bộ tỉnh kết nạp 7 đảng viên, đạt 63,64% chỉ tiêu năm (chỉ tiêu 11)",
        "Trong đó: 5 đảng viên trong độ tuổi thanh niên (71,43%)",
        "Số đảng viên kết nạp 3 7 7",
        "Đảng ủy xã Cam Hải 5 4 80,00",
        "Đảng ủy phường Bắc Nha Trang 6 3 50,00",
    ):
        assert expected in text, expected

    xlsx = tmp_path / "bao-cao-nam.xlsx"
    out = run("annual", "--year", "2026", "--out", str(xlsx), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["admitted"] == 7
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == [
        "Tổng hợp",
        "Theo năm",
        "Thông tin",
        "Tỉnh",
        "Xã, phường, đặc khu",
        "Chi bộ",
        "Chỉ số",
    ]
    summary = {r[1]: r[2:] for r in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["admitted"] == (3, 7, 7)  # 2025, 2026, 2026–2030
    assert summary["youth_pct"] == (66.67, 71.43, 71.43)
    assert summary["target"] == (8, 11, 45)
    years = list(wb["Theo năm"].iter_rows(values_only=True))
    assert years[1][:3] == (2026, 11, 7)
    wb.close()

    pdf = tmp_path / "sang-loc.pdf"
    out = run("screening", "--year", "2026", "--out", str(pdf))
    assert out.returncode == 0, out.stderr
    assert "(3 dòng)" in out.stdout
    text = pdf_text(str(pdf))
    for expected in (
        "DANH SÁCH",
        "đảng viên cần xem xét, đề nghị sàng lọc theo Chỉ thị 28-CT/TW năm 2026",
        "Trần Văn Hải",
        "Nguyễn Thị Bảy",
        "Mai Thị Mười",
        "Vi phạm tư cách đảng viên hai năm liền",
        "Tổng số: 3 đảng viên",
    ):
        assert expected in text, expected

    xlsx = tmp_path / "sang-loc.xlsx"
    out = run("screening", "--year", "2026", "--out", str(xlsx), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["rows"] == 3
    assert summary["findings"] == {
        "SCREEN_ABSENT": 2,
        "SCREEN_DECLINE": 1,
        "SCREEN_VIOLATION_2Y": 1,
    }
    wb = openpyxl.load_workbook(xlsx)
    rows = list(wb["Danh sách"].iter_rows(values_only=True))
    assert rows[0][:3] == ("TT", "Mã đảng viên", "Họ và tên")
    assert [(r[1], r[5]) for r in rows[1:]] == [
        ("X01-CB01-DV001", "SCREEN_ABSENT"),
        ("X02-CB01-DV001", "SCREEN_ABSENT"),
        ("X02-CB01-DV001", "SCREEN_DECLINE"),
        ("X02-CB02-DV001", "SCREEN_VIOLATION_2Y"),
    ]
    wb.close()

    out = run("screening", "--out", str(tmp_path / "x.docx"))
    assert out.returncode == 2 and "đuôi" in out.stderr


def test_exports_are_audited(province, tmp_path):
    from khdesk.core.services.reporting import export_screening

    export_screening(province, tmp_path / "sang-loc.pdf", 2026, TODAY)
    with province.store.read() as conn:
        audit = conn.execute(
            select(t.audit.c.action, t.audit.c.entity_key).where(t.audit.c.action == "export")
        ).all()
    assert ("export", "screening") in [tuple(a) for a in audit]
