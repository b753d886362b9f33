"""Issue 16 item 1: imports inside functions only where start-up time (or a platform, or
the self-test's step-by-step report) needs them, each with a one-line why. Module headers
then show the real graph.

A run of import statements inside a function (consecutive statements of one block) is
explained by a comment on the line just above its first statement, or by a comment at the
end of the first one; a `noqa`/`type:` directive alone is not a why. The test is shown
failing on planted examples."""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "khdesk"
IMPORTS = (ast.Import, ast.ImportFrom)
# a comment that is only a tool's directive says nothing about why
DIRECTIVE = re.compile(r"#\s*(noqa\b|type:|pragma\b|fmt:)")


def _comments(source: str) -> dict[int, str]:
    """Line number -> the comment on it (real comments only, not '#' inside strings)."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and not DIRECTIVE.match(tok.string):
            found[tok.start[0]] = tok.string
    return found


def _import_runs(tree: ast.AST):
    """The runs of consecutive import statements in every block inside a function."""
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if not isinstance(block, list):
                    continue
                run: list[ast.stmt] = []
                for stmt in [*block, None]:
                    if isinstance(stmt, IMPORTS):
                        run.append(stmt)
                        continue
                    if run:
                        yield run
                    run = []


def unexplained(source: str) -> list[tuple[int, str]]:
    """(line, statement) of each function-level import run without a why comment."""
    tree = ast.parse(source)
    comments = _comments(source)
    lines = source.splitlines()
    seen: set[int] = set()
    missing = []
    for run in _import_runs(tree):
        first = run[0]
        if first.lineno in seen:  # a block reached twice through ast.walk
            continue
        seen.add(first.lineno)
        above = first.lineno - 1
        above_is_comment = above in comments and lines[above - 1].lstrip().startswith("#")
        at_end = any(n in comments for n in range(first.lineno, first.end_lineno + 1))
        if not (above_is_comment or at_end):
            missing.append((first.lineno, ast.unparse(first)))
    return missing


def test_every_function_level_import_in_khdesk_says_why():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, stmt in unexplained(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {stmt}")
    assert problems == [], "imports inside functions without a why:\n" + "\n".join(problems)


PLANTED_WITHOUT_WHY = [
    # a bare import in a function
    """
    def f():
        import json
        return json
    """,
    # a directive is not a why
    """
    def f():
        import json  # noqa: F401
    """,
    # a comment further up (not on the line above) does not count
    """
    def f():
        # parse the payload

        x = 1
        from khdesk.core import text
        return text, x
    """,
    # a second run in the same function needs its own why
    """
    def f(flag):
        # loaded only when asked
        import json

        if flag:
            from khdesk.core import text
            return text
        return json
    """,
    # a '#' inside a string on the line above is not a comment
    """
    def f():
        x = "# not a comment"
        import json
        return x, json
    """,
    # methods too
    """
    class C:
        def m(self):
            from pathlib import Path
            return Path
    """,
]

PLANTED_WITH_WHY = [
    """
    def f():
        # loaded only when asked: keeps `khdesk --help` fast
        import json
        from pathlib import Path

        return json, Path
    """,
    """
    def f():
        import json  # the payload is rare: not at start-up
        return json
    """,
    """
    import json

    def f():
        return json
    """,
]


@pytest.mark.parametrize("source", PLANTED_WITHOUT_WHY)
def test_a_planted_import_without_a_why_is_found(source):
    assert len(unexplained(textwrap.dedent(source))) == 1


@pytest.mark.parametrize("source", PLANTED_WITH_WHY)
def test_an_import_with_its_why_or_at_the_top_passes(source):
    assert unexplained(textwrap.dedent(source)) == []


def test_the_package_check_fails_on_a_planted_module(tmp_path, monkeypatch):
    # the real test, pointed at a copy of one real module with one import planted inside it
    copy = tmp_path / "khdesk"
    copy.mkdir()
    source = (PACKAGE / "core" / "text.py").read_text(encoding="utf-8")
    planted = source + "\n\ndef _planted():\n    import json\n\n    return json\n"
    (copy / "text.py").write_text(planted, encoding="utf-8")
    monkeypatch.setitem(globals(), "PACKAGE", copy)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    with pytest.raises(AssertionError, match=r"khdesk/text.py:\d+: import json"):
        test_every_function_level_import_in_khdesk_says_why()
