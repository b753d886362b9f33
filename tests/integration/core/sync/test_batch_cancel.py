"""A batch of bundles on real stations: progress per bundle, and a cancel heeded between two
bundles (each bundle is its own transaction: the ones imported are reported, none is half)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from khdesk.core.errors import Cancelled
from khdesk.core.progress import CancelToken, Progress
from khdesk.core.services import sync
from khdesk.core.store import schema as t
from tests.stations import build_commune, export, state

pytestmark = pytest.mark.usefixtures("engine_kind")


@pytest.fixture
def two_cells(tmp_path):
    commune = build_commune(tmp_path / "home", cells=("X01-CB01", "X01-CB03"))
    yield commune
    commune.close()


def _received(session) -> int:
    with session.store.read() as conn:
        return conn.execute(select(func.count()).select_from(t.sync_received)).scalar()


def test_a_cancel_between_bundles_keeps_the_first_and_reports_it(two_cells, tmp_path):
    com = two_cells.committee
    paths = [export(two_cells.cells[c], tmp_path / c) for c in ("X01-CB01", "X01-CB03")]
    token = CancelToken()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.done == 0:  # the user presses "Hủy" while the first bundle goes in
            token.cancel()

    reports = sync.import_bundles(com, paths, progress=progress, cancel=token)
    assert [r.status for r in reports] == ["imported"]
    assert _received(com) == 1
    assert seen == [Progress(0, 2, paths[0].name), Progress(1, 2)]
    # The second goes in afterwards, as if the first batch had stopped there.
    assert [r.status for r in sync.import_bundles(com, paths[1:])] == ["imported"]


def test_a_cancel_before_the_first_bundle_changes_nothing(two_cells, tmp_path):
    com = two_cells.committee
    paths = [export(two_cells.cells["X01-CB01"], tmp_path / "usb")]
    before = state(com)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        sync.import_bundles(com, paths, cancel=token)
    with pytest.raises(Cancelled):
        sync.verify_bundles(com, paths, cancel=token)
    assert state(com) == before
    seen: list[Progress] = []
    assert [r.valid for r in sync.verify_bundles(com, paths, progress=seen.append)] == [True]
    assert seen == [Progress(0, 1, paths[0].name), Progress(1, 1)]
