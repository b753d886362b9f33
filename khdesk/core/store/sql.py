"""Plain SQL reads, without SQLAlchemy.

The app's first screen (the cell home) is read before SQLAlchemy is imported: importing
it alone takes longer than a bare Qt window takes to open. So the reads that screen needs
(files per state, the rules' facts, the statistics, the installed catalogue) are SQL text
run through the driver, and the same functions then serve every later read — on a
SQLAlchemy connection (inside its transaction) as on a bare SQLCipher or psycopg one.

Write SQL that both engines read alike: `?` placeholders (turned into `%s` for psycopg),
`NOT deleted` for booleans, double-quoted names that are keywords (`"on"`, `"user"`).
SQLite hands dates back as ISO text and PostgreSQL as dates: read them with `as_date`,
and pass date parameters through `day_param`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any


def _driver(conn: Any) -> tuple[Any, bool]:
    """(the DB-API connection to take a cursor from, whether it takes `?` placeholders)."""
    if hasattr(conn, "exec_driver_sql"):  # a SQLAlchemy Connection: its own transaction
        return conn.connection, conn.dialect.paramstyle == "qmark"
    return conn, not type(conn).__module__.startswith("psycopg")


def is_postgres(conn: Any) -> bool:
    return not _driver(conn)[1]


def _query(conn: Any, sql: str, params: Sequence[Any]) -> tuple[list[str], list[tuple]]:
    """(the column names, all rows as the driver returns them: plain tuples)."""
    driver, qmark = _driver(conn)
    if not qmark:
        sql = sql.replace("?", "%s")
    cursor = driver.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        cursor.close()


def fetch(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """All rows of a query, as the driver returns them (plain tuples)."""
    return _query(conn, sql, params)[1]


def fetch_dicts(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """All rows of a query as dicts keyed by column name."""
    names, rows = _query(conn, sql, params)
    return [dict(zip(names, row, strict=True)) for row in rows]


def scalar(conn: Any, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row, or None when there is no row."""
    rows = fetch(conn, sql, params)
    return rows[0][0] if rows else None


def marks(values: Iterable[Any]) -> str:
    """`?, ?, ?` for an IN (…) list of these values."""
    return ", ".join("?" for _ in values)


def day_param(conn: Any, day: date) -> date | str:
    """A date as the engine compares it: ISO text on SQLite (how dates are stored there)."""
    return day if is_postgres(conn) else day.isoformat()


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def as_bool(value: Any) -> bool | None:
    """A boolean column as SQLAlchemy would give it (SQLite stores 0/1); None stays None."""
    return None if value is None else bool(value)
