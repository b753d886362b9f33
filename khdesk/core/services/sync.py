"""Sync use cases — keys and bundles — as the CLI and the desktop call them.

Keys are made when a profile is created (profiles.create_profile); a profile made before
keys existed gets its pair the first time one of these needs it.
"""

from __future__ import annotations

from pathlib import Path

from khdesk.core.errors import InputError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.services.profiles import Session
from khdesk.core.sync import bundle, inbox, keys, outbox
from khdesk.core.sync.errors import KeyCardError
from khdesk.core.sync.inbox import BundleReport
from khdesk.core.sync.outbox import ExportResult

_WRITERS = ("owner", "secretary", "deputy")
_KEY_KEEPERS = ("owner", "secretary")


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
    info = session.info
    with session.store.write(session.user, changes=False) as tx:
        pair = keys.ensure_station_keys(tx.conn, tx.now)
        card = keys.make_card(
            pair, info.org_code, info.org_name, info.role, tx.now, keys.active_rotation(tx.conn)
        )
        tx.audit("key_card", "key", pair.key_id)
    atomic_write_bytes(Path(out), card)
    return {"file": str(out), "fingerprint": pair.public.fingerprint, "key_id": pair.key_id}


def enrol_card(session: Session, path: Path, fingerprint: str) -> dict:
    """Enrol another station's card once the fingerprint read from it matches."""
    session.require(*_KEY_KEEPERS)
    try:
        with open(path, "rb") as f:
            data = f.read(keys.MAX_CARD + 1)  # a card is small: never read a big file whole
    except OSError as exc:
        raise InputError(f"Không đọc được tệp thẻ khóa '{path}': {exc.strerror}") from None
    card = keys.read_card(data)
    with session.store.write(session.user, changes=False) as tx:
        if card.org_code == session.org_code:
            raise KeyCardError(
                "own_org", f"Thẻ khóa này mang mã đơn vị của chính hồ sơ ({card.org_code})."
            )
        done = keys.enrol(tx.conn, card, fingerprint, tx.now, session.user)
        if not done.already:
            tx.audit("key_enrol", "key", card.public.key_id, org_code=card.org_code)
    p = done.peer
    return {
        "org_code": p.org_code,
        "org_name": p.org_name,
        "role": p.role,
        "fingerprint": p.fingerprint,
        "key_id": p.key_id,
        "already": done.already,
    }


def rotate_keys(session: Session) -> dict:
    """A new key pair announced under the old one; the next bundles carry the news."""
    session.require(*_KEY_KEEPERS)
    with session.store.write(session.user, changes=False) as tx:
        old = keys.ensure_station_keys(tx.conn, tx.now)
        new, _statement = keys.rotate(tx.conn, session.org_code, tx.now)
        tx.audit("key_rotate", "key", new.key_id, replaces=old.key_id)
    return {
        "fingerprint": new.public.fingerprint,
        "key_id": new.key_id,
        "old_fingerprint": old.public.fingerprint,
        "old_key_id": old.key_id,
    }


def revoke_key(session: Session, fingerprint: str) -> dict:
    session.require(*_KEY_KEEPERS)
    with session.store.write(session.user, changes=False) as tx:
        done = keys.revoke(tx.conn, fingerprint, tx.now)
        tx.audit("key_revoke", "key", done["key_id"], org_code=done["org_code"])
    return done


def start_new_epoch(session: Session, note: str) -> str:
    """Begin a new sending lineage on purpose (a new secretary on a new PC); the next
    bundle announces it and the recipient confirms it once. Returns the epoch id."""
    session.require(*_KEY_KEEPERS)
    with session.store.write(session.user, changes=False) as tx:
        epoch = outbox.start_epoch(tx.conn, tx.now, {"code": "handover", "note": note})
        tx.audit("sync_epoch", "epoch", epoch.id, note=note)
    return epoch.id


def export_bundle(
    session: Session, out: Path, *, full: bool = False, to: str | None = None
) -> ExportResult:
    session.require(*_WRITERS)
    return outbox.export_bundle(session, Path(out), full=full, to=to)


def verify_bundle(session: Session, path: Path) -> BundleReport:
    return inbox.verify_bundle(session, Path(path))


def import_bundles(
    session: Session,
    paths: list[Path],
    *,
    accept_epoch: bool = False,
    limits: bundle.Limits = bundle.DEFAULT_LIMITS,
) -> list[BundleReport]:
    session.require(*_WRITERS)
    return inbox.import_bundles(session, paths, accept_epoch=accept_epoch, limits=limits)
