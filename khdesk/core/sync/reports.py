"""Decisions a cell reports, at both ends of the bundle (issue 17 "one truth").

A cell types its committee's decisions (A9, A10, P4, P5, XOA_TEN) from the paper copies
it holds. Those records are the cell's own, so by the write-scope rule (one writer per
record, FORMAT.md §8.1) they never become the committee's steps. They travel up in the
cell's ordinary bundle as *reports*:

- at the committee (`take`): kept in `decision_reports`, pending, until the committee
  confirms one (recording its own step: services/decisions.py) or dismisses it. A replay
  or a re-sent version updates the same report (by uuid) while it is pending; the cell's
  tombstone withdraws it. Nothing else changes;
- at the cell (`supersede`): when the committee's own decision arrives for a file holding
  the cell's paper copy of that step (same result), the copy becomes a tombstone, so the
  file holds one decision and the cell's next bundle reports nothing new.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, func, select, update

from khdesk.core.domain.scope import COMMITTEE_STEPS
from khdesk.core.store import schema as t
from khdesk.core.store.engine import select_in
from khdesk.core.store.states import restate
from khdesk.core.store.store import WriteTx
from khdesk.core.sync.errors import BundleError
from khdesk.core.sync.merge import TableCounts

TABLE = "decision_reports"  # its key in a bundle report's `applied`
PENDING, CONFIRMED, DISMISSED, WITHDRAWN = "pending", "confirmed", "dismissed", "withdrawn"
STATUS_LABELS = {
    PENDING: "chờ xác nhận",
    CONFIRMED: "đã xác nhận",
    DISMISSED: "không xác nhận",
    WITHDRAWN: "chi bộ đã rút",
}
# The most reports one cell may have waiting here: a cell of a hundred files with every
# decision of each typed from paper stays far below it; a flood does not.
MAX_PENDING = 2000
_VALUES = ("candidate_uuid", "step_id", "on", "result", "doc_no", "official_members")
_VALUES += ("votes_for", "note", "received_on", "seq")


def check_flood(conn: Connection, sender: str, reports: list[dict]) -> None:
    """Refuses (BundleError `too_many_reports`) a bundle that would leave more than
    MAX_PENDING reports of `sender` waiting here."""
    if not reports:
        return
    stored = dict(
        select_in(
            conn, t.decision_reports, ("uuid", "status"), "uuid", [v["uuid"] for v in reports]
        )
    )
    new = sum(1 for v in reports if not v["deleted"] and v["uuid"] not in stored)
    waiting = conn.execute(
        select(func.count())
        .select_from(t.decision_reports)
        .where(
            t.decision_reports.c.sender_org == sender,
            t.decision_reports.c.status == PENDING,
        )
    ).scalar()
    if waiting + new > MAX_PENDING:
        raise BundleError(
            "too_many_reports",
            f"Gói của {sender} báo lên {new} quyết định mới trong khi đã có {waiting} quyết "
            f"định chờ xác nhận: quá {MAX_PENDING}, không nhận cả gói. Hãy xác nhận hoặc không "
            "xác nhận các quyết định đang chờ, hoặc liên hệ chi bộ.",
        )


def take(tx: WriteTx, sender: str, reports: list[dict]) -> TableCounts:
    """The reports of a bundle `sender` sent (checked by the scope rule) into the list."""
    counts = TableCounts()
    if not reports:
        return counts
    conn = tx.conn
    stored = {
        r[0]: r
        for r in select_in(
            conn,
            t.decision_reports,
            ("uuid", "rev", "status"),
            "uuid",
            [v["uuid"] for v in reports],
        )
    }
    for v in reports:
        old = stored.get(v["uuid"])
        if old is None:
            if v["deleted"]:
                counts.unchanged += 1  # withdrawn before it was ever reported
                continue
            conn.execute(
                t.decision_reports.insert().values(
                    uuid=v["uuid"],
                    rev=v["rev"],
                    sender_org=sender,
                    reported_at=tx.now,
                    status=PENDING,
                    **{k: v.get(k) for k in _VALUES},
                )
            )
            counts.added += 1
            continue
        _, rev, status = old
        if status != PENDING or v["rev"] <= rev:
            counts.unchanged += 1  # decided here already, or a replay / an older version
            continue
        values = {"rev": v["rev"], "reported_at": tx.now}
        if v["deleted"]:
            values.update(status=WITHDRAWN, decided_at=tx.now, decided_by=sender)
        else:
            values.update({k: v.get(k) for k in _VALUES})
        conn.execute(
            update(t.decision_reports).where(t.decision_reports.c.uuid == v["uuid"]).values(values)
        )
        counts.updated += 1
    return counts


def supersede(tx: WriteTx, home_org: str, sender: str, steps: list[dict]) -> dict[str, str]:
    """The cell's paper copies replaced by the committee's decisions this bundle brought
    (`steps`: its step records): each live step this station owns of the same file, kind
    and result becomes a tombstone (the next bundle up withdraws its report, if any).
    Returns file code -> the steps superseded, for the audit and the report."""
    decided = {
        (v["candidate_uuid"], v["step_id"], v["result"])
        for v in steps
        if not v["deleted"] and v["owner"] == sender and v["step_id"] in COMMITTEE_STEPS
    }
    if not decided:
        return {}
    s = t.steps.c
    rows = select_in(
        tx.conn,
        t.steps,
        ("uuid", "candidate_uuid", "step_id", "result", "owner"),
        "candidate_uuid",
        sorted({f for f, _, _ in decided}),
        live=True,
    )
    copies = [
        (uuid, file, step)
        for uuid, file, step, result, owner in rows
        if owner == home_org and (file, step, result) in decided
    ]
    if not copies:
        return {}
    by_file: dict[str, list[str]] = defaultdict(list)
    for uuid, file, step in copies:
        tx.conn.execute(
            update(t.steps).where(s.uuid == uuid).values(deleted=True, **tx.changed(t.steps))
        )
        by_file[file].append(step)
    codes = dict(select_in(tx.conn, t.candidates, ("uuid", "file_code"), "uuid", sorted(by_file)))
    out = {}
    for file, kinds in sorted(by_file.items()):
        restate(tx.conn, file)
        code = codes.get(file, file)
        out[code] = ", ".join(sorted(kinds))
        tx.audit("supersede_step", "candidate", code, steps=sorted(kinds), by=sender)
    return out
