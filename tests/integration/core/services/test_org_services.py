"""Member register, organisation settings and the plan figure, on real encrypted profiles."""

from datetime import date

import pytest
from sqlalchemy import select

from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import profiles
from khdesk.core.services.members import (
    eligible_introducers,
    get_member,
    member_ids,
    member_rows,
    official_count,
    save_member,
)
from khdesk.core.services.organisations import (
    get_org,
    list_plans,
    save_org_settings,
    writable_orgs,
)
from khdesk.core.services.plan import plan_progress
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from khdesk.demo.stations import create_demo
from tests.conftest import PASSWORD

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("org-demo")
    create_demo(home, PASSWORD, today=TODAY)
    return home


@pytest.fixture
def cb01(demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", PASSWORD)
    yield session
    session.close()


NEW = {
    "full_name": "Trần Thị Đức Hạnh",
    "sex": "Nữ",
    "birth_date": "05/04/1990",
    "org_code": "X01-CB01",
    "admitted_on": "12/05/2020",
    "official_on": "12/05/2021",
    "status": "Chính thức",
    "cccd": "056190001234",
}


def test_members_search_folded_and_filtered(cb01):
    ids = member_ids(cb01, "duc")
    names = [r["full_name"] for r in member_rows(cb01, ids).values()]
    assert "Nguyễn Đức Anh" in names
    probationary = member_ids(cb01, status="Dự bị")
    assert {r["status"] for r in member_rows(cb01, probationary).values()} == {"Dự bị"}


def test_add_and_edit_member_validated_like_the_importer(cb01):
    with pytest.raises(InputError) as bad:
        save_member(cb01, {**NEW, "birth_date": "31/02/1990", "sex": "X"})
    assert "Ngày sinh" in bad.value.message and "Giới tính" in bad.value.message
    with pytest.raises(InputError, match="không giữ danh sách"):
        save_member(cb01, {**NEW, "org_code": "X01-CB02"})
    code = save_member(cb01, NEW)
    assert code.startswith("X01-CB01-DV")
    found = get_member(cb01, code)
    assert found["birth_date"] == date(1990, 4, 5) and found["records"] == []
    assert code in {r["member_code"] for r in member_rows(cb01, member_ids(cb01, "hanh")).values()}
    save_member(cb01, {**NEW, "status": "Chuyển đi"}, member_code=code)
    assert get_member(cb01, code)["status"] == "Chuyển đi"
    with cb01.store.read() as conn:
        audit = conn.execute(select(t.audit.c.action).where(t.audit.c.entity_key == code)).scalars()
        assert list(audit) == ["add", "change"]
        rev = conn.execute(select(t.members.c.rev).where(t.members.c.member_code == code))
        assert rev.scalar() == 2


def test_introducers_are_official_members_still_in_the_cell(cb01):
    picked = eligible_introducers(cb01, TODAY)
    statuses = {r["status"] for r in picked}
    assert statuses == {"Chính thức"}
    names = {r["full_name"] for r in picked}
    assert "Đặng Bảo Hằng" not in names  # probationary
    assert "Tô Thị Nga" not in names  # transferred away
    assert official_count(cb01, TODAY, "X01-CB01") == len(
        [r for r in picked if r["org_code"] == "X01-CB01"]
    )


def test_org_settings_and_plans_one_transaction(cb01):
    org = get_org(cb01)
    assert org["code"] == "X01-CB01" and org["kind"] == "Chi bộ thôn"
    plans = list_plans(cb01, "X01-CB01")
    plans = [dict(p, target=9) if p["year"] == 2026 else p for p in plans]
    plans.append({"year": "2027", "target": "7", "target_youth": "4"})
    save_org_settings(
        cb01, "X01-CB01", {"special_area": "Có", "decision_body": "Đảng ủy xã"}, plans
    )
    again = get_org(cb01)
    assert again["special_area"] is True and again["decision_body"] == "Đảng ủy xã"
    by_year = {p["year"]: p for p in again["plans"]}
    assert by_year[2026]["target"] == 9 and by_year[2027]["target_youth"] == 4
    # A bad row refuses the whole save: the org's fields stay as they were.
    with pytest.raises(InputError, match="Năm"):
        save_org_settings(cb01, "X01-CB01", {"special_area": "Không"}, plans + [{"target": 3}])
    assert get_org(cb01)["special_area"] is True
    # Leaving a row out removes it.
    save_org_settings(cb01, "X01-CB01", {}, [p for p in again["plans"] if p["year"] != 2027])
    assert 2027 not in {p["year"] for p in list_plans(cb01, "X01-CB01")}
    assert plan_progress(cb01, TODAY)[0].target == 9


def test_org_settings_roles_and_scope(demo_home, cb01):
    with pytest.raises(InputError, match="không sửa được"):
        save_org_settings(cb01, "X01-CB02", {"special_area": "Có"})
    profiles.add_user(cb01, "xem", PASSWORD, role="viewer")
    viewer = open_profile(demo_home, "X01-CB01", "xem", PASSWORD)
    try:
        with pytest.raises(AccessDenied):
            save_org_settings(viewer, "X01-CB01", {"special_area": "Có"})
    finally:
        viewer.close()
    committee = open_profile(demo_home, "X01", "bithu", PASSWORD)
    try:
        codes = [o["code"] for o in writable_orgs(committee)]
        assert codes[0] == "X01" and "X01-CB02" in codes and "X01-CB01" not in codes
    finally:
        committee.close()


def test_plan_progress_counts_this_years_admissions(cb01):
    year, period = plan_progress(cb01, TODAY)
    assert year.label == "năm 2026" and year.admitted >= 1
    assert period.target is not None and period.admitted >= year.admitted


def test_finding_1_a_member_stays_in_its_unit_and_with_its_writer(demo_home):
    """The service layer asks the one write-scope rule: the committee neither moves an
    office cell's member to another cell nor edits a member a cell keeps itself."""
    com = open_profile(demo_home, "X01", "bithu", PASSWORD)
    try:
        with com.store.read() as conn:
            code = conn.execute(
                select(t.members.c.member_code).where(t.members.c.org_code == "X01-CB02")
            ).scalar()
        member = get_member(com, code)
        values = {k: member[k] for k in NEW} | {"org_code": "X01-CB02"}
        for k in ("birth_date", "admitted_on", "official_on"):
            values[k] = member[k].strftime("%d/%m/%Y") if member[k] else None
        save_member(com, values, member_code=code)  # an edit in place: fine
        with pytest.raises(InputError, match="không chuyển sang 'X01-DU01'"):
            save_member(com, values | {"org_code": "X01-DU01"}, member_code=code)
        assert get_member(com, code)["org_code"] == "X01-CB02"
    finally:
        com.close()
