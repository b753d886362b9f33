"""The …-KNĐ forms: their values read from a file's records, and the PDF from a template.

`form_values` gathers what the templates' placeholders name (documented in
`resources/forms/README.md`) from the database; `render_form` lays a template out with
`pdf.py`. Anything the records do not carry (attendance, the chair, the strengths and
weaknesses…) prints as a dotted blank to fill by hand, unless the caller passes it in
`values` (the UI's print dialog, or `khdesk form --value key=…`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from khdesk.core.domain.meetings import Meeting, attendance_values
from khdesk.core.domain.pipeline import (
    CELL_VOTE_STEPS,
    STATE_LABELS,
    VOTE_STEPS,
    Result,
    State,
    StepEvent,
    effective_events,
    ordered,
)
from khdesk.core.domain.rulebook import RulebookSet, default_rulebooks
from khdesk.core.domain.rules import probation_end
from khdesk.core.domain.scope import OrgTree
from khdesk.core.domain.template import COMMUNE_KINDS, kind_from_name
from khdesk.core.domain.terms import term_of
from khdesk.core.errors import InputError
from khdesk.core.reports.pdf import (
    BLANK,
    Header,
    PdfDocument,
    Signature,
    blank,
    esc,
    number_line,
    signers_block,
)
from khdesk.core.reports.templates import Template, fill, fill_plain, load_template, truthy
from khdesk.core.resources import resource_path
from khdesk.core.store import schema as t
from khdesk.core.store.meetings import find_meeting
from khdesk.core.text import nfc

__all__ = [
    "HAND_FILLED",
    "build_form",
    "form_values",
    "org_values",
    "party_body",
    "place_of",
    "render_form",
    "render_blocks",
]

CELL_COMMITTEE_MIN_OFFICIAL = 9  # official members from which a cell elects a chi ủy
_STEP_KEYS = ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11")
_STEP_KEYS += ("P1", "P2", "P3", "P4", "P5", "XOA_TEN", "DUNG")
# Forms of the đảng ủy cơ sở and its sections: only for a cell inside a đảng bộ cơ sở.
_BASE_FORMS = ("7-KNĐ", "8-KNĐ", "14-KNĐ", "15-KNĐ")
_LEFT = ("Chuyển đi", "Từ trần", "Xóa tên", "Xoá tên", "Khai trừ")


# Values the records never carry: blank (dotted) unless the print dialog or
# `khdesk form --value` gives them (resources/forms/README.md).
HAND_FILLED = frozenset(
    {
        "present",
        "present_official",
        "present_probationary",
        "absent",
        "absent_official",
        "absent_probationary",
        "absent_reason",
        "chair",
        "chair_role",
        "clerk",
        "meeting_body",
        "strengths",
        "weaknesses",
        "political_history",
        "against_reason",
        "other_org",
        "residence",
        "section_name",
        "section_signer",
        "signer",
        *(f"{s}_against{x}" for s in ("a8", "a9", "p3", "p4") for x in ("", "_share")),
    }
)


# -- organisations --------------------------------------------------------------------------


def party_body(name: str | None) -> str | None:
    """The đảng bộ a committee leads, as the header's upper line names it:
    "Đảng ủy xã Cam Lâm" → "Đảng bộ xã Cam Lâm"; "Tỉnh ủy Khánh Hòa" → "Đảng bộ tỉnh Khánh Hòa"."""
    if not name:
        return None
    if name.startswith("Đảng ủy "):
        return "Đảng bộ " + name.removeprefix("Đảng ủy ")
    if name.startswith("Tỉnh ủy "):
        return "Đảng bộ tỉnh " + name.removeprefix("Tỉnh ủy ")
    return name


def place_of(committee_name: str | None) -> str | None:
    """The place of the date line from the commune committee's name: "Cam Lâm"."""
    if not committee_name:
        return None
    rest = committee_name.removeprefix("Đảng ủy ").strip()
    for word in ("xã ", "phường ", "đặc khu "):
        if rest.startswith(word):
            return rest.removeprefix(word).strip()
    return None


def org_rows(conn: Connection) -> dict[str, dict]:
    """The units this station knows, by code: its orgs rows, and the stations whose signed
    key cards it enrolled (code, name and a kind read from the name): a cell's profile
    holds no row of its committee, but the committee's card names it."""
    rows = {r["code"]: dict(r) for r in conn.execute(select(t.orgs)).mappings()}
    p = t.sync_peers.c
    enrolled = conn.execute(
        select(p.org_code, p.org_name, p.role)
        .where(p.status != "revoked")  # keys.REVOKED: a revoked card vouches for nothing
        .order_by(p.enrolled_at)
    ).all()
    cards = {code: (name, role) for code, name, role in enrolled}  # the latest name wins
    for code, (name, role) in cards.items():
        kind = kind_from_name(name, role)
        rows.setdefault(code, {"code": code, "name": name, "parent_code": None, "kind": kind})
    return {code: r for code, r in rows.items() if not r.get("deleted")}


def org_values(
    orgs: Mapping[str, dict],
    cell_code: str,
    own_code: str,
    defaults: Mapping[str, Any],
    given: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The organisations a form names, seen from a cell (names are None when this
    profile does not know them: they print as dotted blanks). `given`: the names the
    profile set for its printouts where its tree does not reach (print settings); what
    follows from them (the request's addressee, the place) follows as from the tree."""
    given = given or {}
    tree = OrgTree.from_rows(orgs.values())
    cell = orgs.get(cell_code) or {}
    parent = orgs.get(tree.parent(cell_code) or "") or {}
    inside = cell.get("is_grassroots_cell") is False
    commune = orgs.get(tree.commune(cell_code) or "") or {}
    base = parent if inside else {}
    base_name = given.get("base_committee") or base.get("name")
    commune_name = given.get("commune_committee") or commune.get("name")
    # A chi bộ cơ sở sits right under its commune committee (RULES.md §1).
    upper_name = parent.get("name") or (None if inside else commune_name)
    commune_parent = orgs.get(tree.parent(commune.get("code")) or "") or {}
    decision_body = (
        given.get("decision_body")
        or cell.get("decision_body")
        or (f"Ban Thường vụ {commune_name}" if commune_name else None)
    )
    own = orgs.get(own_code) or {}
    own_parent = orgs.get(tree.parent(own_code) or "") or {}
    return {
        "cell_code": cell_code,
        "base_code": base.get("code"),
        "commune_code": commune.get("code"),
        "cell_name": cell.get("name"),
        "cell_upper_body": party_body(upper_name),
        "inside_base": inside,
        "base_committee": base_name,
        "base_party": party_body(base_name),
        "commune_committee": commune_name,
        "commune_party": party_body(commune_name),
        "commune_upper_body": party_body(commune_parent.get("name"))
        or (defaults.get("province_party") if commune_name else None),
        "decision_body": decision_body,
        "request_to": base_name if inside else decision_body,
        "report_to": base_name if inside else commune_name,
        "place": place_of(commune_name),
        "own_name": own.get("name"),
        "own_upper_body": party_body(own_parent.get("name"))
        or (defaults.get("province_party") if own.get("kind") in COMMUNE_KINDS else None),
    }


# -- values of one file ---------------------------------------------------------------------


def share(part: int | None, whole: int | None) -> str | None:
    """A vote's share in the Vietnamese way: 6 of 7 → "85,71%"."""
    if part is None or not whole:
        return None
    text = f"{100 * part / whole:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


def date_words(on: date | None) -> str | None:
    """ "ngày 05 tháng 02 năm 2026" (the date line's padding)."""
    if on is None:
        return None
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"


def _step_record(events: list[StepEvent], step: str) -> StepEvent | None:
    """The record a document of `step` prints: the one in force, else the latest."""
    kept = [e for e in effective_events(events) if e.step_id == step]
    if kept:
        return kept[-1]
    found = [e for e in ordered(events) if e.step_id == step]
    return found[-1] if found else None


def _members(conn: Connection, org_code: str) -> list[dict]:
    m = t.members.c
    rows = conn.execute(
        select(m.member_code, m.full_name, m.status, m.admitted_on, m.official_on).where(
            m.deleted.is_(False), m.org_code == org_code
        )
    ).mappings()
    return [dict(r) for r in rows]


def _counts(members: list[dict], on: date | None) -> dict[str, int | None]:
    """Official and probationary members of the cell on `on` (status today for those who
    left: the register has no date of leaving)."""
    if on is None:
        return {"members_total": None, "members_official": None, "members_probationary": None}
    official = probationary = 0
    for r in members:
        if r["status"] in _LEFT or r["admitted_on"] is None or r["admitted_on"] > on:
            continue
        if (r["official_on"] and r["official_on"] <= on) or (
            r["official_on"] is None and r["status"] == "Chính thức"
        ):
            official += 1
        else:
            probationary += 1
    return {
        "members_total": official + probationary,
        "members_official": official,
        "members_probationary": probationary,
    }


def _person(ref: str | None, names: Mapping[str, str]) -> str | None:
    """A member named by code (or by name, as the template allows) → the name."""
    if not ref:
        return None
    return names.get(ref, ref)


def _introducers(row: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    one = _person(row.get("a6_introducer1"), names)
    two = _person(row.get("a6_introducer2"), names)
    union = row.get("a6_union_intro")
    if union:
        body = "Đoàn Thanh niên Cộng sản Hồ Chí Minh" if union == "Đoàn" else "Công đoàn"
        who = f"đồng chí {one}" if one else "đồng chí " + blank(12)
        return f"Ban Chấp hành {body} cơ sở và {who}"
    people = [f"đồng chí {p}" for p in (one, two) if p]
    return " và ".join(people) or None


def form_values(
    conn: Connection,
    file_code: str,
    *,
    own_org: str,
    defaults: Mapping[str, Any] | None = None,
    given: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every value the form templates name, for one file (None where not recorded);
    `given`: the profile's print settings (names its tree does not reach)."""
    defaults = defaults or layout_defaults()
    row = (
        conn.execute(select(t.candidates).where(t.candidates.c.file_code == file_code))
        .mappings()
        .first()
    )
    if row is None or row["deleted"]:
        raise InputError(f"Không có hồ sơ mã '{file_code}'.")
    steps = (
        conn.execute(
            select(t.steps)
            .where(t.steps.c.candidate_uuid == row["uuid"], t.steps.c.deleted.is_(False))
            .order_by(t.steps.c.seq)
        )
        .mappings()
        .all()
    )
    events = [
        StepEvent(
            s["step_id"],
            s["on"],
            Result(s["result"]),
            s["doc_no"],
            s["official_members"],
            s["votes_for"],
            s["received_on"],
            s["note"],
            s["seq"],
        )
        for s in steps
    ]
    orgs = org_rows(conn)
    values: dict[str, Any] = org_values(orgs, row["org_code"], own_org, defaults, given)
    members = _members(conn, row["org_code"])
    names = {r["member_code"]: r["full_name"] for r in members}
    refs = {row["a6_introducer1"], row["a6_introducer2"], row["mentor"]} - {None} - set(names)
    if refs:  # introducers from another cell
        m = t.members.c
        names.update(
            conn.execute(select(m.member_code, m.full_name).where(m.member_code.in_(refs))).all()
        )
    values.update(
        file_code=row["file_code"],
        full_name=row["full_name"],
        sex=row["sex"],
        birth_date=row["birth_date"],
        home_town=row["home_town"],
        ethnicity=row["ethnicity"],
        religion=row["religion"],
        education=row["education"],
        occupation=row["occupation"],
        workplace=row["workplace"],
        history_no=row["history_no"],
        mentor=_person(row["mentor"], names),
        introducer1=_person(row["a6_introducer1"], names),
        introducer2=_person(row["a6_introducer2"], names),
        introducers=_introducers(row, names),
        state=row["state"],
        state_label=STATE_LABELS.get(State(row["state"]), row["state"]),
    )
    for step in _STEP_KEYS:
        e = _step_record(events, step)
        key = step.lower()
        values[f"{key}_on"] = e.on if e else None
        values[f"{key}_date"] = date_words(e.on) if e else None
        values[f"{key}_no"] = e.doc_no if e else None
        if step in VOTE_STEPS:
            values[f"{key}_official"] = e.official_members if e else None
            values[f"{key}_for"] = e.votes_for if e else None
            values[f"{key}_for_share"] = share(e.votes_for, e.official_members) if e else None
    a10 = _step_record(events, "A10")
    values["a10_received_on"] = a10.received_on if a10 else None
    ceremony = values["a11_on"]
    values["ceremony_on"] = ceremony
    # The rules' own end of probation (the deadlines and the statistics use it too).
    values["probation_end"] = probation_end(ceremony, default_rulebooks()) if ceremony else None
    values["_events"] = events
    values["_members"] = members
    # A vote held at a cell meeting: its roll fills the attendance lines (RULES.md §2a).
    meeting_of = {s["seq"]: s["meeting_uuid"] for s in steps if s["meeting_uuid"]}
    for step in CELL_VOTE_STEPS:
        e = _step_record(events, step)
        uuid = meeting_of.get(e.seq) if e else None
        meeting = find_meeting(conn, uuid) if uuid else None
        if meeting is not None and meeting.org_code != row["org_code"]:
            meeting = None  # another unit's meeting: not this file's attendance
        values[f"_{step.lower()}_meeting"] = _meeting_lines(meeting, step, e) if meeting else None
    return values


def _meeting_lines(meeting: Meeting, step: str, e: StepEvent | None) -> dict[str, Any]:
    """What the meeting that held a cell's vote fills on its resolution: the attendance
    lines and the "không tán thành" line (no reason to give when nobody was against)."""
    lines = attendance_values(meeting)
    if e is not None and e.votes_for is not None:
        against = meeting.votes_against(e.votes_for)
        key = step.lower()
        lines[f"{key}_against"] = against
        lines[f"{key}_against_share"] = share(against, meeting.official_members)
        if against == 0:
            lines["against_reason"] = "không có"
    return lines


def layout_defaults() -> dict[str, Any]:
    """The `defaults` of resources/forms/layout.json (e.g. the province's đảng bộ)."""
    path = resource_path("forms", "layout.json")
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")).get("defaults", {}))


def document_values(
    template: Template,
    values: dict[str, Any],
    own_org: str,
    rulebooks: RulebookSet | None = None,
) -> dict[str, Any]:
    """The values that depend on the document: its date, number, signer, rulebook."""
    out = dict(values)
    step = template.get("step")
    key = step.lower() if step else None
    on = out.get("doc_on") or (out.get(f"{key}_on") if key else None)
    if isinstance(on, str):
        on = date.fromisoformat(on)
    out["doc_on"] = on
    if "doc_no" not in out or not out["doc_no"]:
        out["doc_no"] = out.get(f"{key}_no") if key else None
    book = (rulebooks or default_rulebooks()).rulebook_for(on or date.today())
    out.setdefault("regulation", book.title)
    if not out.get("term"):
        out["term"] = term_of(on or date.today())
    out.setdefault("sign_role", "BÍ THƯ")
    # The attendance of the meeting that held the document's vote, where it was recorded
    # at one (what the caller gives still wins); else counts from the register.
    for k, v in (out.get(f"_{key}_meeting") or {}).items():
        if out.get(k) is None:
            out[k] = v
    # Counts on the meeting's day (for 6-/13-KNĐ), when the caller did not give them.
    members = out.get("_members")
    if members is not None:
        for k, v in _counts(members, on).items():
            if out.get(k) is None:
                out[k] = v
    # Who signs for the cell (5-/12-KNĐ): its chi ủy where it has one — elected only by
    # a cell of nine or more official members (Điều lệ Đảng, Điều 24). The station keeps
    # no other record of it: its members, else the official members a recorded vote
    # counted; a cell of which it knows neither signs as the cell.
    official = out.get("members_official") or max(
        out.get(f"{k}_official") or 0 for k in ("a8", "p3")
    )
    has_committee = official >= CELL_COMMITTEE_MIN_OFFICIAL
    out.setdefault("cell_signs_as", "T/M CHI ỦY" if has_committee else "T/M CHI BỘ")
    return out


# -- rendering ------------------------------------------------------------------------------


def render_blocks(doc: PdfDocument, blocks: list[Any], values: Mapping[str, Any]) -> None:
    """Lay the body blocks of a template out on `doc`."""
    for block in blocks:
        if isinstance(block, str):
            text = fill(block, values)
            doc.paragraph(text, "form" if BLANK in text else "body", markup=True)
            continue
        if not truthy(values, block.get("when")):
            continue
        if "dots" in block:
            doc.dotted(int(block["dots"]))
        elif "space" in block:
            doc.spacer(float(block["space"]))
        elif "table" in block:
            spec = block["table"]
            rows = [[fill_plain(c, values) for c in spec.get("head", [])]]
            rows += [[fill_plain(c, values) for c in r] for r in spec.get("rows", [])]
            # "each": one row per item of a list value (a meeting's agenda), `row` filled
            # with the item's own values over the document's.
            for item in values.get(spec["each"], ()) if spec.get("each") else ():
                rows.append([fill_plain(c, {**values, **item}) for c in spec.get("row", [])])
            doc.table(rows, spec.get("widths"), align=spec.get("align"))
        elif "text" in block:
            if block.get("upper"):  # capitals of the filled text, no inline markup
                text = esc(fill_plain(block["text"], values).upper())
            else:
                text = fill(block["text"], values)
            role = block.get("style", "body")
            doc.paragraph(text, "form" if role == "body" and BLANK in text else role, markup=True)


def header_of(template: Template, values: Mapping[str, Any], *, on: str = "doc_on") -> Header:
    """The letterhead a template's `header` describes; `on`: the value holding its date."""
    spec = template.get("header", {})
    number = None
    if spec.get("number"):
        number = number_line(values.get("doc_no"), spec["number"], spec.get("number_suffix"))
    upper = fill_plain(spec.get("upper_body", ""), values) if spec.get("upper_body") else None
    return Header(
        issuer=fill_plain(spec.get("issuer", ""), values),
        upper_body=upper,
        number=number,
        place=values.get("place"),
        on=values.get(on),
    )


def signature_of(spec: Mapping[str, Any] | None, values: Mapping[str, Any]) -> Signature | None:
    if not spec:
        return None
    on_behalf = fill_plain(spec["on_behalf"], values) if spec.get("on_behalf") else None
    role = fill_plain(spec["role"], values) if spec.get("role") else None
    name_key = (spec.get("name") or "").strip("{}")
    name = values.get(name_key) if name_key else None
    return Signature(on_behalf, role, name or None)


def render_form(template: Template, values: Mapping[str, Any], *, invariant: bool = False) -> bytes:
    """The PDF of a form template filled with `values` (see `document_values`)."""
    doc = PdfDocument(
        title=f"{template.code} — {fill_plain(template.get('name', ''), values)}",
        subject=f"{template.code} (mẫu phiên bản {template.version})",
        landscape_page=bool(template.get("landscape")),
    )
    doc.header(header_of(template, values))
    doc.title(
        fill_plain(template.get("doc_type", ""), values),
        fill_plain(template.get("summary", ""), values) or None,
    )
    render_blocks(doc, list(template.get("body", [])), values)
    signature = signature_of(template.get("signature"), values)
    if signature is not None:
        recipients = [fill_plain(r, values) for r in template.get("recipients", [])]
        doc.signing(signature, recipients)
    signers = template.get("signers")
    if signers:  # two people sign side by side (the minutes)
        left, right = (
            signature_of({"role": signers[f"{s}"], "name": signers[f"{s}_name"]}, values)
            for s in ("left", "right")
        )
        doc.add(signers_block(left, right, doc.width))
    return doc.build(invariant=invariant)


_ISSUER_CODES = {
    "{cell_name}": "cell_code",
    "{base_committee}": "base_code",
    "{commune_committee}": "commune_code",
}


def issuer_code(template: Template, values: Mapping[str, Any]) -> str | None:
    """The org code of the body issuing a template's document, where the profile knows it."""
    key = _ISSUER_CODES.get((template.get("header") or {}).get("issuer", ""))
    return values.get(key) if key else None


def check_applicable(code: str, values: Mapping[str, Any]) -> None:
    """Refuse a form the file's cell has no use for (a đảng ủy cơ sở form for a cell
    directly under the commune committee)."""
    if code in _BASE_FORMS and not values.get("inside_base"):
        raise InputError(
            f"Mẫu {code} là văn bản của đảng ủy cơ sở (hoặc đảng ủy bộ phận); "
            f"{values.get('cell_name') or 'chi bộ này'} là chi bộ cơ sở trực thuộc đảng ủy "
            "xã, phường, đặc khu nên không có bước này."
        )


def build_form(
    conn: Connection,
    code: str,
    file_code: str,
    *,
    own_org: str,
    settings: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    template: Template | None = None,
    rulebooks: RulebookSet | None = None,
    invariant: bool = False,
) -> bytes:
    """Read a file's records and print form `code` (canonical, e.g. "6-KNĐ"). `template`
    replaces the shipped one (an installed catalogue's); `rulebooks` name the regulation
    in force on the document's date (default: the shipped ones)."""
    template = template or load_template(code)
    base = form_values(conn, file_code, own_org=own_org, given=settings)
    check_applicable(template.code, base)
    merged = dict(base)
    settings = dict(settings or {})
    if issuer_code(template, base) != own_org:  # the profile's signer signs its own papers
        settings.pop("signer", None)
        settings.pop("sign_role", None)
    for source in (settings, values or {}):
        merged.update({k: nfc(v) if isinstance(v, str) else v for k, v in source.items()})
    filled = document_values(template, merged, own_org, rulebooks)
    return render_form(template, filled, invariant=invariant)
