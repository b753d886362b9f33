"""The rules engine (RULES.md §3): pure functions from facts to findings.

No Qt, no database: the services build the `*Facts` below (from store rows or from the
spreadsheet template's rows, see the `from_row` constructors) and call

- `check_file` — every per-file rule: eligibility, the file, introducers, votes, deadlines,
  identity;
- `duplicate_findings` — the cross-file rule DUPLICATE_PERSON;
- `screen_member` / `screen_members` — the members' screening rules SCREEN_*;
- `blocked` — whether recording a step must be refused (an error on that very step);
- `next_steps` — which steps may be recorded next.

Every number comes from the rulebook in force on the date of the step being judged
(`rulebook.RulebookSet.rulebook_for`); every working-day count from `calendar.WorkCalendar`.

Readings chosen where RULES.md leaves room (each is also said in the finding's message):

- A certificate "valid for 60 months" is expired on the day 60 calendar months after it is
  issued: RULES.md's example (15/1/2020 expired by 15/1/2025) puts the anniversary outside
  the validity, so the cell must meet strictly before it. The dossier's 12 months are read
  the same way. (Month arithmetic clamps to the month's last day: 31/8 + 6 months = 28/2.)
- The introducer's "at least 12 months" together is met when `since + 12 months <= the date
  of introduction`: exactly 12 months is enough.
- Age: `(year*12 + month)` differences, the day ignored; eligible while 216 <= age <= 720.
- Probation ends on the date 12 months after the ceremony (`ceremony + 12 months`), the day
  the member counts as official; PROBATION_END reports until then, RECOGNITION_DUE after.
- Youth age (INTRO_YOUTH): up to 30 full years (age in months < 31*12), Luật Thanh niên.
- A vote record is judged by the official members it records as its denominator: the cell
  must already have left out members on temporary activity elsewhere and absent exempted
  members (294 §9.3.2), which the record cannot show. A9/P4 (the đảng ủy cơ sở) are held to
  the same two thirds of the committee members they record.
- VOTE_ESCALATE counts failed recognition votes (P3) where neither side can have reached two
  thirds: `for < 2/3 of members` and `members - for < 2/3 of members` (only "for" is
  recorded, so a vote with few "for" may have been two thirds against and is not counted).
- READMIT, as far as the data go: the register has no date of leaving the Party and no
  reason, so the engine only recognises a former member (status Xóa tên / Khai trừ, matched
  by CCCD, else by folded name + birth date) and asks for the provincial standing
  committee's consent (`exception_approval`); with it recorded, an info finding lists what
  must still be checked by hand (36/60 months, once only, the excluded cases).
- Eligibility is judged at the passed cell meeting in force; an open file before its meeting
  is judged today (RULES.md), so a candidate under 18 on the source list already shows
  AGE_MIN with the month from which the cell may vote. A closed file that never passed a
  meeting is not judged. DOSSIER_STALE, DOC_MISSING and the deadlines concern open files
  only (DOSSIER_STALE only until the admission decision: after it nothing can be redone).
- DUPLICATE_PERSON compares files still in progress or done, not files closed as XOA_TEN /
  DUNG (a person may start a new file after one was closed).
- Done late (`late_findings`): the records in force of A10, A11, the first P3 after the
  ceremony and P5, each against the deadline the open finding had, in every file (open,
  official or closed: it is history). The special-case extension of 30 working days is
  recorded nowhere, so a decision within it still shows as late. Such a finding has no
  `due` (nothing left to meet); the missed deadline is in its message. A late ceremony
  with its approval recorded on its step (document number and date) stays as `info`.
- INTRO_YOUTH where the unit's Youth Union is not recorded (None, neither yes nor no): an
  `info` finding for a youth-age Youth-Union member introduced by two members.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from khdesk.core.domain import transfers
from khdesk.core.domain.calendar import WorkCalendar
from khdesk.core.domain.pipeline import (
    CELL_VOTE_STEPS,
    CLOSED_STEP_BY_LABEL,
    RESULT_BY_LABEL,
    STEP_BY_ID,
    STEP_COLUMNS,
    STEP_ORDER,
    VOTE_STEPS,
    Result,
    State,
    StepEvent,
    derive_state,
    effective_events,
    ordered,
)
from khdesk.core.domain.rulebook import (
    PARAM_SPECS,
    RULE_PARAMS,
    Fraction,
    Rulebook,
    RulebookSet,
    Severity,
    default_rulebooks,
)
from khdesk.core.domain.template import EDUCATION, EDUCATION_ALIASES
from khdesk.core.text import fold, nfc

__all__ = [
    "FileFacts",
    "Finding",
    "MemberFacts",
    "MemberYear",
    "OrgFacts",
    "RuleContext",
    "Severity",
    "add_months",
    "age_in_months",
    "blocked",
    "ceremony_approved",
    "ceremony_in_force",
    "check_file",
    "check_files",
    "duplicate_findings",
    "events_from_row",
    "events_from_steps",
    "late_findings",
    "newest_recorded_date",
    "next_steps",
    "recognition_on_time",
    "screen_member",
    "screen_members",
    "wrong_clock_message",
    "clock_message",
]

# --- facts ----------------------------------------------------------------------------------


def _bool(value: Any) -> bool:
    return bool(value) if value is not None else False


@dataclass(frozen=True, slots=True)
class OrgFacts:
    """What the rules need to know about the file's cell."""

    code: str
    kind: str | None = None
    is_grassroots_cell: bool = True  # False: a cell inside a đảng bộ cơ sở (steps A9, P4)
    special_area: bool = False  # mountainous / border / island / ethnic / especially difficult
    has_youth_union: bool | None = False  # None: not recorded (INTRO_YOUTH asks for it)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> OrgFacts:
        """From a `Đơn vị` row (template keys). An unset `Chi bộ cơ sở` means grassroots;
        an unset `Có tổ chức Đoàn` stays unknown (None)."""
        grassroots = row.get("is_grassroots_cell")
        youth = row.get("has_youth_union")
        return cls(
            code=row["code"],
            kind=row.get("kind"),
            is_grassroots_cell=True if grassroots is None else bool(grassroots),
            special_area=_bool(row.get("special_area")),
            has_youth_union=None if youth is None else bool(youth),
        )


_OFFICIAL = fold("Chính thức")
FORMER_STATUSES = ("Xóa tên", "Khai trừ")  # left the Party: a new file is a re-admission
_FORMER = frozenset(fold(s) for s in FORMER_STATUSES)  # fold also matches "Xoá tên"


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """A member of the register (`Đảng viên` sheet)."""

    member_code: str | None
    full_name: str
    status: str | None
    admitted_on: date | None
    official_on: date | None
    org_code: str | None
    birth_date: date | None = None
    cccd: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> MemberFacts:
        return cls(
            member_code=row.get("member_code"),
            full_name=nfc(row.get("full_name")) or "",
            status=row.get("status"),
            admitted_on=row.get("admitted_on"),
            official_on=row.get("official_on"),
            org_code=row.get("org_code"),
            birth_date=row.get("birth_date"),
            cccd=row.get("cccd"),
        )

    def is_official_on(self, d: date) -> bool:
        """Official member on d: by the recognition date when recorded, else by status."""
        if self.official_on is not None:
            return self.official_on <= d
        return fold(self.status) == _OFFICIAL

    @property
    def is_former(self) -> bool:
        """Left the Party (struck off or expelled): a new file for them is a re-admission."""
        return fold(self.status) in _FORMER

    @property
    def is_active(self) -> bool:
        return fold(self.status) in (_OFFICIAL, fold("Dự bị"))

    def label(self) -> str:
        return f"{self.full_name} ({self.member_code})" if self.member_code else self.full_name


@dataclass(frozen=True, slots=True)
class MemberYear:
    """One yearly record of the `Theo dõi đảng viên` sheet."""

    member_code: str
    year: int
    months_absent: int = 0
    months_unpaid: int = 0
    violated: bool = False
    declining: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> MemberYear:
        return cls(
            member_code=row["member_code"],
            year=int(row["year"]),
            months_absent=int(row.get("months_absent") or 0),
            months_unpaid=int(row.get("months_unpaid") or 0),
            violated=_bool(row.get("violated")),
            declining=_bool(row.get("declining")),
        )


@dataclass(frozen=True)
class FileFacts:
    """A candidate's file: identity, introducers, and its recorded steps."""

    file_code: str
    full_name: str
    sex: str | None
    birth_date: date | None
    cccd: str | None
    education: str | None
    sea_fisher: bool
    youth_union_member: bool
    exception_approval: str | None
    org_code: str
    introducer1: str | None = None  # member code or full name
    introducer1_since: date | None = None  # together in the same unit since
    introducer2: str | None = None
    introducer2_since: date | None = None
    union_intro: str | None = None  # "Đoàn" / "Công đoàn" / None
    replacement: bool = False  # one introducer replaces the first (transferred, died…)
    events: tuple[StepEvent, ...] = field(default=())

    @classmethod
    def from_row(
        cls, row: Mapping[str, Any], events: Iterable[StepEvent] | None = None
    ) -> FileFacts:
        """From a `Quần chúng` row (template keys) and its `Các bước` history. Without a
        history the pipeline columns are used (each is the latest record of its step). The
        decision's receipt date lives on the row only: it is put on the latest A10."""
        evs = list(events) if events is not None else events_from_row(row)
        received = row.get("a10_received_on")
        if received is not None:
            a10 = [i for i, e in enumerate(evs) if e.step_id == "A10"]
            if a10:
                last = max(a10, key=lambda i: (evs[i].on, evs[i].seq))
                if evs[last].received_on is None:
                    evs[last] = replace(evs[last], received_on=received)
        return cls(
            file_code=row["file_code"],
            full_name=nfc(row.get("full_name")) or "",
            sex=row.get("sex"),
            birth_date=row.get("birth_date"),
            cccd=row.get("cccd"),
            education=row.get("education"),
            sea_fisher=_bool(row.get("sea_fisher")),
            youth_union_member=_bool(row.get("youth_union_member")),
            exception_approval=row.get("exception_approval") or None,
            org_code=row["org_code"],
            introducer1=row.get("a6_introducer1"),
            introducer1_since=row.get("a6_introducer1_since"),
            introducer2=row.get("a6_introducer2"),
            introducer2_since=row.get("a6_introducer2_since"),
            union_intro=row.get("a6_union_intro"),
            replacement=_bool(row.get("a6_replacement")),
            events=tuple(evs),
        )


def _result(value: Any) -> Result:
    """A step's result from the template's label ("Không thông qua") or the stored value
    ("failed"); empty means passed. Anything else is refused, never read as passed."""
    if not value:
        return Result.PASSED
    if isinstance(value, Result):
        return value
    return RESULT_BY_LABEL.get(value) or Result(value)


def events_from_steps(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[StepEvent]]:
    """`Các bước` rows grouped by file code; the row order is the recording order."""
    out: dict[str, list[StepEvent]] = defaultdict(list)
    for seq, r in enumerate(rows):
        out[r["file_code"]].append(
            StepEvent(
                step_id=r["step_id"],
                on=r["on"],
                result=_result(r.get("result")),
                doc_no=r.get("doc_no"),
                official_members=r.get("official_members"),
                votes_for=r.get("votes_for"),
                received_on=r.get("received_on"),
                note=r.get("note"),
                seq=seq,
            )
        )
    return out


def events_from_row(row: Mapping[str, Any]) -> list[StepEvent]:
    """The passed events a `Quần chúng` row's pipeline columns describe (no history)."""
    evs: list[StepEvent] = []
    for seq, (step, cols) in enumerate(STEP_COLUMNS.items()):
        on = row.get(cols["on"])
        if on is None:
            continue
        values = {k: row.get(c) for k, c in cols.items() if k != "on"}
        evs.append(StepEvent(step_id=step, on=on, seq=seq, **values))
    closed = CLOSED_STEP_BY_LABEL.get(row.get("closed") or "")
    if closed and row.get("closed_on"):
        evs.append(
            StepEvent(closed, row["closed_on"], note=row.get("closed_reason"), seq=len(evs) + 99)
        )
    return evs


# --- findings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violation or due item. `message` is Vietnamese: what is wrong, what to do."""

    rule: str
    severity: Severity
    message: str
    due: date | None = None  # the last allowed day, inclusive
    legal_basis: str = ""
    step: str | None = None  # the step the finding applies to (blocking is per step)
    subject: str | None = None  # file code or member code

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "due": self.due.isoformat() if self.due else None,
            "legal_basis": self.legal_basis,
            "step": self.step,
            "subject": self.subject,
        }


def _d(d: date) -> str:
    """dd/mm/yyyy, as the app shows dates (strftime is slow on the hot path)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _u_note(book: Rulebook, params: Iterable[str]) -> str:
    unverified = book.unverified(params)
    if not unverified:
        return ""
    what = "; ".join(PARAM_SPECS[p.name].label for p in unverified)
    return (
        f" (Lưu ý: điểm này dựa trên cách hiểu chưa được kiểm chứng [U] — {what}; "
        "cần đối chiếu văn bản gốc trước khi kết luận.)"
    )


def _finding(
    book: Rulebook,
    rule: str,
    message: str,
    *,
    key: str | None = None,
    step: str | None = None,
    due: date | None = None,
    severity: Severity | None = None,
    params: Sequence[str] | None = None,
    subject: str | None = None,
) -> Finding:
    key = key or rule
    used = RULE_PARAMS[rule] if params is None else params
    return Finding(
        rule=rule,
        severity=severity or book.severity(key),
        message=message + _u_note(book, used),
        due=due,
        legal_basis=book.basis(key, used),
        step=step,
        subject=subject,
    )


def _deadline_severity(due: date, today: date, window: int) -> Severity:
    if today > due:
        return Severity.ERROR
    if (due - today).days <= window:
        return Severity.WARNING
    return Severity.INFO


# --- dates ----------------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Calendar months later (earlier when negative); the day clamps to the month's end."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    m += 1
    if d.day <= 28:
        return date(y, m, d.day)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return date(y, m, min(d.day, (nxt - timedelta(days=1)).day))


def age_in_months(birth: date, on: date) -> int:
    """RULES.md AGE_MIN: `(year_on*12 + month_on) - (year_birth*12 + month_birth)`."""
    return (on.year * 12 + on.month) - (birth.year * 12 + birth.month)


def probation_end(ceremony: date, rulebooks: RulebookSet) -> date:
    """The last day of probation: the ceremony (A11) + `probation_months` (Điều lệ Đ.5)."""
    return add_months(ceremony, rulebooks.rulebook_for(ceremony).value("probation_months"))


def recognition_vote_due(end: date, rulebooks: RulebookSet, calendar: WorkCalendar) -> date:
    """The last day for the cell's recognition vote (P3): `recognition_cell_working_days`
    after the end of probation (RECOGNITION_DUE)."""
    n = rulebooks.rulebook_for(end).value("recognition_cell_working_days")
    return calendar.add_working_days(end, n)


def recognition_decision_due(vote: date, rulebooks: RulebookSet, calendar: WorkCalendar) -> date:
    """The last day for the committee's recognition decision (P5):
    `recognition_decision_working_days` after the cell's vote (RECOGNITION_DUE)."""
    n = rulebooks.rulebook_for(vote).value("recognition_decision_working_days")
    return calendar.add_working_days(vote, n)


def dossier_expires(paper: date, ref: date, rulebooks: RulebookSet) -> date:
    """The day a paper of the file (DOSSIER_STEPS) dated `paper` stops being valid, judged
    on `ref` (the cell meeting, or the day asked): DOSSIER_STALE."""
    return add_months(paper, rulebooks.rulebook_for(ref).value("dossier_validity_months"))


def is_youth_age(birth: date | None, on: date, rulebooks: RulebookSet) -> bool:
    """At youth age on `on` (RULES.md §4: 18–30 at admission), in months as AGE_MIN counts
    age: `age_min_months <= age < (youth_age_max_years + 1) * 12`."""
    if birth is None:
        return False
    book = rulebooks.rulebook_for(on)
    age = age_in_months(birth, on)
    return book.value("age_min_months") <= age < (book.value("youth_age_max_years") + 1) * 12


def _full_months(start: date, end: date) -> int:
    """Whole calendar months from start to end (for messages)."""
    n = (end.year * 12 + end.month) - (start.year * 12 + start.month)
    return n - 1 if add_months(start, n) > end else n


def _years_months(months: int) -> str:
    y, m = divmod(months, 12)
    return f"{y} tuổi {m} tháng" if m else f"{y} tuổi"


# --- context --------------------------------------------------------------------------------

_SEXES = {fold("Nam"): "Nam", fold("Nữ"): "Nữ"}
_UNIONS = {fold("Đoàn"): "Đoàn", fold("Công đoàn"): "Công đoàn"}
_UNION_NAMES = {"Đoàn": "Ban Chấp hành Đoàn cơ sở", "Công đoàn": "Ban Chấp hành Công đoàn cơ sở"}
_EDU_BY_FOLD = {fold(e): e for e in EDUCATION} | {fold(k): v for k, v in EDUCATION_ALIASES.items()}
_EDU_RANK = {e: i for i, e in enumerate(EDUCATION)}
_CCCD_RE = re.compile(r"\d{12}")


def _education(value: str | None) -> str | None:
    return _EDU_BY_FOLD.get(fold(value)) if value else None


def _person_key(name: str | None, birth: date | None) -> tuple[str, date] | None:
    if not name or birth is None:
        return None
    return fold(name), birth


def _clean_cccd(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


@dataclass
class RuleContext:
    """What every file's check shares: the rulebooks and indexes over the member register.
    Build it once per check run (`RuleContext.build`), not once per file."""

    rulebooks: RulebookSet
    members_by_name: Mapping[str, tuple[MemberFacts, ...]] = field(default_factory=dict)
    former_by_cccd: Mapping[str, MemberFacts] = field(default_factory=dict)
    former_by_person: Mapping[tuple[str, date], MemberFacts] = field(default_factory=dict)

    @classmethod
    def build(
        cls, members: Iterable[MemberFacts], rulebooks: RulebookSet | None = None
    ) -> RuleContext:
        by_name: dict[str, list[MemberFacts]] = defaultdict(list)
        former_cccd: dict[str, MemberFacts] = {}
        former_person: dict[tuple[str, date], MemberFacts] = {}
        for m in members:
            if m.full_name:  # NFC already (MemberFacts holds normalised text)
                by_name[m.full_name].append(m)
            if m.is_former:
                cccd = _clean_cccd(m.cccd)
                if cccd:
                    former_cccd[cccd] = m
                key = _person_key(m.full_name, m.birth_date)
                if key:
                    former_person[key] = m
        return cls(
            rulebooks=rulebooks or default_rulebooks(),
            members_by_name={k: tuple(v) for k, v in by_name.items()},
            former_by_cccd=former_cccd,
            former_by_person=former_person,
        )

    def book(self, d: date) -> Rulebook:
        return self.rulebooks.rulebook_for(d)

    def former_member(self, file: FileFacts) -> MemberFacts | None:
        cccd = _clean_cccd(file.cccd)
        if cccd and cccd in self.former_by_cccd:
            return self.former_by_cccd[cccd]
        key = _person_key(file.full_name, file.birth_date)
        found = self.former_by_person.get(key) if key else None
        if found is not None and cccd and _clean_cccd(found.cccd) not in (None, cccd):
            return None  # namesakes born the same day, told apart by their CCCDs
        return found

    def resolve(
        self, ref: str, members_by_code: Mapping[str, MemberFacts], org_code: str
    ) -> tuple[MemberFacts | None, str]:
        """An introducer by member code first, else by exact (NFC) full name. Returns the
        member and "" or None and why not ("unknown" / "ambiguous")."""
        ref = ref.strip()
        found = members_by_code.get(ref)
        if found is not None:
            return found, ""
        named = self.members_by_name.get(nfc(ref) or "", ())
        same = named
        if len(named) > 1:  # namesakes: one in the file's own cell is the likely one
            same = tuple(m for m in named if m.org_code == org_code)
        if len(same) == 1:
            return same[0], ""
        return None, "ambiguous" if named else "unknown"


# --- the file's structure -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _View:
    """A file's events seen the ways the rules need them."""

    events: list[StepEvent]  # all records, in order
    last: dict[str, StepEvent]  # latest passed record in force, per step
    state: State

    @property
    def closed(self) -> bool:
        return self.state in (State.XOA_TEN, State.DUNG)


def _view(events: Iterable[StepEvent]) -> _View:
    evs = ordered(events)
    kept = effective_events(evs)
    last: dict[str, StepEvent] = {}
    for e in kept:
        last[e.step_id] = e
    # The records in force replay to the same state as the whole history (all passed, no
    # returns left): one replay instead of two.
    return _View(evs, last, derive_state(kept))


_BEFORE_DECISION = frozenset(
    {State.NGUON, State.BOI_DUONG, State.HO_SO, State.THAM_TRA, State.CHI_BO_XET}
)
_DOCS = (  # DOSSIER_STALE: the documents valid 12 months up to the cell meeting
    ("A3", "đơn xin vào Đảng"),
    ("A4", "lý lịch người xin vào Đảng"),
    ("A6", "giấy giới thiệu của đảng viên (hoặc nghị quyết giới thiệu của Đoàn/Công đoàn)"),
    ("A7", "ý kiến nhận xét của đoàn thể, chi ủy nơi cư trú và bản tổng hợp"),
)
DOSSIER_STEPS = tuple(step for step, _ in _DOCS)


def _name(step: str) -> str:
    return f"{step} – {STEP_BY_ID[step].name}"


# --- eligibility (judged at the cell meeting A8; before it: today) --------------------------


def _eligibility(
    file: FileFacts, org: OrgFacts, on: date, held: bool, ctx: RuleContext
) -> list[Finding]:
    book = ctx.book(on)
    out: list[Finding] = []
    code = file.file_code
    when = f"vào ngày chi bộ xét {_d(on)}" if held else f"đến hôm nay ({_d(on)})"
    if file.birth_date is not None:
        age = age_in_months(file.birth_date, on)
        low, high = book.value("age_min_months"), book.value("age_max_months")
        if age < low:
            ready = add_months(date(file.birth_date.year, file.birth_date.month, 1), low)
            out.append(
                _finding(
                    book,
                    "AGE_MIN",
                    f"Chưa đủ tuổi: {when} người vào Đảng mới {_years_months(age)} "
                    f"({age} tháng, tính theo tháng, không tính ngày); phải đủ {low} tháng "
                    f"(18 tuổi). Chi bộ chỉ được xét kết nạp từ tháng {ready:%m/%Y}.",
                    step="A8",
                    subject=code,
                )
            )
        elif age > high and not file.exception_approval:
            out.append(
                _finding(
                    book,
                    "AGE_MAX",
                    f"Quá tuổi: {when} người vào Đảng đã {_years_months(age)} ({age} tháng), "
                    f"quá {high} tháng (đủ 60 tuổi). Chỉ được kết nạp khi có văn bản đồng ý "
                    "của Ban Thường vụ Tỉnh ủy (nơi làm việc chưa có đảng viên hoặc yêu cầu "
                    "đặc biệt): ghi số, ngày văn bản ở cột 'Văn bản chấp thuận'.",
                    step="A8",
                    subject=code,
                )
            )
    edu = _education(file.education)
    if edu is not None:
        relaxed = org.special_area or file.sea_fisher
        need = book.value("edu_min_special" if relaxed else "edu_min")
        if _EDU_RANK[edu] < _EDU_RANK[need]:
            why = (
                ""
                if relaxed
                else " Tốt nghiệp tiểu học chỉ đủ ở vùng cao, miền núi, biên giới, hải đảo, "
                "vùng đồng bào dân tộc thiểu số, vùng đặc biệt khó khăn, hoặc với ngư dân "
                "thường xuyên làm việc ngoài biển, đảo (nếu đúng, đánh dấu 'Vùng đặc biệt' "
                "của chi bộ hoặc 'Ngư dân bám biển' của người vào Đảng)."
            )
            out.append(
                _finding(
                    book,
                    "EDU_MIN",
                    f"Trình độ học vấn chưa đạt: {edu}, yêu cầu tối thiểu {need}.{why}",
                    step="A8",
                    subject=code,
                )
            )
    former = ctx.former_member(file)
    if former is not None:
        wait = book.value("readmit_wait_months")
        wait_conv = book.value("readmit_wait_after_conviction_months")
        times = book.value("readmit_max_times")
        conditions = (
            f"đủ {wait} tháng kể từ khi ra khỏi Đảng ({wait_conv} tháng nếu bị án nhẹ, tính từ "
            f"khi được xóa án tích); chỉ được kết nạp lại {'một' if times == 1 else times} lần; "
            "không thuộc diện không được xem xét kết nạp lại (tự bỏ sinh hoạt đảng, xin ra "
            "Đảng, gây mất đoàn kết nghiêm trọng, bị kết án về tham nhũng hoặc tội nghiêm trọng)"
        )
        note = (
            "Danh sách đảng viên không ghi ngày và lý do ra khỏi Đảng nên khdesk không tự kiểm "
            "tra được các điều kiện này; sau khi kết nạp lại vẫn dự bị đủ 12 tháng."
        )
        who = f"trùng với đảng viên cũ {former.label()} (trạng thái: {former.status})"
        if file.exception_approval:
            out.append(
                _finding(
                    book,
                    "READMIT",
                    f"Kết nạp lại: người vào Đảng {who}; đã ghi văn bản chấp thuận "
                    f"'{file.exception_approval}'. Cần kiểm tra: {conditions}. {note}",
                    key="READMIT.approved",
                    step="A8",
                    subject=code,
                )
            )
        else:
            out.append(
                _finding(
                    book,
                    "READMIT",
                    f"Kết nạp lại: người vào Đảng {who}. Phải có văn bản đồng ý của Ban Thường "
                    "vụ Tỉnh ủy (ghi ở cột 'Văn bản chấp thuận') và bảo đảm: "
                    f"{conditions}. {note}",
                    step="A8",
                    subject=code,
                )
            )
    return out


def _at_meeting(file: FileFacts, view: _View, on: date, ctx: RuleContext) -> list[Finding]:
    """CERT_* and VERIFY_MISSING for a cell meeting held (or proposed) on `on`."""
    book = ctx.book(on)
    out: list[Finding] = []
    code = file.file_code
    cert = _latest_passed(view, "A2", on)
    if cert is None:
        out.append(
            _finding(
                book,
                "CERT_MISSING",
                f"Chi bộ xét ngày {_d(on)} nhưng hồ sơ chưa ghi giấy chứng nhận học lớp bồi "
                "dưỡng nhận thức về Đảng (bước A2) cấp trước ngày đó. Ghi ngày, số giấy chứng "
                "nhận; nếu chưa học, chi bộ phải giới thiệu đi học trước khi xét.",
                step="A8",
                subject=code,
            )
        )
    else:
        months = book.value("cert_validity_months")
        expires = add_months(cert.on, months)
        if on >= expires:
            out.append(
                _finding(
                    book,
                    "CERT_EXPIRED",
                    f"Giấy chứng nhận bồi dưỡng nhận thức về Đảng ngày {_d(cert.on)} chỉ có giá "
                    f"trị {months} tháng, đã hết giá trị từ ngày {_d(expires)}, trước ngày chi "
                    f"bộ xét {_d(on)}. Người vào Đảng phải học lại lớp bồi dưỡng nhận thức về "
                    "Đảng trước khi chi bộ xét kết nạp.",
                    step="A8",
                    subject=code,
                )
            )
    verified = _latest_passed(view, "A5", on)
    if verified is None:
        later = view.last.get("A5")
        also = f" (kết luận thẩm tra ghi ngày {_d(later.on)}, sau ngày họp)" if later else ""
        out.append(
            _finding(
                book,
                "VERIFY_MISSING",
                f"Chi bộ xét ngày {_d(on)} khi chưa có kết luận thẩm tra lý lịch{also}. "
                "Cấp ủy cơ sở phải kết luận thẩm tra (bước A5) trước khi chi bộ xét kết nạp.",
                step="A8",
                subject=code,
            )
        )
    return out


def _latest_passed(view: _View, step: str, on: date) -> StepEvent | None:
    """The latest passed record in force of `step` dated on or before `on`."""
    e = view.last.get(step)
    if e is not None and e.on <= on:
        return e
    found = None
    for e in view.events:
        if e.step_id == step and e.result is Result.PASSED and e.on <= on:
            found = e
    return found


def _cert_before_meeting(
    file: FileFacts, view: _View, today: date, ctx: RuleContext
) -> list[Finding]:
    """An open file before its cell meeting: warn when the certificate lapses (or lapsed)."""
    cert = view.last.get("A2")
    if cert is None:
        return []
    book = ctx.book(today)
    months = book.value("cert_validity_months")
    expires = add_months(cert.on, months)
    last_day = expires - timedelta(days=1)
    window = book.value("warning_window_days")
    if (last_day - today).days > window:
        return []
    if today > last_day:
        text = (
            f"Giấy chứng nhận bồi dưỡng nhận thức về Đảng ngày {_d(cert.on)} đã hết giá trị "
            f"({months} tháng) từ ngày {_d(expires)}. Chi bộ phải giới thiệu người vào Đảng học "
            "lại lớp nhận thức trước khi xét kết nạp."
        )
    else:
        text = (
            f"Giấy chứng nhận bồi dưỡng nhận thức về Đảng ngày {_d(cert.on)} hết giá trị "
            f"({months} tháng) từ ngày {_d(expires)}: chi bộ cần họp xét kết nạp chậm nhất ngày "
            f"{_d(last_day)}, nếu không người vào Đảng phải học lại."
        )
    return [
        _finding(
            book,
            "CERT_EXPIRED",
            text,
            key="CERT_EXPIRED.before_meeting",
            step="A8",
            due=last_day,
            subject=file.file_code,
        )
    ]


# --- introducers ----------------------------------------------------------------------------


def _introducers(
    file: FileFacts,
    org: OrgFacts,
    on: date,
    members_by_code: Mapping[str, MemberFacts],
    ctx: RuleContext,
) -> list[Finding]:
    book = ctx.book(on)
    out: list[Finding] = []
    code = file.file_code
    union = _UNIONS.get(fold(file.union_intro)) if file.union_intro else None
    refs = [
        (r.strip(), since)
        for r, since in ((file.introducer1, file.introducer1_since),
                         (file.introducer2, file.introducer2_since))
        if r and r.strip()
    ]  # fmt: skip
    people: list[str] = []  # distinct introducers (member code, else the name as written)
    need = book.value("intro_overlap_months")
    for ref, since in refs:
        member, why = ctx.resolve(ref, members_by_code, file.org_code)
        key = (member.member_code or member.full_name) if member else ref
        if key not in people:
            people.append(key)
        shown = member.label() if member else f"'{ref}'"
        if member is None:
            detail = (
                "có nhiều đảng viên trùng tên, hãy ghi mã đảng viên"
                if why == "ambiguous"
                else "không tìm thấy trong danh sách đảng viên (ghi mã đảng viên hoặc đúng họ "
                "tên), nên chưa kiểm tra được là đảng viên chính thức"
            )
            out.append(
                _finding(
                    book,
                    "INTRO_STATUS",
                    f"Người giới thiệu {shown}: {detail}.",
                    key="INTRO_STATUS.unknown",
                    step="A6",
                    subject=code,
                )
            )
        elif not member.is_official_on(on):
            since_txt = (
                f"chính thức từ ngày {_d(member.official_on)}"
                if member.official_on
                else f"trạng thái: {member.status or 'chưa rõ'}"
            )
            out.append(
                _finding(
                    book,
                    "INTRO_STATUS",
                    f"Người giới thiệu {shown} chưa là đảng viên chính thức vào ngày giới thiệu "
                    f"{_d(on)} ({since_txt}). Đảng viên dự bị không được giới thiệu người vào "
                    "Đảng: chi bộ phân công đảng viên chính thức khác giới thiệu.",
                    step="A6",
                    subject=code,
                )
            )
        if since is None:
            out.append(
                _finding(
                    book,
                    "INTRO_OVERLAP",
                    f"Chưa ghi từ ngày nào người giới thiệu {shown} cùng công tác, học tập hoặc "
                    f"sinh sống với người vào Đảng: chưa kiểm tra được đủ {need} tháng.",
                    key="INTRO_OVERLAP.unknown",
                    step="A6",
                    subject=code,
                )
            )
        elif add_months(since, need) > on:
            months = max(0, _full_months(since, on))
            text = (
                f"Người giới thiệu {shown} mới cùng công tác với người vào Đảng {months} tháng "
                f"(từ {_d(since)} đến ngày giới thiệu {_d(on)}), chưa đủ {need} tháng."
            )
            if file.replacement and book.value("intro_replacement_exempt"):
                out.append(
                    _finding(
                        book,
                        "INTRO_OVERLAP",
                        f"{text} Hồ sơ ghi đây là người giới thiệu thay thế nên được miễn điều "
                        "kiện này.",
                        key="INTRO_OVERLAP.replacement",
                        params=("intro_overlap_months", "intro_replacement_exempt"),
                        step="A6",
                        subject=code,
                    )
                )
            else:
                # With the replacement flag set, the refusal also rests on the switch.
                used = ("intro_overlap_months",) + (
                    ("intro_replacement_exempt",) if file.replacement else ()
                )
                out.append(
                    _finding(
                        book,
                        "INTRO_OVERLAP",
                        f"{text} Thời gian cùng công tác không cần liên tục: nếu trước đây đã "
                        "cùng đơn vị, cộng dồn và ghi ngày bắt đầu tương ứng; nếu không, chi bộ "
                        "phân công người giới thiệu khác.",
                        params=used,
                        step="A6",
                        subject=code,
                    )
                )
    n = len(people)
    if not (n >= 2 or (n == 1 and union)):
        if n == 0 and union:
            text = (
                f"Có nghị quyết giới thiệu của {_UNION_NAMES[union]} nhưng chưa ghi đảng viên "
                "chính thức cùng giới thiệu: cần thêm một đảng viên chính thức."
            )
        elif n == 0:
            text = (
                "Chưa ghi người giới thiệu: cần hai đảng viên chính thức, hoặc nghị quyết "
                "giới thiệu của Ban Chấp hành Đoàn / Công đoàn cơ sở và một đảng viên chính "
                "thức."
            )
        else:
            text = (
                "Chỉ có một đảng viên giới thiệu: cần hai đảng viên chính thức, hoặc nghị quyết "
                "giới thiệu của Ban Chấp hành Đoàn / Công đoàn cơ sở và một đảng viên chính "
                "thức (ghi ở cột 'Giới thiệu của Đoàn/Công đoàn')."
            )
        out.append(_finding(book, "INTRO_COUNT", text, step="A6", subject=code))
    if (
        file.youth_union_member
        and org.has_youth_union is not False
        and file.birth_date is not None
        and union != "Đoàn"
    ):
        youth_max = book.value("youth_age_max_years")
        age = age_in_months(file.birth_date, on)
        if age < (youth_max + 1) * 12:
            who = (
                f"Người vào Đảng là đoàn viên, {_years_months(age)} (trong độ tuổi thanh "
                f"niên, đến {youth_max} tuổi)"
            )
            if org.has_youth_union:
                out.append(
                    _finding(
                        book,
                        "INTRO_YOUTH",
                        f"{who} và đơn vị có tổ chức Đoàn: phải được Ban Chấp hành Đoàn cơ sở "
                        "giới thiệu (nghị quyết giới thiệu đoàn viên ưu tú) thay cho một đảng "
                        "viên giới thiệu.",
                        step="A6",
                        subject=code,
                    )
                )
            elif n >= 2:  # unknown: ask, never stay silent (RULES.md INTRO_YOUTH)
                out.append(
                    _finding(
                        book,
                        "INTRO_YOUTH",
                        f"{who}, được hai đảng viên giới thiệu, nhưng chưa ghi đơn vị "
                        f"{org.code} có tổ chức Đoàn hay không. Ghi mục 'Có tổ chức Đoàn' của "
                        "đơn vị: nếu có, người vào Đảng phải được Ban Chấp hành Đoàn cơ sở "
                        "giới thiệu thay cho một đảng viên.",
                        key="INTRO_YOUTH.unknown",
                        step="A6",
                        subject=code,
                    )
                )
    return out


# --- votes ----------------------------------------------------------------------------------


def _vote(e: StepEvent, ctx: RuleContext, code: str) -> list[Finding]:
    n, v = e.official_members, e.votes_for
    if n is None or v is None or e.result is Result.RETURNED:
        return []  # missing numbers are a DOC_MISSING item of an open file
    book = ctx.book(e.on)
    fraction: Fraction = book.value("vote_fraction")
    who = "đảng ủy viên" if e.step_id in ("A9", "P4") else "đảng viên chính thức"
    body = "đảng ủy cơ sở" if e.step_id in ("A9", "P4") else "chi bộ"
    what = f"Nghị quyết {body} ngày {_d(e.on)} ({_name(e.step_id)})"
    if n <= 0 or v < 0 or v > n:
        return [
            _finding(
                book,
                "VOTE_2_3",
                f"{what}: số phiếu không hợp lệ ({v} tán thành trên {n} {who}). Kiểm tra lại số "
                "liệu đã ghi.",
                key="VOTE_2_3.data",
                step=e.step_id,
                subject=code,
            )
        ]
    reached = fraction.reached(v, n)
    need = fraction.need(n)
    if e.result is Result.PASSED and not reached:
        return [
            _finding(
                book,
                "VOTE_2_3",
                f"{what} được ghi là thông qua nhưng chỉ {v}/{n} {who} tán thành, chưa đạt "
                f"{fraction} (cần ít nhất {need}; tính trên tổng số {who}, không phải số có "
                "mặt). Nghị quyết này không có giá trị: ghi lại là 'Không thông qua' hoặc sửa "
                "số phiếu nếu ghi nhầm.",
                step=e.step_id,
                subject=code,
            )
        ]
    if e.result is Result.FAILED and reached:
        return [
            _finding(
                book,
                "VOTE_2_3",
                f"{what} được ghi là không thông qua nhưng {v}/{n} {who} tán thành, đã đạt "
                f"{fraction}. Kiểm tra lại kết quả hoặc số phiếu đã ghi.",
                key="VOTE_2_3.data",
                step=e.step_id,
                subject=code,
            )
        ]
    return []


def _escalate(view: _View, ctx: RuleContext, code: str) -> list[Finding]:
    ceremony = view.last.get("A11")
    if ceremony is None:
        return []
    votes = [e for e in view.events if e.step_id == "P3" and e.on >= ceremony.on]
    if not votes:
        return []
    book = ctx.book(votes[-1].on)
    fraction: Fraction = book.value("vote_fraction")
    # Inconclusive: neither two thirds for, nor can the rest have been two thirds against.
    inconclusive = [
        e
        for e in votes
        if e.result is Result.FAILED
        and e.official_members
        and e.votes_for is not None
        and not fraction.reached(e.votes_for, e.official_members)
        and not fraction.reached(e.official_members - e.votes_for, e.official_members)
    ]
    limit = book.value("escalate_after_votes")
    if len(inconclusive) < limit:
        return []
    dates = ", ".join(_d(e.on) for e in inconclusive)
    return [
        _finding(
            book,
            "VOTE_ESCALATE",
            f"Chi bộ đã {len(inconclusive)} lần xét công nhận đảng viên chính thức ({dates}) mà "
            f"không đạt {fraction} tán thành hay không tán thành. Chi bộ báo cáo cấp ủy cấp trên "
            "trực tiếp xem xét, quyết định.",
            step="P3",
            subject=code,
        )
    ]


# --- the dossier and its checklist ----------------------------------------------------------


def _dossier(
    file: FileFacts, view: _View, ref: date, held: bool, today: date, ctx: RuleContext
) -> list[Finding]:
    book = ctx.book(ref)
    months = book.value("dossier_validity_months")
    window = book.value("warning_window_days")
    stale: list[tuple[date, str]] = []
    soon: list[tuple[date, str]] = []
    for step, label in _DOCS:
        doc = view.last.get(step)
        if doc is None or doc.on > ref:
            continue
        expires = dossier_expires(doc.on, ref, ctx.rulebooks)
        if ref >= expires:
            stale.append((expires, f"{label} ngày {_d(doc.on)} (hết giá trị từ {_d(expires)})"))
        elif not held and (expires - timedelta(days=1) - today).days <= window:
            soon.append((expires, f"{label} ngày {_d(doc.on)} (hết giá trị từ {_d(expires)})"))
    if not stale and not soon:
        return []
    parts = []
    if stale:
        when = f"đến ngày chi bộ xét {_d(ref)}" if held else "đến hôm nay"
        parts.append(
            f"Giấy tờ quá {months} tháng {when}: {'; '.join(s for _, s in stale)}. Phải làm lại "
            "các giấy tờ này"
            + (" (chi bộ đã xét khi hồ sơ quá hạn)." if held else " trước khi chi bộ xét.")
        )
    if soon:
        parts.append(
            f"Sắp hết giá trị ({months} tháng): {'; '.join(s for _, s in soon)}. Chi bộ cần xét "
            "trước ngày hết giá trị, nếu không phải làm lại."
        )
    # A due date only while the meeting is ahead: the last day the oldest paper is valid.
    due = None if held else min(e for e, _ in stale + soon) - timedelta(days=1)
    return [
        _finding(
            book,
            "DOSSIER_STALE",
            " ".join(parts),
            step="A8",
            due=due,
            subject=file.file_code,
        )
    ]


# Steps that must be on record before a step is recorded (A2 and A5 before A8 have rules of
# their own: CERT_MISSING, VERIFY_MISSING). A9/P4 only inside a đảng bộ cơ sở.
_PREREQUISITES: dict[str, tuple[str, ...]] = {
    "A2": ("A1",),
    "A3": ("A1",),
    "A5": ("A4",),
    "A8": ("A1", "A3", "A4", "A6", "A7"),
    "A9": ("A8",),
    "A10": ("A8", "A9"),
    "A11": ("A10",),
    "P3": ("A11", "P1", "P2"),
    "P4": ("P3",),
    "P5": ("P3", "P4"),
}


def _doc_missing(
    file: FileFacts, org: OrgFacts, view: _View, today: date, ctx: RuleContext
) -> list[Finding]:
    book = ctx.book(today)
    code = file.file_code
    items: list[tuple[str, str]] = []  # (step, message)
    seen: set[str] = set()
    for step, e in view.last.items():
        for need in _PREREQUISITES.get(step, ()):
            if need in ("A9", "P4") and org.is_grassroots_cell:
                continue
            if need in seen:
                continue
            have = view.last.get(need)
            if have is None or have.on > e.on:
                seen.add(need)
                items.append(
                    (
                        need,
                        f"Đã ghi bước {_name(step)} ngày {_d(e.on)} nhưng chưa ghi bước "
                        f"{_name(need)} trước đó: bổ sung ngày (và số văn bản nếu có).",
                    )
                )
    for step in sorted(CELL_VOTE_STEPS):
        e = view.last.get(step)
        if e is not None and (e.official_members is None or e.votes_for is None):
            items.append(
                (
                    step,
                    f"Nghị quyết chi bộ ngày {_d(e.on)} ({_name(step)}) chưa ghi số đảng viên "
                    "chính thức và số tán thành: cần để kiểm tra tỉ lệ hai phần ba.",
                )
            )
    for step, what in (("A2", "số giấy chứng nhận"), ("A10", "số quyết định kết nạp")):
        e = view.last.get(step)
        if e is not None and not e.doc_no:
            items.append((step, f"Bước {_name(step)} ngày {_d(e.on)} chưa ghi {what}."))
    a10 = view.last.get("A10")
    if view.state is State.QUYET_DINH and a10 is not None and a10.received_on is None:
        items.append(
            (
                "A10",
                f"Chưa ghi ngày chi bộ nhận quyết định kết nạp (quyết định ngày {_d(a10.on)}): "
                "thời hạn tổ chức lễ kết nạp tính từ ngày nhận; tạm tính từ ngày quyết định.",
            )
        )
    return [_finding(book, "DOC_MISSING", m, step=s, subject=code) for s, m in items]


# --- deadlines ------------------------------------------------------------------------------


def _deadline(
    book: Rulebook,
    rule: str,
    due: date,
    today: date,
    calendar: WorkCalendar,
    text: str,
    late: str,
    *,
    step: str,
    code: str,
    params: Sequence[str] | None = None,
) -> Finding:
    sev = _deadline_severity(due, today, book.value("warning_window_days"))
    if sev is Severity.ERROR:
        over = calendar.working_days_between(due, today)
        text = f"{text} Đã quá hạn {over} ngày làm việc. {late}"
    else:
        left = calendar.working_days_between(today, due)
        text = f"{text} Còn {(due - today).days} ngày ({left} ngày làm việc)."
    return _finding(book, rule, text, step=step, due=due, severity=sev, params=params, subject=code)


# The due date of each deadline, shared by the open deadlines and the steps done late.


def _decision_due(ctx: RuleContext, calendar: WorkCalendar, a8: StepEvent) -> tuple[Rulebook, date]:
    book = ctx.book(a8.on)
    return book, calendar.add_working_days(a8.on, book.value("decision_working_days"))


def _ceremony_due(
    ctx: RuleContext, calendar: WorkCalendar, a10: StepEvent
) -> tuple[Rulebook, date]:
    """Counted from the decision's receipt, else from the decision itself."""
    start = a10.received_on or a10.on
    book = ctx.book(start)
    return book, calendar.add_working_days(start, book.value("ceremony_working_days"))


def _probation_end(ctx: RuleContext, ceremony: StepEvent) -> tuple[Rulebook, date]:
    return ctx.book(ceremony.on), probation_end(ceremony.on, ctx.rulebooks)


def _recognition_cell_due(
    ctx: RuleContext, calendar: WorkCalendar, end: date
) -> tuple[Rulebook, date]:
    return ctx.book(end), recognition_vote_due(end, ctx.rulebooks, calendar)


def _recognition_decision_due(
    ctx: RuleContext, calendar: WorkCalendar, start: date
) -> tuple[Rulebook, date]:
    """From the cell's (last) recognition vote, or, with none recorded, from its due date."""
    return ctx.book(start), recognition_decision_due(start, ctx.rulebooks, calendar)


def _recognition_votes(
    view: _View, ceremony: StepEvent, until: date | None = None
) -> list[StepEvent]:
    return [
        e
        for e in view.events
        if e.step_id == "P3" and ceremony.on <= e.on and (until is None or e.on <= until)
    ]


def _deadlines(
    file: FileFacts, view: _View, calendar: WorkCalendar, today: date, ctx: RuleContext
) -> list[Finding]:
    code = file.file_code
    state = view.state
    last = view.last
    if state is State.CHI_BO_XET:
        a8 = last["A8"]
        book, due = _decision_due(ctx, calendar, a8)
        n, ext = book.value("decision_working_days"), book.value("decision_extension_working_days")
        return [
            _deadline(
                book,
                "DECISION_DUE",
                due,
                today,
                calendar,
                f"Chi bộ có nghị quyết đề nghị kết nạp ngày {_d(a8.on)}: cấp ủy có thẩm quyền "
                f"phải ra quyết định kết nạp trong {n} ngày làm việc, chậm nhất ngày {_d(due)}.",
                f"Trường hợp đặc biệt được kéo dài không quá {ext} ngày làm việc (đến ngày "
                f"{_d(calendar.add_working_days(due, ext))}); chi bộ đề nghị cấp ủy xem xét, "
                "quyết định ngay.",
                step="A10",
                code=code,
                params=("decision_working_days", "decision_extension_working_days"),
            )
        ]
    if state is State.QUYET_DINH:
        a10 = last["A10"]
        start = a10.received_on or a10.on
        book, due = _ceremony_due(ctx, calendar, a10)
        n = book.value("ceremony_working_days")
        got = "nhận" if a10.received_on else "ra (chưa ghi ngày nhận)"
        return [
            _deadline(
                book,
                "CEREMONY_DUE",
                due,
                today,
                calendar,
                f"Quyết định kết nạp {a10.doc_no or ''} {got} ngày {_d(start)}: chi bộ tổ chức "
                f"lễ kết nạp trong {n} ngày làm việc, chậm nhất ngày {_d(due)}.".replace("  ", " "),
                "Tổ chức lễ kết nạp muộn hơn phải được cấp ủy cấp trên đồng ý: báo cáo lý do và "
                "tổ chức lễ kết nạp sớm nhất.",
                step="A11",
                code=code,
            )
        ]
    if state is not State.DU_BI:
        return []
    ceremony = last["A11"]
    book, end = _probation_end(ctx, ceremony)
    votes = _recognition_votes(view, ceremony)
    if not votes:
        if today <= end:
            return [
                _deadline(
                    book,
                    "PROBATION_END",
                    end,
                    today,
                    calendar,
                    f"Thời gian dự bị 12 tháng (từ ngày lễ kết nạp {_d(ceremony.on)}) kết thúc "
                    f"ngày {_d(end)}. Chuẩn bị bản tự kiểm điểm, nhận xét của đảng viên giúp đỡ "
                    "và ý kiến của đoàn thể, chi ủy nơi cư trú để chi bộ xét công nhận đảng viên "
                    "chính thức.",
                    "",
                    step="P3",
                    code=code,
                )
            ]
        book, due = _recognition_cell_due(ctx, calendar, end)
        n = book.value("recognition_cell_working_days")
        return [
            _deadline(
                book,
                "RECOGNITION_DUE",
                due,
                today,
                calendar,
                f"Hết 12 tháng dự bị ngày {_d(end)}: chi bộ phải xét công nhận đảng viên chính "
                f"thức trong {n} ngày làm việc, chậm nhất ngày {_d(due)}. Đảng viên đủ điều kiện "
                f"được công nhận chính thức từ ngày {_d(end)} dù quyết định ra muộn.",
                "Chi bộ họp xét công nhận ngay và báo cáo lý do chậm với cấp ủy cấp trên.",
                step="P3",
                code=code,
            )
        ]
    p3 = votes[-1]
    book, due = _recognition_decision_due(ctx, calendar, p3.on)
    n = book.value("recognition_decision_working_days")
    ext = book.value("recognition_extension_working_days")
    if p3.result is Result.PASSED:
        what = "đề nghị công nhận đảng viên chính thức"
        act = "ra quyết định công nhận đảng viên chính thức"
    else:
        what = "không đề nghị công nhận đảng viên chính thức"
        act = "xem xét, quyết định (công nhận hoặc xóa tên trong danh sách đảng viên dự bị)"
    return [
        _deadline(
            book,
            "RECOGNITION_DUE",
            due,
            today,
            calendar,
            f"Chi bộ có nghị quyết {what} ngày {_d(p3.on)}: cấp ủy có thẩm quyền phải {act} "
            f"trong {n} ngày làm việc, chậm nhất ngày {_d(due)}.",
            f"Trường hợp đặc biệt được kéo dài không quá {ext} ngày làm việc (đến ngày "
            f"{_d(calendar.add_working_days(due, ext))}). Đảng viên đủ điều kiện vẫn được tính "
            f"là chính thức từ ngày {_d(end)}.",
            step="P5",
            code=code,
            params=("recognition_decision_working_days", "recognition_extension_working_days"),
        )
    ]


# --- steps done late (RULES.md "Done late": history, not an open task) ----------------------


def _late(
    book: Rulebook,
    rule: str,
    done: StepEvent,
    due: date,
    calendar: WorkCalendar,
    what: str,
    code: str,
    *,
    extra: str = "",
    severity: Severity = Severity.WARNING,
    params: Sequence[str] | None = None,
) -> Finding:
    late = calendar.working_days_between(due, done.on)
    return _finding(
        book,
        rule,
        f"{what} ngày {_d(done.on)}, muộn {late} ngày làm việc so với hạn chót {_d(due)}."
        + (f" {extra}" if extra else ""),
        step=done.step_id,
        severity=severity,  # no `due`: history, not an open task (nothing to meet)
        params=params,
        subject=code,
    )


def ceremony_approved(ceremony: StepEvent) -> bool:
    """A late ceremony's approval by the upper committee is on its step: the approving
    document's number (`doc_no`) and date (`received_on`); the ceremony has no document of
    its own."""
    return bool(ceremony.doc_no and ceremony.doc_no.strip()) and ceremony.received_on is not None


def ceremony_in_force(events: Iterable[StepEvent]) -> StepEvent | None:
    """The ceremony (A11) record in force, the one a late ceremony's approval goes on."""
    return _view(events).last.get("A11")


def late_findings(
    file_code: str,
    events: Iterable[StepEvent],
    calendar: WorkCalendar,
    context: RuleContext | None = None,
) -> list[Finding]:
    """The steps recorded after their statutory deadline (RULES.md "Done late"): one
    finding each, `warning` with the working days late and the missed deadline in its
    message (no `due`: it is history, the to-do list must not show it overdue); a late
    ceremony with the upper committee's approval recorded is `info` (the trace stays).
    Judged on the records in force: the decision (A10) against the cell resolution it
    followed, the ceremony (A11) against the decision's receipt, the cell's first
    recognition vote (P3) against the end of probation, the recognition decision (P5)
    against the last vote before it."""
    ctx = context or RuleContext.build(())
    return _done_late(file_code, _view(events), calendar, ctx)


def _done_late(code: str, view: _View, calendar: WorkCalendar, ctx: RuleContext) -> list[Finding]:
    last = view.last
    a8, a10, a11 = last.get("A8"), last.get("A10"), last.get("A11")
    out: list[Finding] = []
    if a8 is not None and a10 is not None and a10.on >= a8.on:
        book, due = _decision_due(ctx, calendar, a8)
        if a10.on > due:
            out.append(
                _late(
                    book,
                    "DECISION_DUE",
                    a10,
                    due,
                    calendar,
                    f"Quyết định kết nạp (nghị quyết chi bộ ngày {_d(a8.on)}) ra",
                    code,
                    params=("decision_working_days", "decision_extension_working_days"),
                )
            )
    if a10 is not None and a11 is not None and a11.on >= a10.on:
        book, due = _ceremony_due(ctx, calendar, a10)
        if a11.on > due:
            if ceremony_approved(a11) and a11.received_on is not None:
                extra = (
                    f"Đã có văn bản đồng ý của cấp ủy cấp trên số {a11.doc_no} ngày "
                    f"{_d(a11.received_on)}."
                )
                severity = Severity.INFO  # approved: the trace stays, nothing left to do
            else:
                extra = (
                    "Tổ chức lễ kết nạp quá thời hạn phải được cấp ủy cấp trên đồng ý: ghi số "
                    "và ngày văn bản đồng ý vào bước lễ kết nạp."
                )
                severity = Severity.WARNING
            out.append(
                _late(
                    book,
                    "CEREMONY_DUE",
                    a11,
                    due,
                    calendar,
                    "Lễ kết nạp tổ chức",
                    code,
                    extra=extra,
                    severity=severity,
                )
            )
    return out + _late_recognition(code, view, calendar, ctx)


def _late_recognition(
    code: str, view: _View, calendar: WorkCalendar, ctx: RuleContext
) -> list[Finding]:
    """RECOGNITION_DUE done late. Reads only the steps' ids, dates, results and order (the
    statistics pass their lighter event tuples)."""
    out: list[Finding] = []
    last = view.last
    a11 = last.get("A11")
    if a11 is None:
        return out
    _, end = _probation_end(ctx, a11)
    p5 = last.get("P5")
    p5 = p5 if p5 is not None and p5.on >= a11.on else None
    votes = _recognition_votes(view, a11, p5.on if p5 else None)
    book, cell_due = _recognition_cell_due(ctx, calendar, end)
    if votes and votes[0].on > cell_due:
        out.append(
            _late(
                book,
                "RECOGNITION_DUE",
                votes[0],
                cell_due,
                calendar,
                f"Chi bộ xét công nhận đảng viên chính thức (hết dự bị ngày {_d(end)})",
                code,
                params=("probation_months", "recognition_cell_working_days"),
            )
        )
    if p5 is not None:
        book, due = _recognition_decision_due(ctx, calendar, votes[-1].on if votes else cell_due)
        if p5.on > due:
            out.append(
                _late(
                    book,
                    "RECOGNITION_DUE",
                    p5,
                    due,
                    calendar,
                    "Quyết định công nhận đảng viên chính thức ra",
                    code,
                    extra=f"Đảng viên vẫn được tính là chính thức từ ngày {_d(end)}.",
                    params=(
                        "recognition_decision_working_days",
                        "recognition_extension_working_days",
                    ),
                )
            )
    return out


def recognition_on_time(
    events: Iterable[StepEvent], calendar: WorkCalendar, context: RuleContext | None = None
) -> bool | None:
    """Whether a recognised member (P5 recorded) was recognised on time: no late finding
    on the cell's vote (P3) or the decision (P5). None without a ceremony or a P5 (the
    statistics' "recognised on time vs late")."""
    view = _view(events)
    a11, p5 = view.last.get("A11"), view.last.get("P5")
    if a11 is None or p5 is None:
        return None
    return not _late_recognition("", view, calendar, context or RuleContext.build(()))


# --- identity -------------------------------------------------------------------------------

# Province codes of birth registration (CCCD digits 1–3), Thông tư 07/2016/TT-BCA (63 codes).
CCCD_PROVINCES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)


def _cccd(file: FileFacts, book: Rulebook) -> list[Finding]:
    cccd = _clean_cccd(file.cccd)
    if cccd is None:
        return []
    code = file.file_code
    if not _CCCD_RE.fullmatch(cccd):
        return [
            _finding(
                book,
                "CCCD_FORMAT",
                f"Số CCCD '{_mask(cccd)}' không hợp lệ: phải gồm đúng 12 chữ số (đang có "
                f"{len(cccd)} ký tự{'' if cccd.isdigit() else ', có ký tự không phải chữ số'}).",
                subject=code,
            )
        ]
    slips: list[str] = []
    if cccd[:3] not in CCCD_PROVINCES:
        slips.append(f"3 chữ số đầu '{cccd[:3]}' không phải mã tỉnh nơi đăng ký khai sinh")
    birth = file.birth_date
    if birth is not None and 1900 <= birth.year <= 2399:
        century = (birth.year // 100 - 19) * 2
        digit = int(cccd[3])
        sex = _SEXES.get(fold(file.sex)) if file.sex else None
        if digit // 2 * 2 != century:
            slips.append(f"chữ số thứ 4 ('{digit}') không khớp thế kỷ của năm sinh {birth.year}")
        elif sex is not None and digit != century + (sex == "Nữ"):
            slips.append(f"chữ số thứ 4 ('{digit}') không khớp giới tính ({sex})")
        if cccd[4:6] != f"{birth.year % 100:02d}":
            slips.append(f"chữ số thứ 5–6 ('{cccd[4:6]}') không khớp năm sinh {birth.year}")
    if not slips:
        return []
    return [
        _finding(
            book,
            "CCCD_FORMAT",
            f"Số CCCD '{_mask(cccd)}' có thể ghi nhầm: {'; '.join(slips)}. Đối chiếu lại với "
            "thẻ CCCD, ngày sinh và giới tính đã ghi.",
            key="CCCD_FORMAT.mismatch",
            subject=code,
        )
    ]


def _mask(cccd: str) -> str:
    """Show a CCCD without its serial part: messages may end up in logs."""
    return cccd[:6] + "*" * max(0, len(cccd) - 6)


# --- the public functions -------------------------------------------------------------------


def _org(org: OrgFacts | None, file: FileFacts) -> OrgFacts:
    return org if org is not None else OrgFacts(file.org_code)


def _intro_date(view: _View) -> date | None:
    a6 = view.last.get("A6")
    if a6 is not None:
        return a6.on
    a8 = view.last.get("A8")
    return a8.on if a8 is not None else None


# --- transfers (RULES.md §2a) -------------------------------------------------------------


def _before(e: StepEvent, arrival: StepEvent | None) -> bool:
    """Was `e` recorded before `arrival` (the file's coming to its present unit)?"""
    return arrival is not None and (e.on, e.seq) < (arrival.on, arrival.seq)


def _transfer_findings(
    file: FileFacts, view: _View, today: date, ctx: RuleContext
) -> list[Finding]:
    """TRANSFER_REDO, TRANSFER_MENTOR, TRANSFER_PRIOR_OPINION of an open file."""
    arrival = transfers.replay(file.events, file.org_code).arrival
    out: list[Finding] = []
    if arrival is not None:
        book = ctx.book(arrival.on)
        if "A8" not in view.last:
            for step, what in _DOCS:
                e = view.last.get(step)
                if step in ("A6", "A7") and e is not None and _before(e, arrival):
                    out.append(
                        _finding(
                            book,
                            "TRANSFER_REDO",
                            f"Hồ sơ chuyển đến ngày {_d(arrival.on)}: {what} (bước {_name(step)}, "
                            f"ngày {_d(e.on)}) nói về nơi cũ — làm lại ở đơn vị mới trước khi chi "
                            "bộ xét kết nạp.",
                            step=step,
                            subject=file.file_code,
                        )
                    )
        ceremony = view.last.get("A11")
        p1 = view.last.get("P1")
        if (
            view.state is State.DU_BI
            and ceremony is not None
            and _before(ceremony, arrival)
            and (p1 is None or _before(p1, arrival))
        ):
            out.append(
                _finding(
                    book,
                    "TRANSFER_MENTOR",
                    f"Đảng viên dự bị chuyển đến ngày {_d(arrival.on)}: chi bộ mới phân công "
                    f"đảng viên chính thức giúp đỡ (ghi bước {_name('P1')}).",
                    step="P1",
                    subject=file.file_code,
                )
            )
    if view.state is State.DU_BI:
        p3 = view.last.get("P3")
        out += _prior_opinion(file, view, p3.on if p3 else today, ctx)
    return out


def _prior_opinion(file: FileFacts, view: _View, on: date, ctx: RuleContext) -> list[Finding]:
    """TRANSFER_PRIOR_OPINION: at recognition (P3 on `on`), each previous cell that held
    the probationary member for the rulebook's months of probation has its written
    opinion in the file (its number on the transfer out or on the acceptance, or the
    opinion the new cell recorded later, dated by `on`)."""
    ceremony = view.last.get("A11")
    if ceremony is None:
        return []
    book = ctx.book(on)
    limit = book.value("transfer_prior_opinion_months")
    moves = transfers.replay(file.events, file.org_code).moves
    given = transfers.opinions(file.events, on)
    out: list[Finding] = []
    start = ceremony.on
    for move in moves:
        if move.arrival.on < ceremony.on:
            continue  # moved before the ceremony: no probation spent there
        months = _full_months(start, move.out.on) if move.out.on >= start else 0
        start = move.arrival.on
        if months < limit or move.out.doc_no or move.arrival.doc_no or move.out.from_org in given:
            continue
        out.append(
            _finding(
                book,
                "TRANSFER_PRIOR_OPINION",
                f"Đảng viên dự bị đã sinh hoạt ở {move.out.from_org} {months} tháng trong thời "
                f"gian dự bị (từ {limit} tháng trở lên): cần ý kiến bằng văn bản của chi bộ đó "
                "khi xét công nhận đảng viên chính thức (ghi khi tiếp nhận hồ sơ, hoặc ghi sau: "
                "Chuyển hồ sơ → Ý kiến của chi bộ cũ).",
                step="P3",
                subject=file.file_code,
            )
        )
    return out


def check_file(
    file: FileFacts,
    org: OrgFacts | None,
    members_by_code: Mapping[str, MemberFacts],
    calendar: WorkCalendar,
    today: date,
    context: RuleContext | None = None,
) -> list[Finding]:
    """Every per-file rule of RULES.md §3 for one file (DUPLICATE_PERSON is cross-file:
    `duplicate_findings`). Build `context` once for many files."""
    ctx = context or RuleContext.build(members_by_code.values())
    org = _org(org, file)
    view = _view(file.events)
    out: list[Finding] = []
    a8 = view.last.get("A8")
    open_ = not view.closed
    # Eligibility at the cell meeting in force; an open file before it is judged today. A
    # closed file that never passed a meeting has nothing left to judge.
    if a8 is not None:
        out += _eligibility(file, org, a8.on, True, ctx)
        out += _at_meeting(file, view, a8.on, ctx)
    elif open_:
        out += _eligibility(file, org, today, False, ctx)
        out += _cert_before_meeting(file, view, today, ctx)
    intro_on = _intro_date(view)
    if intro_on is not None and (open_ or a8 is not None):
        out += _introducers(file, org, intro_on, members_by_code, ctx)
    for e in view.events:
        if e.step_id in VOTE_STEPS:
            out += _vote(e, ctx, file.file_code)
    if open_:
        if view.state is State.DU_BI:
            out += _escalate(view, ctx, file.file_code)
        if view.state in _BEFORE_DECISION:  # once decided, no document can be redone
            out += _dossier(file, view, a8.on if a8 else today, a8 is not None, today, ctx)
        if view.state is not State.CHINH_THUC:
            out += _doc_missing(file, org, view, today, ctx)
            out += _deadlines(file, view, calendar, today, ctx)
    if open_:
        out += _transfer_findings(file, view, today, ctx)
    out += _done_late(file.file_code, view, calendar, ctx)  # history: open or not
    out += _cccd(file, ctx.book(today))
    return out


def check_files(
    files: Iterable[FileFacts],
    orgs: Mapping[str, OrgFacts],
    members_by_code: Mapping[str, MemberFacts],
    calendar: WorkCalendar,
    today: date,
    context: RuleContext | None = None,
) -> dict[str, list[Finding]]:
    """`check_file` for every file plus the cross-file DUPLICATE_PERSON, by file code."""
    files = list(files)
    ctx = context or RuleContext.build(members_by_code.values())
    out = {
        f.file_code: check_file(f, orgs.get(f.org_code), members_by_code, calendar, today, ctx)
        for f in files
    }
    for finding in duplicate_findings(files, today, ctx.rulebooks):
        out[finding.subject or ""].append(finding)
    return out


def _is_closed(file: FileFacts) -> bool:
    # Only a file with a closing record can be closed: skip the replay for the others.
    if not any(e.step_id in ("XOA_TEN", "DUNG") for e in file.events):
        return False
    return derive_state(file.events) in (State.XOA_TEN, State.DUNG)


def duplicate_findings(
    files: Iterable[FileFacts], today: date | None = None, rulebooks: RulebookSet | None = None
) -> list[Finding]:
    """DUPLICATE_PERSON: the same CCCD, or the same normalised name and birth date, in two
    files still in progress (files closed as XOA_TEN / DUNG are history: a person may start
    a new file after one was closed). One finding per file involved."""
    book = (rulebooks or default_rulebooks()).rulebook_for(today or date.today())
    live = [f for f in files if not _is_closed(f)]
    by_cccd: dict[str, list[FileFacts]] = defaultdict(list)
    by_person: dict[tuple[str, date], list[FileFacts]] = defaultdict(list)
    for f in live:
        cccd = _clean_cccd(f.cccd)
        if cccd and _CCCD_RE.fullmatch(cccd):
            by_cccd[cccd].append(f)
        key = _person_key(f.full_name, f.birth_date)
        if key:
            by_person[key].append(f)
    reasons: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for same, why in ((by_cccd, "cùng số CCCD"), (by_person, "cùng họ tên và ngày sinh")):
        for group in same.values():
            if len(group) < 2:
                continue
            for f in group:
                others = [g.file_code for g in group if g is not f]
                reasons[f.file_code][why].extend(others)
    out = []
    for f in live:
        found = reasons.get(f.file_code)
        if not found:
            continue
        parts = [
            f"{why} với hồ sơ {', '.join(dict.fromkeys(codes))}" for why, codes in found.items()
        ]
        out.append(
            _finding(
                book,
                "DUPLICATE_PERSON",
                f"Có thể trùng người: {'; '.join(parts)}. Kiểm tra lại; nếu đúng là một người, "
                "giữ một hồ sơ và kết thúc (Dừng) hồ sơ còn lại.",
                subject=f.file_code,
            )
        )
    return out


def screen_member(
    member: MemberFacts,
    years: Iterable[MemberYear],
    today: date,
    rulebooks: RulebookSet | None = None,
    *,
    lookback_years: int = 2,
) -> list[Finding]:
    """SCREEN_*: the yearly records of the last `lookback_years` years (this year and the
    one before by default) of an active member. The cell proposes, the committee decides;
    the rules read the `Theo dõi đảng viên` records, never the quality ratings."""
    if not member.is_active:
        return []
    book = (rulebooks or default_rulebooks()).rulebook_for(today)
    code = member.member_code
    first = today.year - lookback_years + 1
    records = {y.year: y for y in years if y.year <= today.year}
    out: list[Finding] = []
    limit = book.value("screen_absent_months")
    absent = []
    for y in sorted(records):
        r = records[y]
        if y < first:
            continue
        what = []
        if r.months_absent >= limit:
            what.append(f"bỏ sinh hoạt đảng {r.months_absent} tháng")
        if r.months_unpaid >= limit:
            what.append(f"không đóng đảng phí {r.months_unpaid} tháng")
        if what:
            absent.append(f"năm {y}: {', '.join(what)}")
    if absent:
        out.append(
            _finding(
                book,
                "SCREEN_ABSENT",
                f"Đảng viên {'; '.join(absent)} (từ {limit} tháng trong năm). Nếu không có lý do "
                "chính đáng, chi bộ xem xét, đề nghị cấp có thẩm quyền xóa tên.",
                subject=code,
            )
        )
    for rule, attr, param, text in (
        (
            "SCREEN_DECLINE",
            "declining",
            "screen_decline_years",
            "được ghi giảm sút ý chí {n} năm liền ({years}), đã được giáo dục, giúp đỡ mà không "
            "tiến bộ. Chi bộ xem xét, đề nghị cho ra khỏi Đảng theo Chỉ thị 28-CT/TW.",
        ),
        (
            "SCREEN_VIOLATION_2Y",
            "violated",
            "screen_violation_years",
            "được ghi vi phạm tư cách đảng viên {n} năm liền ({years}). Chi bộ xem xét, đề nghị "
            "cho ra khỏi Đảng theo Chỉ thị 28-CT/TW.",
        ),
    ):
        n = book.value(param)
        run = _latest_run(records, attr, first)
        if len(run) >= n:
            shown = ", ".join(str(y) for y in run)
            out.append(
                _finding(
                    book,
                    rule,
                    "Đảng viên " + text.format(n=len(run), years=shown),
                    subject=code,
                )
            )
    return out


def _latest_run(records: Mapping[int, MemberYear], attr: str, first: int) -> list[int]:
    """The longest run of consecutive flagged years that ends within the look-back window."""
    best: list[int] = []
    for y in sorted(records, reverse=True):
        if y < first:
            break
        if not getattr(records[y], attr):
            continue
        run = [y]
        while (y := y - 1) in records and getattr(records[y], attr):
            run.append(y)
        if len(run) > len(best):
            best = run
    return sorted(best)


def screen_members(
    members: Iterable[MemberFacts],
    records: Iterable[MemberYear],
    today: date,
    rulebooks: RulebookSet | None = None,
) -> list[Finding]:
    """`screen_member` over a register."""
    by_member: dict[str, list[MemberYear]] = defaultdict(list)
    for r in records:
        by_member[r.member_code].append(r)
    rulebooks = rulebooks or default_rulebooks()
    out: list[Finding] = []
    for m in members:
        if m.member_code and m.member_code in by_member:
            out += screen_member(m, by_member[m.member_code], today, rulebooks)
    return out


def next_steps(
    file: FileFacts,
    org: OrgFacts | None,
    on: date | None = None,
    context: RuleContext | None = None,
) -> list[str]:
    """The steps that may be recorded next, in pipeline order (DUNG / XOA_TEN last).
    A9 and P4 exist only when the cell is not a grassroots cell. Given `on` (the day of
    the step to record, or today), a file past A2 but not yet admitted by its cell may
    take A2 again when no certificate is in force on that day (`cert_lapsed`): the
    participant was retrained, and the latest A2 is what the rules then read."""
    steps = _next_steps(file, org)
    if on is not None and "A2" not in steps and cert_lapsed(file, on, context):
        steps.insert(0, "A2")
    return steps


# Where a new certificate (A2) can still matter: after the class, before the cell's vote.
_RETRAIN_STATES = frozenset({State.BOI_DUONG, State.HO_SO, State.THAM_TRA})


def _certificate(
    file: FileFacts, on: date, context: RuleContext | None
) -> tuple[StepEvent | None, date | None] | None:
    """A file between its class and its cell's vote (not in transit): its latest
    certificate (A2) and the first day that no longer counts, read by the rulebook in
    force on `on` as CERT_EXPIRED reads it; (None, None) without one. None otherwise."""
    view = _view(file.events)
    if view.closed or view.state not in _RETRAIN_STATES:
        return None
    if transfers.replay(file.events, file.org_code).in_transit:
        return None
    cert = view.last.get("A2")
    if cert is None:
        return None, None
    book = (context or RuleContext.build(())).book(on)
    return cert, add_months(cert.on, book.value("cert_validity_months"))


def cert_lapsed(file: FileFacts, on: date, context: RuleContext | None = None) -> bool:
    """A file between its class and its cell's vote with no certificate in force on `on`
    (none recorded, or the latest expired by then): a new A2 may be recorded."""
    found = _certificate(file, on, context)
    return found is not None and (found[1] is None or on >= found[1])


def cert_in_force(file: FileFacts, on: date, context: RuleContext | None = None) -> str | None:
    """Why a new certificate dated `on` is not recorded before the cell's vote: the latest
    one still counts that day (None when that is not the reason)."""
    found = _certificate(file, on, context)
    if found is None or found[1] is None or on >= found[1]:
        return None
    cert, expires = found
    return (
        f"Giấy chứng nhận bồi dưỡng ngày {_d(cert.on)} còn giá trị đến hết ngày "
        f"{_d(expires - timedelta(days=1))}: giấy chứng nhận học lại chỉ ghi từ ngày "
        f"{_d(expires)}."
    )


def _next_steps(file: FileFacts, org: OrgFacts | None) -> list[str]:
    org = _org(org, file)
    view = _view(file.events)
    last, state = view.last, view.state
    has = last.__contains__
    inside = not org.is_grassroots_cell
    if view.closed or state is State.CHINH_THUC:
        return []
    moved = transfers.replay(file.events, file.org_code)
    if moved.in_transit:
        return []
    arrival = moved.arrival
    steps: list[str] = []
    if state is State.NGUON:
        steps = ["A2"] if has("A1") else ["A1", "A2"]
    elif state is State.BOI_DUONG:
        steps = ["A3"]
    elif state is State.HO_SO:
        steps = ["A5"] if has("A4") else ["A4"]
    elif state is State.THAM_TRA:
        missing = [s for s in ("A6", "A7") if not has(s)]
        # After a transfer the old place's introductions and opinions may be redone here
        # (TRANSFER_REDO, a warning: the meeting is not held back).
        steps = missing or [s for s in ("A6", "A7") if _before(last[s], arrival)] + ["A8"]
    elif state is State.CHI_BO_XET:
        a8 = last["A8"]
        a9 = last.get("A9")
        steps = ["A9"] if inside and (a9 is None or a9.on < a8.on) else ["A10"]
    elif state is State.QUYET_DINH:
        steps = ["A11"]
    elif state is State.DU_BI:
        ceremony = last["A11"]

        def since(s: str) -> bool:
            e = last.get(s)
            if s == "P1" and e is not None and _before(ceremony, arrival):
                return not _before(e, arrival)  # the new cell assigns its own mentor
            return e is not None and e.on >= ceremony.on

        steps = [s for s in ("P1", "P2") if not since(s)]
        if since("P2") or not steps:
            p3 = since("P3")
            if not p3:
                steps.append("P3")
            elif inside and not (since("P4") and last["P4"].on >= last["P3"].on):
                steps.append("P4")
            else:
                steps.append("P5")
    steps.append("XOA_TEN" if state is State.DU_BI else "DUNG")
    return steps


def fits_history(file: FileFacts, org: OrgFacts | None, step_id: str, on: date) -> bool:
    """A committee decision recorded late, from the paper copy a cell reported: may it
    take its place in the file's history on `on`, although later steps are recorded
    already (A10 of 2024 on a file holding its A11 and probation)? Yes when it is a valid
    next step of the history as it stood that day (the events before it: earlier days,
    and the same day's earlier stages) and the file holds no passed record of that step.
    Ordinary recording asks `next_steps` only."""
    step = STEP_BY_ID.get(step_id)
    if step is None or not step.committee:
        return False
    if any(e.step_id == step_id and e.result is Result.PASSED for e in file.events):
        return False
    rank = STEP_ORDER[step_id]
    before = tuple(
        e for e in file.events if e.on < on or (e.on == on and STEP_ORDER[e.step_id] < rank)
    )
    return step_id in next_steps(replace(file, events=before), org)


def blocked(
    file: FileFacts,
    step_id: str,
    proposed: StepEvent,
    org: OrgFacts | None,
    members_by_code: Mapping[str, MemberFacts],
    calendar: WorkCalendar,
    today: date,
    context: RuleContext | None = None,
) -> list[Finding]:
    """The errors that refuse recording `proposed` as step `step_id` (empty: allowed).

    Only a record of a *passed* step can be refused: a failed vote or a returned file is
    always recorded. What blocks is an error on that very step: the eligibility and the
    file at a cell meeting (A8), the introducers (A6), a resolution below the two-thirds
    threshold (A8, A9, P3, P4). A late decision or ceremony is never refused: recording it
    is how the deadline gets met."""
    if proposed.result is not Result.PASSED:
        return []
    ctx = context or RuleContext.build(members_by_code.values())
    org = _org(org, file)
    proposed = replace(proposed, step_id=step_id)
    view = _view((*file.events, replace(proposed, seq=1 << 30)))
    found: list[Finding] = []
    if step_id == "A8":
        found += _eligibility(file, org, proposed.on, True, ctx)
        found += _at_meeting(file, view, proposed.on, ctx)
    if step_id == "A6":
        found += _introducers(file, org, proposed.on, members_by_code, ctx)
    if step_id in VOTE_STEPS:
        found += _vote(proposed, ctx, file.file_code)
    if step_id == "P3":
        found += _prior_opinion(file, view, proposed.on, ctx)
    return [f for f in found if f.severity is Severity.ERROR and f.step == step_id]


def newest_recorded_date(files: Iterable[FileFacts]) -> date | None:
    """The latest date recorded in any file (a step's date or a decision's receipt)."""
    newest: date | None = None
    for f in files:
        for e in f.events:
            for d in (e.on, e.received_on):
                if d is not None and (newest is None or d > newest):
                    newest = d
    return newest


def wrong_clock_message(files: Iterable[FileFacts], today: date) -> str | None:
    """A Vietnamese warning when the computer's date is earlier than a recorded date: every
    deadline would be computed against the wrong day."""
    return clock_message(newest_recorded_date(files), today)


def clock_message(newest: date | None, today: date) -> str | None:
    """The wrong-clock warning for a known newest recorded date (None: nothing recorded)."""
    if newest is None or today >= newest:
        return None
    return (
        f"Ngày của máy tính ({_d(today)}) sớm hơn ngày đã ghi trong hồ sơ ({_d(newest)}). "
        "Kiểm tra lại ngày giờ của máy: các thời hạn đang được tính sai."
    )
