"""`khdesk check`: every file of the profile judged by the rules engine on a given day.

Plain SQL (khdesk.core.store.sql), no SQLAlchemy: the app's first screen runs the check
before SQLAlchemy is imported. `conn` is a SQLAlchemy Connection or a bare DB-API one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from khdesk.core.domain import rules
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.domain.rulebook import Severity
from khdesk.core.store import sql
from khdesk.core.sync import judging

if TYPE_CHECKING:
    from khdesk.core.services.session import Session


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
# The Date columns of `candidates` (SQLite gives them back as text): a unit test holds
# this to the schema, which is not imported here.
CANDIDATE_DATES = ("birth_date", "a6_introducer1_since", "a6_introducer2_since")
# A vote held at a cell meeting is counted on the meeting's roll (RULES.md §2a): the
# meeting's number of official members, not a copy of it, is the denominator VOTE_2_3 reads.
_STEP_COLUMNS = (
    's.candidate_uuid, s.step_id, s."on", s.result, s.doc_no,'
    " COALESCE(m.official_members, s.official_members), s.votes_for, s.received_on, s.note,"
    " s.seq, s.from_org, s.to_org"
)
# Only a live meeting of the file's own cell counts (a link from a received step to another
# unit's meeting is not followed).
_STEPS_FROM = (
    "steps s LEFT JOIN meetings m ON m.uuid = s.meeting_uuid AND NOT m.deleted"
    " AND m.org_code = (SELECT c.org_code FROM candidates c WHERE c.uuid = s.candidate_uuid)"
)
_MEMBER_COLUMNS = (
    "member_code, full_name, status, admitted_on, official_on, org_code, birth_date, cccd, uuid"
)


def load_facts(conn: Any, file_code: str | None = None) -> ProfileFacts:
    """Read what the engine needs: for every file, or for one (recording a step). The
    register (≈90,000 members at the province) is read as plain rows with the columns the
    rules use: per-row processing would cost more than the whole check."""
    # The live files, as SQL and its parameters (repeated wherever the text is).
    live = "NOT deleted" if file_code is None else "NOT deleted AND file_code = ?"
    live_params: tuple[Any, ...] = () if file_code is None else (file_code,)
    events: dict[str, list] = defaultdict(list)
    query = f"SELECT {_STEP_COLUMNS} FROM {_STEPS_FROM} WHERE NOT s.deleted"
    if file_code is not None:
        query += f" AND s.candidate_uuid IN (SELECT uuid FROM candidates WHERE {live})"
    for row in sql.fetch(conn, query + " ORDER BY s.seq", live_params):
        cuid, step_id, on, result, doc_no, official, votes, received, note, seq, src, dst = row
        events[cuid].append(
            StepEvent(
                step_id,
                sql.as_date(on),
                _RESULTS[result],
                doc_no,
                official,
                votes,
                sql.as_date(received),
                note,
                seq,
                src,
                dst,
            )
        )
    files, uuids, states = [], {}, {}
    for r in sql.fetch_dicts(conn, f"SELECT * FROM candidates WHERE {live}", live_params):
        for column in CANDIDATE_DATES:
            r[column] = sql.as_date(r[column])
        files.append(rules.FileFacts.from_row(r, events.get(r["uuid"], [])))
        uuids[r["file_code"]] = r["uuid"]
        states[r["file_code"]] = r["state"]
    orgs = {}
    org_query = (
        "SELECT code, kind, is_grassroots_cell, special_area, has_youth_union FROM orgs"
        " WHERE NOT deleted"
    )
    for code, kind, grassroots, special, youth in sql.fetch(conn, org_query):
        # Booleans as SQLAlchemy gave them (SQLite stores 0/1): None stays None.
        row = {
            "code": code,
            "kind": kind,
            "is_grassroots_cell": sql.as_bool(grassroots),
            "special_area": sql.as_bool(special),
            "has_youth_union": sql.as_bool(youth),
        }
        orgs[code] = rules.OrgFacts.from_row(row)
    years = []
    if file_code is None:  # screening reads them; recording one file's step does not
        year_query = (
            "SELECT member_code, year, months_absent, months_unpaid, violated, declining"
            " FROM member_records WHERE NOT deleted"
        )
        years = [
            rules.MemberYear(code, year, absent or 0, unpaid or 0, bool(violated), bool(declining))
            for code, year, absent, unpaid, violated, declining in sql.fetch(conn, year_query)
        ]
    # The rules look at few members: the introducers the files name, former members (a
    # re-admission), and members with yearly records (screening). Building facts only for
    # those keeps a province check within its time (90,000 members, ~25,000 needed).
    introducers = (
        f"SELECT a6_introducer1 FROM candidates WHERE {live}"
        f" UNION SELECT a6_introducer2 FROM candidates WHERE {live}"
    )
    # Former members may be written "Xóa tên" or "Xoá tên" (two placements of the mark).
    former = sorted({v for s in rules.FORMER_STATUSES for v in (s, s.replace("óa", "oá"))})
    wanted = [
        f"member_code IN ({introducers})",
        f"full_name IN ({introducers})",
        f"status IN ({sql.marks(former)})",
    ]
    params = [*live_params, *live_params, *live_params, *live_params, *former]
    if file_code is None:  # screening: every member with yearly records
        wanted.append("member_code IN (SELECT member_code FROM member_records)")
    query = f"SELECT {_MEMBER_COLUMNS} FROM members WHERE NOT deleted AND ({' OR '.join(wanted)})"
    members, member_rows = {}, {}
    for code, name, status, admitted, official, org, born, cccd, uid in sql.fetch(
        conn, query, params
    ):
        # Stored text is NFC already (normalised at the boundary): no need to redo it.
        members[code] = rules.MemberFacts(
            code,
            name,
            status,
            sql.as_date(admitted),
            sql.as_date(official),
            org,
            sql.as_date(born),
            cccd,
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
    catalogue: judging.CatalogueInfo | None = None
    catalogue_warning: str | None = None


def _severity_ok(finding: rules.Finding, at_least: Severity | None) -> bool:
    return at_least is None or finding.severity.at_least(at_least)


def _judge_files(
    session: Session, on: date
) -> tuple[ProfileFacts, judging.Judge, dict[str, list[rules.Finding]]]:
    """The profile's facts, the catalogue that judges them and every file's findings."""
    with session.reader() as conn:
        facts = load_facts(conn)
        judged = judging.judge(conn)
    context = rules.RuleContext.build(facts.members.values(), judged.rulebooks)
    by_file = rules.check_files(
        facts.files, facts.orgs, facts.members, judged.calendar, on, context
    )
    return facts, judged, by_file


def check_profile(
    session: Session,
    on: date,
    rule: str | None = None,
    severity: str | None = None,
) -> CheckResult:
    """Findings for every file and member, sorted by due date (undated last)."""
    at_least = Severity(severity) if severity else None
    facts, judged, by_file = _judge_files(session, on)
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
    facts, judged, by_file = _judge_files(session, on)
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


def newest_recorded_date(conn: Any) -> date | None:
    """The latest date the profile holds: a step's date, a decision's receipt, or the day a
    record was last written — here or, for imported records, on the sender's PC."""
    on, received, *stamps = sql.fetch(
        conn,
        'SELECT (SELECT MAX("on") FROM steps), (SELECT MAX(received_on) FROM steps),'
        " (SELECT MAX(updated_at) FROM candidates), (SELECT MAX(updated_at) FROM steps),"
        " (SELECT MAX(updated_at) FROM members)",
    )[0]
    dates = [d for d in (sql.as_date(on), sql.as_date(received)) if d is not None]
    for stamp in stamps:
        if stamp:  # ISO UTC: its date is never later than the date in Vietnam
            dates.append(date.fromisoformat(stamp[:10]))
    return max(dates) if dates else None


def clock_warning(session: Session, today: date) -> str | None:
    """The wrong-clock warning for the app's start and `check`: a few MAX queries."""
    with session.reader() as conn:
        return rules.clock_message(newest_recorded_date(conn), today)
