"""Bring a database to the schema this app version knows, or refuse one from the future.

A new database: create the tables from schema.py, the search index, stamp the head.
An older one: copy the (encrypted) file aside, then upgrade in one transaction.
A newer one (a revision we do not know): refuse, touching nothing.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from khdesk.core.errors import NewerDatabaseError
from khdesk.core.store import engine as sqlite_adapter
from khdesk.core.store import postgres
from khdesk.core.store.revision import MIGRATIONS, head_from_files
from khdesk.core.store.schema import metadata

log = logging.getLogger(__name__)


def _alembic_config(conn: Connection):
    # alembic (~0.4 s) loads only when a schema must be read or changed, not at each open
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def _script():
    # alembic (~0.4 s) loads only when a schema must be read or changed, not at each open
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def head_revision() -> str:
    return _script().get_current_head()


def known_revisions() -> set[str]:
    """Every schema revision this app version can open (and upgrade from)."""
    return {rev.revision for rev in _script().walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(engine: Engine, db_path: Path | None, backup_dir: Path | None) -> str:
    """Create or upgrade the schema; returns what was done: 'created', 'upgraded', 'current'."""
    # The common case, a database already at the head, without importing Alembic (a
    # quarter of a second of the app's start-up).
    quick_head = head_from_files()
    if quick_head is not None:
        with engine.connect() as conn:
            if current_revision(conn) == quick_head:
                return "current"
    # alembic (~0.4 s) loads only when a schema must be read or changed, not at each open
    from alembic import command

    script = _script()
    head = script.get_current_head()
    with engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            current = current_revision(conn)
            if current is None and not inspect(conn).has_table("meta"):
                metadata.create_all(conn)
                sqlite_adapter.install_search(conn)
                command.stamp(_alembic_config(conn), "head")
                if conn.dialect.name == "postgresql":
                    postgres.grant_staff(conn)
                return "created"
        if current == head:
            return "current"
        if current not in known_revisions():
            raise NewerDatabaseError(
                "Cơ sở dữ liệu này do một phiên bản khdesk mới hơn tạo ra "
                f"(phiên bản lược đồ '{current}'). Hãy cài phiên bản khdesk mới hơn; "
                "dữ liệu không bị thay đổi."
            )
    if db_path is not None and backup_dir is not None:
        backup_before_migration(engine, db_path, backup_dir, current)
    # On PostgreSQL the upgrade is one transaction too (DDL included): all or nothing.
    with engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                _upgrade_on_server(conn, command)
            else:
                command.upgrade(_alembic_config(conn), "head")
    log.info("database upgraded from %s to %s", current, head)
    return "upgraded"


def _upgrade_on_server(conn: Connection, command) -> None:
    """Only the schema's owner may change it; staff then get the new tables' grants."""
    owner = conn.exec_driver_sql(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'meta'"
    ).scalar()
    me = conn.exec_driver_sql("SELECT current_user").scalar()
    if owner != me:
        raise NewerDatabaseError(
            "Cơ sở dữ liệu trên máy chủ cần nâng cấp cho phiên bản khdesk này: người dùng "
            f"'{owner}' (chủ cơ sở dữ liệu) đăng nhập trước để nâng cấp; dữ liệu không bị "
            "thay đổi."
        )
    command.upgrade(_alembic_config(conn), "head")
    postgres.grant_staff(conn)


def backup_before_migration(engine: Engine, db_path: Path, backup_dir: Path, rev: str) -> Path:
    """Checkpoint the WAL into the main file, then copy it (still encrypted) aside."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"truoc-nang-cap-{rev}-{stamp}.db"
    shutil.copy2(db_path, target)
    keys = db_path.parent / "keys.json"
    if keys.exists():  # what opens the copy, even after the database key has changed
        shutil.copy2(keys, target.with_suffix(".keys.json"))
    return target
