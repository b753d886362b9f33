"""The write-scope rule on its own (domain/scope.py): no database, no bundle. The sync and
import tests drive it through real profiles; these pin its shape and its one promise —
nothing offered widens a sender's reach — over any list of orgs rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khdesk.core.domain.pipeline import STEPS
from khdesk.core.domain.scope import (
    COMMITTEE_STEPS,
    Incoming,
    OrgTree,
    ScopeError,
    keeps,
    record_problem,
    sender_scope,
    staff_unit_problem,
    station_scope,
    with_new_units,
)

TREE = OrgTree(
    {
        "KH": None,
        "X01": "KH",
        "X01-CB01": "X01",
        "X01-CB02": "X01",
        "X01-DU01": "X01",
        "X01-CB03": "X01-DU01",
        "X02": "KH",
    },
    frozenset({"X01-CB01", "X01-CB03"}),
)


@pytest.mark.parametrize(
    ("home", "running", "unit", "kept"),
    [
        ("X01-CB01", {"X01"}, "X01-CB01", True),  # a cell keeps itself
        ("X01", set(), "X01-CB02", True),  # a cell the committee's office keeps
        ("X01", set(), "X01-CB01", False),  # marked as running khdesk itself
        ("X01", {"X01-CB02"}, "X01-CB02", False),  # enrolled here: its own station
        ("X01", set(), "X01-CB03", False),  # under X01-DU01, which runs khdesk
        ("KH", {"X01", "X02"}, "X01-CB02", False),  # the commune keeps it, not the province
        ("KH", set(), "X02", True),
        ("X02", set(), "X01-CB02", False),  # another commune's
    ],
)
def test_the_station_keeping_a_unit_is_the_nearest_at_or_above_it(home, running, unit, kept):
    tree = OrgTree({**TREE.parents}, TREE.self_managed | {"X01-DU01"})
    assert keeps(tree, home, running, unit) is kept


def test_committee_steps_come_from_the_pipeline():
    assert COMMITTEE_STEPS == ("A9", "A10", "P4", "P5", "XOA_TEN")
    assert set(COMMITTEE_STEPS) == {s.id for s in STEPS if s.committee}


def test_a_cycle_in_the_tree_ends_the_walks():
    tree = OrgTree({"A": "B", "B": "A", "C": "A"})
    assert tree.ancestors("C") == ["A", "B"]
    assert tree.branch("A") == {"A", "B", "C"}
    assert not tree.is_below("A", "C")


def test_who_may_send_which_way():
    up = sender_scope(TREE, "X01", "committee", "X01-DU01", "committee", "up")
    assert up.units == up.owners == {"X01-DU01", "X01-CB03"}
    assert up.org_rows == {"X01-CB03"} and not up.new_units_under
    with pytest.raises(ScopeError) as sibling:
        sender_scope(TREE, "X01", "committee", "X02", "committee", "up")
    assert sibling.value.code == "out_of_scope"
    for sender, role in (("X01-CB01", "cell"), ("X01-CB01", "committee"), ("X01", "committee")):
        with pytest.raises(ScopeError) as wrong:
            sender_scope(TREE, "X01", "committee", sender, role, "down")
        assert wrong.value.code == "direction"
    down = sender_scope(TREE, "X01-CB03", "cell", "X01", "committee", "down")
    assert down.owners == {"X01"} and down.decisions_only
    assert down.tables == {"steps", "attachments"}
    province = sender_scope(TREE, "KH", "province", "X01", "committee", "up")
    assert province.new_units_under == TREE.branch("X01")


def test_the_station_scope_leaves_out_cells_that_run_khdesk():
    assert station_scope(TREE, "X01", "committee").units == {"X01", "X01-CB02", "X01-DU01"}
    assert station_scope(TREE, "X01-CB01", "cell").units == {"X01-CB01"}


def step(step_id: str, owner: str) -> Incoming:
    values = {"owner": owner, "step_id": step_id, "uuid": "u"}
    return Incoming("steps", values, step_id, "X01-CB03", file_code="X01-CB03-0001")


@pytest.mark.parametrize("step_id", COMMITTEE_STEPS)
def test_a_cell_never_writes_a_committee_step_whatever_owner(step_id):
    cell = sender_scope(TREE, "X01", "committee", "X01-CB03", "cell", "up")
    assert "X01-CB03-0001" in record_problem(cell, TREE, step(step_id, "X01-CB03"))
    assert record_problem(cell, TREE, step(step_id, "X01")) is not None
    # A committee-role key of the same unit still cannot decide on its own file.
    claimed = sender_scope(TREE, "X01", "committee", "X01-CB03", "committee", "up")
    assert record_problem(claimed, TREE, step(step_id, "X01-CB03")) is not None
    upper = sender_scope(TREE, "X01", "committee", "X01-DU01", "committee", "up")
    assert record_problem(upper, TREE, step(step_id, "X01-DU01")) is None


CODES = st.sampled_from([*TREE.parents, "NEW1", "NEW2", "X01-DU01-NEW", None])
ORG_ROWS = st.lists(
    st.fixed_dictionaries({"code": CODES.filter(bool), "parent_code": CODES}), max_size=8
)


@given(rows=ORG_ROWS)
def test_no_orgs_rows_widen_a_senders_reach(rows):
    """A committee receiving: nothing is added. The province receiving from a commune
    committee: only units that hang, through the list, under that committee's branch."""
    for home, home_role in (("X01", "committee"), ("KH", "province")):
        scope = sender_scope(TREE, home, home_role, "X01-DU01", "committee", "up")
        wider, tree = with_new_units(scope, TREE, rows)
        added = wider.units - scope.units
        if home_role != "province":
            assert wider == scope and tree == TREE
        assert added.isdisjoint(TREE.parents)
        assert all(tree.is_below(code, "X01-DU01") for code in added)


def test_down_carries_decisions_and_the_certificates_a_committee_records():
    """A committee records A2 from a class roster on its cells' files (RULES.md §2a):
    down, that and its decisions are taken; a cell's own steps never come from above."""
    down = sender_scope(TREE, "X01-CB03", "cell", "X01", "committee", "down")
    assert record_problem(down, TREE, step("A2", "X01")) is None
    assert record_problem(down, TREE, step("A10", "X01")) is None
    for cell_step in ("A1", "A3", "A8", "A11", "P3", "DUNG"):
        assert "không phải bước do cấp ủy cấp trên ghi" in record_problem(
            down, TREE, step(cell_step, "X01")
        )
    assert record_problem(down, TREE, step("A2", "X01-CB03")) is not None  # not its own


def test_a_province_writes_down_only_inside_that_committee():
    down = sender_scope(TREE, "X01", "committee", "KH", "province", "down")
    a10 = {"owner": "KH", "step_id": "A10", "uuid": "u"}
    inside = Incoming("steps", a10, "A10", "X01-CB02", file_code="X01-CB02-0001")
    outside = Incoming("steps", a10, "A10", "X02", file_code="X02-0001")
    assert record_problem(down, TREE, inside) is None
    assert "X02" in record_problem(down, TREE, outside)
    orgs = Incoming("orgs", {"owner": "KH", "code": "X01", "uuid": "u"}, "X01", "X01")
    assert record_problem(down, TREE, orgs) is not None  # the tree comes in the catalogue


def test_a_removed_unit_keeps_its_branch_but_takes_no_new_data():
    """Removed units stay in the tree's shape (their records and tombstones still travel
    and are accepted) but are no unit to work in: the staff's scope and listings skip them."""
    rows = [
        {"code": "X01", "parent_code": "KH", "kind": "Đảng ủy xã", "name": "Đảng ủy xã A"},
        {"code": "X01-CB01", "parent_code": "X01", "kind": "Chi bộ thôn", "deleted": True},
        {"code": "X01-CB02", "parent_code": "X01", "kind": "Chi bộ thôn"},
        {"code": "X01-DU01", "parent_code": "X01", "kind": "Đảng ủy cơ sở", "deleted": 1},
        {"code": "X01-CB03", "parent_code": "X01-DU01", "kind": "Chi bộ cơ quan"},
    ]
    tree = OrgTree.from_rows(rows)
    everything = {"X01", "X01-CB01", "X01-CB02", "X01-DU01", "X01-CB03"}
    assert tree.branch("X01") == everything
    assert tree.branch("X01", live=True) == everything - {"X01-CB01", "X01-DU01"}
    assert sender_scope(tree, "X01", "committee", "X01-CB01", "cell", "up").units == {"X01-CB01"}
    assert station_scope(tree, "X01", "committee").units == {"X01", "X01-CB02", "X01-CB03"}
    assert "đã bị xóa" in staff_unit_problem(tree, "X01", "committee", "X01-CB01")
    assert staff_unit_problem(tree, "X01", "committee", "X01-CB03") is None
    # A unit not yet known: where to add it, in the words of the page and the command.
    missing = staff_unit_problem(tree, "X01", "committee", "X01-CB09")
    assert "'Thêm đơn vị…'" in missing and "khdesk org add" in missing
    # The commune a unit belongs to, whatever lies between (a removed unit included).
    assert tree.commune("X01-CB03") == tree.commune("X01") == "X01"
    assert tree.commune("KH") is None and tree.commune("nowhere") is None
    assert tree.parent("X01-CB03") == "X01-DU01" and tree.names["X01"] == "Đảng ủy xã A"
