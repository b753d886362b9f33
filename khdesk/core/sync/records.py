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

from khdesk.core.clock import is_iso
from khdesk.core.domain.meetings import absences_from_json, meeting_from_row
from khdesk.core.domain.pipeline import STEP_BY_ID, Result
from khdesk.core.errors import InputError
from khdesk.core.io.tabular import MAX_INTEGER, MAX_YEAR, MIN_YEAR
from khdesk.core.store import schema as t
from khdesk.core.sync.errors import BundleError
from khdesk.core.text import ISO_DATE_FORM, UTC_MOMENT_FORM, forbidden_char_problem

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


# What a person recognises a record by, in reports and conflict lists.
LABEL_FIELD = {
    "orgs": "code",
    "plans": "plan_key",
    "members": "member_code",
    "member_records": "member_code",
    "ratings": "member_code",
    "private_units": "name",
    "candidates": "file_code",
    "meetings": "on",
    "steps": "step_id",
    "attachments": "name",
}

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UUID_FIELDS = {"uuid", "candidate_uuid", "step_uuid", "meeting_uuid"}
MOMENTS = {"updated_at"}  # timestamps, exactly as clock.iso writes them (FORMAT.md §3.1)


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
    fields, allowed = _fields(table)
    if not allowed.issuperset(obj):
        unknown = sorted(set(obj) - allowed)
        raise BundleError(
            "record_field", f"{where}: trường '{unknown[0]}' không có trong bảng {table.name}."
        )
    values = {}
    for name, nullable, check in fields:
        if name not in obj:
            if nullable:
                continue  # absent: left as it is here (a field the sender keeps home)
            raise BundleError("record_field", f"{where}: thiếu trường bắt buộc '{name}'.")
        value = obj[name]
        if value is None:
            if not nullable:
                raise BundleError("record_value", f"{where}, trường '{name}': không được để trống.")
            values[name] = None
            continue
        try:
            values[name] = check(value)
        except _Refused as exc:
            raise BundleError("record_value", f"{where}, trường '{name}': {exc}") from None
    if values["rev"] < 1:
        raise BundleError("record_value", f"{where}: số phiên bản phải từ 1 trở lên.")
    if table.name == "meetings":
        _check_roll(values, where)
    return values


def _check_roll(values: dict, where: str) -> None:
    """A meeting's roll must be one that could be typed here (Meeting.check): its numbers
    are the denominator of votes and print on resolutions."""
    try:
        meeting_from_row(
            {**values, "chair": None, "chair_role": None, "secretary": None, "note": None}
        ).check()
    except (InputError, ValueError) as exc:
        raise BundleError("record_value", f"{where}: {exc}") from None


class _Refused(Exception):
    """Why a value does not fit its column (the end of a BundleError message)."""


# Per table: (name, nullable, checker) of each wire field, and the field names. Worked
# out once: a province reads ~100,000 records, and per-field lookups of the column and
# its type were most of opening a bundle.
_FIELDS: dict[Table, tuple[list[tuple], frozenset[str]]] = {}


def _fields(table: Table) -> tuple[list[tuple], frozenset[str]]:
    found = _FIELDS.get(table)
    if found is None:
        names = WIRE_FIELDS[table.name]
        found = (
            [(n, table.c[n].nullable, _checker(table.c[n])) for n in names],
            frozenset(names),
        )
        _FIELDS[table] = found
    return found


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Columns whose values are a closed list the receiver derives from (a file's state).
CHOICES: dict[tuple[str, str], frozenset[str]] = {
    ("steps", "step_id"): frozenset(STEP_BY_ID),
    ("steps", "result"): frozenset(r.value for r in Result),
}
# Text columns holding structured data: read by the same parser the app reads them with.
STRUCTURED = {("meetings", "absences"): absences_from_json}
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x85\u2028\u2029]")


def _checker(column):
    """The check of a non-null value for `column`: returns the value to store, raises
    _Refused."""
    kind = column.type
    if isinstance(kind, Boolean):

        def check(value):
            if not isinstance(value, bool):
                raise _Refused("phải là true/false.")
            return value

    elif isinstance(kind, Integer):

        def check(value):
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INTEGER:
                raise _Refused(f"phải là số nguyên trong khoảng ±{MAX_INTEGER}.")
            return value

    elif isinstance(kind, Date):

        def check(value):
            if isinstance(value, str) and _DATE.fullmatch(value):
                try:
                    day = date.fromisoformat(value)
                except ValueError:
                    pass
                else:
                    # The years every form and import stores: one outside them is no
                    # record a station made (and date arithmetic past 9999 fails).
                    if not MIN_YEAR <= day.year <= MAX_YEAR:
                        raise _Refused(f"năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}.")
                    return day
            raise _Refused(f"phải là ngày {ISO_DATE_FORM}.")

    elif isinstance(kind, String | Text):
        length = getattr(kind, "length", None)
        pattern = _UUID if column.name in _UUID_FIELDS else None
        if column.name == "sha256":
            pattern, what = _SHA256, "không phải mã băm SHA-256."
        else:
            what = "không phải mã UUID hợp lệ."
        moment = column.name in MOMENTS
        # A String column is one line: forms and imports fold whitespace (text.nfc),
        # scans are named by safe_file_name. Only a Text column (a note) breaks lines.
        one_line = bool(length) and not isinstance(kind, Text)
        choices = CHOICES.get((column.table.name, column.name))
        parse = STRUCTURED.get((column.table.name, column.name))

        def check(value):
            if not isinstance(value, str):
                raise _Refused("phải là chuỗi.")
            if length and len(value) > length:
                raise _Refused(f"dài quá {length} ký tự.")
            # Refused whole, like any value that does not fit: khdesk refuses these chars
            # wherever text is stored, so a record holding one is damaged or forged.
            problem = forbidden_char_problem(value)
            if problem:
                raise _Refused(problem + ".")
            if one_line and (found := _LINE_BREAKS.search(value)):
                raise _Refused(
                    f"có ký tự xuống dòng (U+{ord(found.group()):04X}) ở vị trí "
                    f"{found.start() + 1}, trong một trường chỉ có một dòng."
                )
            if choices is not None and value not in choices:
                raise _Refused(
                    f"'{value}' không phải giá trị khdesk biết ({', '.join(sorted(choices))})."
                )
            if pattern is not None and not pattern.fullmatch(value):
                raise _Refused(what)
            if parse is not None:
                try:
                    parse(value)
                except ValueError as exc:
                    raise _Refused(f"không đọc được ({exc}).") from None
            if moment and not is_iso(value):
                raise _Refused(f"phải là thời điểm {UTC_MOMENT_FORM}.")
            return value

    else:  # pragma: no cover

        def check(value):
            raise _Refused("kiểu dữ liệu không hỗ trợ.")

    return check


def _value(column, value, where: str):
    """One value checked for `column` (`where` names it in the error)."""
    if value is None:
        if not column.nullable:
            raise BundleError("record_value", f"{where}: không được để trống.")
        return None
    try:
        return _checker(column)(value)
    except _Refused as exc:
        raise BundleError("record_value", f"{where}: {exc}") from None


def label(table_name: str, values: dict) -> str | None:
    value = values.get(LABEL_FIELD.get(table_name, ""))
    return None if value is None else str(value)
