"""Retention (RULES.md §6): closed files leave the live data after N years — archived
(encrypted, restorable) or purged — with a dry run, a backup first, and an audit trail;
nothing is sent to the upper level."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import backup, integrity, profiles, retention
from khdesk.core.services.session import open_profile, settings_path
from khdesk.core.store import schema as t
from khdesk.core.store.store import get_meta
from tests.stations import PASSWORD, build_commune

LATER = date(2036, 11, 26)  # ten years on: every closed file of the demo is due


@pytest.fixture
def cell(tmp_path):
    commune = build_commune(tmp_path / "home", enrol=False)
    yield commune.cells["X01-CB01"]
    commune.close()


def _codes(session) -> set[str]:
    with session.store.read() as conn:
        return set(conn.execute(select(t.candidates.c.file_code)).scalars())


def _snapshot(session) -> dict:
    with session.store.read() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar()
            for table in (t.candidates, t.steps, t.attachments, t.blobs, t.audit)
        } | {"change_seq": get_meta(conn, "change_seq")}


def test_plan_counts_years_from_the_closing_step(cell):
    today = date(2026, 11, 26)
    plan = retention.plan_retention(cell, today, 1)
    assert plan.cutoff == date(2025, 11, 26)
    assert {i.state for i in plan.items} <= set(retention.CLOSED_STATES)
    assert all(i.closed_on <= plan.cutoff for i in plan.items)
    later = retention.plan_retention(cell, LATER, 5)
    assert {i.file_code for i in plan.items} < {i.file_code for i in later.items}
    assert {i.state for i in later.items} >= {"CHINH_THUC", "XOA_TEN"}
    # Open files are never due, however old.
    with cell.store.read() as conn:
        open_codes = set(
            conn.execute(
                select(t.candidates.c.file_code).where(
                    t.candidates.c.state.not_in(retention.CLOSED_STATES)
                )
            ).scalars()
        )
    assert not open_codes & {i.file_code for i in later.items}
    assert retention.years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
    with pytest.raises(InputError):
        retention.plan_retention(cell, LATER, 0)


def test_dry_run_changes_nothing(cell):
    before = _snapshot(cell)
    plan = retention.run_retention(cell, LATER, 5, dry_run=True)
    assert plan.items and not plan.done and not plan.backup_id
    assert _snapshot(cell) == before
    assert backup.list_backups(cell.dir) == []
    assert not retention.archive_path(cell).exists()


def test_archive_moves_files_out_encrypted_and_back(cell):
    due = {i.file_code for i in retention.plan_retention(cell, LATER, 5).items}
    seq_before = _snapshot(cell)["change_seq"]
    plan = retention.run_retention(cell, LATER, 5)
    assert plan.done and {i.file_code for i in plan.items} == due
    # A backup first, of the right kind.
    [taken] = backup.list_backups(cell.dir)
    assert taken.kind == "before-retention" and taken.id == plan.backup_id
    # Gone from the live tables, nothing sent (change counter unchanged), still sound.
    assert not due & _codes(cell)
    assert _snapshot(cell)["change_seq"] == seq_before
    assert integrity.check_database(cell).ok
    # In the archive, which is encrypted (not a plain SQLite file).
    assert {f["file_code"] for f in retention.list_archived(cell)} == due
    assert not retention.archive_path(cell).read_bytes().startswith(b"SQLite format 3")
    # Audited: one entry per file and a summary, nothing personal in them.
    entries = [e for e in reversed(_audit(cell)) if e["action"].startswith("retention_")]
    assert {e["entity_key"] for e in entries if e["action"] == "retention_archive"} == due
    summary = json.loads(entries[-1]["detail"])
    assert summary["files"] == len(due) and summary["backup"] == plan.backup_id
    # Put one back: live again, searchable, with its steps.
    code = sorted(due)[0]
    retention.restore_archived(cell, code)
    assert code in _codes(cell)
    assert code not in {f["file_code"] for f in retention.list_archived(cell)}
    assert integrity.check_database(cell).ok
    with pytest.raises(InputError, match="Không có hồ sơ"):
        retention.restore_archived(cell, code)
    # A second run archives it again (replacing nothing twice).
    again = retention.run_retention(cell, LATER, 5)
    assert [i.file_code for i in again.items] == [code]
    assert {f["file_code"] for f in retention.list_archived(cell)} == due


def _audit(session) -> list[dict]:
    return integrity.list_audit(session, limit=1000)


def test_purge_deletes_live_and_archived(cell):
    first = retention.run_retention(cell, LATER, 5)
    archived = {i.file_code for i in first.items}
    plan = retention.run_retention(cell, date(2046, 11, 26), 5, purge=True)
    purged = {i.file_code for i in plan.items}
    assert archived <= purged
    assert {i.where for i in plan.items if i.file_code in archived} == {"archive"}
    assert retention.list_archived(cell) == []
    assert not purged & _codes(cell)
    assert integrity.check_database(cell).ok
    actions = {e["action"] for e in _audit(cell)}
    assert {"retention_purge", "retention_run"} <= actions


def test_only_keepers_may_run_it(cell):
    profiles.add_user(cell, "xem", "xem-123456", "viewer")
    profiles.add_user(cell, "pho", "pho-123456", "deputy")
    for user, password in (("xem", "xem-123456"), ("pho", "pho-123456")):
        other = open_profile(cell.dir.home, cell.dir.name, user, password)
        try:
            assert retention.run_retention(other, LATER, 5, dry_run=True).items
            with pytest.raises(AccessDenied, match="không có quyền"):
                retention.run_retention(other, LATER, 5)
        finally:
            other.close()


def test_retention_on_the_command_line(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", enrol=False)
    commune.close()
    home = commune.home
    args = ("retention", "--profile", "X01-CB01", "--today", "2036-11-26", "--years", "5")
    assert quiet_cli(home, *args, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Chạy thử" in out and "Chưa thay đổi gì" in out and "26/11/2031" in out
    assert quiet_cli(home, *args, "--json") == 0
    done = json.loads(capsys.readouterr().out)
    assert done["done"] and done["backup"] and done["files"]
    code = done["files"][0]["file_code"]
    assert quiet_cli(home, "retention", "--profile", "X01-CB01", "--list-archived") == 0
    assert code in capsys.readouterr().out
    assert quiet_cli(home, "retention", "--profile", "X01-CB01", "--restore", code) == 0
    assert "Đã đưa hồ sơ" in capsys.readouterr().out
    assert quiet_cli(home, *args) == 0
    assert "Đã chuyển vào kho lưu trữ 1 hồ sơ" in capsys.readouterr().out
    assert quiet_cli(home, *args, "--purge") == 0
    assert "Đã xóa hẳn" in capsys.readouterr().out
    session = open_profile(home, "X01-CB01", None, PASSWORD)
    try:
        assert retention.list_archived(session) == []
    finally:
        session.close()


def test_move_and_handover_on_the_command_line(tmp_path, quiet_cli, capsys, monkeypatch):
    commune = build_commune(tmp_path / "home", enrol=False)
    commune.close()
    home = commune.home
    usb = tmp_path / "usb"
    usb.mkdir()
    assert quiet_cli(home, "backup", "move", "--profile", "X01-CB01", "--to", str(usb)) == 0
    out = capsys.readouterr().out
    assert "Mở bản sao lưu từ máy cũ" in out and len(list(usb.glob("*.khbak"))) == 1
    monkeypatch.setenv("KHDESK_NEW_PASSWORD", "moi-123456")
    assert quiet_cli(home, "handover", "bithumoi", "--profile", "X01-CB01", "--remove-me") == 0
    out = capsys.readouterr().out
    assert "Khóa khôi phục MỚI" in out and "'bithu' đã bị gỡ" in out
    session = open_profile(home, "X01-CB01", "bithumoi", "moi-123456")
    session.close()


def test_an_archive_from_an_older_version_gets_the_new_columns(cell):
    from khdesk.core.store.engine import open_sqlcipher

    first = retention.run_retention(cell, LATER, 5)
    code = first.items[0].file_code
    retention.restore_archived(cell, code)
    engine = open_sqlcipher(retention.archive_path(cell), cell.db_key)
    with engine.begin() as conn:  # as if made before the column existed
        conn.exec_driver_sql('ALTER TABLE candidates DROP COLUMN "mentor"')
    engine.dispose()
    again = retention.run_retention(cell, LATER, 5)
    assert [i.file_code for i in again.items] == [code]
    retention.restore_archived(cell, code)
    assert code in _codes(cell) and integrity.check_database(cell).ok


def test_finding_3_the_archive_follows_a_change_of_database_key(cell):
    """The archive is encrypted with the profile's key: a rekey (a user removed) must
    re-encrypt it in the same step, or the archived files are lost to everyone left —
    and stay open to the removed user's old key file."""
    from khdesk.core.store import sqlcipher
    from khdesk.core.store.keyslots import KeySlots

    profiles.add_user(cell, "pho", "matkhau-pho", "deputy")
    old_keys = KeySlots.from_bytes(cell.dir.keys_file.read_bytes())
    due = {i.file_code for i in retention.run_retention(cell, LATER, 5).items}
    assert due
    profiles.remove_user(cell, "pho")
    assert {f["file_code"] for f in retention.list_archived(cell)} == due
    with pytest.raises(AccessDenied):
        sqlcipher.connect(retention.archive_path(cell), old_keys.unlock("pho", "matkhau-pho"))
    code = sorted(due)[0]
    retention.restore_archived(cell, code)
    assert code in _codes(cell) and integrity.check_database(cell).ok


@pytest.mark.parametrize(
    ("stored", "years"),
    [("5000", 5), ("1e308", 5), ("Infinity", 5), ("-3", 5), ('"năm"', 5), ("true", 5),
     ("1", 5), ("10", 10)],
)  # fmt: skip
def test_unlisted_the_retention_period_is_a_keepers_not_settings_json(cell, stored, years):
    """The period decides which closed files a run archives or purges, and only a keeper
    may set it (roles.py) — but it lived in settings.json, plain JSON any user of the PC
    can edit: a viewer writing 1 (or junk: year 2026 − 5000, an infinite float, which
    crashed the plan) shortened it. It is kept in the encrypted database now; an older
    profile's settings.json is honoured only when it keeps files longer."""
    path = settings_path(cell.dir.home, cell.dir.name)
    path.write_text(f'{{"{retention.SETTING}": {stored}}}', encoding="utf-8")
    assert retention.configured_years(cell) == years
    plan = retention.plan_retention(cell, date(2026, 11, 26))
    assert plan.years == years
    retention.set_configured_years(cell, 8)  # the keeper's choice, wherever it was kept
    path.write_text(f'{{"{retention.SETTING}": 1}}', encoding="utf-8")
    assert retention.configured_years(cell) == 8


def test_a_purged_files_class_roster_rows_go_with_it(cell):
    """A class roster names people (name, birth date, CCCD, certificate): the rows linked
    to a purged file are removed in the purge's own transaction, on the real encrypted
    database; an archived file keeps them (it may come back), and the rows of files
    still kept, and of people never matched, stay."""
    from khdesk.core.domain.classes import Participant
    from khdesk.core.services import classes

    due = {i.file_code for i in retention.plan_retention(cell, LATER, 5).items}
    with cell.store.read() as conn:
        people = {
            r.file_code: r
            for r in conn.execute(
                select(
                    t.candidates.c.file_code,
                    t.candidates.c.full_name,
                    t.candidates.c.birth_date,
                    t.candidates.c.cccd,
                    t.candidates.c.state,
                )
            )
        }
    closed = sorted(due)[:2]
    kept = next(c for c, r in sorted(people.items()) if r.state not in retention.CLOSED_STATES)
    roster = [
        Participant(people[c].full_name, people[c].birth_date, True, cccd=people[c].cccd,
                    cert_no=f"{n}/CN")
        for n, c in enumerate([*closed, kept], 1)
    ] + [Participant("Người Chưa Có Hồ Sơ", date(2001, 1, 1), True, cert_no="9/CN")]  # fmt: skip
    info = classes.ClassInfo(
        "LOP-RT", "Lớp nhận thức", "Trung tâm Chính trị", "Trung tâm Chính trị",
        date(2026, 11, 2), date(2026, 11, 6), date(2026, 11, 9),
    )  # fmt: skip
    classes.record_class(cell, info, roster, date(2026, 11, 26))

    def rows() -> list[tuple]:
        with cell.store.read() as conn:
            p = t.class_participants.c
            return conn.execute(select(p.row_no, p.file_code).order_by(p.row_no)).all()

    assert [r.file_code for r in rows()] == [*closed, kept, None]
    retention.run_retention(cell, LATER, 5)  # archived: the rows stay with the file
    assert len(rows()) == 4
    plan = retention.run_retention(cell, date(2046, 11, 26), 5, purge=True)
    assert set(closed) <= {i.file_code for i in plan.items}
    assert rows() == [(3, kept), (4, None)]
    with cell.store.read() as conn:
        names = conn.execute(select(t.class_participants.c.full_name)).scalars().all()
    assert not {people[c].full_name for c in closed} & set(names)
    [summary] = [e for e in _audit(cell) if e["action"] == "retention_run"][:1]
    assert json.loads(summary["detail"])["roster_rows"] == 2
    assert integrity.check_database(cell).ok
