"""The schema revision a database is at, read without Alembic or SQLAlchemy (the app's
launch checks it before either is imported; migrate.py upgrades when it differs)."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from khdesk.core.store import sql

MIGRATIONS = Path(__file__).with_name("migrations")

_REVISION_LINE = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(.+?)\s*$", re.M)


@lru_cache(maxsize=1)
def head_from_files() -> str | None:
    """The head revision read from the version files' `revision = ...` lines; None when
    they are not plain (a branch, a merge): then Alembic decides."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        try:
            rev = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(rev, str) or not (down is None or isinstance(down, str)):
            return None
        revisions[rev] = down
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None


def stored_revision(conn: Any) -> str | None:
    """The revision an SQLite database is stamped with (None: never stamped)."""
    stamped = sql.scalar(
        conn, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    )
    return sql.scalar(conn, "SELECT version_num FROM alembic_version") if stamped else None
