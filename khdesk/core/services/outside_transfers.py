"""Transfers out of the province (RULES.md §2a, FORMAT.md §12): the province's khdesk
sends a file in transit to another province's khdesk as a signed, encrypted transfer file
(tệp chuyển hồ sơ), the other province accepts or returns it and answers with a file of
the same format, and the answer closes the transfer here.

The other province's station is enrolled from its signed card as an outside station
(`transfer_stations`), never as a peer of our tree: its key opens no bundle, it may send
nothing but the answer to a transfer addressed to it. One owner at every moment: the
sending unit until the answer is imported here (the file is in transit, nobody records a
step), the receiving province from its acceptance. Each use case is one transaction,
audited; the files are written after it commits (a lost answer is written again from what
was recorded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select, update

from khdesk import __version__
from khdesk.core.domain import transfers as tr
from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.domain.roles import Action
from khdesk.core.errors import InputError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.progress import CancelToken, ProgressReport, no_progress, step
from khdesk.core.services import catalogue
from khdesk.core.services.session import Session
from khdesk.core.services.steps import _locked_file, insert_step
from khdesk.core.store import schema as t
from khdesk.core.store.migrate import current_revision
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.states import restate, step_event
from khdesk.core.store.store import new_uuid
from khdesk.core.sync import canonical, keys, records
from khdesk.core.sync import transfer_file as tf
from khdesk.core.sync.errors import KeyCardError, TransferFileError
from khdesk.core.sync.merge import derive_fields
from khdesk.core.sync.outbox import blobs_for
from khdesk.core.text import clean_text, fold

OUT, IN = "out", "in"
CHECKING = "Giải mã, kiểm tra chữ ký và từng bản ghi"
SENT = "sent"
STATUS_LABELS = {
    SENT: "đã xuất tệp, chờ trả lời",
    tf.ACCEPTED: "tỉnh nhận đã tiếp nhận",
    tf.RETURNED: "tỉnh nhận đã trả lại",
}


def _province_only(session: Session, what: str) -> None:
    if session.info.role != "province":
        raise InputError(
            f"Chỉ hồ sơ làm việc của tỉnh ủy {what}: hồ sơ chuyển ra ngoài tỉnh đi qua tỉnh."
        )


# -- the other provinces' stations --


def enrol_station(session: Session, path: Path, fingerprint: str) -> dict:
    """Enrol another province's khdesk from its card, once the fingerprint read from it
    matches: a station outside our tree, for transfer files only."""
    session.require(Action.MANAGE_KEYS)
    _province_only(session, "ghi nhận khóa của tỉnh khác")
    try:
        with open(path, "rb") as f:
            data = f.read(keys.MAX_CARD + 1)
    except OSError as exc:
        raise InputError(f"Không đọc được tệp thẻ khóa '{path}': {exc.strerror}") from None
    card = keys.read_card(data)
    if card.role != "province":
        raise KeyCardError(
            "not_a_province", f"Thẻ khóa của {card.org_code} không phải của một tỉnh ủy."
        )
    keys.check_fingerprint(card, fingerprint)
    key_id = card.public.key_id
    with session.store.write(session.user, changes=False) as tx:
        conn = tx.conn
        if card.org_code == session.org_code or card.org_code in load_tree(conn):
            raise KeyCardError(
                "in_our_tree",
                f"{card.org_code} là đơn vị trong tỉnh: ghi nhận bằng 'khdesk keys enrol'.",
            )
        mine = select(t.sync_own_keys.c.id).where(t.sync_own_keys.c.key_id == key_id)
        if conn.execute(mine).first() or keys.peer(conn, key_id) is not None:
            raise KeyCardError("key_in_use", "Khóa này đã được ghi nhận cho một đơn vị trong tỉnh.")
        s = t.transfer_stations.c
        found = conn.execute(select(t.transfer_stations).where(s.key_id == key_id)).first()
        if found is not None:
            if found.org_code != card.org_code or found.status == keys.REVOKED:
                raise KeyCardError(
                    "card_mismatch",
                    f"Khóa này đã được ghi nhận cho {found.org_code} ({found.status}).",
                )
            return _station_dict(found)
        conn.execute(
            update(t.transfer_stations)
            .where(s.org_code == card.org_code, s.status == keys.ACTIVE)
            .values(status=keys.RETIRED)
        )
        conn.execute(
            t.transfer_stations.insert().values(
                key_id=key_id,
                org_code=card.org_code,
                org_name=card.org_name,
                sign_public=card.public.sign,
                enc_public=card.public.enc,
                status=keys.ACTIVE,
                enrolled_at=tx.now,
                enrolled_by=session.user,
            )
        )
        tx.audit("transfer_station_enrol", "key", key_id, org_code=card.org_code)
        row = conn.execute(select(t.transfer_stations).where(s.key_id == key_id)).first()
    return _station_dict(row)


def _station_dict(row) -> dict:
    return {
        "org_code": row.org_code,
        "org_name": row.org_name,
        "key_id": row.key_id,
        "fingerprint": _fingerprint(row),
        "status": row.status,
        "enrolled_at": row.enrolled_at,
    }


def stations(session: Session) -> list[dict]:
    with session.store.read() as conn:
        rows = conn.execute(select(t.transfer_stations).order_by(t.transfer_stations.c.id))
        return [_station_dict(r) for r in rows]


def active_station(conn, org_code: str):
    s = t.transfer_stations.c
    return conn.execute(
        select(t.transfer_stations)
        .where(s.org_code == org_code, s.status == keys.ACTIVE)
        .order_by(s.id.desc())
        .limit(1)
    ).first()


def active_stations(conn) -> list:
    """The other provinces a file may be sent to now (their active keys), by code."""
    s = t.transfer_stations.c
    rows = conn.execute(
        select(t.transfer_stations).where(s.status == keys.ACTIVE).order_by(s.org_code)
    )
    return list(rows)


def revoke_station(session: Session, fingerprint: str) -> dict:
    """Revoke another province's key (lost, stolen, replaced for cause): a transfer file
    or answer it signed is refused from now on, and nothing is sealed to it."""
    session.require(Action.MANAGE_KEYS)
    _province_only(session, "thu hồi khóa của tỉnh khác")
    wanted = keys.normalise_fingerprint(fingerprint)
    with session.store.write(session.user, changes=False) as tx:
        rows = tx.conn.execute(select(t.transfer_stations)).fetchall()
        row = next((r for r in rows if _fingerprint(r).replace(" ", "") == wanted), None)
        if row is None:
            raise KeyCardError(
                "unknown_key",
                f"Không có khóa của tỉnh khác nào có mã xác nhận '{fingerprint.strip()}' "
                "('khdesk transfer stations' liệt kê các khóa đã ghi nhận).",
            )
        tx.conn.execute(
            update(t.transfer_stations)
            .where(t.transfer_stations.c.id == row.id)
            .values(status=keys.REVOKED)
        )
        tx.audit("transfer_station_revoke", "key", row.key_id, org_code=row.org_code)
        row = tx.conn.execute(
            select(t.transfer_stations).where(t.transfer_stations.c.id == row.id)
        ).first()
    return _station_dict(row)


def _fingerprint(row) -> str:
    return keys.PublicKeys(row.sign_public, row.enc_public).fingerprint


def outside_provinces(conn, role: str) -> list[tuple[str, str]]:
    """The other provinces a file may be sent to from here, (code, name) by code: at
    the province those whose key it enrolled, elsewhere those its catalogue lists."""
    if role == "province":
        return [(r.org_code, r.org_name) for r in active_stations(conn)]
    return catalogue.outside_provinces(conn)


def destinations(session: Session) -> list[tuple[str, str]]:
    """`outside_provinces` of this station (what the transfer dialog offers)."""
    with session.store.read() as conn:
        return outside_provinces(conn, session.info.role)


def _sender_key(conn):
    """An outside station's key by key id (active, or retired: a file in transit), never
    a revoked one nor any key of our own tree. `_check_retired` then bounds a retired
    key's use as a bundle's (keys.aged_out)."""

    def find(key_id: str) -> keys.PublicKeys | None:
        row = conn.execute(
            select(t.transfer_stations).where(
                t.transfer_stations.c.key_id == key_id,
                t.transfer_stations.c.status != keys.REVOKED,
            )
        ).first()
        return keys.PublicKeys(row.sign_public, row.enc_public) if row else None

    return find


def _check_retired(conn, opened: tf.Opened, now: datetime) -> None:
    """A file signed with a key of the other province that a newer card replaced here is
    taken only as a bundle would be: made before the replacement, and within
    keys.RETIRED_GRACE of it (this station's clock)."""
    s = t.transfer_stations.c
    row = conn.execute(
        select(t.transfer_stations).where(s.key_id == opened.manifest["sender"]["key_id"])
    ).first()
    if row is None or row.status != keys.RETIRED:
        return
    retired = conn.execute(
        select(s.enrolled_at)
        .where(s.org_code == row.org_code, s.id > row.id)
        .order_by(s.id)
        .limit(1)
    ).scalar()
    why = keys.aged_out(retired, opened.manifest["created_at"], now)
    if why:
        raise TransferFileError(
            "retired_sender",
            f"Tệp được ký bằng khóa cũ của {row.org_code} (mã xác nhận {_fingerprint(row)}), "
            f"đã được thay bằng khóa mới: {why}. Khóa cũ chỉ được nhận cho tệp lập trước khi "
            f"thay, trong {keys.RETIRED_GRACE.days} ngày kể từ khi ghi nhận khóa mới. Hãy xin "
            f"{row.org_code} xuất lại tệp.",
        )


# -- writing a file out --


def _file_rows(conn, cuid: str) -> dict[str, list[dict]]:
    """The file's record, live history and live scans, in their wire form."""
    out = {}
    for table, key in ((t.candidates, "uuid"), (t.steps, "candidate_uuid")):
        rows = conn.execute(
            select(table).where(table.c[key] == cuid, table.c.deleted.is_(False))
        ).mappings()
        out[table.name] = [records.to_wire(table, r) for r in rows]
    rows = conn.execute(
        select(t.attachments).where(
            t.attachments.c.candidate_uuid == cuid, t.attachments.c.deleted.is_(False)
        )
    ).mappings()
    scans = [records.to_wire(t.attachments, r) for r in rows]
    if scans:
        out["attachments"] = scans
    out["steps"].sort(key=lambda r: r["seq"])
    return out


def _write(tx, session: Session, kind: str, station, transfer: dict, tables, files, **kw):
    """The sealed file, signed with this station's key, to `station` (a transfer_stations row)."""
    return tf.write(
        kind,
        (session.org_code, session.info.org_name),
        keys.ensure_station_keys(tx.conn, tx.now),
        (station.org_code, keys.PublicKeys(station.sign_public, station.enc_public)),
        transfer,
        tables,
        files,
        file_id=new_uuid(),
        created_at=tx.now,
        schema_version=current_revision(tx.conn) or "",
        app_version=__version__,
        **kw,
    )


def _file_name(folder: Path, file_code: str, what: str) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"Thư mục '{folder}' không có: chọn thư mục ghi tệp.")
    return folder / f"{file_code}-{what}{tf.SUFFIX}"


def export_transfer(session: Session, file_code: str, folder: Path) -> dict:
    """Write the transfer file of a file in transit to another province (its CHUYEN_DI
    names that province's code) into `folder`, encrypted to that province's key. Writing
    it again (a lost stick) writes the same transfer again."""
    session.require(Action.TRANSFER_FILES)
    _province_only(session, "xuất tệp chuyển hồ sơ ra ngoài tỉnh")
    with session.store.write(session.user, changes=False) as tx:
        facts, file = _locked_file(tx.conn, file_code)
        cuid = facts.uuids[file_code]
        pending = tr.replay(file.events, file.org_code).pending
        if pending is None:
            raise InputError(
                f"Hồ sơ {file_code} không đang chuyển: chi bộ ghi chuyển đi (mã tỉnh nhận) và "
                "gói đồng bộ đưa lên tỉnh trước."
            )
        station = active_station(tx.conn, pending.to_org or "")
        if station is None:
            raise InputError(
                f"Hồ sơ {file_code} chuyển sang {pending.to_org}, không phải một tỉnh đã ghi "
                "nhận khóa ('khdesk transfer station-enrol')."
            )
        tables = _file_rows(tx.conn, cuid)
        out_step = next(
            r
            for r in reversed(tables["steps"])
            if r["step_id"] == tr.OUT and r["to_org"] == pending.to_org
        )
        transfer = {"uuid": out_step["uuid"], "file_uuid": cuid, "file_code": file_code}
        files = blobs_for(tx.conn, tables)
        data = _write(tx, session, tf.TRANSFER, station, transfer, tables, files)
        f = t.transfer_files.c
        known = tx.conn.execute(
            select(f.id).where(f.transfer_uuid == out_step["uuid"], f.direction == OUT)
        ).first()
        values = {"station_org": station.org_code, "station_key_id": station.key_id, "at": tx.now}
        if known:
            tx.conn.execute(update(t.transfer_files).where(f.id == known.id).values(**values))
        else:
            tx.conn.execute(
                t.transfer_files.insert().values(
                    transfer_uuid=out_step["uuid"],
                    direction=OUT,
                    candidate_uuid=cuid,
                    file_code=file_code,
                    status=SENT,
                    by=session.user,
                    **values,
                )
            )
        tx.audit("transfer_file_export", "candidate", file_code, to_org=station.org_code)
        path = _file_name(folder, file_code, "chuyen")
        atomic_write_bytes(path, data)  # inside: nothing recorded if it cannot be written
    return {"file": str(path), "file_code": file_code, "to_org": station.org_code}


# -- receiving a file --


@dataclass(frozen=True)
class Arrival:
    """A transfer file verified here, not yet answered."""

    opened: tf.Opened

    def as_dict(self) -> dict:
        c, o = self.opened.candidate, self.opened
        sent = next(r for r in o.steps if r["uuid"] == o.transfer["uuid"])
        return {
            "file_code": c["file_code"],
            "full_name": c["full_name"],
            "birth_date": c["birth_date"].isoformat(),
            "from_province": o.sender_org,
            "from_org": sent["from_org"],
            "sent_on": sent["on"].isoformat(),
            "reason": sent["note"],
            "steps": len(o.steps),
            "attachments": len(o.tables.get("attachments", [])),
        }


def _read(path: Path, limit: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"Không đọc được tệp '{path}': {exc.strerror}") from None
    return data


def _open(conn, session: Session, path: Path, kind: str) -> tf.Opened:
    data = _read(path, tf.DEFAULT_LIMITS.max_file)
    opened = tf.open_file(data, keys.decryption_keys(conn), _sender_key(conn), kind)
    _check_retired(conn, opened, session.store.clock())
    if opened.manifest["recipient"]["org_code"] != session.org_code:
        raise TransferFileError("readdressed", "Tệp này gửi cho đơn vị khác, không phải hồ sơ này.")
    return opened


def _arrival_problem(conn, opened: tf.Opened) -> str | None:
    """Why this transfer cannot be taken here (None: it can): received before (replay),
    or the file or one of its records already here (unless it is a file of ours coming
    back, `_coming_back`)."""
    f = t.transfer_files.c
    uuid = opened.transfer["uuid"]
    seen = conn.execute(
        select(f.status, f.at).where(f.transfer_uuid == uuid, f.direction == IN)
    ).first()
    if seen is not None:
        return (
            f"Tệp chuyển hồ sơ này đã được nhận ngày {seen.at[:10]} ({STATUS_LABELS[seen.status]})."
        )
    c = opened.candidate
    here = conn.execute(
        select(t.candidates).where(
            (t.candidates.c.uuid == c["uuid"]) | (t.candidates.c.file_code == c["file_code"])
        )
    ).first()
    if here is not None:
        return _return_problem(conn, opened, here)
    for name, rows in opened.tables.items():
        uuids = [r["uuid"] for r in rows]
        for table in (t.candidates, t.steps, t.attachments):
            if conn.execute(select(table.c.uuid).where(table.c.uuid.in_(uuids))).first():
                return f"Tệp có bản ghi ({name}) trùng mã với một bản ghi đã có ở đây: không nhận."
    return None


def _return_problem(conn, opened: tf.Opened, here) -> str | None:
    """Why a file already here (`here`, its record) cannot come back with this transfer
    (None: it can). It comes back only as the same person's same file that this station
    sent out of the province and saw accepted there, held by no unit of ours since, its
    history here continued unchanged in the file; its records' uuids name nothing else."""
    c, code = opened.candidate, here.file_code
    already = f"Hồ sơ {code} đã có ở đây: không nhận lần nữa."
    if here.uuid != c["uuid"] or here.file_code != c["file_code"]:
        return already
    tree = load_tree(conn)
    f = t.transfer_files.c
    if here.org_code in tree or here.owner in tree:  # ours, held here: no second owner
        waiting = conn.execute(
            select(f.id).where(f.candidate_uuid == here.uuid, f.direction == OUT, f.status == SENT)
        ).first()
        if waiting is not None:
            return (
                f"Hồ sơ {code} vẫn chờ tệp trả lời của lần chuyển đi từ đây: nhập tệp trả lời "
                "('khdesk transfer answer-import') trước, rồi nhận lại hồ sơ."
            )
        return already
    left = conn.execute(
        select(f.id).where(
            f.candidate_uuid == here.uuid, f.direction == OUT, f.status == tf.ACCEPTED
        )
    ).first()
    if left is None:
        return already  # a uuid of ours on a file we never sent out
    if (fold(here.full_name), here.birth_date, here.cccd or c["cccd"]) != (
        fold(c["full_name"]),
        c["birth_date"],
        c["cccd"] or here.cccd,
    ):
        return (
            f"Hồ sơ {code} đã chuyển đi từ đây mang thông tin người khác (họ tên, ngày sinh, "
            "CCCD): không nhận là hồ sơ trở về."
        )
    theirs = {r["uuid"]: r for r in opened.steps}
    ours = conn.execute(
        select(t.steps).where(t.steps.c.candidate_uuid == here.uuid, t.steps.c.deleted.is_(False))
    ).mappings()
    for r in ours:
        sent = theirs.get(r["uuid"])
        if sent is None or any(sent[k] != r[k] for k in _SAME_STEP):
            return (
                f"Quá trình của hồ sơ {code} trong tệp không tiếp nối quá trình đã có ở đây "
                "(thiếu hoặc sửa bước cũ): không nhận."
            )
    for name in ("steps", "attachments"):
        table = records.TABLES[name]
        uuids = [r["uuid"] for r in opened.tables.get(name, [])]
        clash = conn.execute(
            select(table.c.uuid).where(table.c.uuid.in_(uuids), table.c.candidate_uuid != here.uuid)
        ).first()
        if clash is not None:
            return f"Tệp có bản ghi ({name}) trùng mã với một bản ghi đã có ở đây: không nhận."
    return None


_SAME_STEP = ("step_id", "on", "seq", "from_org", "to_org")


def inspect(
    session: Session,
    path: Path,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Verify a transfer file and say what it carries (nothing is written)."""
    session.require(Action.TRANSFER_FILES)
    with session.store.read() as conn:
        step(progress, cancel, 0, 2, CHECKING)
        opened = _open(conn, session, path, tf.TRANSFER)
        step(progress, cancel, 1, 2, "Đối chiếu với các hồ sơ ở đây")
        why = _arrival_problem(conn, opened)
    return {**Arrival(opened).as_dict(), "problem": why}


def receive(
    session: Session,
    path: Path,
    *,
    accept: bool,
    on: date,
    today: date,
    unit: str | None = None,
    reason: str | None = None,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Answer a transfer file from another province: accept it (the file, its history
    and scans stored here as sent, CHUYEN_DEN recorded, held by this province; `unit`:
    passed on at once to one of our units, an ordinary transfer the bundles carry down)
    or return it (CHUYEN_TRA with `reason`; nothing of the file is kept). Returns what
    was done; `write_answer` then writes the answer file."""
    session.require(Action.TRANSFER_FILES)
    _province_only(session, "nhận hồ sơ chuyển từ tỉnh khác")
    if on > today:
        raise InputError(f"Ngày {on:%d/%m/%Y} là ngày trong tương lai.")
    why_back = clean_text(reason, "Lý do trả lại") if not accept else None
    if not accept and not why_back:
        raise InputError("Ghi lý do trả lại hồ sơ.")
    unit = (unit or "").strip().upper() or None
    with session.store.write(session.user) as tx:
        conn = tx.conn
        step(progress, cancel, 0, 2, CHECKING)
        opened = _open(conn, session, path, tf.TRANSFER)
        why = _arrival_problem(conn, opened)
        if why:
            raise TransferFileError("already_here", why)
        came_back = (
            conn.execute(
                select(t.candidates.c.id).where(t.candidates.c.uuid == opened.candidate["uuid"])
            ).first()
            is not None
        )  # a file of ours coming back (_return_problem let it)
        step(progress, cancel, 1, 2, "Ghi hồ sơ, quá trình và tài liệu")
        sent = next(r for r in opened.steps if r["uuid"] == opened.transfer["uuid"])
        if on < sent["on"]:
            raise InputError(f"Ngày {on:%d/%m/%Y} trước ngày chuyển đi {sent['on']:%d/%m/%Y}.")
        tree = load_tree(conn)
        if unit is not None and unit != session.org_code and not tree.live(unit):
            raise InputError(f"Không có đơn vị mã '{unit}' trong danh sách đơn vị của tỉnh.")
        cuid, code = opened.transfer["file_uuid"], opened.transfer["file_code"]
        answer = tx.new_record()
        answer.update(
            candidate_uuid=cuid,
            step_id=tr.IN if accept else tr.BACK,
            on=on,
            seq=max(r["seq"] for r in opened.steps) + 1,
            result="passed",
            note=why_back,
            from_org=sent["from_org"] if accept else sent["to_org"],
            to_org=sent["to_org"] if accept else sent["from_org"],
        )
        if accept:
            _store_file(tx, opened)
            conn.execute(t.steps.insert().values(**answer))
            conn.execute(
                update(t.candidates)
                .where(t.candidates.c.uuid == cuid)
                .values(
                    org_code=session.org_code, owner=session.org_code, **tx.changed(t.candidates)
                )
            )
            restate(conn, cuid)
        wire = records.to_wire(t.steps, {c.name: answer.get(c.name) for c in t.steps.c})
        conn.execute(
            t.transfer_files.insert().values(
                transfer_uuid=opened.transfer["uuid"],
                direction=IN,
                station_org=opened.sender_org,
                station_key_id=opened.manifest["sender"]["key_id"],
                candidate_uuid=cuid,
                file_code=code,
                status=tf.ACCEPTED if accept else tf.RETURNED,
                at=tx.now,
                by=session.user,
                answered_at=tx.now,
                answer_record=canonical.dumps(wire).decode("utf-8"),
            )
        )
        tx.audit(
            "transfer_file_accept" if accept else "transfer_file_return",
            "candidate",
            code,
            from_province=opened.sender_org,
            from_org=sent["from_org"],
            on=on.isoformat(),
            reason=why_back,
            came_back=came_back,
        )
        if accept and unit is not None and unit != session.org_code:
            _pass_on(tx, session, code, unit, on)
    return {
        "file_code": code,
        "status": tf.ACCEPTED if accept else tf.RETURNED,
        "unit": unit if accept else None,
        "transfer": opened.transfer["uuid"],
    }


def _store_file(tx, opened: tf.Opened) -> None:
    """The file as it was sent: its scans' contents first (an attachment names its blob),
    then every record with its uuid, revision and owner. A file of ours coming back
    (`_return_problem` let it) keeps what is here: its record takes the other
    province's newer values (not the cell's private notes, which never left), its
    history and scans gain what the other province added."""
    conn = tx.conn
    have = {
        d
        for (d,) in conn.execute(
            select(t.blobs.c.sha256).where(t.blobs.c.sha256.in_(list(opened.files)))
        )
    }
    for digest, content in opened.files.items():
        if digest not in have:
            conn.execute(t.blobs.insert().values(sha256=digest, size=len(content), content=content))
    for name in tf.TABLES:
        table = records.TABLES[name]
        rows = opened.tables.get(name, [])
        known = {
            u
            for (u,) in conn.execute(
                select(table.c.uuid).where(table.c.uuid.in_([r["uuid"] for r in rows]))
            )
        }
        for r in rows:
            values = {**r, "change_seq": tx.change_seq}
            derive_fields(name, values)
            if name == "candidates":
                values["state"] = "HO_SO"  # derived again below, once its steps are in
            if r["uuid"] not in known:
                conn.execute(table.insert().values(**values))
            elif name == "candidates":
                _update_returned(tx, values)


def _update_returned(tx, values: dict) -> None:
    """Our record of a file coming back takes the other province's values, a revision
    above both lineages' (the unit and owner are set by the caller)."""
    c = t.candidates.c
    rev = tx.conn.execute(select(c.rev).where(c.uuid == values["uuid"])).scalar()
    kept = {"uuid", "id", *records.HOME_ONLY["candidates"]}
    tx.conn.execute(
        update(t.candidates)
        .where(c.uuid == values["uuid"])
        .values(
            {
                **{k: v for k, v in values.items() if k not in kept},
                **tx.changed(t.candidates),
                "rev": max(rev, values["rev"]) + 1,
            }
        )
    )


def _pass_on(tx, session: Session, code: str, unit: str, on: date) -> None:
    """The province passes the accepted file on to one of its units (CHUYEN_DI): the
    ordinary bundles carry it down and that unit accepts it as any transfer."""
    facts, file = _locked_file(tx.conn, code)
    why = tr.out_problem(code, file.events, file.org_code, on, unit)
    if why:
        raise InputError(why)
    event = StepEvent(tr.OUT, on, from_org=session.org_code, to_org=unit)
    insert_step(tx, facts.uuids[code], event)
    tx.audit("transfer_out", "candidate", code, from_org=session.org_code, to_org=unit)


def write_answer(session: Session, transfer_uuid_or_code: str, folder: Path) -> dict:
    """Write (again) the answer to a transfer file received here, into `folder`."""
    session.require(Action.TRANSFER_FILES)
    f = t.transfer_files.c
    key = transfer_uuid_or_code.strip()
    with session.store.write(session.user, changes=False) as tx:
        row = tx.conn.execute(
            select(t.transfer_files)
            .where(f.direction == IN, (f.transfer_uuid == key) | (f.file_code == key.upper()))
            .order_by(f.id.desc())
            .limit(1)
        ).first()
        if row is None:
            raise InputError(f"Không có tệp chuyển hồ sơ '{key}' đã nhận ở đây.")
        station = active_station(tx.conn, row.station_org)
        if station is None:
            raise InputError(f"Khóa của {row.station_org} không còn dùng được: ghi nhận lại thẻ.")
        wire = json.loads(row.answer_record)
        transfer = {
            "uuid": row.transfer_uuid,
            "file_uuid": row.candidate_uuid,
            "file_code": row.file_code,
        }
        data = _write(
            tx, session, tf.ANSWER, station, transfer, {"steps": [wire]}, {}, answer=row.status
        )
        tx.audit("transfer_file_answer", "candidate", row.file_code, to_org=row.station_org)
    path = _file_name(folder, row.file_code, "tra-loi")
    atomic_write_bytes(path, data)
    return {"file": str(path), "file_code": row.file_code, "answer": row.status}


# -- the answer, back at the sender --


def import_answer(session: Session, path: Path, today: date) -> dict:
    """Close a transfer with the other province's answer: accepted, the file is theirs
    from then on (read-only here, marked transferred out); returned, its unit holds it
    again. An answer imported before changes nothing (`duplicate`)."""
    session.require(Action.TRANSFER_FILES)
    _province_only(session, "nhập tệp trả lời của tỉnh khác")
    with session.store.write(session.user) as tx:
        conn = tx.conn
        opened = _open(conn, session, path, tf.ANSWER)
        answer = opened.steps[0]
        code = opened.transfer["file_code"]
        if conn.execute(select(t.steps.c.id).where(t.steps.c.uuid == answer["uuid"])).first():
            return {"file_code": code, "status": "duplicate", "answer": opened.manifest["answer"]}
        f = t.transfer_files.c
        ledger = conn.execute(
            select(t.transfer_files).where(
                f.transfer_uuid == opened.transfer["uuid"], f.direction == OUT
            )
        ).first()
        if ledger is None or ledger.candidate_uuid != opened.transfer["file_uuid"]:
            raise TransferFileError(
                "not_sent", f"Hồ sơ {code} chưa từng được xuất tệp chuyển từ đây: không nhận."
            )
        facts, file = _locked_file(conn, ledger.file_code)
        pending = tr.replay(file.events, file.org_code).pending
        out_uuid = conn.execute(
            select(t.steps.c.uuid)
            .where(t.steps.c.candidate_uuid == ledger.candidate_uuid, t.steps.c.step_id == tr.OUT)
            .order_by(t.steps.c.seq.desc())
            .limit(1)
        ).scalar()
        if pending is None or out_uuid != opened.transfer["uuid"]:
            raise TransferFileError(
                "stale_answer",
                f"Hồ sơ {code} không còn chờ trả lời cho lần chuyển này: tệp trả lời cũ, "
                "không nhận.",
            )
        if pending.to_org != opened.sender_org:
            raise TransferFileError(
                "wrong_answerer",
                f"Hồ sơ {code} chuyển sang {pending.to_org}, không phải {opened.sender_org}.",
            )
        accepted = opened.manifest["answer"] == tf.ACCEPTED
        want = (
            (pending.from_org, pending.to_org) if accepted else (pending.to_org, pending.from_org)
        )
        if (answer["from_org"], answer["to_org"]) != want or not pending.on <= answer[
            "on"
        ] <= today:
            raise TransferFileError(
                "content",
                f"Bước trả lời của hồ sơ {code} không khớp với lần chuyển đi (đơn vị, ngày).",
            )
        conn.execute(t.steps.insert().values(**answer, change_seq=tx.change_seq))
        if accepted:
            conn.execute(
                update(t.candidates)
                .where(t.candidates.c.uuid == ledger.candidate_uuid)
                .values(
                    org_code=pending.to_org, owner=opened.sender_org, **tx.changed(t.candidates)
                )
            )
        restate(conn, ledger.candidate_uuid)
        conn.execute(
            update(t.transfer_files)
            .where(f.id == ledger.id)
            .values(status=opened.manifest["answer"], answered_at=tx.now)
        )
        tx.audit(
            "transfer_file_answered",
            "candidate",
            code,
            answer=opened.manifest["answer"],
            by_province=opened.sender_org,
            on=answer["on"].isoformat(),
            reason=answer["note"],
        )
    return {"file_code": code, "status": opened.manifest["answer"], "on": answer["on"].isoformat()}


def sent_files(session: Session) -> list[dict]:
    """The transfer files written and received here, newest first."""
    with session.store.read() as conn:
        rows = conn.execute(select(t.transfer_files).order_by(t.transfer_files.c.id.desc()))
        return [
            {
                "file_code": r.file_code,
                "direction": r.direction,
                "province": r.station_org,
                "status": r.status,
                "status_label": STATUS_LABELS[r.status],
                "at": r.at,
                "answered_at": r.answered_at,
            }
            for r in rows
        ]


def left_note(session: Session, file_code: str) -> str | None:
    """What a person reads on a file this station sent out of the province (a transfer
    file written here, its unit none of this station's tree since its last accepted
    transfer): a read-only copy. None: it has not. Below the province a cell's tree does
    not hold its sibling cells, so only the station that wrote the transfer file can tell
    another province from another unit of ours; the others say "đã chuyển đi"."""
    with session.store.read() as conn:
        row = conn.execute(
            select(t.candidates.c.uuid, t.candidates.c.org_code).where(
                t.candidates.c.file_code == file_code
            )
        ).first()
        if row is None or row.org_code in load_tree(conn):
            return None
        f = t.transfer_files.c
        sent_here = conn.execute(
            select(f.id).where(f.candidate_uuid == row.uuid, f.direction == OUT).limit(1)
        ).first()
        if sent_here is None:
            return None
        steps = conn.execute(
            select(t.steps).where(
                t.steps.c.candidate_uuid == row.uuid, t.steps.c.deleted.is_(False)
            )
        ).mappings()
        moves = tr.replay([step_event(s) for s in steps], row.org_code).moves
    if not moves or moves[-1].out.to_org != row.org_code:
        return None
    arrival = moves[-1].arrival
    return (
        f"Đã chuyển ra ngoài tỉnh: {row.org_code} tiếp nhận ngày {arrival.on:%d/%m/%Y}. "
        f"Bản ở đây chỉ để xem; {row.org_code} quản lý hồ sơ."
    )
