"""The home page's reads through the launch's bare SQLCipher connection (before the
SQLAlchemy store exists) give what they give through the store."""

from datetime import date

import pytest

from khdesk.core.services.checking import check_profile, clock_warning, load_facts
from khdesk.core.services.plan import state_counts
from khdesk.core.services.session import open_profile
from khdesk.core.store import sqlcipher
from khdesk.core.sync import judging
from khdesk.demo.stations import DEMO_USER, create_demo

TODAY = date(2026, 11, 26)
PASSWORD = "demo-password"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("light-demo")
    return home, create_demo(home, PASSWORD, today=TODAY)


def _reads(session) -> tuple:
    return (
        check_profile(session, TODAY).findings,
        clock_warning(session, date(2026, 11, 20)),
        state_counts(session),
    )


def test_home_reads_before_the_store_match_the_stores(demo_home):
    home, names = demo_home
    for name in names:
        lazy = open_profile(home, name, DEMO_USER, PASSWORD, lazy_store=True)
        try:
            before = _reads(lazy)
            assert not lazy.store_ready  # read through the unlock's connection
        finally:
            lazy.close()
        built = open_profile(home, name, DEMO_USER, PASSWORD)
        try:
            assert _reads(built) == before
        finally:
            built.close()


def test_facts_alike_on_a_bare_connection_and_a_store_connection(demo_home):
    home, names = demo_home
    session = open_profile(home, names[0], DEMO_USER, PASSWORD)
    bare = sqlcipher.connect(session.dir.db_file, session.db_key)
    try:
        with session.store.read() as conn:
            facts = load_facts(conn)
            judged = judging.judge(conn)
            one = facts.files[0].file_code
            single = load_facts(conn, one)
        assert facts.files and facts.members and facts.orgs
        assert load_facts(bare) == facts
        assert load_facts(bare, one) == single
        assert [f.file_code for f in single.files] == [one]
        assert judging.judge(bare) == judged
    finally:
        bare.close()
        session.close()
