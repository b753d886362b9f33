"""Key slots: each user's password (and the recovery key) opens the one database key.

The database key is random (256 bits). Each slot (format 2) is asymmetric:
- an X25519 key pair of the slot; its private key is encrypted with AES-GCM under a key
  derived from the password with scrypt (memory-hard, ~0.25 s) — for the recovery slot,
  from the 160-bit recovery key with HKDF;
- the database key sealed to the slot's public key (HPKE, as the sync bundles use);
- a binding tag, HMAC(database key, profile | slot | public key), so that a public key
  swapped into keys.json by someone without the database key is noticed.

So the database key can be changed (`resealed`: a user removed, a hand-over) without
anyone's password: the new key is sealed to every remaining slot's public key. The
associated data and HPKE info bind each slot to the profile and the slot's name, so
slots cannot be swapped between users or profiles.

Format 1 slots (the database key wrapped directly under the password) are still read;
each converts to format 2 at its user's next successful unlock (`unlock` reports it, the
caller saves). A format 1 slot cannot be resealed to a new database key — nobody but its
user knows what opens it — so at a rekey it is dropped and reported: the owner then sets
that user a new password. A format 1 recovery slot is replaced by a new recovery key,
shown once.

The slots live in a small JSON file beside the encrypted database: the database cannot
hold them, since it is still closed when they are needed.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from khdesk.core.errors import AccessDenied, ProfileError
from khdesk.core.fsutil import atomic_write_bytes

FORMAT = 2
READABLE_FORMATS = (1, 2)
# scrypt cost: 2**16 × 8 × 128 B = 64 MiB and ~0.25 s on a 2020 laptop core.
DEFAULT_KDF = {"name": "scrypt", "n": 2**16, "r": 8, "p": 1}
RECOVERY_SLOT = "__recovery__"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _aad(profile_id: str, slot_name: str) -> bytes:
    return f"khdesk-keyslot-v1|{profile_id}|{slot_name}".encode()


def _info(profile_id: str, slot_name: str) -> bytes:
    return f"khdesk-keyslot-v2|{profile_id}|{slot_name}".encode()


def _password_kek(password: str, kdf: dict, salt: bytes) -> bytes:
    if kdf.get("name") != "scrypt":
        raise ProfileError("Tệp khóa dùng thuật toán không được hỗ trợ.")
    # A key file can come from a USB stick (a backup): costs far past ours would only
    # exhaust memory or time, so they are refused, not tried.
    n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
    if not (
        all(type(v) is int for v in (n, r, p))
        and 2**10 <= n <= 2**20
        and n & (n - 1) == 0
        and 1 <= r <= 16
        and 1 <= p <= 4
    ):
        raise ProfileError("Tệp khóa có thông số không hợp lệ (có thể đã bị sửa).")
    return Scrypt(salt=salt, length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(
        password.encode("utf-8")
    )


def _recovery_kek(recovery_bytes: bytes, salt: bytes) -> bytes:
    # The recovery key is 160 random bits: no stretching needed, HKDF suffices.
    return HKDF(hashes.SHA256(), 32, salt, b"khdesk-recovery-v1").derive(recovery_bytes)


def format_recovery_key(raw: bytes) -> str:
    """160 bits as 8 groups of 4 base32 capitals: easy to print and to type back."""
    encoded = base64.b32encode(raw).decode("ascii").rstrip("=")
    return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def parse_recovery_key(text: str) -> bytes:
    cleaned = "".join(text.split()).upper().replace("-", "")
    if len(cleaned) != 32 or any(c not in _B32 for c in cleaned):
        raise AccessDenied("Khóa khôi phục không đúng dạng (32 ký tự, 8 nhóm 4 ký tự).")
    return base64.b32decode(cleaned)


def _public_bytes(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass
class Resealed:
    """What a change of database key made: the new slots, the users whose slot could not
    follow (format 1, or tampered with: the owner sets them a new password), and the new
    recovery key when the old recovery slot could not follow (shown once)."""

    slots: KeySlots
    lost: list[str]
    recovery_key: str | None


@dataclass
class KeySlots:
    profile_id: str
    slots: dict[str, dict] = field(default_factory=dict)
    upgraded: bool = False  # an unlock converted a format 1 slot: save the file

    # -- creating and changing slots (need the database key, i.e. an unlocked profile) --

    def _make_slot(self, name: str, kek: bytes, db_key: bytes, kdf: dict, salt: bytes) -> None:
        private = X25519PrivateKey.generate()
        public = _public_bytes(private)
        nonce = secrets.token_bytes(12)
        self.slots[name] = {
            "kdf": kdf,
            "salt": _b64(salt),
            "public": _b64(public),
            "nonce": _b64(nonce),
            "private": _b64(
                AESGCM(kek).encrypt(nonce, private.private_bytes_raw(), _aad(self.profile_id, name))
            ),
        }
        self._seal(name, db_key)

    def _seal(self, name: str, db_key: bytes) -> None:
        slot = self.slots[name]
        public = X25519PublicKey.from_public_bytes(_unb64(slot["public"]))
        slot["sealed"] = _b64(_SUITE.encrypt(db_key, public, info=_info(self.profile_id, name)))
        slot["binding"] = _b64(self._binding(name, slot, db_key))

    def _binding(self, name: str, slot: dict, db_key: bytes) -> bytes:
        message = _info(self.profile_id, name) + b"|" + _unb64(slot["public"])
        return hmac.digest(db_key, message, "sha256")

    def set_password(self, user: str, password: str, db_key: bytes, kdf: dict | None = None):
        kdf = dict(kdf or DEFAULT_KDF)
        salt = secrets.token_bytes(16)
        self._make_slot(user, _password_kek(password, kdf, salt), db_key, kdf, salt)

    def set_recovery(self, db_key: bytes) -> str:
        """Make a new recovery key; returns it formatted, to be shown once."""
        raw = secrets.token_bytes(20)
        salt = secrets.token_bytes(16)
        kek = _recovery_kek(raw, salt)
        self._make_slot(RECOVERY_SLOT, kek, db_key, {"name": "hkdf-sha256"}, salt)
        return format_recovery_key(raw)

    def remove(self, user: str) -> None:
        self.slots.pop(user, None)

    def users(self) -> list[str]:
        return [name for name in self.slots if name != RECOVERY_SLOT]

    def resealed(self, db_key: bytes, new_key: bytes, keep: list[str]) -> Resealed:
        """New slots opening `new_key` for the users in `keep` (and the recovery slot),
        without their passwords. `db_key` (the current key) checks each slot's binding."""
        new = KeySlots(self.profile_id)
        lost = []
        for name in [*keep, RECOVERY_SLOT]:
            slot = self.slots.get(name)
            if slot is None:
                continue
            if not self._followable(name, slot, db_key):
                if name != RECOVERY_SLOT:
                    lost.append(name)
                continue
            kept = {k: v for k, v in slot.items() if k not in ("sealed", "binding")}
            new.slots[name] = kept
            new._seal(name, new_key)
        recovery = None if RECOVERY_SLOT in new.slots else new.set_recovery(new_key)
        return Resealed(new, lost, recovery)

    def _followable(self, name: str, slot: dict, db_key: bytes) -> bool:
        if "public" not in slot:
            return False  # format 1
        try:
            return hmac.compare_digest(
                self._binding(name, slot, db_key), _unb64(slot.get("binding", ""))
            )
        except (ValueError, TypeError):
            return False

    # -- unlocking --

    def unlock(self, user: str, password: str) -> bytes:
        slot = self.slots.get(user)
        if not isinstance(slot, dict) or user == RECOVERY_SLOT:
            raise AccessDenied(f"Không có người dùng '{user}' trong hồ sơ này.")
        try:
            kek = _password_kek(password, slot["kdf"], _unb64(slot["salt"]))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ProfileError(f"Tệp khóa của hồ sơ bị hỏng (mục '{user}').") from exc
        return self._open(user, slot, kek, "Mật khẩu không đúng.")

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        slot = self.slots.get(RECOVERY_SLOT)
        if not isinstance(slot, dict):
            raise AccessDenied("Hồ sơ này không có khóa khôi phục.")
        raw = parse_recovery_key(recovery_key)
        try:
            kek = _recovery_kek(raw, _unb64(slot["salt"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise ProfileError("Tệp khóa của hồ sơ bị hỏng (khóa khôi phục).") from exc
        return self._open(RECOVERY_SLOT, slot, kek, "Khóa khôi phục không đúng.")

    def _open(self, name: str, slot: dict, kek: bytes, message: str) -> bytes:
        try:
            return self._open_slot(name, slot, kek, message)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:  # a hand-edited slot
            raise ProfileError(f"Tệp khóa của hồ sơ bị hỏng (mục '{name}').") from exc

    def _open_slot(self, name: str, slot: dict, kek: bytes, message: str) -> bytes:
        aad = _aad(self.profile_id, name)
        nonce = _unb64(slot["nonce"])
        try:
            if "public" not in slot:  # format 1: convert it now that its secret is known
                db_key = AESGCM(kek).decrypt(nonce, _unb64(slot["wrapped"]), aad)
                self._make_slot(name, kek, db_key, slot["kdf"], _unb64(slot["salt"]))
                self.upgraded = True
                return db_key
            raw = AESGCM(kek).decrypt(nonce, _unb64(slot["private"]), aad)
        except InvalidTag:
            raise AccessDenied(message) from None
        private = X25519PrivateKey.from_private_bytes(raw)
        try:
            return _SUITE.decrypt(
                _unb64(slot["sealed"]), private, info=_info(self.profile_id, name)
            )
        except Exception:  # InvalidTag, a malformed encapsulated key: a broken slot either way
            raise AccessDenied(
                f"Khóa của người dùng '{name}' không mở được cơ sở dữ liệu hiện tại "
                "(tệp khóa cũ hoặc bị sửa)."
            ) from None

    # -- file --

    def to_bytes(self) -> bytes:
        data = {"format": FORMAT, "profile_id": self.profile_id, "slots": self.slots}
        return json.dumps(data, indent=1, sort_keys=True).encode("utf-8")

    def save(self, path: Path) -> None:
        atomic_write_bytes(path, self.to_bytes(), private=True)
        self.upgraded = False

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        try:
            return cls.from_bytes(path.read_bytes(), path)
        except FileNotFoundError:
            raise ProfileError(f"Thiếu tệp khóa của hồ sơ: {path}") from None
        except OSError as exc:
            raise ProfileError(f"Tệp khóa của hồ sơ bị hỏng: {path}") from exc

    @classmethod
    def from_bytes(cls, raw: bytes, where: object = "keys.json") -> KeySlots:
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise ProfileError(f"Tệp khóa của hồ sơ bị hỏng: {where}") from exc
        if not isinstance(data, dict) or data.get("format") not in READABLE_FORMATS:
            raise ProfileError("Tệp khóa do phiên bản khdesk mới hơn tạo ra; hãy cập nhật khdesk.")
        slots = data.get("slots", {})
        if not isinstance(data.get("profile_id"), str) or not isinstance(slots, dict):
            raise ProfileError(f"Tệp khóa của hồ sơ bị hỏng: {where}")
        return cls(profile_id=data["profile_id"], slots=slots)


def new_database_key() -> bytes:
    return os.urandom(32)
