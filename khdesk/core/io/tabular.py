"""Spreadsheet I/O for the template (TEMPLATE.md): `.xlsx` workbooks and UTF-8 `.csv` files.

Qt-free and DB-free. Reading gives plain Python values keyed by the template's ascii keys,
plus the problems found, in Vietnamese; writing is the inverse, so a round trip gives back
the same values.

Parsing is column-wise: each column's converter is built once per sheet and run over the
whole column (once per distinct value where values repeat), and failures are collected on
the side. A per-cell dispatch with try/except is several times slower, and parsing must
stay a small part of the import benchmark's budget (>= 20,000 rows/s for the whole import).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, partial
from itertools import compress, islice, repeat, zip_longest
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol

from khdesk.core.domain import template
from khdesk.core.domain.pipeline import parse_step
from khdesk.core.domain.template import Column, Kind, Sheet
from khdesk.core.errors import CellProblem, InputError, KhdeskError
from khdesk.core.fsutil import atomic_write
from khdesk.core.io import limits
from khdesk.core.io.inert import escape_csv, unescape_column, xlsx_cell
from khdesk.core.progress import CancelToken, ProgressReport, no_progress, step
from khdesk.core.text import (
    DATE_FORM,
    FORBIDDEN_CHARS,
    fold,
    forbidden_char_problem,
    parse_date,
)

__all__ = [
    "ParsedRow",
    "ReadResult",
    "SheetHead",
    "check_header",
    "convert_value",
    "header_norm",
    "match_column",
    "match_sheet",
    "preview_sheet",
    "read_heads",
    "read_sheet",
    "read_tables",
    "write_empty_template",
    "write_tables",
]

# Dates outside this range are typos (a two-digit year, 0224 for 2024), not history.
MIN_YEAR = 1900
# Every integer column is a 32-bit one (PostgreSQL `integer` at the province tier); bundles
# refuse larger numbers too (sync.records).
MAX_INTEGER = 2**31 - 1
MAX_YEAR = 2100
# A title line or two may sit above the header; look this far down for it.
_HEADER_SCAN = 10
_DATE_FORMAT = "DD/MM/YYYY"
_XLSX_SUFFIXES = (".xlsx", ".xlsm")

_normalize = unicodedata.normalize
_fromisoformat = date.fromisoformat
# mkstemp creates files 0600; a written file should get the mode any new file gets.
_UMASK = os.umask(0)
os.umask(_UMASK)


# --------------------------------------------------------------------------- results


class ParsedRow(NamedTuple):
    row: int  # as Excel shows it: the header is row 1, so the first data row is 2
    values: dict[str, Any]  # column key -> value, only for columns the file has


@dataclass
class ReadResult:
    # Sheet key -> rows without problems, in template order, only sheets the input has.
    sheets: dict[str, list[ParsedRow]] = field(default_factory=dict)
    # Sheet key -> keys of the columns the file has: an absent column is not an empty cell.
    present_columns: dict[str, set[str]] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)
    bad_rows: int = 0  # rows left out of `sheets` because a cell had a problem

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------- matching


def header_norm(text: Any) -> str:
    """A header as it is matched: case, diacritics, spaces and a trailing '*' ignored."""
    return fold(str(text)).replace(" ", "").rstrip("*")


def _name_norm(text: str) -> str:
    return fold(text).replace(" ", "").replace("_", "").replace("-", "")


_SHEET_LOOKUP: dict[str, Sheet] = {}
for _s in template.SHEETS:
    _SHEET_LOOKUP[_name_norm(_s.name)] = _s
    _SHEET_LOOKUP[_name_norm(_s.key)] = _s

# The ascii key is accepted as a header too: scripts and JSON tools write those.
_COLUMN_LOOKUP: dict[str, dict[str, Column]] = {
    s.key: {
        **{header_norm(c.key): c for c in s.columns},
        **{header_norm(c.header): c for c in s.columns},
    }
    for s in template.SHEETS
}
_COLUMN_SHEETS = {s.key: s for s in template.SHEETS}


def match_sheet(name: str) -> Sheet | None:
    """The template sheet named `name` (Vietnamese name or ascii key, any case/diacritics)."""
    return _SHEET_LOOKUP.get(_name_norm(name))


def match_column(sheet: Sheet, header: Any) -> Column | None:
    """The column of `sheet` a header cell names; case, diacritics, spaces, '*' ignored."""
    if header is None:
        return None
    return _columns_of(sheet).get(header_norm(header))


def _columns_of(sheet: Sheet) -> dict[str, Column]:
    """A sheet's header lookup: the template's, or one built once for a sheet of its own
    layout (read_sheet)."""
    if _COLUMN_SHEETS.get(sheet.key) is sheet:
        return _COLUMN_LOOKUP[sheet.key]
    return _own_columns(sheet)


@cache
def _own_columns(sheet: Sheet) -> dict[str, Column]:
    return {
        **{header_norm(c.key): c for c in sheet.columns},
        **{header_norm(c.header): c for c in sheet.columns},
    }


# --------------------------------------------------------------------------- cell converters

# A converter returns the value, None for an empty cell, or _BAD after appending the
# message to its `fails` list: no exception on the hot path, and nothing to check per cell
# when `fails` stays empty.
_BAD: Any = object()
Converter = Callable[[Any], Any]


def _dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _shown(value: Any) -> str:
    """A cell value as the user sees it, for messages."""
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second:
            return f"{_dmy(value)} {value:%H:%M}"
        return _dmy(value)
    if isinstance(value, date):
        return _dmy(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return str(value)


def _text_of(value: Any, pad: int = 0) -> str | None:
    """A non-str cell read as text. Excel turns a typed CCCD into a number (1.2e11)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        # Every CCCD starts with a 0 (province code 001-096), so a CCCD typed as a number
        # has lost one or two zeros; 10-11 digits can only be such a CCCD.
        digits = str(value)
        if pad and value >= 0 and pad - 2 <= len(digits) < pad:
            digits = digits.zfill(pad)
        return digits
    if isinstance(value, datetime) and not (value.hour or value.minute or value.second):
        return _dmy(value)
    if isinstance(value, date):
        return _dmy(value)
    text = " ".join(_normalize("NFC", str(value)).split())
    return text or None


def _forbidden_problem(problem: str) -> str:
    return f"{problem[0].upper()}{problem[1:]} — hãy xóa ký tự đó rồi nhập lại"


def _make_text(column: Column, fails: list[str]) -> Converter:
    pad = 12 if column.key == "cccd" else 0

    def conv(v: Any) -> Any:
        # Same result as text.nfc (NFC, whitespace runs collapsed, trimmed): str.split()
        # and the regex \s agree on what whitespace is. ASCII needs no normalising.
        if type(v) is str:
            if v.isascii():
                text = " ".join(v.split()) or None
            else:
                text = " ".join(_normalize("NFC", v).split()) or None
            # Whitespace (TAB, LF, VT...) is a space by now; any other control character
            # is refused, not stripped: a NUL taken out of a code would make another code.
            if text is not None and not text.isprintable():
                problem = forbidden_char_problem(text)
                if problem:
                    fails.append(_forbidden_problem(problem))
                    return _BAD
            return text
        return _text_of(v, pad)

    return conv


# An Excel date written out as text may carry the time of day: "2024-01-05 00:00:00".
_TIME_OF_DAY = re.compile(r"(?:\s+|T)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]*)?)?\Z")


def _date_problem(shown: str, why: str = DATE_FORM) -> str:
    return f"Ngày không hợp lệ '{shown}' — {why}"


def _year_problem(shown: str) -> str:
    return f"Ngày không hợp lệ '{shown}' — năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}"


def _make_date(column: Column, fails: list[str]) -> Converter:
    cache: dict[str, date] = {}  # dates repeat a lot (birth dates, meeting days)

    def conv(v: Any) -> Any:
        if type(v) is str:
            d = cache.get(v)
            if d is not None:
                return d
            s = v.strip()
            if not s:
                return None
            # Fast path for the template's own dd/mm/yyyy; anything else goes the long way,
            # the one reading of a typed date (text.parse_date), which says what is wrong.
            # (fromisoformat parses in C and takes ASCII digits only.)
            d = None
            if len(s) == 10 and s[2] == "/" == s[5]:
                with contextlib.suppress(ValueError):
                    d = _fromisoformat(f"{s[6:]}-{s[3:5]}-{s[:2]}")
            if d is None:
                try:
                    d = parse_date(_TIME_OF_DAY.sub("", s, count=1))
                except ValueError as exc:
                    fails.append(_date_problem(s, str(exc)))
                    return _BAD
            if not MIN_YEAR <= d.year <= MAX_YEAR:
                fails.append(_year_problem(s))
                return _BAD
            cache[v] = d
            return d
        if v is None:
            return None
        if isinstance(v, date):  # a real Excel date cell (datetime is a date)
            if not MIN_YEAR <= v.year <= MAX_YEAR:
                fails.append(_year_problem(_shown(v)))
                return _BAD
            return v.date() if isinstance(v, datetime) else v
        fails.append(_date_problem(_shown(v)))
        return _BAD

    return conv


_BOOL_WORDS = {
    "co": True,
    "khong": False,
    "x": True,
    "1": True,
    "0": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "\u2713": True,  # ✓, a tick typed instead of x
    "\u2714": True,
}
_BOOL_EXPECTED = "cần Có/Không (hoặc x/để trống, 1/0)"


def _word_reader(
    exact: dict[str, Any],
    norm: Callable[[str], str],
    words: Mapping[str, Any],
    expected: str,
    fails: list[str],
) -> Callable[[str], Any]:
    """A text cell not in `exact` read as one of `words` (by its `norm`alised form) and
    cached in `exact` as typed: a column holds many equal cells, and the caller looks
    there first (inline: a call per cell would cost a third more)."""

    def read(v: str) -> Any:
        key = norm(v)
        if not key:
            return None
        hit = words.get(key)
        if hit is None:
            fails.append(f"Giá trị không hợp lệ '{v.strip()}' — {expected}")
            return _BAD
        exact[v] = hit
        return hit

    return read


def _make_bool(column: Column, fails: list[str]) -> Converter:
    exact: dict[str, Any] = {"Có": True, "Không": False, "x": True, "X": True}
    read_word = _word_reader(exact, fold, _BOOL_WORDS, _BOOL_EXPECTED, fails)

    def conv(v: Any) -> Any:
        if type(v) is str:
            hit = exact.get(v)
            return read_word(v) if hit is None else hit
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        if isinstance(v, int | float) and v in (0, 1):
            return bool(v)
        fails.append(f"Giá trị không hợp lệ '{_shown(v)}' — {_BOOL_EXPECTED}")
        return _BAD

    return conv


def _int_problem(shown: str) -> str:
    return f"Số không hợp lệ '{shown}' — cần số nguyên không âm"


def _make_int(column: Column, fails: list[str]) -> Converter:
    def read(v: Any) -> Any:
        if type(v) is str:
            s = v.strip()
            if s.isdigit() and s.isascii():
                return int(s)
            if not s:
                return None
            # "12.0" from tools that write every number as a float. Only ".0": in Vietnam
            # "1.000" is a thousand, and reading it as 1 would be silently wrong.
            head, dot, tail = s.partition(".")
            if dot and tail == "0" and head.isdigit() and head.isascii():
                return int(head)
            fails.append(_int_problem(s))
            return _BAD
        if v is None:
            return None
        if type(v) is int and v >= 0:
            return v
        if type(v) is float and v.is_integer() and v >= 0:
            return int(v)
        fails.append(_int_problem(_shown(v)))
        return _BAD

    def conv(v: Any) -> Any:
        n = read(v)
        if type(n) is int and n > MAX_INTEGER:  # every integer column is 32-bit
            fails.append(f"Số quá lớn '{_shown(v)}' — tối đa {MAX_INTEGER}")
            return _BAD
        return n

    return conv


def _make_choice(column: Column, fails: list[str]) -> Converter:
    labels = column.choices
    lookup = {header_norm(label): label for label in labels}
    expected = ", ".join(labels)
    # Excel may turn a typed "9/12" into a date (12 Sep or 9 Dec): map it back by its
    # day and month, whichever order the locale used.
    by_day_month: dict[frozenset[int], str] = {}
    if column.key == "education":
        for alias, label in template.EDUCATION_ALIASES.items():
            lookup[header_norm(alias)] = label
            num, den = alias.split("/")
            by_day_month[frozenset((int(num), int(den)))] = label
        expected += " (hoặc " + ", ".join(template.EDUCATION_ALIASES) + ")"

    exact = {label: label for label in labels}
    read_word = _word_reader(exact, header_norm, lookup, f"cần một trong: {expected}", fails)

    def conv(v: Any) -> Any:
        if type(v) is str:
            hit = exact.get(v)
            return read_word(v) if hit is None else hit
        if v is None:
            return None
        if isinstance(v, datetime) and by_day_month:
            label = by_day_month.get(frozenset((v.day, v.month)))
            if label is not None:
                return label
        label = lookup.get(header_norm(_text_of(v) or ""))
        if label is None:
            fails.append(f"Giá trị không hợp lệ '{_shown(v)}' — cần một trong: {expected}")
            return _BAD
        return label

    return conv


_STEP_EXPECTED = "cần mã bước (A1…A11, P1…P5, XOA_TEN, DUNG) hoặc tên bước"


def _make_step(column: Column, fails: list[str]) -> Converter:
    cache: dict[str, str] = {}

    def conv(v: Any) -> Any:
        if v is None:
            return None
        text = v if type(v) is str else (_text_of(v) or "")
        step_id = cache.get(text)
        if step_id is not None:
            return step_id
        if not text.strip():
            return None
        step = parse_step(text)
        if step is None:
            fails.append(f"Bước không hợp lệ '{text.strip()}' — {_STEP_EXPECTED}")
            return _BAD
        cache[text] = step.id
        return step.id

    return conv


def _make_period(column: Column, fails: list[str]) -> Converter:
    def conv(v: Any) -> Any:
        if v is None:
            return None
        s = v.strip() if type(v) is str else _shown(v)
        if not s:
            return None
        # Excel's autocorrect turns "-" into an en dash.
        parts = s.replace("\u2013", "-").replace("\u2014", "-").split("-")
        if len(parts) == 2:
            a, b = parts[0].strip(), parts[1].strip()
            if (
                len(a) == 4
                and len(b) == 4
                and (a + b).isascii()
                and (a + b).isdigit()
                and int(a) < int(b)
            ):
                return f"{a}-{b}"
        fails.append(
            f"Giai đoạn không hợp lệ '{s}' — cần dạng năm-năm, "
            "năm sau lớn hơn năm trước (ví dụ 2026-2030)"
        )
        return _BAD

    return conv


_FACTORIES: dict[Kind, Callable[[Column, list[str]], Converter]] = {
    Kind.TEXT: _make_text,
    Kind.DATE: _make_date,
    Kind.BOOL: _make_bool,
    Kind.INT: _make_int,
    Kind.CHOICE: _make_choice,
    Kind.STEP: _make_step,
    Kind.PERIOD: _make_period,
}


def convert_value(column: Column, value: Any) -> Any:
    """One cell through its column's converter (for an edited cell, and for tests).

    Returns the Python value (None for an empty cell); raises ValueError with the Vietnamese
    message when the value is refused. Does not check `required`.
    """
    fails: list[str] = []
    out = _FACTORIES[column.kind](column, fails)(value)
    if out is _BAD:
        raise ValueError(fails[0])
    return out


# Whitespace other than a plain space (a char class: one alternation-free regex pass).
_OTHER_SPACE = re.compile(r"[^\S ]")


def _odd_spaces(big: str) -> bool:
    """Whether text.nfc would change some cell of a NUL-joined column: spaces at either
    end of a cell, doubled, or whitespace that is not a space."""
    return (
        "  " in big
        or "\x00 " in big
        or " \x00" in big
        or big[:1] == " "
        or big[-1:] == " "
        or _OTHER_SPACE.search(big) is not None
    )


# The stored-text rule without NUL, which joins the cells of a column here.
_FORBIDDEN_BUT_NUL = re.compile(FORBIDDEN_CHARS.pattern.replace("\x00-", "\x01-", 1))
assert _FORBIDDEN_BUT_NUL.pattern != FORBIDDEN_CHARS.pattern


def _text_batch(raw: Sequence[str]) -> tuple[list[str | None], bool] | None:
    """A column of str cells as text, and whether a cell is empty: a few C-level passes
    over the NUL-joined column rather than one Python call per cell; usually every cell
    is already clean and is kept as it is. None when a cell holds a NUL itself (then the
    caller goes cell by cell). NFC never composes across a NUL, so normalising the joined
    column is normalising each cell."""
    big = "\x00".join(raw)
    if big.count("\x00") != len(raw) - 1:
        return None
    # isprintable is the quicker pass; the regex only runs when some cell has a control
    # or format character, to see whether it is one refused (then cell by cell, to name it).
    if not big.replace("\x00", "").isprintable() and _FORBIDDEN_BUT_NUL.search(big):
        return None
    parts: list[Any]
    if big.isascii() or unicodedata.is_normalized("NFC", big):
        parts = list(raw)
    else:
        big = _normalize("NFC", big)
        parts = big.split("\x00")
    if _odd_spaces(big):
        parts = [" ".join(p.split()) for p in parts]
        has_empty = "" in parts
    else:
        has_empty = not big or "\x00\x00" in big or big[0] == "\x00" or big[-1] == "\x00"
    if has_empty:
        parts = [p or None for p in parts]
    return parts, has_empty


def _dates_in_bulk(values: set[Any]) -> dict[Any, date]:
    """The dd/mm/yyyy strings among `values` as dates, without a Python call per value;
    empty when any of them is not a valid date (the caller then checks one by one)."""
    plain = [v for v in values if type(v) is str and len(v) == 10 and v[2] == "/" == v[5]]
    try:
        dates = list(map(_fromisoformat, [f"{v[6:]}-{v[3:5]}-{v[:2]}" for v in plain]))
    except ValueError:
        return {}
    if dates and not (MIN_YEAR <= min(dates).year and max(dates).year <= MAX_YEAR):
        return {}
    return dict(zip(plain, dates, strict=True))


def _convert_column(
    column: Column, raw: Sequence[Any], text_only: bool = False
) -> tuple[list[Any], list[tuple[int, str]], bool]:
    """Convert a whole column: the values (None where empty or refused), (position,
    message) for each refused cell, and whether some cell is empty (None but not refused),
    known here for free where a later `None in values` would scan the column again."""
    fails: list[str] = []
    conv = _FACTORIES[column.kind](column, fails)
    # CSV cells are str (None where a row is short): no need to look at the types.
    types = {str, type(None)} if text_only else set(map(type, raw))
    if column.kind is Kind.TEXT and types <= {str, type(None)}:
        batch = None
        with contextlib.suppress(TypeError):  # a None cell: "".join refuses it
            batch = _text_batch(raw)
        if batch is not None:
            return batch[0], [], batch[1]
    if bool not in types:
        # Convert each distinct value once, then map the column through a dict in C:
        # dates, choices, years repeat a lot. (True == 1 would merge a bool with an int
        # that converts differently, hence the bool exclusion.)
        distinct = set(raw)
        table: dict[Any, Any] = _dates_in_bulk(distinct) if column.kind is Kind.DATE else {}
        messages: dict[Any, str] = {}
        for v in distinct.difference(table) if table else distinct:
            r = table[v] = conv(v)
            if r is _BAD:
                messages[v] = fails.pop()
        out = list(map(table.__getitem__, raw))
        has_none = None in table.values()
        if not messages:
            return out, [], has_none
        where = [i for i, x in enumerate(out) if x is _BAD]
        refused = [(i, messages[raw[i]]) for i in where]
    else:
        out = list(map(conv, raw))
        has_none = None in out
        if not fails:
            return out, [], has_none
        where = [i for i, x in enumerate(out) if x is _BAD]
        refused = list(zip(where, fails, strict=True))
    for i in where:
        out[i] = None
    return out, refused, has_none


# --------------------------------------------------------------------------- sheet parsing

_REQUIRED_MISSING = "Thiếu giá trị bắt buộc"
# The header problems a column map answers (column_map.py).
UNKNOWN_COLUMN = "Cột không có trong mẫu — dữ liệu của cột bị bỏ qua"
MISSING_COLUMN = "Thiếu cột bắt buộc"


def _is_blank(row: Sequence[Any]) -> bool:
    # count() runs in C; 0 and False are values, not blanks, so any()/all() won't do.
    return row.count(None) + row.count("") == len(row)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Rows:
    """A sheet as a list of rows: an xlsx sheet, or a CSV read by the csv module."""

    def __init__(self, rows: Sequence[Sequence[Any]], text_only: bool = False):
        self.rows = rows
        # Every cell a str (CSV): a row is blank exactly when any() is false, in C.
        self.text_only = text_only
        # Some text may start with a quote (inert.py): always so for a sheet of a workbook.
        self.escaped = not text_only
        self.long_cells = True  # a cell may be over MAX_CELL_CHARS: look at each column

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, i: int) -> Sequence[Any]:
        return self.rows[i]

    def is_blank(self, i: int) -> bool:
        return _is_blank(self.rows[i])

    def body(self, start: int) -> tuple[list[int], list[Sequence[Any]]]:
        """Indices (from `start`) of the non-blank rows after `start`, and their cells by
        column; a short row reads as None in the columns it lacks."""
        data = self.rows[start:]
        if self.text_only:
            keep = list(compress(range(len(data)), map(any, data)))
        else:
            keep = [i for i, r in enumerate(data) if not _is_blank(r)]
        if not keep:
            return keep, []
        body = data if len(keep) == len(data) else [data[i] for i in keep]
        return keep, list(zip_longest(*body))


# Control characters a real CSV does not hold (checked before use): _MARK stands for a
# delimiter inside a quoted field while lines are split flat; _FS and _RS separate fields
# and lines while quoted lines are unquoted in bulk.
_MARK, _FS, _RS = "\x01", "\x1f", "\x1e"


class _Lines:
    """A CSV kept as lines of one width, for speed: all data lines are joined and split
    once, and each column is a slice of that flat list. That skips csv.reader's list per
    row and the transpose, which cost more than all the conversions. Quoted lines are
    unquoted first (see _unquote), a delimiter inside a field standing as _MARK until the
    column is cut out. Every step is one C-level pass over all the lines or over all the
    cells of a column; anything unusual falls back to the csv module (parse -> None)."""

    def __init__(self, lines: list[str], delimiter: str, width: int, marked: bool):
        self.lines = lines
        self.text_only = True
        self.delimiter = delimiter
        self.width = width
        self.marked = marked  # some field held the delimiter: _MARK is in use
        self.escaped = False
        self.long_cells = True

    def __len__(self) -> int:
        return len(self.lines)

    def row(self, i: int) -> Sequence[Any]:
        cells = self.lines[i].split(self.delimiter)
        if self.marked:
            cells = [c.replace(_MARK, self.delimiter) for c in cells]
        return cells

    def is_blank(self, i: int) -> bool:
        return not self.lines[i].strip(self.delimiter)

    def body(self, start: int) -> tuple[list[int], list[Sequence[Any]]]:
        d, w = self.delimiter, self.width
        lines = self.lines[start:]
        keep = list(compress(range(len(lines)), map(str.strip, lines, repeat(d))))
        if not keep:
            return keep, []
        kept = lines if len(keep) == len(lines) else [lines[i] for i in keep]
        flat = d.join(kept).split(d)
        columns: list[Sequence[Any]] = [flat[ci::w] for ci in range(w)]
        if self.marked:
            for ci, col in enumerate(columns):
                joined = _RS.join(col)
                if _MARK in joined:
                    columns[ci] = joined.replace(_MARK, d).split(_RS)
        return keep, columns

    @classmethod
    def parse(cls, text: str, delimiter: str) -> _Lines | None:
        """The lines of a CSV, or None when it needs the csv module throughout: a field
        spanning lines, rows of different widths, a lone CR, a malformed quote."""
        if _MARK in text or _FS in text or _RS in text:
            return None
        newline = "\n"
        if "\r" in text:  # Excel's CRLF, and no CR or LF on its own
            newline = "\r\n"
            if not text.count("\r") == text.count("\n") == text.count("\r\n"):
                return None
        marked = False
        if text.count('"') % 2:  # an unbalanced quote: the csv module, without copying
            return None
        if '"' in text:
            unquoted = _unquote(text.replace(newline, _RS), delimiter)
            if unquoted is None:
                return None
            text, marked = unquoted
            newline = _RS
        lines = text.split(newline)
        if lines[-1] == "":
            lines.pop()
        if not lines:
            return None
        # Empty lines are blank rows; every other line must have the same width.
        counts = set(map(str.count, filter(None, lines), repeat(delimiter)))
        if len(counts) != 1:
            return None
        return cls(lines, delimiter, counts.pop() + 1, marked)


def _unquote(text: str, delimiter: str) -> tuple[str, bool] | None:
    """A CSV text (lines ended by _RS) with its quoted fields unquoted, and whether a
    delimiter inside a field was replaced by _MARK. All at once: split on the quote char,
    the odd pieces are inside quotes. None when the quoting is anything but the plain
    kind Excel and csv.writer write (then the csv module reads the file)."""
    seps = (delimiter, _RS)
    parts = text.split('"')
    if len(parts) % 2 == 0:  # an unbalanced quote
        return None
    inside = _FS.join(parts[1::2])
    if _RS in inside:  # a quoted field running on to the next line
        return None
    outside = parts[2:-1:2]
    # Between two quoted stretches: a delimiter or line end on both sides, or nothing at
    # all, which is a doubled quote inside a field.
    for piece in outside:
        if piece and not (piece[0] in seps and piece[-1] in seps):
            return None
    if (parts[0] and parts[0][-1] not in seps) or (parts[-1] and parts[-1][0] not in seps):
        return None
    marked = delimiter in inside
    parts[1::2] = (inside.replace(delimiter, _MARK) if marked else inside).split(_FS)
    parts[2:-1:2] = [piece or '"' for piece in outside]
    return "".join(parts), marked


_Grid = _Rows | _Lines


def _find_header(sheet: Sheet, grid: _Grid, mapped: Set[str] = frozenset()) -> int | None:
    """Index of the header row: the first row naming a column of the sheet (or a header
    a column map names: `mapped`, normalized), else the fullest of the first rows (a title
    line above an office's own headers has one cell); None when the sheet has no data."""
    lookup = _columns_of(sheet)
    fullest, most = None, 0
    for i in range(min(len(grid), _HEADER_SCAN)):
        if grid.is_blank(i):
            continue
        row = grid.row(i)
        norms = [header_norm(h) for h in row if h is not None]
        if any(n in lookup or n in mapped for n in norms):
            return i
        filled = len(row) - row.count(None) - row.count("")
        if filled > most:
            fullest, most = i, filled
    if fullest is None:
        fullest = next((i for i in range(len(grid)) if not grid.is_blank(i)), None)
    return fullest


def _check_cell_lengths(
    sheet_name: str, column: Column, raw: Sequence[Any], numbers: list[int], text_only: bool
) -> None:
    """Stop at a cell longer than MAX_CELL_CHARS (one C-level pass for a CSV column)."""
    texts = filter(None, raw) if text_only else (v for v in raw if type(v) is str)
    if max(map(len, texts), default=0) <= limits.MAX_CELL_CHARS:
        return
    i = next(i for i, v in enumerate(raw) if type(v) is str and len(v) > limits.MAX_CELL_CHARS)
    raise limits.cell_too_long(sheet_name, numbers[i], f"'{column.header}'", len(raw[i]))


class ColumnChooser(Protocol):
    """Which field each header of a sheet fills, when it is not the template's own
    header (column_map.MapChooser)."""

    def known_headers(self, sheet: Sheet) -> Set[str]: ...

    def choose(self, sheet: Sheet, headers: Sequence[Any]) -> Mapping[str, str | None] | None: ...


class FileChooser(ColumnChooser, Protocol):
    """A ColumnChooser that also says which template sheet a sheet of the file is, when
    the office named it its own way (column_map.MapChooser); else `match_sheet`."""

    def sheet_for(self, title: str) -> Sheet | None: ...


def _parse_sheet(
    sheet: Sheet, grid: _Grid, result: ReadResult, chooser: ColumnChooser | None = None
) -> None:
    """Parse one sheet's cells (row index 0 is Excel's row 1) into `result`; a header the
    chooser maps fills its field (or, mapped to None, is left out without a word)."""
    name = sheet.name
    hi = _find_header(sheet, grid, chooser.known_headers(sheet) if chooser else frozenset())
    if hi is None:  # an empty sheet: present, nothing in it
        result.sheets[sheet.key] = []
        result.present_columns[sheet.key] = set()
        return
    header_no = hi + 1
    header = grid.row(hi)
    problems: list[tuple[int, int, CellProblem]] = []  # (position, column index, problem)
    choice = chooser.choose(sheet, header) if chooser else None
    mapped = {header_norm(h): k for h, k in choice.items()} if choice else {}

    plan: list[tuple[int, Column]] = []
    seen: set[str] = set()
    unheaded: list[int] = []
    # A problem names the column as the file heads it: a mapped one "Ng.sinh (Ngày sinh)".
    label: dict[int, str] = {}
    for ci, h in enumerate(header):
        if h is None or (isinstance(h, str) and not h.strip()):
            unheaded.append(ci)
            continue
        norm = header_norm(h) if mapped else ""
        if norm in mapped:
            key = mapped[norm]
            if key is None:  # the user chose to leave this column out
                continue
            col = sheet.column(key)
        else:
            col = match_column(sheet, h)
        shown = _shown(h)
        if col is None:
            msg = UNKNOWN_COLUMN
            problems.append((-1, ci, CellProblem(name, header_no, shown, msg)))
        elif col.key in seen:
            msg = f"Cột '{col.header}' bị lặp — chỉ dùng cột đầu tiên"
            problems.append((-1, ci, CellProblem(name, header_no, shown, msg)))
        else:
            seen.add(col.key)
            plan.append((ci, col))
            own = norm in mapped and norm != header_norm(col.header)
            label[ci] = f"{shown} ({col.header})" if own else col.header

    keep, columns = grid.body(hi + 1)
    numbers = [hi + 2 + i for i in keep]
    n = len(keep)

    if n:
        for c in sheet.columns:
            if c.required and c.key not in seen:
                msg = MISSING_COLUMN
                problems.append((-1, len(header), CellProblem(name, header_no, c.header, msg)))

    # Data under no header would be dropped without a word: say so.
    for ci in unheaded + list(range(len(header), len(columns))):
        if ci < len(columns) and not _is_blank(columns[ci]):
            letter = _column_letter(ci)
            msg = f"Cột {letter} có dữ liệu nhưng không có tiêu đề — dữ liệu bị bỏ qua"
            problems.append((-1, ci, CellProblem(name, header_no, None, msg)))

    keys: list[str] = []
    converted: list[list[Any]] = []
    bad: set[int] = set()
    missing: dict[int, list[int]] = {}  # row -> the required columns it lacks
    empty = (None,) * n
    for ci, col in plan:
        raw = columns[ci] if ci < len(columns) else empty
        if grid.long_cells:
            _check_cell_lengths(name, col, raw, numbers, grid.text_only)
        if grid.escaped:  # take off the quote our export puts before a formula
            raw = unescape_column(raw)
        out, refused_cells, has_none = _convert_column(col, raw, grid.text_only)
        refused: set[int] = set()
        for i, msg in refused_cells:
            problems.append((i, ci, CellProblem(name, numbers[i], label[ci], msg)))
            refused.add(i)
        bad |= refused
        if col.required and has_none:
            # Not yet a problem: the row may be blank but for spaces (decided below).
            for i, x in enumerate(out):
                if x is None and i not in refused:
                    missing.setdefault(i, []).append(ci)
        keys.append(col.key)
        converted.append(out)

    # A row whose every cell is empty after trimming is blank, not a row missing values.
    # Only rows missing a required value can be such a row, unless no required column
    # is present at all.
    drop: set[int] = set()
    required_present = any(c.required for _, c in plan)
    candidates = missing.keys() if required_present else range(n)
    for i in candidates:
        if i not in bad and all(c[i] is None for c in converted):
            drop.add(i)
    for i, cols in missing.items():
        if i in drop:
            continue
        bad.add(i)
        for ci in cols:
            problems.append((i, ci, CellProblem(name, numbers[i], label[ci], _REQUIRED_MISSING)))

    problems.sort(key=lambda p: (p[0], p[1]))
    result.problems.extend(p for _, _, p in problems)
    result.bad_rows += len(bad)

    if converted:
        dicts = list(map(dict, map(zip, repeat(keys), zip(*converted, strict=True))))
    else:
        dicts = [{} for _ in range(n)]
    skip = bad | drop
    if skip:
        parsed = [ParsedRow(numbers[i], dicts[i]) for i in range(n) if i not in skip]
    else:
        # tuple.__new__ is what ParsedRow._make calls, minus a Python frame per row.
        parsed = list(map(tuple.__new__, repeat(ParsedRow), zip(numbers, dicts, strict=True)))
    result.sheets[sheet.key] = parsed
    result.present_columns[sheet.key] = set(keys)


# --------------------------------------------------------------------------- file readers


def _read_csv(path: Path, head_only: bool = False, head_lines: int | None = None) -> _Grid:
    """A CSV file as a grid, within the caps; `head_only`: its first lines only, enough to
    tell which sheet it is (see _find_header); `head_lines`: that many first lines."""
    if head_only:
        head_lines = _HEADER_SCAN
    try:
        limits.check_file_size(path)
        longest_line = limits.check_csv_lines(path)  # streamed: nothing held yet
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read() if head_lines is None else "".join(islice(f, head_lines))
    except UnicodeDecodeError:
        raise InputError(
            f"Tệp '{path.name}' không phải văn bản UTF-8 — trong Excel hãy lưu lại bằng "
            "'CSV UTF-8 (Comma delimited)'"
        ) from None
    except OSError as e:
        raise InputError(f"Không đọc được tệp '{path.name}': {e.strerror or e}") from None
    # Excel in a Vietnamese locale separates with ';' (',' is the decimal mark there).
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    delimiter = max((",", ";", "\t"), key=first.count)
    # Whether some field starts with a quote (maybe the one our export adds before a
    # formula): one pass over the text, so that columns need no look when none does.
    escaped = "'" in text and _QUOTE_START.search(text) is not None
    lines = _Lines.parse(text, delimiter)
    if lines is not None:
        if lines.width > limits.MAX_COLUMNS:
            raise limits.too_many_columns(path.name, 1, _column_letter(limits.MAX_COLUMNS))
        lines.escaped = escaped
        # A cell is no longer than its line here (no field spans lines).
        lines.long_cells = longest_line > limits.MAX_CELL_CHARS
        return lines
    # Lines as a list rather than a StringIO, which holds 4 bytes a character.
    reader = csv.reader(_lines_with_ends(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(row) > limits.MAX_COLUMNS:
                row = _fit_row(row, path.name, reader.line_num)
            rows.append(row)
    except csv.Error as e:
        if head_lines is not None:  # a quoted field cut where the head ends: the rows before it
            return _Rows(rows, text_only=True)
        raise InputError(f"Tệp '{path.name}' hỏng ở dòng {reader.line_num}: {e}") from None
    grid = _Rows(rows, text_only=True)
    grid.escaped = escaped
    return grid


def _lines_with_ends(text: str) -> Iterator[str]:
    """The lines of `text` for csv.reader, each with its '\n' (a CR stays in its line)."""
    lines = text.split("\n")
    last = lines.pop()
    for line in lines:
        yield line + "\n"
    if last:
        yield last


# A field starting with a quote: at a line start, after a delimiter or an opening '"'.
_QUOTE_START = re.compile(r"(?:^|[\n\r,;\t\"])'", re.MULTILINE)


def _fit_row(row: Sequence[Any], sheet: str, row_no: int) -> Sequence[Any]:
    """A row wider than MAX_COLUMNS cut to it when the cells past it are empty (Excel keeps
    formatted empty cells); refused when one holds data."""
    extra = row[limits.MAX_COLUMNS :]
    if extra.count(None) + extra.count("") != len(extra):
        raise limits.too_many_columns(sheet, row_no, _column_letter(limits.MAX_COLUMNS))
    return row[: limits.MAX_COLUMNS]


def _guess_sheet(grid: _Grid) -> Sheet | None:
    """For a lone CSV whose name says nothing: the sheet whose headers it matches best."""
    scores = []
    for sheet in template.SHEETS:
        hi = _find_header(sheet, grid)
        if hi is None:
            return None
        cols = {c.key for h in grid.row(hi) if (c := match_column(sheet, h)) is not None}
        scores.append((len(cols), sheet))
    scores.sort(key=lambda s: s[0], reverse=True)
    if scores[0][0] >= 2 and scores[0][0] > scores[1][0]:
        return scores[0][1]
    return None


def _has_data(grid: _Grid) -> bool:
    return any(not grid.is_blank(i) for i in range(len(grid)))


UNKNOWN_SHEET = "Trang không có trong mẫu nhập liệu — bị bỏ qua"


def _unknown_sheet(result: ReadResult, name: str) -> None:
    names = ", ".join(s.name for s in template.SHEETS)
    msg = f"{UNKNOWN_SHEET} (các trang của mẫu: {names})"
    result.problems.append(CellProblem(name, None, None, msg))


def _hidden_sheet(result: ReadResult, name: str) -> None:
    msg = (
        "Trang đang bị ẩn trong Excel — bị bỏ qua: dữ liệu chưa ai xem thì không nhập. "
        "Hãy hiện trang (chuột phải vào tên trang → Bỏ ẩn), kiểm tra rồi nhập lại"
    )
    result.problems.append(CellProblem(name, None, None, msg))


def _duplicate_sheet(result: ReadResult, name: str, sheet: Sheet) -> None:
    result.problems.append(CellProblem(name, None, None, _duplicate_text(sheet)))


def _duplicate_text(sheet: Sheet) -> str:
    return f"Trang '{sheet.name}' có hai lần — chỉ đọc lần đầu tiên"


# What a reader hands each template sheet it finds: the sheet, its title in the file
# and its rows (all, or the first ones when reading heads).
_Take = Callable[[Sheet, str, "_Grid"], None]
# Which sheet a sheet's (or a CSV file's) name is: the template's by default.
_Match = Callable[[str], Sheet | None]


def _read_csv_files(
    files: Sequence[Path],
    result: ReadResult,
    guess: bool,
    progress: _Step,
    take: _Take,
    head_lines: int | None = None,
    match: _Match = match_sheet,
) -> None:
    limits.check_csv_folder(list(files))
    taken: set[str] = set()
    for i, file in enumerate(files):
        progress(i, len(files), f"Đọc tệp '{file.name}'")
        sheet = match(file.stem)
        if sheet is None:
            # Which sheet, from the first lines: a file that is none is not read whole
            # (junk costs nothing). Lines all blank so far: the whole file decides.
            head = _read_csv(file, head_only=True)
            if guess:
                sheet = _guess_sheet(head)
            if sheet is None and _has_data(head):
                _unknown_sheet(result, file.name)
                continue
        if sheet is not None and sheet.key in taken:
            _duplicate_sheet(result, file.name, sheet)
            continue
        grid = _read_csv(file, head_lines=head_lines)
        if sheet is None and guess:
            sheet = _guess_sheet(grid)
        if sheet is None:
            if _has_data(grid):
                _unknown_sheet(result, file.name)
            continue
        taken.add(sheet.key)
        take(sheet, file.name, grid)


def _read_xlsx(
    path: Path,
    result: ReadResult,
    progress: _Step,
    take: _Take,
    head_rows: int | None = None,
    match: _Match = match_sheet,
) -> None:
    # openpyxl (~0.1 s) loads only when a sheet is read or written, not with the core
    from openpyxl import load_workbook

    unreadable = f"Không đọc được tệp Excel '{path.name}' — tệp hỏng hoặc không phải .xlsx"
    limits.check_file_size(path)
    counted = limits.check_zip(path)  # before openpyxl inflates anything
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (extensions, styles): nothing to act on
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on a damaged file
        raise InputError(unreadable) from e
    taken: set[str] = set()
    try:
        for ws in wb.worksheets:
            sheet = match(ws.title)
            # Some writers store a wrong size ("A1"): read every cell that is there.
            ws.reset_dimensions()
            if sheet is not None and sheet.key in taken:
                _duplicate_sheet(result, ws.title, sheet)
                continue
            try:
                if sheet is not None and ws.sheet_state != "visible":
                    # Hidden in Excel: whoever checked the workbook there never saw it.
                    if _sheet_has_data(ws):
                        _hidden_sheet(result, ws.title)
                    continue
                if sheet is None:
                    # Not kept, only looked at. A hidden helper sheet (lists for
                    # drop-downs) is not data the user lost.
                    if ws.sheet_state == "visible" and _sheet_has_data(ws):
                        _unknown_sheet(result, ws.title)
                    continue
                total = counted.get(ws.title, 0)
                grid = _Rows(_sheet_rows(ws, total, progress, head_rows))
            except KhdeskError:  # a cap, or the user's cancel from a progress call
                raise
            except Exception as e:
                raise InputError(unreadable) from e
            taken.add(sheet.key)
            take(sheet, ws.title, grid)
    finally:
        wb.close()


def _sheet_has_data(ws: Any) -> bool:
    """Whether a sheet has a non-blank row, streamed: nothing kept."""
    rows = islice(ws.iter_rows(values_only=True), limits.MAX_ROWS)
    return any(not _is_blank(r) for r in rows)


_READ_STEP = 10_000  # rows read between two progress calls (and chances to cancel)


def _sheet_rows(
    ws: Any, total: int, progress: _Step, head_rows: int | None = None
) -> list[Sequence[Any]]:
    """A read-only sheet's rows (`total` of them, as counted by limits.check_zip), cut to
    MAX_COLUMNS, with a progress call every _READ_STEP rows; only the first `head_rows`
    when given."""
    title = f"Đọc trang '{ws.title}'"
    progress(0, total, title)

    def fitted() -> Any:
        # Row by row: a row holding a cell in column XFD is 16,384 values wide.
        for no, row in enumerate(ws.iter_rows(values_only=True), 1):
            yield _fit_row(row, ws.title, no) if len(row) > limits.MAX_COLUMNS else row

    rows: list[Sequence[Any]] = []
    it = fitted() if head_rows is None else islice(fitted(), head_rows)
    while chunk := list(islice(it, _READ_STEP)):
        rows += chunk
        # Counted here too: openpyxl yields an empty row for each row number skipped.
        if len(rows) > limits.MAX_ROWS:
            raise limits.too_many_rows(ws.title)
        progress(len(rows), max(total, len(rows)), title)
    return rows


_Step = Callable[[int, int, str], None]  # progress.step with its report and token bound


def _no_step(done: int, total: int, what: str) -> None:
    pass


def read_tables(
    path: Path,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
    chooser: FileChooser | None = None,
) -> ReadResult:
    """Read a workbook (.xlsx), a folder of .csv files (one per sheet, named by the sheet's
    Vietnamese name or ascii key) or a single .csv (sheet chosen by its name); `chooser`
    maps an office's own sheet names and headers to the template's (column_map.py).

    Bad cells, unknown sheets and columns come back as `problems`; rows with a problem are
    left out of `sheets` and counted in `bad_rows`. Raises InputError only when the input
    cannot be read at all, Cancelled when `cancel` is (checked every few thousand rows).
    """
    path = Path(path)
    result = ReadResult()

    def take(sheet: Sheet, title: str, grid: _Grid) -> None:
        _parse_sheet(sheet, grid, result, chooser)

    # Hundreds of thousands of new dicts would trigger full collections over and over,
    # and nothing built here is cyclic: collect once afterwards instead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        match = chooser.sheet_for if chooser else match_sheet
        _read(path, result, partial(step, progress, cancel), take, match=match)
    finally:
        if gc_was_enabled:
            gc.enable()
    # Template order: callers import organisations before the people in them.
    result.sheets = {s.key: result.sheets[s.key] for s in template.SHEETS if s.key in result.sheets}
    return result


def read_sheet(
    path: Path,
    sheet: Sheet,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> ReadResult:
    """Read a one-table file of its own layout (`sheet`, not a template sheet: a class
    roster): the workbook's first visible sheet with data, or a .csv file, whatever its
    name, with the template's caps, hostile-input checks and per-cell problems."""
    result = ReadResult()

    def take(found: Sheet, title: str, grid: _Grid) -> None:
        _parse_sheet(found, grid, result)

    _read(Path(path), result, partial(step, progress, cancel), take, match=lambda _: sheet)
    # Every sheet is "the" sheet here: a second one with data is another table, not a copy.
    again = _duplicate_text(sheet)
    other = "Tệp có nhiều trang có dữ liệu, chỉ đọc trang đầu — hãy xóa trang này hoặc chuyển"
    other += " sang tệp khác"
    result.problems = [
        CellProblem(p.sheet, None, None, other) if p.row is None and p.message == again else p
        for p in result.problems
    ]
    return result


# Data rows a mapping's preview shows (the header may sit a few rows down).
PREVIEW_ROWS = 10


@dataclass
class SheetHead:
    """A template sheet's first rows as the file has them, to choose a column map on."""

    sheet: Sheet
    title: str  # the sheet's (or the CSV file's) name in the file
    header_row: int  # as Excel shows it (1 for the first row)
    headers: list[str]  # the header row's non-empty cells, as text, in file order, each once
    grid: _Grid = field(repr=False)

    @property
    def name(self) -> str:
        """The name the sheet is matched by: a CSV file's without its '.csv'."""
        title = self.title
        return title[: -len(".csv")] if title.lower().endswith(".csv") else title


def read_heads(path: Path, chooser: FileChooser | None = None) -> list[SheetHead]:
    """The template sheets of a workbook or CSV files with their header row and the first
    PREVIEW_ROWS rows below it, within the same caps as read_tables; the header row found
    as the import through `chooser` will find it. Header cells are checked as hostile
    text (check_header)."""
    heads: list[SheetHead] = []
    scan = _HEADER_SCAN + PREVIEW_ROWS

    def take(sheet: Sheet, title: str, grid: _Grid) -> None:
        hi = _find_header(sheet, grid, chooser.known_headers(sheet) if chooser else frozenset())
        if hi is None:
            return
        rows = [grid.row(i) for i in range(min(len(grid), hi + 1 + PREVIEW_ROWS))]
        # Each header once (a repeated one is read once, as the import reads it).
        shown: dict[str, str] = {}
        for ci, h in enumerate(rows[hi]):
            if h is None or not str(h).strip():
                continue
            text = _head_text(h, title, hi + 1, _column_letter(ci))
            shown.setdefault(header_norm(text), text)
        heads.append(SheetHead(sheet, title, hi + 1, list(shown.values()), _Rows(rows)))

    match = chooser.sheet_for if chooser else match_sheet
    _read(Path(path), ReadResult(), _no_step, take, head=scan, match=match)
    order = {s.key: i for i, s in enumerate(template.SHEETS)}
    return sorted(heads, key=lambda h: order[h.sheet.key])


def _head_text(value: Any, title: str, row: int, letter: str) -> str:
    return check_header(_shown(value), f"Trang '{title}', dòng {row}, cột {letter}")


def check_header(value: Any, where: str) -> str:
    """A header as text fit to map and keep: NFC, one line, trimmed, at most
    MAX_HEADER_CHARS, no control character. Raises InputError saying `where` and what."""
    text = " ".join(_normalize("NFC", str(value)).split()) if value is not None else ""
    if not text:
        raise InputError(f"{where}: tiêu đề cột để trống.")
    if len(text) > limits.MAX_HEADER_CHARS:
        raise InputError(
            f"{where}: tiêu đề cột dài {len(text)} ký tự, quá giới hạn "
            f"{limits.MAX_HEADER_CHARS} ký tự."
        )
    problem = forbidden_char_problem(text)
    if problem:
        raise InputError(f"{where}: tiêu đề cột {problem} — hãy sửa tiêu đề.")
    return text


def preview_sheet(head: SheetHead, choice: Mapping[str, str | None] | None) -> ReadResult:
    """The head's rows read through `choice` (header -> field key or None), with the same
    per-cell problems the import gives."""
    result = ReadResult()

    class Fixed:
        def known_headers(self, sheet: Sheet) -> Set[str]:
            return {header_norm(h) for h in choice or {}}

        def choose(self, sheet: Sheet, headers: Sequence[Any]) -> Mapping[str, str | None] | None:
            return choice

    _parse_sheet(head.sheet, head.grid, result, Fixed())
    return result


def _read(
    path: Path,
    result: ReadResult,
    progress: _Step,
    take: _Take,
    head: int | None = None,
    match: _Match = match_sheet,
) -> None:
    """Hand each template sheet of `path` to `take` (only its first `head` rows when
    given); problems of the file as a whole (unknown sheets...) go to `result`."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(f"Không tìm thấy '{path}'")
    if path.is_dir():
        files = sorted(
            (p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file()),
            key=lambda p: p.name,
        )
        if not files:
            raise InputError(f"Thư mục '{path.name}' không có tệp .csv nào")
        _read_csv_files(files, result, False, progress, take, head, match)
    elif suffix in _XLSX_SUFFIXES:
        _read_xlsx(path, result, progress, take, head, match)
    elif suffix == ".csv":
        _read_csv_files([path], result, True, progress, take, head, match)
    elif suffix == ".xls":
        raise InputError(
            f"Tệp '{path.name}' là định dạng Excel cũ (.xls) — hãy mở trong Excel và lưu lại "
            "dạng .xlsx"
        )
    else:
        raise InputError(
            f"Không hỗ trợ tệp '{path.name}' — cần tệp .xlsx, tệp .csv "
            "hoặc thư mục chứa các tệp .csv"
        )


# --------------------------------------------------------------------------- writing


def _header_text(column: Column) -> str:
    return column.header + "*" if column.required else column.header


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return escape_csv(v)  # never a live formula (see inert.py)
    if isinstance(v, bool):
        return "Có" if v else "Không"
    if isinstance(v, date):
        return _dmy(v)
    return str(v)


def _csv_bytes(sheet: Sheet, rows: Sequence[Mapping[str, Any]]) -> Callable[[IO[bytes]], None]:
    def write(f: IO[bytes]) -> None:
        # BOM: without it Excel opens UTF-8 as the ANSI code page and mangles the diacritics.
        text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
        w = csv.writer(text, lineterminator="\r\n")
        keys = [c.key for c in sheet.columns]
        w.writerow([_header_text(c) for c in sheet.columns])
        w.writerows([_csv_value(r.get(k)) for k in keys] for r in rows)
        text.flush()
        text.detach()

    return write


def _width(column: Column, rows: Sequence[Mapping[str, Any]]) -> float:
    # Long headers wrap (see the header style) rather than widen the column.
    longest = min(len(_header_text(column)), 20)
    for r in rows[:200]:
        longest = max(longest, len(_csv_value(r.get(column.key))))
    if column.kind is Kind.DATE:
        longest = max(longest, 10)
    return min(max(longest + 2, 8), 50)


def _xlsx_bytes(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> Callable[[IO[bytes]], None]:
    # openpyxl (~0.1 s) loads only when a sheet is read or written, not with the core
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(vertical="center", wrap_text=True)

    for sheet in template.SHEETS:
        rows = tables.get(sheet.key, ())
        ws = wb.create_sheet(title=sheet.name)
        ws.freeze_panes = "A2"
        for ci, col in enumerate(sheet.columns):
            letter = _column_letter(ci)
            dim = ws.column_dimensions[letter]
            dim.width = _width(col, rows)
            # Cells the user adds later keep these formats: a CCCD typed into a text
            # column keeps its leading zero, a typed date shows as dd/mm/yyyy.
            if col.kind is Kind.TEXT:
                dim.number_format = "@"
            elif col.kind is Kind.DATE:
                dim.number_format = _DATE_FORMAT
            labels: tuple[str, ...] = ()
            if col.kind is Kind.CHOICE:
                labels = col.choices
            elif col.kind is Kind.BOOL:
                labels = ("Có", "Không")
            if labels and len(",".join(labels)) <= 250:  # Excel's limit for a list is 255
                # A drop-down only: no error box, since the reader also takes "nu", "x"...
                dv = DataValidation(
                    type="list",
                    formula1='"' + ",".join(labels) + '"',
                    allow_blank=True,
                    showErrorMessage=False,
                )
                dv.add(f"{letter}2:{letter}1048576")
                ws.data_validations.append(dv)

        header = []
        for col in sheet.columns:
            cell = WriteOnlyCell(ws, value=_header_text(col))
            cell.font = bold
            cell.fill = fill
            cell.alignment = wrap
            header.append(cell)
        ws.append(header)

        def date_cell(d: date, ws: Any = ws) -> Any:
            cell = WriteOnlyCell(ws, value=d)
            cell.number_format = _DATE_FORMAT
            return cell

        keys = [c.key for c in sheet.columns]
        for r in rows:
            out: list[Any] = []
            for k in keys:
                v = r.get(k)
                if v is None or v == "":
                    out.append(None)
                elif isinstance(v, str):
                    out.append(xlsx_cell(ws, v))  # never a live formula (see inert.py)
                elif isinstance(v, bool):
                    out.append("Có" if v else "Không")
                elif isinstance(v, int | float):
                    out.append(v)
                elif isinstance(v, datetime):
                    out.append(date_cell(v.date()))
                elif isinstance(v, date):
                    out.append(date_cell(v))
                else:
                    out.append(xlsx_cell(ws, str(v)))
            ws.append(out)

    def write(f: IO[bytes]) -> None:
        wb.save(f)

    return write


def write_tables(path: Path, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Write rows (dicts keyed by column key) per sheet key; the inverse of read_tables.

    `.xlsx` -> one workbook with every template sheet in template order (empty ones too);
    a folder or a path without suffix -> one `<Sheet name>.csv` per template sheet (UTF-8
    with BOM, dates dd/mm/yyyy); `.csv` -> that file, when `tables` has exactly one sheet.
    Keys not in the template are ignored. Every file is replaced atomically.
    """
    path = Path(path)
    unknown = set(tables) - template.SHEETS_BY_KEY.keys()
    if unknown:
        raise ValueError(f"unknown sheet keys: {sorted(unknown)}")
    suffix = path.suffix.lower()
    if path.is_dir() or not suffix:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"Không tạo được thư mục '{path}': {e.strerror}") from None
        for sheet in template.SHEETS:
            rows = tables.get(sheet.key, ())
            atomic_write(path / f"{sheet.name}.csv", _csv_bytes(sheet, rows))
    elif suffix == ".xlsx":
        atomic_write(path, _xlsx_bytes(tables))
    elif suffix == ".csv" and len(tables) == 1:
        ((key, rows),) = tables.items()
        atomic_write(path, _csv_bytes(template.SHEETS_BY_KEY[key], rows))
    else:
        raise InputError(
            f"Không ghi được '{path.name}' — cần tệp .xlsx hoặc một thư mục (mỗi trang một "
            "tệp .csv)"
        )


def write_empty_template(path: Path) -> None:
    """The empty template: every sheet with its header row only."""
    write_tables(path, {})
