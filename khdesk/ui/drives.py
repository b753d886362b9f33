"""Removable drives (USB sticks, memory cards): which are plugged in (the sync page's
choice of stick) and whether a path the user chose lies on one (a file of personal data
saved there is warned about, and a PDF offered a password).

The test of a volume is a plain function of its root path and file-system type, so tests
pass a fake volume instead of plugging in a stick.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QStorageInfo

__all__ = [
    "StorageInfo",
    "Volume",
    "is_removable_path",
    "looks_removable",
    "removable_volumes",
    "storage_of",
]


@dataclass
class Volume:
    path: str
    label: str
    free: int


class StorageInfo(Protocol):
    """What is read of a volume (QStorageInfo has these; tests pass a plain object)."""

    def rootPath(self) -> str: ...  # noqa: N802 - Qt's name

    def fileSystemType(self) -> bytes | object: ...  # noqa: N802 - Qt's name

    def isValid(self) -> bool: ...  # noqa: N802 - Qt's name


def looks_removable(root: str, fs_type: str) -> bool:
    """A volume with this root and file system is a stick or card (not the PC's disk)."""
    if sys.platform == "win32":
        # ctypes.windll exists on Windows only
        import ctypes

        kind = ctypes.windll.kernel32.GetDriveTypeW(root.replace("/", "\\"))
        # 2 = removable; some sticks say "fixed" (3) but keep a FAT/exFAT file system.
        return kind == 2 or (kind == 3 and fs_type.upper() in ("FAT", "FAT32", "EXFAT"))
    return root.startswith(("/media/", "/run/media/", "/mnt/", "/Volumes/"))


def _fs_type(info: StorageInfo) -> str:
    raw = info.fileSystemType()
    if hasattr(raw, "data"):  # QByteArray
        raw = bytes(raw.data())
    if isinstance(raw, bytes):
        return raw.decode("ascii", "replace")
    return str(raw or "")


def storage_of(path: Path | str) -> StorageInfo:
    """The volume holding `path` (its folder when the file does not exist yet)."""
    p = Path(path)
    while not p.exists() and p.parent != p:
        p = p.parent
    return QStorageInfo(str(p))


def is_removable_path(path: Path | str, storage: StorageInfo | None = None) -> bool:
    """`path` lies on a USB stick or a memory card. `storage`: the volume (tests)."""
    info = storage if storage is not None else storage_of(path)
    if not info.isValid():
        return False
    return looks_removable(info.rootPath(), _fs_type(info))


def removable_volumes() -> list[Volume]:
    """USB sticks and cards that are mounted, ready, writable and not full."""
    out = []
    for v in QStorageInfo.mountedVolumes():
        if not (v.isValid() and v.isReady()) or v.isReadOnly() or v.bytesAvailable() <= 0:
            continue
        root = v.rootPath()
        if not looks_removable(root, _fs_type(v)):
            continue
        name = v.displayName() or root
        label = name if name == root else f"{name} ({root})"
        out.append(Volume(root, label, v.bytesAvailable()))
    return out


def dialog_start(chosen: str | None = None) -> str:
    """Where a file dialog opens: the place already chosen, else the first USB stick, else
    the user's home folder (never the program's working directory)."""
    if chosen:
        return str(chosen)
    volumes = removable_volumes()
    return volumes[0].path if volumes else str(Path.home())
