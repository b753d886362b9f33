"""INTRO_YOUTH where the unit's Youth Union is not recorded (RULES.md, amended): a
youth-age Youth-Union member introduced by two members gets an `info` finding asking to
record it — through the real store (a blank stays blank) and `check`."""

import pytest

from khdesk.core.services import steps
from khdesk.core.services.candidates import create_candidate
from khdesk.core.services.checking import check_profile
from khdesk.core.services.importer import RowTables, import_tables
from tests.integration.core.services.test_candidate_services import (
    PERSON,
    WAY,
    intro_details,
    members,
)

TODAY = WAY[6].on  # the day the opinions are summarised (A7): before the cell meeting


def youth_findings(session, has_youth_union):
    org = {"code": "X01-CB02", "name": "Chi bộ thôn 2", "parent_code": "X01"}
    org |= {"kind": "Chi bộ thôn", "self_managed": False, "has_youth_union": has_youth_union}
    tables = RowTables.from_dicts({"orgs": [org], "members": members("X01-CB02")})
    assert not import_tables(session, tables, "t").problems
    found = check_profile(session, TODAY, rule="INTRO_YOUTH").findings
    return [(f["severity"], f["step"]) for f in found]


@pytest.mark.usefixtures("engine_kind")
def test_a_blank_youth_union_asks_to_record_it(committee):
    assert youth_findings(committee, None) == []
    person = {**PERSON, "org_code": "X01-CB02", "youth_union_member": "x"}
    code = create_candidate(committee, {**person, "birth_date": "04/05/2002"})  # 24: youth
    for event in WAY[:7]:
        details = intro_details("X01-CB02") if event.step_id == "A6" else None
        steps.record_step_event(committee, code, event, TODAY, details)
    assert youth_findings(committee, None) == [("info", "A6")]
    [finding] = check_profile(committee, TODAY, rule="INTRO_YOUTH").findings
    assert "Có tổ chức Đoàn" in finding["message"] and finding["due"] is None
    assert youth_findings(committee, True) == [("warning", "A6")]
    assert youth_findings(committee, False) == []
