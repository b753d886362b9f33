"""Key slots: each user's password (and the recovery key) unwraps the one database key.

The database key is random (256 bits). A slot holds it encrypted with AES-GCM under a key
derived from the password with scrypt (memory-hard, ~0.25 s). The slot's associated data
binds it to the profile and the user, so slots cannot be swapped between users or
profiles. The slots live in a small JSON file beside the encrypted database: the database
cannot hold them, since it is still closed when they are needed.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from khdesk.core.errors import AccessDenied, ProfileError
from khdesk.core.fsutil import atomic_write_bytes

FORMAT = 1
# scrypt cost: 2**16 × 8 × 128 B = 64 MiB and ~0.25 s on a 2020 laptop core.
DEFAULT_KDF = {"name": "scrypt", "n": 2**16, "r": 8, "p": 1}
RECOVERY_SLOT = "__recovery__"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _aad(profile_id: str, slot_name: str) -> bytes:
    return f"khdesk-keyslot-v1|{profile_id}|{slot_name}".encode()


def _password_kek(password: str, kdf: dict, salt: bytes) -> bytes:
    if kdf.get("name") != "scrypt":
        raise ProfileError("Tệp khóa dùng thuật toán không được hỗ trợ.")
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


@dataclass
class KeySlots:
    profile_id: str
    slots: dict[str, dict] = field(default_factory=dict)

    # -- creating and changing slots (need the database key, i.e. an unlocked profile) --

    def set_password(self, user: str, password: str, db_key: bytes, kdf: dict | None = None):
        kdf = dict(kdf or DEFAULT_KDF)
        salt = secrets.token_bytes(16)
        kek = _password_kek(password, kdf, salt)
        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(kek).encrypt(nonce, db_key, _aad(self.profile_id, user))
        self.slots[user] = {
            "kdf": kdf,
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }

    def set_recovery(self, db_key: bytes) -> str:
        """Make a new recovery key; returns it formatted, to be shown once."""
        raw = secrets.token_bytes(20)
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(_recovery_kek(raw, salt)).encrypt(
            nonce, db_key, _aad(self.profile_id, RECOVERY_SLOT)
        )
        self.slots[RECOVERY_SLOT] = {
            "kdf": {"name": "hkdf-sha256"},
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }
        return format_recovery_key(raw)

    def remove(self, user: str) -> None:
        self.slots.pop(user, None)

    def users(self) -> list[str]:
        return [name for name in self.slots if name != RECOVERY_SLOT]

    # -- unlocking --

    def unlock(self, user: str, password: str) -> bytes:
        slot = self.slots.get(user)
        if slot is None or user == RECOVERY_SLOT:
            raise AccessDenied(f"Không có người dùng '{user}' trong hồ sơ này.")
        kek = _password_kek(password, slot["kdf"], _unb64(slot["salt"]))
        return self._unwrap(slot, kek, user, "Mật khẩu không đúng.")

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        slot = self.slots.get(RECOVERY_SLOT)
        if slot is None:
            raise AccessDenied("Hồ sơ này không có khóa khôi phục.")
        kek = _recovery_kek(parse_recovery_key(recovery_key), _unb64(slot["salt"]))
        return self._unwrap(slot, kek, RECOVERY_SLOT, "Khóa khôi phục không đúng.")

    def _unwrap(self, slot: dict, kek: bytes, name: str, message: str) -> bytes:
        try:
            return AESGCM(kek).decrypt(
                _unb64(slot["nonce"]), _unb64(slot["wrapped"]), _aad(self.profile_id, name)
            )
        except InvalidTag:
            raise AccessDenied(message) from None

    # -- file --

    def save(self, path: Path) -> None:
        data = {"format": FORMAT, "profile_id": self.profile_id, "slots": self.slots}
        atomic_write_bytes(
            path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"), private=True
        )

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProfileError(f"Thiếu tệp khóa của hồ sơ: {path}") from None
        except (OSError, ValueError) as exc:
            raise ProfileError(f"Tệp khóa của hồ sơ bị hỏng: {path}") from exc
        if data.get("format") != FORMAT:
            raise ProfileError("Tệp khóa do phiên bản khdesk mới hơn tạo ra; hãy cập nhật khdesk.")
        return cls(profile_id=data["profile_id"], slots=data.get("slots", {}))


def new_database_key() -> bytes:
    return os.urandom(32)
