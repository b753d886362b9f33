"""Profiles on real SQLCipher files: encryption at rest, key slots, users, recovery."""

import json
import sqlite3

import pytest

from khdesk.core.errors import AccessDenied, NewerDatabaseError, ProfileError, UsageError
from khdesk.core.services import profiles
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
    session = profiles.open_profile(home, "X01-CB01", "bithu", PASSWORD)
    assert session.user_role == "owner"
    assert session.info.role == "cell"
    session.close()
    with pytest.raises(AccessDenied) as err:
        profiles.open_profile(home, "X01-CB01", "bithu", "sai-mat-khau")
    assert err.value.exit_code == 3
    assert "Mật khẩu không đúng" in err.value.message


def test_key_slots_cannot_be_swapped_between_users(cell, home):
    profiles.add_user(cell, "pho", "matkhau-pho", "deputy")
    keys = json.loads(cell.dir.keys_file.read_text())
    keys["slots"]["pho"], keys["slots"]["bithu"] = keys["slots"]["bithu"], keys["slots"]["pho"]
    cell.dir.keys_file.write_text(json.dumps(keys))
    with pytest.raises(AccessDenied):
        profiles.open_profile(home, "X01-CB01", "pho", PASSWORD)


def test_users_add_passwd_remove_and_recovery(home, clock):
    session, recovery = make_profile(home, "cell", "CB09", "Chi bộ tổ dân phố 9", clock)
    profiles.add_user(session, "pho", "matkhau-pho", "deputy")
    assert [u["name"] for u in profiles.list_users(session)] == ["bithu", "pho"]
    session.close()

    deputy = profiles.open_profile(home, "CB09", "pho", "matkhau-pho")
    assert deputy.user_role == "deputy"
    with pytest.raises(AccessDenied):
        profiles.add_user(deputy, "khac", "matkhau-khac")  # only the owner adds users
    profiles.change_password(deputy, "pho", "moi-cua-pho")
    deputy.close()
    with pytest.raises(AccessDenied):
        profiles.open_profile(home, "CB09", "pho", "matkhau-pho")

    # The owner forgot the password: the recovery key sets a new one.
    recovered = profiles.recover(home, "CB09", "bithu", recovery.lower(), "mat-khau-moi")
    profiles.remove_user(recovered, "pho")
    recovered.close()
    with pytest.raises(AccessDenied):
        profiles.open_profile(home, "CB09", "pho", "moi-cua-pho")
    owner = profiles.open_profile(home, "CB09", "bithu", "mat-khau-moi")
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
    assert [p.name for p in profiles.list_profiles(home)] == ["CB01", "CB02"]
    with pytest.raises(UsageError):
        profiles.resolve_profile_name(home, None)
    assert profiles.resolve_profile_name(home, "CB02") == "CB02"
    with pytest.raises(ProfileError):
        profiles.resolve_profile_name(home, "CB03")


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
        profiles.open_profile(home, "X01-CB01", "bithu", PASSWORD)
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
    session = profiles.open_profile(home, "X01-CB01", "bithu", PASSWORD)
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
    session.close()
