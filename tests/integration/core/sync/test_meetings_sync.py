"""A meeting recorded at a cell reaches its committee in the bundle (FORMAT.md §5): the
roll, the votes linked to it, and the committee's check counting them on that roll; a
bundle's meeting that could not have been typed is refused."""

import json

import pytest

from khdesk.core.services import sync
from khdesk.core.services.checking import check_profile
from khdesk.core.services.meetings import (
    correct_meeting,
    delete_meeting,
    list_meetings,
    meeting_votes,
    new_meeting,
    record_vote,
)
from khdesk.core.store import schema as t
from khdesk.core.sync.errors import BundleError
from khdesk.core.sync.records import TABLES, from_wire
from tests.meetings import CANDIDATES, MEETING_DAY, PROBATIONARY, TODAY, agenda_cell, roll
from tests.stations import build_commune, dump, export


def test_a_cells_meeting_and_its_votes_reach_the_committee(tmp_path):
    commune = build_commune(tmp_path / "home", cells=("X01-CB01",))
    try:
        cell, committee = commune.cells["X01-CB01"], commune.committee
        agenda_cell(cell)
        uuid = new_meeting(cell, roll(), TODAY)
        for code, votes in zip(CANDIDATES, (8, 6, 5), strict=True):
            record_vote(cell, uuid, code, "A8", votes, TODAY)
        record_vote(cell, uuid, PROBATIONARY, "P3", 7, TODAY)
        sync.import_bundles(committee, [export(cell, tmp_path / "usb")])

        def seen(session):
            rows = dump(session, (t.meetings,), local=False)["meetings"]
            with session.store.read() as conn:
                votes = [
                    (v.file_code, v.step_id, v.votes_for, v.result.value)
                    for v in meeting_votes(conn, uuid)
                ]
            return rows, votes

        assert seen(committee) == seen(cell)
        assert len(seen(committee)[1]) == 4
        mine = {*CANDIDATES, PROBATIONARY}
        findings = check_profile(committee, TODAY, rule="VOTE_2_3").findings
        assert [f for f in findings if f["file_code"] in mine] == []

        # A corrected roll travels as the meeting's (and its votes') next revision.
        correct_meeting(cell, uuid, roll(absences=()), TODAY)
        sync.import_bundles(committee, [export(cell, tmp_path / "usb2")])
        assert seen(committee) == seen(cell)
        [row] = seen(committee)[0]
        assert dict(row)["rev"] == 2 and dict(row)["absences"] == "[]"
    finally:
        commune.close()


def test_a_meetings_new_day_and_its_deletion_reach_the_committee(tmp_path):
    """A day corrected and a meeting deleted at the cell travel as the meeting's next
    revisions: the committee lists the new day, then no meeting (a tombstone)."""
    commune = build_commune(tmp_path / "home", cells=("X01-CB01",))
    try:
        cell, committee = commune.cells["X01-CB01"], commune.committee
        agenda_cell(cell)
        uuid = new_meeting(cell, roll(), TODAY)
        sync.import_bundles(committee, [export(cell, tmp_path / "usb")])

        def days(session):
            with session.store.read() as conn:
                return [(m.uuid, m.on) for m in list_meetings(conn)]

        assert days(committee) == [(uuid, MEETING_DAY)]
        correct_meeting(cell, uuid, roll(on=MEETING_DAY.replace(day=18)), TODAY)
        sync.import_bundles(committee, [export(cell, tmp_path / "usb2")])
        assert days(committee) == [(uuid, MEETING_DAY.replace(day=18))]
        delete_meeting(cell, uuid)
        sync.import_bundles(committee, [export(cell, tmp_path / "usb3")])
        assert days(committee) == [] == days(cell)
        [row] = dump(committee, (t.meetings,), local=False)["meetings"]
        assert dict(row)["deleted"] and dict(row)["rev"] == 3
    finally:
        commune.close()


GOOD = {
    "uuid": "0b5c2a34-5d7e-4f60-9a1b-2c3d4e5f6a7b",
    "rev": 1,
    "owner": "X01-CB01",
    "updated_by": "bithu",
    "updated_at": "2026-11-20T08:00:00+00:00",
    "deleted": False,
    "org_code": "X01-CB01",
    "on": "2026-11-20",
    "official_members": 9,
    "probationary_members": 1,
    "absences": json.dumps([{"name": "Lê Văn A", "kind": "official", "reason": "ốm"}]),
}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("absences", '[{"name": "A"}]', "không đọc được"),
        ("absences", "not json", "không đọc được"),
        ("absences", json.dumps([{"name": "A", "kind": "chief", "reason": "x"}]), "không đọc"),
        ("official_members", 0, "ít nhất một đảng viên chính thức"),
        ("probationary_members", -1, "từ 0 đến"),
        ("official_members", 10**6, "từ 0 đến"),
    ],
)
def test_a_meeting_that_could_not_have_been_typed_is_refused(field, value, words):
    assert from_wire(TABLES["meetings"], GOOD, "meetings:1")["official_members"] == 9
    with pytest.raises(BundleError) as err:
        from_wire(TABLES["meetings"], GOOD | {field: value}, "meetings:1")
    assert words in str(err.value)
    assert "meetings:1" in str(err.value)
