"""A file moving out of the province through the real windows (RULES.md §2a): at KH the
sync page's "Chuyển ra ngoài tỉnh" tab writes the transfer file and prints the list; at
DNG the receiving dialog shows what the verified file carries and accepts it under one of
its units, writing the answer; back at KH the answer closes the transfer. A refused file
is said in Vietnamese and writes nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from khdesk.core.services import candidates, catalogue, transfer_list
from khdesk.core.store import schema as t
from khdesk.ui import operation
from khdesk.ui.candidate_file import CandidateFileWindow
from khdesk.ui.context import AppContext
from khdesk.ui.sync.page import SyncPage
from khdesk.ui.transfer_dialog import OUTSIDE, TransferDialog
from tests.stations import build_outside
from tests.ui.helpers import TODAY

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def world(tmp_path):
    w = build_outside(tmp_path)
    yield w
    w.close()


def tab(qtbot, session):
    page = SyncPage(AppContext(session, TODAY))
    qtbot.addWidget(page)
    assert page.tabs.tabText(page.tabs.count() - 1) == "Chuyển ra ngoài tỉnh"
    return page.outside


def received(qtbot, panel, path):
    """The answering dialog of `path`, once verified in the background."""
    panel.receive_file(path)
    qtbot.waitUntil(lambda: operation.running() == 0)
    assert panel.dialog is not None, panel.message.text()
    qtbot.addWidget(panel.dialog)
    return panel.dialog


def held(session, code: str) -> tuple:
    with session.store.read() as conn:
        return tuple(
            conn.execute(
                select(t.candidates.c.owner, t.candidates.c.org_code).where(
                    t.candidates.c.file_code == code
                )
            ).one()
        )


def test_a_file_leaves_the_province_through_the_windows(qtbot, world, tmp_path) -> None:
    w = world
    kh = tab(qtbot, w.kh)
    assert kh.pending.findData(w.code) >= 0  # in transit to DNG: may be written out
    out = tmp_path / "usb"
    out.mkdir()
    assert kh.export(w.code, out)
    [sent] = out.iterdir()
    assert sent.suffix == ".khct" and "Đã ghi tệp chuyển hồ sơ" in kh.message.text()
    pdf = tmp_path / "list.pdf"
    assert kh.print_list(w.code, pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "DANH SÁCH CHUYỂN HỒ SƠ" in text and w.code in text

    dng = tab(qtbot, w.dng)
    assert dng.pending.count() == 0
    dialog = received(qtbot, dng, sent)  # verified off the UI thread, then shown
    assert dialog.isVisible()
    assert w.code in dialog.intro.text() and "X01-CB01" in dialog.intro.text()
    assert dialog.error.isHidden() and dialog.ok.isEnabled()
    assert dialog.unit.itemData(0) == "DNG"
    dialog.unit.setCurrentIndex(dialog.unit.findData("DNG-CB01"))
    dialog.on.setText("19/11/2026")  # before it was sent: refused, nothing written
    assert dialog.save()
    qtbot.waitUntil(lambda: operation.running() == 0)
    assert "trước ngày chuyển đi" in dialog.error.text() and dialog.ok.isEnabled()
    assert dialog.isVisible()
    with w.dng.store.read() as conn:
        assert conn.execute(select(t.candidates.c.id)).first() is None
    dialog.on.setText("23/11/2026")
    assert dialog.save()
    assert not dialog.ok.isEnabled()  # running: pressed once
    qtbot.waitUntil(lambda: operation.running() == 0)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert held(w.dng, w.code) == ("DNG", "DNG")  # passed on to DNG-CB01: in transit there
    assert "Đã ghi tệp trả lời" in dng.message.text()
    assert [dng.model.text(0, "way"), dng.model.text(0, "status_label")] == [
        "nhận",
        "tỉnh nhận đã tiếp nhận",
    ]
    # the same file again: shown with why it cannot be taken, nothing to press
    again = received(qtbot, dng, sent)
    assert "đã được nhận" in again.error.text() and not again.ok.isEnabled()
    # a damaged file: said in Vietnamese, no dialog
    bad = tmp_path / "bad.khct"
    bad.write_bytes(sent.read_bytes()[:-1])
    dng.receive_file(bad)
    qtbot.waitUntil(lambda: operation.running() == 0)
    assert dng.dialog is None and "không giải mã được" in dng.message.text()

    assert kh.import_answer(dialog.answer_file)
    assert "đã chuyển ra ngoài tỉnh" in kh.message.text()
    assert held(w.kh, w.code) == ("DNG", "DNG") and kh.pending.count() == 0
    # the copy left at KH is read-only and says where the file went
    window = CandidateFileWindow(AppContext(w.kh, TODAY), w.code)
    qtbot.addWidget(window)
    assert not window.transit_label.isHidden()
    assert "Đã chuyển ra ngoài tỉnh: DNG tiếp nhận ngày 23/11/2026" in window.transit_label.text()
    assert not window.record_button.isEnabled()
    there = CandidateFileWindow(AppContext(w.dng, TODAY), w.code)
    qtbot.addWidget(there)
    assert "ngoài tỉnh" not in there.transit_label.text()  # in transit to DNG-CB01 there


def test_the_transfer_dialog_offers_the_provinces_the_catalogue_lists(qtbot, world) -> None:
    """At the cell, once KH's catalogue is installed: "Ngoài tỉnh" offers DNG and QNA
    (code and name) instead of typing a code exactly; the choice is what is recorded."""
    w = world
    usb = w.folder / "catalogue"
    usb.mkdir()
    issued = Path(catalogue.issue_catalogue(w.kh, usb / "kh.khdc").path)
    catalogue.import_catalogue(w.commune.committee, issued)
    forwarded = Path(catalogue.forward_catalogue(w.commune.committee, usb / "x01")["path"])
    assert catalogue.import_catalogue(w.cell, forwarded).status == "installed"
    code = next(
        f["file_code"]
        for f in candidates.list_files(w.cell)
        if f["org_code"] == "X01-CB01" and f["file_code"] != w.code and f["state"] != "DANG_VIEN"
    )
    dialog = TransferDialog(AppContext(w.cell, TODAY), code)
    qtbot.addWidget(dialog)
    inside = [dialog.to_org.itemData(i) for i in range(dialog.to_org.count())]
    assert "DNG" not in inside
    dialog.where.setCurrentIndex(dialog.where.findData(OUTSIDE))
    offered = [dialog.to_org.itemText(i) for i in range(dialog.to_org.count())]
    assert offered == ["DNG – Tỉnh ủy Đà Nẵng", "QNA – Tỉnh ủy Quảng Nam"]
    dialog.to_org.setCurrentIndex(dialog.to_org.findData("QNA"))
    dialog.reason.setText("Chuyển công tác")
    assert dialog.save(), dialog.error.text()
    [moving] = [
        x for x in transfer_list.list_transfers(w.cell, in_transit_only=True) if x.file_code == code
    ]
    assert moving.to_org == "QNA"
