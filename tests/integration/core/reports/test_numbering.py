"""Document numbers: proposed per (issuer, type, term), overridable, never reused."""

from __future__ import annotations

from datetime import date

import pytest

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.domain.terms import term_of
from khdesk.core.errors import InputError
from khdesk.core.services import numbering
from khdesk.core.services.candidates import open_file
from khdesk.core.services.steps import record_step

from .conftest import ADMITTED, INSIDE_FILE, TODAY, WAITING


def test_numbers_run_from_01_and_are_never_proposed_twice(commune):
    on = date(2026, 5, 4)
    first = numbering.propose_number(commune, "NQ", on)
    assert (first.issuer, first.term, first.doc_no) == ("X01", "2025-2030", "01-NQ/ĐU")
    assert first.printed == "Số 01-NQ/ĐU"
    assert numbering.propose_number(commune, "NQ", on) == first  # nothing reserved yet
    assert numbering.use_number(commune, "NQ", on).doc_no == "01-NQ/ĐU"
    assert numbering.propose_number(commune, "NQ", on).doc_no == "02-NQ/ĐU"
    # The user overrides with 05: the counter continues after it.
    assert numbering.use_number(commune, "NQ", on, 5).doc_no == "05-NQ/ĐU"
    assert numbering.propose_number(commune, "NQ", on).doc_no == "06-NQ/ĐU"
    with pytest.raises(InputError) as err:
        numbering.use_number(commune, "NQ", on, 5)
    assert "Số 05-NQ/ĐU đã dùng" in err.value.message
    assert "Số đề xuất: 06-NQ/ĐU" in err.value.message
    assert numbering.use_number(commune, "NQ", on, 3).doc_no == "03-NQ/ĐU"  # a gap is free
    # A withdrawn document keeps its number: 06 is void and 07 comes next.
    assert numbering.use_number(commune, "NQ", on).doc_no == "06-NQ/ĐU"
    numbering.void_number(commune, "NQ", "2025-2030", 6, "Văn bản bị hủy")
    assert numbering.propose_number(commune, "NQ", on).doc_no == "07-NQ/ĐU"
    with pytest.raises(InputError) as err:
        numbering.use_number(commune, "NQ", on, 6)
    assert "đã hủy" in err.value.message
    # Each document type keeps its own counter ("QD" spelled without the stroke).
    assert numbering.propose_number(commune, "QD", on).doc_no.endswith("-QĐ/ĐU")
    listed = numbering.list_numbers(commune, doc_type="NQ")
    assert [(r["number"], r["status"]) for r in listed] == [
        (1, "used"),
        (3, "used"),
        (5, "used"),
        (6, "void"),
    ]


def test_a_new_term_starts_again_from_01(commune):
    numbering.use_number(commune, "NQ", date(2026, 1, 10), 40)
    assert numbering.propose_number(commune, "NQ", date(2029, 12, 31)).doc_no == "41-NQ/ĐU"
    new_term = numbering.propose_number(commune, "NQ", date(2030, 3, 1))
    assert (new_term.term, new_term.doc_no) == ("2030-2035", "01-NQ/ĐU")
    # The committee records its congress: the term runs congress to congress.
    numbering.set_term_start(commune, date(2030, 8, 20))
    assert numbering.propose_number(commune, "NQ", date(2030, 3, 1)).term == "2025-2030"
    assert numbering.propose_number(commune, "NQ", date(2030, 3, 1)).doc_no == "41-NQ/ĐU"
    assert numbering.propose_number(commune, "NQ", date(2030, 9, 1)).doc_no == "01-NQ/ĐU"
    assert numbering.term_starts(commune) == [date(2030, 8, 20)]


def test_term_of():
    assert term_of(date(2026, 11, 26)) == "2025-2030"
    assert term_of(date(2024, 12, 31)) == "2020-2025"
    starts = [date(2020, 6, 1), date(2025, 7, 15)]
    assert term_of(date(2025, 7, 14), starts) == "2020-2025"
    assert term_of(date(2025, 7, 15), starts) == "2025-2030"
    assert term_of(date(2019, 1, 1), starts) == "2015-2020"


def test_proposals_for_steps_skip_the_numbers_already_on_recorded_steps(commune):
    # The cell's resolutions 05-NQ/CB (A8) and 03-NQ/CB (P3) are in the 2025–2030 term.
    a8 = numbering.propose_for_step(commune, WAITING, "A8", date(2026, 11, 20))
    assert (a8.issuer, a8.doc_no) == ("X01-CB01", "06-NQ/CB")
    # Decisions are the commune committee's: 12-QĐ/ĐU and 45-QĐ/ĐU are taken.
    a10 = numbering.propose_for_step(commune, INSIDE_FILE, "A10", date(2026, 11, 20))
    assert (a10.issuer, a10.doc_no) == ("X01", "46-QĐ/ĐU")
    # The đảng ủy cơ sở's resolutions count apart.
    a9 = numbering.propose_for_step(commune, INSIDE_FILE, "A9", date(2026, 11, 20))
    assert (a9.issuer, a9.doc_no) == ("X01-DU01", "08-NQ/ĐU")
    assert numbering.propose_for_step(commune, WAITING, "A3", date(2026, 11, 20)) is None


def test_recording_a_decision_uses_its_number_and_refuses_a_used_one(commune):
    on = date(2026, 11, 20)
    with pytest.raises(InputError) as err:
        record_step(commune, INSIDE_FILE, StepEvent("A10", on, doc_no="12-QĐ/ĐU"), TODAY)
    assert "Số 12-QĐ/ĐU đã dùng" in err.value.message
    assert "Số đề xuất: 46-QĐ/ĐU" in err.value.message
    assert [s for s in open_file(commune, INSIDE_FILE)["steps"] if s["step_id"] == "A10"] == []
    proposal = numbering.propose_for_step(commune, INSIDE_FILE, "A10", on)
    assert record_step(commune, INSIDE_FILE, StepEvent("A10", on, doc_no=proposal.doc_no), TODAY)
    taken = numbering.list_numbers(commune, issuer="X01", doc_type="QĐ")
    assert [(r["doc_no"], r["file_code"], r["step_id"]) for r in taken] == [
        ("46-QĐ/ĐU", INSIDE_FILE, "A10")
    ]
    assert numbering.propose_for_step(commune, ADMITTED, "P5", on).doc_no == "47-QĐ/ĐU"


def test_a_number_written_in_another_form_is_kept_but_not_counted(commune):
    on = date(2026, 11, 20)
    record_step(commune, INSIDE_FILE, StepEvent("A10", on, doc_no="Số 7/QĐ-UBND"), TODAY)
    assert numbering.list_numbers(commune) == []
    assert numbering.parse_doc_no("Số 05-NQ/CB") == (5, "NQ", "CB")
    assert numbering.parse_doc_no("123-QD/ĐU") == (123, "QĐ", "ĐU")
    assert numbering.parse_doc_no("Số 7/QĐ-UBND") is None
