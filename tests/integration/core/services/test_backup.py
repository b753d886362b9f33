"""Backups: encrypted, readable only with a password, rotated; restore brings the data
back (even over a damaged file), can itself be undone, and starts a new sync epoch."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from khdesk.core.errors import AccessDenied, InputError, ProfileError, UsageError
from khdesk.core.services import backup, profiles
from khdesk.core.services.session import ProfileDir, list_profiles, open_profile
from khdesk.core.store import schema as t
from tests.stations import PASSWORD, build_commune, edit_file, export, open_inner


def _name(session, file_code: str) -> str:
    with session.store.read() as conn:
        return conn.execute(
            select(t.candidates.c.full_name).where(t.candidates.c.file_code == file_code)
        ).scalar_one()


@pytest.fixture
def commune(tmp_path):
    c = build_commune(tmp_path / "home")
    yield c
    c.close()


def _first_file(session) -> str:
    with session.store.read() as conn:
        return (
            conn.execute(select(t.candidates.c.file_code).order_by(t.candidates.c.file_code))
            .scalars()
            .first()
        )


def test_backup_is_encrypted_and_needs_a_password(commune, tmp_path):
    cell = commune.cells["X01-CB01"]
    usb = tmp_path / "usb"
    usb.mkdir()
    info = backup.create_backup(cell, "manual", note="thử", also_to=usb)
    assert info.path.parent == cell.dir.backup_dir and info.kind == "manual"
    assert [b.id for b in backup.list_backups(cell.dir)] == [info.id]
    assert [b.id for b in backup.list_backups(cell.dir, usb)] == [info.id]
    with zipfile.ZipFile(info.path) as z:
        raw = z.read("khdesk.db")
    plain = tmp_path / "plain.db"
    plain.write_bytes(raw)
    assert not raw.startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(plain).execute("SELECT count(*) FROM sqlite_master").fetchone()
    # On another PC: the wrong password opens nothing and leaves no profile behind.
    other = tmp_path / "other-pc"
    with pytest.raises(AccessDenied):
        backup.import_backup(other, info.path, None, "sai-mat-khau")
    assert not ProfileDir(other, "X01-CB01").exists()
    moved = backup.import_backup(other, info.path, None, PASSWORD)
    try:
        code = _first_file(cell)
        assert _name(moved, code) == _name(cell, code)
        with pytest.raises(ProfileError, match="đã có hồ sơ"):
            backup.import_backup(other, info.path, None, PASSWORD)
    finally:
        moved.close()


def test_restore_over_a_damaged_file_brings_data_back_and_a_new_epoch(commune, tmp_path):
    home, cell = commune.home, commune.cells["X01-CB01"]
    code = _first_file(cell)
    before = _name(cell, code)
    first = export(cell, tmp_path / "out1")
    saved = backup.create_backup(cell, "manual")
    edit_file(cell, code, full_name="Tên Sửa Sau Sao Lưu")
    cell.close()
    commune.cells.pop("X01-CB01")

    db = ProfileDir(home, "X01-CB01").db_file
    with open(db, "r+b") as f:  # damage the live file in the middle
        f.seek(8192)
        f.write(b"\xff" * 4096)
    with pytest.raises(AccessDenied):
        backup.restore_backup(home, "X01-CB01", saved.id, None, "sai-mat-khau")

    restored, kept = backup.restore_backup(home, "X01-CB01", saved.id, None, PASSWORD)
    try:
        assert _name(restored, code) == before
        # The next bundle tells the committee this station went back in time.
        nxt = export(restored, tmp_path / "out2")
        manifest_first, manifest = (
            json.loads(open_inner(commune.committee, p.read_bytes())[1]["manifest.json"])
            for p in (first, nxt)
        )
        assert manifest["epoch"]["id"] != manifest_first["epoch"]["id"]
        assert manifest["epoch"]["reason"]["code"] == "restored"
        with restored.store.read() as conn:
            actions = conn.execute(select(t.audit.c.action)).scalars().all()
        assert "backup_restore" in actions
        assert any(
            b.id == kept and b.kind == "before-restore" for b in backup.list_backups(restored.dir)
        )
    finally:
        restored.close()


def test_a_restore_can_be_undone(commune):
    home, cell = commune.home, commune.cells["X01-CB01"]
    code = _first_file(cell)
    saved = backup.create_backup(cell, "manual")
    edit_file(cell, code, full_name="Bản Mới Hơn")
    cell.close()
    commune.cells.pop("X01-CB01")
    restored, kept = backup.restore_backup(home, "X01-CB01", saved.id, None, PASSWORD)
    assert _name(restored, code) != "Bản Mới Hơn"
    restored.close()
    again, _ = backup.restore_backup(home, "X01-CB01", kept, None, PASSWORD)
    try:
        assert _name(again, code) == "Bản Mới Hơn"
    finally:
        again.close()


def test_a_backup_of_another_profile_is_not_restored_over_this_one(commune):
    committee_backup = backup.create_backup(commune.committee, "manual")
    commune.cells["X01-CB01"].close()
    commune.cells.pop("X01-CB01")
    target = ProfileDir(commune.home, "X01-CB01")
    before = target.db_file.read_bytes()
    with pytest.raises(ProfileError, match="không phải hồ sơ này"):
        backup.restore_backup(commune.home, "X01-CB01", str(committee_backup.path), None, PASSWORD)
    assert target.db_file.read_bytes() == before


def test_a_damaged_backup_file_is_named_and_refused(commune, tmp_path):
    info = backup.create_backup(commune.committee, "manual")
    data = bytearray(info.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken = tmp_path / f"hong{backup.SUFFIX}"
    broken.write_bytes(bytes(data))
    with pytest.raises(InputError, match=broken.name):
        backup.read_backup(broken)


def test_daily_backup_once_a_day_in_vietnam_time(commune):
    session = commune.committee
    now = [datetime(2026, 11, 26, 16, 0, tzinfo=UTC)]  # 23:00 in Vietnam
    session.store.clock = lambda: now[0]
    assert backup.ensure_daily_backup(session) is not None
    assert backup.ensure_daily_backup(session) is None
    now[0] += timedelta(hours=2)  # 01:00 the next day in Vietnam
    assert backup.ensure_daily_backup(session) is not None
    assert [b.kind for b in backup.list_backups(session.dir)] == ["daily", "daily"]


def test_rotation_keeps_7_daily_4_weekly_12_monthly_and_every_manual():
    start = datetime(2025, 1, 1, 3, 0, tzinfo=UTC)
    base = backup.BackupInfo(
        id="", path=Path("x"), kind="daily", created_at="", profile_id="p", org_code="C",
        schema=None, app_version="", size=0,
    )  # fmt: skip
    items = []
    for day in range(500):
        moment = start + timedelta(days=day)
        items.append(replace(base, id=f"d{day}", created_at=moment.isoformat()))
    items.append(replace(base, id="m1", kind="manual", created_at=start.isoformat()))
    for n in range(15):
        moment = start + timedelta(days=n)
        items.append(replace(base, id=f"i{n}", kind="before-import", created_at=moment.isoformat()))
    keep = backup.to_keep(items)
    daily = sorted((int(k[1:]) for k in keep if k.startswith("d")), reverse=True)
    # The last 7 days; then one per week back to 4 weeks; then one per month to 12 months.
    assert daily[:7] == list(range(499, 492, -1))
    assert len(daily) <= 7 + 4 + 12 and len(daily) >= 12
    newest = start + timedelta(days=499)
    oldest_kept = start + timedelta(days=daily[-1])
    assert (newest - oldest_kept).days < 366
    months = {(start + timedelta(days=d)).strftime("%Y-%m") for d in daily}
    assert len(months) == 12
    assert "m1" in keep
    assert {k for k in keep if k.startswith("i")} == {f"i{n}" for n in range(5, 15)}


def test_finding_3_a_backup_made_before_a_rekey_still_opens_and_restores(tmp_path):
    from tests.conftest import PASSWORD, make_profile

    home = tmp_path / "home"
    session, _ = make_profile(home, "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC))
    profiles.add_user(session, "pho", "matkhau-pho", "deputy")
    before = backup.create_backup(session, "manual")
    profiles.remove_user(session, "pho")  # a new database key
    session.close()
    # Backups carry their own key slots: the passwords of their time still open them.
    other = backup.import_backup(tmp_path / "other-pc", before.path, "bithu", PASSWORD)
    other.close()
    # Restored here, the old backup is re-encrypted with the current key: the current
    # keys.json opens it, and the removed user gets no way back in.
    restored, _ = backup.restore_backup(home, "CB07", before.id, "bithu", PASSWORD)
    restored.close()
    with pytest.raises(AccessDenied):
        open_profile(home, "CB07", "pho", "matkhau-pho")
    open_profile(home, "CB07", "bithu", PASSWORD).close()


def test_finding_12_restore_with_a_wrong_password_is_delayed_and_audited(tmp_path):
    from khdesk.core.services import access
    from tests.conftest import FROZEN, PASSWORD, make_profile

    home = tmp_path / "home"
    now = [FROZEN]
    session, _ = make_profile(home, "cell", "CB07", "Chi bộ 7", lambda: now[0])
    saved = backup.create_backup(session, "manual")
    session.close()
    for n in range(access.FREE_TRIES):
        with pytest.raises(AccessDenied, match="Mật khẩu không đúng"):
            backup.restore_backup(home, "CB07", saved.id, "bithu", f"sai-{n}", lambda: now[0])
    # Even the right password waits now, as at sign-in.
    with pytest.raises(access.TooManyAttempts):
        backup.restore_backup(home, "CB07", saved.id, "bithu", PASSWORD, lambda: now[0])
    now[0] += timedelta(seconds=access.delay_after(access.FREE_TRIES))
    restored, _ = backup.restore_backup(home, "CB07", saved.id, "bithu", PASSWORD, lambda: now[0])
    try:
        with restored.store.read() as conn:
            actions = conn.execute(select(t.audit.c.action)).scalars().all()
        assert actions.count("unlock_failed") == access.FREE_TRIES
        assert actions[-1] == "backup_restore"
    finally:
        restored.close()


def test_finding_12_a_killed_restore_leaves_nothing_behind_at_next_open(tmp_path):
    from tests.conftest import PASSWORD, make_profile

    home = tmp_path / "home"
    session, _ = make_profile(home, "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC))
    backup.create_backup(session, "manual")
    folder, backups = session.dir.path, session.dir.backup_dir
    session.close()
    # What a restore (and a backup) killed half-way leaves, by their own names.
    left = [
        folder / ".khoi-phuc-a1b2c3.db",
        folder / ".khoi-phuc-a1b2c3.db-journal",
        folder / ".khoi-phuc-d4e5-k.db",
        backups / ".20261126T083000Z-before-restore.db",
        backups / ".sao-luu-x9y8.db",
        backups / ".20261126T083000Z-manual.khbak.q1w2e3.tmp",
        folder / ".keys.json.z9x8.tmp",
    ]
    for path in left:
        path.write_bytes(b"half-written")
    kept = sorted(p.name for p in backups.iterdir() if not p.name.startswith("."))
    reopened = open_profile(home, "CB07", "bithu", PASSWORD)
    reopened.close()
    assert [p.name for p in left if p.exists()] == []
    assert sorted(p.name for p in backups.iterdir()) == kept
    assert reopened.dir.db_file.exists() and reopened.dir.keys_file.exists()
    # The same for an import killed on the new PC: its staging folder goes at the next.
    other = tmp_path / "other-pc" / "profiles"
    stale = other / ".CB07.k1ll3d"
    stale.mkdir(parents=True)
    (stale / "keys.json").write_bytes(b"half-written")
    (moved,) = backup.list_backups(reopened.dir)
    backup.import_backup(other.parent, moved.path, "bithu", PASSWORD).close()
    assert sorted(p.name for p in other.iterdir()) == ["CB07"]


def test_a_profile_name_from_a_backup_file_cannot_lead_outside_the_profiles_folder(tmp_path):
    """A cousin of finding 2 met on the way (the stale-staging cleanup globs on it): the
    name in a backup's profile.json is data, not a path."""
    from tests.conftest import PASSWORD, make_profile

    session, _ = make_profile(
        tmp_path / "home", "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC)
    )
    made = backup.create_backup(session, "manual")
    session.close()
    for hostile in ("../../ngoai", "/tmp/x", "*", "a\n", 7):
        forged = _forge(
            made.path, tmp_path, "profile.json", lambda info, h=hostile: {**info, "name": h}
        )
        other = tmp_path / "other-pc"
        with pytest.raises(UsageError, match="Tên hồ sơ"):
            backup.import_backup(other, forged, "bithu", PASSWORD)
        assert not (tmp_path / "ngoai").exists()
        assert not (other / "profiles").exists() or not any((other / "profiles").iterdir())


def _forge(path: Path, folder: Path, entry: str, change) -> Path:
    """A copy of a backup file with one JSON entry changed (what an attacker can do)."""
    forged = folder / f"forged{backup.SUFFIX}"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(forged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == entry:
                data = json.dumps(change(json.loads(data))).encode()
            dst.writestr(item, data)
    return forged


def test_key_slots_in_a_backup_file_are_hostile_input(tmp_path):
    """A backup's keys.json comes from a USB stick: a crafted cost (scrypt n = 2**30
    would need 1 TiB) or a mangled slot is refused with a message, never tried."""
    from tests.conftest import PASSWORD, make_profile

    session, _ = make_profile(
        tmp_path / "home", "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC)
    )
    made = backup.create_backup(session, "manual")
    session.close()

    def costly(keys):
        keys["slots"]["bithu"]["kdf"]["n"] = 2**30
        return keys

    def mangled(keys):
        keys["slots"]["bithu"] = {"kdf": {"name": "scrypt"}, "salt": 5}
        return keys

    for change in (costly, mangled, lambda keys: {**keys, "slots": []}, lambda keys: [1]):
        forged = _forge(made.path, tmp_path, "keys.json", change)
        with pytest.raises(ProfileError, match="Tệp khóa"):
            backup.import_backup(tmp_path / "other-pc", forged, "bithu", PASSWORD)


def test_unlisted_a_backups_profile_json_cannot_change_who_the_station_is(tmp_path):
    """The profile.json inside a backup is as editable as the one on disk: a cell's backup
    claiming to be its commune (or another unit, or a server profile) is refused, and
    nothing is left on the other PC."""
    from tests.conftest import PASSWORD, make_profile

    session, _ = make_profile(
        tmp_path / "home", "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC), "X01"
    )
    made = backup.create_backup(session, "manual")
    session.close()
    other = tmp_path / "other-pc"
    changes = ({"role": "committee"}, {"org_code": "X01"}, {"db_url": "postgresql://may-la/kh"})
    for change in changes:
        forged = _forge(made.path, tmp_path, "profile.json", lambda info, c=change: {**info, **c})
        with pytest.raises(InputError, match="mô tả hồ sơ"):
            backup.import_backup(other, forged, "bithu", PASSWORD).close()
        assert not (other / "profiles").exists() or not any((other / "profiles").iterdir())
    backup.import_backup(other, made.path, "bithu", PASSWORD).close()  # the real one opens


def test_unlisted_a_hostile_backup_file_on_a_stick_is_skipped_not_a_crash(tmp_path):
    """`backup list --folder E:` and "Mở bản sao lưu từ máy cũ" read every .khbak on a
    stick: a manifest that is a list, lacks its id, holds a date that is none, or is a
    bomb (64 MiB inflated) is a broken backup — said, skipped — never an unexpected error
    or memory for the bomb."""
    from tests.conftest import make_profile

    session, _ = make_profile(
        tmp_path / "home", "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC)
    )
    made = backup.create_backup(session, "manual")
    stick = tmp_path / "stick"
    stick.mkdir()
    hostile = {
        "list": lambda m: [m],
        "no-id": lambda m: {k: v for k, v in m.items() if k != "id"},
        "id-number": lambda m: {**m, "id": 7},
        "bad-date": lambda m: {**m, "created_at": "hôm qua"},
        "kind-list": lambda m: {**m, "kind": ["manual"]},
    }
    for name, change in hostile.items():
        forged = _forge(made.path, tmp_path, "manifest.json", change)
        forged.rename(stick / f"{name}{backup.SUFFIX}")
    bomb = stick / f"bomb{backup.SUFFIX}"
    with zipfile.ZipFile(made.path) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            if item.filename == "manifest.json":
                big = zipfile.ZipInfo("manifest.json")
                big.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(big, "w", force_zip64=True) as f:
                    f.write(b" " * (64 << 20))  # 64 MiB of blanks: deflates to ~64 KiB
            else:
                dst.writestr(item, src.read(item))
    for path in stick.iterdir():
        with pytest.raises(InputError, match="bị hỏng"):
            backup.read_backup(path)
    assert backup.list_backups(session.dir, stick) == []
    session.close()


@pytest.mark.parametrize("entry", ["manifest.json", "profile.json", "keys.json"])
def test_unlisted_a_backups_small_entries_are_never_inflated_past_a_cap(tmp_path, entry):
    """Cousins: the profile.json and keys.json of a backup from another PC were read
    whole — a few KB of zip can inflate to gigabytes."""
    from tests.conftest import PASSWORD, make_profile

    session, _ = make_profile(
        tmp_path / "home", "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC)
    )
    made = backup.create_backup(session, "manual")
    session.close()
    bomb = tmp_path / f"bomb{backup.SUFFIX}"
    with zipfile.ZipFile(made.path) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            if item.filename == entry:
                big = zipfile.ZipInfo(entry)
                big.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(big, "w", force_zip64=True) as f:
                    for _ in range(64):
                        f.write(b" " * (1 << 20))  # 64 MiB of blanks
            else:
                dst.writestr(item, src.read(item))
    with pytest.raises(InputError, match=f"{entry} quá lớn"):
        backup.import_backup(tmp_path / "other-pc", bomb, "bithu", PASSWORD)
    assert not (tmp_path / "other-pc" / "profiles").exists() or not any(
        (tmp_path / "other-pc" / "profiles").iterdir()
    )


def _made_backup(tmp_path):
    from tests.conftest import make_profile

    session, _ = make_profile(
        tmp_path / "home", "cell", "CB07", "Chi bộ 7", lambda: datetime.now(UTC)
    )
    made = backup.create_backup(session, "manual")
    session.close()
    return made


def test_unlisted_a_backup_manifest_of_any_shape_is_refused_not_a_crash(tmp_path):
    """A .khbak comes from a USB stick: a manifest that is not the object khdesk writes
    (a list, a missing or non-text field, a date that is none) is a damaged file named
    in Vietnamese — for `backup list`, restore, import and the daily rotation alike —
    never an AttributeError/KeyError shown as 'lỗi không mong đợi'."""
    from tests.conftest import PASSWORD

    made = _made_backup(tmp_path)
    folder = made.path.parent
    changes = (
        lambda m: [1],
        lambda m: {k: v for k, v in m.items() if k != "id"},
        lambda m: {**m, "id": 5},
        lambda m: {**m, "id": "../x"},
        lambda m: {**m, "kind": "daily", "created_at": "hôm qua"},
        lambda m: {**m, "profile_id": None},
        lambda m: {**m, "note": ["a"]},
    )
    for change in changes:
        forged = _forge(made.path, tmp_path, "manifest.json", change)
        with pytest.raises(InputError, match="bị hỏng"):
            backup.read_backup(forged)
        with pytest.raises(InputError, match="bị hỏng"):
            backup.import_backup(tmp_path / "other-pc", forged, "bithu", PASSWORD)
        placed = folder / "z-forged.khbak"
        forged.replace(placed)
        pdir = ProfileDir(tmp_path / "home", "CB07")
        assert [b.id for b in backup.list_backups(pdir)] == [made.id]  # skipped, logged
        backup.rotate_backups(pdir)
        placed.unlink()
    assert not (tmp_path / "other-pc" / "profiles").exists()


def test_unlisted_profile_json_in_a_backup_cannot_redirect_or_reidentify_the_profile(tmp_path):
    """profile.json travels unsigned beside the encrypted database: it may not point the
    imported profile at a PostgreSQL server (its users would type their server passwords
    there), nor give it another role, unit or id than its own database holds, nor leave
    a half-installed profile that breaks the profile list. The database is the truth."""
    from tests.conftest import PASSWORD

    made = _made_backup(tmp_path)
    other = tmp_path / "other-pc"
    changes = {
        "db_url": lambda i: {**i, "db_url": "postgresql://may-la.example/khdesk"},
        "role": lambda i: {**i, "role": "province"},
        "org_code": lambda i: {**i, "org_code": "X01"},
        "profile_id": lambda i: {**i, "profile_id": "0" * 32},
        "number": lambda i: {**i, "org_name": 5},
        "unknown": lambda i: {**i, "them": 1},
        "missing": lambda i: {k: v for k, v in i.items() if k != "org_name"},
        "control": lambda i: {**i, "org_name": "Chi bộ\u202e7"},
        "list": lambda i: [i],
    }
    for what, change in changes.items():
        forged = _forge(made.path, tmp_path, "profile.json", change)
        with pytest.raises(InputError, match="mô tả hồ sơ"):
            backup.import_backup(other, forged, "bithu", PASSWORD)
        assert not (other / "profiles").exists() or not any((other / "profiles").iterdir()), what
    moved = backup.import_backup(other, made.path, "bithu", PASSWORD)
    try:
        assert (moved.info.role, moved.info.org_code, moved.info.db_url) == ("cell", "CB07", None)
        assert [p.name for p in list_profiles(other)] == ["CB07"]
    finally:
        moved.close()


def test_unlisted_backup_json_entries_are_read_under_a_cap(tmp_path):
    """manifest.json, profile.json and keys.json are a few KB; a file whose entry
    inflates to many MB is refused by its size before it is read into memory."""
    from tests.conftest import PASSWORD

    made = _made_backup(tmp_path)
    for entry in ("manifest.json", "profile.json", "keys.json"):
        forged = tmp_path / f"big-{entry}{backup.SUFFIX}"
        with zipfile.ZipFile(made.path) as src, zipfile.ZipFile(forged, "w") as dst:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == entry:
                    data = data[:-1] + b" " * (8 << 20) + data[-1:]
                dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
        with pytest.raises(InputError, match="quá lớn"):
            backup.import_backup(tmp_path / "other-pc", forged, "bithu", PASSWORD)


def test_unlisted_a_backup_database_that_inflates_past_its_file_is_refused(tmp_path):
    """khdesk.db in a backup is SQLCipher pages — random bytes that no compressor
    shrinks — so a genuine one inflates to about the size it takes in the file. A 70 KB
    .khbak whose khdesk.db inflates to 64 MiB of zeros (its manifest hash made to fit)
    was hashed whole and then written out to disk whole on import: at 100 GB, a full
    disk. Refused by its declared size, before it is read."""
    import hashlib

    from tests.conftest import PASSWORD

    made = _made_backup(tmp_path)
    zeros = bytes(64 << 20)
    bomb = tmp_path / f"bomb{backup.SUFFIX}"
    with zipfile.ZipFile(made.path) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "khdesk.db":
                dst.writestr("khdesk.db", zeros, compress_type=zipfile.ZIP_DEFLATED)
                continue
            if item.filename == "manifest.json":
                m = json.loads(data)
                m["db_sha256"] = hashlib.sha256(zeros).hexdigest()
                data = json.dumps(m).encode()
            dst.writestr(item, data)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(InputError, match="quá lớn"):
        backup.read_backup(bomb)
    with pytest.raises(InputError, match="quá lớn"):
        backup.import_backup(tmp_path / "other-pc", bomb, "bithu", PASSWORD)
    assert not list((tmp_path / "other-pc").rglob("*.db"))


def test_unlisted_a_backup_database_carrying_its_own_triggers_is_refused(tmp_path):
    """A backup's database is the maker's file: a profile handed over as a .khbak (with
    the password the maker gives) carried a trigger deleting every new audit entry, and
    it ran on every write of the new secretary — history erased as it was written. Only
    the triggers khdesk itself makes (its search index's) may be in it."""
    import hashlib

    from khdesk.core.store import sqlcipher
    from khdesk.core.store.keyslots import KeySlots
    from tests.conftest import PASSWORD

    made = _made_backup(tmp_path)
    with zipfile.ZipFile(made.path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    key = KeySlots.from_bytes(parts["keys.json"]).unlock("bithu", PASSWORD)
    for evil in (
        "CREATE TRIGGER xoa AFTER INSERT ON audit BEGIN DELETE FROM audit WHERE id = NEW.id; END",
        "CREATE TRIGGER candidates_fts_au AFTER INSERT ON audit BEGIN DELETE FROM audit; END",
        "CREATE VIEW v AS SELECT 1",
    ):
        db = tmp_path / "x.db"
        db.write_bytes(parts["khdesk.db"])
        conn = sqlcipher.keyed(db, key)
        if "candidates_fts_au" in evil:
            conn.execute("DROP TRIGGER candidates_fts_au")
        conn.execute(evil)
        conn.commit()
        conn.close()
        content = db.read_bytes()
        manifest = json.loads(parts["manifest.json"])
        manifest["db_sha256"] = hashlib.sha256(content).hexdigest()
        forged = tmp_path / f"trigger{backup.SUFFIX}"
        with zipfile.ZipFile(forged, "w") as z:
            for name, data in parts.items():
                if name == "manifest.json":
                    data = json.dumps(manifest).encode()
                z.writestr(name, content if name == "khdesk.db" else data)
        with pytest.raises(InputError, match="không do khdesk tạo"):
            backup.import_backup(tmp_path / "other-pc", forged, "bithu", PASSWORD)
        assert not (tmp_path / "other-pc" / "profiles" / "CB07").exists()
