"""Column maps remembered with the profile: the same header set next time, the same map.

Kept in the profile's settings file (plain JSON beside the profile, written atomically;
headers, sheet names and field keys are no personal data), under "column_maps":
header-set key -> {"sheet": sheet key, "columns": {header: field key or null}, and
"title": the file's own name of the sheet when it was not the template's}. What is read
back is checked like a `--map` file (column_map.validate_map); an entry that fails is
ignored. A remembered title names that sheet again in the next file.
"""

from __future__ import annotations

from khdesk.core.domain.template import SHEETS_BY_KEY
from khdesk.core.errors import InputError
from khdesk.core.io.column_map import (
    SHEETS_ENTRY,
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


def _stored(session: Session) -> list[tuple[str, str, ColumnChoice, str | None]]:
    """(header-set key, sheet key, choice, the file's own sheet name) of every valid
    remembered map, oldest first."""
    stored = load_settings(_path(session)).get(SETTINGS_KEY)
    if not isinstance(stored, dict):
        return []
    found = []
    for set_key, entry in stored.items():
        try:
            sheet = entry["sheet"]
            data = {sheet: entry["columns"]}
            if entry.get("title") is not None:
                data[SHEETS_ENTRY] = {entry["title"]: sheet}
            checked = validate_map(data, "Cách ghép cột đã lưu")
        except (InputError, KeyError, TypeError, AttributeError):
            continue  # a damaged entry: as if never saved
        if sheet not in SHEETS_BY_KEY or not checked.get(sheet):
            continue
        title = next(iter(checked.get(SHEETS_ENTRY, {})), None)
        found.append((str(set_key), sheet, checked[sheet], title))
    return found


def remembered(session: Session) -> dict[str, tuple[str, ColumnChoice]]:
    """Header-set key -> (sheet key, choice), for every valid remembered map."""
    return {set_key: (sheet, choice) for set_key, sheet, choice, _ in _stored(session)}


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
        if sheet_key in chooser.titles:
            maps[set_key]["title"] = chooser.titles[sheet_key]
    while len(maps) > MAX_REMEMBERED:
        maps.pop(next(iter(maps)))
    save_settings(_path(session), **{SETTINGS_KEY: maps})


def chooser(
    session: Session,
    given: ColumnMap | None,
    what: str = "Cách ghép cột",
    *,
    suggest_sheets: bool = False,
) -> MapChooser:
    """The reader's chooser: `given` first, then the remembered maps (and sheet names);
    `suggest_sheets`: a sheet named neither way is guessed by its name (a first look)."""
    stored = _stored(session)
    return MapChooser(
        given,
        {set_key: (sheet, choice) for set_key, sheet, choice, _ in stored},
        what,
        titles={title: sheet for _, sheet, _, title in stored if title},
        suggest_sheets=suggest_sheets,
    )


def offered(session: Session, head: SheetHead) -> tuple[ColumnChoice, bool]:
    """The map to offer for a sheet: the remembered one for its header set (True), else
    the suggestions (False). Keyed by the file's headers as they are written."""
    found = remembered(session).get(header_set_key(head.sheet, head.headers))
    if found is not None and found[0] == head.sheet.key:
        by_norm = {header_norm(h): k for h, k in found[1].items()}
        choice = {h: by_norm.get(header_norm(h)) for h in head.headers}
        return choice, True
    return suggest(head.sheet, head.headers), False
