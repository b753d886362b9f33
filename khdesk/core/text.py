"""Vietnamese text at the boundary: NFC, the folded search form, the sort key, and the
characters no stored text may hold."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date
from functools import lru_cache

from khdesk.core.errors import InputError

_SPACES = re.compile(r"\s+")

# Characters no stored text may hold: the C0 and C1 controls but TAB, LF and CR (a note
# may break lines; single-line fields turn them into spaces), DEL, lone surrogates (no
# UTF-8 form: they break SQLite, JSON and every export) and the bidi embedding, override
# and isolate marks (they make a name display as another). NUL cuts a name short in C
# code and reports; the others print as nothing or garble a PDF or a CSV line.
FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)

# What a terminal must not be sent: the forbidden characters and CR (which sends the
# cursor back to overwrite what was printed on the line).
_TERMINAL_UNSAFE = re.compile(FORBIDDEN_CHARS.pattern[:-1] + "\r]")


def printable(text: str) -> str:
    """`text` with every character a terminal would obey rather than show (escape
    sequences, CR, bidi marks, lone surrogates) replaced by U+FFFD."""
    return _TERMINAL_UNSAFE.sub("\ufffd", text)


def clean_text(value: str | None, what: str) -> str | None:
    """`nfc(value)` for storing, refusing a forbidden character: raises InputError naming
    the field (`what`). Refused, not stripped: the user sees what was wrong, and a code
    never silently becomes another."""
    text = nfc(value)
    problem = forbidden_char_problem(text) if text else None
    if problem:
        raise InputError(f"{what}: {problem}.")
    return text


def forbidden_char_problem(value: str) -> str | None:
    """Why `value` may not be stored (Vietnamese, naming the first bad character and its
    place), or None. Every path that stores text asks this one function."""
    if value.isprintable():  # the usual case, one C pass: no control or format char
        return None
    found = FORBIDDEN_CHARS.search(value)
    if found is None:
        return None
    return (
        f"có ký tự điều khiển không được phép (U+{ord(found.group()):04X}) "
        f"ở vị trí {found.start() + 1}"
    )


def nfc(value: str | None) -> str | None:
    """NFC-normalise and trim; keyboards may send decomposed marks."""
    if value is None:
        return None
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


@lru_cache(maxsize=200_000)
def fold(value: str | None) -> str:
    """Case- and diacritic-free form for search: "Nguyễn Đức" -> "nguyen duc"."""
    if not value:
        return ""
    return " ".join(_fold_word(w) for w in value.split())


@lru_cache(maxsize=100_000)
def _fold_word(word: str) -> str:
    # Đ/đ is a letter of its own, not d plus a mark, so NFD leaves it: map it by hand.
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# Vietnamese alphabet order. Letters outside it (f, j, w, z) sit where Latin puts them.
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}
# Tone order of dictionaries: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _text_keys(text: str) -> tuple[str, str]:
    """Primary key (letters) and secondary key (tones) of a text, as ASCII strings."""
    keys = [_word_keys(w) for w in text.split()]
    return " ".join(k[0] for k in keys), "".join(k[1] for k in keys)


@lru_cache(maxsize=100_000)  # names repeat: a province has a few thousand distinct words
def _word_keys(text: str) -> tuple[str, str]:
    primary: list[str] = []
    tones: list[str] = []
    for ch in text.lower():
        decomposed = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in decomposed if c not in _TONES)
        tone = next((_TONES[c] for c in decomposed if c in _TONES), 0)
        letter = unicodedata.normalize("NFC", base)
        if letter in _RANK:
            primary.append(chr(0x41 + _RANK[letter]))  # 'A'..
            tones.append(str(tone))
        elif ch == " ":
            primary.append(" ")
        elif ch.isdigit():
            primary.append(ch)  # digits sort before letters
        else:
            stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
            if stripped in _RANK:
                primary.append(chr(0x41 + _RANK[stripped]))
                tones.append(str(tone))
            elif stripped.isalnum():
                primary.append("~")  # other scripts: after every Vietnamese letter
    return "".join(primary), "".join(tones)


@lru_cache(maxsize=200_000)  # imports sort-key every row; full names repeat too
def name_sort_key(full_name: str | None) -> str:
    """Sort key for a person's name: given name (last word) first, then the rest,
    in Vietnamese alphabet order, tones breaking ties. Plain ASCII, so it sorts the
    same in SQLite and in PostgreSQL under the "C" collation."""
    name = nfc(full_name) or ""
    rest, _, given = name.rpartition(" ")
    gp, gt = _text_keys(given)
    rp, rt = _text_keys(rest)
    return f"{gp}!{rp}!{gt}!{rt}"


def text_sort_key(value: str | None) -> str:
    """Sort key for any text (organisation names…) in Vietnamese order."""
    p, t = _text_keys(nfc(value) or "")
    return f"{p}!{t}"


# A typed date: day/month/year as people write it, or ISO year-month-day as scripts do;
# "/", "-" or "." between the parts, spaces around them ignored. ASCII digits only.
_DAY_FIRST = re.compile(r"([0-9]{1,2})\s*([/.-])\s*([0-9]{1,2})\s*\2\s*([0-9]+)")
_YEAR_FIRST = re.compile(r"([0-9]{4})\s*([/.-])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})")
DATE_FORM = "cần dạng ngày/tháng/năm, ví dụ 31/12/2026 (hoặc 2026-12-31)"
# The shapes files written by programs (bundles, catalogues, rulebooks) take, in words.
ISO_DATE_FORM = "dạng năm-tháng-ngày, ví dụ 2026-12-31"
UTC_MOMENT_FORM = (
    "dạng năm-tháng-ngàyTgiờ:phút:giây+00:00 (giờ UTC), ví dụ 2026-12-31T08:30:00+00:00"
)


def parse_date(text: str) -> date:
    """The date typed as `dd/mm/yyyy` (or d/m/yyyy) or ISO `yyyy-mm-dd` (CLI.md: every DATE
    argument and date field takes both). Raises ValueError with the reason in Vietnamese,
    without the field (the caller names it): a date of the right form that does not exist
    is called that, not "wrong form"; a 2-digit year is refused (which century?)."""
    text = text.strip()
    found = _DAY_FIRST.fullmatch(text)
    if found:
        day, _, month, year = found.groups()
        if len(year) != 4:
            raise ValueError("năm cần ghi đủ 4 chữ số")
    else:
        found = _YEAR_FIRST.fullmatch(text)
        if not found:
            raise ValueError(DATE_FORM)
        year, _, month, day = found.groups()
    y, m, d = int(year), int(month), int(day)
    if not 1 <= m <= 12:
        raise ValueError(f"ngày không có thật (không có tháng {m})")
    if d == 0 or y == 0:
        raise ValueError(f"ngày không có thật (không có {'ngày' if d == 0 else 'năm'} 0)")
    days = calendar.monthrange(y, m)[1]
    if d > days:
        raise ValueError(f"ngày không có thật (tháng {m} năm {y} chỉ có {days} ngày)")
    return date(y, m, d)


# A unit's code goes into its files' codes (X01-CB09-0001), names a profile and is typed
# on command lines: letters without marks, digits, and hyphens between them.
_UNIT_CODE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")


def unit_code_problem(code: str) -> str | None:
    """Why `code` (upper case) cannot be a unit's code, or None."""
    if not code:
        return "Mã đơn vị: cần ghi."
    if not _UNIT_CODE.fullmatch(code):
        return (
            f"Mã đơn vị '{code}': chỉ gồm chữ cái không dấu, chữ số và dấu gạch ngang "
            "(vd. X01-CB09)."
        )
    return None
