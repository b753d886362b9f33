"""Record one step of a file: only a valid next step, refused (with the reason) while an
error applies to that very step; a failed vote is recorded as such."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from khdesk.core.domain import rules
from khdesk.core.domain.calendar import default_calendar
from khdesk.core.domain.pipeline import STEP_BY_ID, Result, StepEvent
from khdesk.core.errors import InputError
from khdesk.core.services.candidates import save_states, state_of
from khdesk.core.services.checking import load_facts
from khdesk.core.services.profiles import Session
from khdesk.core.store import schema as t
from khdesk.core.text import nfc


def record_step(
    session: Session,
    file_code: str,
    event: StepEvent,
    today: date,
) -> str:
    """Record `event` on the file; returns the file's new state."""
    session.require("owner", "secretary", "deputy")
    step = STEP_BY_ID.get(event.step_id)
    if step is None:
        raise InputError(f"Không có bước '{event.step_id}'.")
    if event.on > today:
        raise InputError(f"Ngày {event.on:%d/%m/%Y} của bước {step.name} là ngày trong tương lai.")
    with session.store.write(session.user) as tx:
        facts = load_facts(tx.conn, file_code)
        file = next((f for f in facts.files if f.file_code == file_code), None)
        if file is None:
            raise InputError(f"Không có hồ sơ mã '{file_code}'.")
        org = facts.orgs.get(file.org_code)
        allowed = rules.next_steps(file, org)
        if event.step_id not in allowed:
            names = ", ".join(f"{s} ({STEP_BY_ID[s].name})" for s in allowed) or "không có"
            raise InputError(
                f"Hồ sơ {file_code} chưa thể ghi bước {step.id} ({step.name}). "
                f"Các bước có thể ghi tiếp: {names}."
            )
        refused = rules.blocked(
            file, event.step_id, event, org, facts.members, default_calendar(), today
        )
        if refused:
            reasons = " ".join(f"[{f.rule}] {f.message}" for f in refused)
            raise InputError(f"Không ghi được bước {step.name}: {reasons}")
        cuid = facts.uuids[file_code]
        last_seq = tx.conn.execute(
            select(func.max(t.steps.c.seq)).where(t.steps.c.candidate_uuid == cuid)
        ).scalar()
        tx.conn.execute(
            t.steps.insert().values(
                **tx.new_record(),
                candidate_uuid=cuid,
                step_id=event.step_id,
                on=event.on,
                seq=(last_seq or 0) + 1,
                result=event.result.value,
                doc_no=nfc(event.doc_no),
                official_members=event.official_members,
                votes_for=event.votes_for,
                received_on=event.received_on,
                note=nfc(event.note),
            )
        )
        rows = (
            tx.conn.execute(
                select(t.steps)
                .where(t.steps.c.candidate_uuid == cuid, t.steps.c.deleted.is_(False))
                .order_by(t.steps.c.seq)
            )
            .mappings()
            .all()
        )
        state = state_of(rows)
        save_states(tx.conn, {cuid: state})
        tx.audit(
            "record_step",
            "candidate",
            file_code,
            step=event.step_id,
            result=event.result.value,
            on=event.on.isoformat(),
        )
    return state


def failed_vote(step_id: str, on: date, official_members: int, votes_for: int) -> StepEvent:
    """A cell vote that did not reach two thirds, recorded as the failed vote it was."""
    return StepEvent(
        step_id=step_id,
        on=on,
        result=Result.FAILED,
        official_members=official_members,
        votes_for=votes_for,
    )
