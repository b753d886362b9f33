"""Issue 16 item 7: the command line imports per command. Building the parser imports no
command's module; `--help`, `--version` and a usage error load none of the heavy
libraries (the timing itself is measured by tests/bench/bench_cli_start.py)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from khdesk.cli import parser as cli_parser
from khdesk.cli.main import command_function

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("sqlalchemy", "sqlcipher3", "PySide6", "cryptography", "openpyxl", "reportlab")

_PROBE = """
import json, sys
from khdesk.cli.main import main
code = main(sys.argv[1:])
loaded = sorted({m.split('.')[0] for m in sys.modules})
mine = sorted(m for m in sys.modules if m.startswith('khdesk.'))
print('\\n' + json.dumps({'code': code, 'loaded': loaded, 'khdesk': mine}))
"""


def _probe(*argv: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KHDESK_HOME": str(ROOT / "nowhere")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv, code",
    [(["--help"], 0), (["--version"], 0), (["no-such-command"], 2), (["report", "--help"], 0)],
)
def test_finding_7_help_version_and_usage_errors_import_no_command_dependency(argv, code):
    seen = _probe(*argv)
    assert seen["code"] == code
    assert [lib for lib in HEAVY if lib in seen["loaded"]] == []
    commands = [m for m in seen["khdesk"] if m.endswith("_commands") or m == "khdesk.cli.commands"]
    assert commands == []


def _functions(parser: argparse.ArgumentParser, path: str = "khdesk"):
    """Every (command line, "module:function") the parser can dispatch to."""
    func = parser.get_default("func")
    if func is not None:
        yield path, func
    for act in parser._actions:
        if isinstance(act, argparse._SubParsersAction):
            for name, child in act.choices.items():
                yield from _functions(child, f"{path} {name}")


def test_finding_7_every_command_names_a_function_that_exists():
    found = dict(_functions(cli_parser.build_parser()))
    assert len(found) > 60  # every command and sub-command, not a few
    for line, spec in found.items():
        assert isinstance(spec, str), line
        assert callable(command_function(spec)), f"{line}: {spec}"


def test_finding_7_every_declared_report_kind_has_its_function_and_no_other():
    from khdesk.cli.report_commands import REPORTS

    assert set(REPORTS) == set(cli_parser.REPORT_KINDS)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland: Linux only")
def test_the_window_without_a_screen_says_so(tmp_path):
    """`khdesk` typed over SSH or on a server (no DISPLAY, no WAYLAND_DISPLAY): Qt aborted
    the process (exit 134) with English about platform plugins; now a Vietnamese sentence
    saying what is missing and what works without a screen, exit 1, before Qt loads."""
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    env = {k: v for k, v in os.environ.items() if k not in hidden and not k.startswith("KHDESK")}
    env.update(PYTHONPATH=str(ROOT), KHDESK_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "khdesk"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "không có màn hình" in done.stderr and "khdesk --help" in done.stderr
    assert "qt.qpa" not in done.stderr and "plugin" not in done.stderr
