"""The store: one engine, one transaction per use case, the change counter, the audit log.

`Store.write(user)` opens a write transaction and hands out a `WriteTx` that stamps the
bookkeeping columns (UUID, revision, owner, who/when, change counter). The change counter
advances once per write transaction; the sync issue exports what changed after a value.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, select, update

from khdesk.core.clock import Clock, iso, utc_now  # noqa: F401 - re-exported
from khdesk.core.store import postgres
from khdesk.core.store import schema as t

# Built once: every write transaction reads and sets the change counter, and building a
# statement costs SQLAlchemy more than running it (a province imports thousands of bundles).
_GET_META = select(t.meta.c.value).where(t.meta.c.key == bindparam("_key"))
_SET_META = (
    update(t.meta).where(t.meta.c.key == bindparam("_key")).values(value=bindparam("_value"))
)


def get_meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    value = conn.execute(_GET_META, {"_key": key}).scalar()
    return default if value is None else value


def set_meta(conn: Connection, key: str, value: str) -> None:
    done = conn.execute(_SET_META, {"_key": key, "_value": value})
    if done.rowcount == 0:
        conn.execute(t.meta.insert().values(key=key, value=value))


def change_counter(conn: Connection) -> int:
    """The database-wide change counter: the last value a write transaction took."""
    if conn.dialect.name == "postgresql":
        return postgres.last_change(conn)
    return int(get_meta(conn, "change_seq", "0"))


def settled_change_counter(conn: Connection) -> int:
    """The change counter as an export may use it: no transaction still open can stamp
    a change at or below it. On SQLite writers run one at a time, so it is the counter;
    on PostgreSQL it waits for the writers in flight."""
    if conn.dialect.name == "postgresql":
        return postgres.settled_change(conn)
    return change_counter(conn)


def new_uuid() -> str:
    """A random (version 4) UUID as text; twice as fast as str(uuid.uuid4()) in bulk."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class WriteTx:
    """A write transaction: the connection plus the stamps for the records it writes."""

    conn: Connection
    user: str
    owner: str  # the org code of this station: what it writes, it owns
    now: str
    change_seq: int

    def new_record(self, owner: str | None = None) -> dict:
        return {
            "uuid": new_uuid(),
            "rev": 1,
            "owner": owner or self.owner,
            "updated_by": self.user,
            "updated_at": self.now,
            "change_seq": self.change_seq,
            "deleted": False,
        }

    def changed(self, table) -> dict:
        """Values for an UPDATE of an existing record (revision + 1)."""
        return {
            "rev": table.c.rev + 1,
            "updated_by": self.user,
            "updated_at": self.now,
            "change_seq": self.change_seq,
        }

    def audit(self, action: str, entity: str | None = None, key: str | None = None, **detail):
        append_audit(self.conn, self.now, self.user, action, entity, key, detail)


class Store:
    def __init__(self, engine: Engine, owner: str, clock: Clock = utc_now):
        self.engine = engine
        self.owner = owner
        self.clock = clock

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def write(self, user: str, *, changes: bool = True) -> Iterator[WriteTx]:
        """One use case, one transaction: all of it lands, or none of it.

        `changes=False` for writes that only append to the audit log (opening a file):
        they do not advance the change counter, so they are not sent anywhere."""
        with self.engine.connect().execution_options(khdesk_write=True) as conn:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # A sequence: many staff write at once without queueing on one row.
                    seq = postgres.next_change(conn) if changes else postgres.last_change(conn)
                else:
                    seq = int(get_meta(conn, "change_seq", "0"))
                    if changes:
                        seq += 1
                        set_meta(conn, "change_seq", str(seq))
                yield WriteTx(conn, user, self.owner, iso(self.clock()), seq)

    def dispose(self) -> None:
        self.engine.dispose()


# -- audit log: append-only, each entry's hash covers the previous one --

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, user: str, action: str, entity, key, detail) -> str:
    """An audit entry's hash; the stations above recompute it on what was reported."""
    payload = json.dumps(
        [prev_hash, at, user, action, entity, key, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def row_hash(row) -> str:
    """The hash an audit entry (a mapping with the audit table's columns) should have."""
    return entry_hash(
        row["prev_hash"],
        row["at"],
        row["user"],
        row["action"],
        row["entity"],
        row["entity_key"],
        row["detail"],
    )


def append_audit(
    conn: Connection, at: str, user: str, action: str, entity, key, detail: dict
) -> None:
    append_audit_many(conn, at, user, [(action, entity, key, detail)])


_LAST_HASH = select(t.audit.c.hash).order_by(t.audit.c.id.desc()).limit(1)
_APPEND = t.audit.insert()


def append_audit_many(
    conn: Connection, at: str, user: str, entries: list[tuple[str, str | None, str | None, dict]]
) -> None:
    """Append entries (action, entity, key, detail), each hash covering the one before."""
    if not entries:
        return
    if conn.dialect.name == "postgresql":
        # Writers run side by side there: one at a time from the chain's end to commit,
        # or two entries would follow the same one.
        postgres.lock(conn, postgres.LOCK_AUDIT)
    prev = conn.execute(_LAST_HASH).scalar()
    prev = prev or GENESIS
    rows = []
    for action, entity, key, detail in entries:
        detail_text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        digest = entry_hash(prev, at, user, action, entity, key, detail_text)
        rows.append(
            {
                "at": at,
                "user": user,
                "action": action,
                "entity": entity,
                "entity_key": key,
                "detail": detail_text,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(_APPEND, rows)


def verify_audit(conn: Connection) -> list[str]:
    """Problems found walking the chain (Vietnamese); empty when intact."""
    problems: list[str] = []
    prev = GENESIS
    rows = conn.execute(select(t.audit).order_by(t.audit.c.id)).mappings()
    for row in rows:
        if row["prev_hash"] != prev:
            problems.append(f"Mục nhật ký số {row['id']}: không nối tiếp mục trước (bị xóa/chèn).")
        if row["hash"] != row_hash(row):
            problems.append(f"Mục nhật ký số {row['id']}: nội dung đã bị sửa.")
        prev = row["hash"]
    return problems
