"""The transfer file (tệp chuyển hồ sơ, `.khct`) and its answer, version 1 (FORMAT.md §12):
a file moving out of the province, from this province's khdesk to another's.

    file   = header ‖ HPKE(recipient X25519 key, info = header, inner archive)
    header = magic (8) ‖ format version (2, big-endian) ‖ recipient key id (16)
    inner  = zip: manifest.json, manifest.sig, records/<table>.jsonl, files/<sha256>

The same construction as a bundle (bundle.py: the HPKE suite, the signed zip, the record
wire form), with its own magic and signature domain: neither file can pass for the other.
A transfer carries exactly one candidate file (its record, its live step history ending
in the unanswered CHUYEN_DI to the recipient, its scans); an answer carries exactly the
one CHUYEN_DEN or CHUYEN_TRA that answers it. Reading is signature first and strict, and
every failure is a TransferFileError with a Vietnamese reason. No database here: the
caller (services/outside_transfers.py) supplies the keys and decides.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from khdesk.core.clock import is_iso
from khdesk.core.domain import transfers as tr
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.sync import bundle, canonical, signed_zip
from khdesk.core.sync.errors import BundleError, TransferFileError
from khdesk.core.sync.keys import KeyPair, PublicKeys
from khdesk.core.sync.signed_zip import KEY_ID, UUID, Fields, Shape, show_name

SUFFIX = ".khct"
NOUN = "tệp chuyển hồ sơ"
FORMAT = "khdesk-transfer"
FORMAT_VERSION = 1
MAGIC = b"\x89KHT\r\n\x1a\n"  # as a bundle's, one letter apart: never mistaken for one
HEADER = struct.Struct(">8sH16s")
SIGNATURE_CONTEXT = b"khdesk/transfer-manifest/v1\x00"
TRANSFER, ANSWER = "transfer", "answer"
ACCEPTED, RETURNED = "accepted", "returned"
ANSWER_STEP = {ACCEPTED: tr.IN, RETURNED: tr.BACK}
TABLES = ("candidates", "steps", "attachments")
MANIFEST, SIGNATURE = bundle.MANIFEST, bundle.SIGNATURE
_ENTRY = re.compile(r"^(?:records/(?:candidates|steps|attachments)\.jsonl|files/[0-9a-f]{64})$")
_KEYS = {
    "format",
    "format_version",
    "kind",
    "file_id",
    "created_at",
    "sender",
    "recipient",
    "transfer",
    "answer",
    "schema_version",
    "app_version",
    "files",
}


@dataclass(frozen=True)
class Limits:
    """What a reader accepts at most: one file with its scans (each ≤ 50 MB)."""

    max_file: int = 512 << 20
    max_entry: int = 64 << 20
    max_entries: int = 2_000
    max_manifest: int = 1 << 20


DEFAULT_LIMITS = Limits()


def _refuse(code: str, message: str) -> TransferFileError:
    return TransferFileError(code, message)


# -- writing --


def write(
    kind: str,
    sender: tuple[str, str],
    signer: KeyPair,
    recipient: tuple[str, PublicKeys],
    transfer: dict,
    tables: Mapping[str, list[dict]],
    files: Mapping[str, bytes],
    *,
    file_id: str,
    created_at: str,
    schema_version: str,
    app_version: str,
    answer: str | None = None,
) -> bytes:
    """The sealed file. `sender`: (org_code, org_name); `recipient`: (org_code, its
    public keys); `transfer`: {uuid (the CHUYEN_DI), file_uuid, file_code}; `tables`:
    wire records (records.to_wire) by table; `files`: scans by SHA-256."""
    org_code, org_name = sender
    to_org, to_keys = recipient
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "file_id": file_id,
        "created_at": created_at,
        "sender": {"org_code": org_code, "org_name": org_name, "key_id": signer.key_id},
        "recipient": {"org_code": to_org, "key_id": to_keys.key_id},
        "transfer": transfer,
        "answer": answer,
        "schema_version": schema_version,
        "app_version": app_version,
    }
    inner, _ = bundle.build_inner(manifest, tables, files, signer, context=SIGNATURE_CONTEXT)
    header = HEADER.pack(MAGIC, FORMAT_VERSION, bytes.fromhex(to_keys.key_id))
    public = X25519PublicKey.from_public_bytes(to_keys.enc)
    return header + bundle.SUITE.encrypt(inner, public, info=header)


# -- reading --


@dataclass(frozen=True)
class Opened:
    """A transfer file or answer whose signature verified and whose every byte was
    checked: the records are the tables' own (records.from_wire)."""

    manifest: dict
    sender: PublicKeys
    tables: dict[str, list[dict]]
    files: dict[str, bytes]

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def transfer(self) -> dict:
        return self.manifest["transfer"]

    @property
    def sender_org(self) -> str:
        return self.manifest["sender"]["org_code"]

    @property
    def candidate(self) -> dict:
        return self.tables["candidates"][0]

    @property
    def steps(self) -> list[dict]:
        return self.tables.get("steps", [])


def _shape(limits: Limits) -> Shape:
    return Shape(
        TransferFileError,
        NOUN,
        _ENTRY.fullmatch,
        {SIGNATURE: signed_zip.SIGNATURE_SIZE, MANIFEST: limits.max_manifest},
        max_entries=limits.max_entries,
        max_entry=limits.max_entry,
        max_total=limits.max_file,
    )


def _unseal(data: bytes, own: Mapping[str, KeyPair], limits: Limits) -> tuple[str, bytes]:
    """The recipient key id and the inner archive."""
    if len(data) > limits.max_file:
        raise _refuse("too_large", f"Tệp quá lớn ({len(data) >> 20} MB) để là {NOUN}.")
    if len(data) < HEADER.size + 48 or data[:8] != MAGIC:
        raise _refuse(
            "not_a_transfer",
            f"Tệp này không phải {NOUN} khdesk (sai mã nhận dạng, rỗng hoặc bị cắt cụt).",
        )
    _, version, key_id = HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        raise _refuse(
            "format_version",
            f"{NOUN.capitalize()} theo định dạng phiên bản {version}; khdesk này chỉ đọc phiên "
            f"bản {FORMAT_VERSION}.",
        )
    pair = own.get(key_id.hex())
    if pair is None:
        raise _refuse(
            "wrong_recipient",
            f"{NOUN.capitalize()} này không gửi cho hồ sơ làm việc này (mã khóa người nhận "
            f"{key_id.hex()[:8]}…).",
        )
    try:
        inner = bundle.SUITE.decrypt(data[HEADER.size :], pair.x25519(), info=data[: HEADER.size])
    except Exception:  # InvalidTag or a malformed key: the same answer
        raise _refuse(
            "decrypt",
            f"{NOUN.capitalize()} đã bị sửa, bị cắt hoặc hỏng: không giải mã được. Hãy xin bên "
            "gửi xuất lại tệp.",
        ) from None
    return key_id.hex(), inner


_FIELDS = Fields(TransferFileError, MANIFEST)
_need, _match = _FIELDS.need, _FIELDS.match


def parse_manifest(data: bytes) -> dict:
    """The manifest, strictly: canonical JSON of exactly the format's fields."""
    try:
        m = canonical.loads(data, max_depth=4)
    except canonical.JSONRefused as exc:
        raise _refuse("manifest_json", f"manifest.json không hợp lệ: {exc}.") from None
    if not isinstance(m, dict) or canonical.dumps(m) != data:
        raise _refuse("manifest_json", "manifest.json không ở dạng chuẩn (canonical JSON).")
    if m.get("format") != FORMAT or set(m) != _KEYS:
        raise _refuse("manifest_field", f"manifest.json không phải bản kê của {NOUN}.")
    if _need(m, "format_version", int) != FORMAT_VERSION:
        raise _refuse("format_version", "Bản kê theo định dạng phiên bản khác, không đọc được.")
    kind = _need(m, "kind", str)
    if kind not in (TRANSFER, ANSWER):
        raise _FIELDS.refuse("kind", "có giá trị không hợp lệ.")
    _match(_need(m, "file_id", str), UUID, "file_id")
    if not is_iso(_need(m, "created_at", str)):
        raise _FIELDS.refuse("created_at", "phải là thời điểm UTC.")
    _need(m, "schema_version", str)
    _need(m, "app_version", str)
    sender, recipient = _need(m, "sender", dict), _need(m, "recipient", dict)
    if set(sender) != {"org_code", "org_name", "key_id"} or set(recipient) != {
        "org_code",
        "key_id",
    }:
        raise _FIELDS.refuse("sender", "hoặc 'recipient' có trường lạ.")
    for key in ("org_code", "org_name"):
        _need(sender, key, str, "sender")
    _need(recipient, "org_code", str, "recipient")
    _match(_need(sender, "key_id", str, "sender"), KEY_ID, "sender.key_id")
    _match(_need(recipient, "key_id", str, "recipient"), KEY_ID, "recipient.key_id")
    transfer = _need(m, "transfer", dict)
    if set(transfer) != {"uuid", "file_uuid", "file_code"}:
        raise _FIELDS.refuse("transfer", "có trường lạ hoặc thiếu trường.")
    _match(_need(transfer, "uuid", str, "transfer"), UUID, "transfer.uuid")
    _match(_need(transfer, "file_uuid", str, "transfer"), UUID, "transfer.file_uuid")
    _need(transfer, "file_code", str, "transfer")
    answer = m["answer"]
    if (kind == TRANSFER) != (answer is None) or (answer is not None and answer not in ANSWER_STEP):
        raise _FIELDS.refuse("answer", "có giá trị không hợp lệ.")
    for name, spec in _need(m, "files", dict).items():
        if not _ENTRY.fullmatch(name):
            raise _refuse("manifest_field", f"Bản kê liệt kê mục lạ '{show_name(name)}'.")
        _match(_need(spec, "sha256", str, name), signed_zip.SHA256, name + ".sha256")
        _need(spec, "size", int, name)
        allowed = {"sha256", "size", "records"} if name.startswith("records/") else None
        if name.startswith("records/") and _need(spec, "records", int, name) < 1:
            raise _FIELDS.refuse(name, "không có bản ghi.")
        if set(spec) - (allowed or {"sha256", "size"}):
            raise _FIELDS.refuse(name, "có trường lạ.")
    return m


def open_file(
    data: bytes,
    own: Mapping[str, KeyPair],
    sender_key: Callable[[str], PublicKeys | None],
    kind: str,
    limits: Limits = DEFAULT_LIMITS,
) -> Opened:
    """Decrypt, read the signed part, verify the signature with the key `sender_key`
    finds for the manifest's sender key id (an enrolled station of another province, or
    None: refused), then read and check every entry and record. `kind`: what the caller
    expects (a transfer file, or an answer)."""
    key_id, inner = _unseal(data, own, limits)
    archive = signed_zip.read_signed_part(inner, _shape(limits))
    manifest_bytes, signature = archive.signed[MANIFEST], archive.signed[SIGNATURE]
    m = parse_manifest(manifest_bytes)  # strict and bounded: only raises our error
    claimed = "".join(ch if ch.isprintable() else "?" for ch in m["sender"]["org_code"][:80])
    sender = sender_key(m["sender"]["key_id"])
    if sender is None:
        raise _refuse(
            "unknown_sender",
            f"{NOUN.capitalize()} tự xưng do {claimed} gửi, nhưng khóa ký của nó chưa được ghi "
            "nhận ở đây là khóa của một tỉnh khác ('khdesk transfer station-enrol').",
        )
    if not sender.verify(SIGNATURE_CONTEXT, manifest_bytes, signature):
        raise _refuse(
            "signature", f"Chữ ký của {NOUN} không đúng: bản kê đã bị sửa, bị tráo hoặc làm giả."
        )
    if m["recipient"]["key_id"] != key_id:
        raise _refuse(
            "readdressed", f"{NOUN.capitalize()} được ký cho người nhận khác rồi mã hóa lại."
        )
    if m["kind"] != kind:
        what = "tệp trả lời" if m["kind"] == ANSWER else NOUN
        raise _refuse("wrong_kind", f"Đây là {what}, không phải tệp cần nhập ở bước này.")
    entries = archive.read_listed(m["files"])
    files = {}
    for name, blob in entries.items():
        if name.startswith("files/"):
            if name[len("files/") :] != hashlib.sha256(blob).hexdigest():
                raise _refuse("entry_hash", f"Tệp đính kèm '{name}' không khớp tên băm của nó.")
            files[name[len("files/") :]] = blob
    opened = bundle.Opened(m, manifest_bytes, signature, entries)
    try:
        tables = bundle.read_records(opened)
    except BundleError as exc:
        raise _refuse(exc.code, str(exc)) from None
    found = Opened(m, sender, tables, files)
    (_check_transfer if kind == TRANSFER else _check_answer)(found)
    return found


def events(rows: list[dict]) -> list[StepEvent]:
    """Wire step records as the events transfers replay."""
    return [
        StepEvent(
            r["step_id"],
            r["on"],
            Result(r["result"]),
            r["doc_no"],
            seq=r["seq"],
            from_org=r["from_org"],
            to_org=r["to_org"],
        )
        for r in rows
    ]


def _check_transfer(o: Opened) -> None:
    """One file, nothing else: its record, its live history ending in the unanswered
    CHUYEN_DI the manifest names, to the recipient, and its scans, each present."""
    tr_ = o.transfer
    cands = o.tables.get("candidates", [])
    if len(cands) != 1 or cands[0]["uuid"] != tr_["file_uuid"]:
        raise _refuse("content", f"{NOUN.capitalize()} phải mang đúng một hồ sơ, hồ sơ bản kê nêu.")
    if cands[0]["file_code"] != tr_["file_code"]:
        raise _refuse("content", "Mã hồ sơ trong bản kê và trong bản ghi hồ sơ khác nhau.")
    for table, rows in o.tables.items():
        for r in rows:
            if r["deleted"]:
                raise _refuse("content", f"Bản ghi đã xóa trong {table}: không được gửi.")
            if table != "candidates" and r["candidate_uuid"] != tr_["file_uuid"]:
                raise _refuse("content", f"Bản ghi {table} của một hồ sơ khác: không nhận.")
    pending = next((r for r in o.steps if r["uuid"] == tr_["uuid"]), None)
    replayed = tr.replay(events(o.steps), cands[0]["org_code"]).pending
    if pending is None or pending["step_id"] != tr.OUT or replayed is None:
        raise _refuse("content", "Tệp không mang lần chuyển đi đang chờ trả lời mà bản kê nêu.")
    last_out = max((r for r in o.steps if r["step_id"] == tr.OUT), key=lambda r: r["seq"])
    if (
        last_out["uuid"] != pending["uuid"]
        or pending["to_org"] != o.manifest["recipient"]["org_code"]
    ):
        raise _refuse(
            "content", "Lần chuyển đi trong tệp không gửi cho tỉnh nhận tệp này: không nhận."
        )
    scans = {r["sha256"]: r for r in o.tables.get("attachments", [])}
    if set(scans) != set(o.files):
        raise _refuse("content", "Tệp đính kèm không khớp với danh sách tài liệu của hồ sơ.")
    for digest, r in scans.items():
        if r["size"] != len(o.files[digest]):
            raise _refuse("content", f"Tài liệu '{r['name']}' không khớp dung lượng khai báo.")


def _check_answer(o: Opened) -> None:
    """Exactly the one event answering the transfer, written by the answering province."""
    if set(o.tables) != {"steps"} or len(o.steps) != 1 or o.files:
        raise _refuse("content", "Tệp trả lời chỉ được mang đúng một bước trả lời.")
    step = o.steps[0]
    if (
        step["step_id"] != ANSWER_STEP[o.manifest["answer"]]
        or step["candidate_uuid"] != o.transfer["file_uuid"]
        or step["owner"] != o.sender_org
        or step["deleted"]
    ):
        raise _refuse("content", "Bước trong tệp trả lời không khớp với câu trả lời bản kê nêu.")
