"""Every audit entry the package writes reads in words in the audit view (`audit list`,
the window's log): each action, each kind of record and each detail the code writes has
its Vietnamese label. A new use case that audits under a new name fails here until it has
one (a raw `supersede_step (by: X01)` reached the demo's log before)."""

import ast
from pathlib import Path

import khdesk
from khdesk.core.services.safety import _DETAIL_KEYS, AUDIT_ACTIONS, AUDIT_ENTITIES

PACKAGE = Path(khdesk.__file__).parent
WRITERS = {"audit", "append_audit", "append_audit_many"}  # the calls that write an entry
# Keywords of those calls that are not details of the entry.
NOT_DETAILS = {"action", "entity", "entity_id", "user", "now", "at"}


def written_names() -> tuple[dict, dict, dict]:
    """action / entity / detail key -> where in the package it is written first."""
    actions, entities, details = {}, {}, {}
    for path in PACKAGE.rglob("*.py"):
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in WRITERS:
                continue
            literals = [a.value for a in node.args if isinstance(a, ast.Constant)]
            literals = [v for v in literals if isinstance(v, str)]
            # tx.audit("action", "entity", id, **details); a variable action: skip it
            if node.args and isinstance(node.args[0], ast.Constant) and literals:
                actions.setdefault(literals[0], where)
                if len(literals) > 1 and isinstance(node.args[1], ast.Constant):
                    entities.setdefault(literals[1], where)
            for kw in node.keywords:
                if kw.arg and kw.arg not in NOT_DETAILS:
                    details.setdefault(kw.arg, where)
    return actions, entities, details


def test_every_audited_action_record_and_detail_has_words():
    actions, entities, details = written_names()
    assert len(actions) > 40  # the walk finds the package's audit calls
    assert {"record_step", "transfer_out", "supersede_step"} <= set(actions)
    assert {k: w for k, w in actions.items() if k not in AUDIT_ACTIONS} == {}
    assert {k: w for k, w in entities.items() if k not in AUDIT_ENTITIES} == {}
    assert {k: w for k, w in details.items() if k not in _DETAIL_KEYS} == {}
