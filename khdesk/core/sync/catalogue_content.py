"""A catalogue's content entries: their names, their hash, their parsing as the rules use
them (FORMAT.md §10). The file format itself is in khdesk.core.sync.catalogue.

Kept apart, and free of SQLAlchemy, because judging reads an installed catalogue's
rulebooks and calendar on the app's first screen, before SQLAlchemy is imported (the file
format needs the sync records and keys, which need it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from khdesk.core.domain import calendar as cal
from khdesk.core.domain import rulebook as rb
from khdesk.core.sync import canonical
from khdesk.core.sync.errors import CatalogueError
from khdesk.core.text import forbidden_char_problem, unit_code_problem

ORGS = "orgs.jsonl"
# The other provinces a file may be transferred to (FORMAT.md §12): [{"code", "name"}].
OUTSIDE = "outside.json"
MAX_OUTSIDE = 100
CALENDAR = "calendar/vn-overlay.json"
RULEBOOK_ENTRY = re.compile(r"^rulebooks/[a-z0-9][a-z0-9._-]{0,63}\.json$")
# Form templates keep their folder layout (up to four levels); every segment starts with a
# letter or digit, so '..', absolute paths, backslashes and drive letters cannot appear.
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
FORM_ENTRY = re.compile(rf"^forms/(?:{_SEGMENT}/){{0,3}}{_SEGMENT}$")


def is_content(name: str) -> bool:
    """A content entry's name (what the manifest pins)."""
    return (
        name in (ORGS, CALENDAR, OUTSIDE)
        or RULEBOOK_ENTRY.fullmatch(name) is not None
        or FORM_ENTRY.fullmatch(name) is not None
    )


def content_hash(files: Mapping[str, dict]) -> str:
    """The content's identity: SHA-256 of the canonical `files` map (name → sha256, size).
    Two versions with the same content have the same content hash."""
    return hashlib.sha256(canonical.dumps(dict(files))).hexdigest()


def version_text(issuer_org: str, seq: int, issued_on: str) -> str:
    """The version as it appears in `check --json` and bundle manifests: KH/3/2027-01-12."""
    return f"{issuer_org}/{seq}/{issued_on}"


def version_label(issuer_org: str, seq: int, issued_on: str) -> str:
    """The version as a person reads it."""
    try:
        day = date.fromisoformat(issued_on).strftime("%d/%m/%Y")
    except ValueError:
        day = issued_on
    return f"bộ danh mục {issuer_org} số {seq} ngày {day}"


def _json(entries: Mapping[str, bytes], name: str) -> Any:
    try:
        return canonical.loads(entries[name], max_depth=12)
    except canonical.JSONRefused as exc:
        raise CatalogueError("content", f"Mục '{name}' không phải JSON hợp lệ: {exc}.") from None


def rulebook_set(entries: Mapping[str, bytes]) -> tuple[rb.RulebookSet, list[str], list[str]]:
    """Base books and local overlays of `rulebooks/…` entries, overlays applied in name
    order (each may only tighten what it overlays)."""
    books, overlays, book_names, overlay_names = [], [], [], []
    for name in sorted(n for n in entries if RULEBOOK_ENTRY.fullmatch(n)):
        data = _json(entries, name)
        try:
            if isinstance(data, dict) and data.get("overlay"):
                overlays.append(rb.parse_overlay(data, name))
                overlay_names.append(name)
            else:
                books.append(rb.parse_rulebook(data, name))
                book_names.append(name)
        except rb.RulebookError as exc:
            raise CatalogueError("content", f"Mục '{name}': {exc.message}") from None
    where = "rulebooks/"
    try:
        books_set = rb.RulebookSet(books)
        for name, overlay in zip(overlay_names, overlays, strict=True):
            where = name
            books_set = books_set.with_overlay(overlay)
    except rb.RulebookError as exc:
        raise CatalogueError("content", f"Mục '{where}': {exc.message}") from None
    return books_set, book_names, overlay_names


def calendar_overlay(entries: Mapping[str, bytes]) -> cal.CalendarOverlay:
    try:
        return cal.parse_overlay(_json(entries, CALENDAR), CALENDAR)
    except cal.CalendarError as exc:
        raise CatalogueError("content", f"Mục '{CALENDAR}': {exc.message}") from None


def outside_provinces(entries: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """The other provinces the issuing province enrolled, (code, name) by code: what a
    cell or a committee may send a file to out of the province. None listed: []."""
    if OUTSIDE not in entries:
        return []
    data = _json(entries, OUTSIDE)
    if not isinstance(data, list) or len(data) > MAX_OUTSIDE:
        raise CatalogueError(
            "content", f"Mục '{OUTSIDE}' phải là danh sách tỉnh (tối đa {MAX_OUTSIDE})."
        )
    found: dict[str, str] = {}
    for n, item in enumerate(data, 1):
        ok = isinstance(item, dict) and set(item) == {"code", "name"}
        ok = ok and all(isinstance(v, str) for v in item.values())
        problem = None if ok else "phải có đúng 'code' và 'name' (chuỗi)"
        if problem is None:
            code, name = item["code"], item["name"]
            problem = (
                unit_code_problem(code)
                or forbidden_char_problem(name)
                or ("tên trống hoặc dài quá 300 ký tự" if not 0 < len(name) <= 300 else None)
                or ("mã trùng" if code in found else None)
            )
        if problem:
            raise CatalogueError("content", f"Mục '{OUTSIDE}', tỉnh thứ {n}: {problem}.")
        found[item["code"]] = item["name"]
    return sorted(found.items())
