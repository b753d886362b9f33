"""Which tables and fields travel in a bundle, and their wire form (JSON values).

A record on the wire is one JSON object: the bookkeeping fields (uuid, rev, owner,
updated_by, updated_at, deleted) and the table's data fields, minus
- what only this database means: the row id and the change counter;
- what the receiver derives itself: folded names, sort keys, a file's state;
- what stays home (HOME_ONLY, listed in FORMAT.md): the cell's private notes.

Reading is strict: every field checked against the column it goes to (type, length,
null), unknown fields refused, so a signed but wrong bundle cannot put garbage in.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, Table, Text

from khdesk.core.domain.pipeline import STEPS
from khdesk.core.store import schema as t
from khdesk.core.sync.errors import BundleError

# Applied in this order: a record's parents come before it (steps after their file).
TABLES: dict[str, Table] = {table.name: table for table in t.SYNCED_TABLES}

LOCAL_ONLY = {"id", "change_seq"}
DERIVED: dict[str, set[str]] = {
    "candidates": {"name_folded", "sort_key", "state"},
    "members": {"name_folded", "sort_key"},
    "private_units": {"name_folded"},
}
# Fields the committee does not need: they never leave the station (FORMAT.md §5).
HOME_ONLY: dict[str, set[str]] = {"candidates": {"notes"}}

# The steps an upper committee records on a cell's file (its resolutions and decisions):
# the only records that travel down.
COMMITTEE_STEPS = tuple(s.id for s in STEPS if s.committee)

# What a person recognises a record by, in reports and conflict lists.
LABEL_FIELD = {
    "orgs": "code",
    "plans": "plan_key",
    "members": "member_code",
    "member_records": "member_code",
    "ratings": "member_code",
    "private_units": "name",
    "candidates": "file_code",
    "steps": "step_id",
    "attachments": "name",
}

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UUID_FIELDS = {"uuid", "candidate_uuid", "step_uuid"}
_MAX_INT = 2**53  # beyond this JSON readers disagree


def wire_fields(table: Table) -> list[str]:
    skip = LOCAL_ONLY | DERIVED.get(table.name, set()) | HOME_ONLY.get(table.name, set())
    return [c.name for c in table.columns if c.name not in skip]


WIRE_FIELDS: dict[str, list[str]] = {name: wire_fields(table) for name, table in TABLES.items()}


def to_wire(table: Table, row) -> dict:
    """A database row (mapping) as its wire object."""
    out = {}
    for name in WIRE_FIELDS[table.name]:
        value = row[name]
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(table.c[name].type, Boolean) and value is not None:
            value = bool(value)
        out[name] = value
    return out


def from_wire(table: Table, obj: object, where: str) -> dict:
    """A wire object as column values for `table`, checked field by field.
    Raises BundleError naming the entry and line (`where`)."""
    if not isinstance(obj, dict):
        raise BundleError("record_shape", f"{where}: bản ghi phải là một đối tượng JSON.")
    fields = WIRE_FIELDS[table.name]
    unknown = sorted(set(obj) - set(fields))
    if unknown:
        raise BundleError(
            "record_field", f"{where}: trường '{unknown[0]}' không có trong bảng {table.name}."
        )
    values = {}
    for name in fields:
        column = table.c[name]
        if name not in obj:
            if column.nullable:
                continue  # absent: left as it is here (a field the sender keeps home)
            raise BundleError("record_field", f"{where}: thiếu trường bắt buộc '{name}'.")
        values[name] = _value(column, obj[name], f"{where}, trường '{name}'")
    if values["rev"] < 1:
        raise BundleError("record_value", f"{where}: số phiên bản phải từ 1 trở lên.")
    return values


def _value(column, value, where: str):
    if value is None:
        if not column.nullable:
            raise BundleError("record_value", f"{where}: không được để trống.")
        return None
    kind = column.type
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise BundleError("record_value", f"{where}: phải là true/false.")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _MAX_INT:
            raise BundleError("record_value", f"{where}: phải là số nguyên.")
        return value
    if isinstance(kind, Date):
        if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise BundleError("record_value", f"{where}: phải là ngày dạng yyyy-mm-dd.")
    if isinstance(kind, String | Text):
        if not isinstance(value, str):
            raise BundleError("record_value", f"{where}: phải là chuỗi.")
        if getattr(kind, "length", None) and len(value) > kind.length:
            raise BundleError("record_value", f"{where}: dài quá {kind.length} ký tự.")
        if column.name in _UUID_FIELDS and not _UUID.fullmatch(value):
            raise BundleError("record_value", f"{where}: không phải mã UUID hợp lệ.")
        if column.name == "sha256" and not _SHA256.fullmatch(value):
            raise BundleError("record_value", f"{where}: không phải mã băm SHA-256.")
        return value
    raise BundleError("record_value", f"{where}: kiểu dữ liệu không hỗ trợ.")  # pragma: no cover


def label(table_name: str, values: dict) -> str | None:
    value = values.get(LABEL_FIELD.get(table_name, ""))
    return None if value is None else str(value)
