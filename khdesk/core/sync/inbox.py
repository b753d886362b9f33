"""Verifying and importing bundles at the receiving station.

Each bundle is one transaction. Before anything is written the whole bundle is opened
and checked (bundle.open_bundle) signature first: its manifest must verify with a key
enrolled here that may still be used (active, or retired within the grace for what it
signed before), or with a new key its active key announced; every identity it signed
must be the enrolled one, addressed to this station; then the ledger decides:

- the same bundle again → nothing to do (twice = once);
- the same sender, epoch and sequence number with other content, or a chain that forks
  → quarantined and reported (a cloned disk or a stolen key looks like this);
- an epoch not seen before from a known sender → shown, applied only when confirmed;
- a bundle of an epoch that has ended → quarantined.

Every record must belong to the sender's own reach (a cell cannot write another cell's
files), or the whole bundle is refused. The records are then merged (merge.py: one
writer per record, conflicts kept and listed, never written over).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from khdesk.core.domain import transfers
from khdesk.core.domain.pipeline import TRANSFER_STEPS, Result, StepEvent
from khdesk.core.domain.scope import (
    TABLE_LABELS,
    Incoming,
    OrgTree,
    ScopeError,
    WriteScope,
    handed_over,
    is_report,
    keeps,
    record_problem,
    report_problem,
    sender_scope,
    superseded,
    with_new_units,
)
from khdesk.core.store import schema as t
from khdesk.core.store.engine import (
    bulk_insert,
    is_transient,
    prepared_rows,
    select_in,
    serialize,
)
from khdesk.core.store.orgtree import load_tree
from khdesk.core.store.sql import as_date
from khdesk.core.store.states import insert_step, step_event
from khdesk.core.store.store import WriteTx, append_audit_many
from khdesk.core.sync import bundle, history, keys, outbox, records, reports
from khdesk.core.sync.errors import BundleError, KeyCardError
from khdesk.core.sync.merge import Merge, TableCounts, check_sizes

if TYPE_CHECKING:
    from khdesk.core.sync.station import Station

log = logging.getLogger(__name__)
RETIRED_GRACE = keys.RETIRED_GRACE
_KEY_ID_TEXT = re.compile(rb'"([0-9a-f]{32})"')  # a key id as JSON text quotes it
_CHUNK = 500  # below SQLite's bound-parameter limit


@dataclass
class BundleReport:
    """What a bundle is and what became of it (verify fills the first part)."""

    path: str
    status: str  # see STATUS_LABELS
    valid: bool
    code: str | None = None  # the failed check, when refused
    reason: str | None = None  # Vietnamese
    sender: dict | None = None  # org_code, org_name, role, key_id, fingerprint, verified
    recipient: dict | None = None
    bundle_id: str | None = None
    created_at: str | None = None
    epoch: dict | None = None  # id, started_at, new, text
    seq: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    notes: list[str] = field(default_factory=list)
    applied: dict[str, TableCounts] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    audit: dict | None = None  # the reported history's verdict (history.Verdict.summary)

    @property
    def refused(self) -> bool:
        return self.status in REFUSED

    def as_dict(self) -> dict:
        out = asdict(self)
        out["status_label"] = STATUS_LABELS.get(self.status, self.status)
        return out


STATUS_LABELS = {
    "new": "hợp lệ, chưa nhập",
    "imported": "đã nhập",
    "duplicate": "đã nhập trước đó, bỏ qua",
    "new_epoch": "giai đoạn gửi mới, chờ xác nhận",
    "quarantine": "trùng số thứ tự/rẽ nhánh, sẽ bị cách ly",
    "quarantined": "đã cách ly",
    "refused": "bị từ chối",
    "sent": "gói do hồ sơ này xuất",
}
REFUSED = {"refused", "quarantine", "quarantined", "new_epoch"}


class _Verdict(Exception):
    """Leaves the import transaction without writing (rolled back)."""

    def __init__(self, report: BundleReport):
        self.report = report


# -- opening --


@dataclass
class _Opened:
    verified: bundle.Verified
    peer: keys.Peer
    rotation: keys.Rotation | None  # a new sender key announced under its enrolled old one
    data: bytes


def _open(
    conn: Connection,
    data: bytes,
    report: BundleReport,
    limits: bundle.Limits,
    home_org: str,
    now: datetime,
) -> _Opened:
    """Open and check the bundle with this station's keys: the signature first, then every
    signed identity field against the enrolment. Fills what is known about the bundle into
    `report` as it goes, so a refusal can still say whom it came from (the enrolled
    identity once a key of ours verified it; the claim, so marked, when none did)."""
    found: dict = {}

    def sender_key(signed: bundle.Signed) -> keys.PublicKeys:
        peer, rotation = _signer(conn, signed, report, now)
        m = signed.manifest
        report.sender = {
            "org_code": peer.org_code,
            "org_name": peer.org_name,
            "role": peer.role,
            "key_id": peer.key_id,
            "fingerprint": peer.fingerprint,
            "verified": False,
        }
        _check_identity(peer, m, home_org)
        found["peer"], found["rotation"] = peer, rotation
        return peer.public

    verified = bundle.open_bundle(data, keys.decryption_keys(conn), sender_key, limits)
    report.sender["verified"] = True
    report.counts, report.files = verified.opened.counts(), verified.opened.file_count()
    report.recipient = dict(verified.manifest["recipient"])
    return _Opened(verified, found["peer"], found["rotation"], data)


def _signer(
    conn: Connection, signed: bundle.Signed, report: BundleReport, now: datetime
) -> tuple[keys.Peer, keys.Rotation | None]:
    """The enrolled key whose signature the manifest bears, tried on the raw bytes before
    anything is parsed: each usable key whose id the bytes quote (a signed manifest names
    its signer; a hint only — the signature decides). Else the new key a rotation
    statement announces, or the refusal that says why none fits."""
    named = {m.decode("ascii") for m in _KEY_ID_TEXT.findall(signed.manifest_bytes)}
    for p in keys.peers_among(conn, named):
        if p.status == keys.REVOKED:
            continue
        retired = keys.retired_at(conn, p.key_id) if p.status == keys.RETIRED else None
        if p.status == keys.RETIRED and keys.past_grace(retired, now):
            continue
        if signed.verifies(p.public):
            _claims(signed.manifest, report)
            if p.status == keys.RETIRED:
                why = keys.aged_out(retired, signed.manifest["created_at"], now)
                if why:
                    raise _aged_out(p, why)
            return p, None
    try:  # none of our keys signed it: parsed (strictly) only to say why
        m = signed.manifest
    except BundleError:
        raise _forged() from None
    _claims(m, report)
    claimed = _shown(m["sender"]["org_code"])
    report.sender = {k: _shown(v) for k, v in m["sender"].items()} | {"verified": False}
    p = keys.peer(conn, m["sender"]["key_id"])
    if p is None and m.get("key_rotation"):
        new, rotation = _rotated_peer(conn, m["key_rotation"], m["sender"]["key_id"])
        if new is not None:
            if not signed.verifies(new.public):
                raise _forged()
            return new, rotation
    if p is None:
        raise BundleError(
            "unknown_sender",
            f"Gói tự xưng do {claimed} gửi, nhưng khóa ký của nó chưa được ghi nhận ở hồ sơ "
            f"này. Hãy ghi nhận thẻ khóa của {claimed} ('khdesk keys enrol') sau khi đối "
            "chiếu mã xác nhận với người gửi.",
        )
    if p.status == keys.REVOKED:
        raise BundleError(
            "revoked_sender",
            f"Khóa của {p.org_code} (mã xác nhận {p.fingerprint}) đã bị thu hồi: không nhận "
            "gói ký bằng khóa này.",
        )
    if p.status == keys.RETIRED and signed.verifies(p.public):
        raise _aged_out(p, keys.past_grace(keys.retired_at(conn, p.key_id), now) or "")
    raise _forged()


def _forged() -> BundleError:
    return BundleError(
        "signature",
        "Chữ ký của gói không đúng: không khóa nào đã ghi nhận ở hồ sơ này ký bản kê này (bản "
        "kê đã bị sửa, bị tráo hoặc gói bị làm giả).",
    )


def _claims(m: dict, report: BundleReport) -> None:
    report.bundle_id, report.seq, report.created_at = m["bundle_id"], m["seq"], m["created_at"]


def _aged_out(p: keys.Peer, why: str) -> BundleError:
    return BundleError(
        "retired_sender",
        f"Gói được ký bằng khóa cũ của {p.org_code} (mã xác nhận {p.fingerprint}), đã được "
        f"thay bằng khóa mới: {why}. Khóa cũ chỉ được nhận cho gói lập trước khi thay, trong "
        f"{keys.RETIRED_GRACE.days} ngày kể từ khi hồ sơ này ghi nhận khóa mới. Hãy xin "
        f"{p.org_code} xuất lại gói.",
    )


def _shown(text: str, limit: int = 80) -> str:
    """A claimed name or note as a message may quote it: one short printable line."""
    return "".join(ch if ch.isprintable() else "?" for ch in text[:limit])


def _check_identity(peer: keys.Peer, m: dict, home_org: str) -> None:
    """Every identity field the sender signed must be what this station enrolled for its
    key, and the addressee this station (the key id is checked against the header)."""
    sender = m["sender"]
    for name, enrolled, what in (
        ("org_code", peer.org_code, "đơn vị"),
        ("org_name", peer.org_name, "tên đơn vị"),
        ("role", peer.role, "vai trò"),
    ):
        if sender[name] != enrolled:
            raise BundleError(
                "sender_mismatch",
                f"Gói ghi {what} gửi là '{_shown(sender[name])}', nhưng khóa ký đã được ghi "
                f"nhận ở đây cho {peer.org_code} ({what}: '{enrolled}'): không nhận. Nếu "
                f"{peer.org_code} thật sự đổi {what}, hãy ghi nhận lại thẻ khóa của đơn vị.",
            )
    if m["recipient"]["org_code"] != home_org:
        raise BundleError(
            "readdressed",
            f"Gói được ký để gửi cho {_shown(m['recipient']['org_code'])}, không phải cho "
            f"{home_org}: không nhận.",
        )


def _rotated_peer(
    conn: Connection, statement: dict, new_key_id: str
) -> tuple[keys.Peer | None, keys.Rotation | None]:
    """The new key a rotation statement announces, if the sender's ACTIVE enrolled key
    signed it: a retired key never announces a successor (a stolen old key must not take
    the station over), a revoked one verifies nothing."""
    try:
        rotation = keys.read_rotation(statement)
        old = keys.peer(conn, rotation.old_key_id)
        if old is None or rotation.new.key_id != new_key_id:
            return None, None
        if old.status == keys.REVOKED:
            raise BundleError(
                "revoked_sender",
                f"Khóa mới của {old.org_code} được thông báo bằng một khóa đã bị thu hồi: "
                "không nhận.",
            )
        if old.status != keys.ACTIVE:
            raise BundleError(
                "rotation_not_active",
                f"Khóa mới của {old.org_code} được thông báo bằng khóa cũ (mã xác nhận "
                f"{old.fingerprint}) không còn đang dùng ở đây: chỉ khóa đang dùng mới được "
                f"báo khóa mới. Không nhận. Nếu {old.org_code} thật sự đổi khóa, hãy ghi nhận "
                "thẻ khóa mới ('khdesk keys enrol') sau khi đối chiếu mã xác nhận.",
            )
        keys.vouch(statement, old)
    except KeyCardError as exc:
        raise BundleError(exc.code, exc.message) from None
    new = keys.Peer(
        key_id=rotation.new.key_id,
        org_code=old.org_code,
        org_name=old.org_name,
        role=old.role,
        public=rotation.new,
        status=keys.ACTIVE,
        enrolled_at="",  # enrolled for good only when the bundle is imported
        enrolled_by="rotation",
    )
    return new, rotation


# -- the ledger's verdict --


# The ledger's reads, built once: each bundle makes them all (see engine.prepared_rows).
_EPOCHS = select(t.sync_epochs).where(t.sync_epochs.c.sender_org == bindparam("sender"))
_RECEIVED = select(t.sync_received).where(
    t.sync_received.c.sender_org == bindparam("sender"),
    t.sync_received.c.epoch == bindparam("epoch"),
)
_SAME_HASH = select(t.sync_received.c.imported_at).where(
    t.sync_received.c.bundle_hash == bindparam("hash")
)
_SAME_ID = select(t.sync_received.c.id).where(t.sync_received.c.bundle_id == bindparam("id"))
_KEY_STATUS = select(t.sync_peers.c.status).where(t.sync_peers.c.key_id == bindparam("key_id"))


def _epoch_rows(conn: Connection, sender: str) -> dict[str, dict]:
    names = t.sync_epochs.c.keys()
    rows = (dict(zip(names, r, strict=True)) for r in prepared_rows(conn, _EPOCHS, sender=sender))
    return {r["epoch"]: r for r in rows}


def _received(conn: Connection, sender: str, epoch: str) -> dict[int, dict]:
    names = t.sync_received.c.keys()
    found = prepared_rows(conn, _RECEIVED, sender=sender, epoch=epoch)
    rows = (dict(zip(names, r, strict=True)) for r in found)
    return {r["seq"]: r for r in rows}


def _day(iso_text: str | None) -> str:
    try:
        return date.fromisoformat((iso_text or "")[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return iso_text or "?"


def describe_epoch(sender: str, epoch: dict, received_last: int | None) -> str:
    """The new epoch as a person reads it: who, why, since when, what may differ."""
    reason = epoch.get("reason") or {}
    previous = epoch.get("previous") or {}
    last_seq = previous.get("last_seq", 0)
    known = f"bản này biết đến gói số {last_seq}" if last_seq else "bản này chưa biết gói nào"
    if reason.get("last_sent_at"):
        known += f" (gửi ngày {_day(reason['last_sent_at'])})"
    code = reason.get("code")
    if code == "restored":
        text = f"{sender} đã được khôi phục từ bản sao lưu; {known}."
    elif code == "moved":
        text = f"{sender} được chuyển sang máy khác hoặc khôi phục không kèm sổ gửi; {known}."
    elif code == "handover":
        note = _shown(reason.get("note") or "bàn giao", 200)
        text = f"{sender} bắt đầu giai đoạn gửi mới ({note}); {known}."
    else:
        text = f"{sender} bắt đầu một giai đoạn gửi mới; {known}."
    text += f" Giai đoạn mới bắt đầu ngày {_day(epoch.get('started_at'))}."
    if received_last and received_last > last_seq:
        text += (
            f" Ở đây đã nhận đến gói số {received_last} của giai đoạn trước: dữ liệu của các gói "
            f"{last_seq + 1}–{received_last} có thể khác; khác biệt sẽ được giữ lại và liệt kê."
        )
    return text


def _assess(
    conn: Connection,
    o: _Opened,
    report: BundleReport,
    accept_epoch: bool,
    epochs: dict[str, dict] | None = None,
) -> str:
    """The ledger's verdict: new / duplicate / new_epoch / quarantine (reason in report).
    `epochs`: the sender's epochs, when the caller has read them already."""
    m = o.verified.manifest
    sender, epoch_id, seq = m["sender"]["org_code"], m["epoch"]["id"], m["seq"]
    bhash = o.verified.opened.bundle_hash
    if epochs is None:
        epochs = _epoch_rows(conn, sender)
    known_epoch = epochs.get(epoch_id)
    report.epoch = {
        "id": epoch_id,
        "started_at": m["epoch"]["started_at"],
        "new": known_epoch is None and bool(epochs),
        "text": None,
    }
    same = prepared_rows(conn, _SAME_HASH, hash=bhash)
    if same:
        report.reason = f"Gói này đã được nhập ngày {_day(same[0][0])}; không nhập lại."
        return "duplicate"
    received = _received(conn, sender, epoch_id)
    if seq in received or prepared_rows(conn, _SAME_ID, id=m["bundle_id"]):
        report.code = "reused_sequence"
        report.reason = (
            f"CẢNH BÁO: {sender} đã gửi một gói khác cũng mang số {seq} (cùng giai đoạn) — có "
            "thể có hai máy cùng dùng hồ sơ của đơn vị này (sao chép ổ đĩa, lộ khóa). Gói bị "
            "cách ly, không nhập; hãy liên hệ đơn vị gửi."
        )
        return "quarantine"
    if known_epoch is not None and known_epoch["status"] == "ended":
        report.code = "ended_epoch"
        report.reason = (
            f"CẢNH BÁO: gói số {seq} thuộc giai đoạn gửi cũ của {sender}, đã kết thúc ngày "
            f"{_day(known_epoch['ended_at'])}. Có thể máy cũ vẫn đang được dùng: gói bị cách ly."
        )
        return "quarantine"
    prev = m.get("prev")
    if prev and prev["seq"] in received and received[prev["seq"]]["bundle_hash"] != prev["hash"]:
        report.code = "forked"
        report.reason = (
            f"CẢNH BÁO: gói số {seq} của {sender} không nối tiếp gói số {prev['seq']} đã nhận "
            "(chuỗi gói rẽ nhánh). Gói bị cách ly, không nhập."
        )
        return "quarantine"
    for later in received.values():
        if later["prev_seq"] == seq and later["prev_hash"] != bhash:
            report.code = "forked"
            report.reason = (
                f"CẢNH BÁO: gói số {later['seq']} đã nhận của {sender} nối tiếp một gói số {seq} "
                "khác gói này (chuỗi gói rẽ nhánh). Gói bị cách ly, không nhập."
            )
            return "quarantine"
    missing = _gaps(set(received) | {seq})
    if missing:
        report.notes.append(
            f"Chưa nhận các gói số {_ranges(missing)} của {sender} (chưa đến, hoặc bên gửi ghi "
            "hỏng và đã bỏ số đó)."
        )
    if known_epoch is None and epochs:
        last = max((r["ended_after_seq"] or 0) for r in epochs.values())
        for r in epochs.values():
            if r["status"] == "current":
                last = max(last, max(_received(conn, sender, r["epoch"]), default=0))
        report.epoch["text"] = describe_epoch(sender, m["epoch"], last)
        if not accept_epoch:
            report.code = "new_epoch"
            report.reason = (
                f"{report.epoch['text']} Nếu đúng như vậy, nhập lại với --accept-epoch để xác "
                "nhận; chưa nhập gì."
            )
            return "new_epoch"
    return "new"


def _gaps(have: set[int]) -> list[tuple[int, int]]:
    """The numbers from 1 to max(have) not in `have`, as (first, last) ranges: a signed
    seq may be 2³¹−1, so never listed one by one."""
    gaps, expected = [], 1
    for n in sorted(have):
        if n > expected:
            gaps.append((expected, n - 1))
        expected = n + 1
    return gaps


def _ranges(gaps: list[tuple[int, int]], shown: int = 20) -> str:
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in gaps[:shown]]
    if len(gaps) > shown:
        parts.append(f"… ({len(gaps) - shown} khoảng nữa)")
    return ", ".join(parts)


# -- scope: what the sender may write here (domain/scope.py, the one rule) --

# The column that says which unit a stored record is about (steps, attachments: their
# file; member records, ratings: their member), per table.
_UNIT_COLUMN = {
    "orgs": "code",
    "plans": "org_code",
    "members": "org_code",
    "member_records": "member_code",
    "ratings": "member_code",
    "private_units": "org_code",
    "candidates": "org_code",
    "meetings": "org_code",
    "steps": "candidate_uuid",
    "attachments": "candidate_uuid",
}
_BY_MEMBER = ("member_records", "ratings")
_BY_FILE = ("steps", "attachments")


def _scope_for(conn: Connection, session: Station, o: _Opened) -> tuple[WriteScope, OrgTree]:
    """What the enrolled sender may write here, from this station's tree and the key's
    enrolment (its code and role), never from the bundle."""
    return _sender_scope(
        conn,
        session.org_code,
        session.info.role,
        o.peer.org_code,
        o.peer.role,
        o.verified.manifest["kind"],
    )


def _sender_scope(
    conn: Connection, home_org: str, home_role: str, sender: str, sender_role: str, kind: str
) -> tuple[WriteScope, OrgTree]:
    tree = load_tree(conn)
    try:
        return sender_scope(tree, home_org, home_role, sender, sender_role, kind), tree
    except ScopeError as exc:
        raise BundleError(exc.code, exc.message) from None


def check_kept_record(
    conn: Connection, home_org: str, home_role: str, sender: str, table: str, values: dict
) -> None:
    """A record a bundle brought and a conflict kept, about to be taken: still the
    sender's to write here (its current enrolment, this station's tree now)? Raises
    BundleError as an import would."""
    enrolled = [p for p in keys.peers(conn) if p.org_code == sender and p.status != keys.REVOKED]
    if not enrolled:
        raise BundleError(
            "unknown_sender", f"Khóa của {sender} không còn được ghi nhận (hoặc đã bị thu hồi)."
        )
    tree = load_tree(conn)
    kind = "up" if tree.is_below(sender, home_org) else "down"
    scope, tree = _sender_scope(conn, home_org, home_role, sender, enrolled[-1].role, kind)
    _, skipped = _check_scope(conn, scope, tree, {table: [values]})
    if skipped.uuids:
        raise BundleError("out_of_scope", " ".join(skipped.notes(sender)))


def split_reports(scope: WriteScope, tables: dict) -> tuple[dict, list[dict]]:
    """The bundle's records without the decisions a cell reports, and those reports
    (`scope.is_report`)."""
    steps = tables.get("steps", [])
    reported = [v for v in steps if is_report(scope, "steps", v)]
    if not reported:
        return tables, []
    kept = [v for v in steps if not is_report(scope, "steps", v)]
    out = {k: v for k, v in tables.items() if k != "steps"}
    if kept:
        out["steps"] = kept
    return out, reported


@dataclass
class _Skipped:
    """The sender's old copies of files its branch handed over (`scope.superseded`): left
    out of the merge, each file named in the report."""

    uuids: set[str] = field(default_factory=set)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # code -> (holder, n)

    def add(self, r: Incoming, holder: str) -> None:
        self.uuids.add(r.values["uuid"])
        code = r.file_code or r.label
        self.files[code] = (holder, self.files.get(code, (holder, 0))[1] + 1)

    def notes(self, writer: str) -> list[str]:
        return [
            f"{n} bản ghi cũ của {writer} bị bỏ qua: hồ sơ {code} đã chuyển sang {holder} "
            "(gửi lại trước khi biết việc chuyển; không ghi gì)."
            for code, (holder, n) in sorted(self.files.items())
        ]

    def strip(self, tables: dict) -> dict:
        if not self.uuids:
            return tables
        kept = {k: [v for v in rows if v["uuid"] not in self.uuids] for k, rows in tables.items()}
        return {k: rows for k, rows in kept.items() if rows}


def _check_scope(
    conn: Connection,
    scope: WriteScope,
    tree: OrgTree,
    tables: dict,
    skipped: _Skipped | None = None,
) -> tuple[WriteScope, _Skipped]:
    """Every record must be the sender's to write here, or the whole bundle is refused
    (naming the first record that is not) — save its old copies of files it handed over,
    skipped. Returns the scope the merge writes under (a commune committee's bundle to
    the province may add units under it) and what is skipped."""
    first = scope, tree
    scope, tree = with_new_units(scope, tree, tables.get("orgs", []))
    _check_uuids(conn, scope.writer, tables)
    passages = _passages(conn, tables)
    here = _replays_here(conn)
    skipped = skipped or _Skipped()
    handed: set[str] = set()

    def skip(r: Incoming) -> bool:
        file = here(r.file_uuid) if r.file_uuid and r.unit is not None else None
        if file is None or not superseded(scope, r, file):
            return False
        skipped.add(r, file.holder)
        return True

    for r in _incoming(conn, tables):
        if is_report(scope, r.table, r.values):
            if r.unit is None:
                raise _missing_parent(scope, r)
            why = report_problem(scope, r)
            if why is not None and not skip(r):
                raise BundleError(
                    "out_of_scope", f"Gói của {scope.writer} có {why}: không nhận cả gói."
                )
            continue
        passage = passages.get(r.file_uuid or "")
        if passage is not None and handed_over(scope, r, passage):
            handed.add(r.values["uuid"])
            continue
        if r.unit is None:
            raise _missing_parent(scope, r)
        why = record_problem(scope, tree, r)
        if why is not None and not skip(r):
            raise BundleError(
                "out_of_scope", f"Gói của {scope.writer} có {why}: không nhận cả gói."
            )
    if any(v["uuid"] in skipped.uuids for v in tables.get("candidates", [])):
        # The rest is judged again without the old file records: their steps and scans
        # are about the file as it stands here, not as the skipped copy says.
        return _check_scope(conn, *first, skipped.strip(tables), skipped)
    return (replace(scope, handed=frozenset(handed)) if handed else scope), skipped


def _replays_here(conn: Connection):
    """File uuid -> its transfers as this station's history tells them (None: no such
    file here), read once per file when first asked."""
    cache: dict[str, transfers.Replay | None] = {}

    def here(file_uuid: str) -> transfers.Replay | None:
        if file_uuid not in cache:
            org = conn.execute(
                select(t.candidates.c.org_code).where(t.candidates.c.uuid == file_uuid)
            ).scalar()
            rows = select_in(conn, t.steps, _EVENT_COLUMNS, "candidate_uuid", [file_uuid])
            events = _events({row[0]: row for row in rows})
            cache[file_uuid] = transfers.replay(events, org) if org else None
        return cache[file_uuid]

    return here


def _missing_parent(scope: WriteScope, r: Incoming) -> BundleError:
    return BundleError(
        "missing_parent",
        f"Gói của {scope.writer} có bản ghi {TABLE_LABELS[r.table]} thuộc một hồ "
        "sơ/đảng viên chưa có ở đây. Hãy nhập các gói trước đó của "
        f"{scope.writer} rồi nhập lại gói này.",
    )


_EVENT_COLUMNS = ("uuid", "candidate_uuid", "step_id", "on", "result", "doc_no", "seq")
_EVENT_COLUMNS += ("from_org", "to_org", "deleted")


def _passages(conn: Connection, tables: dict) -> dict[str, transfers.Passage]:
    """File uuid -> what the bundle does to that file's transfers, for the files it
    brings a transfer event of (RULES.md §2a; domain/scope.handed_over judges it)."""
    incoming = tables.get("steps", [])
    files = sorted({v["candidate_uuid"] for v in incoming if v["step_id"] in TRANSFER_STEPS})
    if not files:
        return {}
    stored: dict[str, dict[str, tuple]] = {f: {} for f in files}
    for row in select_in(conn, t.steps, _EVENT_COLUMNS, "candidate_uuid", files):
        stored[row[1]][row[0]] = row
    orgs = dict(select_in(conn, t.candidates, ("uuid", "org_code"), "uuid", files))
    orgs.update(
        {v["uuid"]: v["org_code"] for v in tables.get("candidates", []) if v["uuid"] not in orgs}
    )
    merged = {f: dict(rows) for f, rows in stored.items()}
    for v in incoming:
        if v["candidate_uuid"] in merged:
            merged[v["candidate_uuid"]][v["uuid"]] = tuple(v.get(c) for c in _EVENT_COLUMNS)
    return {
        f: transfers.passage(_events(stored[f]), _events(merged[f]), orgs.get(f) or "")
        for f in files
    }


def _events(rows: dict[str, tuple]) -> list[StepEvent]:
    return [
        StepEvent(step, as_date(on), Result(result), doc_no, seq=seq, from_org=a, to_org=b)
        for _uuid, _file, step, on, result, doc_no, seq, a, b, deleted in rows.values()
        if not deleted
    ]


def _check_uuids(conn: Connection, writer: str, tables: dict) -> None:
    """A uuid names one record here, whatever its table (the versions last received and
    every bundle key records by uuid alone): one held here by a record of another table
    refuses the bundle (a cell's scan must not take the uuid of the committee's step)."""
    for name, table in records.TABLES.items():
        others = [v["uuid"] for n, rows in tables.items() if n != name for v in rows]
        taken = select_in(conn, table, ("uuid",), "uuid", others)
        if taken:
            uuid = taken[0][0]
            where = next(n for n, rows in tables.items() for v in rows if v["uuid"] == uuid)
            raise BundleError(
                "record_duplicate",
                f"Gói của {writer} có bản ghi {TABLE_LABELS[where]} mang uuid {uuid}, mã đã "
                f"dùng cho một bản ghi {TABLE_LABELS[name]} ở đây: không nhận cả gói.",
            )


def _incoming(conn: Connection, tables: dict) -> list[Incoming]:
    """The bundle's records with the unit each is about and the owner and unit of the
    copy stored here under the same uuid (read in one batch per table)."""
    stored: dict[str, dict[str, tuple]] = {}
    for name, rows in tables.items():
        table = records.TABLES[name]
        columns = ("uuid", "owner", _UNIT_COLUMN[name])
        found = select_in(conn, table, columns, "uuid", [v["uuid"] for v in rows])
        stored[name] = {u: (owner, unit) for u, owner, unit in found}
    member_org = _org_lookup(
        conn,
        t.members,
        "member_code",
        tables.get("members", []),
        {v["member_code"] for n in _BY_MEMBER for v in tables.get(n, [])}
        | {unit for n in _BY_MEMBER for _, unit in stored.get(n, {}).values()},
    )
    file_org, file_code, file_owner = _file_lookup(
        conn,
        tables.get("candidates", []),
        {v["candidate_uuid"] for n in _BY_FILE for v in tables.get(n, [])}
        | {unit for n in _BY_FILE for _, unit in stored.get(n, {}).values()},
    )

    def unit_of(name: str, value):
        if name in _BY_MEMBER:
            return member_org(value)
        if name in _BY_FILE:
            return file_org(value)
        return value

    out = []
    for name, rows in tables.items():
        for v in rows:
            owner, unit = stored[name].get(v["uuid"], (None, None))
            raw = v[_UNIT_COLUMN[name]]
            if name == "private_units" and raw is None:
                raw = v["owner"]  # a unit of no cell: its owner's
            out.append(
                Incoming(
                    table=name,
                    values=v,
                    label=records.label(name, v) or v["uuid"],
                    file_code=file_code(raw) if name in _BY_FILE else None,
                    file_owner=file_owner(raw) if name in _BY_FILE else None,
                    unit=unit_of(name, raw),
                    stored_owner=owner,
                    stored_unit=unit_of(name, unit) if unit is not None else None,
                    stored_code=unit if name == "orgs" else None,
                    file_uuid=(v["uuid"] if name == "candidates" else raw)
                    if name in _BY_FILE or name == "candidates"
                    else None,
                )
            )
    return out


def _file_lookup(conn: Connection, incoming: list[dict], wanted: set):
    """File uuid -> its unit, -> its file code and -> its owner: from the bundle first,
    then here."""
    known = {r["uuid"]: (r["org_code"], r["file_code"], r["owner"]) for r in incoming}
    missing = sorted(wanted - set(known))
    columns = ("uuid", "org_code", "file_code", "owner")
    found = select_in(conn, t.candidates, columns, "uuid", missing)
    known.update({u: (org, code, owner) for u, org, code, owner in found})
    return (
        lambda u: known.get(u, (None, None, None))[0],
        lambda u: known.get(u, (None, None, None))[1],
        lambda u: known.get(u, (None, None, None))[2],
    )


def _org_lookup(conn: Connection, table, key: str, incoming: list[dict], wanted: set):
    """key value -> org code, from the bundle first, then this database (the `wanted`
    values the bundle does not hold, read at once)."""
    known = {r[key]: r["org_code"] for r in incoming}
    missing = sorted(wanted - set(known))
    known.update(dict.fromkeys(missing))
    known.update(select_in(conn, table, (key, "org_code"), key, missing))
    return known.__getitem__


# -- the use cases --


def _read_file(path: Path, limits: bundle.Limits) -> bytes:
    try:
        size = path.stat().st_size
        if size > limits.max_file:
            raise BundleError(
                "too_large", f"Tệp '{path.name}' quá lớn ({size // 1_048_576} MB) để là một gói."
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise BundleError("no_file", f"Không thấy tệp '{path}'.") from None
    except IsADirectoryError:
        raise BundleError("no_file", f"'{path}' là một thư mục, không phải tệp gói.") from None
    except OSError as exc:
        raise BundleError("io", f"Không đọc được tệp '{path.name}': {exc.strerror}") from None


def _sent_here(conn: Connection, data: bytes, report: BundleReport) -> bool:
    """A bundle this station wrote cannot be opened here (it is sealed to the recipient),
    but the ledger can tell whether the file is exactly as it was written."""
    try:
        header = bundle.read_header(data)
    except BundleError:
        return False
    if header.recipient_key_id in keys.decryption_keys(conn):
        return False
    sent = outbox.sent_bundle(conn, hashlib.sha256(data).hexdigest())
    if sent is None:
        return False
    report.status, report.valid = "sent", True
    report.bundle_id, report.seq = sent["bundle_id"], sent["seq"]
    report.recipient = {"org_code": sent["recipient_org"], "key_id": sent["recipient_key_id"]}
    report.created_at = sent["created_at"]
    report.reason = (
        f"Gói số {sent['seq']} do hồ sơ này xuất ngày {_day(sent['created_at'])} gửi "
        f"{sent['recipient_org']}; nội dung tệp đúng như lúc ghi. Chỉ {sent['recipient_org']} "
        "mở được gói."
    )
    return True


def verify_bundle(
    session: Station, path: Path, limits: bundle.Limits = bundle.DEFAULT_LIMITS
) -> BundleReport:
    """Everything import would check, and what it would do; changes nothing."""
    report = BundleReport(path=str(path), status="refused", valid=False)
    try:
        data = _read_file(Path(path), limits)
        with session.store.read() as conn:
            if _sent_here(conn, data, report):
                return report
            o = _open(conn, data, report, limits, session.org_code, session.store.clock())
            scope, skipped = _check_scope(conn, *_scope_for(conn, session, o), o.verified.tables)
            report.notes.extend(skipped.notes(scope.writer))
            _, reported = split_reports(scope, skipped.strip(o.verified.tables))
            reports.check_flood(conn, scope.writer, reported)
            check_sizes(conn, o.verified.tables.get("attachments", []), o.verified.files)
            report.status = _assess(conn, o, report, accept_epoch=False)
            told = _check_history(conn, o, report, limits, report.status)
            if told is not None and told.refused and report.status == "new":
                report.status = "quarantine"
    except BundleError as exc:
        report.code, report.reason = exc.code, exc.message
        return report
    report.valid = True
    return report


def import_bundle(
    session: Station,
    path: Path,
    *,
    accept_epoch: bool = False,
    limits: bundle.Limits = bundle.DEFAULT_LIMITS,
) -> BundleReport:
    """Import one bundle in one transaction; the report says what happened and why."""
    report = BundleReport(path=str(path), status="refused", valid=False)
    o: _Opened | None = None
    try:
        data = _read_file(Path(path), limits)
        with session.store.read() as conn:
            o = _open(conn, data, report, limits, session.org_code, session.store.clock())
        report.valid = True
        for attempt in range(_ATTEMPTS):
            try:
                with session.store.write(session.user) as tx:
                    _apply_one(session, tx, o, report, accept_epoch, limits)
                break
            except Exception as exc:
                if attempt + 1 < _ATTEMPTS and (is_transient(exc) or _raced(session, exc)):
                    log.info("bundle import ran into another transaction; again: %s", exc)
                    report.notes.clear()
                    continue
                raise
    except _Verdict as verdict:
        report = verdict.report
        if report.status == "quarantine":
            _quarantine(session, o, report)
        return report
    except BundleError as exc:
        report.code, report.reason = exc.code, exc.message
        report.status = "refused"
        report.applied, report.conflicts, report.files_changed = {}, [], []
        if exc.code in _SCOPE_REFUSALS and o is not None:
            # A genuine key writing beyond its reach: kept as evidence and audited.
            _quarantine(session, o, report, action="bundle_refused")
        return report
    except IntegrityError as exc:  # a constraint the checks above did not foresee
        report.status, report.code = "refused", "integrity"
        report.reason = (
            "Gói mâu thuẫn với dữ liệu ở đây (vi phạm ràng buộc của cơ sở dữ liệu); không nhập "
            "gì. Chi tiết ghi trong nhật ký."
        )
        report.applied, report.conflicts, report.files_changed = {}, [], []
        log.warning("bundle import refused by a constraint: %s", exc.orig)
        return report
    report.status = "imported"
    return report


_ATTEMPTS = 4


def _raced(session: Station, exc: BaseException) -> bool:
    """Another staff member's import added the same row (an organisation, an attachment)
    first: on PostgreSQL the merge runs again and now finds it. (The same bundle twice
    never gets here: its sender's lock makes the second one see the first.)"""
    return isinstance(exc, IntegrityError) and session.on_server


def _apply_one(
    session: Station,
    tx: WriteTx,
    o: _Opened,
    report: BundleReport,
    accept_epoch: bool,
    limits: bundle.Limits = bundle.DEFAULT_LIMITS,
) -> None:
    conn = tx.conn
    m = o.verified.manifest
    sender = m["sender"]["org_code"]
    # One sender's bundles one at a time (several staff may import at once on the
    # province server): the checks below then see what the other import committed.
    serialize(conn, f"bundle-sender:{sender}")
    # Checked again inside the write transaction: a key may have been revoked meanwhile.
    current = prepared_rows(conn, _KEY_STATUS, key_id=o.peer.key_id)
    if current and current[0][0] == keys.REVOKED:
        raise BundleError("revoked_sender", f"Khóa của {sender} vừa bị thu hồi: không nhận.")
    scope, skipped = _check_scope(conn, *_scope_for(conn, session, o), o.verified.tables)
    epochs = _epoch_rows(conn, sender)
    status = _assess(conn, o, report, accept_epoch, epochs)
    told = _check_history(conn, o, report, limits, status)
    if told is not None and told.refused and status == "new":
        status = "quarantine"
    if status != "new":
        report.status = status
        raise _Verdict(report)
    _record_epoch(conn, tx, m, report, epochs)
    if o.rotation is not None:
        old = keys.peer(conn, o.rotation.old_key_id)
        if old is None or old.status != keys.ACTIVE:  # replaced or revoked meanwhile
            raise BundleError(
                "rotation_not_active",
                f"Khóa cũ thông báo khóa mới của {sender} vừa thôi là khóa đang dùng: không nhận.",
            )
        keys.enrol_rotated(conn, old, o.rotation, tx.now)
        report.notes.append(
            f"Đã nhận khóa mới của {sender} (mã xác nhận {o.rotation.new.fingerprint}), được "
            "thông báo bằng khóa cũ đã ghi nhận."
        )
    lineage = {e: (r["previous_epoch"], r["previous_last_seq"]) for e, r in epochs.items()}
    previous = m["epoch"].get("previous") or {}
    # The epoch _record_epoch just wrote, if new (as it wrote it).
    lineage.setdefault(m["epoch"]["id"], (previous.get("id"), previous.get("last_seq")))
    # A cell's paper copies of its committee's decisions are reports, never steps here.
    report.notes.extend(skipped.notes(sender))
    tables, reported = split_reports(scope, skipped.strip(o.verified.tables))
    reports.check_flood(conn, sender, reported)
    taken = replace(o.verified, tables=tables)
    merged = Merge(tx, taken, scope.owners, lineage, scope.handed).run()
    _answer_withdrawals(session, tx, tables, report)
    if reported:
        merged.applied[reports.TABLE] = reports.take(tx, sender, reported)
    if scope.decisions_only and session.info.role == "cell":
        # The committee's decisions replace the cell's paper copies of them.
        superseded = reports.supersede(tx, session.org_code, sender, tables.get("steps", []))
        for code, kinds in superseded.items():
            report.notes.append(
                f"Hồ sơ {code}: quyết định của {sender} thay bản chép từ giấy của chi bộ ({kinds})."
            )
    _take_receipts(conn, sender, m.get("receipts") or [], tx.now)
    if told is not None:
        history.record(conn, m, told, tx.now)
    report.applied, report.conflicts = merged.applied, merged.conflicts
    report.files_changed = sorted(merged.files)
    summary = {k: asdict(v) for k, v in report.applied.items()}
    received = {
        "bundle_id": m["bundle_id"],
        "bundle_hash": o.verified.opened.bundle_hash,
        "sender_org": sender,
        "sender_key_id": o.peer.key_id,
        "epoch": m["epoch"]["id"],
        "seq": m["seq"],
        "prev_seq": (m.get("prev") or {}).get("seq"),
        "prev_hash": (m.get("prev") or {}).get("hash"),
        "change_seq_upto": m["changes"]["upto"],
        "imported_at": tx.now,
        "imported_by": session.user,
        "summary": json.dumps(summary, sort_keys=True),
    }
    bulk_insert(conn, t.sync_received, [received])
    source = f"gói {sender} số {m['seq']}"
    # The bundle's entry, then one per file changed: one append, one read of the chain's end.
    entry = {"sender": sender, "seq": m["seq"], "epoch": m["epoch"]["id"], "tables": summary}
    append_audit_many(
        conn,
        tx.now,
        tx.user,
        [
            ("bundle_import", "bundle", m["bundle_id"], entry),
            *(
                ("change", "candidate", code, {"how": how, "source": source})
                for code, how in sorted(merged.files.items())
            ),
        ],
    )


def _answer_withdrawals(session: Station, tx: WriteTx, tables: dict, report: BundleReport) -> None:
    """A withdrawal (CHUYEN_HUY) that reaches the station keeping the receiving unit (the
    nearest station at or above it, `scope.keeps`) before it accepted is answered here
    with the return, in the import's transaction (RULES.md §2a): the file leaves this
    station's "Đang chuyển" list and the return goes back up. Only the receiver answers a
    transfer, so a crossing has one outcome."""
    files = sorted(
        {v["candidate_uuid"] for v in tables.get("steps", []) if v["step_id"] == transfers.WITHDRAW}
    )
    if not files:
        return
    tree = load_tree(tx.conn)
    running = keys.running_units(tx.conn)
    for cuid in files:
        file = tx.conn.execute(
            select(t.candidates.c.file_code, t.candidates.c.org_code).where(
                t.candidates.c.uuid == cuid
            )
        ).first()
        if file is None:
            continue
        rows = tx.conn.execute(
            select(t.steps).where(t.steps.c.candidate_uuid == cuid, t.steps.c.deleted.is_(False))
        ).mappings()
        r = transfers.replay([step_event(row) for row in rows], file.org_code)
        if r.pending is None or r.withdrawal is None:
            continue
        if not keeps(tree, session.org_code, running, r.pending.to_org or ""):
            continue  # the station keeping the receiving unit answers, further down
        answer = transfers.withdrawal_answer(r.pending, r.withdrawal)
        insert_step(tx, cuid, answer)
        tx.audit(
            "transfer_return",
            "candidate",
            file.file_code,
            from_org=answer.from_org,
            to_org=answer.to_org,
            on=answer.on.isoformat(),
            reason=answer.note,
            withdrawn=True,
        )
        report.notes.append(
            f"Hồ sơ {file.file_code}: {answer.to_org} đã rút lại hồ sơ chuyển đến "
            f"{answer.from_org}; đã ghi trả lại hồ sơ."
        )


def _check_history(
    conn: Connection,
    o: _Opened,
    report: BundleReport,
    limits: bundle.Limits,
    status: str = "new",
) -> history.Verdict | None:
    """The history the bundle reports must extend what its sender reported here before
    (FORMAT.md §11). A break or a gap becomes the report's reason (the caller
    quarantines the bundle); a rewind a note."""
    v = o.verified
    verdict = history.assess(conn, v.manifest, v.opened.entries, limits.max_line)
    if verdict is None or status == "duplicate":
        return None
    report.audit = verdict.summary()
    if verdict.refused and status == "new":
        report.code, report.reason = f"audit_{verdict.kind}", verdict.reason
    elif verdict.reason:
        report.notes.append(verdict.reason)
    return verdict


def _take_receipts(conn: Connection, sender: str, receipts: list[dict], now: str) -> None:
    """The sender says which of our bundles it holds: later exports to it leave those
    changes out, and what is still in transit shows."""
    hashes = [r["bundle_hash"] for r in receipts]
    for start in range(0, len(hashes), 500):
        conn.execute(
            update(t.sync_sent)
            .where(
                t.sync_sent.c.recipient_org == sender,
                t.sync_sent.c.bundle_hash.in_(hashes[start : start + 500]),
                t.sync_sent.c.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=now)
        )


def _record_epoch(
    conn: Connection, tx: WriteTx, m: dict, report: BundleReport, epochs: dict[str, dict]
) -> None:
    sender, epoch = m["sender"]["org_code"], m["epoch"]
    if epoch["id"] in epochs:
        return
    for other, row in epochs.items():
        if row["status"] == "current":
            last = max(_received(conn, sender, other), default=None)
            conn.execute(
                update(t.sync_epochs)
                .where(t.sync_epochs.c.id == row["id"])
                .values(status="ended", ended_at=tx.now, ended_after_seq=last)
            )
    previous = epoch.get("previous") or {}
    row = {
        "sender_org": sender,
        "epoch": epoch["id"],
        "started_at": epoch["started_at"],
        "reason": json.dumps(epoch.get("reason"), ensure_ascii=False, sort_keys=True),
        "previous_epoch": previous.get("id"),
        "previous_last_seq": previous.get("last_seq"),
        "status": "current",
        "accepted_at": tx.now,
        "accepted_by": tx.user,
    }
    bulk_insert(conn, t.sync_epochs, [row])
    if epochs:
        report.notes.append(f"Đã xác nhận giai đoạn gửi mới của {sender}. {report.epoch['text']}")


# Refusals of a bundle that verified with an enrolled key: set aside and audited.
_SCOPE_REFUSALS = ("out_of_scope", "direction")


def _quarantine(
    session: Station, o: _Opened, report: BundleReport, action: str = "bundle_quarantine"
) -> None:
    """Keep the suspicious bundle (in the encrypted database) and say so: quarantined
    (a fork, a reused number) or, `action` "bundle_refused", refused for what it carries."""
    m = o.verified.manifest
    if action == "bundle_quarantine":
        report.status = "quarantined"
    with session.store.write(session.user, changes=False) as tx:
        # As an import: the same bundle set aside by two staff members at once lands once.
        serialize(tx.conn, f"bundle-sender:{m['sender']['org_code']}")
        kept = tx.conn.execute(
            select(t.sync_quarantine.c.id).where(
                t.sync_quarantine.c.bundle_hash == o.verified.opened.bundle_hash
            )
        ).first()
        if kept and action == "bundle_quarantine":
            return  # presented again: already set aside
        if not kept:
            tx.conn.execute(
                t.sync_quarantine.insert().values(
                    found_at=tx.now,
                    found_by=session.user,
                    sender_org=m["sender"]["org_code"],
                    epoch=m["epoch"]["id"],
                    seq=m["seq"],
                    bundle_hash=o.verified.opened.bundle_hash,
                    reason=report.reason or "",
                    manifest=o.verified.opened.manifest_bytes.decode("utf-8"),
                    content=o.data,
                )
            )
            if report.code in {f"audit_{kind}" for kind in history.BREAKS}:
                a = report.audit
                history.record_alert(
                    tx.conn, m, a["kind"], a["position"], report.reason or "", tx.now
                )
        tx.audit(
            action,
            "bundle",
            m["bundle_id"],
            sender=m["sender"]["org_code"],
            seq=m["seq"],
            code=report.code,
        )
