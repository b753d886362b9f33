"""The part of resources/sync/FORMAT.md that is generated from the schema: the fields of
each record table on the wire (records.py decides which travel) and of a reported audit
entry (history.py), with their JSON types, lengths and nullability.

    python -m khdesk.core.sync.spec          rewrite the section in FORMAT.md
    python -m khdesk.core.sync.spec --check  exit 1 if FORMAT.md differs (tests do this)

So the document cannot drift from the code an independent reader must match.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import Boolean, Date, Integer, String, Table, Text

from khdesk.core.resources import resource_path
from khdesk.core.store import schema as t
from khdesk.core.sync import history, records

BEGIN = "<!-- generated from khdesk/core/store/schema.py by `python -m khdesk.core.sync.spec` -->"
END = "<!-- end of generated section -->"


def format_doc() -> Path:
    return resource_path("sync", "FORMAT.md")


def _json_type(table: Table, name: str) -> str:
    column = table.c[name]
    kind = column.type
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "integer, −(2³¹−1) … 2³¹−1"
    if isinstance(kind, Date):
        return 'date `"YYYY-MM-DD"`'
    if name in records.MOMENTS:
        return "timestamp (3.1)"
    if name == "sha256" or name in ("prev_hash", "hash"):
        return "lowercase hex, 64"
    if name in ("uuid", "candidate_uuid", "step_uuid", "meeting_uuid"):
        return "lowercase UUID"
    if isinstance(kind, String) and kind.length:
        return f"text ≤ {kind.length}"
    if isinstance(kind, Text | String):
        return "text"
    raise TypeError(f"{table.name}.{name}: no wire form for {kind!r}")  # pragma: no cover


def _table(table: Table, fields: list[str], may_be_absent: bool = True) -> list[str]:
    lines = ["| field | JSON | null |", "|---|---|---|"]
    allowed = "allowed, may be absent" if may_be_absent else "allowed (always present)"
    for name in fields:
        null = allowed if table.c[name].nullable else "no, required"
        lines.append(f"| `{name}` | {_json_type(table, name)} | {null} |")
    return lines


def section() -> str:
    """The generated text, between (and including) the markers."""
    out = [BEGIN, ""]
    out.append("Lengths count Unicode code points (text is NFC).")
    for name, table in records.TABLES.items():
        out += ["", f"**`records/{name}.jsonl`**", ""]
        out += _table(table, records.WIRE_FIELDS[name])
    out += ["", f"**`{history.ENTRY}`** (section 11: text as stored, not necessarily NFC)", ""]
    out += _table(t.audit, list(history.FIELDS), may_be_absent=False)
    out += ["", END]
    return "\n".join(out)


def rewrite(text: str) -> str:
    """`text` (FORMAT.md) with its generated section replaced."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + section() + text[end:]


def main(argv: list[str]) -> int:
    path = format_doc()
    text = path.read_text(encoding="utf-8")
    wanted = rewrite(text)
    if "--check" in argv:
        if wanted != text:
            print(f"{path}: the generated section differs from the schema", file=sys.stderr)
            return 1
        return 0
    path.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
