"""Swapping a profile's files crash-safely, and cleaning up after a swap that was killed.

Changing the database key (a rekey) must happen in one step with the key slots.

The two files that must agree, `khdesk.db` and `keys.json`, cannot be renamed together,
so a rekey goes through a staged copy and one commit point:

1. `.rekey-khdesk.db` — a copy of the database encrypted with the new key (SQLite's
   online backup API), the change of the use case already applied to it, in
   rollback-journal mode (no -wal beside it), flushed to disk; the same for the archive
   database (`.rekey-archive.db`) when the profile has one;
2. `COMMIT_FILE` — the new keys.json, written to a temp file, flushed, then renamed:
   **that rename is the commit point**;
3. roll forward: each old database's -wal/-shm removed, each staged copy renamed over
   its database, `COMMIT_FILE` renamed over `keys.json`.

`finish_pending` runs at every open (under the in-use lock), before keys.json is read:
with `COMMIT_FILE` present it completes step 3 (each step can be repeated); without it
the rekey never happened and the staged leftovers are deleted. At no point does a crash
leave a profile that no password opens: before the commit the old pair is untouched,
after it the new pair is complete in the folder.

`remove_leftovers` deletes what a killed restore or backup leaves (its temporary
database copies, an atomic write's temp file): never the live files, never a backup.

No SQLAlchemy here: the app's launch calls both before it is imported.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from khdesk.core.fsutil import atomic_write_bytes, fsync_dir
from khdesk.core.store import sqlcipher

log = logging.getLogger(__name__)

DB_NAME = "khdesk.db"
ARCHIVE_NAME = "archive.db"  # retention.py's archive: encrypted with the same key
DATABASES = (DB_NAME, ARCHIVE_NAME)
COMMIT_FILE = "keys.json.rekey"
KEYS_NAME = "keys.json"


def staged_name(db_name: str) -> str:
    return f".rekey-{db_name}"


STAGED_DB = staged_name(DB_NAME)
# The temporary files of backup.py (a restore's extracted copy, a backup's database copy,
# the copy kept before a restore) and of fsutil.atomic_write (".<name>.<random>.tmp").
LEFTOVERS = (".khoi-phuc-*.db", ".sao-luu-*.db", ".*-before-restore*.db", ".*.tmp")


def remove_sidecars(db_file: Path) -> None:
    """The -wal and -shm files beside a database (they belong to the file they came with:
    a stale WAL beside another file is fatal)."""
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            (db_file.parent / f"{db_file.name}{suffix}").unlink()


def copy_encrypted(source: Any, target: Path, key: bytes) -> None:
    """A consistent copy of an open SQLCipher connection's database into a new file
    encrypted with `key` (the same key or another), one self-contained file."""
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    remove_sidecars(target)
    dest = sqlcipher.keyed(target, key)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()


def stage(folder: Path, old_key: bytes, new_key: bytes) -> Path:
    """Step 1's copies: each database of the profile (the live one, the archive if
    any) re-encrypted with `new_key` under its staged name. Returns the live one's."""
    for db_name in DATABASES:
        if not (folder / db_name).exists():
            continue
        source = sqlcipher.connect(folder / db_name, old_key)
        try:
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            copy_encrypted(source, folder / staged_name(db_name), new_key)
        finally:
            source.close()
    return folder / STAGED_DB


def seal_staged(folder: Path, key: bytes) -> None:
    """After the use case's change ran on the staged copy: each staged file back to one
    self-contained file (rollback journal, the WAL folded in and removed), flushed."""
    for db_name in DATABASES:
        staged = folder / staged_name(db_name)
        if not staged.exists():
            continue
        conn = sqlcipher.connect(staged, key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        remove_sidecars(staged)
        with open(staged, "rb+") as f:
            os.fsync(f.fileno())
    fsync_dir(folder)


def commit(folder: Path, keys_json: bytes) -> None:
    """Step 2 (the commit point) and step 3."""
    atomic_write_bytes(folder / COMMIT_FILE, keys_json, private=True)
    finish_pending(folder)


def finish_pending(folder: Path) -> str | None:
    """Complete or undo a rekey a crash interrupted. Returns what was done (for the log
    and the audit), None when there was nothing to do. Call with the in-use lock held."""
    folder = Path(folder)
    committed = folder / COMMIT_FILE
    staged = [folder / staged_name(db_name) for db_name in DATABASES]
    if committed.exists():
        for db_name, copy in zip(DATABASES, staged, strict=True):
            if copy.exists():
                remove_sidecars(folder / db_name)
                os.replace(copy, folder / db_name)
                fsync_dir(folder)
        os.replace(committed, folder / KEYS_NAME)
        fsync_dir(folder)
        return "đã hoàn tất việc đổi khóa cơ sở dữ liệu bị ngắt giữa chừng"
    leftovers = [p for copy in staged for p in (copy, *_sidecars(copy)) if p.exists()]
    leftovers += list(folder.glob(f".{COMMIT_FILE}.*.tmp"))
    for path in leftovers:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    if leftovers:
        log.warning("rolled back an unfinished rekey in %s", folder)
        return "đã bỏ việc đổi khóa cơ sở dữ liệu bị ngắt trước khi xong (dữ liệu như trước)"
    return None


def _sidecars(db_file: Path) -> list[Path]:
    return [db_file.parent / f"{db_file.name}{s}" for s in ("-wal", "-shm", "-journal")]


def remove_leftovers(*folders: Path) -> list[str]:
    """Delete the temporary files a killed restore or backup left in `folders` (with
    their -wal/-shm/-journal). Call with the in-use lock held. Returns the names."""
    removed = []
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for pattern in LEFTOVERS:
            for path in Path(folder).glob(pattern):
                for each in (path, *_sidecars(path)):
                    with contextlib.suppress(FileNotFoundError):
                        each.unlink()
                removed.append(path.name)
    if removed:
        log.warning("removed leftovers of a killed operation: %s", ", ".join(removed))
    return removed
