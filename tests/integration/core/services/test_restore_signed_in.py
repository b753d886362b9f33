"""Restoring a backup while signed in (the desktop's "Khôi phục"): one service, on real
encrypted profiles and real backup files. The signed-in session goes on working on the
restored data with the role the restored data gives its user; a wrong password, or a
backup of another profile or of a newer app version, changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from khdesk.core.errors import AccessDenied, NewerDatabaseError, ProfileError
from khdesk.core.services import backup, candidates, profiles
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from khdesk.core.store.migrate import head_revision
from tests.conftest import PASSWORD, make_profile

SECRETARY_PASSWORD = "matkhau-bithu-hai"


def _now():
    return datetime.now(UTC)


@pytest.fixture
def cell(tmp_path):
    session, _ = make_profile(tmp_path / "home", "cell", "CB07", "Chi bộ 7", _now)
    yield session
    session.close()


def _notes(session, code: str) -> str | None:
    with session.store.read() as conn:
        return conn.execute(
            select(t.candidates.c.notes).where(t.candidates.c.file_code == code)
        ).scalar_one()


def _a_file(session) -> str:
    return candidates.create_candidate(
        session, {"full_name": "Nguyễn Văn Thử", "sex": "Nam", "birth_date": "02/01/2000"}
    )


def _restores(session) -> int:
    """How many restores the audit records (the password check itself is audited too)."""
    with session.store.read() as conn:
        actions = conn.execute(select(t.audit.c.action)).scalars().all()
    return actions.count("backup_restore")


def _set_role(session, user: str, role: str) -> None:
    """A change of role as the data holds it (the users dialog has no such button yet)."""
    with session.store.engine.begin() as conn:
        conn.execute(update(t.users).where(t.users.c.name == user).values(role=role))


def test_right_password_restores_and_the_role_is_read_again(cell):
    profiles.add_user(cell, "bt2", SECRETARY_PASSWORD, "owner")
    code = _a_file(cell)
    saved = backup.create_backup(cell, "manual")
    candidates.update_identity(cell, code, {"notes": "ghi sau khi sao lưu"})
    cell.close()
    session = open_profile(cell.dir.home, "CB07", "bt2", SECRETARY_PASSWORD)
    try:
        _set_role(session, "bt2", "secretary")  # since the backup: the role changed back
        session.user_role = "secretary"
        done = backup.restore_signed_in(session, saved.id, SECRETARY_PASSWORD)
        assert done.kept and done.role == "owner"
        assert session.user_role == "owner"  # read again from the restored data
        # The same session works on the restored data.
        assert _notes(session, code) != "ghi sau khi sao lưu"
        with session.store.read() as conn:
            last = conn.execute(select(t.audit.c.action).order_by(t.audit.c.id.desc())).first()
        assert last[0] == "backup_restore"
        kept = backup.find_backup(session.dir, done.kept)
        assert kept.kind == "before-restore"
    finally:
        session.close()


def test_a_wrong_password_changes_nothing(cell):
    code = _a_file(cell)
    saved = backup.create_backup(cell, "manual")
    candidates.update_identity(cell, code, {"notes": "vẫn còn"})
    before = {b.id for b in backup.list_backups(cell.dir)}
    with pytest.raises(AccessDenied, match="Mật khẩu không đúng"):
        backup.restore_signed_in(cell, saved.id, "sai-mat-khau")
    assert _notes(cell, code) == "vẫn còn"  # the session still works, on the same data
    assert _restores(cell) == 0
    assert {b.id for b in backup.list_backups(cell.dir)} == before


def test_a_backup_of_another_profile_is_refused_in_vietnamese(cell, tmp_path):
    other, _ = make_profile(tmp_path / "home", "cell", "CB08", "Chi bộ 8", _now)
    theirs = backup.create_backup(other, "manual")
    other.close()
    code = _a_file(cell)
    with pytest.raises(ProfileError, match="không phải hồ sơ này"):
        backup.restore_signed_in(cell, str(theirs.path), PASSWORD)
    assert _notes(cell, code) is None and _restores(cell) == 0


def test_a_backup_from_a_newer_version_is_refused_and_nothing_changes(cell):
    code = _a_file(cell)
    with cell.store.engine.begin() as conn:  # what a newer khdesk would have stamped
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    future = backup.create_backup(cell, "manual")
    with cell.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (head_revision(),))
    candidates.update_identity(cell, code, {"notes": "dữ liệu hiện tại"})
    before = {b.id for b in backup.list_backups(cell.dir)}
    with pytest.raises(NewerDatabaseError, match="phiên bản khdesk mới hơn"):
        backup.restore_signed_in(cell, future.id, PASSWORD)
    assert _notes(cell, code) == "dữ liệu hiện tại" and _restores(cell) == 0
    assert {b.id for b in backup.list_backups(cell.dir)} == before
    cell.close()  # and the profile still opens afterwards
    open_profile(cell.dir.home, "CB07", "bithu", PASSWORD).close()


def test_a_backup_from_a_newer_version_is_refused_on_the_command_line_too(cell, tmp_path):
    """The not-signed-in restore (`khdesk backup restore`, which also serves a profile too
    damaged to open) refuses it the same way, before the live file is touched."""
    with cell.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    future = backup.create_backup(cell, "manual")
    with cell.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (head_revision(),))
    home = cell.dir.home
    cell.close()
    before = cell.dir.db_file.read_bytes()
    with pytest.raises(NewerDatabaseError, match="phiên bản khdesk mới hơn"):
        backup.restore_backup(home, "CB07", future.id, "bithu", PASSWORD)
    assert cell.dir.db_file.read_bytes() == before
    open_profile(home, "CB07", "bithu", PASSWORD).close()
