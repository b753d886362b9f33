"""Where the shipped resources live: one function, the same from source, installed and frozen.

The files sit in `<repo>/resources/`, installed as the package `khdesk.resources`
(pyproject.toml maps the folder there, in a wheel and in an editable install alike) and
read through importlib.resources. In a PyInstaller bundle they are at
`<sys._MEIPASS>/khdesk/resources/` (the spec copies the folder to the same place).
ReportLab, openpyxl and Qt want real file paths: a wheel installs the package as a real
folder, so its path is used as it is.
"""

from __future__ import annotations

import importlib.resources
import sys
from pathlib import Path

__all__ = ["resource_path", "resources_root"]

PACKAGE = "khdesk.resources"


def resources_root() -> Path:
    """The `resources/` folder of this installation."""
    frozen = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's bootloader
    if frozen:
        return Path(frozen) / "khdesk" / "resources"
    # A source checkout (an editable install, or run with PYTHONPATH=<repo> while another
    # checkout is installed): the folder beside this khdesk/ is the one that belongs to it.
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file():
        return repo / "resources"
    root = importlib.resources.files(PACKAGE)
    if not isinstance(root, Path):  # e.g. imported from a zip: no real paths to hand out
        raise RuntimeError(f"{PACKAGE} phải được cài thành thư mục thật, không nén ({root}).")
    return root


def resource_path(*parts: str) -> Path:
    """A path inside `resources/`, e.g. `resource_path("rulebooks", "294-2025.json")`."""
    return resources_root().joinpath(*parts)
