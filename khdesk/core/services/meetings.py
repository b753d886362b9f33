"""Cell meetings (kỳ họp chi bộ, RULES.md §2a): record one meeting and its roll once, then
its votes (A8 for several candidates, P3 for several probationary members) through the
step service, so the rules, the audit trail and the permissions apply to each; every
vote is counted on the meeting's roll.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from khdesk.core.domain.meetings import Meeting, absences_to_json
from khdesk.core.domain.pipeline import STEP_BY_ID, Result, StepEvent
from khdesk.core.domain.roles import Action
from khdesk.core.domain.rulebook import Fraction
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services.profiles import Session
from khdesk.core.services.steps import RecordedStep, check_year, record_step_event
from khdesk.core.store import schema as t
from khdesk.core.store.meetings import MeetingVote, get_meeting, list_meetings, meeting_votes
from khdesk.core.store.orgtree import load_tree
from khdesk.core.sync import judging
from khdesk.core.text import clean_text

__all__ = [
    "MeetingVote",
    "get_meeting",
    "list_meetings",
    "meeting_votes",
    "new_meeting",
    "record_vote",
    "vote_fraction",
]


def new_meeting(session: Session, meeting: Meeting, today: date) -> str:
    """Record a meeting of a cell this station keeps; returns its uuid."""
    session.require(Action.EDIT_FILES)
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
                **record,
                org_code=meeting.org_code,
                on=meeting.on,
                official_members=meeting.official_members,
                probationary_members=meeting.probationary_members,
                absences=absences_to_json(meeting.absences),
                chair=meeting.chair,
                chair_role=meeting.chair_role,
                secretary=meeting.secretary,
                note=meeting.note,
            )
        )
        tx.audit(
            "new_meeting",
            "meeting",
            record["uuid"],
            org=meeting.org_code,
            on=meeting.on.isoformat(),
            official=meeting.official_members,
            probationary=meeting.probationary_members,
            absent=meeting.absent(),
        )
    return record["uuid"]


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
