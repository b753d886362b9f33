"""Entering a file by hand, editing it, recording its steps with their details, taking a
step back, and who may record what (one writer per record)."""

from datetime import date

import pytest
from sqlalchemy import select

from khdesk.core.domain.documents import Status, checklist
from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import candidates, steps
from khdesk.core.services.candidates import (
    create_candidate,
    file_access,
    file_findings,
    open_file,
    parse_identity,
    update_identity,
)
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.store import schema as t
from khdesk.core.store.states import step_event

TODAY = date(2026, 11, 26)
PERSON = {
    "full_name": "Phạm Thị  Lan",  # a double space, as people type
    "sex": "Nữ",
    "birth_date": "04/05/1995",
    "cccd": "056195000123",
    "education": "THPT",
    "ethnicity": "Kinh",
}


def d(text: str) -> date:
    return date.fromisoformat(text)


def members(org: str) -> list[dict]:
    return [
        {
            "member_code": f"{org}-DV0{i}",
            "full_name": f"Đảng viên {i}",
            "sex": "Nam",
            "birth_date": d("1970-01-01"),
            "org_code": org,
            "admitted_on": d("2000-01-01"),
            "official_on": d("2001-01-01"),
            "status": "Chính thức",
        }
        for i in (1, 2, 3)
    ]


# Dates that satisfy every rule: no step of the way is refused.
WAY = [
    StepEvent("A1", d("2025-12-01")),
    StepEvent("A2", d("2026-01-15"), doc_no="CN-15"),
    StepEvent("A3", d("2026-03-02")),
    StepEvent("A4", d("2026-03-02")),
    StepEvent("A5", d("2026-06-01")),
    StepEvent("A6", d("2026-07-01")),
    StepEvent("A7", d("2026-07-15")),
    StepEvent("A8", d("2026-08-05"), official_members=9, votes_for=8),
    StepEvent("A10", d("2026-09-01"), doc_no="12-QĐ/ĐU", received_on=d("2026-09-05")),
    StepEvent("A11", d("2026-09-20")),
]


def intro_details(org: str) -> dict:
    return {
        "a6_introducer1": f"{org}-DV01",
        "a6_introducer1_since": d("2020-01-01"),
        "a6_introducer2": f"{org}-DV02",
        "a6_introducer2_since": d("2020-01-01"),
        "a6_replacement": False,
    }


def test_parse_identity_uses_the_import_converters_and_the_cccd_rule():
    values, problems = parse_identity(PERSON)
    assert not problems
    assert values["full_name"] == "Phạm Thị Lan" and values["birth_date"] == d("1995-05-04")
    _, problems = parse_identity(
        {"full_name": "", "sex": "Nữ", "birth_date": "31/02/1995", "cccd": "12345"}
    )
    assert set(problems) == {"full_name", "birth_date", "cccd"}
    assert "ngày không có thật" in problems["birth_date"]
    assert "12 chữ số" in problems["cccd"]


@pytest.mark.usefixtures("engine_kind")
def test_create_candidate_at_a_cell_numbers_it_and_audits(cell):
    code = create_candidate(cell, PERSON)
    assert code == "X01-CB01-0001"
    assert create_candidate(cell, {**PERSON, "full_name": "Lê Văn Bình"}) == "X01-CB01-0002"
    found = open_file(cell, code)
    assert (found["state"], found["org_code"], found["owner"]) == ("NGUON", "X01-CB01", "X01-CB01")
    with pytest.raises(InputError) as err:
        create_candidate(cell, {**PERSON, "cccd": "0561950001"})
    assert "Số CCCD" in err.value.message
    with pytest.raises(InputError):
        create_candidate(cell, {**PERSON, "org_code": "X01-CB02"})  # another cell's file
    with cell.store.read() as conn:
        audit = conn.execute(select(t.audit.c.action, t.audit.c.detail)).all()
    created = [detail for action, detail in audit if action == "create"]
    assert len(created) == 2 and "056195" not in created[0]  # names of fields, not values


@pytest.mark.usefixtures("engine_kind")
def test_update_identity_and_restore(cell):
    code = create_candidate(cell, PERSON)
    before = update_identity(cell, code, {"full_name": "Phạm Thị Lan Anh", "cccd": ""})
    assert before == {"full_name": "Phạm Thị Lan", "cccd": "056195000123"}
    assert candidates.list_files(cell, search="lan anh")[0]["file_code"] == code
    with pytest.raises(InputError) as err:
        update_identity(cell, code, {"birth_date": "4/5/95"})
    assert "Ngày sinh" in err.value.message
    update_identity(cell, code, before, restore=True)
    assert open_file(cell, code)["full_name"] == "Phạm Thị Lan"


@pytest.mark.usefixtures("engine_kind")
def test_a_cell_records_its_steps_but_not_the_committees(cell):
    import_tables(cell, RowTables.from_dicts({"members": members("X01-CB01")}), "t")
    code = create_candidate(cell, PERSON)
    for event in WAY[:8]:
        details = intro_details("X01-CB01") if event.step_id == "A6" else None
        steps.record_step_event(cell, code, event, TODAY, details)
    assert open_file(cell, code)["state"] == "CHI_BO_XET"
    assert open_file(cell, code)["a6_introducer2"] == "X01-CB01-DV02"
    assert steps.next_steps_for(cell, code) == ["A10", "DUNG"]
    access = file_access(cell, code)
    assert access.identity and access.may_record("DUNG") and not access.may_record("A10")
    with pytest.raises(AccessDenied) as err:
        steps.record_step(cell, code, WAY[8], TODAY)
    assert "đảng ủy ghi" in err.value.message


@pytest.mark.usefixtures("engine_kind")
def test_the_whole_way_at_a_committee_that_keeps_a_cells_files(committee):
    """A committee keeping the affairs of a cell that does not run khdesk records every
    step of that cell's files, its own decisions included."""
    org = {"code": "X01-CB02", "name": "Chi bộ thôn 2", "parent_code": "X01"}
    org |= {"kind": "Chi bộ thôn", "self_managed": False}
    tables = RowTables.from_dicts({"orgs": [org], "members": members("X01-CB02")})
    assert not import_tables(committee, tables, "t").problems
    code = create_candidate(committee, {**PERSON, "org_code": "x01-cb02"})
    assert code == "X01-CB02-0001"
    for event in WAY:
        details = intro_details("X01-CB02") if event.step_id == "A6" else None
        result = steps.record_step_event(committee, code, event, TODAY, details)
    assert result.state == "DU_BI"
    rows = open_file(committee, code)["steps"]
    items = {(i.document.step, i.document.form): i for i in checklist(map(step_event, rows))}
    assert items[("A8", "6-KNĐ")].status is Status.PRESENT
    assert items[("A10", None)].status is Status.PRESENT  # the receipt date
    assert items[("P3", "13-KNĐ")].status is Status.LATER
    rules_found = {f["rule"] for f in file_findings(committee, code, TODAY)}
    assert "PROBATION_END" in rules_found


@pytest.mark.usefixtures("engine_kind")
def test_failed_vote_recorded_passed_below_two_thirds_refused(cell):
    import_tables(cell, RowTables.from_dicts({"members": members("X01-CB01")}), "t")
    code = create_candidate(cell, PERSON)
    for event in WAY[:7]:
        details = intro_details("X01-CB01") if event.step_id == "A6" else None
        steps.record_step_event(cell, code, event, TODAY, details)
    failed = steps.failed_vote("A8", d("2026-08-05"), 9, 5)
    assert steps.record_step(cell, code, failed, TODAY) == "THAM_TRA"
    low = StepEvent("A8", d("2026-08-20"), official_members=9, votes_for=5)
    with pytest.raises(InputError) as err:
        steps.record_step(cell, code, low, TODAY)
    assert "VOTE_2_3" in err.value.message and "cần ít nhất 6" in err.value.message
    history = open_file(cell, code)["steps"]
    assert [(s["step_id"], s["result"]) for s in history[-1:]] == [("A8", "failed")]


@pytest.mark.usefixtures("engine_kind")
def test_undo_makes_a_tombstone_restores_details_and_the_state(cell):
    import_tables(cell, RowTables.from_dicts({"members": members("X01-CB01")}), "t")
    code = create_candidate(cell, PERSON)
    done = [
        steps.record_step_event(
            cell, code, e, TODAY, intro_details("X01-CB01") if e.step_id == "A6" else None
        )
        for e in WAY[:6]
    ]
    assert done[-1].previous == dict.fromkeys(intro_details("X01-CB01"))
    state = steps.undo_step(cell, code, done[-1].step_uuid, done[-1].previous)
    assert state == "THAM_TRA"
    found = open_file(cell, code)
    assert found["a6_introducer1"] is None and "A6" not in [s["step_id"] for s in found["steps"]]
    with cell.store.read() as conn:
        gone = conn.execute(select(t.steps).where(t.steps.c.uuid == done[-1].step_uuid)).one()
        actions = [a for (a,) in conn.execute(select(t.audit.c.action))]
    assert gone.deleted and gone.rev == 2  # a tombstone: the next bundle carries it
    assert "undo_step" in actions
    assert steps.undo_step(cell, code, done[4].step_uuid) == "HO_SO"
    with pytest.raises(InputError):
        steps.undo_step(cell, code, done[4].step_uuid)  # already taken back


@pytest.mark.usefixtures("engine_kind")
def test_a_viewer_may_not_write(cell):
    code = create_candidate(cell, PERSON)
    cell.user_role = "viewer"
    try:
        assert not file_access(cell, code).identity
        with pytest.raises(AccessDenied):
            create_candidate(cell, PERSON)
        with pytest.raises(AccessDenied):
            steps.record_step(cell, code, WAY[0], TODAY)
    finally:
        cell.user_role = "owner"


@pytest.mark.usefixtures("engine_kind")
def test_cli_twins_add_record_undo_attach(cell, home, monkeypatch, capsys, tmp_path):
    """`khdesk candidate add`, `step record/next/undo`, `attach add/list/save`: the same
    services as the file window, in-process."""
    import json

    from khdesk.cli.main import main
    from tests.conftest import PASSWORD

    monkeypatch.setenv("KHDESK_PASSWORD", PASSWORD)
    base = ["--home", str(home), "--profile", "X01-CB01"]

    def run(*args):
        code = main([*args, *base])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = run(
        "candidate", "add", "--full-name", "Phạm Thị Lan", "--sex", "Nữ",
        "--birth-date", "04/05/1995", "--field", "education=THPT", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["file_code"] == "X01-CB01-0001"
    code, _, err = run("candidate", "add", "--full-name", "X", "--sex", "Nam", "--birth-date", "1")
    assert code == 1 and "cần dạng ngày/tháng/năm" in err
    code, out, _ = run(
        "step", "record", "X01-CB01-0001", "A1", "--on", "01/12/2025", "--today", "2026-11-26"
    )
    assert code == 0 and "Quần chúng ưu tú" in out
    code, out, _ = run("step", "next", "X01-CB01-0001", "--json")
    assert json.loads(out)["next_steps"] == ["A2", "DUNG"]
    code, _, err = run(
        "step", "record", "X01-CB01-0001", "A10", "--on", "01/12/2025", "--today", "2026-11-26"
    )
    assert code == 3 and "đảng ủy" in err
    scan = tmp_path / "đơn.pdf"
    scan.write_bytes(b"%PDF scan")
    assert run("attach", "add", "X01-CB01-0001", str(scan))[0] == 0
    code, out, _ = run("attach", "list", "X01-CB01-0001", "--json")
    uuid = json.loads(out)[0]["uuid"]
    assert run("attach", "save", uuid, "--out", str(tmp_path / "copy.pdf"))[0] == 0
    assert (tmp_path / "copy.pdf").read_bytes() == b"%PDF scan"
    code, out, _ = run("step", "undo", "X01-CB01-0001", "--json")
    assert code == 0 and json.loads(out)["state"] == "NGUON"
    assert open_file(cell, "X01-CB01-0001")["steps"] == []
