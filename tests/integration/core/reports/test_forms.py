"""The …-KNĐ forms as a secretary gets them: the right names, dates and numbers with their
Vietnamese marks, the party-document header, A4, the font embedded, nothing past the
margins, blanks as dotted lines."""

from __future__ import annotations

import re
from datetime import date

import pytest

from khdesk.core.errors import InputError, UsageError
from khdesk.core.reports import forms, pdf
from khdesk.core.reports.templates import (
    FORM_CODES,
    fill,
    form_code,
    load_template,
    placeholders,
)
from khdesk.core.services import printing

from . import pdfcheck
from .conftest import ADMITTED, INSIDE_FILE, WAITING, pdftotext_text

# The file each form is printed for in the test commune.
FILE_FOR = {
    "5-KNĐ": ADMITTED,
    "6-KNĐ": ADMITTED,
    "7-KNĐ": INSIDE_FILE,
    "8-KNĐ": INSIDE_FILE,
    "9-KNĐ": ADMITTED,
    "12-KNĐ": ADMITTED,
    "13-KNĐ": ADMITTED,
    "14-KNĐ": INSIDE_FILE,
    "15-KNĐ": INSIDE_FILE,
    "16-KNĐ": ADMITTED,
}
NAMES = {ADMITTED: "Nguyễn Thị Ánh Tuyết", INSIDE_FILE: "Trương Thị Diễm My"}


def test_form_codes_with_or_without_the_d_stroke():
    assert form_code("6-KNĐ") == "6-KNĐ"
    assert form_code("6-KND") == "6-KNĐ"
    assert form_code("6-knđ") == "6-KNĐ"
    assert form_code(" 13 knd ") == "13-KNĐ"
    assert form_code("9") == "9-KNĐ"
    assert form_code("18-KND") == "18-KNĐ"
    assert form_code("1-KNĐ") is None  # the candidate writes it; the app never prints it
    assert form_code("99-KND") is None
    with pytest.raises(UsageError) as err:
        printing.resolve_form_code("2-KND")
    assert "Không có mẫu" in err.value.message


@pytest.mark.parametrize(
    "on, expected",
    [
        (date(2026, 2, 5), "Cam Hải Tây, ngày 05 tháng 02 năm 2026"),
        (date(2026, 1, 31), "Cam Hải Tây, ngày 31 tháng 01 năm 2026"),
        (date(2026, 11, 26), "Cam Hải Tây, ngày 26 tháng 11 năm 2026"),
        (date(2026, 3, 7), "Cam Hải Tây, ngày 07 tháng 3 năm 2026"),
    ],
)
def test_date_line_pads_days_below_10_and_months_1_and_2(on, expected):
    assert pdf.date_line("Cam Hải Tây", on) == expected


def test_date_line_blank_is_dotted():
    assert pdf.date_line(None, None) == "………………, ngày …… tháng …… năm 20…"


@pytest.mark.parametrize("code", FORM_CODES)
def test_every_form_prints_on_a4_with_the_embedded_serif_inside_the_margins(commune, code):
    data = printing.form_pdf(commune, code, FILE_FOR[code])
    assert data.startswith(b"%PDF")
    assert all(
        abs(w - pdfcheck.A4[0]) < 0.5 and abs(h - pdfcheck.A4[1]) < 0.5
        for w, h in pdfcheck.sizes(data)
    )
    used = pdfcheck.fonts(data)
    assert used, "no font"
    for name, font in used.items():
        # Only the shipped serif, as an embedded TrueType subset ("AAAAAA+LiberationSerif").
        assert re.fullmatch(r"/[A-Z]{6}\+LiberationSerif(-Bold|-Italic|-BoldItalic)?", name)
        assert font == {"subtype": "/TrueType", "embedded": True}, name
    assert pdfcheck.outside_margins(data) == []
    text = pdfcheck.flat(data)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert NAMES[FILE_FOR[code]] in text
    assert load_template(code).get("doc_type") in text


def test_6_knd_carries_the_meeting_the_vote_and_the_signing_block(commune):
    text = pdfcheck.flat(printing.form_pdf(commune, "6-KNĐ", ADMITTED))
    # Header: the cell's đảng bộ, the cell, the number, the place and date of the meeting.
    assert "ĐẢNG BỘ XÃ CAM HẢI" in text
    assert "CHI BỘ THÔN TÂN ĐỨC" in text
    assert "Số 05-NQ/CB" in text
    assert "Cam Hải, ngày 05 tháng 02 năm 2025" in text
    assert "NGHỊ QUYẾT" in text and "đề nghị kết nạp đảng viên" in text
    # Body: the regulation in force on the meeting's day (232 from January to June 2025).
    assert "Căn cứ Điều 4, Điều lệ Đảng Cộng sản Việt Nam" in text
    assert "Quy định số 232-QĐ/TW" in text
    assert "Chi bộ thôn Tân Đức họp vào ngày 05 tháng 02 năm 2025" in text
    assert "sinh ngày 05/02/2001" in text
    assert "đồng chí Trần Văn Đức và đồng chí Lê Thị Hồng Nhung" in text
    # Nine official members on the day (the tenth was admitted in March), none probationary.
    assert "Tổng số đảng viên của chi bộ: 9 đồng chí (chính thức: 9; dự bị: 0)" in text
    assert "8 đồng chí, đạt 88,89% so với tổng số 9 đảng viên chính thức" in text
    assert "Ban Thường vụ Đảng ủy xã Cam Hải xem xét, quyết định kết nạp" in text
    assert "T/M CHI BỘ" in text and "BÍ THƯ" in text
    assert "Nơi nhận:" in text
    assert "- Đảng ủy xã Cam Hải (để báo cáo)," in text
    assert "- Lưu chi bộ." in text
    # What the records do not carry is left to write by hand, as dotted blanks.
    assert "Có mặt: ……… đồng chí" in text
    assert "Chủ trì hội nghị: đồng chí ……" in text


def test_decisions_9_and_16_knd(commune):
    text = pdfcheck.flat(printing.form_pdf(commune, "9-KNĐ", ADMITTED))
    assert "ĐẢNG BỘ TỈNH KHÁNH HÒA" in text  # the commune's upper body, from layout.json
    assert "ĐẢNG ỦY XÃ CAM HẢI" in text
    assert "Số 12-QĐ/ĐU" in text
    assert "Cam Hải, ngày 03 tháng 3 năm 2025" in text
    assert "QUYẾT ĐỊNH kết nạp đảng viên" in text
    assert "BAN THƯỜNG VỤ ĐẢNG ỦY XÃ CAM HẢI" in text
    assert "Xét đề nghị của Chi bộ thôn Tân Đức (Nghị quyết số 05-NQ/CB ngày 05/02/2025)" in text
    assert "Điều 1. Kết nạp quần chúng Nguyễn Thị Ánh Tuyết, sinh ngày 05/02/2001" in text
    assert "nhiệm kỳ 2025-2030" in text
    assert "T/M BAN THƯỜNG VỤ" in text and "- Như Điều 2," in text

    text = pdfcheck.flat(printing.form_pdf(commune, "16-KNĐ", ADMITTED))
    assert "Số 45-QĐ/ĐU" in text
    assert "Cam Hải, ngày 20 tháng 4 năm 2026" in text
    assert "Quy định số 294-QĐ/TW" in text
    # Official from the end of the 12 months; party age from the admission decision.
    assert "là đảng viên chính thức của Đảng Cộng sản Việt Nam, kể từ ngày 20/03/2026" in text
    assert "Tuổi đảng của đồng chí tính từ ngày 03/03/2025" in text


def test_13_knd_recognition(commune):
    text = pdfcheck.flat(printing.form_pdf(commune, "13-KNĐ", ADMITTED))
    assert "Số 03-NQ/CB" in text and "Cam Hải, ngày 25 tháng 3 năm 2026" in text
    assert "Căn cứ Điều 5, Điều lệ Đảng" in text
    assert "theo Quyết định số 12-QĐ/ĐU ngày 03/03/2025" in text
    assert "lễ kết nạp ngày 20/03/2025" in text
    assert "đồng chí Phạm Quốc Việt" in text  # the mentor, by member code
    assert "10 đồng chí, đạt 100% so với tổng số 10" in text


def test_forms_of_the_dang_uy_co_so(commune):
    text = pdfcheck.flat(printing.form_pdf(commune, "8-KNĐ", INSIDE_FILE))
    assert "ĐẢNG BỘ XÃ CAM HẢI" in text
    assert "ĐẢNG ỦY CÔNG TY TNHH HẢI SẢN THỦY TRIỀU" in text
    assert "Số 07-NQ/ĐU" in text
    assert "Cam Hải, ngày 10 tháng 6 năm 2026" in text
    assert "Nghị quyết số 02-NQ/CB ngày 11/05/2026 của Chi bộ Phân xưởng Chế biến" in text
    assert "6 đồng chí, đạt 85,71% so với tổng số 7 cấp ủy viên" in text
    assert "T/M ĐẢNG ỦY" in text
    text = pdfcheck.flat(printing.form_pdf(commune, "9-KNĐ", INSIDE_FILE))
    assert "Xét đề nghị của Đảng ủy Công ty TNHH Hải sản Thủy Triều (Nghị quyết số 07-NQ/ĐU" in text
    assert "Số ………-QĐ/ĐU" in text  # not decided yet: the number is written by hand
    text = pdfcheck.flat(printing.form_pdf(commune, "6-KNĐ", INSIDE_FILE))
    assert "Chi bộ đề nghị Đảng ủy Công ty TNHH Hải sản Thủy Triều xem xét" in text
    assert "ĐẢNG BỘ CÔNG TY TNHH HẢI SẢN THỦY TRIỀU" in text


def test_a_dang_uy_co_so_form_is_refused_for_a_grassroots_cell(commune):
    with pytest.raises(InputError) as err:
        printing.form_pdf(commune, "8-KNĐ", ADMITTED)
    assert "chi bộ cơ sở" in err.value.message


def test_unknown_file_is_refused(commune):
    with pytest.raises(InputError) as err:
        printing.form_pdf(commune, "6-KNĐ", "X01-CB01-9999")
    assert "Không có hồ sơ mã 'X01-CB01-9999'" in err.value.message


def test_blank_fields_print_as_dotted_lines(commune):
    data = printing.form_pdf(commune, "6-KNĐ", WAITING)
    text = pdfcheck.flat(data)
    assert "Số ………-NQ/CB" in text
    assert "Cam Hải, ngày …… tháng …… năm 20…" in text
    assert "Chi bộ thôn Tân Đức họp vào ngày …… tháng …… năm ………" in text
    assert "tán thành việc đề nghị kết nạp quần chúng Lê Hoàng Ân vào Đảng: ………" in text
    assert "Tổng số đảng viên của chi bộ: ……" in text
    # The strengths and weaknesses: whole dotted lines across the frame, to write on.
    lines = [ln for ln in pdfcheck.text(data).splitlines() if ln.strip()]
    dotted = [ln for ln in lines if set(ln.strip()) == {"…"} and len(ln.strip()) >= 30]
    assert len(dotted) >= 6


def test_values_given_by_the_print_dialog_fill_the_blanks(commune):
    values = {
        "chair": "Trần Văn Đức",
        "chair_role": "Bí thư chi bộ",
        "signer": "Trần Văn Đức",
        "strengths": "Lập trường tư tưởng vững vàng; gương mẫu <trong> công tác & sinh hoạt.",
    }
    text = pdfcheck.flat(printing.form_pdf(commune, "6-KNĐ", ADMITTED, values=values))
    assert "Chủ trì hội nghị: đồng chí Trần Văn Đức, chức vụ: Bí thư chi bộ." in text
    assert "gương mẫu <trong> công tác & sinh hoạt." in text  # escaped, not markup
    assert text.rstrip().endswith("Trần Văn Đức")  # the signer, under the signing block


def test_print_settings_give_the_place_and_the_signer(commune):
    printing.set_print_settings(commune, place="Cam Hải Tây", signer="Ngô Thị Yến")
    text = pdfcheck.flat(printing.form_pdf(commune, "9-KNĐ", ADMITTED))
    assert "Cam Hải Tây, ngày 03 tháng 3 năm 2025" in text
    assert text.rstrip().endswith("Ngô Thị Yến")  # the committee signs its own decision
    text = pdfcheck.flat(printing.form_pdf(commune, "6-KNĐ", ADMITTED))
    assert "Ngô Thị Yến" not in text  # …but not the cell's resolution
    assert printing.print_settings(commune) == {"place": "Cam Hải Tây", "signer": "Ngô Thị Yến"}
    with pytest.raises(UsageError):
        printing.set_print_settings(commune, colour="đỏ")


def test_every_placeholder_of_the_shipped_templates_is_known(commune):
    from sqlalchemy import select  # noqa: F401 - the values come from a real file

    with commune.store.read() as conn:
        values = forms.form_values(conn, ADMITTED, own_org=commune.org_code)
    template = load_template("6-KNĐ")
    known = set(forms.document_values(template, values, commune.org_code))
    known |= forms.HAND_FILLED
    known |= {"count", "overdue", "on", "days", "period_line", "subject_line"}
    known |= {"own_name", "own_upper_body"}
    known |= {"from_org", "to_org"}  # the 18-KNĐ note of a transfer (lists._moved)
    for code in (*FORM_CODES, "18-KNĐ", "due", "checklist"):
        unknown = placeholders(dict(load_template(code).data)) - known
        assert not unknown, f"{code}: {sorted(unknown)}"


def test_fill_escapes_values_and_keeps_template_markup():
    out = fill(
        "**{name}** sinh ngày {birth_date} *tại* {place|4}",
        {"name": "A <b> & *B*", "birth_date": None},
    )
    assert out == "<b>A &lt;b&gt; &amp; *B*</b> sinh ngày ……/……/……… <i>tại</i> …………"


def test_layout_from_pdftotext(commune, pdftotext, tmp_path):
    """The header's two columns side by side, the number and the date line on one row."""
    data = printing.form_pdf(commune, "6-KNĐ", ADMITTED)
    layout = pdftotext_text(data, tmp_path, "-layout", "-f", "1", "-l", "1")
    lines = [ln for ln in layout.splitlines() if ln.strip()]
    assert any("ĐẢNG BỘ XÃ CAM HẢI" in ln and "ĐẢNG CỘNG SẢN VIỆT NAM" in ln for ln in lines)
    assert any("Số 05-NQ/CB" in ln and "Cam Hải, ngày 05 tháng 02 năm 2025" in ln for ln in lines)
    # Every word's box inside the page's margins (A4: 595 × 842 pt).
    boxes = pdftotext_text(data, tmp_path, "-bbox")
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">', boxes
    )
    assert found
    left, right = 30 * 72 / 25.4, 595.2756 - 15 * 72 / 25.4
    for x0, _y0, x1, _y1 in found:
        assert float(x0) >= left - 1 and float(x1) <= right + 1
