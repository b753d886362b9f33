"""Candidate files: listing, search, opening one file, and the derived state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam, select, update

from khdesk.core.domain.pipeline import Result, StepEvent, derive_state
from khdesk.core.domain.template import CANDIDATE_IDENTITY
from khdesk.core.services.profiles import Session
from khdesk.core.store import schema as t
from khdesk.core.store.engine import search_ids
from khdesk.core.text import fold

IDENTITY_KEYS = [c.key for c in CANDIDATE_IDENTITY]


def step_event(row) -> StepEvent:
    """The domain event of a `steps` row (mapping or Row)."""
    return StepEvent(
        step_id=row["step_id"],
        on=row["on"],
        result=Result(row["result"]),
        doc_no=row["doc_no"],
        official_members=row["official_members"],
        votes_for=row["votes_for"],
        received_on=row["received_on"],
        note=row["note"],
        seq=row["seq"],
    )


def state_of(rows: Iterable) -> str:
    return derive_state(step_event(r) for r in rows).value


def file_ids(session: Session, search: str | None = None, state: str | None = None) -> list[int]:
    """Row ids of the matching files in Vietnamese name order (cheap: ids only)."""
    state = state.upper() if state else None
    with session.store.read() as conn:
        if search and search.strip():
            equal = {"state": state} if state else None
            return search_ids(conn, t.candidates, fold(search), equal=equal) or []
        query = select(t.candidates.c.id).where(t.candidates.c.deleted.is_(False))
        if state:
            query = query.where(t.candidates.c.state == state)
        return list(conn.execute(query.order_by(t.candidates.c.sort_key)).scalars())


def file_rows(session: Session, ids: list[int]) -> dict[int, dict]:
    """Summaries of the given files, by row id (a table model fetches a screenful)."""
    out: dict[int, dict] = {}
    with session.store.read() as conn:
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            rows = conn.execute(select(t.candidates).where(t.candidates.c.id.in_(chunk)))
            out.update((r.id, file_summary(r._mapping)) for r in rows)
    return out


def list_files(session: Session, search: str | None = None, state: str | None = None) -> list[dict]:
    """Files in Vietnamese name order, optionally searched and filtered by state."""
    ids = file_ids(session, search, state)
    by_id = file_rows(session, ids) if ids else {}
    return [by_id[i] for i in ids]


def file_summary(row) -> dict:
    out = {key: _json_value(row[key]) for key in IDENTITY_KEYS}
    out["uid"] = row["uuid"]
    out["state"] = row["state"]
    return out


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def open_file(session: Session, file_code: str) -> dict | None:
    """A whole file with its history; opening it is audited (who saw which file)."""
    with session.store.write(session.user, changes=False) as tx:
        row = (
            tx.conn.execute(select(t.candidates).where(t.candidates.c.file_code == file_code))
            .mappings()
            .first()
        )
        if row is None:
            return None
        history = (
            tx.conn.execute(
                select(t.steps)
                .where(t.steps.c.candidate_uuid == row["uuid"], t.steps.c.deleted.is_(False))
                .order_by(t.steps.c.seq)
            )
            .mappings()
            .all()
        )
        tx.audit("open", "candidate", file_code)
    result = dict(row)
    result["steps"] = [dict(h) for h in history]
    return result


def save_states(conn, states: dict[str, str]) -> int:
    """Store derived states (file uuid -> state) where they differ from the stored ones.
    A cached derivation, not an edit: no revision, no change counter. Returns how many
    files changed state."""
    c = t.candidates.c
    uuids = list(states)
    current: dict[str, str] = {}
    for start in range(0, len(uuids), 500):  # under SQLite's bound-parameter limit
        chunk = uuids[start : start + 500]
        current.update(conn.execute(select(c.uuid, c.state).where(c.uuid.in_(chunk))).all())
    params = [{"_u": u, "s": s} for u, s in states.items() if current.get(u) != s]
    if params:
        conn.execute(
            update(t.candidates).where(c.uuid == bindparam("_u")).values(state=bindparam("s")),
            params,
        )
    return len(params)
