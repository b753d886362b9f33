"""Candidate files: listing, search, opening one file, and the derived state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update

from khdesk.core.domain import rules
from khdesk.core.domain.pipeline import STEP_BY_ID, State
from khdesk.core.domain.roles import Action, may
from khdesk.core.domain.rulebook import default_rulebooks
from khdesk.core.domain.scope import staff_unit_problem
from khdesk.core.domain.template import CANDIDATE_IDENTITY, CANDIDATE_PIPELINE
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.io.tabular import convert_value
from khdesk.core.services.checking import load_facts
from khdesk.core.services.session import Session
from khdesk.core.services.transfer_list import away_files
from khdesk.core.store import schema as t
from khdesk.core.store.engine import (
    bulk_insert,
    fts_match_expression,
    match_clause,
    match_ids,
    search_ids,
)
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.states import transit_problem
from khdesk.core.store.store import change_counter
from khdesk.core.sync import judging
from khdesk.core.text import clean_text, fold, name_sort_key, nfc

IDENTITY_KEYS = [c.key for c in CANDIDATE_IDENTITY]


def file_ids(
    session: Session,
    search: str | None = None,
    state: str | None = None,
    *,
    workplace_kind: str | None = None,
    born_from: date | None = None,
    born_before: date | None = None,
    org_code: str | None = None,
    moved: bool = False,
) -> list[int]:
    """Row ids of the matching files in Vietnamese name order (cheap: ids only).

    Optional filters, all in SQL: the workplace kind, and a birth-date range (the list's
    youth filter: `born_from=youth_birth_cutoff(today)`); `org_code` keeps one cell's files
    (the committee's drill-down). The read-only copies of files that moved on from this
    station (`transfer_list.away_files`) are left out, or alone listed with `moved`."""
    ids = _file_ids(session, search, state, workplace_kind, born_from, born_before, org_code)
    away = away_files(session)
    return [i for i in ids if (i in away) is moved]


def _file_ids(
    session: Session,
    search: str | None,
    state: str | None,
    workplace_kind: str | None,
    born_from: date | None,
    born_before: date | None,
    org_code: str | None,
) -> list[int]:
    state = state.upper() if state else None
    equal = {
        key: value
        for key, value in (
            ("state", state),
            ("workplace_kind", workplace_kind),
            ("org_code", org_code),
        )
        if value
    }
    c = t.candidates.c
    ranges = []
    if born_from is not None:
        ranges.append(c.birth_date >= born_from)
    if born_before is not None:
        ranges.append(c.birth_date < born_before)
    with session.store.read() as conn:
        expr = fts_match_expression(fold(search)) if search and search.strip() else None
        if expr is not None and not ranges:
            return search_ids(conn, t.candidates, fold(search or ""), equal=equal or None) or []
        query = select(c.id).where(c.deleted.is_(False), *ranges)
        for key, value in equal.items():
            query = query.where(c[key] == value)
        if expr is not None:
            # The same word-prefix match as search_ids, with the range filters beside it.
            query = query.where(match_clause(t.candidates, fold(search or "")).for_conn(conn))
        return list(conn.execute(query.order_by(c.sort_key)).scalars())


def youth_birth_cutoff(today: date, max_years: int = 30) -> date:
    """The earliest birth date of a person still at youth age on `today`: up to
    `max_years` full years, counted in calendar months as rules.age_in_months does
    (age < (max_years + 1) * 12 months, RULES.md §4)."""
    k = today.year * 12 + today.month - 1 - ((max_years + 1) * 12 - 1)
    return date(k // 12, k % 12 + 1, 1)


def ids_by_code(session: Session) -> dict[str, int]:
    """file_code -> row id of the live files (to map per-code results onto a list)."""
    c = t.candidates.c
    with session.store.read() as conn:
        rows = conn.execute(select(c.file_code, c.id).where(c.deleted.is_(False)))
        return {code: row_id for code, row_id in rows}


class FileIndex:
    """Every live file's id in name order with the fields the list filters on, read with
    one table scan; then each keystroke costs one full-text query and a pass over ids in
    memory, instead of walking the name index through the table (slow at 100,000 files).
    Gives the same ids as file_ids(). `current()` tells whether the data changed since.

    Plain driver queries, since SQLAlchemy's row processing would double the cost at
    this size."""

    def __init__(self, session: Session):
        self.session = session
        with session.store.read() as conn:
            self.change_seq = change_counter(conn)
            cursor = conn.connection.cursor()
            rows = cursor.execute(
                "SELECT id, sort_key, state, workplace_kind, birth_date FROM candidates "
                "WHERE NOT deleted"
            ).fetchall()
            cursor.close()
        rows.sort(key=lambda r: r[1])  # BINARY order, as SQLite's ORDER BY sort_key
        # Parallel lists by name rank; birth dates as ISO text (they compare as dates).
        self.order: list[int] = [r[0] for r in rows]
        self.states: list[str] = [r[2] for r in rows]
        self.kinds: list[str | None] = [r[3] for r in rows]
        self.births: list[str | None] = [
            b.isoformat() if isinstance(b, date) else b for b in (r[4] for r in rows)
        ]
        self.rank: dict[int, int] = {i: n for n, i in enumerate(self.order)}
        self.away = away_files(session)  # moved on: out of the list unless asked for

    def current(self) -> bool:
        with self.session.store.read() as conn:
            return change_counter(conn) == self.change_seq

    def ids(
        self,
        search: str | None = None,
        state: str | None = None,
        *,
        workplace_kind: str | None = None,
        born_from: date | None = None,
        born_before: date | None = None,
        moved: bool = False,
    ) -> list[int]:
        found = self._ids(search, state, workplace_kind, born_from, born_before)
        away = self.away
        return [i for i in found if (i in away) is moved]

    def _ids(
        self,
        search: str | None,
        state: str | None,
        workplace_kind: str | None,
        born_from: date | None,
        born_before: date | None,
    ) -> list[int]:
        expr = fts_match_expression(fold(search)) if search and search.strip() else None
        order, rank = self.order, self.rank
        ranks: Iterable[int]
        if expr is None:
            ranks = range(len(order))
        else:
            with self.session.store.read() as conn:
                found = match_ids(conn, t.candidates, fold(search or ""))
            ranks = sorted([n for n in map(rank.get, found) if n is not None])
        st = state.upper() if state else None
        wk = workplace_kind or None
        bf = born_from.isoformat() if born_from else None
        bb = born_before.isoformat() if born_before else None
        if st is None and wk is None and bf is None and bb is None:
            return [order[r] for r in ranks]
        states, kinds, births = self.states, self.kinds, self.births
        return [
            order[r]
            for r in ranks
            if (st is None or states[r] == st)
            and (wk is None or kinds[r] == wk)
            and (bf is None or (births[r] is not None and births[r] >= bf))
            and (bb is None or (births[r] is not None and births[r] < bb))
        ]


def file_rows(session: Session, ids: list[int]) -> dict[int, dict]:
    """Summaries of the given files, by row id (a table model fetches a screenful)."""
    out: dict[int, dict] = {}
    with session.store.read() as conn:
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            rows = conn.execute(select(t.candidates).where(t.candidates.c.id.in_(chunk)))
            out.update((r.id, file_summary(r._mapping)) for r in rows)
    return out


def list_files(
    session: Session, search: str | None = None, state: str | None = None, moved: bool = False
) -> list[dict]:
    """Files in Vietnamese name order, optionally searched and filtered by state (`moved`:
    the read-only copies of files that moved on from here instead)."""
    ids = file_ids(session, search, state, moved=moved)
    by_id = file_rows(session, ids) if ids else {}
    return [by_id[i] for i in ids]


def file_summary(row) -> dict:
    out = {key: _json_value(row[key]) for key in IDENTITY_KEYS}
    out["uid"] = row["uuid"]
    out["state"] = row["state"]
    return out


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def open_file(session: Session, file_code: str, *, audit: bool = True) -> dict | None:
    """A whole file with its history; opening it is audited (who saw which file).
    `audit=False` for a window that reloads a file it has already opened."""
    with session.store.write(session.user, changes=False) as tx:
        row = (
            tx.conn.execute(select(t.candidates).where(t.candidates.c.file_code == file_code))
            .mappings()
            .first()
        )
        if row is None:
            return None
        history = (
            tx.conn.execute(
                select(t.steps)
                .where(t.steps.c.candidate_uuid == row["uuid"], t.steps.c.deleted.is_(False))
                .order_by(t.steps.c.seq)
            )
            .mappings()
            .all()
        )
        if audit:
            tx.audit("open", "candidate", file_code)
    result = dict(row)
    result["steps"] = [dict(h) for h in history]
    return result


# Built once: a province's bundle import stores states thousands of times.
# --- entering and editing a file by hand (the candidate dialog, `khdesk candidate add`) ---

# The fields a person types for a file's identity: the template's identity columns plus the
# two free-text fields the candidate record keeps (notes, the approval of an exception).
# The step details (introducers, mentor) are asked by the step that records them.
EDITABLE_EXTRA = ("notes", "exception_approval")
FORM_COLUMNS = tuple(c for c in CANDIDATE_IDENTITY if c.key != "file_code") + tuple(
    next(c for c in CANDIDATE_PIPELINE if c.key == key) for key in EDITABLE_EXTRA
)
FORM_KEYS = tuple(c.key for c in FORM_COLUMNS)


def parse_identity(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed identity values from what a person entered (text or Python values), and the
    problems per field key (Vietnamese). The same converters the Excel import uses, the
    required columns of the template, and the rules engine's CCCD_FORMAT error."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for column in FORM_COLUMNS:
        if column.key not in fields:
            continue
        raw = fields[column.key]
        if isinstance(raw, str):
            raw = nfc(raw) or None
        try:
            value = convert_value(column, raw)
        except ValueError as exc:
            problems[column.key] = str(exc)
            continue
        if value is None and column.required:
            problems[column.key] = f"Cần ghi {column.header.lower()}."
            continue
        values[column.key] = value
    birth = values.get("birth_date")
    if "birth_date" not in problems and birth is not None and birth.year < 1900:
        problems["birth_date"] = "Năm sinh không hợp lệ."
    cccd = values.get("cccd")
    if cccd:
        facts = rules.FileFacts(
            file_code="",
            full_name="",
            sex=values.get("sex"),
            birth_date=birth,
            cccd=cccd,
            education=None,
            sea_fisher=False,
            youth_union_member=False,
            exception_approval=None,
            org_code="",
        )
        book = default_rulebooks().rulebook_for(birth or date(2025, 7, 1))
        for finding in rules._cccd(facts, book):  # the engine's own check, not a copy
            if finding.severity is rules.Severity.ERROR:
                problems["cccd"] = finding.message
    return values, problems


def _problems_text(problems: Mapping[str, str]) -> str:
    headers = {c.key: c.header for c in FORM_COLUMNS}
    return " ".join(f"{headers.get(k, k)}: {m}" for k, m in problems.items())


def create_candidate(session: Session, fields: Mapping[str, Any]) -> str:
    """Add a file typed in by hand; returns its code (`<org>-NNNN` unless one is given).

    The cell defaults to this station's own; a committee may add files only for the cells
    whose affairs it keeps (the same reach as the Excel import)."""
    session.require(Action.EDIT_FILES)
    fields = dict(fields)
    if not fields.get("org_code") and session.info.role == "cell":
        fields["org_code"] = session.org_code
    values, problems = parse_identity({k: fields.get(k) for k in FORM_KEYS})
    if problems:
        raise InputError("Chưa lưu được hồ sơ. " + _problems_text(problems))
    org = values["org_code"].upper()
    code = (clean_text(fields.get("file_code"), "Mã hồ sơ") or "").upper() or None
    with session.store.write(session.user) as tx:
        # Who may keep files of which cell: the one write-scope rule (as the import).
        why = staff_unit_problem(load_tree(tx.conn), session.org_code, session.info.role, org)
        if why:
            raise InputError(why)
        c = t.candidates.c
        if code is None:
            prefix = f"{org}-"
            used = tx.conn.execute(select(c.file_code).where(c.file_code.like(prefix + "%")))
            numbers = [int(x[len(prefix) :]) for (x,) in used if x[len(prefix) :].isdigit()]
            code = f"{org}-{max(numbers, default=0) + 1:04d}"
        elif tx.conn.execute(select(c.id).where(c.file_code == code)).first() is not None:
            raise InputError(f"Mã hồ sơ '{code}' đã có.")
        row = {
            **tx.new_record(),
            **values,
            "org_code": org,
            "file_code": code,
            "state": State.NGUON.value,
            "name_folded": fold(values["full_name"]),
            "sort_key": name_sort_key(values["full_name"]),
        }
        bulk_insert(tx.conn, t.candidates, [row])  # the one way that feeds the search index
        # Field names only: the audit log must not become a copy of personal data.
        tx.audit("create", "candidate", code, fields=sorted(k for k, v in values.items() if v))
    return code


def update_identity(
    session: Session, file_code: str, fields: Mapping[str, Any], *, restore: bool = False
) -> dict[str, Any]:
    """Change identity fields of a file this station owns, in one transaction.

    Returns the previous values of the fields that changed (what an undo writes back with
    `restore=True`)."""
    session.require(Action.EDIT_FILES)
    if restore:
        # Values read back from this database (an undo): written as they were, even a
        # CCCD the rules call wrong, so that undo gives back exactly what was there.
        values = {k: v for k, v in fields.items() if k in FORM_KEYS}
    else:
        values, problems = parse_identity({k: v for k, v in fields.items() if k in FORM_KEYS})
        if problems:
            raise InputError("Chưa lưu được. " + _problems_text(problems))
    with session.store.write(session.user) as tx:
        row = (
            tx.conn.execute(select(t.candidates).where(t.candidates.c.file_code == file_code))
            .mappings()
            .first()
        )
        if row is None:
            raise InputError(f"Không có hồ sơ mã '{file_code}'.")
        if row["owner"] != session.org_code:
            raise AccessDenied(
                f"Hồ sơ {file_code} do {row['owner']} quản lý: thông tin cá nhân chỉ sửa ở đó "
                "(chuyển lên bằng tệp đồng bộ)."
            )
        if "org_code" in values and (values["org_code"] or "").upper() != row["org_code"]:
            raise InputError(
                "Không đổi chi bộ của hồ sơ ở đây: chuyển hồ sơ sang đơn vị khác bằng chức năng "
                "'Chuyển hồ sơ' (khdesk transfer out)."
            )
        moving = transit_problem(tx.conn, file_code)
        if moving:
            raise InputError(moving)
        values.pop("org_code", None)
        changed = {k: v for k, v in values.items() if row[k] != v}
        if not changed:
            return {}
        extra = {}
        if "full_name" in changed:
            extra = {
                "name_folded": fold(changed["full_name"]),
                "sort_key": name_sort_key(changed["full_name"]),
            }
        tx.conn.execute(
            update(t.candidates)
            .where(t.candidates.c.id == row["id"])
            .values(**changed, **extra, **tx.changed(t.candidates))
        )
        action = "undo_edit" if restore else "edit"
        tx.audit(action, "candidate", file_code, fields=sorted(changed))
    return {k: row[k] for k in changed}


@dataclass(frozen=True)
class FileAccess:
    """What this station and user may change on one file (one writer per record)."""

    identity: bool  # the identity form and attachments
    cell_steps: bool  # steps the cell records (A1–A8, A11, P1–P3, DUNG)
    committee_steps: bool  # resolutions and decisions of the committee (A9, A10, P4, P5…)
    owner: str
    note: str  # why something is read-only (Vietnamese), "" when all is open

    def may_record(self, step_id: str) -> bool:
        step = STEP_BY_ID.get(step_id)
        if step is None:
            return False
        if step.upper_too:  # the cell's own record, or the committee's certificate (A2)
            return self.cell_steps or self.committee_steps
        return self.committee_steps if step.committee else self.cell_steps


def station_access(role: str, home_org: str, user_role: str, owner: str) -> FileAccess:
    """The rule behind `file_access`: a cell records its own steps and never the upper
    committee's; a committee records its resolutions and decisions on every file it holds,
    and everything on the files it keeps for cells that do not run khdesk."""
    if not may(user_role, Action.EDIT_FILES):
        return FileAccess(False, False, False, owner, "Người dùng chỉ xem: không sửa được hồ sơ.")
    owns = owner == home_org
    if role == "cell":
        note = "" if owns else f"Hồ sơ do {owner} quản lý: chi bộ không sửa được ở đây."
        return FileAccess(owns, owns, False, owner, note)
    if role == "committee":
        note = (
            ""
            if owns
            else f"Hồ sơ do chi bộ {owner} quản lý: thông tin cá nhân và các bước của chi bộ "
            "chỉ xem được; ở đây chỉ ghi nghị quyết, quyết định của đảng ủy."
        )
        return FileAccess(owns, owns, True, owner, note)
    return FileAccess(
        owns, owns, owns, owner, "" if owns else "Cấp tỉnh chỉ xem hồ sơ do cấp dưới gửi lên."
    )


def file_access(session: Session, file_code: str) -> FileAccess:
    with session.store.read() as conn:
        owner = conn.execute(
            select(t.candidates.c.owner).where(t.candidates.c.file_code == file_code)
        ).scalar()
    if owner is None:
        raise InputError(f"Không có hồ sơ mã '{file_code}'.")
    return station_access(session.info.role, session.org_code, session.user_role, owner)


def file_findings(session: Session, file_code: str, today: date) -> list[dict]:
    """The findings of one file on `today` (the file window's warnings), most urgent first."""
    with session.store.read() as conn:
        facts = load_facts(conn, file_code)
        judged = judging.judge(conn)  # the same books `check` and recording use
    file = next((f for f in facts.files if f.file_code == file_code), None)
    if file is None:
        return []
    context = rules.RuleContext.build(facts.members.values(), judged.rulebooks)
    org = facts.orgs.get(file.org_code)
    found = rules.check_file(file, org, facts.members, judged.calendar, today, context)
    out = [f.as_dict() for f in found]
    out.sort(key=lambda x: (rules.Severity(x["severity"]).rank, x["due"] is None, x["due"] or ""))
    return out
