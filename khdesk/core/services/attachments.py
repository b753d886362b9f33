"""Scans attached to a file (or to one of its steps), kept inside the encrypted database.

An attachment's name is data, never a path: saving or opening one writes a new file named
by `fsutil.safe_file_name` inside the chosen folder. Saving a copy takes a scan out of the
PC (a viewer needs the owner's grant); "Mở" shows it on this PC from the profile's private
folder of open copies, and only for documents and images (`fsutil.OPENABLE_SUFFIXES`)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from sqlalchemy import select

from khdesk.core.domain.roles import Action
from khdesk.core.errors import InputError
from khdesk.core.fsutil import (
    atomic_write_bytes,
    may_open,
    private_folder,
    safe_file_name,
    write_new_file,
)
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.states import transit_problem

MAX_BYTES = 50 * 1024 * 1024  # a scanned dossier, not a video
_CHUNK = 1024 * 1024


def _file_uuid(conn, file_code: str) -> str:
    found = conn.execute(
        select(t.candidates.c.uuid).where(t.candidates.c.file_code == file_code)
    ).scalar()
    if found is None:
        raise InputError(f"Không có hồ sơ mã '{file_code}'.")
    return found


def _too_big(name: str, size: int) -> InputError:
    return InputError(
        f"Tệp '{name}' quá lớn ({size // 1_048_576} MB; tối đa "
        f"{MAX_BYTES // 1_048_576} MB). Hãy quét với độ phân giải thấp hơn."
    )


def read_source(source: Path) -> bytes:
    """The content of a file to attach, read a chunk at a time and never past MAX_BYTES:
    a device (/dev/zero), a pipe or a folder is refused before reading, a file that grows
    while read is refused at the cap."""
    name = safe_file_name(source.name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if not stat.S_ISREG(os.stat(source).st_mode):
            raise InputError(
                f"'{name}' không phải là một tệp thông thường (thư mục, thiết bị hay đường "
                "ống): chỉ đính kèm được tệp bản quét."
            )
        fd = os.open(source, flags)
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())  # the file opened, not the name checked above
            if not stat.S_ISREG(info.st_mode):
                raise InputError(f"'{name}' không phải là một tệp thông thường.")
            if info.st_size > MAX_BYTES:
                raise _too_big(name, info.st_size)
            chunks, total = [], 0
            while chunk := f.read(_CHUNK):
                total += len(chunk)
                if total > MAX_BYTES:
                    raise _too_big(name, total)
                chunks.append(chunk)
    except OSError as exc:
        raise InputError(f"Không đọc được tệp '{name}': {exc.strerror}") from None
    return b"".join(chunks)


def attach(session: Session, file_code: str, source: Path, step_uuid: str | None = None) -> dict:
    """Store a copy of `source` with the file; the same content is stored only once. The
    stored name is the safe form of the source's name (no control characters)."""
    session.require(Action.EDIT_FILES)
    source = Path(source)
    content = read_source(source)
    with session.store.write(session.user) as tx:
        cuid = _file_uuid(tx.conn, file_code)
        moving = transit_problem(tx.conn, file_code)
        if moving:
            raise InputError(moving)
        return store_attachment(tx, cuid, file_code, source.name, content, step_uuid)


def store_attachment(
    tx, cuid: str, file_code: str, name: str, content: bytes, step_uuid: str | None
) -> dict:
    """`content` (already read through `read_source`) as a scan of the file, inside the
    caller's transaction; the same content is stored only once."""
    digest = hashlib.sha256(content).hexdigest()
    known = tx.conn.execute(select(t.blobs.c.sha256).where(t.blobs.c.sha256 == digest)).scalar()
    if known is None:
        tx.conn.execute(t.blobs.insert().values(sha256=digest, size=len(content), content=content))
    record = {
        **tx.new_record(),
        "candidate_uuid": cuid,
        "step_uuid": step_uuid,
        "name": safe_file_name(name),
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


def _fetch(conn, attachment_uuid: str):
    row = conn.execute(
        select(t.attachments.c.name, t.blobs.c.content, t.candidates.c.file_code)
        .join(t.blobs, t.blobs.c.sha256 == t.attachments.c.sha256)
        .join(t.candidates, t.candidates.c.uuid == t.attachments.c.candidate_uuid)
        .where(t.attachments.c.uuid == attachment_uuid)
    ).first()
    if row is None:
        raise InputError("Không có tệp đính kèm này.")
    return row


def save_attachment(session: Session, attachment_uuid: str, out: Path) -> Path:
    """Save a copy out of the database: into the folder `out` as a new file named after
    the attachment (never over another, never outside `out`), or as the file `out` the
    user chose. A viewer needs the owner's grant. Returns the path written."""
    session.require_take_out()
    out = Path(out)
    with session.store.write(session.user, changes=False) as tx:
        row = _fetch(tx.conn, attachment_uuid)
        # Written inside the transaction: the audit entry lands only if the file did.
        if out.is_dir():
            written = write_new_file(out, row.name, row.content)
        else:
            atomic_write_bytes(out, row.content)
            written = out
        tx.audit("save_attachment", "candidate", row.file_code, name=row.name, file=written.name)
    return written


def open_copy(session: Session, attachment_uuid: str) -> Path:
    """A copy to show on this PC ("Mở"), in the profile's private folder of open copies;
    refused for anything but a document or an image (a name ending .exe, .lnk, .js… is
    never handed to the desktop)."""
    with session.store.write(session.user, changes=False) as tx:
        row = _fetch(tx.conn, attachment_uuid)
        if not may_open(row.name):
            suffix = Path(safe_file_name(row.name)).suffix or "(không có đuôi)"
            raise InputError(
                f"Không mở trực tiếp tệp '{safe_file_name(row.name)}': loại tệp {suffix} "
                "không phải tài liệu hay ảnh quét và có thể là chương trình. Hãy dùng "
                "“Lưu bản sao…” rồi kiểm tra tệp trước khi mở."
            )
        folder = private_folder(session.dir.open_copies_dir)
        written = write_new_file(folder, row.name, row.content)
        tx.audit("open_attachment", "candidate", row.file_code, name=row.name)
    return written
