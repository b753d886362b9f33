"""`khdesk check`: every file of the profile judged by the rules engine on a given day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, select

from khdesk.core.domain import rules
from khdesk.core.domain.calendar import default_calendar
from khdesk.core.domain.rulebook import Severity
from khdesk.core.services.candidates import step_event
from khdesk.core.services.profiles import Session
from khdesk.core.store import schema as t


@dataclass
class ProfileFacts:
    """What the engine reads, loaded once from the database."""

    files: list[rules.FileFacts]
    uuids: dict[str, str]  # file code -> record uuid
    states: dict[str, str]  # file code -> derived state
    orgs: dict[str, rules.OrgFacts]
    members: dict[str, rules.MemberFacts]
    member_rows: dict[str, dict]  # member code -> uuid, name, org (for member findings)
    years: list[rules.MemberYear]


def load_facts(conn: Connection) -> ProfileFacts:
    events: dict[str, list] = defaultdict(list)
    for r in conn.execute(
        select(t.steps).where(t.steps.c.deleted.is_(False)).order_by(t.steps.c.seq)
    ).mappings():
        events[r["candidate_uuid"]].append(step_event(r))
    files, uuids, states = [], {}, {}
    for r in conn.execute(select(t.candidates).where(t.candidates.c.deleted.is_(False))).mappings():
        files.append(rules.FileFacts.from_row(r, events.get(r["uuid"], [])))
        uuids[r["file_code"]] = r["uuid"]
        states[r["file_code"]] = r["state"]
    orgs = {
        r["code"]: rules.OrgFacts.from_row(r)
        for r in conn.execute(select(t.orgs).where(t.orgs.c.deleted.is_(False))).mappings()
    }
    members, member_rows = {}, {}
    for r in conn.execute(select(t.members).where(t.members.c.deleted.is_(False))).mappings():
        members[r["member_code"]] = rules.MemberFacts.from_row(r)
        member_rows[r["member_code"]] = {
            "uid": r["uuid"],
            "full_name": r["full_name"],
            "org_code": r["org_code"],
        }
    years = [
        rules.MemberYear.from_row(r)
        for r in conn.execute(
            select(t.member_records).where(t.member_records.c.deleted.is_(False))
        ).mappings()
    ]
    return ProfileFacts(files, uuids, states, orgs, members, member_rows, years)


@dataclass
class CheckResult:
    on: date
    findings: list[dict] = field(default_factory=list)
    clock_warning: str | None = None


def _severity_ok(finding: rules.Finding, at_least: Severity | None) -> bool:
    return at_least is None or finding.severity.at_least(at_least)


def check_profile(
    session: Session,
    on: date,
    rule: str | None = None,
    severity: str | None = None,
) -> CheckResult:
    """Findings for every file and member, sorted by due date (undated last)."""
    at_least = Severity(severity) if severity else None
    with session.store.read() as conn:
        facts = load_facts(conn)
    calendar = default_calendar()
    context = rules.RuleContext.build(facts.members.values())
    by_file = rules.check_files(facts.files, facts.orgs, facts.members, calendar, on, context)
    result = CheckResult(on=on, clock_warning=rules.wrong_clock_message(facts.files, on))
    names = {f.file_code: f for f in facts.files}
    for code, found in by_file.items():
        f = names[code]
        for finding in found:
            if (rule and finding.rule != rule) or not _severity_ok(finding, at_least):
                continue
            result.findings.append(
                {
                    "file_code": code,
                    "uid": facts.uuids[code],
                    "full_name": f.full_name,
                    "org_code": f.org_code,
                    "state": facts.states[code],
                    **_finding_fields(finding),
                }
            )
    for finding in rules.screen_members(facts.members.values(), facts.years, on):
        if (rule and finding.rule != rule) or not _severity_ok(finding, at_least):
            continue
        member = facts.member_rows[finding.subject]
        result.findings.append(
            {
                "file_code": None,
                "member_code": finding.subject,
                **member,
                "state": None,
                **_finding_fields(finding),
            }
        )
    result.findings.sort(
        key=lambda x: (
            x["due"] is None,
            x["due"] or "",
            Severity(x["severity"]).rank,
            x["file_code"] or x.get("member_code") or "",
        )
    )
    return result


def _finding_fields(finding: rules.Finding) -> dict:
    d = finding.as_dict()
    return {k: d[k] for k in ("rule", "severity", "message", "due", "legal_basis", "step")}


def file_overview(session: Session, on: date) -> dict[str, dict]:
    """Per file: its valid next steps and its counts of findings (for `list --json`)."""
    with session.store.read() as conn:
        facts = load_facts(conn)
    context = rules.RuleContext.build(facts.members.values())
    by_file = rules.check_files(
        facts.files, facts.orgs, facts.members, default_calendar(), on, context
    )
    out = {}
    for f in facts.files:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in by_file.get(f.file_code, []):
            counts[finding.severity.value] += 1
        out[f.file_code] = {
            "next_steps": rules.next_steps(f, facts.orgs.get(f.org_code)),
            "findings": counts,
        }
    return out


def clock_warning(session: Session, today: date) -> str | None:
    """The wrong-clock warning for the app's start: one query, not a full check."""
    with session.store.read() as conn:
        newest = conn.execute(
            select(func.max(t.steps.c.on), func.max(t.steps.c.received_on)).where(
                t.steps.c.deleted.is_(False)
            )
        ).one()
    dates = [d for d in newest if d is not None]
    return rules.clock_message(max(dates) if dates else None, today)
