"""An office's own spreadsheet (issue 18, item 6): its headers mapped to the template's
fields, suggested by folded header similarity, checked strictly, remembered by the
sheet's header set; the same data through a map lands exactly as through the template."""

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from khdesk.core.domain import template as tpl
from khdesk.core.errors import InputError
from khdesk.core.io import limits
from khdesk.core.io.column_map import (
    check_choice,
    header_set_key,
    load_map_file,
    parse_map,
    suggest,
    suggest_sheet,
)
from khdesk.core.io.tabular import preview_sheet, read_heads, write_tables
from khdesk.core.services import column_maps
from khdesk.core.services.importer import import_file
from khdesk.core.services.session import settings_path
from khdesk.core.store import schema as t
from tests.conftest import make_profile

ORG = "X01-CB01"
CANDIDATES = tpl.SHEETS_BY_KEY["candidates"]
MEMBERS = tpl.SHEETS_BY_KEY["members"]


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Ngày sinh", "birth_date"),
        ("NGAY SINH", "birth_date"),
        ("Ng.sinh", "birth_date"),
        ("ngày/tháng/năm sinh", "birth_date"),
        ("Họ tên", "full_name"),
        ("HỌ VÀ TÊN", "full_name"),
        ("GT", "sex"),
        ("CCCD", "cccd"),
        ("Mã CB", "org_code"),
        ("Ngày cấp CN", "a2_cert_on"),
        ("Số CN", "a2_cert_no"),
        ("birth_date", "birth_date"),
        ("STT", None),  # a row number, not "Số tán thành"
        ("Điện thoại", None),  # no such field: nothing guessed
    ],
)
def test_suggestion_for_a_header(header, key):
    assert suggest(CANDIDATES, [header]) == {header: key}


def test_suggestions_give_each_field_once_and_keep_template_headers_first():
    headers = ["Ng.sinh", "Ngày sinh", "Họ tên", "Mã CB"]
    assert suggest(CANDIDATES, headers) == {
        "Ng.sinh": None,  # "Ngày sinh" is the template's own: it wins the field
        "Ngày sinh": "birth_date",
        "Họ tên": "full_name",
        "Mã CB": "org_code",
    }


def test_header_set_key_ignores_order_case_and_accents():
    a = header_set_key(CANDIDATES, ["Họ tên", "Ng.sinh", None, "GT"])
    assert a == header_set_key(CANDIDATES, ["gt", "HO TEN", "ng.sinh "])
    assert a != header_set_key(MEMBERS, ["Họ tên", "Ng.sinh", "GT"])
    assert a != header_set_key(CANDIDATES, ["Họ tên", "Ng.sinh"])


# --------------------------------------------------------------------------- the data

PEOPLE = [
    # name, sex, birth, cccd, source on, cert on, cert no
    ("Nguyễn Thị Hoa", "Nữ", date(2000, 5, 4), "056300001234", date(2025, 1, 10)),
    ("Trần Văn Bình", "Nam", date(1998, 11, 30), "056098004321", date(2025, 2, 3)),
    ("Lê Thị Ánh Tuyết", "Nữ", date(2003, 1, 15), None, date(2025, 6, 1)),
    ("Phạm Minh Đức", "Nam", date(1995, 7, 9), "056095000777", date(2024, 12, 20)),
]
MEMBERS_DATA = [
    ("Võ Văn Tâm", "Nam", date(1970, 3, 2), date(1995, 5, 19), date(1996, 5, 19), "Chính thức"),
    ("Đặng Thị Lan", "Nữ", date(1988, 8, 8), date(2025, 9, 2), None, "Dự bị"),
]

FOREIGN_FILES = [
    "STT",
    "Ng.sinh",
    "HỌ TÊN",
    "GT",
    "Mã CB",
    "CCCD",
    "Ngày vào nguồn",
    "Điện thoại",
]
FOREIGN_MEMBERS = [
    "Họ tên",
    "GT",
    "ngày/tháng/năm sinh",
    "Mã chi bộ",
    "Ngày vào Đảng",
    "Ngày CT",
    "TT",
]

MAP = {
    "Quần chúng": {
        "STT": None,
        "Ng.sinh": "birth_date",
        "HỌ TÊN": "full_name",
        "GT": "sex",
        "Mã CB": "org_code",
        "CCCD": "cccd",
        "Điện thoại": None,
    },
    "members": {
        "Họ tên": "full_name",
        "GT": "sex",
        "ngày/tháng/năm sinh": "birth_date",
        "Ngày CT": "official_on",
        "TT": "status",
    },
}


def template_file(path: Path) -> Path:
    files = [
        {
            "full_name": n,
            "sex": s,
            "birth_date": b,
            "cccd": c,
            "org_code": ORG,
            "a1_source_on": a1,
        }
        for n, s, b, c, a1 in PEOPLE
    ]
    members = [
        {
            "full_name": n,
            "sex": s,
            "birth_date": b,
            "org_code": ORG,
            "admitted_on": adm,
            "official_on": off,
            "status": st,
        }
        for n, s, b, adm, off, st in MEMBERS_DATA
    ]
    write_tables(path, {"candidates": files, "members": members})
    return path


def foreign_file(path: Path, people=PEOPLE, titles=("Quần chúng", "Đảng viên")) -> Path:
    """The office's own workbook: a title line, its own headers in its own order, typed
    dates as text and as Excel dates, a phone column the template does not have; its
    sheets named `titles` (the template's names unless told)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = titles[0]
    ws.append(["DANH SÁCH QUẦN CHÚNG ƯU TÚ — CHI BỘ THÔN TÂN ĐỨC"])
    ws.append(FOREIGN_FILES)
    for i, (n, s, b, c, a1) in enumerate(people, 1):
        source_on = datetime(a1.year, a1.month, a1.day)
        ws.append([i, f"{b:%d/%m/%Y}", n, s, ORG, c, source_on, "0905 123 456"])
    # The template's own header read the usual way: "Ngày vào nguồn" needs no map.
    members = book.create_sheet(titles[1])
    members.append(FOREIGN_MEMBERS)
    for n, s, b, adm, off, st in MEMBERS_DATA:
        members.append([n, s, b, ORG, adm, off, st])
    book.save(path)
    return path


BOOKKEEPING = {"id", "uuid", "updated_at", "change_seq", "candidate_uuid"}


def rows_of(session) -> dict[str, list[tuple]]:
    """Every stored row of the imported tables but what differs by nature (ids, uuids,
    times); steps named by their file's code."""
    out = {}
    with session.store.read() as conn:
        codes = dict(conn.execute(select(t.candidates.c.uuid, t.candidates.c.file_code)).all())
        for table in (t.candidates, t.members, t.steps):
            cols = [c for c in table.c if c.name not in BOOKKEEPING]
            rows = []
            for r in conn.execute(
                select(*cols, *[c for c in table.c if c.name == "candidate_uuid"])
            ):
                m = dict(r._mapping)
                if "candidate_uuid" in m:
                    m["file_code"] = codes[m.pop("candidate_uuid")]
                rows.append(tuple(sorted(m.items())))
            out[table.name] = sorted(rows)
    return out


def test_foreign_sheet_through_a_saved_map_lands_as_the_template_does(tmp_path, clock):
    ref, _ = make_profile(tmp_path / "ref", "cell", ORG, "Chi bộ thôn Tân Đức", clock, "X01")
    office, _ = make_profile(tmp_path / "office", "cell", ORG, "Chi bộ thôn Tân Đức", clock, "X01")
    try:
        report = import_file(ref, template_file(tmp_path / "mau.xlsx"))
        assert report.committed and report.problems == [] and report.mapped == {}

        # Without a map the office's sheet imports nothing and says why.
        own = foreign_file(tmp_path / "ds-quan-chung.xlsx")
        plain = import_file(office, own, dry_run=True)
        assert plain.changed == 0 and plain.problems

        # The first month's list, through the map the user chose: remembered.
        first = foreign_file(tmp_path / "thang-1.xlsx", PEOPLE[:2])
        given = parse_map(json.dumps(MAP).encode(), "ghep.json")
        report = import_file(office, first, column_map=given)
        assert report.committed and report.problems == []
        assert report.mapped == {"candidates": "given", "members": "given"}
        assert report.counts["candidates"].added == 2

        # Next time the same headers need no map: the saved one is used.
        report = import_file(office, own)
        assert report.committed and report.problems == []
        assert report.mapped == {"candidates": "remembered", "members": "remembered"}
        assert report.counts["candidates"].added == 2
        assert report.counts["candidates"].unchanged == 2

        assert rows_of(office) == rows_of(ref)
        assert len(rows_of(office)["steps"]) == len(PEOPLE)  # A1 for each file
    finally:
        ref.close()
        office.close()


OWN_TITLES = ("DS quần chúng ưu tú T1", "Danh sách đảng viên")
SHEET_MAP = {**MAP, "sheets": {"DS quần chúng ưu tú T1": "Quần chúng", "DANH SACH DANG VIEN":
                               "members"}}  # fmt: skip


def test_renamed_sheets_through_a_saved_map_land_as_the_template_does(tmp_path, clock):
    """Sheets the office named its own way: refused without a map (said, nothing lands);
    through a map naming them, then through the remembered one, the same rows as the
    template's workbook."""
    ref, _ = make_profile(tmp_path / "ref", "cell", ORG, "Chi bộ thôn Tân Đức", clock, "X01")
    office, _ = make_profile(tmp_path / "office", "cell", ORG, "Chi bộ thôn Tân Đức", clock, "X01")
    try:
        assert import_file(ref, template_file(tmp_path / "mau.xlsx")).committed

        own = foreign_file(tmp_path / "thang-1.xlsx", titles=OWN_TITLES)
        plain = import_file(office, own, dry_run=True, column_map=MAP)
        assert plain.changed == 0
        assert {p.sheet for p in plain.problems} == set(OWN_TITLES)
        assert all("Trang không có trong mẫu" in p.message for p in plain.problems)

        # A map naming a sheet the file does not have: refused whole, nothing written.
        wrong = parse_map(
            json.dumps({**MAP, "sheets": {"Tháng 2": "Quần chúng"}}).encode(), "ghep.json"
        )
        with pytest.raises(InputError, match="tệp nhập không có trang 'Tháng 2'"):
            import_file(office, own, column_map=wrong)
        assert rows_of(office) == {"candidates": [], "members": [], "steps": []}

        first = foreign_file(tmp_path / "thang-1.xlsx", PEOPLE[:2], titles=OWN_TITLES)
        given = parse_map(json.dumps(SHEET_MAP).encode(), "ghep.json")
        report = import_file(office, first, column_map=given)
        assert report.committed and report.problems == []
        assert report.mapped == {"candidates": "given", "members": "given"}

        # Next month's workbook, the same sheet names and headers: no map needed.
        report = import_file(office, foreign_file(tmp_path / "thang-2.xlsx", titles=OWN_TITLES))
        assert report.committed and report.problems == []
        assert report.mapped == {"candidates": "remembered", "members": "remembered"}
        assert report.counts["candidates"].added == 2
        assert rows_of(office) == rows_of(ref)
    finally:
        ref.close()
        office.close()


def test_sheet_names_are_suggested_and_offered_in_the_wizard(cell, tmp_path):
    assert suggest_sheet("DS quần chúng ưu tú T1").key == "candidates"
    assert suggest_sheet("Danh sách đảng viên").key == "members"
    assert suggest_sheet("DANH SACH DANG VIEN", {"members"}) is None  # taken: no second guess
    assert suggest_sheet("Sheet1") is None
    own = foreign_file(tmp_path / "ds.xlsx", titles=OWN_TITLES)
    assert read_heads(own) == []  # the template's names only: nothing to map
    heads = read_heads(own, column_maps.chooser(cell, None, suggest_sheets=True))
    assert [(h.sheet.key, h.title, h.header_row) for h in heads] == [
        ("members", "Danh sách đảng viên", 1),
        ("candidates", "DS quần chúng ưu tú T1", 2),
    ]


def test_a_sheets_entry_is_checked_strictly():
    def sheets(entry) -> str:
        return refused(json.dumps({**MAP, "sheets": entry}, ensure_ascii=False).encode())

    assert "cần một đối tượng tên trang" in sheets(["Quần chúng"])
    assert "'Bảng 9' không phải trang của mẫu" in sheets({"DS": "Bảng 9"})
    assert "không phải trang của mẫu" in sheets({"DS": None})
    msg = sheets({"DS 1": "Quần chúng", "DS 2": "candidates"})
    assert "trang 'Quần chúng' của mẫu được ghép hai lần" in msg
    assert "trang 'ds 1' có hai lần" in sheets({"DS 1": "Quần chúng", "ds 1": "members"})
    assert "ký tự điều khiển" in sheets({"DS\x1b[2J": "Quần chúng"})
    long = "x" * (limits.MAX_HEADER_CHARS + 1)
    assert "quá giới hạn 255 ký tự" in sheets({long: "Quần chúng"})


def test_the_wizard_offers_the_remembered_map_and_a_preview(cell, tmp_path):
    own = foreign_file(tmp_path / "ds.xlsx")
    heads = read_heads(own)
    assert [(h.sheet.key, h.title, h.header_row) for h in heads] == [
        ("members", "Đảng viên", 1),
        ("candidates", "Quần chúng", 2),  # under the title line
    ]
    files = heads[1]
    assert files.headers == FOREIGN_FILES
    offered, known = column_maps.offered(cell, files)
    assert not known
    # Every guess right; the template's own header kept as it is.
    assert offered == {**MAP["Quần chúng"], "Ngày vào nguồn": "a1_source_on"}
    preview = preview_sheet(files, offered)
    assert preview.problems == []
    assert [r.row for r in preview.sheets["candidates"]] == [3, 4, 5, 6]
    assert preview.sheets["candidates"][0].values["birth_date"] == date(2000, 5, 4)

    # A wrong pick shows the import's own per-cell errors: the name read as a birth date.
    wrong = {**offered, "HỌ TÊN": "birth_date", "Ng.sinh": "full_name"}
    problems = preview_sheet(files, wrong).problems
    # Named as the file heads the column, with the field it was read as.
    assert [(p.sheet, p.row, p.column) for p in problems][:2] == [
        ("Quần chúng", 3, "HỌ TÊN (Ngày sinh)"),
        ("Quần chúng", 4, "HỌ TÊN (Ngày sinh)"),
    ]
    assert "Nguyễn Thị Hoa" in problems[0].message

    report = import_file(cell, own, column_map={"candidates": offered, "members": MAP["members"]})
    assert report.committed and report.problems == []
    # The order of the headers does not matter, the set does.
    again, known = column_maps.offered(cell, files)
    assert known and again == offered


# --------------------------------------------------------------------------- hostile input


def refused(raw: bytes) -> str:
    with pytest.raises(InputError) as e:
        parse_map(raw, "ghep.json")
    return str(e.value)


def test_a_map_file_is_checked_strictly():
    assert "không phải JSON hợp lệ (dòng 1, cột 2)" in refused(b"{'Quan chung': 1}")
    assert "không phải JSON hợp lệ" in refused(b"PK\x03\x04\x14\x00")  # an .xlsx given by mistake
    assert "không phải JSON hợp lệ" in refused(b"\x89PNG\r\n")
    assert "không phải văn bản UTF-8" in refused(b'{"Qu\xe2n": {}}')
    assert "cần một đối tượng JSON" in refused(b"[1, 2]")
    assert "không có trang 'Sheet1'" in refused(b'{"Sheet1": {"A": "full_name"}}')
    msg = refused('{"Quần chúng": {"Tên": "ten_goi"}}'.encode())
    assert "cột 'Tên'" in msg and "không có trường 'ten_goi'" in msg
    # A field filled twice, and a header named twice (JSON keeps only the last).
    msg = refused('{"Quần chúng": {"Họ tên": "full_name", "Tên": "full_name"}}'.encode())
    assert "trường 'full_name' được ghép hai lần" in msg
    msg = refused('{"Quần chúng": {"Họ tên": "full_name", "Họ tên": null}}'.encode())
    assert "mục 'Họ tên' có hai lần" in msg
    msg = refused('{"Quần chúng": {"Ho ten": "full_name", "HỌ TÊN": null}}'.encode())
    assert "cột 'HỌ TÊN' có hai lần" in msg
    # Headers are hostile text: capped, no control character.
    long = "x" * (limits.MAX_HEADER_CHARS + 1)
    assert "quá giới hạn 255 ký tự" in refused(json.dumps({"Quần chúng": {long: None}}).encode())
    msg = refused(json.dumps({"Quần chúng": {"Họ\x1btên": "full_name"}}).encode())
    assert "ký tự điều khiển" in msg and "U+001B" in msg
    assert "quá giới hạn" in refused(b" " * (limits.MAX_MAP_BYTES + 1))


def test_a_map_file_on_disk(tmp_path):
    path = tmp_path / "ghep.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(MAP).encode())  # Notepad's BOM
    assert load_map_file(path)["candidates"]["Ng.sinh"] == "birth_date"
    with pytest.raises(InputError, match="Không đọc được tệp ghép cột"):
        load_map_file(tmp_path / "khong-co.json")


def test_a_map_must_fit_the_file(cell, tmp_path):
    own = foreign_file(tmp_path / "ds.xlsx")
    headers = read_heads(own)[1].headers
    lacking = {k: v for k, v in MAP["Quần chúng"].items() if v != "birth_date"}
    with pytest.raises(InputError) as e:
        check_choice(CANDIDATES, headers, lacking, "Tệp ghép cột 'ghep.json'")
    assert "thiếu trường bắt buộc 'Ngày sinh' [birth_date]" in str(e.value)
    # The template's own "Ngày vào nguồn" (not in the map) fills the field too.
    twice = {**MAP["Quần chúng"], "CCCD": "a1_source_on"}
    with pytest.raises(InputError) as e:
        check_choice(CANDIDATES, headers, twice, "Tệp ghép cột 'ghep.json'")
    assert "'Ngày vào nguồn' [a1_source_on] được ghép từ 2 cột" in str(e.value)
    absent = {**MAP["Quần chúng"], "Số điện thoại": None}
    with pytest.raises(InputError, match="không có cột 'Số điện thoại'"):
        check_choice(CANDIDATES, headers, absent, "Tệp ghép cột 'ghep.json'")

    # Through the import: refused before anything is written, nothing remembered.
    with pytest.raises(InputError, match=r"thiếu trường bắt buộc 'Ngày sinh' \[birth_date\]"):
        import_file(cell, own, column_map={"candidates": lacking})
    with cell.store.read() as conn:
        assert conn.execute(select(t.candidates.c.id)).all() == []
    assert column_maps.remembered(cell) == {}


def hostile_header_file(path: Path, header: str) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Quần chúng"
    ws.append(["Họ tên", header, "Ng.sinh"])
    ws.append(["Nguyễn Thị Hoa", "x", "04/05/2000"])
    book.save(path)
    return path


def test_hostile_headers_are_refused_when_mapping(tmp_path):
    huge = hostile_header_file(tmp_path / "huge.xlsx", "Ghi chú " + "x" * 5000)
    with pytest.raises(InputError, match="dòng 1, cột B: tiêu đề cột dài 5008 ký tự"):
        read_heads(huge)
    # openpyxl refuses to write most control characters; a CSV carries them.
    csv = tmp_path / "Quần chúng.csv"
    csv.write_text("Họ tên,Ghi\x07chú,Ng.sinh\nNguyễn Thị Hoa,x,04/05/2000\n", encoding="utf-8")
    with pytest.raises(InputError, match="cột B: tiêu đề cột có ký tự điều khiển"):
        read_heads(csv)


def test_a_damaged_remembered_map_is_ignored(cell, tmp_path):
    path = settings_path(cell.dir.home, cell.dir.name)
    good = {"sheet": "candidates", "columns": {"Ng.sinh": "birth_date"}}
    path.write_text(
        json.dumps(
            {
                "autolock_minutes": 5,
                "column_maps": {
                    "a": good,
                    "b": {"sheet": "candidates", "columns": {"Ng.sinh": "ten_goi"}},
                    "c": {"sheet": "khong-co", "columns": {}},
                    "d": "rác",
                },
            }
        ),
        encoding="utf-8",
    )
    assert column_maps.remembered(cell) == {"a": ("candidates", {"Ng.sinh": "birth_date"})}


# --------------------------------------------------------------------------- the CLI


def cli_home(tmp_path: Path) -> Path:
    """A data home with the cell's profile, made by the real command."""
    from tests.integration.cli.test_cli import khdesk

    home = tmp_path / "home"
    out = khdesk(
        home, "profile", "create", "--role", "cell", "--org-code", ORG,
        "--org-name", "Chi bộ thôn Tân Đức", "--parent-code", "X01",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return home


def test_cli_import_map_end_to_end(tmp_path):
    from tests.integration.cli.test_cli import khdesk

    home = cli_home(tmp_path)
    own = foreign_file(tmp_path / "ds.xlsx")

    # Without a map: nothing lands, and the suggestions come as a map file to start from.
    out = khdesk(home, "import", str(own), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "Cột không có trong mẫu" in out.stdout and "--map ghep.json" in out.stdout
    suggested = json.loads(out.stdout[out.stdout.index("\n{") :])
    assert suggested["Quần chúng"] == {**MAP["Quần chúng"], "Ngày vào nguồn": "a1_source_on"}

    # Bad map files: exit 1, a Vietnamese message naming what, nothing written.
    bad = tmp_path / "bad.json"
    for text, said in [
        ("không phải json", "không phải JSON hợp lệ"),
        ('{"Quần chúng": {"Họ tên": "full_name", "Tên": "full_name"}}', "'full_name'"),
        ('{"Quần chúng": {"HỌ TÊN": "full_name", "GT": "sex", "Mã CB": "org_code"}}',
         "thiếu trường bắt buộc 'Ngày sinh' [birth_date]"),
    ]:  # fmt: skip
        bad.write_text(text, encoding="utf-8")
        out = khdesk(home, "import", str(own), "--map", str(bad))
        assert out.returncode == 1 and said in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
    out = khdesk(home, "list", "--json")
    assert json.loads(out.stdout) == []

    good = tmp_path / "ghep.json"
    good.write_text(json.dumps(MAP, ensure_ascii=False), encoding="utf-8")
    out = khdesk(home, "import", str(own), "--map", str(good))
    assert out.returncode == 0, out.stderr
    assert "Quần chúng (ghép cột theo tệp ghép cột): thêm 4" in out.stdout
    # The same headers next time: the saved map, no --map needed.
    out = khdesk(home, "import", str(own), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["mapped"] == {"candidates": "remembered", "members": "remembered"}
    assert report["sheets"]["candidates"]["unchanged"] == 4 and report["problems"] == []
    out = khdesk(home, "list", "--json")
    assert sorted(f["full_name"] for f in json.loads(out.stdout)) == sorted(p[0] for p in PEOPLE)


def test_cli_suggests_the_sheet_names_and_imports_through_them(tmp_path):
    """Renamed sheets on the command line: the hint's map names them ("sheets"), and
    given back with --map it imports everything."""
    from tests.integration.cli.test_cli import khdesk

    home = cli_home(tmp_path)
    own = foreign_file(tmp_path / "ds.xlsx", titles=OWN_TITLES)
    out = khdesk(home, "import", str(own), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "Trang không có trong mẫu" in out.stdout and "--map ghep.json" in out.stdout
    suggested = json.loads(out.stdout[out.stdout.index("\n{") :])
    assert suggested["sheets"] == {OWN_TITLES[0]: "Quần chúng", OWN_TITLES[1]: "Đảng viên"}
    assert suggested["Quần chúng"] == {**MAP["Quần chúng"], "Ngày vào nguồn": "a1_source_on"}
    suggested["Đảng viên"] = MAP["members"]  # "Mã chi bộ", "Ngày vào Đảng": the template's
    good = tmp_path / "ghep.json"
    good.write_text(json.dumps(suggested, ensure_ascii=False), encoding="utf-8")
    out = khdesk(home, "import", str(own), "--map", str(good))
    assert out.returncode == 0, out.stderr
    assert "Quần chúng (ghép cột theo tệp ghép cột): thêm 4" in out.stdout
    out = khdesk(home, "list", "--json")
    assert sorted(f["full_name"] for f in json.loads(out.stdout)) == sorted(p[0] for p in PEOPLE)


def test_a_csv_file_with_its_own_headers(cell, tmp_path):
    """A semicolon CSV as Excel writes it in Vietnam, named after its sheet."""
    path = tmp_path / "Quần chúng.csv"
    lines = [";".join(FOREIGN_FILES)]
    for i, (n, s, b, c, a1) in enumerate(PEOPLE, 1):
        lines.append(f"{i};{b:%d/%m/%Y};{n};{s};{ORG};{c or ''};{a1:%d/%m/%Y};0905123456")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    (head,) = read_heads(path)
    assert (head.sheet.key, head.header_row, head.headers) == ("candidates", 1, FOREIGN_FILES)
    offered, _ = column_maps.offered(cell, head)
    assert len(preview_sheet(head, offered).sheets["candidates"]) == len(PEOPLE)
    report = import_file(cell, path, column_map={"candidates": offered})
    assert report.committed and report.problems == []
    assert report.counts["candidates"].added == len(PEOPLE)


def test_a_folder_of_csv_files_named_their_own_way(cell, tmp_path):
    """A CSV file is named by its file name without '.csv': mapped and suggested as such."""
    folder = tmp_path / "csv"
    folder.mkdir()
    path = folder / "DS quần chúng T1.csv"
    lines = [";".join(FOREIGN_FILES)]
    for i, (n, s, b, c, a1) in enumerate(PEOPLE, 1):
        lines.append(f"{i};{b:%d/%m/%Y};{n};{s};{ORG};{c or ''};{a1:%d/%m/%Y};0905123456")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    (head,) = read_heads(folder, column_maps.chooser(cell, None, suggest_sheets=True))
    assert (head.sheet.key, head.name, head.title) == (
        "candidates", "DS quần chúng T1", "DS quần chúng T1.csv",
    )  # fmt: skip
    offered, _ = column_maps.offered(cell, head)
    given = {"sheets": {head.name: "candidates"}, "candidates": offered}
    report = import_file(cell, folder, column_map=given)
    assert report.committed and report.problems == []
    assert report.counts["candidates"].added == len(PEOPLE)


def test_a_remembered_map_that_no_longer_fits_is_not_used(cell, tmp_path):
    own = foreign_file(tmp_path / "ds.xlsx")
    head = read_heads(own)[1]
    # Saved for these headers, but naming a column as birth date twice (a hand edit).
    broken = {**MAP["Quần chúng"], "CCCD": "a1_source_on"}
    settings = settings_path(cell.dir.home, cell.dir.name)
    entry = {"sheet": "candidates", "columns": broken}
    key = header_set_key(CANDIDATES, head.headers)
    settings.write_text(json.dumps({"column_maps": {key: entry}}), encoding="utf-8")
    report = import_file(cell, own, dry_run=True)
    assert report.mapped == {} and report.changed == 0


def test_a_repeated_header_is_offered_once(tmp_path):
    (head,) = read_heads(hostile_header_file(tmp_path / "lap.xlsx", "HO TEN"))
    assert head.headers == ["Họ tên", "Ng.sinh"]
    problems = preview_sheet(head, suggest(CANDIDATES, head.headers)).problems
    assert [(p.row, p.column) for p in problems if "bị lặp" in p.message] == [(1, "HO TEN")]
