"""Export the profile's data as the template (every sheet, the history included), so that
export → import → export gives the same workbook."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import Connection, select

from khdesk.core.domain import pipeline as pl
from khdesk.core.domain import template as tpl
from khdesk.core.io.tabular import write_tables
from khdesk.core.progress import CancelToken, ProgressReport, no_progress, step
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t

_TABLE_BY_SHEET = {
    "orgs": (t.orgs, (t.orgs.c.code,)),
    "plans": (t.plans, (t.plans.c.org_code, t.plans.c.plan_key)),
    "members": (t.members, (t.members.c.org_code, t.members.c.sort_key, t.members.c.member_code)),
    "member_records": (t.member_records, (t.member_records.c.member_code, t.member_records.c.year)),
    "ratings": (t.ratings, (t.ratings.c.member_code, t.ratings.c.year)),
    "private_units": (t.private_units, (t.private_units.c.org_code, t.private_units.c.name_folded)),
}


def collect_tables(conn: Connection) -> dict[str, list[dict]]:
    """Every template sheet's rows from the database, in a stable order."""
    out: dict[str, list[dict]] = {}
    for key, (table, order) in _TABLE_BY_SHEET.items():
        sheet = tpl.SHEETS_BY_KEY[key]
        rows = conn.execute(select(table).where(table.c.deleted.is_(False)).order_by(*order))
        out[key] = [{c.key: r._mapping[c.key] for c in sheet.columns} for r in rows]
    steps_by_file: dict[str, list] = defaultdict(list)
    for r in conn.execute(
        select(t.steps).where(t.steps.c.deleted.is_(False)).order_by(t.steps.c.seq)
    ).mappings():
        steps_by_file[r["candidate_uuid"]].append(r)
    candidates, history = [], []
    files = conn.execute(
        select(t.candidates)
        .where(t.candidates.c.deleted.is_(False))
        .order_by(t.candidates.c.org_code, t.candidates.c.file_code)
    ).mappings()
    for f in files:
        events = steps_by_file.get(f["uuid"], [])
        row = {c.key: f[c.key] for c in tpl.CANDIDATE_IDENTITY}
        row.update(pipeline_columns(f, events))
        candidates.append(row)
        for e in events:
            history.append(
                {
                    "file_code": f["file_code"],
                    "step_id": e["step_id"],
                    "on": e["on"],
                    "doc_no": e["doc_no"],
                    "official_members": e["official_members"],
                    "votes_for": e["votes_for"],
                    "result": pl.RESULT_LABELS[pl.Result(e["result"])],
                    "note": e["note"],
                }
            )
    out["candidates"] = candidates
    out["steps"] = history
    return out


def pipeline_columns(file_row, events) -> dict:
    """The template's pipeline columns of one file: each step's latest record."""
    stored = {c.name for c in t.candidates.c}
    row = {c.key: file_row[c.key] if c.key in stored else None for c in tpl.CANDIDATE_PIPELINE}
    latest_by_step = {}
    for e in events:  # in recording order: the last one wins
        latest_by_step[e["step_id"]] = e
    for step_id, fields in pl.STEP_COLUMNS.items():
        e = latest_by_step.get(step_id)
        if e is not None:
            for field, column in fields.items():
                row[column] = e[field]
    closing = [e for e in events if e["step_id"] in pl.CLOSED_LABEL_BY_STEP]
    if closing:
        last = closing[-1]
        row["closed"] = pl.CLOSED_LABEL_BY_STEP[last["step_id"]]
        row["closed_on"] = last["on"]
        row["closed_reason"] = last["note"]
    return row


def export_file(
    session: Session,
    path: Path,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, int]:
    """Write the template to `path` (.xlsx, or a folder of CSV). Returns rows per sheet.
    A cancel is heeded before the file is written."""
    session.require_take_out()  # a viewer only with the owner's grant (roles.py)
    with session.store.write(session.user, changes=False) as tx:
        step(progress, cancel, 0, 2, "Đọc dữ liệu…")
        tables = collect_tables(tx.conn)
        step(progress, cancel, 1, 2, f"Ghi '{Path(path).name}'…")
        # Written inside the transaction: the audit entry lands only if the file did.
        write_tables(Path(path), tables)
        tx.audit("export", "workbook", Path(path).name, **{k: len(v) for k, v in tables.items()})
    return {k: len(v) for k, v in tables.items()}
