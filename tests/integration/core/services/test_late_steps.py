"""A step recorded after its deadline leaves a trace (RULES.md "Done late"): a late
ceremony shows in `check --json` until the upper committee's approval is written on it
(`khdesk step approval`), then stays as information; the change is audited and synced."""

import json
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import InputError
from khdesk.core.services import steps
from khdesk.core.services.candidates import create_candidate, file_findings
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.store import schema as t
from tests.integration.core.services.test_candidate_services import (
    PERSON,
    WAY,
    intro_details,
    members,
)

TODAY = date(2026, 11, 26)
LATE_CEREMONY = date(2026, 11, 20)  # the decision was received 05/09/2026: due 16/10/2026


def late_file(session, org: str) -> str:
    code = create_candidate(session, {**PERSON, "org_code": org})
    for event in WAY[:-1]:
        details = intro_details(org) if event.step_id == "A6" else None
        steps.record_step_event(session, code, event, TODAY, details)
    steps.record_step(session, code, StepEvent("A11", LATE_CEREMONY), TODAY)
    return code


@pytest.mark.usefixtures("engine_kind")
def test_late_ceremony_warns_until_the_approval_is_recorded(committee, home, monkeypatch, capsys):
    from khdesk.cli.main import main
    from tests.conftest import PASSWORD

    org = {"code": "X01-CB02", "name": "Chi bộ thôn 2", "parent_code": "X01"}
    org |= {"kind": "Chi bộ thôn", "self_managed": False}
    tables = RowTables.from_dicts({"orgs": [org], "members": members("X01-CB02")})
    assert not import_tables(committee, tables, "t").problems
    code = late_file(committee, "X01-CB02")
    monkeypatch.setenv("KHDESK_PASSWORD", PASSWORD)
    base = ["--home", str(home), "--profile", "X01"]

    def run(*args):
        status = main([*args, *base])
        out = capsys.readouterr()
        return status, out.out, out.err

    def ceremony_findings():
        status, out, err = run("check", "--on", TODAY.isoformat(), "--json")
        assert status == 0, err
        rows = json.loads(out)
        return [r for r in rows if r["file_code"] == code and r["rule"] == "CEREMONY_DUE"]

    [found] = ceremony_findings()
    assert (found["severity"], found["step"], found["due"]) == ("warning", "A11", None)
    assert "muộn 25 ngày làm việc so với hạn chót 16/10/2026" in found["message"]
    # The file window's findings say the same.
    assert [f["severity"] for f in file_findings(committee, code, TODAY)
            if f["rule"] == "CEREMONY_DUE"] == ["warning"]  # fmt: skip

    status, _, err = run("step", "approval", code, "--doc-no", "15-CV/ĐU", "--on", "32/10/2026")
    assert status != 0 and "32/10/2026" in err  # a date that does not exist: nothing written
    assert [f["severity"] for f in ceremony_findings()] == ["warning"]
    status, out, err = run(
        "step", "approval", code, "--doc-no", "15-CV/ĐU", "--on", "30/10/2026",
        "--today", TODAY.isoformat(),
    )  # fmt: skip
    assert status == 0, err
    [found] = ceremony_findings()
    assert found["severity"] == "info" and "15-CV/ĐU" in found["message"]
    assert "30/10/2026" in found["message"]
    with committee.store.read() as conn:
        row = conn.execute(select(t.steps).where(t.steps.c.step_id == "A11")).one()
        actions = [a for (a,) in conn.execute(select(t.audit.c.action))]
    assert (row.doc_no, row.received_on, row.rev) == ("15-CV/ĐU", date(2026, 10, 30), 2)
    assert "ceremony_approval" in actions  # audited; the new rev is what the next bundle sends


@pytest.mark.usefixtures("engine_kind")
def test_approval_needs_a_ceremony_a_number_and_a_past_date(committee):
    org = {"code": "X01-CB02", "name": "Chi bộ thôn 2", "parent_code": "X01"}
    org |= {"kind": "Chi bộ thôn", "self_managed": False}
    import_tables(
        committee, RowTables.from_dicts({"orgs": [org], "members": members("X01-CB02")}), "t"
    )
    code = create_candidate(committee, {**PERSON, "org_code": "X01-CB02"})
    with pytest.raises(InputError) as err:
        steps.record_ceremony_approval(committee, code, "15-CV/ĐU", date(2026, 10, 30), TODAY)
    assert "chưa ghi lễ kết nạp" in err.value.message
    for event in WAY[:-1]:
        details = intro_details("X01-CB02") if event.step_id == "A6" else None
        steps.record_step_event(committee, code, event, TODAY, details)
    for half in ({"doc_no": "15-CV/ĐU"}, {"received_on": date(2026, 11, 18)}):
        with pytest.raises(InputError) as err:
            steps.record_step(committee, code, StepEvent("A11", LATE_CEREMONY, **half), TODAY)
        assert "ghi cả số và ngày" in err.value.message
    for number, on, why in (
        ("  ", date(2026, 10, 30), "Cần ghi số văn bản"),
        ("15-CV/ĐU", date(2026, 11, 27), "trong tương lai"),
    ):
        with pytest.raises(InputError) as err:
            steps.record_ceremony_approval(committee, code, number, on, TODAY)
        assert why in err.value.message


@pytest.mark.usefixtures("engine_kind")
def test_the_approval_survives_the_workbook_round_trip(committee, tmp_path, clock):
    """Export, then import into the same profile and into a fresh one: the approval's
    number and date come back (the pipeline columns carry the date the history lacks)."""
    from khdesk.core.services.exporter import export_file
    from khdesk.core.services.importer import import_file
    from tests.conftest import make_profile

    org = {"code": "X01-CB02", "name": "Chi bộ thôn 2", "parent_code": "X01"}
    org |= {"kind": "Chi bộ thôn", "self_managed": False}
    import_tables(
        committee, RowTables.from_dicts({"orgs": [org], "members": members("X01-CB02")}), "t"
    )
    code = late_file(committee, "X01-CB02")
    steps.record_ceremony_approval(committee, code, "15-CV/ĐU", date(2026, 10, 30), TODAY)
    path = tmp_path / "xuat.xlsx"
    export_file(committee, path)
    assert import_file(committee, path).changed == 0  # nothing cleared, nothing changed
    # A workbook of an earlier version (no approval columns) clears nothing either.
    wb = openpyxl.load_workbook(path)
    sheet = wb["Quần chúng"]
    for cell in reversed(sheet[1]):
        if (cell.value or "").startswith(("Số văn bản đồng ý", "Ngày văn bản đồng ý")):
            sheet.delete_cols(cell.column)
    older = tmp_path / "phien-ban-cu.xlsx"
    wb.save(older)
    assert import_file(committee, older).changed == 0
    fresh, _ = make_profile(tmp_path / "h2", "committee", "X01", "Đảng ủy xã", clock, "KH")
    try:
        assert import_file(fresh, path).committed
        for session in (committee, fresh):
            [finding] = [
                f for f in file_findings(session, code, TODAY) if f["rule"] == "CEREMONY_DUE"
            ]
            assert finding["severity"] == "info" and "15-CV/ĐU" in finding["message"]
            assert "30/10/2026" in finding["message"]
    finally:
        fresh.close()
