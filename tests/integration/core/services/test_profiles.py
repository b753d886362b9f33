"""Profiles on real SQLCipher files: encryption at rest, key slots, users, recovery."""

import json
import sqlite3

import pytest
from sqlalchemy import select

from khdesk.core.errors import (
    AccessDenied,
    InputError,
    NewerDatabaseError,
    ProfileError,
    UsageError,
)
from khdesk.core.services import profiles, rekey
from khdesk.core.services.session import (
    ProfileDir,
    list_profiles,
    open_profile,
    resolve_profile_name,
)
from khdesk.core.store import migrate
from khdesk.core.store import schema as t
from khdesk.core.store.store import verify_audit
from tests.conftest import PASSWORD, make_profile


def test_database_file_is_encrypted(cell, home):
    with cell.store.write("bithu") as tx:
        tx.conn.execute(
            t.orgs.update()
            .where(t.orgs.c.code == "X01-CB01")
            .values(name="Chi bộ Nguyễn Đức Bí Mật")
        )
    db = cell.dir.db_file
    raw = db.read_bytes() + (
        db.with_name(db.name + "-wal").read_bytes()
        if db.with_name(db.name + "-wal").exists()
        else b""
    )
    assert "Bí Mật".encode() not in raw and b"X01-CB01" not in raw
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db).execute("SELECT * FROM sqlite_master").fetchall()


def test_open_with_password_and_wrong_password(cell, home):
    cell.close()
    session = open_profile(home, "X01-CB01", "bithu", PASSWORD)
    assert session.user_role == "owner"
    assert session.info.role == "cell"
    session.close()
    with pytest.raises(AccessDenied) as err:
        open_profile(home, "X01-CB01", "bithu", "sai-mat-khau")
    assert err.value.exit_code == 3
    assert "Mật khẩu không đúng" in err.value.message


def test_key_slots_cannot_be_swapped_between_users(cell, home):
    profiles.add_user(cell, "pho", "matkhau-pho", "deputy")
    keys = json.loads(cell.dir.keys_file.read_text())
    keys["slots"]["pho"], keys["slots"]["bithu"] = keys["slots"]["bithu"], keys["slots"]["pho"]
    cell.dir.keys_file.write_text(json.dumps(keys))
    with pytest.raises(AccessDenied):
        open_profile(home, "X01-CB01", "pho", PASSWORD)


def test_users_add_passwd_remove_and_recovery(home, clock):
    session, recovery = make_profile(home, "cell", "CB09", "Chi bộ tổ dân phố 9", clock)
    profiles.add_user(session, "pho", "matkhau-pho", "deputy")
    assert [u["name"] for u in profiles.list_users(session)] == ["bithu", "pho"]
    session.close()

    deputy = open_profile(home, "CB09", "pho", "matkhau-pho")
    assert deputy.user_role == "deputy"
    with pytest.raises(AccessDenied):
        profiles.add_user(deputy, "khac", "matkhau-khac")  # only the owner adds users
    profiles.change_password(deputy, "pho", "moi-cua-pho")
    deputy.close()
    with pytest.raises(AccessDenied):
        open_profile(home, "CB09", "pho", "matkhau-pho")

    # The owner forgot the password: the recovery key sets a new one.
    recovered = profiles.recover(home, "CB09", "bithu", recovery.lower(), "mat-khau-moi")
    profiles.remove_user(recovered, "pho")
    recovered.close()
    with pytest.raises(AccessDenied):
        open_profile(home, "CB09", "pho", "moi-cua-pho")
    owner = open_profile(home, "CB09", "bithu", "mat-khau-moi")
    with owner.store.read() as conn:
        actions = [r.action for r in conn.execute(t.audit.select().order_by(t.audit.c.id))]
        assert verify_audit(conn) == []
    owner.close()
    assert actions.count("unlock") == 2
    for action in ("profile_create", "user_add", "user_passwd", "user_recover", "user_remove"):
        assert action in actions


def test_wrong_recovery_key_refused(home, clock):
    session, recovery = make_profile(home, "cell", "CB08", "Chi bộ 8", clock)
    session.close()
    wrong = ("A" if recovery[0] != "A" else "B") + recovery[1:]
    with pytest.raises(AccessDenied):
        profiles.recover(home, "CB08", "bithu", wrong, "mat-khau-moi")


def test_several_profiles_side_by_side(home, clock):
    for code in ("CB01", "CB02"):
        make_profile(home, "cell", code, f"Chi bộ {code}", clock)[0].close()
    assert [p.name for p in list_profiles(home)] == ["CB01", "CB02"]
    with pytest.raises(UsageError):
        resolve_profile_name(home, None)
    assert resolve_profile_name(home, "CB02") == "CB02"
    with pytest.raises(ProfileError):
        resolve_profile_name(home, "CB03")


def test_audit_chain_detects_edits(cell):
    with cell.store.write("bithu") as tx:
        tx.audit("test", "candidate", "X01-CB01-0001", note="một")
        tx.audit("test", "candidate", "X01-CB01-0002", note="hai")
    with cell.store.write("bithu") as tx:
        tx.conn.execute(t.audit.update().where(t.audit.c.id == 2).values(user="ke-gian"))
    with cell.store.read() as conn:
        problems = verify_audit(conn)
    assert problems and "số 2" in problems[0]


def test_database_from_newer_version_is_refused_untouched(cell, home):
    with cell.store.write("bithu") as tx:
        tx.conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    cell.close()
    before = cell.dir.db_file.read_bytes()
    with pytest.raises(NewerDatabaseError) as err:
        open_profile(home, "X01-CB01", "bithu", PASSWORD)
    assert "mới hơn" in err.value.message
    assert cell.dir.db_file.read_bytes() == before


def test_older_database_is_backed_up_then_upgraded_to_the_current_schema(cell, home):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from khdesk.core.store.migrate import _alembic_config
    from khdesk.core.store.schema import metadata

    # Take the fresh database back to the baseline through the real downgrade steps.
    with cell.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            command.downgrade(_alembic_config(conn), "0001")
    cell.close()
    session = open_profile(home, "X01-CB01", "bithu", PASSWORD)
    with session.store.read() as conn:
        stamped = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert stamped == migrate.head_revision()
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    # The FTS5 tables are the adapter's, not the metadata's.
    diffs = [d for d in diffs if not (d[0] == "remove_table" and "_fts" in d[1].name)]
    assert diffs == []
    backups = list(session.dir.backup_dir.glob("truoc-nang-cap-0001-*.db"))
    assert len(backups) == 1
    # The backup is the encrypted file as it was: not readable without the key.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(backups[0]).execute("SELECT * FROM sqlite_master").fetchall()
    # Its key slots are kept beside it: after a change of database key it still opens.
    profiles.new_recovery_key(session)
    session.close()
    from khdesk.core.store import sqlcipher
    from khdesk.core.store.keyslots import KeySlots

    then = KeySlots.load(backups[0].with_suffix(".keys.json"))
    sqlcipher.connect(backups[0], then.unlock("bithu", PASSWORD)).close()


# -- issue 15 finding 3: a removed user keeps the key --


def _opens_current_db(home, name: str, old_keys: bytes, user: str, secret: str) -> bool:
    """Whether an old keys.json (a copy someone kept) plus a password or the recovery key
    still opens the profile's current database file."""
    from khdesk.core.store import sqlcipher
    from khdesk.core.store.keyslots import KeySlots

    pdir = ProfileDir(home, name)
    slots = KeySlots.from_bytes(old_keys)
    try:
        key = (
            slots.unlock_with_recovery(secret)
            if user == "__recovery__"
            else slots.unlock(user, secret)
        )
        sqlcipher.connect(pdir.db_file, key).close()
    except AccessDenied:
        return False
    return True


def _two_users(home, clock, name="CB07"):
    session, recovery = make_profile(home, "cell", name, "Chi bộ 7", clock)
    profiles.add_user(session, "pho", "matkhau-pho", "deputy")
    old_keys = session.dir.keys_file.read_bytes()
    return session, recovery, old_keys


def test_finding_3_removed_user_old_keys_json_opens_nothing(home, clock):
    session, recovery, old_keys = _two_users(home, clock)
    assert _opens_current_db(home, "CB07", old_keys, "pho", "matkhau-pho")  # the attack, before
    done = profiles.remove_user(session, "pho")
    assert done.lost == [] and done.recovery_key is None
    # The station's signing key does not follow the database key: the owner is told.
    assert rekey.STATION_KEY_NOTE in done.messages()
    assert not _opens_current_db(home, "CB07", old_keys, "pho", "matkhau-pho")
    assert not _opens_current_db(home, "CB07", old_keys, "bithu", PASSWORD)
    # The session goes on with the new key; everyone left still opens with their own.
    assert [u["name"] for u in profiles.list_users(session)] == ["bithu"]
    session.close()
    with pytest.raises(AccessDenied):
        open_profile(home, "CB07", "pho", "matkhau-pho")
    again = open_profile(home, "CB07", "bithu", PASSWORD)
    with again.store.read() as conn:
        actions = [r.action for r in conn.execute(t.audit.select().order_by(t.audit.c.id))]
        assert verify_audit(conn) == []
    at = actions.index("user_remove")
    assert actions[at - 1] == "rekey"  # one step: the removal is in the rekeyed file
    again.close()
    # The recovery key followed the new database key (no new one needed).
    profiles.recover(home, "CB07", "bithu", recovery, "mat-khau-moi").close()
    assert not list(ProfileDir(home, "CB07").path.glob(".rekey*"))


def test_finding_3_handover_old_keys_json_opens_nothing(home, clock):
    from khdesk.core.services import safety

    session, recovery, old_keys = _two_users(home, clock, "CB06")
    done = safety.handover(session, "bithu-moi", "matkhau-moi", remove_current=True)
    session.close()
    assert done.recovery_key != recovery and done.rekeyed.lost == []
    assert rekey.STATION_KEY_NOTE in done.rekeyed.messages()
    for user, secret in (("bithu", PASSWORD), ("pho", "matkhau-pho"), ("__recovery__", recovery)):
        assert not _opens_current_db(home, "CB06", old_keys, user, secret)
    with pytest.raises(AccessDenied):
        open_profile(home, "CB06", "bithu", PASSWORD)
    for user, password in (("bithu-moi", "matkhau-moi"), ("pho", "matkhau-pho")):
        open_profile(home, "CB06", user, password).close()
    with pytest.raises(AccessDenied):
        profiles.recover(home, "CB06", "pho", recovery, "khac-han-di")
    profiles.recover(home, "CB06", "pho", done.recovery_key, "khac-han-di").close()


def test_finding_3_recovery_key_reset_old_keys_json_opens_nothing(home, clock):
    session, recovery, old_keys = _two_users(home, clock, "CB05")
    done = profiles.new_recovery_key(session)
    session.close()
    assert done.recovery_key and done.recovery_key != recovery
    assert rekey.STATION_KEY_NOTE not in done.messages()  # nobody left
    assert not _opens_current_db(home, "CB05", old_keys, "__recovery__", recovery)
    assert not _opens_current_db(home, "CB05", old_keys, "pho", "matkhau-pho")
    with pytest.raises(AccessDenied):
        profiles.recover(home, "CB05", "bithu", recovery, "mat-khau-moi")
    open_profile(home, "CB05", "pho", "matkhau-pho").close()
    profiles.recover(home, "CB05", "bithu", done.recovery_key, "mat-khau-moi").close()


def _write_format_1(session, passwords: dict[str, str]) -> str:
    """keys.json as khdesk wrote it before issue 15 (the database key wrapped directly
    under each password and the recovery key); returns that recovery key."""
    import base64
    import json
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from khdesk.core.store import keyslots as ks

    def slot(name, kek, kdf, salt):
        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(kek).encrypt(nonce, session.db_key, ks._aad(session.info.profile_id, name))
        b64 = [base64.b64encode(x).decode() for x in (salt, nonce, wrapped)]
        return {"kdf": kdf, "salt": b64[0], "nonce": b64[1], "wrapped": b64[2]}

    slots = {}
    for user, password in passwords.items():
        salt = secrets.token_bytes(16)
        slots[user] = slot(
            user, ks._password_kek(password, ks.DEFAULT_KDF, salt), ks.DEFAULT_KDF, salt
        )
    raw, salt = secrets.token_bytes(20), secrets.token_bytes(16)
    kek = ks._recovery_kek(raw, salt)
    slots[ks.RECOVERY_SLOT] = slot(ks.RECOVERY_SLOT, kek, {"name": "hkdf-sha256"}, salt)
    data = {"format": 1, "profile_id": session.info.profile_id, "slots": slots}
    session.dir.keys_file.write_text(json.dumps(data), encoding="utf-8")
    return ks.format_recovery_key(raw)


def test_finding_3_old_format_slots_convert_at_unlock_or_are_named_at_a_rekey(home, clock):
    session, _, _ = _two_users(home, clock, "CB04")
    profiles.add_user(session, "xem", "matkhau-xem", "viewer")
    old_recovery = _write_format_1(
        session, {"bithu": PASSWORD, "pho": "matkhau-pho", "xem": "matkhau-xem"}
    )
    session.close()
    # The owner signs in: their slot converts; the others stay in the old format.
    owner = open_profile(home, "CB04", "bithu", PASSWORD)
    slots = json.loads(owner.dir.keys_file.read_text(encoding="utf-8"))
    assert slots["format"] == 2 and "public" in slots["slots"]["bithu"]
    assert "public" not in slots["slots"]["pho"]
    done = profiles.remove_user(owner, "xem")
    # pho could not follow the new key: named, in Vietnamese, with what to do.
    assert done.lost == ["pho"] and done.recovery_key
    assert any("'pho'" in line and "user passwd pho" in line for line in done.messages())
    with pytest.raises(AccessDenied):
        open_profile(home, "CB04", "pho", "matkhau-pho")
    profiles.change_password(owner, "pho", "moi-cua-pho")
    owner.close()
    open_profile(home, "CB04", "pho", "moi-cua-pho").close()
    with pytest.raises(AccessDenied):
        profiles.recover(home, "CB04", "bithu", old_recovery, "mat-khau-moi")
    profiles.recover(home, "CB04", "bithu", done.recovery_key, "mat-khau-moi").close()


def test_finding_3_a_public_key_swapped_into_keys_json_gets_no_new_key(home, clock):
    """Someone without the database key (a removed user still at the shared PC) puts
    their own public key in another user's slot, hoping the next rekey seals to it."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    session, _, _ = _two_users(home, clock, "CB03")
    profiles.add_user(session, "xem", "matkhau-xem", "viewer")
    data = json.loads(session.dir.keys_file.read_text(encoding="utf-8"))
    mine = X25519PrivateKey.generate()
    public = mine.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    data["slots"]["pho"]["public"] = base64.b64encode(public).decode()
    session.dir.keys_file.write_text(json.dumps(data), encoding="utf-8")
    done = profiles.remove_user(session, "xem")
    assert done.lost == ["pho"]
    assert "pho" not in json.loads(session.dir.keys_file.read_text(encoding="utf-8"))["slots"]
    session.close()


@pytest.mark.parametrize("cut", ["after the commit point", "after the database swap"])
def test_finding_3_a_rekey_cut_after_its_commit_point_is_finished_at_next_open(
    home, clock, monkeypatch, cut
):
    import os

    from khdesk.core.services import integrity
    from khdesk.core.store import swap

    session, _, old_keys = _two_users(home, clock, "CB02")
    folder = session.dir.path
    # The plug is pulled right after keys.json.rekey is renamed in (the commit point).
    monkeypatch.setattr(swap, "finish_pending", lambda folder: None)
    with pytest.raises(AccessDenied):  # this process goes on over the old file: stopped
        profiles.remove_user(session, "pho")
    session.close()
    monkeypatch.undo()
    assert (folder / swap.COMMIT_FILE).exists() and (folder / swap.STAGED_DB).exists()
    if cut == "after the database swap":
        os.replace(folder / swap.STAGED_DB, session.dir.db_file)
    again = open_profile(home, "CB02", "bithu", PASSWORD)
    try:
        assert integrity.check_database(again).ok
        assert [u["name"] for u in profiles.list_users(again)] == ["bithu"]
        with again.store.read() as conn:
            notes = conn.execute(
                select(t.audit.c.detail).where(t.audit.c.action == "lock_takeover")
            ).scalars()
            assert any("đổi khóa" in n for n in notes)
    finally:
        again.close()
    assert not (folder / swap.COMMIT_FILE).exists() and not (folder / swap.STAGED_DB).exists()
    assert not _opens_current_db(home, "CB02", old_keys, "pho", "matkhau-pho")


def test_finding_3_a_rekey_cut_before_its_commit_point_is_undone_at_next_open(home, clock):
    from khdesk.core.store import swap

    session, _, old_keys = _two_users(home, clock, "CB01")
    folder = session.dir.path
    session.close()
    # What a kill while staging leaves: a half copy, its journal, a half new keys.json.
    for name in (swap.STAGED_DB, f"{swap.STAGED_DB}-journal", f".{swap.COMMIT_FILE}.x1y2.tmp"):
        (folder / name).write_bytes(b"half-written")
    open_profile(home, "CB01", "pho", "matkhau-pho").close()
    assert not [p.name for p in folder.iterdir() if "rekey" in p.name]
    assert _opens_current_db(home, "CB01", old_keys, "pho", "matkhau-pho")  # nothing changed


def test_finding_3_a_changed_password_old_keys_json_opens_nothing(home, clock):
    """The cousin of a removal: a password someone saw, changed — a copy of keys.json
    kept from before plus the old password must open nothing current either."""
    session, recovery, old_keys = _two_users(home, clock, "CB10")
    session.close()
    pho = open_profile(home, "CB10", "pho", "matkhau-pho")
    profiles.change_password(pho, "pho", "moi-cua-pho")
    pho.close()
    assert not _opens_current_db(home, "CB10", old_keys, "pho", "matkhau-pho")
    for user, password in (("pho", "moi-cua-pho"), ("bithu", PASSWORD)):
        open_profile(home, "CB10", user, password).close()
    profiles.recover(home, "CB10", "bithu", recovery, "mat-khau-moi").close()


def test_a_password_change_never_costs_anyone_their_access(home, clock):
    """While another user's slot is still in the old format (it cannot follow a new
    key), a password change changes that one slot only, as before."""
    session, _, _ = _two_users(home, clock, "CB11")
    recovery = _write_format_1(session, {"bithu": PASSWORD, "pho": "matkhau-pho"})
    session.close()
    owner = open_profile(home, "CB11", "bithu", PASSWORD)
    profiles.change_password(owner, "bithu", "mat-khau-moi")
    owner.close()
    for user, password in (("pho", "matkhau-pho"), ("bithu", "mat-khau-moi")):
        opened = open_profile(home, "CB11", user, password)
        assert opened.user == user
        opened.close()
    with pytest.raises(AccessDenied):
        open_profile(home, "CB11", "bithu", PASSWORD)  # the old password is gone
    recovered = profiles.recover(home, "CB11", "bithu", recovery, "mat-khau-khac")
    assert recovered.user == "bithu"
    recovered.close()


def test_a_rekey_waits_for_work_in_progress_on_another_thread(home, clock):
    """The daily backup (a thread) holding a connection while a user is removed: the
    rekey refuses, nothing changes, and it goes through once the work is done."""
    session, _, old_keys = _two_users(home, clock, "CB12")
    busy = session.store.engine.connect()
    try:
        with pytest.raises(InputError, match="việc khác"):
            profiles.remove_user(session, "pho")
        assert session.dir.keys_file.read_bytes() == old_keys
    finally:
        busy.close()
    assert [u["name"] for u in profiles.list_users(session)] == ["bithu", "pho"]
    profiles.remove_user(session, "pho")
    assert [u["name"] for u in profiles.list_users(session)] == ["bithu"]
    session.close()


@pytest.mark.parametrize(
    "change",
    [
        {"role": "committee"},  # a cell made a committee: records its A9 itself
        {"org_code": "X01"},  # the cell made its own commune
        {"org_code": "X01-CB02"},  # ... or its sibling
        {"profile_id": "00000000-0000-4000-8000-000000000000"},
        {"db_url": "postgresql://may-la:5432/khdesk"},  # the password sent to another host
        {"name": "../../ngoai"},  # the name makes the settings path
    ],
    ids=lambda c: next(iter(c)),
)
@pytest.mark.parametrize("lazy", [False, True], ids=["store", "lazy"])
def test_unlisted_a_tampered_profile_json_is_refused_at_open(cell, home, change, lazy):
    """profile.json is plain JSON any user of the PC can edit; who the station is (role,
    unit, identity, where its data lives) is what the encrypted database says."""
    cell.close()
    info_file = home / "profiles" / "X01-CB01" / "profile.json"
    data = json.loads(info_file.read_text(encoding="utf-8"))
    info_file.write_text(json.dumps({**data, **change}), encoding="utf-8")
    with pytest.raises(ProfileError) as refused:
        session = open_profile(home, "X01-CB01", "bithu", PASSWORD, lazy_store=lazy)
        session.close()
    assert "profile.json" in refused.value.message and "không khớp" in refused.value.message
    info_file.write_text(json.dumps(data), encoding="utf-8")  # put back: opens again
    open_profile(home, "X01-CB01", "bithu", PASSWORD, lazy_store=lazy).close()


def test_unlisted_db_check_names_a_trigger_khdesk_did_not_make(cell):
    """Anyone who can unlock holds the key: a trigger added with tools (one that deletes
    each new audit entry) ran on every later write while `db check` said intact."""
    from khdesk.core.services import integrity

    assert integrity.check_database(cell).ok
    with cell.store.write("bithu") as tx:
        tx.conn.exec_driver_sql(
            "CREATE TRIGGER an AFTER INSERT ON audit BEGIN DELETE FROM audit WHERE id = NEW.id; END"
        )
    report = integrity.check_database(cell)
    assert any("(an)" in p and "khdesk" in p for p in report.problems), report.problems
