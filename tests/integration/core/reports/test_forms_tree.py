"""Forms filled from the organisation tree (issue 17 item 8): a form prints every fact the
station holds and leaves dots only for the rest. A cell's profile holds no row of its
committee, but it holds the committee's signed key card (and may hold print settings):
the header's upper body, the request's addressee and the place follow from them. The
cell signs T/M CHI ỦY only where it has a chi ủy. Real profiles, real cards and bundles,
real PDFs (text extracted)."""

from __future__ import annotations

from datetime import date

from khdesk.core.services import printing, sync
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.sync.inbox import import_bundle

from . import pdfcheck
from .conftest import ADMITTED, CELL, commune_rows

DOTS = "……"


def small_cell(cell) -> None:
    """The cell's own records of its admitted file, with only three official members
    (a cell of fewer than nine has no chi ủy: Điều lệ Đảng, Điều 24)."""
    rows = commune_rows()
    mine = {
        "orgs": [o for o in rows["orgs"] if o["code"] == CELL],
        "members": [m for m in rows["members"] if m["org_code"] == CELL][:3],
        "candidates": [c for c in rows["candidates"] if c["file_code"] == ADMITTED],
        "steps": [s for s in rows["steps"] if s["file_code"] == ADMITTED and s["step_id"] <= "A8"],
    }
    report = import_tables(cell, RowTables.from_dicts(mine), "test")
    assert report.committed and not report.problems, [str(p) for p in report.problems]


def text_of(session, code: str) -> str:
    return pdfcheck.flat(printing.form_pdf(session, code, ADMITTED))


def test_a_cells_forms_name_its_committee_from_the_card_it_enrolled(cell, committee, tmp_path):
    small_cell(cell)
    before = text_of(cell, "6-KNĐ")
    assert f"Chi bộ đề nghị {DOTS}" in before  # nothing known of the committee yet
    assert "ĐẢNG BỘ XÃ CAM HẢI" not in before

    card = sync.write_card(committee, tmp_path / "x01.card")
    sync.enrol_card(cell, tmp_path / "x01.card", card["fingerprint"])
    text = text_of(cell, "6-KNĐ")
    assert text.startswith("ĐẢNG BỘ XÃ CAM HẢI CHI BỘ THÔN TÂN ĐỨC")
    assert "Cam Hải, ngày 05 tháng 02 năm 2025" in text
    assert "Chi bộ đề nghị Ban Thường vụ Đảng ủy xã Cam Hải xem xét, quyết định kết nạp" in text
    assert "- Đảng ủy xã Cam Hải (để báo cáo)," in text

    summary = text_of(cell, "5-KNĐ")
    assert summary.startswith("ĐẢNG BỘ XÃ CAM HẢI")
    assert "T/M CHI BỘ" in summary and "T/M CHI ỦY" not in summary  # three official members


def test_the_names_a_cell_sets_for_its_printouts_carry_to_what_follows(cell):
    """Without the committee's card, the name set once in the print settings gives the
    request's addressee and the place as the tree would."""
    small_cell(cell)
    printing.set_print_settings(cell, commune_committee="Đảng ủy xã Cam Hải")
    text = text_of(cell, "6-KNĐ")
    assert "Chi bộ đề nghị Ban Thường vụ Đảng ủy xã Cam Hải xem xét" in text
    assert "Cam Hải, ngày 05 tháng 02 năm 2025" in text
    assert text.startswith("ĐẢNG BỘ XÃ CAM HẢI")


def test_a_cell_with_nine_official_members_signs_for_its_chi_uy(commune):
    text = pdfcheck.flat(printing.form_pdf(commune, "5-KNĐ", ADMITTED))
    assert "T/M CHI ỦY" in text and "T/M CHI BỘ" not in text


def test_the_committees_decision_names_the_resolution_the_cells_bundle_brought(
    cell, committee, tmp_path
):
    """The cell records its vote (A8, numbered) and sends it up; the committee's 9-KNĐ
    fills "Nghị quyết số … ngày …" from it."""
    small_cell(cell)
    unit = {"code": CELL, "name": "Chi bộ thôn Tân Đức", "parent_code": "X01"}
    unit |= {"kind": "Chi bộ thôn", "is_grassroots_cell": True, "self_managed": True}
    assert import_tables(committee, RowTables.from_dicts({"orgs": [unit]}), "test").committed
    for one, other in ((cell, committee), (committee, cell)):
        card = sync.write_card(one, tmp_path / f"{one.org_code}.card")
        sync.enrol_card(other, tmp_path / f"{one.org_code}.card", card["fingerprint"])
    report = import_bundle(committee, sync.export_bundle(cell, tmp_path).path)
    assert report.status == "imported", report.reason
    text = pdfcheck.flat(
        printing.form_pdf(committee, "9-KNĐ", ADMITTED, values={"doc_on": date(2025, 3, 3)})
    )
    assert "Xét đề nghị của Chi bộ thôn Tân Đức (Nghị quyết số 05-NQ/CB ngày 05/02/2025)" in text
    assert "BAN THƯỜNG VỤ ĐẢNG ỦY XÃ CAM HẢI" in text
