"""`khdesk db check`: is this database whole and telling the truth?

- SQLCipher's page authentication (every page's HMAC) and SQLite's own integrity check;
- foreign keys;
- the audit log's hash chain;
- at a committee or the province, the histories the stations below reported (FORMAT.md
  §11): a break a cell's report raised stays listed;
- every file's stored state against the state its steps give;
- the search index against the rows it indexes;
- no trigger or view but khdesk's own (one would run unseen on every write).
Each problem is one Vietnamese line; an empty list means all is well.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select, text

from khdesk.core.domain.pipeline import STATE_LABELS, State
from khdesk.core.progress import CancelToken, ProgressReport, no_progress, step
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.engine import SCHEMA_OBJECTS, SEARCHABLE, foreign_objects
from khdesk.core.store.states import state_of
from khdesk.core.store.store import verify_audit
from khdesk.core.sync import history


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        return {"ok": self.ok, "problems": self.problems, "checked": self.checked}


def _pages(conn, report: CheckReport, quick: bool) -> None:
    if not quick:
        for (line,) in conn.exec_driver_sql("PRAGMA cipher_integrity_check").fetchall():
            report.problems.append(f"Trang dữ liệu bị sửa hoặc hỏng: {line}")
    pragma = "quick_check" if quick else "integrity_check"
    rows = [r[0] for r in conn.exec_driver_sql(f"PRAGMA {pragma}").fetchall()]
    if rows != ["ok"]:
        report.problems += [f"Cấu trúc cơ sở dữ liệu hỏng: {r}" for r in rows[:20]]


def _foreign_keys(conn, report: CheckReport) -> None:
    for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
        report.problems.append(
            f"Bảng {table}, dòng {rowid}: trỏ tới bản ghi không còn trong bảng {parent}."
        )


def _states(conn, report: CheckReport) -> None:
    stored = {
        r.uuid: (r.file_code, r.state)
        for r in conn.execute(
            select(t.candidates.c.uuid, t.candidates.c.file_code, t.candidates.c.state).where(
                t.candidates.c.deleted.is_(False)
            )
        )
    }
    steps = defaultdict(list)
    # The columns a state is derived from (a transfer's units play no part: the check
    # also runs on a database an older revision left, before migration 0010).
    c = t.steps.c
    derived_from = (c.candidate_uuid, c.step_id, c.on, c.result, c.doc_no, c.official_members)
    derived_from += (c.votes_for, c.received_on, c.note, c.seq)
    query = select(*derived_from).where(c.deleted.is_(False))
    for row in conn.execute(query).mappings():
        steps[row.candidate_uuid].append(row)
    for uuid, (code, state) in stored.items():
        derived = state_of(steps.get(uuid, []))
        if derived != state:
            shown = STATE_LABELS.get(State(derived), derived) if derived else "—"
            report.problems.append(
                f"Hồ sơ {code}: giai đoạn ghi '{state}' khác giai đoạn suy ra từ các bước "
                f"'{shown}'."
            )
    report.checked["files"] = len(stored)


def _search_index(conn, report: CheckReport) -> None:
    for table in SEARCHABLE:
        live = conn.execute(text(f"SELECT count(*) FROM {table} WHERE NOT deleted")).scalar()
        indexed = conn.execute(text(f"SELECT count(*) FROM {table}_fts")).scalar()
        if live != indexed:
            report.problems.append(
                f"Chỉ mục tìm kiếm của bảng {table} có {indexed} dòng, bảng có {live} dòng "
                "đang dùng: tìm kiếm có thể sót."
            )


def _reported_histories(conn, report: CheckReport) -> None:
    """What the stations below reported upward (FORMAT.md §11): each chain as kept here,
    hashes and links walked again, and every break their reports raised (kept listed)."""
    senders = set(conn.execute(select(t.sync_audit_heads.c.sender_org)).scalars())
    senders |= set(conn.execute(select(t.sync_audit_alerts.c.sender_org)).scalars())
    for sender in sorted(senders):
        check = history.verify_reported(conn, sender)
        report.problems += [f"Nhật ký {sender} đã báo cáo lên: {p}" for p in check.problems]
    if senders:
        report.checked["reported_histories"] = len(senders)


def _own_objects(conn, report: CheckReport) -> None:
    alien = foreign_objects(conn.execute(text(SCHEMA_OBJECTS)).all())
    if alien:
        report.problems.append(
            f"Cơ sở dữ liệu có trigger/view không do khdesk tạo ({', '.join(alien[:5])}): "
            "chúng chạy ẩn mỗi lần ghi (có thể xóa hay sửa nhật ký). Đã bị sửa bằng công cụ "
            "ngoài khdesk."
        )


def list_audit(session: Session, file_code: str | None = None, limit: int = 200) -> list[dict]:
    """The newest audit entries first (of one file when given)."""
    query = select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)
    if file_code:
        query = query.where(t.audit.c.entity_key == file_code)
    with session.store.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def check_database(
    session: Session,
    *,
    quick: bool = False,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> CheckReport:
    """The whole check (`quick`: the cheap start-up one — page structure and the audit
    chain's last entries are skipped in favour of SQLite's quick_check). Reads only."""
    report = CheckReport()
    local = not session.on_server  # the server keeps its own pages, keys and index
    with session.store.read() as conn:
        step(progress, cancel, 0, 3, "Kiểm tra cấu trúc tệp…")
        if local:
            _pages(conn, report, quick)
        if quick:
            return report
        step(progress, cancel, 1, 3, "Kiểm tra nhật ký…")
        if local:
            _foreign_keys(conn, report)
        audit_problems = verify_audit(conn)
        report.problems += audit_problems
        report.checked["audit_entries"] = (
            conn.execute(select(t.audit.c.id).order_by(t.audit.c.id.desc()).limit(1)).scalar() or 0
        )
        step(progress, cancel, 2, 3, "Kiểm tra trạng thái hồ sơ…")
        _states(conn, report)
        _reported_histories(conn, report)
        if local:
            _search_index(conn, report)
            _own_objects(conn, report)
    return report
