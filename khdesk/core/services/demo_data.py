"""Deterministic demo data shaped like the Excel template (TEMPLATE.md).

- `small_demo(today)`: one commune committee with four cells, every pipeline state, and
  one file per planted rule violation (`PLANTED`), for the demo profile and for the
  rules engine's acceptance tests. Names and codes do not depend on `today`; dates do.
- `province_demo(seed, …)`: a synthetic province (~100k people) for benchmarks.

Plain data only: `{sheet key: [row, …]}`, rows keyed by the column keys of
`template.py`. A candidate's pipeline columns are computed from its history rows, so the
`candidates` and `steps` sheets can never disagree.

Working days are approximated by weekdays; the rules engine owns the holiday calendar.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from khdesk.core.domain import template as tpl
from khdesk.core.domain.pipeline import RESULT_LABELS, STATE_ORDER, Result, State

Row = dict[str, Any]
Demo = dict[str, list[Row]]

__all__ = [
    "DUC_NAMES",
    "EDGE_CASES",
    "PLANTED",
    "PLANTED_MEMBERS",
    "PROVINCE_TODAY",
    "province_demo",
    "small_demo",
]

PROVINCE_TODAY = date(2026, 11, 26)

_RANK = {s: i for i, s in enumerate(STATE_ORDER)}
_PASSED, _FAILED, _RETURNED = Result.PASSED, Result.FAILED, Result.RETURNED
_LABEL = {r: RESULT_LABELS[r] for r in Result}
_CAND_KEYS = tuple(c.key for c in tpl.CANDIDATES.columns)
_PIPE_KEYS = tuple(c.key for c in tpl.CANDIDATE_PIPELINE)


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _pick(rng: random.Random, seq: Sequence[str]) -> str:
    """rng.choice at a third of the cost: one float per draw (hot path of 100k people)."""
    return seq[int(rng.random() * len(seq))]


def _between(rng: random.Random, lo: int, hi: int) -> int:
    """rng.randint(lo, hi), one float per draw."""
    return lo + int(rng.random() * (hi - lo + 1))


def _pool(pairs: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """A weighted pool flattened into a tuple, so a draw is one index (fast)."""
    return tuple(_nfc(word) for word, n in pairs for _ in range(n))


# --- names -----------------------------------------------------------------------------
# No word in these pools folds to something starting with "duc": the small demo plants
# exactly the names of DUC_NAMES, so a search for "duc" has a known answer.
_SURNAMES = _pool(
    (
        ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 6), ("Huỳnh", 5), ("Võ", 5),
        ("Phan", 4), ("Hoàng", 3), ("Trương", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2),
        ("Hồ", 2), ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đoàn", 1), ("Lương", 1),
        ("Tô", 1), ("Mai", 1), ("Châu", 1), ("Đinh", 1), ("Cao", 1), ("Lâm", 1),
        ("Thái", 1), ("Tạ", 1), ("Hà", 1), ("Lưu", 1), ("Vũ", 1), ("Trịnh", 1),
    )
)  # fmt: skip
_MIDDLE_MALE = _pool(
    (
        ("Văn", 30), ("Minh", 8), ("Hữu", 6), ("Quốc", 5), ("Thanh", 5), ("Công", 4),
        ("Ngọc", 4), ("Đình", 4), ("Tấn", 4), ("Xuân", 3), ("Anh", 3), ("Hoàng", 3),
        ("Trọng", 3), ("Thành", 3), ("Quang", 3), ("Duy", 2), ("Bá", 2), ("Nhật", 2),
        ("Gia", 2), ("Tuấn", 2),
    )
)  # fmt: skip
_MIDDLE_FEMALE = _pool(
    (
        ("Thị", 40), ("Ngọc", 6), ("Thu", 5), ("Thanh", 5), ("Kim", 4), ("Hồng", 4),
        ("Mỹ", 3), ("Bích", 3), ("Phương", 3), ("Minh", 3), ("Thùy", 3), ("Diệu", 2),
        ("Hoài", 2), ("Khánh", 2), ("Bảo", 2),
    )
)  # fmt: skip
_SECOND_MIDDLE_FEMALE = tuple(
    _nfc(w) for w in ("Thu", "Ngọc", "Hồng", "Kim", "Bích", "Thanh", "Mỹ", "Lan")
)
_GIVEN_MALE = tuple(
    _nfc(w)
    for w in (
        "An Bảo Bình Cường Dũng Duy Đạt Định Hải Hiếu Hòa Hùng Huy Hưng Khang Khánh Khoa "
        "Kiên Lâm Lộc Long Lực Mạnh Minh Nam Nghĩa Nhân Phát Phong Phúc Phước Quân Quang "
        "Sang Sơn Tài Tâm Tân Thái Thắng Thành Thiện Thịnh Thông Tiến Toàn Trí Trung Tuấn "
        "Tùng Việt Vinh Vũ Hoàng Hậu Lợi Nhật Tú Hào Kha Tín Hiển Nguyên"
    ).split()
)
_GIVEN_FEMALE = tuple(
    _nfc(w)
    for w in (
        "Anh Ánh Châu Chi Diệp Diệu Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huyền "
        "Hương Lan Liên Linh Loan Ly Mai My Nga Ngân Ngọc Nhi Nhung Oanh Phương Phượng "
        "Quyên Quỳnh Sương Tâm Thảo Thoa Thu Thủy Thư Trang Trâm Trinh Tuyết Uyên Vân Vy "
        "Xuân Yến"
    ).split()
)
_RAGLAI_SURNAMES = tuple(_nfc(w) for w in ("Mấu", "Pi Năng", "Katơr", "Bo Bo", "Chamaléa"))
_CHAM_SURNAMES = tuple(_nfc(w) for w in ("Đàng", "Thuận", "Quảng", "Thiên", "Hán", "Phú"))
_CHAM_MIDDLE_MALE = tuple(_nfc(w) for w in ("Văn", "Năng", "Đại", "Sanh"))
_HOA_SURNAMES = tuple(_nfc(w) for w in ("Lâm", "Lý", "Trương", "Quách", "Hứa", "Mạc"))

_RELIGIONS = {
    "Kinh": _pool(
        (("Không", 78), ("Phật giáo", 13), ("Công giáo", 7), ("Tin lành", 1), ("Cao Đài", 1))
    ),
    "Hoa": _pool((("Không", 60), ("Phật giáo", 40))),
    "Raglai": _pool((("Không", 85), ("Tin lành", 10), ("Công giáo", 5))),
    "Chăm": _pool((("Bà-la-môn", 60), ("Hồi giáo", 30), ("Không", 10))),
}

# Province codes of birth registration (CCCD digits 1–3) and the home town they imply.
_HOME = {
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "054": "Phú Yên",
    "052": "Bình Định",
    "051": "Quảng Ngãi",
    "049": "Quảng Nam",
    "040": "Nghệ An",
    "038": "Thanh Hóa",
    "042": "Hà Tĩnh",
    "001": "Hà Nội",
    "079": "TP Hồ Chí Minh",
    "066": "Đắk Lắk",
}
_BORN_ELSEWHERE = ("054", "052", "051", "049", "040", "038", "042", "001", "079", "066")


class _People:
    """Names, CCCDs and the rest of a person's identity; CCCDs never repeat."""

    def __init__(self, extra_male: tuple[str, ...] = (), extra_female: tuple[str, ...] = ()):
        self.given = {"Nam": _GIVEN_MALE + extra_male, "Nữ": _GIVEN_FEMALE + extra_female}
        self.used_cccd: set[str] = set()

    def name(self, rng: random.Random, sex: str, ethnicity: str = "Kinh") -> str:
        female = sex == "Nữ"
        given = _pick(rng, self.given[sex])
        if ethnicity == "Raglai":
            return f"{_pick(rng, _RAGLAI_SURNAMES)} {'Thị' if female else 'Văn'} {given}"
        if ethnicity == "Chăm":
            middle = "Thị" if female else _pick(rng, _CHAM_MIDDLE_MALE)
            return f"{_pick(rng, _CHAM_SURNAMES)} {middle} {given}"
        surname = _pick(rng, _HOA_SURNAMES if ethnicity == "Hoa" else _SURNAMES)
        middle = _pick(rng, _MIDDLE_FEMALE if female else _MIDDLE_MALE)
        while middle == given:  # no "Minh Minh"
            middle = _pick(rng, _MIDDLE_FEMALE if female else _MIDDLE_MALE)
        if middle == "Thị" and rng.random() < 0.2:
            second = _pick(rng, _SECOND_MIDDLE_FEMALE)
            middle = f"Thị {second}" if second != given else middle
        return f"{surname} {middle} {given}"

    def cccd(self, rng: random.Random, province: str, sex: str, year: int) -> str:
        # Digit 4: century and sex (0/1 for 1900s, 2/3 for 2000s; odd = female).
        head = f"{province}{(year // 100 - 19) * 2 + (sex == 'Nữ')}{year % 100:02d}"
        while True:
            value = f"{head}{int(rng.random() * 1_000_000):06d}"
            if value not in self.used_cccd:
                self.used_cccd.add(value)
                return value


def _ethnicity(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    for ethnicity, share in mix:
        if r < share:
            return ethnicity
        r -= share
    return "Kinh"


# --- dates -----------------------------------------------------------------------------


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    m += 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def _sub_weekdays(d: date, n: int) -> date:
    """n weekdays before d: working days without the holidays (close enough for demo)."""
    while n > 0:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def _birth_for_age(rng: random.Random, ref: date, age_months: int) -> date:
    """A birth date whose age in months at `ref` (RULES.md AGE_MIN formula) is exact."""
    y, m = divmod(ref.year * 12 + ref.month - 1 - age_months, 12)
    return date(y, m + 1, rng.randint(1, 28))


def _age_months(birth: date, on: date) -> int:
    return (on.year * 12 + on.month) - (birth.year * 12 + birth.month)


def _period(today: date) -> str:
    start = 2021 + 5 * ((today.year - 2021) // 5)
    return f"{start}-{start + 4}"


# --- organisations and cells -------------------------------------------------------------


@dataclass
class _Cell:
    """What file generation needs to know about a cell."""

    code: str
    name: str
    kind: str
    grassroots: bool
    youth_union: bool
    special_area: bool = False
    coastal: bool = False
    committee_size: int = 7  # đảng ủy cơ sở members voting at A9 / P4
    mix: tuple[tuple[str, float], ...] = ()  # ethnic minorities and their shares
    place: str = ""  # commune name, for home towns and workplaces
    province_code: str = "056"
    official_on: list[int] = field(default_factory=list)  # sorted ordinals
    official_codes: list[str] = field(default_factory=list)  # aligned with official_on
    probationers: list[tuple[int, str]] = field(default_factory=list)  # (admitted, code)
    file_seq: int = 0
    workplace: str | None = None  # the agency/school/enterprise, when not the cell's name

    @property
    def unit(self) -> str:
        return self.workplace or self.name.removeprefix("Chi bộ ")

    def add_official(self, official_on: date, code: str) -> None:
        i = bisect.bisect_right(self.official_on, official_on.toordinal())
        self.official_on.insert(i, official_on.toordinal())
        self.official_codes.insert(i, code)

    def official_count(self, on: date) -> int:
        return bisect.bisect_right(self.official_on, on.toordinal())

    def officials_before(self, on: date) -> list[str]:
        return self.official_codes[: bisect.bisect_left(self.official_on, on.toordinal())]


def _org_row(
    code: str,
    name: str,
    kind: str,
    parent: str | None,
    *,
    grassroots: bool | None = None,
    self_managed: bool | None = None,
    youth_union: bool | None = None,
    special_area: bool | None = False,
    villages: int | None = None,
    village_head_is_member: bool | None = None,
) -> Row:
    return {
        "code": code,
        "name": name,
        "parent_code": parent,
        "kind": kind,
        "is_grassroots_cell": grassroots,
        "self_managed": self_managed,
        "has_youth_union": youth_union,
        "special_area": special_area,
        "villages": villages,
        "village_head_is_member": village_head_is_member,
    }


def _cell_row(cell: _Cell, parent: str, self_managed: bool, head_is_member: bool | None) -> Row:
    village = cell.kind in ("Chi bộ thôn", "Chi bộ tổ dân phố")
    return _org_row(
        cell.code,
        cell.name,
        cell.kind,
        parent,
        grassroots=cell.grassroots,
        self_managed=self_managed,
        youth_union=cell.youth_union,
        special_area=cell.special_area,
        villages=1 if village else None,
        village_head_is_member=head_is_member if village else None,
    )


# --- candidate jobs ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    occupation: str
    workplace_kind: str
    workplace: str | None
    education: str
    age: tuple[int, int]  # age range in years at the cell meeting (or today)
    sea_fisher: bool = False
    student: bool = False


def _job(rng: random.Random, cell: _Cell) -> _Job:
    """A plausible occupation for a candidate of this kind of cell."""
    kind, r = cell.kind, rng.random()
    edu = "THPT" if rng.random() < 0.75 else "THCS"
    if kind in ("Chi bộ thôn", "Chi bộ tổ dân phố"):
        if kind == "Chi bộ thôn" and cell.coastal and r < 0.25:
            return _Job("Ngư dân", "Ngư dân", None, edu, (20, 45), sea_fisher=True)
        if kind == "Chi bộ thôn" and r < 0.45:
            return _Job("Nông dân", "Nông dân", None, edu, (20, 45))
        if r < 0.6:
            return _Job("Buôn bán", "Lao động tự do", None, edu, (21, 45))
        if r < 0.75:
            return _Job(
                "Công chức", "Cơ quan nhà nước", f"Ủy ban nhân dân {cell.place}", "THPT", (23, 40)
            )
        if r < 0.9:
            workplace = f"Công ty TNHH {rng.choice(_FIRMS)}"
            return _Job("Công nhân", "Doanh nghiệp tư nhân", workplace, edu, (20, 40))
        return _Job("Sinh viên", "Học sinh sinh viên", "Trường Đại học Nha Trang", "THPT", (19, 22))
    if kind == "Chi bộ doanh nghiệp tư nhân":
        job = ("Công nhân", "Kỹ thuật viên", "Kế toán", "Tổ trưởng sản xuất")[int(r * 4)]
        return _Job(job, "Doanh nghiệp tư nhân", cell.unit, edu, (20, 40))
    if kind in ("Chi bộ trường học", "Chi bộ trường tư thục"):
        wk = "Đơn vị sự nghiệp" if kind == "Chi bộ trường học" else "Trường tư thục"
        if "THPT" in cell.name and r < 0.4:
            return _Job("Học sinh", "Học sinh sinh viên", cell.unit, "THPT", (18, 18), student=True)
        return _Job("Giáo viên" if r < 0.85 else "Nhân viên", wk, cell.unit, "THPT", (23, 38))
    if kind == "Chi bộ cơ quan":
        wk = "Cơ quan nhà nước" if r < 0.6 else "Đơn vị sự nghiệp"
        return _Job("Công chức" if r < 0.6 else "Viên chức", wk, cell.unit, "THPT", (23, 40))
    if kind == "Chi bộ công an":
        return _Job("Chiến sĩ công an", "Lực lượng vũ trang", cell.unit, "THPT", (20, 30))
    if kind == "Chi bộ quân sự":
        return _Job("Quân nhân", "Lực lượng vũ trang", cell.unit, "THPT", (19, 28))
    return _Job("Xã viên hợp tác xã", "Khác", cell.unit, edu, (22, 48))


_FIRMS = tuple(
    _nfc(w)
    for w in (
        "May Cam Ranh",
        "Thủy sản Hải Vương",
        "Xây dựng Hòa Phát Khánh Hòa",
        "Chế biến Hạt điều Phước Sơn",
        "Vận tải Biển Xanh",
        "Gỗ Nội thất Tân Phú",
        "Yến sào Hòn Nội",
        "Muối Hòn Khói",
        "Nông sản Sông Cái",
        "Du lịch Vịnh Vân Phong",
    )
)

# --- the files ---------------------------------------------------------------------------

_NOTE_FAILED = _nfc("Không đủ hai phần ba số đảng viên chính thức tán thành")
_NOTE_RETURNED = _nfc("Trả lại: đề nghị chi bộ xét lại, bổ sung ý kiến nơi cư trú")
_NOTE_P3_FAILED = _nfc("Chi bộ không đề nghị công nhận đảng viên chính thức")
_XOA_TEN_REASONS = {
    None: _nfc("Không đủ tư cách đảng viên chính thức"),
    "struck_violation": _nfc("Vi phạm tư cách đảng viên trong thời gian dự bị"),
}
_DUNG_REASONS = {
    "NGUON": ("Chuyển nơi cư trú", "Đi làm ăn xa", "Xin rút khỏi danh sách nguồn"),
    "BOI_DUONG": ("Chuyển nơi cư trú", "Đi làm ăn xa", "Xin rút khỏi danh sách nguồn"),
    "HO_SO": ("Tự nguyện rút đơn", "Chuyển nơi cư trú"),
    "THAM_TRA": ("Thẩm tra lý lịch chưa rõ ràng", "Tự nguyện rút đơn"),
    "failed_a8": ("Chi bộ không thông qua",),
}

# Days between the anchor point of a file and today, per state, for a clean file: short
# enough that no deadline is near (decision within 60 working days of A8, ceremony within
# 30 of receiving the decision, probation ending more than 30 days away) and that the
# application stays younger than 12 months.
_RECENCY = {
    State.NGUON: (30, 400),
    State.BOI_DUONG: (20, 700),
    State.HO_SO: (10, 120),
    State.THAM_TRA: (5, 60),
    State.CHI_BO_XET: (3, 25),
    State.QUYET_DINH: (1, 8),
    State.DU_BI: (20, 300),
    State.CHINH_THUC: (30, 1000),
    State.XOA_TEN: (30, 900),
    State.DUNG: (10, 900),
}
# Province data is less tidy: some files sit past their deadlines.
_LATE_RECENCY = {
    State.HO_SO: (120, 500),
    State.THAM_TRA: (60, 400),
    State.CHI_BO_XET: (30, 200),
    State.QUYET_DINH: (8, 90),
    State.DU_BI: (300, 450),
}


@dataclass
class _Ev:
    step: str
    t: int  # days after A1 while planning
    result: Result = _PASSED
    note: str | None = None
    on: date = date.min
    doc_no: str | None = None
    official: int | None = None
    votes: int | None = None


@dataclass(frozen=True)
class _Spec:
    """One file to generate. `variant` shapes the history (see _plan)."""

    code: str
    state: State
    variant: str | None = None
    planted: str | None = None
    edge: str | None = None
    name: str | None = None
    sex: str | None = None
    same_person_as: str | None = None
    recency: tuple[int, int] | None = None


@dataclass
class _Person:
    full_name: str
    sex: str
    birth: date
    cccd: str
    ethnicity: str
    religion: str
    home_town: str


def _plan(rng: random.Random, spec: _Spec, has_a9: bool) -> tuple[list[_Ev], int | None]:
    """The file's events with day offsets from A1, and the offset the decision arrives."""
    state, variant = spec.state, spec.variant
    if state is State.DUNG:
        stop = State.CHI_BO_XET if variant == "failed_a8" else State(variant or "BOI_DUONG")
    elif state is State.XOA_TEN:
        stop = State.DU_BI
    else:
        stop = state
    rank = _RANK[stop]
    ev: list[_Ev] = [_Ev("A1", 0)]
    t = 0

    def add(step: str, at: int, result: Result = _PASSED, note: str | None = None) -> None:
        ev.append(_Ev(step, at, result, note))

    if rank >= _RANK[State.BOI_DUONG]:
        t += rng.randint(60, 240)
        add("A2", t)
    if rank >= _RANK[State.HO_SO]:
        t += rng.randint(20, 120)
        add("A3", t)
        if rank > _RANK[State.HO_SO] or rng.random() < 0.5:
            t += rng.randint(7, 30)
            add("A4", t)
    if rank >= _RANK[State.THAM_TRA]:
        t += rng.randint(30, 90)
        add("A5", t)
        if rank > _RANK[State.THAM_TRA] or rng.random() < 0.6:
            t += rng.randint(7, 30)
            add("A6", t)
            if rank > _RANK[State.THAM_TRA] or rng.random() < 0.5:
                t += rng.randint(7, 20)
                add("A7", t)
    if rank >= _RANK[State.CHI_BO_XET]:
        t += rng.randint(7, 20)
        if variant == "failed_a8":
            add("A8", t, _FAILED, _NOTE_FAILED)
            if state is not State.DUNG:
                t += rng.randint(45, 90)  # the cell votes again once the file is complete
                add("A8", t)
        else:
            add("A8", t)
        if has_a9 and state is not State.DUNG:
            if rank > _RANK[State.CHI_BO_XET] or rng.random() < 0.5:
                t += rng.randint(7, 14)
                add("A9", t)
    received = None
    if rank >= _RANK[State.QUYET_DINH]:
        if variant == "returned_a10":
            t += rng.randint(20, 35)
            add("A10", t, _RETURNED, _NOTE_RETURNED)
            t += rng.randint(20, 35)
            add("A8", t)
            if has_a9:
                t += rng.randint(7, 14)
                add("A9", t)
        t += rng.randint(15, 40)
        add("A10", t)
        received = t = t + rng.randint(3, 10)
    ceremony = 0
    if rank >= _RANK[State.DU_BI]:
        t += rng.randint(7, 28)
        ceremony = t
        add("A11", t)
        t += rng.randint(0, 7)
        add("P1", t)
    if state is State.CHINH_THUC:
        # Probation is 12 months; the cell votes within 30 working days after it ends.
        add("P2", ceremony + 365 - rng.randint(5, 20))
        t = ceremony + 366 + rng.randint(5, 15)
        if variant == "failed_p3":
            add("P3", t, _FAILED, _NOTE_FAILED)
            t += rng.randint(15, 20)
        add("P3", t)
        if has_a9:
            t += rng.randint(7, 12)
            add("P4", t)
        t += rng.randint(15, 30)
        add("P5", t)
    elif state is State.XOA_TEN:
        if variant == "struck_violation":
            t = ceremony + rng.randint(120, 300)
        else:
            add("P2", ceremony + 365 - rng.randint(5, 20))
            t = ceremony + 366 + rng.randint(5, 15)
            add("P3", t, _FAILED, _NOTE_P3_FAILED)
            t += rng.randint(15, 40)
        add("XOA_TEN", t, note=_XOA_TEN_REASONS[variant])
    elif state is State.DUNG:
        t += rng.randint(20, 200)
        add("DUNG", t, note=_nfc(rng.choice(_DUNG_REASONS[variant or "BOI_DUONG"])))
    return ev, received


def _anchor_date(rng: random.Random, spec: _Spec, today: date, late: bool) -> date:
    """The date of the file's anchor point (see _place)."""
    planted = spec.planted
    if planted == "DECISION_DUE":
        return _sub_weekdays(today, 100)
    if planted == "CEREMONY_DUE":
        return _sub_weekdays(today, 50)
    if planted == "RECOGNITION_DUE":
        return _add_months(today, -14)
    if planted == "PROBATION_END":
        return _add_months(today, -12) + timedelta(days=15)
    lo, hi = spec.recency or (_LATE_RECENCY if late else _RECENCY).get(
        spec.state, _RECENCY[spec.state]
    )
    return today - timedelta(days=rng.randint(lo, hi))


def _place(ev: list[_Ev], received: int | None, spec: _Spec, anchor: date) -> date | None:
    """Turn offsets into dates. The anchor is the decision's arrival (QUYET_DINH), the
    ceremony (DU_BI) or the last event."""
    if spec.state is State.QUYET_DINH:
        at = received or 0
    elif spec.state is State.DU_BI:
        at = next(e.t for e in ev if e.step == "A11")
    else:
        at = max(e.t for e in ev)
    base = anchor.toordinal() - at
    for e in ev:
        e.on = date.fromordinal(base + e.t)
    return date.fromordinal(base + received) if received is not None else None


class _FileMaker:
    """Builds one candidate row and its history rows from a _Spec."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        people: _People,
        name_rng: random.Random | None = None,
        names_used: set[str] | None = None,
    ):
        self.rng = rng
        self.name_rng = name_rng or rng  # small demo: names stay the same whatever `today`
        self.names_used = names_used  # small demo: no two people share a name
        self.today = today
        self.people = people
        self.persons: dict[str, _Person] = {}
        self.serial = 0

    def person(self, spec: _Spec, cell: _Cell, sex: str, birth: date) -> _Person:
        if spec.same_person_as:
            return self.persons[spec.same_person_as]
        rng = self.rng
        if spec.name:
            ethnicity, name = "Kinh", _nfc(spec.name)
        else:
            ethnicity = _ethnicity(self.name_rng, cell.mix)
            name = self.people.name(self.name_rng, sex, ethnicity)
            while self.names_used is not None and name in self.names_used:
                name = self.people.name(self.name_rng, sex, ethnicity)
        if self.names_used is not None:
            self.names_used.add(name)
        # CCCD: born mostly in the province; Chăm/Raglai of the Ninh Thuận side carry 058.
        r = rng.random()
        province = cell.province_code if r < 0.85 else rng.choice(_BORN_ELSEWHERE)
        home = _HOME[province]
        home_town = f"{cell.place}, {home}" if province == cell.province_code else home
        cccd = self.people.cccd(rng, province, sex, birth.year)
        religion = rng.choice(_RELIGIONS.get(ethnicity, _RELIGIONS["Kinh"]))
        return _Person(name, sex, birth, cccd, ethnicity, religion, home_town)

    def make(self, spec: _Spec, cell: _Cell, late: bool = False) -> tuple[Row, list[Row]]:
        rng, today = self.rng, self.today
        has_a9 = not cell.grassroots
        ev, received_t = _plan(rng, spec, has_a9)
        anchor = _anchor_date(rng, spec, today, late)
        received = _place(ev, received_t, spec, anchor)
        self._post_place(spec, ev)
        ev.sort(key=lambda e: e.on)  # stable: same-day events keep their logical order

        # Age is judged at the (latest) cell meeting, before it: today.
        a8 = [e for e in ev if e.step == "A8"]
        ref = a8[-1].on if a8 else today
        job = _job(rng, cell)
        if "AGE_MIN" in (spec.planted, spec.edge):  # a 12th-grader, just 18 (or not quite)
            job = _Job("Học sinh", "Học sinh sinh viên", cell.unit, "THPT", (18, 18), student=True)
        elif spec.edge == "EDU_MIN":  # the sea-fisher exception: primary school is enough
            job = _Job("Ngư dân", "Ngư dân", None, "Tiểu học", (25, 45), sea_fisher=True)
        elif spec.planted == "EDU_MIN":
            job = _Job("Nông dân", "Nông dân", None, "Tiểu học", (25, 45))
        sex = spec.sex or ("Nữ" if self.name_rng.random() < 0.45 else "Nam")
        birth = self._birth(spec, job, ref, ev)
        person = self.person(spec, cell, sex, birth)
        self.persons[spec.code] = person
        cccd = person.cccd
        if spec.planted == "CCCD_FORMAT" and spec.variant == "short":
            cccd = cccd[:-1]
        elif spec.planted == "CCCD_FORMAT":  # the sex digit says male for a woman
            cccd = cccd[:3] + str(int(cccd[3]) ^ 1) + cccd[4:]

        age_today = _age_months(person.birth, today)
        youth = age_today < 29 * 12 and (job.student or rng.random() < 0.85)
        if spec.planted in ("INTRO_YOUTH", "AGE_MIN") or spec.edge == "AGE_MIN":
            youth = True
        elif spec.planted in ("INTRO_STATUS", "INTRO_OVERLAP", "INTRO_COUNT"):
            youth = False  # keep the introducer rule on its own
        if spec.edge == "INTRO_COUNT":
            youth = False
        self._votes(spec, cell, ev)
        self._doc_numbers(ev)
        row = dict.fromkeys(_CAND_KEYS)
        row.update(
            file_code=spec.code,
            full_name=person.full_name,
            sex=person.sex,
            birth_date=person.birth,
            home_town=person.home_town,
            cccd=cccd,
            ethnicity=person.ethnicity,
            religion=person.religion,
            education=job.education,
            occupation=job.occupation,
            sea_fisher=job.sea_fisher,
            workplace=job.workplace,
            workplace_kind=job.workplace_kind,
            youth_union_member=youth,
            village_head=False,
            org_code=cell.code,
        )
        row.update(_pipeline_columns(ev))
        row["a10_received_on"] = received
        self._people_of_file(spec, cell, ev, row, youth)
        if any(e.step == "A10" and e.result is _PASSED for e in ev):
            self.serial += 1
            row["history_no"] = f"LL-{cell.code.split('-')[0]}-{self.serial:05d}"
        if spec.edge == "AGE_MAX":
            approved = ev[0].on + timedelta(days=30)
            row["exception_approval"] = f"125-CV/TU ngày {approved:%d/%m/%Y}"
        if spec.variant == "returned_a10":
            row["notes"] = _nfc("Hồ sơ đã bị Ban Thường vụ trả lại một lần, chi bộ đã xét lại")
        steps = [
            {
                "file_code": spec.code,
                "step_id": e.step,
                "on": e.on,
                "doc_no": e.doc_no,
                "official_members": e.official,
                "votes_for": e.votes,
                "result": _LABEL[e.result],
                "note": e.note,
            }
            for e in ev
        ]
        return row, steps

    def _post_place(self, spec: _Spec, ev: list[_Ev]) -> None:
        """Dates that a planted problem (or an edge case) bends; P2 for late probation."""
        today, rng = self.today, self.rng
        by = {e.step: e for e in ev}  # the last event of each step
        a8 = next((e for e in reversed(ev) if e.step == "A8"), None)
        planted, edge = spec.planted, spec.edge
        if a8 and (planted == "CERT_EXPIRED" or edge == "CERT_EXPIRED"):
            months = 62 if planted else 58
            by["A2"].on = _add_months(a8.on, -months)
            by["A1"].on = by["A2"].on - timedelta(days=rng.randint(60, 150))
        elif planted == "CERT_MISSING":
            ev.remove(by["A2"])
        elif planted == "VERIFY_MISSING" and a8:
            by["A5"].on = a8.on + timedelta(days=5)
        elif planted == "DOSSIER_STALE" and a8:
            by["A3"].on = _add_months(a8.on, -14)
            by["A2"].on = min(by["A2"].on, by["A3"].on - timedelta(days=30))
            by["A1"].on = min(by["A1"].on, by["A2"].on - timedelta(days=90))
        if spec.state is State.DU_BI:
            ceremony = by["A11"].on
            if (today - ceremony).days >= 350:  # the self-review comes near the end
                p2 = ceremony + timedelta(days=365 - rng.randint(5, 15))
                ev.append(_Ev("P2", 0, on=min(p2, today - timedelta(days=1))))

    def _birth(self, spec: _Spec, job: _Job, ref: date, ev: list[_Ev]) -> date:
        rng = self.rng
        if spec.same_person_as:
            return self.persons[spec.same_person_as].birth
        if spec.planted == "AGE_MIN":
            return _birth_for_age(rng, ref, 17 * 12 + 11)
        if spec.edge == "AGE_MIN":
            return _birth_for_age(rng, ref, 18 * 12)
        if spec.planted == "AGE_MAX":
            return _birth_for_age(rng, ref, 60 * 12 + 5)
        if spec.edge == "AGE_MAX":
            return _birth_for_age(rng, ref, 61 * 12 + 2)
        if spec.planted == "INTRO_YOUTH":
            a6 = next(e.on for e in ev if e.step == "A6")
            return _birth_for_age(rng, a6, 24 * 12 + rng.randint(1, 10))
        if job.student:  # a 12th-grader admitted at school: just over 18 at the meeting
            months = rng.randint(18 * 12 + 2, 18 * 12 + 10)
        else:
            months = rng.randint(job.age[0] * 12 + 2, job.age[1] * 12 + 10)
        return _birth_for_age(rng, ref, months)

    def _votes(self, spec: _Spec, cell: _Cell, ev: list[_Ev]) -> None:
        rng = self.rng
        last_a8 = next((e for e in reversed(ev) if e.step == "A8"), None)
        for e in ev:
            if e.step in ("A8", "P3"):
                n = max(3, cell.official_count(e.on))
            elif e.step in ("A9", "P4"):
                n = cell.committee_size
            else:
                continue
            need = (2 * n + 2) // 3  # the least whole number with 3*votes >= 2*n
            if e.result is _FAILED:
                votes = rng.randint(0, n // 3) if e.step == "P3" else rng.randint(n // 3, need - 1)
            elif e is last_a8 and spec.planted == "VOTE_2_3":
                votes = need - 1
            elif e is last_a8 and spec.edge == "VOTE_2_3":
                # Exactly two thirds passes; members away on temporary activity are left
                # out of the count, which makes it a multiple of three.
                n -= n % 3
                votes = 2 * n // 3
            else:
                votes = rng.randint(max(need, n - 2), n)
            e.official, e.votes = n, votes

    def _doc_numbers(self, ev: list[_Ev]) -> None:
        rng = self.rng
        for e in ev:
            if e.result is not _PASSED and e.step != "P3" and e.step != "A8":
                continue
            if e.step == "A2":
                e.doc_no = f"{rng.randint(12, 980)}-CN/TTCT"
            elif e.step in ("A8", "P3"):
                e.doc_no = f"{rng.randint(1, 40):02d}-NQ/CB"
            elif e.step in ("A9", "P4"):
                e.doc_no = f"{rng.randint(5, 120)}-NQ/ĐU"
            elif e.step in ("A10", "P5", "XOA_TEN"):
                e.doc_no = f"{rng.randint(100, 990)}-QĐ/ĐU"

    def _people_of_file(
        self, spec: _Spec, cell: _Cell, ev: list[_Ev], row: Row, youth: bool
    ) -> None:
        """Introducers (A6) and the helping member, by member code of the same cell."""
        rng = self.rng
        a1 = ev[0].on
        helpers = cell.officials_before(a1) or cell.official_codes[:3]
        if helpers:
            row["mentor"] = rng.choice(helpers)
            for e in ev:
                if e.step == "P1":
                    e.note = f"Phân công đồng chí {row['mentor']} giúp đỡ"
        a6 = next((e.on for e in ev if e.step == "A6"), None)
        if a6 is None:
            return
        pool = cell.officials_before(a6) or cell.official_codes[:2]
        first: str | None = None
        second: str | None = None
        if len(pool) >= 2:
            first, second = rng.sample(pool, 2)
        elif pool:
            first = pool[0]
        union = None
        if spec.edge == "INTRO_COUNT":
            union, second = "Công đoàn", None
        elif spec.planted == "INTRO_COUNT":
            second = None
        elif spec.planted != "INTRO_YOUTH" and youth and cell.youth_union:
            union, second = "Đoàn", None  # a youth-union member is introduced by the Đoàn
        elif (
            spec.planted is None
            and cell.kind == "Chi bộ doanh nghiệp tư nhân"
            and rng.random() < 0.3
        ):
            union, second = "Công đoàn", None
        if spec.planted == "INTRO_STATUS":
            # A probationary member cannot introduce: the one admitted before A6.
            first = next(code for admitted, code in cell.probationers if admitted < a6.toordinal())
        row["a6_introducer1"] = first
        row["a6_introducer1_since"] = self._since(spec, a6, row["birth_date"])
        if spec.planted == "INTRO_OVERLAP":
            row["a6_introducer1_since"] = _add_months(a6, -8)
        elif spec.edge == "INTRO_OVERLAP":
            row["a6_introducer1_since"] = _add_months(a6, -12)  # exactly 12 months is enough
        if second:
            row["a6_introducer2"] = second
            row["a6_introducer2_since"] = self._since(spec, a6, row["birth_date"])
        row["a6_union_intro"] = union
        row["a6_replacement"] = False

    def _since(self, spec: _Spec, a6: date, birth: date) -> date:
        since = _add_months(a6, -self.rng.randint(13, 60))
        # Not before the candidate was 15: they met at school, work or in the village.
        return max(since, _add_months(birth, 15 * 12))


def _pipeline_columns(events: list[_Ev]) -> Row:
    """The candidate's pipeline columns: each the latest record of its step."""
    out: Row = dict.fromkeys(_PIPE_KEYS)
    for e in events:  # chronological, so later records overwrite earlier ones
        s = e.step
        if s == "A1":
            out["a1_source_on"] = e.on
        elif s == "A2":
            out["a2_cert_on"], out["a2_cert_no"] = e.on, e.doc_no
        elif s == "A3":
            out["a3_application_on"] = e.on
        elif s == "A4":
            out["a4_history_on"] = e.on
        elif s == "A5":
            out["a5_verified_on"] = e.on
        elif s == "A6":
            out["a6_introduced_on"] = e.on
        elif s == "A7":
            out["a7_opinions_on"] = e.on
        elif s == "A8":
            out["a8_cell_meeting_on"] = e.on
            out["a8_official_members"], out["a8_votes_for"] = e.official, e.votes
        elif s == "A9":
            out["a9_committee_resolution_on"] = e.on
        elif s == "A10":
            out["a10_decision_no"], out["a10_decision_on"] = e.doc_no, e.on
        elif s == "A11":
            out["a11_ceremony_on"] = e.on
        elif s == "P3":
            out["p3_cell_meeting_on"] = e.on
            out["p3_official_members"], out["p3_votes_for"] = e.official, e.votes
        elif s == "P5":
            out["p5_decision_no"], out["p5_decision_on"] = e.doc_no, e.on
        elif s in ("XOA_TEN", "DUNG"):
            out["closed"] = "Xóa tên" if s == "XOA_TEN" else "Dừng"
            out["closed_on"], out["closed_reason"] = e.on, e.note
    return out


# --- members -----------------------------------------------------------------------------


def _member_row(
    code: str,
    person: _Person,
    cell: _Cell,
    admitted: date,
    official: date | None,
    status: str,
    history_no: str,
    village_head: bool = False,
) -> Row:
    return {
        "member_code": code,
        "full_name": person.full_name,
        "sex": person.sex,
        "birth_date": person.birth,
        "cccd": person.cccd,
        "org_code": cell.code,
        "admitted_on": admitted,
        "official_on": official,
        "status": status,
        "ethnicity": person.ethnicity,
        "religion": person.religion,
        "home_town": person.home_town,
        "history_no": history_no,
        "village_head": village_head,
    }


_MEMBER_AGES = {  # current age range of a cell's members, in years
    "Chi bộ thôn": (28, 82),
    "Chi bộ tổ dân phố": (28, 82),
    "Chi bộ doanh nghiệp tư nhân": (25, 55),
    "Chi bộ trường học": (26, 58),
    "Chi bộ trường tư thục": (26, 58),
    "Chi bộ cơ quan": (26, 58),
    "Chi bộ công an": (24, 55),
    "Chi bộ quân sự": (22, 50),
    "Chi bộ khác": (28, 70),
}


def _member_dates(
    rng: random.Random, today: date, kind: str, status: str, veteran: bool
) -> tuple[date, date, date | None]:
    """Birth, admission and recognition dates of a member."""
    t = today.toordinal()
    if status == "Dự bị":
        admitted = t - _between(rng, 120, 330)  # probation runs 12 months: under a year ago
        birth = admitted - _between(rng, 20 * 365, 40 * 365)
        return date.fromordinal(birth), date.fromordinal(admitted), None
    lo, hi = _MEMBER_AGES[kind]
    if veteran:
        lo = max(lo, 36)
    birth = t - _between(rng, lo * 365, hi * 365)
    earliest = birth + 19 * 365
    latest = min(birth + 45 * 365, t - 420)
    if veteran:  # officials long enough to introduce anyone in the demo's history
        latest = min(latest, t - 9 * 365)
    admitted = _between(rng, earliest, max(earliest, latest))
    official = admitted + 365 + _between(rng, 10, 50)
    return date.fromordinal(birth), date.fromordinal(admitted), date.fromordinal(official)


# --- the small demo ----------------------------------------------------------------------

_SMALL_COMMUNE = ("X01", _nfc("Đảng ủy xã Cam Lâm"), _nfc("xã Cam Lâm"))
_SMALL_DU = ("X01-DU01", _nfc("Đảng ủy Công ty TNHH Chế biến Hải sản Thủy Triều"))


@dataclass(frozen=True)
class _CellDef:
    code: str
    name: str
    kind: str
    parent: str
    self_managed: bool
    youth_union: bool
    members: int
    probationers: int
    head_is_member: bool | None = None


_SMALL_CELLS = (
    _CellDef(
        "X01-CB01", "Chi bộ thôn Bãi Giếng Bắc", "Chi bộ thôn", "X01", True, True, 18, 2, True
    ),
    _CellDef(
        "X01-CB02",
        "Chi bộ tổ dân phố Nghĩa Phú",
        "Chi bộ tổ dân phố",
        "X01",
        False,
        True,
        16,
        1,
        False,
    ),
    _CellDef(
        "X01-CB03",
        "Chi bộ Phân xưởng Chế biến",
        "Chi bộ doanh nghiệp tư nhân",
        "X01-DU01",
        True,
        False,
        14,
        1,
    ),
    _CellDef(
        "X01-CB04",
        "Chi bộ Trường THPT Trần Bình Trọng",
        "Chi bộ trường học",
        "X01",
        True,
        True,
        20,
        1,
    ),
)

# Fixed names: the "duc" answers and some "Nguyễn Thị …" women.
_MEMBER_NAMES = {
    "X01-CB01-DV002": ("Nguyễn Đức Anh", "Nam"),
    "X01-CB01-DV008": ("Nguyễn Thị Hồng Nhung", "Nữ"),
    "X01-CB02-DV005": ("Lê Văn Đúc", "Nam"),
    "X01-CB03-DV003": ("Hoàng Văn Dục", "Nam"),
    "X01-CB04-DV002": ("Nguyễn Thị Thu Hà", "Nữ"),
}

# Members the screening rules (Chỉ thị 28) must list: member code -> rule id.
PLANTED_MEMBERS: dict[str, str] = {
    "X01-CB01-DV004": "SCREEN_ABSENT",  # 3 months without party activity last year
    "X01-CB02-DV006": "SCREEN_ABSENT",  # 4 months of unpaid dues this year
    "X01-CB03-DV005": "SCREEN_ABSENT",  # 5 months without party activity this year
    "X01-CB04-DV003": "SCREEN_DECLINE",  # declining two years running
    "X01-CB01-DV007": "SCREEN_VIOLATION_2Y",  # violated member qualities two years running
}

S = State
_SMALL_FILES: tuple[_Spec, ...] = (
    # Chi bộ thôn Bãi Giếng Bắc (self-managed, coastal, has a youth union)
    _Spec("X01-CB01-0001", S.NGUON),
    _Spec("X01-CB01-0002", S.BOI_DUONG),
    _Spec("X01-CB01-0003", S.HO_SO),
    _Spec("X01-CB01-0004", S.THAM_TRA, recency=(5, 20)),
    _Spec("X01-CB01-0005", S.CHI_BO_XET, variant="failed_a8"),
    _Spec("X01-CB01-0006", S.DU_BI, variant="returned_a10"),
    _Spec("X01-CB01-0007", S.CHINH_THUC, name="Trần Minh Đức", sex="Nam"),
    _Spec("X01-CB01-0008", S.CHINH_THUC, edge="EDU_MIN", sex="Nam"),
    _Spec("X01-CB01-0009", S.XOA_TEN),
    _Spec("X01-CB01-0010", S.QUYET_DINH, name="Nguyễn Thị Bích Ngọc", sex="Nữ"),
    _Spec("X01-CB01-0011", S.CHI_BO_XET, planted="EDU_MIN"),
    _Spec("X01-CB01-0012", S.CHI_BO_XET, planted="VERIFY_MISSING", recency=(10, 25)),
    _Spec("X01-CB01-0013", S.CHI_BO_XET, planted="INTRO_STATUS"),
    _Spec("X01-CB01-0014", S.CHI_BO_XET, planted="INTRO_YOUTH"),
    _Spec("X01-CB01-0015", S.QUYET_DINH, planted="CEREMONY_DUE"),
    _Spec("X01-CB01-0016", S.BOI_DUONG, planted="CCCD_FORMAT", variant="short"),
    _Spec("X01-CB01-0017", S.NGUON, planted="DUPLICATE_PERSON"),
    # Chi bộ tổ dân phố Nghĩa Phú (kept by the commune office)
    _Spec("X01-CB02-0001", S.NGUON, name="Nguyễn Thị Mai", sex="Nữ"),
    _Spec("X01-CB02-0002", S.BOI_DUONG),
    _Spec("X01-CB02-0003", S.THAM_TRA),
    _Spec("X01-CB02-0004", S.QUYET_DINH),
    _Spec("X01-CB02-0005", S.CHINH_THUC, variant="failed_p3"),
    _Spec("X01-CB02-0006", S.XOA_TEN, variant="struck_violation"),
    _Spec("X01-CB02-0007", S.DUNG, variant="HO_SO", name="Đỗ Văn Dực", sex="Nam"),
    _Spec("X01-CB02-0008", S.QUYET_DINH, edge="AGE_MAX"),
    _Spec("X01-CB02-0009", S.HO_SO),  # the residential-group head (village_head)
    _Spec("X01-CB02-0010", S.CHI_BO_XET, planted="AGE_MAX"),
    _Spec("X01-CB02-0011", S.QUYET_DINH, planted="CERT_EXPIRED"),
    _Spec("X01-CB02-0012", S.CHI_BO_XET, planted="INTRO_OVERLAP"),
    _Spec("X01-CB02-0013", S.CHI_BO_XET, planted="VOTE_2_3"),
    _Spec("X01-CB02-0014", S.DU_BI, planted="RECOGNITION_DUE"),
    _Spec("X01-CB02-0015", S.HO_SO, planted="DUPLICATE_PERSON", same_person_as="X01-CB01-0017"),
    _Spec("X01-CB02-0016", S.DUNG, variant="NGUON"),
    _Spec("X01-CB02-0017", S.DU_BI),
    # Chi bộ Phân xưởng Chế biến (private enterprise inside a đảng ủy cơ sở: step A9)
    _Spec("X01-CB03-0001", S.NGUON),
    _Spec("X01-CB03-0002", S.BOI_DUONG),
    _Spec("X01-CB03-0003", S.THAM_TRA),
    _Spec("X01-CB03-0004", S.CHI_BO_XET, recency=(3, 10)),
    _Spec("X01-CB03-0005", S.DU_BI, name="Võ Đức Thịnh", sex="Nam"),
    _Spec("X01-CB03-0006", S.CHINH_THUC),
    _Spec("X01-CB03-0007", S.DUNG, variant="failed_a8"),
    _Spec("X01-CB03-0008", S.QUYET_DINH, edge="INTRO_COUNT"),
    _Spec("X01-CB03-0009", S.CHI_BO_XET, planted="CERT_MISSING"),
    _Spec("X01-CB03-0010", S.CHI_BO_XET, planted="DOSSIER_STALE"),
    _Spec("X01-CB03-0011", S.DU_BI, planted="PROBATION_END"),
    _Spec("X01-CB03-0012", S.CHINH_THUC, edge="CERT_EXPIRED"),
    # Chi bộ Trường THPT Trần Bình Trọng (teachers and 12th-graders)
    _Spec("X01-CB04-0001", S.NGUON),
    _Spec("X01-CB04-0002", S.HO_SO),
    _Spec("X01-CB04-0003", S.THAM_TRA),
    _Spec("X01-CB04-0004", S.CHI_BO_XET, edge="VOTE_2_3"),
    _Spec("X01-CB04-0005", S.DU_BI),
    _Spec("X01-CB04-0006", S.CHINH_THUC, name="Nguyễn Thị Lan Anh", sex="Nữ"),
    _Spec("X01-CB04-0007", S.DUNG, variant="THAM_TRA"),
    _Spec("X01-CB04-0008", S.CHI_BO_XET, edge="AGE_MIN"),
    _Spec("X01-CB04-0009", S.CHI_BO_XET, planted="AGE_MIN"),
    _Spec("X01-CB04-0010", S.CHI_BO_XET, planted="INTRO_COUNT"),
    _Spec("X01-CB04-0011", S.CHI_BO_XET, planted="DECISION_DUE"),
    _Spec("X01-CB04-0012", S.HO_SO, planted="CCCD_FORMAT", sex="Nữ"),
    _Spec("X01-CB04-0013", S.CHINH_THUC, edge="INTRO_OVERLAP"),
)
del S

# file_code -> the rule id the file breaks (each planted file breaks exactly that rule).
PLANTED: dict[str, str] = {f.code: f.planted for f in _SMALL_FILES if f.planted}
# file_code -> a rule the file sits on the edge of, or is exempt from, and must NOT trip:
# AGE_MIN exactly 216 months, AGE_MAX with the Tỉnh ủy's approval, EDU_MIN for a sea
# fisher, VOTE_2_3 with exactly two thirds, INTRO_OVERLAP exactly 12 months, INTRO_COUNT
# through the trade union, CERT_EXPIRED at 58 months.
EDGE_CASES: dict[str, str] = {f.code: f.edge for f in _SMALL_FILES if f.edge}

# Every full name of the small demo with a word that folds to "duc…".
DUC_NAMES: frozenset[str] = frozenset(
    _nfc(n)
    for n in (
        "Nguyễn Đức Anh",
        "Lê Văn Đúc",
        "Hoàng Văn Dục",
        "Trần Minh Đức",
        "Võ Đức Thịnh",
        "Đỗ Văn Dực",
    )
)

_SMALL_SEED = 20250701  # names and codes do not depend on `today`


def small_demo(today: date) -> Demo:
    """A demo commune committee: four cells, every state, one file per planted rule."""
    rng = random.Random(_SMALL_SEED)
    name_rng = random.Random(_SMALL_SEED + 1)
    people = _People()
    commune_code, commune_name, place = _SMALL_COMMUNE
    orgs: list[Row] = [
        _org_row("KH", "Tỉnh ủy Khánh Hòa", "Tỉnh ủy", None, youth_union=True),
        _org_row(commune_code, commune_name, "Đảng ủy xã", "KH", youth_union=True, villages=2),
        _org_row(_SMALL_DU[0], _SMALL_DU[1], "Đảng ủy cơ sở", commune_code, youth_union=False),
    ]
    cells: dict[str, _Cell] = {}
    members: list[Row] = []
    # Fixed names are reserved up front so no random draw takes them first.
    names_used = {_nfc(n) for n, _ in _MEMBER_NAMES.values()} | set(DUC_NAMES)
    names_used |= {_nfc(f.name) for f in _SMALL_FILES if f.name}
    serial = 0
    for d in _SMALL_CELLS:
        cell = _Cell(
            d.code,
            _nfc(d.name),
            d.kind,
            grassroots=d.parent == commune_code,
            youth_union=d.youth_union,
            coastal=d.kind == "Chi bộ thôn",
            mix=(("Raglai", 0.05), ("Hoa", 0.03)),
            place=place,
            committee_size=7,
            workplace=_SMALL_DU[1].removeprefix("Đảng ủy ") if d.parent == _SMALL_DU[0] else None,
        )
        cells[d.code] = cell
        orgs.append(_cell_row(cell, d.parent, d.self_managed, d.head_is_member))
        for i in range(1, d.members + 1):
            code = f"{d.code}-DV{i:03d}"
            # The last ones: the probationers, then one who moved away.
            if i == d.members:
                status = "Chuyển đi"
            elif i > d.members - 1 - d.probationers:
                status = "Dự bị"
            else:
                status = "Chính thức"
            fixed = _MEMBER_NAMES.get(code)
            sex = fixed[1] if fixed else ("Nữ" if name_rng.random() < 0.35 else "Nam")
            name = _nfc(fixed[0]) if fixed else _unique_name(name_rng, people, sex, names_used)
            birth, admitted, official = _member_dates(rng, today, d.kind, status, i <= 5)
            cccd = people.cccd(rng, "056", sex, birth.year)
            religion = rng.choice(_RELIGIONS["Kinh"])
            person = _Person(name, sex, birth, cccd, "Kinh", religion, f"{place}, Khánh Hòa")
            serial += 1
            head = d.head_is_member is True and i == 1
            members.append(
                _member_row(code, person, cell, admitted, official, status, f"{serial:06d}", head)
            )
            if status == "Chính thức" and official is not None:
                cell.add_official(official, code)
            elif status == "Dự bị":
                cell.probationers.append((admitted.toordinal(), code))
        cell.probationers.sort()

    maker = _FileMaker(rng, today, people, name_rng, names_used)
    candidates: list[Row] = []
    steps: list[Row] = []
    for spec in _SMALL_FILES:
        cell = cells[spec.code.rsplit("-", 1)[0]]
        row, history = maker.make(spec, cell)
        if spec.code == "X01-CB02-0009":
            row["village_head"] = True  # the residential-group head, not yet a member
        candidates.append(row)
        steps.extend(history)

    member_records, ratings = _small_screening(rng, members, today)
    return {
        "orgs": orgs,
        "plans": _small_plans(today, [commune_code, *cells]),
        "members": members,
        "member_records": member_records,
        "ratings": ratings,
        "private_units": _small_private_units(len(_members_of(members, "X01-CB03"))),
        "candidates": candidates,
        "steps": steps,
    }


def _unique_name(rng: random.Random, people: _People, sex: str, used: set[str]) -> str:
    while True:
        name = people.name(rng, sex)
        if name not in used:
            used.add(name)
            return name


def _members_of(members: list[Row], cell: str) -> list[Row]:
    return [m for m in members if m["org_code"] == cell and m["status"] != "Chuyển đi"]


def _small_screening(
    rng: random.Random, members: list[Row], today: date
) -> tuple[list[Row], list[Row]]:
    """Yearly records (this year and last) and ratings (the last two completed years)."""
    records: list[Row] = []
    ratings: list[Row] = []
    y = today.year
    for m in members:
        if m["status"] not in ("Chính thức", "Dự bị"):
            continue
        code, admitted = m["member_code"], m["admitted_on"]
        rule = PLANTED_MEMBERS.get(code)
        for year in (y - 1, y):
            if admitted.year > year:
                continue
            absent = unpaid = 0
            if code == "X01-CB01-DV004" and year == y - 1:
                absent = 3  # exactly the threshold
            elif code == "X01-CB02-DV006" and year == y:
                unpaid = 4
            elif code == "X01-CB03-DV005" and year == y:
                absent = 5
            elif rule is None and rng.random() < 0.1:
                absent = rng.randint(1, 2)  # below the threshold: not listed
            records.append(
                {
                    "member_code": code,
                    "year": year,
                    "months_absent": absent,
                    "months_unpaid": unpaid,
                    "violated": rule == "SCREEN_VIOLATION_2Y",
                    "declining": rule == "SCREEN_DECLINE",
                }
            )
        for year in (y - 2, y - 1):
            if admitted >= date(year, 10, 1):
                continue
            if rule == "SCREEN_VIOLATION_2Y":
                rating = tpl.RATINGS[3]
            elif rule is not None:
                rating = tpl.RATINGS[2]
            else:
                r = rng.random()
                rating = tpl.RATINGS[0 if r < 0.15 else 1 if r < 0.9 else 2]
            ratings.append({"member_code": code, "year": year, "rating": rating})
    return records, ratings


def _small_plans(today: date, orgs: list[str]) -> list[Row]:
    rows: list[Row] = []
    y = today.year
    for code in orgs:
        commune = "-" not in code
        base = 24 if commune else 4 + sum(map(ord, code)) % 3  # stable, not random
        for year, target in ((y - 1, base), (y, base + (2 if commune else 1))):
            rows.append(_plan_row(code, year, None, target, commune))
        rows.append(_plan_row(code, None, _period(today), base * 5, commune))
    return rows


def _plan_row(code: str, year: int | None, period: str | None, target: int, big: bool) -> Row:
    return {
        "org_code": code,
        "year": year,
        "period": period,
        "target": target,
        "target_youth": round(target * 0.6),
        "target_private": max(1, round(target * 0.15)) if big else (1 if target > 4 else 0),
    }


_SMALL_UNITS = (
    # name, kind, managing org, workers, members, party org, trade union, youth union
    ("Công ty TNHH May Cam Ranh", "Doanh nghiệp tư nhân", "X01", 180, 2, False, True, True),
    ("Công ty TNHH Yến sào Hòn Nội", "Doanh nghiệp tư nhân", "X01", 45, 0, False, False, False),
    ("Trường Mầm non tư thục Sao Mai", "Trường tư thục", "X01", 22, 0, False, True, False),
    ("Hợp tác xã Nuôi trồng thủy sản Bãi Giếng", "Khác", "X01-CB01", 35, 1, False, False, False),
)
_UNIT_KEYS = tuple(c.key for c in tpl.PRIVATE_UNITS.columns)


def _small_private_units(du_members: int) -> list[Row]:
    # The enterprise whose đảng ủy cơ sở holds cell X01-CB03: its members are that cell's.
    firm = (_SMALL_DU[1].removeprefix("Đảng ủy "), "Doanh nghiệp tư nhân", "X01-DU01")
    rows = [(*firm, 420, du_members, True, True, False), *_SMALL_UNITS]
    return [dict(zip(_UNIT_KEYS, (_nfc(r[0]), *r[1:]), strict=True)) for r in rows]


# --- the province ------------------------------------------------------------------------

_WARDS = (
    "Nha Trang", "Bắc Nha Trang", "Tây Nha Trang", "Nam Nha Trang", "Bắc Cam Ranh",
    "Cam Ranh", "Cam Linh", "Ba Ngòi", "Ninh Hòa", "Đông Ninh Hòa", "Hòa Thắng",
    "Phan Rang", "Đông Hải", "Ninh Chử", "Bảo An", "Đô Vinh",
)  # fmt: skip
_COMMUNES = (
    "Nam Cam Ranh", "Bắc Ninh Hòa", "Tân Định", "Nam Ninh Hòa", "Tây Ninh Hòa", "Hòa Trí",
    "Đại Lãnh", "Tu Bông", "Vạn Thắng", "Vạn Ninh", "Vạn Hưng", "Diên Khánh", "Diên Lạc",
    "Diên Điền", "Diên Lâm", "Diên Thọ", "Suối Hiệp", "Cam Lâm", "Suối Dầu", "Cam Hiệp",
    "Cam An", "Bắc Khánh Vĩnh", "Trung Khánh Vĩnh", "Tây Khánh Vĩnh", "Nam Khánh Vĩnh",
    "Khánh Vĩnh", "Khánh Sơn", "Tây Khánh Sơn", "Đông Khánh Sơn", "Ninh Phước",
    "Phước Hữu", "Phước Hậu", "Thuận Nam", "Cà Ná", "Phước Hà", "Phước Dinh", "Ninh Hải",
    "Xuân Hải", "Vĩnh Hải", "Thuận Bắc", "Công Hải", "Ninh Sơn", "Lâm Sơn", "Anh Dũng",
    "Mỹ Sơn", "Bác Ái Đông", "Bác Ái", "Bác Ái Tây",
)  # fmt: skip
# Mountainous / ethnic-minority communes: the `Vùng đặc biệt` flag, Raglai majority.
_HIGHLAND = frozenset(
    (
        "Bắc Khánh Vĩnh", "Trung Khánh Vĩnh", "Tây Khánh Vĩnh", "Nam Khánh Vĩnh",
        "Khánh Vĩnh", "Khánh Sơn", "Tây Khánh Sơn", "Đông Khánh Sơn", "Lâm Sơn",
        "Anh Dũng", "Mỹ Sơn", "Bác Ái Đông", "Bác Ái", "Bác Ái Tây", "Phước Hà",
    )
)  # fmt: skip
_NINH_THUAN = frozenset(
    (
        "Phan Rang", "Đông Hải", "Ninh Chử", "Bảo An", "Đô Vinh", "Ninh Phước",
        "Phước Hữu", "Phước Hậu", "Thuận Nam", "Cà Ná", "Phước Hà", "Phước Dinh",
        "Ninh Hải", "Xuân Hải", "Vĩnh Hải", "Thuận Bắc", "Công Hải", "Ninh Sơn",
        "Lâm Sơn", "Anh Dũng", "Mỹ Sơn", "Bác Ái Đông", "Bác Ái", "Bác Ái Tây",
    )
)  # fmt: skip
_COASTAL = frozenset(
    (
        "Nam Cam Ranh", "Đại Lãnh", "Tu Bông", "Vạn Thắng", "Vạn Ninh", "Vạn Hưng",
        "Cam Lâm", "Cam Hiệp", "Cam An", "Thuận Nam", "Cà Ná", "Phước Dinh", "Ninh Hải",
        "Xuân Hải", "Vĩnh Hải", "Công Hải", "Bắc Ninh Hòa", "Nam Ninh Hòa",
    )
)  # fmt: skip
_ISLANDS = (
    "Trường Sa", "Song Tử Tây", "Sinh Tồn", "Sơn Ca", "Nam Yết", "Sinh Tồn Đông",
    "Đá Tây", "Phan Vinh", "Trường Sa Đông", "An Bang", "Thuyền Chài", "Đá Lớn",
)  # fmt: skip

_KIND_WEIGHTS = {
    "Đảng ủy xã": (
        ("Chi bộ thôn", 64), ("Chi bộ cơ quan", 8), ("Chi bộ trường học", 10),
        ("Chi bộ doanh nghiệp tư nhân", 6), ("Chi bộ trường tư thục", 1),
        ("Chi bộ công an", 4), ("Chi bộ quân sự", 3), ("Chi bộ khác", 4),
    ),
    "Đảng ủy phường": (
        ("Chi bộ tổ dân phố", 58), ("Chi bộ cơ quan", 12), ("Chi bộ trường học", 10),
        ("Chi bộ doanh nghiệp tư nhân", 9), ("Chi bộ trường tư thục", 3),
        ("Chi bộ công an", 4), ("Chi bộ quân sự", 2), ("Chi bộ khác", 2),
    ),
    "Đảng ủy đặc khu": (("Chi bộ quân sự", 14), ("Chi bộ cơ quan", 3), ("Chi bộ khác", 3)),
}  # fmt: skip
_KIND_POOLS = {k: _pool(v) for k, v in _KIND_WEIGHTS.items()}
_MEMBER_WEIGHT = {  # relative size of a cell's membership
    "Chi bộ thôn": 1.2,
    "Chi bộ tổ dân phố": 1.3,
    "Chi bộ cơ quan": 0.8,
    "Chi bộ trường học": 0.6,
    "Chi bộ trường tư thục": 0.3,
    "Chi bộ doanh nghiệp tư nhân": 0.4,
    "Chi bộ công an": 0.7,
    "Chi bộ quân sự": 0.6,
    "Chi bộ khác": 0.4,
}
_FILE_WEIGHT = {**_MEMBER_WEIGHT, "Chi bộ doanh nghiệp tư nhân": 0.9, "Chi bộ trường học": 0.9}
_STATE_POOL = tuple(
    s
    for s, n in (
        (State.NGUON, 20),
        (State.BOI_DUONG, 15),
        (State.HO_SO, 10),
        (State.THAM_TRA, 8),
        (State.CHI_BO_XET, 5),
        (State.QUYET_DINH, 3),
        (State.DU_BI, 12),
        (State.CHINH_THUC, 17),
        (State.XOA_TEN, 2),
        (State.DUNG, 8),
    )
    for _ in range(n)
)
_STATUS_POOL = _pool(
    (
        ("Chính thức", 930),
        ("Dự bị", 40),
        ("Chuyển đi", 15),
        ("Từ trần", 10),
        ("Xóa tên", 3),
        ("Khai trừ", 2),
    )
)
_VILLAGE_WORDS = tuple(
    _nfc(w)
    for w in (
        "Phú Thọ Tân Xuân Hòa Bình Lộc Mỹ Vĩnh Phước Hiệp Thạnh Long An Hải Sơn Thủy "
        "Trung Đông Tây Nam Bắc Lương Cát Thành Hưng Lợi Điền Khánh Quang Tiến"
    ).split()
)
_SCHOOL_NAMES = tuple(
    _nfc(w)
    for w in (
        "Lê Lợi",
        "Nguyễn Trãi",
        "Trần Phú",
        "Lý Tự Trọng",
        "Quang Trung",
        "Lê Quý Đôn",
        "Phan Bội Châu",
        "Hùng Vương",
        "Nguyễn Huệ",
        "Võ Thị Sáu",
        "Chu Văn An",
        "Hoàng Hoa Thám",
        "Trần Quốc Toản",
        "Kim Đồng",
    )
)
_AGENCIES = tuple(
    _nfc(w)
    for w in (
        "Cơ quan Đảng",
        "Cơ quan Ủy ban nhân dân",
        "Cơ quan Mặt trận và các đoàn thể",
        "Trạm Y tế",
        "Trung tâm Phục vụ hành chính công",
        "Chi nhánh Điện lực",
    )
)


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`; largest remainders get the leftovers."""
    if not weights:
        return []
    w = sum(weights)
    raw = [total * x / w for x in weights]
    out = [int(r) for r in raw]
    rest = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total - sum(out)]
    for i in rest:
        out[i] += 1
    return out


def _cell_name(rng: random.Random, kind: str, place: str, k: int) -> str:
    if kind == "Chi bộ thôn":
        return f"Chi bộ thôn {rng.choice(_VILLAGE_WORDS)} {rng.choice(_VILLAGE_WORDS)} {k}"
    if kind == "Chi bộ tổ dân phố":
        return f"Chi bộ tổ dân phố {k}"
    if kind == "Chi bộ cơ quan":
        return f"Chi bộ {rng.choice(_AGENCIES)} {place} {k}"
    if kind == "Chi bộ trường học":
        level = rng.choice(("Mầm non", "Tiểu học", "THCS", "THCS", "THPT"))
        return f"Chi bộ Trường {level} {rng.choice(_SCHOOL_NAMES)} {k}"
    if kind == "Chi bộ trường tư thục":
        return f"Chi bộ Trường tư thục {rng.choice(_SCHOOL_NAMES)} {k}"
    if kind == "Chi bộ doanh nghiệp tư nhân":
        return f"Chi bộ Công ty TNHH {rng.choice(_FIRMS)} {k}"
    if kind == "Chi bộ công an":
        return f"Chi bộ Công an {place} {k}"
    if kind == "Chi bộ quân sự":
        return f"Chi bộ Quân sự {place} {k}"
    return f"Chi bộ Hợp tác xã {rng.choice(_VILLAGE_WORDS)} {k}"


def province_demo(
    seed: int,
    cells: int = 2000,
    people: int = 100_000,
    files: int = 10_000,
    *,
    today: date = PROVINCE_TODAY,
) -> Demo:
    """A synthetic Khánh Hòa: KH, 65 commune-level committees, ≈`cells` office-managed
    cells, ≈`people - files` members and `files` candidate files with full histories."""
    rng = random.Random(seed)
    folk = _People(extra_male=("Đức",))
    orgs: list[Row] = [_org_row("KH", "Tỉnh ủy Khánh Hòa", "Tỉnh ủy", None, youth_union=True)]
    communes: list[tuple[str, str, str, str]] = []  # code, kind, place, name
    for i, n in enumerate(_COMMUNES, 1):
        communes.append((f"X{i:02d}", "Đảng ủy xã", _nfc(f"xã {n}"), _nfc(n)))
    for i, n in enumerate(_WARDS, 1):
        communes.append((f"P{i:02d}", "Đảng ủy phường", _nfc(f"phường {n}"), _nfc(n)))
    communes.append(("DK01", "Đảng ủy đặc khu", _nfc("đặc khu Trường Sa"), _nfc("Trường Sa")))

    weights = [0.15 if k == "Đảng ủy đặc khu" else rng.uniform(0.6, 1.5) for _, k, _, _ in communes]
    per_commune = _apportion(cells, weights)
    cell_list: list[_Cell] = []
    commune_rows: list[Row] = []
    for (code, kind, place, short), count in zip(communes, per_commune, strict=True):
        highland = short in _HIGHLAND or kind == "Đảng ủy đặc khu"
        if short in _HIGHLAND:
            mix: tuple[tuple[str, float], ...] = (("Raglai", 0.55),)
        elif short in _NINH_THUAN:
            mix = (("Chăm", 0.2), ("Raglai", 0.03))
        else:
            mix = (("Hoa", 0.01), ("Raglai", 0.01))
        province_code = "058" if short in _NINH_THUAN else "056"
        commune_row = _org_row(
            code, f"{kind} {short}", kind, "KH", youth_union=True, special_area=highland
        )
        orgs.append(commune_row)
        commune_rows.append(commune_row)
        kinds = [rng.choice(_KIND_POOLS[kind]) for _ in range(count)]
        dn = [i for i, k in enumerate(kinds) if k == "Chi bộ doanh nghiệp tư nhân"]
        du_code = f"{code}-DU01" if len(dn) >= 3 else None
        if du_code:
            firm = f"Công ty Cổ phần {rng.choice(_FIRMS)}"
            orgs.append(_org_row(du_code, f"Đảng ủy {firm}", "Đảng ủy cơ sở", code))
        villages = 0
        for i, ck in enumerate(kinds):
            inside = du_code is not None and i in dn[1:]  # one DN cell stays grassroots
            if kind == "Đảng ủy đặc khu":
                unit = {"Chi bộ quân sự": "Quân sự", "Chi bộ cơ quan": "Cơ quan"}
                name = f"Chi bộ {unit.get(ck, 'Dân cư')} đảo {_ISLANDS[i % len(_ISLANDS)]}"
                name = f"{name} {i // len(_ISLANDS) + 1}" if i >= len(_ISLANDS) else name
            else:
                name = _cell_name(rng, ck, short, i + 1)
            youth = ck in _YOUTH_KINDS or rng.random() < 0.4
            cell = _Cell(
                f"{code}-CB{i + 1:03d}",
                _nfc(name),
                ck,
                grassroots=not inside,
                youth_union=youth,
                special_area=highland,
                coastal=short in _COASTAL,
                committee_size=rng.choice((5, 7, 9)),
                mix=mix,
                place=place,
                province_code=province_code,
            )
            is_village = ck in ("Chi bộ thôn", "Chi bộ tổ dân phố")
            villages += is_village
            head = rng.random() < 0.85 if is_village else None
            orgs.append(_cell_row(cell, du_code if inside else code, False, head))
            cell_list.append(cell)
        # A few villages still share a cell with a neighbour.
        commune_row["villages"] = villages + (rng.random() < 0.15)

    n_members = max(0, people - files)
    members = _province_members(rng, folk, cell_list, n_members, today)
    candidates, steps = _province_files(rng, folk, cell_list, files, today)
    records, ratings = _province_screening(rng, members, today)
    return {
        "orgs": orgs,
        "plans": _province_plans(rng, communes, cell_list, today),
        "members": members,
        "member_records": records,
        "ratings": ratings,
        "private_units": _province_private_units(rng, communes),
        "candidates": candidates,
        "steps": steps,
    }


_YOUTH_KINDS = frozenset(
    ("Chi bộ thôn", "Chi bộ tổ dân phố", "Chi bộ trường học", "Chi bộ công an", "Chi bộ quân sự")
)


def _province_members(
    rng: random.Random, folk: _People, cells: list[_Cell], total: int, today: date
) -> list[Row]:
    floor = min(5, total // max(1, len(cells)))  # every cell can introduce its candidates
    extra = _apportion(
        total - floor * len(cells), [_MEMBER_WEIGHT[c.kind] * rng.uniform(0.5, 1.5) for c in cells]
    )
    rows: list[Row] = []
    serial = 0
    for cell, n in zip(cells, extra, strict=True):
        officials: list[tuple[int, str]] = []
        village = cell.kind in ("Chi bộ thôn", "Chi bộ tổ dân phố")
        for i in range(1, floor + n + 1):
            code = f"{cell.code}-DV{i:03d}"
            status = "Chính thức" if i <= 3 else _pick(rng, _STATUS_POOL)
            sex = "Nữ" if rng.random() < 0.36 else "Nam"
            birth, admitted, official = _member_dates(rng, today, cell.kind, status, i <= 2)
            ethnicity = _ethnicity(rng, cell.mix)
            province = cell.province_code if rng.random() < 0.85 else _pick(rng, _BORN_ELSEWHERE)
            person = _Person(
                folk.name(rng, sex, ethnicity),
                sex,
                birth,
                folk.cccd(rng, province, sex, birth.year),
                ethnicity,
                _pick(rng, _RELIGIONS.get(ethnicity, _RELIGIONS["Kinh"])),
                _HOME[province],
            )
            serial += 1
            rows.append(
                _member_row(
                    code,
                    person,
                    cell,
                    admitted,
                    official,
                    status,
                    f"{serial:06d}",
                    village and i == 1,
                )
            )
            if status == "Chính thức" and official is not None:
                officials.append((official.toordinal(), code))
            elif status == "Dự bị":
                cell.probationers.append((admitted.toordinal(), code))
        officials.sort()
        cell.official_on = [o for o, _ in officials]
        cell.official_codes = [c for _, c in officials]
    return rows


def _province_files(
    rng: random.Random, folk: _People, cells: list[_Cell], total: int, today: date
) -> tuple[list[Row], list[Row]]:
    counts = _apportion(total, [_FILE_WEIGHT[c.kind] * rng.uniform(0.3, 1.7) for c in cells])
    maker = _FileMaker(rng, today, folk)
    candidates: list[Row] = []
    steps: list[Row] = []
    for cell, n in zip(cells, counts, strict=True):
        for _ in range(n):
            cell.file_seq += 1
            state = rng.choice(_STATE_POOL)
            variant = None
            r = rng.random()
            if state is State.DUNG:
                variant = rng.choice(("NGUON", "BOI_DUONG", "HO_SO", "THAM_TRA", "failed_a8"))
            elif state is State.XOA_TEN:
                variant = "struck_violation" if r < 0.4 else None
            elif state is State.CHINH_THUC and r < 0.03:
                variant = "failed_p3"
            elif _RANK[state] >= _RANK[State.CHI_BO_XET] and r < 0.05:
                variant = "failed_a8"
            elif _RANK[state] >= _RANK[State.DU_BI] and r < 0.07:
                variant = "returned_a10"
            spec = _Spec(f"{cell.code}-{cell.file_seq:04d}", state, variant)
            row, history = maker.make(spec, cell, late=rng.random() < 0.08)
            candidates.append(row)
            steps.extend(history)
    return candidates, steps


def _province_screening(
    rng: random.Random, members: list[Row], today: date
) -> tuple[list[Row], list[Row]]:
    """Records and ratings for about a fifth of the members (those a cell has typed in)."""
    records: list[Row] = []
    ratings: list[Row] = []
    y = today.year
    rating_pool = _pool(((tpl.RATINGS[0], 15), (tpl.RATINGS[1], 72), (tpl.RATINGS[2], 11)))
    rating_pool += (tpl.RATINGS[3],) * 2
    for m in members:
        if m["status"] not in ("Chính thức", "Dự bị") or rng.random() >= 0.2:
            continue
        code = m["member_code"]
        bad = rng.random()
        for year in (y - 1, y):
            records.append(
                {
                    "member_code": code,
                    "year": year,
                    "months_absent": 3 if bad < 0.01 else (1 if bad < 0.08 else 0),
                    "months_unpaid": 3 if 0.01 <= bad < 0.015 else 0,
                    "violated": bad > 0.997,
                    "declining": 0.993 < bad <= 0.997,
                }
            )
            ratings.append(
                {"member_code": code, "year": year - 1, "rating": rng.choice(rating_pool)}
            )
    return records, ratings


def _province_plans(
    rng: random.Random, communes: list[tuple[str, str, str, str]], cells: list[_Cell], today: date
) -> list[Row]:
    rows: list[Row] = []
    y = today.year
    by_commune: dict[str, int] = {}
    for cell in cells:
        target = rng.randint(0, 3)
        commune = cell.code.split("-")[0]
        by_commune[commune] = by_commune.get(commune, 0) + target
        rows.append(_plan_row(cell.code, y, None, target, False))
    for code, *_ in communes:
        t = max(5, by_commune.get(code, 0))
        rows.append(_plan_row(code, y - 1, None, t - 1, True))
        rows.append(_plan_row(code, y, None, t, True))
        rows.append(_plan_row(code, None, _period(today), t * 5, True))
    return rows


def _province_private_units(
    rng: random.Random, communes: list[tuple[str, str, str, str]]
) -> list[Row]:
    rows: list[Row] = []
    for code, kind, _, short in communes:
        n = rng.randint(6, 20) if kind == "Đảng ủy phường" else rng.randint(1, 8)
        for i in range(n):
            r = rng.random()
            ukind = "Doanh nghiệp tư nhân" if r < 0.75 else "Trường tư thục" if r < 0.85 else "Khác"
            workers = int(rng.lognormvariate(3.3, 1.0)) + 3
            party = workers > 60 and rng.random() < 0.4
            label = {"Doanh nghiệp tư nhân": "Công ty TNHH", "Trường tư thục": "Trường tư thục"}
            title = f"{label.get(ukind, 'Hợp tác xã')} {rng.choice(_FIRMS)} {short} {i + 1}"
            rows.append(
                {
                    "name": title,
                    "kind": ukind,
                    "org_code": code,
                    "workers": workers,
                    "members": rng.randint(3, 12) if party else rng.randint(0, 2),
                    "has_party_org": party,
                    "has_trade_union": workers > 25 and rng.random() < 0.6,
                    "has_youth_union": workers > 40 and rng.random() < 0.3,
                }
            )
    return rows
