"""Issue 17: a refusal a person reads names a date's shape in Vietnamese ("ngày/tháng/năm",
"năm-tháng-ngày" with an example), never in English letters (dd/mm/yyyy, YYYY-MM-DD,
hh:mm). Every string of the package's code is read, docstrings and comments aside."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import khdesk

ENGLISH_DATE = re.compile(r"yyyy|dd/mm|mm/dd|yyyy-mm|hh:mm", re.IGNORECASE)
# Strings that are codes, not words: Excel's number format of a date cell, and the type
# the sync spec generator writes into FORMAT.md (for programmers).
NOT_READ_AS_WORDS = {
    ("core/io/tabular.py", "DD/MM/YYYY"),
    ("core/sync/spec.py", 'date `"YYYY-MM-DD"`'),
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def english_date_strings() -> list[str]:
    root = Path(khdesk.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if id(node) in docs or not ENGLISH_DATE.search(text):
                    continue
                if (where, text) not in NOT_READ_AS_WORDS:
                    found.append(f"{where}:{node.lineno}: {text!r}")
    return found


def test_no_english_date_syntax_in_messages():
    assert english_date_strings() == []
