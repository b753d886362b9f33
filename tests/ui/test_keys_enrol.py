"""The keys panel's enrolment cannot trap (issue 17 item 3): a cell's card whose unit the
committee does not list is not enrolled silently; the panel asks (a real message box,
answered by clicking its button) to add the unit its signed card names, then enrols."""

from __future__ import annotations

from datetime import date

from PySide6.QtTest import QTest

from khdesk.core.services import sync
from khdesk.core.services.committee import cell_overview
from khdesk.ui.context import AppContext
from khdesk.ui.sync.page import SyncPage
from tests.conftest import make_profile
from tests.ui.helpers import click_in_next_box

TODAY = date(2026, 11, 26)


def test_the_panel_offers_to_add_the_cells_unit_then_enrols(qtbot, committee, home, clock):
    cell, _ = make_profile(home, "cell", "X01-CB07", "Chi bộ thôn Bãi Giếng Bắc", clock, "X01")
    try:
        card = sync.write_card(cell, home / "cb07.card")
    finally:
        cell.close()
    page = SyncPage(AppContext(committee, TODAY))
    qtbot.addWidget(page)
    page.refresh()
    panel = page.keys
    panel.card_edit.setText(str(home / "cb07.card"))
    QTest.keyClicks(panel.typed_edit, card["fingerprint"])

    seen: list[str] = []
    click_in_next_box("Hủy", seen)  # the owner declines: nothing recorded
    panel.enrol_button.click()
    assert "X01-CB07" in seen[0] and "danh sách đơn vị" in seen[0]
    assert "X01-CB07" in panel.last_error and panel.peer_model.rowCount() == 0
    assert "✗" in panel.enrol_result.text()

    click_in_next_box("Thêm đơn vị và ghi nhận", seen)
    panel.enrol_button.click()
    assert len(seen) == 2 and panel.last_error is None
    assert "Đã thêm X01-CB07 (Chi bộ thôn) vào danh sách đơn vị" in panel.enrol_result.text()
    assert panel.peer_model.rowCount() == 1
    assert [r.org_code for r in cell_overview(committee, TODAY)] == ["X01-CB07"]
