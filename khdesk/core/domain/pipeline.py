"""The admission pipeline: steps, states, and the state derived from recorded steps.

A state is never typed in: it is replayed from the step events (RULES.md §2). A failed
vote is recorded and changes nothing; a returned file undoes the step it sends back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from khdesk.core.text import fold


class State(StrEnum):
    NGUON = "NGUON"
    BOI_DUONG = "BOI_DUONG"
    HO_SO = "HO_SO"
    THAM_TRA = "THAM_TRA"
    CHI_BO_XET = "CHI_BO_XET"
    QUYET_DINH = "QUYET_DINH"
    DU_BI = "DU_BI"
    CHINH_THUC = "CHINH_THUC"
    XOA_TEN = "XOA_TEN"
    DUNG = "DUNG"


STATE_LABELS = {
    State.NGUON: "Quần chúng ưu tú (nguồn)",
    State.BOI_DUONG: "Đã học lớp nhận thức",
    State.HO_SO: "Đang làm hồ sơ",
    State.THAM_TRA: "Đã thẩm tra lý lịch",
    State.CHI_BO_XET: "Chi bộ đã xét",
    State.QUYET_DINH: "Có quyết định kết nạp",
    State.DU_BI: "Đảng viên dự bị",
    State.CHINH_THUC: "Đảng viên chính thức",
    State.XOA_TEN: "Xóa tên",
    State.DUNG: "Dừng",
}

# Pipeline order of the live states (terminal ones are handled apart).
STATE_ORDER = [
    State.NGUON,
    State.BOI_DUONG,
    State.HO_SO,
    State.THAM_TRA,
    State.CHI_BO_XET,
    State.QUYET_DINH,
    State.DU_BI,
    State.CHINH_THUC,
]
_STATE_RANK = {s: i for i, s in enumerate(STATE_ORDER)}


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    RETURNED = "returned"


RESULT_LABELS = {
    Result.PASSED: "Thông qua",
    Result.FAILED: "Không thông qua",
    Result.RETURNED: "Trả lại",
}
RESULT_BY_LABEL = {label: r for r, label in RESULT_LABELS.items()}


@dataclass(frozen=True)
class Step:
    id: str
    name: str  # Vietnamese, as shown and as accepted in the template's `Bước` column
    reaches: State | None  # the state a passed record of this step leads to
    committee: bool = False  # recorded by the upper committee (owned by it in sync)
    vote: bool = False  # carries official_members / votes_for
    # Also recorded by the upper committee: the certificate it (or its training centre)
    # issues, e.g. from a class roster (RULES.md §2, A2; §2a). Sync carries it down.
    upper_too: bool = False
    transfer: bool = False  # a move of the file between units (RULES.md §2a), not a stage


STEPS: tuple[Step, ...] = (
    Step("A1", "Vào nguồn", State.NGUON),
    Step("A2", "Học lớp nhận thức về Đảng", State.BOI_DUONG, upper_too=True),
    Step("A3", "Nhận đơn xin vào Đảng", State.HO_SO),
    Step("A4", "Nhận lý lịch", None),
    Step("A5", "Kết luận thẩm tra lý lịch", State.THAM_TRA),
    Step("A6", "Giới thiệu người vào Đảng", None),
    Step("A7", "Tổng hợp ý kiến nhận xét", None),
    Step("A8", "Chi bộ xét kết nạp", State.CHI_BO_XET, vote=True),
    Step("A9", "Đảng ủy cơ sở xét kết nạp", None, committee=True, vote=True),
    Step("A10", "Quyết định kết nạp", State.QUYET_DINH, committee=True),
    Step("A11", "Lễ kết nạp", State.DU_BI),
    Step("P1", "Phân công đảng viên giúp đỡ", None),
    Step("P2", "Tự kiểm điểm, nhận xét dự bị", None),
    Step("P3", "Chi bộ xét công nhận chính thức", None, vote=True),
    Step("P4", "Đảng ủy cơ sở xét công nhận", None, committee=True, vote=True),
    Step("P5", "Quyết định công nhận chính thức", State.CHINH_THUC, committee=True),
    Step("XOA_TEN", "Xóa tên", State.XOA_TEN, committee=True),
    Step("DUNG", "Dừng", State.DUNG),
    # Transfers: recorded only through services/transfers.py, never typed as a step; they
    # leave the pipeline state as it is (domain/transfers.py reads them).
    Step("CHUYEN_DI", "Chuyển đi", None, transfer=True),
    Step("CHUYEN_DEN", "Nhận hồ sơ chuyển đến", None, transfer=True),
    Step("CHUYEN_TRA", "Trả lại hồ sơ chuyển đến", None, transfer=True),
    Step("CHUYEN_HUY", "Rút lại hồ sơ chuyển đi", None, transfer=True),
    Step("CHUYEN_NX", "Ý kiến của chi bộ cũ", None, transfer=True),
)
STEP_BY_ID = {s.id: s for s in STEPS}
# The steps that are a vote (Step.vote), and those of them the cell itself holds.
VOTE_STEPS = frozenset(s.id for s in STEPS if s.vote)
CELL_VOTE_STEPS = frozenset(s.id for s in STEPS if s.vote and not s.committee)
STEP_ORDER = {s.id: i for i, s in enumerate(STEPS)}
TRANSFER_STEPS = frozenset(s.id for s in STEPS if s.transfer)
_STEP_BY_FOLDED_NAME = {fold(s.name): s for s in STEPS if not s.transfer}

# A returned decision sends the file back to the meeting whose resolution it reviewed.
_RETURN_TARGET = {"A9": "A8", "A10": "A8", "P4": "P3", "P5": "P3"}


def parse_step(value: str) -> Step | None:
    """A step from its id ("a8", "A8") or its Vietnamese name (any case/diacritics). A
    transfer is no step one types: it has its own use case (services/transfers.py)."""
    text = (value or "").strip()
    step = STEP_BY_ID.get(text.upper().replace(" ", "_"))
    if step is not None and step.transfer:
        return None
    return step or _STEP_BY_FOLDED_NAME.get(fold(text))


@dataclass(frozen=True)
class StepEvent:
    """One recorded step of a file (the domain view of a `steps` row)."""

    step_id: str
    on: date
    result: Result = Result.PASSED
    doc_no: str | None = None
    official_members: int | None = None
    votes_for: int | None = None
    received_on: date | None = None
    note: str | None = None
    seq: int = 0  # recording order, to break ties between events of the same day
    from_org: str | None = None  # a transfer: the unit the file leaves
    to_org: str | None = None  # a transfer: the unit it goes to


def ordered(events: Iterable[StepEvent]) -> list[StepEvent]:
    """Events in the order they happened: by date, then by recording order."""
    return sorted(events, key=lambda e: (e.on, e.seq))


def effective_events(events: Iterable[StepEvent]) -> list[StepEvent]:
    """The passed events still in force after replaying returns."""
    kept: list[StepEvent] = []
    for ev in ordered(events):
        if ev.result is Result.PASSED:
            kept.append(ev)
        elif ev.result is Result.RETURNED:
            target = _RETURN_TARGET.get(ev.step_id, ev.step_id)
            idx = next((i for i in range(len(kept) - 1, -1, -1) if kept[i].step_id == target), None)
            if idx is not None:
                floor = STEP_ORDER[target]
                kept = kept[:idx] + [e for e in kept[idx + 1 :] if STEP_ORDER[e.step_id] < floor]
    return kept


def derive_state(events: Iterable[StepEvent]) -> State:
    """The file's state; a file with nothing recorded is on the source list (NGUON)."""
    state = State.NGUON
    for ev in effective_events(events):
        reached = STEP_BY_ID[ev.step_id].reaches
        if reached is None:
            continue
        if reached in (State.XOA_TEN, State.DUNG):
            return reached
        if _STATE_RANK[reached] > _STATE_RANK[state]:
            state = reached
    return state


def latest(events: Iterable[StepEvent], step_id: str) -> StepEvent | None:
    """The latest record of one step, whatever its result."""
    found = [e for e in ordered(events) if e.step_id == step_id]
    return found[-1] if found else None


# The template's pipeline columns (TEMPLATE.md): each holds the latest record of a step.
# field of the step event -> column key of the `Quần chúng` sheet
STEP_COLUMNS: dict[str, dict[str, str]] = {
    "A1": {"on": "a1_source_on"},
    "A2": {"on": "a2_cert_on", "doc_no": "a2_cert_no"},
    "A3": {"on": "a3_application_on"},
    "A4": {"on": "a4_history_on"},
    "A5": {"on": "a5_verified_on"},
    "A6": {"on": "a6_introduced_on"},
    "A7": {"on": "a7_opinions_on"},
    "A8": {
        "on": "a8_cell_meeting_on",
        "official_members": "a8_official_members",
        "votes_for": "a8_votes_for",
    },
    "A9": {"on": "a9_committee_resolution_on"},
    "A10": {"on": "a10_decision_on", "doc_no": "a10_decision_no", "received_on": "a10_received_on"},
    # The ceremony has no document of its own: its step carries the upper committee's
    # approval of a ceremony held late (rules.ceremony_approved).
    "A11": {"on": "a11_ceremony_on", "doc_no": "a11_approval_no", "received_on": "a11_approval_on"},
    "P3": {
        "on": "p3_cell_meeting_on",
        "official_members": "p3_official_members",
        "votes_for": "p3_votes_for",
    },
    "P5": {"on": "p5_decision_on", "doc_no": "p5_decision_no"},
}
# The closing columns: `Kết thúc` names the terminal step, its date and reason follow.
CLOSED_STEP_BY_LABEL = {"Xóa tên": "XOA_TEN", "Dừng": "DUNG"}
CLOSED_LABEL_BY_STEP = {v: k for k, v in CLOSED_STEP_BY_LABEL.items()}
