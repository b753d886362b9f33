"""This station's organisation tree, as the write-scope rule (domain/scope.py) reads it."""

from __future__ import annotations

from sqlalchemy import Connection, select

from khdesk.core.domain.scope import OrgTree
from khdesk.core.store import schema as t
from khdesk.core.store.engine import raw_rows

_TREE = select(t.orgs.c.code, t.orgs.c.parent_code, t.orgs.c.self_managed)


def load_tree(conn: Connection) -> OrgTree:
    """Every organisation this database knows, one read (a province: a few thousand)."""
    rows = raw_rows(conn, _TREE)
    return OrgTree(
        {code: parent for code, parent, _ in rows},
        frozenset(code for code, _, managed in rows if managed),
    )
