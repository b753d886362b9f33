"""Document numbers: one counter per (issuing org, document type, committee term).

FORMS.md: numbers run from 01 per issuer and document type through the whole term of the
committee (nhiệm kỳ, congress to congress), not reset each year; the app proposes the next
one and the user may override it. A number once used is never proposed again, even when
its document is withdrawn: rows of `document_numbers` are never deleted (a withdrawn one is
marked void), and the numbers already written on recorded steps (imported, or received from
another station) count as used too.

The UI's flow for a step that carries a document (A8, A9, A10, P3, P4, P5, XOA_TEN):
`propose_for_step` pre-fills the number field; `record_step` (services.steps) registers
whatever number is saved, refusing one already used by another document of the issuer.
Numbers of documents that are not steps (reports) go through `use_number`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from khdesk.core.domain.roles import Action
from khdesk.core.domain.terms import term_of
from khdesk.core.errors import InputError, UsageError
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.store import get_meta, set_meta
from khdesk.core.text import clean_text

__all__ = [
    "DOC_TYPES",
    "STEP_DOC_TYPES",
    "Proposal",
    "issuer_for_step",
    "list_numbers",
    "parse_doc_no",
    "propose_for_step",
    "propose_number",
    "register_step_number",
    "set_term_start",
    "term_starts",
    "use_number",
    "void_number",
]

DOC_TYPES = {"NQ": "Nghị quyết", "QĐ": "Quyết định", "BC": "Báo cáo"}
_DOC_TYPE_ALIASES = {"QD": "QĐ", "NGHI QUYET": "NQ", "QUYET DINH": "QĐ", "BAO CAO": "BC"}
# The document each numbered step records, and whose it is.
STEP_DOC_TYPES = {
    "A8": "NQ",  # the cell's resolution (6-KNĐ)
    "P3": "NQ",  # 13-KNĐ
    "A9": "NQ",  # the đảng ủy cơ sở's resolution (8-KNĐ)
    "P4": "NQ",  # 15-KNĐ
    "A10": "QĐ",  # admission decision (9-KNĐ)
    "P5": "QĐ",  # recognition decision (16-KNĐ)
    "XOA_TEN": "QĐ",
}
_CELL_STEPS = ("A8", "P3")
_BASE_COMMITTEE_STEPS = ("A9", "P4")
_META_TERMS = "numbering_terms"
_DOC_NO = re.compile(r"^\s*(?:số\s*)?0*(\d{1,6})\s*-\s*([^/\s]+)\s*/\s*(\S.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Proposal:
    """A number for a document: the counter's key and the text printed after "Số"."""

    issuer: str
    doc_type: str
    term: str
    number: int
    doc_no: str  # "05-NQ/CB"

    @property
    def printed(self) -> str:
        return f"Số {self.doc_no}"

    def as_dict(self) -> dict:
        return {
            "issuer": self.issuer,
            "doc_type": self.doc_type,
            "term": self.term,
            "number": self.number,
            "doc_no": self.doc_no,
        }


def normalise_doc_type(doc_type: str) -> str:
    key = (doc_type or "").strip().upper()
    key = _DOC_TYPE_ALIASES.get(key, key)
    if key not in DOC_TYPES:
        raise UsageError(
            f"Loại văn bản '{doc_type}' không có; dùng một trong: {', '.join(DOC_TYPES)}."
        )
    return key


def parse_doc_no(text: str | None) -> tuple[int, str, str] | None:
    """(number, doc type, issuer suffix) of "05-NQ/CB" (or "Số 05-NQ/CB"); None when the
    text is not in that form (free text is kept on the step, not counted)."""
    m = _DOC_NO.match(text or "")
    if not m:
        return None
    kind = _DOC_TYPE_ALIASES.get(m.group(2).upper(), m.group(2).upper())
    return int(m.group(1)), kind, m.group(3)


def format_doc_no(number: int, doc_type: str, suffix: str) -> str:
    return f"{number:02d}-{doc_type}/{suffix}"


# -- terms ----------------------------------------------------------------------------------


def _all_term_starts(conn: Connection) -> dict[str, list[date]]:
    raw = get_meta(conn, _META_TERMS)
    if not raw:
        return {}
    data = json.loads(raw)
    return {k: [date.fromisoformat(d) for d in v] for k, v in data.items()}


def term_starts(session: Session, issuer: str | None = None) -> list[date]:
    """The recorded congress dates of an issuer (its terms' first days)."""
    with session.store.read() as conn:
        return _all_term_starts(conn).get(issuer or session.org_code, [])


def set_term_start(session: Session, start: date, issuer: str | None = None) -> None:
    """Record the congress that opened a term for `issuer`: its numbers restart at 01."""
    session.require(Action.NUMBER_DOCUMENTS)
    issuer = issuer or session.org_code
    with session.store.write(session.user, changes=False) as tx:
        data = _all_term_starts(tx.conn)
        dates = sorted(set(data.get(issuer, [])) | {start})
        data[issuer] = dates
        raw = {k: [d.isoformat() for d in v] for k, v in data.items()}
        set_meta(tx.conn, _META_TERMS, json.dumps(raw, sort_keys=True))
        tx.audit("term_start", "numbering", issuer, start=start.isoformat())


# -- issuers -------------------------------------------------------------------------------


def suffix_for(conn: Connection, issuer: str) -> str:
    """The issuer part of a number: CB for a cell, ĐU for a party committee."""
    kind = load_tree(conn).kinds.get(issuer) or ""
    if kind.startswith("Chi bộ"):
        return "CB"
    if kind == "Tỉnh ủy":
        return "TU"
    if kind.startswith("Đảng ủy"):
        return "ĐU"
    # Unknown org (not in this profile's tree): the code says what it is in this app.
    return "CB" if "-CB" in issuer else "ĐU"


def issuer_for_step(
    conn: Connection, file_org: str, step_id: str, own_org: str, own_role: str
) -> str:
    """Whose document a step records: the cell (A8, P3), the đảng ủy cơ sở above it (A9,
    P4), the commune-level committee (A10, P5, XOA_TEN)."""
    if step_id in _CELL_STEPS:
        return file_org
    tree = load_tree(conn)
    parent = tree.parent(file_org)
    if step_id in _BASE_COMMITTEE_STEPS:
        return parent or own_org
    commune = tree.commune(file_org)
    if commune:
        return commune
    return own_org if own_role == "committee" else (parent or own_org)


# -- the counter ---------------------------------------------------------------------------


def _step_numbers(conn: Connection, issuer: str, doc_type: str, term: str, starts) -> set[int]:
    """Numbers already written on recorded steps of this issuer, type and term (deleted
    steps included: their numbers were used once)."""
    steps = [s for s, k in STEP_DOC_TYPES.items() if k == doc_type]
    c, s = t.candidates.c, t.steps.c
    rows = conn.execute(
        select(c.org_code, s.step_id, s.on, s.doc_no)
        .join(t.candidates, c.uuid == s.candidate_uuid)
        .where(s.step_id.in_(steps), s.doc_no.is_not(None))
    ).all()
    if not rows:
        return set()
    tree = load_tree(conn)
    found: set[int] = set()
    for org_code, step_id, on, doc_no in rows:
        parsed = parse_doc_no(doc_no)
        if parsed is None or parsed[1] != doc_type or term_of(on, starts) != term:
            continue
        if step_id in _CELL_STEPS:
            owner = org_code
        elif step_id in _BASE_COMMITTEE_STEPS:
            owner = tree.parent(org_code)
        else:
            owner = tree.commune(org_code) or issuer
        if owner == issuer:
            found.add(parsed[0])
    return found


def _used(conn: Connection, issuer: str, doc_type: str, term: str) -> dict[int, dict]:
    d = t.document_numbers.c
    rows = conn.execute(
        select(t.document_numbers).where(d.issuer == issuer, d.doc_type == doc_type, d.term == term)
    ).mappings()
    return {r["number"]: dict(r) for r in rows}


def _propose(conn: Connection, issuer: str, doc_type: str, on: date) -> Proposal:
    starts = _all_term_starts(conn).get(issuer, [])
    term = term_of(on, starts)
    d = t.document_numbers.c
    top = conn.execute(
        select(func.max(d.number)).where(d.issuer == issuer, d.doc_type == doc_type, d.term == term)
    ).scalar()
    on_steps = _step_numbers(conn, issuer, doc_type, term, starts)
    number = max([top or 0, *on_steps]) + 1
    return Proposal(
        issuer, doc_type, term, number, format_doc_no(number, doc_type, suffix_for(conn, issuer))
    )


def propose_number(
    session: Session, doc_type: str, on: date, *, issuer: str | None = None
) -> Proposal:
    """The next number of `doc_type` ("NQ", "QĐ", "BC") for `issuer` (default: this
    profile's org) in the term of `on`. Nothing is reserved: `use_number` takes it."""
    doc_type = normalise_doc_type(doc_type)
    with session.store.read() as conn:
        return _propose(conn, issuer or session.org_code, doc_type, on)


def propose_for_step(session: Session, file_code: str, step_id: str, on: date) -> Proposal | None:
    """The number to pre-fill when recording `step_id` on a file; None for steps that
    carry no document of ours (A2's certificate is the training centre's)."""
    doc_type = STEP_DOC_TYPES.get(step_id)
    if doc_type is None:
        return None
    with session.store.read() as conn:
        org = conn.execute(
            select(t.candidates.c.org_code).where(t.candidates.c.file_code == file_code)
        ).scalar()
        if org is None:
            raise InputError(f"Không có hồ sơ mã '{file_code}'.")
        issuer = issuer_for_step(conn, org, step_id, session.org_code, session.info.role)
        return _propose(conn, issuer, doc_type, on)


def _insert(
    conn: Connection,
    user: str,
    now: str,
    proposal: Proposal,
    on: date,
    *,
    file_code: str | None,
    step_id: str | None,
    step_uuid: str | None,
    note: str | None,
) -> None:
    conn.execute(
        t.document_numbers.insert().values(
            issuer=proposal.issuer,
            doc_type=proposal.doc_type,
            term=proposal.term,
            number=proposal.number,
            doc_no=proposal.doc_no,
            on=on,
            file_code=file_code,
            step_id=step_id,
            step_uuid=step_uuid,
            status="used",
            note=note,
            created_at=now,
            created_by=user,
        )
    )


def _taken_message(proposal: Proposal, row: dict | None, conn: Connection, on: date) -> str:
    where = ""
    if row is not None:
        what = f" (hồ sơ {row['file_code']})" if row.get("file_code") else ""
        void = ", đã hủy" if row.get("status") == "void" else ""
        where = f" cho văn bản ngày {row['on']:%d/%m/%Y}{what}{void}"
    nxt = _propose(conn, proposal.issuer, proposal.doc_type, on)
    return (
        f"Số {proposal.doc_no} đã dùng{where} trong nhiệm kỳ {proposal.term}; "
        f"một số đã dùng thì không dùng lại. Số đề xuất: {nxt.doc_no}."
    )


def _take(
    conn: Connection,
    user: str,
    now: str,
    issuer: str,
    doc_type: str,
    on: date,
    number: int | None,
    *,
    file_code: str | None = None,
    step_id: str | None = None,
    step_uuid: str | None = None,
    note: str | None = None,
    doc_no: str | None = None,
) -> Proposal:
    proposal = _propose(conn, issuer, doc_type, on)
    if number is not None:
        if number < 1:
            raise InputError("Số văn bản phải từ 01 trở lên.")
        text = doc_no or format_doc_no(number, doc_type, suffix_for(conn, issuer))
        proposal = Proposal(issuer, doc_type, proposal.term, number, text)
        used = _used(conn, issuer, doc_type, proposal.term)
        starts = _all_term_starts(conn).get(issuer, [])
        if number in used:
            raise InputError(_taken_message(proposal, used[number], conn, on))
        if number in _step_numbers(conn, issuer, doc_type, proposal.term, starts):
            raise InputError(_taken_message(proposal, None, conn, on))
    _insert(
        conn,
        user,
        now,
        proposal,
        on,
        file_code=file_code,
        step_id=step_id,
        step_uuid=step_uuid,
        note=note,
    )
    return proposal


def use_number(
    session: Session,
    doc_type: str,
    on: date,
    number: int | None = None,
    *,
    issuer: str | None = None,
    file_code: str | None = None,
    step_id: str | None = None,
    note: str | None = None,
) -> Proposal:
    """Take a number: the proposed one, or `number` when the user overrides it (refused
    if that number is already used in the term). Returns what was taken."""
    session.require(Action.NUMBER_DOCUMENTS)
    doc_type = normalise_doc_type(doc_type)
    note = clean_text(note, "Ghi chú")
    with session.store.write(session.user, changes=False) as tx:
        taken = _take(
            tx.conn,
            session.user,
            tx.now,
            issuer or session.org_code,
            doc_type,
            on,
            number,
            file_code=file_code,
            step_id=step_id,
            note=note,
        )
        tx.audit("use_number", "document", taken.doc_no, term=taken.term, on=on.isoformat())
    return taken


def void_number(
    session: Session,
    doc_type: str,
    term: str,
    number: int,
    reason: str,
    *,
    issuer: str | None = None,
) -> None:
    """Mark a used number void (its document withdrawn). The row stays: never reused."""
    session.require(Action.NUMBER_DOCUMENTS)
    doc_type = normalise_doc_type(doc_type)
    issuer = issuer or session.org_code
    reason = clean_text(reason, "Lý do hủy số") or ""
    d = t.document_numbers.c
    with session.store.write(session.user, changes=False) as tx:
        done = tx.conn.execute(
            t.document_numbers.update()
            .where(d.issuer == issuer, d.doc_type == doc_type, d.term == term, d.number == number)
            .values(status="void", note=reason)
        )
        if done.rowcount == 0:
            raise InputError(f"Không có số {number:02d}-{doc_type} trong nhiệm kỳ {term}.")
        tx.audit("void_number", "document", f"{number:02d}-{doc_type}", term=term, reason=reason)


def list_numbers(
    session: Session, *, issuer: str | None = None, doc_type: str | None = None
) -> list[dict]:
    """The numbers taken, newest term first, in number order."""
    d = t.document_numbers.c
    query = select(t.document_numbers)
    if issuer:
        query = query.where(d.issuer == issuer)
    if doc_type:
        query = query.where(d.doc_type == normalise_doc_type(doc_type))
    query = query.order_by(d.issuer, d.doc_type, d.term.desc(), d.number)
    with session.store.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def register_step_number(
    conn: Connection,
    *,
    user: str,
    now: str,
    own_org: str,
    own_role: str,
    file_code: str,
    file_org: str,
    step_id: str,
    on: date,
    doc_no: str | None,
    step_uuid: str | None = None,
) -> Proposal | None:
    """Inside `record_step`'s transaction: count the number written on a numbered step as
    used, refusing one another document of the issuer already has. A number in another
    form (free text) is kept on the step and not counted."""
    doc_type = STEP_DOC_TYPES.get(step_id)
    parsed = parse_doc_no(doc_no)
    if doc_type is None or parsed is None or parsed[1] != doc_type:
        return None
    issuer = issuer_for_step(conn, file_org, step_id, own_org, own_role)
    number, _kind, suffix = parsed
    text = format_doc_no(number, doc_type, suffix)
    return _take(
        conn,
        user,
        now,
        issuer,
        doc_type,
        on,
        number,
        file_code=file_code,
        step_id=step_id,
        step_uuid=step_uuid,
        doc_no=text,
    )
