"""Upgrading the app over a secretary's data: a database made by the previous schema opens
after migration with every row as it was, and an encrypted copy of the old file is taken
first. (test_profiles.py covers the bare path from the baseline and the refusal of a
database from a newer version.)"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from khdesk.core.domain.scope import COMMITTEE_STEPS
from khdesk.core.services.session import ProfileDir, open_profile
from khdesk.core.store import migrate
from khdesk.core.store.engine import open_sqlcipher
from khdesk.core.store.keyslots import KeySlots
from khdesk.core.store.migrate import _alembic_config
from khdesk.core.store.schema import metadata
from khdesk.core.store.store import verify_audit
from khdesk.demo.stations import DEMO_USER, create_demo

PREVIOUS = "0004"  # the schema of the release before catalogues and document numbers
PASSWORD = "matkhau-nang-cap"
TODAY = date(2026, 11, 26)
CELL = "X01-CB01"


def _tables(conn) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE '%fts%' AND name <> 'alembic_version' ORDER BY name"
    )
    return [r[0] for r in rows]


def _dump(conn, tables: list[str]) -> dict[str, list[tuple]]:
    return {
        name: sorted(map(tuple, conn.exec_driver_sql(f'SELECT * FROM "{name}"')), key=repr)
        for name in tables
    }


def _revision(conn) -> str:
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@pytest.fixture
def old_cell(tmp_path):
    """The demo cell's database (people, files, steps, audit), taken back to the previous
    schema through the real downgrade steps; returns (home, dump of every table)."""
    home = tmp_path / "home"
    create_demo(home, PASSWORD, TODAY)
    session = open_profile(home, CELL, DEMO_USER, PASSWORD)
    with session.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            command.downgrade(_alembic_config(conn), PREVIOUS)
    with session.store.read() as conn:
        assert _revision(conn) == PREVIOUS
        assert "document_numbers" not in _tables(conn)
        before = _dump(conn, _tables(conn))
        step_columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(steps)")]
    session.close()
    assert before["candidates"] and before["steps"] and before["members"]
    return home, before, _upgraded(before, step_columns)


def _upgraded(before: dict[str, list[tuple]], step_columns: list[str]) -> dict:
    """The rows as the upgrade leaves them: as they were, save migration 0015's one
    change — the cell's live paper copies of committee decisions marked changed (a
    change of its own, the counter one further) so its next bundle carries them."""
    i = {c: n for n, c in enumerate(step_columns)}
    meta = dict(before["meta"])
    seq = int(meta["change_seq"]) + 1

    def marked(row: tuple) -> tuple:
        copy = row[i["owner"]] == CELL and row[i["step_id"]] in COMMITTEE_STEPS
        if not copy or row[i["deleted"]]:
            return row
        return tuple(seq if n == i["change_seq"] else v for n, v in enumerate(row))

    assert any(marked(r) != r for r in before["steps"])  # the demo cell has some
    meta["change_seq"] = str(seq)
    return before | {
        "steps": sorted(map(marked, before["steps"]), key=repr),
        "meta": sorted(meta.items(), key=repr),
    }


def _old_columns(rows_after: list[tuple], rows_before: list[tuple]) -> list[tuple]:
    """The rows after an upgrade, cut to the columns they had before (a later migration
    adds its columns last)."""
    width = len(rows_before[0]) if rows_before else 0
    return [row[:width] for row in rows_after]


def test_previous_schema_opens_after_a_backup_with_the_data_intact(old_cell):
    home, before, upgraded = old_cell
    pdir = ProfileDir(home, CELL)
    assert not list(pdir.backup_dir.glob("truoc-nang-cap-*.db"))

    session = open_profile(home, CELL, DEMO_USER, PASSWORD)
    try:
        with session.store.read() as conn:
            assert _revision(conn) == migrate.head_revision()
            after = _dump(conn, list(before))
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
            assert verify_audit(conn) == []
        # Every row of every table is as it was (but for 0015's mark); the audit only
        # gained this unlock.
        for name, rows in upgraded.items():
            if name == "audit":
                assert set(rows) <= set(after[name]) and len(after[name]) > len(rows)
            else:
                assert _old_columns(after[name], rows) == rows, name
        assert [d for d in diffs if not (d[0] == "remove_table" and "_fts" in d[1].name)] == []

        # The copy taken first: the old file, still encrypted, at the old revision.
        (backup,) = pdir.backup_dir.glob(f"truoc-nang-cap-{PREVIOUS}-*.db")
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(backup).execute("SELECT * FROM sqlite_master").fetchall()
        engine = open_sqlcipher(backup, session.db_key)
        try:
            with engine.connect() as conn:
                assert _revision(conn) == PREVIOUS
                assert _dump(conn, ["candidates", "steps"]) == {
                    k: before[k] for k in ("candidates", "steps")
                }
        finally:
            engine.dispose()
    finally:
        session.close()

    # Opened again: already current, no second backup.
    open_profile(home, CELL, DEMO_USER, PASSWORD).close()
    assert len(list(pdir.backup_dir.glob("truoc-nang-cap-*.db"))) == 1


def test_an_upgrade_that_fails_leaves_the_old_database_as_it_was(old_cell, monkeypatch):
    home, before, upgraded = old_cell
    real_upgrade = command.upgrade

    def upgrade_then_fail(config, revision, **kw):
        real_upgrade(config, revision, **kw)  # every step ran in the transaction...
        raise RuntimeError("mất điện giữa chừng")  # ...and then it broke off

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(RuntimeError):
        open_profile(home, CELL, DEMO_USER, PASSWORD)
    monkeypatch.setattr(command, "upgrade", real_upgrade)

    # Nothing of the half-done upgrade stayed: the file is still at the old revision.
    pdir = ProfileDir(home, CELL)
    assert len(list(pdir.backup_dir.glob(f"truoc-nang-cap-{PREVIOUS}-*.db"))) == 1
    key = KeySlots.load(pdir.keys_file).unlock(DEMO_USER, PASSWORD)
    engine = open_sqlcipher(pdir.db_file, key)
    try:
        with engine.connect() as conn:
            assert _revision(conn) == PREVIOUS
            assert "document_numbers" not in _tables(conn)
    finally:
        engine.dispose()
    session = open_profile(home, CELL, DEMO_USER, PASSWORD)
    try:
        with session.store.read() as conn:
            assert _revision(conn) == migrate.head_revision()
            after = _dump(conn, [n for n in before if n != "audit"])
        assert {k: _old_columns(v, before[k]) for k, v in after.items()} == {
            k: v for k, v in upgraded.items() if k != "audit"
        }
    finally:
        session.close()


def test_files_missing_from_the_search_index_are_indexed_by_the_upgrade(tmp_path):
    """Before every insert went through `bulk_insert`, a file added one at a time never
    reached the search index: migration 0009 indexes what is missing, once."""
    from khdesk.core.services.candidates import list_files
    from khdesk.core.services.integrity import check_database

    home = tmp_path / "home"
    create_demo(home, PASSWORD, TODAY)
    session = open_profile(home, CELL, DEMO_USER, PASSWORD)
    with session.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            name = conn.execute(
                text("SELECT full_name FROM candidates WHERE NOT deleted ORDER BY id LIMIT 1")
            ).scalar()
            # The index as the old one-at-a-time path left it: this file's row is absent.
            conn.execute(
                text(
                    "DELETE FROM candidates_fts WHERE rowid = "
                    "(SELECT id FROM candidates WHERE NOT deleted ORDER BY id LIMIT 1)"
                )
            )
    # Checked on the current schema: the downgrade also takes back later migrations.
    assert any("Chỉ mục tìm kiếm" in p for p in check_database(session).problems)
    with session.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            command.downgrade(_alembic_config(conn), "0008")
    session.close()

    session = open_profile(home, CELL, DEMO_USER, PASSWORD)
    try:
        with session.store.read() as conn:
            assert _revision(conn) == migrate.head_revision()
        assert check_database(session).problems == []
        assert name in [f["full_name"] for f in list_files(session, search=name)]
    finally:
        session.close()
