"""Transfers through the real windows across three data homes (RULES.md §2a): the demo
committee and two cells that run khdesk. Cell A sends a file with the file window's
dialog, the bundles go up and down (the sync service, as the sync page runs it), cell B
sees it under "Đang chuyển" and accepts it in its window, and A's window then shows its
copy read-only as moved, out of its list of current files but under the "moved" filter.
Also a return and a withdrawal, each typed into the dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from khdesk.core.services import candidates, sync
from khdesk.ui.candidate_file import CandidateFileWindow
from khdesk.ui.candidate_list import COLUMN_KEYS, CandidateListPage
from khdesk.ui.context import AppContext
from khdesk.ui.home import HomePage
from tests.stations import build_commune
from tests.ui.helpers import TODAY, type_text

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")

A, B = "X01-CB01", "X01-CB04"


@pytest.fixture
def commune(tmp_path):
    c = build_commune(tmp_path / "home", cells=(A, B))
    post = Post(c, tmp_path / "post")
    post.up(A)
    post.up(B)
    c.post = post
    yield c
    c.close()


class Post:
    """Bundles carried between the stations through a folder, as on a USB stick."""

    def __init__(self, commune, folder: Path):
        self.c, self.folder, self.n = commune, folder, 0

    def _carry(self, sender, receiver, to: str | None = None) -> None:
        self.n += 1
        path = Path(sync.export_bundle(sender, self.folder / str(self.n), to=to).path)
        [report] = sync.import_bundles(receiver, [path])
        assert report.status == "imported", report.as_dict()["reason"]

    def up(self, cell: str) -> None:
        self._carry(self.c.cells[cell], self.c.committee)

    def down(self, cell: str) -> None:
        self._carry(self.c.committee, self.c.cells[cell], to=cell)

    def round(self, first: str, then: str) -> None:
        """`first`'s news up and down to `then`."""
        self.up(first)
        self.down(then)


def movable(session, n: int) -> str:
    return [
        f["file_code"]
        for f in candidates.list_files(session)
        if f["org_code"] == A and f["state"] in ("NGUON", "BOI_DUONG", "HO_SO")
    ][n]


def window(qtbot, session, code: str) -> CandidateFileWindow:
    w = CandidateFileWindow(AppContext(session, TODAY), code)
    qtbot.addWidget(w)
    return w


def fill_and_save(qtbot, dialog, action: str, day: str, reason: str = "") -> None:
    """Choose the action and type the fields as a person does, then press "Ghi"."""
    dialog.action.setCurrentIndex(dialog.action.findData(action))
    dialog.on.clear()
    type_text(qtbot, dialog.on, day)
    if reason:
        type_text(qtbot, dialog.reason, reason)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.error.isHidden(), dialog.error.text()
    assert dialog.done_action == action


def send_to_b(qtbot, session, code: str) -> None:
    w = window(qtbot, session, code)
    dialog = w.open_transfer_dialog()
    dialog.to_org.setCurrentIndex(-1)
    type_text(qtbot, dialog.to_org.lineEdit(), B)
    fill_and_save(qtbot, dialog, "out", "20/11/2026", "Chuyển nơi cư trú")
    assert not w.transit_label.isHidden() and not w.record_button.isEnabled()


def in_transit_at(qtbot, session) -> str:
    page = HomePage(AppContext(session, TODAY))
    qtbot.addWidget(page)
    return "" if page.in_transit.isHidden() else page.in_transit.label.text()


def listed(qtbot, session, moved: bool = False) -> dict[str, str]:
    """The candidate list page's rows: file code -> the state column's text."""
    page = CandidateListPage(AppContext(session, TODAY))
    qtbot.addWidget(page)
    if moved:
        page.held_box.setCurrentIndex(page.held_box.findData("moved"))
    m = page.model
    code_col, state_col = COLUMN_KEYS.index("file_code"), COLUMN_KEYS.index("state")
    return {
        m.data(m.index(r, code_col)): m.data(m.index(r, state_col)) for r in range(m.rowCount())
    }


def test_a_file_sent_accepted_and_then_read_only_at_the_old_cell(qtbot, commune) -> None:
    cell_a, cell_b, post = commune.cells[A], commune.cells[B], commune.post
    code = movable(cell_a, 0)
    send_to_b(qtbot, cell_a, code)
    post.round(A, B)
    assert code in in_transit_at(qtbot, cell_b) and f"{A} → {B}" in in_transit_at(qtbot, cell_b)

    w = window(qtbot, cell_b, code)
    dialog = w.open_transfer_dialog()
    assert [dialog.action.itemData(i) for i in range(dialog.action.count())] == [
        "accept",
        "return",
    ]
    fill_and_save(qtbot, dialog, "accept", "22/11/2026")
    assert w.transit_label.isHidden() and w.transfer_button.isEnabled()
    assert not in_transit_at(qtbot, cell_b) and code in listed(qtbot, cell_b)

    post.round(B, A)
    old = window(qtbot, cell_a, code)
    assert not old.transit_label.isHidden()
    assert f"Đã chuyển đi (22/11/2026, {B})" in old.transit_label.text()
    assert not old.record_button.isEnabled() and not old.transfer_button.isEnabled()
    assert code not in listed(qtbot, cell_a)
    assert listed(qtbot, cell_a, moved=True) == {code: f"Đã chuyển đi (22/11/2026, {B})"}
    assert not in_transit_at(qtbot, cell_a)


def test_a_file_returned_in_the_window_comes_home(qtbot, commune) -> None:
    cell_a, cell_b, post = commune.cells[A], commune.cells[B], commune.post
    code = movable(cell_a, 1)
    send_to_b(qtbot, cell_a, code)
    post.round(A, B)
    dialog = window(qtbot, cell_b, code).open_transfer_dialog()
    fill_and_save(qtbot, dialog, "return", "21/11/2026", "Không cư trú ở thôn")
    assert not in_transit_at(qtbot, cell_b)
    assert listed(qtbot, cell_b, moved=True) == {code: f"Đã trả lại (21/11/2026, {A})"}
    post.round(B, A)
    home = window(qtbot, cell_a, code)
    assert home.transit_label.isHidden() and home.record_button.isEnabled()
    assert code in listed(qtbot, cell_a) and not in_transit_at(qtbot, cell_a)


def test_a_file_withdrawn_in_the_window_leaves_the_receivers_list(qtbot, commune) -> None:
    cell_a, cell_b, post = commune.cells[A], commune.cells[B], commune.post
    code = movable(cell_a, 2)
    send_to_b(qtbot, cell_a, code)
    post.round(A, B)
    assert code in in_transit_at(qtbot, cell_b)
    w = window(qtbot, cell_a, code)
    dialog = w.open_transfer_dialog()
    assert [dialog.action.itemData(i) for i in range(dialog.action.count())] == ["withdraw"]
    fill_and_save(qtbot, dialog, "withdraw", "21/11/2026", "Ở lại thôn")
    # still in transit at A until B's station answers: the box says it was withdrawn
    assert "đã rút lại" in in_transit_at(qtbot, cell_a) and not w.record_button.isEnabled()
    post.round(A, B)
    assert not in_transit_at(qtbot, cell_b)  # B's station returned it by itself
    post.round(B, A)
    home = window(qtbot, cell_a, code)
    assert home.transit_label.isHidden() and home.record_button.isEnabled()
    assert not in_transit_at(qtbot, cell_a) and code in listed(qtbot, cell_a)
