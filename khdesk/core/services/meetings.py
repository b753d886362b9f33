"""Cell meetings (kỳ họp chi bộ, RULES.md §2a): record one meeting and its roll once, then
its votes (A8 for several candidates, P3 for several probationary members) through the
step service, so the rules, the audit trail and the permissions apply to each; every
vote is counted on the meeting's roll.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select, update

from khdesk.core.domain.meetings import Meeting, absences_to_json
from khdesk.core.domain.pipeline import RESULT_LABELS, STEP_BY_ID, Result, StepEvent
from khdesk.core.domain.roles import Action
from khdesk.core.domain.rulebook import Fraction
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services.session import Session
from khdesk.core.services.steps import RecordedStep, check_year, record_step_event
from khdesk.core.store import schema as t
from khdesk.core.store.meetings import MeetingVote, get_meeting, list_meetings, meeting_votes
from khdesk.core.store.orgtree import load_tree
from khdesk.core.sync import judging
from khdesk.core.text import clean_text

__all__ = [
    "MeetingVote",
    "correct_meeting",
    "delete_meeting",
    "get_meeting",
    "list_meetings",
    "meeting_votes",
    "new_meeting",
    "record_vote",
    "vote_fraction",
]


def _cleaned(meeting: Meeting, today: date) -> Meeting:
    """The meeting as stored (NFC text, blanks as None), refused if it cannot be."""
    if meeting.on > today:
        raise InputError(f"Ngày họp {meeting.on:%d/%m/%Y} là ngày trong tương lai.")
    check_year(meeting.on, "của kỳ họp")
    meeting = replace(
        meeting,
        chair=clean_text(meeting.chair, "Chủ trì") or None,
        chair_role=clean_text(meeting.chair_role, "Chức vụ người chủ trì") or None,
        secretary=clean_text(meeting.secretary, "Thư ký") or None,
        note=clean_text(meeting.note, "Ghi chú") or None,
        absences=tuple(
            replace(
                a,
                name=clean_text(a.name, "Họ tên người vắng mặt"),
                reason=clean_text(a.reason, "Lý do vắng mặt"),
            )
            for a in meeting.absences
        ),
    )
    meeting.check()
    return meeting


def _columns(meeting: Meeting) -> dict:
    return {
        "official_members": meeting.official_members,
        "probationary_members": meeting.probationary_members,
        "absences": absences_to_json(meeting.absences),
        "chair": meeting.chair,
        "chair_role": meeting.chair_role,
        "secretary": meeting.secretary,
        "note": meeting.note,
    }


def _audit_roll(meeting: Meeting) -> dict:
    return {
        "org": meeting.org_code,
        "on": meeting.on.isoformat(),
        "official": meeting.official_members,
        "probationary": meeting.probationary_members,
        "absent": meeting.absent(),
    }


def new_meeting(session: Session, meeting: Meeting, today: date) -> str:
    """Record a meeting of a cell this station keeps; returns its uuid."""
    session.require(Action.EDIT_FILES)
    meeting = _cleaned(meeting, today)
    with session.store.write(session.user) as tx:
        tree = load_tree(tx.conn)
        if meeting.org_code not in tree.branch(session.org_code, live=True):
            raise AccessDenied(
                f"Đơn vị {meeting.org_code} không thuộc {session.org_code}: không ghi được kỳ "
                "họp của đơn vị đó."
            )
        record = tx.new_record()
        tx.conn.execute(
            t.meetings.insert().values(
                **record, org_code=meeting.org_code, on=meeting.on, **_columns(meeting)
            )
        )
        tx.audit("new_meeting", "meeting", record["uuid"], **_audit_roll(meeting))
    return record["uuid"]


def _owned(tx, session: Session, meeting_uuid: str) -> Meeting:
    """The meeting, refused unless this station recorded it (one writer per record; sync
    carries the change)."""
    meeting = get_meeting(tx.conn, meeting_uuid)
    owner = tx.conn.execute(
        select(t.meetings.c.owner).where(t.meetings.c.uuid == meeting.uuid)
    ).scalar()
    if owner != session.org_code:
        raise AccessDenied(f"Kỳ họp này do {owner} ghi: chỉ đơn vị đó sửa, xóa được.")
    return meeting


def _votes_held(conn, meeting_uuid: str) -> list[str]:
    """Every live vote linked to the meeting, "A8 của hồ sơ X01-CB01-H001", whatever cell
    its file is in now (a file transferred since keeps its link)."""
    s, c = t.steps.c, t.candidates.c
    rows = conn.execute(
        select(s.step_id, c.file_code)
        .join(t.candidates, c.uuid == s.candidate_uuid)
        .where(s.meeting_uuid == meeting_uuid, s.deleted.is_(False))
        .order_by(s.step_id, c.file_code)
    ).all()
    return [f"{step} của hồ sơ {code}" for step, code in rows]


def correct_meeting(session: Session, meeting_uuid: str, corrected: Meeting, today: date) -> None:
    """Correct a slip in a meeting's roll, chair, secretary or day (not its cell: record
    the meeting again). The votes recorded at it are counted on the corrected roll: their
    copies of the number follow, and a correction that would contradict a recorded result
    (passed below the threshold, failed above it, more votes for than official members
    present) is refused, naming the vote. The day changes only while no vote is recorded
    at the meeting: a vote's day is a legal date (deadlines, probation) that a slip in the
    meeting's day must not move unseen — its votes are taken back first."""
    session.require(Action.EDIT_FILES)
    with session.store.write(session.user) as tx:
        old = _owned(tx, session, meeting_uuid)
        meeting = _cleaned(replace(corrected, org_code=old.org_code), today)
        if meeting.on != old.on:
            held = _votes_held(tx.conn, old.uuid)
            if held:
                raise InputError(
                    f"Không đổi được ngày họp {old.on:%d/%m/%Y}: kỳ họp đã có biểu quyết "
                    f"({'; '.join(held)}). Hoàn tác các biểu quyết đó, đổi ngày rồi ghi lại."
                )
        fraction = vote_fraction(tx.conn, meeting.on)
        for v in meeting_votes(tx.conn, old.uuid):
            try:
                meeting.check_vote(v.step_id, v.votes_for)
            except InputError as exc:
                raise InputError(
                    f"Không sửa được: biểu quyết {v.step_id} của hồ sơ {v.file_code}: {exc.message}"
                ) from None
            reached = fraction.reached(v.votes_for, meeting.official_members)
            if reached != (v.result is Result.PASSED):
                raise InputError(
                    f"Không sửa được: biểu quyết {v.step_id} của hồ sơ {v.file_code} "
                    f"({v.votes_for} tán thành, ghi là '{RESULT_LABELS[v.result]}') sẽ "
                    f"{'đạt' if reached else 'không đạt'} {fraction} trên "
                    f"{meeting.official_members} đảng viên chính thức. Hoàn tác biểu quyết đó "
                    "rồi ghi lại."
                )
        tx.conn.execute(
            update(t.meetings)
            .where(t.meetings.c.uuid == old.uuid)
            .values(on=meeting.on, **_columns(meeting), **tx.changed(t.meetings))
        )
        tx.conn.execute(
            update(t.steps)
            .where(
                t.steps.c.meeting_uuid == old.uuid,
                t.steps.c.deleted.is_(False),
                t.steps.c.official_members != meeting.official_members,
            )
            .values(official_members=meeting.official_members, **tx.changed(t.steps))
        )
        tx.audit(
            "correct_meeting", "meeting", old.uuid, **_audit_roll(meeting), was=old.on.isoformat()
        )


def delete_meeting(session: Session, meeting_uuid: str) -> Meeting:
    """Remove a meeting recorded by mistake, only while no vote is recorded at it (a vote
    is counted on its roll: take the votes back first). A tombstone (deleted, next
    revision) so the removal travels in the bundles as the meeting did. Returns it."""
    session.require(Action.EDIT_FILES)
    with session.store.write(session.user) as tx:
        meeting = _owned(tx, session, meeting_uuid)
        held = _votes_held(tx.conn, meeting.uuid)
        if held:
            raise InputError(
                f"Không xóa được kỳ họp ngày {meeting.on:%d/%m/%Y}: đã ghi biểu quyết "
                f"{'; '.join(held)}. Hoàn tác các biểu quyết đó trước."
            )
        tx.conn.execute(
            update(t.meetings)
            .where(t.meetings.c.uuid == meeting.uuid)
            .values(deleted=True, **tx.changed(t.meetings))
        )
        tx.audit("delete_meeting", "meeting", meeting.uuid, **_audit_roll(meeting))
    return meeting


def vote_fraction(conn, on: date) -> Fraction:
    """The threshold in force on the meeting's day (the installed catalogue's rulebooks)."""
    return judging.judge(conn).rulebooks.rulebook_for(on).value("vote_fraction")


def record_vote(
    session: Session,
    meeting_uuid: str,
    file_code: str,
    step_id: str,
    votes_for: int,
    today: date,
    doc_no: str | None = None,
    note: str | None = None,
) -> RecordedStep:
    """Record one agenda item's vote at the meeting: dated on the meeting's day, counted on
    its roll (the number of official members typed once), passed exactly when the votes
    for reach the rulebook's fraction of that number — a failed vote is recorded as such."""
    step_id = (step_id or "").strip().upper()
    if step_id not in STEP_BY_ID:
        raise InputError(f"Không có bước '{step_id}'.")
    with session.store.read() as conn:
        meeting = get_meeting(conn, meeting_uuid)
        fraction = vote_fraction(conn, meeting.on)
    meeting.check_vote(step_id, votes_for)
    reached = fraction.reached(votes_for, meeting.official_members)
    event = StepEvent(
        step_id=step_id,
        on=meeting.on,
        result=Result.PASSED if reached else Result.FAILED,
        doc_no=doc_no if reached else None,
        official_members=meeting.official_members,
        votes_for=votes_for,
        note=note,
    )
    return record_step_event(session, file_code, event, today, meeting_uuid=meeting.uuid)
