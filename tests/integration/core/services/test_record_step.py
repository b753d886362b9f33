"""Recording a step through the service: only valid next steps, blocked errors explained
and refused, a failed vote recorded as such."""

from datetime import date

import pytest

from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.errors import InputError
from khdesk.core.services.candidates import list_files, open_file
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.steps import failed_vote, record_step

pytestmark = pytest.mark.usefixtures("engine_kind")

TODAY = date(2026, 11, 26)
CODE = "X01-CB01-0001"


def d(text):
    return date.fromisoformat(text)


@pytest.fixture
def file_ready_for_meeting(cell):
    members = [
        {
            "member_code": f"DV{i:02d}",
            "full_name": f"Đảng viên Số {i}",
            "sex": "Nam",
            "birth_date": d("1970-01-01"),
            "org_code": "X01-CB01",
            "admitted_on": d("2000-01-01"),
            "official_on": d("2001-01-01"),
            "status": "Chính thức",
        }
        for i in range(1, 10)
    ]
    row = {
        "file_code": CODE,
        "full_name": "Trần Văn Trẻ",
        "sex": "Nam",
        "birth_date": d("2008-12-15"),  # 215 months old in November 2026
        "education": "THPT",
        "org_code": "X01-CB01",
        "a1_source_on": d("2025-01-10"),
        "a2_cert_on": d("2025-06-01"),
        "a2_cert_no": "CN-01",
        "a3_application_on": d("2026-05-01"),
        "a4_history_on": d("2026-05-01"),
        "a5_verified_on": d("2026-09-01"),
        "a6_introduced_on": d("2026-09-15"),
        "a6_introducer1": "DV01",
        "a6_introducer1_since": d("2020-01-01"),
        "a6_introducer2": "DV02",
        "a6_introducer2_since": d("2020-01-01"),
        "a7_opinions_on": d("2026-10-01"),
    }
    report = import_tables(
        cell, RowTables.from_dicts({"members": members, "candidates": [row]}), "t"
    )
    assert not report.problems
    return cell


def test_meeting_for_an_under_age_candidate_is_refused_with_the_reason(file_ready_for_meeting):
    passed = StepEvent("A8", d("2026-11-20"), official_members=9, votes_for=9)
    with pytest.raises(InputError) as err:
        record_step(file_ready_for_meeting, CODE, passed, TODAY)
    assert "AGE_MIN" in err.value.message and "215" in err.value.message
    assert [s["step_id"] for s in open_file(file_ready_for_meeting, CODE)["steps"]].count("A8") == 0


def test_failed_vote_is_recorded_and_state_unchanged(file_ready_for_meeting):
    state = record_step(
        file_ready_for_meeting, CODE, failed_vote("A8", d("2026-11-20"), 9, 4), TODAY
    )
    assert state == "THAM_TRA"
    steps = open_file(file_ready_for_meeting, CODE)["steps"]
    assert (steps[-1]["step_id"], steps[-1]["result"], steps[-1]["votes_for"]) == (
        "A8",
        "failed",
        4,
    )


def test_passed_vote_below_two_thirds_is_refused(cell, file_ready_for_meeting):
    # Old enough at a January 2027 meeting: only the vote is wrong.
    from khdesk.core.services import steps as steps_service

    low = StepEvent("A8", d("2027-01-05"), official_members=9, votes_for=5)
    with pytest.raises(InputError) as err:
        steps_service.record_step(cell, CODE, low, date(2027, 1, 6))
    assert "VOTE_2_3" in err.value.message
    ok = StepEvent("A8", d("2027-01-05"), official_members=9, votes_for=6)  # exactly 2/3
    assert steps_service.record_step(cell, CODE, ok, date(2027, 1, 6)) == "CHI_BO_XET"
    assert list_files(cell)[0]["state"] == "CHI_BO_XET"


def test_only_valid_next_steps_and_no_future_dates(file_ready_for_meeting):
    with pytest.raises(InputError) as err:
        record_step(file_ready_for_meeting, CODE, StepEvent("A11", d("2026-11-20")), TODAY)
    assert "chưa thể ghi bước A11" in err.value.message and "A8" in err.value.message
    with pytest.raises(InputError):
        record_step(file_ready_for_meeting, CODE, StepEvent("A8", d("2026-12-20")), TODAY)
    returned = StepEvent("A8", d("2026-11-20"), result=Result.RETURNED)
    assert record_step(file_ready_for_meeting, CODE, returned, TODAY) == "THAM_TRA"


@pytest.mark.parametrize(
    ("on", "received_on"),
    [("0001-01-01", None), ("1899-12-31", None), ("2026-11-20", "0001-01-01")],
)
def test_unlisted_a_step_date_before_1900_is_refused_here_as_in_a_bundle(
    file_ready_for_meeting, on, received_on
):
    """A bundle now refuses dates outside 1900–2100 (what forms and imports store); the
    command line still let `step add --on 01/01/0001` record one — the station's own
    `check` then failed on it, and every bundle it sent was refused whole."""
    event = StepEvent(
        "A8",
        d(on),
        result=Result.FAILED,
        official_members=9,
        votes_for=4,
        received_on=d(received_on) if received_on else None,
    )
    with pytest.raises(InputError, match="1900"):
        record_step(file_ready_for_meeting, CODE, event, TODAY)
    assert "A8" not in [s["step_id"] for s in open_file(file_ready_for_meeting, CODE)["steps"]]
