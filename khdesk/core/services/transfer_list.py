"""The transfers recorded here, as lists show them (the home page's and the committee
overview's "Đang chuyển" box, `khdesk transfer list`). Plain SQL through the session's
reader: the first screen shows before SQLAlchemy is imported (store/sql.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from khdesk.core.domain import transfers as tr
from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.store import sql

if TYPE_CHECKING:
    from khdesk.core.services.session import Session

STEPS = (tr.OUT, tr.IN, tr.BACK, tr.WITHDRAW)
STATUS_LABELS = {
    "in_transit": "Đang chuyển",
    "withdrawing": "Đang rút lại",  # withdrawn, the receiver's return not yet here
    "accepted": "Đã tiếp nhận",
    "returned": "Trả lại",
    "withdrawn": "Đã rút lại",
}
IN_TRANSIT = ("in_transit", "withdrawing")


@dataclass(frozen=True)
class Transfer:
    """One transfer of a file as a list shows it."""

    file_code: str
    full_name: str
    state: str  # the pipeline state (unchanged by the transfer)
    from_org: str
    to_org: str
    sent_on: date
    reason: str | None
    status: str  # in_transit / withdrawing / accepted / returned / withdrawn
    answered_on: date | None = None
    answer_reason: str | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict:
        return {
            "file_code": self.file_code,
            "full_name": self.full_name,
            "state": self.state,
            "from_org": self.from_org,
            "to_org": self.to_org,
            "sent_on": self.sent_on.isoformat(),
            "reason": self.reason,
            "status": self.status,
            "answered_on": self.answered_on.isoformat() if self.answered_on else None,
            "answer_reason": self.answer_reason,
        }


def list_transfers(session: Session, in_transit_only: bool = False) -> list[Transfer]:
    """Every transfer recorded here, newest first (`in_transit_only`: the files still
    đang chuyển)."""
    with session.reader() as conn:
        rows = sql.fetch(
            conn,
            'SELECT c.file_code, c.full_name, c.state, s.step_id, s."on", s.seq, s.note,'
            " s.from_org, s.to_org FROM steps s JOIN candidates c ON c.uuid = s.candidate_uuid"
            f" WHERE s.step_id IN ({sql.marks(STEPS)}) AND NOT s.deleted AND NOT c.deleted"
            ' ORDER BY c.file_code, s."on", s.seq',
            STEPS,
        )
    out: list[Transfer] = []
    open_: dict[str, Transfer] = {}
    for code, name, state, step_id, day, _seq, note, src, dst in rows:
        on = sql.as_date(day)
        if step_id == tr.OUT:
            open_[code] = Transfer(code, name, state, src, dst, on, note, "in_transit")
            out.append(open_[code])
            continue
        if step_id == tr.WITHDRAW:  # a request: the transfer stays open until answered
            sent = open_.get(code)
            if (
                sent is not None
                and sent.status == "in_transit"
                and (src, dst)
                == (
                    sent.from_org,
                    sent.to_org,
                )
            ):
                open_[code] = replace(sent, status="withdrawing")
                out[out.index(sent)] = open_[code]
            continue
        sent = open_.pop(code, None)
        if sent is None:
            continue
        answered = "returned" if sent.status == "in_transit" else "withdrawn"
        done = Transfer(
            code,
            name,
            state,
            sent.from_org,
            sent.to_org,
            sent.sent_on,
            sent.reason,
            "accepted" if step_id == tr.IN else answered,
            on,
            note,
        )
        out[out.index(sent)] = done
    if in_transit_only:
        out = [x for x in out if x.status in IN_TRANSIT]
    return sorted(out, key=lambda x: (x.answered_on or x.sent_on, x.sent_on), reverse=True)


# The station's own branch: its unit and every unit under it in its tree. (The cast
# gives both terms orgs.code's type, as PostgreSQL's recursive queries require.)
_BRANCH = (
    "WITH RECURSIVE branch(code) AS (SELECT CAST(? AS VARCHAR(64)) UNION SELECT o.code"
    " FROM orgs o JOIN branch b ON o.parent_code = b.code) "
)


@dataclass(frozen=True)
class Away:
    """A file this station keeps a read-only copy of after it left the station's branch:
    accepted elsewhere (`on` the day), or a copy returned to its sender."""

    file_id: int
    file_code: str
    holder: str  # the unit holding the file now
    on: date | None  # the day it left: accepted there, or returned
    returned: bool = False

    @property
    def label(self) -> str:
        day = f"{self.on:%d/%m/%Y}, " if self.on else ""
        if self.returned:
            return f"Đã trả lại ({day}{self.holder})"
        return f"Đã chuyển đi ({day}{self.holder})"


def away_files(session: Session) -> dict[int, Away]:
    """File id -> the files that moved on from this station's branch (RULES.md §2a): out
    of its working lists and counts, still findable. A file on its way in (sent to the
    branch, not yet answered) is not one of them: the branch answers it."""
    unit = session.org_code
    with session.reader() as conn:
        rows = sql.fetch(
            conn,
            _BRANCH + 'SELECT c.id, c.file_code, c.org_code, s.step_id, s."on", s.seq,'
            " s.from_org, s.to_org FROM candidates c LEFT JOIN steps s ON s.candidate_uuid ="
            f" c.uuid AND NOT s.deleted AND s.step_id IN ({sql.marks(STEPS)})"
            " WHERE NOT c.deleted AND c.org_code NOT IN (SELECT code FROM branch)",
            (unit, *STEPS),
        )
        if not rows:
            return {}
        branch = {code for (code,) in sql.fetch(conn, _BRANCH + "SELECT code FROM branch", (unit,))}
    files: dict[int, tuple[str, str, list[StepEvent]]] = {}
    for fid, code, org, step_id, day, seq, src, dst in rows:
        _, _, events = files.setdefault(fid, (code, org, []))
        if step_id is not None:
            events.append(StepEvent(step_id, sql.as_date(day), seq=seq, from_org=src, to_org=dst))
    out: dict[int, Away] = {}
    for fid, (code, org, events) in files.items():
        r = tr.replay(events, org)
        if r.pending is not None and r.pending.to_org in branch:
            continue  # on its way in
        last = r.answers[-1][1] if r.answers else None  # how it last left
        returned = last is not None and last.step_id == tr.BACK
        out[fid] = Away(fid, code, r.holder, last.on if last else None, returned)
    return out
