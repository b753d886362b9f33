"""The communes the consistency test reads back (issue 17 item 1, "What it must show"):
the demo commune with every cell's bundle imported by its committee, and a seeded larger
commune (one committee of `province_demo`); each committee then sends its
consolidated bundle to a province profile. Both are real encrypted profiles with real keys
and bundles (the same helpers as the sync tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from khdesk.core.services import sync
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import Session, open_profile
from tests.integration.core.sync import province_data
from tests.stations import PASSWORD, build_commune, enrol_both, export, new_station

TODAY = province_data.TODAY  # 26/11/2026, the suite's frozen day
USER = province_data.USER  # the demo's user too (bithu)
DEMO_CELLS = ("X01-CB01", "X01-CB03", "X01-CB04")  # the demo's self-managed cells


@dataclass
class Stations:
    """Where the profiles live, closed (the CLI opens them in its own process): the
    commune's committee and the province that received its consolidated bundle."""

    home: Path
    commune: str  # the committee's code (its profile's name)
    passwords: dict[str, str]  # profile name -> its user's password (the user: USER)

    def open(self, name: str) -> Session:
        return open_profile(self.home, name, USER, self.passwords[name])


def _to_province(home: Path, committee: Session, folder: Path) -> Session:
    """A province profile that knows the commune, enrolled both ways with its committee,
    which has imported the committee's consolidated bundle."""
    province = new_station(home, "province", "KH", "Tỉnh ủy Khánh Hòa", None)
    org = {
        "code": committee.org_code,
        "name": committee.info.org_name,
        "parent_code": "KH",
        "kind": "Đảng ủy xã",
    }
    assert import_tables(province, RowTables.from_dicts({"orgs": [org]}), "test").committed
    enrol_both(province, committee, folder)
    stick = folder / "stick-province"
    stick.mkdir(parents=True)
    [report] = sync.import_bundles(province, [Path(sync.export_bundle(committee, stick).path)])
    assert report.status == "imported", report.reason
    return province


def demo_commune(home: Path, folder: Path) -> Stations:
    """`khdesk demo`'s commune: the committee after each self-managed cell's first bundle."""
    commune = build_commune(home, cells=DEMO_CELLS)
    for code, cell in commune.cells.items():
        [report] = sync.import_bundles(commune.committee, [export(cell, folder / code)])
        assert report.status == "imported", report.reason
    province = _to_province(home, commune.committee, folder)
    province.close()
    commune.close()
    return Stations(home, "X01", {"X01": PASSWORD, "KH": PASSWORD})


def seeded_commune(home: Path, folder: Path, seed: int = 17) -> Stations:
    """The largest commune of a seeded synthetic province: its committee keeps all its
    cells' files and members (as `khdesk demo` fills a committee)."""
    tables = province_data.province_tables(seed, cells=900, files=900 * 6)
    rows = province_data.commune_rows(tables)
    code = max(rows, key=lambda c: len(rows[c].get("candidates", [])))
    org = next(o for o in province_data.communes(tables) if o["code"] == code)
    committee = province_data.new_committee(home, org)
    report = import_tables(committee, RowTables.from_dicts(rows[code]), "test")
    assert report.committed and not report.problems, report.problems[:3]
    province = _to_province(home, committee, folder)
    province.close()
    committee.close()
    return Stations(home, code, {code: province_data.PASSWORD, "KH": PASSWORD})
