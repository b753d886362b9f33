"""Transfers of a file between units (chuyển sinh hoạt, RULES.md §2a): send a file away,
withdraw it before it is answered, accept or return one sent here, list them. Each use
case is one transaction, audited.

The events are rows of the file's step history (`CHUYEN_DI`, `CHUYEN_DEN`, `CHUYEN_TRA`,
`CHUYEN_HUY`; domain/transfers.py replays them). Acceptance is the one moment a file
changes unit and owner: its record then names the receiving unit and this station as
its one writer.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from khdesk.core.domain import transfers as tr
from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.domain.roles import Action
from khdesk.core.domain.scope import keeps, station_scope
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import outside_transfers as ot
from khdesk.core.services.attachments import read_source, store_attachment
from khdesk.core.services.session import Session
from khdesk.core.services.steps import _locked_file, check_year
from khdesk.core.store import schema as t
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.states import insert_step, transit_problem
from khdesk.core.sync import keys
from khdesk.core.text import clean_text


def _check_day(on: date, today: date, what: str) -> None:
    if on > today:
        raise InputError(f"Ngày {what} {on:%d/%m/%Y} là ngày trong tương lai.")
    check_year(on, what)


def _owner(conn, cuid: str) -> str:
    return conn.execute(select(t.candidates.c.owner).where(t.candidates.c.uuid == cuid)).scalar()


def _check_holder(session: Session, conn, tree, cuid: str, file, may: str) -> None:
    """Only the station that writes the file (its owner, its unit in this station's
    scope) acts for it; `may` ends the refusal ("chuyển hồ sơ đi được")."""
    scope = station_scope(tree, session.org_code, session.info.role)
    owner = _owner(conn, cuid)
    if owner != session.org_code or file.org_code not in scope.units:
        raise AccessDenied(
            f"Hồ sơ {file.file_code} do {owner} quản lý (chi bộ {file.org_code}): chỉ đơn vị "
            f"đó {may}."
        )


def _check_outside(session: Session, conn, tree, to_org: str) -> None:
    """A destination outside this station's list of units: another province. The
    province sends only to a province whose key it enrolled (the transfer file is sealed
    to it), a cell or a committee (for a cell it keeps) only to one its catalogue lists;
    a catalogue listing none leaves the code to the province, judged when the bundle
    comes up. A code under one of the committee's units ('X01-CB99') is a mistyped unit
    of ours, not another province."""
    unknown = (
        f"Không có đơn vị mã '{to_org}' trong danh sách đơn vị: kiểm tra lại mã đơn vị nhận "
        "(danh sách đơn vị đến từ danh mục của tỉnh)."
    )
    role = session.info.role
    parts = to_org.split("-")
    if role == "committee" and any("-".join(parts[:n]) in tree for n in range(1, len(parts))):
        raise InputError(unknown)
    choices = ot.outside_provinces(conn, role)
    if to_org in dict(choices) or (role != "province" and not choices):
        return
    known = ", ".join(f"{code} ({name})" for code, name in choices)
    raise InputError(
        f"{unknown} Gửi ra ngoài tỉnh: mã của một tỉnh đã ghi nhận khóa — "
        + (known or "chưa có ('khdesk transfer station-enrol').")
    )


def transfer_out(
    session: Session,
    file_code: str,
    to_org: str,
    on: date,
    today: date,
    reason: str | None = None,
    opinion: str | None = None,
) -> str:
    """The sending unit records CHUYEN_DI: the file is in transit to `to_org` from `on`.
    `opinion`: the number of this cell's written opinion of a probationary member, sent
    with the file (TRANSFER_PRIOR_OPINION). Returns the event's uuid."""
    session.require(Action.TRANSFER_FILES)
    _check_day(on, today, "chuyển đi")
    to_org = (clean_text(to_org, "Đơn vị nhận") or "").strip()
    if not to_org:
        raise InputError("Thiếu mã đơn vị nhận hồ sơ.")
    with session.store.write(session.user) as tx:
        facts, file = _locked_file(tx.conn, file_code)
        cuid = facts.uuids[file_code]
        tree = load_tree(tx.conn)
        if to_org in tree and not tree.live(to_org):
            raise InputError(
                f"Không có đơn vị mã '{to_org}' trong danh sách đơn vị: kiểm tra lại mã đơn vị "
                "nhận (danh sách đơn vị đến từ danh mục của tỉnh)."
            )
        _check_holder(session, tx.conn, tree, cuid, file, "chuyển hồ sơ đi được")
        if to_org not in tree:
            _check_outside(session, tx.conn, tree, to_org)
        why = tr.out_problem(file_code, file.events, file.org_code, on, to_org)
        if why:
            raise InputError(why)
        holder = tr.replay(file.events, file.org_code).holder
        event = StepEvent(
            tr.OUT,
            on,
            doc_no=clean_text(opinion, "Số văn bản nhận xét") or None,
            note=clean_text(reason, "Lý do chuyển") or None,
            from_org=holder,
            to_org=to_org,
        )
        uuid = insert_step(tx, cuid, event)
        tx.audit(
            "transfer_out",
            "candidate",
            file_code,
            from_org=holder,
            to_org=to_org,
            on=on.isoformat(),
            reason=event.note,
        )
    return uuid


def _pending_here(session: Session, tx, file_code: str):
    """The file in transit to a unit this station keeps, its uuid and the CHUYEN_DI."""
    facts, file = _locked_file(tx.conn, file_code)
    pending = tr.replay(file.events, file.org_code).pending
    if pending is None:
        raise InputError(
            f"Hồ sơ {file_code} không đang chuyển: không có gì để tiếp nhận hay trả lại."
        )
    scope = station_scope(load_tree(tx.conn), session.org_code, session.info.role)
    if pending.to_org not in scope.units:
        raise AccessDenied(
            f"Hồ sơ {file_code} chuyển đến {pending.to_org}: chỉ đơn vị đó tiếp nhận hay trả "
            "lại được."
        )
    return facts.uuids[file_code], file, pending


def accept(
    session: Session,
    file_code: str,
    on: date,
    today: date,
    opinion: str | None = None,
) -> str:
    """The receiving unit accepts the file (CHUYEN_DEN): from `on` it holds the file, and
    its record names the unit and this station as its writer. `opinion`: the number of
    the previous cell's written opinion that came with the file. Returns the event's uuid."""
    session.require(Action.TRANSFER_FILES)
    _check_day(on, today, "tiếp nhận")
    with session.store.write(session.user) as tx:
        cuid, file, pending = _pending_here(session, tx, file_code)
        why = tr.accept_problem(file_code, file.events, file.org_code, on)
        if why:
            raise InputError(why)
        event = StepEvent(
            tr.IN,
            on,
            doc_no=clean_text(opinion, "Số văn bản nhận xét") or None,
            from_org=pending.from_org,
            to_org=pending.to_org,
        )
        uuid = insert_step(tx, cuid, event)
        tx.conn.execute(
            update(t.candidates)
            .where(t.candidates.c.uuid == cuid)
            .values(org_code=pending.to_org, owner=session.org_code, **tx.changed(t.candidates))
        )
        tx.audit(
            "transfer_accept",
            "candidate",
            file_code,
            from_org=pending.from_org,
            to_org=pending.to_org,
            on=on.isoformat(),
        )
    return uuid


def return_(session: Session, file_code: str, reason: str, on: date, today: date) -> str:
    """The receiving unit gives the file back (CHUYEN_TRA, with its reason): the sender
    holds it as before. Returns the event's uuid."""
    session.require(Action.TRANSFER_FILES)
    _check_day(on, today, "trả lại")
    why_text = clean_text(reason, "Lý do trả lại")
    if not why_text:
        raise InputError("Ghi lý do trả lại hồ sơ.")
    with session.store.write(session.user) as tx:
        cuid, file, pending = _pending_here(session, tx, file_code)
        why = tr.answer_problem(file_code, file.events, file.org_code, on)
        if why:
            raise InputError(why)
        event = StepEvent(
            tr.BACK, on, note=why_text, from_org=pending.to_org, to_org=pending.from_org
        )
        uuid = insert_step(tx, cuid, event)
        tx.audit(
            "transfer_return",
            "candidate",
            file_code,
            from_org=pending.to_org,
            to_org=pending.from_org,
            on=on.isoformat(),
            reason=why_text,
        )
    return uuid


def withdraw(
    session: Session, file_code: str, on: date, today: date, reason: str | None = None
) -> str:
    """The sending unit withdraws a transfer not yet answered (CHUYEN_HUY, rút lại). The
    file stays in transit until the receiving unit's station answers with a return,
    which it does by itself when the withdrawal reaches it before an acceptance (at once
    when this station keeps the receiving unit too). Returns the event's uuid."""
    session.require(Action.TRANSFER_FILES)
    _check_day(on, today, "rút lại")
    with session.store.write(session.user) as tx:
        facts, file = _locked_file(tx.conn, file_code)
        cuid = facts.uuids[file_code]
        why = tr.withdraw_problem(file_code, file.events, file.org_code, on)
        if why:
            raise InputError(why)
        pending = tr.replay(file.events, file.org_code).pending
        assert pending is not None  # withdraw_problem says so
        tree = load_tree(tx.conn)
        scope = station_scope(tree, session.org_code, session.info.role)
        owner = _owner(tx.conn, cuid)
        if owner != session.org_code or pending.from_org not in scope.units:
            raise AccessDenied(
                f"Hồ sơ {file_code} do {pending.from_org} chuyển đi: chỉ đơn vị đó rút lại được."
            )
        event = StepEvent(
            tr.WITHDRAW,
            on,
            note=clean_text(reason, "Lý do rút lại") or None,
            from_org=pending.from_org,
            to_org=pending.to_org,
        )
        uuid = insert_step(tx, cuid, event)
        tx.audit(
            "transfer_withdraw",
            "candidate",
            file_code,
            from_org=pending.from_org,
            to_org=pending.to_org,
            on=on.isoformat(),
            reason=event.note,
        )
        if keeps(tree, session.org_code, keys.running_units(tx.conn), pending.to_org or ""):
            # this station keeps the receiving unit too: it answers at once
            insert_step(tx, cuid, tr.withdrawal_answer(pending, event))
    return uuid


def record_prior_opinion(
    session: Session,
    file_code: str,
    from_org: str,
    on: date,
    today: date,
    text: str,
    doc_no: str | None = None,
    scan: Path | None = None,
) -> str:
    """The new holder records the previous cell's written opinion after acceptance
    (CHUYEN_NX, TRANSFER_PRIOR_OPINION): its date, the cell that gave it, its text and
    number, and the scan if there is one — all in one transaction. Returns the uuid."""
    session.require(Action.TRANSFER_FILES)
    _check_day(on, today, "của văn bản nhận xét")
    body = clean_text(text, "Nội dung nhận xét")
    if not body:
        raise InputError("Ghi nội dung (tóm tắt) ý kiến nhận xét của chi bộ cũ.")
    from_org = (clean_text(from_org, "Chi bộ cũ") or "").strip()
    content = read_source(Path(scan)) if scan is not None else None  # before the write
    with session.store.write(session.user) as tx:
        facts, file = _locked_file(tx.conn, file_code)
        cuid = facts.uuids[file_code]
        pending = tr.replay(file.events, file.org_code).pending
        if pending is not None:  # said first: the receiver asks before it has accepted
            raise InputError(tr.transit_refusal(file_code, pending))
        tree = load_tree(tx.conn)
        _check_holder(session, tx.conn, tree, cuid, file, "ghi ý kiến của chi bộ cũ")
        why = tr.opinion_problem(file_code, file.events, file.org_code, from_org)
        if why:
            raise InputError(why)
        event = StepEvent(
            tr.OPINION,
            on,
            doc_no=clean_text(doc_no, "Số văn bản nhận xét") or None,
            note=body,
            from_org=from_org,
            to_org=file.org_code,
        )
        uuid = insert_step(tx, cuid, event)
        tx.audit("transfer_opinion", "candidate", file_code, from_org=from_org, on=on.isoformat())
        if content is not None and scan is not None:
            store_attachment(tx, cuid, file_code, Path(scan).name, content, uuid)
    return uuid


def transit_note(session: Session, file_code: str) -> str | None:
    """What a person reads when the file is in transit (None: it is not)."""
    with session.store.read() as conn:
        return transit_problem(conn, file_code)
