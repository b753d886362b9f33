"""Station keys: an Ed25519 key that signs, an X25519 key that bundles are encrypted to.

A key pair's identity is a hash over both public keys: its first 16 bytes are the key id
(in bundle headers and manifests), its first 15 bytes in Crockford base32 are the
fingerprint a person reads over the phone (six groups of four, no I/L/O/U to confuse).

Enrolment is offline: a station writes its public card (self-signed JSON), the other side
enrols it only when the fingerprint read from the owner matches. A rotation is announced
by a statement signed with the old key, so peers take the new key without a new visit.
The private keys live in the encrypted database (`sync_own_keys`).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Connection, bindparam, select, update

from khdesk.core.store import schema as t
from khdesk.core.sync import canonical
from khdesk.core.sync.errors import KeyCardError
from khdesk.core.text import forbidden_char_problem, nfc

# Domain-separation prefixes: a signature made for one purpose never verifies for another.
KEY_ID_CONTEXT = b"khdesk/key-id/v1\x00"
CARD_CONTEXT = b"khdesk/key-card/v1\x00"
ROTATION_CONTEXT = b"khdesk/key-rotation/v1\x00"

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's reading rules: letters people confuse with digits mean those digits.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_CARD = 64 * 1024
ROLES = ("cell", "committee", "province")  # as in session.ROLES (profiles imports this module)

ACTIVE, RETIRED, REVOKED = "active", "retired", "revoked"
STATUS_LABELS = {ACTIVE: "đang dùng", RETIRED: "đã thay", REVOKED: "đã thu hồi"}
# How long after this station recorded that a peer's key was replaced the old key still
# verifies what was made before (a bundle in transit on a stick); FORMAT.md §6.
RETIRED_GRACE = timedelta(days=30)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, length: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(str(text), validate=True)
    except ValueError:
        raw = b""
    if len(raw) != length:
        raise KeyCardError("card_field", f"Thẻ khóa hỏng: trường '{what}' không hợp lệ.")
    return raw


def crockford32(data: bytes) -> str:
    bits = int.from_bytes(data, "big")
    n = len(data) * 8 // 5
    return "".join(CROCKFORD[(bits >> (5 * (n - 1 - i))) & 31] for i in range(n))


def normalise_fingerprint(text: str) -> str:
    """What a person typed, as the 24 symbols to compare: spaces, dashes and case do not
    matter, O reads as 0 and I/L as 1."""
    return "".join(ch for ch in text.upper() if ch not in " -\t").translate(_READ_AS)


@dataclass(frozen=True)
class PublicKeys:
    sign: bytes  # Ed25519, raw 32 bytes
    enc: bytes  # X25519, raw 32 bytes

    @cached_property
    def _digest(self) -> bytes:
        return hashlib.sha256(KEY_ID_CONTEXT + self.sign + self.enc).digest()

    @property
    def key_id(self) -> str:
        return self._digest[:16].hex()

    @property
    def fingerprint(self) -> str:
        symbols = crockford32(self._digest[:15])
        return " ".join(symbols[i : i + 4] for i in range(0, 24, 4))

    def verify(self, context: bytes, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.sign).verify(signature, context + message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class KeyPair:
    sign_private: bytes
    enc_private: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        raw = (Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(
            Ed25519PrivateKey.generate().private_bytes(*raw),
            X25519PrivateKey.generate().private_bytes(*raw),
        )

    @cached_property
    def public(self) -> PublicKeys:
        sign = Ed25519PrivateKey.from_private_bytes(self.sign_private).public_key()
        enc = X25519PrivateKey.from_private_bytes(self.enc_private).public_key()
        return PublicKeys(sign.public_bytes_raw(), enc.public_bytes_raw())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, context: bytes, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.sign_private).sign(context + message)

    def x25519(self) -> X25519PrivateKey:
        return X25519PrivateKey.from_private_bytes(self.enc_private)


@dataclass(frozen=True)
class Peer:
    """A key of another station, as enrolled here."""

    key_id: str
    org_code: str
    org_name: str
    role: str
    public: PublicKeys
    status: str
    enrolled_at: str
    enrolled_by: str

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint


# -- this station's keys --


def create_station_keys(conn: Connection, now: str) -> KeyPair:
    """The first key pair of a new profile (called inside its creating transaction)."""
    pair = KeyPair.generate()
    _store_own(conn, pair, now, ACTIVE)
    return pair


def _store_own(
    conn: Connection,
    pair: KeyPair,
    now: str,
    status: str,
    replaces: str | None = None,
    rotation: dict | None = None,
) -> None:
    conn.execute(
        t.sync_own_keys.insert().values(
            key_id=pair.key_id,
            sign_private=pair.sign_private,
            enc_private=pair.enc_private,
            status=status,
            created_at=now,
            replaces=replaces,
            rotation=canonical.dumps(rotation).decode("utf-8") if rotation else None,
        )
    )


def ensure_station_keys(conn: Connection, now: str) -> KeyPair:
    """The active key pair; a profile made before keys existed gets one on first use."""
    found = active_key(conn)
    return found if found is not None else create_station_keys(conn, now)


def active_key(conn: Connection) -> KeyPair | None:
    row = conn.execute(
        select(t.sync_own_keys)
        .where(t.sync_own_keys.c.status == ACTIVE)
        .order_by(t.sync_own_keys.c.id.desc())
        .limit(1)
    ).first()
    return KeyPair(row.sign_private, row.enc_private) if row else None


def active_rotation(conn: Connection) -> dict | None:
    """The statement announcing the active key, if it replaced an older one."""
    text = conn.execute(
        select(t.sync_own_keys.c.rotation)
        .where(t.sync_own_keys.c.status == ACTIVE)
        .order_by(t.sync_own_keys.c.id.desc())
        .limit(1)
    ).scalar()
    return canonical.loads(text.encode("utf-8")) if text else None


def decryption_keys(conn: Connection) -> dict[str, KeyPair]:
    """Key pairs that may open a bundle, by key id: the active one and retired ones (a
    bundle addressed to the old key may still be in transit); never revoked ones."""
    rows = conn.execute(_OPENING_KEYS).fetchall()
    return {r.key_id: KeyPair(r.sign_private, r.enc_private) for r in rows}


def own_keys(conn: Connection) -> list[dict]:
    rows = conn.execute(select(t.sync_own_keys).order_by(t.sync_own_keys.c.id)).fetchall()
    out = []
    for r in rows:
        pub = KeyPair(r.sign_private, r.enc_private).public
        out.append(
            {
                "key_id": r.key_id,
                "fingerprint": pub.fingerprint,
                "status": r.status,
                "created_at": r.created_at,
                "replaces": r.replaces,
            }
        )
    return out


# -- cards --


@dataclass(frozen=True)
class Card:
    org_code: str
    org_name: str
    role: str
    public: PublicKeys
    created_at: str
    rotation: dict | None
    parent_code: str | None = None  # the unit above, as its maker states it (None: unsaid)


def make_card(
    pair: KeyPair,
    org_code: str,
    org_name: str,
    role: str,
    now: str,
    rotation: dict | None = None,
    parent_code: str | None = None,
) -> bytes:
    body = {
        "format": "khdesk-key-card",
        "version": 1,
        "org_code": org_code,
        "org_name": org_name,
        "role": role,
        "sign_public": b64(pair.public.sign),
        "enc_public": b64(pair.public.enc),
        "key_id": pair.key_id,
        "fingerprint": pair.public.fingerprint,
        "created_at": now,
        "rotation": rotation,
    }
    if parent_code:  # optional: a card without it reads as before (FORMAT.md §6)
        body["parent_code"] = parent_code
    signature = pair.sign(CARD_CONTEXT, canonical.dumps(body))
    return canonical.dumps({"card": body, "signature": b64(signature)}) + b"\n"


def read_card(data: bytes) -> Card:
    """A card's content after checking it is whole and self-signed (proof that its
    author holds the signing key). Whether it is the right station is for the
    fingerprint comparison to say."""
    if len(data) > MAX_CARD:
        raise KeyCardError("card_size", "Tệp thẻ khóa quá lớn: đây không phải thẻ khóa khdesk.")
    try:
        doc = canonical.loads(data.rstrip(b"\n"), max_depth=6)
    except canonical.JSONRefused as exc:
        raise KeyCardError(
            "card_json", f"Tệp này không phải thẻ khóa khdesk, hoặc thẻ đã hỏng ({exc})."
        ) from None
    if not (isinstance(doc, dict) and set(doc) == {"card", "signature"}):
        raise KeyCardError("card_shape", "Tệp này không phải thẻ khóa khdesk.")
    body = doc["card"]
    if not isinstance(body, dict) or body.get("format") != "khdesk-key-card":
        raise KeyCardError("card_shape", "Tệp này không phải thẻ khóa khdesk.")
    if body.get("version") != 1:
        raise KeyCardError(
            "card_version",
            f"Thẻ khóa phiên bản {body.get('version')!r} chưa được hỗ trợ: hãy nâng cấp khdesk.",
        )
    for field in ("org_code", "org_name", "role", "created_at"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise KeyCardError("card_field", f"Thẻ khóa hỏng: thiếu trường '{field}'.")
    if body["role"] not in ROLES:
        raise KeyCardError("card_field", f"Thẻ khóa hỏng: vai trò '{body['role']}' không có.")
    parent = body.get("parent_code")
    if parent is not None and (not isinstance(parent, str) or not parent):
        raise KeyCardError("card_field", "Thẻ khóa hỏng: trường 'parent_code' không hợp lệ.")
    for field in ("org_code", "org_name", "parent_code"):
        if body.get(field) is None:
            continue
        limit = t.sync_peers.c["org_code" if field == "parent_code" else field].type.length
        why = _name_problem(body[field], limit)
        if why:
            raise KeyCardError("card_field", f"Thẻ khóa hỏng: trường '{field}' {why}.")
    public = PublicKeys(
        _unb64(body.get("sign_public"), 32, "sign_public"),
        _unb64(body.get("enc_public"), 32, "enc_public"),
    )
    signature = _unb64(doc["signature"], 64, "signature")
    if not public.verify(CARD_CONTEXT, canonical.dumps(body), signature):
        raise KeyCardError(
            "card_signature", "Chữ ký của thẻ khóa không đúng: thẻ đã bị sửa hoặc làm giả."
        )
    if body.get("key_id") != public.key_id:
        raise KeyCardError("card_field", "Thẻ khóa hỏng: mã khóa không khớp với khóa.")
    rotation = body.get("rotation")
    if rotation is not None and not isinstance(rotation, dict):
        raise KeyCardError("card_field", "Thẻ khóa hỏng: trường 'rotation' không hợp lệ.")
    return Card(
        body["org_code"],
        body["org_name"],
        body["role"],
        public,
        body["created_at"],
        rotation,
        parent,
    )


def _name_problem(value: str, length: int) -> str | None:
    """Why a station's code or name on a card is not one a form would store (None: it
    is): a card is self-signed by its maker, so these are the maker's words."""
    if len(value) > length:
        return f"dài quá {length} ký tự"
    problem = forbidden_char_problem(value)
    if problem:
        return problem
    if nfc(value) != value:
        return "có khoảng trắng thừa, xuống dòng hoặc chưa chuẩn hóa Unicode (NFC)"
    return None


# -- peers --


def _peer(row) -> Peer:
    return Peer(
        key_id=row.key_id,
        org_code=row.org_code,
        org_name=row.org_name,
        role=row.role,
        public=PublicKeys(row.sign_public, row.enc_public),
        status=row.status,
        enrolled_at=row.enrolled_at,
        enrolled_by=row.enrolled_by,
    )


# Built once: each bundle opened looks up the keys (see store._GET_META).
_OPENING_KEYS = select(t.sync_own_keys).where(t.sync_own_keys.c.status != REVOKED)
_PEER = select(t.sync_peers).where(t.sync_peers.c.key_id == bindparam("_key_id"))


def peer(conn: Connection, key_id: str) -> Peer | None:
    row = conn.execute(_PEER, {"_key_id": key_id}).first()
    return _peer(row) if row else None


def peers(conn: Connection) -> list[Peer]:
    rows = conn.execute(select(t.sync_peers).order_by(t.sync_peers.c.org_code, t.sync_peers.c.id))
    return [_peer(r) for r in rows]


def running_units(conn: Connection) -> set[str]:
    """The units whose own station is enrolled here (not revoked): they run khdesk."""
    return {p.org_code for p in peers(conn) if p.status != REVOKED}


def peers_among(conn: Connection, key_ids: set[str]) -> list[Peer]:
    """The enrolled peers with these key ids (read in chunks of 500: below any database's
    limit of bound parameters, however many ids a hostile text names)."""
    wanted, found = sorted(key_ids), []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found += conn.execute(select(t.sync_peers).where(t.sync_peers.c.key_id.in_(chunk)))
    return [_peer(r) for r in found]


def retired_at(conn: Connection, key_id: str) -> str | None:
    """When this station retired the peer key `key_id`: the enrolment of the next key of
    the same station (a key is retired exactly when its successor is enrolled)."""
    p = t.sync_peers
    this = select(p.c.id, p.c.org_code).where(p.c.key_id == key_id).subquery()
    return conn.execute(
        select(p.c.enrolled_at)
        .where(p.c.org_code == this.c.org_code, p.c.id > this.c.id)
        .order_by(p.c.id)
        .limit(1)
    ).scalar()


def own_retired_at(conn: Connection, key_id: str) -> str | None:
    """When this station replaced its own key `key_id` (the creation of its successor)."""
    return conn.execute(
        select(t.sync_own_keys.c.created_at).where(t.sync_own_keys.c.replaces == key_id)
    ).scalar()


def _moment(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def past_grace(retired: str | None, now: datetime) -> str | None:
    """Why a key retired here at `retired` verifies nothing any more at `now` (this
    station's clock), or None while it is within RETIRED_GRACE."""
    since = _moment(retired)
    if since is None:
        return "không rõ khóa đã được thay từ khi nào"
    if now - since > RETIRED_GRACE:
        return (
            f"khóa đã được thay từ ngày {since.date():%d/%m/%Y}, quá {RETIRED_GRACE.days} ngày "
            "khóa cũ còn được nhận"
        )
    return None


def aged_out(retired: str | None, made_at: object, now: datetime) -> str | None:
    """Why a retired key may not verify something its signer dated `made_at`, checked at
    `now` — None when it may: made before the key retired here, and within the grace.
    (The signer's date alone proves nothing: the receiver's clock bounds how long a
    stolen old key is of any use.)"""
    late = past_grace(retired, now)
    if late:
        return late
    since, made = _moment(retired), _moment(made_at)
    if made is None or made > since:
        return "nội dung được ký sau ngày khóa được thay (hoặc không rõ ngày ký)"
    return None


def recipient_key(conn: Connection, org_code: str) -> Peer | None:
    """The key to encrypt to for `org_code`: its newest active enrolled key."""
    row = conn.execute(
        select(t.sync_peers)
        .where(t.sync_peers.c.org_code == org_code, t.sync_peers.c.status == ACTIVE)
        .order_by(t.sync_peers.c.id.desc())
        .limit(1)
    ).first()
    return _peer(row) if row else None


@dataclass
class Enrolment:
    peer: Peer
    already: bool  # the same key was enrolled before: nothing changed


def check_fingerprint(card: Card, typed_fingerprint: str) -> None:
    """The fingerprint read from the card's owner must be the card's: refuse otherwise."""
    typed = normalise_fingerprint(typed_fingerprint)
    actual = card.public.fingerprint.replace(" ", "")
    if len(typed) != 24 or any(ch not in CROCKFORD for ch in typed):
        raise KeyCardError(
            "fingerprint_format",
            "Mã xác nhận phải gồm 24 ký tự (sáu nhóm bốn chữ/số), ví dụ 'K7QD 2MXA 9TPE …'.",
        )
    if typed != actual:
        raise KeyCardError(
            "fingerprint_mismatch",
            # The card's own fingerprint is not shown: pasting it would skip the check.
            f"Mã xác nhận không khớp với thẻ khóa mang tên {card.org_code}: không ghi nhận khóa "
            "này. Có thể thẻ đã bị tráo hoặc đọc nhầm — hãy gọi lại đơn vị gửi thẻ và đọc lại "
            "từng nhóm.",
        )


def enrol(conn: Connection, card: Card, typed_fingerprint: str, now: str, user: str) -> Enrolment:
    """Enrol a card's key if the fingerprint read from its owner matches; refuse otherwise.
    Earlier active keys of the same station are retired (still accepted on bundles in
    transit, no longer encrypted to)."""
    check_fingerprint(card, typed_fingerprint)
    if conn.execute(
        select(t.sync_own_keys.c.id).where(t.sync_own_keys.c.key_id == card.public.key_id)
    ).first():
        raise KeyCardError("own_key", "Đây là thẻ khóa của chính hồ sơ này.")
    existing = peer(conn, card.public.key_id)
    if existing is not None:
        if existing.status == REVOKED:
            raise KeyCardError(
                "revoked",
                f"Khóa {existing.fingerprint} của {existing.org_code} đã bị thu hồi; "
                "không ghi nhận lại.",
            )
        if (existing.org_code, existing.role) != (card.org_code, card.role):
            raise KeyCardError(
                "card_mismatch",
                f"Khóa này đã được ghi nhận cho {existing.org_code} (vai trò {existing.role}), "
                f"thẻ lại ghi {card.org_code} (vai trò {card.role}): không ghi nhận.",
            )
        if existing.org_name != card.org_name:  # the station was renamed: bundles carry it
            conn.execute(
                update(t.sync_peers)
                .where(t.sync_peers.c.key_id == existing.key_id)
                .values(org_name=card.org_name)
            )
            return Enrolment(peer(conn, existing.key_id), already=False)
        return Enrolment(existing, already=True)
    _add_peer(conn, card.public, card.org_code, card.org_name, card.role, now, user)
    return Enrolment(peer(conn, card.public.key_id), already=False)


def _add_peer(
    conn: Connection,
    public: PublicKeys,
    org_code: str,
    org_name: str,
    role: str,
    now: str,
    by: str,
    replaces: str | None = None,
) -> None:
    """Make `public` the active key of `org_code` here; its earlier keys are retired."""
    _retire_others(conn, org_code)
    conn.execute(
        t.sync_peers.insert().values(
            key_id=public.key_id,
            org_code=org_code,
            org_name=org_name,
            role=role,
            sign_public=public.sign,
            enc_public=public.enc,
            status=ACTIVE,
            enrolled_at=now,
            enrolled_by=by,
            replaces=replaces,
        )
    )


def _retire_others(conn: Connection, org_code: str) -> None:
    conn.execute(
        update(t.sync_peers)
        .where(t.sync_peers.c.org_code == org_code, t.sync_peers.c.status == ACTIVE)
        .values(status=RETIRED)
    )


def find_by_fingerprint(conn: Connection, typed: str) -> tuple[str, str] | None:
    """('own' | 'peer', key id) of the key with this fingerprint, if any."""
    wanted = normalise_fingerprint(typed)
    for row in conn.execute(select(t.sync_own_keys)).fetchall():
        pub = KeyPair(row.sign_private, row.enc_private).public
        if pub.fingerprint.replace(" ", "") == wanted:
            return "own", row.key_id
    for p in peers(conn):
        if p.fingerprint.replace(" ", "") == wanted:
            return "peer", p.key_id
    return None


def revoke(conn: Connection, typed_fingerprint: str, now: str) -> dict:
    """Revoke a peer's key (bundles signed with it are refused from now on), or a retired
    key of this station (it stops opening bundles). The active own key is rotated first."""
    found = find_by_fingerprint(conn, typed_fingerprint)
    if found is None:
        raise KeyCardError(
            "unknown_key", f"Không có khóa nào có mã xác nhận '{typed_fingerprint.strip()}'."
        )
    kind, key_id = found
    if kind == "own":
        status = conn.execute(
            select(t.sync_own_keys.c.status).where(t.sync_own_keys.c.key_id == key_id)
        ).scalar()
        if status == ACTIVE:
            raise KeyCardError(
                "active_own_key",
                "Đây là khóa đang dùng của hồ sơ này: hãy đổi khóa ('khdesk keys rotate') rồi "
                "mới thu hồi khóa cũ.",
            )
        conn.execute(
            update(t.sync_own_keys).where(t.sync_own_keys.c.key_id == key_id).values(status=REVOKED)
        )
        return {"kind": "own", "key_id": key_id, "org_code": None}
    conn.execute(
        update(t.sync_peers)
        .where(t.sync_peers.c.key_id == key_id)
        .values(status=REVOKED, revoked_at=now)
    )
    p = peer(conn, key_id)
    return {"kind": "peer", "key_id": key_id, "org_code": p.org_code if p else None}


# -- rotation --


def rotate(conn: Connection, org_code: str, now: str) -> tuple[KeyPair, dict]:
    """A new active key pair, announced by a statement signed with the current one; the
    current one is retired (it still opens bundles already addressed to it)."""
    old = ensure_station_keys(conn, now)
    new = KeyPair.generate()
    statement = announce(old, new, org_code, now)
    conn.execute(
        update(t.sync_own_keys).where(t.sync_own_keys.c.status == ACTIVE).values(status=RETIRED)
    )
    _store_own(conn, new, now, ACTIVE, replaces=old.key_id, rotation=statement)
    return new, statement


def announce(old: KeyPair, new: KeyPair, org_code: str, at: str) -> dict:
    """The rotation statement: `old` says that `new` is the station's key from now on."""
    body = {
        "format": "khdesk-key-rotation",
        "version": 1,
        "org_code": org_code,
        "old_key_id": old.key_id,
        "new_key_id": new.key_id,
        "new_sign_public": b64(new.public.sign),
        "new_enc_public": b64(new.public.enc),
        "at": at,
    }
    return {"statement": body, "signature": b64(old.sign(ROTATION_CONTEXT, canonical.dumps(body)))}


@dataclass(frozen=True)
class Rotation:
    org_code: str
    old_key_id: str
    new: PublicKeys
    at: str


def read_rotation(statement: object) -> Rotation:
    """The content of a rotation statement (its signature is checked by `vouch`)."""
    body = statement.get("statement") if isinstance(statement, dict) else None
    if not isinstance(body, dict) or body.get("format") != "khdesk-key-rotation":
        raise KeyCardError("rotation_shape", "Thông báo đổi khóa không hợp lệ.")
    new = PublicKeys(
        _unb64(body.get("new_sign_public"), 32, "new_sign_public"),
        _unb64(body.get("new_enc_public"), 32, "new_enc_public"),
    )
    if body.get("new_key_id") != new.key_id or not isinstance(body.get("old_key_id"), str):
        raise KeyCardError("rotation_shape", "Thông báo đổi khóa không hợp lệ.")
    return Rotation(str(body.get("org_code")), body["old_key_id"], new, str(body.get("at")))


def vouch(statement: dict, old: Peer) -> Rotation:
    """Check that `old` (an enrolled, unrevoked key of the same station) signed the
    announcement of the new key."""
    rotation = read_rotation(statement)
    signature = _unb64(statement.get("signature"), 64, "signature")
    if (
        rotation.old_key_id != old.key_id
        or rotation.org_code != old.org_code
        or not old.public.verify(
            ROTATION_CONTEXT, canonical.dumps(statement["statement"]), signature
        )
    ):
        raise KeyCardError(
            "rotation_signature",
            f"Thông báo đổi khóa của {old.org_code} không có chữ ký đúng của khóa cũ.",
        )
    return rotation


def enrol_rotated(conn: Connection, old: Peer, rotation: Rotation, now: str) -> Peer:
    """Take a peer's new key announced under its old one (already checked by `vouch`)."""
    existing = peer(conn, rotation.new.key_id)
    if existing is not None:
        return existing
    _add_peer(conn, rotation.new, old.org_code, old.org_name, old.role, now, "rotation", old.key_id)
    return peer(conn, rotation.new.key_id)
