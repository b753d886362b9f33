"""The caps on what an Excel/CSV import reads (issue 15, finding 6), and their checks.

A spreadsheet from outside is hostile until checked: a few MB of zip can inflate to GBs,
and a sheet can hold a million rows. Each cap is checked before memory grows: the file
size and the zip's own table first (declared sizes, compression ratio, number of parts),
then each sheet streamed in 1 MiB pieces (actual inflated size, rows) before it is parsed,
then rows, columns and cell lengths while it is read. Past a cap the import stops with an
InputError naming the cap and where; nothing is written.

Sized for the province dataset (≈100,000 rows in its biggest sheet: 90,000 members, a
70 MB sheet inside a 12.5 MB workbook; 13.5 MB as CSV) with at least twice that as
headroom. README.md ("Nhập từ Excel/CSV") lists them for users.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from khdesk.core.errors import InputError

MIB = 1024 * 1024

MAX_XLSX_BYTES = 64 * MIB  # an .xlsx file (the province's: 12.5 MB)
MAX_CSV_BYTES = 32 * MIB  # one .csv file (the province's biggest: 13.5 MB); read whole
MAX_CSV_TOTAL_BYTES = 64 * MIB  # a folder of .csv files together (the province's: 24 MB)
MAX_SHEET_BYTES = 256 * MIB  # one worksheet part, inflated
# The shared strings are loaded whole by openpyxl: 32 MB of them take ≈200 MB of memory.
MAX_SHARED_STRINGS_BYTES = 32 * MIB
MAX_PART_BYTES = 16 * MIB  # any other part (styles, the workbook...), inflated
MAX_TOTAL_BYTES = 320 * MIB  # all parts together, inflated (the province's: 120 MB)
MAX_RATIO = 100  # inflated / compressed, for a part over 1 MiB (a real sheet: ≈10)
MAX_PARTS = 1_000  # files inside the zip
MAX_SHEETS = 50
MAX_ROWS = 250_000  # rows (lines of a CSV) per sheet, the header and title lines included
MAX_COLUMNS = 256  # the widest template sheet has 50
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell
MAX_LINE_BYTES = 1 * MIB  # one line of a CSV file
# A header a column map names or remembers (column_map.py): the template's longest is 36.
MAX_HEADER_CHARS = 255
MAX_MAP_BYTES = 256 * 1024  # a column map file (`import --map`): a few KB in practice

_CHUNK = MIB


def _n(value: int) -> str:
    """A count the Vietnamese way: 250.000."""
    return f"{value:,}".replace(",", ".")


def _mb(size: int) -> str:
    return f"{size / MIB:,.0f} MB".replace(",", ".")


def _unsafe(name: str, why: str) -> InputError:
    return InputError(f"Không nhập tệp '{name}': {why} — tệp hỏng hoặc được làm ra để phá.")


def check_file_size(path: Path) -> None:
    size = path.stat().st_size
    cap = MAX_CSV_BYTES if path.suffix.lower() == ".csv" else MAX_XLSX_BYTES
    if size > cap:
        raise InputError(
            f"Tệp '{path.name}' lớn {_mb(size)}, quá giới hạn nhập {_mb(cap)} một tệp — hãy "
            "chia dữ liệu thành nhiều tệp."
        )


def check_csv_folder(files: list[Path]) -> None:
    """A folder of CSV files within the caps: how many, and their size together (they are
    all read before anything is imported)."""
    if len(files) > MAX_SHEETS:
        raise InputError(
            f"Có {_n(len(files))} tệp .csv, quá giới hạn nhập {_n(MAX_SHEETS)} trang một lần."
        )
    total = sum(f.stat().st_size for f in files)
    if total > MAX_CSV_TOTAL_BYTES:
        raise InputError(
            f"Các tệp .csv lớn {_mb(total)} cộng lại, quá giới hạn nhập "
            f"{_mb(MAX_CSV_TOTAL_BYTES)} một lần — hãy nhập làm nhiều lần."
        )


def _is_sheet(part: str) -> bool:
    return part.startswith("xl/worksheets/") and part.endswith(".xml")


def check_zip(path: Path) -> dict[str, int]:
    """The workbook within the caps before openpyxl opens it (openpyxl parses a whole
    sheet at load time when the sheet does not state its size). First the zip's table: the
    number of parts (from the end record, before zipfile builds an object per part), each
    part's declared size and compression ratio, the total and the number of sheets;
    zipfile never inflates a part past its declared size (it stops, then finds the CRC
    wrong), so these cap what is inflated. Then each sheet streamed, its rows counted.
    Returns the rows of each sheet, by sheet name."""
    name = path.name
    try:
        with open(path, "rb") as f:
            end = zipfile._EndRecData(f)  # the library's own end-record reader
    except (OSError, AttributeError):
        end = None
    if end and end[zipfile._ECD_ENTRIES_TOTAL] > MAX_PARTS:
        count = end[zipfile._ECD_ENTRIES_TOTAL]
        raise _unsafe(name, f"có {_n(count)} phần bên trong, quá giới hạn {_n(MAX_PARTS)}")
    try:
        with zipfile.ZipFile(path) as z:
            _check_parts(name, z.infolist())
            titles = _sheet_titles(z)
            rows = {}
            for info in z.infolist():
                if _is_sheet(info.filename):
                    title = titles.get(info.filename, info.filename)
                    with z.open(info) as stream:
                        rows[title] = count_sheet_rows(stream, name, title)
            return rows
    except InputError:
        raise
    except Exception:  # not a zip, or a damaged one (zlib, CRC...): openpyxl says so
        return {}


def _check_parts(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise _unsafe(name, f"có {_n(len(infos))} phần bên trong, quá giới hạn {_n(MAX_PARTS)}")
    total = sheets = 0
    for info in infos:
        if _is_sheet(info.filename):
            cap = MAX_SHEET_BYTES
        elif info.filename.endswith("sharedStrings.xml"):
            cap = MAX_SHARED_STRINGS_BYTES
        else:
            cap = MAX_PART_BYTES
        if info.file_size > cap:
            raise _unsafe(
                name,
                f"phần '{info.filename}' giải nén ra {_mb(info.file_size)}, quá giới hạn "
                f"{_mb(cap)}",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MIB and ratio > MAX_RATIO:
            raise _unsafe(
                name,
                f"phần '{info.filename}' nén tới {ratio:,.0f} lần, quá giới hạn {MAX_RATIO} lần",
            )
        total += info.file_size
        sheets += _is_sheet(info.filename)
    if total > MAX_TOTAL_BYTES:
        raise _unsafe(name, f"giải nén ra {_mb(total)}, quá giới hạn {_mb(MAX_TOTAL_BYTES)}")
    if sheets > MAX_SHEETS:
        raise InputError(
            f"Tệp '{name}' có {_n(sheets)} trang, quá giới hạn nhập {_n(MAX_SHEETS)} trang."
        )


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _sheet_titles(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part -> the sheet's name, to name it in a message; empty when the workbook's
    own parts are missing, odd or big (the part names serve then)."""
    try:
        parts = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
        if any(z.getinfo(p).file_size > MIB for p in parts):
            return {}
        book, rels = (ElementTree.fromstring(z.read(p)) for p in parts)
        targets = {r.get("Id"): r.get("Target") or "" for r in rels}
        titles = {}
        for sheet in book.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id"), "")
            part = target[1:] if target.startswith("/") else f"xl/{target}"
            titles[part] = sheet.get("name") or part
        return titles
    except Exception:  # a damaged workbook: openpyxl will say so
        return {}


# A row element, with or without a namespace prefix (<row r="1">, <x:row>, <row/>).
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def count_sheet_rows(source: IO[bytes], file_name: str, sheet: str) -> int:
    """Rows of a worksheet part, streamed in 1 MiB pieces without parsing: refused past
    MAX_ROWS or past MAX_SHEET_BYTES actually inflated (whatever the zip declared)."""
    carry, rows, size = b"", 0, 0
    while chunk := source.read(_CHUNK):
        size += len(chunk)
        if size > MAX_SHEET_BYTES:
            raise _unsafe(file_name, f"trang '{sheet}' giải nén ra quá {_mb(MAX_SHEET_BYTES)}")
        buf = carry + chunk
        # Count up to the last '<' (a tag cut in two is counted with the next piece),
        # unless what follows it is already longer than any row tag.
        cut = buf.rfind(b"<")
        if cut < 0 or len(buf) - cut > 64:
            cut = len(buf)
        rows += len(_ROW_TAG.findall(buf, 0, cut))
        carry = buf[cut:]
        if rows > MAX_ROWS:
            raise too_many_rows(sheet)
    rows += len(_ROW_TAG.findall(carry))
    if rows > MAX_ROWS:
        raise too_many_rows(sheet)
    return rows


def too_many_rows(sheet: str) -> InputError:
    return InputError(
        f"Trang '{sheet}' có hơn {_n(MAX_ROWS)} dòng, quá giới hạn nhập {_n(MAX_ROWS)} dòng "
        "một trang — hãy chia thành nhiều tệp."
    )


def too_many_columns(sheet: str, row: int, column: str) -> InputError:
    return InputError(
        f"Trang '{sheet}', dòng {row}: có dữ liệu ở cột {column}, quá giới hạn nhập "
        f"{MAX_COLUMNS} cột."
    )


def cell_too_long(sheet: str, row: int, column: str, length: int) -> InputError:
    return InputError(
        f"Trang '{sheet}', dòng {row}, cột {column}: ô dài {_n(length)} ký tự, quá giới hạn "
        f"{_n(MAX_CELL_CHARS)} ký tự một ô."
    )


def check_csv_lines(path: Path) -> int:
    """A CSV file's lines, streamed in 1 MiB pieces before it is read whole: refused past
    MAX_ROWS lines or a line past MAX_LINE_BYTES. Returns the longest line's length."""
    lines = run = longest = 0  # `run`: the length of the line not ended yet
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            parts = chunk.split(b"\n")
            run += len(parts[0])
            if len(parts) > 1:
                widest = max(run, max(map(len, parts[1:-1]), default=0))
                if widest > MAX_LINE_BYTES:
                    at = [run, *map(len, parts[1:-1])].index(widest)
                    raise _line_too_long(path, lines + at + 1)
                longest = max(longest, widest)
                lines += len(parts) - 1
                run = len(parts[-1])
            if run > MAX_LINE_BYTES:
                raise _line_too_long(path, lines + 1)
            if lines + (run > 0) > MAX_ROWS:
                raise InputError(
                    f"Tệp '{path.name}' có hơn {_n(MAX_ROWS)} dòng, quá giới hạn nhập "
                    f"{_n(MAX_ROWS)} dòng một trang — hãy chia thành nhiều tệp."
                )
    return max(longest, run)


def _line_too_long(path: Path, line: int) -> InputError:
    return InputError(
        f"Tệp '{path.name}', dòng {_n(line)}: dài quá {_mb(MAX_LINE_BYTES)}, quá giới hạn một "
        "dòng — không phải tệp CSV của mẫu nhập liệu."
    )
