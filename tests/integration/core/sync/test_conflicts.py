"""Conflicts kept by an import are listed with what differs, and a person settles each:
keep this station's copy, or take the incoming version (which then counts as received,
so the sender's next change merges without a new conflict)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import sync
from khdesk.core.store import schema as t
from khdesk.core.sync.inbox import import_bundle
from tests.stations import edit_file, export

pytestmark = pytest.mark.usefixtures("engine_kind")

F1 = "X01-CB01-0001"


def _home_town(session, code=F1) -> str:
    with session.store.read() as conn:
        return conn.execute(
            select(t.candidates.c.home_town).where(t.candidates.c.file_code == code)
        ).scalar_one()


def _conflicted(commune, tmp_path) -> int:
    cell, com = commune.cells["X01-CB01"], commune.committee
    assert import_bundle(com, export(cell, tmp_path / "1")).status == "imported"
    with com.store.write("bithu") as tx:  # an edit at the committee it should not make
        tx.conn.execute(
            update(t.candidates)
            .where(t.candidates.c.file_code == F1)
            .values(home_town="sửa ở đảng ủy", **tx.changed(t.candidates))
        )
    edit_file(cell, F1, home_town="sửa ở chi bộ")
    report = import_bundle(com, export(cell, tmp_path / "2"))
    assert len(report.conflicts) == 1
    (open_one,) = sync.list_conflicts(com)
    assert open_one["key"] == F1 and open_one["sender_org"] == "X01-CB01"
    assert open_one["differences"]["home_town"] == {
        "here": "sửa ở đảng ủy",
        "incoming": "sửa ở chi bộ",
    }
    return open_one["id"]


def test_take_incoming_writes_it_and_the_next_change_merges(commune, tmp_path):
    cell, com = commune.cells["X01-CB01"], commune.committee
    conflict_id = _conflicted(commune, tmp_path)
    done = sync.resolve_conflict(com, conflict_id, "incoming")
    assert done["kept"] == "incoming"
    assert _home_town(com) == "sửa ở chi bộ"
    assert sync.list_conflicts(com) == []
    assert sync.list_conflicts(com, include_resolved=True)[0]["resolved_at"]
    # The cell's next change arrives as an ordinary update, not a new conflict.
    edit_file(cell, F1, home_town="sửa lần nữa ở chi bộ")
    report = import_bundle(com, export(cell, tmp_path / "3"))
    assert report.status == "imported" and report.conflicts == []
    assert _home_town(com) == "sửa lần nữa ở chi bộ"
    with com.store.read() as conn:
        audit = conn.execute(
            select(t.audit.c.detail).where(t.audit.c.action == "conflict_resolve")
        ).scalar_one()
    assert json.loads(audit)["keep"] == "incoming"
    with pytest.raises(InputError, match="đã được giải quyết"):
        sync.resolve_conflict(com, conflict_id, "here")


def test_keep_here_sets_the_incoming_version_aside(commune, tmp_path):
    com = commune.committee
    conflict_id = _conflicted(commune, tmp_path)
    sync.resolve_conflict(com, conflict_id, "here")
    assert _home_town(com) == "sửa ở đảng ủy"
    assert sync.list_conflicts(com) == []


def test_a_viewer_cannot_settle_conflicts(commune, tmp_path):
    com = commune.committee
    conflict_id = _conflicted(commune, tmp_path)
    com.user_role = "viewer"
    with pytest.raises(AccessDenied):
        sync.resolve_conflict(com, conflict_id, "incoming")
    com.user_role = "owner"
    with pytest.raises(InputError, match="Không có xung đột số 999"):
        sync.resolve_conflict(com, 999, "incoming")


def test_conflicts_on_the_command_line(commune, tmp_path, quiet_cli, capsys):
    conflict_id = _conflicted(commune, tmp_path)
    home = commune.home
    commune.close()
    assert quiet_cli(home, "bundle", "conflicts", "--profile", "X01") == 0
    out = capsys.readouterr().out
    assert F1 in out and "sửa ở chi bộ" in out and "sửa ở đảng ủy" in out
    assert quiet_cli(home, "bundle", "conflicts", "--profile", "X01", "--json") == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)] == [conflict_id]
    args = ("bundle", "resolve", str(conflict_id), "--keep", "incoming", "--profile", "X01")
    assert quiet_cli(home, *args) == 0
    assert "Đã nhận bản gửi đến" in capsys.readouterr().out
    assert quiet_cli(home, *args) == 1
    assert "đã được giải quyết" in capsys.readouterr().err


def test_unlisted_settling_one_conflict_does_not_read_them_all(commune, tmp_path):
    """A cell's genuine key can fill one 1.4 MB bundle with 5,000 file-code clashes, each
    kept as a conflict: settling one then read and compared every conflict ever kept
    (0.8 s each at 5,000; hours for all). One conflict is read by its id: the statements
    for settling it do not grow with how many are kept."""
    from sqlalchemy import event, insert

    com = commune.committee
    first = _conflicted(commune, tmp_path)

    def statements_to_settle(conflict_id: int) -> int:
        seen = []
        engine = com.store.engine
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            sync.resolve_conflict(com, conflict_id, "here")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    with com.store.read() as conn:
        row = dict(conn.execute(select(t.sync_conflicts)).mappings().one())
    with com.store.write("bithu") as tx:
        copies = [{**row, "id": None, "found_at": tx.now} for _ in range(300)]
        for c in copies:
            del c["id"]
        tx.conn.execute(insert(t.sync_conflicts), copies)
    assert statements_to_settle(first) < 30
    assert statements_to_settle(sync.list_conflicts(com)[-1]["id"]) < 30
