"""What the merge's batched reads and driver-level writes must keep: the search index
follows names that arrive and change by bundle, the versions last sent are stored per
record, a file not taken holds back its steps, the audit chain stays whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from khdesk.core.store import schema as t
from khdesk.core.store.engine import bulk_insert, search_ids
from khdesk.core.store.store import verify_audit
from khdesk.core.sync.inbox import import_bundle
from khdesk.core.text import fold, name_sort_key
from tests.stations import edit_file, export

pytestmark = pytest.mark.usefixtures("engine_kind")


F1 = "X01-CB01-0001"


def _row(session, table, **where) -> dict:
    with session.store.read() as conn:
        query = select(table).where(*(table.c[k] == v for k, v in where.items()))
        return dict(conn.execute(query).mappings().one())


def _found(session, table, text: str) -> set[int]:
    with session.store.read() as conn:
        return set(search_ids(conn, table, fold(text)) or [])


def test_names_arriving_and_changing_by_bundle_are_found(commune, tmp_path):
    cell, com = commune.cells["X01-CB01"], commune.committee
    assert import_bundle(com, export(cell, tmp_path / "1")).status == "imported"
    file = _row(com, t.candidates, file_code=F1)
    assert file["id"] in _found(com, t.candidates, file["full_name"])
    assert file["id"] in _found(com, t.candidates, F1)
    with cell.store.read() as conn:
        code, name = conn.execute(select(t.members.c.member_code, t.members.c.full_name)).first()
    member = _row(com, t.members, member_code=code)
    assert member["id"] in _found(com, t.members, name)

    edit_file(cell, F1, full_name="Phạm Thị Xuyến")
    report = import_bundle(com, export(cell, tmp_path / "2"))
    assert report.status == "imported" and report.applied["candidates"].updated == 1
    assert _found(com, t.candidates, "Phạm Thị Xuyến") == {file["id"]}
    assert file["id"] not in _found(com, t.candidates, file["full_name"])
    renamed = _row(com, t.candidates, file_code=F1)
    assert (renamed["name_folded"], renamed["rev"]) == (fold("Phạm Thị Xuyến"), 2)
    assert renamed["state"] == file["state"]  # derived again from the same steps
    base = _row(com, t.sync_base, uuid=file["uuid"])
    assert (base["table_name"], base["rev"], base["seq"]) == ("candidates", 2, 2)
    with com.store.read() as conn:
        assert verify_audit(conn) == []
        actions = conn.execute(select(t.audit.c.action, t.audit.c.entity_key)).all()
    assert actions[-2:] == [("bundle_import", report.bundle_id), ("change", F1)]


def test_a_file_not_taken_holds_back_its_steps(commune, tmp_path):
    cell, com = commune.cells["X01-CB01"], commune.committee
    # The committee already holds a file under the cell's code (another uuid): typed in
    # there by hand before the cell ran khdesk.
    theirs = _row(cell, t.candidates, file_code=F1)
    name = "Hồ sơ nhập ở đảng ủy"
    with com.store.write("bithu") as tx:
        ours = {**theirs, **tx.new_record(), "full_name": name, "notes": None}
        ours.update(name_folded=fold(name), sort_key=name_sort_key(name), state="NGUON")
        del ours["id"]
        bulk_insert(tx.conn, t.candidates, [ours])
    with cell.store.read() as conn:
        uuid = conn.execute(
            select(t.candidates.c.uuid).where(t.candidates.c.file_code == F1)
        ).scalar()
        steps = conn.execute(select(func.count()).where(t.steps.c.candidate_uuid == uuid)).scalar()
    assert steps > 0
    report = import_bundle(com, export(cell, tmp_path))
    assert report.status == "imported"
    reasons = {(c["table"], c["reason"]) for c in report.conflicts}
    assert ("candidates", "Trùng mã hồ sơ với một bản ghi khác đã có ở đây (khác uuid).") in (
        reasons
    )
    assert ("steps", "Hồ sơ chứa bản ghi này chưa được nhận (do xung đột ở hồ sơ đó).") in reasons
    assert report.applied["steps"].conflicts == steps
    assert F1 not in report.files_changed and report.files_changed
    assert _row(com, t.candidates, file_code=F1)["full_name"] == name
    with com.store.read() as conn:
        kept = conn.execute(select(func.count()).select_from(t.sync_conflicts)).scalar()
        held = conn.execute(select(func.count()).where(t.steps.c.candidate_uuid == uuid)).scalar()
    assert kept == len(report.conflicts) and held == 0
    # Presented again (a new bundle, the same content): conflicts listed, not kept twice.
    again = import_bundle(com, export(cell, tmp_path / "again", full=True))
    assert again.status == "imported" and len(again.conflicts) == len(report.conflicts)
    with com.store.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.sync_conflicts)).scalar() == kept
