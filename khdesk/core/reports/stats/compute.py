"""The computation: every indicator for every unit a profile sees, from the facts read
(`StatsData`), for one scope — pure, no database, no clock. The dates it judges
(probation's end, the recognition deadlines, youth age, a paper's validity) are the rules'
own (`khdesk.core.domain.rules`), so the statistics and the to-do list never disagree."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from khdesk.core.domain import rules
from khdesk.core.domain.calendar import WorkCalendar, default_calendar
from khdesk.core.domain.pipeline import STATE_ORDER, STEP_BY_ID, State, StepEvent, effective_events
from khdesk.core.domain.rulebook import RulebookSet, default_rulebooks
from khdesk.core.reports.stats.baseline import compare_baseline, load_baseline
from khdesk.core.reports.stats.indicators import TARGETS, indicator_values
from khdesk.core.reports.stats.result import KindStats, StatsResult, UnitStats
from khdesk.core.reports.stats.rows import (
    FileRow,
    OrgRow,
    PlanRow,
    StatsData,
    is_marked,
    iso,
    person_keys,
)
from khdesk.core.reports.stats.scope import Scope
from khdesk.core.reports.stats.units import LEVELS, OUTSIDE, UnitTree
from khdesk.core.text import fold, text_sort_key

__all__ = ["compute_stats", "recognition_verdict", "replay"]

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
_SCREEN_KEYS = {
    "SCREEN_ABSENT": "screen_absent",
    "SCREEN_DECLINE": "screen_decline",
    "SCREEN_VIOLATION_2Y": "screen_violation_2y",
}


class _Ctx(NamedTuple):
    """The rulebooks and the working-day calendar every judged date is computed with."""

    books: RulebookSet
    calendar: WorkCalendar
    rules: rules.RuleContext  # the rules' own judgement of lateness (done-late findings)


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
    if rules.is_youth_age(birth, on, ctx.books):
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


def replay(events: Iterable[StepEvent]) -> tuple[State, dict[str, StepEvent]]:
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


def recognition_verdict(
    ctx: _Ctx, events: Sequence[StepEvent], last: Mapping[str, StepEvent]
) -> str | None:
    """ "on_time" / "late" for a file recognised by `last["P5"]`; None without a ceremony
    on record. The one place the statistics judge lateness (`recognised_on_time`,
    `recognised_late`), and it is the rules' judgement: late when the rules keep a
    done-late finding on the cell's vote (P3) or the decision (P5) — RULES.md "Done late"."""
    if last.get("A11") is None:
        return None
    on_time = rules.recognition_on_time(events, ctx.calendar, ctx.rules)
    return None if on_time is None else "on_time" if on_time else "late"


def _overdue(ctx: _Ctx, events: list[StepEvent], last: dict[str, StepEvent], on: date) -> bool:
    """A probationary member whose recognition is past its due date on `on` (the rules'
    RECOGNITION_DUE as an error)."""
    ceremony = last.get("A11")
    if ceremony is None:
        return False
    books, calendar = ctx.books, ctx.calendar
    votes = sorted(
        (e for e in events if e.step_id == "P3" and e.on >= ceremony.on),
        key=lambda e: (e.on, e.seq),
    )
    if votes:
        due = rules.recognition_decision_due(votes[-1].on, books, calendar)
    else:
        due = rules.recognition_vote_due(rules.probation_end(ceremony.on, books), books, calendar)
    return on > due


def _held_at(tree: UnitTree, f: FileRow, day: date) -> str:
    """The shown unit the file counts for on `day`: the unit holding it then (RULES.md
    §2a). The other end of a transfer, unknown to this profile, counts nowhere here."""
    if not f.moves:
        return tree.owner(f.org_code)
    held = f.held_by(day)
    return tree.owner(held) if held in tree.orgs else OUTSIDE


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
    books = rulebooks or default_rulebooks()
    ctx = _Ctx(books, calendar or default_calendar(), rules.RuleContext(books))
    tree = UnitTree(data.orgs, top_code, top_level)
    as_of = scope.as_of(today)
    start, end = scope.start, min(scope.end, as_of)
    own: dict[str, Counter] = defaultdict(Counter)  # shown unit -> counts kept at it

    # Files first: they say who was admitted, with the richest facts.
    admitted_keys: set[Any] = set()  # people a file speaks for: the register does not
    unregistered: list[tuple[str, list[Any]]] = []  # members by a file: in the register?
    for f in data.files:
        # Each event counts for the unit that held the file then (RULES.md §2a); what the
        # file is on `as_of`, for the unit holding it that day.
        unit = _held_at(tree, f, as_of)
        counts = own[unit]

        def at(day: date, f=f, counts=counts) -> Counter:
            return own[_held_at(tree, f, day)] if f.moves else counts

        events = f.events
        if f.last_on is not None and f.last_on > as_of:
            events = [e for e in events if e.on <= as_of]
        state, last = replay(events)
        a10 = last.get("A10")
        if a10 is not None or any(e.step_id == "A10" for e in f.events):
            admitted_keys.update(person_keys(f.cccd, f.name_folded, iso(f.birth_date)))
        if a10 is not None and start <= a10.on <= end:
            private = _PRIVATE_BY_WORKPLACE.get(f.workplace_kind or "")
            if private is None and not f.workplace_kind:
                held = f.held_by(a10.on)
                private = _PRIVATE_BY_CELL.get(tree.orgs.get(held, _NO_ORG).kind or "")
            _admission(
                at(a10.on), ctx, a10.on, f.sex, f.birth_date, f.ethnicity, f.religion, private
            )
        a1, a2 = last.get("A1"), last.get("A2")
        if a1 is not None and start <= a1.on <= end:
            at(a1.on)["added_to_pool"] += 1
        if a2 is not None and start <= a2.on <= end:
            at(a2.on)["trained"] += 1
        p5 = last.get("P5")
        if p5 is not None and start <= p5.on <= end:
            there = at(p5.on)
            there["recognised"] += 1
            verdict = recognition_verdict(ctx, events, last)
            if verdict is not None:
                there[f"recognised_{verdict}"] += 1
                there["_recognition_judged"] += 1
        struck = last.get("XOA_TEN")
        if struck is not None and start <= struck.on <= end:
            at(struck.on)["struck_off"] += 1
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
            unregistered.append((unit, person_keys(f.cccd, f.name_folded, iso(f.birth_date))))

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
        if any(k in admitted_keys for k in person_keys(m.cccd, m.name_folded, m.birth_date)):
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
        if y.year <= as_of.year and is_marked(y) and y.member_code in data.screened
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
        values = indicator_values(totals[code], targets.get(code, {}), years_run)
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
            result.baseline = {**base, "comparison": compare_baseline(base, result.top, scope)}
    return result


_NO_ORG = OrgRow("", "", None, None, None, None)


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
        summed = _sum_targets(targets.get(c, {}) for c in codes)
        values = indicator_values(counts, summed, years_run)
        out.append(KindStats(kind or "", kind or "", kind, None, "cell_kind", values, codes))
    return out


def _stale(ctx: _Ctx, last: dict[str, StepEvent], on: date) -> bool:
    """A paper of the file past its validity on `on` (DOSSIER_STALE's reading)."""
    for step in rules.DOSSIER_STEPS:
        doc = last.get(step)
        if doc is not None and on >= rules.dossier_expires(doc.on, on, ctx.books):
            return True
    return False


def _plan_targets(
    plans: Iterable[PlanRow], scope: Scope, tree: UnitTree
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
        out[code] = _sum_targets(out[c] for c in below.get(code, ()))
    return out


def _sum_targets(rows: Iterable[Mapping[str, int | None]]) -> dict[str, int | None]:
    """Each target summed over the rows that set it; None when none of them does."""
    rows = list(rows)
    summed: dict[str, int | None] = {}
    for key in TARGETS:
        found = [r[key] for r in rows if r.get(key) is not None]
        summed[key] = sum(found) if found else None  # type: ignore[arg-type]
    return summed
