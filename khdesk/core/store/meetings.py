"""Reading cell meetings (RULES.md §2a) and the votes they held: what the services, the
forms and the minutes show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from khdesk.core.domain.meetings import Meeting, meeting_from_row
from khdesk.core.domain.pipeline import Result
from khdesk.core.errors import InputError
from khdesk.core.store import schema as t


@dataclass(frozen=True)
class MeetingVote:
    """One agenda item's vote, as the meeting's list and minutes show it."""

    file_code: str
    full_name: str
    step_id: str
    votes_for: int
    result: Result
    doc_no: str | None
    step_uuid: str


def get_meeting(conn: Connection, meeting_uuid: str) -> Meeting:
    """A live meeting by uuid (or by a unique prefix of it, as typed on the CLI)."""
    key = (meeting_uuid or "").strip().lower()
    rows = (
        conn.execute(
            select(t.meetings).where(
                t.meetings.c.uuid.startswith(key, autoescape=True),
                t.meetings.c.deleted.is_(False),
            )
        )
        .mappings()
        .all()
        if len(key) >= 4
        else []
    )
    if len(rows) != 1:
        what = "nhiều kỳ họp" if rows else "không có kỳ họp nào"
        raise InputError(f"Mã kỳ họp '{meeting_uuid}': {what} khớp (ghi đủ mã, ít nhất 4 ký tự).")
    return meeting_from_row(rows[0])


def list_meetings(conn: Connection, org_codes: frozenset[str] | None = None) -> list[Meeting]:
    query = select(t.meetings).where(t.meetings.c.deleted.is_(False))
    if org_codes is not None:
        query = query.where(t.meetings.c.org_code.in_(sorted(org_codes)))
    rows = conn.execute(query.order_by(t.meetings.c.on, t.meetings.c.id)).mappings()
    return [meeting_from_row(r) for r in rows]


def meeting_votes(conn: Connection, meeting_uuid: str) -> list[MeetingVote]:
    """The votes recorded at a meeting in agenda order, the same at every station:
    admissions (A8) before recognitions (P3), each by file code."""
    s, c, m = t.steps.c, t.candidates.c, t.meetings.c
    rows = conn.execute(
        select(c.file_code, c.full_name, s.step_id, s.votes_for, s.result, s.doc_no, s.uuid)
        .join(t.candidates, c.uuid == s.candidate_uuid)
        # Only files of the meeting's own cell (a received link elsewhere is not followed).
        .join(t.meetings, (m.uuid == s.meeting_uuid) & (m.org_code == c.org_code))
        .where(s.meeting_uuid == meeting_uuid, s.deleted.is_(False), c.deleted.is_(False))
        .order_by(s.step_id, c.file_code)
    ).all()
    return [
        MeetingVote(code, name, step, votes or 0, Result(result), doc_no, uuid)
        for code, name, step, votes, result, doc_no, uuid in rows
    ]


def find_meeting(conn: Connection, meeting_uuid: str) -> Meeting | None:
    """A meeting by its exact uuid (a vote's link), None if not here or removed."""
    row = (
        conn.execute(
            select(t.meetings).where(
                t.meetings.c.uuid == meeting_uuid, t.meetings.c.deleted.is_(False)
            )
        )
        .mappings()
        .first()
    )
    return meeting_from_row(row) if row else None
