"""Issue 15, finding 6: an import reads within documented caps (khdesk/core/io/limits.py).

Each hostile file is dry-run imported in a fresh process (its own peak resident memory,
VmHWM: see hostile_sheets.py) on a real encrypted profile, and must be refused at its cap
with a Vietnamese message naming the cap and where, under 300 MB. No wall-clock asserts:
the time to refuse is the bench's (tests/bench/bench_import_caps.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from khdesk.core.errors import InputError
from khdesk.core.io import limits
from khdesk.core.io.tabular import read_tables
from tests.reliability import hostile_sheets as hostile

MAX_RSS_MB = 300


def dry_run_in_subprocess(home: Path, path: Path) -> dict:
    from khdesk.core.store import keyslots
    from tests.conftest import FAST_KDF, PASSWORD

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        return hostile.import_in_subprocess(home, PASSWORD, path)


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def test_finding_6_inflating_xlsx_refused_at_cap(hostile_dir, tmp_path):
    bomb = hostile.inflating_xlsx(hostile_dir)  # 2 GiB inflated, ≈5 MB on disk
    assert bomb.stat().st_size < 8 * hostile.MIB
    out = dry_run_in_subprocess(tmp_path / "home", bomb)
    assert out["refused"] and "256 MB" in out["refused"] and "sheet1.xml" in out["refused"]
    assert out["rss_mb"] < MAX_RSS_MB, out


def test_finding_6_zip_that_lies_about_sizes_inflates_no_further(hostile_dir, tmp_path):
    # The zip claims 10 kB for the 2 GiB sheet: zipfile stops there and finds the CRC wrong.
    liar = hostile.inflating_xlsx(hostile_dir, declared=10_000)
    out = dry_run_in_subprocess(tmp_path / "home", liar)
    assert out["refused"] and "bom-noi-doi.xlsx" in out["refused"]
    assert out["rss_mb"] < MAX_RSS_MB, out


def test_finding_6_million_row_sheet_refused_at_cap(hostile_dir, tmp_path):
    sheet = hostile.million_row_xlsx(hostile_dir)
    out = dry_run_in_subprocess(tmp_path / "home", sheet)
    assert out["refused"] == str(limits.too_many_rows("Đảng viên"))
    assert "250.000" in out["refused"]
    assert out["rss_mb"] < MAX_RSS_MB, out


def test_finding_6_junk_csv_refused_at_cap(hostile_dir, tmp_path):
    junk = hostile.junk_csv(hostile_dir)  # 50 MB of random words, commas, quotes
    out = dry_run_in_subprocess(tmp_path / "home", junk)
    assert out["refused"] == "Tệp 'rac.csv' lớn 50 MB, quá giới hạn nhập 32 MB một tệp — " + (
        "hãy chia dữ liệu thành nhiều tệp."
    )
    assert out["rss_mb"] < MAX_RSS_MB, out
    # Just under the cap: not a template sheet, known from its first lines, not read whole.
    with open(junk, "r+b") as f:
        f.truncate(limits.MAX_CSV_BYTES - 1)
    out = dry_run_in_subprocess(tmp_path / "home2", junk)
    assert out["refused"] is None and "không có trong mẫu" in out["problems"][0]
    assert out["rss_mb"] < MAX_RSS_MB, out
    # Named as a template sheet it is read, and refused at the column cap.
    named = junk.rename(hostile_dir / "Đảng viên.csv")
    out = dry_run_in_subprocess(tmp_path / "home3", named)
    assert out["refused"] and f"quá giới hạn nhập {limits.MAX_COLUMNS} cột" in out["refused"]
    assert out["rss_mb"] < MAX_RSS_MB, out


# ----------------------------------------------------------------- each cap, small and fast


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\r\n" for line in lines), encoding="utf-8-sig")
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(InputError) as err:
        read_tables(path)
    return err.value.message


HEADER = "Họ và tên,Giới tính,Ngày sinh,Mã chi bộ"


def test_finding_6_csv_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 5)
    path = _csv(tmp_path / "Đảng viên.csv", [HEADER] + ["A,Nam,01/01/1990,CB01"] * 5)
    assert "5 dòng" in _refusal(path)
    monkeypatch.setattr(limits, "MAX_LINE_BYTES", 100)
    path = _csv(tmp_path / "Đảng viên.csv", [HEADER, "A" * 200 + ",Nam,01/01/1990,CB01"])
    assert "dòng 2" in _refusal(path)
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", 10)
    assert "quá giới hạn nhập" in _refusal(path)


def test_finding_6_csv_folder_caps(tmp_path, monkeypatch):
    folder = tmp_path / "thu-muc"
    folder.mkdir()
    for name in ("Đảng viên", "Quần chúng", "Đơn vị"):
        _csv(folder / f"{name}.csv", [HEADER, "A,Nam,01/01/1990,CB01"])
    monkeypatch.setattr(limits, "MAX_SHEETS", 2)
    assert "3 tệp .csv" in _refusal(folder)
    monkeypatch.setattr(limits, "MAX_SHEETS", 50)
    monkeypatch.setattr(limits, "MAX_CSV_TOTAL_BYTES", 100)
    assert "cộng lại" in _refusal(folder)


def test_finding_6_columns_and_cell_length(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_COLUMNS", 6)
    wide = _csv(tmp_path / "Đảng viên.csv", [HEADER + ",,,,x", "A,Nam,01/01/1990,CB01,,,,"])
    assert "cột G" in _refusal(wide)
    # Empty cells past the cap (Excel keeps formatted ones) are not data: cut, not refused.
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Đảng viên"
    ws.append(HEADER.split(","))
    ws.append(["Lê Văn A", "Nam", "01/01/1990", "X01-CB01"])
    ws.cell(2, 300).number_format = "@"  # a formatted, empty cell far to the right
    ws.cell(1, 300).value = None
    wb.save(tmp_path / "rong.xlsx")
    assert read_tables(tmp_path / "rong.xlsx").sheets["members"][0].values["full_name"]
    ws.cell(3, 7).value = "dữ liệu"
    wb.save(tmp_path / "rong.xlsx")
    assert "dòng 3" in _refusal(tmp_path / "rong.xlsx")

    monkeypatch.setattr(limits, "MAX_CELL_CHARS", 50)
    (tmp_path / "dai").mkdir()
    long = _csv(tmp_path / "dai" / "Đảng viên.csv", [HEADER, "B" * 60 + ",Nam,01/01/1990,CB01"])
    assert "dòng 2, cột 'Họ và tên': ô dài 60 ký tự" in _refusal(long)


def test_finding_6_shared_strings_capped(tmp_path, monkeypatch):
    # openpyxl loads the whole table at once: a big one is refused from its declared size.
    path = hostile.shared_strings_xlsx(tmp_path, 100_000)  # ≈2 MB inflated
    monkeypatch.setattr(limits, "MAX_SHARED_STRINGS_BYTES", hostile.MIB)
    assert "'xl/sharedStrings.xml' giải nén ra 2 MB, quá giới hạn 1 MB" in _refusal(path)


def test_finding_6_zip_parts_and_sheets(tmp_path, monkeypatch):
    from openpyxl import Workbook

    wb = Workbook()
    for i in range(3):
        wb.create_sheet(f"Phụ {i}")
    wb.save(tmp_path / "nhieu.xlsx")
    monkeypatch.setattr(limits, "MAX_SHEETS", 3)
    assert "4 trang" in _refusal(tmp_path / "nhieu.xlsx")
    monkeypatch.setattr(limits, "MAX_PARTS", 5)
    assert "phần bên trong" in _refusal(tmp_path / "nhieu.xlsx")


def test_finding_6_progress_while_reading_and_cancel(tmp_path):
    """Reading reports progress every few thousand rows: the UI's cancel stops it there."""
    from khdesk.core.errors import Cancelled
    from khdesk.core.io.tabular import write_tables
    from khdesk.core.progress import CancelToken

    rows = [
        {"full_name": f"Người {i}", "sex": "Nam", "birth_date": None, "org_code": "X01-CB01"}
        for i in range(25_000)
    ]
    write_tables(tmp_path / "dv.xlsx", {"members": rows})
    seen = []
    cancel = CancelToken()

    def progress(p):
        seen.append((p.what, p.done, p.total))
        if p.done >= 20_000:
            cancel.cancel()  # the user presses "Hủy" while the sheet is being read

    with pytest.raises(Cancelled):
        read_tables(tmp_path / "dv.xlsx", progress=progress, cancel=cancel)
    reads = [s for s in seen if "Đảng viên" in s[0]]
    assert reads[0][1:] == (0, 25_001) and reads[-1][1] == 20_000
