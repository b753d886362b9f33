"""The rules engine on the demo commune: every planted file trips its rule with the right
severity, edge cases and clean files trip no error, and screening lists exactly the planted
members — for several `today`s (the demo's dates move with it)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from khdesk.core.domain.calendar import default_calendar
from khdesk.core.domain.rulebook import DEADLINE_RULES
from khdesk.core.domain.rules import (
    FileFacts,
    Finding,
    MemberFacts,
    MemberYear,
    OrgFacts,
    RuleContext,
    Severity,
    check_files,
    events_from_steps,
    screen_members,
)
from khdesk.demo.small import EDGE_CASES, PLANTED, PLANTED_MEMBERS, small_demo

TODAYS = [date(2026, 11, 26), date(2025, 3, 3), date(2027, 1, 1), date(2028, 2, 29)]

# Planted problems that are warnings by RULES.md; every other planted rule is an error.
PLANTED_WARNINGS = {"INTRO_YOUTH", "DOSSIER_STALE", "PROBATION_END", "DUPLICATE_PERSON"}


def run(today: date) -> tuple[dict[str, Any], dict[str, list[Finding]], list[Finding]]:
    data = small_demo(today)
    events = events_from_steps(data["steps"])
    files = [FileFacts.from_row(c, events[c["file_code"]]) for c in data["candidates"]]
    orgs = {o["code"]: OrgFacts.from_row(o) for o in data["orgs"]}
    members = {m["member_code"]: MemberFacts.from_row(m) for m in data["members"]}
    context = RuleContext.build(members.values())
    found = check_files(files, orgs, members, default_calendar(), today, context)
    records = [MemberYear.from_row(r) for r in data["member_records"]]
    screened = screen_members(members.values(), records, today)
    return data, found, screened


@pytest.fixture(scope="module", params=TODAYS, ids=str)
def demo(request) -> tuple[dict[str, Any], dict[str, list[Finding]], list[Finding]]:
    return run(request.param)


def expected_severity(code: str, rule: str, data: dict[str, Any]) -> Severity:
    if rule == "CCCD_FORMAT":  # a short number is an error, a sex-digit slip a warning
        row = next(c for c in data["candidates"] if c["file_code"] == code)
        return Severity.ERROR if len(row["cccd"]) != 12 else Severity.WARNING
    return Severity.WARNING if rule in PLANTED_WARNINGS else Severity.ERROR


def test_every_planted_file_trips_its_rule(demo) -> None:
    data, found, _ = demo
    for code, rule in PLANTED.items():
        hits = [f for f in found[code] if f.rule == rule]
        assert hits, (code, rule, found[code])
        assert {f.severity for f in hits} == {expected_severity(code, rule, data)}, (code, hits)
        assert all(f.legal_basis and f.message for f in hits)


def test_planted_files_trip_no_other_error(demo) -> None:
    _, found, _ = demo
    for code, rule in PLANTED.items():
        others = [f for f in found[code] if f.rule != rule and f.severity is Severity.ERROR]
        assert others == [], (code, others)


def test_edge_cases_and_clean_files_trip_no_error(demo) -> None:
    _, found, _ = demo
    for code, findings in found.items():
        if code in PLANTED:
            continue
        errors = [f for f in findings if f.severity is Severity.ERROR]
        assert errors == [], (code, EDGE_CASES.get(code), errors)
        # what remains are reminders of upcoming deadlines
        assert all(f.rule in DEADLINE_RULES for f in findings), (code, findings)


def test_edge_cases_exist_in_the_demo(demo) -> None:
    _, found, _ = demo
    assert set(EDGE_CASES) <= set(found)
    assert set(EDGE_CASES.values()) >= {"AGE_MIN", "AGE_MAX", "VOTE_2_3", "CERT_EXPIRED"}


def test_screening_lists_exactly_the_planted_members(demo) -> None:
    _, _, screened = demo
    assert {f.subject: f.rule for f in screened} == PLANTED_MEMBERS
    assert len(screened) == len(PLANTED_MEMBERS)
    assert all(f.severity is Severity.WARNING for f in screened)
