"""Issue 17: no English reaches a person from the CLI: the help of every command and
subcommand, and a sample of its errors (usage, bad values, unknown files and profiles),
judged by tests/english.py. The command line's own words (command names, options and
their choices) are what a person types, in CLI.md's English, and are let be; the
placeholders of the values (`--on NGÀY`, `MÃ_HỒ_SƠ`) are read, and are Vietnamese.
The windows' side: tests/ui/test_no_english.py."""

from __future__ import annotations

import argparse
import re

import pytest

from khdesk.cli.parser import build_parser
from tests.english import ALLOWED, english_words


def parsers(parser: argparse.ArgumentParser, path: str = "khdesk"):
    """The parser of every command and subcommand, with the command line that reaches it."""
    yield path, parser
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, f"{path} {name}")


def syntax_words() -> set[str]:
    """Every word of the command line's syntax a person types, lower case: not the
    placeholders, which are read."""
    words: set[str] = set()
    for _path, parser in parsers(build_parser()):
        for action in parser._actions:
            names = list(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                names += list(action.choices)
            else:
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


# The English of the options' and values' names (out, to, on, file…), some of which have
# a Vietnamese syllable's shape, so a placeholder copied from them reads as Vietnamese to
# tests/english.py; the names a Vietnamese office says as they are (cccd, json) aside.
OPTION_WORDS = {
    word
    for _path, parser in parsers(build_parser())
    for action in parser._actions
    for word in re.findall(r"[a-z]+", " ".join([action.dest or "", *action.option_strings]))
} - ALLOWED


def valued_arguments():
    """Every argument that takes a value shown by a placeholder (not a choice among words
    the help lists), with the command line that reaches it."""
    for path, parser in parsers(build_parser()):
        for action in parser._actions:
            if (
                action.nargs == 0
                or action.choices
                or isinstance(action, argparse._SubParsersAction)
            ):
                continue
            yield f"{path} {'/'.join(action.option_strings) or action.dest}", action


def test_every_placeholder_is_vietnamese():
    """argparse names a value by its English dest (FILE_CODE, DATE, OUT, TO, file_code)
    unless told otherwise: each is told, in Vietnamese words."""
    found = {}
    for where, action in valued_arguments():
        shown = action.metavar
        if shown is None:
            found[where] = action.dest.upper() if action.option_strings else action.dest
            continue
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", shown)]
        if not words or english_words(" ".join(words)) or OPTION_WORDS & set(words):
            found[where] = shown
    assert not found, found


def test_every_command_says_what_it_does_and_what_each_value_is():
    """A newcomer reads `--help`: each command's purpose, and what each value means beyond
    its placeholder (a file code and a user name say it themselves)."""
    self_evident = {"MÃ_HỒ_SƠ", "NGƯỜI_DÙNG", "THƯ_MỤC", "HỒ_SƠ_LÀM_VIỆC"}
    silent = [
        where
        for where, action in valued_arguments()
        if not action.help and action.metavar not in self_evident
    ]
    silent += [
        path
        for path, parser in parsers(build_parser())
        if path != "khdesk" and not parser.description
    ]
    assert not silent, silent


def test_no_english_in_the_cli_help():
    """Nor a document a secretary does not have (RULES.md §2a): the help says it in words."""
    found = {}
    for path, parser in parsers(build_parser()):
        text = parser.format_help()
        words = english(text, help_text=True) + re.findall(r"\w+\.md\b", text)
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
    ["--profile", "X01", "org", "add", "X01-CB01", "--name", "Chi bộ"],
    ["--profile", "X01", "org", "add", "X01-CB09", "--name", "Chi bộ", "--kind", "lạ"],
    ["step", "undo", "X01-CB01-0011"],
    ["--profile", "X01", "keys", "enrol", "{home}/ghi-chu.txt", "--fingerprint", "AAAA"],
    ["--profile", "X01-CB01", "transfer", "out", "X01-CB01-0007", "--to", "X01-CB02"],
    ["--profile", "X01-CB01", "list", "--state", "CHINH"],
    ["--profile", "X01", "bundle", "verify", "{home}/ghi-chu.txt"],
]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """`khdesk demo` (committee and cells on one PC), made once for the error sample."""
    from khdesk.demo.loop import build_demo
    from tests.stations import PASSWORD, TODAY

    home = tmp_path_factory.mktemp("cli-demo")
    build_demo(home, PASSWORD, today=TODAY)
    (home / "ghi-chu.txt").write_text("Không phải thẻ khóa.\n", encoding="utf-8")
    return home


@pytest.mark.parametrize("args", ERRORS, ids=" ".join)
def test_no_english_in_cli_errors(args, demo_home, quiet_cli, capsys):
    code = quiet_cli(demo_home, *(a.replace("{home}", str(demo_home)) for a in args))
    out = capsys.readouterr()
    assert code != 0, out.out
    assert (out.err + out.out).strip() and "Traceback" not in out.err
    assert not english(out.err + out.out), out.err
    assert ": ?" not in out.out  # a sender not known is said in words


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
    ["--profile", "X01", "org", "list"],
    ["--profile", "X01", "db", "check"],
    ["--profile", "X01-CB01", "db", "check"],
    ["--profile", "X01-CB01", "audit", "list", "--limit", "30"],
    ["--profile", "X01", "audit", "list", "--limit", "30"],
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


def test_no_english_when_a_step_is_recorded_and_taken_back(demo_home, quiet_cli, capsys):
    """The state after a step is named by its glossary label, not its code (QUYET_DINH)."""
    record = ["step", "record", "X01-CB01-0011", "A10", "--on", "20/11/2026"]
    assert quiet_cli(demo_home, *record, "--doc-no", "12-QĐ/ĐU", "--today", "26/11/2026") == 0
    assert quiet_cli(demo_home, "step", "undo", "X01-CB01-0011", "A10") == 0
    out = capsys.readouterr()
    assert "Có quyết định kết nạp" in out.out and "Chi bộ đã xét" in out.out
    assert not english(out.out + out.err), out.out


def test_an_unknown_step_lists_the_steps(demo_home, quiet_cli, capsys):
    assert quiet_cli(demo_home, "step", "record", "X01-CB01-0011", "A99", "--on", "1/1/2026") == 2
    err = capsys.readouterr().err
    assert "Không có bước 'A99'" in err and "'A10'" in err and "'XOA_TEN'" in err
    assert "khdesk step next X01-CB01-0011" in err


def test_the_commands_are_listed_once():
    """`khdesk --help`: the usage says LỆNH and the commands are listed below it, not a
    brace list of all of them twice."""
    text = build_parser().format_help()
    assert "LỆNH ..." in text and "{gui," not in text
