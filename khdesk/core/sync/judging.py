"""Which catalogue judges here: the installed one's rulebooks and working-day calendar, or
the shipped ones (the "built-in" catalogue) when none is installed.

The reading side of the installed catalogue (khdesk.core.services.catalogue re-exports
every name here; it lives in sync beside the catalogue format, below reports and services),
in plain SQL (khdesk.core.store.sql) and free of SQLAlchemy: the app's first screen judges
the files before SQLAlchemy is imported. `conn` is a SQLAlchemy Connection or a bare
DB-API one, inside a transaction.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from khdesk import __version__
from khdesk.core.domain.calendar import WorkCalendar, default_calendar
from khdesk.core.domain.rulebook import RulebookSet, default_rulebooks
from khdesk.core.resources import resource_path
from khdesk.core.store import sql
from khdesk.core.sync import catalogue_content as content
from khdesk.core.sync.errors import CatalogueError

BUILTIN = "builtin"
CURRENT, REPLACED = "current", "replaced"


@dataclass(frozen=True)
class CatalogueInfo:
    """A catalogue as checks, bundles and `catalogue show` name it."""

    version: str  # "KH/3/2027-01-12", or "builtin/0.1.0"
    label: str  # Vietnamese
    builtin: bool
    content_hash: str
    issuer_org: str | None = None
    seq: int | None = None
    issued_on: str | None = None
    catalogue_hash: str | None = None
    installed_at: str | None = None
    trusted_via: str | None = None
    source: str | None = None
    note: str | None = None

    def ref(self) -> dict:
        """What a bundle manifest carries: the sender's catalogue."""
        return {"version": self.version, "content_hash": self.content_hash}

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Judge:
    """What the rules engine judges with, and whose it is."""

    info: CatalogueInfo
    rulebooks: RulebookSet
    calendar: WorkCalendar
    warning: str | None = None  # the installed catalogue could not be used (Vietnamese)


@dataclass(frozen=True)
class CatalogueRow:
    """A row of the `catalogues` table (its columns, in order)."""

    id: int
    catalogue_id: str
    catalogue_hash: str
    content_hash: str
    issuer_org: str
    issuer_key_id: str
    seq: int
    issued_on: str
    version: str
    manifest: str
    signature: bytes
    endorsements: str
    trusted_via: str
    source: str
    status: str
    installed_at: str
    installed_by: str


_ROW_SQL = ", ".join(f.name for f in fields(CatalogueRow))


# -- the built-in catalogue: the files this installation ships --


def _shipped_forms() -> dict[str, bytes]:
    folder = resource_path("forms")
    if not folder.is_dir():
        return {}
    return _folder_files(folder, "forms")


def _folder_files(folder: Path, prefix: str) -> dict[str, bytes]:
    """Every file under `folder` as `prefix/relative/path` (hidden files and caches left
    out); a name the format cannot carry is refused, naming it."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(p.startswith((".", "_")) for p in rel.parts) or not path.is_file():
            continue
        name = f"{prefix}/{rel.as_posix()}"
        if not content.is_content(name):
            raise CatalogueError(
                "bad_entry_name",
                f"Tệp '{path}' không đưa được vào bộ danh mục: tên tệp chỉ dùng chữ không dấu, "
                "số, '.', '-', '_' (tối đa bốn cấp thư mục).",
            )
        out[name] = path.read_bytes()
    return out


def _shipped_rules() -> dict[str, bytes]:
    entries = {
        f"rulebooks/{p.name}": p.read_bytes()
        for p in sorted(resource_path("rulebooks").glob("*.json"))
    }
    entries[content.CALENDAR] = resource_path("calendar", "vn-overlay.json").read_bytes()
    return entries


def shipped_entries() -> dict[str, bytes]:
    """The files this installation ships, as catalogue entries (the organisation list
    comes from the database)."""
    return {**_shipped_rules(), **_shipped_forms()}


@lru_cache(maxsize=1)
def builtin_info() -> CatalogueInfo:
    """The shipped files as a catalogue: what judges until one is installed."""
    try:
        entries = shipped_entries()
    except CatalogueError:  # an odd form file name: the rules still identify the build
        entries = _shipped_rules()
    files = {
        n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in entries.items()
    }
    return CatalogueInfo(
        version=f"{BUILTIN}/{__version__}",
        label=f"bộ danh mục tích hợp sẵn (khdesk {__version__})",
        builtin=True,
        content_hash=content.content_hash(files),
    )


def builtin_judge() -> Judge:
    return Judge(builtin_info(), default_rulebooks(), default_calendar())


# -- the installed catalogue --


def current_row(conn: Any) -> CatalogueRow | None:
    """The installed catalogue that judges here, or None (the built-in one judges)."""
    rows = sql.fetch(conn, f"SELECT {_ROW_SQL} FROM catalogues WHERE status = ?", (CURRENT,))
    if not rows:
        return None
    row = CatalogueRow(*rows[0])
    # A driver may hand binary columns back as a memoryview: the callers write bytes.
    return replace(row, signature=bytes(row.signature))


def _info(row: CatalogueRow) -> CatalogueInfo:
    manifest = json.loads(row.manifest)
    return CatalogueInfo(
        version=row.version,
        label=content.version_label(row.issuer_org, row.seq, row.issued_on),
        builtin=False,
        content_hash=row.content_hash,
        issuer_org=row.issuer_org,
        seq=row.seq,
        issued_on=row.issued_on,
        catalogue_hash=row.catalogue_hash,
        installed_at=row.installed_at,
        trusted_via=row.trusted_via,
        source=row.source,
        note=manifest.get("note"),
    )


def current_info(conn: Any) -> CatalogueInfo:
    row = current_row(conn)
    return builtin_info() if row is None else _info(row)


# Parsed rulebooks and calendars by catalogue hash (or why they could not be used): a
# check does not parse JSON again, and the calendar keeps its per-year tables between
# checks. What is per station (when installed, through whom) is read from the row.
_PARSED: dict[str, tuple[RulebookSet, WorkCalendar] | str] = {}
_PARSED_LOCK = threading.Lock()


def _parsed(conn: Any, row: CatalogueRow) -> tuple[RulebookSet, WorkCalendar] | str:
    found = _PARSED.get(row.catalogue_hash)
    if found is not None:
        return found
    # The pattern goes as a parameter: a literal % would be a placeholder to psycopg.
    rows = sql.fetch(
        conn,
        "SELECT name, content FROM catalogue_files"
        " WHERE catalogue_id = ? AND (name LIKE ? OR name = ?)",
        (row.catalogue_id, "rulebooks/%", content.CALENDAR),
    )
    entries = {name: bytes(data) for name, data in rows}
    made: tuple[RulebookSet, WorkCalendar] | str
    try:
        books, _, _ = content.rulebook_set(entries)
        made = (books, WorkCalendar(content.calendar_overlay(entries)))
    except CatalogueError as exc:
        made = exc.message
    except KeyError:
        made = f"thiếu mục '{content.CALENDAR}'"
    with _PARSED_LOCK:
        if len(_PARSED) > 8:
            _PARSED.clear()
        _PARSED[row.catalogue_hash] = made
    return made


def judge(conn: Any) -> Judge:
    """The rulebooks and calendar to judge with here: the installed catalogue's, else the
    shipped ones."""
    row = current_row(conn)
    if row is None:
        return builtin_judge()
    info = _info(row)
    parsed = _parsed(conn, row)
    if isinstance(parsed, str):
        # A later khdesk may not read an old catalogue's rulebooks: judge with the shipped
        # ones and say so, rather than not judging at all.
        return replace(
            builtin_judge(),
            warning=f"Không dùng được {info.label} đã cài ({parsed}); đang kiểm tra theo "
            f"{builtin_info().label}. Hãy xin cấp trên bộ danh mục mới.",
        )
    return Judge(info, *parsed)
