"""The permissions table (domain/roles.py) walked whole: each action, each role, against
the roles as issue 7 §5 and issue 15 §9 give them — written out again here, not read
from the module, so a change to the table is a change to this test too."""

from __future__ import annotations

import pytest

from khdesk.core.domain.roles import PERMISSIONS, ROLES, Action, may

DAY_TO_DAY = {"owner", "secretary", "deputy"}
KEEPERS = {"owner", "secretary"}
OWNER = {"owner"}

EXPECTED = {
    Action.IMPORT: DAY_TO_DAY,
    Action.EDIT_FILES: DAY_TO_DAY,
    Action.EDIT_MEMBERS: DAY_TO_DAY,
    Action.NUMBER_DOCUMENTS: DAY_TO_DAY,
    Action.SEND_RECEIVE: DAY_TO_DAY,
    Action.CONFIRM_DECISIONS: DAY_TO_DAY,  # records the committee's own step, as EDIT_FILES
    Action.MAKE_BACKUP: DAY_TO_DAY,
    Action.TAKE_OUT: DAY_TO_DAY,  # a viewer only with the owner's grant (not a role's)
    Action.MANAGE_KEYS: KEEPERS,
    Action.NEW_EPOCH: KEEPERS,
    Action.RESOLVE_CONFLICTS: KEEPERS,
    Action.RESTORE_BACKUP: KEEPERS,
    Action.RETENTION: KEEPERS,
    Action.UNIT_SETTINGS: KEEPERS,
    Action.MOVE_PC: KEEPERS,
    Action.TRANSFER_FILES: KEEPERS,  # hands a file to another unit (RULES.md §2a)
    Action.ISSUE_CATALOGUE: KEEPERS,
    Action.MANAGE_USERS: OWNER,
    Action.HAND_OVER: OWNER,
}


def test_every_action_has_a_row_and_a_vietnamese_name():
    assert set(PERMISSIONS) == set(Action) == set(EXPECTED)
    for action in Action:
        assert action.value and not action.value.isascii()


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_exactly_what_the_table_says(role, action):
    assert may(role, action) == (role in EXPECTED[action])


def test_a_viewer_changes_nothing_and_an_unknown_role_may_nothing():
    assert not any(may("viewer", a) for a in Action)
    for role in (None, "", "admin", "Owner"):
        assert not any(may(role, a) for a in Action)


def test_each_role_may_at_least_what_the_one_below_may():
    """owner ⊇ secretary ⊇ deputy ⊇ viewer: no role loses a right by going up."""
    for higher, lower in zip(ROLES, ROLES[1:], strict=False):
        assert {a for a in Action if may(lower, a)} <= {a for a in Action if may(higher, a)}


def test_no_screen_or_command_compares_roles_itself():
    """Every role check of the desktop and the command line goes through the table: no
    comparison with a user's role or with a role's name outside domain/roles.py."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[4] / "khdesk"
    found = []
    for path in [*(root / "ui").rglob("*.py"), *(root / "cli").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            parts = [node.left, *node.comparators]
            role_attr = any(isinstance(p, ast.Attribute) and p.attr == "user_role" for p in parts)
            role_name = any(isinstance(p, ast.Constant) and p.value in ROLES for p in parts)
            if role_attr or role_name:
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
