"""Transfers of a file between units (RULES.md §2a), read from its recorded events.

A transfer is three kinds of event in the file's history: `CHUYEN_DI` (the sending unit:
date, destination, reason), then either `CHUYEN_DEN` (the receiving unit accepts) or
`CHUYEN_TRA` (it returns the file, with a reason). Between the first and its answer the
file is in transit (đang chuyển): nobody records a step. Exactly one unit holds the file
at every moment: the sender until `CHUYEN_DEN`, the receiver from then on. The pipeline
state is untouched (the transfer steps reach no state).

Everything here is a replay of the events, like the pipeline's state: Qt-free, database-
free. The services (services/transfers.py) and the write-scope rule (domain/scope.py)
ask it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from khdesk.core.domain.pipeline import (
    STATE_LABELS,
    STATE_ORDER,
    State,
    StepEvent,
    derive_state,
    ordered,
)

OUT, IN, BACK = "CHUYEN_DI", "CHUYEN_DEN", "CHUYEN_TRA"
# A file moves in any state before official membership (closed files stay where they are).
MOVABLE_STATES = frozenset(STATE_ORDER[: STATE_ORDER.index(State.CHINH_THUC)])


@dataclass(frozen=True)
class Move:
    """One accepted transfer: the file left `out.from_org` for `out.to_org` (`out`, the
    CHUYEN_DI) and was accepted there (`arrival`, the CHUYEN_DEN)."""

    out: StepEvent
    arrival: StepEvent


@dataclass(frozen=True)
class Replay:
    """The transfers of one file as its events tell them."""

    holder: str  # the unit holding the file now
    moves: tuple[Move, ...]  # accepted transfers, oldest first
    pending: StepEvent | None  # the unanswered CHUYEN_DI: the file is in transit
    holders: tuple[tuple[StepEvent, str], ...]  # every event with the unit holding it then
    answers: tuple[tuple[StepEvent, StepEvent], ...] = ()  # (CHUYEN_DI, its CHUYEN_DEN/TRA)

    @property
    def in_transit(self) -> bool:
        return self.pending is not None

    @property
    def arrival(self) -> StepEvent | None:
        """The CHUYEN_DEN that brought the file to its present unit (None: never moved)."""
        return self.moves[-1].arrival if self.moves else None


def replay(events: Iterable[StepEvent], org_code: str) -> Replay:
    """The file's transfers. `org_code`: the unit the file record names now (it changes
    at acceptance), the holder when no transfer says otherwise."""
    evs = ordered(events)
    first_out = next((e for e in evs if e.step_id == OUT), None)
    holder = first_out.from_org if first_out and first_out.from_org else org_code
    pending: StepEvent | None = None
    moves: list[Move] = []
    holders: list[tuple[StepEvent, str]] = []
    answers: list[tuple[StepEvent, StepEvent]] = []
    for e in evs:
        if e.step_id == IN and pending is not None:  # the acceptance is the receiver's
            moves.append(Move(pending, e))
            answers.append((pending, e))
            holder = pending.to_org or holder
            pending = None
        elif e.step_id == OUT and pending is None:
            pending = e
        elif e.step_id == BACK and pending is not None:
            answers.append((pending, e))
            pending = None
        holders.append((e, holder))
    return Replay(holder, tuple(moves), pending, tuple(holders), tuple(answers))


def holder_on(events: Iterable[StepEvent], org_code: str, day: date) -> str:
    """The unit that held the file at the end of `day`."""
    r = replay(events, org_code)
    first = next((m.out.from_org for m in r.moves if m.out.from_org), None)
    holder = first or r.holder
    for move in r.moves:
        if move.arrival.on <= day:
            holder = move.out.to_org or holder
    return holder


def _d(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def transit_refusal(file_code: str, pending: StepEvent) -> str:
    """What a person reads when a step is refused because the file is in transit."""
    return (
        f"Hồ sơ {file_code} đang chuyển sang {pending.to_org} (chuyển đi ngày "
        f"{_d(pending.on)}): không ghi bước nào cho đến khi đơn vị nhận tiếp nhận hoặc trả "
        "lại hồ sơ."
    )


def step_problem(
    file_code: str, events: Iterable[StepEvent], org_code: str, on: date
) -> str | None:
    """Why a pipeline step dated `on` may not be recorded on the file now (None: it may):
    nothing while in transit, nothing dated before the file came to its present unit
    (it would count for a unit that did not hold the file then)."""
    r = replay(events, org_code)
    if r.pending is not None:
        return transit_refusal(file_code, r.pending)
    if r.arrival is not None and on < r.arrival.on:
        return (
            f"Hồ sơ {file_code} chuyển đến {r.holder} ngày {_d(r.arrival.on)}: không ghi bước "
            f"ngày {_d(on)}, trước khi đơn vị nhận hồ sơ."
        )
    return None


def out_problem(
    file_code: str, events: Iterable[StepEvent], org_code: str, on: date, to_org: str
) -> str | None:
    """Why the file may not be sent to `to_org` on `on` (None: it may)."""
    evs = list(events)
    state = derive_state(evs)
    if state not in MOVABLE_STATES:
        return (
            f"Hồ sơ {file_code} ở giai đoạn '{STATE_LABELS[state]}': chỉ chuyển hồ sơ chưa là "
            "đảng viên "
            "chính thức và chưa kết thúc (Dừng, Xóa tên)."
        )
    r = replay(evs, org_code)
    if r.pending is not None:
        return f"Hồ sơ {file_code} đang chuyển sang {r.pending.to_org}: chưa có trả lời."
    if to_org == r.holder:
        return f"Hồ sơ {file_code} đang ở {to_org}: chọn đơn vị nhận khác."
    last = max((e.on for e in evs), default=None)
    if last is not None and on < last:
        return f"Ngày chuyển đi {_d(on)} trước bước đã ghi ngày {_d(last)} của hồ sơ {file_code}."
    return None


def answer_problem(
    file_code: str, events: Iterable[StepEvent], org_code: str, on: date
) -> str | None:
    """Why the unit receiving the file may not answer the transfer (accept or return) on
    `on` (None: it may)."""
    r = replay(events, org_code)
    if r.pending is None:
        return f"Hồ sơ {file_code} không đang chuyển: không có gì để tiếp nhận hay trả lại."
    if on < r.pending.on:
        return f"Ngày {_d(on)} trước ngày chuyển đi {_d(r.pending.on)} của hồ sơ {file_code}."
    return None


@dataclass(frozen=True)
class Passage:
    """What records offered by another station do to a file's transfers here: the
    answer they bring to the transfer this station knows, and the transfer still open
    once they are in (domain/scope.py decides who may write which)."""

    answered: StepEvent | None  # the CHUYEN_DI stored here that the records answer
    answer: StepEvent | None  # that answer (CHUYEN_DEN or CHUYEN_TRA), from the records
    holder: str  # the unit holding the file once the records are in
    arriving: StepEvent | None  # the unanswered CHUYEN_DI once the records are in


def passage(stored: list[StepEvent], merged: list[StepEvent], org_code: str) -> Passage:
    """`stored`: the file's events here; `merged`: the same once the offered records
    are in (new ones added, changed ones replaced, tombstones out)."""
    before, after = replay(stored, org_code), replay(merged, org_code)
    answer = next(
        (a for o, a in after.answers if o == before.pending and a not in stored),
        None,
    )
    return Passage(before.pending if answer else None, answer, after.holder, after.pending)
