"""A cell with a meeting's agenda ready: three candidates for admission (A8) and one
probationary member for recognition (P3), on real encrypted profiles (shared by the
meeting tests of the services, the forms and the CLI)."""

from __future__ import annotations

from datetime import date

from khdesk.core.domain.meetings import Absence, Kind, Meeting
from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.steps import record_step_event

CELL = "X01-CB01"
CANDIDATES = [f"{CELL}-H00{i}" for i in (1, 2, 3)]
PROBATIONARY = f"{CELL}-H004"
MEETING_DAY = date(2026, 11, 20)
TODAY = date(2026, 11, 26)
NAMES = {
    CANDIDATES[0]: "Lê Thị Hạnh",
    CANDIDATES[1]: "Phạm Văn Đức",
    CANDIDATES[2]: "Võ Thị Ngọc Ánh",
    PROBATIONARY: "Nguyễn Hữu Phước",
}


def d(text: str) -> date:
    return date.fromisoformat(text)


def _member(i: int, official: bool = True) -> dict:
    return {
        "member_code": f"HDV{i:02d}",
        "full_name": f"Đảng viên Số {i}",
        "sex": "Nam",
        "birth_date": d("1970-01-01"),
        "org_code": CELL,
        "admitted_on": d("2000-01-01") if official else d("2026-03-01"),
        "official_on": d("2001-01-01") if official else None,
        "status": "Chính thức" if official else "Dự bị",
    }


def _candidate(code: str) -> dict:
    return {
        "file_code": code,
        "full_name": NAMES[code],
        "sex": "Nữ" if code != CANDIDATES[1] else "Nam",
        "birth_date": d("1998-04-12"),
        "education": "THPT",
        "org_code": CELL,
        "a1_source_on": d("2025-01-10"),
        "a2_cert_on": d("2025-06-01"),
        "a2_cert_no": "CN-01",
        "a3_application_on": d("2026-05-01"),
        "a4_history_on": d("2026-05-01"),
        "a5_verified_on": d("2026-09-01"),
        "a6_introduced_on": d("2026-09-15"),
        "a6_introducer1": "HDV01",
        "a6_introducer1_since": d("2020-01-01"),
        "a6_introducer2": "HDV02",
        "a6_introducer2_since": d("2020-01-01"),
        "a7_opinions_on": d("2026-10-01"),
    }


def _probationary() -> dict:
    row = _candidate(CANDIDATES[0]) | {"file_code": PROBATIONARY, "full_name": NAMES[PROBATIONARY]}
    row.update(
        a3_application_on=d("2025-03-01"),
        a4_history_on=d("2025-03-01"),
        a5_verified_on=d("2025-05-01"),
        a6_introduced_on=d("2025-05-10"),
        a7_opinions_on=d("2025-05-20"),
        a8_cell_meeting_on=d("2025-06-10"),
        a8_official_members=9,
        a8_votes_for=9,
        a10_decision_on=d("2025-08-01"),
        a10_decision_no="120-QĐ/ĐU",
        a11_ceremony_on=d("2025-09-02"),
    )
    return row


def agenda_cell(session) -> None:
    """Nine official members and one probationary member; the four files of the agenda."""
    members = [_member(i) for i in range(1, 10)] + [_member(10, official=False)]
    rows = [_candidate(c) for c in CANDIDATES] + [_probationary()]
    report = import_tables(
        session, RowTables.from_dicts({"members": members, "candidates": rows}), "t"
    )
    assert not report.problems, report.problems
    record_step_event(
        session, PROBATIONARY, StepEvent("P1", d("2025-09-10")), TODAY, {"mentor": "HDV03"}
    )
    record_step_event(session, PROBATIONARY, StepEvent("P2", d("2026-09-20")), TODAY)


def roll(official: int = 9, probationary: int = 1, **kw) -> Meeting:
    """The meeting of 20/11/2026: one official member away sick unless told otherwise."""
    absences = kw.pop("absences", (Absence("Đảng viên Số 9", Kind.OFFICIAL, "ốm, nằm viện"),))
    return Meeting(
        org_code=CELL,
        on=kw.pop("on", MEETING_DAY),
        official_members=official,
        probationary_members=probationary,
        absences=absences,
        chair=kw.pop("chair", "Đảng viên Số 1"),
        chair_role=kw.pop("chair_role", "Bí thư chi bộ"),
        secretary=kw.pop("secretary", "Đảng viên Số 2"),
        **kw,
    )
