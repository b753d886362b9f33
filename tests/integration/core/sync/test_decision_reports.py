"""Decisions a cell reports (issue 17 "one truth between stations").

A cell types its committee's decisions (A9, A10, P4, P5, XOA_TEN) from its paper copies.
They travel up in its ordinary bundle; the committee keeps them as reports — never in its
`steps` — until it confirms one (its own step, which goes down and replaces the cell's
copy) or dismisses it. First the attacks (a genuine cell key, hand-made bundles: each
refused whole, nothing changed), then the feature. Real encrypted profiles, real keys,
real bundles."""

from __future__ import annotations

import json
import uuid as uuidlib
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, update

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import decisions, profiles, sync
from khdesk.core.services.candidates import open_file
from khdesk.core.services.session import open_profile
from khdesk.core.services.steps import record_step, undo_step
from khdesk.core.store import schema as t
from khdesk.core.store.migrate import _alembic_config
from khdesk.core.sync import canonical, reports
from khdesk.core.sync.inbox import import_bundle
from tests.stations import (
    PASSWORD,
    awaiting_decision,
    build_commune,
    dump,
    export,
    open_inner,
    open_station,
    resign,
    seal_to,
    state,
    station_key,
)

CELL, SIBLING = "X01-CB01", "X01-CB04"
TODAY = date(2026, 11, 26)
HISTORIC = "X01-CB01-0007"  # A10 of 2024 typed at the cell; A11, P1–P3 and P5 (2025) follow


def report_rows(session) -> list[dict]:
    with session.store.read() as conn:
        return [dict(r) for r in conn.execute(select(t.decision_reports)).mappings()]


def committee_steps_of(session, owner: str, org: str | None = None) -> list[dict]:
    """The steps of the committee's kinds `owner` wrote (on the files of `org`)."""
    query = select(t.steps).where(
        t.steps.c.owner == owner, t.steps.c.step_id.in_(reports.COMMITTEE_STEPS)
    )
    if org is not None:
        files = select(t.candidates.c.uuid).where(t.candidates.c.org_code == org)
        query = query.where(t.steps.c.candidate_uuid.in_(files))
    with session.store.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def file_uuid(session, code: str) -> str:
    with session.store.read() as conn:
        return conn.execute(
            select(t.candidates.c.uuid).where(t.candidates.c.file_code == code)
        ).scalar_one()


# -- attacks: CB01's genuine key, its next genuine bundle with records added --


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("reports")
    c = build_commune(home / "home", cells=(CELL, SIBLING))
    cell, com = c.cells[CELL], c.committee
    for code in (CELL, SIBLING):
        assert import_bundle(com, export(c.cells[code], home / code)).status == "imported"
    base = export(cell, home / "second").read_bytes()
    _, entries = open_inner(com, base)
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    yield {"c": c, "manifest": manifest, "entries": entries}
    c.close()


def rows(world, table: str) -> list[dict]:
    data = world["entries"].get(f"records/{table}.jsonl", b"")
    return [json.loads(line) for line in data.splitlines()]


def forge(world, tmp_path: Path, steps: list[dict]) -> Path:
    """CB01's genuine next bundle with `steps` added (or put in place of its records of
    the same uuid), re-signed with CB01's real key and sealed to X01."""
    entries = dict(world["entries"])
    replaced = {s["uuid"] for s in steps}
    kept = [r for r in rows(world, "steps") if r["uuid"] not in replaced]
    entries["records/steps.jsonl"] = b"".join(canonical.dumps(r) + b"\n" for r in kept + steps)
    inner = resign(world["manifest"], list(entries.items()), station_key(world["c"].cells[CELL]))
    path = tmp_path / f"forged-{uuidlib.uuid4().hex[:8]}.khdb"
    path.write_bytes(seal_to(world["c"].committee, inner))
    return path


def a_report(world, file: str, step_id: str = "A10", **changes) -> dict:
    """One of CB01's step records made a report of `step_id` on the file uuid `file`."""
    base = next(s for s in rows(world, "steps") if s["step_id"] == "A1")
    return dict(base, uuid=str(uuidlib.uuid4()), candidate_uuid=file, step_id=step_id, rev=1) | {
        "seq": 99,
        "doc_no": "99-QĐ/ĐU",
        **changes,
    }


def refused(world, path: Path, code: str, *words: str) -> None:
    com = world["c"].committee
    before = state(com), dump(com, (t.decision_reports, t.sync_received))
    report = import_bundle(com, path)
    assert (report.status, report.code) == ("refused", code), report.reason
    for word in words:
        assert word in report.reason, report.reason
    assert (state(com), dump(com, (t.decision_reports, t.sync_received))) == before
    assert sync.verify_bundle(com, path).code == code


def test_the_genuine_bundle_with_its_reports_verifies(world, tmp_path):
    assert any(s["step_id"] in reports.COMMITTEE_STEPS for s in rows(world, "steps"))
    report = sync.verify_bundle(world["c"].committee, forge(world, tmp_path, []))
    assert report.valid, report.reason


def test_attack_a_report_on_another_cells_file(world, tmp_path):
    com = world["c"].committee
    theirs = file_uuid(com, f"{SIBLING}-0005")
    path = forge(world, tmp_path, [a_report(world, theirs)])
    refused(world, path, "out_of_scope", SIBLING, "báo lên")


def test_attack_a_report_on_a_file_the_committee_keeps(world, tmp_path):
    com = world["c"].committee
    with com.store.read() as conn:
        office = conn.execute(
            select(t.candidates.c.uuid).where(t.candidates.c.org_code == "X01-CB02").limit(1)
        ).scalar_one()
    refused(world, forge(world, tmp_path, [a_report(world, office)]), "out_of_scope", "X01-CB02")


def test_attack_a_report_under_the_uuid_of_the_committees_own_step(world, tmp_path):
    """The committee's A10 (its own decision) and the cell's own A8 at the committee: a
    report carrying either uuid would rewrite a step; it changes nothing but the list."""
    com = world["c"].committee
    code = awaiting_decision(com, CELL)[0]
    record_step(com, code, StepEvent("A10", date(2026, 11, 20), doc_no="8-QĐ/ĐU"), TODAY)
    decided = file_uuid(com, code)
    [own] = [s for s in committee_steps_of(com, "X01") if s["candidate_uuid"] == decided]
    report = a_report(world, own["candidate_uuid"], uuid=own["uuid"], rev=own["rev"] + 1)
    refused(world, forge(world, tmp_path, [report]), "out_of_scope", "uuid", "X01")
    a8 = next(s for s in rows(world, "steps") if s["step_id"] == "A8")
    turned = dict(a8, step_id="A10", rev=a8["rev"] + 1, doc_no="1-QĐ/ĐU")
    refused(world, forge(world, tmp_path, [turned]), "out_of_scope", "uuid", CELL)


def test_attack_not_a_committee_step(world, tmp_path):
    """A step id khdesk does not know is refused as a value; a cell's own stage (A8) is its
    ordinary record, never a report."""
    f = file_uuid(world["c"].committee, f"{CELL}-0001")
    refused(world, forge(world, tmp_path, [a_report(world, f, "A12")]), "record_value", "A12")
    from khdesk.core.domain.scope import WriteScope, is_report

    cell = WriteScope(writer=CELL, role="cell", units=frozenset({CELL}), owners=frozenset({CELL}))
    assert is_report(cell, "steps", {"step_id": "A10"})
    assert not is_report(cell, "steps", {"step_id": "A8"})
    assert not is_report(cell, "attachments", {"step_id": "A10"})
    committee = WriteScope(
        writer="X01-DU01", role="committee", units=cell.units, owners=cell.owners
    )
    assert not is_report(committee, "steps", {"step_id": "A10"})


def test_attack_a_flood_of_reports(world, tmp_path):
    f = file_uuid(world["c"].committee, f"{CELL}-0001")
    flood = [a_report(world, f, seq=100 + i) for i in range(reports.MAX_PENDING + 1)]
    refused(world, forge(world, tmp_path, flood), "too_many_reports", str(reports.MAX_PENDING))


def test_attack_a_report_with_a_note_beyond_the_cap(world, tmp_path):
    f = file_uuid(world["c"].committee, f"{CELL}-0001")
    long = a_report(world, f, note="x" * 2001)
    refused(world, forge(world, tmp_path, [long]), "out_of_scope", "ghi chú")


def test_attack_a_report_on_a_file_not_here(world, tmp_path):
    path = forge(world, tmp_path, [a_report(world, str(uuidlib.uuid4()))])
    refused(world, path, "missing_parent")


# -- the feature: one commune, CB01's bundles up, the committee's down --


@pytest.fixture
def commune(tmp_path):
    c = build_commune(tmp_path / "home", cells=(CELL,))
    yield c
    c.close()


def round_up(c, folder: Path, **kw):
    report = import_bundle(c.committee, export(c.cells[CELL], folder, **kw))
    assert report.status == "imported", report.reason
    return report


def round_down(c, folder: Path):
    down = sync.export_bundle(c.committee, folder, to=CELL)
    report = import_bundle(c.cells[CELL], Path(down.path))
    assert report.status == "imported", report.reason
    return report


def test_reports_wait_at_the_committee_and_never_become_its_steps(commune, tmp_path):
    cell, com = commune.cells[CELL], commune.committee
    copies = committee_steps_of(cell, CELL)
    assert copies  # the demo cell typed some from paper
    before = committee_steps_of(com, CELL) + committee_steps_of(com, "X01", CELL)
    first = round_up(commune, tmp_path / "up1")
    assert first.applied[reports.TABLE].added == len(copies)
    after = committee_steps_of(com, CELL) + committee_steps_of(com, "X01", CELL)
    assert after == before == []
    pending = decisions.list_reports(com)
    assert {(r.file_code, r.step_id, r.on) for r in pending} == {
        (open_file_code(cell, s["candidate_uuid"]), s["step_id"], s["on"]) for s in copies
    }
    assert all(r.status == "pending" and r.org_code == CELL for r in pending)
    # A re-sent bundle (everything again) updates nothing.
    again = round_up(commune, tmp_path / "up2", full=True)
    assert again.applied[reports.TABLE].unchanged == len(copies)
    assert decisions.list_reports(com) == pending


def test_paper_copies_typed_before_reports_travelled_go_up_after_the_upgrade(commune, tmp_path):
    """A cell upgraded from a khdesk that kept its paper copies home: the committee
    acknowledged bundles without them. After the upgrade (the real migration path from
    the schema before) the next ordinary bundle carries them."""
    cell, com = commune.cells[CELL], commune.committee
    copies = committee_steps_of(cell, CELL)
    round_up(commune, tmp_path / "up1")
    with com.store.write(com.user) as tx:  # as the older khdesk left it: none reported
        tx.conn.execute(t.decision_reports.delete())
    round_down(commune, tmp_path / "down1")  # the cell's bundle acknowledged
    assert reports.TABLE not in round_up(commune, tmp_path / "up2").applied
    with cell.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            command.downgrade(_alembic_config(conn), "0014")
    cell.close()
    commune.cells[CELL] = cell = open_station(commune.home, CELL)
    third = round_up(commune, tmp_path / "up3")
    assert third.applied[reports.TABLE].added == len(copies)
    assert len(decisions.list_reports(com)) == len(copies)
    # and once only: the bundle after carries nothing new
    round_down(commune, tmp_path / "down2")
    assert reports.TABLE not in round_up(commune, tmp_path / "up4").applied


def open_file_code(session, cuid: str) -> str:
    with session.store.read() as conn:
        return conn.execute(
            select(t.candidates.c.file_code).where(t.candidates.c.uuid == cuid)
        ).scalar_one()


def edit_copy(cell, code: str, step_id: str, **values) -> str:
    """The cell corrects its paper copy (a new revision of its own record)."""
    cuid = file_uuid(cell, code)
    with cell.store.write(cell.user) as tx:
        uuid = tx.conn.execute(
            select(t.steps.c.uuid).where(
                t.steps.c.candidate_uuid == cuid,
                t.steps.c.step_id == step_id,
                t.steps.c.deleted.is_(False),
            )
        ).scalar_one()
        tx.conn.execute(
            update(t.steps).where(t.steps.c.uuid == uuid).values(**values, **tx.changed(t.steps))
        )
    return uuid


def test_a_resent_copy_updates_its_report_while_pending_and_an_undo_withdraws_it(commune, tmp_path):
    cell, com = commune.cells[CELL], commune.committee
    round_up(commune, tmp_path / "up1")
    edit_copy(cell, HISTORIC, "A10", doc_no="892-QĐ/ĐU")
    edit_copy(cell, HISTORIC, "P5", doc_no="308-QĐ/ĐU")
    [p5] = [r for r in decisions.list_reports(com) if (r.file_code, r.step_id) == (HISTORIC, "P5")]
    decisions.dismiss_report(com, p5.id, "Sổ của đảng ủy ghi số khác.")
    second = round_up(commune, tmp_path / "up2")
    assert second.applied[reports.TABLE].updated == 1  # the A10; the dismissed P5 stays
    found = {(r.file_code, r.step_id): r for r in decisions.list_reports(com, status=None)}
    assert found[(HISTORIC, "A10")].doc_no == "892-QĐ/ĐU"
    assert found[(HISTORIC, "A10")].status == "pending"
    assert (found[(HISTORIC, "P5")].status, found[(HISTORIC, "P5")].doc_no) == (
        "dismissed",
        "307-QĐ/ĐU",
    )
    assert found[(HISTORIC, "P5")].reason == "Sổ của đảng ủy ghi số khác."
    # The cell takes its copy back (undo): the pending report is withdrawn.
    copy = next(s for s in open_file(cell, "X01-CB01-0015")["steps"] if s["step_id"] == "A10")
    undo_step(cell, "X01-CB01-0015", copy["uuid"])
    round_up(commune, tmp_path / "up3")
    withdrawn = decisions.list_reports(com, status="withdrawn")
    assert [(r.file_code, r.step_id) for r in withdrawn] == [("X01-CB01-0015", "A10")]
    with com.store.read() as conn:
        actions = [r[0] for r in conn.execute(select(t.audit.c.action))]
    assert "decision_dismiss" in actions


def test_a_historical_decision_is_confirmed_in_its_place_and_replaces_the_cells_copy(
    commune, tmp_path
):
    cell, com = commune.cells[CELL], commune.committee
    round_up(commune, tmp_path / "up1")
    cell_before = open_file(cell, HISTORIC)
    steps_here = [s["step_id"] for s in open_file(com, HISTORIC)["steps"]]
    assert {"A11", "P1", "P2", "P3"} <= set(steps_here) and "A10" not in steps_here
    # Ordinary recording still refuses a step out of order…
    with pytest.raises(InputError, match="chưa thể ghi bước A10"):
        record_step(com, HISTORIC, StepEvent("A10", date(2024, 2, 13), doc_no="1-QĐ/ĐU"), TODAY)
    # …a reported decision takes its place by its date.
    mine = [r for r in decisions.list_reports(com) if r.file_code == HISTORIC]
    assert [r.step_id for r in mine] == ["A10", "P5"]
    for r in mine:
        done = decisions.confirm_report(com, r.id, TODAY)
        assert done.recorded
    at_committee = open_file(com, HISTORIC)
    decided = {s["step_id"]: s for s in at_committee["steps"] if s["owner"] == "X01"}
    a10, p5 = mine
    assert a10.on.year == 2024 and p5.on.year == 2025
    assert (decided["A10"]["on"], decided["A10"]["doc_no"]) == (a10.on, a10.doc_no)
    assert at_committee["state"] == "CHINH_THUC"
    assert decisions.list_reports(com, status="confirmed")[0].decided_by == com.user
    with pytest.raises(InputError, match="đã xác nhận"):
        decisions.confirm_report(com, mine[0].id, TODAY)
    # Down: the committee's decisions replace the cell's copies; one A10, one P5.
    down = round_down(commune, tmp_path / "down")
    assert any(HISTORIC in note for note in down.notes)
    at_cell = open_file(cell, HISTORIC)
    live = [s for s in at_cell["steps"] if s["step_id"] in ("A10", "P5")]
    assert [(s["step_id"], s["owner"], s["on"], s["doc_no"]) for s in live] == [
        ("A10", "X01", a10.on, a10.doc_no),
        ("P5", "X01", p5.on, p5.doc_no),
    ]
    assert at_cell["state"] == cell_before["state"] == "CHINH_THUC"
    with cell.store.read() as conn:
        superseded = conn.execute(
            select(func.count())
            .select_from(t.audit)
            .where(t.audit.c.action == "supersede_step", t.audit.c.entity_key == HISTORIC)
        ).scalar()
    assert superseded == 1
    # The committee's decision took the place of the copy in the file's order: the cell's
    # workbook goes out and comes back in with no step changed or refused.
    from khdesk.core.services.exporter import export_file
    from khdesk.core.services.importer import import_file

    export_file(cell, tmp_path / "cell.xlsx")
    again = import_file(cell, tmp_path / "cell.xlsx", dry_run=True)
    assert not [p for p in again.problems if p.sheet == "Các bước"], again.problems
    assert again.counts["steps"].updated == again.counts["steps"].added == 0
    # The cell's next bundle carries the tombstones: nothing is reported again.
    pending = len(decisions.list_reports(com))
    round_up(commune, tmp_path / "up2")
    assert len(decisions.list_reports(com)) == pending
    assert {
        r.status for r in decisions.list_reports(com, status=None) if r.file_code == HISTORIC
    } == {"confirmed"}


def test_confirm_all_of_a_cell_with_a_corrected_date_and_who_may(commune, tmp_path):
    com = commune.committee
    round_up(commune, tmp_path / "up1")
    first = decisions.list_reports(com)[0]
    done = decisions.confirm_report(com, first.id, TODAY, doc_no=" 5-QĐ/ĐU ")
    with com.store.read() as conn:
        doc = conn.execute(
            select(t.steps.c.doc_no).where(t.steps.c.uuid == done.step_uuid)
        ).scalar()
    assert doc == "5-QĐ/ĐU"
    result = decisions.confirm_all(com, CELL, TODAY)
    assert not result.refused, result.refused
    assert decisions.list_reports(com) == []
    # A viewer confirms nothing.
    profiles.add_user(com, "xem", "mat-khau-xem-1234", role="viewer")
    viewer = open_profile(commune.home, "X01", "xem", "mat-khau-xem-1234")
    try:
        with pytest.raises(AccessDenied):
            decisions.confirm_all(viewer, CELL, TODAY)
        with pytest.raises(AccessDenied):
            decisions.dismiss_report(viewer, first.id, "không")
    finally:
        viewer.close()
    assert PASSWORD  # the commune's stations open with the suite's password
