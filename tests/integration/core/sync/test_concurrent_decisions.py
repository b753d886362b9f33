"""A committee's decision recorded while a bundle touching the same file is imported, at the
same moment (two threads; on PostgreSQL two connections, as two staff members would): both
land, neither overwrites the other, every file's state is still the replay of its steps."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.services import integrity
from khdesk.core.services.candidates import open_file
from khdesk.core.services.steps import record_step
from khdesk.core.sync.inbox import import_bundle
from tests.stations import awaiting_decision, edit_file, export

pytestmark = pytest.mark.usefixtures("engine_kind")

TODAY = date(2026, 11, 26)


def test_a_decision_and_an_import_on_the_same_file_both_land(commune, tmp_path):
    cell, com = commune.cells["X01-CB01"], commune.committee
    assert import_bundle(com, export(cell, tmp_path / "up1")).status == "imported"
    code = awaiting_decision(com, "X01-CB01")[0]
    # The cell corrects the same file's home town and sends it up again.
    edit_file(cell, code, home_town="Xã Cam Hải Tây, Khánh Hòa")
    second = export(cell, tmp_path / "up2")

    start = threading.Barrier(2, timeout=30)
    results: dict[str, object] = {}

    def importing():
        start.wait()
        results["import"] = import_bundle(com, second)

    def deciding():
        start.wait()
        event = StepEvent("A10", date(2026, 11, 20), doc_no="21-QĐ/ĐU")
        results["decision"] = record_step(com, code, event, TODAY)

    threads = [threading.Thread(target=f) for f in (importing, deciding)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert results["import"].status == "imported", results["import"].reason
    assert results["decision"] == "QUYET_DINH"

    opened = open_file(com, code)
    assert opened["state"] == "QUYET_DINH"  # the import did not derive it back
    assert opened["home_town"] == "Xã Cam Hải Tây, Khánh Hòa"  # nor the decision lose it
    assert [s["step_id"] for s in opened["steps"]].count("A10") == 1
    report = integrity.check_database(com)
    assert report.problems == []  # states = replays of the steps, the audit chain intact
