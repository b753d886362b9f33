"""Writing a bundle for a recipient: what to send, under which sequence number and epoch,
and writing it so that a pulled stick or a full one never leaves a file that verifies.

What: up, the records this station owns changed since the recipient's last receipt;
down (a return bundle to a station below), only this committee's own decisions on that
station's files. Either way, a receipt of the bundles received from the recipient.

Sequence and chain: per recipient and epoch, numbers count up from 1 and each manifest
names the hash of the last bundle known to be written whole (`prev`). A number is
recorded (status `pending`) before the file is written and never reused, even when the
write fails: a gap is harmless (each bundle carries everything since the last receipt),
a number used twice is what a cloned disk looks like, and the recipient quarantines it.

Epochs: a restored backup or a copied database knows fewer bundles than were sent, and
would reuse numbers. A small state file beside the database (`sync-state.json`, no
personal data) remembers the highest numbers sent; when the database is behind it, or
it is missing although bundles were sent, the next export starts a new epoch and
announces it, signed, with what the database still knew. The recipient confirms once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import Connection, func, select, update

from khdesk import __version__
from khdesk.core.domain import transfers
from khdesk.core.domain.pipeline import TRANSFER_STEPS
from khdesk.core.domain.scope import DOWN_STEPS
from khdesk.core.errors import InputError, UsageError
from khdesk.core.fsutil import atomic_write, atomic_write_bytes
from khdesk.core.store import schema as t
from khdesk.core.store.migrate import current_revision
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.states import step_event
from khdesk.core.store.store import get_meta, new_uuid, set_meta, settled_change_counter
from khdesk.core.sync import bundle, history, keys, records
from khdesk.core.sync.judging import current_info

if TYPE_CHECKING:
    from khdesk.core.sync.station import Station

STATE_FILE = "sync-state.json"
SUFFIX = ".khdb"
_CHUNK = 1 << 20


# -- this station's epoch --


@dataclass
class Epoch:
    id: str
    started_at: str
    reason: dict | None = None  # {"code": restored|moved|handover, …}
    previous: dict | None = None  # {"id", "last_seq": {org: n}, "last_sent_at": {org: iso}}

    def for_recipient(self, org: str) -> dict:
        """The epoch as announced in a manifest to `org`."""
        previous = None
        if self.previous:
            previous = {
                "id": self.previous["id"],
                "last_seq": self.previous["last_seq"].get(org, 0),
            }
        reason = None
        if self.reason:
            reason = dict(self.reason)
            last_at = (self.previous or {}).get("last_sent_at", {}).get(org)
            if last_at:
                reason["last_sent_at"] = last_at
        return {
            "id": self.id,
            "started_at": self.started_at,
            "reason": reason,
            "previous": previous,
        }


def _load_epoch(conn: Connection) -> Epoch | None:
    raw = get_meta(conn, "sync_epoch")
    return Epoch(**json.loads(raw)) if raw else None


def _sent_summary(conn: Connection, epoch_id: str) -> tuple[dict[str, int], dict[str, str]]:
    """Highest sequence number and last time sent, per recipient, in an epoch."""
    rows = conn.execute(
        select(
            t.sync_sent.c.recipient_org,
            func.max(t.sync_sent.c.seq),
            func.max(t.sync_sent.c.created_at),
        )
        .where(t.sync_sent.c.epoch == epoch_id)
        .group_by(t.sync_sent.c.recipient_org)
    ).all()
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}


def start_epoch(conn: Connection, now: str, reason: dict | None) -> Epoch:
    """Begin a new sending lineage; what the old one had sent is announced with it."""
    old = _load_epoch(conn)
    previous = None
    if old is not None:
        last_seq, last_at = _sent_summary(conn, old.id)
        previous = {"id": old.id, "last_seq": last_seq, "last_sent_at": last_at}
    epoch = Epoch(id=new_uuid(), started_at=now, reason=reason if old else None, previous=previous)
    set_meta(conn, "sync_epoch", json.dumps(asdict(epoch), ensure_ascii=False, sort_keys=True))
    return epoch


def _read_state(path: Path) -> dict | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(state, dict) and isinstance(state.get("sent"), dict)):
        return None  # unreadable counts as missing: the safe side is a new epoch
    if not all(isinstance(n, int) for n in state["sent"].values()):
        return None
    return state


def current_epoch(conn: Connection, state_file: Path, now: str) -> Epoch:
    """The epoch to send under; starts a new one if this database forgot bundles it sent
    (restored from a backup) or lost its state file (moved or restored elsewhere)."""
    epoch = _load_epoch(conn)
    if epoch is None:
        return start_epoch(conn, now, None)
    state = _read_state(state_file)
    sent, _ = _sent_summary(conn, epoch.id)
    if state is None:
        ever_sent = conn.execute(select(func.count()).select_from(t.sync_sent)).scalar()
        if ever_sent:
            return start_epoch(conn, now, {"code": "moved"})
        return epoch
    if state.get("epoch") != epoch.id:
        if state.get("epoch") == (epoch.previous or {}).get("id"):
            return epoch  # the state file missed the last switch: it is behind, not ahead
        return start_epoch(conn, now, {"code": "restored"})
    if any(n > sent.get(org, 0) for org, n in state["sent"].items()):
        return start_epoch(conn, now, {"code": "restored"})
    return epoch


def _write_state(conn: Connection, state_file: Path, profile_id: str, epoch: Epoch) -> None:
    sent, _ = _sent_summary(conn, epoch.id)
    state = {
        "format": "khdesk-sync-state",
        "profile_id": profile_id,
        "epoch": epoch.id,
        "sent": sent,
    }
    atomic_write_bytes(state_file, json.dumps(state, sort_keys=True, indent=1).encode("utf-8"))


# -- what travels --


def reach(conn: Connection, org_code: str) -> frozenset[str]:
    """`org_code` and every organisation under it, as this database knows the tree
    (removed units included: their records and tombstones still travel)."""
    return load_tree(conn).branch(org_code)


def select_changes(
    conn: Connection, org_code: str, since: int, upto: int
) -> tuple[dict[str, list[dict]], dict[str, bytes]]:
    """Records this station owns (itself and what it keeps for the stations under it)
    changed in (since, upto], in wire form, and the attachment contents they need.
    A cell's committee steps (what it typed of its committee's decisions from paper) go
    too: the committee takes them as reports to confirm, never as its steps
    (domain/scope.is_report, sync/reports.py)."""
    owners = reach(conn, org_code)
    out: dict[str, list[dict]] = {}
    for table in t.SYNCED_TABLES:
        query = select(table).where(
            table.c.change_seq > since, table.c.change_seq <= upto, table.c.owner.in_(owners)
        )
        if table is t.orgs:
            # A station's own org row belongs to the level above: it is never sent up.
            query = query.where(t.orgs.c.code != org_code)
        rows = conn.execute(query.order_by(table.c.uuid)).mappings()
        wire = [records.to_wire(table, r) for r in rows]
        if wire:
            out[table.name] = wire
    return out, blobs_for(conn, out)


def blobs_for(conn: Connection, table_rows: dict[str, list[dict]]) -> dict[str, bytes]:
    """The contents of the live attachments among `table_rows`, by hash."""
    wanted = sorted({a["sha256"] for a in table_rows.get("attachments", []) if not a["deleted"]})
    files: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for digest, content in conn.execute(
            select(t.blobs.c.sha256, t.blobs.c.content).where(t.blobs.c.sha256.in_(chunk))
        ):
            files[digest] = content
    return files


def _acknowledged(
    conn: Connection, recipient_org: str, column=t.sync_sent.c.change_seq_upto
) -> int:
    """How far the recipient confirmed receipt: of the sender's change counter, or (with
    `column` audit_count) of its audit chain."""
    value = conn.execute(
        select(func.max(column)).where(
            t.sync_sent.c.recipient_org == recipient_org,
            t.sync_sent.c.acknowledged_at.is_not(None),
        )
    ).scalar()
    return int(value or 0)


def _next_in_chain(conn: Connection, recipient_org: str, epoch_id: str) -> tuple[int, dict | None]:
    rows = conn.execute(
        select(t.sync_sent.c.seq, t.sync_sent.c.bundle_hash, t.sync_sent.c.status)
        .where(t.sync_sent.c.recipient_org == recipient_org, t.sync_sent.c.epoch == epoch_id)
        .order_by(t.sync_sent.c.seq)
    ).all()
    seq = (rows[-1].seq if rows else 0) + 1
    done = [r for r in rows if r.status == "done"]
    prev = {"seq": done[-1].seq, "hash": done[-1].bundle_hash} if done else None
    return seq, prev


# -- writing --


@dataclass
class ExportResult:
    path: str
    kind: str  # up / down
    bundle_id: str
    recipient_org: str
    recipient_fingerprint: str
    epoch: str
    new_epoch: dict | None  # the announcement, when this bundle starts an epoch
    seq: int
    full: bool
    since: int
    upto: int
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    size: int = 0

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict:
        return asdict(self)


def _write_all(f: IO[bytes], data: bytes) -> None:
    """The file's bytes, a chunk at a time (so a full stick fails part-way, as it would)."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        f.write(view[start : start + _CHUNK])


def _read_back(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _target(out: Path, bundle_id: str) -> Path:
    out = Path(out)
    if out.is_dir():
        # The name says nothing of the sender: a lost stick must not tell who wrote it.
        return out / f"goi-dong-bo-{bundle_id[:8]}{SUFFIX}"
    return out


_UPPER_ROLES = ("committee", "province")


def _recipient(
    conn: Connection, org_code: str, parent: str | None, to: str | None
) -> tuple[keys.Peer, str]:
    """The station that receives the bundle and the direction (`up` or `down`).

    `to` a station under this one: a return bundle down to it. Otherwise up: `to`, else
    the parent, else the one upper station enrolled here (a cell under a grassroots
    committee that does not run khdesk sends to the commune committee keeping its affairs)."""
    wanted = (to or "").strip().upper() or None
    kind = "down" if wanted is not None and wanted in reach(conn, org_code) else "up"
    if wanted == org_code:
        raise UsageError("Không gửi gói cho chính hồ sơ này.")
    if wanted is None and parent:
        found = keys.recipient_key(conn, parent)
        if found is not None:
            return found, kind
    if wanted is None:
        upper = {
            p.org_code
            for p in keys.peers(conn)
            if p.status == keys.ACTIVE and p.role in _UPPER_ROLES
        }
        if len(upper) == 1:
            wanted = upper.pop()
        elif upper:
            raise UsageError(
                f"Đã ghi nhận khóa của nhiều đơn vị cấp trên ({', '.join(sorted(upper))}): "
                "chọn nơi nhận bằng --to."
            )
        else:
            wanted = parent or "cấp trên"
    found = keys.recipient_key(conn, wanted)
    if found is None:
        raise InputError(
            f"Chưa ghi nhận khóa của {wanted}: nhận thẻ khóa của đơn vị đó rồi chạy "
            "'khdesk keys enrol TỆP --fingerprint …' (đối chiếu mã xác nhận qua điện thoại)."
        )
    return found, kind


def select_down(
    conn: Connection, org_code: str, recipient_org: str, since: int, upto: int
) -> tuple[dict[str, list[dict]], dict[str, bytes]]:
    """What goes down to a station: the steps this committee owns on that station's files
    (its resolutions and decisions, and the certificates it recorded from a class roster)
    and the scans attached to them."""
    files = select(t.candidates.c.uuid).where(
        t.candidates.c.org_code.in_(reach(conn, recipient_org))
    )
    out: dict[str, list[dict]] = {}
    for table in (t.steps, t.attachments):
        query = select(table).where(
            table.c.change_seq > since,
            table.c.change_seq <= upto,
            table.c.owner == org_code,
            table.c.candidate_uuid.in_(files),
        )
        if table is t.steps:
            query = query.where(t.steps.c.step_id.in_(DOWN_STEPS))
        wire = [
            records.to_wire(table, r) for r in conn.execute(query.order_by(table.c.uuid)).mappings()
        ]
        if wire:
            out[table.name] = wire
    _transfers_down(conn, reach(conn, recipient_org), since, upto, out)
    return out, blobs_for(conn, out)


def _transfers_down(
    conn: Connection, branch: frozenset[str], since: int, upto: int, out: dict[str, list[dict]]
) -> None:
    """What a transfer adds to a bundle down (RULES.md §2a), into `out`: a file sent to
    the recipient's branch goes whole (its record, history and scans, as their owners
    wrote them); the answer to a file the recipient sent (accepted: with the file's record
    naming its new unit; returned) goes back to it; a withdrawal of a file sent to the
    recipient's branch goes to it. Records the recipient's branch owns
    stay out: it wrote them."""
    s = t.steps.c
    moved = conn.execute(
        select(s.uuid, s.candidate_uuid, s.step_id, s.from_org, s.to_org).where(
            s.step_id.in_(TRANSFER_STEPS),
            s.change_seq > since,
            s.change_seq <= upto,
            s.deleted.is_(False),
        )
    ).all()
    whole = {f for _, f, step, _, to in moved if step == "CHUYEN_DI" and to in branch}
    whole |= _in_transit_to(conn, branch)
    answers = {
        u
        for u, _, step, frm, to in moved
        if (step == "CHUYEN_DEN" and frm in branch) or (step == "CHUYEN_TRA" and to in branch)
    }
    # the sender's withdrawal goes to the unit the file was sent to: it answers it
    answers |= {u for u, _, step, _, to in moved if step == "CHUYEN_HUY" and to in branch}
    accepted = {f for u, f, step, _, _ in moved if u in answers and step == "CHUYEN_DEN"}
    wanted = {
        t.candidates: t.candidates.c.uuid.in_(whole | accepted),
        t.steps: s.candidate_uuid.in_(whole) | s.uuid.in_(answers),
        t.attachments: t.attachments.c.candidate_uuid.in_(whole),
    }
    for table, where in wanted.items():
        have = {r["uuid"] for r in out.get(table.name, [])}
        # What the recipient's branch wrote itself (a file coming back) it holds already.
        where = where & table.c.owner.not_in(branch)
        rows = conn.execute(select(table).where(where).order_by(table.c.uuid)).mappings()
        more = [records.to_wire(table, r) for r in rows if r["uuid"] not in have]
        if more:
            out[table.name] = out.get(table.name, []) + more


def _in_transit_to(conn: Connection, branch: frozenset[str]) -> set[str]:
    """The files on their way to `branch` (sent, not yet answered), however old their
    records: every bundle down carries them whole until the answer. A station may learn
    of the receiving unit only after the file passed (a new cell of another commune) —
    sent once by change counter, the file would never reach it."""
    s = t.steps.c
    sent = select(s.candidate_uuid).where(
        s.step_id == transfers.OUT, s.to_org.in_(branch), s.deleted.is_(False)
    )
    rows = conn.execute(
        select(t.steps, t.candidates.c.org_code.label("file_org"))
        .join(t.candidates, t.candidates.c.uuid == s.candidate_uuid)
        .where(s.candidate_uuid.in_(sent), s.step_id.in_(TRANSFER_STEPS), s.deleted.is_(False))
    ).mappings()
    events: dict[str, tuple[str, list]] = {}
    for r in rows:
        events.setdefault(r["candidate_uuid"], (r["file_org"], []))[1].append(step_event(r))
    return {
        cuid
        for cuid, (org, evs) in events.items()
        if (p := transfers.replay(evs, org).pending) is not None and p.to_org in branch
    }


def _receipts(conn: Connection, org: str) -> list[dict] | None:
    """The bundles received from `org`, newest first: the other side stops resending what
    they hold and shows what is still in transit."""
    rows = conn.execute(
        select(t.sync_received)
        .where(t.sync_received.c.sender_org == org)
        .order_by(t.sync_received.c.id.desc())
        .limit(200)
    ).mappings()
    found = [
        {
            "epoch": r["epoch"],
            "seq": r["seq"],
            "bundle_hash": r["bundle_hash"],
            "upto": r["change_seq_upto"],
        }
        for r in rows
    ]
    return found or None


def export_bundle(
    session: Station, out: Path, *, full: bool = False, to: str | None = None
) -> ExportResult:
    """Write a bundle for the station above (its changes) or, `to` a station below, a
    return bundle (the committee's decisions on its files); either acknowledges what was
    received from the recipient."""
    info = session.info
    state_file = session.dir.path / STATE_FILE
    with session.store.write(session.user, changes=False) as tx:
        conn = tx.conn
        me = keys.ensure_station_keys(conn, tx.now)
        recipient, kind = _recipient(conn, info.org_code, info.parent_code, to)
        recipient_org = recipient.org_code
        epoch = current_epoch(conn, state_file, tx.now)
        since = 0 if full else _acknowledged(conn, recipient_org)
        upto = settled_change_counter(conn)
        if kind == "down":
            table_rows, files = select_down(conn, info.org_code, recipient_org, since, upto)
        else:
            table_rows, files = select_changes(conn, info.org_code, since, upto)
        seq, prev = _next_in_chain(conn, recipient_org, epoch.id)
        bundle_id = new_uuid()
        announced = epoch.for_recipient(recipient_org)
        manifest = {
            "format": bundle.FORMAT,
            "format_version": bundle.FORMAT_VERSION,
            "kind": kind,
            "bundle_id": bundle_id,
            "created_at": tx.now,
            "sender": {
                "org_code": info.org_code,
                "org_name": info.org_name,
                "role": info.role,
                "key_id": me.key_id,
            },
            "recipient": {"org_code": recipient_org, "key_id": recipient.key_id},
            "epoch": announced,
            "seq": seq,
            "prev": prev,
            "schema_version": current_revision(conn) or "",
            "app_version": __version__,
            "changes": {"from": since, "upto": upto},
            "full": since == 0,
            "key_rotation": keys.active_rotation(conn),
            "receipts": _receipts(conn, recipient_org),
            # Which rules the sender judged with (FORMAT.md §3, optional in version 1).
            "catalogue": current_info(conn).ref(),
        }
        audit_lines = b""
        if kind == "up":  # history reported upward (FORMAT.md §11)
            reported = 0 if full else _acknowledged(conn, recipient_org, t.sync_sent.c.audit_count)
            manifest["audit"], audit_lines = history.outgoing(conn, reported)
        inner, manifest_bytes = bundle.build_inner(manifest, table_rows, files, me, audit_lines)
        data = bundle.seal(inner, recipient.public)
        file_sha = hashlib.sha256(data).hexdigest()
        conn.execute(
            t.sync_sent.insert().values(
                bundle_id=bundle_id,
                recipient_org=recipient_org,
                recipient_key_id=recipient.key_id,
                epoch=epoch.id,
                seq=seq,
                bundle_hash=bundle.bundle_hash(manifest_bytes),
                file_sha256=file_sha,
                change_seq_from=since,
                change_seq_upto=upto,
                status="pending",
                created_at=tx.now,
                created_by=session.user,
                audit_count=manifest["audit"]["count"] if kind == "up" else None,
            )
        )
        counts = {name: len(rows) for name, rows in table_rows.items()}
        tx.audit("bundle_export", "bundle", bundle_id, to=recipient_org, seq=seq, records=counts)
        # Inside the transaction: if the state file cannot be written, nothing is recorded.
        _write_state(conn, state_file, info.profile_id, epoch)
    target = _target(out, bundle_id)
    try:
        atomic_write(target, lambda f: _write_all(f, data))
        try:
            ok = hashlib.sha256(_read_back(target)).hexdigest() == file_sha
        except OSError:
            ok = False
        if not ok:
            _remove(target)
            raise InputError(
                f"Đọc lại '{target.name}' không thấy đúng nội dung vừa ghi (thẻ nhớ hỏng, đầy "
                "hoặc bị rút ra?). Tệp đã bị xóa; hãy thử lại với thẻ nhớ khác."
            )
    except BaseException:
        _mark(session, bundle_id, "failed")
        raise
    _mark(session, bundle_id, "done")
    return ExportResult(
        path=str(target),
        kind=kind,
        bundle_id=bundle_id,
        recipient_org=recipient_org,
        recipient_fingerprint=recipient.fingerprint,
        epoch=epoch.id,
        new_epoch=announced if announced["previous"] else None,
        seq=seq,
        full=since == 0,
        since=since,
        upto=upto,
        counts=counts,
        files=len(files),
        size=len(data),
    )


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _mark(session: Station, bundle_id: str, status: str) -> None:
    with session.store.write(session.user, changes=False) as tx:
        tx.conn.execute(
            update(t.sync_sent).where(t.sync_sent.c.bundle_id == bundle_id).values(status=status)
        )


def sent_bundle(conn: Connection, file_sha256: str) -> dict | None:
    """The ledger entry of a file this station wrote, found by the file's hash."""
    row = (
        conn.execute(select(t.sync_sent).where(t.sync_sent.c.file_sha256 == file_sha256))
        .mappings()
        .first()
    )
    return dict(row) if row else None
