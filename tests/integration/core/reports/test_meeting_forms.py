"""Issue 18, "what it must show": a meeting voting on three candidates and one recognition
— one roll, three 6-KNĐ and one 13-KNĐ whose attendance and "không tán thành" lines agree
with it (PDF text, pdftotext), the minutes printed."""

import re

import pytest

from khdesk.core.domain.meetings import Absence, Kind
from khdesk.core.services.meetings import new_meeting, record_vote
from khdesk.core.services.printing import form_pdf, minutes_pdf
from tests.integration.core.reports.conftest import pdftotext_text
from tests.meetings import CANDIDATES, NAMES, PROBATIONARY, TODAY, agenda_cell, roll

# The roll typed at the meeting: not the register's 9 + 1 (the forms must read the roll).
ROLL = roll(
    11,
    2,
    absences=(
        Absence("Đảng viên Số 9", Kind.OFFICIAL, "ốm, nằm viện"),
        Absence("Trần Thị Mai", Kind.PROBATIONARY, "đi công tác"),
    ),
)
ATTENDANCE = (
    "Tổng số đảng viên của chi bộ: 13 đồng chí (chính thức: 11; dự bị: 2). "
    "Có mặt: 11 đồng chí (chính thức: 10; dự bị: 1). "
    "Vắng mặt: 2 đồng chí (chính thức: 1; dự bị: 1); lý do vắng mặt: "
    "Đảng viên Số 9 (chính thức): ốm, nằm viện; Trần Thị Mai (dự bị): đi công tác."
)
CHAIR = (
    "Chủ trì hội nghị: đồng chí Đảng viên Số 1, chức vụ: Bí thư chi bộ. "
    "Thư ký hội nghị: đồng chí Đảng viên Số 2."
)
VOTES = {CANDIDATES[0]: 9, CANDIDATES[1]: 8, CANDIDATES[2]: 7}  # 8 of 11 needed


def flat(data: bytes, tmp_path) -> str:
    return " ".join(pdftotext_text(data, tmp_path).split())


@pytest.fixture
def meeting(cell):
    agenda_cell(cell)
    uuid = new_meeting(cell, ROLL, TODAY)
    for code, votes in VOTES.items():
        record_vote(cell, uuid, code, "A8", votes, TODAY, doc_no=None)
    record_vote(cell, uuid, PROBATIONARY, "P3", 10, TODAY)
    return cell, uuid


def test_one_roll_three_6_knd_one_13_knd_and_the_minutes(meeting, tmp_path, pdftotext):
    cell, uuid = meeting
    texts = {code: flat(form_pdf(cell, "6-KNĐ", code), tmp_path) for code in VOTES}
    texts[PROBATIONARY] = flat(form_pdf(cell, "13-KNĐ", PROBATIONARY), tmp_path)
    for code, text in texts.items():
        assert ATTENDANCE in text, code
        assert CHAIR in text, code
    for code, votes in VOTES.items():
        assert NAMES[code] in texts[code]
        assert f"{votes} đồng chí, đạt" in texts[code]
        assert "so với tổng số 11 đảng viên chính thức" in texts[code]
    # "Không tán thành": the official members present (10) who did not vote for.
    for code, against in zip(VOTES, ("1 đồng chí, chiếm 9,09%", "2 đồng chí, chiếm 18,18%",
                                     "3 đồng chí, chiếm 27,27%"), strict=True):  # fmt: skip
        assert f"Số đảng viên chính thức không tán thành: {against} so với tổng số" in texts[code]
        assert "; lý do: …" in texts[code]  # a reason stays the secretary's to write
    assert (
        "Số đảng viên chính thức không tán thành: 0 đồng chí, chiếm 0% so với tổng số đảng "
        "viên chính thức của chi bộ; lý do: không có." in texts[PROBATIONARY]
    )
    # One attendance line, the same on every resolution.
    lines = {re.search(r"Tổng số đảng viên.*?đi công tác\.", t).group() for t in texts.values()}
    assert lines == {ATTENDANCE}

    data = minutes_pdf(cell, uuid)
    minutes = flat(data, tmp_path)
    assert "BIÊN BẢN" in minutes and "ngày 20 tháng 11 năm 2026" in minutes
    assert ATTENDANCE in minutes and CHAIR in minutes
    assert "cần ít nhất 8 đồng chí" in minutes
    table = pdftotext_text(data, tmp_path, "-layout")
    # One row per agenda item (a long item wraps inside its cell).
    agenda = re.findall(
        r"^ *(\d) +(\S.*?\S) {2,}(Xét kết nạp|Xét công nhận chính) +(\d+)/11 \(([\d,]+%)\)"
        r" +(\d+) \(([\d,]+%)\) +(Thông qua|Không thông qua)$",
        table,
        re.MULTILINE,
    )
    assert agenda == [
        ("1", NAMES[CANDIDATES[0]], "Xét kết nạp", "9", "81,82%", "1", "9,09%", "Thông qua"),
        ("2", NAMES[CANDIDATES[1]], "Xét kết nạp", "8", "72,73%", "2", "18,18%", "Thông qua"),
        ("3", NAMES[CANDIDATES[2]], "Xét kết nạp", "7", "63,64%", "3", "27,27%", "Không thông qua"),
        ("4", NAMES[PROBATIONARY], "Xét công nhận chính", "10", "90,91%", "0", "0%", "Thông qua"),
    ]
    assert "Xét công nhận chính thức" in minutes and "Không tán thành" in minutes
    assert "THƯ KÝ" in minutes and "CHỦ TRÌ" in minutes


def test_a_vote_not_held_at_a_meeting_still_prints_blanks_to_fill(cell, tmp_path, pdftotext):
    """Without a meeting the attendance stays the register's count and dotted blanks."""
    from khdesk.core.domain.pipeline import StepEvent
    from khdesk.core.services.steps import record_step

    agenda_cell(cell)
    record_step(
        cell, CANDIDATES[0], StepEvent("A8", ROLL.on, official_members=9, votes_for=8), TODAY
    )
    text = flat(form_pdf(cell, "6-KNĐ", CANDIDATES[0]), tmp_path)
    assert "Tổng số đảng viên của chi bộ: 10 đồng chí (chính thức: 9; dự bị: 1)." in text
    assert "Có mặt: …" in text and "lý do vắng mặt: …" in text
    # Who was present is not known: "không tán thành" stays the secretary's to write.
    assert re.search("không tán thành: …+ đồng chí, chiếm …+ so với", text)


def test_every_placeholder_of_the_minutes_is_filled_or_hand_filled(meeting):
    from khdesk.core.reports.minutes import HAND_FILLED, minutes_values
    from khdesk.core.reports.templates import load_template, placeholders

    cell, uuid = meeting
    with cell.store.read() as conn:
        values = minutes_values(conn, uuid, own_org=cell.org_code)
    known = set(values) | set(values["votes"][0]) | HAND_FILLED
    assert placeholders(dict(load_template("minutes").data)) - known == set()
