"""A profile's folder, its description, and the open session every service works on.

Kept free of SQLAlchemy on purpose: the desktop app's launch unlocks the profile and reads
its first screen through a bare SQLCipher connection (`open_profile(lazy_store=True)`,
`Session.reader()`), and builds the SQLAlchemy store on a thread once that screen shows —
importing SQLAlchemy alone takes longer than a bare Qt window takes to open. Everything
else (the command line, the tests) gets the store built before `open_profile` returns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from khdesk.core.clock import Clock, utc_now
from khdesk.core.domain.roles import Action, may
from khdesk.core.errors import AccessDenied, ProfileError, UsageError
from khdesk.core.fsutil import atomic_write_bytes, empty_folder
from khdesk.core.services import access
from khdesk.core.store import revision, sql, sqlcipher, swap
from khdesk.core.store.keyslots import KeySlots

if TYPE_CHECKING:
    from khdesk.core.store.store import Store, WriteTx

log = logging.getLogger(__name__)

ROLES = ("cell", "committee", "province")
ROLE_LABELS = {"cell": "Chi bộ", "committee": "Đảng ủy xã/phường/đặc khu", "province": "Tỉnh ủy"}


@dataclass
class ProfileInfo:
    name: str
    role: str
    org_code: str
    org_name: str
    parent_code: str | None
    profile_id: str
    created_at: str
    app_version: str
    # The province tier: a PostgreSQL URL (no user, no password) instead of khdesk.db, and
    # the server role that last signed in on this PC (offered first next time).
    db_url: str | None = None
    db_user: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def on_server(self) -> bool:
        return self.db_url is not None


class ProfileDir:
    def __init__(self, home: Path, name: str):
        self.home = Path(home)
        self.name = name
        self.path = self.home / "profiles" / name

    @property
    def info_file(self) -> Path:
        return self.path / "profile.json"

    @property
    def keys_file(self) -> Path:
        return self.path / "keys.json"

    @property
    def db_file(self) -> Path:
        return self.path / "khdesk.db"

    @property
    def backup_dir(self) -> Path:
        return self.path / "backups"

    @property
    def open_copies_dir(self) -> Path:
        """Where "Mở" puts the plaintext copy it hands to the desktop: private, emptied
        when the session closes and when the profile is next opened."""
        return self.path / "tep-mo-tam"

    @property
    def bundle_keys_file(self) -> Path:
        """The ids of the keys bundles to this station are sealed to (public, as on its
        key card): `bundle import` without --profile reads it to choose the profile."""
        return self.path / "bundle-keys.json"

    def exists(self) -> bool:
        return self.info_file.exists()

    def bundle_key_ids(self) -> frozenset[str]:
        """The key ids `remember_key_ids` wrote (none if never written, or unreadable):
        a hint that chooses which profile opens a bundle, never what it accepts."""
        try:
            data = json.loads(self.bundle_keys_file.read_text(encoding="utf-8"))
            return frozenset(k for k in data["key_ids"] if isinstance(k, str))
        except (OSError, ValueError, KeyError, TypeError):
            return frozenset()

    def remember_key_ids(self, conn: Any) -> None:
        """Write the station's own key ids (not revoked: a bundle sealed to a retired key
        may still be on its way) where `bundle_key_ids` reads them, if they changed."""
        rows = sql.fetch(conn, "SELECT key_id FROM sync_own_keys WHERE status <> ?", ("revoked",))
        ids = sorted(r[0] for r in rows)
        if sorted(self.bundle_key_ids()) == ids:  # unchanged (none yet: nothing to write)
            return
        data = json.dumps({"format": "khdesk-bundle-keys", "key_ids": ids}, indent=1)
        try:
            atomic_write_bytes(self.bundle_keys_file, data.encode("ascii"))
        except OSError as exc:  # a hint only: the import asks for --profile without it
            log.warning("could not write %s: %s", self.bundle_keys_file, exc)

    def read_info(self) -> ProfileInfo:
        try:
            data = json.loads(self.info_file.read_text(encoding="utf-8"))
            info = ProfileInfo(**data)
        except FileNotFoundError:
            raise ProfileError(f"Không có hồ sơ làm việc '{self.name}'.") from None
        except (ValueError, TypeError) as exc:
            raise ProfileError(f"Tệp mô tả hồ sơ '{self.name}' bị hỏng.") from exc
        if info.name != self.name:  # the name makes paths (settings): it is the folder's
            raise identity_refusal(replace(info, name=self.name), ["name"])
        return info

    def write_info(self, info: ProfileInfo) -> None:
        data = json.dumps(asdict(info), ensure_ascii=False, indent=1)
        atomic_write_bytes(self.info_file, data.encode("utf-8"), private=True)


def list_profiles(home: Path) -> list[ProfileInfo]:
    root = Path(home) / "profiles"
    if not root.is_dir():
        return []
    found = []
    for child in sorted(root.iterdir()):
        pdir = ProfileDir(home, child.name)
        if pdir.exists():
            found.append(pdir.read_info())
    return found


def resolve_profile_name(
    home: Path, name: str | None, file_code: str | None = None, *, committee: bool = False
) -> str:
    """The profile asked for, or the only one, or the one `file_code` names
    (`profile_for_file_code`; `committee` for a committee's step); otherwise a clear
    error listing them."""
    if name:
        if not ProfileDir(home, name).exists():
            here = ", ".join(p.name for p in list_profiles(home))
            what = f"các hồ sơ làm việc ở đây: {here}" if here else "chưa có hồ sơ làm việc nào"
            raise ProfileError(f"Không có hồ sơ làm việc '{name}' trong {home} ({what}).")
        return name
    profiles = list_profiles(home)
    if len(profiles) == 1:
        return profiles[0].name
    if not profiles:
        raise ProfileError(
            f"Chưa có hồ sơ làm việc nào trong {home}. Tạo bằng 'khdesk profile create' "
            "hoặc 'khdesk demo'."
        )
    holder = profile_for_file_code(profiles, file_code, committee=committee) if file_code else None
    if holder is not None:
        return holder.name
    names = ", ".join(p.name for p in profiles)
    raise UsageError(f"Có nhiều hồ sơ làm việc ({names}): chọn một bằng --profile.")


def profile_for_file_code(
    profiles: list[ProfileInfo], file_code: str, *, committee: bool = False
) -> ProfileInfo | None:
    """The profile that holds `file_code`, known without opening any profile, or None.

    A file code is its unit's code and a number (`X01-CB01-0007`: unit X01-CB01). The
    nearest profile up the unit's code holds it: the unit's own profile, else the one of
    the unit its code starts with (the committee X01 holds its cells' files). (A cell coded
    without its committee's prefix, CB05, has its own profile here or is not known here:
    profile.json's `parent_code` describes a profile's own unit, not others'.) Opening the
    profiles to look instead would cost a key derivation each (scrypt) and need each one's
    password, which may differ. None when no profile is on the path or the nearest unit
    has two profiles: the caller then asks for --profile. profile.json only chooses which
    profile to open; opening checks it against the encrypted data. `committee`: the step
    to record is the committee's (A9, A10, P4, P5), so the cell's own profile is passed
    over for the committee that holds its files.
    """
    unit, _, number = file_code.strip().upper().rpartition("-")
    if not unit or not number.isascii() or not number.isdigit():
        return None
    while unit:
        holders = [
            p
            for p in profiles
            if p.org_code.upper() == unit and not (committee and p.role == "cell")
        ]
        if holders:
            return holders[0] if len(holders) == 1 else None
        unit = unit.rpartition("-")[0]
    return None


# Who the station is, as its encrypted database says (profiles._first_rows).
IDENTITY_KEYS = ("profile_id", "role", "org_code")


def identity_refusal(info: ProfileInfo, fields: list[str]) -> ProfileError:
    return ProfileError(
        f"Tệp mô tả hồ sơ (profile.json) của '{info.name}' không khớp với dữ liệu đã mã hóa "
        f"({', '.join(fields)}): tệp này có thể đã bị sửa, nên hồ sơ không được mở. Hãy lấy "
        "lại profile.json đúng từ bản sao lưu, hoặc báo cán bộ kỹ thuật."
    )


def check_identity(conn: Any, info: ProfileInfo) -> None:
    """Refuse a profile.json that says the station is someone else. It is plain JSON any
    user of the PC can edit, and the role and unit it names decide what the app lets the
    station record (a cell made a committee would record its own admission decisions)."""
    keys = ", ".join(f"'{k}'" for k in IDENTITY_KEYS)
    stored = dict(sql.fetch(conn, f"SELECT key, value FROM meta WHERE key IN ({keys})"))
    wrong = [k for k in IDENTITY_KEYS if k in stored and stored[k] != getattr(info, k)]
    if wrong:
        raise identity_refusal(info, wrong)


def default_user(pdir: ProfileDir) -> str:
    info = pdir.read_info()
    if info.on_server:
        if not info.db_user:
            raise UsageError("Cần tên người dùng (--user): tài khoản của mình trên máy chủ.")
        return info.db_user
    users = KeySlots.load(pdir.keys_file).users()
    if not users:
        raise ProfileError("Hồ sơ không còn người dùng nào.")
    return users[0]


def user_role(conn: Any, user: str) -> str:
    """The user's role in this profile; refuses a user removed from it."""
    rows = sql.fetch(conn, "SELECT role, active FROM users WHERE name = ?", (user,))
    if not rows or not rows[0][1]:
        raise AccessDenied(f"Người dùng '{user}' không còn quyền vào hồ sơ này.")
    return rows[0][0]


def audit_unlock(
    tx: WriteTx,
    info: ProfileInfo,
    failures: list,
    takeover: str | None = None,
    *,
    unlock: bool = True,
) -> None:
    """The audit entries of a successful unlock: the wrong passwords before it, a stale
    in-use lock taken over (or a killed operation finished), the unlock itself (not
    when the caller audits its own way in, e.g. the recovery key)."""
    for at, who in failures:
        tx.audit("unlock_failed", "profile", info.name, at=at, user=who)
    if takeover:
        tx.audit("lock_takeover", "profile", info.name, note=takeover)
    if unlock:
        tx.audit("unlock", "profile", info.name)


TAKE_OUT_REFUSED = (
    "Người dùng chỉ xem không được đưa dữ liệu ra khỏi máy (xuất tệp, lưu bản sao, lưu "
    "biểu mẫu hay báo cáo ra tệp) khi chủ hồ sơ chưa cho phép."
)


class Session:
    """An unlocked profile: what every service works on.

    `store` (SQLAlchemy) is built on first use when the session was opened with
    `lazy_store=True`; until then `reader()` reads through the unlock's own connection.
    Building it also writes the unlock's audit entries."""

    def __init__(
        self,
        dir: ProfileDir,
        info: ProfileInfo,
        store: Store | None,
        user: str,
        user_role: str,
        db_key: bytes | None,  # None on PostgreSQL: the server signs users in
        holds_lock: bool = False,  # this session took the profile's in-use lock
        clock: Clock = utc_now,
    ):
        self.dir = dir
        self.info = info
        self._store = store
        self.user = user
        self.user_role = user_role
        self.db_key = db_key
        self.holds_lock = holds_lock
        self.clock = clock
        self._quick: Any = None  # the unlock's bare SQLCipher connection, until the store
        self._quick_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._unlock_audit: tuple[list, str | None] | None = None

    def __repr__(self) -> str:  # never the key
        return f"Session({self.info.name!r}, user={self.user!r}, role={self.user_role!r})"

    @property
    def org_code(self) -> str:
        return self.info.org_code

    @property
    def on_server(self) -> bool:
        return self.info.on_server

    @property
    def store(self) -> Store:
        if self._store is None:
            self.build_store()
        assert self._store is not None
        return self._store

    @property
    def store_ready(self) -> bool:
        return self._store is not None

    def build_store(self) -> None:
        """Open the SQLAlchemy store (upgrading an older schema, with its backup first)
        and write the unlock's audit entries. Safe to call from any thread, and twice."""
        with self._build_lock:
            if self._store is not None:
                return
            assert self.db_key is not None
            store = open_store(self.dir, self.info, self.db_key, self.clock)
            try:
                if not self.user_role:
                    with store.read() as conn:
                        self.user_role = user_role(conn, self.user)
                if self._unlock_audit is not None:
                    with store.write(self.user, changes=False) as tx:
                        audit_unlock(tx, self.info, *self._unlock_audit)
                    self._unlock_audit = None
                with store.read() as conn:
                    self.dir.remember_key_ids(conn)
            except BaseException:
                store.dispose()
                raise
            self._store = store
        self._close_quick()

    @contextlib.contextmanager
    def reader(self) -> Iterator[Any]:
        """A connection for the plain-SQL reads (khdesk.core.store.sql), inside one read
        transaction: the unlock's connection while the store is not built, else a
        connection of the store."""
        if self._store is None and self._quick is not None:
            with self._quick_lock:
                conn = self._quick
                if conn is not None:
                    conn.execute("BEGIN")
                    try:
                        yield conn
                    finally:
                        conn.execute("ROLLBACK")
                    return
        with self.store.read() as conn:
            yield conn

    def _close_quick(self) -> None:
        with self._quick_lock:
            conn, self._quick = self._quick, None
        if conn is not None:
            conn.close()

    def close_connections(self) -> None:
        """Close every connection to the database file (before its file is swapped); the
        store reconnects on next use."""
        self._close_quick()
        if self._store is not None:
            self._store.dispose()

    def close(self) -> None:
        try:
            if self._store is None and self._unlock_audit is not None:
                self.build_store()  # the unlock's audit entries are never dropped
        except Exception:  # noqa: BLE001 - closing must go on; the log keeps why
            log.exception("could not write the unlock's audit entries")
        finally:
            self._close_quick()
            if self._store is not None:
                self._store.dispose()
            empty_folder(self.dir.open_copies_dir)  # no plaintext scan outlives the session
            if self.holds_lock:
                self.holds_lock = False
                access.release_lock(self.dir.path)

    def may(self, action: Action) -> bool:
        """Whether this user's role allows `action` (domain/roles.py)."""
        return may(self.user_role, action)

    def require(self, action: Action) -> None:
        if not self.may(action):
            raise AccessDenied("Người dùng này không có quyền làm việc này.")

    def may_take_out(self) -> bool:
        """Whether this user may take data out of the PC: a role that may, and a viewer
        the owner has granted it (domain/roles.py)."""
        if self.may(Action.TAKE_OUT):
            return True
        with self.reader() as conn:
            rows = sql.fetch(conn, "SELECT may_take_out FROM users WHERE name = ?", (self.user,))
        return bool(rows and rows[0][0])

    def require_take_out(self) -> None:
        """Refuse taking data out of the PC (an export, a saved scan, a form or report
        written to a file) to a viewer the owner has not granted it."""
        if not self.may_take_out():
            raise AccessDenied(TAKE_OUT_REFUSED)

    def require_local(self, what: str) -> None:
        """Refuse a desktop-only operation on a PostgreSQL profile, saying what to use."""
        if self.on_server:
            raise UsageError(
                f"{what}: không áp dụng cho hồ sơ trên máy chủ PostgreSQL (cấp tỉnh). Việc "
                "sao lưu, phục hồi và bảo vệ dữ liệu do quản trị máy chủ làm (pg_dump, mã hóa "
                "ổ đĩa máy chủ) — xem README, phần Tỉnh ủy."
            )


def open_profile(
    home: Path,
    name: str | None,
    user: str | None,
    password: str,
    clock: Clock = utc_now,
    *,
    lazy_store: bool = False,
) -> Session:
    """Unlock a profile: one key derivation, then SQLCipher with the raw key (on a
    PostgreSQL profile: sign in to the server as the user's own role).

    With `lazy_store` (the app's launch) a database already at this version's schema is
    read through a bare connection and the store is built later (`Session.build_store`)."""
    pdir = ProfileDir(home, resolve_profile_name(home, name))
    info = pdir.read_info()
    if info.on_server and (pdir.keys_file.exists() or pdir.db_file.exists()):
        # A local profile "moved" to a server by editing profile.json: the password
        # would go to whatever host the file names.
        raise identity_refusal(info, ["db_url"])
    if info.on_server:
        return open_on_server(pdir, info, user or default_user(pdir), password, clock)
    user = user or default_user(pdir)
    takeover = enter(pdir, user, clock)
    session = None
    try:
        db_key, failures = unlock_slot(pdir, user, password, clock)
        session = Session(pdir, info, None, user, "", db_key, holds_lock=True, clock=clock)
        session._unlock_audit = (failures, takeover)
        if lazy_store:
            conn = sqlcipher.connect(pdir.db_file, db_key)
            session._quick = conn
            check_identity(conn, info)
            if revision.stored_revision(conn) == revision.head_from_files():
                session.user_role = user_role(conn, user)
        if not session.user_role:
            session.build_store()  # an older schema is upgraded there, backed up first
    except BaseException:
        if session is not None:
            session._close_quick()
        access.release_lock(pdir.path)
        raise
    return session


def enter(pdir: ProfileDir, user: str, clock: Clock) -> str | None:
    """Take the profile's in-use lock, then finish what a killed process left: a rekey
    completed or undone (store/swap.py), a restore's or a backup's temporary files
    deleted, the copies of scans it opened removed. Returns a note for the audit (a stale
    lock taken over, a rekey finished). Release the lock (access.release_lock) when done."""
    already = access.holds_lock(pdir.path)  # this process's other window: it is busy
    notes = [access.acquire_lock(pdir.path, user, clock())]
    try:
        if not already:
            notes.append(swap.finish_pending(pdir.path))
            if swap.remove_leftovers(pdir.path, pdir.backup_dir):
                notes.append("đã xóa tệp tạm của một lần khôi phục/sao lưu bị ngắt giữa chừng")
            empty_folder(pdir.open_copies_dir)  # scans a crashed session left open
    except BaseException:
        access.release_lock(pdir.path)
        raise
    return "; ".join(n for n in notes if n) or None


def unlock_slot(
    pdir: ProfileDir, user: str, password: str, clock: Clock
) -> tuple[bytes, list[list[str]]]:
    """The database key from the user's slot, under the wrong-password delay (counted per
    user); a slot still in the old format is converted and saved (call under the lock).
    Returns the key and the earlier failures, for the audit."""
    slots = KeySlots.load(pdir.keys_file)
    known = user in slots.users()
    db_key, failures = access.check_password_attempt(
        pdir.path, user, clock, lambda: slots.unlock(user, password), known=known
    )
    if slots.upgraded:
        slots.save(pdir.keys_file)
    return db_key, failures


# -- screen settings (column choice, auto-lock, text size): not personal data, kept in
# plain JSON beside the profile (per profile) or in the data directory (this PC) --

SETTINGS_FILE = "settings.json"


def settings_path(home: Path, profile: str | None = None) -> Path:
    base = Path(home) if profile is None else ProfileDir(home, profile).path
    return base / SETTINGS_FILE


def load_settings(path: Path) -> dict:
    """The saved settings, or {} when none or unreadable (settings never block a start)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_settings(path: Path, **changes) -> dict:
    """Merge `changes` into the settings file (atomic write); returns the new settings."""
    data = load_settings(path)
    data.update(changes)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    atomic_write_bytes(Path(path), text.encode("utf-8"))
    return data


# -- opening the SQLAlchemy store (its imports inside the functions: start-up time, see
# the module's doc) --


def server_engine(url: str, user: str, password: str):
    """Sign in to the server as `user`; wrong password and the like as our errors."""
    # SQLAlchemy and the store load after the app's first page shows (tests/ui/test_launch.py)
    from sqlalchemy.exc import OperationalError

    from khdesk.core.store import postgres

    engine = postgres.open_postgres(url, user, password)
    try:
        with engine.connect() as conn:
            postgres.check_server(conn)
    except OperationalError as exc:
        engine.dispose()
        log.warning("cannot connect to %s as %s: %s", postgres.clean_url(url), user, exc.orig)
        raise postgres.connect_error(exc, url, user) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_on_server(pdir: ProfileDir, info: ProfileInfo, user: str, password: str, clock):
    """Sign in to a PostgreSQL profile as the user's own server role (open_profile
    comes here for a server profile)."""
    # SQLAlchemy and the store load after the app's first page shows (tests/ui/test_launch.py)
    from khdesk.core.store import postgres
    from khdesk.core.store.migrate import ensure_schema
    from khdesk.core.store.store import Store

    user = postgres.check_role_name(user)
    engine, failures = access.check_password_attempt(
        pdir.path, user, clock, lambda: server_engine(info.db_url, user, password)
    )
    try:
        ensure_schema(engine, None, None)
        with engine.connect() as conn:
            check_identity(conn, info)
        store = Store(engine, info.org_code, clock)
        role = store_user_role(store, user)
        with store.write(user, changes=False) as tx:
            audit_unlock(tx, info, failures)
    except BaseException:
        engine.dispose()
        raise
    if info.db_user != user:
        info.db_user = user
        pdir.write_info(info)
    return Session(pdir, info, store, user, role, None)


def open_store(pdir: ProfileDir, info: ProfileInfo, db_key: bytes, clock: Clock) -> Store:
    """The SQLAlchemy store over a profile's SQLCipher file, its schema brought to this
    version (an older one upgraded, backed up first)."""
    # SQLAlchemy and the store load after the app's first page shows (tests/ui/test_launch.py)
    from khdesk.core.store.engine import check_open, open_sqlcipher
    from khdesk.core.store.migrate import ensure_schema
    from khdesk.core.store.store import Store

    engine = open_sqlcipher(pdir.db_file, db_key)
    try:
        check_open(engine)
        with engine.connect() as conn:  # before an upgrade touches the file
            check_identity(conn, info)
        ensure_schema(engine, pdir.db_file, pdir.backup_dir)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, info.org_code, clock)


def store_user_role(store: Store, user: str) -> str:
    with store.read() as conn:
        return user_role(conn, user)
