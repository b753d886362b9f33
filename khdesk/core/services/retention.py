"""Retention (RULES.md §6): closed files leave the live database after a number of years.

Which files: those whose file is closed — `CHINH_THUC` (admitted; the member's own
dossier lives on with the committee), `XOA_TEN` (struck off) and `DUNG` (stopped) — and
whose closing date (the date of the file's last recorded step) lies `years` or more
before today. RULES.md §6 names retention but fixes no number: the default is
DEFAULT_YEARS, overridable per profile (settings.json `retention_years`) and per run.

Two actions:

- **archive** (the default): the file's records (the candidate row, its steps, its
  attachments and their contents) are copied into `<profile>/archive.db` — an SQLCipher
  database under the profile's own database key, so it is as encrypted as the live one and
  opens with any password of the profile — and then removed from the live tables. An
  archived file can be put back (`restore_archived`). The archive copy is committed
  before the live rows go: a crash in between leaves the file in both places (the next
  run archives it again, replacing the copy), never in neither.
- **purge**: the eligible files are deleted from the live tables and from the archive.
  Only the backups taken before still hold them (and rotation lets those go in time).
  The class rosters' rows of those people (name, birth date, CCCD, certificate: the
  roster's copy, linked by file code) go in the same transaction: nothing personal of a
  purged file stays behind (RULES.md, data protection). An archived file keeps them: it
  may come back.

Sync: retention is a local decision of each station, not an edit of the file. Rows are
removed outright — no tombstone — and the change counter does not move, so nothing is
sent: the upper level keeps its copy and applies its own retention. (A tombstone would
delete the committee's copy of an admitted member's file: not what §6 asks.) If a bundle
later brings a newer version of a removed file, it comes back as a live file; the next
run archives it again.

Every non-dry run first takes a "before-retention" backup; the live removal is one
transaction and writes one audit entry per file (code, state, date — nothing personal)
plus a summary. A dry run lists the same plan and changes nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Column, Date, MetaData, String, Table, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from khdesk.core.domain.roles import Action
from khdesk.core.errors import InputError
from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress, step
from khdesk.core.services import backup
from khdesk.core.services.session import Session, load_settings, settings_path
from khdesk.core.store import schema as t
from khdesk.core.store import swap
from khdesk.core.store.engine import bulk_insert, open_sqlcipher
from khdesk.core.store.store import get_meta, iso, set_meta

CLOSED_STATES = ("CHINH_THUC", "XOA_TEN", "DUNG")
DEFAULT_YEARS = 5
MIN_YEARS = 1
MAX_YEARS = 100
ARCHIVE_FILE = swap.ARCHIVE_NAME  # a rekey (services/rekey.py) re-encrypts it too
SETTING = "retention_years"
# Destructive and not undoable from the app's normal screens: the keepers only.


# The archive database: the same columns as the live tables, plus a register.
_archive_meta = MetaData()
_A_BLOBS = t.blobs.to_metadata(_archive_meta)
_A_CANDIDATES = t.candidates.to_metadata(_archive_meta)
_A_STEPS = t.steps.to_metadata(_archive_meta)
_A_ATTACHMENTS = t.attachments.to_metadata(_archive_meta)
_A_REGISTER = Table(
    "archived",
    _archive_meta,
    Column("uuid", String(36), primary_key=True),
    Column("file_code", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("on", Date, nullable=False),  # the closing date
    Column("at", String(32), nullable=False),  # when archived (ISO UTC)
    Column("user", String(64), nullable=False),  # by whom
)


@dataclass(frozen=True)
class RetentionItem:
    file_code: str
    uuid: str
    state: str
    closed_on: date
    where: str  # "live" or "archive"
    action: str  # "archive" or "purge"

    def as_json(self) -> dict:
        return {
            "file_code": self.file_code,
            "state": self.state,
            "closed_on": self.closed_on.isoformat(),
            "where": self.where,
            "action": self.action,
        }


@dataclass
class RetentionPlan:
    today: date
    years: int
    cutoff: date  # files closed on or before this date are due
    purge: bool
    items: list[RetentionItem] = field(default_factory=list)
    backup_id: str = ""  # the backup taken before a real run
    done: bool = False  # False: a dry run (nothing changed)

    def as_json(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "years": self.years,
            "cutoff": self.cutoff.isoformat(),
            "action": "purge" if self.purge else "archive",
            "done": self.done,
            "backup": self.backup_id,
            "files": [i.as_json() for i in self.items],
        }


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def configured_years(session: Session) -> int:
    """The profile's retention period: in the encrypted database, where only a keeper
    sets it (audited). An older profile kept it in settings.json, plain JSON any user of
    the PC can edit: that value counts only while the database has none, and only when
    it keeps files longer than the default (tampering can never make a run take more)."""
    with session.store.read() as conn:
        stored = _years(get_meta(conn, SETTING))
    if stored is not None:
        return stored
    path = settings_path(session.dir.home, session.dir.name)
    legacy = _years(load_settings(path).get(SETTING))
    return legacy if legacy is not None and legacy > DEFAULT_YEARS else DEFAULT_YEARS


def _years(value: object) -> int | None:
    """A period as stored (an int, or its digits), if it is one a calendar holds."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if MIN_YEARS <= value <= MAX_YEARS else None


def set_configured_years(session: Session, years: int) -> None:
    session.require(Action.RETENTION)
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise InputError(f"Thời hạn lưu giữ phải từ {MIN_YEARS} đến {MAX_YEARS} năm.")
    with session.store.write(session.user, changes=False) as tx:
        set_meta(tx.conn, SETTING, str(int(years)))
        tx.audit("retention_years", "profile", session.org_code, years=int(years))


# -- the archive database --


def archive_path(session: Session) -> Path:
    return session.dir.path / ARCHIVE_FILE


@contextmanager
def _archive(session: Session, create: bool):
    """The archive's engine (None when there is none and `create` is False)."""
    path = archive_path(session)
    if not path.exists() and not create:
        yield None
        return
    engine = open_sqlcipher(path, session.db_key)
    try:
        _archive_meta.create_all(engine)
        _add_new_columns(engine)
        yield engine
    finally:
        engine.dispose()


def _add_new_columns(engine) -> None:
    """An archive made by an older version lacks the columns added to the live tables
    since: add them (empty), so today's rows fit."""
    with engine.begin() as conn:
        for table in _archive_meta.sorted_tables:
            have = {row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{table.name}")')}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.exec_driver_sql(
                        f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
                    )


# -- planning --


def _due_live(session: Session, cutoff: date) -> list[tuple[str, str, str, date]]:
    c, s = t.candidates.c, t.steps.c
    closed_on = (
        select(func.max(s.on))
        .where(s.candidate_uuid == c.uuid, s.deleted.is_(False))
        .scalar_subquery()
    )
    query = (
        select(c.uuid, c.file_code, c.state, closed_on.label("closed_on"))
        .where(c.deleted.is_(False), c.state.in_(CLOSED_STATES))
        .order_by(c.file_code)
    )
    with session.store.read() as conn:
        rows = conn.execute(query).all()
    due = []
    for uuid, code, state, closed in rows:
        if closed is None:
            continue  # no dated step: nothing to count from, left alone
        closed = closed if isinstance(closed, date) else date.fromisoformat(str(closed))
        if closed <= cutoff:
            due.append((uuid, code, state, closed))
    return due


def _due_archived(session: Session, cutoff: date) -> list[tuple[str, str, str, date]]:
    r = _A_REGISTER.c
    with _archive(session, create=False) as engine:
        if engine is None:
            return []
        with engine.connect() as conn:
            rows = conn.execute(
                select(r.uuid, r.file_code, r.state, r.on)
                .where(r.on <= cutoff)
                .order_by(r.file_code)
            ).all()
    return [tuple(row) for row in rows]


def plan_retention(
    session: Session, today: date, years: int | None = None, *, purge: bool = False
) -> RetentionPlan:
    """What a run would do today (reads only)."""
    session.require_local("Lưu trữ hồ sơ cũ")
    years = configured_years(session) if years is None else years
    if years < MIN_YEARS:
        raise InputError(f"Thời hạn lưu giữ phải từ {MIN_YEARS} năm trở lên.")
    cutoff = years_before(today, years)
    plan = RetentionPlan(today, years, cutoff, purge)
    action = "purge" if purge else "archive"
    for uuid, code, state, closed in _due_live(session, cutoff):
        plan.items.append(RetentionItem(code, uuid, state, closed, "live", action))
    if purge:
        for uuid, code, state, closed in _due_archived(session, cutoff):
            plan.items.append(RetentionItem(code, uuid, state, closed, "archive", "purge"))
    return plan


# -- running --


def _rows(conn, table, column, values: list[str]) -> list[dict]:
    found: list[dict] = []
    for i in range(0, len(values), 500):
        chunk = values[i : i + 500]
        found += [dict(r) for r in conn.execute(select(table).where(column.in_(chunk))).mappings()]
    return found


def _copy_to_archive(session: Session, items: list[RetentionItem], now: str) -> None:
    uuids = [i.uuid for i in items]
    with session.store.read() as conn:
        candidates = _rows(conn, t.candidates, t.candidates.c.uuid, uuids)
        steps = _rows(conn, t.steps, t.steps.c.candidate_uuid, uuids)
        attachments = _rows(conn, t.attachments, t.attachments.c.candidate_uuid, uuids)
        hashes = sorted({a["sha256"] for a in attachments})
        blobs = _rows(conn, t.blobs, t.blobs.c.sha256, hashes)
    for row in (*candidates, *steps, *attachments):
        row.pop("id")  # row ids are each database's own; the uuid is the identity
    with _archive(session, create=True) as engine, engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        for i in items:  # a file archived before (and come back since) is replaced
            conn.execute(
                _A_CANDIDATES.delete().where(
                    (_A_CANDIDATES.c.uuid == i.uuid) | (_A_CANDIDATES.c.file_code == i.file_code)
                )
            )
            conn.execute(_A_STEPS.delete().where(_A_STEPS.c.candidate_uuid == i.uuid))
            conn.execute(_A_ATTACHMENTS.delete().where(_A_ATTACHMENTS.c.candidate_uuid == i.uuid))
            conn.execute(_A_REGISTER.delete().where(_A_REGISTER.c.uuid == i.uuid))
        if blobs:
            conn.execute(sqlite_insert(_A_BLOBS).on_conflict_do_nothing(), blobs)
        for table, rows in ((_A_CANDIDATES, candidates), (_A_STEPS, steps)):
            if rows:
                conn.execute(table.insert(), rows)
        if attachments:
            conn.execute(_A_ATTACHMENTS.insert(), attachments)
        conn.execute(
            _A_REGISTER.insert(),
            [
                {
                    "uuid": i.uuid,
                    "file_code": i.file_code,
                    "state": i.state,
                    "on": i.closed_on,
                    "at": now,
                    "user": session.user,
                }
                for i in items
            ],
        )


def _delete_live(conn, uuids: list[str]) -> None:
    for i in range(0, len(uuids), 500):
        chunk = uuids[i : i + 500]
        conn.execute(t.attachments.delete().where(t.attachments.c.candidate_uuid.in_(chunk)))
        conn.execute(t.steps.delete().where(t.steps.c.candidate_uuid.in_(chunk)))
        conn.execute(t.candidates.delete().where(t.candidates.c.uuid.in_(chunk)))
    # Contents no longer referenced by any attachment go too (they are the documents).
    used = select(t.attachments.c.sha256)
    conn.execute(t.blobs.delete().where(t.blobs.c.sha256.not_in(used)))


def _forget_participants(conn, file_codes: list[str]) -> int:
    """Remove the class participants linked to purged files; returns how many."""
    gone = 0
    for i in range(0, len(file_codes), 500):
        chunk = file_codes[i : i + 500]
        gone += conn.execute(
            t.class_participants.delete().where(t.class_participants.c.file_code.in_(chunk))
        ).rowcount
    return gone


def _delete_archived(session: Session, uuids: list[str]) -> None:
    with _archive(session, create=False) as engine:
        if engine is None:
            return
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            for i in range(0, len(uuids), 500):
                chunk = uuids[i : i + 500]
                conn.execute(
                    _A_ATTACHMENTS.delete().where(_A_ATTACHMENTS.c.candidate_uuid.in_(chunk))
                )
                conn.execute(_A_STEPS.delete().where(_A_STEPS.c.candidate_uuid.in_(chunk)))
                conn.execute(_A_CANDIDATES.delete().where(_A_CANDIDATES.c.uuid.in_(chunk)))
                conn.execute(_A_REGISTER.delete().where(_A_REGISTER.c.uuid.in_(chunk)))
            conn.execute(
                _A_BLOBS.delete().where(_A_BLOBS.c.sha256.not_in(select(_A_ATTACHMENTS.c.sha256)))
            )
        raw = engine.raw_connection()  # VACUUM cannot run inside a transaction
        try:
            raw.execute("VACUUM")  # purged means gone from the file's free pages too
        finally:
            raw.close()


def run_retention(
    session: Session,
    today: date,
    years: int | None = None,
    *,
    purge: bool = False,
    dry_run: bool = False,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> RetentionPlan:
    """Plan, and unless `dry_run`, back up then archive (or purge) the files due.
    A cancel is heeded until the backup is written, not once files start moving."""
    if not dry_run:
        session.require(Action.RETENTION)
    plan = plan_retention(session, today, years, purge=purge)
    if dry_run or not plan.items:
        return plan

    step(progress, cancel, 0, 3, "Đang sao lưu trước khi làm…")
    action = "xóa hẳn" if purge else "lưu trữ"
    info = backup.create_backup(
        session, "before-retention", note=f"{action} {len(plan.items)} hồ sơ đã đóng"
    )
    step(progress, cancel, 1, 3, "Đã sao lưu.")  # the last point where a cancel is heeded
    plan.backup_id = info.id
    live = [i for i in plan.items if i.where == "live"]
    now = session.store.clock()
    if live and not purge:
        progress(Progress(1, 3, "Đang chép hồ sơ vào kho lưu trữ…"))

        _copy_to_archive(session, live, iso(now))
    progress(Progress(2, 3, "Đang gỡ hồ sơ khỏi dữ liệu đang dùng…"))
    audit_action = "retention_purge" if purge else "retention_archive"
    # changes=False: a local housekeeping step, not an edit to send (see the docstring).
    with session.store.write(session.user, changes=False) as tx:
        _delete_live(tx.conn, [i.uuid for i in live])
        roster_rows = (
            _forget_participants(tx.conn, [i.file_code for i in plan.items]) if purge else 0
        )
        for i in plan.items:
            tx.audit(
                audit_action,
                "file",
                i.file_code,
                state=i.state,
                closed_on=i.closed_on.isoformat(),
                where=i.where,
            )
        tx.audit(
            "retention_run",
            "retention",
            None,
            mode="purge" if purge else "archive",
            years=plan.years,
            cutoff=plan.cutoff.isoformat(),
            files=len(plan.items),
            roster_rows=roster_rows,
            backup=info.id,
        )
    if purge:
        _delete_archived(session, [i.uuid for i in plan.items])
    progress(Progress(3, 3, "Xong."))
    plan.done = True
    return plan


# -- the archive's contents --


def list_archived(session: Session) -> list[dict]:
    """The archived files (code, state, closing date, when and by whom), by file code."""
    r = _A_REGISTER.c
    with _archive(session, create=False) as engine:
        if engine is None:
            return []
        with engine.connect() as conn:
            rows = conn.execute(select(_A_REGISTER).order_by(r.file_code)).mappings().all()
    return [
        {
            "file_code": row["file_code"],
            "state": row["state"],
            "closed_on": row["on"].isoformat(),
            "archived_at": row["at"],
            "archived_by": row["user"],
        }
        for row in rows
    ]


def restore_archived(session: Session, file_code: str) -> None:
    """Put an archived file back into the live tables (one transaction, audited)."""
    session.require_local("Lưu trữ hồ sơ cũ")
    session.require(Action.RETENTION)
    r = _A_REGISTER.c
    with _archive(session, create=False) as engine:
        if engine is None:
            raise InputError("Chưa có hồ sơ nào được lưu trữ.")
        with engine.connect() as conn:
            uuid = conn.execute(select(r.uuid).where(r.file_code == file_code)).scalar()
            if uuid is None:
                raise InputError(f"Không có hồ sơ '{file_code}' trong kho lưu trữ.")
            candidates = _rows(conn, _A_CANDIDATES, _A_CANDIDATES.c.uuid, [uuid])
            steps = _rows(conn, _A_STEPS, _A_STEPS.c.candidate_uuid, [uuid])
            attachments = _rows(conn, _A_ATTACHMENTS, _A_ATTACHMENTS.c.candidate_uuid, [uuid])
            blobs = _rows(conn, _A_BLOBS, _A_BLOBS.c.sha256, [a["sha256"] for a in attachments])
    with session.store.write(session.user, changes=False) as tx:
        taken = tx.conn.execute(
            select(t.candidates.c.id).where(
                (t.candidates.c.file_code == file_code) | (t.candidates.c.uuid == uuid)
            )
        ).first()
        if taken:
            raise InputError(
                f"Dữ liệu đang dùng đã có hồ sơ mã '{file_code}': không đưa bản lưu trữ về được."
            )
        if blobs:
            tx.conn.execute(sqlite_insert(t.blobs).on_conflict_do_nothing(), blobs)
        # Only the live tables' columns (an old archive may hold one dropped since); row
        # ids are each database's own.
        for table, rows in (
            (t.candidates, candidates),
            (t.steps, steps),
            (t.attachments, attachments),
        ):
            for i, row in enumerate(rows):
                rows[i] = {k: v for k, v in row.items() if k in table.c and k != "id"}
        bulk_insert(tx.conn, t.candidates, candidates)  # the one way that feeds the search
        if steps:
            tx.conn.execute(t.steps.insert(), steps)
        if attachments:
            tx.conn.execute(t.attachments.insert(), attachments)
        tx.audit("retention_restore", "file", file_code)
    _delete_archived(session, [uuid])
