"""A signed zip, read and written the one way both sync files need (FORMAT.md §4, §10):
a bundle's inner archive and a catalogue file are each a zip whose manifest pins every
other entry by SHA-256 and size, signed over the manifest's bytes.

Reading is signature first: the directory (bounded by its end record) is checked —
names, methods, declared sizes against caps — and only the signed part (manifest,
signature, …) is inflated, each no further than it declares. The caller checks the
signature; only then does `Archive.read_listed` inflate the rest, which must be exactly
what the signed manifest lists, at the sizes and hashes it declares. Every failure is the
format's own SyncError, with a Vietnamese reason naming the file kind (`Shape.noun`).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from khdesk.core.sync.errors import SyncError

KEY_ID = re.compile(r"^[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # entries carry no clock: same content, same bytes
SIGNATURE_SIZE = 64  # Ed25519

# The zip's end record, its zip64 locator, and the most a directory record of a name these
# formats allow takes (46 fixed bytes, a 70-byte name, room for extra fields).
_END = struct.Struct("<4s4H2LH")
_END_MAGIC, _ZIP64_LOCATOR = b"PK\x05\x06", b"PK\x06\x07"
_MAX_DIRECTORY_RECORD = 46 + 70 + 64


# -- writing --


def add_entry(
    zf: zipfile.ZipFile, name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED
) -> None:
    """One entry with fixed metadata: the same content always gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = method
    info.create_system = 3
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def describe(data: bytes) -> dict[str, Any]:
    """An entry as a manifest pins it."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


# -- reading --


@dataclass(frozen=True)
class Shape:
    """One signed-zip format as a reader checks it."""

    error: type[SyncError]
    noun: str  # what a person calls the file: "gói", "tệp danh mục"
    allowed: Callable[[str], object]  # the names the format has for the other entries
    signed: Mapping[str, int]  # the entries read before the signature (in order), each cap
    max_entries: int
    max_entry: int  # any other entry, uncompressed
    max_total: int  # all entries, uncompressed
    # The error for an archive that is damaged or no zip at all (default: `inner_zip`).
    broken: Callable[[], SyncError] | None = None

    def refuse(self, code: str, message: str) -> SyncError:
        return self.error(code, message)


def show_name(name: str) -> str:
    """An entry name as it may be printed: short, control characters escaped."""
    return name[:80].encode("unicode_escape").decode("ascii")


def open_zip(data: bytes, shape: Shape) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive's directory, read only after its 22-byte end record shows it small: a
    forged end record cannot make the reader build millions of entries. No zip64 (an
    archive within the caps never needs it)."""

    def fail() -> SyncError:
        if shape.broken is not None:
            return shape.broken()
        return shape.refuse(
            "inner_zip", f"Phần nội dung của {shape.noun} không phải kho zip hợp lệ."
        )

    end = data.rfind(_END_MAGIC, max(0, len(data) - _END.size - 0xFFFF))
    if end < 0 or len(data) - end < _END.size:
        raise fail()
    _, _, _, on_disk, count, directory_size, _, _ = _END.unpack_from(data, end)
    if max(on_disk, count) > shape.max_entries:
        raise shape.refuse(
            "too_many_entries",
            f"{shape.noun.capitalize()} có quá nhiều mục ({max(on_disk, count)}; tối đa "
            f"{shape.max_entries}).",
        )
    if data[max(0, end - 20) : end - 16] == _ZIP64_LOCATOR or (
        directory_size > count * _MAX_DIRECTORY_RECORD
    ):
        raise fail()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:  # zipfile raises many kinds on garbage: all mean the same here
        raise fail() from None
    if len(infos) != count:
        raise fail()
    return zf, infos


def check_directory(infos: list[zipfile.ZipInfo], shape: Shape) -> dict[str, zipfile.ZipInfo]:
    """Names, methods and declared sizes of every entry, from the directory alone; the
    signed part must be there. Returns the entries by name."""
    seen: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if name in seen:
            raise shape.refuse(
                "duplicate_entry",
                f"Mục '{show_name(name)}' xuất hiện hai lần trong {shape.noun}.",
            )
        seen[name] = info
        if name not in shape.signed and not shape.allowed(name):
            raise shape.refuse(
                "bad_entry_name",
                f"Tên mục '{show_name(name)}' không được phép trong {shape.noun} (đường dẫn lạ, "
                "tuyệt đối hoặc thư mục không có trong định dạng).",
            )
        if info.flag_bits & 0x1 or info.compress_type not in METHODS:
            raise shape.refuse("entry_method", f"Mục '{name}' dùng kiểu nén hoặc mã hóa lạ.")
        cap = shape.signed.get(name, shape.max_entry)
        if info.file_size > cap:
            raise shape.refuse(
                "entry_too_large",
                f"Mục '{name}' khai báo {info.file_size} byte khi giải nén, quá giới hạn {cap} "
                "byte (có thể là 'bom zip').",
            )
        total += info.file_size
        if total > shape.max_total:
            raise shape.refuse(
                "too_large_total",
                f"Tổng dung lượng giải nén của {shape.noun} vượt {shape.max_total} byte "
                "(có thể là 'bom zip').",
            )
    for required in shape.signed:
        if required not in seen:
            raise shape.refuse(
                "missing_entry", f"{shape.noun.capitalize()} thiếu mục '{required}'."
            )
    return seen


def read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, shape: Shape) -> bytes:
    """An archive entry, refused when it inflates past `cap` or is damaged. Counts what
    actually comes out, not what the header claims."""
    chunks, size = [], 0
    try:
        with zf.open(info) as f:
            while chunk := f.read(1 << 20):
                size += len(chunk)
                if size > cap:
                    raise shape.refuse(
                        "entry_too_large",
                        f"Mục '{info.filename}' giải nén ra nhiều hơn khai báo "
                        "(có thể là 'bom zip').",
                    )
                chunks.append(chunk)
    except SyncError:
        raise
    except Exception:  # bad CRC, bad deflate stream, header/directory disagreement
        raise shape.refuse(
            "inner_zip", f"Mục '{info.filename}' trong {shape.noun} bị hỏng."
        ) from None
    return b"".join(chunks)


@dataclass
class Archive:
    """A signed zip of which only the signed part is inflated so far."""

    shape: Shape
    zf: zipfile.ZipFile
    signed: dict[str, bytes]  # the signed part's entries, by name
    others: dict[str, zipfile.ZipInfo]  # every other entry, not inflated

    def read_listed(self, listed: Mapping[str, Mapping[str, Any]]) -> dict[str, bytes]:
        """The other entries, once the signature verified: the directory must list exactly
        what the signed manifest does (`listed`: name → sha256, size), with the sizes it
        declares, before any is inflated; each is then inflated no further than its
        declared size and hashed."""
        refuse, noun = self.shape.refuse, self.shape.noun
        if set(self.others) != set(listed):
            extra = sorted(set(self.others) - set(listed))
            missing = sorted(set(listed) - set(self.others))
            which = f"thừa mục '{show_name(extra[0])}'" if extra else f"thiếu mục '{missing[0]}'"
            raise refuse("entries_mismatch", f"Nội dung {noun} không khớp với bản kê: {which}.")
        for name, spec in listed.items():  # the directory's sizes are within the caps
            if self.others[name].file_size != spec["size"]:
                raise refuse(
                    "entry_hash",
                    f"Mục '{name}' không khớp dung lượng trong bản kê: đã bị sửa hoặc tráo.",
                )
        contents = {}
        for name, info in self.others.items():
            data = read_capped(self.zf, info, listed[name]["size"], self.shape)
            if describe(data) != {"sha256": listed[name]["sha256"], "size": listed[name]["size"]}:
                raise refuse(
                    "entry_hash",
                    f"Mục '{name}' không khớp mã băm/dung lượng trong bản kê: đã bị sửa hoặc tráo.",
                )
            contents[name] = data
        return contents


def read_signed_part(data: bytes, shape: Shape) -> Archive:
    """The directory checked and the signed part read, each entry within its cap."""
    zf, infos = open_zip(data, shape)
    others = check_directory(infos, shape)
    signed = {}
    for name in shape.signed:  # each no further than it declares, which is within its cap
        info = others.pop(name)
        signed[name] = read_capped(zf, info, info.file_size, shape)
    return Archive(shape, zf, signed, others)


@dataclass(frozen=True)
class Fields:
    """Typed access to a manifest's fields: each failure a `manifest_field` refusal that
    names the field by its path."""

    error: type[SyncError]
    manifest: str  # the entry's name: "manifest.json", "catalogue.json"

    def refuse(self, path: str, what: str) -> SyncError:
        return self.error("manifest_field", f"{self.manifest}: '{show_name(path)}' {what}")

    def need(self, obj: Any, key: str, kind: type | tuple, path: str = "") -> Any:
        """`obj[key]`, which must be there and of `kind` (a bool is no int)."""
        full = f"{path}.{key}" if path else key
        if not isinstance(obj, dict) or key not in obj:
            raise self.error(
                "manifest_field", f"{self.manifest}: thiếu trường '{show_name(full)}'."
            )
        value = obj[key]
        if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
            raise self.refuse(full, "có kiểu dữ liệu sai.")
        return value

    def match(self, value: str, pattern: re.Pattern, path: str) -> str:
        if not pattern.fullmatch(value):
            raise self.refuse(path, "có giá trị không hợp lệ.")
        return value
