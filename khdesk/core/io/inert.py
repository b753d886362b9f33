"""Text cells a spreadsheet program shows as text and never runs (CSV/formula injection).

Excel, LibreOffice and Google Sheets read a cell starting with `=`, `+`, `-` or `@` as a
formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`, `@SUM(...)`), also after a leading TAB,
CR, LF or spaces they skip, and Excel's East Asian input turns the full-width forms
(＝ ＋ － ＠) into the ASCII ones. Every text cell khdesk writes goes through here:

- CSV: such a text gets a leading `'` (the OWASP rule). A text that itself starts with `'`
  gets one too, so the reader can strip exactly one quote from exactly the texts this
  module escaped and give back the original value (`unescape`).
- xlsx: the cell is written as a string (data type `s`, never `f`) with the quote-prefix
  style, so it stays text even when someone edits it in Excel; the value is unchanged,
  but for a text starting with a quote that `unescape` would take off: that one gets its
  quote, as in CSV. So the reader strips the escape in both formats, and a CSV export
  opened in Excel and saved as .xlsx (the quote then part of the value) reads back right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["escape_csv", "is_live", "unescape", "unescape_column", "xlsx_cell", "xlsx_row"]

_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def is_live(text: str) -> bool:
    """Whether a spreadsheet program might read `text` as a formula."""
    return text[:1] in _TRIGGERS or text.lstrip()[:1] in _TRIGGERS


def _needs_quote(text: str) -> bool:
    return text[:1] == "'" or is_live(text)


def escape_csv(text: str) -> str:
    """`text` as a CSV field that opens as text."""
    return "'" + text if _needs_quote(text) else text


def unescape(text: str) -> str:
    """The inverse of `escape_csv` on what it wrote (and of `xlsx_cell`). A `'` a person
    typed before an ordinary text is kept: only a quote escape_csv would add is removed."""
    if text[:1] == "'" and _needs_quote(text[1:]):
        return text[1:]
    return text


def unescape_column(cells: Sequence[Any]) -> Sequence[Any]:
    """A column with `unescape` applied to its text cells; the same sequence when no cell
    starts with a quote (for a CSV column, all str or None: one C-level pass)."""
    try:
        joined = "\x00".join(filter(None, cells))
    except TypeError:  # an xlsx column: numbers, dates...
        joined = "\x00".join([c for c in cells if type(c) is str])
    if joined[:1] != "'" and "\x00'" not in joined:
        return cells
    return [unescape(c) if type(c) is str and c else c for c in cells]


def xlsx_cell(ws: Any, value: Any, round_trip: bool = True) -> Any:
    """`value` for a write-only sheet's row: a str that could be read as a formula, or that
    holds characters XML cannot, as an explicit string cell; anything else as it is.
    `round_trip=False` for a report, which is read by people, never imported."""
    if not isinstance(value, str) or not value:
        return value
    if round_trip and value[0] == "'" and _needs_quote(value[1:]):
        value = "'" + value  # what `unescape` takes off again
    elif value.isprintable() and not is_live(value):
        return value
    # openpyxl (~0.1 s) loads only when a sheet is read or written, not with the core
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # openpyxl makes any str starting with '=' a formula
    if is_live(value):
        cell.quotePrefix = True  # stays text when edited in Excel or LibreOffice
    return cell


def xlsx_row(ws: Any, values: Iterable[Any], round_trip: bool = True) -> list[Any]:
    """A row of values for `ws.append`, each through `xlsx_cell`."""
    return [xlsx_cell(ws, v, round_trip) for v in values]
