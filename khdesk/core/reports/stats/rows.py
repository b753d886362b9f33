"""The facts the statistics read, as plain rows: loaded from the store (`load.py`) or built
from the template's rows (`StatsData.from_tables`: demo data, tests, benchmarks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from khdesk.core.domain import rules
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.text import fold

__all__ = [
    "Event",
    "FileRow",
    "MemberCount",
    "MemberRow",
    "OrgRow",
    "PlanRow",
    "StatsData",
    "UnitRow",
    "iso",
    "is_marked",
    "person_keys",
]


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
    # Accepted transfers, oldest first: (acceptance day, from unit, to unit) (RULES.md §2a)
    moves: tuple[tuple[date, str | None, str | None], ...] = ()

    def held_by(self, day: date) -> str:
        """The unit holding the file at the end of `day`: an event counts for it."""
        if not self.moves:
            return self.org_code
        unit = self.moves[0][1] or self.org_code
        for on, _from, to in self.moves:
            if on <= day:
                unit = to or unit
        return unit


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
    register_keys: set[Any]  # person keys (`person_keys`) present in the register
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
                iso(m.get("birth_date")),
                iso(m.get("admitted_on")),
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
        marked = {y.member_code for y in years if is_marked(y)}
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
                k for m in register for k in person_keys(m.cccd, m.name_folded, m.birth_date)
            },
            screened={m.member_code: m for m in register if m.member_code in marked},
            register=register,
        )


def is_marked(y: rules.MemberYear) -> bool:
    """A yearly record with something marked: the only kind a SCREEN_* rule can act on."""
    return bool(y.months_absent or y.months_unpaid or y.violated or y.declining)


def iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def person_keys(cccd: str | None, folded: str, birth: str | None) -> list[Any]:
    """How a file and a register entry are found to be one person: the CCCD, or the
    folded name with the ISO birth date."""
    keys: list[Any] = []
    if cccd and cccd.strip():
        keys.append(cccd.strip())
    if folded and birth is not None:
        keys.append((folded, birth))
    return keys
