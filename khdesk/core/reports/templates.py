"""Printed documents' wording as data: the JSON templates of `resources/forms/`.

An office corrects a title, a "Căn cứ" line or a paragraph by editing the template, not
the code (FORMS.md). The format (`format: 1`) is described in `resources/forms/README.md`:
text with `{placeholders}` (`{key|N}`: N dot units when the value is missing), `**bold**`
and `*italic*`, and body blocks (paragraph, heading, dotted lines, table, space).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from khdesk.core.errors import UsageError
from khdesk.core.reports.pdf import BLANK, blank, esc
from khdesk.core.resources import resource_path

__all__ = [
    "FORM_CODES",
    "Template",
    "fill",
    "fill_plain",
    "file_name",
    "form_code",
    "load_template",
    "parse_template",
    "placeholders",
]

# The forms the app prints, in the order of the guidance.
FORM_CODES = (
    "5-KNĐ",
    "6-KNĐ",
    "7-KNĐ",
    "8-KNĐ",
    "9-KNĐ",
    "12-KNĐ",
    "13-KNĐ",
    "14-KNĐ",
    "15-KNĐ",
    "16-KNĐ",
)
REPORT_TEMPLATES = ("18-KNĐ", "due", "checklist", "minutes")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\|(\d+))?\}")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", re.DOTALL)
# "mẫu 5-KNĐ", "số 05-NQ/CB", "Điều 4": a line break after the word would strand it.
_NO_BREAK = re.compile(r"\b(mẫu|[Ss]ố|Điều) (?=[\d\ue000])")
_DATE_BLANK = f"{BLANK * 2}/{BLANK * 2}/{BLANK * 3}"
_WORDS_BLANK = f"ngày {BLANK * 2} tháng {BLANK * 2} năm {BLANK * 3}"


def form_code(text: str) -> str | None:
    """The canonical code of a form from what a user types: "6-KNĐ", "6-knd", "6 KND",
    "6" → "6-KNĐ"; the report templates by name ("18-KND" → "18-KNĐ"). None if unknown."""
    raw = unicodedata.normalize("NFC", (text or "").strip()).upper().replace(" ", "-")
    raw = raw.replace("Đ", "D")
    if raw.isdigit():
        raw = f"{raw}-KND"
    for code in (*FORM_CODES, *REPORT_TEMPLATES):
        if raw == code.upper().replace("Đ", "D"):
            return code
    return None


def _file_name(code: str) -> str:
    return code.replace("Đ", "D") + ".json"


@dataclass(frozen=True)
class Template:
    """One template: its code, version and the raw JSON data."""

    code: str
    version: str
    data: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def file_name(code: str) -> str:
    """The template's file name under forms/ (ASCII: what a catalogue can carry)."""
    return _file_name(form_code(code) or code)


def parse_template(data: bytes | str, origin: str) -> Template:
    """A template from its JSON text (a shipped file, or one from the installed catalogue)."""
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise UsageError(f"Tệp mẫu '{origin}' bị hỏng: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != 1:
        fmt = raw.get("format") if isinstance(raw, dict) else None
        raise UsageError(f"Tệp mẫu '{origin}': định dạng {fmt} chưa hỗ trợ.")
    return Template(code=raw.get("code", origin), version=str(raw.get("version")), data=raw)


@lru_cache(maxsize=32)
def load_template(code: str) -> Template:
    """The shipped template of a form or report (cached; templates are read-only)."""
    path = resource_path("forms", file_name(code))
    if not path.exists():
        raise UsageError(f"Không có mẫu '{code}'.")
    return parse_template(path.read_bytes(), path.name)


def placeholders(value: Any) -> set[str]:
    """Every placeholder key a template (or part of one) uses."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(m.group(1) for m in _PLACEHOLDER.finditer(value))
    elif isinstance(value, Mapping):
        for v in value.values():
            found |= placeholders(v)
    elif isinstance(value, list | tuple):
        for v in value:
            found |= placeholders(v)
    return found


def _blank_for(key: str, width: str | None) -> str:
    if width:
        return blank(int(width))
    if key.endswith("_on") or key in ("birth_date", "probation_end", "on"):
        return _DATE_BLANK
    if key.endswith("_date"):  # a8_date: "ngày 05 tháng 02 năm 2026"
        return _WORDS_BLANK
    return blank(8)


def _value(values: Mapping[str, Any], key: str, width: str | None) -> str:
    value = values.get(key)
    if value is None or value == "":
        return _blank_for(key, width)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def fill_plain(text: str, values: Mapping[str, Any]) -> str:
    """The template text with its placeholders filled, as plain text (headers, file
    names); missing values become dotted blanks."""
    return _PLACEHOLDER.sub(lambda m: _value(values, m.group(1), m.group(2)), text or "")


def fill(text: str, values: Mapping[str, Any]) -> str:
    """The template text as ReportLab markup: literal text and values escaped, `**bold**`
    and `*italic*` applied to the template's own text (never to a value's asterisks)."""
    parts: list[str] = []

    def hold(m: re.Match) -> str:
        parts.append(esc(_value(values, m.group(1), m.group(2))))
        return f"\ue000{len(parts) - 1}\ue001"

    marked = esc(_NO_BREAK.sub("\\1\u00a0", _PLACEHOLDER.sub(hold, text or "")))
    marked = _BOLD.sub(r"<b>\1</b>", marked)
    marked = _ITALIC.sub(r"<i>\1</i>", marked)
    return re.sub("\ue000(\\d+)\ue001", lambda m: parts[int(m.group(1))], marked)


def truthy(values: Mapping[str, Any], condition: str | None) -> bool:
    """A block's `when`: "key" shows it when the value is set, "!key" when it is not."""
    if not condition:
        return True
    negate = condition.startswith("!")
    value = values.get(condition.lstrip("!"))
    present = value not in (None, "", False, 0)
    return present != negate
