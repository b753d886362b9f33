"""A cell meeting (kỳ họp chi bộ, RULES.md §2a): its roll, typed once, and what follows
from it — the denominator of each vote it holds (A8, P3), the attendance lines of 6-/13-KNĐ
and of the minutes.

The roll is the numbers of official and probationary members and the absentees, each
with a reason; who is present follows (no second number to disagree with the first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from khdesk.core.domain.pipeline import CELL_VOTE_STEPS
from khdesk.core.errors import InputError

MAX_ROLL = 10_000  # far above any cell; keeps hostile numbers out of the forms
MAX_NAME = 200
MAX_REASON = 300


class Kind(StrEnum):
    OFFICIAL = "official"
    PROBATIONARY = "probationary"


_KINDS = frozenset(k.value for k in Kind)
KIND_LABELS = {Kind.OFFICIAL: "chính thức", Kind.PROBATIONARY: "dự bị"}
_KIND_BY_WORD = {
    "official": Kind.OFFICIAL,
    "chinh thuc": Kind.OFFICIAL,
    "chính thức": Kind.OFFICIAL,
    "ct": Kind.OFFICIAL,
    "probationary": Kind.PROBATIONARY,
    "du bi": Kind.PROBATIONARY,
    "dự bị": Kind.PROBATIONARY,
    "db": Kind.PROBATIONARY,
}


def parse_kind(word: str) -> Kind:
    kind = _KIND_BY_WORD.get((word or "").strip().lower())
    if kind is None:
        raise InputError(
            f"'{word}' không phải loại đảng viên: ghi 'chính thức' (ct) hoặc 'dự bị' (db)."
        )
    return kind


@dataclass(frozen=True)
class Absence:
    name: str
    kind: Kind
    reason: str

    def line(self) -> str:
        """ "Nguyễn Văn A (chính thức): ốm" """
        return f"{self.name} ({KIND_LABELS[self.kind]}): {self.reason}"


@dataclass(frozen=True)
class Meeting:
    org_code: str
    on: date
    official_members: int  # on the roll: the denominator of every vote (VOTE_2_3)
    probationary_members: int
    absences: tuple[Absence, ...] = ()
    chair: str | None = None
    chair_role: str | None = None
    secretary: str | None = None
    note: str | None = None
    uuid: str | None = None

    @property
    def members(self) -> int:
        return self.official_members + self.probationary_members

    def absent(self, kind: Kind | None = None) -> int:
        return sum(1 for a in self.absences if kind is None or a.kind is kind)

    def present(self, kind: Kind | None = None) -> int:
        if kind is Kind.OFFICIAL:
            return self.official_members - self.absent(kind)
        if kind is Kind.PROBATIONARY:
            return self.probationary_members - self.absent(kind)
        return self.members - self.absent()

    def votes_against(self, votes_for: int) -> int:
        """The "không tán thành" of a vote held here: every official member present votes,
        for or against (Điều lệ Đảng; the vote is counted on the roll)."""
        return max(self.present(Kind.OFFICIAL) - votes_for, 0)

    def absent_reasons(self) -> str | None:
        """The reasons line of the forms: "Nguyễn Văn A (chính thức): ốm; …"."""
        return "; ".join(a.line() for a in self.absences) or None

    def check(self) -> None:
        """Refuse a roll that cannot be (InputError, in Vietnamese, saying what)."""
        for label, n in (
            ("đảng viên chính thức", self.official_members),
            ("đảng viên dự bị", self.probationary_members),
        ):
            if not 0 <= n <= MAX_ROLL:
                raise InputError(f"Số {label} của chi bộ phải từ 0 đến {MAX_ROLL} (ghi {n}).")
        if self.official_members == 0:
            raise InputError("Chi bộ họp xét phải có ít nhất một đảng viên chính thức.")
        for kind, total in (
            (Kind.OFFICIAL, self.official_members),
            (Kind.PROBATIONARY, self.probationary_members),
        ):
            if self.absent(kind) > total:
                raise InputError(
                    f"Vắng mặt {self.absent(kind)} đảng viên {KIND_LABELS[kind]}, nhiều hơn "
                    f"tổng số {total} đảng viên {KIND_LABELS[kind]} của chi bộ."
                )
        for a in self.absences:
            if not a.name.strip():
                raise InputError("Người vắng mặt phải có họ tên.")
            if not a.reason.strip():
                raise InputError(f"Ghi lý do vắng mặt của đồng chí {a.name}.")
            if len(a.name) > MAX_NAME or len(a.reason) > MAX_REASON:
                raise InputError(f"Họ tên hoặc lý do vắng mặt của đồng chí {a.name} quá dài.")

    def check_vote(self, step_id: str, votes_for: int) -> None:
        """A vote held at this meeting: a cell's vote (A8, P3), by official members present."""
        if step_id not in CELL_VOTE_STEPS:
            raise InputError(
                f"Bước {step_id} không phải biểu quyết của chi bộ: kỳ họp chi bộ chỉ biểu "
                "quyết bước A8 (xét kết nạp) và P3 (xét công nhận chính thức)."
            )
        present = self.present(Kind.OFFICIAL)
        if not 0 <= votes_for <= present:
            raise InputError(
                f"Số phiếu tán thành {votes_for} không hợp lệ: kỳ họp ngày {self.on:%d/%m/%Y} "
                f"có {present} đảng viên chính thức có mặt (chỉ đảng viên chính thức biểu quyết)."
            )


def absences_to_json(absences: tuple[Absence, ...]) -> str:
    return json.dumps(
        [{"name": a.name, "kind": a.kind.value, "reason": a.reason} for a in absences],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def absences_from_json(text: str) -> tuple[Absence, ...]:
    """The stored (or received) list; ValueError for anything that is not one."""
    data = json.loads(text)
    if not isinstance(data, list) or len(data) > MAX_ROLL:
        raise ValueError("danh sách vắng mặt phải là một mảng JSON")
    out = []
    for item in data:
        if not isinstance(item, dict) or set(item) != {"name", "kind", "reason"}:
            raise ValueError("mỗi người vắng mặt có đúng các trường name, kind, reason")
        name, kind, reason = item["name"], item["kind"], item["reason"]
        if not (isinstance(name, str) and isinstance(reason, str) and kind in _KINDS):
            raise ValueError("họ tên, lý do là chuỗi; kind là official hoặc probationary")
        if not name.strip() or len(name) > MAX_NAME or len(reason) > MAX_REASON:
            raise ValueError("họ tên trống hoặc quá dài, hoặc lý do quá dài")
        out.append(Absence(name, Kind(kind), reason))
    return tuple(out)


def meeting_from_row(row) -> Meeting:
    """The domain meeting of a `meetings` row (mapping)."""
    return Meeting(
        org_code=row["org_code"],
        on=row["on"],
        official_members=row["official_members"],
        probationary_members=row["probationary_members"],
        absences=absences_from_json(row["absences"]),
        chair=row["chair"],
        chair_role=row["chair_role"],
        secretary=row["secretary"],
        note=row["note"],
        uuid=row["uuid"],
    )


def attendance_values(meeting: Meeting) -> dict[str, object]:
    """The attendance lines of 6-/13-KNĐ and of the minutes, under the placeholders the
    form templates use (resources/forms/README.md)."""
    return {
        "members_total": meeting.members,
        "members_official": meeting.official_members,
        "members_probationary": meeting.probationary_members,
        "present": meeting.present(),
        "present_official": meeting.present(Kind.OFFICIAL),
        "present_probationary": meeting.present(Kind.PROBATIONARY),
        "absent": meeting.absent(),
        "absent_official": meeting.absent(Kind.OFFICIAL),
        "absent_probationary": meeting.absent(Kind.PROBATIONARY),
        "absent_reason": meeting.absent_reasons() or "không có",
        "chair": meeting.chair,
        "chair_role": meeting.chair_role,
        "clerk": meeting.secretary,
    }
