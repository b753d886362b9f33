"""Statistics (RULES.md §4) on the hand-built province of conftest.py: every number below
was computed by hand from the dataset's description there."""

from __future__ import annotations

import json
import re

import openpyxl
import pypdf
import pytest

from khdesk.core.errors import UsageError
from khdesk.core.reports.stats import (
    INDICATOR_BY_KEY,
    INDICATOR_KEYS,
    KIND_KEYS,
    UNIT_KEYS,
    Scope,
    StatsData,
    compute_stats,
)
from khdesk.core.resources import resource_path
from khdesk.core.services.statistics import profile_stats
from tests import pg
from tests.integration.cli.test_cli import khdesk
from tests.integration.core.reports.stats_dataset import (
    PASSWORD,
    TODAY,
    _admission_steps,
    build_province_home,
    d,
    hand_tables,
    open_province,
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def province_home(request, tmp_path_factory):
    """The province on each engine: the same figures from SQLCipher and PostgreSQL."""
    with pg.engine(request.param):
        return build_province_home(tmp_path_factory)


@pytest.fixture
def province(province_home):
    session = open_province(province_home)
    yield session
    session.close()


# Frozen: a key is never renamed within format 1 (resources/stats/KEYS.md).
KEYS_V1 = (
    "admitted target target_pct admitted_per_year admitted_youth youth_pct target_youth "
    "target_youth_pct admitted_women women_pct admitted_ethnic_minority ethnic_minority_pct "
    "admitted_religious religious_pct admitted_private_enterprise admitted_private_school "
    "admitted_private private_pct target_private target_private_pct recognised "
    "recognised_on_time recognised_late recognised_on_time_pct recognition_overdue struck_off "
    "added_to_pool trained source_pool trained_not_admitted files_stale members_total "
    "screening_listed screen_absent screen_decline screen_violation_2y private_units "
    "private_units_no_member private_units_no_member_pct private_units_no_party_org "
    "private_units_no_party_org_pct villages villages_with_cell villages_with_cell_pct "
    "village_heads_members village_heads_members_pct"
).split()

# The registers without dates, kept partly at the communes themselves: not cell sums.
REGISTER_KEYS = {
    "private_units",
    "private_units_no_member",
    "private_units_no_party_org",
    "villages",
    "villages_with_cell",
    "village_heads_members",
}


def stats(scope: Scope, top: str = "KH", level: str = "province", tables=None):
    data = StatsData.from_tables(tables or hand_tables())
    return compute_stats(data, scope, top_code=top, top_level=level, today=TODAY)


def test_province_year_2026_every_indicator():
    top = stats(Scope.for_year(2026)).top
    assert {k: top[k] for k in INDICATOR_KEYS} == {
        # A10 in 2026: files X01-CB01-0001, -0002, X01-CB02-0001, X02-CB01-0001, -0003,
        # X02-CB02-0001, and the register's X01-CB01-DV002; X02-CB01-DV005 is file -0003.
        "admitted": 7,
        # No plan at KH for 2026: X01's cells 3 + 2, X02's own 6.
        "target": 11,
        "target_pct": 63.64,  # 7 / 11
        "admitted_per_year": 7.0,
        # Under 31 full years at A10: 309, 301, 263, 352 and 311 months; 434 and 394 not.
        "admitted_youth": 5,
        "youth_pct": 71.43,  # 5 / 7
        "target_youth": 7,  # 2 + 1 + 4
        "target_youth_pct": 71.43,
        # Nguyễn Thị An, Đàng Thị Nga, Mai Thị Quyên, Lê Thị Thu (register).
        "admitted_women": 4,
        "women_pct": 57.14,
        "admitted_ethnic_minority": 2,  # Raglai, Chăm
        "ethnic_minority_pct": 28.57,
        "admitted_religious": 2,  # Công giáo, Bà-la-môn (religion None / Không: no)
        "religious_pct": 28.57,
        # X01-CB01-0002 by workplace, X01-CB02-0001 by its cell; X02-CB02-0001 a school.
        "admitted_private_enterprise": 2,
        "admitted_private_school": 1,
        "admitted_private": 3,
        "private_pct": 42.86,
        "target_private": 5,  # 1 + 2 + 2
        "target_private_pct": 60.0,
        # P5 in 2026: X01-CB01-0004 (P3 20/01 ≤ 27/02, P5 05/02 ≤ 10/03) on time;
        # X01-CB02-0002 (P3 01/12/2025 after the cell's due day 26/11/2025) late.
        "recognised": 2,
        "recognised_on_time": 1,
        "recognised_late": 1,
        "recognised_on_time_pct": 50.0,
        # X01-CB02-0003: ceremony 20/08/2025, probation ended 20/08/2026, due 05/10/2026.
        "recognition_overdue": 1,
        "struck_off": 1,  # X01-CB01-0003, 01/04/2026
        "added_to_pool": 1,  # X01-CB01-0005 (A1 01/03/2026)
        "trained": 1,  # X02-CB01-0002 (A2 02/01/2026)
        # Open, not admitted on 26/11/2026: X01-CB01-0005 (NGUON), -0006 (HO_SO),
        # X02-CB01-0002 (THAM_TRA); X01-CB02-0004 is closed.
        "source_pool": 3,
        "trained_not_admitted": 2,
        "files_stale": 1,  # X01-CB01-0006: application of 01/09/2025
        # Register: 2 + 2 + 2 + 1 active; files not in it: 3 + 3 + 1 + 1 (the DU_BI and
        # CHINH_THUC files; X02-CB01-0003 is in the register).
        "members_total": 15,
        "screening_listed": 3,
        "screen_absent": 2,  # X01-CB01-DV001 (3 months absent), X02-CB01-DV001 (unpaid)
        "screen_decline": 1,  # X02-CB01-DV001, 2025 and 2026
        "screen_violation_2y": 1,  # X02-CB02-DV001, 2025 and 2026
        "private_units": 4,
        "private_units_no_member": 2,  # Yến sào, Sao Mai
        "private_units_no_member_pct": 50.0,
        "private_units_no_party_org": 3,
        "private_units_no_party_org_pct": 75.0,
        # X01 says 3 villages (1 with its own cell), X02 one group with its cell.
        "villages": 4,
        "villages_with_cell": 2,
        "villages_with_cell_pct": 50.0,
        # X01-CB01 by its flag, X02-CB01 by the member marked as the head.
        "village_heads_members": 2,
        "village_heads_members_pct": 50.0,
    }


def test_recognised_on_time_or_late_is_the_rules_done_late_finding():
    """RULES.md "Done late": the statistics count from the findings. The late file is the
    one the rules leave a RECOGNITION_DUE trace on (its cell's vote, on step P3)."""
    from khdesk.core.domain import rules
    from khdesk.core.domain.calendar import default_calendar
    from tests.integration.core.reports.stats_dataset import _steps

    traces = {
        code: [(f.rule, f.step) for f in rules.late_findings(code, events, default_calendar())]
        for code, events in rules.events_from_steps(_steps()).items()
    }
    assert traces["X01-CB02-0002"] == [("RECOGNITION_DUE", "P3")]
    assert traces["X01-CB01-0004"] == []
    cell = {u.org_code: u for u in stats(Scope.for_year(2026)).level_units("cell")}
    assert cell["X01-CB02"]["recognised_late"] == 1 and cell["X01-CB01"]["recognised_on_time"] == 1


def test_per_unit_figures():
    result = stats(Scope.for_year(2026))
    cell = {u.org_code: u for u in result.level_units("cell")}
    # X01-CB01: An (youth, woman), Bình (Raglai, Công giáo, DNTN), Thu (register, youth).
    assert [cell["X01-CB01"][k] for k in ("admitted", "admitted_youth", "admitted_women")] == [
        3,
        2,
        2,
    ]
    assert cell["X01-CB01"]["target_pct"] == 100.0  # 3 of 3
    assert cell["X01-CB01"]["youth_pct"] == 66.67  # 2 / 3
    assert cell["X01-CB02"]["admitted_private_enterprise"] == 1  # by the cell's kind
    assert cell["X01-CB02"]["recognised_late"] == 1
    assert cell["X02-CB01"]["target"] is None  # no plan for the cell, nor below it
    assert cell["X02-CB01"]["admitted"] == 2  # Nga once (returned A10), Chín once
    assert cell["X02-CB02"]["admitted_private_school"] == 1
    commune = {u.org_code: u for u in result.level_units("commune")}
    assert commune["X01"]["target"] == 5 and commune["X01"]["target_pct"] == 80.0  # 4 / 5
    assert commune["X02"]["target"] == 6 and commune["X02"]["target_pct"] == 50.0  # 3 / 6
    # The commune's own register counts: X01 keeps 2 units, its cell 1 (a cooperative).
    assert commune["X01"]["private_units"] == 3 and cell["X01-CB01"]["private_units"] == 1
    assert commune["X01"]["villages"] == 3 and commune["X01"]["villages_with_cell_pct"] == 33.33
    assert [u.parent_code for u in result.level_units("cell")] == ["X01", "X01", "X02", "X02"]
    assert result.top.parent_code is None


SCOPES = [
    Scope.for_year(2026),
    Scope.for_year(2025),
    Scope.for_period("2026-2030"),
    Scope.for_period("2021-2025"),
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.label)
def test_cells_sum_to_commune_and_communes_to_province(scope):
    result = stats(scope)
    counts = [
        k
        for k in INDICATOR_KEYS
        if not k.endswith("_pct") and not k.startswith("target") and k not in REGISTER_KEYS
    ]
    counts.remove("admitted_per_year")
    for commune in result.level_units("commune"):
        cells = result.children(commune.org_code)
        assert cells
        for key in counts:
            assert commune[key] == sum(c[key] for c in cells), (commune.org_code, key)
    communes = result.level_units("commune")
    for key in counts:
        assert result.top[key] == sum(c[key] for c in communes), key
    # Plans: a unit without a row of its own sums the units below it that have one.
    if scope.label in ("2026", "2026-2030"):
        assert result.top["target"] == sum(c["target"] for c in communes)


def test_year_and_period_filters():
    y2025 = stats(Scope.for_year(2025)).top
    # A10 in 2025: X01-CB01-0003 (326 months: youth), X01-CB02-0003 (487: no; DNTN cell),
    # and the register's X01-CB02-DV002 (325: youth; DNTN cell).
    assert (y2025["admitted"], y2025["admitted_youth"], y2025["admitted_private"]) == (3, 2, 2)
    assert y2025["target"] == 8 and y2025["target_pct"] == 37.5  # KH's own 2025 row
    assert y2025["target_private_pct"] == 200.0  # 2 of 1
    # On 31/12/2025: register 1 + 2 + 1 + 1; files X01-CB01-0003, -0004, X01-CB02-0002, -0003
    # on probation or official then.
    assert y2025["members_total"] == 9
    assert y2025["recognised"] == 0 and y2025["recognition_overdue"] == 0
    assert y2025["files_stale"] == 0  # -0006's application was 4 months old
    assert y2025["screening_listed"] == 0  # one flagged year each by then
    # On the source list on 31/12/2025: 9 files, 7 of them trained.
    assert (y2025["source_pool"], y2025["trained_not_admitted"]) == (9, 7)
    assert (y2025["added_to_pool"], y2025["trained"]) == (6, 5)

    period = stats(Scope.for_period("2026-2030")).top
    assert period["admitted"] == 7  # only 2026 so far
    assert period["target"] == 45  # X01 20 + X02 25
    assert period["target_pct"] == 15.56
    assert period["target_private"] == 5  # only X01 set one
    assert period["admitted_per_year"] == 7.0  # one year of the period begun

    past = stats(Scope.for_period("2021-2025")).top
    # 2025's three + X01-CB01-0004 (20/12/2024, 354 months: youth, Phật giáo, woman) and
    # X01-CB02-0002 (01/10/2024, 380 months, DNTN cell).
    assert (past["admitted"], past["admitted_youth"], past["admitted_women"]) == (5, 3, 1)
    assert past["admitted_per_year"] == 1.0  # 5 over 5 years
    assert past["target"] is None and past["target_pct"] is None


def test_committee_and_cell_views():
    committee = stats(Scope.for_year(2026), "X01", "commune")
    assert list(committee.units) == ["commune", "cell"]
    assert [u.org_code for u in committee.level_units("cell")] == ["X01-CB01", "X01-CB02"]
    whole = stats(Scope.for_year(2026))
    for code in ("X01", "X01-CB01", "X01-CB02"):
        assert committee.unit(code).values == whole.unit(code).values
    assert committee.baseline["comparison"].keys() == {"youth_pct", "villages_with_cell_pct"}
    cell = stats(Scope.for_year(2026), "X01-CB01", "cell")
    assert list(cell.units) == ["cell"] and cell.top.values == whole.unit("X01-CB01").values


# -- by cell kind (issue 9) ----------------------------------------------------------------

# The dataset's cells have four kinds, one cell each; in Vietnamese order (d < t; th < tô < tr).
KINDS_VI = [
    "Chi bộ doanh nghiệp tư nhân",  # X01-CB02
    "Chi bộ thôn",  # X01-CB01
    "Chi bộ tổ dân phố",  # X02-CB01
    "Chi bộ trường tư thục",  # X02-CB02
]

# Every indicator of each kind in 2026, from the dataset's description (stats_dataset.py).
# Zero counts are left out below and filled in by `_full`.
BY_KIND_2026 = {
    # X01-CB02: Hòa admitted 01/09/2026 (301 months: youth; DNTN by the cell's kind); plan
    # 2 / 1 / 2. Khánh recognised late; Lâm overdue. Members: DV001, DV002 in the register,
    # the files of Hòa (DU_BI), Khánh (CHINH_THUC), Lâm (DU_BI). Minh's file is closed.
    "Chi bộ doanh nghiệp tư nhân": {
        "admitted": 1,
        "target": 2,
        "target_pct": 50.0,
        "admitted_per_year": 1.0,
        "admitted_youth": 1,
        "youth_pct": 100.0,
        "target_youth": 1,
        "target_youth_pct": 100.0,
        "women_pct": 0.0,
        "ethnic_minority_pct": 0.0,
        "religious_pct": 0.0,
        "admitted_private_enterprise": 1,
        "admitted_private": 1,
        "private_pct": 100.0,
        "target_private": 2,
        "target_private_pct": 50.0,
        "recognised": 1,
        "recognised_late": 1,
        "recognised_on_time_pct": 0.0,
        "recognition_overdue": 1,
        "members_total": 5,
    },
    # X01-CB01: An (woman, youth), Bình (Raglai, Công giáo, DNTN by workplace, 434 months),
    # Thu (register: woman, 311 months); plan 3 / 2 / 1. Dung recognised on time; Cường
    # struck off; Em added to the pool; Em (NGUON) and Gấm (HO_SO, stale) in it. Members:
    # DV001, DV002 (DV003 moved away) + An, Bình (DU_BI), Dung (CHINH_THUC). DV001 absent
    # 3 months. The cooperative (1 member, no party organisation); one village, head a
    # member by the flag.
    "Chi bộ thôn": {
        "admitted": 3,
        "target": 3,
        "target_pct": 100.0,
        "admitted_per_year": 3.0,
        "admitted_youth": 2,
        "youth_pct": 66.67,
        "target_youth": 2,
        "target_youth_pct": 100.0,
        "admitted_women": 2,
        "women_pct": 66.67,
        "admitted_ethnic_minority": 1,
        "ethnic_minority_pct": 33.33,
        "admitted_religious": 1,
        "religious_pct": 33.33,
        "admitted_private_enterprise": 1,
        "admitted_private": 1,
        "private_pct": 33.33,
        "target_private": 1,
        "target_private_pct": 100.0,
        "recognised": 1,
        "recognised_on_time": 1,
        "recognised_on_time_pct": 100.0,
        "struck_off": 1,
        "added_to_pool": 1,
        "source_pool": 2,
        "trained_not_admitted": 1,
        "files_stale": 1,
        "members_total": 5,
        "screening_listed": 1,
        "screen_absent": 1,
        "private_units": 1,
        "private_units_no_member_pct": 0.0,
        "private_units_no_party_org": 1,
        "private_units_no_party_org_pct": 100.0,
        "villages": 1,
        "villages_with_cell": 1,
        "villages_with_cell_pct": 100.0,
        "village_heads_members": 1,
        "village_heads_members_pct": 100.0,
    },
    # X02-CB01: Nga (woman, Chăm, Bà-la-môn, 263 months), Chín (352 months); no plan of its
    # own (X02's 6 is the commune's). Phúc trained 02/01/2026, in the pool (THAM_TRA).
    # Members: DV001, DV005 (DV002 died) + Nga's file (Chín's is DV005). DV001 absent
    # (unpaid) and declining; one group, its head DV001.
    "Chi bộ tổ dân phố": {
        "admitted": 2,
        "admitted_per_year": 2.0,
        "admitted_youth": 2,
        "youth_pct": 100.0,
        "admitted_women": 1,
        "women_pct": 50.0,
        "admitted_ethnic_minority": 1,
        "ethnic_minority_pct": 50.0,
        "admitted_religious": 1,
        "religious_pct": 50.0,
        "private_pct": 0.0,
        "trained": 1,
        "source_pool": 1,
        "trained_not_admitted": 1,
        "members_total": 3,
        "screening_listed": 1,
        "screen_absent": 1,
        "screen_decline": 1,
        "villages": 1,
        "villages_with_cell": 1,
        "villages_with_cell_pct": 100.0,
        "village_heads_members": 1,
        "village_heads_members_pct": 100.0,
    },
    # X02-CB02: Quyên (woman, 394 months, private school). Members: DV001 + Quyên's file.
    # DV001 violated two years running.
    "Chi bộ trường tư thục": {
        "admitted": 1,
        "admitted_per_year": 1.0,
        "youth_pct": 0.0,
        "admitted_women": 1,
        "women_pct": 100.0,
        "ethnic_minority_pct": 0.0,
        "religious_pct": 0.0,
        "admitted_private_school": 1,
        "admitted_private": 1,
        "private_pct": 100.0,
        "members_total": 2,
        "screening_listed": 1,
        "screen_violation_2y": 1,
    },
}
_TARGET_KEYS = {"target", "target_youth", "target_private"}


def _full(given: dict) -> dict:
    """Every indicator: the counts not given are 0; targets and shares not given None."""
    out = {}
    for key in INDICATOR_KEYS:
        if key in given:
            out[key] = given[key]
        elif key in _TARGET_KEYS or key.endswith("_pct"):
            out[key] = None
        else:
            out[key] = 0.0 if key == "admitted_per_year" else 0
    return out


def test_by_cell_kind_hand_figures():
    result = stats(Scope.for_year(2026))
    groups = result.by_cell_kind
    assert [g.kind for g in groups] == KINDS_VI
    assert [g.cells for g in groups] == [("X01-CB02",), ("X01-CB01",), ("X02-CB01",), ("X02-CB02",)]
    for g in groups:
        assert {k: g[k] for k in INDICATOR_KEYS} == _full(BY_KIND_2026[g.kind]), g.kind
    # Records kept at the communes are in no group: X01 keeps two private units and its
    # Số thôn (3), X02 its own plan (6); only the cooperative is a cell's.
    top = result.top
    assert (top["private_units"], sum(g["private_units"] for g in groups)) == (4, 1)
    assert (top["villages"], sum(g["villages"] for g in groups)) == (4, 2)
    assert (top["target"], sum(g["target"] or 0 for g in groups)) == (11, 5)
    # A committee sees its own cells' kinds; a cell its own.
    committee = stats(Scope.for_year(2026), "X02", "commune")
    assert [g.kind for g in committee.by_cell_kind] == KINDS_VI[2:]
    assert committee.by_cell_kind[0].values == groups[2].values
    cell = stats(Scope.for_year(2026), "X01-CB01", "cell")
    assert [g.kind for g in cell.by_cell_kind] == ["Chi bộ thôn"]
    assert cell.by_cell_kind[0].values == cell.top.values


def _with_second_village_cell() -> dict[str, list[dict]]:
    """The dataset plus X01-CB03, a second Chi bộ thôn (one village, no head on record),
    with a 2026 plan of 1 (no youth or private target) and two files:
    X01-CB03-0001 Nam 1980-01, A10 01/04/2026 (555 months: not youth), A11 15/04/2026;
    X01-CB03-0002 Nam 1990-01, A10 10/01/2025, no ceremony on record, P5 01/02/2026:
    recognised, neither on time nor late."""
    tables = hand_tables()
    tables["orgs"].append(
        {
            "code": "X01-CB03",
            "name": "Chi bộ thôn Hải Tây",
            "parent_code": "X01",
            "kind": "Chi bộ thôn",
            "villages": 1,
        }
    )
    tables["plans"].append(
        {
            "org_code": "X01-CB03",
            "year": 2026,
            "period": None,
            "target": 1,
            "target_youth": None,
            "target_private": None,
        }
    )
    for code, name, born in (
        ("X01-CB03-0001", "Trịnh Văn Tân", "1980-01-01"),
        ("X01-CB03-0002", "Lưu Văn Sơn", "1990-01-01"),
    ):
        tables["candidates"].append(
            {
                "file_code": code,
                "full_name": name,
                "sex": "Nam",
                "birth_date": d(born),
                "org_code": "X01-CB03",
                "ethnicity": "Kinh",
                "religion": "Không",
                "education": "THPT",
            }
        )
    steps = {
        "X01-CB03-0001": _admission_steps(
            "2025-01-01", "2025-02-01", "2025-03-01", "2026-02-10", "2026-04-01", "2026-04-15"
        ),
        "X01-CB03-0002": _admission_steps(
            "2023-01-10", "2023-03-01", "2024-05-01", "2024-12-10", "2025-01-10"
        )
        + [("P5", "2026-02-01")],
    }
    for code, rows in steps.items():
        for step_id, on in rows:
            row = {"file_code": code, "step_id": step_id, "on": d(on), "result": "Thông qua"}
            if step_id == "A8":
                row.update(official_members=5, votes_for=5)
            tables["steps"].append(row)
    return tables


def test_by_cell_kind_sums_and_recomputes_shares():
    result = stats(Scope.for_year(2026), tables=_with_second_village_cell())
    groups = {g.kind: g for g in result.by_cell_kind}
    assert list(groups) == KINDS_VI
    village = groups["Chi bộ thôn"]
    assert village.cells == ("X01-CB01", "X01-CB03")
    # X01-CB01's figures (BY_KIND_2026) plus X01-CB03's: Tân admitted (not youth, man,
    # Kinh, no religion, not private), target 1; Sơn recognised without a ceremony (no
    # verdict); Tân (DU_BI) and Sơn (CHINH_THUC) members not in the register; one more
    # village with its own cell, its head not known to be a member.
    expected = dict(BY_KIND_2026["Chi bộ thôn"])
    expected.update(
        {
            "admitted": 4,
            "target": 4,
            "target_pct": 100.0,  # 4 / (3 + 1)
            "admitted_per_year": 4.0,
            "youth_pct": 50.0,  # 2 / 4 — the cells' 66.67 and 0.00 averaged would be 33.33
            "target_youth_pct": 100.0,  # 2 / 2: X01-CB03 set no youth target
            "women_pct": 50.0,  # 2 / 4
            "ethnic_minority_pct": 25.0,
            "religious_pct": 25.0,
            "private_pct": 25.0,
            "target_private_pct": 100.0,  # 1 / 1
            "recognised": 2,
            # 1 on time of 1 judged (Sơn's has no ceremony): not 1 / 2 recognised.
            "recognised_on_time_pct": 100.0,
            "members_total": 7,
            "villages": 2,
            "villages_with_cell": 2,
            "village_heads_members_pct": 50.0,  # 1 / 2
        }
    )
    assert {k: village[k] for k in INDICATOR_KEYS} == _full(expected)
    cells = {u.org_code: u for u in result.level_units("cell")}
    assert cells["X01-CB03"]["youth_pct"] == 0.0
    assert cells["X01-CB03"]["recognised_on_time_pct"] is None
    # The other kinds are untouched.
    for kind in KINDS_VI:
        if kind != "Chi bộ thôn":
            assert {k: groups[kind][k] for k in INDICATOR_KEYS} == _full(BY_KIND_2026[kind])


@pytest.mark.parametrize("extended", [False, True], ids=["dataset", "two-village-cells"])
@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.label)
def test_by_cell_kind_counts_sum_to_the_cells(scope, extended):
    tables = _with_second_village_cell() if extended else None
    result = stats(scope, tables=tables)
    cells = result.level_units("cell")
    groups = result.by_cell_kind
    assert sorted(c for g in groups for c in g.cells) == [c.org_code for c in cells]
    assert sum(len(g.cells) for g in groups) == len(cells)
    counts = [k for k in INDICATOR_KEYS if INDICATOR_BY_KEY[k].kind == "count"]
    for key in counts:  # the registers' counts too: a group is its cells, nothing above
        assert sum(g[key] for g in groups) == sum(c[key] for c in cells), key
    for key in ("target", "target_youth", "target_private"):
        set_ = [c[key] for c in cells if c[key] is not None]
        assert sum(g[key] or 0 for g in groups) == sum(set_), key
    for g in groups:  # each share from the group's own sums
        assert g["youth_pct"] == (
            round(100 * g["admitted_youth"] / g["admitted"], 2) if g["admitted"] else None
        )
        assert g["target_pct"] == (
            round(100 * g["admitted"] / g["target"], 2) if g["target"] else None
        )


def test_baseline_comparison_and_resource():
    result = stats(Scope.for_period("2026-2030"))
    base = result.baseline
    assert base["values"] == {
        "admitted": 9351,
        "members_total": 44216,
        "admitted_per_year": 1870,
        "youth_pct": 60.44,
        "villages_with_cell_pct": 100.0,
    }
    assert base["source"] and base["version"]
    assert base["comparison"]["youth_pct"] == {
        "baseline": 60.44,
        "actual": 71.43,
        "difference": 10.99,
    }
    assert base["comparison"]["admitted"]["actual"] == 7  # over a period only
    assert "admitted" not in stats(Scope.for_year(2026)).baseline["comparison"]


def test_scope_parsing():
    assert Scope.for_period("2026–2030").period == "2026-2030"
    assert Scope.plan_period_of(2027).label == "2026-2030"
    assert Scope.for_year(2026).label_vi == "năm 2026"
    for bad in ("2030-2026", "abc", "26-30"):
        with pytest.raises(UsageError):
            Scope.for_period(bad)


def test_json_keys_stable():
    result = stats(Scope.for_year(2026))
    assert list(INDICATOR_KEYS) == KEYS_V1
    data = json.loads(json.dumps(result.as_dict()))
    assert list(data) == [
        "format",
        "scope",
        "org_code",
        "level",
        "levels",
        "baseline",
        "by_cell_kind",  # added within format 1: the keys before it never change
    ]
    assert data["format"] == 1
    assert data["scope"] == {
        "kind": "year",
        "year": 2026,
        "period": None,
        "from": "2026-01-01",
        "to": "2026-12-31",
        "as_of": "2026-11-26",
    }
    assert list(data["levels"]) == ["province", "commune", "cell"]
    for units in data["levels"].values():
        for unit in units:
            assert list(unit) == [*UNIT_KEYS, *KEYS_V1]
    assert [g["kind"] for g in data["by_cell_kind"]] == KINDS_VI
    for group in data["by_cell_kind"]:
        assert list(group) == [*KIND_KEYS, *KEYS_V1]
    documented = resource_path("stats", "KEYS.md").read_text(encoding="utf-8")
    for key in KEYS_V1:
        assert f"| `{key}` |" in documented, key
    assert "`by_cell_kind`" in documented and "belong to no kind group" in documented


def test_profile_reads_what_the_tables_say(province):
    from_db = profile_stats(province, Scope.for_year(2026), TODAY).as_dict()
    from_tables = stats(Scope.for_year(2026)).as_dict()
    assert from_db == from_tables
    period = profile_stats(province, Scope.for_period("2021-2025"), TODAY).as_dict()
    assert period == stats(Scope.for_period("2021-2025")).as_dict()


def _text(pdf_path) -> str:
    reader = pypdf.PdfReader(str(pdf_path))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_cli_stats_json_text_xlsx_pdf(province_home, tmp_path):
    def run(*args):
        base = ("stats", "--profile", "KH", "--on", "2026-11-26")
        return khdesk(province_home, *base, *args, password=PASSWORD)

    out = run("--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["levels"]["province"][0]["admitted"] == 7
    assert data["levels"]["province"][0]["target_pct"] == 63.64
    kinds = {g["kind"]: g for g in data["by_cell_kind"]}
    assert list(kinds) == KINDS_VI
    assert kinds["Chi bộ thôn"]["admitted"] == 3 and kinds["Chi bộ thôn"]["youth_pct"] == 66.67
    assert kinds["Chi bộ tổ dân phố"]["target"] is None

    out = run("--year", "2026")
    assert out.returncode == 0, out.stderr
    assert "Số đảng viên kết nạp" in out.stdout and "63,64" in out.stdout
    assert "Đảng ủy xã Cam Hải" in out.stdout  # the communes below the province
    section = out.stdout.split("THEO LOẠI CHI BỘ (4 loại)", 1)[1]
    lines = [line.split() for line in section.splitlines()[2:6]]
    # Kind, cells, target, admitted, % đạt, % TN, % nữ, % DTTS, % tư nhân, source pool.
    assert [" ".join(x[:-9]) for x in lines] == KINDS_VI
    assert lines[1][-9:] == "1 3 3 100,00 66,67 66,67 33,33 33,33 2".split()
    assert lines[0][-9:] == "1 2 1 50,00 100,00 0,00 0,00 100,00 0".split()

    xlsx = tmp_path / "thong-ke.xlsx"
    out = run("--period", "2026-2030", "--xlsx", str(xlsx))
    assert out.returncode == 0, out.stderr
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == [
        "Thông tin",
        "Tỉnh",
        "Xã, phường, đặc khu",
        "Chi bộ",
        "Theo loại chi bộ",
        "Chỉ số",
    ]
    kind_rows = list(wb["Theo loại chi bộ"].iter_rows(values_only=True))
    assert kind_rows[0][:3] == ("Loại chi bộ", "Số chi bộ", "Số đảng viên kết nạp")
    by_kind = {r[0]: dict(zip(kind_rows[0], r, strict=True)) for r in kind_rows[1:]}
    assert list(by_kind) == KINDS_VI
    # 2026–2030: no cell has a period plan (X01's and X02's are the communes' own).
    village = by_kind["Chi bộ thôn"]
    assert (village["Số chi bộ"], village["Số đảng viên kết nạp"]) == (1, 3)
    assert village["Chỉ tiêu kết nạp"] is None
    assert village["Tỷ lệ đảng viên nữ trong số kết nạp (%)"] == 66.67
    rows = list(wb["Chi bộ"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:2] == ("Mã đơn vị", "Tên đơn vị") and "Số đảng viên kết nạp" in head
    by_code = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert by_code["X01-CB01"]["Số đảng viên kết nạp"] == 3
    assert by_code["X01-CB01"]["Tên đơn vị"] == "Chi bộ thôn Hải Đông"
    province_row = dict(zip(head, list(wb["Tỉnh"].iter_rows(values_only=True))[1], strict=True))
    assert province_row["Chỉ tiêu kết nạp"] == 45
    keys = list(wb["Chỉ số"].iter_rows(values_only=True))
    assert [r[0] for r in keys[1:]] == KEYS_V1
    assert keys[0][4] == "Định nghĩa"  # the words of the screens' tooltips
    assert "quyết định kết nạp (bước A10)" in dict((r[0], r[4]) for r in keys[1:])["admitted"]
    wb.close()

    pdf = tmp_path / "thong-ke.pdf"
    out = run("--pdf", str(pdf))
    assert out.returncode == 0, out.stderr
    text = _text(pdf)
    for expected in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "TỈNH ỦY KHÁNH HÒA",
        "Khánh Hòa, ngày 26 tháng 11 năm 2026",
        "số liệu thống kê công tác phát triển đảng viên năm 2026",
        "Số đảng viên kết nạp",
        "Tỷ lệ kết nạp trong độ tuổi thanh niên (%) 71,43",
        "Tỷ lệ đạt chỉ tiêu (%) 63,64",
        "Đảng ủy phường Bắc Nha Trang",
        "2015–2020",
        "Theo loại chi bộ:",
        "1 Chi bộ doanh nghiệp tư nhân 1 2 1 50,00 100,00",
        "2 Chi bộ thôn 1 3 3 100,00 66,67 66,67 33,33 33,33 2",
        "4 Chi bộ trường tư thục 1 — 1 — 0,00 100,00",
        "không thuộc chi bộ nào",
    ):
        assert expected in text, expected

    out = run("--period", "2026")
    assert out.returncode == 2 and "Giai đoạn" in out.stderr
    out = run("--json", "--pdf", str(pdf))
    assert out.returncode == 2


def test_one_replay_matches_the_pipeline():
    """The statistics replay each file once; the pipeline's two functions must agree."""
    from khdesk.core.domain import rules
    from khdesk.core.domain.pipeline import derive_state, effective_events
    from khdesk.core.reports.stats.compute import replay as _replay
    from khdesk.demo.small import small_demo

    steps = small_demo(TODAY)["steps"] + hand_tables()["steps"]
    checked = 0
    for events in rules.events_from_steps(steps).values():
        for cut in sorted({e.on for e in events}):  # every state the file went through
            part = [e for e in events if e.on <= cut]
            state, last = _replay(part)
            assert state == derive_state(part)
            assert last == {e.step_id: e for e in effective_events(part)}
            checked += 1
    assert checked > 200
