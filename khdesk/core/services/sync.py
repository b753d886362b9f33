"""Sync use cases — keys and bundles — as the CLI and the desktop call them.

Keys are made when a profile is created (profiles.create_profile); a profile made before
keys existed gets its pair the first time one of these needs it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from khdesk.core.domain.roles import Action
from khdesk.core.domain.scope import OrgTree, enrolment_check, staff_org_problem
from khdesk.core.domain.template import kind_from_name
from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress, step
from khdesk.core.services.organisations import new_unit_row
from khdesk.core.services.session import ProfileDir, Session, list_profiles
from khdesk.core.store import schema as t
from khdesk.core.store.orgtree import load_tree
from khdesk.core.sync import bundle, conflicts, history, inbox, keys, outbox
from khdesk.core.sync.errors import KeyCardError
from khdesk.core.sync.inbox import BundleReport
from khdesk.core.sync.outbox import ExportResult
from khdesk.core.text import clean_text

log = logging.getLogger(__name__)


def key_status(session: Session) -> dict:
    """This station's fingerprint and keys, and the keys of the stations it knows."""
    with session.store.write(session.user, changes=False) as tx:
        pair = keys.ensure_station_keys(tx.conn, tx.now)
        own = keys.own_keys(tx.conn)
        known = keys.peers(tx.conn)
    return {
        "org_code": session.org_code,
        "fingerprint": pair.public.fingerprint,
        "key_id": pair.key_id,
        "keys": own,
        "peers": [
            {
                "org_code": p.org_code,
                "org_name": p.org_name,
                "role": p.role,
                "fingerprint": p.fingerprint,
                "key_id": p.key_id,
                "status": p.status,
                "enrolled_at": p.enrolled_at,
                "enrolled_by": p.enrolled_by,
            }
            for p in known
        ],
    }


def write_card(session: Session, out: Path) -> dict:
    """Write this station's public card (to hand to the other side with its fingerprint)."""
    session.require(Action.SEND_RECEIVE)
    info = session.info
    with session.store.write(session.user, changes=False) as tx:
        pair = keys.ensure_station_keys(tx.conn, tx.now)
        card = keys.make_card(
            pair,
            info.org_code,
            info.org_name,
            info.role,
            tx.now,
            keys.active_rotation(tx.conn),
            parent_code=info.parent_code,
        )
        tx.audit("key_card", "key", pair.key_id)
    atomic_write_bytes(Path(out), card)
    return {"file": str(out), "fingerprint": pair.public.fingerprint, "key_id": pair.key_id}


def enrol_card(session: Session, path: Path, fingerprint: str, *, add_unit: bool = False) -> dict:
    """Enrol another station's card once the fingerprint read from it matches — and only
    if some bundle of that station would be taken here (domain/scope.py
    `enrolment_check`). When its unit is missing and its signed card names this station
    as its parent, `add_unit` adds the unit under this station in the same transaction;
    without it the refusal (code `unit_missing`) says so, and nothing is recorded."""
    session.require(Action.MANAGE_KEYS)
    try:
        with open(path, "rb") as f:
            data = f.read(keys.MAX_CARD + 1)  # a card is small: never read a big file whole
    except OSError as exc:
        raise InputError(f"Không đọc được tệp thẻ khóa '{path}': {exc.strerror}") from None
    card = keys.read_card(data)
    added = None
    with session.store.write(session.user, changes=add_unit) as tx:
        if card.org_code == session.org_code:
            raise KeyCardError(
                "own_org", f"Thẻ khóa này mang mã đơn vị của chính hồ sơ ({card.org_code})."
            )
        done = keys.enrol(tx.conn, card, fingerprint, tx.now, session.user)
        # After the fingerprint: only the right station's card earns the offer to add it.
        tree = load_tree(tx.conn)
        check = enrolment_check(
            tree, session.org_code, session.info.role, card.org_code, card.role, card.parent_code
        )
        if check.problem is not None:
            if not (add_unit and check.may_add_unit):
                code = "unit_missing" if check.may_add_unit else "out_of_scope"
                raise KeyCardError(code, check.problem)
            added = _add_card_unit(tx, tree, session.org_code, session.info.role, card)
        if not done.already or added:
            more = {"unit_added": added["code"]} if added else {}
            tx.audit("key_enrol", "key", card.public.key_id, org_code=card.org_code, **more)
    p = done.peer
    return {
        "org_code": p.org_code,
        "org_name": p.org_name,
        "role": p.role,
        "fingerprint": p.fingerprint,
        "key_id": p.key_id,
        "already": done.already,
        "unit_added": added,
    }


def _add_card_unit(tx, tree: OrgTree, home_org: str, home_role: str, card: keys.Card) -> dict:
    """The unit a card names, added under its parent (this station or a committee of its
    branch, as `enrolment_check` offered): it runs khdesk (it has a key), its kind read
    from its name (an import of the units' sheet corrects it)."""
    parent = card.parent_code or home_org
    why = staff_org_problem(tree, home_org, home_role, card.org_code, parent)
    if why:  # enrolment_check offered it only where the staff may add it
        raise KeyCardError("out_of_scope", why)
    kind = kind_from_name(card.org_name, card.role)
    row = new_unit_row(tx, tree, card.org_code, card.org_name, parent, kind, True)
    return {k: row[k] for k in ("code", "name", "parent_code", "kind")}


def rotate_keys(session: Session) -> dict:
    """A new key pair announced under the old one; the next bundles carry the news."""
    session.require(Action.MANAGE_KEYS)
    with session.store.write(session.user, changes=False) as tx:
        old = keys.ensure_station_keys(tx.conn, tx.now)
        new, _statement = keys.rotate(tx.conn, session.org_code, tx.now)
        tx.audit("key_rotate", "key", new.key_id, replaces=old.key_id)
    with session.store.read() as conn:
        session.dir.remember_key_ids(conn)
    return {
        "fingerprint": new.public.fingerprint,
        "key_id": new.key_id,
        "old_fingerprint": old.public.fingerprint,
        "old_key_id": old.key_id,
    }


def revoke_key(session: Session, fingerprint: str) -> dict:
    session.require(Action.MANAGE_KEYS)
    with session.store.write(session.user, changes=False) as tx:
        done = keys.revoke(tx.conn, fingerprint, tx.now)
        tx.audit("key_revoke", "key", done["key_id"], org_code=done["org_code"])
    return done


def start_new_epoch(session: Session, note: str) -> str:
    """Begin a new sending lineage on purpose (a new secretary on a new PC); the next
    bundle announces it and the recipient confirms it once. Returns the epoch id."""
    session.require(Action.NEW_EPOCH)
    note = clean_text(note, "Ghi chú bàn giao") or ""  # the committee reads it as sent
    with session.store.write(session.user, changes=False) as tx:
        epoch = outbox.start_epoch(tx.conn, tx.now, {"code": "handover", "note": note})
        tx.audit("sync_epoch", "epoch", epoch.id, note=note)
    return epoch.id


def bundle_profiles(home: Path, paths: Sequence[Path]) -> dict[Path, tuple[str, ...]]:
    """The profiles here each bundle is sealed to — one, or none (no profile holds its
    key, or the file is no bundle), or several (a copied profile) — read from the outer
    header's recipient key id and each profile's list of its own key ids
    (`ProfileDir.bundle_key_ids`): nothing decrypted, no password asked. A hint that only
    chooses which profile opens the bundle: a forged header or list sends it to a profile
    that cannot open it, and the import there checks everything (the signed recipient
    too) as always."""
    holders: dict[str, list[str]] = {}
    for info in list_profiles(home):
        for key_id in ProfileDir(home, info.name).bundle_key_ids():
            holders.setdefault(key_id, []).append(info.name)
    out: dict[Path, tuple[str, ...]] = {}
    for path in paths:
        try:
            with open(path, "rb") as f:
                key_id = bundle.peek_recipient(f.read(bundle.HEADER.size))
        except OSError:
            key_id = None
        out[path] = tuple(holders.get(key_id or "", ()))
    return out


def export_bundle(
    session: Session,
    out: Path,
    *,
    full: bool = False,
    to: str | None = None,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write a bundle (one transaction: a cancel before it starts leaves nothing)."""
    session.require(Action.SEND_RECEIVE)
    step(progress, cancel, 0, 1, "Ghi, rồi đọc lại để chắc tệp đúng…")
    result = outbox.export_bundle(session, Path(out), full=full, to=to)
    progress(Progress(1, 1, Path(out).name))
    return result


def verify_bundle(session: Session, path: Path) -> BundleReport:
    return inbox.verify_bundle(session, Path(path))


def verify_bundles(
    session: Session,
    paths: list[Path],
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> list[BundleReport]:
    """What importing each bundle would do; changes nothing."""
    reports = []
    for i, path in enumerate(paths):
        step(progress, cancel, i, len(paths), Path(path).name)
        reports.append(inbox.verify_bundle(session, Path(path)))
    progress(Progress(len(paths), len(paths)))
    return reports


def import_bundles(
    session: Session,
    paths: Sequence[Path],
    *,
    accept_epoch: bool = False,
    limits: bundle.Limits = bundle.DEFAULT_LIMITS,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> list[BundleReport]:
    """Import a batch of bundle files, each in its own transaction, in the order given (any
    order gives the same database): one report per file — imported, refused with the
    Vietnamese reason, or quarantined — never stopping at a bad one. A cancel is heeded
    between two files: before the first it raises Cancelled (nothing changed); later, the
    reports of the files imported so far come back (fewer than `paths`), none is half."""
    # Confirming a station's new epoch (restored from a backup, a new secretary) is a
    # trust decision, as enrolling its key is: a keeper's, not the day-to-day import's.
    session.require(Action.NEW_EPOCH if accept_epoch else Action.SEND_RECEIVE)
    reports = []
    for i, path in enumerate(paths):
        if reports and cancel is not None and cancel.cancelled:
            break  # what was imported must be reported, not called "nothing changed"
        step(progress, cancel, i, len(paths), Path(path).name)
        reports.append(_import_one(session, Path(path), accept_epoch, limits))
    progress(Progress(len(reports), len(paths)))
    return reports


def _import_one(
    session: Session, path: Path, accept_epoch: bool, limits: bundle.Limits
) -> BundleReport:
    """One file of a batch: whatever goes wrong with it becomes its report, so the next
    file is still tried (the store rolled its transaction back)."""
    try:
        return inbox.import_bundle(session, path, accept_epoch=accept_epoch, limits=limits)
    except KhdeskError as exc:  # (a cancel is heard between files, never in here)
        reason = exc.message
    except Exception:  # a bug or a failing disk: logged, told, and the batch goes on
        log.exception("bundle import failed: %s", path)
        reason = (
            "Lỗi không lường trước khi nhập tệp này; không nhập gì. Chi tiết ghi trong nhật ký."
        )
    return BundleReport(path=str(path), status="refused", valid=False, code="error", reason=reason)


def bundle_ledger(session: Session, limit: int = 500) -> dict:
    """The bundles this station wrote (to whom, when, which number, acknowledged or not),
    those it imported, and those it set aside — newest first. Reads only."""
    with session.store.read() as conn:
        names = dict(conn.execute(select(t.sync_peers.c.org_code, t.sync_peers.c.org_name)).all())
        names.update(conn.execute(select(t.orgs.c.code, t.orgs.c.name)).all())
        s, r, q = t.sync_sent.c, t.sync_received.c, t.sync_quarantine.c
        sent = [
            {
                "bundle_id": row.bundle_id,
                "recipient_org": row.recipient_org,
                "recipient_name": names.get(row.recipient_org, ""),
                "epoch": row.epoch,
                "seq": row.seq,
                "status": row.status,  # pending / done / failed
                "created_at": row.created_at,
                "created_by": row.created_by,
                "acknowledged_at": row.acknowledged_at,
            }
            for row in conn.execute(
                select(
                    s.bundle_id,
                    s.recipient_org,
                    s.epoch,
                    s.seq,
                    s.status,
                    s.created_at,
                    s.created_by,
                    s.acknowledged_at,
                )
                .order_by(s.id.desc())
                .limit(limit)
            )
        ]
        received = []
        for row in conn.execute(
            select(
                r.bundle_id,
                r.sender_org,
                r.epoch,
                r.seq,
                r.imported_at,
                r.imported_by,
                r.summary,
            )
            .order_by(r.id.desc())
            .limit(limit)
        ):
            try:
                summary = json.loads(row.summary or "{}")
            except ValueError:
                summary = {}
            received.append(
                {
                    "bundle_id": row.bundle_id,
                    "sender_org": row.sender_org,
                    "sender_name": names.get(row.sender_org, ""),
                    "epoch": row.epoch,
                    "seq": row.seq,
                    "imported_at": row.imported_at,
                    "imported_by": row.imported_by,
                    "summary": summary,  # table -> {added, updated, unchanged, older, conflicts}
                }
            )
        quarantined = [
            {
                "sender_org": row.sender_org,
                "sender_name": names.get(row.sender_org, ""),
                "epoch": row.epoch,
                "seq": row.seq,
                "found_at": row.found_at,
                "reason": row.reason,
            }
            for row in conn.execute(
                select(q.sender_org, q.epoch, q.seq, q.found_at, q.reason)
                .order_by(q.id.desc())
                .limit(limit)
            )
        ]
        # Reported history that did not extend what was reported before (FORMAT.md §11).
        alerts = [
            {k: a[k] for k in ("sender_org", "seq", "found_at", "kind", "position", "reason")}
            for a in history.alerts(conn, limit)
        ]
    return {
        "sent": sent,
        "received": received,
        "quarantined": quarantined,
        "history_alerts": alerts,
    }


# -- conflicts kept aside by imports --


def list_conflicts(session: Session, *, include_resolved: bool = False) -> list[dict]:
    """The conflicts imports kept (open ones unless include_resolved), with what differs."""
    with session.store.read() as conn:
        found = conflicts.list_conflicts(conn, include_resolved=include_resolved)
    return [c.as_json() for c in found]


def resolve_conflict(session: Session, conflict_id: int, keep: str) -> dict:
    """Decide a conflict: keep="here" sets the incoming version aside for good,
    keep="incoming" writes it over this station's copy. One transaction, audited."""
    session.require(Action.RESOLVE_CONFLICTS)
    if keep not in ("here", "incoming"):
        raise InputError("Chọn giữ bản ở đây (here) hoặc nhận bản gửi đến (incoming).")
    with session.store.write(session.user) as tx:
        conflict = conflicts.get_conflict(tx.conn, conflict_id)
        if conflict.resolved_at:
            raise InputError(f"Xung đột số {conflict_id} đã được giải quyết.")
        if keep == "incoming":
            conflicts.take_incoming(tx, conflict, session.org_code, session.info.role)
        else:
            conflicts.mark_resolved(tx.conn, conflict_id, tx.now)
        tx.audit(
            "conflict_resolve",
            conflict.table,
            conflict.record_key or conflict.record_uuid,
            keep=keep,
            sender=conflict.sender_org,
            conflict=conflict_id,
        )
    return {**conflict.as_json(), "kept": keep}
