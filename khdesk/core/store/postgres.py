"""The PostgreSQL twin of the SQLite pieces in engine.py, for the province tier: opening a
connection as a staff member's own role, the search index (pg_trgm over the folded text,
where SQLite has FTS5), the change counter as a sequence, transaction-scoped locks, and the
grants that make the audit log append-only for staff.

At-rest protection here is the server's disk encryption, not SQLCipher: the database holds
the same personal data in clear, readable by the roles granted below.
"""

from __future__ import annotations

import re
import zlib

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import QueuePool

from khdesk.core.errors import AccessDenied, ProfileError, UsageError

SCHEMES = ("postgresql", "postgres")
CHANGE_SEQUENCE = "khdesk_change_seq"
SEARCH_COLUMN = "search_doc"  # beside the tables' own columns, on the server only
# Tables whose rows staff may only add to (no UPDATE, DELETE or TRUNCATE granted).
APPEND_ONLY = ("audit", "sync_audit_reported")
# Lock keys (pg_advisory_xact_lock): writers hold CHANGES shared while they stamp rows, an
# export takes it exclusively to read a counter no open transaction will go below.
LOCK_CHANGES = 0x6B6864_01
LOCK_AUDIT = 0x6B6864_02

_ROLE_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def clean_url(url: str) -> str:
    """The URL as kept in profile.json: no user, no password (each staff member signs in
    as their own role)."""
    parsed = _parse(url)._replace(username=None, password=None, drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def url_user(url: str) -> str | None:
    return _parse(url).username


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise UsageError(f"Địa chỉ cơ sở dữ liệu không hợp lệ: {url}") from exc
    if parsed.get_backend_name() not in SCHEMES:
        raise UsageError("Chỉ hỗ trợ địa chỉ postgresql://máy-chủ:cổng/tên-cơ-sở-dữ-liệu.")
    if not parsed.database:
        raise UsageError("Địa chỉ cơ sở dữ liệu cần tên cơ sở dữ liệu (…/ten_csdl).")
    return parsed.set(drivername="postgresql+psycopg")


def check_role_name(name: str) -> str:
    if not _ROLE_OK.match(name or ""):
        raise UsageError("Tên người dùng chỉ gồm chữ không dấu, số, '-', '_' hoặc '.'.")
    return name


def open_postgres(url: str, user: str, password: str | None, *, pool_size: int = 4) -> Engine:
    """An engine signed in as `user` (a PostgreSQL role of its own). Reads run in one
    REPEATABLE READ snapshot, so a reader never sees half of an import; writes run READ
    COMMITTED, their uniqueness held by constraints and their order by advisory locks."""
    target = _parse(url).set(username=user, password=password or None)
    # Reads are most of the traffic (a search is two of them per keystroke): their
    # isolation is the connection's default, so that a read costs no extra round trip.
    engine = create_engine(
        target,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=8,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": 10,
            "application_name": "khdesk",
            "options": "-c default_transaction_isolation=repeatable\\ read",
        },
    )

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if conn.get_execution_options().get("khdesk_write"):
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")

    return engine


def connect_error(exc: Exception, url: str, user: str) -> Exception:
    """Our Vietnamese error for a failed connection (wrong password, no server)."""
    text_ = str(getattr(exc, "orig", exc) or exc)
    where = clean_url(url).split("://", 1)[-1]
    if "password authentication failed" in text_ or "no password supplied" in text_:
        return AccessDenied(f"Sai mật khẩu của người dùng '{user}' trên máy chủ {where}.")
    if "not permitted to log in" in text_:
        return AccessDenied(f"Người dùng '{user}' không còn quyền đăng nhập máy chủ {where}.")
    if "does not exist" in text_ and "role" in text_:
        return AccessDenied(f"Máy chủ {where} không có người dùng '{user}'.")
    if "does not exist" in text_ and "database" in text_:
        return ProfileError(f"Máy chủ không có cơ sở dữ liệu {where}.")
    return ProfileError(
        f"Không kết nối được máy chủ cơ sở dữ liệu {where}: kiểm tra mạng và máy chủ. "
        "Chi tiết ghi trong nhật ký."
    )


def check_server(conn) -> None:
    """Refuse a superuser (staff each sign in as an ordinary role) and a database whose
    text order is not plain code-point order (names sort as on the desktop)."""
    is_super, collate, ctype = conn.exec_driver_sql(
        "SELECT r.rolsuper, d.datcollate, d.datctype FROM pg_roles r, pg_database d "
        "WHERE r.rolname = current_user AND d.datname = current_database()"
    ).one()
    if is_super:
        raise AccessDenied(
            "Không làm việc bằng tài khoản quản trị tối cao (superuser) của PostgreSQL: mỗi "
            "cán bộ đăng nhập bằng tài khoản riêng (xem README, phần Tỉnh ủy)."
        )
    provider = "c"
    if int(conn.exec_driver_sql("SHOW server_version_num").scalar()) >= 150000:
        provider = conn.exec_driver_sql(
            "SELECT datlocprovider FROM pg_database WHERE datname = current_database()"
        ).scalar()
    plain = ("C", "POSIX", "C.UTF-8", "C.utf8")
    if provider != "c" or collate not in plain or ctype not in plain:
        used = "ICU" if provider == "i" else f"'{collate}'/'{ctype}'"
        raise ProfileError(
            f"Cơ sở dữ liệu dùng thứ tự sắp xếp {used}: cần tạo lại với LC_COLLATE 'C' và "
            "LC_CTYPE 'C', không dùng ICU (xem README, phần Tỉnh ủy)."
        )


def staff_role(conn) -> str:
    """The group role every staff member belongs to: one per database."""
    db = conn.exec_driver_sql("SELECT current_database()").scalar()
    return f"khdesk_staff_{re.sub(r'[^a-z0-9_]', '_', db.lower())}"[:63]


def _ident(conn, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def install_server_parts(conn, searchable: dict[str, str]) -> None:
    """What a new PostgreSQL database needs beside the tables: pg_trgm, the search indexes,
    the change counter, the audit log's guard, the staff group (its grants follow once the
    schema is stamped: grant_staff). Run by the database's owner (pg_trgm is a trusted
    extension: no superuser needed)."""
    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, expr in searchable.items():
        # Stored, not an index expression: a trigram match is checked again on the row,
        # and reading a column is five times cheaper than working out the text again.
        conn.exec_driver_sql(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {SEARCH_COLUMN} text "
            f"GENERATED ALWAYS AS ({search_document(expr, table)}) STORED"
        )
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} "
            f"USING gin ({SEARCH_COLUMN} gin_trgm_ops) WHERE NOT deleted"
        )
        # For a broad query ("ng"): walking the names in order through an index holding
        # the search text needs no table read, and stops at a page's worth (the SQLite
        # path walks its name index the same way).
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS ix_{table}_walk ON {table} (sort_key, id) "
            f"INCLUDE ({SEARCH_COLUMN}) WHERE NOT deleted"
        )
    conn.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {CHANGE_SEQUENCE} MINVALUE 0 START 0")
    conn.exec_driver_sql(f"SELECT setval('{CHANGE_SEQUENCE}', 0, true)")
    # The owner could drop it, but no use case of the app can rewrite history.
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION khdesk_audit_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'khdesk: the audit log is append-only'; END $$"
    )
    for table in APPEND_ONLY:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION khdesk_audit_append_only()"
        )
    group = staff_role(conn)
    exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,)).first()
    if not exists:
        conn.exec_driver_sql(f"CREATE ROLE {_ident(conn, group)} NOLOGIN")


def grant_staff(conn) -> None:
    """Staff may read and write the tables, never rewrite the audit log nor the schema
    version; run again after every migration (new tables)."""
    group = _ident(conn, staff_role(conn))
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {group}")
    conn.exec_driver_sql(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {group}"
    )
    conn.exec_driver_sql(
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {group}"
    )
    for table in (*APPEND_ONLY, "alembic_version"):
        conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {group}")
    conn.exec_driver_sql(f"REVOKE INSERT ON alembic_version FROM {group}")


def create_staff_login(conn, name: str, password: str) -> None:
    """A staff member's own PostgreSQL role, member of the staff group (needs CREATEROLE).
    An existing role (a former staff member coming back) is given login and the password."""
    # psycopg (~0.1 s) loads only for the server's staff logins
    from psycopg import sql

    check_role_name(name)
    group = staff_role(conn)
    raw = conn.connection.driver_connection
    exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).first()
    verb = "ALTER" if exists else "CREATE"
    try:
        raw.execute(
            sql.SQL(f"{verb} ROLE {{}} LOGIN PASSWORD {{}}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
        raw.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name)))
    except Exception as exc:
        if "permission denied" in str(exc) or "must have CREATEROLE" in str(exc):
            raise AccessDenied(
                "Tài khoản PostgreSQL đang dùng không có quyền tạo người dùng (CREATEROLE): "
                "nhờ quản trị máy chủ tạo, hoặc đăng nhập bằng tài khoản chủ hồ sơ."
            ) from exc
        raise


def set_login_password(conn, name: str, password: str) -> None:
    # psycopg: as above
    from psycopg import sql

    conn.connection.driver_connection.execute(
        sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password))
    )


def disable_login(conn, name: str) -> None:
    """The role stays (the audit log names it) but can no longer sign in."""
    # psycopg: as above
    from psycopg import sql

    conn.connection.driver_connection.execute(
        sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(name))
    )


# -- search: a folded document per row and a trigram index over it --


def search_document(expr: str, table: str) -> str:
    """The row's folded text with every run of non-alphanumerics as one space and a
    leading space, so that "starts a word" is LIKE '% word%' (FTS5's tokens and prefixes)."""
    return f"(' ' || regexp_replace({expr.format(r=table)}, '[^a-z0-9]+', ' ', 'g'))"


def word_patterns(words: list[str]) -> dict[str, str]:
    # Words hold only letters and digits (fts_match_expression's split): nothing to escape.
    return {f"w{i}": f"% {w}%" for i, w in enumerate(words)}


def search_sql(words: list[str], *, driver: bool = False) -> tuple[str, dict]:
    """The condition "every word starts a word of the row" and its parameters: `:w0`
    for SQLAlchemy's text(), `%(w0)s` for the driver's own cursor (`driver=True`)."""
    params = word_patterns(words)
    mark = "%({})s" if driver else ":{}"
    where = " AND ".join(f"{SEARCH_COLUMN} LIKE {mark.format(name)}" for name in params)
    return where, params


def lock_key(name: str) -> int:
    """A stable 31-bit key for a named lock (pg_advisory_xact_lock takes a bigint)."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def lock(conn, key: int, *, shared: bool = False) -> None:
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    conn.execute(text(f"SELECT {fn}(:k)"), {"k": key})


def next_change(conn) -> int:
    lock(conn, LOCK_CHANGES, shared=True)
    return conn.exec_driver_sql(f"SELECT nextval('{CHANGE_SEQUENCE}')").scalar()


def last_change(conn) -> int:
    return conn.exec_driver_sql(f"SELECT last_value FROM {CHANGE_SEQUENCE}").scalar()


def settled_change(conn) -> int:
    """The counter below which no open transaction can still add a change: waits for the
    writers in flight (they hold the lock shared) and holds new ones off until this
    transaction ends."""
    lock(conn, LOCK_CHANGES)
    return last_change(conn)
