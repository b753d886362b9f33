"""One truth between stations (issue 17): `khdesk demo` (the real command, its own
process) makes the committee and its cells, runs one round of bundles; then every
indicator of RULES.md §4 that a cell's `khdesk stats --json` gives for itself equals the
same cell's row in its committee's `khdesk stats --json`. Before the cells' paper
decisions were reported and confirmed, the cell counted 6 admissions and its committee 3
for X01-CB01 (and members, strikings-off, the pool and overdue recognitions differed)."""

from __future__ import annotations

import json

import pytest

from khdesk.core.reports.stats import INDICATOR_KEYS
from khdesk.demo.stations import DEMO_PASSWORD
from tests.integration.cli.test_cli import khdesk
from tests.integration.core.reports.one_truth import DEMO_CELLS, TODAY, USER


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("truth")
    out = khdesk(home, "demo", "--today", TODAY.isoformat(), password=None)
    assert out.returncode == 0, out.stderr
    return home


def stats(home, profile: str) -> dict[str, dict]:
    """Unit code -> indicator -> value, as `khdesk stats --json` prints it at `profile`."""
    out = khdesk(
        home,
        "stats",
        "--json",
        "--year",
        str(TODAY.year),
        "--on",
        TODAY.isoformat(),
        "--profile",
        profile,
        "--user",
        USER,
        password=DEMO_PASSWORD,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    units = (u for level in data["levels"].values() for u in level)
    return {u["org_code"]: {k: u[k] for k in INDICATOR_KEYS} for u in units}


def test_every_indicator_of_each_cell_is_the_same_at_the_cell_and_at_its_committee(demo_home):
    committee = stats(demo_home, "X01")
    for cell in DEMO_CELLS:
        own = stats(demo_home, cell)[cell]
        differ = {
            k: (own[k], committee[cell][k]) for k in INDICATOR_KEYS if own[k] != committee[cell][k]
        }
        assert not differ, (cell, differ)
    # The figures compared are the year's real work, not zeros on both sides.
    assert committee["X01-CB01"]["admitted"] == 6
    assert sum(committee[c]["struck_off"] for c in DEMO_CELLS) >= 1
