"""Cell meetings (RULES.md §2a): one roll typed once is the denominator of every vote the
meeting holds; votes are recorded through the step service (rules, audit, permissions)."""

from dataclasses import replace

import pytest
from sqlalchemy import select, update

from khdesk.core.domain.meetings import Absence, Kind
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services.candidates import open_file
from khdesk.core.services.checking import check_profile
from khdesk.core.services.meetings import (
    correct_meeting,
    delete_meeting,
    get_meeting,
    list_meetings,
    meeting_votes,
    new_meeting,
    record_vote,
)
from khdesk.core.services.steps import undo_step
from khdesk.core.store import schema as t
from tests.meetings import CANDIDATES, MEETING_DAY, PROBATIONARY, TODAY, agenda_cell, roll

pytestmark = pytest.mark.usefixtures("engine_kind")


@pytest.fixture
def agenda(cell):
    agenda_cell(cell)
    return cell


# (official members on the roll, absent official members, votes for, passes?)
BOUNDARY = [
    (9, 0, 6, True),  # exactly two thirds passes
    (9, 0, 5, False),
    (9, 3, 6, True),  # two thirds of all official members, though three are absent
    (9, 3, 5, False),
    (10, 0, 7, True),  # 20/3 = 6.67: seven needed
    (10, 0, 6, False),
    (10, 3, 7, True),  # every official member present voted for: still exactly enough
]


@pytest.mark.parametrize(("official", "away", "votes", "passes"), BOUNDARY)
def test_each_vote_is_counted_on_the_meetings_roll(agenda, official, away, votes, passes):
    absences = tuple(Absence(f"Vắng {i}", Kind.OFFICIAL, "đi công tác") for i in range(away))
    uuid = new_meeting(agenda, roll(official, absences=absences), TODAY)
    recorded = record_vote(agenda, uuid, CANDIDATES[0], "A8", votes, TODAY)
    assert recorded.state == ("CHI_BO_XET" if passes else "THAM_TRA")
    step = open_file(agenda, CANDIDATES[0])["steps"][-1]
    assert (step["step_id"], step["on"], step["official_members"], step["votes_for"]) == (
        "A8",
        MEETING_DAY,
        official,
        votes,
    )
    assert step["result"] == ("passed" if passes else "failed")


def test_one_meeting_holds_three_admissions_and_one_recognition(agenda):
    uuid = new_meeting(agenda, roll(), TODAY)
    for code, votes in zip(CANDIDATES, (8, 7, 5), strict=True):
        record_vote(agenda, uuid, code, "A8", votes, TODAY)
    record_vote(agenda, uuid, PROBATIONARY, "P3", 8, TODAY)
    with agenda.store.read() as conn:
        votes = meeting_votes(conn, uuid)
    assert [(v.file_code, v.step_id, v.votes_for, v.result.value) for v in votes] == [
        (CANDIDATES[0], "A8", 8, "passed"),
        (CANDIDATES[1], "A8", 7, "passed"),
        (CANDIDATES[2], "A8", 5, "failed"),
        (PROBATIONARY, "P3", 8, "passed"),
    ]
    with agenda.store.read() as conn:
        audit = conn.execute(t.audit.select().where(t.audit.c.action == "record_step")).all()
        meeting = get_meeting(conn, uuid[:8])
    assert len(audit) >= 4
    assert (meeting.present(Kind.OFFICIAL), meeting.present(), meeting.absent()) == (8, 9, 1)


def test_vote_2_3_reads_the_meetings_roll(agenda):
    """The meeting's number of official members is the denominator the rules judge by,
    whatever the vote's own copy says."""
    uuid = new_meeting(agenda, roll(), TODAY)
    record_vote(agenda, uuid, CANDIDATES[0], "A8", 6, TODAY)

    def vote_findings():
        found = check_profile(agenda, TODAY, rule="VOTE_2_3").findings
        return [f["severity"] for f in found if f["file_code"] == CANDIDATES[0]]

    assert vote_findings() == []
    with agenda.store.write("bithu") as tx:  # a copy gone wrong (an old import, a slip)
        tx.conn.execute(update(t.steps).where(t.steps.c.votes_for == 6).values(official_members=12))
    assert vote_findings() == []  # still 6 of the meeting's 9
    with agenda.store.write("bithu") as tx:  # the roll itself says 12: 6 is not enough
        tx.conn.execute(update(t.meetings).values(official_members=12))
    assert vote_findings() == ["error"]


def test_a_link_to_another_units_meeting_is_not_followed(agenda):
    """A received step naming a meeting of another cell (a forged or confused bundle)
    is judged on its own number, not on that meeting's roll."""
    uuid = new_meeting(agenda, roll(), TODAY)
    record_vote(agenda, uuid, CANDIDATES[0], "A8", 6, TODAY)
    with agenda.store.write("bithu") as tx:
        tx.conn.execute(update(t.meetings).values(org_code="X02-CB09", official_members=12))
    found = check_profile(agenda, TODAY, rule="VOTE_2_3").findings
    assert [f for f in found if f["file_code"] == CANDIDATES[0]] == []  # 6 of its own 9
    with agenda.store.read() as conn:
        assert meeting_votes(conn, uuid) == []  # nor listed on that meeting's minutes


@pytest.mark.parametrize(
    ("meeting", "words"),
    [
        (roll(0), "ít nhất một đảng viên chính thức"),
        (roll(2, absences=(Absence("A", Kind.OFFICIAL, "ốm"),) * 3), "nhiều hơn tổng số"),
        (roll(absences=(Absence("Lê Văn A", Kind.OFFICIAL, " "),)), "lý do vắng mặt"),
        (roll(on=TODAY.replace(day=27)), "tương lai"),
    ],
)
def test_a_roll_that_cannot_be_is_refused(agenda, meeting, words):
    with pytest.raises(InputError) as err:
        new_meeting(agenda, meeting, TODAY)
    assert words in err.value.message


def test_votes_beyond_those_present_or_of_a_committee_step_are_refused(agenda):
    uuid = new_meeting(agenda, roll(), TODAY)  # eight official members present
    with pytest.raises(InputError) as err:
        record_vote(agenda, uuid, CANDIDATES[0], "A8", 9, TODAY)
    assert "8 đảng viên chính thức có mặt" in err.value.message
    with pytest.raises(InputError) as err:
        record_vote(agenda, uuid, CANDIDATES[0], "A9", 6, TODAY)
    assert "không phải biểu quyết của chi bộ" in err.value.message
    assert [s["step_id"] for s in open_file(agenda, CANDIDATES[0])["steps"]].count("A8") == 0


def test_a_meeting_of_another_unit_is_refused(agenda):
    with pytest.raises(AccessDenied):
        new_meeting(agenda, replace(roll(), org_code="X02-CB01"), TODAY)


def test_a_slip_in_the_roll_is_corrected_and_the_votes_follow(agenda):
    uuid = new_meeting(agenda, roll(9), TODAY)
    record_vote(agenda, uuid, CANDIDATES[0], "A8", 7, TODAY)
    record_vote(agenda, uuid, CANDIDATES[1], "A8", 5, TODAY)  # failed: 5 of 9
    correct_meeting(agenda, uuid, roll(10, absences=()), TODAY)
    with agenda.store.read() as conn:
        meeting = get_meeting(conn, uuid)
        copies = conn.execute(
            select(t.steps.c.official_members).where(t.steps.c.meeting_uuid == uuid)
        ).scalars()
        assert sorted(copies) == [10, 10]
        assert conn.execute(
            select(t.audit.c.action).where(t.audit.c.action == "correct_meeting")
        ).all()
    assert (meeting.official_members, meeting.absent(), meeting.on) == (10, 0, MEETING_DAY)
    assert check_profile(agenda, TODAY, rule="VOTE_2_3").findings == []


@pytest.mark.parametrize(
    ("official", "words"),
    [
        (11, f"biểu quyết A8 của hồ sơ {CANDIDATES[0]} (7 tán thành, ghi là 'Thông qua')"),
        (7, f"biểu quyết A8 của hồ sơ {CANDIDATES[1]} (5 tán thành, ghi là 'Không thông qua')"),
        (6, f"hồ sơ {CANDIDATES[0]}: Số phiếu tán thành 7 không hợp lệ"),
    ],
)
def test_a_correction_that_would_contradict_a_recorded_vote_is_refused(agenda, official, words):
    uuid = new_meeting(agenda, roll(9), TODAY)
    record_vote(agenda, uuid, CANDIDATES[0], "A8", 7, TODAY)
    record_vote(agenda, uuid, CANDIDATES[1], "A8", 5, TODAY)
    absences = () if official != 6 else roll().absences
    with pytest.raises(InputError) as err:
        correct_meeting(agenda, uuid, roll(official, absences=absences), TODAY)
    assert words in err.value.message
    with agenda.store.read() as conn:
        assert get_meeting(conn, uuid).official_members == 9  # nothing half-written


def test_a_meeting_without_votes_changes_its_day_or_is_deleted(agenda):
    uuid = new_meeting(agenda, roll(), TODAY)
    correct_meeting(agenda, uuid, roll(on=MEETING_DAY.replace(day=19)), TODAY)
    with agenda.store.read() as conn:
        assert get_meeting(conn, uuid).on == MEETING_DAY.replace(day=19)
    with pytest.raises(InputError, match="tương lai"):
        correct_meeting(agenda, uuid, roll(on=TODAY.replace(day=27)), TODAY)
    gone = delete_meeting(agenda, uuid[:8])
    assert gone.uuid == uuid
    with agenda.store.read() as conn:
        assert list_meetings(conn) == []
        with pytest.raises(InputError, match="không có kỳ họp nào"):
            get_meeting(conn, uuid)
        row = conn.execute(select(t.meetings).where(t.meetings.c.uuid == uuid)).mappings().one()
        actions = conn.execute(
            select(t.audit.c.action).where(t.audit.c.entity_key == uuid).order_by(t.audit.c.id)
        ).scalars()
        assert list(actions) == ["new_meeting", "correct_meeting", "delete_meeting"]
    assert row["deleted"] and row["rev"] == 3  # a tombstone, the next revision


def test_a_meeting_with_votes_keeps_its_day_and_is_not_deleted(agenda):
    """A vote's day is the meeting's: neither moves under it, and the refusal names the
    votes to take back first; once they are taken back the meeting goes."""
    uuid = new_meeting(agenda, roll(), TODAY)
    first = record_vote(agenda, uuid, CANDIDATES[0], "A8", 7, TODAY)
    second = record_vote(agenda, uuid, PROBATIONARY, "P3", 8, TODAY)
    held = f"A8 của hồ sơ {CANDIDATES[0]}; P3 của hồ sơ {PROBATIONARY}"
    with pytest.raises(InputError) as err:
        correct_meeting(agenda, uuid, roll(on=MEETING_DAY.replace(day=19)), TODAY)
    assert "Không đổi được ngày họp 20/11/2026" in err.value.message and held in err.value.message
    with pytest.raises(InputError) as err:
        delete_meeting(agenda, uuid)
    assert "Không xóa được kỳ họp ngày 20/11/2026" in err.value.message
    assert held in err.value.message
    with agenda.store.read() as conn:
        assert get_meeting(conn, uuid).on == MEETING_DAY  # nothing half-written
        assert len(meeting_votes(conn, uuid)) == 2
    correct_meeting(agenda, uuid, roll(chair="Đảng viên Số 3"), TODAY)  # same day: fine
    undo_step(agenda, CANDIDATES[0], first.step_uuid)
    undo_step(agenda, PROBATIONARY, second.step_uuid)
    delete_meeting(agenda, uuid)
    with agenda.store.read() as conn:
        assert list_meetings(conn) == []
