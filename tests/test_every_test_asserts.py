"""A test that asserts nothing cannot fail: every test function must check something.

A test counts as checking when its body (or a test helper it calls, followed through
the helpers defined anywhere under tests/) holds an `assert`, a `pytest.raises`/`fail`,
or a pytest-qt wait that fails on timeout.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
CHECKING_CALLS = {
    "raises",
    "fail",
    "warns",
    "waitUntil",
    "waitSignal",
    "waitSignals",
    "qtmodeltester.check",  # fails the test on any broken model contract
}


def _called_names(fn: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute):
                names.add(f.attr)
                if isinstance(f.value, ast.Name):
                    names.add(f"{f.value.id}.{f.attr}")
            else:
                names.add(getattr(f, "id", ""))
    return names


def _helpers() -> dict[str, list[ast.FunctionDef]]:
    found: dict[str, list[ast.FunctionDef]] = {}
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                found.setdefault(node.name, []).append(node)
    return found


def _checks(fn: ast.FunctionDef, helpers: dict, seen: set[str]) -> bool:
    if any(isinstance(n, ast.Assert) for n in ast.walk(fn)):
        return True
    called = _called_names(fn)
    if called & CHECKING_CALLS:
        return True
    for name in called - seen:
        seen.add(name)
        if any(_checks(h, helpers, seen) for h in helpers.get(name, ())):
            return True
    return False


def test_every_test_function_checks_something():
    helpers = _helpers()
    silent = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bodies = list(tree.body) + [
            m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body
        ]
        for node in bodies:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                if not _checks(node, helpers, set()):
                    silent.append(f"{path.relative_to(TESTS)}::{node.name}")
    assert silent == [], "phép thử không kiểm tra gì: " + ", ".join(silent)


def test_the_check_sees_a_silent_test(tmp_path):
    """The walk above finds a test with no check (and accepts one through a helper)."""
    tree = ast.parse(
        "def helper():\n    assert 1\n"
        "def test_silent():\n    x = 1\n"
        "def test_through_helper():\n    helper()\n"
    )
    helpers = {n.name: [n] for n in tree.body}
    verdict = {n.name: _checks(n, helpers, set()) for n in tree.body if n.name.startswith("test")}
    assert verdict == {"test_silent": False, "test_through_helper": True}
