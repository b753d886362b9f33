"""Hostile spreadsheets, built small and fast (issue 15, finding 6): a workbook whose sheet
inflates to 2 GiB (a few MB on disk), one whose zip lies about that size, a sheet of
1,048,576 rows, a 50 MB junk CSV. Shared by tests/reliability/test_import_caps.py and
tests/bench/bench_import_caps.py.

The 2 GiB sheet is never held nor compressed in full: after a full flush deflate starts
afresh, so 1 MiB of rows compresses to the same bytes every time and the stream is that
piece repeated; the sheet is stored, then its zip headers are set to what deflate wrote.
"""

from __future__ import annotations

import json
import random
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GIB = 1024**3
MIB = 1024**2
SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
    b'<row><c t="inlineStr"><is><t>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</t></is></c></row>'
)
_TAIL = b"</sheetData></worksheet>"


def _base_workbook(path: Path) -> None:
    """A real workbook with one sheet, 'Đảng viên', for the hostile sheet to replace."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Đảng viên"
    wb.active.append(["Họ và tên"])
    wb.save(path)


def _replace_sheet(path: Path, out: Path, stored: bytes) -> None:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename == SHEET:
                dst.writestr(zipfile.ZipInfo(SHEET), stored, zipfile.ZIP_STORED)
            else:
                dst.writestr(info, src.read(info.filename), zipfile.ZIP_DEFLATED)


def _patch_sheet_headers(path: Path, crc: int, size: int, declared: int | None = None) -> None:
    """Mark the stored sheet as deflated, with its CRC and sizes (local header and central
    directory): `declared` is the inflated size the zip claims (a lie when not `size`)."""
    data = bytearray(path.read_bytes())
    name = SHEET.encode()
    claim = size if declared is None else declared
    # (signature, offset of: name length, name, method, CRC, inflated size)
    for signature, name_len, name_at, method, crc_at, size_at in (
        (b"PK\x03\x04", 26, 30, 8, 14, 22),  # local header
        (b"PK\x01\x02", 28, 46, 10, 16, 24),  # central directory
    ):
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + name_len)[0]
            if data[at + name_at : at + name_at + length] == name:
                struct.pack_into("<H", data, at + method, zipfile.ZIP_DEFLATED)
                struct.pack_into("<I", data, at + crc_at, crc)
                struct.pack_into("<I", data, at + size_at, claim)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def inflating_xlsx(folder: Path, inflated: int = 2 * GIB, declared: int | None = None) -> Path:
    """An .xlsx whose sheet inflates to `inflated` bytes (rows of 1,000 letters); its zip
    claims `declared` (default: the truth)."""
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    block = row * (MIB // len(row))
    pieces = (inflated - len(_HEAD) - len(_TAIL)) // len(block)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = deflate.compress(_HEAD) + deflate.flush(zlib.Z_FULL_FLUSH)
    unit = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert unit == again  # the property the construction relies on
    tail = deflate.compress(_TAIL) + deflate.flush()
    crc = zlib.crc32(_HEAD)
    for _ in range(pieces):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(_TAIL, crc)
    size = len(_HEAD) + pieces * len(block) + len(_TAIL)
    base = folder / "base.xlsx"
    _base_workbook(base)
    out = folder / ("bom.xlsx" if declared is None else "bom-noi-doi.xlsx")
    _replace_sheet(base, out, head + unit * pieces + tail)
    _patch_sheet_headers(out, crc & 0xFFFFFFFF, size, declared)
    return out


def million_row_xlsx(folder: Path, rows: int = 1_048_576) -> Path:
    """An .xlsx whose sheet 'Đảng viên' has `rows` rows (Excel's most), a numbered name in
    each (so it compresses like a real sheet, ≈15:1)."""
    base = folder / "base.xlsx"
    _base_workbook(base)
    out = folder / "trieu-dong.xlsx"
    name = "Nguyễn Văn".encode()
    row = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s %d</t></is></c></row>'
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != SHEET:
                dst.writestr(info, src.read(info.filename), zipfile.ZIP_DEFLATED)
                continue
            sheet = zipfile.ZipInfo(SHEET, info.date_time)
            sheet.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(sheet, "w") as f:
                f.write(_HEAD)
                for start in range(2, rows + 1, 65536):
                    stop = min(start + 65536, rows + 1)
                    f.write(b"".join(row % (n, n, name, n) for n in range(start, stop)))
                f.write(_TAIL)
    return out


def shared_strings_xlsx(folder: Path, count: int) -> Path:
    """An .xlsx whose shared strings table holds `count` distinct strings (openpyxl loads
    that table whole before any sheet is read)."""
    base = folder / "base.xlsx"
    _base_workbook(base)
    out = folder / "chu-dung-chung.xlsx"
    part = b"/xl/sharedStrings.xml"
    kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                override = b'<Override PartName="%s" ContentType="%s"/>' % (part, kind)
                data = data.replace(b"</Types>", override + b"</Types>")
            dst.writestr(info.filename, data)
        with dst.open("xl/sharedStrings.xml", "w") as f:
            head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            f.write(b'<?xml version="1.0"?>%s count="%d" uniqueCount="%d">' % (head, count, count))
            for start in range(0, count, 100_000):
                stop = min(count, start + 100_000)
                f.write(b"".join(b"<si><t>s%d</t></si>" % i for i in range(start, stop)))
            f.write(b"</sst>")
    return out


def junk_csv(folder: Path, size: int = 50 * MIB, seed: int = 15) -> Path:
    """`size` bytes of printable junk: random words, commas, lines of a few hundred bytes."""
    rng = random.Random(seed)
    words = [
        bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789=+-@'\"") for _ in range(n))
        for n in rng.choices(range(1, 12), k=5000)
    ]
    line = b",".join(rng.choice(words) for _ in range(2000))
    out = folder / "rac.csv"
    with open(out, "wb") as f:
        written = 0
        while written < size:
            cut = rng.randrange(200, 600)
            start = rng.randrange(0, len(line) - cut)
            piece = line[start : start + cut] + b"\n"
            f.write(piece)
            written += len(piece)
    return out


# One import in a process of its own: the refusal or the report, the time of import_file
# alone and the process's peak resident memory.
_IMPORT = """
import json, resource, sys, time
from pathlib import Path
from khdesk.core.errors import InputError
from khdesk.core.services.session import open_profile
from khdesk.core.services.importer import import_file

session = open_profile(Path(sys.argv[1]), "KH", "bithu", sys.argv[2])
calls = []
start = time.perf_counter()
try:
    report = import_file(
        session, Path(sys.argv[3]), dry_run=sys.argv[4] == "dry",
        progress=lambda *a: calls.append(a),
    )
    refused, problems, rows = None, [str(p) for p in report.problems], report.rows
except InputError as exc:
    refused, problems, rows = exc.message, [], 0
seconds = time.perf_counter() - start
session.close()
# Linux keeps ru_maxrss across fork and exec: a child of a big parent reports at least the
# parent's size. VmHWM is this process's own peak (a new address space since exec).
try:
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "refused": refused, "problems": problems, "rows": rows, "seconds": seconds,
    "progress_calls": len(calls), "rss_mb": peak,
}))
"""


def import_in_subprocess(home: Path, password: str, path: Path, dry_run: bool = True) -> dict:
    """Import `path` into a new province profile at `home`, made here with the key
    derivation in force (making a profile costs more memory than opening it), in a fresh
    process; its outcome as a dict (see _IMPORT)."""
    from khdesk.core.services import profiles

    session, _ = profiles.create_profile(
        home,
        role="province",
        org_code="KH",
        org_name="Tỉnh ủy Khánh Hòa",
        user="bithu",
        password=password,
    )
    session.close()
    mode = "dry" if dry_run else "real"
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT, str(home), password, str(path), mode],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(home)},
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])
