"""The conflicts a bundle import kept aside, and what a person decides about them.

A conflict is an incoming version that was not written because this station's copy had
changed too (or its file code belongs to another record here). It is kept in
`sync_conflicts` with the record as received, listed in the import report, and stays
open until someone decides:
- "giữ bản ở đây" (keep here): the incoming version is set aside for good;
- "nhận bản gửi đến" (take incoming): the incoming version replaces this station's copy,
  as the merge would have written it, and becomes the base for the sender's next one.
A clash of file codes between two different records cannot be settled by choosing a
side: one of the two stations must correct its code, then send again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from khdesk.core.errors import InputError
from khdesk.core.store import schema as t
from khdesk.core.store.states import restate
from khdesk.core.store.store import WriteTx
from khdesk.core.sync import records
from khdesk.core.sync.errors import BundleError
from khdesk.core.sync.inbox import check_kept_record
from khdesk.core.sync.merge import derive_fields, size_problem

CLASH_PREFIX = "Trùng "  # the merge's reason for a natural key held by another uuid


@dataclass(frozen=True)
class Conflict:
    id: int
    found_at: str
    sender_org: str
    bundle_id: str
    table: str
    record_uuid: str
    record_key: str | None
    local_rev: int | None
    incoming_rev: int
    reason: str
    incoming: dict
    resolved_at: str | None
    differences: dict[str, tuple]  # field -> (here, incoming)

    @property
    def is_clash(self) -> bool:
        return self.reason.startswith(CLASH_PREFIX)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "found_at": self.found_at,
            "sender_org": self.sender_org,
            "table": self.table,
            "uuid": self.record_uuid,
            "key": self.record_key,
            "local_rev": self.local_rev,
            "incoming_rev": self.incoming_rev,
            "reason": self.reason,
            "resolved_at": self.resolved_at,
            "differences": {
                k: {"here": a, "incoming": b} for k, (a, b) in self.differences.items()
            },
        }


def _differences(conn: Connection, table_name: str, incoming: dict) -> dict[str, tuple]:
    table = records.TABLES[table_name]
    here = conn.execute(select(table).where(table.c.uuid == incoming["uuid"])).mappings().first()
    if here is None:
        return {}
    wire_here = records.to_wire(table, here)
    skip = {"rev", "updated_at", "updated_by", "owner"}
    return {
        k: (wire_here.get(k), v)
        for k, v in incoming.items()
        if k in wire_here and k not in skip and wire_here.get(k) != v
    }


def list_conflicts(conn: Connection, *, include_resolved: bool = False) -> list[Conflict]:
    query = select(t.sync_conflicts).order_by(t.sync_conflicts.c.id)
    if not include_resolved:
        query = query.where(t.sync_conflicts.c.resolved_at.is_(None))
    return [_conflict(conn, row) for row in conn.execute(query).mappings()]


def _conflict(conn: Connection, row) -> Conflict:
    incoming = json.loads(row["incoming"])
    return Conflict(
        id=row["id"],
        found_at=row["found_at"],
        sender_org=row["sender_org"],
        bundle_id=row["bundle_id"],
        table=row["table_name"],
        record_uuid=row["record_uuid"],
        record_key=row["record_key"],
        local_rev=row["local_rev"],
        incoming_rev=row["incoming_rev"],
        reason=row["reason"],
        incoming=incoming,
        resolved_at=row["resolved_at"],
        differences=_differences(conn, row["table_name"], incoming),
    )


def mark_resolved(conn: Connection, conflict_id: int, now: str) -> None:
    conn.execute(
        update(t.sync_conflicts).where(t.sync_conflicts.c.id == conflict_id).values(resolved_at=now)
    )


def get_conflict(conn: Connection, conflict_id: int) -> Conflict:
    """One conflict, read by its id (however many are kept)."""
    query = select(t.sync_conflicts).where(t.sync_conflicts.c.id == conflict_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise InputError(f"Không có xung đột số {conflict_id}.")
    return _conflict(conn, row)


def take_incoming(tx: WriteTx, conflict: Conflict, home_org: str, home_role: str) -> None:
    """Write the incoming version over this station's copy, as the merge would have —
    if it is still the sender's to write here (the write-scope rule, as an import)."""
    if conflict.resolved_at:
        raise InputError(f"Xung đột số {conflict.id} đã được giải quyết.")
    if conflict.is_clash:
        raise InputError(
            f"Xung đột số {conflict.id} là hai bản ghi khác nhau trùng "
            f"{conflict.record_key or 'mã'}: không chọn bên được. Một trong hai đơn vị sửa lại "
            "mã rồi gửi lại."
        )
    conn = tx.conn
    table = records.TABLES[conflict.table]
    # Kept as merged: with the derived fields, which are derived again here.
    wire = {k: v for k, v in conflict.incoming.items() if k in records.WIRE_FIELDS[table.name]}
    values = records.from_wire(table, wire, f"Xung đột số {conflict.id}")
    try:
        check_kept_record(conn, home_org, home_role, conflict.sender_org, table.name, values)
    except BundleError as exc:
        raise InputError(f"Xung đột số {conflict.id}: {exc.message}") from None
    derive_fields(conflict.table, values)
    if table is t.attachments:
        size = conn.execute(select(t.blobs.c.size).where(t.blobs.c.sha256 == values["sha256"]))
        actual = size.scalar()
        if actual is None:
            raise InputError(
                f"Xung đột số {conflict.id}: nội dung tệp đính kèm không còn; nhờ bên gửi gửi lại."
            )
        why = size_problem(values, actual)
        if why:
            raise InputError(f"Xung đột số {conflict.id}: {why}")
    row_id = conn.execute(select(table.c.id).where(table.c.uuid == conflict.record_uuid)).scalar()
    if row_id is None:
        raise InputError(f"Xung đột số {conflict.id}: bản ghi ở đây không còn.")
    values["change_seq"] = tx.change_seq
    conn.execute(update(table).where(table.c.id == row_id).values(**values))
    received = conn.execute(
        select(t.sync_received.c.epoch, t.sync_received.c.seq).where(
            t.sync_received.c.bundle_id == conflict.bundle_id
        )
    ).first()
    if received is not None:  # the sender's next version is judged against this one
        base = {
            "table_name": conflict.table,
            "sender_org": conflict.sender_org,
            "rev": values["rev"],
            "epoch": received.epoch,
            "seq": received.seq,
        }
        done = conn.execute(
            update(t.sync_base).where(t.sync_base.c.uuid == conflict.record_uuid).values(**base)
        )
        if done.rowcount == 0:
            conn.execute(insert(t.sync_base).values(uuid=conflict.record_uuid, **base))
    file_uuid = values.get("candidate_uuid") if conflict.table == "steps" else None
    if conflict.table == "candidates":
        file_uuid = conflict.record_uuid
    if file_uuid:
        restate(conn, file_uuid)
    mark_resolved(conn, conflict.id, tx.now)
