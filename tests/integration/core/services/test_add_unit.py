"""Issue 17: a committee adds a unit under it by hand ("Thêm đơn vị" on its unit page,
`khdesk org add`), checked as an import of the units' sheet is (scope.staff_org_problem):
one transaction, audited; a refusal writes nothing. Real encrypted profiles."""

import pytest
from sqlalchemy import func, select

from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services.organisations import add_org, get_org, unit_parents, writable_orgs
from khdesk.core.store import schema as t


def org_rows(session) -> int:
    with session.store.read() as conn:
        return conn.execute(select(func.count()).select_from(t.orgs)).scalar()


def test_a_committee_adds_a_cell_under_it(committee):
    added = add_org(committee, " x01-cb09 ", "Chi bộ thôn Hòa Sơn", "Chi bộ thôn", "X01")
    assert added == {
        "code": "X01-CB09",
        "name": "Chi bộ thôn Hòa Sơn",
        "parent_code": "X01",
        "kind": "Chi bộ thôn",
    }
    org = get_org(committee, "X01-CB09")
    assert org["parent_code"] == "X01" and org["kind"] == "Chi bộ thôn"
    assert org["self_managed"] is False
    # Right under a commune committee a cell is a grassroots cell (chi bộ cơ sở).
    assert org["is_grassroots_cell"] is True
    assert "X01-CB09" in {o["code"] for o in writable_orgs(committee)}
    with committee.store.read() as conn:
        audit = conn.execute(
            select(t.audit.c.action, t.audit.c.entity).where(t.audit.c.entity_key == "X01-CB09")
        ).all()
    assert [tuple(a) for a in audit] == [("add", "org")]


def test_a_unit_can_go_under_a_party_committee_below(committee):
    """A grassroots party committee (Đảng ủy cơ sở) of the commune, then a cell under it:
    the cell is not a grassroots cell, and both are offered as parents."""
    add_org(committee, "X01-DU01", "Đảng ủy Công ty Yến", "Đảng ủy cơ sở", "X01")
    assert [p["code"] for p in unit_parents(committee)] == ["X01", "X01-DU01"]
    add_org(
        committee, "X01-DU01-CB01", "Chi bộ phân xưởng", "Chi bộ doanh nghiệp tư nhân", "X01-DU01"
    )
    assert get_org(committee, "X01-DU01-CB01")["is_grassroots_cell"] is False


@pytest.mark.parametrize(
    ("code", "name", "kind", "parent", "words"),
    [
        ("X01", "Đảng ủy xã", "Đảng ủy xã", "X01", "Đã có đơn vị mã 'X01'"),
        ("X01-CB10", "Chi bộ", "Chi bộ thôn", "KH", "ngoài phạm vi"),
        ("X01-CB10", "Chi bộ", "Chi bộ thôn", "X02", "ngoài phạm vi"),
        ("X01-CB10", "  ", "Chi bộ thôn", "X01", "Tên đơn vị: cần ghi"),
        ("X01 CB10", "Chi bộ", "Chi bộ thôn", "X01", "Mã đơn vị 'X01 CB10'"),
        ("", "Chi bộ", "Chi bộ thôn", "X01", "Mã đơn vị: cần ghi"),
        ("X01-CB10", "Chi bộ", "Chi bộ lạ", "X01", "Loại"),
        ("X01-CB10", "Chi bộ\x00", "Chi bộ thôn", "X01", "Tên đơn vị"),
        ("X01-CB09-A", "Chi bộ", "Chi bộ thôn", "X01-CB09", "là chi bộ"),
    ],
)
def test_refusals_say_what_and_write_nothing(committee, code, name, kind, parent, words):
    add_org(committee, "X01-CB09", "Chi bộ thôn Hòa Sơn", "Chi bộ thôn", "X01")
    before = org_rows(committee)
    with pytest.raises(InputError) as refused:
        add_org(committee, code, name, kind, parent)
    assert words in refused.value.message
    assert org_rows(committee) == before


def test_a_cell_adds_no_unit(cell):
    assert unit_parents(cell) == []
    with pytest.raises((InputError, AccessDenied)) as refused:
        add_org(cell, "X01-CB09", "Chi bộ thôn Hòa Sơn", "Chi bộ thôn", "X01-CB01")
    assert "Chi bộ không thêm đơn vị" in str(refused.value)
