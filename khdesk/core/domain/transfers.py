"""Transfers of a file between units (RULES.md §2a), read from its recorded events.

A transfer is three kinds of event in the file's history: `CHUYEN_DI` (the sending unit:
date, destination, reason), then either `CHUYEN_DEN` (the receiving unit accepts) or
`CHUYEN_TRA` (it returns the file, with a reason). Between the first and its answer the
file is in transit (đang chuyển): nobody records a step. The sender may withdraw a transfer
not yet answered (`CHUYEN_HUY`, rút lại): a request, not an answer — the receiving unit's
station answers it with a `CHUYEN_TRA` as soon as it learns of it, unless it has already
accepted (then the acceptance stands and the withdrawal is history). So only the receiver
ever answers, and an acceptance crossing a withdrawal in the post has one outcome at
every station whatever order the bundles arrive in. Exactly one unit holds the file
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

OUT, IN, BACK, WITHDRAW = "CHUYEN_DI", "CHUYEN_DEN", "CHUYEN_TRA", "CHUYEN_HUY"
# The previous cell's written opinion, recorded by the new holder after acceptance
# (TRANSFER_PRIOR_OPINION): `from_org` the cell that gave it, `doc_no`, `note` its text.
OPINION = "CHUYEN_NX"
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
    withdrawal: StepEvent | None = None  # the CHUYEN_HUY of the pending transfer
    # every CHUYEN_HUY with the transfer it names (answered or not: a late one is history)
    withdrawals: tuple[tuple[StepEvent, StepEvent], ...] = ()

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
    withdrawal: StepEvent | None = None
    last_out: StepEvent | None = None
    moves: list[Move] = []
    holders: list[tuple[StepEvent, str]] = []
    answers: list[tuple[StepEvent, StepEvent]] = []
    withdrawals: list[tuple[StepEvent, StepEvent]] = []
    for e in evs:
        if e.step_id == IN and pending is not None:  # the acceptance is the receiver's
            moves.append(Move(pending, e))
            answers.append((pending, e))
            holder = pending.to_org or holder
            pending = withdrawal = None
        elif e.step_id == OUT and pending is None:
            pending = last_out = e
        elif e.step_id == BACK and pending is not None:
            answers.append((pending, e))
            pending = withdrawal = None
        elif e.step_id == WITHDRAW and last_out is not None and _same_ends(e, last_out):
            withdrawals.append((last_out, e))
            if pending is last_out and withdrawal is None:
                withdrawal = e
        holders.append((e, holder))
    return Replay(
        holder,
        tuple(moves),
        pending,
        tuple(holders),
        tuple(answers),
        withdrawal,
        tuple(withdrawals),
    )


def _same_ends(a: StepEvent, b: StepEvent) -> bool:
    return (a.from_org, a.to_org) == (b.from_org, b.to_org)


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


def accept_problem(
    file_code: str, events: Iterable[StepEvent], org_code: str, on: date
) -> str | None:
    """Why the receiving unit may not accept the transfer on `on` (None: it may): those
    of `answer_problem`, and a withdrawal by the sender already known here."""
    why = answer_problem(file_code, events, org_code, on)
    if why is None:
        w = replay(events, org_code).withdrawal
        if w is not None:
            return (
                f"{w.from_org} đã rút lại hồ sơ {file_code} ngày {_d(w.on)}: không tiếp nhận "
                "được, hồ sơ trở về đơn vị gửi."
            )
    return why


def withdraw_problem(
    file_code: str, events: Iterable[StepEvent], org_code: str, on: date
) -> str | None:
    """Why the sending unit may not withdraw the transfer on `on` (None: it may)."""
    r = replay(events, org_code)
    if r.pending is None:
        return f"Hồ sơ {file_code} không đang chuyển: không có gì để rút lại."
    if r.withdrawal is not None:
        return (
            f"Hồ sơ {file_code} đã rút lại ngày {_d(r.withdrawal.on)}: đang chờ "
            f"{r.pending.to_org} trả lại."
        )
    if on < r.pending.on:
        return (
            f"Ngày rút lại {_d(on)} trước ngày chuyển đi {_d(r.pending.on)} của hồ sơ {file_code}."
        )
    return None


def opinion_problem(
    file_code: str, events: Iterable[StepEvent], org_code: str, from_org: str
) -> str | None:
    """Why the previous cell `from_org`'s written opinion may not be recorded on the file
    now (None: it may): the file came from that cell, and is not in transit."""
    r = replay(events, org_code)
    if r.pending is not None:
        return transit_refusal(file_code, r.pending)
    if not any(m.out.from_org == from_org for m in r.moves):
        came = sorted({m.out.from_org or "" for m in r.moves})
        return f"Hồ sơ {file_code} không chuyển đến từ {from_org}" + (
            f" (chuyển đến từ: {', '.join(came)})." if came else ": chưa chuyển đơn vị lần nào."
        )
    return None


def opinions(events: Iterable[StepEvent], by: date) -> frozenset[str]:
    """The previous cells whose written opinion the file holds, dated `by` at the latest."""
    return frozenset(e.from_org or "" for e in events if e.step_id == OPINION and e.on <= by)


WITHDRAWN_NOTE = "Đơn vị gửi rút lại hồ sơ"


def withdrawal_answer(pending: StepEvent, withdrawal: StepEvent) -> StepEvent:
    """The CHUYEN_TRA the receiving unit's station records for a withdrawal it learns of
    before accepting: dated on the withdrawal, giving the sender's reason."""
    note = f"{WITHDRAWN_NOTE}: {withdrawal.note}" if withdrawal.note else WITHDRAWN_NOTE
    return StepEvent(
        BACK, withdrawal.on, note=note, from_org=pending.to_org, to_org=pending.from_org
    )


@dataclass(frozen=True)
class Passage:
    """What records offered by another station do to a file's transfers here: the
    answer they bring to the transfer this station knows, and the transfer still open
    once they are in (domain/scope.py decides who may write which)."""

    answered: StepEvent | None  # the CHUYEN_DI stored here that the records answer
    answer: StepEvent | None  # that answer (CHUYEN_DEN or CHUYEN_TRA), from the records
    holder: str  # the unit holding the file once the records are in
    arriving: StepEvent | None  # the unanswered CHUYEN_DI once the records are in
    # the CHUYEN_HUY the records bring, each with the CHUYEN_DI it withdraws
    withdrawals: tuple[tuple[StepEvent, StepEvent], ...] = ()


def passage(stored: list[StepEvent], merged: list[StepEvent], org_code: str) -> Passage:
    """`stored`: the file's events here; `merged`: the same once the offered records
    are in (new ones added, changed ones replaced, tombstones out)."""
    before, after = replay(stored, org_code), replay(merged, org_code)
    answer = next(
        (a for o, a in after.answers if o == before.pending and a not in stored),
        None,
    )
    withdrawals = tuple((o, w) for o, w in after.withdrawals if w not in stored)
    return Passage(
        before.pending if answer else None, answer, after.holder, after.pending, withdrawals
    )
