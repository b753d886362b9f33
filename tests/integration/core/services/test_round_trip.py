"""Export → import → export through real files gives the same workbook; NFD input lands NFC."""

import unicodedata
from datetime import date

import openpyxl
import pytest

from khdesk.core.services.candidates import list_files, open_file
from khdesk.core.services.exporter import export_file
from khdesk.core.services.importer import import_file
from khdesk.core.services.session import open_profile
from khdesk.demo.stations import create_demo
from tests.conftest import make_profile

pytestmark = pytest.mark.usefixtures("engine_kind")

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_committee(tmp_path_factory):
    home = tmp_path_factory.mktemp("rt-demo")
    create_demo(home, "demo-password", today=TODAY)
    session = open_profile(home, "X01", "bithu", "demo-password")
    yield session
    session.close()


def cells_of(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


@pytest.mark.parametrize("suffix", [".xlsx", ""])
def test_export_import_export_is_identical(demo_committee, tmp_path, clock, suffix):
    first = tmp_path / f"lan1{suffix}"
    counts = export_file(demo_committee, first)
    assert counts["candidates"] >= 10 and counts["steps"] > counts["candidates"]

    fresh, _ = make_profile(
        tmp_path / "home2", "committee", "X01", "Đảng ủy xã Cam Lâm", clock, "KH"
    )
    report = import_file(fresh, first)
    assert report.committed and report.problems == []
    again = import_file(fresh, first)
    assert again.changed == 0  # re-importing the same workbook changes nothing
    second = tmp_path / f"lan2{suffix}"
    export_file(fresh, second)
    fresh.close()
    if suffix == ".xlsx":
        assert cells_of(first) == cells_of(second)
    else:
        names = sorted(p.name for p in first.iterdir())
        assert names == sorted(p.name for p in second.iterdir()) and len(names) == 8
        for name in names:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_failed_votes_and_returns_survive_the_round_trip(demo_committee, tmp_path, clock):
    path = tmp_path / "x.xlsx"
    export_file(demo_committee, path)
    fresh, _ = make_profile(tmp_path / "h", "committee", "X01", "Đảng ủy xã Cam Lâm", clock, "KH")
    import_file(fresh, path)
    for f in list_files(demo_committee):
        a = [
            (s["step_id"], s["on"], s["result"], s["votes_for"])
            for s in open_file(demo_committee, f["file_code"])["steps"]
        ]
        b = [
            (s["step_id"], s["on"], s["result"], s["votes_for"])
            for s in open_file(fresh, f["file_code"])["steps"]
        ]
        assert a == b, f["file_code"]
    assert {f["state"] for f in list_files(fresh)} == {
        f["state"] for f in list_files(demo_committee)
    }
    fresh.close()


def test_nfd_names_are_stored_nfc_and_found(cell, tmp_path):
    path = tmp_path / "nfd.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Quần chúng"
    ws.append(["Họ và tên*", "Giới tính*", "Ngày sinh*", "Mã chi bộ*", "Quê quán"])
    nfd_name = unicodedata.normalize("NFD", "Nguyễn Thị Đức Hạnh")
    ws.append(
        [
            nfd_name,
            unicodedata.normalize("NFD", "Nữ"),
            "04/05/2001",
            "X01-CB01",
            unicodedata.normalize("NFD", "Khánh Hòa"),
        ]
    )
    wb.save(path)
    report = import_file(cell, path)
    assert report.problems == [] and report.counts["candidates"].added == 1
    found = list_files(cell, search="duc hanh")
    assert [f["full_name"] for f in found] == ["Nguyễn Thị Đức Hạnh"]
    assert unicodedata.is_normalized("NFC", found[0]["full_name"])
    assert found[0]["home_town"] == "Khánh Hòa" and found[0]["sex"] == "Nữ"


def test_finding_5_export_after_a_bundle_trip_is_inert(tmp_path):
    """A cell names a candidate like a formula; at the committee, after the bundle, the
    export shows it as text (CSV and xlsx) and its re-import gives the same name."""
    import csv

    from khdesk.core.services import sync
    from tests.integration.core.io.test_tabular_files import _live, _xlsx_cells
    from tests.stations import build_commune, edit_file, export

    commune = build_commune(tmp_path / "home")
    try:
        cell, committee = commune.cells["X01-CB01"], commune.committee
        code = next(f["file_code"] for f in list_files(cell))
        payload = '=HYPERLINK("http://x.example";"Xem")+cmd|\' /C calc\'!A0'
        edit_file(cell, code, full_name=payload, home_town="@SUM(1+1)")
        sync.import_bundles(committee, [export(cell, tmp_path / "usb")])
        assert open_file(committee, code)["full_name"] == payload

        folder = tmp_path / "xuat"
        export_file(committee, folder)
        fields = []
        for path in folder.iterdir():
            with open(path, encoding="utf-8-sig", newline="") as f:
                fields += [x for row in csv.reader(f) for x in row]
        assert "'" + payload in fields and [x for x in fields if _live(x)] == []
        export_file(committee, tmp_path / "xuat.xlsx")
        cells = _xlsx_cells(tmp_path / "xuat.xlsx")
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert any(c.value == payload and c.quotePrefix for c in cells)

        from khdesk.core.io.tabular import read_tables

        for path in (folder, tmp_path / "xuat.xlsx"):
            rows = read_tables(path).sheets["candidates"]
            row = next(r.values for r in rows if r.values["file_code"] == code)
            assert (row["full_name"], row["home_town"]) == (payload, "@SUM(1+1)")
    finally:
        commune.close()
