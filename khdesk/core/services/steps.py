"""Record one step of a file: only a valid next step, refused (with the reason) while an
error applies to that very step; a failed vote is recorded as such."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select, update

from khdesk.core.domain import rules, transfers
from khdesk.core.domain.pipeline import STEP_BY_ID, Result, StepEvent
from khdesk.core.domain.roles import Action
from khdesk.core.domain.template import CANDIDATES
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.io.tabular import MAX_YEAR, MIN_YEAR
from khdesk.core.services import numbering
from khdesk.core.services.candidates import station_access
from khdesk.core.services.checking import ProfileFacts, load_facts
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.meetings import find_meeting
from khdesk.core.store.states import insert_step, restate
from khdesk.core.store.store import WriteTx
from khdesk.core.sync import judging
from khdesk.core.text import clean_text


def record_step(
    session: Session,
    file_code: str,
    event: StepEvent,
    today: date,
) -> str:
    """Record `event` on the file; returns the file's new state."""
    return record_step_event(session, file_code, event, today).state


def record_step_event(
    session: Session,
    file_code: str,
    event: StepEvent,
    today: date,
    details: Mapping[str, Any] | None = None,
    meeting_uuid: str | None = None,
) -> RecordedStep:
    """Record `event` on the file, with the step's details that live on the file record
    (A6: the introducers, P1: the mentor — see STEP_DETAILS), in one transaction. Returns
    the new state, the step's uuid and the details it replaced (what an undo restores).
    `meeting_uuid`: the cell meeting that held this vote (services/meetings.py): the step
    must be on its day and counted on its roll."""
    session.require(Action.EDIT_FILES)
    with session.store.write(session.user) as tx:
        return record_in(tx, session, file_code, event, today, details, meeting_uuid)


def record_in(
    tx: WriteTx,
    session: Session,
    file_code: str,
    event: StepEvent,
    today: date,
    details: Mapping[str, Any] | None = None,
    meeting_uuid: str | None = None,
    *,
    reported: bool = False,
    seq: int | None = None,
) -> RecordedStep:
    """`record_step_event` inside a use case's own transaction (a class roster records
    many). Every check runs before anything is written: a refusal leaves `tx` untouched.
    `reported`: a committee decision a cell reported from its paper copy, which may take
    its place in the history by its date (`rules.fits_history`); `seq`: the place in the
    file's recording order it takes (the cell's copy's), when free."""
    step = STEP_BY_ID.get(event.step_id)
    if step is None:
        raise InputError(f"Không có bước '{event.step_id}'.")
    if step.transfer:
        raise InputError(
            f"{step.name} không ghi như một bước: dùng chức năng 'Chuyển hồ sơ' "
            "(khdesk transfer out|accept|return|withdraw|opinion)."
        )
    if event.on > today:
        raise InputError(f"Ngày {event.on:%d/%m/%Y} của bước {step.name} là ngày trong tương lai.")
    for day in (event.on, event.received_on):
        if day is not None:
            check_year(day, f"của bước {step.name}")
    if step.id == "A11" and bool(clean_text(event.doc_no, "Số văn bản")) != bool(event.received_on):
        # On a ceremony they are the upper committee's approval: a number and its date.
        raise InputError(
            "Văn bản cấp ủy cấp trên đồng ý lễ kết nạp muộn: ghi cả số và ngày văn bản."
        )
    facts, file = _locked_file(tx.conn, file_code)
    moving = transfers.step_problem(file_code, file.events, file.org_code, event.on)
    if moving:
        raise InputError(moving)
    org = facts.orgs.get(file.org_code)
    # One writer per record: this station records only the steps it owns (sync).
    owner = tx.conn.execute(
        select(t.candidates.c.owner).where(t.candidates.c.uuid == facts.uuids[file_code])
    ).scalar()
    access = station_access(session.info.role, session.org_code, session.user_role, owner)
    if not access.may_record(event.step_id):
        raise AccessDenied(_refusal(step.id, file_code, owner, session.info.role))
    if meeting_uuid is not None:
        _check_meeting(tx.conn, meeting_uuid, file, event)
    new_details, previous = _details(tx.conn, facts.uuids[file_code], step.id, details)
    if new_details:
        judged = {_FACT_FIELDS[k]: v for k, v in new_details.items() if k in _FACT_FIELDS}
        file = replace(file, **judged)
    # Judged by the installed catalogue (the province's rulebooks and holidays).
    in_force = judging.judge(tx.conn)
    context = rules.RuleContext.build(facts.members.values(), in_force.rulebooks)
    allowed = rules.next_steps(file, org, event.on, context)
    late = reported and rules.fits_history(file, org, event.step_id, event.on)
    if event.step_id not in allowed and not late:
        names = ", ".join(f"{s} ({STEP_BY_ID[s].name})" for s in allowed) or "không có"
        why = rules.cert_in_force(file, event.on, context) if step.id == "A2" else None
        raise InputError(
            f"Hồ sơ {file_code} chưa thể ghi bước {step.id} ({step.name}). "
            f"{why + ' ' if why else ''}Các bước có thể ghi tiếp: {names}."
        )
    refused = rules.blocked(
        file, event.step_id, event, org, facts.members, in_force.calendar, today, context
    )
    if refused:
        reasons = " ".join(f"[{f.rule}] {f.message}" for f in refused)
        raise InputError(f"Không ghi được bước {step.name}: {reasons}")
    cuid = facts.uuids[file_code]
    # A resolution's or decision's number counts as used (refused if already taken).
    numbering.register_step_number(
        tx.conn,
        user=session.user,
        now=tx.now,
        own_org=session.org_code,
        own_role=session.info.role,
        file_code=file_code,
        file_org=file.org_code,
        step_id=event.step_id,
        on=event.on,
        doc_no=clean_text(event.doc_no, "Số văn bản"),
    )
    cleaned = replace(
        event,
        doc_no=clean_text(event.doc_no, "Số văn bản"),
        note=clean_text(event.note, "Ghi chú"),
    )
    step_uuid = insert_step(tx, cuid, cleaned, meeting_uuid, seq)
    state = restate(tx.conn, cuid)
    if new_details:
        tx.conn.execute(
            update(t.candidates)
            .where(t.candidates.c.uuid == cuid)
            .values(**new_details, **tx.changed(t.candidates))
        )
    tx.audit(
        "record_step",
        "candidate",
        file_code,
        step=event.step_id,
        result=event.result.value,
        on=event.on.isoformat(),
    )
    return RecordedStep(state, step_uuid, previous)


def _check_meeting(conn, meeting_uuid: str, file: rules.FileFacts, event: StepEvent) -> None:
    """A vote linked to a meeting is the meeting's: same cell, same day, its roll."""
    meeting = find_meeting(conn, meeting_uuid)
    if meeting is None:
        raise InputError("Không có kỳ họp chi bộ này (có thể đã bị xóa).")
    if meeting.org_code != file.org_code:
        raise InputError(
            f"Kỳ họp ngày {meeting.on:%d/%m/%Y} là của {meeting.org_code}; hồ sơ "
            f"{file.file_code} thuộc {file.org_code}."
        )
    if event.on != meeting.on or event.official_members != meeting.official_members:
        raise InputError(
            f"Biểu quyết tại kỳ họp ngày {meeting.on:%d/%m/%Y} phải ghi đúng ngày họp và "
            f"{meeting.official_members} đảng viên chính thức của chi bộ."
        )
    meeting.check_vote(event.step_id, event.votes_for or 0)


def check_year(day: date, what: str) -> None:
    """The years every form, import and bundle stores (io.tabular, sync.records)."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InputError(
            f"Ngày {day.isoformat()} {what}: năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}."
        )


def _locked_file(conn, file_code: str) -> tuple[ProfileFacts, rules.FileFacts]:
    """The file's facts, its row held for the transaction (`_lock_file`)."""
    _lock_file(conn, file_code)
    facts = load_facts(conn, file_code)
    file = next((f for f in facts.files if f.file_code == file_code), None)
    if file is None:
        raise InputError(f"Không có hồ sơ mã '{file_code}'.")
    return facts, file


def _lock_file(conn, file_code: str) -> None:
    """On PostgreSQL, hold the file's row until the step is saved: an import (or another
    staff member) changing the same file waits, so the step is judged on what is there.
    SQLite renders no FOR UPDATE: its writer holds the whole database already."""
    conn.execute(
        select(t.candidates.c.id).where(t.candidates.c.file_code == file_code).with_for_update()
    ).all()


def failed_vote(step_id: str, on: date, official_members: int, votes_for: int) -> StepEvent:
    """A cell vote that did not reach two thirds, recorded as the failed vote it was."""
    return StepEvent(
        step_id=step_id,
        on=on,
        result=Result.FAILED,
        official_members=official_members,
        votes_for=votes_for,
    )


# --- details, station ownership, undo (the record-a-step dialog, `khdesk step …`) -------

# Details of a step that the file record keeps (TEMPLATE.md pipeline columns), by step.
STEP_DETAILS: dict[str, tuple[str, ...]] = {
    "A6": (
        "a6_introducer1",
        "a6_introducer1_since",
        "a6_introducer2",
        "a6_introducer2_since",
        "a6_union_intro",
        "a6_replacement",
    ),
    "P1": ("mentor",),
}
# candidate column -> FileFacts field (what the rules read when judging the step)
_FACT_FIELDS = {
    "a6_introducer1": "introducer1",
    "a6_introducer1_since": "introducer1_since",
    "a6_introducer2": "introducer2",
    "a6_introducer2_since": "introducer2_since",
    "a6_union_intro": "union_intro",
    "a6_replacement": "replacement",
}


@dataclass(frozen=True)
class RecordedStep:
    state: str  # the file's state after the step
    step_uuid: str
    previous: dict[str, Any]  # the file's step details before (restored by an undo)


def _refusal(step_id: str, file_code: str, owner: str, role: str) -> str:
    step = STEP_BY_ID[step_id]
    if role == "cell" and step.committee:
        return (
            f"Bước {step.name} là nghị quyết/quyết định của đảng ủy: đảng ủy ghi, chi bộ nhận "
            "qua tệp đồng bộ."
        )
    return (
        f"Hồ sơ {file_code} do {owner} quản lý: bước {step.name} do đơn vị đó ghi (gửi lên "
        "qua tệp đồng bộ)."
    )


def _details(
    conn, cuid: str, step_id: str, details: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The details to write for the step (NFC text) and the values they replace."""
    if not details:
        return {}, {}
    allowed = STEP_DETAILS.get(step_id, ())
    unknown = set(details) - set(allowed)
    if unknown:
        raise InputError(f"Bước {step_id} không có thông tin: {', '.join(sorted(unknown))}.")
    values = {
        k: (clean_text(v, CANDIDATES.column(k).header) or None) if isinstance(v, str) else v
        for k, v in details.items()
    }
    row = conn.execute(
        select(*(t.candidates.c[k] for k in values)).where(t.candidates.c.uuid == cuid)
    ).one()
    return values, dict(zip(values, row, strict=True))


def next_steps_for(session: Session, file_code: str, today: date | None = None) -> list[str]:
    """The valid next steps of one file (every station's; see `file_access` for which
    this station may record); given `today`, a retraining's A2 where the certificate
    has lapsed by then."""
    with session.store.read() as conn:
        facts = load_facts(conn, file_code)
        rulebooks = judging.judge(conn).rulebooks if today else None
    file = next((f for f in facts.files if f.file_code == file_code), None)
    if file is None:
        raise InputError(f"Không có hồ sơ mã '{file_code}'.")
    context = rules.RuleContext.build((), rulebooks) if rulebooks else None
    return rules.next_steps(file, facts.orgs.get(file.org_code), today, context)


def undo_step(
    session: Session,
    file_code: str,
    step_uuid: str,
    restore: Mapping[str, Any] | None = None,
) -> str:
    """Take back a step recorded by mistake: the record becomes a tombstone (sync carries
    the deletion), the details it replaced come back, the state is derived again. Only
    the station that recorded the step may take it back. Returns the new state."""
    session.require(Action.EDIT_FILES)
    with session.store.write(session.user) as tx:
        _lock_file(tx.conn, file_code)
        row = (
            tx.conn.execute(
                select(t.steps, t.candidates.c.file_code)
                .join(t.candidates, t.candidates.c.uuid == t.steps.c.candidate_uuid)
                .where(t.steps.c.uuid == step_uuid)
            )
            .mappings()
            .first()
        )
        if row is None or row["file_code"] != file_code or row["deleted"]:
            raise InputError("Không có bước này trong hồ sơ (có thể đã hoàn tác).")
        if STEP_BY_ID[row["step_id"]].transfer:
            raise InputError("Việc chuyển hồ sơ không hoàn tác được: đơn vị nhận trả lại hồ sơ.")
        _, file = _locked_file(tx.conn, file_code)
        moved = transfers.replay(file.events, file.org_code)
        if moved.pending is not None:
            raise InputError(transfers.transit_refusal(file_code, moved.pending))
        if moved.arrival is not None and (row["on"], row["seq"]) < (
            moved.arrival.on,
            moved.arrival.seq,
        ):
            raise AccessDenied(
                f"Bước này ghi trước khi hồ sơ chuyển đến {moved.holder}: không hoàn tác ở đây."
            )
        if row["owner"] != session.org_code:
            raise AccessDenied(f"Bước này do {row['owner']} ghi: chỉ đơn vị đó hoàn tác được.")
        tx.conn.execute(
            update(t.steps)
            .where(t.steps.c.uuid == step_uuid)
            .values(deleted=True, **tx.changed(t.steps))
        )
        cuid = row["candidate_uuid"]
        if restore:
            allowed = set(STEP_DETAILS.get(row["step_id"], ()))
            values = {k: v for k, v in restore.items() if k in allowed}
            if values:
                tx.conn.execute(
                    update(t.candidates)
                    .where(t.candidates.c.uuid == cuid)
                    .values(**values, **tx.changed(t.candidates))
                )
        state = restate(tx.conn, cuid)
        tx.audit(
            "undo_step",
            "candidate",
            file_code,
            step=row["step_id"],
            on=row["on"].isoformat(),
            result=row["result"],
        )
    return state


def record_ceremony_approval(
    session: Session, file_code: str, doc_no: str, on: date, today: date
) -> str:
    """The upper committee's approval of a ceremony held after its deadline (RULES.md
    "Done late"), written on the ceremony's step: the approving document's number and date
    (`rules.ceremony_approved`). The late-ceremony warning then stays as information. Only
    the station that recorded the ceremony writes it (one writer per record); sync carries
    the change. Returns the step's uuid."""
    session.require(Action.EDIT_FILES)
    number = clean_text(doc_no, "Số văn bản đồng ý")
    if not number:
        raise InputError("Cần ghi số văn bản đồng ý của cấp ủy cấp trên.")
    if on > today:
        raise InputError(f"Ngày văn bản đồng ý {on:%d/%m/%Y} là ngày trong tương lai.")
    check_year(on, "văn bản đồng ý")
    with session.store.write(session.user) as tx:
        facts, file = _locked_file(tx.conn, file_code)
        ceremony = rules.ceremony_in_force(file.events)
        if ceremony is None:
            raise InputError(f"Hồ sơ {file_code} chưa ghi lễ kết nạp (bước A11).")
        row = (
            tx.conn.execute(
                select(t.steps.c.uuid, t.steps.c.owner).where(
                    t.steps.c.candidate_uuid == facts.uuids[file_code],
                    t.steps.c.step_id == "A11",
                    t.steps.c.seq == ceremony.seq,
                    t.steps.c.on == ceremony.on,
                    t.steps.c.deleted.is_(False),
                )
            )
            .mappings()
            .first()
        )
        if row is None:  # the facts were read in this very transaction: cannot happen
            raise InputError(f"Không tìm thấy bước lễ kết nạp của hồ sơ {file_code}.")
        if row["owner"] != session.org_code:
            raise AccessDenied(
                f"Lễ kết nạp của hồ sơ {file_code} do {row['owner']} ghi: chỉ đơn vị đó ghi "
                "được văn bản đồng ý."
            )
        tx.conn.execute(
            update(t.steps)
            .where(t.steps.c.uuid == row["uuid"])
            .values(doc_no=number, received_on=on, **tx.changed(t.steps))
        )
        tx.audit(
            "ceremony_approval",
            "candidate",
            file_code,
            doc_no=number,
            on=on.isoformat(),
        )
    return row["uuid"]
