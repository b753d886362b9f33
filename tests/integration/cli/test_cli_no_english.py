"""Issue 17: no English reaches a person from the CLI: the help of every command and
subcommand, and a sample of its errors (usage, bad values, unknown files and profiles),
judged by tests/english.py. The command line's own words (command names, options, their
value names and choices) are what a person types, in CLI.md's English, and are let be.
The windows' side: tests/ui/test_no_english.py."""

from __future__ import annotations

import argparse
import re

import pytest

from khdesk.cli.parser import build_parser
from tests.english import english_words


def parsers(parser: argparse.ArgumentParser, path: str = "khdesk"):
    """The parser of every command and subcommand, with the command line that reaches it."""
    yield path, parser
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, f"{path} {name}")


def syntax_words() -> set[str]:
    """Every word of the command line's syntax, lower case."""
    words: set[str] = set()
    for _path, parser in parsers(build_parser()):
        for action in parser._actions:
            names = [*action.option_strings, action.metavar or ""]
            if isinstance(action, argparse._SubParsersAction):
                names += list(action.choices)  # its dest is no word a person reads
            else:
                names.append(action.dest)  # shown as the placeholder (DOC_NO, file_code)
                names += [str(c) for c in action.choices or ()]
            for name in names:
                words.add(name.strip("-").lower())
                words.update(w.lower() for w in re.findall(r"[^\W\d_]+", name))
    return words


SYNTAX = syntax_words()


# What a person types as it stands: 'quoted', a {"json": …} example, a key= of KEY=VALUE,
# an environment variable.
LITERAL = re.compile(r"'[^'\n]*'|\{[^{}]*\}|\b\w+=|\bKHDESK_[A-Z_]+")
CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$")


def english(text: str, *, help_text: bool = False) -> list[str]:
    """The English words of the CLI's `text`; a help may show the codes a person types
    (a step's code XOA_TEN, a rule's AGE_MIN), an answer or an error may not."""
    for _ in range(2):  # a JSON example nests one level
        text = LITERAL.sub(" ", text)
    words = [w for w in english_words(text) if w.lower() not in SYNTAX]
    return [w for w in words if not (help_text and CODE.match(w))]


def test_no_english_in_the_cli_help():
    found = {}
    for path, parser in parsers(build_parser()):
        words = english(parser.format_help(), help_text=True)
        if words:
            found[path] = sorted(set(words))
    assert not found, found


ERRORS = [
    ["khong-co-lenh"],
    ["step"],
    ["step", "record"],
    ["step", "record", "X01-CB01-0011", "A99"],
    ["step", "khong-co"],
    ["report", "khong-co"],
    ["step", "record", "X01-CB01-0011", "A11", "--on", "31/02/2026"],
    ["step", "record", "X01-CB01-0011", "A11", "--on", "20/11/2026"],
    ["show", "X01-CB01-0099"],
    ["show"],
    ["--profile", "KHONG-CO", "list"],
    ["list"],
    ["demo", "--scale", "to"],
    ["form", "9-KND"],
    ["bundle", "import", "/khong/co/tep.khdb"],
    ["stats", "--year", "hai-nghin"],
    ["list", "--khong-co"],
]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """`khdesk demo` (committee and cells on one PC), made once for the error sample."""
    from khdesk.demo.loop import build_demo
    from tests.stations import PASSWORD, TODAY

    home = tmp_path_factory.mktemp("cli-demo")
    build_demo(home, PASSWORD, today=TODAY)
    return home


@pytest.mark.parametrize("args", ERRORS, ids=" ".join)
def test_no_english_in_cli_errors(args, demo_home, quiet_cli, capsys):
    code = quiet_cli(demo_home, *args)
    out = capsys.readouterr()
    assert code != 0, out.out
    assert out.err.strip() and "Traceback" not in out.err
    assert not english(out.err + out.out), out.err


ANSWERS = [
    ["profile", "list"],
    ["show", "X01-CB01-0007"],
    ["show", "X01-CB01-0011"],
    ["--profile", "X01", "list"],
    ["--profile", "X01-CB01", "check", "--on", "26/11/2026"],
    ["step", "next", "X01-CB01-0011"],
    ["--profile", "X01", "stats", "--year", "2026"],
    ["--profile", "X01", "keys", "show"],
    ["--profile", "X01", "bundle", "conflicts"],
    ["--profile", "X01", "stats", "--year", "2025"],
]


@pytest.mark.parametrize("args", ANSWERS, ids=" ".join)
def test_no_english_in_cli_answers(args, demo_home, quiet_cli, capsys):
    """What the commands print for a person (not --json): state and step names from the
    glossary, no rule id outside a details line."""
    code = quiet_cli(demo_home, *args)
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.strip()
    assert not english(out.out + out.err), out.out
