"""Encrypted backups of a profile: by hand, daily, and before every risky operation;
rotated; restorable — and a restore can itself be undone.

A backup is one `.khbak` file, a zip holding
    manifest.json   what, when, which profile, schema revision, app version, db hash
    profile.json    the profile's role and organisation (nothing personal)
    keys.json       the key slots: the database key wrapped under each user's password
    khdesk.db       an SQLCipher copy made with SQLite's online backup API
so it can be restored on another PC with a password of the profile, and read by no one
without one. Backups sit in `<profile>/backups/` and, optionally, in a chosen folder
(a USB stick).

A restore first copies the current database aside (even a damaged one, byte for byte),
then swaps the files, then starts a new sync epoch so the committee is told, not alarmed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import sqlcipher3

from khdesk import __version__
from khdesk.core.clock import is_iso
from khdesk.core.domain.roles import Action, may
from khdesk.core.errors import (
    AccessDenied,
    InputError,
    NewerDatabaseError,
    ProfileError,
    UsageError,
)
from khdesk.core.fsutil import atomic_write
from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress, step
from khdesk.core.services import access, profiles
from khdesk.core.services.session import (
    ProfileDir,
    ProfileInfo,
    Session,
    audit_unlock,
    default_user,
    enter,
    open_store,
    resolve_profile_name,
    store_user_role,
    unlock_slot,
)
from khdesk.core.store import revision, sqlcipher, swap
from khdesk.core.store.engine import SCHEMA_OBJECTS, foreign_objects
from khdesk.core.store.keyslots import KeySlots
from khdesk.core.store.migrate import current_revision, known_revisions
from khdesk.core.store.store import Clock, iso, utc_now
from khdesk.core.sync import outbox
from khdesk.core.text import clean_text, forbidden_char_problem

log = logging.getLogger(__name__)

SUFFIX = ".khbak"
FORMAT = "khdesk-backup/1"
VIETNAM = timezone(timedelta(hours=7))  # no daylight saving: a fixed offset is exact

KIND_LABELS = {
    "manual": "Tạo thủ công",
    "daily": "Tự động hằng ngày",
    "before-import": "Trước khi nhập Excel",
    "before-bundle": "Trước khi nhận gói đồng bộ",
    "before-migration": "Trước khi nâng cấp",
    "before-restore": "Trước khi khôi phục",
    "before-retention": "Trước khi lưu trữ/xóa hồ sơ cũ",
}
# Rotation (grandfather-father-son) for the automatic daily backups.
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
# Backups taken before an operation: the newest few of each kind.
KEEP_BEFORE = 10


@dataclass(frozen=True)
class BackupInfo:
    id: str
    path: Path
    kind: str
    created_at: str  # ISO UTC
    profile_id: str
    org_code: str
    schema: str | None
    app_version: str
    size: int
    note: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def local_time(self) -> datetime:
        return datetime.fromisoformat(self.created_at).astimezone(VIETNAM)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "created_at": self.created_at,
            "org_code": self.org_code,
            "schema": self.schema,
            "app_version": self.app_version,
            "size": self.size,
            "note": self.note,
            "path": str(self.path),
        }


# -- making one --


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_database(session: Session, target: Path) -> None:
    """A consistent encrypted copy while the profile stays open (online backup API)."""
    assert session.db_key is not None
    with session.store.engine.connect() as conn:
        swap.copy_encrypted(conn.connection.dbapi_connection, target, session.db_key)


def _new_id(folder: Path, moment: datetime, kind: str) -> str:
    base = f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{kind}"
    name, n = base, 1
    while (folder / f"{name}{SUFFIX}").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _write_backup(
    target: Path,
    pdir: ProfileDir,
    db_copy: Path,
    backup_id: str,
    kind: str,
    moment: datetime,
    schema: str | None,
    note: str,
) -> None:
    """The .khbak file: manifest, profile and key slots beside the database copy."""
    info = pdir.read_info()
    manifest = {
        "format": FORMAT,
        "id": backup_id,
        "kind": kind,
        "created_at": iso(moment),
        "profile_id": info.profile_id,
        "profile_name": pdir.name,
        "org_code": info.org_code,
        "schema": schema,
        "app_version": __version__,
        "db_sha256": _sha256_file(db_copy),
        "note": note,
    }

    def write(f) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
            z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            z.write(pdir.info_file, "profile.json")
            z.write(pdir.keys_file, "keys.json")
            z.write(db_copy, "khdesk.db")

    atomic_write(target, write, private=True)


def create_backup(
    session: Session,
    kind: str = "manual",
    *,
    note: str = "",
    also_to: Path | None = None,
    rotate: bool = True,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> BackupInfo | None:
    """Write a backup into the profile's backups folder (and a copy into `also_to`),
    read it back to check it, rotate the old ones. Returns what was written.
    A cancel is heeded until the backup file is in place (then nothing is left)."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown backup kind {kind}")
    note = clean_text(note, "Ghi chú") or ""  # shown in every backup list
    if session.on_server:
        if kind == "manual":
            session.require_local("Sao lưu")
        return None  # the automatic copies are the server's backups there
    if kind == "manual":  # automatic kinds are the app's own safety net, for every user
        session.require(Action.MAKE_BACKUP)
    pdir = session.dir
    folder = pdir.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    moment = session.store.clock().astimezone(UTC)
    backup_id = _new_id(folder, moment, kind)
    target = folder / f"{backup_id}{SUFFIX}"
    with session.store.read() as conn:
        schema = current_revision(conn)
    fd, tmp_name = tempfile.mkstemp(prefix=".sao-luu-", suffix=".db", dir=folder)
    os.close(fd)
    tmp_db = Path(tmp_name)
    try:
        step(progress, cancel, 0, 3, "Chép cơ sở dữ liệu…")
        _copy_database(session, tmp_db)
        step(progress, cancel, 1, 3, "Ghi tệp sao lưu…")
        _write_backup(target, pdir, tmp_db, backup_id, kind, moment, schema, note)
    finally:
        with contextlib.suppress(OSError):
            tmp_db.unlink()
    progress(Progress(2, 3, "Đọc lại để kiểm tra…"))
    info = read_backup(target)  # read back: what we report is what is on disk
    if also_to is not None:
        copy = Path(also_to) / target.name
        atomic_write(copy, lambda f: _copy_into(target, f), private=True)
        read_backup(copy)
    with session.store.write(session.user, changes=False) as tx:
        tx.audit("backup_create", "backup", backup_id, kind=kind, copy=str(also_to or ""))
    if rotate:
        rotate_backups(pdir)
    return info


def _copy_into(source: Path, f) -> None:
    with open(source, "rb") as src:
        shutil.copyfileobj(src, f, 1 << 20)


# -- reading --


# manifest.json, profile.json and keys.json are a few KB: anything past this is hostile.
JSON_CAP = 1 << 20
_BACKUP_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]{0,99}")
_MANIFEST_TEXT = ("id", "kind", "created_at", "profile_id", "org_code", "db_sha256")


def read_small_entry(z: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """One small entry of a backup file (manifest, profile, key slots), read only up to
    JSON_CAP whatever its header claims (InputError past it; KeyError if absent)."""
    with z.open(name) as f:
        data = f.read(JSON_CAP + 1)
    if len(data) > JSON_CAP:
        raise InputError(
            f"Tệp sao lưu '{path.name}' bị hỏng: mục {name} quá lớn (hơn {JSON_CAP // 1024} KB)."
        )
    return data


def _manifest_ok(m: object) -> bool:
    """The manifest is the object khdesk writes: its texts texts, its moment a moment."""
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        return False
    if not all(isinstance(m.get(k), str) for k in _MANIFEST_TEXT):
        return False
    optional = (m.get("schema"), m.get("app_version", ""), m.get("note", ""))
    return (
        bool(_BACKUP_ID.fullmatch(m["id"]))
        and is_iso(m["created_at"])
        and all(v is None or isinstance(v, str) for v in optional)
        and isinstance(optional[1], str)
        and isinstance(optional[2], str)
    )


def read_backup(path: Path) -> BackupInfo:
    """Check a backup file's shape and hash (not its password); InputError if broken."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            missing = {"manifest.json", "profile.json", "keys.json", "khdesk.db"} - names
            if missing:
                raise InputError(f"Tệp sao lưu '{path.name}' thiếu {', '.join(sorted(missing))}.")
            manifest = json.loads(read_small_entry(z, "manifest.json", path))
            if not _manifest_ok(manifest):
                raise InputError(
                    f"Tệp sao lưu '{path.name}' bị hỏng hoặc không phải bản sao lưu khdesk "
                    "đọc được (bản kê)."
                )
            # Encrypted pages do not compress: a database inflating past the file that
            # holds it (plus a margin for the zip's own bytes) is a bomb, not a backup.
            declared = z.getinfo("khdesk.db").file_size
            if declared > path.stat().st_size + (1 << 20):
                raise InputError(
                    f"Tệp sao lưu '{path.name}' bị hỏng: cơ sở dữ liệu bên trong quá lớn so "
                    f"với tệp ({declared // 1_048_576} MB khi giải nén)."
                )
            digest = hashlib.sha256()
            with z.open("khdesk.db") as db:
                for block in iter(lambda: db.read(1 << 20), b""):
                    digest.update(block)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:  # JSON's, UTF-8's too
        raise InputError(f"Tệp sao lưu '{path.name}' bị hỏng hoặc không đọc được.") from exc
    if digest.hexdigest() != manifest["db_sha256"]:
        raise InputError(f"Tệp sao lưu '{path.name}' bị hỏng: dữ liệu không khớp mã kiểm tra.")
    return BackupInfo(
        id=manifest["id"],
        path=path,
        kind=manifest["kind"],
        created_at=manifest["created_at"],
        profile_id=manifest["profile_id"],
        org_code=manifest["org_code"],
        schema=manifest.get("schema"),
        app_version=manifest.get("app_version", ""),
        size=path.stat().st_size,
        note=manifest.get("note", ""),
    )


def list_backups(pdir: ProfileDir, folder: Path | None = None) -> list[BackupInfo]:
    """Newest first. Unreadable files are skipped (and logged), never deleted."""
    found = []
    for path in sorted(Path(folder or pdir.backup_dir).glob(f"*{SUFFIX}")):
        try:
            found.append(read_backup(path))
        except InputError as exc:
            log.warning("skipping backup %s: %s", path, exc.message)
    return sorted(found, key=lambda b: b.created_at, reverse=True)


def find_backup(pdir: ProfileDir, backup_id: str) -> BackupInfo:
    path = Path(backup_id)
    if path.suffix == SUFFIX and path.exists():
        return read_backup(path)
    for info in list_backups(pdir):
        if info.id == backup_id:
            return info
    raise InputError(
        f"Không có bản sao lưu '{backup_id}'. Xem danh sách bằng lệnh 'khdesk backup list'."
    )


# -- rotation --


def to_keep(backups: Iterable[BackupInfo]) -> set[str]:
    """Which backups rotation keeps: every manual one; the newest per day for the last 7
    days that have one, per ISO week for 4 weeks, per month for 12; the newest
    KEEP_BEFORE of each before-* kind."""
    items = sorted(backups, key=lambda b: b.created_at, reverse=True)
    keep = {b.id for b in items if b.kind == "manual"}
    daily = [b for b in items if b.kind == "daily"]
    for bucket, count in (
        (lambda d: d, KEEP_DAILY),
        (lambda d: d.isocalendar()[:2], KEEP_WEEKLY),
        (lambda d: (d.year, d.month), KEEP_MONTHLY),
    ):
        seen: set = set()
        for b in daily:
            key = bucket(b.local_time.date())
            if key not in seen and len(seen) < count:
                seen.add(key)
                keep.add(b.id)
    by_kind: dict[str, int] = {}
    for b in items:
        if b.kind.startswith("before-"):
            by_kind[b.kind] = by_kind.get(b.kind, 0) + 1
            if by_kind[b.kind] <= KEEP_BEFORE:
                keep.add(b.id)
    return keep


def rotate_backups(pdir: ProfileDir) -> list[str]:
    """Delete what to_keep() lets go; returns the ids removed."""
    backups = list_backups(pdir)
    keep = to_keep(backups)
    removed = []
    for b in backups:
        if b.id not in keep:
            with contextlib.suppress(OSError):
                b.path.unlink()
                removed.append(b.id)
    return removed


def local_date(moment: datetime) -> date:
    return moment.astimezone(VIETNAM).date()


def ensure_daily_backup(session: Session) -> BackupInfo | None:
    """The automatic daily backup: made at the first unlock of a day (Vietnam time)."""
    today = local_date(session.store.clock())
    for b in list_backups(session.dir):
        if b.kind == "daily" and b.local_time.date() == today:
            return None
    return create_backup(session, "daily")


# -- restoring --


def _open_check(db_file: Path, key: bytes) -> None:
    """The backup's database opens with this key and passes SQLite's integrity check."""
    conn = sqlcipher.keyed(db_file, key)
    try:
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlcipher3.DatabaseError as exc:
            raise AccessDenied(
                "Bản sao lưu không mở được bằng khóa của hồ sơ này (khác hồ sơ hoặc đã hỏng)."
            ) from exc
        if result != "ok":
            raise InputError(f"Bản sao lưu bị hỏng bên trong: {result}")
    finally:
        conn.close()


def _check_own_objects(db_file: Path, key: bytes, source: Path) -> None:
    """A database from a backup file is its maker's: a trigger or a view khdesk did not
    make would run on every later write here (erase audit entries as they are written,
    change what is recorded). Refused: only khdesk's own triggers, exactly, may be in it."""
    conn = sqlcipher.keyed(db_file, key)
    try:
        alien = foreign_objects(conn.execute(SCHEMA_OBJECTS).fetchall())
    finally:
        conn.close()
    if alien:
        raise InputError(
            f"Tệp sao lưu '{source.name}' có đối tượng không do khdesk tạo trong cơ sở dữ liệu "
            f"({', '.join(alien[:3])}): có thể đã bị sửa để chạy lệnh ẩn. Không nhận."
        )


def _check_revision(db_file: Path, key: bytes, source: Path) -> None:
    """A backup made by a newer khdesk has a schema this version cannot open: refused
    before it takes the live file's place (opening it afterwards would fail, leaving a
    profile that no longer opens)."""
    conn = sqlcipher.keyed(db_file, key)
    try:
        found = revision.stored_revision(conn)
    finally:
        conn.close()
    if found not in known_revisions():
        shown = "".join(c for c in str(found)[:40] if c.isprintable()) or "không rõ"
        raise NewerDatabaseError(
            f"Tệp sao lưu '{source.name}' do một phiên bản khdesk mới hơn tạo ra (phiên bản "
            f"lược đồ '{shown}'). Hãy cài phiên bản khdesk mới hơn rồi khôi phục; dữ liệu "
            "hiện tại không bị thay đổi."
        )


def _role_in(db_file: Path, key: bytes, user: str) -> str | None:
    """The user's role in a database file (None: not an active user there)."""
    conn = sqlcipher.keyed(db_file, key)
    try:
        row = conn.execute("SELECT role, active FROM users WHERE name = ?", (user,)).fetchone()
    finally:
        conn.close()
    return row[0] if row and row[1] else None


def _require_restorer(candidates: list[Path], key: bytes, user: str) -> None:
    """Only an owner or a secretary replaces the data (roles.py): asked of the first of
    `candidates` (the live database, then the backup's) that can be read."""
    for db_file in candidates:
        try:
            role = _role_in(db_file, key, user)
        except Exception:  # a damaged live file: ask the backup's copy instead
            continue
        if may(role, Action.RESTORE_BACKUP):
            return
        break
    raise AccessDenied(
        "Chỉ chủ hồ sơ hoặc bí thư mới được khôi phục hay mở bản sao lưu thành hồ sơ."
    )


def _extract(info: BackupInfo, folder: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=".khoi-phuc-", suffix=".db", dir=folder)
    with os.fdopen(fd, "wb") as out, zipfile.ZipFile(info.path) as z, z.open("khdesk.db") as db:
        shutil.copyfileobj(db, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())
    return Path(name)


def _keep_current_copy(pdir: ProfileDir, moment: datetime, key: bytes, user: str) -> str:
    """The database about to be replaced, kept as a backup: through SQLite when it
    opens, byte for byte when it does not (a damaged file is evidence, not rubbish)."""
    folder = pdir.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    backup_id = _new_id(folder, moment, "before-restore")
    target = folder / f"{backup_id}{SUFFIX}"
    tmp_db = folder / f".{backup_id}.db"
    try:
        try:
            session = _session_from_key(pdir, key, user)
        except Exception:  # a damaged file fails in many ways; all mean "copy the bytes"
            session = None
        if session is not None:
            try:
                _copy_database(session, tmp_db)
            finally:
                session.close()
        else:
            shutil.copyfile(pdir.db_file, tmp_db)
        note = "" if session is not None else "bản hỏng, chép nguyên trạng"
        _write_backup(target, pdir, tmp_db, backup_id, "before-restore", moment, None, note)
    finally:
        with contextlib.suppress(OSError):
            tmp_db.unlink()
    return backup_id


def _session_from_key(pdir: ProfileDir, key: bytes, user: str, clock: Clock = utc_now) -> Session:
    info = pdir.read_info()
    store = open_store(pdir, info, key, clock)
    return Session(pdir, info, store, user, store_user_role(store, user), key)


def _refuse_on_server(pdir: ProfileDir) -> None:
    if pdir.exists() and pdir.read_info().on_server:
        raise UsageError(
            "Hồ sơ này nằm trên máy chủ PostgreSQL: phục hồi bằng bản sao lưu của máy chủ "
            "(pg_restore) — xem README, phần Tỉnh ủy."
        )


def restore_backup(
    home: Path,
    name: str | None,
    backup_id: str,
    user: str | None,
    password: str,
    clock: Clock = utc_now,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[Session, str]:
    """Put a backup back in place of the live database. Needs only keys.json and the
    password, so it works when the live database is too damaged to open (not for a
    profile on a PostgreSQL server: the server's own backups serve there). Returns the
    session on the restored data and the id of the copy kept of what was replaced.
    A cancel is heeded until the backup is checked, before anything is replaced."""
    pdir = ProfileDir(home, resolve_profile_name(home, name))
    _refuse_on_server(pdir)
    info = pdir.read_info()
    user = user or default_user(pdir)
    # Nobody may have the database open while its file is swapped; the password is
    # checked under the same per-user delay as a sign-in, and its failures audited.
    takeover = enter(pdir, user, clock)
    try:
        key, failures = unlock_slot(pdir, user, password, clock)
        backup = find_backup(pdir, backup_id)
        if backup.profile_id != info.profile_id:
            raise ProfileError(
                f"Bản sao lưu '{backup.id}' là của hồ sơ {backup.org_code}, không phải hồ sơ "
                "này. Dùng 'Chuyển hồ sơ sang máy mới' để mở nó thành một hồ sơ riêng."
            )
        step(progress, cancel, 0, 3, "Giải nén bản sao lưu…")
        extracted = _extract(backup, pdir.path)
        try:
            step(progress, cancel, 1, 3, "Kiểm tra bản sao lưu…")
            _to_current_key(backup, extracted, user, password, key)
            _check_own_objects(extracted, key, backup.path)
            _check_revision(extracted, key, backup.path)
            live = [pdir.db_file] if pdir.db_file.exists() else []
            _require_restorer([*live, extracted], key, user)
            step(progress, cancel, 2, 3, "Đặt bản sao lưu vào chỗ dữ liệu đang dùng…")
            kept = _keep_current_copy(pdir, clock(), key, user) if pdir.db_file.exists() else ""
            swap.remove_sidecars(pdir.db_file)
            os.replace(extracted, pdir.db_file)
        finally:
            with contextlib.suppress(OSError):
                extracted.unlink()
        session = _session_from_key(pdir, key, user, clock)
    except BaseException:
        access.release_lock(pdir.path)
        raise
    session.holds_lock = True
    _mark_restored(session, backup, kept, (failures, takeover))
    return session, kept


@dataclass(frozen=True)
class Restored:
    """What a restore while signed in did."""

    kept: str  # the id of the backup kept of what was replaced ("" when nothing was)
    role: str  # the user's role as the restored data holds it (the session now has it)


def restore_signed_in(
    session: Session,
    backup_id: str,
    password: str,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> Restored:
    """Put a backup in place of the data of the profile this session has open (the
    desktop's "Khôi phục"): the password is asked again; the session then works on the
    restored data, with the role the restored data gives its user. A wrong password, a
    backup of another profile or from a newer khdesk: refused, nothing changed."""
    _refuse_on_server(session.dir)
    profiles.verify_password(session, password)  # a wrong password: nothing else is done
    # Let go of the database file so it can be swapped (Windows refuses to replace an
    # open file); the engine reconnects by itself afterwards, to the restored file.
    session.store.engine.dispose()
    restored, kept = restore_backup(
        session.dir.home,
        session.dir.name,
        backup_id,
        session.user,
        password,
        progress=progress,
        cancel=cancel,
    )
    role = restored.user_role
    restored.close()  # its lock count goes back to this session's
    session.store.engine.dispose()  # anything opened meanwhile saw the old file
    session.user_role = role
    return Restored(kept, role)


def _to_current_key(backup: BackupInfo, extracted: Path, user: str, password: str, key: bytes):
    """A backup made before a change of database key (a user removed, a hand-over) is
    encrypted with the key of its time: it opens with the user's password as it was in
    the backup's own keys.json, and is re-encrypted with the current key, so the current
    keys.json opens it (and an old keys.json still opens nothing current)."""
    try:
        _open_check(extracted, key)
        return
    except AccessDenied:
        pass
    with zipfile.ZipFile(backup.path) as z:
        then = KeySlots.from_bytes(read_small_entry(z, "keys.json", backup.path))
    try:
        old_key = then.unlock(user, password)
    except AccessDenied:
        raise AccessDenied(
            f"Bản sao lưu '{backup.id}' được làm trước khi đổi khóa cơ sở dữ liệu, và mật "
            f"khẩu hiện tại của '{user}' không mở được nó: cần mật khẩu của người này lúc "
            "làm bản sao lưu."
        ) from None
    _open_check(extracted, old_key)
    recoded = extracted.with_name(f"{extracted.stem}-k.db")  # a .khoi-phuc-* leftover too
    source = sqlcipher.keyed(extracted, old_key)
    try:
        swap.copy_encrypted(source, recoded, key)
    finally:
        source.close()
    os.replace(recoded, extracted)
    _open_check(extracted, key)


def _mark_restored(
    session: Session, backup: BackupInfo, kept: str, unlocked: tuple[list, str | None]
) -> None:
    with session.store.write(session.user, changes=False) as tx:
        audit_unlock(tx, session.info, *unlocked)
        # The committee must hear of this from the next bundle, not find out by a gap.
        outbox.start_epoch(tx.conn, tx.now, {"code": "restored", "note": backup.id})
        tx.audit("backup_restore", "backup", backup.id, replaced_copy=kept)


def import_backup(
    home: Path,
    path: Path,
    user: str | None,
    password: str,
    name: str | None = None,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> Session:
    """Open a backup from another PC as a profile here (moving a profile, or handing it
    over). The profile keeps its identity; sending starts a new epoch. A cancel is heeded
    until the new profile is put in place (its staging folder is then removed)."""
    backup = read_backup(path)
    try:
        with zipfile.ZipFile(backup.path) as z:
            info = json.loads(read_small_entry(z, "profile.json", backup.path))
            slots_raw = read_small_entry(z, "keys.json", backup.path)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError):
        info = None
    if not isinstance(info, dict):
        raise InputError(f"Tệp sao lưu '{backup.path.name}' bị hỏng (mô tả hồ sơ).")
    target_name = profiles.check_profile_name(name or info.get("name") or backup.org_code)
    pdir = ProfileDir(Path(home), target_name)
    if pdir.exists():
        raise ProfileError(
            f"Máy này đã có hồ sơ '{target_name}'. Chọn tên khác, hoặc khôi phục vào hồ sơ đó."
        )
    pdir.path.parent.mkdir(parents=True, exist_ok=True)
    for stale in pdir.path.parent.glob(f".{target_name}.*"):  # a killed import's staging
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target_name}.", dir=pdir.path.parent))
    try:
        (staging / "keys.json").write_bytes(slots_raw)
        slots = KeySlots.load(staging / "keys.json")
        user = user or (slots.users() or [""])[0]
        key = slots.unlock(user, password)
        step(progress, cancel, 0, 2, "Giải nén bản sao lưu…")
        staged_db = _extract(backup, staging)
        step(progress, cancel, 1, 2, "Kiểm tra bản sao lưu…")
        _open_check(staged_db, key)
        _check_own_objects(staged_db, key, backup.path)
        _check_revision(staged_db, key, backup.path)
        _require_restorer([staged_db], key, user)
        profile = _profile_of(info, backup, _identity_in(staged_db, key), target_name)
        os.replace(staged_db, staging / "khdesk.db")
        (staging / "profile.json").write_text(
            json.dumps(asdict(profile), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        (staging / "backups").mkdir()
        step(progress, cancel, 2, 2, "Mở thành hồ sơ…")
        os.replace(staging, pdir.path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    session = _session_from_key(pdir, key, user)
    _mark_restored(session, backup, "", ([], None))
    return session


_IDENTITY = ("profile_id", "role", "org_code")


def _identity_in(db_file: Path, key: bytes) -> dict[str, str]:
    """Who the database says it is (its meta rows, written at creation, under the key)."""
    conn = sqlcipher.keyed(db_file, key)
    try:
        rows = conn.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?, ?)", _IDENTITY
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


def _profile_of(raw: dict, backup: BackupInfo, identity: dict, name: str) -> ProfileInfo:
    """The profile description to install from a backup's profile.json — unsigned, beside
    the database, so hostile: exactly the fields khdesk writes, texts as texts, the
    identity the database itself holds (and the manifest names), never a server URL."""
    known = {f.name for f in fields(ProfileInfo)}
    texts = ("role", "org_code", "org_name", "profile_id", "created_at", "app_version")
    why = None
    if not known.issuperset(raw) or not all(isinstance(raw.get(k), str) for k in texts):
        why = "trường lạ, thiếu trường hoặc sai kiểu"
    elif not (raw.get("parent_code") is None or isinstance(raw["parent_code"], str)):
        why = "mã đơn vị cấp trên sai kiểu"
    elif raw.get("db_url") is not None or raw.get("db_user") is not None:
        why = "hồ sơ trên máy chủ không có bản sao lưu dạng tệp"
    elif any(forbidden_char_problem(raw[k]) for k in texts):
        why = "có ký tự điều khiển"
    elif any(raw[k] != identity.get(k) for k in _IDENTITY) or (
        (raw["profile_id"], raw["org_code"]) != (backup.profile_id, backup.org_code)
    ):
        why = "vai trò, đơn vị hoặc mã hồ sơ khác với dữ liệu trong bản sao lưu"
    if why is not None:
        raise InputError(f"Tệp sao lưu '{backup.path.name}' bị hỏng (mô tả hồ sơ: {why}).")
    return ProfileInfo(**{**raw, "name": name, "db_url": None, "db_user": None})
