"""Statistics of party-member development: the directive's indicators (RULES.md §4) per
cell, commune and province, for one year or one plan period, against the plans (the
`plans` table) and the 2015–2020 baseline (`resources/stats/baseline-2015-2020.json`).

One definition per indicator, computed by one function (`compute_stats`) that every
output uses: the statistics page, the committee's overview, the home page's plan, the
annual report, the PDF and xlsx exports, `khdesk stats --json` and the province (which
computes the same from the records its communes' bundles carried). The modules:
`indicators` (the definitions and the values from counts), `scope` (a year or a plan
period), `units` (which units are shown, where a record counts), `rows` (the facts),
`load` (reading them from the store), `compute` (the counting), `result`,
`baseline`. The use case is `khdesk.core.services.statistics`.

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
(`indicators.indicator_values`), never averaged over the cells. Records kept at a commune (or at a
đảng ủy cơ sở), in no cell, belong to no kind group, and neither do targets set only at a
commune: the groups sum to the cells, not to the commune or the province.

Readings chosen where RULES.md leaves room (resources/stats/KEYS.md says the same per key):

- *Admitted* in the scope: the date of the admission decision (A10; party age counts from
  it, Điều lệ Đ.5.4). Two sources, never counted twice: files whose effective A10 falls in
  the scope, and register members whose `admitted_on` does and who match no admitted file
  (by CCCD, else by folded name + birth date) — the register carries the years before the
  files were kept in khdesk.
- *Youth age*: 18–30 at the decision, in months as the rules count age
  (`rules.is_youth_age`: `age_min_months <= age < (youth_age_max_years + 1) * 12`,
  rulebook of that date).
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
  on record is counted as recognised but neither on time nor late. The one place:
  `compute.recognition_verdict` (the hook for the rules' late-step findings, issue 18).
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

from khdesk.core.reports.stats.baseline import load_baseline
from khdesk.core.reports.stats.compute import compute_stats
from khdesk.core.reports.stats.indicators import (
    GROUPS,
    INDICATOR_BY_KEY,
    INDICATOR_KEYS,
    INDICATORS,
    KIND_KEYS,
    UNIT_KEYS,
    Indicator,
    pct,
)
from khdesk.core.reports.stats.load import load_stats_data, without_gc
from khdesk.core.reports.stats.result import FORMAT, KindStats, StatsResult, UnitStats
from khdesk.core.reports.stats.rows import MemberCount, MemberRow, StatsData
from khdesk.core.reports.stats.scope import Scope
from khdesk.core.reports.stats.units import LEVEL_BY_ROLE, LEVEL_LABELS, LEVELS, level_of

__all__ = [
    "FORMAT",
    "GROUPS",
    "INDICATORS",
    "INDICATOR_BY_KEY",
    "INDICATOR_KEYS",
    "KIND_KEYS",
    "LEVELS",
    "LEVEL_BY_ROLE",
    "LEVEL_LABELS",
    "UNIT_KEYS",
    "Indicator",
    "KindStats",
    "MemberCount",
    "MemberRow",
    "Scope",
    "StatsData",
    "StatsResult",
    "UnitStats",
    "compute_stats",
    "level_of",
    "load_baseline",
    "load_stats_data",
    "pct",
    "without_gc",
]
