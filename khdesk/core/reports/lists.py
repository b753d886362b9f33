"""Registers and lists: the 18-KNĐ register of probationary members, the due list (the
check's findings that carry a due date) and a file's checklist of documents.

Each has a loader that reads the database (`*_rows`) and a pure renderer (`render_*`) that
takes plain rows, so a benchmark or the UI's preview can feed it directly. Wording and
columns come from the templates `18-KND.json`, `due.json`, `checklist.json`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reportlab.platypus import Paragraph
from sqlalchemy import Connection, select

from khdesk.core.domain import documents, transfers
from khdesk.core.domain.pipeline import STEP_BY_ID, Result, StepEvent, effective_events
from khdesk.core.domain.rulebook import default_rulebooks
from khdesk.core.domain.rules import probation_end
from khdesk.core.reports.forms import (
    form_values,
    header_of,
    layout_defaults,
    org_rows,
    org_values,
    place_of,
)
from khdesk.core.reports.pdf import FONT_BOLD, PdfDocument, Signature, esc, fmt_date, style
from khdesk.core.reports.templates import Template, fill, fill_plain, load_template
from khdesk.core.store import schema as t
from khdesk.core.store.engine import as_date, raw_rows
from khdesk.core.text import fold, name_sort_key

__all__ = [
    "RegisterRow",
    "checklist_rows",
    "due_rows",
    "list_header_values",
    "register_rows",
    "render_checklist",
    "render_due",
    "render_register",
]

_FORMER = ("Xóa tên", "Xoá tên", "Khai trừ")
_NOTE_BY_STATUS = {
    "Xóa tên": "struck_off",
    "Xoá tên": "struck_off",
    "Từ trần": "died",
    "Chuyển đi": "moved_away",
    "Khai trừ": "expelled",
}


def list_header_values(conn: Connection, own_org: str) -> dict[str, Any]:
    """Header values of a list issued by this profile's own org."""
    orgs = org_rows(conn)
    values = org_values(orgs, own_org, own_org, layout_defaults())
    own = orgs.get(own_org) or {}
    if values.get("place") is None and (own.get("kind") or "").startswith("Đảng ủy"):
        values["place"] = place_of(own.get("name"))
    return values


def _document(template: Template, values: Mapping[str, Any], *, landscape: bool) -> PdfDocument:
    """A list's PDF begun as its template says: metadata, letterhead, title and summary
    (`landscape` unless the template says otherwise)."""
    doc_type = fill_plain(template.get("doc_type", ""), values)
    doc = PdfDocument(
        title=doc_type,
        subject=f"{template.code} (mẫu phiên bản {template.version})",
        landscape_page=bool(template.get("landscape", landscape)),
    )
    doc.header(header_of(template, values, on="on"))
    return doc.title(doc_type, fill_plain(template.get("summary", ""), values) or None)


def _table(
    doc: PdfDocument, columns: Sequence[dict], head: list, body: list, **options: Any
) -> None:
    """The list's table: its head rows and body, in the template's widths and alignments."""
    doc.table(
        head + body,
        [c.get("width") for c in columns],
        header_rows=len(head),
        align=[c.get("align", "left") for c in columns],
        **options,
    )


def _finish(
    doc: PdfDocument, template: Template, values: Mapping[str, Any], invariant: bool
) -> bytes:
    """The template's footer, if any, and the PDF's bytes."""
    if template.get("footer"):
        doc.spacer(3)
        doc.paragraph(fill(template.get("footer"), values), "plain", markup=True)
    return doc.build(invariant=invariant)


def _columns(template: Template) -> list[dict]:
    return list(template.get("columns", []))


def _head_rows(columns: Sequence[dict], numbered: bool) -> tuple[list[list[str]], list]:
    """One or two heading rows (two when columns are grouped under a common heading),
    then the row of column numbers; and the SPAN commands joining them."""
    grouped = any(c.get("group") for c in columns)
    spans: list = []
    top = [c.get("group") or c["head"] for c in columns]
    rows = [top]
    if grouped:
        rows.append([c["head"] if c.get("group") else "" for c in columns])
        i = 0
        while i < len(columns):
            group = columns[i].get("group")
            j = i
            while j + 1 < len(columns) and group and columns[j + 1].get("group") == group:
                j += 1
            if group:
                spans.append(((i, 0), (j, 0)))
            else:
                spans.append(((i, 0), (i, 1)))
            i = j + 1
    if numbered:
        nums = [c.get("num", "") for c in columns]
        rows.append(nums)
        i = 0
        while i < len(columns):  # a grouped column keeps one number over its parts
            j = i
            while j + 1 < len(columns) and nums[j + 1] == nums[i] and nums[i]:
                j += 1
            if j > i:
                spans.append(((i, len(rows) - 1), (j, len(rows) - 1)))
            i = j + 1
    return rows, spans


# -- the 18-KNĐ register ----------------------------------------------------------------------


@dataclass
class RegisterRow:
    """One line of the register (FORMS.md 18-KNĐ columns 1–10)."""

    full_name: str
    sex: str | None
    birth_date: date | None
    history_no: str | None = None
    home_town: str | None = None
    cell: str | None = None
    decision_no: str | None = None
    decision_on: date | None = None
    ceremony_on: date | None = None
    notes: list[str] = field(default_factory=list)
    no: int = 0
    sort_key: str = ""

    def cells(self) -> dict[str, str]:
        female = (self.sex or "").strip().lower() in ("nữ", "nu")
        born = fmt_date(self.birth_date, 0) if self.birth_date else ""
        return {
            "no": str(self.no),
            "full_name": self.full_name,
            "birth_male": "" if female else born,
            "birth_female": born if female else "",
            "history_no": self.history_no or "",
            "home_town": self.home_town or "",
            "cell": self.cell or "",
            "decision_no": self.decision_no or "",
            "decision_on": fmt_date(self.decision_on, 0) if self.decision_on else "",
            "ceremony_on": fmt_date(self.ceremony_on, 0) if self.ceremony_on else "",
            "notes": "; ".join(self.notes),
        }


# Notes added after templates were issued (and signed into catalogues): a template without
# one reads this wording.
_LATER_NOTES = {"transferred": "Chuyển sinh hoạt từ {from_org} đến {to_org} ngày {on}"}


def _note(template: Template, key: str, **values: Any) -> str:
    text = (template.get("notes") or {}).get(key, _LATER_NOTES.get(key, key))
    return text.format(**values) if values else text


def register_rows(
    conn: Connection, *, year: int | None = None, template: Template | None = None
) -> list[RegisterRow]:
    """The register: members and admitted files of this profile, numbered 1… in order
    of admission (the whole register), then narrowed to `year` when given."""
    template = template or load_template("18-KNĐ")
    orgs = org_rows(conn)
    cell_name = {code: o["name"] for code, o in orgs.items()}
    m = t.members.c
    cols = (m.full_name, m.sex, m.birth_date, m.cccd, m.org_code, m.admitted_on)
    cols += (m.official_on, m.status, m.home_town, m.history_no)
    members = []
    for name, sex, born, cccd, org, admitted, official, status, town, hist in raw_rows(
        conn, select(*cols).where(m.deleted.is_(False), m.admitted_on.is_not(None))
    ):
        members.append(
            {
                "full_name": name,
                "sex": sex,
                "birth_date": as_date(born),
                "cccd": cccd,
                "org_code": org,
                "admitted_on": as_date(admitted),
                "official_on": as_date(official),
                "status": status,
                "home_town": town,
                "history_no": hist,
            }
        )
    files = _admitted_files(conn)
    # A file of a former member (struck off, expelled) admitted again is a re-admission.
    former = [r for r in members if r["status"] in _FORMER]
    former_keys = {r["cccd"] for r in former if r["cccd"]}
    former_keys |= {(fold(r["full_name"]), r["birth_date"]) for r in former}
    for f in files:
        person = (fold(f["full_name"]), f["birth_date"])
        f["readmitted"] = bool(f["cccd"] and f["cccd"] in former_keys) or person in former_keys
    by_cccd = {f["cccd"]: f for f in files if f["cccd"]}
    by_person = {(fold(f["full_name"]), f["birth_date"]): f for f in files}
    used: set[str] = set()
    out: list[RegisterRow] = []
    for r in members:
        f = by_cccd.get(r["cccd"]) if r["cccd"] else None
        f = f or by_person.get((fold(r["full_name"]), r["birth_date"]))
        if f is not None and r["status"] in _FORMER and f["a10"].on != r["admitted_on"]:
            f = None  # the file is a re-admission: the old membership keeps its own line
        row = _line(r, cell_name, decision_on=r["admitted_on"])
        if f is not None:
            used.add(f["file_code"])
            row.decision_no = f["a10"].doc_no
            row.ceremony_on = f["a11"].on if f["a11"] else None
            if f["readmitted"]:
                row.notes.append(_note(template, "readmitted"))
            row.notes += _moved(template, f)
        official = r["official_on"] or (f["official_on"] if f else None)
        if official:
            row.notes.append(_note(template, "official", on=official.strftime("%d/%m/%Y")))
        if r["status"] in _NOTE_BY_STATUS:
            row.notes.append(_note(template, _NOTE_BY_STATUS[r["status"]]))
        out.append(row)
    for f in files:
        if f["file_code"] in used:
            continue
        row = _line(
            f,
            cell_name,
            decision_no=f["a10"].doc_no,
            decision_on=f["a10"].on,
            ceremony_on=f["a11"].on if f["a11"] else None,
        )
        if f["readmitted"]:
            row.notes.append(_note(template, "readmitted"))
        if f["official_on"]:
            row.notes.append(_note(template, "official", on=f["official_on"].strftime("%d/%m/%Y")))
        if f["struck_off"]:
            row.notes.append(_note(template, "struck_off"))
        row.notes += _moved(template, f)
        out.append(row)
    for row in out:
        row.sort_key = name_sort_key(row.full_name)
    out.sort(key=lambda r: (r.decision_on or date.max, r.ceremony_on or date.max, r.sort_key))
    for i, row in enumerate(out, start=1):
        row.no = i
    if year is not None:
        out = [r for r in out if r.decision_on and r.decision_on.year == year]
    return out


def _line(person: Mapping[str, Any], cell_name: Mapping[str, str], **more: Any) -> RegisterRow:
    """A register line: the person's columns from a member or a file, the rest `more`."""
    return RegisterRow(
        full_name=person["full_name"],
        sex=person["sex"],
        birth_date=person["birth_date"],
        history_no=person["history_no"],
        home_town=person["home_town"],
        cell=cell_name.get(person["org_code"], person["org_code"]),
        **more,
    )


def _moved(template: Template, f: Mapping[str, Any]) -> list[str]:
    """The register's "chuyển đi / chuyển đến" notes of a file (FORMS.md 18-KNĐ col 10)."""
    return [
        _note(
            template,
            "transferred",
            from_org=m.out.from_org,
            to_org=m.out.to_org,
            on=m.arrival.on.strftime("%d/%m/%Y"),
        )
        for m in f["moves"]
    ]


def _admitted_files(conn: Connection) -> list[dict]:
    """Files whose admission decision is in force and whose ceremony was held."""
    s, c = t.steps.c, t.candidates.c
    events: dict[str, list[StepEvent]] = {}
    query = (
        select(s.candidate_uuid, s.step_id, s.on, s.result, s.doc_no, s.seq, s.from_org, s.to_org)
        .where(s.deleted.is_(False))
        .order_by(s.seq)
    )
    for cuid, step, on, result, doc_no, seq, src, dst in raw_rows(conn, query):
        events.setdefault(cuid, []).append(
            StepEvent(step, as_date(on), Result(result), doc_no, seq=seq, from_org=src, to_org=dst)
        )
    out = []
    query = select(
        c.uuid,
        c.file_code,
        c.full_name,
        c.sex,
        c.birth_date,
        c.cccd,
        c.org_code,
        c.home_town,
        c.history_no,
        c.exception_approval,
        c.state,
    ).where(c.deleted.is_(False), c.state.in_(("DU_BI", "CHINH_THUC", "XOA_TEN")))
    for uid, code, name, sex, born, cccd, org, town, hist, _approval, state in raw_rows(
        conn, query
    ):
        kept = effective_events(events.get(uid, []))
        last = {e.step_id: e for e in kept}
        a10, a11 = last.get("A10"), last.get("A11")
        if a10 is None or a11 is None:
            continue
        official = probation_end(a11.on, default_rulebooks()) if "P5" in last else None
        moves = transfers.replay(events.get(uid, []), org).moves  # RULES.md §2a
        out.append(
            {
                "file_code": code,
                "full_name": name,
                "sex": sex,
                "birth_date": as_date(born),
                "cccd": cccd,
                "org_code": org,
                "home_town": town,
                "history_no": hist,
                "a10": a10,
                "a11": a11,
                "official_on": official,
                "struck_off": state == "XOA_TEN",
                "readmitted": False,  # set by register_rows, which knows the members
                "moves": moves,
            }
        )
    return out


def render_register(
    rows: Sequence[RegisterRow],
    values: Mapping[str, Any],
    *,
    template: Template | None = None,
    invariant: bool = False,
) -> bytes:
    """The 18-KNĐ register as a landscape PDF; `values` fill the header (own_name,
    own_upper_body, place, on, period_line)."""
    template = template or load_template("18-KNĐ")
    columns = _columns(template)
    values = dict(values)
    values.setdefault("count", len(rows))
    doc = _document(template, values, landscape=True)
    head, spans = _head_rows(columns, numbered=True)
    keys = [c["key"] for c in columns]
    body = [[cells[k] for k in keys] for cells in (r.cells() for r in rows)]
    _table(doc, columns, head, body, spans=spans, size=10)
    return _finish(doc, template, values, invariant)


# -- the due list ------------------------------------------------------------------------------


def due_rows(
    findings: Iterable[Mapping[str, Any]],
    on: date,
    org_names: Mapping[str, str],
    *,
    template: Template | None = None,
) -> list[dict[str, Any]]:
    """The findings that carry a due date, soonest first, as the list's cells."""
    template = template or load_template("due")
    labels = template.get("rule_labels") or {}
    status = template.get("status") or {}
    out = []
    dated = [f for f in findings if f.get("due")]
    dated.sort(key=lambda f: (str(f["due"]), f.get("file_code") or f.get("member_code") or ""))
    for f in dated:
        due = f["due"] if isinstance(f["due"], date) else date.fromisoformat(str(f["due"]))
        days = (due - on).days
        if days < 0:
            state = status.get("overdue", "{days}").format(days=-days)
        elif days == 0:
            state = status.get("today", "")
        else:
            key = "soon" if days <= 30 else "later"
            state = status.get(key, "{days}").format(days=days)
        who_code = f.get("file_code") or f.get("member_code") or ""
        label = labels.get(f.get("rule"), f.get("rule"))
        out.append(
            {
                "due": due.strftime("%d/%m/%Y"),
                "status": state,
                "overdue": days < 0,
                "who": f"{f.get('full_name') or ''} ({who_code})",
                "cell": org_names.get(f.get("org_code") or "", f.get("org_code") or ""),
                "task": f"{label}: {f.get('message') or ''}",
                "label": label,
                "message": f.get("message") or "",
                "basis": f.get("legal_basis") or "",
            }
        )
    for i, row in enumerate(out, start=1):
        row["no"] = str(i)
    return out


def render_due(
    rows: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    *,
    template: Template | None = None,
    invariant: bool = False,
) -> bytes:
    template = template or load_template("due")
    columns = _columns(template)
    values = dict(values)
    values.setdefault("count", len(rows))
    values.setdefault("overdue", sum(1 for r in rows if r.get("overdue")))
    doc = _document(template, values, landscape=True)
    if not rows:
        doc.paragraph(fill(template.get("empty", ""), values), "plain", markup=True)
        return doc.build(invariant=invariant)
    head, spans = _head_rows(columns, numbered=False)
    size = 10.5
    cell, centre = style("cell", size=size), style("cell", size=size, align="centre")

    def value(r: Mapping[str, Any], key: str) -> Any:
        # The task's label in bold, an overdue status in bold: markup, so a Paragraph.
        if key == "task" and r.get("label"):
            return Paragraph(f"<b>{esc(r['label'])}:</b> {esc(r.get('message'))}", cell)
        if key == "status" and r.get("overdue"):
            return Paragraph(f"<b>{esc(r['status'])}</b>", centre)
        return r.get(key, "")

    body = [[value(r, c["key"]) for c in columns] for r in rows]
    _table(doc, columns, head, body, spans=spans, size=size)
    return _finish(doc, template, values, invariant)


# -- a file's checklist ---------------------------------------------------------------------


def checklist_rows(
    conn: Connection, file_code: str, *, own_org: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The file's values and the checklist's rows: the documents of every step that
    applies, judged by `domain.documents.checklist` (as the file's window shows them)."""
    values = form_values(conn, file_code, own_org=own_org)
    items = documents.checklist(values["_events"], not values.get("inside_base"))
    scans = _scan_counts(conn, file_code)
    rows = []
    counted: set[str] = set()
    for item in items:
        doc = item.document
        label = doc.label + (f" (mẫu\u00a0{doc.form})" if doc.form else "")
        record = item.note
        count = scans.get(doc.step, 0)
        if count and doc.step not in counted:  # a step's scans, on its first document
            counted.add(doc.step)
            record += ("; " if record else "") + f"{count} bản scan"
        rows.append(
            {
                "step": f"{doc.step} – {STEP_BY_ID[doc.step].name}",
                "document": label,
                "record": record,
                "status": documents.STATUS_LABELS[item.status],
                "missing": item.status in (documents.Status.MISSING, documents.Status.INCOMPLETE),
            }
        )
    for i, row in enumerate(rows, start=1):
        row["no"] = str(i)
    if scans.get(""):
        values["other_scans"] = scans[""]
    return values, rows


def _scan_counts(conn: Connection, file_code: str) -> dict[str, int]:
    a, s, c = t.attachments.c, t.steps.c, t.candidates.c
    query = (
        select(s.step_id, a.id)
        .select_from(t.attachments.join(t.candidates, c.uuid == a.candidate_uuid))
        .outerjoin(t.steps, s.uuid == a.step_uuid)
        .where(c.file_code == file_code, a.deleted.is_(False))
    )
    counts: dict[str, int] = {}
    for step_id, _id in conn.execute(query):
        key = step_id or ""
        counts[key] = counts.get(key, 0) + 1
    return counts


def render_checklist(
    values: Mapping[str, Any],
    rows: Sequence[Mapping[str, str]],
    findings: Sequence[str],
    *,
    template: Template | None = None,
    invariant: bool = False,
) -> bytes:
    template = template or load_template("checklist")
    columns = _columns(template)
    values = dict(values)
    values.setdefault(
        "subject_line", f"hồ sơ của {values.get('full_name') or ''} ({values.get('file_code')})"
    )
    doc = _document(template, values, landscape=False)
    if template.get("intro"):
        doc.paragraph(fill(template.get("intro"), values), "plain", markup=True)
        doc.spacer(2)
    head, spans = _head_rows(columns, numbered=False)
    body = [[r.get(c["key"], "") for c in columns] for r in rows]
    status_col = next((i for i, c in enumerate(columns) if c["key"] == "status"), None)
    styles = [
        ("FONTNAME", (status_col, i), (status_col, i), FONT_BOLD)
        for i, r in enumerate(rows, start=len(head))
        if r.get("missing") and status_col is not None
    ]
    _table(doc, columns, head, body, styles=styles)
    doc.spacer(3)
    on_text = {"on": values.get("on")}
    if findings:
        doc.paragraph(fill(template.get("findings_title", ""), on_text), "heading", markup=True)
        for f in findings:
            doc.paragraph("- " + f, "plain", size=12, leading=15)
    else:
        doc.paragraph(fill(template.get("no_findings", ""), on_text), "plain", markup=True)
    _sign(doc, template, values)
    return doc.build(invariant=invariant)


# -- a file's transfer list (out of the province, for a receiver without khdesk) ----------


def transfer_rows(
    conn: Connection, file_code: str, *, own_org: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The file's values, the transfer in progress (or the last one) and one row per
    step of its history: date, step, document number, what else was recorded."""
    values = form_values(conn, file_code, own_org=own_org)
    uuid = conn.execute(
        select(t.candidates.c.uuid).where(t.candidates.c.file_code == file_code)
    ).scalar()
    steps = (
        conn.execute(
            select(t.steps)
            .where(t.steps.c.candidate_uuid == uuid, t.steps.c.deleted.is_(False))
            .order_by(t.steps.c.seq)
        )
        .mappings()
        .all()
    )
    rows = []
    for i, s in enumerate(steps, start=1):
        step = STEP_BY_ID.get(s["step_id"])
        detail = []
        if s["from_org"] or s["to_org"]:
            detail.append(f"từ {s['from_org'] or '?'} đến {s['to_org'] or '?'}")
        if s["votes_for"] is not None and s["official_members"]:
            detail.append(f"{s['votes_for']}/{s['official_members']} đồng ý")
        if s["result"] != Result.PASSED.value:
            detail.append("không đạt")
        if s["note"]:
            detail.append(s["note"])
        rows.append(
            {
                "no": str(i),
                "on": fmt_date(s["on"]),
                # a transfer's id is the program's word, not the party's
                "step": step.name
                if step and step.transfer
                else f"{s['step_id']} – {step.name}"
                if step
                else s["step_id"],
                "doc_no": s["doc_no"] or "",
                "detail": "; ".join(detail),
            }
        )
    out = [s for s in steps if s["step_id"] == transfers.OUT]
    last = out[-1] if out else None
    values.update(
        from_org=last["from_org"] if last else None,
        to_org=last["to_org"] if last else None,
        sent_on=last["on"] if last else None,
        reason=last["note"] if last else None,
        count=len(rows),
        subject_line=f"hồ sơ của {values.get('full_name') or ''} ({file_code})",
    )
    values["attachments"] = sum(_scan_counts(conn, file_code).values())
    return values, rows


def render_transfer(
    values: Mapping[str, Any],
    rows: Sequence[Mapping[str, str]],
    *,
    template: Template | None = None,
    invariant: bool = False,
) -> bytes:
    template = template or load_template("transfer")
    columns = _columns(template)
    doc = _document(template, values, landscape=False)
    for key in ("intro", "transfer_line"):
        if template.get(key):
            doc.paragraph(fill(template.get(key), values), "plain", markup=True)
    if values.get("ceremony_on") and template.get("probation"):
        doc.paragraph(fill(template.get("probation"), values), "plain", markup=True)
    doc.spacer(2)
    head, _spans = _head_rows(columns, numbered=False)
    _table(doc, columns, head, [[r.get(c["key"], "") for c in columns] for r in rows])
    if template.get("footer"):
        doc.spacer(3)
        doc.paragraph(fill(template.get("footer"), values), "plain", markup=True)
    _sign(doc, template, values)
    return doc.build(invariant=invariant)


def _sign(doc: PdfDocument, template: Template, values: Mapping[str, Any]) -> None:
    """The template's signature block, if it has one."""
    spec = template.get("signature")
    if spec:
        name_key = (spec.get("name") or "").strip("{}")
        doc.signing(
            Signature(
                fill_plain(spec["on_behalf"], values) if spec.get("on_behalf") else None,
                fill_plain(spec["role"], values) if spec.get("role") else None,
                values.get(name_key) or None,
            )
        )
