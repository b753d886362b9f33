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


def test_a_late_ceremonys_approval_reaches_the_committee(tmp_path):
    """The approval the cell writes on its ceremony step afterwards (RULES.md "Done late")
    travels in the next bundle as the step's new revision."""
    from datetime import date

    from khdesk.core.domain.pipeline import StepEvent
    from khdesk.core.services import steps
    from khdesk.core.services.candidates import open_file

    code = "X01-CB01-0015"  # its ceremony was due 29/10/2026
    commune = build_commune(tmp_path / "home", cells=("X01-CB01",))
    try:
        cell, committee = commune.cells["X01-CB01"], commune.committee

        def ceremony_at_committee():
            sync.import_bundles(committee, [export(cell, tmp_path / "usb")])
            [a11] = [s for s in open_file(committee, code)["steps"] if s["step_id"] == "A11"]
            return a11["doc_no"], a11["received_on"], a11["rev"]

        steps.record_step(cell, code, StepEvent("A11", date(2026, 11, 20)), TODAY)
        assert ceremony_at_committee() == (None, None, 1)
        steps.record_ceremony_approval(cell, code, "15-CV/ĐU", date(2026, 11, 18), TODAY)
        assert ceremony_at_committee() == ("15-CV/ĐU", date(2026, 11, 18), 2)
    finally:
        commune.close()
