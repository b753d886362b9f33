"""The demo's records, shaped like the Excel template (TEMPLATE.md): organisation rows,
candidate files with their step histories, members and plans.

Plain data only: rows keyed by the column keys of `template.py`. A candidate's pipeline
columns are computed from its history rows, so the `candidates` and `steps` sheets can
never disagree. Working days are approximated by weekdays; the rules engine owns the
holiday calendar.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from khdesk.core.domain import template as tpl
from khdesk.core.domain.pipeline import RESULT_LABELS, STATE_ORDER, Result, State
from khdesk.demo.names import (
    BORN_ELSEWHERE,
    FIRMS,
    HOME,
    RELIGIONS,
    People,
    Person,
    between,
    draw_ethnicity,
    nfc,
)

Row = dict[str, Any]
Demo = dict[str, list[Row]]

RANK = {s: i for i, s in enumerate(STATE_ORDER)}
_PASSED, _FAILED, _RETURNED = Result.PASSED, Result.FAILED, Result.RETURNED
_LABEL = {r: RESULT_LABELS[r] for r in Result}
_CAND_KEYS = tuple(c.key for c in tpl.CANDIDATES.columns)
_PIPE_KEYS = tuple(c.key for c in tpl.CANDIDATE_PIPELINE)


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


def period(today: date) -> str:
    start = 2021 + 5 * ((today.year - 2021) // 5)
    return f"{start}-{start + 4}"


# --- organisations and cells -------------------------------------------------------------


@dataclass
class Cell:
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


def org_row(
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


def cell_row(cell: Cell, parent: str, self_managed: bool, head_is_member: bool | None) -> Row:
    village = cell.kind in ("Chi bộ thôn", "Chi bộ tổ dân phố")
    return org_row(
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


def _job(rng: random.Random, cell: Cell) -> _Job:
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
            workplace = f"Công ty TNHH {rng.choice(FIRMS)}"
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


# --- the files ---------------------------------------------------------------------------

_NOTE_FAILED = nfc("Không đủ hai phần ba số đảng viên chính thức tán thành")
_NOTE_RETURNED = nfc("Trả lại: đề nghị chi bộ xét lại, bổ sung ý kiến nơi cư trú")
_NOTE_P3_FAILED = nfc("Chi bộ không đề nghị công nhận đảng viên chính thức")
_XOA_TEN_REASONS = {
    None: nfc("Không đủ tư cách đảng viên chính thức"),
    "struck_violation": nfc("Vi phạm tư cách đảng viên trong thời gian dự bị"),
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
class Spec:
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


def _plan(rng: random.Random, spec: Spec, has_a9: bool) -> tuple[list[_Ev], int | None]:
    """The file's events with day offsets from A1, and the offset the decision arrives."""
    state, variant = spec.state, spec.variant
    if state is State.DUNG:
        stop = State.CHI_BO_XET if variant == "failed_a8" else State(variant or "BOI_DUONG")
    elif state is State.XOA_TEN:
        stop = State.DU_BI
    else:
        stop = state
    rank = RANK[stop]
    ev: list[_Ev] = [_Ev("A1", 0)]
    t = 0

    def add(step: str, at: int, result: Result = _PASSED, note: str | None = None) -> None:
        ev.append(_Ev(step, at, result, note))

    if rank >= RANK[State.BOI_DUONG]:
        t += rng.randint(60, 240)
        add("A2", t)
    if rank >= RANK[State.HO_SO]:
        t += rng.randint(20, 120)
        add("A3", t)
        if rank > RANK[State.HO_SO] or rng.random() < 0.5:
            t += rng.randint(7, 30)
            add("A4", t)
    if rank >= RANK[State.THAM_TRA]:
        t += rng.randint(30, 90)
        add("A5", t)
        if rank > RANK[State.THAM_TRA] or rng.random() < 0.6:
            t += rng.randint(7, 30)
            add("A6", t)
            if rank > RANK[State.THAM_TRA] or rng.random() < 0.5:
                t += rng.randint(7, 20)
                add("A7", t)
    if rank >= RANK[State.CHI_BO_XET]:
        t += rng.randint(7, 20)
        if variant == "failed_a8":
            add("A8", t, _FAILED, _NOTE_FAILED)
            if state is not State.DUNG:
                t += rng.randint(45, 90)  # the cell votes again once the file is complete
                add("A8", t)
        else:
            add("A8", t)
        if has_a9 and state is not State.DUNG:
            if rank > RANK[State.CHI_BO_XET] or rng.random() < 0.5:
                t += rng.randint(7, 14)
                add("A9", t)
    received = None
    if rank >= RANK[State.QUYET_DINH]:
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
    if rank >= RANK[State.DU_BI]:
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
        add("DUNG", t, note=nfc(rng.choice(_DUNG_REASONS[variant or "BOI_DUONG"])))
    return ev, received


def _anchor_date(rng: random.Random, spec: Spec, today: date, late: bool) -> date:
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


def _place(ev: list[_Ev], received: int | None, spec: Spec, anchor: date) -> date | None:
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


class FileMaker:
    """Builds one candidate row and its history rows from a Spec."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        people: People,
        name_rng: random.Random | None = None,
        names_used: set[str] | None = None,
    ):
        self.rng = rng
        self.name_rng = name_rng or rng  # small demo: names stay the same whatever `today`
        self.names_used = names_used  # small demo: no two people share a name
        self.today = today
        self.people = people
        self.persons: dict[str, Person] = {}
        self.serial = 0

    def person(self, spec: Spec, cell: Cell, sex: str, birth: date) -> Person:
        if spec.same_person_as:
            return self.persons[spec.same_person_as]
        rng = self.rng
        if spec.name:
            ethnicity, name = "Kinh", nfc(spec.name)
        else:
            ethnicity = draw_ethnicity(self.name_rng, cell.mix)
            name = self.people.name(self.name_rng, sex, ethnicity)
            while self.names_used is not None and name in self.names_used:
                name = self.people.name(self.name_rng, sex, ethnicity)
        if self.names_used is not None:
            self.names_used.add(name)
        # CCCD: born mostly in the province; Chăm/Raglai of the Ninh Thuận side carry 058.
        r = rng.random()
        province = cell.province_code if r < 0.85 else rng.choice(BORN_ELSEWHERE)
        home = HOME[province]
        home_town = f"{cell.place}, {home}" if province == cell.province_code else home
        cccd = self.people.cccd(rng, province, sex, birth.year)
        religion = rng.choice(RELIGIONS.get(ethnicity, RELIGIONS["Kinh"]))
        return Person(name, sex, birth, cccd, ethnicity, religion, home_town)

    def make(self, spec: Spec, cell: Cell, late: bool = False) -> tuple[Row, list[Row]]:
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
            row["notes"] = nfc("Hồ sơ đã bị Ban Thường vụ trả lại một lần, chi bộ đã xét lại")
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

    def _post_place(self, spec: Spec, ev: list[_Ev]) -> None:
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

    def _birth(self, spec: Spec, job: _Job, ref: date, ev: list[_Ev]) -> date:
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

    def _votes(self, spec: Spec, cell: Cell, ev: list[_Ev]) -> None:
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

    def _people_of_file(self, spec: Spec, cell: Cell, ev: list[_Ev], row: Row, youth: bool) -> None:
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

    def _since(self, spec: Spec, a6: date, birth: date) -> date:
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


def member_row(
    code: str,
    person: Person,
    cell: Cell,
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


def member_dates(
    rng: random.Random, today: date, kind: str, status: str, veteran: bool
) -> tuple[date, date, date | None]:
    """Birth, admission and recognition dates of a member."""
    t = today.toordinal()
    if status == "Dự bị":
        admitted = t - between(rng, 120, 330)  # probation runs 12 months: under a year ago
        birth = admitted - between(rng, 20 * 365, 40 * 365)
        return date.fromordinal(birth), date.fromordinal(admitted), None
    lo, hi = _MEMBER_AGES[kind]
    if veteran:
        lo = max(lo, 36)
    birth = t - between(rng, lo * 365, hi * 365)
    earliest = birth + 19 * 365
    latest = min(birth + 45 * 365, t - 420)
    if veteran:  # officials long enough to introduce anyone in the demo's history
        latest = min(latest, t - 9 * 365)
    admitted = between(rng, earliest, max(earliest, latest))
    official = admitted + 365 + between(rng, 10, 50)
    return date.fromordinal(birth), date.fromordinal(admitted), date.fromordinal(official)


def plan_row(code: str, year: int | None, period: str | None, target: int, big: bool) -> Row:
    return {
        "org_code": code,
        "year": year,
        "period": period,
        "target": target,
        "target_youth": round(target * 0.6),
        "target_private": max(1, round(target * 0.15)) if big else (1 if target > 4 else 0),
    }
