"""The province tier on a real PostgreSQL server (KHDESK_TEST_PG, see .ci/pg-start):
profiles on a database URL, each staff member signing in as their own role, the audit log
append-only for staff, no superuser, the folded search (đ→d), migrations both ways."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from khdesk.core.errors import AccessDenied, InputError, NewerDatabaseError, ProfileError
from khdesk.core.services import profiles
from khdesk.core.services.candidates import file_ids, list_files
from khdesk.core.services.members import member_ids
from khdesk.core.services.session import open_profile
from khdesk.core.store import migrate
from khdesk.core.store import schema as t
from khdesk.core.store.migrate import _alembic_config
from khdesk.core.store.schema import metadata
from khdesk.core.store.store import verify_audit
from khdesk.demo.stations import DEMO_USER, create_demo
from tests import pg

pytestmark = pytest.mark.postgres
if not pg.ADMIN_URL:
    pg.skipped.append(__name__)
    pytest.skip(pg.SKIP_REASON, allow_module_level=True)

PASSWORD = "matkhau-tinh"
TODAY = date(2026, 11, 26)


def _create(home, url, user="bithu", **kw):
    session, recovery = profiles.create_profile(
        home,
        role="province",
        org_code="KH",
        org_name="Tỉnh ủy Khánh Hòa",
        user=user,
        password=kw.pop("password", PASSWORD),
        db_url=url,
        **kw,
    )
    assert recovery is None  # the server's administrator resets passwords there
    return session


def test_profile_on_a_url_keeps_no_password_and_signs_in_as_its_role(tmp_path):
    url = pg.new_database("bithu", PASSWORD)
    session = _create(tmp_path / "home", url)
    try:
        info = session.dir.read_info()
        assert info.db_url.startswith("postgresql://") and PASSWORD not in info.db_url
        assert "bithu" not in info.db_url  # each staff member signs in as their own role
        assert not session.dir.keys_file.exists() and not session.dir.db_file.exists()
        with session.store.read() as conn:
            assert conn.dialect.name == "postgresql"
            assert conn.exec_driver_sql("SELECT current_user").scalar() == "bithu"
    finally:
        session.close()

    again = open_profile(tmp_path / "home", None, None, PASSWORD)
    assert (again.user, again.user_role) == ("bithu", "owner")
    again.close()
    with pytest.raises(AccessDenied, match="Sai mật khẩu"):
        open_profile(tmp_path / "home", None, None, "khong-dung")


def test_a_superuser_is_refused(tmp_path):
    url = pg.new_database("bithu", PASSWORD)
    pg.admin_execute("ALTER ROLE bithu SUPERUSER")
    try:
        with pytest.raises(AccessDenied, match="superuser"):
            _create(tmp_path / "home", url)
    finally:
        pg.admin_execute("ALTER ROLE bithu NOSUPERUSER")
    assert not (tmp_path / "home" / "profiles" / "KH").exists()


def test_a_database_with_another_sort_order_is_refused(tmp_path):
    url = pg.new_database("bithu", PASSWORD)
    name = url.rsplit("/", 1)[1]
    pg.admin_execute(f"DROP DATABASE {name}")
    pg.admin_execute(
        f"CREATE DATABASE {name} OWNER bithu TEMPLATE template0 ENCODING 'UTF8' "
        "LOCALE_PROVIDER icu ICU_LOCALE 'vi-VN' LC_COLLATE 'C' LC_CTYPE 'C'"
    )
    with pytest.raises(ProfileError, match="ICU"):
        _create(tmp_path / "home", url)


def test_staff_sign_in_from_their_own_pc_and_cannot_rewrite_the_audit(tmp_path):
    url = pg.new_database("bithu", PASSWORD)
    owner = _create(tmp_path / "pc1", url)
    pg.admin_execute("DROP ROLE IF EXISTS canbo1")
    try:
        profiles.add_user(owner, "canbo1", "matkhau-canbo", role="secretary")
        with pytest.raises(InputError):
            profiles.add_user(owner, "canbo1", "matkhau-canbo", role="secretary")
        # Another PC joins the same database, signing in as the new staff member.
        staff = _create(tmp_path / "pc2", url, user="canbo1", password="matkhau-canbo")
        assert (staff.user, staff.user_role) == ("canbo1", "secretary")
        with staff.store.write("canbo1") as tx:
            tx.audit("note", "test", "x")  # appending is what staff may do
        for statement in ("UPDATE audit SET action = 'x'", "DELETE FROM audit"):
            with pytest.raises(DBAPIError, match="permission denied"):
                with staff.store.write("canbo1") as tx:
                    tx.conn.execute(text(statement))
        # The owner owns the table, and still cannot rewrite it through the app's database.
        with pytest.raises(DBAPIError, match="append-only"):
            with owner.store.write("bithu") as tx:
                tx.conn.execute(text("DELETE FROM audit"))
        with owner.store.read() as conn:
            assert verify_audit(conn) == []
            actors = set(conn.execute(select(t.audit.c.user)).scalars())
        assert {"bithu", "canbo1"} <= actors
        staff.close()

        # Removed: the role can no longer sign in; the audit still names it.
        profiles.remove_user(owner, "canbo1")
        with pytest.raises(AccessDenied):
            open_profile(tmp_path / "pc2", None, "canbo1", "matkhau-canbo")
    finally:
        owner.close()


def test_a_staff_member_cannot_join_another_organisations_database(tmp_path):
    url = pg.new_database("bithu", PASSWORD)
    _create(tmp_path / "pc1", url).close()
    with pytest.raises(ProfileError, match="đã là hồ sơ province KH"):
        profiles.create_profile(
            tmp_path / "pc2",
            role="province",
            org_code="KT",
            org_name="Tỉnh khác",
            user="bithu",
            password=PASSWORD,
            db_url=url,
        )


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The demo commune twice: the committee in an encrypted file and on the server."""
    local = tmp_path_factory.mktemp("local")
    server = tmp_path_factory.mktemp("server")
    create_demo(local, PASSWORD, TODAY)
    url = pg.new_database(DEMO_USER, PASSWORD)
    create_demo(server, PASSWORD, TODAY, committee_db_url=url)
    a = open_profile(local, "X01", DEMO_USER, PASSWORD)
    b = open_profile(server, "X01", DEMO_USER, PASSWORD)
    assert not a.on_server and b.on_server
    yield a, b
    a.close()
    b.close()


def _codes(session, ids):
    with session.store.read() as conn:
        rows = dict(conn.execute(select(t.candidates.c.id, t.candidates.c.file_code)).all())
    return [rows[i] for i in ids]


@pytest.mark.parametrize(
    "query", ["duc", "Đức", "do van", "nguyen thi", "ng", "tran v", "0563", "x01"]
)
def test_search_finds_the_same_files_in_the_same_order_on_both_engines(both, query):
    local, server = both
    here = _codes(local, file_ids(local, search=query))
    there = _codes(server, file_ids(server, search=query))
    assert here == there
    if query in ("duc", "Đức", "do van"):
        # Dực by "duc", Đỗ by "do": diacritics and đ→d fold away on the server too.
        assert "Đỗ Văn Dực" in [f["full_name"] for f in list_files(server, search=query)]


def test_member_search_agrees(both):
    local, server = both

    def codes(session, query):
        ids = member_ids(session, query)
        with session.store.read() as conn:
            rows = dict(conn.execute(select(t.members.c.id, t.members.c.member_code)).all())
        return [rows[i] for i in ids]

    for query in ("duc", "thi", "van a", "đ"):
        assert codes(local, query) == codes(server, query)
    assert codes(server, "duc")


def _search_twin(diff) -> bool:
    if diff[0] == "remove_index":
        return diff[1].name.endswith(("_search", "_walk"))
    if diff[0] == "remove_column":
        return diff[3].name == "search_doc"
    return False


def test_migrations_run_down_and_up_on_the_server(tmp_path):
    url = pg.new_database(DEMO_USER, PASSWORD)
    create_demo(tmp_path, PASSWORD, TODAY, committee_db_url=url)
    session = open_profile(tmp_path, "X01", DEMO_USER, PASSWORD)
    with session.store.read() as conn:
        before = conn.execute(select(t.candidates.c.file_code).order_by("file_code")).all()
    with session.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            command.downgrade(_alembic_config(conn), "0001")
    session.close()

    session = open_profile(tmp_path, "X01", DEMO_USER, PASSWORD)
    try:
        with session.store.read() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            after = conn.execute(select(t.candidates.c.file_code).order_by("file_code")).all()
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
            assert verify_audit(conn) == []
        assert after == before
        # The search text and its trigram index are the server's twin of FTS5, made beside
        # the tables (postgres.install_server_parts).
        assert [d for d in diffs if not _search_twin(d)] == []
    finally:
        session.close()


def test_a_staff_member_is_told_who_can_upgrade(tmp_path):
    url = pg.new_database("bithu", PASSWORD)
    owner = _create(tmp_path / "pc1", url)
    pg.admin_execute("DROP ROLE IF EXISTS canbo2")
    profiles.add_user(owner, "canbo2", "matkhau-canbo", role="deputy")
    staff = _create(tmp_path / "pc2", url, user="canbo2", password="matkhau-canbo")
    staff.close()
    with owner.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            command.downgrade(_alembic_config(conn), "0005")
    owner.close()
    with pytest.raises(NewerDatabaseError, match="'bithu'"):
        open_profile(tmp_path / "pc2", None, "canbo2", "matkhau-canbo")
    # The owner signs in, the schema is upgraded, then staff get in (grants on new tables).
    open_profile(tmp_path / "pc1", None, None, PASSWORD).close()
    staff = open_profile(tmp_path / "pc2", None, "canbo2", "matkhau-canbo")
    with staff.store.read() as conn:
        conn.execute(select(t.document_numbers)).all()
    staff.close()
