"""Where the shipped resources live: one function, the same from source and when frozen.

From the source tree the folder is `<repo>/resources/`; in a PyInstaller bundle it is
`<sys._MEIPASS>/resources/` (the spec copies the folder there under the same name).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "resources_root"]


def resources_root() -> Path:
    """The `resources/` folder of this installation."""
    frozen = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's bootloader
    if frozen:
        return Path(frozen) / "resources"
    # khdesk/core/resources.py -> parents[2] is the repository root
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside `resources/`, e.g. `resource_path("rulebooks", "294-2025.json")`."""
    return resources_root().joinpath(*parts)
