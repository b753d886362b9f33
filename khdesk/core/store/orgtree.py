"""This station's organisation tree (domain/scope.py `OrgTree`), read in one query.

Plain SQL (khdesk.core.store.sql): the committee's first screen reads the tree before
SQLAlchemy is loaded, and the same read serves every later caller."""

from __future__ import annotations

from typing import Any

from khdesk.core.domain.scope import OrgTree
from khdesk.core.store import sql

_TREE = "SELECT code, parent_code, kind, name, self_managed, deleted FROM orgs"
_FIELDS = ("code", "parent_code", "kind", "name", "self_managed", "deleted")


def load_tree(conn: Any) -> OrgTree:
    """Every organisation this database knows, removed ones included (the tree says which),
    one read (a province: a few thousand); `conn`: a SQLAlchemy or a bare driver connection."""
    rows = sql.fetch(conn, _TREE)
    return OrgTree.from_rows(dict(zip(_FIELDS, row, strict=True)) for row in rows)
