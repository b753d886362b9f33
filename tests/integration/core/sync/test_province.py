"""Further up: a commune committee sends its consolidated data (its own files, those of the
cells it keeps, and what its self-managed cells sent it, each record still owned by its
writer) to the province, which imports many communes the same way."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.services import sync
from khdesk.core.services.candidates import list_files
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.steps import record_step
from khdesk.core.sync.inbox import import_bundle
from tests.stations import build_commune, enrol_both, export, new_station, state

pytestmark = pytest.mark.usefixtures("engine_kind")


def _states(session, prefix: str = "") -> dict[str, str]:
    return {
        f["file_code"]: f["state"] for f in list_files(session) if f["file_code"].startswith(prefix)
    }


def test_commune_to_province_and_many_communes(tmp_path):
    c = build_commune(tmp_path / "home", cells=("X01-CB01", "X01-CB03"))
    try:
        com = c.committee
        for code, cell in c.cells.items():
            assert import_bundle(com, export(cell, tmp_path / code)).status == "imported"
        waiting = sorted(k for k, v in _states(com, "X01-CB01-").items() if v == "CHI_BO_XET")
        record_step(
            com,
            waiting[0],
            StepEvent("A10", date(2026, 11, 20), doc_no="15-QĐ/ĐU"),
            date(2026, 11, 26),
        )

        # A second, small commune whose committee keeps its only cell's files itself.
        x02 = new_station(c.home, "committee", "X02", "Đảng ủy xã Cam Hòa", "KH")
        rows = {
            "orgs": [
                {
                    "code": "X02-CB01",
                    "name": "Chi bộ thôn Vĩnh Bình",
                    "parent_code": "X02",
                    "kind": "Chi bộ thôn",
                    "is_grassroots_cell": True,
                }
            ],
            "candidates": [
                {
                    "file_code": "X02-CB01-0001",
                    "full_name": "Lê Thị Mỹ Duyên",
                    "sex": "Nữ",
                    "birth_date": date(2001, 3, 9),
                    "org_code": "X02-CB01",
                    "a1_source_on": date(2026, 2, 1),
                }
            ],
        }
        assert import_tables(x02, RowTables.from_dicts(rows), "test").committed

        province = new_station(c.home, "province", "KH", "Tỉnh ủy Khánh Hòa", None)
        tree = [
            {"code": code, "name": name, "parent_code": "KH", "kind": "Đảng ủy xã"}
            for code, name in (("X01", "Đảng ủy xã Cam Lâm"), ("X02", "Đảng ủy xã Cam Hòa"))
        ]
        assert import_tables(province, RowTables.from_dicts({"orgs": tree}), "test").committed
        enrol_both(province, com, tmp_path)
        enrol_both(province, x02, tmp_path)

        paths = []
        for station in (com, x02):
            stick = tmp_path / "stick" / station.org_code
            stick.mkdir(parents=True)
            paths.append(Path(sync.export_bundle(station, stick).path))
        reports = sync.import_bundles(province, paths)
        assert [(r.sender["org_code"], r.status) for r in reports] == [
            ("X01", "imported"),
            ("X02", "imported"),
        ]
        assert all(not r.conflicts for r in reports)
        # The province sees what the commune sees, decisions and derived states included.
        assert _states(province, "X01-") == _states(com, "X01-")
        assert _states(province, "X02-") == {"X02-CB01-0001": "NGUON"}
        assert _states(province, "X01-CB01-")[waiting[0]] == "QUYET_DINH"

        # The same bundle again changes nothing.
        before = state(province)
        again = import_bundle(province, paths[0])
        assert again.status == "duplicate" and state(province) == before
        x02.close()
        province.close()
    finally:
        c.close()
