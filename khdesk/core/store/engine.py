"""The one adapter for what only SQLite/SQLCipher has: opening with a raw key, pragmas,
explicit transactions, the FTS5 search index, driver-level bulk writes. Each piece checks
the dialect and hands PostgreSQL (the province tier) to its twin in postgres.py; everything
else in the store is portable SQLAlchemy Core.
"""

from __future__ import annotations

import functools
import logging
from operator import itemgetter
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Date,
    Engine,
    bindparam,
    create_engine,
    event,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.pool import QueuePool

from khdesk.core.errors import AccessDenied, ProfileError
from khdesk.core.store import postgres, sqlcipher
from khdesk.core.store.schema import metadata
from khdesk.core.store.sql import as_date  # noqa: F401 - re-exported: one reading of dates

log = logging.getLogger(__name__)

# Tables with a folded search column and the FTS5 index kept over it by triggers.
SEARCHABLE = {
    "candidates": "{r}.name_folded || ' ' || coalesce({r}.cccd, '') || ' ' || lower({r}.file_code)",
    "members": "{r}.name_folded || ' ' || coalesce({r}.cccd, '') || ' ' || lower({r}.member_code)",
}


# The columns the search text is made of: only their changes touch the index.
SEARCH_COLUMNS = {
    "candidates": ("name_folded", "cccd", "file_code"),
    "members": ("name_folded", "cccd", "member_code"),
}


def open_sqlcipher(db_path: Path, key: bytes) -> Engine:
    """An engine over an SQLCipher file opened with the raw 256-bit key (sqlcipher.py)."""

    def connect():
        return sqlcipher.connect(db_path, key)

    # A small pool keeps connections, and so their decrypted page caches, warm between
    # use cases (a cold cache made a search five times slower); each connection serves
    # one thread at a time, and Store.dispose() closes them all.
    engine = create_engine(
        "sqlite://", creator=connect, poolclass=QueuePool, pool_size=2, max_overflow=6
    )

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # The driver runs in autocommit; we open the transaction ourselves so that reads
        # and writes of a use case share it. Writers take the write lock up front.
        if conn.get_execution_options().get("khdesk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def check_open(engine: Engine) -> None:
    """Open one connection now so a wrong key fails here, with our message."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except AccessDenied:
        raise
    except Exception as exc:  # pragma: no cover - depends on the damage
        cause = getattr(exc, "orig", None) or exc.__cause__
        if isinstance(cause, AccessDenied):
            raise cause from None
        raise ProfileError(f"Không mở được cơ sở dữ liệu: {exc}") from exc


def is_postgres(conn) -> bool:
    return conn.dialect.name == "postgresql"


def serialize(conn, name: str) -> None:
    """Hold the named lock until the transaction ends: on PostgreSQL, where staff write
    side by side, work on one thing (a sender's bundles) runs one at a time; on SQLite
    writers already do."""
    if is_postgres(conn):
        postgres.lock(conn, postgres.lock_key(name))


def is_transient(exc: BaseException) -> bool:
    """A failure that running the same transaction again can cure: PostgreSQL broke a
    deadlock or a serialization conflict between two staff members' transactions."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01")


def install_search(conn) -> None:
    """On PostgreSQL: the trigram indexes and the rest of the server's parts (postgres.py).

    On SQLite: create the FTS5 indexes over the folded columns and the triggers that keep them.

    There is no insert trigger: a row-by-row FTS5 insert from a trigger is five times
    slower than one INSERT … SELECT after a bulk insert, so new rows reach the index through
    `bulk_insert`, the one way rows are added to a searchable table."""
    if is_postgres(conn):
        postgres.install_server_parts(conn, SEARCHABLE)
        return
    for table, expr in SEARCHABLE.items():
        fts = f"{table}_fts"
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
                "doc, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
            )
        )
        new_expr = expr.format(r="new")
        conn.execute(
            text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_fts_ad AFTER DELETE ON {table} BEGIN "
                f"DELETE FROM {fts} WHERE rowid = old.id; END"
            )
        )
        # Tombstoned rows leave the index, so a search never needs to read the table to
        # skip them (that read was most of a search's time).
        watched = ", ".join((*SEARCH_COLUMNS[table], "deleted"))
        changed = " OR ".join(
            f"old.{c} IS NOT new.{c}" for c in (*SEARCH_COLUMNS[table], "deleted")
        )
        conn.execute(
            text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_fts_au AFTER UPDATE OF {watched} "
                f"ON {table} WHEN {changed} BEGIN DELETE FROM {fts} WHERE rowid = old.id; "
                f"INSERT INTO {fts}(rowid, doc) SELECT new.id, {new_expr} WHERE NOT new.deleted; "
                "END"
            )
        )


# The triggers and views of an SQLite database, as SQLite keeps them.
SCHEMA_OBJECTS = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"


@functools.cache
def own_triggers() -> dict[str, str]:
    """The triggers khdesk makes on SQLite (its search index's), name -> SQL as SQLite
    keeps it: made once in memory the way a new profile makes them."""
    import sqlcipher3  # the driver profiles use (its SQLite, its FTS5)

    engine = create_engine("sqlite://", module=sqlcipher3.dbapi2)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            install_search(conn)
            return {name: sql for kind, name, sql in conn.execute(text(SCHEMA_OBJECTS))}
    finally:
        engine.dispose()


def foreign_objects(rows) -> list[str]:
    """The names, among `rows` (type, name, sql) of SCHEMA_OBJECTS, of the triggers and
    views khdesk did not make: one would run on every later write (erase audit entries
    as they are written, change what is recorded)."""
    own = own_triggers()
    return sorted(name for kind, name, sql in rows if kind != "trigger" or own.get(name) != sql)


def query_words(folded_query: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in folded_query).split() if w]


def fts_match_expression(folded_query: str) -> str | None:
    """Word-prefix FTS5 query: every word of the query must start a word of the row."""
    words = query_words(folded_query)
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words)


def match_clause(table, folded_query: str):
    """A WHERE clause for "every word of the query starts a word of the row" (live rows),
    to combine with other filters; None for an empty query."""
    words = query_words(folded_query)
    return _MatchClause(table, words) if words else None


class _MatchClause:
    """Compiled per dialect when used: FTS5 MATCH on SQLite, trigram LIKEs on PostgreSQL."""

    def __init__(self, table, words: list[str]):
        self.table, self.words = table, words

    def for_conn(self, conn):
        if is_postgres(conn):
            where, params = postgres.search_sql(self.words)
            return text(f"NOT deleted AND {where}").bindparams(**params)
        fts = f"{self.table.name}_fts"
        expr = " AND ".join(f'"{w}"*' for w in self.words)
        matches = (
            select(literal_column("rowid"))
            .select_from(text(fts))
            .where(text(f"{fts} MATCH :q").bindparams(q=expr))
        )
        return self.table.c.id.in_(matches)


def match_ids(conn, table, folded_query: str) -> list[int]:
    """Ids of the live rows matching the query, in no particular order (through the
    driver: a list filter re-runs this on every keystroke)."""
    words = query_words(folded_query)
    if not words:
        return []
    cursor = conn.connection.cursor()
    try:
        if is_postgres(conn):
            where, params = postgres.search_sql(words, driver=True)
            cursor.execute(f"SELECT id FROM {table.name} WHERE NOT deleted AND {where}", params)
        else:
            fts = f"{table.name}_fts"
            expr = " AND ".join(f'"{w}"*' for w in words)
            cursor.execute(f"SELECT rowid FROM {fts} WHERE {fts} MATCH ?", (expr,))
        return [r[0] for r in cursor.fetchall()]
    finally:
        cursor.close()


_FEW_MATCHES = 1500
_WALK_SPAN = 5_000  # PostgreSQL: names walked for a page before asking the trigram index
_WALK_SPAN_MAX = 30_000  # …and at most, when the first walk found some


def search_ids(
    conn, table, folded_query: str, *, limit: int | None = None, equal: dict | None = None
) -> list[int] | None:
    """Ids of the live rows matching the query, in name order (None: an empty query).
    `equal` adds column = value filters.

    Walks the name index (it holds the row id: no table read) and probes the set of
    matches, so a broad query ("ng") costs a scan of one index instead of reading and
    sorting thousands of rows, and a LIMIT stops it early."""
    expr = fts_match_expression(folded_query)
    if expr is None:
        return None
    params: dict = {"q": expr}
    where = ""
    for i, (column, value) in enumerate((equal or {}).items()):
        where += f" AND {table.c[column].name} = :v{i}"
        params[f"v{i}"] = value
    if is_postgres(conn):
        match, words = postgres.search_sql(query_words(folded_query))
        params.update(words)
        order = (
            f"SELECT id FROM {table.name} WHERE NOT deleted AND {match}{where} "
            "ORDER BY sort_key, id"
        )
        if limit is None:
            return [r[0] for r in conn.execute(text(order), params)]
        # A page of names in order. First walk the first names of the name index (it
        # holds the search text: no table read) — a common word fills the page there;
        # else take every match from the trigram index and sort those. (The server's own
        # choice goes badly wrong for a word common in one part of the alphabet only.)
        walk = (
            f"SELECT id FROM (SELECT id, sort_key, {postgres.SEARCH_COLUMN} "
            f"FROM {table.name} WHERE NOT deleted{where} ORDER BY sort_key, id LIMIT :span) w "
            f"WHERE {match} ORDER BY sort_key, id LIMIT :n"
        )
        params["n"] = limit
        found = [r[0] for r in conn.execute(text(walk), {**params, "span": _WALK_SPAN})]
        if found and len(found) < limit:
            # A fair share of the names match, just not a page in the first walk: walk on
            # as far as that share says a page needs, if that is still cheaper.
            span = _WALK_SPAN * limit * 5 // (len(found) * 4)
            if span <= _WALK_SPAN_MAX:
                found = [r[0] for r in conn.execute(text(walk), {**params, "span": span})]
        if len(found) == limit:
            return found
        matches = f"WITH m AS MATERIALIZED ({order}) SELECT id FROM m LIMIT :n"
        return [r[0] for r in conn.execute(text(matches), params)]
    fts = f"{table.name}_fts"
    walk_index = f"INDEXED BY ix_{table.name}_sort_key"
    if limit is not None:
        # Few matches: reading and sorting them beats walking the whole name index.
        count = conn.execute(text(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH :q"), params)
        if count.scalar() <= _FEW_MATCHES:
            walk_index = ""
    sql = (
        f"SELECT id FROM {table.name} {walk_index} "
        f"WHERE id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :q)"
        f"{where} ORDER BY sort_key"
    )
    if limit is not None:
        sql += " LIMIT :n"
        params["n"] = limit
    return [r[0] for r in conn.execute(text(sql), params)]


_CONVERTED: dict[tuple, tuple[list[int], list[int]]] = {}


def _converted(table, columns: list[str]) -> tuple[list[int], list[int]]:
    """Positions of the Date and Boolean columns among `columns` (worked out once: a
    bundle's merge makes a dozen small writes)."""
    shape = (table, tuple(columns))
    found = _CONVERTED.get(shape)
    if found is None:
        dates = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Date)]
        bools = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Boolean)]
        found = _CONVERTED[shape] = (dates, bools)
    return found


def _driver_params(table, columns: list[str], rows) -> list[tuple]:
    """Row values as the SQLite driver takes them: SQLAlchemy stores Date as 'YYYY-MM-DD'
    text and Boolean as 0/1 in SQLite; the same here."""
    dates, bools = _converted(table, columns)
    pick = itemgetter(*columns)
    if not dates and not bools and len(columns) > 1:
        return [pick(row) for row in rows]
    params = []
    for row in rows:
        values = list(pick(row)) if len(columns) > 1 else [pick(row)]
        for i in dates:
            if values[i] is not None:
                values[i] = values[i].isoformat()
        for i in bools:
            if values[i] is not None:
                values[i] = int(values[i])
        params.append(tuple(values))
    return params


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """Insert many rows at once. On SQLite the driver's executemany takes plain tuples,
    skipping SQLAlchemy's per-row parameter processing (a fifth of an import's time);
    elsewhere it is a plain Core executemany."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    params = _driver_params(table, columns, rows)
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
    expr = SEARCHABLE.get(table.name)
    if expr is None:
        conn.exec_driver_sql(sql, params)
        return
    # Read through the driver: same transaction, without SQLAlchemy's per-statement work.
    driver = conn.connection.driver_connection
    last_id = driver.execute(f"SELECT coalesce(max(id), 0) FROM {table.name}").fetchone()[0]
    conn.exec_driver_sql(sql, params)
    conn.exec_driver_sql(
        f"INSERT INTO {table.name}_fts(rowid, doc) "
        f"SELECT id, {expr.format(r=table.name)} FROM {table.name} "
        "WHERE id > ? AND NOT deleted",
        (last_id,),
    )


def bulk_update(conn, table, rows: list[tuple[int, dict]], stamp: dict) -> None:
    """Update many records by id, all with the same columns: the values given, the
    revision + 1 and the `stamp` (updated_by, updated_at, change_seq)."""
    if not rows:
        return
    columns = list(rows[0][1])
    if conn.dialect.name != "sqlite":
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(**{c: bindparam(c) for c in columns}, rev=table.c.rev + 1, **stamp)
        )
        conn.execute(stmt, [{"_id": i, **v} for i, v in rows])
        return
    sets = ", ".join(f'"{c}" = ?' for c in columns + list(stamp))
    sql = f"UPDATE {table.name} SET {sets}, rev = rev + 1 WHERE id = ?"
    tail = tuple(stamp.values())
    values = _driver_params(table, columns, (v for _, v in rows))
    conn.exec_driver_sql(sql, [v + tail + (i,) for v, (i, _) in zip(values, rows, strict=True)])


def raw_rows(conn, statement):
    """Rows of a Core SELECT as the driver returns them, skipping SQLAlchemy's per-row
    result processing (for reads of ~100,000 rows). Dates come back as ISO text from
    SQLite and as dates from PostgreSQL: read them with `as_date`."""
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if conn.dialect.paramstyle == "qmark":
        params = tuple(params[name] for name in compiled.positiontup)
    # The DB-API cursor of this connection (same transaction): plain tuples, no Row objects.
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return cursor.fetchall()
    finally:
        cursor.close()


# -- many small reads and writes inside one transaction (a bundle's merge) --

IN_CHUNK = 500  # values per IN (…) list: below SQLite's bound-parameter limit
# An IN list is padded to one of these lengths with NULL (which matches nothing), so
# that a few SQL texts serve every batch and stay in the driver's statement cache.
_IN_SIZES = (1, 4, 16, 64, 128, 256, IN_CHUNK)
_SQL: dict[tuple, str] = {}


def _padded(n: int) -> int:
    return next(size for size in _IN_SIZES if size >= n)


def select_in(
    conn,
    table,
    columns: list[str] | tuple[str, ...],
    key: str,
    values,
    *,
    live: bool = False,
    order_by: str | None = None,
    lock: bool = False,
) -> list[tuple]:
    """The `columns` of the rows of `table` whose `key` is one of `values`, as plain
    tuples, in batches under the bound-parameter limit (`order_by` orders each batch).
    `live`: tombstoned rows left out. `lock`: on PostgreSQL the rows are locked (FOR
    UPDATE) until the transaction ends, so what is decided from them still holds when it
    is written (on SQLite the writer holds the whole database anyway). On SQLite straight
    through the driver, as
    `raw_rows` (dates come back as ISO text, booleans as 0/1): a bundle's merge makes
    dozens of such reads and SQLAlchemy's per-statement work was most of their cost."""
    values = list(values)
    if not values:
        return []
    if conn.dialect.name != "sqlite":
        out: list[tuple] = []
        for start in range(0, len(values), IN_CHUNK):
            query = select(*(table.c[c] for c in columns)).where(
                table.c[key].in_(values[start : start + IN_CHUNK])
            )
            if live:
                query = query.where(table.c.deleted.is_(False))
            if order_by is not None:
                query = query.order_by(table.c[order_by])
            if lock:
                query = query.with_for_update()
            out.extend(tuple(r) for r in conn.execute(query))
        return out
    # The DB-API connection of this Connection: the same transaction.
    driver = conn.connection.driver_connection
    out = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        size = _padded(len(chunk))
        shape = (table.name, tuple(columns), key, size, live, order_by)
        sql = _SQL.get(shape)
        if sql is None:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * size)
            sql = f'SELECT {names} FROM {table.name} WHERE "{key}" IN ({marks})'
            if live:
                sql += " AND NOT deleted"
            if order_by is not None:
                sql += f' ORDER BY "{order_by}"'
            _SQL[shape] = sql
        out.extend(driver.execute(sql, (*chunk, *(None,) * (size - len(chunk)))).fetchall())
    return out


def bulk_set(conn, table, rows: list[dict], key: str = "id") -> None:
    """Set columns of many rows, matched by `key`, to the values given, all rows with the
    same columns: no revision bump and no stamp, unlike `bulk_update` (a merge writes the
    sender's revision). The search index follows through its update trigger."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != key]
    if conn.dialect.name != "sqlite":
        stmt = (
            update(table)
            .where(table.c[key] == bindparam("_key"))
            .values(**{c: bindparam(c) for c in columns})
        )
        conn.execute(stmt, [{"_key": r[key], **{c: r[c] for c in columns}} for r in rows])
        return
    sets = ", ".join(f'"{c}" = ?' for c in columns)
    sql = f'UPDATE {table.name} SET {sets} WHERE "{key}" = ?'
    conn.exec_driver_sql(sql, _driver_params(table, [*columns, key], rows))


_COMPILED: dict[int, tuple] = {}


def prepared_rows(conn, statement, **params) -> list[tuple]:
    """Rows of a Core SELECT built once (at import, its values as `bindparam`s) as plain
    tuples. On SQLite it is compiled once per process and run straight through the
    driver: building, caching and running a statement through SQLAlchemy costs ten times
    what SQLite does for a lookup by key. Values go to the driver as they are, so pass
    text and numbers (no dates, booleans); rows come back as `raw_rows` gives them."""
    if conn.dialect.name != "sqlite":
        return [tuple(r) for r in conn.execute(statement, params)]
    entry = _COMPILED.get(id(statement))
    if entry is None:
        compiled = statement.compile(dialect=conn.dialect)
        defaults = {name: bind.value for bind, name in compiled.bind_names.items()}
        # The statement is kept with its SQL so that its id is never reused by another.
        entry = (statement, compiled.string, tuple(compiled.positiontup or ()), defaults)
        _COMPILED[id(statement)] = entry
    _, sql, names, defaults = entry
    values = tuple(params[n] if n in params else defaults[n] for n in names)
    return conn.connection.driver_connection.execute(sql, values).fetchall()
