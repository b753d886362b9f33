"""A file's state, derived from its steps and cached in `candidates.state` (the store's
part of the pipeline: sync merges and the services both keep the cache right)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, select, update

from khdesk.core.domain import transfers
from khdesk.core.domain.pipeline import Result, StepEvent, derive_state
from khdesk.core.store import schema as t


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
        from_org=_optional(row, "from_org"),
        to_org=_optional(row, "to_org"),
    )


def _optional(row, key: str):
    """A column a caller's selection may leave out (only transfers carry it)."""
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def state_of(rows: Iterable) -> str:
    return derive_state(step_event(r) for r in rows).value


_STATES = select(t.candidates.c.uuid, t.candidates.c.state).where(
    t.candidates.c.uuid.in_(bindparam("_uuids", expanding=True))
)
_SET_STATE = (
    update(t.candidates).where(t.candidates.c.uuid == bindparam("_u")).values(state=bindparam("s"))
)


def save_states(conn, states: dict[str, str]) -> int:
    """Store derived states (file uuid -> state) where they differ from the stored ones.
    A cached derivation, not an edit: no revision, no change counter. Returns how many
    files changed state."""
    uuids = list(states)
    current: dict[str, str] = {}
    for start in range(0, len(uuids), 500):  # under SQLite's bound-parameter limit
        current.update(conn.execute(_STATES, {"_uuids": uuids[start : start + 500]}).all())
    params = [{"_u": u, "s": s} for u, s in states.items() if current.get(u) != s]
    if params:
        conn.execute(_SET_STATE, params)
    return len(params)


def restate(conn, file_uuid: str) -> str:
    """A file's state derived again from its live steps and stored; returns it."""
    steps = conn.execute(
        select(t.steps)
        .where(t.steps.c.candidate_uuid == file_uuid, t.steps.c.deleted.is_(False))
        .order_by(t.steps.c.seq)
    ).mappings()
    state = state_of(steps)
    save_states(conn, {file_uuid: state})
    return state


def transit_problem(conn, file_code: str) -> str | None:
    """Why the file may not change now (None: it may): it is in transit (RULES.md §2a),
    and a change by either end would reach the committee after the file changed owner."""
    row = conn.execute(
        select(t.candidates.c.uuid, t.candidates.c.org_code).where(
            t.candidates.c.file_code == file_code
        )
    ).first()
    if row is None:
        return None
    steps = conn.execute(
        select(t.steps).where(t.steps.c.candidate_uuid == row.uuid, t.steps.c.deleted.is_(False))
    ).mappings()
    pending = transfers.replay([step_event(r) for r in steps], row.org_code).pending
    return transfers.transit_refusal(file_code, pending) if pending is not None else None


def insert_step(
    tx, cuid: str, event: StepEvent, meeting_uuid: str | None = None, seq: int | None = None
) -> str:
    """`event` as the next row of the file's history (its recording order), owned by this
    station; text already cleaned. Returns the row's uuid. `seq`: a place in the order to
    take instead, if no live step of the file holds it (a reported decision takes the
    place of the cell's copy it replaces, so both stations keep one order)."""
    steps = t.steps.c
    taken = (
        seq is None
        or tx.conn.execute(
            select(steps.id).where(
                steps.candidate_uuid == cuid, steps.seq == seq, steps.deleted.is_(False)
            )
        ).first()
    )
    if taken:
        last = tx.conn.execute(select(func.max(steps.seq)).where(steps.candidate_uuid == cuid))
        seq = (last.scalar() or 0) + 1
    record = tx.new_record()
    tx.conn.execute(
        t.steps.insert().values(
            **record,
            candidate_uuid=cuid,
            step_id=event.step_id,
            on=event.on,
            seq=seq,
            result=event.result.value,
            doc_no=event.doc_no,
            official_members=event.official_members,
            votes_for=event.votes_for,
            received_on=event.received_on,
            note=event.note,
            from_org=event.from_org,
            to_org=event.to_org,
            meeting_uuid=meeting_uuid,
        )
    )
    return record["uuid"]
