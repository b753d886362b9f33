"""The statistics' reads as plain SQL (khdesk.core.store.sql): what the app's home screen
needs before SQLAlchemy is imported. The figures themselves are checked in test_stats."""

from __future__ import annotations

import subprocess
import sys

import pytest

from khdesk.core.reports.stats import Scope, load_stats_data
from khdesk.core.text import fold
from tests import pg
from tests.integration.core.reports.stats_dataset import (
    TODAY,
    build_province_home,
    d,
    open_province,
)


def test_stats_imports_without_sqlalchemy():
    # A fresh interpreter: this process has imported SQLAlchemy long ago.
    code = (
        "import sys, khdesk.core.reports.stats\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'\n"
        "             or m in ('khdesk.core.store.schema', 'khdesk.core.store.engine'))\n"
        "assert not bad, bad\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def province_home(request, tmp_path_factory):
    with pg.engine(request.param):
        return build_province_home(tmp_path_factory)


def test_bare_driver_connection_reads_the_same(province_home):
    """A bare DB-API connection (the launch's) reads what a SQLAlchemy one does, and the
    register is matched by folded name + birth date as well as by CCCD: the name key is
    SQL text (`name_folded || '|' || CAST(birth_date AS VARCHAR)`) that SQLite's ISO text
    and PostgreSQL's dates must both turn into `name|YYYY-MM-DD`."""
    session = open_province(province_home)
    try:
        scopes = [Scope.for_year(2026), Scope.for_period("2021-2025")]
        with session.store.read() as conn:
            through_sqlalchemy = load_stats_data(conn, scopes, TODAY)
            bare = load_stats_data(conn.connection.dbapi_connection, scopes, TODAY)
    finally:
        session.close()
    assert bare == through_sqlalchemy
    # X02-CB01-0003 is admitted and in the register (X02-CB01-DV005) under both keys.
    assert "056096001234" in bare.register_keys
    assert (fold("Ngô Văn Chín"), d("1996-09-09").isoformat()) in bare.register_keys
    assert set(bare.member_counts) == {d("2025-12-31"), TODAY}
