"""Column maps: an office's own spreadsheet read through the template (issue 18, item 6).

An office's sheet names its columns its own way ("Ng.sinh", "NGAY SINH", "Họ tên"). A
column map says, per template sheet, which template field each of the file's headers
fills, or that it is left out (None, "Bỏ qua"). This module suggests one (folded,
accent-insensitive header similarity), checks one strictly (a `--map` JSON file, a
remembered one, the wizard's choice), and keys one by the sheet's header set so that the
same headers next time are offered the same map. Qt-free and DB-free.

An office's sheets may be named its own way too ("DS quần chúng"): a map's "sheets" entry
says which template sheet each of the file's sheet names is; it is suggested the same
way (the sheet's name against the template's names) and remembered with the sheet's
column map.

A map is only ever a header string to a field key, or a sheet name to a template sheet:
it is matched against header cells and sheet names, never used as a path, a sheet to
create or anything else.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from functools import lru_cache
from pathlib import Path
from typing import Any

from khdesk.core.domain import template
from khdesk.core.domain.template import Column, Sheet
from khdesk.core.errors import InputError
from khdesk.core.io import limits
from khdesk.core.io.tabular import check_header, header_norm, match_column, match_sheet
from khdesk.core.text import fold

# Header as written in the file -> column key, or None: the column is left out.
ColumnChoice = dict[str, str | None]
# Template sheet key -> the choice for that sheet's columns; and under SHEETS_ENTRY, the
# file's own sheet name -> template sheet key.
ColumnMap = dict[str, ColumnChoice]
SHEETS_ENTRY = "sheets"  # no template sheet is named so (match_sheet)

SKIP_LABEL = "Bỏ qua"
# Below this a guess is no help: the user picks from the list.
_MIN_SCORE = 0.6
# Row numbers, not data: offered as "Bỏ qua" (an "STT" would else read as "Số tán thành").
_ROW_NUMBER_HEADERS = frozenset({"stt", "tt", "sott", "sothutu", "thutu", "no"})


# --------------------------------------------------------------------------- headers


def header_set_key(sheet: Sheet, headers: Iterable[Any]) -> str:
    """The key a sheet's header set is remembered by: the same headers, in any order,
    with any case, accents or spacing, give the same key."""
    norms = sorted({header_norm(h) for h in headers if h is not None and str(h).strip()})
    digest = hashlib.sha256("\x1f".join([sheet.key, *norms]).encode("utf-8"))
    return digest.hexdigest()[:32]


def field_label(column: Column) -> str:
    """A field as the user picks it: its template header, '*' when required."""
    return column.header + ("*" if column.required else "")


# --------------------------------------------------------------------------- suggestions


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


@lru_cache(maxsize=4096)
def _covered(short: tuple[str, ...], long: tuple[str, ...]) -> int | None:
    """How many words of `long` the words of `short` stand for, in order, each an
    abbreviation: a prefix of one word ("ng" for "ngay"), or the initials of two or more
    words in a row ("cb" for "chi bo"); words of `long` may be skipped ("ho ten" for "ho
    va ten"). None when some word of `short` stands for nothing."""
    if not short:
        return 0
    word, rest = short[0], short[1:]
    best: int | None = None
    for i in range(len(long)):
        if long[i].startswith(word):
            tail = _covered(rest, long[i + 1 :])
            if tail is not None:
                best = max(best or 0, 1 + tail)
        for n in range(2, min(len(word), len(long) - i) + 1):
            if "".join(w[0] for w in long[i : i + n]) == word:
                tail = _covered(rest, long[i + n :])
                if tail is not None:
                    best = max(best or 0, n + tail)
    return best


def _similarity(header: tuple[str, ...], name: tuple[str, ...]) -> float:
    """How alike a file's header and a field's name are, 0..1."""
    if not header or not name:
        return 0.0
    if "".join(header) == "".join(name):
        return 1.0
    score = 0.0
    covered = _covered(header, name)
    if covered is not None:  # the header abbreviates the name: "Ng.sinh", "Mã CB"
        score = 0.65 + 0.3 * covered / len(name)
    elif _within(name, header):
        # The header says more: "ngày/tháng/năm sinh" for "ngày sinh".
        score = 0.6 + 0.3 * len(name) / len(header)
    ratio = difflib.SequenceMatcher(None, "".join(header), "".join(name)).ratio()
    return max(score, 0.9 * ratio)


def _within(name: tuple[str, ...], header: tuple[str, ...]) -> bool:
    """Every word of `name` among the header's, in order (more words around them)."""
    it = iter(header)
    return len(name) > 1 and all(any(w == h for h in it) for w in name)


def _names(column: Column) -> list[tuple[str, ...]]:
    return [_tokens(column.header), tuple(column.key.split("_"))]


Named = Iterable[tuple[list[tuple[str, ...]], str]]  # (the names, the key) of each choice


def _best(words: tuple[str, ...], named: Named) -> tuple[float, str] | None:
    """The (score, key) whose names are most like `words`, when one stands out."""
    scores = sorted(
        ((max(_similarity(words, n) for n in names), key) for names, key in named), reverse=True
    )
    if not scores or scores[0][0] < _MIN_SCORE:
        return None
    if len(scores) > 1 and scores[1][0] >= scores[0][0] - 0.02:
        return None  # two fit as well: no guess is better than a wrong one
    return scores[0]


def suggest_sheet(title: str, taken: Set[str] = frozenset()) -> Sheet | None:
    """The template sheet a sheet the office named its own way most likely is ("DS quần
    chúng" → Quần chúng), among those not `taken`; None when none stands out."""
    words = _tokens(title)
    named = [
        ([_tokens(s.name), tuple(s.key.split("_"))], s.key)
        for s in template.SHEETS
        if s.key not in taken
    ]
    found = _best(words, named) if words else None
    return template.SHEETS_BY_KEY[found[1]] if found else None


def suggest(sheet: Sheet, headers: Sequence[Any]) -> ColumnChoice:
    """A field for each header of the file, or None: the template's own headers (and ascii
    keys) first, then the most similar field not taken, when one stands out."""
    choice: ColumnChoice = {}
    taken: set[str] = set()
    open_headers = []
    for h in headers:
        if h is None or not str(h).strip() or str(h) in choice:
            continue
        col = match_column(sheet, h)
        if col is not None and col.key not in taken:
            choice[str(h)] = col.key
            taken.add(col.key)
        else:
            choice[str(h)] = None
            open_headers.append(str(h))
    scored = []
    for h in open_headers:
        words = _tokens(h)
        if "".join(words) in _ROW_NUMBER_HEADERS or not words:
            continue
        named = [(_names(c), c.key) for c in sheet.columns if c.key not in taken]
        found = _best(words, named)
        if found is not None:
            scored.append((found[0], h, found[1]))
    for _, h, key in sorted(scored, reverse=True):
        if key not in taken:
            choice[h] = key
            taken.add(key)
    return choice


def needs_map(sheet: Sheet, headers: Sequence[Any]) -> bool:
    """Whether the template's own header matching leaves a header unplaced or a required
    field without a column."""
    found = set()
    for h in headers:
        if h is None or not str(h).strip():
            continue
        col = match_column(sheet, h)
        if col is None:
            return True
        found.add(col.key)
    return any(c.required and c.key not in found for c in sheet.columns)


# --------------------------------------------------------------------------- checking


def choice_problems(sheet: Sheet, headers: Sequence[Any], choice: Mapping[str, str | None]):
    """What is wrong with `choice` for a sheet whose header row is `headers` (Vietnamese,
    one line each; empty when nothing is): a mapped header the sheet lacks, a field filled
    from two columns, a required field filled from none."""
    problems: list[str] = []
    in_file = {header_norm(h): str(h) for h in headers if h is not None and str(h).strip()}
    chosen = {header_norm(h): k for h, k in choice.items()}
    for h in choice:
        if header_norm(h) not in in_file:
            problems.append(f"trang '{sheet.name}' của tệp nhập không có cột '{h}'")
    filled_from: dict[str, list[str]] = {}
    for norm, shown in in_file.items():
        if norm in chosen:
            key = chosen[norm]
        else:
            col = match_column(sheet, shown)
            key = col.key if col else None
        if key is not None:
            filled_from.setdefault(key, []).append(shown)
    for col in sheet.columns:
        sources = filled_from.get(col.key, [])
        if len(sources) > 1:
            listed = ", ".join(f"'{s}'" for s in sources)
            problems.append(
                f"trường '{col.header}' [{col.key}] được ghép từ {len(sources)} cột: {listed}"
                " — chỉ chọn một cột, các cột kia để Bỏ qua"
            )
        elif not sources and col.required:
            problems.append(
                f"thiếu trường bắt buộc '{col.header}' [{col.key}] — hãy ghép một cột của tệp "
                "vào trường này"
            )
    return problems


def check_choice(sheet: Sheet, headers: Sequence[Any], choice: ColumnChoice, what: str) -> None:
    """Raise InputError listing choice_problems, naming `what` (the map's source)."""
    problems = choice_problems(sheet, headers, choice)
    if problems:
        raise InputError(f"{what}: " + "; ".join(problems) + ".")


def validate_map(data: Any, what: str) -> ColumnMap:
    """A column map from JSON-shaped data, strictly: an object of template sheets (name or
    ascii key), each an object of header -> field key (ascii key or template header) or
    null; and "sheets", an object of the file's sheet name -> template sheet. Raises
    InputError naming `what` and the entry that is wrong."""
    if not isinstance(data, dict) or not data:
        raise InputError(
            f"{what}: cần một đối tượng JSON dạng "
            '{"Quần chúng": {"Ng.sinh": "birth_date", "STT": null}}.'
        )
    out: ColumnMap = {}
    for sheet_name, columns in data.items():
        if sheet_name == SHEETS_ENTRY:
            out[SHEETS_ENTRY] = _sheet_names(columns, what)
            continue
        sheet = match_sheet(str(sheet_name))
        if sheet is None:
            names = ", ".join(s.name for s in template.SHEETS)
            shown = str(sheet_name)[:60]
            raise InputError(f"{what}: không có trang '{shown}' trong mẫu (các trang: {names}).")
        if sheet.key in out:
            raise InputError(f"{what}: trang '{sheet.name}' có hai lần.")
        if not isinstance(columns, dict):
            raise InputError(f"{what}: trang '{sheet.name}' cần một đối tượng cột → trường.")
        choice: ColumnChoice = {}
        seen_headers: dict[str, str] = {}
        seen_fields: dict[str, str] = {}
        for raw_header, raw_key in columns.items():
            header = check_header(raw_header, f"{what}, trang '{sheet.name}'")
            norm = header_norm(header)
            if norm in seen_headers:
                raise InputError(
                    f"{what}, trang '{sheet.name}': cột '{header}' có hai lần "
                    f"(cùng cột '{seen_headers[norm]}')."
                )
            seen_headers[norm] = header
            if raw_key is None:
                choice[header] = None
                continue
            col = match_column(sheet, raw_key) if isinstance(raw_key, str) else None
            if col is None or (isinstance(raw_key, str) and len(raw_key) > 100):
                shown = str(raw_key)[:60]
                raise InputError(
                    f"{what}, trang '{sheet.name}', cột '{header}': không có trường '{shown}' "
                    f"trong trang này của mẫu (ghi mã như 'full_name', hoặc null để bỏ qua)."
                )
            if col.key in seen_fields:
                raise InputError(
                    f"{what}, trang '{sheet.name}': trường '{col.key}' được ghép hai lần "
                    f"(cột '{seen_fields[col.key]}' và cột '{header}')."
                )
            seen_fields[col.key] = header
            choice[header] = col.key
        out[sheet.key] = choice
    return out


def _sheet_names(data: Any, what: str) -> ColumnChoice:
    """The "sheets" entry: the file's sheet name (hostile text checked like a header) ->
    template sheet key, each name once and each template sheet from one name only."""
    where = f"{what}, mục '{SHEETS_ENTRY}'"
    if not isinstance(data, dict) or not data:
        raise InputError(
            f"{where}: cần một đối tượng tên trang trong tệp → trang của mẫu, ví dụ "
            '{"DS quần chúng": "Quần chúng"}.'
        )
    out: ColumnChoice = {}
    seen_titles: dict[str, str] = {}
    seen_sheets: dict[str, str] = {}
    for raw_title, raw_sheet in data.items():
        title = check_header(raw_title, where)
        norm = header_norm(title)
        if norm in seen_titles:
            raise InputError(f"{where}: trang '{title}' có hai lần (cùng '{seen_titles[norm]}').")
        seen_titles[norm] = title
        sheet = match_sheet(raw_sheet) if isinstance(raw_sheet, str) else None
        if sheet is None or len(raw_sheet) > 100:
            names = ", ".join(s.name for s in template.SHEETS)
            raise InputError(
                f"{where}, trang '{title}': '{str(raw_sheet)[:60]}' không phải trang của mẫu "
                f"(các trang: {names})."
            )
        if sheet.key in seen_sheets:
            raise InputError(
                f"{where}: trang '{sheet.name}' của mẫu được ghép hai lần (trang "
                f"'{seen_sheets[sheet.key]}' và trang '{title}')."
            )
        seen_sheets[sheet.key] = title
        out[title] = sheet.key
    return out


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InputError(f"mục '{str(key)[:60]}' có hai lần")
        seen[key] = value
    return seen


def parse_map(raw: bytes, name: str) -> ColumnMap:
    """A column map file's bytes (UTF-8 JSON, a BOM allowed), checked strictly."""
    what = f"Tệp ghép cột '{name}'"
    if len(raw) > limits.MAX_MAP_BYTES:
        raise InputError(
            f"{what} lớn {len(raw)} byte, quá giới hạn {limits.MAX_MAP_BYTES} byte — không "
            "phải tệp ghép cột."
        )
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError:
        raise InputError(f"{what} không phải JSON hợp lệ (không phải văn bản UTF-8).") from None
    except InputError as e:
        raise InputError(f"{what}: {e}.") from None
    except (ValueError, RecursionError) as e:
        where = f" (dòng {e.lineno}, cột {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        raise InputError(f"{what} không phải JSON hợp lệ{where}.") from None
    return validate_map(data, what)


def load_map_file(path: Path) -> ColumnMap:
    path = Path(path)
    try:
        if path.stat().st_size > limits.MAX_MAP_BYTES:
            return parse_map(b" " * (limits.MAX_MAP_BYTES + 1), path.name)
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"Không đọc được tệp ghép cột '{path}': {e.strerror or e}.") from None
    return parse_map(raw, path.name)


# --------------------------------------------------------------------------- for the reader


class MapChooser:
    """What the reader asks for each sheet (tabular.read_tables(chooser=...)): which
    template sheet it is, and the columns to read under which field. A sheet named in
    `given` (the --map file, the wizard's choice) is read through it, checked strictly
    against the sheet's headers; any other sheet through a remembered map when its header
    set is one seen before. `used` says which.

    A sheet the template does not name is the one `given` names it as, else the one a
    remembered map was read from under that name (`titles`: name -> sheet key), else,
    with `suggest_sheets` (the wizard's first look), the most similar template sheet."""

    def __init__(
        self,
        given: ColumnMap | None = None,
        remembered: Mapping[str, tuple[str, ColumnChoice]] | None = None,
        what: str = "Cách ghép cột",
        titles: Mapping[str, str] | None = None,
        suggest_sheets: bool = False,
    ):
        given = dict(given or {})
        names = given.pop(SHEETS_ENTRY, {})
        self.sheet_names = {header_norm(n): k for n, k in names.items()}
        self._given_names = {header_norm(n): n for n in names}
        self.given = given
        self.remembered = remembered or {}  # header-set key -> (sheet key, choice)
        self.remembered_names = {header_norm(n): k for n, k in (titles or {}).items()}
        self.what = what
        self.suggest_sheets = suggest_sheets
        # Sheet key -> (header-set key, the choice, "given" or "remembered").
        self.used: dict[str, tuple[str, ColumnChoice, str]] = {}
        # Sheet key -> the file's own name of the sheet read as it.
        self.titles: dict[str, str] = {}
        self._seen: set[str] = set()  # the file's sheet names, normalized

    def sheet_for(self, title: str) -> Sheet | None:
        """The template sheet a sheet of the file named `title` is (None: not one)."""
        norm = header_norm(title)
        self._seen.add(norm)
        key = self.sheet_names.get(norm)
        if key is None:
            sheet = match_sheet(title)
            if sheet is not None:
                return sheet
            key = self.remembered_names.get(norm)
        if key is None and self.suggest_sheets:
            found = suggest_sheet(title, {*self.titles, *self._template_named()})
            key = found.key if found else None
        if key is None or key in self.titles:
            return None
        self.titles[key] = title
        return template.SHEETS_BY_KEY[key]

    def _template_named(self) -> set[str]:
        """Template sheets the file names as the template does (seen so far)."""
        return {s.key for s in template.SHEETS if header_norm(s.name) in self._seen}

    def check_sheets(self) -> None:
        """Refuse a given map naming a sheet the file does not have (after reading)."""
        missing = [n for norm, n in self._given_names.items() if norm not in self._seen]
        if missing:
            listed = ", ".join(f"'{n}'" for n in missing)
            raise InputError(f"{self.what}: tệp nhập không có trang {listed}.")

    def known_headers(self, sheet: Sheet) -> set[str]:
        """Headers (normalized) a map of this sheet names: they mark the header row."""
        choices = [self.given.get(sheet.key, {})]
        choices += [c for key, c in self.remembered.values() if key == sheet.key]
        return {header_norm(h) for c in choices for h in c}

    def choose(self, sheet: Sheet, headers: Sequence[Any]) -> ColumnChoice | None:
        set_key = header_set_key(sheet, headers)
        renamed = self.sheet_names.get(header_norm(self.titles.get(sheet.key, ""))) == sheet.key
        if sheet.key not in self.given and renamed:
            # A sheet given only its name: its template headers, remembered with the name.
            own = {str(h): c.key for h in headers if (c := match_column(sheet, h)) is not None}
            if own:
                self.given[sheet.key] = own
        if sheet.key in self.given:
            choice = self.given[sheet.key]
            check_choice(sheet, headers, choice, self.what)
            self.used[sheet.key] = (set_key, choice, "given")
            return choice
        found = self.remembered.get(set_key)
        if found is not None and found[0] == sheet.key:
            if choice_problems(sheet, headers, found[1]):
                return None  # a remembered map that no longer fits: the template alone
            self.used[sheet.key] = (set_key, found[1], "remembered")
            return found[1]
        return None
