"""The catalogue file format, version 1 (resources/sync/FORMAT.md §10 is its description).

A catalogue is what the province hands down to every station: the rulebooks (base books
and local overlays), the holiday overlay, the form templates and the organisation list.
It holds nothing personal and goes to many stations, so it is signed but not encrypted:

    zip: catalogue.json      the manifest (canonical JSON): issuer and its public keys,
                             version (issuer org, sequence number, issue date), every
                             content entry's SHA-256 and size, the content hash
         catalogue.sig       Ed25519 by the issuer over a prefix ‖ catalogue.json
         endorsements.json   countersignatures of stations that passed it on (a list)
         rulebooks/<n>.json, calendar/vn-overlay.json, forms/<path>, orgs.jsonl

A station that never met the province trusts a catalogue through an endorsement by the
upper station it did enrol: "I verified catalogue <hash> as issued by key <id>". Deciding
which keys are trusted needs the database (services/catalogue.py); this module only reads,
checks and writes files (the zip through signed_zip, as bundles), and raises CatalogueError
with a Vietnamese reason. The content entries' names and parsing are in catalogue_content
(free of SQLAlchemy, for judging) and re-exported here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from khdesk.core.clock import is_iso
from khdesk.core.domain import calendar as cal
from khdesk.core.domain import rulebook as rb
from khdesk.core.domain.template import ORG_KINDS
from khdesk.core.store import schema as t
from khdesk.core.sync import bundle, canonical, records, signed_zip
from khdesk.core.sync.catalogue_content import (  # apart: judging needs no SQLAlchemy
    CALENDAR,
    ORGS,
    RULEBOOK_ENTRY,
    calendar_overlay,
    content_hash,
    is_content,
    outside_provinces,
    rulebook_set,
    version_label,
    version_text,
)
from khdesk.core.sync.errors import BundleError, CatalogueError
from khdesk.core.sync.keys import ROLES, KeyPair, PublicKeys, b64
from khdesk.core.sync.signed_zip import KEY_ID, SHA256, UUID, Fields, Shape, show_name
from khdesk.core.text import UTC_MOMENT_FORM

FORMAT = "khdesk-catalogue"
FORMAT_VERSION = 1
ENDORSEMENT_FORMAT = "khdesk-catalogue-endorsement"
SUFFIX = ".khdc"
# Domain separation: neither signature verifies as a bundle, card or rotation signature.
SIGNATURE_CONTEXT = b"khdesk/catalogue/v1\x00"
ENDORSEMENT_CONTEXT = b"khdesk/catalogue-endorsement/v1\x00"

MANIFEST, SIGNATURE, ENDORSEMENTS = "catalogue.json", "catalogue.sig", "endorsements.json"
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ZIP_MAGIC = b"PK\x03\x04"
ORG_FIELDS = records.WIRE_FIELDS["orgs"]


@dataclass(frozen=True)
class Limits:
    """What a reader accepts at most: the province's whole catalogue fits well inside."""

    max_file: int = 64 << 20
    max_total: int = 128 << 20  # all entries, uncompressed
    max_entry: int = 32 << 20
    max_entries: int = 2_000
    max_manifest: int = 1 << 20
    max_endorsements: int = 32
    max_line: int = 64 << 10  # one organisation
    max_orgs: int = 20_000


MAX_ENDORSEMENT = 4096  # one countersignature's canonical JSON, with room to spare


DEFAULT_LIMITS = Limits()


# -- writing --


def _archive(
    manifest_bytes: bytes, signature: bytes, endorsements: list[dict], entries: Mapping[str, bytes]
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        signed_zip.add_entry(zf, MANIFEST, manifest_bytes)
        signed_zip.add_entry(zf, SIGNATURE, signature)
        signed_zip.add_entry(zf, ENDORSEMENTS, canonical.dumps(endorsements))
        for name in sorted(entries):
            signed_zip.add_entry(zf, name, entries[name])
    return out.getvalue()


def org_lines(rows: list[dict]) -> bytes:
    """The organisation list entry: one wire record per line, sorted by code."""
    return b"".join(canonical.dumps(r) + b"\n" for r in sorted(rows, key=lambda r: r["code"]))


def build_manifest(
    issuer: KeyPair,
    *,
    org_code: str,
    org_name: str,
    catalogue_id: str,
    seq: int,
    issued_on: str,
    created_at: str,
    app_version: str,
    note: str | None,
    entries: Mapping[str, bytes],
) -> dict:
    files = {name: signed_zip.describe(data) for name, data in sorted(entries.items())}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "catalogue_id": catalogue_id,
        "issuer": {
            "org_code": org_code,
            "org_name": org_name,
            "role": "province",
            "key_id": issuer.key_id,
            "sign_public": b64(issuer.public.sign),
            "enc_public": b64(issuer.public.enc),
        },
        "seq": seq,
        "issued_on": issued_on,
        "created_at": created_at,
        "app_version": app_version,
        "note": note,
        "content_hash": content_hash(files),
        "files": files,
    }


def write(manifest: dict, entries: Mapping[str, bytes], issuer: KeyPair) -> bytes:
    """A signed catalogue file without endorsements (the issuer's own copy)."""
    manifest_bytes = canonical.dumps(manifest)
    signature = issuer.sign(SIGNATURE_CONTEXT, manifest_bytes)
    return _archive(manifest_bytes, signature, [], entries)


def reassemble(
    manifest_bytes: bytes, signature: bytes, endorsements: list[dict], entries: Mapping[str, bytes]
) -> bytes:
    """A catalogue file from its stored parts (a station passing on what it installed)."""
    return _archive(manifest_bytes, signature, endorsements, entries)


def endorse(
    catalogue_hash: str,
    issuer_key_id: str,
    endorser: KeyPair,
    *,
    org_code: str,
    org_name: str,
    role: str,
    at: str,
) -> dict:
    """A countersignature: the endorser verified the catalogue with this hash as issued by
    this key, and vouches for it to the stations that enrolled the endorser."""
    body = {
        "format": ENDORSEMENT_FORMAT,
        "version": 1,
        "catalogue_hash": catalogue_hash,
        "issuer_key_id": issuer_key_id,
        "endorser": {
            "org_code": org_code,
            "org_name": org_name,
            "role": role,
            "key_id": endorser.key_id,
        },
        "at": at,
    }
    signature = endorser.sign(ENDORSEMENT_CONTEXT, canonical.dumps(body))
    return {"endorsement": body, "signature": b64(signature)}


# -- reading --


@dataclass(frozen=True)
class Endorsement:
    org_code: str
    org_name: str
    role: str
    key_id: str
    at: str
    body: dict
    signature: bytes

    def verified_by(self, public: PublicKeys) -> bool:
        return public.key_id == self.key_id and public.verify(
            ENDORSEMENT_CONTEXT, canonical.dumps(self.body), self.signature
        )


@dataclass
class Opened:
    """A catalogue file whose structure, hashes and issuer signature were checked. Whether
    the issuer is to be trusted is for the caller to decide (it needs the database)."""

    manifest: dict
    manifest_bytes: bytes
    signature: bytes
    endorsements: list[Endorsement]
    raw_endorsements: list[dict]
    entries: dict[str, bytes] = field(default_factory=dict)

    @property
    def catalogue_hash(self) -> str:
        return hashlib.sha256(self.manifest_bytes).hexdigest()

    @property
    def issuer(self) -> dict:
        return self.manifest["issuer"]

    @property
    def issuer_public(self) -> PublicKeys:
        return PublicKeys(
            base64.b64decode(self.issuer["sign_public"]),
            base64.b64decode(self.issuer["enc_public"]),
        )

    @property
    def seq(self) -> int:
        return self.manifest["seq"]

    @property
    def version(self) -> str:
        m = self.manifest
        return version_text(m["issuer"]["org_code"], m["seq"], m["issued_on"])

    @property
    def label(self) -> str:
        m = self.manifest
        return version_label(m["issuer"]["org_code"], m["seq"], m["issued_on"])


def _refuse(code: str, message: str) -> CatalogueError:
    return CatalogueError(code, message)


Trust = Callable[["Opened"], object]


def read(data: bytes, limits: Limits = DEFAULT_LIMITS, trust: Trust | None = None) -> Opened:
    """Check and open a catalogue file; raises CatalogueError only. Signature first: the
    directory, the manifest, its signature and the endorsements are read (each within its
    cap) and checked, then `trust` (the caller's decision that a key it enrolled vouches
    for the catalogue: it raises when none does), and only then is any content entry
    inflated. Without `trust` (a station reading what it issued or stored itself) the
    issuer's signature is still checked."""
    if not data:
        raise _refuse("empty", "Tệp rỗng: không phải tệp danh mục (có thể ghi chưa xong).")
    if len(data) > limits.max_file:
        raise _refuse(
            "too_large", f"Tệp quá lớn ({len(data) // 1_048_576} MB) để là một tệp danh mục."
        )
    if data.startswith(bundle.MAGIC):
        raise _refuse(
            "not_a_catalogue",
            "Đây là gói đồng bộ, không phải tệp danh mục: nhập bằng 'khdesk bundle import'.",
        )

    def broken() -> CatalogueError:
        if data.startswith(_ZIP_MAGIC):
            return _refuse(
                "truncated",
                "Tệp danh mục bị cắt cụt hoặc hỏng (không đọc được mục lục của kho zip).",
            )
        return _refuse("not_a_catalogue", "Tệp này không phải tệp danh mục khdesk.")

    shape = Shape(
        CatalogueError,
        "tệp danh mục",
        is_content,
        {
            MANIFEST: limits.max_manifest,
            SIGNATURE: signed_zip.SIGNATURE_SIZE,
            ENDORSEMENTS: limits.max_endorsements * MAX_ENDORSEMENT,
        },
        max_entries=limits.max_entries,
        max_entry=limits.max_entry,
        max_total=limits.max_total,
        broken=broken,
    )
    archive = signed_zip.read_signed_part(data, shape)
    manifest_bytes, signature = archive.signed[MANIFEST], archive.signed[SIGNATURE]
    manifest = parse_manifest(manifest_bytes, limits)
    opened = Opened(manifest, manifest_bytes, signature, [], [], {})
    if len(signature) != 64 or not opened.issuer_public.verify(
        SIGNATURE_CONTEXT, manifest_bytes, signature
    ):
        raise _refuse(
            "signature",
            f"Chữ ký của {manifest['issuer']['org_code']} trên bộ danh mục không đúng: bản kê "
            "đã bị sửa, bị tráo hoặc tệp bị làm giả.",
        )
    opened.raw_endorsements, opened.endorsements = _endorsements(
        archive.signed[ENDORSEMENTS], opened, limits
    )
    if trust is not None:
        trust(opened)
    opened.entries = archive.read_listed(manifest["files"])
    return opened


_FIELDS = Fields(CatalogueError, MANIFEST)
_field, _pattern = _FIELDS.need, _FIELDS.match


_TOP_KEYS = {
    "format",
    "format_version",
    "catalogue_id",
    "issuer",
    "seq",
    "issued_on",
    "created_at",
    "app_version",
    "note",
    "content_hash",
    "files",
}
_ISSUER_KEYS = {"org_code", "org_name", "role", "key_id", "sign_public", "enc_public"}


def parse_manifest(data: bytes, limits: Limits = DEFAULT_LIMITS) -> dict:
    """The manifest, parsed strictly and checked for shape; it must be canonical."""
    try:
        m = canonical.loads(data, max_depth=4)
    except canonical.JSONRefused as exc:
        raise _refuse("manifest_json", f"{MANIFEST} không hợp lệ: {exc}.") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise _refuse("not_a_catalogue", f"{MANIFEST} không phải bản kê của tệp danh mục khdesk.")
    if canonical.dumps(m) != data:
        raise _refuse("manifest_json", f"{MANIFEST} không ở dạng chuẩn (canonical JSON).")
    if _field(m, "format_version", int, "") != FORMAT_VERSION:
        raise _refuse(
            "format_version",
            f"Tệp danh mục theo định dạng phiên bản {m['format_version']}; phiên bản khdesk này "
            f"chỉ đọc được phiên bản {FORMAT_VERSION}. Hãy nâng cấp khdesk.",
        )
    unknown = sorted(set(m) - _TOP_KEYS)
    if unknown:
        raise _refuse("manifest_field", f"{MANIFEST} có trường lạ '{show_name(unknown[0])}'.")
    _pattern(_field(m, "catalogue_id", str, ""), UUID, "catalogue_id")
    issuer = _field(m, "issuer", dict, "")
    if set(issuer) != _ISSUER_KEYS:
        raise _refuse("manifest_field", f"{MANIFEST}: 'issuer' thiếu hoặc thừa trường.")
    for key in ("org_code", "org_name", "role"):
        if not _field(issuer, key, str, "issuer"):
            raise _refuse("manifest_field", f"{MANIFEST}: 'issuer.{key}' để trống.")
    _pattern(_field(issuer, "key_id", str, "issuer"), KEY_ID, "issuer.key_id")
    public = PublicKeys(
        _key(_field(issuer, "sign_public", str, "issuer"), "issuer.sign_public"),
        _key(_field(issuer, "enc_public", str, "issuer"), "issuer.enc_public"),
    )
    if public.key_id != issuer["key_id"]:
        raise _refuse("manifest_field", f"{MANIFEST}: mã khóa của đơn vị ban hành không khớp khóa.")
    if issuer["role"] != "province":
        raise _refuse(
            "not_province",
            f"Bộ danh mục do {issuer['org_code']} (vai trò '{issuer['role']}') ban hành: chỉ "
            "Tỉnh ủy được ban hành bộ danh mục.",
        )
    if _field(m, "seq", int, "") < 1:
        raise _refuse("manifest_field", f"{MANIFEST}: 'seq' phải từ 1 trở lên.")
    issued_on = _pattern(_field(m, "issued_on", str, ""), _DAY, "issued_on")
    try:
        date.fromisoformat(issued_on)
    except ValueError:
        raise _refuse("manifest_field", f"{MANIFEST}: 'issued_on' không phải ngày.") from None
    if not is_iso(_field(m, "created_at", str, "")):
        raise _refuse(
            "manifest_field",
            f"{MANIFEST}: 'created_at' phải là thời điểm {UTC_MOMENT_FORM}.",
        )
    _field(m, "app_version", str, "")
    if m.get("note") is not None and len(_field(m, "note", str, "")) > 2000:
        raise _refuse("manifest_field", f"{MANIFEST}: 'note' dài quá 2000 ký tự.")
    _pattern(_field(m, "content_hash", str, ""), SHA256, "content_hash")
    files = _field(m, "files", dict, "")
    for name, spec in files.items():
        if not is_content(name):
            raise _refuse("manifest_field", f"Bản kê liệt kê mục không hợp lệ '{show_name(name)}'.")
        if not isinstance(spec, dict) or set(spec) != {"sha256", "size"}:
            raise _refuse("manifest_field", f"{MANIFEST}: mô tả mục '{name}' không hợp lệ.")
        _pattern(_field(spec, "sha256", str, name), SHA256, name + ".sha256")
        if _field(spec, "size", int, name) < 0:
            raise _refuse("manifest_field", f"{MANIFEST}: '{name}.size' âm.")
    for required in (ORGS, CALENDAR):
        if required not in files:
            raise _refuse("missing_entry", f"Bộ danh mục thiếu mục '{required}'.")
    if not any(RULEBOOK_ENTRY.fullmatch(name) for name in files):
        raise _refuse("missing_entry", "Bộ danh mục không có căn cứ (rulebooks/…) nào.")
    if content_hash(files) != m["content_hash"]:
        raise _refuse(
            "content_hash", f"{MANIFEST}: mã băm nội dung không khớp với danh sách các mục."
        )
    return m


def _key(text: str, path: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise _refuse("manifest_field", f"{MANIFEST}: '{path}' không phải khóa công khai.")
    return raw


def _endorsements(
    data: bytes, opened: Opened, limits: Limits
) -> tuple[list[dict], list[Endorsement]]:
    where = ENDORSEMENTS
    try:
        raw = canonical.loads(data, max_depth=4)
    except canonical.JSONRefused as exc:
        raise _refuse("endorsement", f"{where} không hợp lệ: {exc}.") from None
    if not isinstance(raw, list) or canonical.dumps(raw) != data:
        raise _refuse("endorsement", f"{where} phải là một danh sách ở dạng chuẩn.")
    if len(raw) > limits.max_endorsements:
        raise _refuse("endorsement", f"{where} có quá nhiều xác nhận ({len(raw)}).")
    out = []
    for i, item in enumerate(raw, start=1):
        out.append(_endorsement(item, opened, f"{where}, xác nhận thứ {i}"))
    return raw, out


def _endorsement(item: Any, opened: Opened, where: str) -> Endorsement:
    body = item.get("endorsement") if isinstance(item, dict) else None
    bad = _refuse("endorsement", f"{where}: không đúng dạng xác nhận của khdesk.")
    if not (isinstance(item, dict) and set(item) == {"endorsement", "signature"}):
        raise bad
    keys = {"format", "version", "catalogue_hash", "issuer_key_id", "endorser", "at"}
    if not isinstance(body, dict) or set(body) != keys or body["format"] != ENDORSEMENT_FORMAT:
        raise bad
    if body["version"] != 1:
        raise _refuse(
            "endorsement", f"{where}: phiên bản {body['version']!r} chưa hỗ trợ; nâng cấp khdesk."
        )
    endorser = body["endorser"]
    if not (
        isinstance(endorser, dict)
        and set(endorser) == {"org_code", "org_name", "role", "key_id"}
        and all(isinstance(v, str) and v for v in endorser.values())
        and KEY_ID.fullmatch(endorser["key_id"])
        and endorser["role"] in ROLES
        and is_iso(body["at"])
    ):
        raise bad
    # A countersignature of another catalogue or issuer key was moved here: refuse.
    if body["catalogue_hash"] != opened.catalogue_hash or (
        body["issuer_key_id"] != opened.issuer["key_id"]
    ):
        raise _refuse(
            "endorsement",
            f"{where} ({endorser['org_code']}) xác nhận một bộ danh mục khác, không phải bộ này.",
        )
    try:
        signature = base64.b64decode(str(item["signature"]), validate=True)
    except ValueError:
        signature = b""
    if len(signature) != 64:
        raise bad
    return Endorsement(
        endorser["org_code"],
        endorser["org_name"],
        endorser["role"],
        endorser["key_id"],
        body["at"],
        body,
        signature,
    )


# -- the content --


@dataclass
class Contents:
    """What a catalogue carries, parsed and checked as the rules engine will use it."""

    rulebooks: rb.RulebookSet
    book_names: list[str]  # entry names of base books
    overlay_names: list[str]  # entry names of local overlays, applied in this order
    calendar: cal.CalendarOverlay
    orgs: list[dict]  # organisation records (column values)
    forms: dict[str, bytes]  # path under forms/ → content
    outside: list[tuple[str, str]] = field(default_factory=list)  # other provinces (§12)


def org_rows(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[dict]:
    """The organisation list: bundle wire records of `orgs` (FORMAT.md §5), live ones only,
    each code and uuid once, kinds from the template's list."""
    lines = data.split(b"\n")
    if lines[-1] != b"":
        raise _refuse("content", f"Mục '{ORGS}': dòng cuối không kết thúc bằng xuống dòng.")
    lines.pop()
    if len(lines) > limits.max_orgs:
        raise _refuse("content", f"Mục '{ORGS}': quá nhiều đơn vị ({len(lines)}).")
    rows, codes, uuids = [], set(), set()
    for i, line in enumerate(lines, start=1):
        where = f"Mục '{ORGS}', dòng {i}"
        if len(line) > limits.max_line:
            raise _refuse("content", f"{where}: dòng dài quá {limits.max_line} byte.")
        try:
            values = records.from_wire(t.orgs, canonical.loads(line, max_depth=1), where)
        except canonical.JSONRefused as exc:
            raise _refuse("content", f"{where}: {exc}.") from None
        except BundleError as exc:
            raise _refuse("content", exc.message) from None
        missing = [f for f in ORG_FIELDS if f not in values]
        if missing:
            raise _refuse("content", f"{where}: thiếu trường '{missing[0]}'.")
        if values["deleted"]:
            raise _refuse("content", f"{where}: đơn vị đã xóa không thuộc bộ danh mục.")
        if not values["code"].strip() or values["code"] != values["code"].strip().upper():
            raise _refuse("content", f"{where}: mã đơn vị '{values['code']}' không hợp lệ.")
        if values["kind"] is not None and values["kind"] not in ORG_KINDS:
            raise _refuse("content", f"{where}: loại đơn vị '{values['kind']}' không có.")
        if values["code"] in codes or values["uuid"] in uuids:
            raise _refuse("content", f"{where}: đơn vị '{values['code']}' có hai lần.")
        codes.add(values["code"])
        uuids.add(values["uuid"])
        rows.append(values)
    return rows


def contents(opened: Opened, limits: Limits = DEFAULT_LIMITS) -> Contents:
    """Parse every content entry as the station will use it; raises CatalogueError naming
    the entry (and line) at fault."""
    books, book_names, overlay_names = rulebook_set(opened.entries)
    return Contents(
        rulebooks=books,
        book_names=book_names,
        overlay_names=overlay_names,
        calendar=calendar_overlay(opened.entries),
        orgs=org_rows(opened.entries[ORGS], limits),
        forms={
            name[len("forms/") :]: data
            for name, data in opened.entries.items()
            if name.startswith("forms/")
        },
        outside=outside_provinces(opened.entries),
    )
