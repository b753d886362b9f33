"""Column maps remembered with the profile: the same header set next time, the same map.

Kept in the profile's settings file (plain JSON beside the profile, written atomically;
headers and field keys are no personal data), under "column_maps": header-set key ->
{"sheet": sheet key, "columns": {header: field key or null}}. What is read back is
checked like a `--map` file (column_map.validate_map); an entry that fails is ignored.
"""

from __future__ import annotations

from khdesk.core.domain.template import SHEETS_BY_KEY
from khdesk.core.errors import InputError
from khdesk.core.io.column_map import (
    ColumnChoice,
    ColumnMap,
    MapChooser,
    header_set_key,
    suggest,
    validate_map,
)
from khdesk.core.io.tabular import SheetHead, header_norm
from khdesk.core.services.session import Session, load_settings, save_settings, settings_path

SETTINGS_KEY = "column_maps"
MAX_REMEMBERED = 100  # the oldest go first


def _path(session: Session):
    return settings_path(session.dir.home, session.dir.name)


def remembered(session: Session) -> dict[str, tuple[str, ColumnChoice]]:
    """Header-set key -> (sheet key, choice), for every valid remembered map."""
    stored = load_settings(_path(session)).get(SETTINGS_KEY)
    if not isinstance(stored, dict):
        return {}
    found = {}
    for set_key, entry in stored.items():
        try:
            sheet = entry["sheet"]
            checked = validate_map({sheet: entry["columns"]}, "Cách ghép cột đã lưu")
        except (InputError, KeyError, TypeError):
            continue  # a damaged entry: as if never saved
        if sheet not in SHEETS_BY_KEY or not checked.get(sheet):
            continue
        found[str(set_key)] = (sheet, checked[sheet])
    return found


def remember(session: Session, chooser: MapChooser) -> None:
    """Keep the maps the user gave (a `--map` file, the wizard) by their header set."""
    given = {k: v for k, v in chooser.used.items() if v[2] == "given"}
    if not given:
        return
    current = load_settings(_path(session)).get(SETTINGS_KEY)
    maps = dict(current) if isinstance(current, dict) else {}
    for sheet_key, (set_key, choice, _) in given.items():
        maps.pop(set_key, None)  # to the end: the newest
        maps[set_key] = {"sheet": sheet_key, "columns": dict(choice)}
    while len(maps) > MAX_REMEMBERED:
        maps.pop(next(iter(maps)))
    save_settings(_path(session), **{SETTINGS_KEY: maps})


def chooser(session: Session, given: ColumnMap | None, what: str = "Cách ghép cột") -> MapChooser:
    """The reader's chooser: `given` first, then the remembered maps."""
    return MapChooser(given, remembered(session), what)


def offered(session: Session, head: SheetHead) -> tuple[ColumnChoice, bool]:
    """The map to offer for a sheet: the remembered one for its header set (True), else
    the suggestions (False). Keyed by the file's headers as they are written."""
    found = remembered(session).get(header_set_key(head.sheet, head.headers))
    if found is not None and found[0] == head.sheet.key:
        by_norm = {header_norm(h): k for h, k in found[1].items()}
        choice = {h: by_norm.get(header_norm(h)) for h in head.headers}
        return choice, True
    return suggest(head.sheet, head.headers), False
