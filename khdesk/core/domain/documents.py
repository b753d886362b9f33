"""The documents of each step (Hướng dẫn 12-HD/BTCTW, FORMS.md) and a file's checklist.

A document counts as present when its step is recorded as passed and in force (not sent
back), with what the record must carry (a certificate's or decision's number, a vote's
counts — the same fields the DOC_MISSING rule asks for); it is missing when a later step
is already recorded without it. The app records receipt of the papers; it does not hold
them (a scan may be attached).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from khdesk.core.domain.pipeline import (
    STEP_BY_ID,
    STEP_ORDER,
    StepEvent,
    effective_events,
)


@dataclass(frozen=True)
class Document:
    step: str
    form: str | None  # the official form number (mẫu), e.g. "1-KNĐ"
    label: str  # Vietnamese, as the checklist shows it
    needs: str | None = None  # "doc_no", "votes" or "received_on": what the record must carry
    inside_only: bool = False  # only for a cell inside a đảng bộ cơ sở (A9, P4)


DOCUMENTS: tuple[Document, ...] = (
    Document("A1", None, "Nghị quyết chi bộ đưa vào danh sách quần chúng ưu tú"),
    Document("A2", None, "Giấy chứng nhận bồi dưỡng nhận thức về Đảng", "doc_no"),
    Document("A3", "1-KNĐ", "Đơn xin vào Đảng"),
    Document("A4", "2-KNĐ", "Lý lịch của người xin vào Đảng"),
    Document("A5", None, "Kết luận thẩm tra lý lịch"),
    Document("A6", "3-KNĐ", "Giấy giới thiệu người vào Đảng (hoặc nghị quyết 4-KNĐ của Đoàn)"),
    Document("A7", "5-KNĐ", "Tổng hợp ý kiến nhận xét của đoàn thể và chi ủy nơi cư trú"),
    Document("A8", "6-KNĐ", "Nghị quyết chi bộ đề nghị kết nạp đảng viên", "votes"),
    Document("A9", "8-KNĐ", "Nghị quyết đảng ủy cơ sở đề nghị kết nạp", "votes", True),
    Document("A10", "9-KNĐ", "Quyết định kết nạp đảng viên", "doc_no"),
    Document("A10", None, "Ngày chi bộ nhận quyết định kết nạp", "received_on"),
    Document("A11", None, "Lễ kết nạp (ngày tổ chức)"),
    Document("P1", None, "Phân công đảng viên giúp đỡ"),
    Document("P2", "10-KNĐ", "Bản tự kiểm điểm của đảng viên dự bị"),
    Document("P2", "11-KNĐ", "Bản nhận xét của đảng viên giúp đỡ"),
    Document("P2", "12-KNĐ", "Tổng hợp ý kiến nhận xét đối với đảng viên dự bị"),
    Document("P3", "13-KNĐ", "Nghị quyết chi bộ đề nghị công nhận đảng viên chính thức", "votes"),
    Document("P4", "15-KNĐ", "Nghị quyết đảng ủy cơ sở đề nghị công nhận", "votes", True),
    Document("P5", "16-KNĐ", "Quyết định công nhận đảng viên chính thức"),
)


class Status(StrEnum):
    PRESENT = "present"  # recorded, with what the record must carry
    INCOMPLETE = "incomplete"  # recorded, but a number or count is not
    MISSING = "missing"  # a later step is recorded without it
    LATER = "later"  # not reached yet


STATUS_LABELS = {
    Status.PRESENT: "Đã có",
    Status.INCOMPLETE: "Thiếu thông tin",
    Status.MISSING: "Còn thiếu",
    Status.LATER: "Chưa đến bước",
}


@dataclass(frozen=True)
class ChecklistItem:
    document: Document
    status: Status
    event: StepEvent | None  # the record that carries it (latest in force)
    note: str  # Vietnamese: what is missing, or the document's date


def _d(event: StepEvent) -> str:
    return f"{event.on.day:02d}/{event.on.month:02d}/{event.on.year}"


def checklist(events: Iterable[StepEvent], grassroots_cell: bool = True) -> list[ChecklistItem]:
    """Every document of the pipeline with its status, in pipeline order."""
    kept = effective_events(events)
    latest: dict[str, StepEvent] = {}
    for e in kept:
        latest[e.step_id] = e
    furthest = max((STEP_ORDER[e.step_id] for e in kept if e.step_id in STEP_ORDER), default=-1)
    items: list[ChecklistItem] = []
    for doc in DOCUMENTS:
        if doc.inside_only and grassroots_cell:
            continue
        e = latest.get(doc.step)
        if e is None:
            if STEP_ORDER[doc.step] < furthest:
                note = f"Chưa ghi bước {doc.step} ({STEP_BY_ID[doc.step].name})."
                items.append(ChecklistItem(doc, Status.MISSING, None, note))
            else:
                items.append(ChecklistItem(doc, Status.LATER, None, ""))
            continue
        lack = ""
        if doc.needs == "doc_no" and not e.doc_no:
            lack = "Chưa ghi số văn bản."
        elif doc.needs == "votes" and (e.official_members is None or e.votes_for is None):
            lack = "Chưa ghi số đảng viên chính thức và số tán thành."
        elif doc.needs == "received_on" and e.received_on is None:
            lack = "Chưa ghi ngày nhận."
        if lack:
            items.append(ChecklistItem(doc, Status.INCOMPLETE, e, lack))
            continue
        when = e.received_on if doc.needs == "received_on" else e.on
        note = f"Ngày {when.day:02d}/{when.month:02d}/{when.year}" if when else _d(e)
        if doc.needs == "doc_no":
            note += f", số {e.doc_no}"
        if doc.needs == "votes":
            note += f", {e.votes_for}/{e.official_members} tán thành"
        items.append(ChecklistItem(doc, Status.PRESENT, e, note))
    return items
