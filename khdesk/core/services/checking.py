"""`khdesk check`: every file of the profile judged by the rules engine on a given day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, Date, func, or_, select

from khdesk.core.domain import rules
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.domain.rulebook import Severity
from khdesk.core.services import catalogue
from khdesk.core.services.profiles import Session
from khdesk.core.store import schema as t
from khdesk.core.store.engine import as_date, raw_rows


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


_RESULTS = {r.value: r for r in Result}


def load_facts(conn: Connection, file_code: str | None = None) -> ProfileFacts:
    """Read what the engine needs: for every file, or for one (recording a step). The
    register (≈90,000 members at the province) is read as plain rows with the columns the
    rules use: SQLAlchemy's per-row processing would cost more than the whole check."""
    live_files = t.candidates.c.deleted.is_(False)
    if file_code is not None:
        live_files = live_files & (t.candidates.c.file_code == file_code)
    events: dict[str, list] = defaultdict(list)
    step_cols = ("candidate_uuid", "step_id", "on", "result", "doc_no", "official_members")
    step_cols += ("votes_for", "received_on", "note", "seq")
    query = (
        select(*(t.steps.c[c] for c in step_cols))
        .where(t.steps.c.deleted.is_(False))
        .order_by(t.steps.c.seq)
    )
    if file_code is not None:
        query = query.where(
            t.steps.c.candidate_uuid.in_(select(t.candidates.c.uuid).where(live_files))
        )
    for cuid, step_id, on, result, doc_no, official, votes, received, note, seq in raw_rows(
        conn, query
    ):
        events[cuid].append(
            StepEvent(
                step_id,
                as_date(on),
                _RESULTS[result],
                doc_no,
                official,
                votes,
                as_date(received),
                note,
                seq,
            )
        )
    files, uuids, states = [], {}, {}
    names = [c.name for c in t.candidates.c]
    dates = [c.name for c in t.candidates.c if isinstance(c.type, Date)]
    query = select(t.candidates).where(live_files)
    for values in raw_rows(conn, query):
        r = dict(zip(names, values, strict=True))
        for column in dates:
            r[column] = as_date(r[column])
        files.append(rules.FileFacts.from_row(r, events.get(r["uuid"], [])))
        uuids[r["file_code"]] = r["uuid"]
        states[r["file_code"]] = r["state"]
    orgs = {
        r["code"]: rules.OrgFacts.from_row(r)
        for r in conn.execute(select(t.orgs).where(t.orgs.c.deleted.is_(False))).mappings()
    }
    year_cols = ("member_code", "year", "months_absent", "months_unpaid", "violated", "declining")
    query = select(*(t.member_records.c[c] for c in year_cols)).where(
        t.member_records.c.deleted.is_(False)
    )
    years = (
        [  # screening reads them; recording one file's step does not
            rules.MemberYear(code, year, absent or 0, unpaid or 0, bool(violated), bool(declining))
            for code, year, absent, unpaid, violated, declining in raw_rows(conn, query)
        ]
        if file_code is None
        else []
    )
    # The rules look at few members: the introducers the files name, former members (a
    # re-admission), and members with yearly records (screening). Building facts only for
    # those keeps a province check within its time (90,000 members, ~25,000 needed).
    c, m = t.candidates.c, t.members.c
    introducers = select(c.a6_introducer1).where(live_files)
    introducers = introducers.union(select(c.a6_introducer2).where(live_files))
    # Former members may be written "Xóa tên" or "Xoá tên" (two placements of the mark).
    former = {v for s in rules.FORMER_STATUSES for v in (s, s.replace("óa", "oá"))}
    wanted = [m.member_code.in_(introducers), m.full_name.in_(introducers), m.status.in_(former)]
    if file_code is None:  # screening: every member with yearly records
        wanted.append(m.member_code.in_(select(t.member_records.c.member_code)))
    needed = or_(*wanted)
    members, member_rows = {}, {}
    member_cols = ("member_code", "full_name", "status", "admitted_on", "official_on")
    member_cols += ("org_code", "birth_date", "cccd", "uuid")
    query = select(*(m[col] for col in member_cols)).where(m.deleted.is_(False), needed)
    for code, name, status, admitted, official, org, born, cccd, uid in raw_rows(conn, query):
        # Stored text is NFC already (normalised at the boundary): no need to redo it.
        members[code] = rules.MemberFacts(
            code, name, status, as_date(admitted), as_date(official), org, as_date(born), cccd
        )
        member_rows[code] = {"uid": uid, "full_name": name, "org_code": org}
    return ProfileFacts(files, uuids, states, orgs, members, member_rows, years)


@dataclass
class CheckResult:
    on: date
    findings: list[dict] = field(default_factory=list)
    clock_warning: str | None = None
    # The catalogue that judged (installed from the province, or the built-in one), and
    # why an installed one could not be used, if so.
    catalogue: catalogue.CatalogueInfo | None = None
    catalogue_warning: str | None = None


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
        judged = catalogue.judge(conn)
    context = rules.RuleContext.build(facts.members.values(), judged.rulebooks)
    by_file = rules.check_files(
        facts.files, facts.orgs, facts.members, judged.calendar, on, context
    )
    result = CheckResult(
        on=on,
        clock_warning=clock_warning(session, on),
        catalogue=judged.info,
        catalogue_warning=judged.warning,
    )
    version = judged.info.version
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
                    "catalogue": version,
                }
            )
    for finding in rules.screen_members(facts.members.values(), facts.years, on, judged.rulebooks):
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
                "catalogue": version,
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
    """Per file: its valid next steps, its counts of findings and the catalogue that
    judged them (for `list --json`)."""
    with session.store.read() as conn:
        facts = load_facts(conn)
        judged = catalogue.judge(conn)
    context = rules.RuleContext.build(facts.members.values(), judged.rulebooks)
    by_file = rules.check_files(
        facts.files, facts.orgs, facts.members, judged.calendar, on, context
    )
    out = {}
    for f in facts.files:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in by_file.get(f.file_code, []):
            counts[finding.severity.value] += 1
        out[f.file_code] = {
            "next_steps": rules.next_steps(f, facts.orgs.get(f.org_code)),
            "findings": counts,
            "catalogue": judged.info.version,
        }
    return out


def newest_recorded_date(conn: Connection) -> date | None:
    """The latest date the profile holds: a step's date, a decision's receipt, or the day a
    record was last written — here or, for imported records, on the sender's PC."""
    steps = t.steps.c
    found = conn.execute(select(func.max(steps.on), func.max(steps.received_on))).one()
    dates = [d for d in found if d is not None]
    for table in (t.candidates, t.steps, t.members):
        stamp = conn.execute(select(func.max(table.c.updated_at))).scalar()
        if stamp:  # ISO UTC: its date is never later than the date in Vietnam
            dates.append(date.fromisoformat(stamp[:10]))
    return max(dates) if dates else None


def clock_warning(session: Session, today: date) -> str | None:
    """The wrong-clock warning for the app's start and `check`: a few MAX queries."""
    with session.store.read() as conn:
        return rules.clock_message(newest_recorded_date(conn), today)
