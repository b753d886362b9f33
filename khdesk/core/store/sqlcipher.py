"""Open an SQLCipher file with the raw 256-bit database key (no PBKDF2 per open).

Kept apart from the SQLAlchemy engine (engine.py) so the app's launch can read its first
screen through a bare connection before SQLAlchemy is imported; the engine opens every
pooled connection through the same function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from khdesk.core.errors import AccessDenied


def connect(db_path: Path, key: bytes) -> Any:
    """A connection in autocommit mode (transactions are begun explicitly), usable from
    any one thread at a time. A wrong key raises AccessDenied with a Vietnamese message;
    SQLCipher's own error lines are switched off before keying so the user never sees
    them on the terminal."""
    # the driver loads while the key derives (ui/app.py), not with the session module
    import sqlcipher3

    conn = keyed(db_path, key)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise AccessDenied(
            "Không mở được cơ sở dữ liệu: khóa không đúng hoặc tệp đã hỏng."
        ) from exc
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # a legal record: durability over speed
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    # 64 MiB of page cache: random-key indexes (uuid, names) stay in memory during a bulk
    # import instead of decrypting and re-encrypting pages over and over.
    conn.execute("PRAGMA cache_size = -65536")
    # Checkpoint the WAL every ~40 MB instead of every 4 MB: a province importing
    # thousands of small bundles re-encrypted the same hot pages at each checkpoint.
    conn.execute("PRAGMA wal_autocheckpoint = 10000")
    return conn


def keyed(db_path: Path, key: bytes) -> Any:
    """A bare connection keyed with `key`, nothing else set, nothing read yet (copies,
    checks and re-encryption of backup and rekey files). The one place a key is given
    to SQLCipher."""
    # the driver: as in connect()
    import sqlcipher3

    if len(key) != 32:
        raise ValueError("database key must be 32 bytes")
    conn = sqlcipher3.connect(str(db_path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn
