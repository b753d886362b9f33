"""The PostgreSQL server the tests may use: KHDESK_TEST_PG, a superuser URL of a throw-away
cluster (`.ci/pg-start` starts one on loopback). Without it the PostgreSQL variants of the
tests are skipped and the run says so at the end.

Every profile a test makes on the server gets a database of its own, owned by a login role
named as the profile's first user (roles are server-wide: the same name is reused, its
password set again each time)."""

from __future__ import annotations

import contextlib
import itertools
import os

ADMIN_URL = os.environ.get("KHDESK_TEST_PG") or None
SKIP_REASON = "không có máy chủ PostgreSQL để thử (đặt KHDESK_TEST_PG, xem .ci/pg-start)"

# Which engine the profile helpers create on: set per test by the `engine_kind` fixture.
current = {"engine": "sqlite"}
_numbers = itertools.count(1)
created: list[str] = []
skipped: list[str] = []  # PostgreSQL variants skipped for want of a server


def _admin():
    import psycopg

    return psycopg.connect(ADMIN_URL, autocommit=True)


def new_database(owner: str, password: str) -> str:
    """A fresh, empty database owned by `owner` (a login role with CREATEROLE, as the
    README's set-up makes); returns its URL without a password."""
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"kht_{os.getpid()}_{next(_numbers)}"
    with _admin() as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN CREATEROLE NOSUPERUSER PASSWORD {}").format(
                sql.Identifier(owner), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name), sql.Identifier(owner))
        )
    created.append(name)
    admin = make_url(ADMIN_URL)
    return admin._replace(username=owner, password=None, database=name).render_as_string(
        hide_password=False
    )


def admin_execute(statement: str, params: tuple = ()) -> list[tuple]:
    """A statement as the server's superuser (setting up what a DBA would)."""
    with _admin() as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


def drop_created() -> None:
    if not ADMIN_URL or not created:
        return
    from psycopg import sql

    with _admin() as conn:
        for name in created:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    created.clear()


def db_url_for(user: str, password: str) -> str | None:
    """A database for a new profile when the current test runs on PostgreSQL, else None."""
    if current["engine"] != "postgres":
        return None
    return new_database(user, password)


@contextlib.contextmanager
def engine(kind: str):
    """Profiles made inside go to `kind` ("sqlite" or "postgres"; the latter skipped,
    and reported, without a server): for module-scoped fixtures."""
    import pytest

    if kind == "postgres" and not ADMIN_URL:
        skipped.append(kind)
        pytest.skip(SKIP_REASON)
    before, current["engine"] = current["engine"], kind
    try:
        yield
    finally:
        current["engine"] = before
