"""A class roster (issue 18 item 2, RULES.md §2a): a 40-person class from three cells is
imported at the commune committee from the class's own spreadsheet; after one round of
bundles every passed participant's cell shows A2 with the certificate number; the
participants no file here matches, or several match, are listed, not guessed."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from khdesk.core.domain.classes import NOT_PASSED, PASSED, ROSTER, Outcome
from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.services import classes, sync
from khdesk.core.services.candidates import create_candidate, open_file
from khdesk.core.services.steps import record_step, undo_step
from khdesk.core.sync.inbox import import_bundle
from khdesk.core.text import fold
from tests.stations import build_commune, export

TODAY = date(2026, 11, 26)
SOURCED = date(2026, 5, 4)
CLASS = classes.ClassInfo(
    code="LOP-2026-05",
    name="Lớp bồi dưỡng nhận thức về Đảng khóa 5/2026",
    organiser="Trung tâm Chính trị huyện Cam Lâm",
    issuer="Trung tâm Chính trị huyện Cam Lâm",
    starts_on=date(2026, 11, 2),
    ends_on=date(2026, 11, 6),
    cert_on=date(2026, 11, 9),
)
CELLS = ("X01-CB01", "X01-CB03", "X01-CB04")
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khánh", "Lộc", "My", "Nhân", "Phúc")


def cccd(birth: date, female: bool, serial: int) -> str:
    century = (0 if birth.year < 2000 else 2) + (1 if female else 0)
    return f"056{century}{birth.year % 100:02d}{serial:06d}"


@pytest.fixture(scope="module")
def roster_world(tmp_path_factory):
    """Three cells that run khdesk, each with its sources (A1 recorded), and the
    committee holding their files after one bundle up from each."""
    home = tmp_path_factory.mktemp("roster")
    c = build_commune(home / "home", cells=CELLS)
    rng = random.Random(18)
    people = []  # (cell, file code or None, name, birth, cccd)
    serial = 0
    for cell_code, count in zip(CELLS, (13, 13, 14), strict=True):
        cell = c.cells[cell_code]
        for i in range(count):
            serial += 1
            female = rng.random() < 0.4
            birth = date(rng.randint(1994, 2004), rng.randint(1, 12), rng.randint(1, 28))
            mid = "Thị" if female else rng.choice(MIDDLE[:1] + MIDDLE[2:])
            name = f"{rng.choice(SURNAMES)} {mid} {rng.choice(GIVEN)} {serial:02d}"
            number = cccd(birth, female, serial)
            if cell_code == "X01-CB04" and i >= 12:
                # The last two of CB04 have no file anywhere: the office must resolve them.
                people.append((cell_code, None, name, birth, number))
                continue
            person = {
                "full_name": name,
                "sex": "Nữ" if female else "Nam",
                "birth_date": birth.strftime("%d/%m/%Y"),
                "cccd": number,
            }
            code = create_candidate(cell, person)
            record_step(cell, code, StepEvent("A1", SOURCED), TODAY)
            people.append((cell_code, code, name, birth, number))
    # Two files of CB03 for one person typed twice (no CCCD on either): ambiguous.
    twin = {"full_name": "Trần Văn Song", "sex": "Nam", "birth_date": "02/02/2000"}
    twins = [create_candidate(c.cells["X01-CB03"], twin) for _ in range(2)]
    for code in twins:
        record_step(c.cells["X01-CB03"], code, StepEvent("A1", SOURCED), TODAY)
    for cell_code in CELLS:
        up = export(c.cells[cell_code], home / "up" / cell_code)
        assert import_bundle(c.committee, up).status == "imported"
    yield c, people, twins, home
    c.close()


def write_roster(path: Path, rows: list[tuple]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách học viên"
    ws.append(["DANH SÁCH HỌC VIÊN LỚP BỒI DƯỠNG NHẬN THỨC VỀ ĐẢNG"])  # a title line
    ws.append([c.header for c in ROSTER.columns if c.key != "file_code"])
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def test_forty_from_three_cells_reach_each_cell_in_one_round(roster_world):
    c, people, twins, home = roster_world
    rows, expected = [], {}
    for n, (cell_code, code, name, birth, number) in enumerate(people, 1):
        passed = n % 13 != 5  # three of them did not pass
        cert = f"{n:03d}/CN-TTCT" if passed else None
        shown = name
        if n == 7:  # typed in capitals without diacritics: still the same person
            shown = fold(name).upper()
        rows.append((shown, birth, number, cell_code, cert, PASSED if passed else NOT_PASSED))
        if passed and code:
            expected[code] = (cell_code, cert)
    rows.append(("Trần Văn Song", date(2000, 2, 2), None, "X01-CB03", "099/CN-TTCT", PASSED))
    assert len(rows) == 41 and len(people) == 40
    path = write_roster(home / "lop.xlsx", rows)

    roster = classes.import_class(c.committee, CLASS, path, TODAY)

    assert len(roster.lines) == 41
    assert roster.count(Outcome.RECORDED) == len(expected) == 35
    assert roster.count(Outcome.NOT_PASSED) == 3
    unresolved = {(x.participant.full_name, x.outcome) for x in roster.to_resolve}
    lost = [p for p in people if p[1] is None]
    assert unresolved == {
        *((name, Outcome.NOT_FOUND) for _, _, name, _, _ in lost),
        ("Trần Văn Song", Outcome.AMBIGUOUS),
    }
    twin_line = next(x for x in roster.lines if x.outcome is Outcome.AMBIGUOUS)
    assert all(code in twin_line.reason for code in twins)

    # One round of bundles down: each cell's files show A2 with its certificate number.
    for cell_code in CELLS:
        down = sync.export_bundle(c.committee, home / "down" / cell_code, to=cell_code)
        report = import_bundle(c.cells[cell_code], Path(down.path))
        assert report.status == "imported", report.reason
    for code, (cell_code, cert) in expected.items():
        file = open_file(c.cells[cell_code], code)
        a2 = [s for s in file["steps"] if s["step_id"] == "A2"]
        assert [(s["on"], s["doc_no"], s["owner"]) for s in a2] == [(CLASS.cert_on, cert, "X01")]
        assert file["state"] == "BOI_DUONG"
    # Nothing was guessed: the twins and the failed participants' files have no A2.
    not_passed = [p[1] for n, p in enumerate(people, 1) if n % 13 == 5]
    for code in (*twins, *not_passed):
        cell_code = code.rsplit("-", 1)[0]
        steps = open_file(c.cells[cell_code], code)["steps"]
        assert [s["step_id"] for s in steps] == ["A1"]

    # The same roster again changes nothing: the certificates are already there.
    again = classes.record_class(
        c.committee,
        classes.ClassInfo(**{**CLASS.__dict__, "code": "LOP-2026-05B"}),
        classes.read_roster(path),
        TODAY,
    )
    assert again.count(Outcome.ALREADY) == 35 and again.count(Outcome.RECORDED) == 0

    # A certificate recorded by mistake is taken back at the committee: the next bundle
    # down takes it back at the cell too.
    code, (cell_code, cert) = next(iter(expected.items()))
    mine = [s for s in open_file(c.committee, code)["steps"] if s["step_id"] == "A2"]
    assert undo_step(c.committee, code, mine[0]["uuid"]) == "NGUON"
    down = sync.export_bundle(c.committee, home / "undo", to=cell_code)
    assert import_bundle(c.cells[cell_code], Path(down.path)).status == "imported"
    file = open_file(c.cells[cell_code], code)
    assert [s["step_id"] for s in file["steps"]] == ["A1"] and file["state"] == "NGUON"

    # The office resolves the ambiguous one by choosing the file: A2 is recorded.
    row = twin_line.row_no
    line = classes.resolve(c.committee, CLASS.code, row, twins[1], TODAY)
    assert line.outcome is Outcome.RECORDED
    shown = classes.show_class(c.committee, CLASS.code)
    assert next(x for x in shown.lines if x.row_no == row).file_code == twins[1]
