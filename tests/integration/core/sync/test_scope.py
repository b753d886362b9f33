"""Issue 15 finding 1: a sender's reach is the receiver's knowledge, not the bundle's claim.

A cell holding its own, genuine signing key crafts bundles that try to write what it does
not own: a sibling's file, the committee's resolution, orgs rows that would widen its
reach, a member moved to another cell… Each is signed with the cell's real key and sealed
to the committee's real key, so it is the write-scope rule itself that must refuse it —
whole, with a Vietnamese reason naming the record, audited, and leaving every synced
table and ledger of the committee exactly as it was."""

from __future__ import annotations

import json
import uuid as uuidlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from khdesk.core.domain.scope import ALL_TABLES, COMMITTEE_STEPS, TABLE_LABELS
from khdesk.core.services import sync
from khdesk.core.services.attachments import attach
from khdesk.core.services.meetings import new_meeting
from khdesk.core.store import schema as t
from khdesk.core.sync import canonical
from khdesk.core.sync.inbox import import_bundle
from tests.meetings import roll
from tests.stations import (
    build_commune,
    dump,
    export,
    open_inner,
    resign,
    seal_to,
    state,
    station_key,
)

CELL, SIBLING, OFFICE_CELL = "X01-CB01", "X01-CB04", "X01-CB02"
TODAY = date(2026, 11, 26)
VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """X01 with CB01 enrolled; CB01's first bundle imported there; CB01's next genuine
    bundle (full again: no receipt yet) as the base of every forgery."""
    home = tmp_path_factory.mktemp("scope")
    c = build_commune(home / "home", cells=(CELL,))
    cell, com = c.cells[CELL], c.committee
    scan = home / "don.pdf"
    scan.write_bytes(b"%PDF-1.4 scan " * 50)
    attach(cell, f"{CELL}-0001", scan)
    new_meeting(cell, roll(), TODAY)  # a record of every synced table the cell writes
    assert import_bundle(com, export(cell, home / "first")).status == "imported"
    base = export(cell, home / "second").read_bytes()
    _, entries = open_inner(com, base)
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    yield {"c": c, "manifest": manifest, "entries": entries, "dir": home}
    c.close()


# Beyond the synced tables and ledgers (conftest.state): all else a bundle could touch.
REST = (t.blobs, t.meta, t.sync_sent, t.sync_own_keys, t.users, t.document_numbers)


def rows(world, table: str) -> list[dict]:
    data = world["entries"].get(f"records/{table}.jsonl", b"")
    return [json.loads(line) for line in data.splitlines()]


def one(session, table, **where) -> dict:
    with session.store.read() as conn:
        query = select(table)
        for k, v in where.items():
            query = query.where(table.c[k] == v)
        row = conn.execute(query.limit(1)).mappings().first()
    assert row is not None, (table.name, where)
    return dict(row)


def wire(table, row: dict, **changes) -> dict:
    from khdesk.core.sync import records

    out = records.to_wire(table, row)
    out.update(changes)
    return out


def forge(world, tmp_path: Path, extra: dict[str, list[dict]], replace=False) -> Path:
    """CB01's genuine next bundle with `extra` records added to (or, `replace`, instead
    of) its own, re-signed with CB01's real key and sealed to X01."""
    entries = dict(world["entries"])
    for table, added in extra.items():
        name = f"records/{table}.jsonl"
        current = [] if replace else rows(world, table)
        entries[name] = b"".join(canonical.dumps(r) + b"\n" for r in current + added)
    com, cell = world["c"].committee, world["c"].cells[CELL]
    inner = resign(world["manifest"], list(entries.items()), station_key(cell))
    path = tmp_path / f"forged-{uuidlib.uuid4().hex[:8]}.khdb"
    path.write_bytes(seal_to(com, inner))
    return path


def audit_refusals(session) -> int:
    with session.store.read() as conn:
        return conn.execute(
            select(func.count())
            .select_from(t.audit)
            .where(t.audit.c.action == "bundle_refused", t.audit.c.entity == "bundle")
        ).scalar()


def refused(world, path: Path, *words: str) -> str:
    """Imported at X01: refused whole, out of scope, with a Vietnamese reason holding
    `words`; every synced table and ledger byte-for-byte as before; the refusal audited."""
    com = world["c"].committee
    before, audited = state(com), audit_refusals(com)
    rest = dump(com, REST)
    report = import_bundle(com, path)
    assert (report.status, report.code) == ("refused", "out_of_scope"), report.reason
    assert VIETNAMESE & set(report.reason.lower()), report.reason
    for word in words:
        assert word in report.reason, report.reason
    assert not report.applied and not report.conflicts
    assert state(com) == before and dump(com, REST) == rest
    assert audit_refusals(com) == audited + 1
    # The verification says the same, and changes nothing either.
    check = sync.verify_bundle(com, path)
    assert (check.valid, check.code) == (False, "out_of_scope")
    return report.reason


def cell_file(world) -> dict:
    return rows(world, "candidates")[0]


def new_id() -> str:
    return str(uuidlib.uuid4())


def test_finding_1_the_genuine_bundle_still_imports(world, tmp_path):
    """The base of every forgery, unforged, is a good bundle (so a refusal below is the
    forgery's doing)."""
    report = sync.verify_bundle(world["c"].committee, forge(world, tmp_path, {}))
    assert report.valid, report.reason


def test_finding_1_committee_owned_step_forged_resolution(world, tmp_path):
    """A9 owned by X01 with a forged resolution number, on one of CB01's files."""
    f = cell_file(world)
    a9 = dict(rows(world, "steps")[0])
    a9.update(uuid=new_id(), candidate_uuid=f["uuid"], step_id="A9", owner="X01", rev=1)
    a9.update(doc_no="999-NQ/ĐU", seq=99, result="passed", official_members=9, votes_for=9)
    refused(world, forge(world, tmp_path, {"steps": [a9]}), "bước", "X01")


def test_finding_1_committee_step_whatever_owner_it_names(world, tmp_path):
    """A cell never records what only a committee decides. Its own copy of such a step
    (typed from paper) is, since issue 17 "one truth", a report: the bundle is taken and
    the step kept apart, never written into the committee's steps (imported in
    test_decision_reports.py); naming the committee as its owner refuses it (above)."""
    f = cell_file(world)
    for step_id in ("A9", "A10", "P4", "P5", "XOA_TEN"):
        step = dict(rows(world, "steps")[0])
        step.update(uuid=new_id(), candidate_uuid=f["uuid"], step_id=step_id, owner=CELL, seq=99)
        report = sync.verify_bundle(world["c"].committee, forge(world, tmp_path, {"steps": [step]}))
        assert report.valid, report.reason


def test_finding_1_a_step_naming_the_committee_as_owner(world, tmp_path):
    step = dict(rows(world, "steps")[0], owner="X01", rev=rows(world, "steps")[0]["rev"] + 1)
    refused(world, forge(world, tmp_path, {"steps": [step]}, replace=True), "'X01'")


def test_finding_1_a_siblings_file(world, tmp_path):
    for org in (SIBLING, OFFICE_CELL, "X01"):
        f = dict(cell_file(world), uuid=new_id(), file_code=f"{org}-9999", org_code=org)
        refused(world, forge(world, tmp_path, {"candidates": [f]}), f"{org}-9999", org)


def test_finding_1_orgs_row_for_the_receiver_itself(world, tmp_path):
    com = world["c"].committee
    row = wire(t.orgs, one(com, t.orgs, code="X01"), parent_code=CELL, owner=CELL)
    refused(world, forge(world, tmp_path, {"orgs": [row]}), "đơn vị 'X01'")


def test_finding_1_orgs_row_for_an_existing_unit(world, tmp_path):
    com = world["c"].committee
    for code in (SIBLING, OFFICE_CELL, CELL):
        row = wire(t.orgs, one(com, t.orgs, code=code), owner=CELL)
        row["rev"] += 1
        refused(world, forge(world, tmp_path, {"orgs": [row]}), f"'{code}'")
    # …nor the same codes as new records (another uuid), under the sender.
    for code in (SIBLING, "X01"):
        row = wire(t.orgs, one(com, t.orgs, code=code), uuid=new_id(), owner=CELL)
        row["parent_code"] = CELL
        refused(world, forge(world, tmp_path, {"orgs": [row]}), f"'{code}'")


def test_finding_1_orgs_row_for_a_new_unit_under_the_sender(world, tmp_path):
    """And a file filed under it: the new unit must not widen the cell's reach."""
    com = world["c"].committee
    row = wire(t.orgs, one(com, t.orgs, code=CELL), uuid=new_id(), owner=CELL)
    row.update(code=f"{CELL}-T1", parent_code=CELL, name="Tổ đảng mới")
    refused(world, forge(world, tmp_path, {"orgs": [row]}), f"{CELL}-T1", "đơn vị mới")
    f = dict(cell_file(world), uuid=new_id(), file_code=f"{CELL}-T1-0001", org_code=f"{CELL}-T1")
    refused(world, forge(world, tmp_path, {"orgs": [row], "candidates": [f]}), f"{CELL}-T1")


def test_finding_1_a_member_or_file_moved_to_another_cell(world, tmp_path):
    member = rows(world, "members")[0]
    moved = dict(member, org_code=SIBLING, rev=member["rev"] + 1)
    refused(world, forge(world, tmp_path, {"members": [moved]}, replace=True), SIBLING)
    f = cell_file(world)
    moved = dict(f, org_code=OFFICE_CELL, rev=f["rev"] + 1)
    refused(world, forge(world, tmp_path, {"candidates": [moved]}, replace=True), OFFICE_CELL)


def test_finding_1_the_reported_attack_whole(world, tmp_path):
    """As reported: {X01 under CB01}, A9 owned by X01 ("999-NQ/ĐU"), a file under a
    sibling. Refused; the committee's next return bundle to CB01 carries none of it."""
    com, cell = world["c"].committee, world["c"].cells[CELL]
    f = cell_file(world)
    org = wire(t.orgs, one(com, t.orgs, code="X01"), parent_code=CELL, owner=CELL)
    a9 = dict(rows(world, "steps")[0], uuid=new_id(), candidate_uuid=f["uuid"], step_id="A9")
    a9.update(owner="X01", doc_no="999-NQ/ĐU", seq=99)
    sibling = dict(f, uuid=new_id(), file_code=f"{SIBLING}-9999", org_code=SIBLING)
    path = forge(world, tmp_path, {"orgs": [org], "steps": [a9], "candidates": [sibling]})
    refused(world, path)
    down = sync.export_bundle(com, tmp_path / "down", to=CELL)
    _, entries = open_inner(cell, Path(down.path).read_bytes())
    assert b"999-NQ" not in b"".join(entries.values())
    assert all(s["doc_no"] != "999-NQ/ĐU" for s in _steps(entries))


def _steps(entries: dict) -> list[dict]:
    return [json.loads(x) for x in entries.get("records/steps.jsonl", b"").splitlines()]


# -- cousins: every synced table, owner spoofing, tombstones, uuid collisions --


def test_finding_1_the_rule_covers_every_synced_table():
    assert ALL_TABLES == {table.name for table in t.SYNCED_TABLES}
    assert set(TABLE_LABELS) == ALL_TABLES


def test_finding_1_owner_spoofing_on_every_kind_of_record(world, tmp_path):
    """Each synced table, one of CB01's own records claiming X01 as owner. (A cell
    sends no orgs row: those are tried below.)"""
    tried = set()
    for table in t.SYNCED_TABLES:
        mine = rows(world, table.name)
        if not mine:
            continue
        row = dict(mine[0], owner="X01", rev=mine[0]["rev"] + 1)
        path = forge(world, tmp_path, {table.name: [row]}, replace=True)
        refused(world, path, "X01")
        tried.add(table.name)
    assert tried == ALL_TABLES - {"orgs"}


def test_finding_1_records_about_units_outside_the_branch(world, tmp_path):
    """Plans, private units, ratings, member records about another unit's people or
    figures, owned (claimed) by CB01."""
    com = world["c"].committee
    office_member = one(com, t.members, org_code=OFFICE_CELL)
    plan = dict(rows(world, "plans")[0], uuid=new_id(), org_code=OFFICE_CELL, plan_key="y2031")
    refused(world, forge(world, tmp_path, {"plans": [plan]}), OFFICE_CELL)
    unit = {
        **wire(t.private_units, one(com, t.private_units)),
        "uuid": new_id(),
        "owner": CELL,
        "name": "Công ty lạ",
        "org_code": "X01",
    }
    refused(world, forge(world, tmp_path, {"private_units": [unit]}), "Công ty lạ")
    for table in ("ratings", "member_records"):
        mine = rows(world, table)
        if mine:
            row = dict(mine[0], uuid=new_id(), member_code=office_member["member_code"])
            refused(world, forge(world, tmp_path, {table: [row]}), OFFICE_CELL)
    member = dict(rows(world, "members")[0], uuid=new_id(), member_code=f"{SIBLING}-DV9999")
    member["org_code"] = SIBLING
    refused(world, forge(world, tmp_path, {"members": [member]}), SIBLING)


def test_finding_1_a_tombstone_deleting_a_record_owned_elsewhere(world, tmp_path):
    com = world["c"].committee
    theirs = one(com, t.steps, owner="X01")
    tomb = wire(t.steps, theirs, owner=CELL, deleted=True, rev=theirs["rev"] + 1)
    refused(world, forge(world, tmp_path, {"steps": [tomb]}), "X01")
    file = one(com, t.candidates, org_code=OFFICE_CELL)
    tomb = wire(t.candidates, file, owner=CELL, org_code=CELL, deleted=True, rev=file["rev"] + 1)
    refused(world, forge(world, tmp_path, {"candidates": [tomb]}), "X01")


def test_finding_1_a_uuid_colliding_with_a_committee_record(world, tmp_path):
    """Records of CB01's own units, under the uuids of the committee's records."""
    com = world["c"].committee
    theirs = one(com, t.candidates, org_code=OFFICE_CELL)
    f = dict(cell_file(world), uuid=theirs["uuid"], file_code=f"{CELL}-8888")
    refused(world, forge(world, tmp_path, {"candidates": [f]}), "uuid")
    org = one(com, t.orgs, code="X01")
    row = wire(t.orgs, one(com, t.orgs, code=CELL), uuid=org["uuid"], owner=CELL)
    refused(world, forge(world, tmp_path, {"orgs": [row]}), "uuid")
    step = one(com, t.steps, owner="X01")
    a8 = dict(rows(world, "steps")[0], uuid=step["uuid"])
    refused(world, forge(world, tmp_path, {"steps": [a8]}), "uuid")


def test_finding_1_steps_on_a_file_outside_the_branch(world, tmp_path):
    """A cell step (A8) or a scan on the office cell's file: the file is X01's."""
    com = world["c"].committee
    theirs = one(com, t.candidates, org_code=OFFICE_CELL)
    step = dict(rows(world, "steps")[0], uuid=new_id(), candidate_uuid=theirs["uuid"])
    refused(world, forge(world, tmp_path, {"steps": [step]}), OFFICE_CELL)


@pytest.fixture(scope="module")
def two_cells(tmp_path_factory):
    """X01 with CB01 and CB04 enrolled, both synced up once."""
    home = tmp_path_factory.mktemp("scope2")
    c = build_commune(home / "home", cells=(CELL, SIBLING))
    for code, cell in c.cells.items():
        assert import_bundle(c.committee, export(cell, home / code)).status == "imported"
    yield c
    c.close()


def test_finding_1_a_siblings_existing_file_and_attachment(two_cells, tmp_path):
    """CB01 rewriting CB04's file as its own (same uuid), or adding a scan to it."""
    c = two_cells
    com, cell = c.committee, c.cells[CELL]
    base = export(cell, tmp_path / "b").read_bytes()
    _, entries = open_inner(com, base)
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    world = {"c": c, "manifest": manifest, "entries": entries}
    theirs = one(com, t.candidates, org_code=SIBLING)
    taken = wire(t.candidates, theirs, owner=CELL, org_code=CELL, rev=theirs["rev"] + 1)
    refused(world, forge(world, tmp_path, {"candidates": [taken]}), SIBLING)
    step = dict(rows(world, "steps")[0], uuid=new_id(), candidate_uuid=theirs["uuid"])
    refused(world, forge(world, tmp_path, {"steps": [step]}), SIBLING)


def test_finding_1_an_honest_cells_bundle_reports_its_paper_decisions(world):
    """What a cell transcribed of its committee's decisions travels as its own records,
    to be confirmed there (issue 17 "one truth"): its bundles are never refused for it."""
    cell = world["c"].cells[CELL]
    with cell.store.read() as conn:
        kept = conn.execute(
            select(func.count()).select_from(t.steps).where(t.steps.c.step_id.in_(["A10", "P5"]))
        ).scalar()
    assert kept  # the demo cell holds some, transcribed from paper
    committee = [s for s in rows(world, "steps") if s["step_id"] in COMMITTEE_STEPS]
    assert committee and {s["owner"] for s in committee} == {CELL}


def test_finding_1_a_kept_conflict_cannot_be_taken_beyond_the_scope(world):
    """Before this fix the forged orgs row of finding 1 was kept as a conflict: taking
    it ("nhận bản gửi đến") must not move X01 under CB01 either."""
    from khdesk.core.errors import InputError

    com = world["c"].committee
    org = wire(t.orgs, one(com, t.orgs, code="X01"), parent_code=CELL, owner=CELL)
    org["rev"] += 1
    with com.store.write("bithu") as tx:
        tx.conn.execute(
            t.sync_conflicts.insert().values(
                found_at=tx.now,
                sender_org=CELL,
                bundle_id=new_id(),
                table_name="orgs",
                record_uuid=org["uuid"],
                record_key="X01",
                local_rev=org["rev"] - 1,
                incoming_rev=org["rev"],
                reason="Bản ở đây thuộc X01, không phải của X01-CB01.",
                incoming=canonical.dumps(org).decode(),
            )
        )
        conflict_id = tx.conn.execute(select(func.max(t.sync_conflicts.c.id))).scalar()
    before = dump(com)
    with pytest.raises(InputError, match="đơn vị 'X01'"):
        sync.resolve_conflict(com, conflict_id, "incoming")
    assert dump(com) == before
    assert one(com, t.orgs, code="X01")["parent_code"] != CELL
    sync.resolve_conflict(com, conflict_id, "here")  # set aside for good


# -- down: a committee writes its own decisions on the receiver's files, nothing else --


@pytest.fixture(scope="module")
def down_world(tmp_path_factory):
    """CB01 synced up, an A10 recorded at X01 on one of its files; X01's genuine return
    bundle to CB01 as the base of the forgeries (signed by X01's real key)."""
    from khdesk.core.domain.pipeline import StepEvent
    from khdesk.core.services.steps import record_step
    from tests.stations import awaiting_decision

    home = tmp_path_factory.mktemp("scope-down")
    c = build_commune(home / "home", cells=(CELL,))
    cell, com = c.cells[CELL], c.committee
    assert import_bundle(com, export(cell, home / "up")).status == "imported"
    code = awaiting_decision(com, CELL)[0]
    record_step(com, code, StepEvent("A10", date(2026, 11, 20), doc_no="15-QĐ/ĐU"), TODAY)
    down = Path(sync.export_bundle(com, home / "down", to=CELL).path).read_bytes()
    _, entries = open_inner(cell, down)
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    yield {"c": c, "manifest": manifest, "entries": entries}
    c.close()


def forge_down(w, tmp_path: Path, steps: list[dict]) -> Path:
    entries = dict(w["entries"])
    entries["records/steps.jsonl"] = b"".join(canonical.dumps(r) + b"\n" for r in steps)
    com, cell = w["c"].committee, w["c"].cells[CELL]
    path = tmp_path / f"down-{uuidlib.uuid4().hex[:8]}.khdb"
    path.write_bytes(seal_to(cell, resign(w["manifest"], list(entries.items()), station_key(com))))
    return path


def refused_down(w, path: Path, *words: str) -> None:
    cell = w["c"].cells[CELL]
    before = state(cell)
    report = import_bundle(cell, path)
    assert (report.status, report.code) == ("refused", "out_of_scope"), report.reason
    for word in words:
        assert word in report.reason, report.reason
    assert state(cell) == before


def test_finding_1_down_the_genuine_return_bundle_is_good(down_world, tmp_path):
    a10 = [json.loads(x) for x in down_world["entries"]["records/steps.jsonl"].splitlines()]
    report = sync.verify_bundle(down_world["c"].cells[CELL], forge_down(down_world, tmp_path, a10))
    assert report.valid, report.reason


def test_finding_1_down_a_decision_over_the_cells_own_record(down_world, tmp_path):
    """The committee's A10 under the uuid of the cell's own A8 (a uuid collision), or
    naming the cell as its owner."""
    cell = down_world["c"].cells[CELL]
    a10 = json.loads(down_world["entries"]["records/steps.jsonl"].splitlines()[0])
    theirs = one(cell, t.steps, owner=CELL, step_id="A8")
    refused_down(down_world, forge_down(down_world, tmp_path, [dict(a10, uuid=theirs["uuid"])]))
    refused_down(down_world, forge_down(down_world, tmp_path, [dict(a10, owner=CELL)]), CELL)


def test_finding_1_down_a_step_the_committee_does_not_decide(down_world, tmp_path):
    a10 = json.loads(down_world["entries"]["records/steps.jsonl"].splitlines()[0])
    for step_id in ("A8", "A11", "DUNG"):
        path = forge_down(down_world, tmp_path, [dict(a10, uuid=new_id(), step_id=step_id)])
        refused_down(down_world, path, "cấp ủy cấp trên")


# -- the province: a commune committee adds units under itself, never elsewhere --


def test_finding_1_committee_to_province_cannot_touch_another_commune(tmp_path):
    from khdesk.core.services.importer import RowTables, import_tables
    from tests.stations import enrol_both, new_station

    home = tmp_path / "home"
    home.mkdir()
    x02 = new_station(home, "committee", "X02", "Đảng ủy xã Cam Hòa", "KH")
    province = new_station(home, "province", "KH", "Tỉnh ủy Khánh Hòa", None)
    try:
        cell = {
            "code": "X02-CB01",
            "name": "Chi bộ thôn",
            "parent_code": "X02",
            "kind": "Chi bộ thôn",
        }
        assert import_tables(x02, RowTables.from_dicts({"orgs": [cell]}), "t").committed
        tree = [
            {"code": c, "name": c, "parent_code": "KH", "kind": "Đảng ủy xã"}
            for c in ("X01", "X02")
        ]
        tree.append({"code": "X01-CB01", "name": "CB01", "parent_code": "X01", "kind": "Chi bộ"})
        assert import_tables(province, RowTables.from_dicts({"orgs": tree}), "t").committed
        enrol_both(province, x02, tmp_path)
        good = export(x02, tmp_path / "good")
        assert sync.verify_bundle(province, good).valid  # X02-CB01: a new unit under X02
        _, entries = open_inner(province, good.read_bytes())
        manifest = json.loads(entries.pop("manifest.json"))
        entries.pop("manifest.sig")
        del manifest["files"]
        org = json.loads(entries["records/orgs.jsonl"].splitlines()[0])
        attacks = [
            dict(org, uuid=new_id(), code="X01-CB09", parent_code="X01"),  # under X01
            dict(org, uuid=new_id(), code="X01-CB01", parent_code="X02"),  # X01's cell moved
            dict(org, uuid=new_id(), code="KH", parent_code="X02"),  # the receiver itself
            dict(org, parent_code="X01"),  # its own new cell, filed under X01
        ]
        for bad in attacks:
            forged = dict(entries, **{"records/orgs.jsonl": canonical.dumps(bad) + b"\n"})
            path = tmp_path / f"p-{uuidlib.uuid4().hex[:8]}.khdb"
            inner = resign(manifest, list(forged.items()), station_key(x02))
            path.write_bytes(seal_to(province, inner))
            before = state(province)
            report = import_bundle(province, path)
            assert (report.status, report.code) == ("refused", "out_of_scope"), bad
            assert bad["code"] in report.reason
            assert state(province) == before
        assert import_bundle(province, good).status == "imported"
    finally:
        x02.close()
        province.close()


def test_finding_1_the_cells_import_leaves_the_committees_decision(down_world, tmp_path):
    """Once the committee's A10 is at the cell, the cell's Excel import neither removes it
    (a history sheet without it) nor rewrites it (the quick decision columns): the file's
    steps stay as they are and the row says why. (Runs last: it imports the genuine
    return bundle into the module's cell.)"""
    from khdesk.core.services.candidates import open_file
    from khdesk.core.services.importer import RowTables, import_tables

    cell = down_world["c"].cells[CELL]
    a10 = json.loads(down_world["entries"]["records/steps.jsonl"].splitlines()[0])
    good = forge_down(down_world, tmp_path, [a10])
    assert import_bundle(cell, good).status == "imported"
    with cell.store.read() as conn:
        row = (
            conn.execute(select(t.candidates).where(t.candidates.c.uuid == a10["candidate_uuid"]))
            .mappings()
            .one()
        )
    code = row["file_code"]
    before = open_file(cell, code)["steps"]
    ident = {k: row[k] for k in ("file_code", "full_name", "sex", "birth_date", "org_code")}
    history = [
        {"file_code": code, "step_id": s["step_id"], "on": s["on"], "result": "Thông qua"}
        for s in before
        if s["step_id"] != "A10"
    ]
    quick = {**ident, "a10_decision_on": date(2026, 11, 21), "a10_decision_no": "16-QĐ/ĐU"}
    for tables in ({"candidates": [ident], "steps": history}, {"candidates": [quick]}):
        report = import_tables(cell, RowTables.from_dicts(tables), "test")
        assert any("do 'X01' quản lý" in p.message for p in report.problems), report.problems
        assert open_file(cell, code)["steps"] == before


def test_finding_1_down_from_the_commune_to_a_cell_under_a_grassroots_committee(tmp_path):
    """CB03 sits under X01-DU01, which does not run khdesk; the commune decides on its
    files and sends the decision down: the cell's tree knows DU01 only, yet the genuine
    decision of its enrolled upper station is taken."""
    from khdesk.core.domain.pipeline import StepEvent
    from khdesk.core.services.steps import record_step
    from tests.stations import awaiting_decision

    c = build_commune(tmp_path / "home", cells=("X01-CB03",))
    try:
        cell, com = c.cells["X01-CB03"], c.committee
        assert import_bundle(com, export(cell, tmp_path / "up")).status == "imported"
        code = awaiting_decision(com, "X01-CB03")[0]
        record_step(com, code, StepEvent("A9", date(2026, 11, 20), doc_no="7-NQ/ĐU"), TODAY)
        down = sync.export_bundle(com, tmp_path / "down", to="X01-CB03")
        report = import_bundle(cell, Path(down.path))
        assert report.status == "imported", report.reason
    finally:
        c.close()


def test_unlisted_a_kept_attachment_version_cannot_bring_a_false_size(world, tmp_path):
    """The same scan, same revision, another size: the merge used to keep it as a
    conflict (two versions of one revision), and `bundle resolve … incoming` then wrote
    a size that is not its content's. A size that lies is refused whole wherever the
    content is known, and taking a kept version checks it again."""
    from khdesk.core.errors import InputError
    from khdesk.core.sync import conflicts

    com = world["c"].committee
    a = dict(rows(world, "attachments")[0])
    a["size"] += 1000
    before, rest = state(com), dump(com, REST)
    report = import_bundle(com, forge(world, tmp_path, {"attachments": [a]}, replace=True))
    assert (report.status, report.code) == ("refused", "record_value"), report.reason
    assert "cỡ" in report.reason and state(com) == before and dump(com, REST) == rest
    # A version kept before this check (an older khdesk): taking it is refused too.
    with com.store.write(com.user) as tx:
        tx.conn.execute(
            t.sync_conflicts.insert().values(
                found_at=tx.now,
                sender_org=CELL,
                bundle_id=world["manifest"]["bundle_id"],
                table_name="attachments",
                record_uuid=a["uuid"],
                record_key=a["name"],
                local_rev=a["rev"],
                incoming_rev=a["rev"],
                reason="Cùng số phiên bản nhưng nội dung khác (có hai máy cùng ghi?).",
                incoming=canonical.dumps(a).decode(),
            )
        )
        kept = conflicts.list_conflicts(tx.conn)[-1].id
    with pytest.raises(InputError, match="cỡ"):
        sync.resolve_conflict(com, kept, "incoming")
    assert one(com, t.attachments, uuid=a["uuid"])["size"] == a["size"] - 1000


def test_unlisted_a_uuid_names_one_record_across_tables(world, tmp_path):
    """uuids were unique per table only, while the versions last received (sync_base)
    and every bundle up key records by uuid alone. A cell's new scan carrying the uuid
    of the committee's own A10 decision was taken; the committee's next bundle up then
    held two records with one uuid, and the province's versions of the two mixed (the
    committee's later decisions became conflicts there). A uuid held here by a record
    of another table, or used twice in one bundle, refuses the bundle whole."""
    from khdesk.core.domain.pipeline import StepEvent
    from khdesk.core.services.steps import record_step
    from tests.stations import awaiting_decision

    com = world["c"].committee
    code = awaiting_decision(com, CELL)[0]
    record_step(com, code, StepEvent("A10", date(2026, 11, 20), doc_no="8-QĐ/ĐU"), TODAY)
    with com.store.read() as conn:
        a9 = (
            conn.execute(
                select(t.steps.c.uuid).where(t.steps.c.step_id == "A10", t.steps.c.owner == "X01")
            )
            .scalars()
            .first()
        )
    scan = dict(rows(world, "attachments")[0], uuid=a9, rev=1, name="quyết định.pdf")
    before, rest = state(com), dump(com, REST)
    report = import_bundle(com, forge(world, tmp_path, {"attachments": [scan]}))
    assert (report.status, report.code) == ("refused", "record_duplicate"), report.reason
    assert "uuid" in report.reason and state(com) == before and dump(com, REST) == rest
    # …and two records of one bundle sharing a uuid across tables.
    own = rows(world, "steps")[0]
    twin = dict(rows(world, "attachments")[0], uuid=own["uuid"], rev=1)
    report = import_bundle(com, forge(world, tmp_path, {"attachments": [twin]}))
    assert (report.status, report.code) == ("refused", "record_duplicate"), report.reason
    assert state(com) == before
