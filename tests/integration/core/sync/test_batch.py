"""A batch of bundle files in one call (services.sync.import_bundles), as the committee
imports a USB stick full of them: each file in its own transaction, one report per file —
imported, refused with its Vietnamese reason, or quarantined — and a bad file never stops
the ones after it. The CLI's `bundle import A B C` and the desktop both run it."""

from __future__ import annotations

import json

import pytest

from khdesk.core.errors import Cancelled
from khdesk.core.progress import CancelToken, Progress
from khdesk.core.services import sync
from tests.integration.core.sync.test_ledger import F1, F2, checkpoint
from tests.stations import (
    build_commune,
    copy_profile,
    edit_file,
    export,
    open_station,
)


@pytest.fixture
def commune(tmp_path):
    c = build_commune(tmp_path / "home", cells=("X01-CB01", "X01-CB03"))
    yield c
    c.close()


def cancelling_during(n: int) -> tuple[CancelToken, object]:
    """A real cancel token and a progress report that cancels it as the `n`-th file starts
    (as "Hủy" pressed while that file goes in: it is finished, the next is not begun)."""
    token = CancelToken()

    def report(told: Progress) -> None:
        if told.done >= n - 1:
            token.cancel()

    return token, report


# What becomes of the six files of `_batch`, in order.
OUTCOMES = ["imported", "refused", "imported", "quarantined", "imported", "refused"]


def _batch(commune, tmp_path):
    """Six files: good, garbage, good, a reused number (a cloned disk), another cell's
    good one, and one that is not there any more (the stick pulled out)."""
    cell, other = commune.cells["X01-CB01"], commune.cells["X01-CB03"]
    first = export(cell, tmp_path / "1")
    garbage = tmp_path / "rac.khgoi"
    garbage.write_bytes(b"PK\x03\x04 this is no bundle")
    checkpoint(cell)
    copy_profile(commune.home, "X01-CB01", tmp_path / "clone")
    clone = open_station(tmp_path / "clone", "X01-CB01")
    edit_file(cell, F1, home_town="thôn A")
    edit_file(clone, F2, home_town="thôn B")
    second, forked = export(cell, tmp_path / "2"), export(clone, tmp_path / "2b")
    clone.close()
    theirs = export(other, tmp_path / "3")
    gone = tmp_path / "da-rut-the.khgoi"
    return [first, garbage, second, forked, theirs, gone]


def test_a_batch_goes_on_past_bad_files_one_report_each(commune, tmp_path):
    paths = _batch(commune, tmp_path)
    seen = []
    reports = sync.import_bundles(commune.committee, paths, progress=seen.append)
    assert [r.path for r in reports] == [str(p) for p in paths]
    assert [r.status for r in reports] == OUTCOMES
    assert reports[1].reason == "Tệp này không phải gói đồng bộ khdesk."
    assert reports[5].reason == f"Không thấy tệp '{paths[5]}'."
    assert "CẢNH BÁO" in reports[3].reason
    # Progress between files: one before each, one at the end.
    assert [(told.done, told.total) for told in seen] == [(i, 6) for i in range(7)]
    assert [told.what for told in seen[:6]] == [p.name for p in paths]


def test_a_cancel_is_heard_between_files_and_reports_the_ones_done(commune, tmp_path):
    paths = _batch(commune, tmp_path)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):  # before the first file: nothing changed, said so
        sync.import_bundles(commune.committee, paths, cancel=token)
    token, report = cancelling_during(3)
    done = sync.import_bundles(commune.committee, paths, progress=report, cancel=token)
    assert [r.status for r in done] == OUTCOMES[:3]  # what went in is reported
    # Those three were each their own transaction: kept; the rest was never touched.
    again = sync.import_bundles(commune.committee, paths)
    assert [r.status for r in again] == ["duplicate", "refused", "duplicate", *OUTCOMES[3:]]


def test_the_cli_imports_several_paths_in_one_batch(commune, tmp_path, quiet_cli, capsys):
    paths = _batch(commune, tmp_path)
    commune.close()
    args = ["--profile", "X01", "bundle", "import", "--json", *map(str, paths)]
    assert quiet_cli(commune.home, *args) == 1  # some refused: input refused, exit 1
    told = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in told] == OUTCOMES
