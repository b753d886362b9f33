"""The minutes of a cell meeting (biên bản họp chi bộ, RULES.md §2a): its roll, chair and
secretary, and each agenda item's vote on the meeting's roll, printed from the
`resources/forms/minutes.json` template in the party-document layout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from khdesk.core.domain.meetings import Meeting, attendance_values
from khdesk.core.domain.pipeline import RESULT_LABELS
from khdesk.core.domain.rulebook import RulebookSet, default_rulebooks
from khdesk.core.reports.forms import (
    date_words,
    layout_defaults,
    org_rows,
    org_values,
    render_form,
    share,
)
from khdesk.core.reports.templates import Template, load_template
from khdesk.core.store.meetings import MeetingVote, get_meeting, meeting_votes

# What each agenda item is, by the step its vote records.
AGENDA_ITEMS = {
    "A8": "Xét kết nạp",
    "P3": "Xét công nhận chính thức",
}
# What the records never carry: dotted blanks unless the caller gives them.
HAND_FILLED = frozenset({"venue", "end_time", "opinions"})
_SUMMARIES = {"A8": "xét kết nạp đảng viên", "P3": "xét công nhận đảng viên chính thức"}


def minutes_values(
    conn: Connection,
    meeting_uuid: str,
    *,
    own_org: str,
    given: Mapping[str, Any] | None = None,
    rulebooks: RulebookSet | None = None,
) -> dict[str, Any]:
    """Every value the minutes template names, for one meeting."""
    meeting = get_meeting(conn, meeting_uuid)
    values = org_values(org_rows(conn), meeting.org_code, own_org, layout_defaults(), given)
    values.update({k: v for k, v in (given or {}).items() if v})
    values.update(attendance_values(meeting))
    fraction = (rulebooks or default_rulebooks()).rulebook_for(meeting.on).value("vote_fraction")
    votes = meeting_votes(conn, meeting.uuid)
    values.update(
        doc_on=meeting.on,
        meeting_date=date_words(meeting.on),
        votes_needed=fraction.need(meeting.official_members),
        vote_fraction=str(fraction),
        agenda_summary=" và ".join(
            _SUMMARIES[s] for s in sorted({v.step_id for v in votes}) if s in _SUMMARIES
        )
        or "thường kỳ",
        votes=[_row(i, v, meeting) for i, v in enumerate(votes, 1)],
    )
    return values


def _row(no: int, vote: MeetingVote, meeting: Meeting) -> dict[str, str | None]:
    """One agenda item's line of the votes table: for and against, on the roll."""
    against = meeting.votes_against(vote.votes_for)
    return {
        "no": str(no),
        "full_name": vote.full_name,
        "item": AGENDA_ITEMS.get(vote.step_id, vote.step_id),
        "votes_for": str(vote.votes_for),
        "for_share": share(vote.votes_for, meeting.official_members),
        "votes_against": str(against),
        "against_share": share(against, meeting.official_members),
        "result": RESULT_LABELS[vote.result],
    }


def build_minutes(
    conn: Connection,
    meeting_uuid: str,
    *,
    own_org: str,
    settings: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    template: Template | None = None,
    rulebooks: RulebookSet | None = None,
    invariant: bool = False,
) -> bytes:
    """The PDF of a meeting's minutes; `values` fill what the records lack (the venue,
    the end time, other opinions)."""
    filled = minutes_values(
        conn, meeting_uuid, own_org=own_org, given=settings, rulebooks=rulebooks
    )
    filled.update({k: v for k, v in (values or {}).items() if v is not None})
    return render_form(template or load_template("minutes"), filled, invariant=invariant)
