"""Atomic file writes: a reader (or a crash, or a full disk) sees the old file or the new
one, never half of one. And file names taken from stored data (an attachment's name, a
file code, a person's name): data, never a path (`safe_file_name`, `write_new_file`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO

from khdesk.core.errors import InputError

# mkstemp creates files 0600; a written file should get the mode any new file gets.
_UMASK = os.umask(0)
os.umask(_UMASK)


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory to fsync it
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temp(folder: Path, name: str, write: Callable[[IO[bytes]], None], private: bool) -> Path:
    """Write into a new temp file in `folder`, flushed to disk; the caller puts it in place."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # The prefix is cut: a long name must not make the temp name too long to create.
        fd, tmp = tempfile.mkstemp(prefix=f".{_cut(name, 64)}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise InputError(f"Không ghi được vào thư mục '{folder}': {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if os.name == "posix" and not private:
                os.fchmod(f.fileno(), 0o666 & ~_UMASK)
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        _unlink_quietly(Path(tmp))
        raise _write_error(name, e) from None
    except BaseException:
        _unlink_quietly(Path(tmp))
        raise
    return Path(tmp)


def _write_error(name: str, e: OSError) -> InputError:
    if isinstance(e, PermissionError):
        return InputError(
            f"Không ghi được '{name}' — tệp có đang mở trong chương trình khác không?"
        )
    return InputError(f"Không ghi được '{name}': {e.strerror or e}")


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], *, private: bool = False) -> None:
    """Write through a temp file in the same folder, flush it to disk, rename it over
    `path`. `private` keeps the file readable by its owner only (key files)."""
    path = Path(path)
    tmp = _write_temp(path.parent, path.name, write, private)
    try:
        os.replace(tmp, path)
    except OSError as e:
        _unlink_quietly(tmp)
        raise _write_error(path.name, e) from None
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = False) -> None:
    atomic_write(path, lambda f: f.write(data), private=private)


# -- names from stored data --------------------------------------------------------------

MAX_NAME_BYTES = 150  # UTF-8 bytes: well under every file system's 255, room for " (99)"
_MAX_SUFFIX_BYTES = 16
# Windows refuses these as a name's stem, whatever the extension ("CON.txt", "nul.tar.gz").
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
# Separators, drive letters and streams (":"), and what Windows forbids in a name.
_FORBIDDEN = frozenset('/\\:*?"<>|')
# What "Mở" hands to the desktop: documents and images only, never a program or a link.
OPENABLE_SUFFIXES = frozenset(
    {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif", ".bmp"}
    | {".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".txt"}
)


def _clean_char(ch: str) -> str:
    if ch in _FORBIDDEN:
        return "_"
    # Control (Cc), format (Cf: bidi overrides that show "gpj.exe" as "exe.jpg",
    # zero-width marks), surrogates (Cs), unassigned and private-use: never in a name.
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp"):
        return "_" if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ""
    return ch


def _cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, on a character boundary."""
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", "ignore")


def _split_suffix(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem.strip(" .") or len(("." + suffix).encode("utf-8")) > _MAX_SUFFIX_BYTES:
        return name, ""
    if not suffix or not all(c.isalnum() or c in "_-" for c in suffix):
        return name, ""
    return stem, "." + suffix


def safe_file_name(stored: str | None, fallback: str = "tep") -> str:
    """A single, valid file name on Windows, macOS and Linux made from a stored name:
    no separators, no "..", no drive letter or stream, no reserved Windows name, no
    control or invisible characters, no trailing dot or space, NFC, at most
    MAX_NAME_BYTES UTF-8 bytes with the extension kept, never empty."""
    text = unicodedata.normalize("NFC", str(stored or ""))
    text = "".join(_clean_char(ch) for ch in text)
    while ".." in text:  # no "..", not even inside a name
        text = text.replace("..", ".")
    text = text.strip(" .")
    stem, suffix = _split_suffix(text)
    stem = _cut(stem.strip(" ."), MAX_NAME_BYTES - len(suffix.encode("utf-8")))
    stem = stem.rstrip(" .") or fallback
    if stem.split(".")[0].rstrip(" ").upper() in _RESERVED:
        stem = "_" + stem
    return stem + suffix


def may_open(name: str) -> bool:
    """Whether "Mở" may hand a file of this name to the desktop (a document or image)."""
    return Path(safe_file_name(name)).suffix.lower() in OPENABLE_SUFFIXES


def _place_new(tmp: Path, target: Path) -> bool:
    """Move `tmp` to `target` unless `target` exists (then False); never overwrites."""
    if os.name == "nt":  # pragma: no cover - Windows: rename refuses an existing target
        try:
            os.rename(tmp, target)
        except FileExistsError:
            return False
        return True
    try:
        os.link(tmp, target)  # atomic, and fails if the name is taken
    except FileExistsError:
        return False
    except OSError:  # no hard links here (a FAT-formatted stick)
        if os.path.lexists(target):
            return False
        os.replace(tmp, target)
        return True
    _unlink_quietly(tmp)
    return True


def write_new_file(
    folder: Path, stored_name: str | None, data: bytes, *, fallback: str = "tep"
) -> Path:
    """Write `data` into `folder` under the safe form of `stored_name`, as a new file:
    an existing one is never overwritten ("x (2).pdf" is chosen instead). Returns the path
    written, which is always directly inside `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"Không có thư mục '{folder}'.")
    root = folder.resolve()
    name = safe_file_name(stored_name, fallback)
    stem, suffix = _split_suffix(name)
    tmp = _write_temp(root, name, lambda f: f.write(data), private=False)
    try:
        for n in range(1, 1000):
            tail = f" ({n}){suffix}"
            cut = MAX_NAME_BYTES - len(tail.encode("utf-8"))
            candidate = name if n == 1 else f"{_cut(stem, cut)}{tail}"
            target = root / candidate
            if target.parent != root or target.name != candidate:  # one component, here
                raise InputError(f"Tên tệp '{stored_name}' không dùng được.")
            try:
                if _place_new(tmp, target):
                    fsync_dir(root)
                    return folder / candidate
            except OSError as e:
                raise _write_error(candidate, e) from None
        raise InputError(f"Thư mục '{folder}' đã có quá nhiều tệp tên '{name}'.")
    finally:
        _unlink_quietly(tmp)


def private_folder(path: Path) -> Path:
    """A folder only this OS user can open (0700 on POSIX; the user's own profile folder
    on Windows), created when missing."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def empty_folder(path: Path) -> None:
    """Remove what `path` holds (best effort: a file another program still has open on
    Windows stays until the next time)."""
    path = Path(path)
    try:
        if not path.is_dir() or path.is_symlink():
            return
        children = list(path.iterdir())
    except OSError:
        return  # never in the way of closing or starting
    for child in children:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            _unlink_quietly(child)
