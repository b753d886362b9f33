"""Finding English where a person reads (issue 17): the words of a text that are neither
Vietnamese nor on a short allow list.

A Vietnamese word either carries a diacritic or, bare, still has the shape of a Vietnamese
syllable (onset, vowels, one of the few endings: "chi", "ban", "in", "theo"); English words
almost never do ("file", "Cancel", "usage", "passed"). The few short English words that
happen to have that shape are listed. Paths, file names, addresses and codes in capitals
(NQ, KNĐ, THPT, a fingerprint's groups) are not words a person is asked to understand;
a rule id or state code (PROBATION_END) is, outside the details line that names it.
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

from khdesk.cli.parser import build_parser

# Names and abbreviations a Vietnamese office uses as they are.
ALLOWED = {
    "khdesk", "pdf", "usb", "excel", "csv", "cccd", "email", "xlsx", "khdb", "card", "json",
    "txt", "png", "zip", "demo", "windows", "linux", "ctrl", "shift", "alt", "enter", "esc",
    "tab", "kingston", "sqlcipher", "postgresql", "office", "libreoffice", "word",
    "menu", "caps", "lock", "prtscn", "unikey", "vd",  # as Vietnamese offices say them
    "bithu",  # the first user's name
    "raglai",  # a people of Khánh Hòa (dân tộc), as the demo's people are
}  # fmt: skip
# The person's own home folder, which Qt's file dialog names in its side bar: their name,
# not the app's words ("newcomer" on a fresh Debian failed here; "root" has the right shape).
ALLOWED |= {word.lower() for word in re.findall(r"[^\W\d_]+", Path.home().name)}
# Names that stay as they are: the forms' typeface and its licence.
PHRASES = ("Liberation Serif", "Red Hat, Inc.", "Google", "SIL Open Font License")
# English words with a Vietnamese syllable's shape; "OK" in capitals is English too.
SHAPED_LIKE_VIETNAMESE = {"the", "on", "at", "it", "be", "he", "we", "by", "ok", "go", "of"}

_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
_SYLLABLE = re.compile(_ONSET + r"[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?")
_MARKUP = re.compile(r"<[^>]*>")  # of a rich-text label


def _commands() -> str:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return "|".join(sorted(sub.choices, key=len, reverse=True))


# A command to type: khdesk, one of its commands and what follows in ASCII (CLI.md's words).
_COMMAND = re.compile(
    rf"\bkhdesk(?:-cli)?(?:\.exe)?[ \t]+(?:{_commands()})\b"
    r"(?:[ \t]+-{0,2}[a-z][a-z0-9-]*(?![^\W\d_]))*",
    re.ASCII,
)
_NOT_WORDS = re.compile(
    r"\b\w+://\S+"  # an address
    r"|\S*[/\\]\S*"  # a path
    r"|\S+@\S+"  # an e-mail address
    r"|\S*\.[A-Za-z]{2,5}\b"  # a file name or a suffix (.khbak)
    r"|\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b"  # a record's id (uuid)
    r"|\b[0-9a-f]{16,}\b"  # a key's id, a hash
)
_WORD = re.compile(r"[^\W\d_]+")
# A rule id or a state code (PROBATION_END, CHINH_THUC) is for JSON and for the details
# line, which names it as such: "(mã quy tắc INTRO_COUNT)".
_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_DETAILS = re.compile(r"mã quy tắc [A-Z][A-Z0-9_]*")


def english_words(text: str) -> list[str]:
    """The words of `text` a Vietnamese reader would see as English."""
    text = html.unescape(_MARKUP.sub(" ", text or ""))
    for phrase in PHRASES:
        text = text.replace(phrase, " ")
    text = _NOT_WORDS.sub(" ", _COMMAND.sub(" ", text))
    text = _DETAILS.sub(" ", text)
    found = _CODE.findall(text)
    text = _CODE.sub(" ", text)
    for word in _WORD.findall(text):
        lower = word.lower()
        if lower in SHAPED_LIKE_VIETNAMESE and (lower == "ok" or not word.isupper()):
            found.append(word)  # in capitals only OK: a key's group may read "AT"
            continue
        if not word.isascii() or len(word) < 2 or lower in ALLOWED:
            continue
        if word.isupper() and len(word) <= 5:
            continue  # a code or an abbreviation: NQ, CB, TTCT, XXXX
        if not _SYLLABLE.fullmatch(lower):
            found.append(word)
    return found
