"""Statistics of party-member development: the directive's indicators (RULES.md §4) per
cell, commune and province, for one year or one plan period, against the plans (the
`plans` table) and the 2015–2020 baseline (`resources/stats/baseline-2015-2020.json`).

What a profile sees: a cell profile its own cell; a committee its commune and every cell
under it; the province itself, every commune and every cell. A cell inside an enterprise's
đảng ủy cơ sở counts in its commune; records kept at the commune itself (or at a đảng ủy
cơ sở) count in the commune but in no cell — so every count of the cells sums to the
commune's whenever nothing is kept at the commune (the private-units register usually is).
A record of an organisation the profile does not know counts in the profile's own unit;
one of an organisation known elsewhere in the tree counts nowhere.

*By cell kind* (`StatsResult.by_cell_kind`, issue 9): the cells the profile sees grouped by
their kind (Chi bộ thôn, Chi bộ doanh nghiệp tư nhân, Chi bộ trường học…). A group's counts
are the sums of its cells' counts, its targets the sums of its cells' targets (None when
none of them has one), and every share is computed from those sums exactly as a unit's is
(`_indicator_values`), never averaged over the cells. Records kept at a commune (or at a
đảng ủy cơ sở), in no cell, belong to no kind group, and neither do targets set only at a
commune: the groups sum to the cells, not to the commune or the province.

Readings chosen where RULES.md leaves room (resources/stats/KEYS.md says the same per key):

- *Admitted* in the scope: the date of the admission decision (A10; party age counts from
  it, Điều lệ Đ.5.4). Two sources, never counted twice: files whose effective A10 falls in
  the scope, and register members whose `admitted_on` does and who match no admitted file
  (by CCCD, else by folded name + birth date) — the register carries the years before the
  files were kept in khdesk.
- *Youth age*: 18–30 at the decision, in months as the rules count age:
  `age_min_months <= age < (youth_age_max_years + 1) * 12` (rulebook of that date).
- *Private sector*: the file's `workplace_kind` (Doanh nghiệp tư nhân / Trường tư thục);
  without one, and for register members, the cell's kind (Chi bộ doanh nghiệp tư nhân /
  trường tư thục).
- *Ethnic minority*: an ethnicity other than Kinh (empty is Kinh, the template's default);
  *religious*: a religion other than Không (empty is Không).
- *Recognised on time*: the first recognition vote (P3) within `recognition_cell_working_days`
  of the end of probation (ceremony + 12 months), and the decision (P5) within
  `recognition_decision_working_days` of the last vote before it; the special-case
  extension is not assumed (the record cannot show it was granted). Without a P3 record
  the decision must fall within both periods added up. A recognition without a ceremony
  on record is counted as recognised but neither on time nor late.
- Snapshots (pool, stale files, overdue recognitions, members, screening) are taken on
  `as_of` = the scope's last day, or today while the scope is still running. Files are
  replayed from the steps recorded up to that day. Members are the register's active
  members (Chính thức / Dự bị, or no status) admitted by then, plus the files on
  probation or recognised whose person is not (yet) in the register: the register keeps
  no date of leaving, so a past year's total leaves out members who left since.
- *Stale files*: open files before the cell meeting (A8) holding an application, personal
  history, introduction or opinion summary older than `dossier_validity_months`
  (DOSSIER_STALE's reading).
- *Screening* (Chỉ thị 28): members the SCREEN_* rules list on `as_of` (their yearly
  records of that year and the one before). The register keeps no date for a member struck
  off, so members actually removed are not counted by year.
- *Private units* and *villages* are registers without dates: the same figures for every
  scope. A village has its own cell when a village / residential-group cell covers it
  alone (`villages` empty or 1); the commune's `Số thôn/tổ dân phố`, when larger than its
  cells account for, adds villages without a cell of their own. A village head is a member
  when the cell's `village_head_is_member` says so, else when an active member of the cell
  is marked as the head.
"""

from __future__ import annotations

import gc
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from khdesk.core.domain import rules
from khdesk.core.domain.calendar import WorkCalendar, default_calendar
from khdesk.core.domain.pipeline import (
    STATE_ORDER,
    STEP_BY_ID,
    Result,
    State,
    StepEvent,
    effective_events,
)
from khdesk.core.domain.rulebook import RulebookSet, default_rulebooks
from khdesk.core.domain.template import CELL_KINDS
from khdesk.core.errors import UsageError
from khdesk.core.resources import resource_path
from khdesk.core.store import sql
from khdesk.core.store.sql import as_bool, as_date
from khdesk.core.text import fold, text_sort_key

__all__ = [
    "INDICATORS",
    "INDICATOR_KEYS",
    "KIND_KEYS",
    "LEVELS",
    "LEVEL_BY_ROLE",
    "LEVEL_LABELS",
    "Event",
    "Indicator",
    "KindStats",
    "MemberCount",
    "MemberRow",
    "Scope",
    "StatsData",
    "StatsResult",
    "UnitStats",
    "compute_stats",
    "load_baseline",
    "load_stats_data",
    "without_gc",
]

FORMAT = 1  # of the JSON (`StatsResult.as_dict`); bump on any incompatible change

LEVELS = ("province", "commune", "cell")
LEVEL_LABELS = {"province": "Tỉnh", "commune": "Xã, phường, đặc khu", "cell": "Chi bộ"}
LEVEL_BY_ROLE = {"cell": "cell", "committee": "commune", "province": "province"}
_COMMUNE_KINDS = frozenset(("Đảng ủy xã", "Đảng ủy phường", "Đảng ủy đặc khu"))
_CELL_KINDS = frozenset(CELL_KINDS)
_VILLAGE_KINDS = frozenset(("Chi bộ thôn", "Chi bộ tổ dân phố"))
_PRIVATE_BY_WORKPLACE = {"Doanh nghiệp tư nhân": "enterprise", "Trường tư thục": "school"}
_PRIVATE_BY_CELL = {"Chi bộ doanh nghiệp tư nhân": "enterprise", "Chi bộ trường tư thục": "school"}
_ACTIVE = frozenset((fold("Chính thức"), fold("Dự bị"), ""))
_NOT_MINORITY = frozenset(("", fold("Kinh")))
_NO_RELIGION = frozenset(("", fold("Không")))
_RANK = {s: i for i, s in enumerate(STATE_ORDER)}
_BEFORE_ADMISSION = frozenset(STATE_ORDER[: _RANK[State.QUYET_DINH]])  # NGUON … CHI_BO_XET
_BEFORE_MEETING = frozenset(STATE_ORDER[: _RANK[State.CHI_BO_XET]])
_MEMBERS_NOW = frozenset((State.DU_BI, State.CHINH_THUC))
_DOSSIER_STEPS = ("A3", "A4", "A6", "A7")  # the papers DOSSIER_STALE judges
_SCREEN_KEYS = {
    "SCREEN_ABSENT": "screen_absent",
    "SCREEN_DECLINE": "screen_decline",
    "SCREEN_VIOLATION_2Y": "screen_violation_2y",
}


# -- the indicators -------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One statistic: its stable key (JSON, xlsx, tests), its Vietnamese label, what kind
    of number it is (count, pct, target, average) and the group it is shown in."""

    key: str
    label: str
    kind: str
    group: str


GROUPS = {
    "admission": "Kết nạp đảng viên",
    "probation": "Đảng viên dự bị",
    "pipeline": "Nguồn và hồ sơ",
    "members": "Đảng viên, sàng lọc (Chỉ thị 28)",
    "private": "Khu vực kinh tế tư nhân (Chỉ thị 33)",
    "villages": "Thôn, tổ dân phố",
}

I = Indicator  # noqa: E741 - a table of rows reads better short
INDICATORS: tuple[Indicator, ...] = (
    I("admitted", "Số đảng viên kết nạp", "count", "admission"),
    I("target", "Chỉ tiêu kết nạp", "target", "admission"),
    I("target_pct", "Tỷ lệ đạt chỉ tiêu (%)", "pct", "admission"),
    I("admitted_per_year", "Bình quân kết nạp mỗi năm", "average", "admission"),
    I("admitted_youth", "Kết nạp trong độ tuổi thanh niên (18–30)", "count", "admission"),
    I("youth_pct", "Tỷ lệ kết nạp trong độ tuổi thanh niên (%)", "pct", "admission"),
    I("target_youth", "Chỉ tiêu kết nạp thanh niên", "target", "admission"),
    I("target_youth_pct", "Tỷ lệ đạt chỉ tiêu thanh niên (%)", "pct", "admission"),
    I("admitted_women", "Kết nạp đảng viên nữ", "count", "admission"),
    I("women_pct", "Tỷ lệ đảng viên nữ trong số kết nạp (%)", "pct", "admission"),
    I("admitted_ethnic_minority", "Kết nạp người dân tộc thiểu số", "count", "admission"),
    I("ethnic_minority_pct", "Tỷ lệ người dân tộc thiểu số (%)", "pct", "admission"),
    I("admitted_religious", "Kết nạp người có tôn giáo", "count", "admission"),
    I("religious_pct", "Tỷ lệ người có tôn giáo (%)", "pct", "admission"),
    I("admitted_private_enterprise", "Kết nạp trong doanh nghiệp tư nhân", "count", "admission"),
    I("admitted_private_school", "Kết nạp trong trường tư thục", "count", "admission"),
    I("admitted_private", "Kết nạp khu vực tư nhân (doanh nghiệp, trường tư thục)", "count",
      "admission"),
    I("private_pct", "Tỷ lệ kết nạp khu vực tư nhân (%)", "pct", "admission"),
    I("target_private", "Chỉ tiêu kết nạp khu vực tư nhân", "target", "admission"),
    I("target_private_pct", "Tỷ lệ đạt chỉ tiêu khu vực tư nhân (%)", "pct", "admission"),
    I("recognised", "Công nhận đảng viên chính thức", "count", "probation"),
    I("recognised_on_time", "Công nhận đúng thời hạn", "count", "probation"),
    I("recognised_late", "Công nhận chậm so với thời hạn", "count", "probation"),
    I("recognised_on_time_pct", "Tỷ lệ công nhận đúng thời hạn (%)", "pct", "probation"),
    I("recognition_overdue", "Dự bị quá hạn chưa được công nhận (cuối kỳ)", "count",
      "probation"),
    I("struck_off", "Xóa tên trong danh sách đảng viên dự bị", "count", "probation"),
    I("added_to_pool", "Quần chúng ưu tú mới vào nguồn", "count", "pipeline"),
    I("trained", "Quần chúng học lớp bồi dưỡng nhận thức về Đảng", "count", "pipeline"),
    I("source_pool", "Nguồn quần chúng ưu tú chưa kết nạp (cuối kỳ)", "count", "pipeline"),
    I("trained_not_admitted", "Đã học lớp nhận thức về Đảng, chưa kết nạp (cuối kỳ)", "count",
      "pipeline"),
    I("files_stale", "Hồ sơ có giấy tờ quá 12 tháng (cuối kỳ)", "count", "pipeline"),
    I("members_total", "Tổng số đảng viên (cuối kỳ)", "count", "members"),
    I("screening_listed", "Đảng viên cần xem xét sàng lọc (Chỉ thị 28)", "count", "members"),
    I("screen_absent", "— bỏ sinh hoạt đảng, không đóng đảng phí", "count", "members"),
    I("screen_decline", "— giảm sút ý chí, không tiến bộ", "count", "members"),
    I("screen_violation_2y", "— vi phạm tư cách đảng viên 2 năm liền", "count", "members"),
    I("private_units", "Đơn vị tư nhân trong sổ theo dõi", "count", "private"),
    I("private_units_no_member", "Đơn vị tư nhân chưa có đảng viên", "count", "private"),
    I("private_units_no_member_pct", "Tỷ lệ đơn vị tư nhân chưa có đảng viên (%)", "pct",
      "private"),
    I("private_units_no_party_org", "Đơn vị tư nhân chưa có tổ chức đảng", "count", "private"),
    I("private_units_no_party_org_pct", "Tỷ lệ đơn vị tư nhân chưa có tổ chức đảng (%)", "pct",
      "private"),
    I("villages", "Số thôn, tổ dân phố", "count", "villages"),
    I("villages_with_cell", "Thôn, tổ dân phố có chi bộ riêng", "count", "villages"),
    I("villages_with_cell_pct", "Tỷ lệ thôn, tổ dân phố có chi bộ riêng (%)", "pct", "villages"),
    I("village_heads_members", "Trưởng thôn, tổ trưởng tổ dân phố là đảng viên", "count",
      "villages"),
    I("village_heads_members_pct", "Tỷ lệ trưởng thôn, tổ trưởng là đảng viên (%)", "pct",
      "villages"),
)  # fmt: skip
del I
INDICATOR_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS)
INDICATOR_BY_KEY = {i.key: i for i in INDICATORS}
UNIT_KEYS = ("org_code", "org_name", "kind", "parent_code", "level")
KIND_KEYS = ("kind", "cells")  # a `by_cell_kind` entry's keys before the indicators

# share key -> (numerator, denominator)
_SHARES = {
    "target_pct": ("admitted", "target"),
    "youth_pct": ("admitted_youth", "admitted"),
    "target_youth_pct": ("admitted_youth", "target_youth"),
    "women_pct": ("admitted_women", "admitted"),
    "ethnic_minority_pct": ("admitted_ethnic_minority", "admitted"),
    "religious_pct": ("admitted_religious", "admitted"),
    "private_pct": ("admitted_private", "admitted"),
    "target_private_pct": ("admitted_private", "target_private"),
    "recognised_on_time_pct": ("recognised_on_time", "_recognition_judged"),
    "private_units_no_member_pct": ("private_units_no_member", "private_units"),
    "private_units_no_party_org_pct": ("private_units_no_party_org", "private_units"),
    "villages_with_cell_pct": ("villages_with_cell", "villages"),
    "village_heads_members_pct": ("village_heads_members", "villages"),
}
_TARGETS = ("target", "target_youth", "target_private")


def pct(numerator: float | None, denominator: float | None) -> float | None:
    """A percentage with two decimals (the directive writes 60.44%); None without a base."""
    if numerator is None or not denominator:
        return None
    return round(100.0 * numerator / denominator, 2)


# -- the scope --------------------------------------------------------------------------------

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-–—/]\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Scope:
    """A calendar year or a plan period (e.g. 2026–2030), both ends inclusive."""

    start: date
    end: date
    year: int | None = None
    period: str | None = None

    @classmethod
    def for_year(cls, year: int) -> Scope:
        if not 1930 <= year <= 2200:
            raise UsageError(f"Năm '{year}' không hợp lệ.")
        return cls(date(year, 1, 1), date(year, 12, 31), year=year)

    @classmethod
    def for_period(cls, text: str) -> Scope:
        """From "2026-2030" (also with an en dash or a slash)."""
        m = _PERIOD.match(text or "")
        if not m or not 1930 <= int(m.group(1)) <= int(m.group(2)) <= 2200:
            raise UsageError(
                f"Giai đoạn '{text}' không hợp lệ: ghi năm đầu-năm cuối, ví dụ 2026-2030."
            )
        first, last = int(m.group(1)), int(m.group(2))
        return cls(date(first, 1, 1), date(last, 12, 31), period=f"{first}-{last}")

    @classmethod
    def plan_period_of(cls, year: int) -> Scope:
        """The five-year plan period holding `year` (2021–2025, 2026–2030, …)."""
        first = 2021 + 5 * ((year - 2021) // 5)
        return cls.for_period(f"{first}-{first + 4}")

    @property
    def kind(self) -> str:
        return "year" if self.year is not None else "period"

    @property
    def label(self) -> str:
        return str(self.year) if self.year is not None else str(self.period)

    @property
    def label_vi(self) -> str:
        if self.year is not None:
            return f"năm {self.year}"
        return f"giai đoạn {self.start.year}–{self.end.year}"

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    def as_of(self, today: date) -> date:
        """The day snapshots are taken: the last day, or today while still running."""
        return min(self.end, today)


# -- the facts read from the store -------------------------------------------------------------


class OrgRow(NamedTuple):
    code: str
    name: str
    parent_code: str | None
    kind: str | None
    villages: int | None
    village_head_is_member: bool | None


class PlanRow(NamedTuple):
    org_code: str
    year: int | None
    period: str | None
    target: int | None
    target_youth: int | None
    target_private: int | None


class MemberRow(NamedTuple):
    """A register member. Dates stay ISO text (`YYYY-MM-DD`), as SQLite returns them: ISO
    text orders as dates do, and few are ever read as dates."""

    member_code: str
    org_code: str
    sex: str | None
    birth_date: str | None
    admitted_on: str | None
    status: str | None
    ethnicity: str | None
    religion: str | None
    village_head: bool | None
    cccd: str | None
    name_folded: str


class MemberCount(NamedTuple):
    """The register summed: members admitted by a day, per cell, status and head mark."""

    org_code: str
    status: str | None
    village_head: bool | None
    count: int


class Event(NamedTuple):
    """A step record as the statistics read it: the fields of `StepEvent` that the
    pipeline's replay uses (a tuple is built five times faster than the dataclass)."""

    step_id: str
    on: date
    result: Result
    seq: int


class FileRow(NamedTuple):
    file_code: str
    org_code: str
    sex: str | None
    birth_date: date | None
    ethnicity: str | None
    religion: str | None
    workplace_kind: str | None
    cccd: str | None
    name_folded: str
    events: Sequence[StepEvent | Event]
    last_on: date | None  # the latest step's date


class UnitRow(NamedTuple):
    org_code: str | None
    kind: str | None
    members: int | None
    has_party_org: bool | None


@dataclass
class StatsData:
    """Everything the statistics read: loaded from the store (`load_stats_data`, for the
    scopes it will serve) or built from the template's rows (`from_tables`: demo data,
    tests, benchmarks; serves any scope).

    The register (≈90,000 members at the province) is never read row by row from the
    store: its sums per cell (`member_counts`) come from SQL for each snapshot day; only
    the members admitted within the scopes (`admissions`), those with marked yearly records
    (`screened`) and the identities of files' people found in it (`register_keys`) are
    read as rows."""

    orgs: dict[str, OrgRow]
    plans: list[PlanRow]
    files: list[FileRow]
    private_units: list[UnitRow]
    member_years: list[rules.MemberYear]
    admissions: list[MemberRow]  # admitted on or after `admissions_since` (None: all)
    admissions_since: date | None
    register_keys: set[Any]  # person keys (`_person_keys`) present in the register
    screened: dict[str, MemberRow]  # members with marked yearly records, by code
    member_counts: dict[date, list[MemberCount]] = field(default_factory=dict)
    register: list[MemberRow] | None = None  # the whole register (from_tables only)

    def counts_on(self, day: date) -> list[MemberCount]:
        """The register summed over the members admitted by `day`."""
        found = self.member_counts.get(day)
        if found is None:
            if self.register is None:
                raise ValueError(f"register sums for {day} were not loaded")
            iso = day.isoformat()
            sums = Counter(
                (m.org_code, m.status, bool(m.village_head))
                for m in self.register
                if m.admitted_on is not None and m.admitted_on <= iso
            )
            found = self.member_counts[day] = [MemberCount(*k, n) for k, n in sums.items()]
        return found

    @classmethod
    def from_tables(cls, tables: Mapping[str, list[Mapping[str, Any]]]) -> StatsData:
        """From rows keyed by the template's column keys (dates as `date`)."""
        events = rules.events_from_steps(tables.get("steps", []))
        register = [
            MemberRow(
                m.get("member_code") or "",
                m["org_code"],
                m.get("sex"),
                _iso(m.get("birth_date")),
                _iso(m.get("admitted_on")),
                m.get("status"),
                m.get("ethnicity"),
                m.get("religion"),
                m.get("village_head"),
                m.get("cccd"),
                fold(m.get("full_name")),
            )
            for m in tables.get("members", [])
        ]
        years = [rules.MemberYear.from_row(r) for r in tables.get("member_records", [])]
        marked = {y.member_code for y in years if _marked(y)}
        return cls(
            orgs={
                o["code"]: OrgRow(
                    o["code"],
                    o.get("name") or o["code"],
                    o.get("parent_code"),
                    o.get("kind"),
                    o.get("villages"),
                    o.get("village_head_is_member"),
                )
                for o in tables.get("orgs", [])
            },
            plans=[
                PlanRow(
                    p["org_code"],
                    p.get("year"),
                    p.get("period"),
                    p.get("target"),
                    p.get("target_youth"),
                    p.get("target_private"),
                )
                for p in tables.get("plans", [])
            ],
            files=[
                FileRow(
                    c["file_code"],
                    c["org_code"],
                    c.get("sex"),
                    c.get("birth_date"),
                    c.get("ethnicity"),
                    c.get("religion"),
                    c.get("workplace_kind"),
                    c.get("cccd"),
                    fold(c.get("full_name")),
                    events.get(c["file_code"], ()),
                    max((e.on for e in events.get(c["file_code"], ())), default=None),
                )
                for c in tables.get("candidates", [])
            ],
            private_units=[
                UnitRow(u.get("org_code"), u.get("kind"), u.get("members"), u.get("has_party_org"))
                for u in tables.get("private_units", [])
            ],
            member_years=years,
            admissions=register,
            admissions_since=None,
            register_keys={
                k for m in register for k in _person_keys(m.cccd, m.name_folded, m.birth_date)
            },
            screened={m.member_code: m for m in register if m.member_code in marked},
            register=register,
        )


def _marked(y: rules.MemberYear) -> bool:
    """A yearly record with something marked: the only kind a SCREEN_* rule can act on."""
    return bool(y.months_absent or y.months_unpaid or y.violated or y.declining)


_RESULTS = {r.value: r for r in Result}


_CHUNK = 5000  # values per IN list (pairs: twice as many parameters): within SQLite's 32,766


def load_stats_data(
    conn: Any, scopes: Iterable[Scope] = (), today: date | None = None
) -> StatsData:
    """Read what the statistics of `scopes` need (snapshots taken on `scope.as_of(today)`),
    as plain driver rows: at the province SQLAlchemy's per-row processing, or Python
    objects for every member, would cost more than all the counting. SQL text through
    `khdesk.core.store.sql` (no SQLAlchemy): the home screen shows these figures before
    SQLAlchemy is imported. `conn` is a SQLAlchemy or a bare DB-API connection."""
    scopes = list(scopes)
    today = today or date.today()
    orgs = {
        code: OrgRow(code, name, parent, kind, villages, as_bool(head))
        for code, name, parent, kind, villages, head in sql.fetch(
            conn,
            "SELECT code, name, parent_code, kind, villages, village_head_is_member"
            " FROM orgs WHERE NOT deleted",
        )
    }
    plans = [
        PlanRow(*row)
        for row in sql.fetch(
            conn,
            "SELECT org_code, year, period, target, target_youth, target_private"
            " FROM plans WHERE NOT deleted",
        )
    ]
    events: dict[str, list[Event]] = defaultdict(list)
    dates: dict[str, date] = {}  # ISO text -> date: steps share few distinct days
    ceremonies: set[str] = set()  # files past A11 (or P5): their people may be registered
    last_on: dict[str, date] = {}
    query = 'SELECT candidate_uuid, step_id, "on", result, seq FROM steps WHERE NOT deleted'
    for cuid, step_id, on, result, seq in sql.fetch(conn, query):
        day = dates.get(on)
        if day is None:
            day = dates[on] = as_date(on)
        events[cuid].append(Event(step_id, day, _RESULTS[result], seq))
        if day > last_on.get(cuid, day.min):
            last_on[cuid] = day
        if step_id in ("A11", "P5") and result == "passed":
            ceremonies.add(cuid)
    files = []
    cccds: set[str] = set()
    people: set[tuple[str, date]] = set()
    for u, code, org, sex, born, eth, rel, wk, cccd, folded in sql.fetch(
        conn,
        "SELECT uuid, file_code, org_code, sex, birth_date, ethnicity, religion,"
        " workplace_kind, cccd, name_folded FROM candidates WHERE NOT deleted",
    ):
        born = as_date(born)
        row = FileRow(code, org, sex, born, eth, rel, wk, cccd, folded, events[u], last_on.get(u))
        files.append(row)
        if u in ceremonies:
            if cccd and cccd.strip():
                cccds.add(cccd.strip())
            if folded and born is not None:
                people.add((folded, born))
    units = [
        UnitRow(org, kind, n, as_bool(party))
        for org, kind, n, party in sql.fetch(
            conn,
            "SELECT org_code, kind, members, has_party_org FROM private_units WHERE NOT deleted",
        )
    ]
    # Yearly records with something marked (`_marked`): the only ones the screening reads.
    marked = "NOT deleted AND (months_absent > 0 OR months_unpaid > 0 OR violated OR declining)"
    years = [
        rules.MemberYear(code, year, absent or 0, unpaid or 0, bool(violated), bool(declining))
        for code, year, absent, unpaid, violated, declining in sql.fetch(
            conn,
            "SELECT member_code, year, months_absent, months_unpaid, violated, declining"
            f" FROM member_records WHERE {marked}",
        )
    ]

    def member_rows(where: str, params: Sequence[Any] = ()) -> list[MemberRow]:
        rows = sql.fetch(
            conn,
            "SELECT member_code, org_code, sex, birth_date, admitted_on, status, ethnicity,"
            " religion, village_head, cccd, name_folded"
            f" FROM members WHERE NOT deleted AND {where}",
            params,
        )
        return [MemberRow(*x[:3], _iso(x[3]), _iso(x[4]), *x[5:]) for x in rows]

    screened = {
        x.member_code: x
        for x in member_rows(
            f"member_code IN (SELECT member_code FROM member_records WHERE {marked})"
        )
    }
    since = min((scope.start for scope in scopes), default=None)
    if since is not None:
        admissions = member_rows("admitted_on >= ?", [sql.day_param(conn, since)])
    else:
        admissions = member_rows("admitted_on IS NOT NULL")
    # Which people of the files are in the register: by CCCD (indexed), by name + birth.
    register_keys: set[Any] = set()
    wanted = sorted(cccds)
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        query = f"SELECT cccd FROM members WHERE NOT deleted AND cccd IN ({sql.marks(chunk)})"
        register_keys.update(x[0] for x in sql.fetch(conn, query, chunk))
    # One text key: a row-value IN list is scanned pair by pair, a plain one is indexed.
    # SQLite stores dates as ISO text, PostgreSQL casts a date to text as YYYY-MM-DD.
    wanted = sorted(f"{name}|{born.isoformat()}" for name, born in people)
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        query = (
            "SELECT name_folded, birth_date FROM members WHERE NOT deleted"
            " AND name_folded || '|' || CAST(birth_date AS VARCHAR)"
            f" IN ({sql.marks(chunk)})"
        )
        register_keys.update((name, _iso(born)) for name, born in sql.fetch(conn, query, chunk))
    # The register summed per snapshot day: a few thousand rows instead of ≈90,000.
    counts: dict[date, list[MemberCount]] = {}
    for day in sorted({scope.as_of(today) for scope in scopes}):
        query = (
            "SELECT org_code, status, village_head, COUNT(*) FROM members"
            " WHERE NOT deleted AND admitted_on <= ?"
            " GROUP BY org_code, status, village_head"
        )
        counts[day] = [
            MemberCount(org, status, bool(head), n)
            for org, status, head, n in sql.fetch(conn, query, [sql.day_param(conn, day)])
        ]
    return StatsData(
        orgs, plans, files, units, years, admissions, since, register_keys, screened, counts
    )


# -- the result -------------------------------------------------------------------------------


@dataclass
class UnitStats:
    """The indicators of one cell, commune or province."""

    org_code: str
    org_name: str
    kind: str | None
    parent_code: str | None
    level: str
    values: dict[str, int | float | None]

    def __getitem__(self, key: str) -> int | float | None:
        return self.values[key]

    def as_dict(self) -> dict[str, Any]:
        return {
            "org_code": self.org_code,
            "org_name": self.org_name,
            "kind": self.kind,
            "parent_code": self.parent_code,
            "level": self.level,
            **{k: self.values[k] for k in INDICATOR_KEYS},
        }


@dataclass
class KindStats(UnitStats):
    """The indicators of the cells of one kind (Chi bộ thôn…) taken together: `kind` is the
    group's key (None: cells without a kind on record), `org_code` / `org_name` repeat it
    as text, `parent_code` is None, `level` is "cell_kind", `cells` the group's cell codes."""

    cells: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        head = {"kind": self.kind, "cells": len(self.cells)}
        return {
            **{k: head[k] for k in KIND_KEYS},
            **{k: self.values[k] for k in INDICATOR_KEYS},
        }


@dataclass
class StatsResult:
    scope: Scope
    as_of: date
    org_code: str  # the profile's organisation: the top unit
    level: str
    units: dict[str, list[UnitStats]]  # level -> units, the levels present in LEVELS order
    baseline: dict[str, Any] | None = None
    upper_name: str | None = None  # the organisation above the profile's (document headers)
    # The shown cells grouped by kind (`_by_cell_kind`): records kept above the cells are in
    # no group.
    by_cell_kind: list[KindStats] = field(default_factory=list)
    _by_code: dict[str, UnitStats] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {u.org_code: u for us in self.units.values() for u in us}

    @property
    def top(self) -> UnitStats:
        return self._by_code[self.org_code]

    def unit(self, org_code: str) -> UnitStats:
        return self._by_code[org_code]

    def level_units(self, level: str) -> list[UnitStats]:
        return self.units.get(level, [])

    def children(self, org_code: str) -> list[UnitStats]:
        """The units one level below `org_code` that belong to it (cells of a commune…)."""
        return [u for us in self.units.values() for u in us if u.parent_code == org_code]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `khdesk stats --json` (keys: resources/stats/KEYS.md)."""
        return {
            "format": FORMAT,
            "scope": {
                "kind": self.scope.kind,
                "year": self.scope.year,
                "period": self.scope.period,
                "from": self.scope.start.isoformat(),
                "to": self.scope.end.isoformat(),
                "as_of": self.as_of.isoformat(),
            },
            "org_code": self.org_code,
            "level": self.level,
            "levels": {lvl: [u.as_dict() for u in us] for lvl, us in self.units.items()},
            "baseline": self.baseline,
            "by_cell_kind": [g.as_dict() for g in self.by_cell_kind],
        }


# -- the baseline ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_baseline() -> dict[str, Any] | None:
    """The 2015–2020 figures of the directive (None if the file is missing)."""
    path = resource_path("stats", "baseline-2015-2020.json")
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


# Baseline figures that are shares: comparable at any level. The counts are the whole
# province's: compared only on a province's own figures (`admitted` only over a period).
_BASELINE_SHARES = ("youth_pct", "villages_with_cell_pct")


def _compare(baseline: dict[str, Any], top: UnitStats, scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, base in baseline.get("values", {}).items():
        if key not in INDICATOR_BY_KEY:
            continue
        if key not in _BASELINE_SHARES and top.level != "province":
            continue
        if key == "admitted" and scope.kind != "period":
            continue
        actual = top.values.get(key)
        diff = None if actual is None else round(actual - base, 2)
        out[key] = {"baseline": base, "actual": actual, "difference": diff}
    return out


# -- the computation ----------------------------------------------------------------------------


def level_of(kind: str | None) -> str | None:
    if kind == "Tỉnh ủy":
        return "province"
    if kind in _COMMUNE_KINDS:
        return "commune"
    if kind in _CELL_KINDS:
        return "cell"
    return None  # a đảng ủy cơ sở: counted in the commune above it


OUTSIDE = ""  # the owner of records kept outside the profile's branch: not shown


class _Tree:
    """The organisations the profile sees, which of them are shown, and where each
    record's organisation is counted (its nearest shown ancestor)."""

    def __init__(self, orgs: Mapping[str, OrgRow], top_code: str, top_level: str):
        self.orgs = dict(orgs)
        if top_code not in self.orgs:  # a profile always holds its org; be lenient anyway
            self.orgs[top_code] = OrgRow(top_code, top_code, None, None, None, None)
        self.top = top_code
        children: dict[str, list[str]] = defaultdict(list)
        for code, org in self.orgs.items():
            if org.parent_code and org.parent_code != code:
                children[org.parent_code].append(code)
        self.children = children
        seen = {top_code}
        order = [top_code]
        for code in order:  # breadth first: parents before children
            for child in sorted(children.get(code, ())):
                if child not in seen:
                    seen.add(child)
                    order.append(child)
        self.inside = seen
        self.levels: dict[str, str] = {top_code: top_level}
        top_rank = LEVELS.index(top_level)
        for code in order[1:]:
            lvl = level_of(self.orgs[code].kind)
            if lvl is not None and LEVELS.index(lvl) > top_rank:
                self.levels[code] = lvl
        self.shown = [c for c in order if c in self.levels]  # parents before children
        self._owner: dict[str | None, str] = {}
        # The shown unit directly above each shown unit (the top has none).
        self.up = {c: self.owner(self.orgs[c].parent_code) for c in self.shown if c != top_code}

    def owner(self, code: str | None) -> str:
        """The shown unit a record kept at `code` counts in: its nearest shown ancestor;
        the profile's own unit for an organisation the profile does not know; OUTSIDE
        (counted nowhere) for one known elsewhere in the tree."""
        found = self._owner.get(code)
        if found is None:
            if code in self.orgs and code not in self.inside:
                found = OUTSIDE
            else:
                found = self.top
            cur, guard = code, 0
            while cur is not None and cur in self.inside and guard < 64:
                if cur in self.levels:
                    found = cur
                    break
                cur = self.orgs[cur].parent_code
                guard += 1
            self._owner[code] = found
        return found


class _Ctx:
    """The rulebook values and the working-day calendar, cached per date."""

    def __init__(self, rulebooks: RulebookSet, calendar: WorkCalendar):
        self.books = rulebooks
        self.calendar = calendar
        self.rule_context = rules.RuleContext(rulebooks)  # recognised on time (the rules')

    def value(self, name: str, on: date) -> Any:
        return self.books.rulebook_for(on).value(name)

    def youth(self, birth: date | None, on: date) -> bool:
        if birth is None:
            return False
        age = rules.age_in_months(birth, on)
        book = self.books.rulebook_for(on)
        return book.value("age_min_months") <= age < (book.value("youth_age_max_years") + 1) * 12

    def probation_end(self, ceremony: date) -> date:
        return rules.add_months(ceremony, self.value("probation_months", ceremony))

    def cell_due(self, probation_end: date) -> date:
        n = self.value("recognition_cell_working_days", probation_end)
        return self.calendar.add_working_days(probation_end, n)

    def decision_due(self, vote: date) -> date:
        n = self.value("recognition_decision_working_days", vote)
        return self.calendar.add_working_days(vote, n)


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _person_keys(cccd: str | None, folded: str, birth: str | None) -> list[Any]:
    """How a file and a register entry are found to be one person: the CCCD, or the
    folded name with the ISO birth date."""
    keys: list[Any] = []
    if cccd and cccd.strip():
        keys.append(cccd.strip())
    if folded and birth is not None:
        keys.append((folded, birth))
    return keys


def _admission(
    out: Counter,
    ctx: _Ctx,
    on: date,
    sex: str | None,
    birth: date | None,
    ethnicity: str | None,
    religion: str | None,
    private: str | None,
) -> None:
    out["admitted"] += 1
    if ctx.youth(birth, on):
        out["admitted_youth"] += 1
    if sex == "Nữ":
        out["admitted_women"] += 1
    if fold(ethnicity) not in _NOT_MINORITY:
        out["admitted_ethnic_minority"] += 1
    if fold(religion) not in _NO_RELIGION:
        out["admitted_religious"] += 1
    if private == "enterprise":
        out["admitted_private_enterprise"] += 1
        out["admitted_private"] += 1
    elif private == "school":
        out["admitted_private_school"] += 1
        out["admitted_private"] += 1


def _replay(events: Iterable[StepEvent]) -> tuple[State, dict[str, StepEvent]]:
    """The file's state and the latest effective record of each step, from one replay:
    `pipeline.derive_state`'s loop over `pipeline.effective_events` (a test holds the two
    equal), which would otherwise replay every file twice."""
    state = State.NGUON
    last: dict[str, StepEvent] = {}
    terminal = None
    for e in effective_events(events):
        last[e.step_id] = e
        if terminal is not None:
            continue
        reached = STEP_BY_ID[e.step_id].reaches
        if reached is None:
            continue
        if reached in (State.XOA_TEN, State.DUNG):
            terminal = reached
        elif _RANK[reached] > _RANK[state]:
            state = reached
    return terminal or state, last


def _recognition(ctx: _Ctx, events: list[StepEvent]) -> str | None:
    """ "on_time" / "late" for a recognised file, from the rules' done-late findings
    (RULES.md "Done late"); None without a ceremony."""
    on_time = rules.recognition_on_time(events, ctx.calendar, ctx.rule_context)
    return None if on_time is None else "on_time" if on_time else "late"


def _overdue(ctx: _Ctx, events: list[StepEvent], last: dict[str, StepEvent], on: date) -> bool:
    """A probationary member whose recognition is past its due date on `on` (the rules'
    RECOGNITION_DUE as an error)."""
    ceremony = last.get("A11")
    if ceremony is None:
        return False
    votes = sorted(
        (e for e in events if e.step_id == "P3" and e.on >= ceremony.on),
        key=lambda e: (e.on, e.seq),
    )
    due = ctx.decision_due(votes[-1].on) if votes else ctx.cell_due(ctx.probation_end(ceremony.on))
    return on > due


def compute_stats(
    data: StatsData,
    scope: Scope,
    *,
    top_code: str,
    top_level: str,
    today: date,
    rulebooks: RulebookSet | None = None,
    calendar: WorkCalendar | None = None,
    baseline: dict[str, Any] | None = None,
    with_baseline: bool = True,
) -> StatsResult:
    """Every indicator for every unit the profile sees (pure: no database, no clock)."""
    if top_level not in LEVELS:
        raise ValueError(f"unknown level {top_level!r}")
    ctx = _Ctx(rulebooks or default_rulebooks(), calendar or default_calendar())
    tree = _Tree(data.orgs, top_code, top_level)
    as_of = scope.as_of(today)
    start, end = scope.start, min(scope.end, as_of)
    own: dict[str, Counter] = defaultdict(Counter)  # shown unit -> counts kept at it

    # Files first: they say who was admitted, with the richest facts.
    admitted_keys: set[Any] = set()  # people a file speaks for: the register does not
    unregistered: list[tuple[str, list[Any]]] = []  # members by a file: in the register?
    for f in data.files:
        unit = tree.owner(f.org_code)
        counts = own[unit]
        events = f.events
        if f.last_on is not None and f.last_on > as_of:
            events = [e for e in events if e.on <= as_of]
        state, last = _replay(events)
        a10 = last.get("A10")
        if a10 is not None or any(e.step_id == "A10" for e in f.events):
            admitted_keys.update(_person_keys(f.cccd, f.name_folded, _iso(f.birth_date)))
        if a10 is not None and start <= a10.on <= end:
            private = _PRIVATE_BY_WORKPLACE.get(f.workplace_kind or "")
            if private is None and not f.workplace_kind:
                private = _PRIVATE_BY_CELL.get(tree.orgs.get(f.org_code, _NO_ORG).kind or "")
            _admission(counts, ctx, a10.on, f.sex, f.birth_date, f.ethnicity, f.religion, private)
        a1, a2 = last.get("A1"), last.get("A2")
        if a1 is not None and start <= a1.on <= end:
            counts["added_to_pool"] += 1
        if a2 is not None and start <= a2.on <= end:
            counts["trained"] += 1
        p5 = last.get("P5")
        if p5 is not None and start <= p5.on <= end:
            counts["recognised"] += 1
            verdict = _recognition(ctx, events)
            if verdict is not None:
                counts[f"recognised_{verdict}"] += 1
                counts["_recognition_judged"] += 1
        struck = last.get("XOA_TEN")
        if struck is not None and start <= struck.on <= end:
            counts["struck_off"] += 1
        if not events and (f.events or as_of < today):
            continue  # not yet on any list on that day (or undated: shown only today)
        if state in _BEFORE_ADMISSION:
            counts["source_pool"] += 1
            if state is not State.NGUON:
                counts["trained_not_admitted"] += 1
            if state in _BEFORE_MEETING and _stale(ctx, last, as_of):
                counts["files_stale"] += 1
        elif state is State.DU_BI and _overdue(ctx, events, last, as_of):
            counts["recognition_overdue"] += 1
        if state in _MEMBERS_NOW:
            unregistered.append((unit, _person_keys(f.cccd, f.name_folded, _iso(f.birth_date))))

    # The register: its sums per cell on `as_of`; the admissions no file speaks for.
    if data.admissions_since is not None and start < data.admissions_since:
        raise ValueError(f"admissions were loaded from {data.admissions_since}, not {start}")
    heads: Counter = Counter()  # org code -> active members marked as the village head
    active_status: dict[str | None, bool] = {}
    for org, status, head, n in data.counts_on(as_of):
        active = active_status.get(status)
        if active is None:
            active = active_status[status] = fold(status) in _ACTIVE
        if active:
            own[tree.owner(org)]["members_total"] += n
            if head:
                heads[org] += n
    start_iso, end_iso = start.isoformat(), end.isoformat()
    for m in data.admissions:
        admitted = m.admitted_on
        if admitted is None or not start_iso <= admitted <= end_iso:
            continue
        if any(k in admitted_keys for k in _person_keys(m.cccd, m.name_folded, m.birth_date)):
            continue
        private = _PRIVATE_BY_CELL.get(tree.orgs.get(m.org_code, _NO_ORG).kind or "")
        birth = date.fromisoformat(m.birth_date) if m.birth_date else None
        on = date.fromisoformat(admitted)
        counts = own[tree.owner(m.org_code)]
        _admission(counts, ctx, on, m.sex, birth, m.ethnicity, m.religion, private)
    for unit, keys in unregistered:
        if not any(k in data.register_keys for k in keys):
            own[unit]["members_total"] += 1  # admitted here, not yet typed into the register

    # Screening (Chỉ thị 28): the SCREEN_* rules on the yearly records up to as_of. A record
    # with nothing marked can list no one: only the marked ones go to the rules.
    years = [
        y
        for y in data.member_years
        if y.year <= as_of.year and _marked(y) and y.member_code in data.screened
    ]
    facts = []
    for code in sorted({y.member_code for y in years}):
        m = data.screened[code]
        admitted = date.fromisoformat(m.admitted_on) if m.admitted_on else None
        facts.append(rules.MemberFacts(code, "", m.status, admitted, None, m.org_code))
    listed: dict[str, set[str]] = defaultdict(set)
    for finding in rules.screen_members(facts, years, as_of, ctx.books):
        listed[finding.subject].add(finding.rule)
    for code, rules_found in listed.items():
        counts = own[tree.owner(data.screened[code].org_code)]
        counts["screening_listed"] += 1
        for rule in rules_found:
            counts[_SCREEN_KEYS[rule]] += 1

    # Registers without dates: private units, villages.
    for u in data.private_units:
        counts = own[tree.owner(u.org_code)]
        counts["private_units"] += 1
        if not u.members:
            counts["private_units_no_member"] += 1
        if not u.has_party_org:
            counts["private_units_no_party_org"] += 1
    for code in tree.inside:
        org = tree.orgs[code]
        if org.kind not in _VILLAGE_KINDS:
            continue
        counts = own[tree.owner(code)]
        covered = org.villages if org.villages and org.villages > 0 else 1
        counts["villages"] += covered
        if covered == 1:
            counts["villages_with_cell"] += 1
        if org.village_head_is_member is not None:
            counts["village_heads_members"] += 1 if org.village_head_is_member else 0
        else:
            counts["village_heads_members"] += min(covered, heads.get(code, 0))

    # Roll up: children before parents; a commune's own village count may add villages.
    totals: dict[str, Counter] = {c: Counter(own.get(c, ())) for c in tree.shown}
    for code in reversed(tree.shown):
        org = tree.orgs[code]
        counts = totals[code]
        if tree.levels[code] != "cell" and org.villages and org.villages > counts["villages"]:
            counts["villages"] = org.villages  # villages sharing a cell or without one
        if code != tree.top:
            totals[tree.up[code]].update(counts)

    targets = _plan_targets(data.plans, scope, tree)
    years_run = max(1, min(scope.end.year, as_of.year) - scope.start.year + 1)
    units: dict[str, list[UnitStats]] = {}
    for code in tree.shown:
        values = _indicator_values(totals[code], targets.get(code, {}), years_run)
        org = tree.orgs[code]
        lvl = tree.levels[code]
        parent = tree.up.get(code)
        unit = UnitStats(code, org.name, org.kind, parent, lvl, values)
        units.setdefault(lvl, []).append(unit)
    ordered_units = {lvl: units[lvl] for lvl in LEVELS if lvl in units}
    for lvl in ordered_units:
        ordered_units[lvl].sort(key=lambda u: u.org_code)
    upper = tree.orgs.get(tree.orgs[top_code].parent_code or "")
    result = StatsResult(
        scope,
        as_of,
        top_code,
        top_level,
        ordered_units,
        upper_name=upper.name if upper else None,
        by_cell_kind=_by_cell_kind(ordered_units.get("cell", []), totals, targets, years_run),
    )
    if with_baseline:
        base = baseline if baseline is not None else load_baseline()
        if base is not None:
            result.baseline = {**base, "comparison": _compare(base, result.top, scope)}
    return result


_NO_ORG = OrgRow("", "", None, None, None, None)


def _indicator_values(
    counts: Mapping[str, int], targets: Mapping[str, int | None], years_run: int
) -> dict[str, int | float | None]:
    """Every indicator from summed counts (with the hidden helper counts such as
    `_recognition_judged`) and targets: the one computation of a unit's and of a cell-kind
    group's values, so that every share is recomputed from its sums, never averaged."""
    values: dict[str, int | float | None] = {}
    for ind in INDICATORS:
        if ind.kind == "count":
            values[ind.key] = int(counts.get(ind.key, 0))
    for key in _TARGETS:
        values[key] = targets.get(key)
    values["admitted_per_year"] = round(counts.get("admitted", 0) / years_run, 1)
    extra = {"_recognition_judged": counts.get("_recognition_judged", 0)}
    for key, (num, den) in _SHARES.items():
        values[key] = pct(values.get(num, extra.get(num)), values.get(den, extra.get(den)))
    return values


def _by_cell_kind(
    cells: Sequence[UnitStats],
    totals: Mapping[str, Counter],
    targets: Mapping[str, Mapping[str, int | None]],
    years_run: int,
) -> list[KindStats]:
    """The shown cells grouped by their kind (Chi bộ thôn, Chi bộ doanh nghiệp tư nhân…):
    the cells' counts summed, their targets summed (None when none of them has one), every
    indicator computed from those sums as a unit's are. Records kept at a commune (or a
    đảng ủy cơ sở) and targets set only above the cells belong to no group. Sorted by kind
    in Vietnamese order; a cell without a kind on record makes a group of its own (None),
    last."""
    groups: dict[str | None, list[str]] = defaultdict(list)
    for cell in cells:
        groups[cell.kind or None].append(cell.org_code)
    out: list[KindStats] = []
    for kind in sorted(groups, key=lambda k: (k is None, text_sort_key(k))):
        codes = tuple(groups[kind])
        counts: Counter = Counter()
        for code in codes:
            counts.update(totals[code])
        summed: dict[str, int | None] = {}
        for key in _TARGETS:
            found = [targets[c][key] for c in codes if targets.get(c, {}).get(key) is not None]
            summed[key] = sum(found) if found else None  # type: ignore[arg-type]
        values = _indicator_values(counts, summed, years_run)
        out.append(KindStats(kind or "", kind or "", kind, None, "cell_kind", values, codes))
    return out


def _stale(ctx: _Ctx, last: dict[str, StepEvent], on: date) -> bool:
    for step in _DOSSIER_STEPS:
        doc = last.get(step)
        if doc is not None and on >= rules.add_months(
            doc.on, ctx.value("dossier_validity_months", doc.on)
        ):
            return True
    return False


def _plan_targets(
    plans: Iterable[PlanRow], scope: Scope, tree: _Tree
) -> dict[str, dict[str, int | None]]:
    """Each shown unit's targets: its own plan row for the scope, else the sum of the
    targets of the units below it that have one (None when nobody set one)."""
    own: dict[str, dict[str, int | None]] = {}
    for p in plans:
        if scope.year is not None and p.year != scope.year:
            continue
        if scope.period is not None and (p.period or "").replace("–", "-") != scope.period:
            continue
        if p.org_code in tree.levels:
            own[p.org_code] = {
                "target": p.target,
                "target_youth": p.target_youth,
                "target_private": p.target_private,
            }
    below: dict[str, list[str]] = defaultdict(list)
    for code, up in tree.up.items():
        below[up].append(code)
    out: dict[str, dict[str, int | None]] = {}
    for code in reversed(tree.shown):  # children first
        if code in own:
            out[code] = own[code]
            continue
        summed: dict[str, int | None] = {}
        for key in _TARGETS:
            found = [out[c][key] for c in below.get(code, ()) if out[c].get(key) is not None]
            summed[key] = sum(found) if found else None  # type: ignore[arg-type]
        out[code] = summed
    return out


@contextmanager
def without_gc() -> Iterator[None]:
    """The cyclic collector paused: reading the province allocates ≈100,000 small objects
    and no cycles, and the collector's passes over them cost a fifth of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
