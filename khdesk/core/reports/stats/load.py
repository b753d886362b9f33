"""Reading the statistics' facts from the store: plain SQL through `khdesk.core.store.sql`
(no SQLAlchemy: the home screen shows these figures before SQLAlchemy is imported), the
register summed per snapshot day rather than read row by row."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from khdesk.core.domain import rules
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.domain.transfers import BACK, IN, OUT, replay
from khdesk.core.reports.stats.rows import (
    Event,
    FileRow,
    MemberCount,
    MemberRow,
    OrgRow,
    PlanRow,
    StatsData,
    UnitRow,
    iso,
)
from khdesk.core.reports.stats.scope import Scope
from khdesk.core.store import sql
from khdesk.core.store.sql import as_bool, as_date

__all__ = ["load_stats_data", "without_gc"]

_RESULTS = {r.value: r for r in Result}


_CHUNK = 5000  # values per IN list (pairs: twice as many parameters): within SQLite's 32,766


def _moves(conn: Any) -> dict[str, tuple[tuple[date, str | None, str | None], ...]]:
    """File uuid -> its accepted transfers (acceptance day, from, to), oldest first."""
    by_file: dict[str, list[StepEvent]] = defaultdict(list)
    query = (
        'SELECT candidate_uuid, step_id, "on", seq, from_org, to_org FROM steps'
        " WHERE NOT deleted AND step_id IN (?, ?, ?)"
    )
    for cuid, step_id, on, seq, src, dst in sql.fetch(conn, query, (OUT, IN, BACK)):
        by_file[cuid].append(StepEvent(step_id, as_date(on), seq=seq, from_org=src, to_org=dst))
    return {
        f: tuple((m.arrival.on, m.out.from_org, m.out.to_org) for m in replay(evs, "").moves)
        for f, evs in by_file.items()
    }


def load_stats_data(
    conn: Any, scopes: Iterable[Scope] = (), today: date | None = None
) -> StatsData:
    """Read what the statistics of `scopes` need (snapshots taken on `scope.as_of(today)`),
    as plain driver rows: at the province SQLAlchemy's per-row processing, or Python
    objects for every member, would cost more than all the counting. SQL text through
    `khdesk.core.store.sql` (no SQLAlchemy): the home screen shows these figures before
    SQLAlchemy is imported. `conn` is a SQLAlchemy or a bare DB-API connection."""
    scopes = list(scopes)
    today = today or date.today()
    orgs = {
        code: OrgRow(code, name, parent, kind, villages, as_bool(head))
        for code, name, parent, kind, villages, head in sql.fetch(
            conn,
            "SELECT code, name, parent_code, kind, villages, village_head_is_member"
            " FROM orgs WHERE NOT deleted",
        )
    }
    plans = [
        PlanRow(*row)
        for row in sql.fetch(
            conn,
            "SELECT org_code, year, period, target, target_youth, target_private"
            " FROM plans WHERE NOT deleted",
        )
    ]
    events: dict[str, list[Event]] = defaultdict(list)
    dates: dict[str, date] = {}  # ISO text -> date: steps share few distinct days
    ceremonies: set[str] = set()  # files past A11 (or P5): their people may be registered
    last_on: dict[str, date] = {}
    query = 'SELECT candidate_uuid, step_id, "on", result, seq FROM steps WHERE NOT deleted'
    for cuid, step_id, on, result, seq in sql.fetch(conn, query):
        day = dates.get(on)
        if day is None:
            day = dates[on] = as_date(on)
        events[cuid].append(Event(step_id, day, _RESULTS[result], seq))
        if day > last_on.get(cuid, day.min):
            last_on[cuid] = day
        if step_id in ("A11", "P5") and result == "passed":
            ceremonies.add(cuid)
    moves = _moves(conn)
    files = []
    cccds: set[str] = set()
    people: set[tuple[str, date]] = set()
    for u, code, org, sex, born, eth, rel, wk, cccd, folded in sql.fetch(
        conn,
        "SELECT uuid, file_code, org_code, sex, birth_date, ethnicity, religion,"
        " workplace_kind, cccd, name_folded FROM candidates WHERE NOT deleted",
    ):
        born = as_date(born)
        row = FileRow(
            code,
            org,
            sex,
            born,
            eth,
            rel,
            wk,
            cccd,
            folded,
            events[u],
            last_on.get(u),
            moves.get(u, ()),
        )
        files.append(row)
        if u in ceremonies:
            if cccd and cccd.strip():
                cccds.add(cccd.strip())
            if folded and born is not None:
                people.add((folded, born))
    units = [
        UnitRow(org, kind, n, as_bool(party))
        for org, kind, n, party in sql.fetch(
            conn,
            "SELECT org_code, kind, members, has_party_org FROM private_units WHERE NOT deleted",
        )
    ]
    # Yearly records with something marked (`rows.is_marked`): the only ones the screening reads.
    marked = "NOT deleted AND (months_absent > 0 OR months_unpaid > 0 OR violated OR declining)"
    years = [
        rules.MemberYear(code, year, absent or 0, unpaid or 0, bool(violated), bool(declining))
        for code, year, absent, unpaid, violated, declining in sql.fetch(
            conn,
            "SELECT member_code, year, months_absent, months_unpaid, violated, declining"
            f" FROM member_records WHERE {marked}",
        )
    ]

    def member_rows(where: str, params: Sequence[Any] = ()) -> list[MemberRow]:
        rows = sql.fetch(
            conn,
            "SELECT member_code, org_code, sex, birth_date, admitted_on, status, ethnicity,"
            " religion, village_head, cccd, name_folded"
            f" FROM members WHERE NOT deleted AND {where}",
            params,
        )
        return [MemberRow(*x[:3], iso(x[3]), iso(x[4]), *x[5:]) for x in rows]

    screened = {
        x.member_code: x
        for x in member_rows(
            f"member_code IN (SELECT member_code FROM member_records WHERE {marked})"
        )
    }
    since = min((scope.start for scope in scopes), default=None)
    if since is not None:
        admissions = member_rows("admitted_on >= ?", [sql.day_param(conn, since)])
    else:
        admissions = member_rows("admitted_on IS NOT NULL")
    # Which people of the files are in the register: by CCCD (indexed), by name + birth.
    register_keys: set[Any] = set()
    wanted = sorted(cccds)
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        query = f"SELECT cccd FROM members WHERE NOT deleted AND cccd IN ({sql.marks(chunk)})"
        register_keys.update(x[0] for x in sql.fetch(conn, query, chunk))
    # One text key: a row-value IN list is scanned pair by pair, a plain one is indexed.
    # SQLite stores dates as ISO text, PostgreSQL casts a date to text as YYYY-MM-DD.
    wanted = sorted(f"{name}|{born.isoformat()}" for name, born in people)
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        query = (
            "SELECT name_folded, birth_date FROM members WHERE NOT deleted"
            " AND name_folded || '|' || CAST(birth_date AS VARCHAR)"
            f" IN ({sql.marks(chunk)})"
        )
        register_keys.update((name, iso(born)) for name, born in sql.fetch(conn, query, chunk))
    # The register summed per snapshot day: a few thousand rows instead of ≈90,000.
    counts: dict[date, list[MemberCount]] = {}
    for day in sorted({scope.as_of(today) for scope in scopes}):
        query = (
            "SELECT org_code, status, village_head, COUNT(*) FROM members"
            " WHERE NOT deleted AND admitted_on <= ?"
            " GROUP BY org_code, status, village_head"
        )
        counts[day] = [
            MemberCount(org, status, bool(head), n)
            for org, status, head, n in sql.fetch(conn, query, [sql.day_param(conn, day)])
        ]
    return StatsData(
        orgs, plans, files, units, years, admissions, since, register_keys, screened, counts
    )


@contextmanager
def without_gc() -> Iterator[None]:
    """The cyclic collector paused: reading the province allocates ≈100,000 small objects
    and no cycles, and the collector's passes over them cost a fifth of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
