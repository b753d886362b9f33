"""Matching a class participant to a file (domain/classes.py): name + birth date + CCCD,
accents and case ignored; several or none are listed, never guessed."""

from __future__ import annotations

from datetime import date

import pytest

from khdesk.core.domain.classes import Outcome, Participant, Person, match_participant

BIRTH = date(2001, 3, 4)
LAN = Person("X01-CB01-0001", "Phạm Thị Lan", BIRTH, "056301000123", "X01-CB01")
LAN_NO_CCCD = Person("X01-CB02-0004", "Phạm Thị Lan", BIRTH, None, "X01-CB02")
OTHER = Person("X01-CB01-0002", "Lê Văn Hải", date(1999, 1, 1), "056099000001", "X01-CB01")


def p(name="Phạm Thị Lan", birth=BIRTH, cccd=None, cell=None, code=None) -> Participant:
    return Participant(name, birth, True, cccd, cell, "01/CN", code)


@pytest.mark.parametrize(
    ("participant", "people", "file_code", "outcome"),
    [
        # accents, case and spacing do not matter; the cell picks one of two namesakes
        (p("PHAM THI  LAN", cell="X01-CB01"), [LAN, LAN_NO_CCCD, OTHER], "X01-CB01-0001", None),
        (p(cccd="056301000123"), [LAN, OTHER], "X01-CB01-0001", None),
        # a CCCD on one side only does not disagree
        (p(cccd="056301000999", cell="x01-cb02"), [LAN_NO_CCCD], "X01-CB02-0004", None),
        # two namesakes with the same birth date and no cell or CCCD: ambiguous
        (p(), [LAN, LAN_NO_CCCD], None, Outcome.AMBIGUOUS),
        # the CCCD says one file, the name another person: ambiguous, not a match
        (p("Lê Văn Hải", cccd="056301000123"), [LAN, OTHER], None, Outcome.AMBIGUOUS),
        # a CCCD that disagrees with the only namesake's: not that file
        (p(cccd="056301000777"), [LAN], None, Outcome.NOT_FOUND),
        # another birth date: not found
        (p(birth=date(2001, 3, 5)), [LAN], None, Outcome.NOT_FOUND),
        # namesakes only in another cell than the roster names: listed to resolve
        (p(cell="X01-CB03"), [LAN], None, Outcome.AMBIGUOUS),
        # the office names the file: its name and birth date must agree
        (p(code="x01-cb01-0001"), [LAN, LAN_NO_CCCD], "X01-CB01-0001", None),
        (p("Lê Văn Hải", code="X01-CB01-0001"), [LAN], None, Outcome.AMBIGUOUS),
        (p(code="X01-CB01-0099"), [LAN], None, Outcome.NOT_FOUND),
    ],
)
def test_match_participant(participant, people, file_code, outcome):
    found = match_participant(participant, people)
    assert (found.file_code, found.outcome) == (file_code, outcome)
    assert bool(found.reason) == (outcome is not None)
