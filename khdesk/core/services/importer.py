"""Import a workbook (or a folder of CSV files) into the open profile.

One transaction for the whole import; `--dry-run` runs it all and rolls back. Each row is
matched to an existing record by its natural key (file code, member code, org code…):
an equal row changes nothing, a different one updates the record (revision + 1), a new one
is added. Bad cells and rows outside this profile's reach are reported and skipped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update

from khdesk.core.domain import pipeline as pl
from khdesk.core.domain import template as tpl
from khdesk.core.domain.roles import Action
from khdesk.core.domain.scope import (
    staff_org_problem,
    staff_record_problem,
    staff_unit_problem,
)
from khdesk.core.errors import CellProblem
from khdesk.core.io.column_map import ColumnMap
from khdesk.core.io.tabular import read_tables
from khdesk.core.progress import CancelToken, ProgressReport, no_progress, step
from khdesk.core.services import column_maps
from khdesk.core.services.backup import create_backup
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.engine import bulk_insert, bulk_update, raw_rows
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.states import save_states
from khdesk.core.store.store import WriteTx, append_audit_many, new_uuid
from khdesk.core.text import fold, name_sort_key


@dataclass
class SheetCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    counts: dict[str, SheetCounts] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)
    committed: bool = False
    # Sheet key -> how its columns were mapped: "given" (--map, the wizard) or "remembered".
    mapped: dict[str, str] = field(default_factory=dict)

    def sheet(self, key: str) -> SheetCounts:
        return self.counts.setdefault(key, SheetCounts())

    @property
    def rows(self) -> int:
        return sum(c.added + c.updated + c.unchanged + c.skipped for c in self.counts.values())

    @property
    def changed(self) -> int:
        return sum(c.added + c.updated for c in self.counts.values())

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "sheets": {k: v.as_dict() for k, v in self.counts.items()},
            "problems": [p.as_dict() for p in self.problems],
            "mapped": dict(self.mapped),
        }


class _Rollback(Exception):
    pass


def import_file(
    session: Session,
    path: Path,
    *,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
    column_map: ColumnMap | None = None,
) -> ImportReport:
    """Import a workbook or CSV folder (see TEMPLATE.md). A real import is preceded by
    an encrypted backup, so a wrong file can be undone with `backup restore`.
    A cancel while reading or between sheets leaves the database as it was.

    `column_map` maps an office's own sheet names and headers to the template's
    (column_map.py; checked strictly against the file's); a sheet it does not name is
    read through the map remembered for its header set (or its name), if any. A given
    map is remembered once imported."""
    # Who may import is asked before anything is read or backed up: a refused import
    # leaves no trace but its refusal.
    session.require(Action.IMPORT)
    chooser = column_maps.chooser(session, column_map)
    # within the caps of io/limits.py
    tables = read_tables(Path(path), progress=progress, cancel=cancel, chooser=chooser)
    chooser.check_sheets()  # a given sheet name the file lacks: refused, nothing written
    if not dry_run:
        step(progress, cancel, 0, 0, "Sao lưu trước khi nhập…")

        create_backup(session, "before-import", note=Path(path).name)
    report = import_tables(
        session,
        tables,
        Path(path).name,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        progress=progress,
        cancel=cancel,
    )
    report.mapped = {key: how for key, (_, _, how) in chooser.used.items()}
    if report.committed:
        column_maps.remember(session, chooser)
    return report


@dataclass
class _Row:
    row: int
    values: dict


@dataclass
class RowTables:
    """Rows already holding Python values (demo data, tests): the shape read_tables gives."""

    sheets: dict[str, list[_Row]]
    present_columns: dict[str, set[str]]
    problems: list[CellProblem] = field(default_factory=list)

    @classmethod
    def from_dicts(cls, tables: dict[str, list[dict]]) -> RowTables:
        sheets, present = {}, {}
        for key, rows in tables.items():
            columns = {c.key for c in tpl.SHEETS_BY_KEY[key].columns}
            sheets[key] = [_Row(i + 2, {c: r.get(c) for c in columns}) for i, r in enumerate(rows)]
            present[key] = columns
        return cls(sheets, present)


def import_tables(
    session: Session,
    tables,
    source: str,
    *,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> ImportReport:
    """Apply parsed sheets in one transaction (rolled back on a dry run, and on a cancel
    between two sheets: Cancelled is raised and nothing is written)."""
    session.require(Action.IMPORT)
    report = ImportReport(source=source, dry_run=dry_run, problems=list(tables.problems))
    try:
        with session.store.write(session.user) as tx:
            importer = _Importer(tx, session, tables, report, progress, cancel)
            importer.run()
            if dry_run or (all_or_nothing and report.problems):
                raise _Rollback
            tx.audit(
                "import",
                "workbook",
                report.source,
                **{k: v.as_dict() for k, v in report.counts.items()},
            )
            # Who changed which file: one entry per file the import added or changed.
            append_audit_many(
                tx.conn,
                tx.now,
                tx.user,
                [
                    ("change", "candidate", code, {"how": what, "source": report.source})
                    for code, what in sorted(importer.changed_files.items())
                ],
            )
    except _Rollback:
        return report
    report.committed = True
    return report


class _Importer:
    def __init__(
        self,
        tx: WriteTx,
        session: Session,
        tables,
        report: ImportReport,
        progress: ProgressReport,
        cancel: CancelToken | None,
    ):
        self.tx = tx
        self.conn = tx.conn
        self.session = session
        self.tables = tables
        self.report = report
        self.progress, self.cancel = progress, cancel
        self.role = session.info.role
        self.home_org = session.org_code
        self._scope_memo: dict[str | None, str | None] = {}
        self._member_org_cache: dict[str, str] | None = None
        self.changed_files: dict[str, str] = {}  # file code -> what happened, for the audit
        self.history_rows_of: dict[str, int] = {}  # file code -> its first history row

    # -- scope: which organisations may this profile write for (domain/scope.py) --

    def _load_orgs(self) -> None:
        self.tree = load_tree(self.conn)

    def _in_subtree(self, code: str) -> bool:
        return self.tree.within(code, self.home_org)

    def _scope_problem(self, org_code: str | None) -> str | None:
        """Why this profile may not keep people or files of `org_code` (None: it may)."""
        # Asked once per row: remember the answer per organisation (the tree is settled
        # once the `Đơn vị` sheet is in).
        if org_code not in self._scope_memo:
            self._scope_memo[org_code] = staff_unit_problem(
                self.tree, self.home_org, self.role, org_code
            )
        return self._scope_memo[org_code]

    def _skip(self, sheet: tpl.Sheet, row_no: int, column_key: str | None, message: str):
        header = sheet.column(column_key).header if column_key else None
        self.report.problems.append(CellProblem(sheet.name, row_no, header, message))
        self.report.sheet(sheet.key).skipped += 1

    # -- the run --

    def run(self) -> None:
        self._load_orgs()
        sheets = self.tables.sheets
        total = sum(len(rows) for rows in sheets.values())
        done = 0
        for sheet in tpl.SHEETS:
            rows = sheets.get(sheet.key)
            if rows is None:
                continue
            # Inside the transaction: a cancel here rolls back the sheets already written.
            step(self.progress, self.cancel, done, total, f"Ghi trang '{sheet.name}'")
            self.report.sheet(sheet.key)
            if rows and self._lacks_required_column(sheet):
                # Said once by the reader ("Thiếu cột bắt buộc"); no row can be placed.
                self.report.sheet(sheet.key).skipped += len(rows)
                continue
            getattr(self, f"_import_{sheet.key}")(sheet, rows)
            done += len(rows)
        step(self.progress, self.cancel, done, total, "Tính lại trạng thái hồ sơ…")
        self._refresh_states()

    def _lacks_required_column(self, sheet: tpl.Sheet) -> bool:
        present = self.tables.present_columns.get(sheet.key)
        if present is None:
            return False
        return any(c.required and c.key not in present for c in sheet.columns)

    # -- generic upsert over one table --

    def _upsert(
        self,
        sheet: tpl.Sheet,
        table,
        key_cols: tuple[str, ...],
        prepared: list[tuple[int, dict]],
        present: set[str],
        on_change: Callable[[tuple, str], None] | None = None,
    ) -> dict[tuple, str]:
        """Insert or update `prepared` rows (row number, column values) keyed by
        `key_cols`; columns missing from the file keep their stored values.
        Returns natural key -> uuid of every row written or matched."""
        counts = self.report.sheet(sheet.key)
        data_cols = [c for c in prepared[0][1] if c not in key_cols] if prepared else []
        cols = [table.c.id, table.c.uuid] + [table.c[c] for c in key_cols + tuple(data_cols)]
        existing = {}
        for r in self.conn.execute(select(*cols)):
            m = r._mapping
            existing[tuple(m[c] for c in key_cols)] = m
        inserts, updates, seen = [], [], {}
        base = self.tx.new_record()
        update_cols = [c for c in data_cols if c in present or c in _DERIVED]
        for row_no, values in prepared:
            key = tuple(values[c] for c in key_cols)
            if key in seen:
                self._skip(sheet, row_no, None, f"Trùng với dòng {seen[key]} trong cùng tệp.")
                continue
            seen[key] = row_no
            old = existing.get(key)
            if old is None:
                inserts.append({**base, "uuid": new_uuid(), **values})
                counts.added += 1
                if on_change:
                    on_change(key, "added")
                continue
            if any(old[c] != values[c] for c in update_cols):
                # All the file's columns of the row are written, so that every update of
                # a table is one statement (the search index only reacts to real changes).
                updates.append((old["id"], {c: values[c] for c in update_cols}))
                counts.updated += 1
                if on_change:
                    on_change(key, "updated")
            else:
                counts.unchanged += 1
        bulk_insert(self.conn, table, inserts)
        self._apply_updates(table, updates)
        written = {k: v["uuid"] for k, v in existing.items()}
        for row in inserts:
            written[tuple(row[c] for c in key_cols)] = row["uuid"]
        return written

    def _apply_updates(self, table, updates: list[tuple[int, dict]]) -> None:
        """Write updated rows (revision + 1, stamped): one executemany per column set."""
        groups: dict[tuple, list[tuple[int, dict]]] = defaultdict(list)
        for row_id, values in updates:
            groups[tuple(values)].append((row_id, values))
        stamp = {"updated_by": self.tx.user, "updated_at": self.tx.now}
        stamp["change_seq"] = self.tx.change_seq
        for rows in groups.values():
            bulk_update(self.conn, table, rows, stamp)

    def _present(self, sheet: tpl.Sheet) -> set[str]:
        return set(self.tables.present_columns.get(sheet.key, ()))

    # -- sheets --

    def _import_orgs(self, sheet, rows) -> None:
        prepared = []
        for r in _parents_first(rows):
            v = r.values
            code = v["code"].upper()
            parent = (v.get("parent_code") or "").upper() or None
            why = staff_org_problem(self.tree, self.home_org, self.role, code, parent)
            if why:
                self._skip(sheet, r.row, "code", why)
                continue
            values = {c.key: v.get(c.key) for c in sheet.columns}
            values.update(code=code, parent_code=parent)
            prepared.append((r.row, values))
            # Known at once, so later rows (and sheets) may hang under it.
            self.tree = self.tree.with_units(
                {code: parent}, [code] if v.get("self_managed") else ()
            )
        prepared.sort()  # back to file order, so problems and counts read naturally
        self._scope_memo.clear()  # the tree may have changed
        self._upsert(sheet, t.orgs, ("code",), prepared, self._present(sheet) | {"code"})

    def _import_plans(self, sheet, rows) -> None:
        prepared = []
        for r in rows:
            v = r.values
            org = (v["org_code"] or "").upper()
            if not self._in_subtree(org):
                self._skip(sheet, r.row, "org_code", f"Đơn vị '{org}' ngoài phạm vi hồ sơ này.")
                continue
            year, period = v.get("year"), v.get("period")
            if (year is None) == (period is None):
                self._skip(
                    sheet, r.row, "year", "Ghi đúng một trong hai cột 'Năm' hoặc 'Giai đoạn'."
                )
                continue
            values = {c.key: v.get(c.key) for c in sheet.columns}
            values.update(org_code=org, plan_key=f"y{year}" if year else f"p{period}")
            prepared.append((r.row, values))
        present = self._present(sheet) | {"plan_key"}
        self._upsert(sheet, t.plans, ("org_code", "plan_key"), prepared, present)

    def _people(
        self, sheet, rows, table, code_col: str, infix: str, keys: list[str], upper: bool
    ) -> list[tuple[int, dict]]:
        """Rows of people (members, candidates) in this profile's reach, with their folded
        name, sort key and code; a row without a code matches an existing person of the
        same cell, name and birth date, or gets the cell's next code."""
        by_identity = {
            (r[0], r[1], r[2]): r[3]
            for r in self.conn.execute(
                select(table.c.org_code, table.c.name_folded, table.c.birth_date, table.c[code_col])
            )
        }
        stored = {
            r[0]: (r[1], r[2])
            for r in raw_rows(self.conn, select(table.c[code_col], table.c.org_code, table.c.owner))
        }
        what = "Đảng viên" if table is t.members else "Hồ sơ"
        next_no = self._next_numbers(table.c[code_col], infix)
        prepared = []
        blank = dict.fromkeys(keys)
        # Columns of the sheet this table does not store (pipeline columns of a file).
        extra = {k for k in self.tables.present_columns.get(sheet.key, ()) if k not in blank}
        for r in rows:
            v = r.values
            org = (v["org_code"] or "").upper()
            why = self._scope_problem(org)
            if why:
                self._skip(sheet, r.row, "org_code", why)
                continue
            values = {**blank, **v}
            for k in extra:
                values.pop(k, None)
            values["org_code"] = org
            values["name_folded"] = fold(values["full_name"])
            values["sort_key"] = name_sort_key(values["full_name"])
            code = values.get(code_col)
            if code and upper:
                code = code.upper()
            if not code:
                ident = (org, values["name_folded"], values["birth_date"])
                code = by_identity.get(ident)
                if code is None:
                    next_no[org] = next_no.get(org, 0) + 1
                    code = f"{org}{infix}{next_no[org]:04d}"
                    by_identity[ident] = code
            values[code_col] = code
            if code in stored:
                unit, owner = stored[code]
                why = staff_record_problem(self.home_org, f"{what} '{code}'", owner, unit, org)
                if why:
                    self._skip(sheet, r.row, "org_code", why)
                    continue
            prepared.append((r.row, values))
        return prepared

    def _import_members(self, sheet, rows) -> None:
        keys = [c.key for c in sheet.columns]
        prepared = self._people(sheet, rows, t.members, "member_code", "-DV", keys, False)
        present = self._present(sheet) | {"member_code"}
        self._upsert(sheet, t.members, ("member_code",), prepared, present)

    def _member_orgs(self) -> dict[str, str]:
        """Member code -> cell, read once for the sheets keyed by member."""
        if self._member_org_cache is None:
            query = select(t.members.c.member_code, t.members.c.org_code)
            self._member_org_cache = dict(raw_rows(self.conn, query))
        return self._member_org_cache

    def _member_keyed(self, sheet, rows, table, key_cols) -> None:
        known = self._member_orgs()
        prepared = []
        for r in rows:
            v = r.values
            org = known.get(v["member_code"])
            if org is None:
                self._skip(
                    sheet, r.row, "member_code", f"Không có đảng viên mã '{v['member_code']}'."
                )
                continue
            why = self._scope_problem(org)
            if why:
                self._skip(sheet, r.row, "member_code", why)
                continue
            prepared.append((r.row, {c.key: v.get(c.key) for c in sheet.columns}))
        self._upsert(sheet, table, key_cols, prepared, self._present(sheet))

    def _import_member_records(self, sheet, rows) -> None:
        self._member_keyed(sheet, rows, t.member_records, ("member_code", "year"))

    def _import_ratings(self, sheet, rows) -> None:
        self._member_keyed(sheet, rows, t.ratings, ("member_code", "year"))

    def _import_private_units(self, sheet, rows) -> None:
        prepared = []
        for r in rows:
            v = r.values
            org = (v.get("org_code") or self.home_org).upper()
            if not self._in_subtree(org):
                self._skip(sheet, r.row, "org_code", f"Đơn vị '{org}' ngoài phạm vi hồ sơ này.")
                continue
            values = {c.key: v.get(c.key) for c in sheet.columns}
            values.update(org_code=org, name_folded=fold(values["name"]))
            prepared.append((r.row, values))
        present = self._present(sheet) | {"name_folded"}
        self._upsert(sheet, t.private_units, ("org_code", "name_folded"), prepared, present)

    def _next_numbers(self, column, infix: str) -> dict[str, int]:
        """Highest running number used per org in codes like '<org><infix>NNNN'."""
        pattern = re.compile(rf"^(.+){re.escape(infix)}(\d+)$")
        highest: dict[str, int] = {}
        for (code,) in self.conn.execute(select(column)):
            m = pattern.match(code or "")
            if m:
                highest[m.group(1)] = max(highest.get(m.group(1), 0), int(m.group(2)))
        return highest

    def _import_candidates(self, sheet, rows) -> None:
        present = self._present(sheet)
        stored = {c.name for c in t.candidates.c}
        keys = [c.key for c in sheet.columns if c.key in stored]
        prepared = self._people(sheet, rows, t.candidates, "file_code", "-", keys, True)
        by_row = {r.row: r.values for r in rows}
        self.pipeline_rows: dict[str, tuple[int, dict]] = {
            values["file_code"]: (row_no, by_row[row_no]) for row_no, values in prepared
        }
        # `state` is derived: never compared, only set on insert and refreshed afterwards.
        for _, values in prepared:
            values["state"] = values.get("state") or pl.State.NGUON.value
        written = self._upsert(
            sheet,
            t.candidates,
            ("file_code",),
            prepared,
            present | {"file_code", "name_folded", "sort_key"},
            on_change=lambda key, what: self.changed_files.setdefault(key[0], what),
        )
        self.file_uuids = {k[0]: u for k, u in written.items()}

    def _import_steps(self, sheet, rows) -> None:
        # Handled together with the candidates' pipeline columns in _refresh_states.
        self.history_rows = rows

    # -- steps: the history sheet and the quick pipeline columns --

    def _refresh_states(self) -> None:
        file_uuids = getattr(self, "file_uuids", None)
        if file_uuids is None:
            file_uuids = {
                r.file_code: r.uuid
                for r in self.conn.execute(select(t.candidates.c.file_code, t.candidates.c.uuid))
            }
        history = self._history_by_file(file_uuids)
        quick = getattr(self, "pipeline_rows", {})
        files = set(history) | set(quick)
        if not files:
            return
        uuids = {file_uuids[f] for f in files}
        stored: dict[str, list[dict]] = defaultdict(list)
        columns = [t.steps.c.id, t.steps.c.candidate_uuid, t.steps.c.owner]
        columns += [t.steps.c[f] for f in _STEP_FIELDS]
        query = select(*columns).where(t.steps.c.deleted.is_(False)).order_by(t.steps.c.seq)
        for r in self.conn.execute(query).mappings():
            if r["candidate_uuid"] in uuids:
                stored[r["candidate_uuid"]].append(dict(r))
        counts = self.report.sheet(tpl.STEPS.key)
        inserts, updates, deletes, states = [], [], [], {}
        base = self.tx.new_record()
        for code in files:
            cuid = file_uuids[code]
            old = stored.get(cuid, [])
            if code in history:
                wanted = history[code]
                # The history sheet has no date-of-receipt column: a record it matches keeps
                # its date (a P5's receipt, a late A11's approval) unless the row gives one.
                for want, had in zip(wanted, old, strict=False):
                    if (want["step_id"], want["on"]) == (had["step_id"], had["on"]):
                        want["received_on"] = had["received_on"]
            else:
                wanted = [dict(e) for e in old]
            if code in quick:
                wanted = _merge_quick_columns(wanted, quick[code][1], bool(code in history))
            for i, want in enumerate(wanted):
                want["seq"] = i + 1
            changed = [
                i
                for i, want in enumerate(wanted[: len(old)])
                if any(old[i][k] != want.get(k) for k in _STEP_FIELDS)
            ]
            theirs = next(
                (
                    o
                    for o in [*(old[i] for i in changed), *old[len(wanted) :]]
                    if o["owner"] != self.home_org
                ),
                None,
            )
            if theirs is not None:  # one writer per record (domain/scope.py)
                self._step_problem(code, history, quick, theirs)
                continue
            moved = any(o["step_id"] in pl.TRANSFER_STEPS for o in old)
            if moved and (len(old) != len(wanted) or changed):
                # A sheet holds no transfer (RULES.md §2a): rewriting the history would
                # lose them, and the owner they decide.
                why = (
                    f"Hồ sơ '{code}' có chuyển sinh hoạt: các bước của hồ sơ không nhập từ "
                    "tệp Excel, ghi từng bước trong ứng dụng."
                )
                self._step_problem(code, history, quick, old[0], why)
                continue
            for i, want in enumerate(wanted):
                if i < len(old):
                    if i in changed:
                        updates.append((old[i]["id"], _step_values(want)))
                        if code in history:
                            counts.updated += 1
                    elif code in history:
                        counts.unchanged += 1
                else:
                    inserts.append(
                        {**base, "uuid": new_uuid(), "candidate_uuid": cuid, **_step_values(want)}
                    )
                    if code in history:
                        counts.added += 1
            deletes.extend(o["id"] for o in old[len(wanted) :])
            if len(old) != len(wanted) or changed:
                self.changed_files.setdefault(code, "steps")
            states[cuid] = pl.derive_state(_event(w) for w in wanted).value
        bulk_insert(self.conn, t.steps, inserts)
        self._apply_updates(t.steps, updates)
        if deletes:
            self.conn.execute(
                update(t.steps)
                .where(t.steps.c.id.in_(deletes))
                .values(deleted=True, **self.tx.changed(t.steps))
            )
        self._store_states(states)

    def _step_problem(
        self, code: str, history: dict, quick: dict, theirs: dict, why: str | None = None
    ) -> None:
        """The import would change or remove a step another station recorded (or `why`):
        the file's steps are left as they are, and the row says why."""
        step = pl.STEP_BY_ID[theirs["step_id"]]
        why = why or staff_record_problem(
            self.home_org, f"Bước {step.name} của hồ sơ '{code}'", theirs["owner"], None, code
        )
        if code in history:
            sheet, row = tpl.STEPS, self.history_rows_of[code]
            counts = self.report.sheet(sheet.key)
            counts.skipped += len(history[code])
            self.report.problems.append(CellProblem(sheet.name, row, None, why))
        else:
            sheet, row = tpl.SHEETS_BY_KEY["candidates"], quick[code][0]
            self.report.problems.append(CellProblem(sheet.name, row, None, why))

    def _history_by_file(self, file_uuids: dict[str, str]) -> dict[str, list[dict]]:
        rows = getattr(self, "history_rows", None) or []
        sheet = tpl.STEPS
        found: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            v = r.values
            code = (v["file_code"] or "").upper()
            if code not in file_uuids:
                self._skip(sheet, r.row, "file_code", f"Không có hồ sơ mã '{code}'.")
                continue
            if code not in getattr(self, "pipeline_rows", {}) and not self._file_in_scope(code):
                self._skip(sheet, r.row, "file_code", "Hồ sơ ngoài phạm vi hồ sơ làm việc này.")
                continue
            self.history_rows_of.setdefault(code, r.row)
            result = pl.RESULT_BY_LABEL.get(v.get("result") or "Thông qua", pl.Result.PASSED)
            found[code].append(
                {
                    "step_id": v["step_id"],
                    "on": v["on"],
                    "result": result.value,
                    "doc_no": v.get("doc_no"),
                    "official_members": v.get("official_members"),
                    "votes_for": v.get("votes_for"),
                    "note": v.get("note"),
                    "received_on": None,
                }
            )
        return found

    def _file_in_scope(self, code: str) -> bool:
        org = self.conn.execute(
            select(t.candidates.c.org_code).where(t.candidates.c.file_code == code)
        ).scalar()
        return self._scope_problem(org) is None

    def _store_states(self, states: dict[str, str]) -> None:
        save_states(self.conn, states)


_DERIVED = {"name_folded", "sort_key"}
_STEP_FIELDS = (
    "step_id",
    "on",
    "seq",
    "result",
    "doc_no",
    "official_members",
    "votes_for",
    "received_on",
    "note",
)


def _parents_first(rows: list) -> list:
    """Organisation rows ordered so that a parent in the same sheet comes before its
    children, whatever order the sheet lists them in."""
    by_code: dict[str, object] = {}
    repeated = []  # a code twice: kept, so the upsert reports the second as a duplicate
    for r in rows:
        code = (r.values.get("code") or "").upper()
        if code in by_code:
            repeated.append(r)
        else:
            by_code[code] = r
    ordered, placed = [], set()

    def place(code: str, trail: set[str]) -> None:
        if code in placed or code in trail:  # done, or a cycle: keep file order
            return
        row = by_code[code]
        parent = (row.values.get("parent_code") or "").upper()
        if parent in by_code:
            place(parent, trail | {code})
        placed.add(code)
        ordered.append(row)

    for code in by_code:
        place(code, set())
    return ordered + repeated


def _step_values(want: dict) -> dict:
    return {k: want.get(k) for k in _STEP_FIELDS}


def _event(step: dict) -> pl.StepEvent:
    return pl.StepEvent(
        step_id=step["step_id"],
        on=step["on"],
        result=pl.Result(step["result"]),
        seq=step["seq"],
    )


def _merge_quick_columns(events: list[dict], row: dict, from_history: bool) -> list[dict]:
    """Apply a candidate row's pipeline columns (each step's latest record) to its events.

    With a history sheet the history is the truth and only `received_on`, which the
    history does not carry, is taken from the row. Without one, a filled column updates
    the latest record of its step, or adds a passed record when the step has none;
    an empty column removes nothing (a quick sheet is no place to delete history)."""
    events = [dict(e) for e in events]

    def latest_index(step_ids: tuple[str, ...]) -> int | None:
        for i in range(len(events) - 1, -1, -1):
            if events[i]["step_id"] in step_ids:
                return i
        return None

    for step_id, fields in pl.STEP_COLUMNS.items():
        if from_history:
            fields = {f: c for f, c in fields.items() if f == "received_on"}
        given = {f: row[c] for f, c in fields.items() if c in row and row[c] is not None}
        if not given:
            continue
        idx = latest_index((step_id,))
        if idx is None:
            if "on" not in given:
                continue
            events.append(_new_event(step_id, given))
        else:
            events[idx].update(given)
    closed = row.get("closed")
    if closed and not from_history and row.get("closed_on"):
        step_id = pl.CLOSED_STEP_BY_LABEL[closed]
        given = {"on": row["closed_on"], "note": row.get("closed_reason")}
        idx = latest_index(("XOA_TEN", "DUNG"))
        if idx is None:
            events.append(_new_event(step_id, given))
        else:
            events[idx].update(given, step_id=step_id)
    return events


def _new_event(step_id: str, given: dict) -> dict:
    event = {f: None for f in _STEP_FIELDS}
    event.update(step_id=step_id, result=pl.Result.PASSED.value, **given)
    return event
