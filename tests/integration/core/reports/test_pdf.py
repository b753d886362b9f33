"""The shared page (`reports/pdf.py`) the forms, lists and reports build on."""

from __future__ import annotations

from datetime import date

from khdesk.core.reports.pdf import (
    FONT_BOLD,
    Header,
    PdfDocument,
    Signature,
    blank,
    layout,
    number_line,
)

from . import pdfcheck


def test_layout_comes_from_the_template():
    lay = layout()
    assert (lay.margin_top, lay.margin_bottom, lay.margin_left, lay.margin_right) == (
        20,
        20,
        30,
        15,
    )
    assert (lay.body_size, lay.party_size, lay.doc_type_size) == (14, 15, 16)


def test_number_line():
    assert number_line("05-NQ/CB", "NQ", "CB") == "Số 05-NQ/CB"
    assert number_line(None, "QĐ", "ĐU") == f"Số {blank(3)}-QĐ/ĐU"


def test_a_document_with_header_table_and_signature():
    doc = PdfDocument(title="Thử")
    doc.header(
        Header(
            issuer="Chi bộ tổ dân phố Nghĩa Phú Đông",
            upper_body="Đảng bộ phường Cam Linh",
            number="Số 05-NQ/CB",
            place="Cam Linh",
            on=date(2026, 2, 5),
        )
    )
    doc.title("Báo cáo", "kết quả phát triển đảng viên\nnăm 2026")
    doc.paragraph("Văn bản có <dấu> & ký tự đặc biệt.")
    rows = [["Chi bộ", "Kế hoạch", "Thực hiện"], ["", "", ""]]
    rows += [[f"Chi bộ thôn Phước Đồng {i}", str(i), str(i * 2)] for i in range(80)]
    rows.append(["Tổng cộng", "3160", "6320"])
    doc.table(
        rows,
        [None, 30, 30],
        header_rows=2,
        align=["left", "right", "right"],
        spans=[((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (2, 1))],
        styles=[("FONTNAME", (0, -1), (-1, -1), FONT_BOLD)],
    )
    doc.signing(Signature("T/M ĐẢNG ỦY", "BÍ THƯ", "Trần Văn Đức"), ["Lưu."])
    data = doc.build(invariant=True)
    assert data == doc.build(invariant=True)  # reproducible
    pages = [p.extract_text() for p in pdfcheck.reader(data).pages]
    assert len(pages) >= 3
    assert all("Kế hoạch" in p for p in pages[:-1])  # the heading rows repeat
    text = pdfcheck.flat(data)
    assert "ĐẢNG BỘ PHƯỜNG CAM LINH" in text
    assert "Cam Linh, ngày 05 tháng 02 năm 2026" in text
    assert "BÁO CÁO kết quả phát triển đảng viên năm 2026" in text
    assert "Văn bản có <dấu> & ký tự đặc biệt." in text
    assert "Tổng cộng 3160 6320" in text
    assert pdfcheck.outside_margins(data) == []


def test_a_header_without_number_and_a_landscape_page():
    doc = PdfDocument(landscape_page=True)
    doc.header(Header(issuer="Đảng ủy xã Cam Hải"))
    doc.dotted(2)
    data = doc.build()
    assert pdfcheck.sizes(data) == [(pdfcheck.A4[1], pdfcheck.A4[0])]
    text = pdfcheck.text(data)
    assert "Số" not in text
    assert "………………, ngày …… tháng …… năm 20…" in text
    assert pdfcheck.outside_margins(data, landscape=True) == []
