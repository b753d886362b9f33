"""Canonical JSON (what is hashed and signed) and a strict parser for untrusted JSON.

Canonical: UTF-8, keys sorted, no spaces, no NaN, every string NFC. The parser refuses
what a lenient one would quietly accept: duplicate keys (two readers could see two
different values), NaN/Infinity, non-NFC text, nesting deeper than asked, invalid UTF-8,
lone surrogates (an escape such as \\ud800 that names no character).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

_SURROGATE = "có ký tự thay thế (surrogate) đơn lẻ, không phải văn bản Unicode hợp lệ"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JSONRefused(ValueError):
    """Why a JSON text was refused (Vietnamese); callers add where it was."""


def _check_nfc(value: Any) -> Any:
    if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
        raise JSONRefused(f"văn bản chưa chuẩn hóa Unicode NFC: {value[:40]!r}")
    return value


def dumps(value: Any) -> bytes:
    """The canonical bytes of `value`; refuses text that is not NFC rather than fixing it
    silently (what is signed must be what was meant)."""
    _walk(value, depth=0, max_depth=64)
    text = json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 text can carry it
        raise JSONRefused(_SURROGATE) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):  # rare: find the first key seen twice, for the message
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONRefused(f"khóa '{key[:40]}' xuất hiện hai lần trong một đối tượng")
            seen.add(key)
    return out


def _no_constants(name: str) -> Any:
    raise JSONRefused(f"giá trị '{name}' không được phép")


def _walk(value: Any, depth: int, max_depth: int, nfc: bool = True) -> None:
    """Refuse deep nesting, non-string keys and floats; with `nfc`, non-NFC strings too."""
    if depth > max_depth:
        raise JSONRefused(f"lồng nhau quá sâu (quá {max_depth} cấp)")
    # Plain strings, integers, booleans and nulls one level down are checked here rather
    # than by a call each (a province parses ~100,000 records); only when that level is
    # allowed, so that the depth test above still refuses them where it would.
    leaves = depth < max_depth
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise JSONRefused("khóa của đối tượng phải là chuỗi")
            if nfc:
                _check_nfc(key)
        items: Iterable[Any] = value.values()
    elif isinstance(value, list):
        items = value
    else:
        if isinstance(value, str):
            if nfc:
                _check_nfc(value)
        elif isinstance(value, float):
            raise JSONRefused("số thực không được phép")
        return
    for item in items:
        if leaves:
            kind = type(item)
            if kind is str:
                if nfc:
                    _check_nfc(item)
                continue
            if kind is int or kind is bool or item is None:
                continue
        _walk(item, depth + 1, max_depth, nfc)


# What json.loads(text, object_pairs_hook=…, parse_constant=…) builds anew on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


def loads(data: bytes, *, max_depth: int = 8, nfc: bool = True) -> Any:
    """Parse untrusted JSON strictly (see the module text); raises JSONRefused.
    `nfc=False` lets text that is not NFC through (reported audit entries are hashed as
    they were stored, so they travel unchanged)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise JSONRefused("không phải văn bản UTF-8 hợp lệ") from None
    if text.startswith("\ufeff"):
        raise JSONRefused("có dấu BOM ở đầu")
    try:
        value = _DECODER.decode(text)
    except JSONRefused:
        raise
    except RecursionError:
        raise JSONRefused("lồng nhau quá sâu") from None
    except json.JSONDecodeError as exc:  # Python's words are English: say where instead
        raise JSONRefused(f"không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno})") from None
    except ValueError:  # an integer longer than Python reads
        raise JSONRefused("không phải JSON hợp lệ (có số quá dài)") from None
    # One NFC test of the whole text stands for every string in it, unless an escape
    # (\\uXXXX) could hide a decomposed letter: then each string is tested.
    escaped = "\\u" in text
    per_string = nfc and (escaped or not unicodedata.is_normalized("NFC", text))
    _walk(value, 0, max_depth, per_string)
    # Valid UTF-8 holds no surrogate; only an escape can make one, and a lone one is no
    # character at all (it cannot even be written back): refused, as dumps refuses it.
    if escaped and _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JSONRefused(_SURROGATE) from None
    return value
