"""Rules that need the whole commune work at the committee once the cells' bundles are in:
the same person in two cells' files is found (DUPLICATE_PERSON across cells)."""

from khdesk.core.services import sync
from khdesk.core.services.checking import check_profile
from khdesk.demo.small import PLANTED
from tests.stations import TODAY, build_commune, export


def test_duplicate_person_across_cells_found_at_the_committee(tmp_path):
    commune = build_commune(tmp_path / "home", cells=("X01-CB01",))
    try:
        before = check_profile(commune.committee, TODAY).findings
        assert not [f for f in before if f["rule"] == "DUPLICATE_PERSON"]
        path = export(commune.cells["X01-CB01"], tmp_path / "usb")
        sync.import_bundles(commune.committee, [path])
        after = check_profile(commune.committee, TODAY).findings
        found = {f["file_code"] for f in after if f["rule"] == "DUPLICATE_PERSON"}
        planted = {c for c, rule in PLANTED.items() if rule == "DUPLICATE_PERSON"}
        assert planted <= found
    finally:
        commune.close()
