"""Shared fixtures: fresh encrypted profiles, a cheap key derivation, a frozen clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Cheap scrypt for in-process tests: the slot format and code path are the real ones,
# only the cost parameter differs (subprocess CLI tests use the shipped cost).
FAST_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}
PASSWORD = "matkhau-thu"
FROZEN = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_kind(request):
    """Run the test on both engines: the profile helpers create their profiles on the
    PostgreSQL test server for the second run (skipped, and reported, without one)."""
    from tests import pg

    if request.param == "postgres" and not pg.ADMIN_URL:
        pg.skipped.append(request.node.nodeid)
        pytest.skip(pg.SKIP_REASON)
    pg.current["engine"] = request.param
    before = len(pg.created)
    yield request.param
    pg.current["engine"] = "sqlite"
    if request.param == "postgres" and len(pg.created) == before:
        pytest.fail("biến thể PostgreSQL của phép thử không tạo hồ sơ nào trên máy chủ")


def pytest_terminal_summary(terminalreporter):
    from tests import pg

    if pg.skipped:
        terminalreporter.write_sep(
            "!", f"{len(pg.skipped)} PHÉP THỬ POSTGRESQL BỊ BỎ QUA: không có KHDESK_TEST_PG"
        )
        terminalreporter.write_line(
            "Chạy .ci/pg-start rồi đặt KHDESK_TEST_PG=<URL nó in ra> để thử cả PostgreSQL."
        )


def pytest_sessionfinish(session):
    from tests import pg

    pg.drop_created()


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch):
    from khdesk.core.store import keyslots

    monkeypatch.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)


@pytest.fixture
def clock():
    return lambda: FROZEN


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


def make_profile(home: Path, role: str, org_code: str, org_name: str, clock, parent=None):
    from khdesk.core.services import profiles
    from tests import pg

    session, recovery = profiles.create_profile(
        home,
        role=role,
        org_code=org_code,
        org_name=org_name,
        parent_code=parent,
        user="bithu",
        password=PASSWORD,
        clock=clock,
        db_url=pg.db_url_for("bithu", PASSWORD),
    )
    return session, recovery


@pytest.fixture
def cell(home, clock):
    session, _ = make_profile(home, "cell", "X01-CB01", "Chi bộ thôn Tân Đức", clock, "X01")
    yield session
    session.close()


@pytest.fixture
def committee(home, clock):
    session, _ = make_profile(home, "committee", "X01", "Đảng ủy xã Cam Hải", clock, "KH")
    yield session
    session.close()


@pytest.fixture
def commune(tmp_path):
    """A commune committee and one cell, real encrypted profiles with keys enrolled."""
    from tests.stations import build_commune

    c = build_commune(tmp_path / "home")
    yield c
    c.close()


@pytest.fixture
def quiet_cli(monkeypatch):
    """Run the real CLI in this process (fast keys), leaving no log handlers behind."""
    import logging

    from khdesk.cli.main import main
    from tests.stations import PASSWORD as STATION_PASSWORD

    def run(home: Path, *args: str) -> int:
        monkeypatch.setenv("KHDESK_HOME", str(home))
        monkeypatch.setenv("KHDESK_PASSWORD", STATION_PASSWORD)
        root = logging.getLogger()
        before = list(root.handlers)
        try:
            return main(list(args))
        finally:
            for h in root.handlers[:]:
                if h not in before:
                    root.removeHandler(h)
                    h.close()

    return run
