"""The Windows installer script compiles (makensis, Debian's `nsis`) over a stand-in
program folder, with the one version number; the full build is installer/build.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from khdesk import __version__

ROOT = Path(__file__).resolve().parents[3]
NSI = ROOT / "installer" / "khdesk.nsi"
SPEC = ROOT / "installer" / "khdesk.spec"
MAKENSIS = shutil.which("makensis")


@pytest.mark.skipif(MAKENSIS is None, reason="makensis not installed (apt-get install nsis)")
def test_nsis_script_compiles_with_the_version(tmp_path):
    onedir = tmp_path / "khdesk"
    (onedir / "_internal" / "khdesk" / "resources").mkdir(parents=True)
    for name in ("khdesk.exe", "khdesk-cli.exe", "_internal/khdesk/resources/x.json"):
        (onedir / name).write_bytes(b"stand-in")
    out = tmp_path / f"khdesk-{__version__}-setup.exe"
    done = subprocess.run(
        [
            MAKENSIS,
            "-V2",
            f"-DVERSION={__version__}",
            f"-DSRCDIR={onedir}",
            f"-DOUTFILE={out}",
            str(NSI),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = out.read_bytes()
    assert data[:2] == b"MZ"
    # The version resource carries the one number (UTF-16 in the .exe).
    assert __version__.encode("utf-16-le") in data


def test_nsis_script_refuses_old_windows_and_keeps_user_data():
    text = NSI.read_text(encoding="utf-8")
    assert "${AtLeastWin10}" in text and "${RunningX64}" in text
    assert "RequestExecutionLevel admin" in text
    assert "$PROGRAMFILES64" in text
    # The uninstaller removes the program's own files only, never a data directory.
    uninstall = text.split('Section "Uninstall"', 1)[1]
    assert "APPDATA" not in uninstall and "$PROFILE" not in uninstall
    assert 'RMDir /r "$INSTDIR"' not in uninstall


def test_spec_ships_the_lazily_imported_native_parts():
    """pypdfium2 (print preview, native PDFium) and psycopg with psycopg_binary (its own
    libpq) are reached only by imports inside functions or by name at run time: the spec
    lists them, and the frozen --self-test (steps "Xem trước bản in", "Trình điều khiển
    PostgreSQL") proves they load."""
    text = SPEC.read_text(encoding="utf-8")
    for name in (
        '"pypdfium2"',
        '"pypdfium2_raw"',
        'collect_submodules(\n        "psycopg"',
        '"psycopg_binary"',
        '"psycopg_binary.pq"',
        '"psycopg_binary._psycopg"',
        '"sqlalchemy.dialects.postgresql.psycopg"',
    ):
        assert name in text, name
    excludes = text.split("excludes = [", 1)[1].split("\n]\n", 1)[0]
    assert "psycopg" not in excludes and "pdfium" not in excludes
