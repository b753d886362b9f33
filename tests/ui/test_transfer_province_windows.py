"""A file moves to another commune through the province in the real windows (RULES.md
§2a): cell X01-CB01 sends it with the file window's dialog; the bundles go up to the
province and down to the commune X02 (the sync service, as the sync page runs it), which
keeps the receiving cell itself: its home page shows the file "Đang chuyển" and its file
window accepts it; the answer goes back the same way and the old cell's window shows its
copy read-only, moved to the new cell."""

from __future__ import annotations

import pytest

from khdesk.core.services import candidates
from tests.stations import build_two_communes, carry
from tests.ui.helpers import type_text
from tests.ui.test_transfer_stations import fill_and_save, in_transit_at, listed, window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")

A, B = "X01-CB01", "X02-CB01"


@pytest.fixture
def world(tmp_path):
    w = build_two_communes(tmp_path / "home", tmp_path)
    w.stick = tmp_path / "stick"
    w.stick.mkdir()
    for sender, receiver in ((w.cell, w.commune.committee), (w.commune.committee, w.kh)):
        carry(sender, receiver, w.stick)
    carry(w.x02, w.kh, w.stick)  # the province knows the communes' cells
    yield w
    w.close()


def test_a_file_moves_to_another_commune_through_the_windows(qtbot, world) -> None:
    cell, x01, kh, x02 = world.cell, world.commune.committee, world.kh, world.x02
    stick = world.stick

    def there() -> None:
        carry(cell, x01, stick)
        carry(x01, kh, stick)
        carry(kh, x02, stick, to="X02")

    def back() -> None:
        carry(x02, kh, stick)
        carry(kh, x01, stick, to="X01")
        carry(x01, cell, stick, to=A)

    code = next(
        f["file_code"]
        for f in candidates.list_files(cell)
        if f["state"] in ("NGUON", "BOI_DUONG", "HO_SO")
    )
    sending = window(qtbot, cell, code)
    dialog = sending.open_transfer_dialog()
    dialog.to_org.setCurrentIndex(-1)
    type_text(qtbot, dialog.to_org.lineEdit(), B)
    fill_and_save(qtbot, dialog, "out", "20/11/2026", "Đi làm ăn ở Cam Hòa")
    assert not sending.transit_label.isHidden() and not sending.record_button.isEnabled()

    there()
    assert code in in_transit_at(qtbot, x02) and f"{A} → {B}" in in_transit_at(qtbot, x02)
    receiving = window(qtbot, x02, code)
    assert not receiving.record_button.isEnabled()  # in transit: no step at either end
    dialog = receiving.open_transfer_dialog()
    assert [dialog.action.itemData(i) for i in range(dialog.action.count())] == [
        "accept",
        "return",
    ]
    fill_and_save(qtbot, dialog, "accept", "23/11/2026")
    assert receiving.transit_label.isHidden() and code in listed(qtbot, x02)
    assert not in_transit_at(qtbot, x02)

    back()
    old = window(qtbot, cell, code)
    assert f"Đã chuyển đi (23/11/2026, {B})" in old.transit_label.text()
    assert not old.record_button.isEnabled() and not old.transfer_button.isEnabled()
    assert code not in listed(qtbot, cell)
    assert listed(qtbot, cell, moved=True) == {code: f"Đã chuyển đi (23/11/2026, {B})"}
    # the province and the old commune see the file at its new cell, nothing in transit
    for station in (kh, x01):
        assert not in_transit_at(qtbot, station)
