"""The committee's rows per cell, checked against direct queries and the rules engine on
the demo commune after one cell's bundle came in."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from khdesk.core.reports.stats import Scope
from khdesk.core.services import sync
from khdesk.core.services.checking import check_profile
from khdesk.core.services.committee import cell_overview
from khdesk.core.services.session import open_profile
from khdesk.core.services.statistics import profile_stats
from khdesk.core.store import schema as t
from khdesk.demo.stations import DEMO_USER, create_demo
from tests import pg

pytestmark = pytest.mark.usefixtures("engine_kind")

TODAY = date(2026, 11, 26)
PASSWORD = "matkhau-uyban"


@pytest.fixture
def commune(tmp_path):
    home = tmp_path / "home"
    create_demo(home, PASSWORD, TODAY, committee_db_url=pg.db_url_for(DEMO_USER, PASSWORD))
    cell = open_profile(home, "X01-CB01", DEMO_USER, PASSWORD)
    com = open_profile(home, "X01", DEMO_USER, PASSWORD)
    for one, other in ((cell, com), (com, cell)):
        card = sync.write_card(one, tmp_path / f"{one.org_code}.card")
        sync.enrol_card(other, tmp_path / f"{one.org_code}.card", card["fingerprint"])
    result = sync.export_bundle(cell, tmp_path)
    [report] = sync.import_bundles(com, [result.path])
    assert report.status == "imported", report.reason
    yield cell, com
    cell.close()
    com.close()


def test_one_row_per_cell_with_the_counts_of_the_database(commune):
    cell, com = commune
    rows = cell_overview(com, TODAY)
    assert [r.org_code for r in rows] == ["X01-CB01", "X01-CB02", "X01-CB03", "X01-CB04"]
    with com.store.read() as conn:
        states: Counter = Counter()
        for org, state in conn.execute(
            select(t.candidates.c.org_code, t.candidates.c.state).where(
                t.candidates.c.deleted.is_(False)
            )
        ):
            states[(org, state)] += 1
        targets = dict(
            conn.execute(
                select(t.plans.c.org_code, t.plans.c.target).where(t.plans.c.plan_key == "y2026")
            ).all()
        )
        last = dict(
            conn.execute(select(t.sync_received.c.sender_org, t.sync_received.c.imported_at)).all()
        )
    overdue = Counter(
        org
        for org, code in {
            (f["org_code"], f["file_code"])
            for f in check_profile(com, TODAY).findings
            if f["file_code"] and f["due"] and f["due"] < TODAY.isoformat()
        }
    )
    for r in rows:
        expected = {s: n for (org, s), n in states.items() if org == r.org_code}
        assert r.states == expected, r.org_code
        assert r.files == sum(expected.values())
        assert r.target == targets.get(r.org_code)
        assert r.overdue == overdue.get(r.org_code, 0)
        assert r.last_received == last.get(r.org_code)
    by_code = {r.org_code: r for r in rows}
    # CB01 runs khdesk: its files came in its bundle, with its plan and its receipt date.
    assert by_code["X01-CB01"].self_managed and by_code["X01-CB01"].files == 17
    assert by_code["X01-CB01"].last_received is not None and by_code["X01-CB01"].target == 6
    # CB02 is kept by the commune office; CB03 sits under the enterprise's đảng ủy cơ sở.
    assert not by_code["X01-CB02"].self_managed and by_code["X01-CB02"].files == 17
    assert by_code["X01-CB03"].parent_code == "X01-DU01" and by_code["X01-CB03"].files == 0
    assert sum(r.files for r in rows) == sum(states.values())
    assert any(r.overdue for r in rows) and any(r.admitted for r in rows)


def test_the_overview_shows_the_statistics_admitted_and_target(commune):
    """Issue 17 item 1: "Kết nạp / kế hoạch" is the statistics' `admitted` and `target`
    (RULES.md §4), not a count of its own — the register's members admitted this year whom
    no file speaks for count too (CB02's DV015, admitted on 28/07 with no file here)."""
    cell, com = commune
    rows = cell_overview(com, TODAY)
    figures = profile_stats(com, Scope.for_year(2026), TODAY)
    for r in rows:
        unit = figures.unit(r.org_code)
        assert (r.admitted, r.target) == (unit["admitted"], unit["target"]), r.org_code
    # By hand for CB02: its files with an admission decision dated in 2026, plus the
    # register's members admitted in 2026 whom no file speaks for.
    with com.store.read() as conn:
        decided = conn.execute(
            select(t.candidates.c.file_code)
            .join(t.steps, t.steps.c.candidate_uuid == t.candidates.c.uuid)
            .where(
                t.candidates.c.org_code == "X01-CB02",
                t.steps.c.step_id == "A10",
                t.steps.c.result == "passed",
                t.steps.c.on >= date(2026, 1, 1),
                t.steps.c.on <= TODAY,
            )
        ).all()
        register = conn.execute(
            select(t.members.c.member_code).where(
                t.members.c.org_code == "X01-CB02", t.members.c.admitted_on >= date(2026, 1, 1)
            )
        ).all()
    assert [m for (m,) in register] == ["X01-CB02-DV015"]  # no file of this person
    assert {r.org_code: r for r in rows}["X01-CB02"].admitted == len(set(decided)) + 1


def test_a_cell_sees_no_rows_and_the_year_follows_the_day(commune):
    cell, com = commune
    assert cell_overview(cell, TODAY) == []
    rows = cell_overview(com, date(2025, 6, 1))
    assert {r.plan_year for r in rows} == {2025}
    assert {r.org_code: r.target for r in rows}["X01-CB02"] == 6


def test_the_bundle_ledger_shows_sent_received_and_acknowledged(commune, tmp_path):
    cell, com = commune
    [sent] = sync.bundle_ledger(cell)["sent"]
    assert (sent["recipient_org"], sent["seq"], sent["status"]) == ("X01", 1, "done")
    assert sent["recipient_name"] == "Đảng ủy xã Cam Lâm" and sent["acknowledged_at"] is None
    ledger = sync.bundle_ledger(com)
    [got] = ledger["received"]
    assert (got["sender_org"], got["seq"]) == ("X01-CB01", 1)
    assert got["summary"]["candidates"]["added"] == 17
    assert ledger["sent"] == [] and ledger["quarantined"] == []
    back = sync.export_bundle(com, tmp_path / "down", to="X01-CB01")
    assert sync.import_bundles(cell, [back.path])[0].status == "imported"
    assert sync.bundle_ledger(cell)["sent"][0]["acknowledged_at"] is not None
    assert sync.bundle_ledger(com)["sent"][0]["recipient_org"] == "X01-CB01"
