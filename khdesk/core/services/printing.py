"""Printing: the …-KNĐ forms, the 18-KNĐ register, the due list and a file's checklist
as PDF files — written atomically, each export of personal data entered in the audit.

The `*_pdf` functions return the bytes (the UI's preview); the `export_*` functions write
them to a path and audit the export. Rendering runs in a read transaction; the write
transaction only covers writing the file and its audit entry, so the audit entry lands
only if the file did.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from khdesk.core.domain import rules
from khdesk.core.domain.roles import Action
from khdesk.core.errors import InputError, UsageError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.reports import forms, lists, minutes
from khdesk.core.reports.pdf import encrypted
from khdesk.core.reports.templates import (
    FORM_CODES,
    Template,
    file_name,
    form_code,
    load_template,
    parse_template,
)
from khdesk.core.services import catalogue
from khdesk.core.services.checking import check_profile, load_facts
from khdesk.core.services.session import Session
from khdesk.core.store.store import get_meta, set_meta
from khdesk.core.sync import judging
from khdesk.core.text import clean_text

__all__ = [
    "PRINT_SETTING_KEYS",
    "checklist_pdf",
    "due_pdf",
    "export_checklist",
    "export_due",
    "export_form",
    "export_register",
    "form_pdf",
    "names_from_tree",
    "print_settings",
    "register_pdf",
    "resolve_form_code",
    "set_print_settings",
]

_META_KEY = "print_settings"
# What a profile may set once for all its printouts (the names the tree may not know: a
# cell's profile does not hold its commune committee's record).
PRINT_SETTING_KEYS = (
    "place",
    "signer",
    "sign_role",
    "cell_upper_body",
    "commune_committee",
    "commune_party",
    "commune_upper_body",
    "base_committee",
    "base_party",
    "decision_body",
    "own_upper_body",
)


def resolve_form_code(text: str) -> str:
    """ "6-KND" / "6-knđ" / "6" → "6-KNĐ"; an unknown code is a usage error (exit 2)."""
    code = form_code(text)
    if code not in FORM_CODES:
        raise UsageError(
            f"Không có mẫu '{text}'. Các mẫu in được: {', '.join(FORM_CODES)} "
            "(sổ 18-KNĐ: 'khdesk report register')."
        )
    return code


def print_settings(session: Session) -> dict[str, str]:
    """What the profile set for its printouts (place, signer…)."""
    with session.store.read() as conn:
        return print_settings_in(conn)


def print_settings_in(conn) -> dict[str, str]:
    raw = get_meta(conn, _META_KEY)
    return dict(json.loads(raw)) if raw else {}


def names_from_tree(session: Session) -> dict[str, str]:
    """What the forms print where the print settings say nothing: the place and the
    upper bodies the organisation list (and the enrolled committee's card) give."""
    with session.store.read() as conn:
        values = lists.list_header_values(conn, session.org_code)
    keys = ("place", "cell_upper_body", "commune_committee")
    return {k: values[k] for k in keys if values.get(k)}


def set_print_settings(session: Session, **values: str | None) -> dict[str, str]:
    """Set (or, with None / "", clear) print settings; returns them all. They are the
    unit's settings (the signer printed on every form): a keeper's (roles.py)."""
    session.require(Action.UNIT_SETTINGS)
    unknown = set(values) - set(PRINT_SETTING_KEYS)
    if unknown:
        raise UsageError(
            f"Không có thiết lập in '{', '.join(sorted(unknown))}'. "
            f"Các thiết lập: {', '.join(PRINT_SETTING_KEYS)}."
        )
    with session.store.write(session.user, changes=False) as tx:
        raw = get_meta(tx.conn, _META_KEY)
        current = dict(json.loads(raw)) if raw else {}
        for key, value in values.items():
            value = clean_text(value, f"Thiết lập in '{key}'")  # printed on every form
            if value:
                current[key] = value
            else:
                current.pop(key, None)
        set_meta(tx.conn, _META_KEY, json.dumps(current, ensure_ascii=False, sort_keys=True))
        tx.audit("print_settings", "profile", session.org_code, keys=sorted(values))
    return current


def _write(session: Session, out: Path, data: bytes, entity: str, key: str, **detail) -> None:
    """Every form and list written to a file comes here: taking it out of the PC."""
    session.require_take_out()
    out = Path(out)
    with session.store.write(session.user, changes=False) as tx:
        atomic_write_bytes(out, data)
        tx.audit("export", entity, key, file=out.name, bytes=len(data), **detail)


# -- forms ----------------------------------------------------------------------------------


def template_in(conn: Connection, code: str) -> Template:
    """The template in force: the installed catalogue's, else the shipped one."""
    name = file_name(code)
    data = catalogue.form_template(conn, name)
    return parse_template(data, name) if data else load_template(code)


def form_pdf(
    session: Session,
    code: str,
    file_code: str,
    *,
    values: Mapping[str, Any] | None = None,
    password: str | None = None,
) -> bytes:
    """Form `code` (e.g. "6-KNĐ") of a file; `values` fill what the records lack;
    `password`: the PDF opens only with it."""
    code = resolve_form_code(code)
    with session.store.read() as conn, encrypted(password):
        return forms.build_form(
            conn,
            code,
            file_code,
            own_org=session.org_code,
            settings=print_settings_in(conn),
            values=values,
            template=template_in(conn, code),
            rulebooks=judging.judge(conn).rulebooks,
        )


def export_form(
    session: Session,
    code: str,
    file_code: str,
    out: Path,
    *,
    values: Mapping[str, Any] | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    code = resolve_form_code(code)
    data = form_pdf(session, code, file_code, values=values, password=password)
    _write(session, out, data, "candidate", file_code, form=code, encrypted=bool(password))
    return {"form": code, "file_code": file_code, "out": str(out), "bytes": len(data)}


def minutes_pdf(
    session: Session,
    meeting_uuid: str,
    *,
    values: Mapping[str, Any] | None = None,
    password: str | None = None,
) -> bytes:
    """The minutes (biên bản) of a cell meeting; `values` fill what the records lack."""
    with session.store.read() as conn, encrypted(password):
        return minutes.build_minutes(
            conn,
            meeting_uuid,
            own_org=session.org_code,
            settings=print_settings_in(conn),
            values=values,
            template=template_in(conn, "minutes"),
            rulebooks=judging.judge(conn).rulebooks,
        )


def export_minutes(
    session: Session,
    meeting_uuid: str,
    out: Path,
    *,
    values: Mapping[str, Any] | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    data = minutes_pdf(session, meeting_uuid, values=values, password=password)
    _write(session, out, data, "meeting", meeting_uuid, form="minutes", encrypted=bool(password))
    return {"meeting": meeting_uuid, "out": str(out), "bytes": len(data)}


# -- register, due list, checklist ---------------------------------------------------------


def _list_values(conn, session: Session, on: date) -> dict[str, Any]:
    values = lists.list_header_values(conn, session.org_code)
    values.update({k: v for k, v in print_settings_in(conn).items() if v})
    values["on"] = on
    return values


def register_pdf(session: Session, *, on: date, year: int | None = None) -> tuple[bytes, int]:
    """The 18-KNĐ register (the whole of it, or the members admitted in `year`)."""
    with session.store.read() as conn:
        template = template_in(conn, "18-KNĐ")
        rows = lists.register_rows(conn, year=year, template=template)
        values = _list_values(conn, session, on)
    values["period_line"] = f"Năm {year}" if year else f"Tính đến ngày {on:%d/%m/%Y}"
    return lists.render_register(rows, values, template=template), len(rows)


def export_register(
    session: Session, out: Path, *, on: date, year: int | None = None
) -> dict[str, Any]:
    data, count = register_pdf(session, on=on, year=year)
    _write(session, out, data, "report", "18-KNĐ", rows=count, year=year)
    return {"report": "register", "rows": count, "out": str(out), "bytes": len(data)}


def due_pdf(session: Session, *, on: date) -> tuple[bytes, int]:
    """The findings with a due date on `on`, soonest first."""
    result = check_profile(session, on)
    with session.store.read() as conn:
        template = template_in(conn, "due")
        values = _list_values(conn, session, on)
        names = {code: o["name"] for code, o in forms.org_rows(conn).items()}
    rows = lists.due_rows(result.findings, on, names, template=template)
    return lists.render_due(rows, values, template=template), len(rows)


def export_due(session: Session, out: Path, *, on: date) -> dict[str, Any]:
    data, count = due_pdf(session, on=on)
    _write(session, out, data, "report", "due", rows=count, on=on.isoformat())
    return {"report": "due", "rows": count, "out": str(out), "bytes": len(data)}


def checklist_pdf(
    session: Session, file_code: str, *, on: date, password: str | None = None
) -> bytes:
    """A file's documents, step by step (present, incomplete, missing, not yet due), and
    what the check finds on `on` for it; `password`: the PDF opens only with it."""
    with session.store.read() as conn:
        template = template_in(conn, "checklist")
        values, rows = lists.checklist_rows(conn, file_code, own_org=session.org_code)
        found = _file_findings(conn, file_code, on)
        values.update({k: v for k, v in print_settings_in(conn).items() if v})
    values["on"] = on
    with encrypted(password):
        return lists.render_checklist(values, rows, found, template=template)


def _file_findings(conn: Connection, file_code: str, on: date) -> list[str]:
    """The check's findings for one file, as lines (judged by the catalogue in force)."""
    facts = load_facts(conn, file_code)
    file = next((f for f in facts.files if f.file_code == file_code), None)
    if file is None:
        return []
    judged = judging.judge(conn)
    context = rules.RuleContext.build(facts.members.values(), judged.rulebooks)
    found = rules.check_file(
        file, facts.orgs.get(file.org_code), facts.members, judged.calendar, on, context
    )
    out = []
    for f in sorted(found, key=lambda f: (f.due is None, f.due or date.max, f.severity.rank)):
        due = f" (hạn {f.due:%d/%m/%Y})" if f.due else ""
        out.append(f"{f.message}{due} [{f.rule}]")
    return out


def export_checklist(
    session: Session, file_code: str, out: Path, *, on: date, password: str | None = None
) -> dict[str, Any]:
    if not file_code:
        raise InputError("Cần mã hồ sơ.")
    data = checklist_pdf(session, file_code, on=on, password=password)
    _write(session, out, data, "candidate", file_code, form="checklist", encrypted=bool(password))
    return {"report": "checklist", "file_code": file_code, "out": str(out), "bytes": len(data)}


# -- a file's transfer list ------------------------------------------------------------------


def transfer_pdf(session: Session, file_code: str) -> bytes:
    """The list that goes with a file moving to a province without khdesk: its identity,
    the transfer, and its whole step history with dates and document numbers."""
    with session.store.read() as conn:
        template = template_in(conn, "transfer")
        values, rows = lists.transfer_rows(conn, file_code, own_org=session.org_code)
        values.update({k: v for k, v in print_settings_in(conn).items() if v})
    return lists.render_transfer(values, rows, template=template)


def export_transfer_list(session: Session, file_code: str, out: Path) -> dict[str, Any]:
    data = transfer_pdf(session, file_code)
    _write(session, out, data, "candidate", file_code, form="transfer")
    return {"report": "transfer", "file_code": file_code, "out": str(out), "bytes": len(data)}
