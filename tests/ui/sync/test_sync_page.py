"""The sync screens, driven like a secretary would: a cell writes a bundle to a "USB stick"
(a folder posing as a removable drive), the committee previews and imports it, a return
bundle goes back down and acknowledges the first; a new epoch waits for a confirmation, a
tampered file is shown refused and left out, a full stick shows the service's message,
and a key is enrolled only with the fingerprint read aloud."""

from __future__ import annotations

import errno
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from khdesk.core.services import sync
from khdesk.core.services.candidates import list_files
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from khdesk.core.sync import outbox
from khdesk.demo.stations import DEMO_USER, create_demo
from khdesk.ui import drives, operation
from khdesk.ui.context import AppContext
from khdesk.ui.sync.page import SyncPage
from tests.ui.helpers import type_text

TODAY = date(2026, 11, 26)
PASSWORD = "demo-password"


@pytest.fixture
def stations(tmp_path):
    """The demo's committee X01 and its cell X01-CB01, each with the other's key enrolled
    (card file + the fingerprint read aloud, as tests/stations.py does)."""
    home = tmp_path / "home"
    create_demo(home, PASSWORD, today=TODAY)
    cell = open_profile(home, "X01-CB01", DEMO_USER, PASSWORD)
    com = open_profile(home, "X01", DEMO_USER, PASSWORD)
    for one, other in ((cell, com), (com, cell)):
        card = sync.write_card(one, tmp_path / f"{one.org_code}.card")
        sync.enrol_card(other, tmp_path / f"{one.org_code}.card", card["fingerprint"])
    yield home, cell, com
    cell.close()
    com.close()


def make_page(qtbot, session) -> SyncPage:
    page = SyncPage(AppContext(session, TODAY))
    qtbot.addWidget(page)
    page.resize(1040, 650)
    page.refresh()
    return page


def settle(qtbot) -> None:
    """Until every background operation (write, check, import) has delivered."""
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def texts(model, column: int) -> list[str]:
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def received_count(session) -> int:
    with session.store.read() as conn:
        return conn.execute(select(func.count()).select_from(t.sync_received)).scalar()


def test_export_import_and_return_through_the_sync_pages(qtbot, stations, usb, tmp_path):
    _home, cell, com = stations
    cell_page = make_page(qtbot, cell)
    send = cell_page.send
    assert send.volume_list.count() == 1 and send.destination() == str(usb)
    assert "KINGSTON (E:)" in send.volume_list.item(0).text()
    assert send.target_box.count() == 1 and "(X01)" in send.target_box.currentText()

    send.export()

    settle(qtbot)
    assert send.last_error is None
    written = list(usb.iterdir())
    assert [p.suffix for p in written] == [".khdb"]
    shown = send.result_label.text()
    assert "Đã ghi và kiểm tra xong. Có thể rút USB an toàn." in shown
    assert written[0].name in shown and "17 hồ sơ" in shown
    history = cell_page.history.sent_model
    assert history.rowCount() == 1
    assert history.data(history.index(0, 4)) == "Đã gửi, chờ xác nhận"
    cell_page.show()
    cell_page.grab().save("/tmp/sync_send.png")

    com_page = make_page(qtbot, com)
    receive = com_page.receive
    com_page.tabs.setCurrentWidget(receive)
    receive.load_paths([usb])  # a folder: its bundles are found and verified
    settle(qtbot)
    model = receive.model
    assert model.rowCount() == 1
    assert texts(model, 1) == ["X01-CB01 — Chi bộ thôn Bãi Giếng Bắc"]
    assert texts(model, 2) == ["1"]
    assert "17 hồ sơ" in texts(model, 4)[0]
    assert texts(model, 5) == ["Hợp lệ, chưa nhập"]
    assert receive.import_button.isEnabled() and receive.epoch_frame.isHidden()
    assert received_count(com) == 0  # a preview changes nothing
    com_page.show()
    com_page.grab().save("/tmp/sync_preview.png")

    receive.import_valid()

    settle(qtbot)
    assert receive.last_error is None
    assert [r.status for r in receive.imported] == ["imported"]
    report = receive.report_view.toPlainText()
    assert "X01-CB01 — Chi bộ thôn Bãi Giếng Bắc" in report
    assert "đã nhập" in report and "Hồ sơ: thêm 17" in report
    assert "Hồ sơ thay đổi (17)" in report
    assert texts(model, 5) == ["Đã nhập"]
    assert not receive.import_button.isEnabled()
    assert sum(f["file_code"].startswith("X01-CB01-") for f in list_files(com)) == 17
    got = com_page.history.received_model
    assert texts(got, 0) == ["X01-CB01 — Chi bộ thôn Bãi Giếng Bắc"]
    assert texts(got, 4)[0].startswith("Đã nhập: hồ sơ: thêm 17")
    com_page.grab().save("/tmp/sync_report.png")

    # The committee's return bundle ("Gửi về chi bộ") acknowledges the cell's bundle.
    back = com_page.send
    row = back.target_box.findData("X01-CB01")
    assert row > 0 and back.target_box.itemText(row).startswith("Gửi về chi bộ:")
    back.target_box.setCurrentIndex(row)
    down = tmp_path / "usb-down"
    down.mkdir()
    back.add_folder(down)
    assert back.destination() == str(down)
    back.export()
    settle(qtbot)
    assert back.last_error is None and back.last_result.kind == "down"
    assert "Có thể rút USB an toàn." in back.result_label.text()

    cell_page.receive.load_paths(list(down.iterdir()))

    settle(qtbot)
    assert texts(cell_page.receive.model, 1) == ["X01 — Đảng ủy xã Cam Lâm"]
    cell_page.receive.import_valid()
    settle(qtbot)
    assert [r.status for r in cell_page.receive.imported] == ["imported"]
    assert texts(cell_page.history.sent_model, 4)[0].startswith("Đã được xác nhận (")


def test_a_new_epoch_waits_for_an_explicit_confirmation(qtbot, stations, usb):
    _home, cell, com = stations
    cell_page = make_page(qtbot, cell)
    cell_page.send.export()
    settle(qtbot)
    com_page = make_page(qtbot, com)
    com_page.receive.load_paths([usb])
    settle(qtbot)
    com_page.receive.import_valid()
    settle(qtbot)
    for p in usb.iterdir():
        p.unlink()

    sync.start_new_epoch(cell, "bí thư mới, máy mới")  # the CLI twin's hand-over
    cell_page.send.export()
    settle(qtbot)
    receive = com_page.receive
    receive.load_paths([usb])
    settle(qtbot)
    assert texts(receive.model, 5) == ["Giai đoạn gửi mới, chờ xác nhận"]
    assert not receive.epoch_frame.isHidden()
    assert "bí thư mới, máy mới" in receive.epoch_label.text()
    assert not receive.import_button.isEnabled()  # nothing goes in without the confirmation
    com_page.tabs.setCurrentWidget(receive)
    com_page.show()
    com_page.grab().save("/tmp/sync_epoch.png")
    receive.import_valid()
    settle(qtbot)
    assert received_count(com) == 1

    receive.accept_epoch()

    settle(qtbot)
    assert [r.status for r in receive.imported] == ["imported"]
    assert received_count(com) == 2
    assert "Đã xác nhận giai đoạn gửi mới của X01-CB01" in receive.report_view.toPlainText()
    assert receive.epoch_frame.isHidden()


def test_a_tampered_bundle_is_shown_refused_and_left_out(qtbot, stations, usb):
    _home, cell, com = stations
    cell_page = make_page(qtbot, cell)
    cell_page.send.export()
    settle(qtbot)
    good = next(usb.iterdir())
    bad = usb / "goi-dong-bo-sua.khdb"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))

    com_page = make_page(qtbot, com)
    receive = com_page.receive
    receive.load_paths([good, bad])
    settle(qtbot)
    status = dict(zip(texts(receive.model, 0), texts(receive.model, 5), strict=True))
    assert status[good.name] == "Hợp lệ, chưa nhập"
    assert status[bad.name].startswith("Bị từ chối: ")
    assert "giải mã" in status[bad.name] or "hỏng" in status[bad.name]
    assert receive.import_button.text() == "Nhập 1 tệp hợp lệ"
    receive.table.selectRow(1)
    assert "Lý do:" in receive.detail_label.text()
    com_page.tabs.setCurrentWidget(receive)
    com_page.show()
    com_page.grab().save("/tmp/sync_tampered.png")
    receive.import_valid()
    settle(qtbot)
    assert [Path(r.path).name for r in receive.imported] == [good.name]
    assert received_count(com) == 1


def test_a_full_stick_shows_the_service_message(qtbot, stations, usb, monkeypatch):
    _home, cell, _com = stations

    def full(f, data):
        f.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outbox, "_write_all", full)
    page = make_page(qtbot, cell)
    page.send.export()
    settle(qtbot)
    assert page.send.last_result is None
    assert "Không ghi được" in page.send.last_error
    assert "Chưa ghi được tệp." in page.send.result_label.text()
    assert list(usb.iterdir()) == []
    assert texts(page.history.sent_model, 4) == ["Ghi hỏng (số này bỏ qua)"]


def test_nothing_to_choose_says_so(qtbot, stations, tmp_path, monkeypatch):
    _home, cell, _com = stations
    monkeypatch.setattr(drives, "removable_volumes", lambda: [])
    page = make_page(qtbot, cell)
    assert page.send.volume_list.count() == 0 and not page.send.no_volume_label.isHidden()
    page.send.export()
    settle(qtbot)
    assert page.send.last_error == "Hãy chọn USB (hoặc một thư mục) để lưu tệp đồng bộ."
    empty = tmp_path / "empty"
    empty.mkdir()
    page.receive.load_paths([empty])
    settle(qtbot)
    assert "Không thấy tệp đồng bộ" in page.receive.last_error


def test_enrolment_needs_the_fingerprint_read_aloud(qtbot, stations, tmp_path, usb):
    home, _cell, com = stations
    other = open_profile(home, "X01-CB04", DEMO_USER, PASSWORD)
    try:
        other_page = make_page(qtbot, other)
        keys = other_page.keys
        fingerprint = keys.fingerprint_label.text()
        groups = fingerprint.split(" ")
        assert len(groups) == 6 and all(len(g) == 4 for g in groups)
        card = keys.write_card(usb)
        assert card is not None and card.exists()
        assert "Đã ghi thẻ khóa" in keys.own_result.text()
    finally:
        other.close()

    page = make_page(qtbot, com)
    panel = page.keys
    before = panel.peer_model.rowCount()
    panel.card_edit.setText(str(card))
    wrong = "0000 1111 2222 3333 4444 5555"
    type_text(qtbot, panel.typed_edit, wrong)
    assert panel.enrol() is False
    assert "không khớp" in panel.last_error
    assert fingerprint not in panel.enrol_result.text()  # never shown: it could be copied
    assert panel.peer_model.rowCount() == before

    panel.typed_edit.clear()
    type_text(qtbot, panel.typed_edit, fingerprint.replace(" ", "").lower())
    assert panel.enrol() is True, panel.last_error
    assert "Mã xác nhận khớp" in panel.enrol_result.text()
    rows = texts(panel.peer_model, 0)
    assert len(rows) == before + 1 and any(r.startswith("X01-CB04 — ") for r in rows)
    assert page.send.target_box.findData("X01-CB04") > 0  # a return bundle can now go there
    page.tabs.setCurrentWidget(panel)
    page.show()
    page.grab().save("/tmp/sync_keys.png")


def test_rotate_and_revoke(qtbot, stations):
    _home, cell, com = stations
    page = make_page(qtbot, com)
    panel = page.keys
    old = panel.fingerprint_label.text()
    assert panel.rotate() is not None
    assert panel.fingerprint_label.text() != old
    peer = panel.status["peers"][0]
    assert panel.revoke(peer["fingerprint"]) is True
    assert texts(panel.peer_model, 3)[0] == "Đã thu hồi"
    assert "Đã thu hồi khóa của X01-CB01" in panel.peer_result.text()
    # A return bundle is no longer offered to a revoked key.
    assert page.send.target_box.findData("X01-CB01") < 0


def test_every_table_model_passes_the_model_tester(qtmodeltester, qtbot, stations, usb):
    _home, cell, com = stations
    cell_page = make_page(qtbot, cell)
    cell_page.send.export()
    settle(qtbot)
    com_page = make_page(qtbot, com)
    com_page.receive.load_paths([usb])
    settle(qtbot)
    qtmodeltester.check(com_page.receive.model)
    com_page.receive.import_valid()
    settle(qtbot)
    com_page.send.target_box.setCurrentIndex(com_page.send.target_box.findData("X01-CB01"))
    com_page.send.export()
    settle(qtbot)
    for model in (
        com_page.receive.model,
        com_page.history.sent_model,
        com_page.history.received_model,
        com_page.keys.peer_model,
        cell_page.history.sent_model,
    ):
        assert model.rowCount() > 0
        qtmodeltester.check(model)


def test_sending_up_without_the_upper_key_says_what_to_do(qtbot, stations, usb):
    _home, _cell, com = stations
    page = make_page(qtbot, com)
    send = page.send
    assert send.target_box.itemText(0) == "Cấp trên (KH)"
    send.target_box.setCurrentIndex(0)
    send.export()
    settle(qtbot)
    assert "Chưa ghi nhận khóa của cấp trên" in send.last_error
    assert list(usb.iterdir()) == []


def test_reported_history_alerts_show_in_the_received_list(qtbot, stations):
    """A cell's history rewound by a confirmed restore (FORMAT.md §11) is listed beside the
    bundles received, in orange; a break shows as the quarantined bundle (red)."""
    from khdesk.core.sync import history

    _home, _cell, com = stations
    manifest = {
        "sender": {"org_code": "X01-CB01"},
        "bundle_id": "0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f9009",
        "epoch": {"id": "6f0e1c7a-3b1d-4a55-9a3e-0c1f5d2b7e09"},
        "seq": 4,
    }
    reason = "Nhật ký thao tác của X01-CB01 lùi lại từ mục số 12 trong giai đoạn gửi mới."
    with com.store.write("bithu", changes=False) as tx:
        history.record_alert(tx.conn, manifest, "rewound", 12, reason, tx.now)
    page = make_page(qtbot, com)
    got = page.history.received_model
    assert texts(got, 0) == ["X01-CB01"]
    assert texts(got, 4) == [f"Nhật ký báo cáo: {reason}"]
