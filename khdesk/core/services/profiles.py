"""Profiles: one encrypted database per station (a cell, a commune committee, the province),
several side by side in one data directory, each with its users and a recovery key.
This module makes them and manages their users and keys; opening one (`open_profile`,
`Session`, `ProfileDir`, the settings file) lives in services/session.py, imported from there.

Layout of a data directory:

    <home>/profiles/<name>/profile.json   role, org code and name (nothing personal)
    <home>/profiles/<name>/keys.json      key slots (keyslots.py)
    <home>/profiles/<name>/khdesk.db      the SQLCipher database (+ -wal, -shm)
    <home>/profiles/<name>/bundle-keys.json  the ids of its public keys (which profile a
                                          bundle is sealed to; rewritten on each opening)
    <home>/profiles/<name>/backups/       encrypted copies
    <home>/logs/khdesk.log
"""

from __future__ import annotations

import logging
import re
import shutil
import uuid
from pathlib import Path

from sqlalchemy import inspect, select, update

from khdesk import __version__
from khdesk.core.domain.roles import ROLES as USER_ROLES
from khdesk.core.domain.roles import Action, may
from khdesk.core.errors import AccessDenied, InputError, ProfileError, UsageError
from khdesk.core.fsutil import safe_file_name
from khdesk.core.services import access, rekey
from khdesk.core.services.session import (
    ROLES,
    ProfileDir,
    ProfileInfo,
    Session,
    audit_unlock,
    enter,
    open_store,
    resolve_profile_name,
    server_engine,
    store_user_role,
)
from khdesk.core.store import postgres
from khdesk.core.store import schema as t
from khdesk.core.store.engine import open_sqlcipher
from khdesk.core.store.keyslots import RECOVERY_SLOT, KeySlots, new_database_key
from khdesk.core.store.migrate import ensure_schema
from khdesk.core.store.store import Clock, Store, iso, set_meta, utc_now
from khdesk.core.sync.keys import create_station_keys
from khdesk.core.text import clean_text, unit_code_problem

log = logging.getLogger(__name__)
USER_ROLE_LABELS = {
    "owner": "Chủ hồ sơ",
    "secretary": "Bí thư",
    "deputy": "Phó bí thư / cán bộ",
    "viewer": "Chỉ xem",
}
ORG_KIND_BY_ROLE = {"cell": "Chi bộ khác", "committee": "Đảng ủy xã", "province": "Tỉnh ủy"}
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 6


def check_profile_name(name: object) -> str:
    """A profile's name is its folder's name: one plain component on every system (a
    name read from a backup file is data, never a path; no "CON" or "a." on Windows)."""
    if not isinstance(name, str) or not _NAME_OK.fullmatch(name) or safe_file_name(name) != name:
        raise UsageError(
            f"Tên hồ sơ '{str(name)[:64]!s}' không hợp lệ: chỉ dùng chữ không dấu, số, '-', "
            "'_' hoặc '.'."
        )
    return name


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


def create_profile(
    home: Path,
    *,
    role: str,
    org_code: str,
    org_name: str,
    user: str,
    password: str,
    parent_code: str | None = None,
    name: str | None = None,
    clock: Clock = utc_now,
    kdf: dict | None = None,
    db_url: str | None = None,
) -> tuple[Session, str | None]:
    """Create a profile; returns the open session and the recovery key (shown once).
    With `db_url` the profile lives on a PostgreSQL server (the province; no recovery
    key: the server's administrator resets passwords)."""
    if db_url is not None:
        return _create_on_server(
            home,
            role=role,
            org_code=org_code,
            org_name=org_name,
            user=user,
            password=password,
            parent_code=parent_code,
            name=name,
            clock=clock,
            db_url=db_url,
        )
    info = _new_info(role, org_code, org_name, parent_code, name, clock)
    check_password_strength(password)
    pdir = ProfileDir(home, info.name)
    if pdir.path.exists() and any(pdir.path.iterdir()):
        raise ProfileError(f"Hồ sơ làm việc '{info.name}' đã có.")
    db_key = new_database_key()
    slots = KeySlots(profile_id=info.profile_id)
    slots.set_password(user, password, db_key, kdf)
    recovery = slots.set_recovery(db_key)
    pdir.path.mkdir(parents=True, exist_ok=True)
    try:
        engine = open_sqlcipher(pdir.db_file, db_key)
        ensure_schema(engine, None, None)
        store = Store(engine, info.org_code, clock)
        _first_rows(store, info, user)
        # Written last: a profile without keys.json and profile.json is not listed.
        slots.save(pdir.keys_file)
        pdir.write_info(info)
    except BaseException:
        shutil.rmtree(pdir.path, ignore_errors=True)
        raise
    return Session(pdir, info, store, user, "owner", db_key), recovery


def _new_info(
    role: str, org_code: str, org_name: str, parent_code, name, clock: Clock
) -> ProfileInfo:
    if role not in ROLES:
        raise UsageError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    org_code = (clean_text(org_code, "Mã đơn vị") or "").upper()
    if problem := unit_code_problem(org_code):
        raise UsageError(problem)
    org_name = clean_text(org_name, "Tên đơn vị") or ""
    name = check_profile_name(name or org_code)
    if not org_name:
        raise UsageError("Cần tên đơn vị (--org-name).")
    return ProfileInfo(
        name=name,
        role=role,
        org_code=org_code,
        org_name=org_name,
        parent_code=(clean_text(parent_code, "Mã đơn vị cấp trên") or "").upper() or None,
        profile_id=str(uuid.uuid4()),
        created_at=iso(clock()),
        app_version=__version__,
    )


def _first_rows(store: Store, info: ProfileInfo, user: str) -> None:
    """What every new profile's database starts with: who it is, its first user (the
    owner), its organisation, its station keys, the first audit entry."""
    with store.write(user) as tx:
        set_meta(tx.conn, "profile_id", info.profile_id)
        set_meta(tx.conn, "role", info.role)
        set_meta(tx.conn, "org_code", info.org_code)
        set_meta(tx.conn, "created_by_version", __version__)
        tx.conn.execute(
            t.users.insert().values(name=user, role="owner", active=True, created_at=tx.now)
        )
        tx.conn.execute(
            t.orgs.insert().values(
                **tx.new_record(),
                code=info.org_code,
                name=info.org_name,
                parent_code=info.parent_code,
                kind=ORG_KIND_BY_ROLE[info.role],
                self_managed=True if info.role == "cell" else None,
            )
        )
        # The station's signing and encryption keys, kept in its (encrypted) database.
        create_station_keys(tx.conn, tx.now)
        tx.audit("profile_create", "profile", info.name, role=info.role, org_code=info.org_code)


# -- the province tier: a profile on a PostgreSQL server --


def _create_on_server(
    home: Path,
    *,
    role: str,
    org_code: str,
    org_name: str,
    user: str | None,
    password: str,
    parent_code: str | None,
    name: str | None,
    clock: Clock,
    db_url: str,
) -> tuple[Session, None]:
    """A new province database on the server, or this PC joined to an existing one (each
    staff member's PC runs the same command, signing in as their own role)."""
    info = _new_info(role, org_code, org_name, parent_code, name, clock)
    user = postgres.check_role_name(user or postgres.url_user(db_url) or "")
    info.db_url = postgres.clean_url(db_url)
    info.db_user = user
    pdir = ProfileDir(home, info.name)
    if pdir.path.exists() and any(pdir.path.iterdir()):
        raise ProfileError(f"Hồ sơ làm việc '{info.name}' đã có.")
    engine = server_engine(db_url, user, password)
    try:
        store = Store(engine, info.org_code, clock)
        with store.read() as conn:
            existing = _server_profile(conn)
        if existing is None:
            ensure_schema(engine, None, None)
            _first_rows(store, info, user)
        else:
            if existing["org_code"] != info.org_code or existing["role"] != role:
                raise ProfileError(
                    f"Cơ sở dữ liệu này đã là hồ sơ {existing['role']} {existing['org_code']}, "
                    f"không phải {role} {info.org_code}."
                )
            ensure_schema(engine, None, None)
            info.profile_id = existing["profile_id"]
            store_user_role(store, user)  # a staff member the owner has added
            with store.write(user, changes=False) as tx:
                tx.audit("profile_attach", "profile", info.name, pc_profile=info.name)
        pdir.path.mkdir(parents=True, exist_ok=True)
        pdir.write_info(info)
    except BaseException:
        engine.dispose()
        shutil.rmtree(pdir.path, ignore_errors=True)
        raise
    return Session(pdir, info, store, user, store_user_role(store, user), None), None


def _server_profile(conn) -> dict | None:
    """The profile a server database already holds (None: an empty database)."""
    if not inspect(conn).has_table("meta"):
        return None
    rows = dict(conn.execute(select(t.meta.c.key, t.meta.c.value)).all())
    if "profile_id" not in rows:
        return None
    return {k: rows.get(k) for k in ("profile_id", "role", "org_code")}


# -- users --


def list_users(session: Session) -> list[dict]:
    with session.store.read() as conn:
        rows = conn.execute(select(t.users).order_by(t.users.c.id)).mappings().all()
    return [
        {
            "name": r["name"],
            "role": r["role"],
            "active": bool(r["active"]),
            "may_take_out": may(r["role"], Action.TAKE_OUT) or bool(r["may_take_out"]),
        }
        for r in rows
        if r["active"]
    ]


def check_new_user(session: Session, name: str) -> None:
    """What refuses a new user's name, asked before any side effect (a hand-over makes
    its backup only once the new name is known to be good)."""
    if not _NAME_OK.fullmatch(name or ""):  # match() would let a trailing newline through
        raise UsageError("Tên người dùng chỉ gồm chữ không dấu, số, '-', '_' hoặc '.'.")
    with session.store.read() as conn:
        taken = conn.execute(
            select(t.users.c.id).where(t.users.c.name == name, t.users.c.active.is_(True))
        ).first()
    if taken is not None:
        raise InputError(f"Người dùng '{name}' đã có.")


def add_user(session: Session, name: str, password: str, role: str = "secretary") -> None:
    session.require(Action.MANAGE_USERS)
    if role not in USER_ROLES:
        raise UsageError(f"Vai trò người dùng phải là một trong: {', '.join(USER_ROLES)}.")
    check_new_user(session, name)
    check_password_strength(password)
    if session.on_server:
        _add_server_user(session, name, password, role)
        return
    slots = KeySlots.load(session.dir.keys_file)
    if name in slots.users():
        raise InputError(f"Người dùng '{name}' đã có.")
    with session.store.write(session.user) as tx:
        existing = tx.conn.execute(select(t.users.c.id).where(t.users.c.name == name)).scalar()
        if existing:
            tx.conn.execute(
                update(t.users).where(t.users.c.id == existing).values(role=role, active=True)
            )
        else:
            tx.conn.execute(
                t.users.insert().values(name=name, role=role, active=True, created_at=tx.now)
            )
        tx.audit("user_add", "user", name, role=role)
        # The slot file is written inside the transaction: if it fails, the user row goes too.
        slots.set_password(name, password, session.db_key)
        slots.save(session.dir.keys_file)


def _add_server_user(session: Session, name: str, password: str, role: str) -> None:
    """A staff member on the province server: their own PostgreSQL role (member of the
    staff group), and the app's user row giving their role in the app."""
    with session.store.write(session.user) as tx:
        row = tx.conn.execute(
            select(t.users.c.id, t.users.c.active).where(t.users.c.name == name)
        ).first()
        if row is not None and row.active:
            raise InputError(f"Người dùng '{name}' đã có.")
        if row is not None:
            tx.conn.execute(
                update(t.users).where(t.users.c.id == row.id).values(role=role, active=True)
            )
        else:
            tx.conn.execute(
                t.users.insert().values(name=name, role=role, active=True, created_at=tx.now)
            )
        tx.audit("user_add", "user", name, role=role)
        # Inside the transaction: a refused role creation takes the user row back too.
        postgres.create_staff_login(tx.conn, name, password)


def remove_user(session: Session, name: str) -> rekey.RekeyResult | None:
    """Take a user's access away (on a local profile with a new database key, see
    rekey.py; on a server by disabling their login). Returns what the rekey reports."""
    session.require(Action.MANAGE_USERS)
    if name == session.user:
        raise InputError("Không thể tự xóa người dùng đang đăng nhập.")
    if session.on_server:
        with session.store.write(session.user) as tx:
            done = tx.conn.execute(
                update(t.users)
                .where(t.users.c.name == name, t.users.c.active.is_(True))
                .values(active=False)
            )
            if not done.rowcount:
                raise InputError(f"Không có người dùng '{name}'.")
            postgres.disable_login(tx.conn, name)
            tx.audit("user_remove", "user", name)
        return None
    if name not in KeySlots.load(session.dir.keys_file).users():
        raise InputError(f"Không có người dùng '{name}'.")

    def change(tx) -> None:
        tx.conn.execute(update(t.users).where(t.users.c.name == name).values(active=False))
        tx.audit("user_remove", "user", name)

    # A new database key: a copy of keys.json kept by the removed user opens nothing now.
    return rekey.rekey(session, "user_remove", change, drop=[name])


def new_recovery_key(session: Session) -> rekey.RekeyResult:
    """Replace the recovery key (the printed one was lost or seen by someone): a new
    database key too, so the old key with an old keys.json opens nothing current. The
    new recovery key is in the result, to be shown once."""
    session.require(Action.MANAGE_USERS)

    def change(tx) -> None:
        tx.audit("recovery_key_new", "profile", session.info.name, reason="reset")

    return rekey.rekey(session, "recovery_key_new", change, new_recovery=True)


def change_password(session: Session, name: str, new_password: str) -> None:
    if name != session.user:
        session.require(Action.MANAGE_USERS)
    check_password_strength(new_password)
    if session.on_server:
        with session.store.write(session.user) as tx:
            tx.audit("user_passwd", "user", name)
            postgres.set_login_password(tx.conn, name, new_password)
        return
    with session.store.read() as conn:
        # An active user, with a slot or without one (it could not follow a rekey).
        active = conn.execute(select(t.users.c.active).where(t.users.c.name == name)).scalar()
    if not active:
        raise InputError(f"Không có người dùng '{name}'.")

    def change(tx) -> None:
        tx.audit("user_passwd", "user", name)

    # A new database key too: a kept copy of keys.json with the old password opens
    # nothing current (rekey.py) — unless that would cost someone their access.
    passwords = {name: new_password}
    if rekey.rekey(
        session, "user_passwd", change, passwords=passwords, unless_someone_is_lost=True
    ):
        return
    slots = KeySlots.load(session.dir.keys_file)
    with session.store.write(session.user) as tx:
        change(tx)
        slots.set_password(name, new_password, session.db_key)
        slots.save(session.dir.keys_file)


def grant_take_out(session: Session, name: str, allowed: bool) -> None:
    """The owner lets a viewer take data out of the PC (exports, saved scans, forms and
    reports written to files), or takes that back (roles.py). Audited."""
    session.require(Action.MANAGE_USERS)
    with session.store.write(session.user, changes=False) as tx:
        row = tx.conn.execute(
            select(t.users.c.role).where(t.users.c.name == name, t.users.c.active.is_(True))
        ).first()
        if row is None:
            raise InputError(f"Không có người dùng '{name}'.")
        if may(row.role, Action.TAKE_OUT):  # a grant is only for a role that may not
            label = USER_ROLE_LABELS.get(row.role, row.role)
            raise InputError(
                f"'{name}' có vai trò {label}: vai trò này đã được đưa dữ liệu ra theo quyền "
                "của nó; chỉ người dùng Chỉ xem mới cần chủ hồ sơ cho phép."
            )
        tx.conn.execute(
            update(t.users).where(t.users.c.name == name).values(may_take_out=bool(allowed))
        )
        tx.audit("user_grant", "user", name, take_out=bool(allowed))


def recover(
    home: Path, name: str | None, user: str, recovery_key: str, new_password: str
) -> Session:
    """Set a new password for `user` with the recovery key (the password was forgotten)."""
    pdir = ProfileDir(home, resolve_profile_name(home, name))
    if pdir.read_info().on_server:
        raise UsageError(
            "Hồ sơ trên máy chủ PostgreSQL không có khóa khôi phục: chủ hồ sơ đặt lại mật "
            "khẩu (khdesk user passwd) hoặc quản trị máy chủ làm việc đó."
        )
    check_password_strength(new_password)
    info = pdir.read_info()
    takeover = enter(pdir, user, utc_now)
    store = None
    try:
        slots = KeySlots.load(pdir.keys_file)
        if user not in slots.users():
            raise InputError(f"Không có người dùng '{user}'.")
        db_key, failures = access.check_password_attempt(
            pdir.path,
            RECOVERY_SLOT,
            utc_now,
            lambda: slots.unlock_with_recovery(recovery_key),
        )
        store = open_store(pdir, info, db_key, utc_now)
        role = store_user_role(store, user)
        with store.write(user) as tx:
            audit_unlock(tx, info, failures, takeover, unlock=False)
            tx.audit("user_recover", "user", user)
            slots.set_password(user, new_password, db_key)
            slots.save(pdir.keys_file)
    except BaseException:
        if store is not None:
            store.dispose()
        access.release_lock(pdir.path)
        raise
    return Session(pdir, info, store, user, role, db_key, holds_lock=True)


def verify_password(session: Session, password: str) -> None:
    """Check the signed-in user's password against their key slot (unlocking a locked
    screen): it must unwrap this very database key (on a server: sign in there again).
    Raises AccessDenied when wrong."""
    if session.on_server:

        def attempt() -> None:
            server_engine(session.info.db_url, session.user, password).dispose()

    else:
        slots = KeySlots.load(session.dir.keys_file)

        def attempt() -> None:
            if slots.unlock(session.user, password) != session.db_key:
                raise AccessDenied("Mật khẩu không đúng.")

    _, failures = access.check_password_attempt(
        session.dir.path, session.user, session.store.clock, attempt
    )
    with session.store.write(session.user, changes=False) as tx:
        audit_unlock(tx, session.info, failures)
