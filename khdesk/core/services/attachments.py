"""Scans attached to a file (or to one of its steps), kept inside the encrypted database."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from khdesk.core.errors import InputError
from khdesk.core.services.profiles import Session
from khdesk.core.store import schema as t
from khdesk.core.text import nfc

MAX_BYTES = 50 * 1024 * 1024  # a scanned dossier, not a video


def _file_uuid(conn, file_code: str) -> str:
    found = conn.execute(
        select(t.candidates.c.uuid).where(t.candidates.c.file_code == file_code)
    ).scalar()
    if found is None:
        raise InputError(f"Không có hồ sơ mã '{file_code}'.")
    return found


def attach(session: Session, file_code: str, source: Path, step_uuid: str | None = None) -> dict:
    """Store a copy of `source` with the file; the same content is stored only once."""
    session.require("owner", "secretary", "deputy")
    source = Path(source)
    try:
        size = source.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"Tệp '{source.name}' quá lớn ({size // 1_048_576} MB; tối đa "
                f"{MAX_BYTES // 1_048_576} MB). Hãy quét với độ phân giải thấp hơn."
            )
        content = source.read_bytes()
    except OSError as exc:
        raise InputError(f"Không đọc được tệp '{source.name}': {exc.strerror}") from None
    digest = hashlib.sha256(content).hexdigest()
    with session.store.write(session.user) as tx:
        cuid = _file_uuid(tx.conn, file_code)
        known = tx.conn.execute(select(t.blobs.c.sha256).where(t.blobs.c.sha256 == digest)).scalar()
        if known is None:
            tx.conn.execute(
                t.blobs.insert().values(sha256=digest, size=len(content), content=content)
            )
        record = {
            **tx.new_record(),
            "candidate_uuid": cuid,
            "step_uuid": step_uuid,
            "name": nfc(source.name),
            "sha256": digest,
            "size": len(content),
        }
        tx.conn.execute(t.attachments.insert().values(**record))
        tx.audit("attach", "candidate", file_code, name=record["name"], sha256=digest)
    return {k: record[k] for k in ("uuid", "name", "sha256", "size", "step_uuid")}


def list_attachments(session: Session, file_code: str) -> list[dict]:
    with session.store.read() as conn:
        cuid = _file_uuid(conn, file_code)
        rows = conn.execute(
            select(t.attachments)
            .where(t.attachments.c.candidate_uuid == cuid, t.attachments.c.deleted.is_(False))
            .order_by(t.attachments.c.id)
        ).mappings()
        return [{k: r[k] for k in ("uuid", "name", "sha256", "size", "step_uuid")} for r in rows]


def read_attachment(session: Session, attachment_uuid: str) -> tuple[str, bytes]:
    """Name and content of an attachment; reading it is audited like opening the file."""
    with session.store.write(session.user, changes=False) as tx:
        row = tx.conn.execute(
            select(t.attachments.c.name, t.blobs.c.content, t.candidates.c.file_code)
            .join(t.blobs, t.blobs.c.sha256 == t.attachments.c.sha256)
            .join(t.candidates, t.candidates.c.uuid == t.attachments.c.candidate_uuid)
            .where(t.attachments.c.uuid == attachment_uuid)
        ).first()
        if row is None:
            raise InputError("Không có tệp đính kèm này.")
        tx.audit("open_attachment", "candidate", row.file_code, name=row.name)
    return row.name, row.content
