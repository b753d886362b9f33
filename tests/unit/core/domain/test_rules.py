"""The rules engine, rule by rule, at and around each boundary of RULES.md §3."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

import pytest

from khdesk.core.domain.calendar import default_calendar
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.domain.rulebook import DEADLINE_RULES, default_rulebooks, parse_overlay
from khdesk.core.domain.rules import (
    FileFacts,
    Finding,
    MemberFacts,
    MemberYear,
    OrgFacts,
    RuleContext,
    Severity,
    add_months,
    age_in_months,
    blocked,
    cert_in_force,
    cert_lapsed,
    check_file,
    duplicate_findings,
    events_from_row,
    events_from_steps,
    fits_history,
    late_findings,
    newest_recorded_date,
    next_steps,
    recognition_on_time,
    screen_member,
    wrong_clock_message,
)

D = date.fromisoformat
CAL = default_calendar()
ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
PASSED, FAILED, RETURNED = Result.PASSED, Result.FAILED, Result.RETURNED

ORG = OrgFacts("CB01", "Chi bộ thôn", is_grassroots_cell=True)
ORG_YOUTH = replace(ORG, has_youth_union=True)
ORG_SPECIAL = replace(ORG, special_area=True)
ORG_INSIDE = OrgFacts("CB03", "Chi bộ doanh nghiệp tư nhân", is_grassroots_cell=False)


def member(code, name, status, admitted, official, org="CB01", **kw) -> MemberFacts:
    return MemberFacts(
        code, name, status, D(admitted), D(official) if official else None, org, **kw
    )


MEMBERS = {
    m.member_code: m
    for m in (
        member("DV1", "Nguyễn Văn An", "Chính thức", "2010-03-01", "2011-03-10"),
        member("DV2", "Trần Thị Bình", "Chính thức", "2012-05-01", "2013-05-20"),
        member("DV3", "Lê Văn Cường", "Dự bị", "2026-01-10", None),
        member("DV4", "Phạm Thị Dung", "Chính thức", "2025-02-01", "2026-02-15"),
        member("DV5", "Nguyễn Văn An", "Chính thức", "2001-01-01", "2002-01-01", org="CB02"),
        member("DV6", "Đỗ Văn Giang", "Chính thức", "2005-01-01", None),  # no date recorded
        member(
            "DV9",
            "Hoàng Văn Em",
            "Xoá tên",  # old-style accent: still a former member
            "2000-01-01",
            "2001-01-01",
            birth_date=D("1975-06-15"),
            cccd="056075123456",
        ),
    )
}
CTX = RuleContext.build(MEMBERS.values())
MEETING = D("2026-10-15")  # a Thursday
TODAY = D("2026-10-20")


def ev(step: str, on: date | str, result: Result = PASSED, **kw) -> StepEvent:
    return StepEvent(step, D(on) if isinstance(on, str) else on, result, **kw)


def base_events(m: date = MEETING, votes: tuple[int, int] = (9, 9)) -> list[StepEvent]:
    """A clean file up to a passed cell meeting on m."""
    return [
        ev("A1", m - timedelta(days=400)),
        ev("A2", m - timedelta(days=200), doc_no="12-CN/TTCT"),
        ev("A3", m - timedelta(days=120)),
        ev("A4", m - timedelta(days=100)),
        ev("A5", m - timedelta(days=40)),
        ev("A6", m - timedelta(days=30)),
        ev("A7", m - timedelta(days=15)),
        ev("A8", m, official_members=votes[0], votes_for=votes[1], doc_no="01-NQ/CB"),
    ]


def admitted_events(
    m: date, decision: date, received: date | None, ceremony: date | None
) -> list[StepEvent]:
    evs = base_events(m)
    evs.append(ev("A10", decision, doc_no="100-QĐ/ĐU", received_on=received))
    if ceremony:
        evs += [ev("A11", ceremony), ev("P1", ceremony + timedelta(days=3))]
    return evs


def make_file(events: list[StepEvent] | None = None, **changes) -> FileFacts:
    f = FileFacts(
        file_code="CB01-0001",
        full_name="Võ Thị Hoa",
        sex="Nữ",
        birth_date=D("2000-05-10"),
        cccd="056300123456",
        education="THPT",
        sea_fisher=False,
        youth_union_member=False,
        exception_approval=None,
        org_code="CB01",
        introducer1="DV1",
        introducer1_since=D("2020-01-01"),
        introducer2="DV2",
        introducer2_since=D("2021-01-01"),
        union_intro=None,
        replacement=False,
        events=tuple(base_events() if events is None else events),
    )
    return replace(f, **changes)


def check(file: FileFacts, today: date = TODAY, org: OrgFacts = ORG, ctx=CTX) -> list[Finding]:
    return check_file(file, org, MEMBERS, CAL, today, ctx)


def of(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def severity(findings: list[Finding], rule: str) -> Severity | None:
    """The worst severity of `rule` among the findings, None when absent."""
    found = of(findings, rule)
    return min(found, key=lambda f: f.severity.rank).severity if found else None


def birth_for(age_months: int, on: date, day: int = 15) -> date:
    return add_months(date(on.year, on.month, day), -age_months)


def test_a_clean_file_has_only_its_upcoming_deadline() -> None:
    found = check(make_file())
    assert [(f.rule, f.severity) for f in found] == [("DECISION_DUE", INFO)]
    assert found[0].legal_basis == "294-QĐ/TW" and found[0].subject == "CB01-0001"


# --- AGE_MIN / AGE_MAX ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "approval", "expected"),
    [
        (215, None, ("AGE_MIN", ERROR)),
        (216, None, None),
        (217, None, None),
        (719, None, None),
        (720, None, None),
        (721, None, ("AGE_MAX", ERROR)),
        (721, "125-CV/TU ngày 01/02/2026", None),
    ],
)
def test_age_in_months_at_the_cell_meeting(months, approval, expected) -> None:
    file = make_file(birth_date=birth_for(months, MEETING), exception_approval=approval)
    assert age_in_months(file.birth_date, MEETING) == months
    found = [f for f in check(file) if f.rule in ("AGE_MIN", "AGE_MAX")]
    assert [(f.rule, f.severity) for f in found] == ([expected] if expected else [])
    for f in found:
        assert f.step == "A8"
        if f.rule == "AGE_MAX":  # the 720 boundary is a [U] reading: the message says so
            assert "[U]" in f.message


@pytest.mark.parametrize(
    ("birth", "meeting", "too_young"),
    [
        ("2008-10-31", "2026-10-01", False),  # 216 months: the day is ignored
        ("2008-11-01", "2026-11-30", False),
        ("2008-11-01", "2026-10-31", True),  # 215 months although 17 years 364 days
    ],
)
def test_age_ignores_the_day_of_the_month(birth, meeting, too_young) -> None:
    file = make_file(events=base_events(D(meeting)), birth_date=D(birth))
    assert (severity(check(file, D(meeting) + timedelta(days=1)), "AGE_MIN") is ERROR) == too_young


def test_before_the_meeting_age_is_judged_today() -> None:
    evs = [ev("A1", "2026-03-01"), ev("A2", "2026-06-01", doc_no="1")]
    file = make_file(events=evs, birth_date=D("2009-02-10"))  # 212 months on 20/10/2026
    [f] = of(check(file), "AGE_MIN")
    assert f.severity is ERROR and "02/2027" in f.message and "hôm nay" in f.message
    assert not of(check(file, D("2027-02-01")), "AGE_MIN")


# --- EDU_MIN --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("education", "org", "fisher", "error"),
    [
        ("Tiểu học", ORG, False, True),
        ("Tiểu học", ORG_SPECIAL, False, False),  # mountainous / island / … area
        ("Tiểu học", ORG, True, False),  # a fisher working at sea
        ("5/12", ORG, False, True),  # the 12-year scale of older files
        ("9/12", ORG, False, False),
        ("THCS", ORG, False, False),
        ("thcs", ORG, False, False),
        ("THPT", ORG, False, False),
        (None, ORG, False, False),  # not recorded: nothing to judge
    ],
)
def test_education(education, org, fisher, error) -> None:
    file = make_file(education=education, sea_fisher=fisher)
    assert (severity(check(file, org=org), "EDU_MIN") is ERROR) == error


# --- READMIT --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"cccd": "056075123456"}, ERROR),  # the CCCD of a struck-off member
        ({"cccd": "056075123456", "exception_approval": "88-CV/TU"}, INFO),
        ({"cccd": None, "full_name": "Hoàng Văn Em", "birth_date": D("1975-06-15")}, ERROR),
        ({"cccd": None, "full_name": "hoang van em", "birth_date": D("1975-06-15")}, ERROR),
        ({"cccd": None, "full_name": "Hoàng Văn Em", "birth_date": D("1975-06-16")}, None),
        (
            {"cccd": "056075999999", "full_name": "Hoàng Văn Em", "birth_date": D("1975-06-15")},
            None,
        ),
        ({}, None),
    ],
)
def test_readmission_needs_the_provincial_consent(changes, expected) -> None:
    found = check(make_file(**changes))
    assert severity(found, "READMIT") is expected
    if expected:
        assert "36 tháng" in of(found, "READMIT")[0].message


# --- CERT_MISSING / CERT_EXPIRED ------------------------------------------------------------


def cert_file(cert: str | None, meeting: str) -> FileFacts:
    m = D(meeting)
    evs = [e for e in base_events(m) if e.step_id not in ("A1", "A2")]
    start = D(cert) if cert else m - timedelta(days=300)
    evs.append(ev("A1", start - timedelta(days=30)))
    if cert:
        evs.append(ev("A2", cert, doc_no="5-CN/TTCT"))
    return make_file(events=evs, birth_date=D("1990-05-10"), cccd=None)


@pytest.mark.parametrize(
    ("cert", "meeting", "expired"),
    [
        # RULES.md's example (06-HD/TW): a certificate of 15/1/2020 had expired by 15/1/2025.
        # Reading: valid for meetings strictly before the date 60 months later.
        ("2020-01-15", "2025-01-15", True),
        ("2020-01-15", "2025-01-14", False),
        ("2021-03-10", "2026-03-10", True),
        ("2021-03-10", "2026-03-09", False),
        ("2021-08-31", "2026-08-31", True),
        ("2021-08-31", "2026-08-28", False),
        ("2020-02-29", "2025-02-28", True),  # leap day: 60 months later clamps to 28/2
        ("2020-02-29", "2025-02-27", False),
        ("2021-06-01", "2026-04-01", False),  # 58 months (the demo's edge case)
    ],
)
def test_certificate_valid_60_months(cert, meeting, expired) -> None:
    found = check(cert_file(cert, meeting), D(meeting) + timedelta(days=1))
    assert (severity(found, "CERT_EXPIRED") is ERROR) == expired
    assert not of(found, "CERT_MISSING")


def test_certificate_reading_depends_on_the_book_of_the_meeting_date() -> None:
    [f232] = of(check(cert_file("2020-03-16", "2025-03-16"), D("2025-03-20")), "CERT_EXPIRED")
    assert f232.legal_basis == "232-QĐ/TW" and "[U]" in f232.message  # 01-HD/TW not checked
    [f294] = of(check(cert_file("2020-08-14", "2025-08-14"), D("2025-08-20")), "CERT_EXPIRED")
    assert f294.legal_basis == "294-QĐ/TW" and "[U]" not in f294.message


def test_certificate_missing_or_issued_after_the_meeting() -> None:
    assert severity(check(cert_file(None, "2026-10-15")), "CERT_MISSING") is ERROR
    late = cert_file("2026-10-16", "2026-10-15")
    assert severity(check(late, D("2026-10-20")), "CERT_MISSING") is ERROR


def test_certificate_lapsing_before_the_meeting_is_a_warning() -> None:
    evs = [ev("A1", "2021-09-01"), ev("A2", "2021-11-20", doc_no="9"), ev("A3", "2026-10-01")]
    file = make_file(events=evs)
    assert not of(check(file, D("2026-10-19")), "CERT_EXPIRED")  # 31 days before the last day
    [f] = of(check(file, D("2026-10-20")), "CERT_EXPIRED")
    assert (f.severity, f.due) == (WARNING, D("2026-11-19"))
    [f] = of(check(file, D("2026-11-20")), "CERT_EXPIRED")  # lapsed: the class is retaken
    assert f.severity is WARNING and "học lại" in f.message


# --- VERIFY_MISSING -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a5", "error"),
    [(MEETING - timedelta(days=1), False), (MEETING, False), (MEETING + timedelta(days=5), True),
     (None, True)],
)  # fmt: skip
def test_meeting_before_verification(a5, error) -> None:
    evs = [e for e in base_events() if e.step_id != "A5"] + ([ev("A5", a5)] if a5 else [])
    found = check(make_file(events=evs), MEETING + timedelta(days=10))
    assert (severity(found, "VERIFY_MISSING") is ERROR) == error


# --- DOSSIER_STALE / DOC_MISSING ------------------------------------------------------------


@pytest.mark.parametrize(
    ("a3", "stale"),
    [
        (add_months(MEETING, -12), True),  # read like the certificate: the anniversary is out
        (add_months(MEETING, -12) + timedelta(days=1), False),
        (add_months(MEETING, -14), True),
    ],
)
def test_dossier_valid_12_months_up_to_the_meeting(a3, stale) -> None:
    evs = [e for e in base_events() if e.step_id not in ("A1", "A3")]
    evs += [ev("A1", a3 - timedelta(days=90)), ev("A3", a3)]
    found = check(make_file(events=evs))
    assert (severity(found, "DOSSIER_STALE") is WARNING) == stale
    if stale:
        assert "đơn xin vào Đảng" in of(found, "DOSSIER_STALE")[0].message


def test_stale_dossier_at_a_held_meeting_has_no_due_and_ends_with_the_decision() -> None:
    a3 = add_months(MEETING, -13)
    evs = [e for e in base_events() if e.step_id not in ("A1", "A3")]
    evs += [ev("A1", a3 - timedelta(days=90)), ev("A3", a3)]
    [f] = of(check(make_file(events=evs)), "DOSSIER_STALE")
    assert f.due is None and "đã xét" in f.message
    decided = [*evs, ev("A10", MEETING + timedelta(days=20), doc_no="1", received_on=None)]
    assert not of(check(make_file(events=decided), MEETING + timedelta(days=25)), "DOSSIER_STALE")


def test_dossier_before_the_meeting_warns_ahead() -> None:
    evs = [ev("A1", "2025-01-01"), ev("A2", "2025-06-01", doc_no="1"), ev("A3", "2025-11-25")]
    file = make_file(events=evs)
    assert not of(check(file, D("2026-10-24")), "DOSSIER_STALE")
    [f] = of(check(file, D("2026-10-25")), "DOSSIER_STALE")  # 30 days before the last day
    assert (f.severity, f.due) == (WARNING, D("2026-11-24"))
    [f] = of(check(file, D("2026-11-25")), "DOSSIER_STALE")
    assert f.severity is WARNING and "làm lại" in f.message
    closed = make_file(events=[*evs, ev("DUNG", "2026-11-01", note="Chuyển đi")])
    assert not of(check(closed, D("2026-11-25")), "DOSSIER_STALE")


def test_doc_missing_is_a_warning_naming_the_step() -> None:
    evs = [e for e in base_events() if e.step_id != "A7"]
    evs[-1] = replace(evs[-1], official_members=None, votes_for=None)
    found = of(check(make_file(events=evs)), "DOC_MISSING")
    assert {f.step for f in found} == {"A7", "A8"}
    assert all(f.severity is WARNING for f in found)


def test_doc_missing_needs_a9_only_inside_a_dang_bo_co_so() -> None:
    evs = admitted_events(D("2026-09-01"), D("2026-10-01"), D("2026-10-05"), None)
    assert not of(check(make_file(events=evs)), "DOC_MISSING")
    inside = make_file(events=evs, org_code="CB03")
    assert [f.step for f in of(check(inside, org=ORG_INSIDE), "DOC_MISSING")] == ["A9"]


# --- introducers ----------------------------------------------------------------------------

A6 = MEETING - timedelta(days=30)  # 15/09/2026


@pytest.mark.parametrize(
    ("since", "replacement", "expected"),
    [
        (add_months(A6, -11), False, ERROR),
        (add_months(A6, -12) + timedelta(days=1), False, ERROR),  # 11 months 30 days
        (add_months(A6, -12), False, None),  # exactly 12 months is enough
        (add_months(A6, -40), False, None),
        (None, False, WARNING),  # not recorded: cannot be checked
        (add_months(A6, -5), True, INFO),  # a replacement introducer: exempt [U]
    ],
)
def test_introducer_overlap(since, replacement, expected) -> None:
    found = check(make_file(introducer2_since=since, replacement=replacement))
    assert severity(found, "INTRO_OVERLAP") is expected
    if expected is INFO:
        assert "[U]" in of(found, "INTRO_OVERLAP")[0].message


def test_replacement_exemption_is_a_rulebook_switch() -> None:
    overlay = {
        "overlay": True,
        "legal_basis": "02-HD/TU",
        "title": "thử",
        "applies_to": ["294-QĐ/TW"],
        "params": {"intro_replacement_exempt": {"value": False, "source": "x", "grade": "P"}},
    }
    books = default_rulebooks().with_overlay(parse_overlay(overlay))
    ctx = RuleContext.build(MEMBERS.values(), books)
    file = make_file(introducer2_since=add_months(A6, -5), replacement=True)
    [f] = of(check(file, ctx=ctx), "INTRO_OVERLAP")
    assert f.severity is ERROR and "02-HD/TU" in f.legal_basis


@pytest.mark.parametrize(
    ("ref", "org_code", "expected"),
    [
        ("DV2", "CB01", None),
        ("DV3", "CB01", ERROR),  # probationary
        ("DV4", "CB01", None),  # official since 15/02/2026, before the introduction
        ("DV6", "CB01", None),  # official, no date recorded: the status is trusted
        ("Trần Thị Bình", "CB01", None),  # by exact full name
        (unicodedata.normalize("NFD", "Trần Thị Bình"), "CB01", None),  # decomposed marks
        ("Nguyễn Văn An", "CB01", None),  # namesake in another cell: the own cell's one
        ("Người Lạ", "CB01", WARNING),  # not in the register
    ],
)
def test_introducer_must_be_official(ref, org_code, expected) -> None:
    found = check(make_file(introducer2=ref, introducer1="DV4", org_code=org_code))
    assert severity(found, "INTRO_STATUS") is expected


def test_introducer_name_shared_by_two_members_elsewhere_is_ambiguous() -> None:
    found = check(make_file(introducer2="Nguyễn Văn An", org_code="CB09"))
    [f] = of(found, "INTRO_STATUS")
    assert f.severity is WARNING and "trùng tên" in f.message


def test_introducer_official_only_after_the_introduction() -> None:
    m = D("2026-02-10")  # A6 on 11/01/2026, DV4 official from 15/02/2026
    found = check(make_file(events=base_events(m), introducer2="DV4"), D("2026-02-12"))
    assert severity(found, "INTRO_STATUS") is ERROR


@pytest.mark.parametrize(
    ("first", "second", "union", "error"),
    [
        ("DV1", "DV2", None, False),
        ("DV1", None, None, True),
        ("DV1", None, "Đoàn", False),
        ("DV1", None, "Công đoàn", False),
        ("DV1", None, "công đoàn", False),
        (None, None, "Đoàn", True),
        (None, None, None, True),
        ("DV1", "DV1", None, True),  # the same member twice
        ("DV1", "Nguyễn Văn An", None, True),  # … once by code, once by name
    ],
)
def test_introducer_count(first, second, union, error) -> None:
    file = make_file(introducer1=first, introducer2=second, union_intro=union)
    assert (severity(check(file), "INTRO_COUNT") is ERROR) == error


@pytest.mark.parametrize(
    ("age_months", "org", "union", "warned"),
    [
        (24 * 12, ORG_YOUTH, None, True),  # a youth Youth-Union member introduced by two members
        (24 * 12, ORG_YOUTH, "Đoàn", False),
        (24 * 12, ORG_YOUTH, "Công đoàn", True),
        (24 * 12, ORG, None, False),  # no Youth Union in the unit
        (30 * 12 + 11, ORG_YOUTH, None, True),  # still 30
        (31 * 12, ORG_YOUTH, None, False),
    ],
)
def test_youth_union_member_goes_through_the_youth_union(age_months, org, union, warned) -> None:
    file = make_file(
        youth_union_member=True,
        birth_date=birth_for(age_months, A6),
        union_intro=union,
        introducer2=None if union else "DV2",
    )
    assert (severity(check(file, org=org), "INTRO_YOUTH") is WARNING) == warned


# --- votes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("members", [8, 9, 10, 11])
@pytest.mark.parametrize("step", ["A8", "P3"])
def test_two_thirds_of_all_official_members(members: int, step: str) -> None:
    need = {8: 6, 9: 6, 10: 7, 11: 8}[members]
    for votes in (need - 1, need, members):
        passes = 3 * votes >= 2 * members
        assert passes == (votes >= need)
        if step == "A8":
            file = make_file(events=base_events(votes=(members, votes)))
        else:
            evs = admitted_events(
                D("2025-06-02"), D("2025-07-01"), D("2025-07-03"), D("2025-07-20")
            )
            p3 = ev("P3", "2026-07-25", official_members=members, votes_for=votes)
            evs += [ev("P2", "2026-07-10"), p3]
            file = make_file(events=evs)
        found = of(check(file, D("2026-07-27")), "VOTE_2_3")
        assert [(f.severity, f.step) for f in found] == ([] if passes else [(ERROR, step)])


def test_a_failed_vote_is_recorded_not_an_error() -> None:
    evs = [*base_events()[:-1], ev("A8", MEETING, FAILED, official_members=9, votes_for=4)]
    assert not of(check(make_file(events=evs)), "VOTE_2_3")
    wrong = [*evs[:-1], replace(evs[-1], votes_for=7)]  # 7/9 recorded as failed: a slip
    assert severity(check(make_file(events=wrong)), "VOTE_2_3") is WARNING
    impossible = base_events(votes=(9, 10))
    assert severity(check(make_file(events=impossible)), "VOTE_2_3") is WARNING


def test_committee_resolution_needs_two_thirds_too() -> None:
    evs = [*base_events(), ev("A9", MEETING + timedelta(days=7), official_members=7, votes_for=4)]
    [f] = of(check(make_file(events=evs, org_code="CB03"), org=ORG_INSIDE), "VOTE_2_3")
    assert (f.severity, f.step) == (ERROR, "A9") and "đảng ủy viên" in f.message


def recognition_votes(*votes: tuple[Result, int]) -> FileFacts:
    evs = admitted_events(D("2025-06-02"), D("2025-07-01"), D("2025-07-03"), D("2025-07-20"))
    evs.append(ev("P2", "2026-07-10"))
    for i, (result, n_for) in enumerate(votes):
        on = D("2026-07-25") + timedelta(days=20 * i)
        evs.append(ev("P3", on, result, official_members=9, votes_for=n_for))
    return make_file(events=evs)


@pytest.mark.parametrize(
    ("votes", "escalate"),
    [
        ([(FAILED, 5)] * 2, False),
        ([(FAILED, 5)] * 3, True),  # 5 for, at most 4 against: two thirds neither way
        ([(FAILED, 4), (FAILED, 5), (FAILED, 5)], True),
        ([(FAILED, 3), (FAILED, 5), (FAILED, 5)], False),  # 3 for: 6 may have been against
    ],
)
def test_three_recognition_votes_without_two_thirds_go_up(votes, escalate) -> None:
    found = check(recognition_votes(*votes), D("2026-10-01"))
    assert (severity(found, "VOTE_ESCALATE") is WARNING) == escalate


# --- deadlines ------------------------------------------------------------------------------


def deadline(file: FileFacts, rule: str, today: date) -> tuple[Severity, date] | None:
    found = of(check(file, today), rule)
    assert len(found) <= 1
    return (found[0].severity, found[0].due) if found else None


def test_decision_due_60_working_days_across_tet() -> None:
    # Cell resolution Friday 30/01/2026; 60 working days skip Tết (16–20/2), Giỗ Tổ (27/4),
    # 30/4 and 1/5: the decision is due Wednesday 06/05/2026 (a weekday count says 24/04).
    file = make_file(events=base_events(D("2026-01-30")))
    due = D("2026-05-06")
    assert deadline(file, "DECISION_DUE", D("2026-04-05")) == (INFO, due)  # 31 days ahead
    assert deadline(file, "DECISION_DUE", D("2026-04-06")) == (WARNING, due)  # 30 days
    assert deadline(file, "DECISION_DUE", D("2026-05-05")) == (WARNING, due)
    assert deadline(file, "DECISION_DUE", D("2026-05-06")) == (WARNING, due)
    assert deadline(file, "DECISION_DUE", D("2026-05-07")) == (ERROR, due)
    [f] = of(check(file, D("2026-05-07")), "DECISION_DUE")
    assert f.step == "A10" and "quá hạn 1 ngày làm việc" in f.message
    assert "17/06/2026" in f.message  # the special-case extension: 30 more working days


def test_decision_due_stops_once_decided_or_closed() -> None:
    decided = make_file(events=admitted_events(D("2026-01-30"), D("2026-03-01"), None, None))
    assert deadline(decided, "DECISION_DUE", D("2026-05-07")) is None
    closed = make_file(events=[*base_events(D("2026-01-30")), ev("DUNG", "2026-03-01")])
    assert check(closed, D("2026-05-07")) == []


def test_ceremony_due_30_working_days_across_24_11_2026() -> None:
    # Decision received Tuesday 10/11/2026; Ngày Văn hóa Việt Nam (24/11) is off.
    file = make_file(
        events=admitted_events(D("2026-10-01"), D("2026-11-05"), D("2026-11-10"), None)
    )
    due = D("2026-12-23")
    assert deadline(file, "CEREMONY_DUE", D("2026-11-20")) == (INFO, due)
    assert deadline(file, "CEREMONY_DUE", D("2026-12-22")) == (WARNING, due)
    assert deadline(file, "CEREMONY_DUE", D("2026-12-23")) == (WARNING, due)
    assert deadline(file, "CEREMONY_DUE", D("2026-12-24")) == (ERROR, due)


def test_ceremony_due_from_the_decision_when_receipt_is_not_recorded() -> None:
    file = make_file(events=admitted_events(D("2026-10-01"), D("2026-11-05"), None, None))
    found = check(file, D("2026-11-20"))
    assert of(found, "CEREMONY_DUE")[0].due == CAL.add_working_days(D("2026-11-05"), 30)
    assert [f.step for f in of(found, "DOC_MISSING")] == ["A10"]


def test_probation_end_then_recognition_due() -> None:
    file = make_file(
        events=admitted_events(D("2025-10-01"), D("2025-11-03"), D("2025-11-06"), D("2025-12-11"))
    )
    end = D("2026-12-11")
    assert deadline(file, "PROBATION_END", D("2026-11-10")) == (INFO, end)
    assert deadline(file, "PROBATION_END", D("2026-11-11")) == (WARNING, end)
    assert deadline(file, "PROBATION_END", end) == (WARNING, end)
    assert deadline(file, "PROBATION_END", D("2026-12-12")) is None  # never an error
    assert deadline(file, "RECOGNITION_DUE", D("2026-12-12")) == (INFO, D("2027-01-25"))


def test_recognition_due_30_working_days_after_probation_across_tet() -> None:
    # Ceremony 15/01/2026: probation ends 15/01/2027; Tết 2027 (4–5/2, 8–10/2) is off.
    file = make_file(
        events=admitted_events(D("2025-11-10"), D("2025-12-01"), D("2025-12-05"), D("2026-01-15"))
    )
    due = D("2027-03-05")
    assert deadline(file, "RECOGNITION_DUE", D("2027-03-04")) == (WARNING, due)
    assert deadline(file, "RECOGNITION_DUE", due) == (WARNING, due)
    assert deadline(file, "RECOGNITION_DUE", D("2027-03-08")) == (ERROR, due)
    [f] = of(check(file, D("2027-03-08")), "RECOGNITION_DUE")
    assert f.step == "P3" and "15/01/2027" in f.message


def test_recognition_decision_due_after_the_cell_resolution() -> None:
    # Cell resolution Friday 20/11/2026: 24/11 and 1/1/2027 are off -> due 05/01/2027.
    evs = admitted_events(D("2025-10-01"), D("2025-11-03"), D("2025-11-06"), D("2025-11-15"))
    evs += [ev("P2", "2026-11-05"), ev("P3", "2026-11-20", official_members=9, votes_for=8)]
    file = make_file(events=evs)
    due = D("2027-01-05")
    assert deadline(file, "RECOGNITION_DUE", D("2027-01-04")) == (WARNING, due)
    assert deadline(file, "RECOGNITION_DUE", due) == (WARNING, due)
    assert deadline(file, "RECOGNITION_DUE", D("2027-01-06")) == (ERROR, due)
    assert of(check(file, D("2027-01-06")), "RECOGNITION_DUE")[0].step == "P5"
    done = make_file(events=[*evs, ev("P5", "2026-12-20", doc_no="9-QĐ/ĐU")])
    assert not [f for f in check(done, D("2027-01-06")) if f.rule in DEADLINE_RULES]


# --- identity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cccd", "sex", "birth", "expected"),
    [
        ("056300123456", "Nữ", "2000-05-10", None),
        (" 056300123456 ", "Nữ", "2000-05-10", None),
        ("056195123456", "Nữ", "1995-01-01", None),
        ("056095123456", "Nam", "1995-01-01", None),
        ("05630012345", "Nữ", "2000-05-10", ERROR),  # 11 digits
        ("0563001234567", "Nữ", "2000-05-10", ERROR),  # 13 digits
        ("05630012345A", "Nữ", "2000-05-10", ERROR),  # a letter
        ("056 300 123 456", "Nữ", "2000-05-10", ERROR),
        ("056200123456", "Nữ", "2000-05-10", WARNING),  # digit 4 says male
        ("056100123456", "Nữ", "2000-05-10", WARNING),  # digit 4 says born in the 1900s
        ("056301123456", "Nữ", "2000-05-10", WARNING),  # digits 5–6 say 2001
        ("999300123456", "Nữ", "2000-05-10", WARNING),  # no such province code
        (None, "Nữ", "2000-05-10", None),
    ],
)
def test_cccd_format(cccd, sex, birth, expected) -> None:
    found = check(make_file(cccd=cccd, sex=sex, birth_date=D(birth)))
    assert severity(found, "CCCD_FORMAT") is expected
    for f in of(found, "CCCD_FORMAT"):
        assert "123456" not in f.message  # the serial part is masked


def test_duplicate_person_across_files() -> None:
    a = make_file(file_code="CB01-0001", cccd="056300111111")
    b = make_file(file_code="CB02-0007", org_code="CB02", cccd="056300111111", full_name="X Y")
    c = make_file(file_code="CB01-0002", cccd="056300222222", full_name="Nguyễn Thị Mai")
    d = make_file(file_code="CB03-0001", cccd="056300333333", full_name="nguyen  thi mai")
    e = make_file(file_code="CB01-0003", cccd="056300444444", full_name="Lê Văn Tám")
    closed = [*base_events(), ev("DUNG", "2026-10-18")]
    f = replace(e, file_code="CB01-0004", events=tuple(closed))
    g = replace(c, file_code="CB01-0005", cccd="056300555555", birth_date=D("2001-05-10"))
    found = duplicate_findings([a, b, c, d, e, f, g], TODAY)
    assert {x.subject for x in found} == {"CB01-0001", "CB02-0007", "CB01-0002", "CB03-0001"}
    assert all(x.rule == "DUPLICATE_PERSON" and x.severity is WARNING for x in found)
    by = {x.subject: x.message for x in found}
    assert "CB02-0007" in by["CB01-0001"] and "CCCD" in by["CB01-0001"]
    assert "họ tên và ngày sinh" in by["CB03-0001"]


# --- screening ------------------------------------------------------------------------------


def years(*records: tuple) -> list[MemberYear]:
    return [MemberYear("DV1", *r) for r in records]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (years((2026, 2, 2)), set()),
        (years((2026, 3, 0)), {"SCREEN_ABSENT"}),  # three months, not necessarily running
        (years((2025, 0, 3)), {"SCREEN_ABSENT"}),
        (years((2023, 5, 5)), set()),  # outside the two years looked at
        (years((2025, 0, 0, False, True)), set()),  # one year of decline: not yet 12 months
        (years((2025, 0, 0, False, True), (2026, 0, 0, False, True)), {"SCREEN_DECLINE"}),
        (years((2025, 0, 0, True), (2026, 0, 0, True)), {"SCREEN_VIOLATION_2Y"}),
        (years((2024, 0, 0, True), (2026, 0, 0, True)), set()),  # not two years running
        (years((2025, 0, 0, True)), set()),
        (years((2027, 9, 9)), set()),  # a future year: ignored
    ],
)
def test_screening(records, expected) -> None:
    found = screen_member(MEMBERS["DV1"], records, TODAY)
    assert {f.rule for f in found} == expected
    assert all(f.severity is WARNING and f.subject == "DV1" for f in found)


def test_screening_skips_members_who_left() -> None:
    gone = replace(MEMBERS["DV1"], status="Chuyển đi")
    assert screen_member(gone, years((2026, 5, 5)), TODAY) == []
    [f] = screen_member(MEMBERS["DV1"], years((2025, 0, 0, 0, 1), (2026, 0, 0, 0, 1)), TODAY)
    assert "[U]" in f.message  # "two yearly records" for "12 months" is our reading


# --- next steps and blocking ----------------------------------------------------------------


def evs_until(step: str) -> list[StepEvent]:
    full = admitted_events(MEETING, D("2026-11-01"), D("2026-11-03"), D("2026-11-20"))
    order = [e.step_id for e in full]
    return full[: order.index(step) + 1]


@pytest.mark.parametrize(
    ("events", "org", "expected"),
    [
        ([], ORG, ["A1", "A2", "DUNG"]),
        (evs_until("A1"), ORG, ["A2", "DUNG"]),
        (evs_until("A2"), ORG, ["A3", "DUNG"]),
        (evs_until("A3"), ORG, ["A4", "DUNG"]),
        (evs_until("A4"), ORG, ["A5", "DUNG"]),
        (evs_until("A5"), ORG, ["A6", "A7", "DUNG"]),
        (evs_until("A6"), ORG, ["A7", "DUNG"]),
        (evs_until("A7"), ORG, ["A8", "DUNG"]),
        (evs_until("A8"), ORG, ["A10", "DUNG"]),
        (evs_until("A8"), ORG_INSIDE, ["A9", "DUNG"]),
        ([*evs_until("A8"), ev("A9", "2026-10-22")], ORG_INSIDE, ["A10", "DUNG"]),
        (evs_until("A10"), ORG, ["A11", "DUNG"]),
        (evs_until("A11"), ORG, ["P1", "P2", "XOA_TEN"]),
        (evs_until("P1"), ORG, ["P2", "XOA_TEN"]),
        ([*evs_until("P1"), ev("P2", "2027-11-01")], ORG, ["P3", "XOA_TEN"]),
        ([*evs_until("P1"), ev("P2", "2027-11-01"), ev("P3", "2027-11-25")], ORG,
         ["P5", "XOA_TEN"]),
        ([*evs_until("P1"), ev("P2", "2027-11-01"), ev("P3", "2027-11-25")], ORG_INSIDE,
         ["P4", "XOA_TEN"]),
        ([*evs_until("P1"), ev("P2", "2027-11-01"), ev("P3", "2027-11-25", FAILED)], ORG,
         ["P3", "XOA_TEN"]),
        ([*evs_until("A7"), ev("A8", MEETING, FAILED)], ORG, ["A8", "DUNG"]),
        ([*evs_until("A8"), ev("A10", "2026-11-01", RETURNED)], ORG, ["A8", "DUNG"]),
        ([*evs_until("A5"), ev("DUNG", "2026-10-01")], ORG, []),
    ],
)  # fmt: skip
def test_next_steps(events, org, expected) -> None:
    assert next_steps(make_file(events=events), org) == expected


# A certificate of 10/03/2021 counts for meetings before 10/03/2026 (CERT_EXPIRED's reading).
OLD_CERT = [ev("A1", "2020-12-01"), ev("A2", "2021-03-10", doc_no="3-CN")]
RETRAIN_FILES = {
    "BOI_DUONG": OLD_CERT,
    "HO_SO": [*OLD_CERT, ev("A3", "2025-10-01"), ev("A4", "2025-10-02")],
    "THAM_TRA": [*OLD_CERT, ev("A3", "2025-10-01"), ev("A4", "2025-10-02"),
                 ev("A5", "2026-01-05"), ev("A6", "2026-01-10"), ev("A7", "2026-01-20")],
}  # fmt: skip
WITHOUT = {"BOI_DUONG": ["A3", "DUNG"], "HO_SO": ["A5", "DUNG"], "THAM_TRA": ["A8", "DUNG"]}


@pytest.mark.parametrize("state", sorted(RETRAIN_FILES))
@pytest.mark.parametrize(
    ("on", "retrain"),
    [
        ("2026-03-09", False),  # the last day the old certificate counts
        ("2026-03-10", True),  # 60 months on: lapsed, the class was retaken
        ("2026-11-09", True),
        (None, False),  # no day given: the pipeline alone, as before
    ],
)
def test_a_new_certificate_only_once_the_last_one_has_lapsed(state, on, retrain) -> None:
    file = make_file(events=RETRAIN_FILES[state])
    day = D(on) if on else None
    expected = ["A2", *WITHOUT[state]] if retrain else WITHOUT[state]
    assert next_steps(file, ORG, day, CTX) == expected
    if day is not None:
        assert cert_lapsed(file, day, CTX) is retrain
        assert (cert_in_force(file, day, CTX) is None) is retrain


def test_the_retrained_certificate_is_the_one_the_meeting_reads() -> None:
    """Recorded after the old one lapsed, the latest A2 counts: no CERT_EXPIRED at the
    meeting, and no warning before it; a file already voted on takes no new A2."""
    old = make_file(events=RETRAIN_FILES["THAM_TRA"])
    meeting = ev("A8", "2026-11-20", official_members=9, votes_for=9)
    assert "CERT_EXPIRED" in {f.rule for f in propose(old, meeting)}
    assert "còn giá trị đến hết ngày 09/03/2026" in cert_in_force(old, D("2026-03-01"), CTX)
    new = make_file(events=[*RETRAIN_FILES["THAM_TRA"], ev("A2", "2026-11-09", doc_no="9-CN")])
    assert propose(new, meeting) == []
    assert not of(check(new, D("2026-11-10")), "CERT_EXPIRED")
    assert next_steps(new, ORG, D("2026-11-10"), CTX) == ["A8", "DUNG"]
    voted = make_file(
        events=[*RETRAIN_FILES["THAM_TRA"], ev("A8", "2026-02-20", official_members=9, votes_for=9)]
    )
    assert next_steps(voted, ORG, D("2026-11-10"), CTX) == ["A10", "DUNG"]
    assert not cert_lapsed(voted, D("2026-11-10"), CTX)


def test_a_file_without_a_certificate_may_record_it_late() -> None:
    """A3 recorded with no A2 (an old import): CERT_MISSING asks to record it, so it is
    offered."""
    file = make_file(events=[ev("A1", "2025-01-01"), ev("A3", "2025-10-01")])
    assert next_steps(file, ORG, D("2026-11-10"), CTX) == ["A2", "A4", "DUNG"]


# A file whose cell recorded its ceremony and probation; the committee's A10 (typed at the
# cell from paper, reported up) is missing here: A8 15/10/2026, A11 20/11/2026.
_LATER = [e for e in evs_until("P1") if e.step_id != "A10"]


@pytest.mark.parametrize(
    ("events", "org", "step", "on", "fits"),
    [
        (_LATER, ORG, "A10", "2026-11-01", True),  # between its cell's vote and the ceremony
        (_LATER, ORG, "A10", "2026-10-15", True),  # on the day of the vote, after it
        (_LATER, ORG, "A10", "2026-11-21", False),  # after the ceremony it decided
        (_LATER, ORG, "A10", "2026-10-14", False),  # before the cell voted
        (_LATER, ORG_INSIDE, "A10", "2026-11-01", False),  # the đảng ủy cơ sở's A9 first
        (_LATER, ORG_INSIDE, "A9", "2026-10-22", True),
        ([*_LATER, ev("A9", "2026-10-22")], ORG_INSIDE, "A10", "2026-11-01", True),
        (evs_until("P1"), ORG, "A10", "2026-11-01", False),  # the file holds its A10
        (_LATER, ORG, "A11", "2026-11-01", False),  # a cell's own step: ordinary rules
    ],
)  # fmt: skip
def test_a_reported_decision_fits_the_history_by_its_date(events, org, step, on, fits) -> None:
    file = make_file(events=events)
    assert step not in next_steps(file, org)  # ordinary recording refuses it
    assert fits_history(file, org, step, D(on)) is fits


def propose(file: FileFacts, event: StepEvent, org: OrgFacts = ORG) -> list[Finding]:
    return blocked(file, event.step_id, event, org, MEMBERS, CAL, TODAY, CTX)


def test_cell_meeting_for_a_17_year_old_is_refused() -> None:
    file = make_file(events=evs_until("A7"), birth_date=birth_for(17 * 12 + 11, MEETING))
    found = propose(file, ev("A8", MEETING, official_members=9, votes_for=9))
    assert [f.rule for f in found] == ["AGE_MIN"]
    # … but a failed vote is always recorded
    assert propose(file, ev("A8", MEETING, FAILED, official_members=9, votes_for=2)) == []


def test_passed_resolution_below_two_thirds_is_refused_failed_one_recorded() -> None:
    file = make_file(events=evs_until("A7"))
    assert [f.rule for f in propose(file, ev("A8", MEETING, official_members=9, votes_for=5))] == [
        "VOTE_2_3"
    ]
    assert propose(file, ev("A8", MEETING, official_members=9, votes_for=6)) == []
    assert propose(file, ev("A8", MEETING, FAILED, official_members=9, votes_for=5)) == []
    dubi = make_file(events=[*evs_until("P1"), ev("P2", "2027-11-01")])
    assert propose(dubi, ev("P3", "2027-11-25", official_members=10, votes_for=6))
    assert not propose(dubi, ev("P3", "2027-11-25", official_members=10, votes_for=7))


def test_meeting_before_verification_is_refused() -> None:
    file = make_file(events=evs_until("A4"))
    found = propose(file, ev("A8", MEETING, official_members=9, votes_for=9))
    assert "VERIFY_MISSING" in {f.rule for f in found}


def test_probationary_introducer_refuses_a6() -> None:
    file = make_file(events=evs_until("A5"), introducer2="DV3")
    assert [f.rule for f in propose(file, ev("A6", A6))] == ["INTRO_STATUS"]
    assert propose(replace(file, introducer2="DV2"), ev("A6", A6)) == []


def test_late_steps_and_old_errors_do_not_block() -> None:
    # An overdue decision is recorded (recording it is how the deadline is met).
    file = make_file(events=base_events(D("2026-01-30")))
    assert propose(file, ev("A10", "2026-06-01", doc_no="1")) == []
    # An earlier passed-below-two-thirds A8 (an error of its own) does not refuse a re-vote.
    bad = make_file(events=base_events(votes=(9, 5)))
    assert (
        propose(bad, ev("A8", MEETING + timedelta(days=3), official_members=9, votes_for=8)) == []
    )


# --- rulebook by date, overlays -------------------------------------------------------------


def test_the_book_of_the_meeting_date_judges() -> None:
    overlay = {
        "overlay": True,
        "legal_basis": "01-HD/TU Khánh Hòa",
        "title": "thử",
        "applies_to": ["294-QĐ/TW"],
        "params": {"age_min_months": {"value": 220, "source": "thử", "grade": "P"}},
    }
    books = default_rulebooks().with_overlay(parse_overlay(overlay))
    ctx = RuleContext.build(MEMBERS.values(), books)
    for meeting, expected in (("2025-03-14", None), ("2025-08-14", "294-QĐ/TW; 01-HD/TU")):
        m = D(meeting)
        file = make_file(events=base_events(m), birth_date=birth_for(217, m))
        found = of(check(file, m + timedelta(days=2), ctx=ctx), "AGE_MIN")
        if expected is None:
            assert found == []
        else:
            assert found[0].legal_basis.startswith(expected)


# --- helpers --------------------------------------------------------------------------------


def test_newest_recorded_date_and_the_wrong_clock() -> None:
    a = make_file(events=admitted_events(MEETING, D("2026-11-01"), D("2026-11-04"), None))
    b = make_file(events=base_events(D("2026-06-01")))
    assert newest_recorded_date([a, b]) == D("2026-11-04")
    assert newest_recorded_date([]) is None
    assert wrong_clock_message([a, b], D("2026-11-04")) is None
    message = wrong_clock_message([a, b], D("2026-01-01"))
    assert message and "04/11/2026" in message and "01/01/2026" in message


def test_facts_from_template_rows() -> None:
    row = {
        "file_code": "CB01-0009",
        "full_name": "Võ  Thị Hoa",
        "birth_date": D("2000-05-10"),
        "org_code": "CB01",
        "a1_source_on": D("2025-01-01"),
        "a2_cert_on": D("2025-03-01"),
        "a2_cert_no": "5-CN",
        "a8_cell_meeting_on": D("2025-09-01"),
        "a8_official_members": 9,
        "a8_votes_for": 7,
        "a10_decision_on": D("2025-10-01"),
        "a10_decision_no": "1-QĐ",
        "a10_received_on": D("2025-10-03"),
        "a6_union_intro": "Đoàn",
        "sea_fisher": None,
        "closed": "Dừng",
        "closed_on": D("2025-11-01"),
        "closed_reason": "Chuyển đi",
    }
    evs = events_from_row(row)
    assert [e.step_id for e in evs] == ["A1", "A2", "A8", "A10", "DUNG"]
    file = FileFacts.from_row(row)
    assert file.full_name == "Võ Thị Hoa" and file.sea_fisher is False
    a10 = next(e for e in file.events if e.step_id == "A10")
    assert a10.received_on == D("2025-10-03") and a10.doc_no == "1-QĐ"
    a8 = next(e for e in file.events if e.step_id == "A8")
    assert (a8.official_members, a8.votes_for) == (9, 7)
    org = OrgFacts.from_row({"code": "CB01", "is_grassroots_cell": None, "special_area": True})
    assert org.is_grassroots_cell and org.special_area and not org.has_youth_union


def test_step_results_from_labels_or_stored_values() -> None:
    rows = [
        {"file_code": "F1", "step_id": "A8", "on": MEETING, "result": "Không thông qua"},
        {"file_code": "F1", "step_id": "A8", "on": MEETING, "result": "failed"},
        {"file_code": "F1", "step_id": "A8", "on": MEETING, "result": None},
    ]
    results = [e.result for e in events_from_steps(rows)["F1"]]
    assert results == [FAILED, FAILED, PASSED]
    with pytest.raises(ValueError):
        events_from_steps([{**rows[0], "result": "Đạt"}])


def test_finding_as_dict() -> None:
    f = Finding("DECISION_DUE", ERROR, "…", D("2026-05-06"), "294-QĐ/TW", "A10", "CB01-0001")
    assert f.as_dict() == {
        "rule": "DECISION_DUE",
        "severity": "error",
        "message": "…",
        "due": "2026-05-06",
        "legal_basis": "294-QĐ/TW",
        "step": "A10",
        "subject": "CB01-0001",
    }


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2020-01-15", 60, "2025-01-15"),
        ("2021-08-31", 6, "2022-02-28"),
        ("2020-02-29", 12, "2021-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-03-31", -1, "2026-02-28"),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected) -> None:
    assert add_months(D(start), months) == D(expected)


# --- done late (RULES.md "Done late": a step recorded after its deadline keeps a trace) -----


def late(file: FileFacts, rule: str, today: date) -> list[tuple[Severity, str | None, date]]:
    """The rule's findings on recorded steps (done late), as (severity, step, the missed
    deadline named in the message). They carry no `due`: history, not an open task."""
    recorded = {e.step_id for e in file.events}
    out = []
    for f in of(check(file, today), rule):
        if f.step in recorded:
            assert f.due is None
            missed = re.search(r"hạn chót (\d\d)/(\d\d)/(\d{4})", f.message)
            assert missed, f.message
            out.append((f.severity, f.step, date(*map(int, reversed(missed.groups())))))
    return out


@pytest.mark.parametrize(
    ("decided", "expected"),
    [
        ("2026-05-05", []),  # the day before the due date
        ("2026-05-06", []),  # on it: the last allowed day
        ("2026-05-07", [(WARNING, "A10", D("2026-05-06"))]),  # the day after
    ],
)
def test_decision_recorded_late_keeps_a_warning(decided, expected) -> None:
    # Cell resolution 30/01/2026: the decision is due 06/05/2026 (60 working days, Tết off).
    file = make_file(events=admitted_events(D("2026-01-30"), D(decided), D(decided), None))
    assert late(file, "DECISION_DUE", D("2026-06-01")) == expected
    if expected:
        [f] = of(check(file, D("2026-06-01")), "DECISION_DUE")
        assert "muộn 1 ngày làm việc" in f.message and "06/05/2026" in f.message


@pytest.mark.parametrize(
    ("ceremony", "approval", "expected"),
    [
        ("2026-12-22", None, []),
        ("2026-12-23", None, []),  # the due date itself
        ("2026-12-24", None, [WARNING]),
        ("2026-12-24", ("15-CV/ĐU", "2026-12-18"), [INFO]),  # the upper committee agreed
        ("2026-12-24", ("15-CV/ĐU", None), [WARNING]),  # a number without its date
        ("2026-12-24", (None, "2026-12-18"), [WARNING]),  # a date without its number
    ],
)
def test_late_ceremony_warns_until_the_upper_committees_approval(
    ceremony, approval, expected
) -> None:
    # Decision received 10/11/2026: the ceremony is due 23/12/2026 (24/11 is off).
    evs = admitted_events(D("2026-10-01"), D("2026-11-05"), D("2026-11-10"), None)
    doc_no, on = approval or (None, None)
    evs.append(ev("A11", ceremony, doc_no=doc_no, received_on=D(on) if on else None))
    file = make_file(events=evs)
    # Still there long after, once the member is official: it is history.
    for today in (D("2027-01-05"), D("2028-01-05")):
        found = late(file, "CEREMONY_DUE", today)
        assert [s for s, _, _ in found] == expected
        assert all(step == "A11" and due == D("2026-12-23") for _, step, due in found)
    if expected:
        [f] = of(check(file, D("2027-01-05")), "CEREMONY_DUE")
        assert "muộn 1 ngày làm việc" in f.message
        assert ("15-CV/ĐU" in f.message) == (expected == [INFO])


@pytest.mark.parametrize(
    ("vote", "expected"),
    [
        ("2027-03-04", []),
        ("2027-03-05", []),  # 30 working days after probation ends 15/01/2027 (Tết off)
        ("2027-03-08", [(WARNING, "P3", D("2027-03-05"))]),  # next working day (6–7/3 weekend)
    ],
)
def test_recognition_vote_recorded_late_keeps_a_warning(vote, expected) -> None:
    evs = admitted_events(D("2025-11-10"), D("2025-12-01"), D("2025-12-05"), D("2026-01-15"))
    evs += [ev("P2", "2027-01-10"), ev("P3", vote, official_members=9, votes_for=8)]
    file = make_file(events=evs)
    assert late(file, "RECOGNITION_DUE", D("2027-03-10")) == expected
    recognised = make_file(events=[*evs, ev("P5", "2027-03-20", doc_no="9-QĐ/ĐU")])
    assert late(recognised, "RECOGNITION_DUE", D("2027-06-01")) == expected
    assert recognition_on_time(recognised.events, CAL) is (not expected)


@pytest.mark.parametrize(
    ("decided", "expected"),
    [
        ("2027-01-04", []),
        ("2027-01-05", []),  # 30 working days after the cell's vote of 20/11/2026
        ("2027-01-06", [(WARNING, "P5", D("2027-01-05"))]),
    ],
)
def test_recognition_decision_recorded_late_keeps_a_warning(decided, expected) -> None:
    evs = admitted_events(D("2025-10-01"), D("2025-11-03"), D("2025-11-06"), D("2025-11-15"))
    evs += [ev("P2", "2026-11-05"), ev("P3", "2026-11-20", official_members=9, votes_for=8)]
    evs.append(ev("P5", decided, doc_no="9-QĐ/ĐU"))
    file = make_file(events=evs)
    assert late(file, "RECOGNITION_DUE", D("2027-06-01")) == expected
    assert recognition_on_time(file.events, CAL) is (not expected)
    if expected:
        [f] = of(check(file, D("2027-06-01")), "RECOGNITION_DUE")
        assert "15/11/2026" in f.message  # official from the end of probation all the same


def test_recognition_decision_without_a_recorded_vote_is_judged_from_the_cells_due_date() -> None:
    # Probation ends 15/11/2026; the cell is due 29/12/2026 and the decision 30 working days
    # after that (as if the cell had voted on its last day).
    evs = admitted_events(D("2025-10-01"), D("2025-11-03"), D("2025-11-06"), D("2025-11-15"))
    cell_due = CAL.add_working_days(D("2026-11-15"), 30)
    due = CAL.add_working_days(cell_due, 30)
    on_time = make_file(events=[*evs, ev("P5", due, doc_no="9-QĐ/ĐU")])
    assert late(on_time, "RECOGNITION_DUE", D("2027-06-01")) == []
    assert recognition_on_time(on_time.events, CAL) is True
    after = make_file(events=[*evs, ev("P5", due + timedelta(days=1), doc_no="9-QĐ/ĐU")])
    assert late(after, "RECOGNITION_DUE", D("2027-06-01")) == [(WARNING, "P5", due)]
    assert recognition_on_time(after.events, CAL) is False
    assert recognition_on_time(evs, CAL) is None  # not recognised yet


def test_late_findings_are_the_checks_done_late_findings() -> None:
    evs = admitted_events(D("2026-01-30"), D("2026-05-07"), D("2026-05-08"), D("2026-08-20"))
    file = make_file(events=evs)
    found = late_findings(file.file_code, file.events, CAL)
    assert [(f.rule, f.step, f.severity) for f in found] == [
        ("DECISION_DUE", "A10", WARNING),
        ("CEREMONY_DUE", "A11", WARNING),
    ]
    assert all(f in check(file, D("2026-09-01")) for f in found)
    # A late step is recorded, never refused: lateness is history.
    assert propose(make_file(events=evs[:-2]), ev("A11", "2026-08-20")) == []


# --- INTRO_YOUTH when the unit's Youth Union is not recorded ---------------------------------

ORG_YOUTH_UNKNOWN = replace(ORG, has_youth_union=None)


@pytest.mark.parametrize(
    ("age_months", "member", "union", "second", "expected"),
    [
        (24 * 12, True, None, "DV2", INFO),  # two members introduce a youth Union member
        (18 * 12, True, None, "DV2", INFO),  # the youngest age of admission
        (30 * 12 + 11, True, None, "DV2", INFO),  # still 30
        (31 * 12, True, None, "DV2", None),  # past youth age
        (24 * 12, False, None, "DV2", None),  # not a Youth-Union member
        (24 * 12, True, "Đoàn", None, None),  # introduced through the Youth Union already
        (24 * 12, True, "Công đoàn", None, None),  # not "two members"
        (24 * 12, True, None, None, None),  # one member alone: INTRO_COUNT says it
    ],
)
def test_youth_union_not_recorded_asks_to_record_it(
    age_months, member, union, second, expected
) -> None:
    file = make_file(
        youth_union_member=member,
        birth_date=birth_for(age_months, A6),
        union_intro=union,
        introducer2=second,
    )
    found = of(check(file, org=ORG_YOUTH_UNKNOWN), "INTRO_YOUTH")
    assert severity(found, "INTRO_YOUTH") is expected
    if expected:
        assert found[0].step == "A6" and "Có tổ chức Đoàn" in found[0].message
        # An info finding never refuses a step.
        before = replace(file, events=tuple(evs_until("A5")))
        assert propose(before, ev("A6", A6), ORG_YOUTH_UNKNOWN) == []


@pytest.mark.parametrize(
    ("recorded", "expected"), [(None, None), (False, False), (True, True), (0, False), (1, True)]
)
def test_org_youth_union_blank_stays_unknown(recorded, expected) -> None:
    org = OrgFacts.from_row({"code": "CB01", "has_youth_union": recorded})
    assert org.has_youth_union is expected
