"""A batch of bundle files in one call (services.sync.import_bundles), as the committee
imports a USB stick full of them: each file in its own transaction, one report per file —
imported, refused with its Vietnamese reason, or quarantined — and a bad file never stops
the ones after it. The CLI's `bundle import A B C` and the desktop both run it."""

from __future__ import annotations

import json

import pytest

from khdesk.core.errors import KhdeskError
from khdesk.core.services import sync
from tests.sync.conftest import (
    build_commune,
    copy_profile,
    edit_file,
    export,
    open_station,
    quiet_cli,  # noqa: F401
)
from tests.sync.test_ledger import F1, F2, checkpoint


@pytest.fixture
def commune(tmp_path):
    c = build_commune(tmp_path / "home", cells=("X01-CB01", "X01-CB03"))
    yield c
    c.close()


class Stop(KhdeskError):
    """Stands for the core's Cancelled (khdesk/core/errors, issue 16 item 3)."""


class Token:
    """A cancel token (as khdesk/core/progress.CancelToken) cancelled once `after` files
    have been started."""

    def __init__(self, after: int):
        self.after, self.started = after, 0

    @property
    def cancelled(self) -> bool:
        return self.started >= self.after

    def check(self) -> None:
        if self.cancelled:
            raise Stop("Đã hủy theo yêu cầu.")
        self.started += 1


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
    reports = sync.import_bundles(
        commune.committee, paths, progress=lambda *told: seen.append(told)
    )
    assert [r.path for r in reports] == [str(p) for p in paths]
    assert [r.status for r in reports] == OUTCOMES
    assert reports[1].reason == "Tệp này không phải gói đồng bộ khdesk."
    assert reports[5].reason == f"Không thấy tệp '{paths[5]}'."
    assert "CẢNH BÁO" in reports[3].reason
    # Progress between files: one before each, one at the end.
    assert [told[:2] for told in seen] == [(i, 6) for i in range(7)]
    assert [told[2] for told in seen[:6]] == [p.name for p in paths]


def test_a_cancel_is_heard_between_files_and_reports_the_ones_done(commune, tmp_path):
    paths = _batch(commune, tmp_path)
    with pytest.raises(Stop):  # before the first file: nothing changed, said so
        sync.import_bundles(commune.committee, paths, cancel=Token(after=0))
    done = sync.import_bundles(commune.committee, paths, cancel=Token(after=3))
    assert [r.status for r in done] == OUTCOMES[:3]  # what went in is reported
    # Those three were each their own transaction: kept; the rest was never touched.
    again = sync.import_bundles(commune.committee, paths)
    assert [r.status for r in again] == ["duplicate", "refused", "duplicate", *OUTCOMES[3:]]


def test_the_cli_imports_several_paths_in_one_batch(commune, tmp_path, quiet_cli, capsys):  # noqa: F811
    paths = _batch(commune, tmp_path)
    commune.close()
    args = ["--profile", "X01", "bundle", "import", "--json", *map(str, paths)]
    assert quiet_cli(commune.home, *args) == 1  # some refused: input refused, exit 1
    told = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in told] == OUTCOMES
