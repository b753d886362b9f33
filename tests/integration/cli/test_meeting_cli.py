"""`khdesk meeting new|vote|edit|delete|show|list|minutes` on real profiles: one roll
typed once, three admissions and one recognition voted on it, the day and the deletion
refused while votes stand, the minutes and the resolutions printed, and the meeting seen
at the committee after the bundle."""

import json

import pytest

from khdesk.core.services import sync
from tests.integration.core.reports.conftest import pdftotext, pdftotext_text  # noqa: F401 - fixture
from tests.meetings import CANDIDATES, NAMES, PROBATIONARY, agenda_cell
from tests.stations import build_commune, export, open_station

CELL = "X01-CB01"
TODAY = ("--today", "26/11/2026")


@pytest.mark.usefixtures("pdftotext")  # skipped, and said, without poppler-utils
def test_a_meeting_on_the_command_line(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", cells=(CELL,))
    home = commune.home
    agenda_cell(commune.cells[CELL])
    commune.close()

    def run(*args: str) -> int:
        return quiet_cli(home, *args, "--profile", CELL)

    assert run(
        "meeting", "new", "--on", "20/11/2026", "--official", "9", "--probationary", "1",
        "--absent", "Đảng viên Số 9;ct;ốm, nằm viện", "--chair", "Đảng viên Số 1",
        "--chair-role", "Bí thư chi bộ", "--secretary", "Đảng viên Số 2", *TODAY, "--json",
    ) == 0  # fmt: skip
    uuid = json.loads(capsys.readouterr().out)["meeting"]
    short = uuid[:8]
    for code, votes in zip(CANDIDATES, ("8", "6", "5"), strict=True):
        assert run("meeting", "vote", short, code, "A8", "--votes", votes, *TODAY) == 0
    assert run("meeting", "vote", short, PROBATIONARY, "p3", "--votes", "7", *TODAY) == 0
    out = capsys.readouterr().out
    assert out.count("Đã ghi biểu quyết") == 4 and "Chi bộ đã xét" in out

    # More votes for than official members present: refused, in Vietnamese, nothing written.
    assert run("meeting", "vote", short, CANDIDATES[2], "A8", "--votes", "9", *TODAY) == 1
    assert "8 đảng viên chính thức có mặt" in capsys.readouterr().err
    assert run("meeting", "new", "--on", "20/11/2026", "--official", "9",
               "--absent", "Lê Văn A", *TODAY) == 2  # fmt: skip
    assert "HỌ TÊN;LOẠI;LÝ DO" in capsys.readouterr().err

    assert run("meeting", "show", short, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["official_members"], shown["present"]) == (9, 9)
    assert [(v["file_code"], v["step"], v["votes_for"], v["result"]) for v in shown["votes"]] == [
        (CANDIDATES[0], "A8", 8, "passed"),
        (CANDIDATES[1], "A8", 6, "passed"),
        (CANDIDATES[2], "A8", 5, "failed"),
        (PROBATIONARY, "P3", 7, "passed"),
    ]
    # A slip in the roll corrected: the votes follow, a contradiction is refused.
    assert run("meeting", "edit", short, "--official", "12", *TODAY) == 1
    assert "Hoàn tác biểu quyết đó" in capsys.readouterr().err
    assert (
        run("meeting", "edit", short, "--nobody-absent", "--secretary", "Lê Thị Thư", *TODAY) == 0
    )
    assert "absences, secretary" in capsys.readouterr().out
    assert run("meeting", "show", short, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["present"], shown["secretary"], shown["absences"]) == (10, "Lê Thị Thư", [])
    # The day moves, and the meeting goes, only without votes: refused, naming them.
    assert run("meeting", "edit", short, "--date", "19/11/2026", *TODAY) == 1
    assert f"A8 của hồ sơ {CANDIDATES[0]}" in capsys.readouterr().err
    assert run("meeting", "delete", short) == 1
    assert "Không xóa được kỳ họp ngày 20/11/2026" in capsys.readouterr().err
    assert run("meeting", "new", "--on", "21/11/2026", "--official", "9", *TODAY, "--json") == 0
    slip = json.loads(capsys.readouterr().out)["meeting"]
    assert run("meeting", "edit", slip, "--date", "2026-11-18", *TODAY) == 0
    assert "Đã sửa kỳ họp ngày 21/11/2026: on." in capsys.readouterr().out
    assert run("meeting", "delete", slip) == 0
    assert "Đã xóa kỳ họp ngày 18/11/2026 của X01-CB01." in capsys.readouterr().out
    assert run("meeting", "list") == 0
    assert f"{uuid}  20/11/2026  {CELL}: 9 chính thức, 1 dự bị" in capsys.readouterr().out

    minutes = tmp_path / "out" / "bien-ban.pdf"
    assert (
        run("meeting", "minutes", short, "--out", str(minutes), "--value", "venue=Nhà văn hóa thôn")
        == 0
    )
    text = " ".join(pdftotext_text(minutes, tmp_path).split())
    assert "tại Nhà văn hóa thôn" in text
    assert "Có mặt: 10 đồng chí (chính thức: 9; dự bị: 1)" in text
    assert all(NAMES[c] in text for c in (*CANDIDATES, PROBATIONARY))
    six = tmp_path / "out" / "6.pdf"
    assert run("form", "6-KND", "--file", CANDIDATES[0], "--out", str(six)) == 0
    assert "Thư ký hội nghị: đồng chí Lê Thị Thư." in " ".join(
        pdftotext_text(six, tmp_path).split()
    )

    assert "Đã ghi biên bản kỳ họp" in capsys.readouterr().out

    # The committee receives the meeting with the votes.
    cell, committee = open_station(home, CELL), open_station(home, "X01")
    try:
        sync.import_bundles(committee, [export(cell, tmp_path / "usb")])
    finally:
        cell.close()
        committee.close()
    assert quiet_cli(home, "meeting", "show", short, "--profile", "X01", "--json") == 0
    assert json.loads(capsys.readouterr().out)["votes"] == shown["votes"]
