"""Down: the committee records its decision on a self-managed cell's file and sends it back
in a return bundle with a receipt; the cell's file advances and its next bundle carries
only what changed since. A committee may send nothing but its own decisions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.services import sync
from khdesk.core.services.candidates import list_files, open_file
from khdesk.core.services.checking import check_profile
from khdesk.core.services.steps import record_step
from khdesk.core.store import schema as t
from khdesk.core.sync import canonical
from khdesk.core.sync.inbox import import_bundle
from tests.stations import (
    awaiting_decision,
    export,
    open_inner,
    resign,
    seal_to,
    state,
    station_key,
)

pytestmark = pytest.mark.usefixtures("engine_kind")

TODAY = date(2026, 11, 26)
DECIDED = date(2026, 11, 20)


@pytest.fixture
def decided(commune, tmp_path):
    """CB01's files at the committee, and a decision (A10) recorded there on one of them."""
    cell, com = commune.cells["X01-CB01"], commune.committee
    assert import_bundle(com, export(cell, tmp_path / "up1")).status == "imported"
    code = awaiting_decision(com, "X01-CB01")[0]
    event = StepEvent("A10", DECIDED, doc_no="15-QĐ/ĐU")
    assert record_step(com, code, event, TODAY) == "QUYET_DINH"
    return commune, code


def test_decision_travels_down_and_the_file_advances(decided, tmp_path):
    commune, code = decided
    cell, com = commune.cells["X01-CB01"], commune.committee
    result = sync.export_bundle(com, tmp_path, to="X01-CB01")
    assert (result.kind, result.recipient_org, result.counts) == ("down", "X01-CB01", {"steps": 1})
    report = import_bundle(cell, Path(result.path))
    assert report.status == "imported", report.reason
    assert report.files_changed == [code]
    assert next(f for f in list_files(cell) if f["file_code"] == code)["state"] == "QUYET_DINH"
    a10 = [s for s in open_file(cell, code)["steps"] if s["step_id"] == "A10"]
    assert a10[0]["doc_no"] == "15-QĐ/ĐU" and a10[0]["owner"] == "X01"
    # The decision starts the ceremony deadline at the cell.
    due = [f for f in check_profile(cell, TODAY).findings if f["file_code"] == code]
    assert any(f["rule"] == "CEREMONY_DUE" and f["due"] for f in due)


def test_receipts_make_the_next_bundles_carry_only_changes(decided, tmp_path):
    commune, _ = decided
    cell, com = commune.cells["X01-CB01"], commune.committee
    down = sync.export_bundle(com, tmp_path / "d", to="X01-CB01")
    assert import_bundle(cell, Path(down.path)).status == "imported"
    # The return bundle acknowledged CB01's first bundle: the next one is incremental.
    up = sync.export_bundle(cell, tmp_path / "u")
    assert not up.full and up.since > 0 and up.counts == {}
    assert import_bundle(com, Path(up.path)).status == "imported"
    # …and CB01's bundle acknowledged the return bundle.
    with com.store.read() as conn:
        acked = conn.execute(
            select(t.sync_sent.c.acknowledged_at).where(t.sync_sent.c.bundle_id == down.bundle_id)
        ).scalar()
    assert acked is not None
    again = sync.export_bundle(com, tmp_path / "d2", to="X01-CB01")
    assert again.counts == {} and again.seq == 2


def test_cell_keeps_its_own_records_out_of_a_return_bundle(decided, tmp_path):
    """A return bundle carrying a step the committee does not record (A8, the cell's own
    meeting) is refused whole, even signed by the committee's real key."""
    commune, _ = decided
    cell, com = commune.cells["X01-CB01"], commune.committee
    down = sync.export_bundle(com, tmp_path, to="X01-CB01")
    _, entries = open_inner(cell, Path(down.path).read_bytes())
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    step = json.loads(entries["records/steps.jsonl"])
    step["step_id"] = "A8"
    entries["records/steps.jsonl"] = canonical.dumps(step) + b"\n"
    bad = tmp_path / "bad.khdb"
    bad.write_bytes(seal_to(cell, resign(manifest, list(entries.items()), station_key(com))))
    before = state(cell)
    report = import_bundle(cell, bad)
    assert (report.status, report.code) == ("refused", "out_of_scope")
    assert "không phải bước do cấp ủy" in report.reason
    assert state(cell) == before


def test_a_cell_cannot_send_down_nor_write_the_committees_decisions(decided, tmp_path):
    commune, code = decided
    cell, com = commune.cells["X01-CB01"], commune.committee
    up = export(cell, tmp_path / "u")
    _, entries = open_inner(com, up.read_bytes())
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    downward = {**manifest, "kind": "down"}
    bad = tmp_path / "down.khdb"
    bad.write_bytes(seal_to(com, resign(downward, list(entries.items()), station_key(cell))))
    before = state(com)
    report = import_bundle(com, bad)
    assert (report.status, report.code) == ("refused", "direction")
    assert state(com) == before
    # An up bundle claiming the committee's decision as the cell's own record.
    rows = [json.loads(x) for x in entries["records/steps.jsonl"].splitlines()]
    rows[0]["owner"] = "X01"
    entries["records/steps.jsonl"] = b"".join(canonical.dumps(r) + b"\n" for r in rows)
    bad.write_bytes(seal_to(com, resign(manifest, list(entries.items()), station_key(cell))))
    report = import_bundle(com, bad)
    assert (report.status, report.code) == ("refused", "out_of_scope")
    assert "không phải của X01-CB01" in report.reason
    assert state(com) == before
