"""The committee's view of its cells: one row per cell with its files per state, the files
past a deadline, the last bundle received from it and this year's plan against admissions.

Built for the province too (thousands of cells, ~10,000 files): one grouped query per
table, and the deadlines from one pass of the rules engine over facts loaded once. Plain
SQL (khdesk.core.store.sql): a committee's first screen shows before SQLAlchemy loads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from khdesk.core.domain import rules
from khdesk.core.domain.calendar import default_calendar
from khdesk.core.domain.pipeline import State
from khdesk.core.domain.template import CELL_KINDS
from khdesk.core.reports.stats import Scope, StatsResult
from khdesk.core.services.checking import load_facts
from khdesk.core.services.statistics import profile_stats
from khdesk.core.store import sql
from khdesk.core.store.orgtree import load_tree

if TYPE_CHECKING:
    from khdesk.core.services.session import Session


@dataclass
class CellRow:
    org_code: str
    org_name: str
    parent_code: str | None
    parent_name: str
    self_managed: bool  # runs khdesk itself (its files come in bundles, read-only here)
    states: dict[str, int] = field(default_factory=dict)  # State value -> files
    files: int = 0
    open_files: int = 0  # not yet official, struck off or stopped
    overdue: int = 0  # files with a deadline passed on the day asked
    last_received: str | None = None  # ISO UTC of the last bundle imported from the cell
    plan_year: int = 0
    # The statistics' `target` and `admitted` of the cell for `plan_year` (RULES.md §4:
    # admission decisions dated that year, and the register's admissions no file speaks
    # for). None for a unit the statistics do not show (records kept at a đảng ủy cơ sở
    # count in its commune).
    target: int | None = None
    admitted: int | None = 0
    # Decisions the cell typed from its paper copies and reported, waiting here for the
    # committee to confirm or dismiss (services/decisions.py).
    reports_pending: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


_CLOSED = {State.CHINH_THUC.value, State.XOA_TEN.value, State.DUNG.value}


def cell_overview(session: Session, on: date) -> list[CellRow]:
    """One row per cell under this station (its own cells, or every cell of the province),
    in code order. `on` is the day deadlines are judged and whose year the plan is."""
    year = on.year
    with session.reader() as conn:
        tree = load_tree(conn)
        states: dict[str, Counter] = defaultdict(Counter)
        for org, state, n in sql.fetch(
            conn,
            "SELECT org_code, state, count(*) FROM candidates WHERE NOT deleted"
            " GROUP BY org_code, state",
        ):
            states[org][state] = n
        received = dict(
            sql.fetch(
                conn, "SELECT sender_org, max(imported_at) FROM sync_received GROUP BY sender_org"
            )
        )
        reported = dict(
            sql.fetch(
                conn,
                "SELECT sender_org, count(*) FROM decision_reports WHERE status = ?"
                " GROUP BY sender_org",
                ("pending",),
            )
        )
        facts = load_facts(conn)
    overdue = _overdue_by_org(facts, on)

    home = session.org_code
    under = tree.branch(home, live=True) - {home}
    wanted = {code for code in under if tree.kinds.get(code) in CELL_KINDS}
    # A file kept under an organisation that is not a cell (or no longer one here) still
    # gets a row, so the rows add up to every file held here.
    wanted |= {org for org in states if org != home and (org in under or not tree.live(org))}
    if not wanted:
        return []
    # Admissions against the plan: the statistics' own figures (one definition, RULES.md §4).
    figures = profile_stats(session, Scope.for_year(year), on)
    out = []
    for code in sorted(wanted):
        live = tree.live(code)
        parent = tree.parent(code) if live else None
        counts = states.get(code, Counter())
        files = sum(counts.values())
        out.append(
            CellRow(
                org_code=code,
                org_name=(tree.names.get(code) if live else None) or code,
                parent_code=parent,
                parent_name=(tree.names.get(parent) if tree.live(parent) else None)
                or (parent or ""),
                self_managed=live and code in tree.self_managed,
                states=dict(counts),
                files=files,
                open_files=files - sum(n for st, n in counts.items() if st in _CLOSED),
                overdue=overdue.get(code, 0),
                last_received=received.get(code),
                plan_year=year,
                reports_pending=reported.get(code, 0),
                **_plan_figures(figures, code),
            )
        )
    return out


def _plan_figures(figures: StatsResult, code: str) -> dict[str, int | None]:
    try:
        unit = figures.unit(code)
    except KeyError:
        return {"target": None, "admitted": None}
    return {"target": unit["target"], "admitted": unit["admitted"]}  # type: ignore[dict-item]


def _overdue_by_org(facts, on: date) -> dict[str, int]:
    """Files per organisation with at least one finding whose last allowed day is past."""
    calendar = default_calendar()
    context = rules.RuleContext.build(facts.members.values())
    out: Counter = Counter()
    for f in facts.files:
        # Per file (no cross-file duplicate pass): only deadlines matter here.
        found = rules.check_file(
            f, facts.orgs.get(f.org_code), facts.members, calendar, on, context
        )
        if any(x.due is not None and x.due < on for x in found):
            out[f.org_code] += 1
    return dict(out)
