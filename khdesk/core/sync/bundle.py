"""The bundle file format, version 1 (resources/sync/FORMAT.md is its description).

    file   = header ‖ HPKE(recipient X25519 key, info = header, inner archive)
    header = magic (8) ‖ format version (2, big-endian) ‖ recipient key id (16)
    inner  = zip: manifest.json, manifest.sig, records/<table>.jsonl, files/<sha256>

Only the addressee can open the file, and the plaintext header names nobody but the
addressee's key. Inside, the sender signs the manifest (Ed25519, domain-separated), and
the manifest pins every other entry by SHA-256, size and record count, names the
recipient's key (a signed bundle cannot be re-addressed), the sender's epoch, sequence
number and the hash of its previous bundle.

Reading is defensive and signature first (HPKE base mode authenticates nobody: whoever
has a station's card can seal a file to it): the zip's directory (bounded by its end
record) and the manifest's bytes are all that is read before the signature verifies with
a key the caller enrolled; only then is any other entry inflated, each no further than
the size the signed manifest declares. Sizes, entry counts, names, JSON shape and text
are all checked before anything is used, and every failure is a BundleError with a
Vietnamese reason. The zip itself is read by signed_zip, the one reader catalogues use
too. This module knows nothing of databases: the inbox supplies keys and decides.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from khdesk.core.clock import is_iso
from khdesk.core.sync import canonical, records, signed_zip
from khdesk.core.sync.errors import BundleError
from khdesk.core.sync.keys import KeyPair, PublicKeys
from khdesk.core.sync.signed_zip import KEY_ID, SHA256, UUID, Fields, Shape, show_name
from khdesk.core.text import UTC_MOMENT_FORM

FORMAT = "khdesk-bundle"
FORMAT_VERSION = 1
# PNG-style: a high byte, the name, CR LF, EOF, LF — a text-mode copy or a truncated
# download shows up as a wrong magic rather than as a strange decryption failure.
MAGIC = b"\x89KHD\r\n\x1a\n"
HEADER = struct.Struct(">8sH16s")
SIGNATURE_CONTEXT = b"khdesk/bundle-manifest/v1\x00"
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
_HPKE_OVERHEAD = 32 + 16  # encapsulated key + AEAD tag
KINDS = ("up", "down")

MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
AUDIT_ENTRIES = "audit/entries.jsonl"  # history reported upward (FORMAT.md §11)
_ENTRY_NAME = re.compile(
    r"^(?:manifest\.json|manifest\.sig|records/[a-z_]{1,32}\.jsonl|files/[0-9a-f]{64}"
    r"|audit/entries\.jsonl)$"
)


@dataclass(frozen=True)
class Limits:
    """What a reader accepts at most: a bundle from a cell or a commune fits well inside."""

    max_file: int = 1 << 30  # the whole bundle file
    max_total: int = 1 << 30  # all entries, uncompressed
    max_entry: int = 256 << 20  # one entry, uncompressed (an attachment is ≤ 50 MB)
    max_entries: int = 50_000
    max_manifest: int = 4 << 20
    max_line: int = 256 << 10  # one record
    max_depth: int = 8  # JSON nesting of the manifest; a record is flat


DEFAULT_LIMITS = Limits()


def bundle_hash(manifest_bytes: bytes) -> str:
    """A bundle's identity in chains and ledgers: the manifest pins everything else."""
    return hashlib.sha256(manifest_bytes).hexdigest()


# -- writing --


def _jsonl(rows: list[dict]) -> bytes:
    return b"".join(canonical.dumps(r) + b"\n" for r in rows)


def build_inner(
    manifest: dict,
    table_rows: Mapping[str, list[dict]],
    files: Mapping[str, bytes],
    signer: KeyPair,
    audit_entries: bytes = b"",
    context: bytes = SIGNATURE_CONTEXT,
) -> tuple[bytes, bytes]:
    """The signed inner archive; `manifest` gets its `files` section here. Returns the
    archive and the manifest bytes. `audit_entries`: the reported history's lines;
    `context`: the signature's domain (a transfer file signs under its own)."""
    entries: dict[str, bytes] = {}
    described: dict[str, dict] = {}
    for table in records.TABLES:  # fixed order: the same content gives the same bytes
        rows = table_rows.get(table)
        if rows:
            name = f"records/{table}.jsonl"
            entries[name] = _jsonl(rows)
            described[name] = _describe(entries[name], len(rows))
    if audit_entries:
        entries[AUDIT_ENTRIES] = audit_entries
        described[AUDIT_ENTRIES] = _describe(audit_entries, audit_entries.count(b"\n"))
    for digest in sorted(files):
        name = f"files/{digest}"
        entries[name] = files[digest]
        described[name] = _describe(files[digest], None)
    manifest = {**manifest, "files": described}
    manifest_bytes = canonical.dumps(manifest)
    signature = signer.sign(context, manifest_bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        signed_zip.add_entry(zf, MANIFEST, manifest_bytes)
        signed_zip.add_entry(zf, SIGNATURE, signature, zipfile.ZIP_STORED)
        for name, data in entries.items():
            # Scans are already compressed: storing them keeps a 50 MB export fast.
            method = zipfile.ZIP_STORED if name.startswith("files/") else zipfile.ZIP_DEFLATED
            signed_zip.add_entry(zf, name, data, method)
    return out.getvalue(), manifest_bytes


def _describe(data: bytes, count: int | None) -> dict:
    out = signed_zip.describe(data)
    if count is not None:
        out["records"] = count
    return out


def header_for(recipient_key_id: str) -> bytes:
    return HEADER.pack(MAGIC, FORMAT_VERSION, bytes.fromhex(recipient_key_id))


def seal(inner: bytes, recipient: PublicKeys) -> bytes:
    """Encrypt the inner archive to the recipient; the header is bound as HPKE info."""
    header = header_for(recipient.key_id)
    public = X25519PublicKey.from_public_bytes(recipient.enc)
    return header + SUITE.encrypt(inner, public, info=header)


# -- reading --

# Finds the key to check a manifest's signature with (the caller knows the enrolled keys).
SenderLookup = Callable[["Signed"], PublicKeys | None]


@dataclass(frozen=True)
class Header:
    version: int
    recipient_key_id: str


def read_header(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Header:
    if len(data) > limits.max_file:
        raise BundleError(
            "too_large", f"Tệp quá lớn ({len(data) // 1_048_576} MB) để là một gói đồng bộ."
        )
    if not data:
        raise BundleError("empty", "Tệp rỗng: không phải gói đồng bộ (có thể ghi chưa xong).")
    if len(data) < HEADER.size + _HPKE_OVERHEAD:
        if data[: len(MAGIC)] == MAGIC[: len(data)]:
            raise BundleError("truncated", "Tệp gói bị cắt cụt: quá ngắn, thiếu phần nội dung.")
        raise BundleError("not_a_bundle", "Tệp này không phải gói đồng bộ khdesk.")
    magic, version, key_id = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise BundleError(
            "not_a_bundle", "Tệp này không phải gói đồng bộ khdesk (sai mã nhận dạng)."
        )
    if version != FORMAT_VERSION:
        raise BundleError(
            "format_version",
            f"Gói theo định dạng phiên bản {version}, phiên bản khdesk này chỉ đọc được phiên "
            f"bản {FORMAT_VERSION}. Hãy nâng cấp khdesk (nếu gói mới hơn) hoặc xuất lại gói.",
        )
    return Header(version, key_id.hex())


def peek_recipient(head: bytes) -> str | None:
    """The recipient key id a file's first `HEADER.size` bytes name, or None (no header
    of this format). Unauthenticated: a hint choosing who tries to open the file."""
    if len(head) < HEADER.size:
        return None
    magic, version, key_id = HEADER.unpack_from(head)
    return key_id.hex() if (magic, version) == (MAGIC, FORMAT_VERSION) else None


def unseal(
    data: bytes, keys: Mapping[str, KeyPair], limits: Limits = DEFAULT_LIMITS
) -> tuple[Header, KeyPair, bytes]:
    """Decrypt with the own key the header names. Any change to any byte of the file —
    header included, since it is the HPKE info — makes this fail."""
    header = read_header(data, limits)
    own = keys.get(header.recipient_key_id)
    if own is None:
        raise BundleError(
            "wrong_recipient",
            "Gói này không gửi cho hồ sơ làm việc này (mã khóa người nhận "
            f"{header.recipient_key_id[:8]}… không phải khóa của hồ sơ). Hãy nhập ở đúng đơn vị "
            "nhận.",
        )
    try:
        inner = SUITE.decrypt(data[HEADER.size :], own.x25519(), info=data[: HEADER.size])
    except Exception:  # InvalidTag, or a malformed encapsulated key: the same answer
        raise BundleError(
            "decrypt",
            "Gói đã bị sửa, bị cắt hoặc hỏng trên đường: kiểm tra toàn vẹn thất bại, "
            "không giải mã được. Hãy xin đơn vị gửi xuất lại gói.",
        ) from None
    return header, own, inner


@dataclass
class Opened:
    """An opened inner archive whose manifest's signature verified: every entry listed,
    sized and hashed as the manifest says."""

    manifest: dict
    manifest_bytes: bytes
    signature: bytes
    entries: dict[str, bytes] = field(default_factory=dict)

    @property
    def bundle_hash(self) -> str:
        return bundle_hash(self.manifest_bytes)

    @property
    def sender_key_id(self) -> str:
        return self.manifest["sender"]["key_id"]

    def counts(self) -> dict[str, int]:
        return counts(self.manifest)

    def file_count(self) -> int:
        return sum(1 for name in self.manifest["files"] if name.startswith("files/"))


def counts(manifest: dict) -> dict[str, int]:
    """Records per table, as the manifest declares them."""
    return {
        name[len("records/") : -len(".jsonl")]: spec["records"]
        for name, spec in manifest["files"].items()
        if name.startswith("records/")
    }


def _shape(limits: Limits) -> Shape:
    return Shape(
        BundleError,
        "gói",
        _ENTRY_NAME.fullmatch,
        {SIGNATURE: signed_zip.SIGNATURE_SIZE, MANIFEST: limits.max_manifest},
        max_entries=limits.max_entries,
        max_entry=limits.max_entry,
        max_total=limits.max_total,
    )


@dataclass
class Signed:
    """What is read of an inner archive before its signature is checked: the directory's
    names, methods and declared sizes, the manifest's bytes and the signature — nothing
    else is inflated. `manifest` parses the bytes (strictly) when first asked."""

    archive: signed_zip.Archive
    limits: Limits

    @property
    def manifest_bytes(self) -> bytes:
        return self.archive.signed[MANIFEST]

    @property
    def signature(self) -> bytes:
        return self.archive.signed[SIGNATURE]

    @cached_property
    def manifest(self) -> dict:
        return parse_manifest(self.manifest_bytes, self.limits)

    def verifies(self, public: PublicKeys) -> bool:
        return public.verify(SIGNATURE_CONTEXT, self.manifest_bytes, self.signature)


def read_signed(inner: bytes, limits: Limits = DEFAULT_LIMITS) -> Signed:
    """The directory checked (names, methods, declared sizes against the limits) and the
    manifest and signature read, each within its cap."""
    archive = signed_zip.read_signed_part(inner, _shape(limits))
    if len(archive.signed[SIGNATURE]) != signed_zip.SIGNATURE_SIZE:
        raise BundleError("signature", "Chữ ký của gói (manifest.sig) không đúng độ dài.")
    return Signed(archive, limits)


def read_entries(signed: Signed) -> Opened:
    """Every other entry, once the signature verified: exactly what the signed manifest
    lists, at the sizes and hashes it declares (signed_zip.Archive.read_listed); an
    attachment's name is its hash."""
    manifest = signed.manifest
    contents = signed.archive.read_listed(manifest["files"])
    for name, data in contents.items():
        if name.startswith("files/") and name[len("files/") :] != hashlib.sha256(data).hexdigest():
            raise BundleError("entry_hash", f"Tệp đính kèm '{name}' không khớp tên băm của nó.")
    return Opened(manifest, signed.manifest_bytes, signed.signature, contents)


def read_inner(
    inner: bytes, sender_key: SenderLookup, limits: Limits = DEFAULT_LIMITS
) -> tuple[Opened, PublicKeys]:
    """The inner archive in the order that keeps a forger out: the directory and the
    manifest's bytes, the signature checked with the key `sender_key` finds (it may parse
    the manifest: the strict parser only raises BundleError), then the entries."""
    signed = read_signed(inner, limits)
    sender = sender_key(signed)
    verify_signature(signed, sender)
    return read_entries(signed), sender


def _where(path: str) -> str:
    return f"manifest.json: '{path}'"


_FIELDS = Fields(BundleError, MANIFEST)
_need, _match = _FIELDS.need, _FIELDS.match


def _moment(obj: dict, key: str, path: str) -> str:
    """A timestamp exactly as written (FORMAT.md §3.1): "2026-11-20T08:30:00+00:00"."""
    if not is_iso(_need(obj, key, str, path)):
        where = f"{path}.{key}" if path else key
        raise BundleError(
            "manifest_field",
            f"{_where(where)} phải là thời điểm {UTC_MOMENT_FORM}.",
        )
    return obj[key]


_TOP_KEYS = {
    "format",
    "format_version",
    "kind",
    "bundle_id",
    "created_at",
    "sender",
    "recipient",
    "epoch",
    "seq",
    "prev",
    "schema_version",
    "app_version",
    "changes",
    "full",
    "key_rotation",
    "receipts",
    "files",
    "catalogue",  # optional: bundles written before it existed have none
    "audit",  # optional: the sender's reported history (up only), see _check_audit
}
MAX_RECEIPTS = 1000
# Every integer of a manifest (numbers, counters, sizes) fits a 32-bit database column.
MAX_INTEGER = records.MAX_INTEGER


def _small_integers(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _small_integers(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _small_integers(item, f"{path}[{i}]")
    elif type(value) is int and not 0 <= value <= MAX_INTEGER:
        raise BundleError(
            "manifest_field", f"{_where(show_name(path))}: số ngoài khoảng 0…{MAX_INTEGER}."
        )


def parse_manifest(data: bytes, limits: Limits = DEFAULT_LIMITS) -> dict:
    """The manifest, parsed strictly and checked for shape; it must be canonical."""
    try:
        m = canonical.loads(data, max_depth=limits.max_depth)
    except canonical.JSONRefused as exc:
        raise BundleError("manifest_json", f"manifest.json không hợp lệ: {exc}.") from None
    if not isinstance(m, dict):
        raise BundleError("manifest_json", "manifest.json không phải một đối tượng JSON.")
    if canonical.dumps(m) != data:
        raise BundleError("manifest_json", "manifest.json không ở dạng chuẩn (canonical JSON).")
    _small_integers(m, "")
    if m.get("format") != FORMAT:
        raise BundleError("manifest_field", "manifest.json không phải bản kê của gói khdesk.")
    if _need(m, "format_version", int, "") != FORMAT_VERSION:
        raise BundleError(
            "format_version",
            f"Bản kê theo định dạng phiên bản {m['format_version']}, không đọc được.",
        )
    unknown = sorted(set(m) - _TOP_KEYS)
    if unknown:
        raise BundleError("manifest_field", f"manifest.json có trường lạ '{unknown[0]}'.")
    if _need(m, "kind", str, "") not in KINDS:
        raise BundleError("manifest_field", f"Loại gói '{m['kind']}' không hợp lệ.")
    _match(_need(m, "bundle_id", str, ""), UUID, "bundle_id")
    _moment(m, "created_at", "")
    _need(m, "schema_version", str, "")
    _need(m, "app_version", str, "")
    _need(m, "full", bool, "")
    sender = _need(m, "sender", dict, "")
    for key in ("org_code", "org_name", "role"):
        _need(sender, key, str, "sender")
    _match(_need(sender, "key_id", str, "sender"), KEY_ID, "sender.key_id")
    recipient = _need(m, "recipient", dict, "")
    _need(recipient, "org_code", str, "recipient")
    _match(_need(recipient, "key_id", str, "recipient"), KEY_ID, "recipient.key_id")
    epoch = _need(m, "epoch", dict, "")
    _match(_need(epoch, "id", str, "epoch"), UUID, "epoch.id")
    _moment(epoch, "started_at", "epoch")
    if epoch.get("reason") is not None:
        reason = _need(epoch, "reason", dict, "epoch")
        if not all(isinstance(v, str) for v in reason.values()):
            raise BundleError("manifest_field", f"{_where('epoch.reason')} chỉ chứa văn bản.")
        if "last_sent_at" in reason:
            _moment(reason, "last_sent_at", "epoch.reason")
    if epoch.get("previous") is not None:
        previous = _need(epoch, "previous", dict, "epoch")
        _match(_need(previous, "id", str, "epoch.previous"), UUID, "epoch.previous.id")
        if _need(previous, "last_seq", int, "epoch.previous") < 0:
            raise BundleError("manifest_field", f"{_where('epoch.previous.last_seq')} âm.")
    if _need(m, "seq", int, "") < 1:
        raise BundleError("manifest_field", f"{_where('seq')} phải từ 1 trở lên.")
    if m.get("prev") is not None:
        prev = _need(m, "prev", dict, "")
        if not 1 <= _need(prev, "seq", int, "prev") < m["seq"]:
            raise BundleError("manifest_field", f"{_where('prev.seq')} phải nhỏ hơn số thứ tự gói.")
        _match(_need(prev, "hash", str, "prev"), SHA256, "prev.hash")
    changes = _need(m, "changes", dict, "")
    if not 0 <= _need(changes, "from", int, "changes") <= _need(changes, "upto", int, "changes"):
        raise BundleError("manifest_field", f"{_where('changes')} có khoảng không hợp lệ.")
    if m.get("key_rotation") is not None:
        _need(m, "key_rotation", dict, "")
    if m.get("receipts") is not None:
        receipts = _need(m, "receipts", list, "")
        if len(receipts) > MAX_RECEIPTS:
            raise BundleError("manifest_field", f"{_where('receipts')} quá dài.")
        for i, r in enumerate(receipts):
            where = f"receipts[{i}]"
            _match(_need(r, "epoch", str, where), UUID, where + ".epoch")
            _match(_need(r, "bundle_hash", str, where), SHA256, where + ".bundle_hash")
            if _need(r, "seq", int, where) < 1 or _need(r, "upto", int, where) < 0:
                raise BundleError("manifest_field", f"{_where(where)} có số không hợp lệ.")
            if set(r) != {"epoch", "seq", "bundle_hash", "upto"}:
                raise BundleError("manifest_field", f"{_where(where)} có trường lạ.")
    if m.get("catalogue") is not None:
        catalogue = _need(m, "catalogue", dict, "")
        if (
            set(catalogue) != {"version", "content_hash"}
            or len(_need(catalogue, "version", str, "catalogue")) > 120
        ):
            raise BundleError("manifest_field", f"{_where('catalogue')} không hợp lệ.")
        _match(_need(catalogue, "content_hash", str, "catalogue"), SHA256, "catalogue.content_hash")
    files = _need(m, "files", dict, "")
    for name, spec in files.items():
        if not _ENTRY_NAME.fullmatch(name) or name in (MANIFEST, SIGNATURE):
            raise BundleError(
                "manifest_field", f"Bản kê liệt kê mục không hợp lệ '{show_name(name)}'."
            )
        _match(_need(spec, "sha256", str, name), SHA256, name + ".sha256")
        if _need(spec, "size", int, name) < 0:
            raise BundleError("manifest_field", f"{_where(name + '.size')} âm.")
        if name.startswith("records/") or name == AUDIT_ENTRIES:
            table = name[len("records/") : -len(".jsonl")]
            if name != AUDIT_ENTRIES and table not in records.TABLES:
                raise BundleError("manifest_field", f"Gói có bảng lạ '{table}'.")
            if _need(spec, "records", int, name) < 0:
                raise BundleError("manifest_field", f"{_where(name + '.records')} âm.")
            extra = set(spec) - {"sha256", "size", "records"}
        else:
            extra = set(spec) - {"sha256", "size"}
        if extra:
            raise BundleError(
                "manifest_field", f"{_where(name)} có trường lạ '{sorted(extra)[0]}'."
            )
    _check_audit(m, files)
    return m


def _check_audit(m: dict, files: dict) -> None:
    """`audit` (FORMAT.md §11): absent or null, or `{"from", "count", "hash"}`, its entries
    listed iff there are any, one line each (history.py reads them, bundles up only)."""
    listed = files.get(AUDIT_ENTRIES)
    if m.get("audit") is None:
        if listed is not None:
            raise BundleError(
                "manifest_field", f"Gói có mục '{AUDIT_ENTRIES}' mà không có đầu chuỗi nhật ký."
            )
        return
    head = _need(m, "audit", dict, "")
    start, count = _need(head, "from", int, "audit"), _need(head, "count", int, "audit")
    if set(head) != {"from", "count", "hash"} or not 0 <= start <= count:
        raise BundleError("manifest_field", f"{_where('audit')} không hợp lệ.")
    _match(_need(head, "hash", str, "audit"), SHA256, "audit.hash")
    if (listed or {}).get("records", 0) != count - start:
        raise BundleError(
            "manifest_field", f"{_where('audit')}: số mục nhật ký không khớp mục '{AUDIT_ENTRIES}'."
        )
    if count == start and listed is not None:
        raise BundleError("manifest_field", f"Mục '{AUDIT_ENTRIES}' rỗng không được liệt kê.")


def verify_signature(signed: Signed | Opened, sender: PublicKeys | None) -> None:
    """The manifest's signature, by `sender`, which must be the key the manifest names."""
    if (
        sender is None
        or not sender.verify(SIGNATURE_CONTEXT, signed.manifest_bytes, signed.signature)
        or sender.key_id != signed.manifest["sender"]["key_id"]
    ):
        raise BundleError(
            "signature",
            "Chữ ký của gói không đúng: bản kê đã bị sửa, bị tráo hoặc gói bị làm giả.",
        )


def check_addressed(opened: Opened, header: Header) -> None:
    """The signed manifest names the key the file was sealed to: a signed bundle that was
    re-encrypted to someone else is refused."""
    if opened.manifest["recipient"]["key_id"] != header.recipient_key_id:
        raise BundleError(
            "readdressed",
            f"Gói được ký để gửi cho {opened.manifest['recipient']['org_code']}, nhưng đã bị "
            "mã hóa lại cho hồ sơ này: không nhận.",
        )


def read_records(opened: Opened, limits: Limits = DEFAULT_LIMITS) -> dict[str, list[dict]]:
    """Every record, checked against its table (records.from_wire), by table."""
    out: dict[str, list[dict]] = {}
    seen: set[str] = set()  # a uuid names one record, whatever its table
    for table_name, count in opened.counts().items():
        name = f"records/{table_name}.jsonl"
        table = records.TABLES[table_name]
        data = opened.entries[name]
        lines = data.split(b"\n")
        if lines[-1] != b"":
            raise BundleError("record_shape", f"{name}: dòng cuối không kết thúc bằng xuống dòng.")
        lines.pop()
        if len(lines) != count:
            raise BundleError(
                "record_count", f"{name}: có {len(lines)} bản ghi, bản kê ghi {count}."
            )
        rows = []
        for i, line in enumerate(lines, start=1):
            where = f"{name}, dòng {i}"
            if len(line) > limits.max_line:
                raise BundleError("line_too_long", f"{where}: dòng dài quá {limits.max_line} byte.")
            try:
                obj = canonical.loads(line, max_depth=1)
            except canonical.JSONRefused as exc:
                raise BundleError("record_json", f"{where}: {exc}.") from None
            values = records.from_wire(table, obj, where)
            if values["uuid"] in seen:
                raise BundleError("record_duplicate", f"{where}: bản ghi lặp lại (cùng uuid).")
            seen.add(values["uuid"])
            rows.append(values)
        out[table_name] = rows
    return out


@dataclass
class Verified:
    header: Header
    opened: Opened
    sender: PublicKeys
    tables: dict[str, list[dict]]

    @property
    def manifest(self) -> dict:
        return self.opened.manifest

    @property
    def files(self) -> dict[str, bytes]:
        return {
            name[len("files/") :]: data
            for name, data in self.opened.entries.items()
            if name.startswith("files/")
        }


def open_bundle(
    data: bytes,
    keys: Mapping[str, KeyPair],
    sender_key: SenderLookup,
    limits: Limits = DEFAULT_LIMITS,
) -> Verified:
    """Open and check a whole bundle: decrypt, read the directory and the manifest's bytes,
    find the sender's key (`sender_key` refuses unknown, revoked and aged-out senders) and
    check the signature — only then read the entries — then the addressee and every
    record. Raises BundleError only."""
    header, _own, inner = unseal(data, keys, limits)
    opened, sender = read_inner(inner, sender_key, limits)
    check_addressed(opened, header)
    return Verified(header, opened, sender, read_records(opened, limits))
