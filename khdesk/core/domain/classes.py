"""A party-awareness class (lớp bồi dưỡng nhận thức về Đảng) and its roster (RULES.md
§2a): the roster's sheet, and how a participant is matched to a file here.

A participant is matched by name + birth date + CCCD, never guessed: a unique file
agreeing on all that both sides know is a match; several are listed as ambiguous, none
as not found, for the office to resolve. Qt-free and database-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from khdesk.core.domain.template import Column, Kind, Sheet
from khdesk.core.text import fold

PASSED, NOT_PASSED = "Đạt", "Không đạt"
RESULTS = (PASSED, NOT_PASSED)

# The class's own spreadsheet: one row per participant.
ROSTER = Sheet(
    "Học viên",
    "class_roster",
    (
        Column("Họ và tên", "full_name", required=True),
        Column("Ngày sinh", "birth_date", Kind.DATE, True),
        Column("Số CCCD", "cccd"),
        Column("Mã chi bộ", "org_code"),
        Column("Số chứng nhận", "cert_no"),
        Column("Kết quả", "result", Kind.CHOICE, True, RESULTS),
        Column("Mã hồ sơ", "file_code"),
    ),
)


class Outcome(StrEnum):
    """What became of one participant."""

    RECORDED = "recorded"  # passed, matched, A2 recorded on the file
    ALREADY = "already"  # passed, matched, the file already has this certificate
    NOT_PASSED = "not_passed"  # did not pass: nothing recorded
    NOT_FOUND = "not_found"  # passed, no file here matches
    AMBIGUOUS = "ambiguous"  # passed, several files (or disagreeing facts) match
    REFUSED = "refused"  # passed, matched, but the step was refused (reason kept)


OUTCOME_LABELS = {
    Outcome.RECORDED: "Đã ghi bước A2",
    Outcome.ALREADY: "Hồ sơ đã có chứng nhận này",
    Outcome.NOT_PASSED: "Không đạt",
    Outcome.NOT_FOUND: "Không tìm thấy hồ sơ",
    Outcome.AMBIGUOUS: "Nhiều hồ sơ có thể khớp",
    Outcome.REFUSED: "Không ghi được bước A2",
}
# The outcomes the office still has to resolve (choose the file, then record again).
TO_RESOLVE = frozenset((Outcome.NOT_FOUND, Outcome.AMBIGUOUS, Outcome.REFUSED))


@dataclass(frozen=True)
class Participant:
    """One roster row as typed or read."""

    full_name: str
    birth_date: date
    passed: bool
    cccd: str | None = None
    org_code: str | None = None  # the cell the roster names
    cert_no: str | None = None
    file_code: str | None = None  # when the office already knows the file


@dataclass(frozen=True)
class Person:
    """A file here, as a participant is matched against it."""

    file_code: str
    full_name: str
    birth_date: date
    cccd: str | None
    org_code: str


@dataclass(frozen=True)
class Match:
    file_code: str | None  # the file, when exactly one matches
    outcome: Outcome | None  # NOT_FOUND / AMBIGUOUS when no file is chosen
    reason: str  # Vietnamese: why not matched (empty when matched)


def match_participant(p: Participant, people: Iterable[Person]) -> Match:
    """The file of `p` among `people`: by its file code when given (its name must agree),
    else the files whose folded name and birth date agree and whose CCCD does not
    disagree; one in the roster's cell when it names one."""
    people = list(people)
    name = fold(p.full_name)
    cccd = _digits(p.cccd)
    if p.file_code:
        code = p.file_code.strip().upper()
        found = next((x for x in people if x.file_code == code), None)
        if found is None:
            return Match(None, Outcome.NOT_FOUND, f"Không có hồ sơ mã '{code}'.")
        if fold(found.full_name) != name or found.birth_date != p.birth_date:
            return Match(
                None,
                Outcome.AMBIGUOUS,
                f"Hồ sơ {code} là của {found.full_name} ({found.birth_date:%d/%m/%Y}), "
                "không khớp họ tên hoặc ngày sinh trong danh sách.",
            )
        return Match(code, None, "")
    same = [x for x in people if fold(x.full_name) == name and x.birth_date == p.birth_date]
    if cccd:
        by_cccd = [x for x in people if _digits(x.cccd) == cccd]
        odd = [x for x in by_cccd if x not in same]
        if odd:
            x = odd[0]
            return Match(
                None,
                Outcome.AMBIGUOUS,
                f"Số CCCD trùng với hồ sơ {x.file_code} ({x.full_name}, "
                f"{x.birth_date:%d/%m/%Y}) nhưng họ tên hoặc ngày sinh khác.",
            )
        same = [x for x in same if not _digits(x.cccd) or _digits(x.cccd) == cccd]
    if p.org_code:
        cell = p.org_code.strip().upper()
        here = [x for x in same if x.org_code == cell]
        if not here and same:
            codes = ", ".join(f"{x.file_code} ({x.org_code})" for x in same)
            return Match(
                None,
                Outcome.AMBIGUOUS,
                f"Có hồ sơ cùng họ tên, ngày sinh nhưng ở chi bộ khác {cell}: {codes}.",
            )
        same = here
    if not same:
        return Match(
            None, Outcome.NOT_FOUND, "Không có hồ sơ nào cùng họ tên, ngày sinh (và số CCCD)."
        )
    if len(same) > 1:
        codes = ", ".join(x.file_code for x in same)
        return Match(
            None,
            Outcome.AMBIGUOUS,
            f"Có {len(same)} hồ sơ cùng họ tên, ngày sinh: {codes} — chọn hồ sơ đúng.",
        )
    return Match(same[0].file_code, None, "")


def _digits(value: str | None) -> str:
    return "".join(ch for ch in value or "" if not ch.isspace())
