"""The "Chuyển hồ sơ" action of the file window (RULES.md §2a) as real widgets on the
demo committee's encrypted profile: a file of a cell it keeps is sent to another, shows
"Đang chuyển" and takes no step, then is accepted; a refusal shows in Vietnamese under
the fields and writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from khdesk.core.services import attachments, candidates, transfers
from khdesk.ui.candidate_file import CandidateFileWindow
from khdesk.ui.committee import CommitteePage
from khdesk.ui.context import AppContext
from khdesk.ui.home import HomePage
from tests.stations import add_office_cell, build_commune, carry, dump
from tests.ui.helpers import TODAY, type_text

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def committee(tmp_path):
    commune = build_commune(tmp_path / "home", enrol=False)
    add_office_cell(commune.committee)
    yield commune.committee
    commune.close()


def file_window(qtbot, committee) -> tuple[str, AppContext, CandidateFileWindow]:
    """A movable file of the office-kept cell X01-CB02, open in its window."""
    code = next(
        f["file_code"]
        for f in candidates.list_files(committee)
        if f["org_code"] == "X01-CB02" and f["state"] in ("NGUON", "BOI_DUONG", "HO_SO")
    )
    ctx = AppContext(committee, TODAY)
    window = CandidateFileWindow(ctx, code)
    qtbot.addWidget(window)
    return code, ctx, window


def test_send_a_file_then_accept_it_in_the_file_window(qtbot, committee) -> None:
    code, ctx, window = file_window(qtbot, committee)
    assert window.transfer_button.isEnabled() and window.transit_label.isHidden()

    dialog = window.open_transfer_dialog()
    assert [dialog.action.itemData(i) for i in range(dialog.action.count())] == ["out"]
    # The scan belongs to the previous cell's opinion: no file is picked for a sending.
    assert not dialog.scan.isEnabled() and not dialog.scan_button.isEnabled()
    dialog.to_org.setCurrentIndex(dialog.to_org.findData("X01-CB05"))
    dialog.on.setText("27/11/2026")  # tomorrow: refused, nothing written
    before = dump(committee)
    assert not dialog.save()
    assert "tương lai" in dialog.error.text() and dialog.error.isVisible()
    assert dump(committee) == before
    dialog.on.setText("20/11/2026")
    dialog.reason.setText("Chuyển nơi cư trú")
    assert dialog.save()
    assert not window.transit_label.isHidden() and "X01-CB05" in window.transit_label.text()
    assert not window.record_button.isEnabled()  # no step while in transit
    # the home page and the committee overview list it as "Đang chuyển"
    for page in (HomePage(ctx), CommitteePage(ctx)):
        qtbot.addWidget(page)
        assert not page.in_transit.isHidden() and code in page.in_transit.label.text()
        assert "X01-CB02 → X01-CB05" in page.in_transit.label.text()

    dialog = window.open_transfer_dialog()
    # the committee keeps both cells: it answers for the receiver or withdraws for the sender
    assert [dialog.action.itemData(i) for i in range(dialog.action.count())] == [
        "accept",
        "return",
        "withdraw",
    ]
    dialog.on.setText("22/11/2026")
    assert dialog.save() and dialog.done_action == "accept"
    assert window.transit_label.isHidden()
    page = HomePage(ctx)
    qtbot.addWidget(page)
    assert page.in_transit.isHidden()
    assert candidates.open_file(committee, code, audit=False)["org_code"] == "X01-CB05"


def test_withdraw_a_file_in_the_file_window(qtbot, committee) -> None:
    """The committee keeps both cells: "Rút lại" answers at once, the file is home."""
    code, ctx, window = file_window(qtbot, committee)
    dialog = window.open_transfer_dialog()
    dialog.to_org.setCurrentIndex(dialog.to_org.findData("X01-CB05"))
    dialog.on.setText("20/11/2026")
    assert dialog.save()
    dialog = window.open_transfer_dialog()
    dialog.action.setCurrentIndex(dialog.action.findData("withdraw"))
    dialog.on.setText("19/11/2026")  # before it was sent: refused, nothing written
    before = dump(committee)
    assert not dialog.save() and "trước ngày chuyển đi" in dialog.error.text()
    assert dump(committee) == before
    dialog.on.setText("21/11/2026")
    dialog.reason.setText("Ở lại thôn")
    assert dialog.save() and dialog.done_action == "withdraw"
    assert window.transit_label.isHidden() and window.record_button.isEnabled()
    page = HomePage(ctx)
    qtbot.addWidget(page)
    assert page.in_transit.isHidden()
    assert candidates.open_file(committee, code, audit=False)["org_code"] == "X01-CB02"


def test_record_the_previous_cells_opinion_after_acceptance(qtbot, committee, tmp_path) -> None:
    """TRANSFER_PRIOR_OPINION later: typed into the dialog, with its scan, saved by "Ghi"."""
    code, ctx, window = file_window(qtbot, committee)
    transfers.transfer_out(committee, code, "X01-CB05", date(2026, 11, 20), TODAY)
    transfers.accept(committee, code, date(2026, 11, 22), TODAY)
    scan = tmp_path / "nhan-xet.pdf"
    scan.write_bytes(b"%PDF-1.4 y kien")
    dialog = window.open_transfer_dialog()
    assert [dialog.action.itemData(i) for i in range(dialog.action.count())] == [
        "out",
        "opinion",
    ]
    dialog.action.setCurrentIndex(dialog.action.findData("opinion"))
    assert dialog.prior_cell.currentData() == "X01-CB02" and not dialog.to_org.isEnabled()
    assert dialog.scan.isEnabled() and dialog.scan_button.isEnabled()
    dialog.on.clear()
    type_text(qtbot, dialog.on, "23/11/2026")
    type_text(qtbot, dialog.reason, "Hoàn thành tốt nhiệm vụ")
    type_text(qtbot, dialog.opinion, "3-NX/CB")
    type_text(qtbot, dialog.scan, str(scan))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.done_action == "opinion" and dialog.error.isHidden()
    steps = candidates.open_file(committee, code, audit=False)["steps"]
    [given] = [s for s in steps if s["step_id"] == "CHUYEN_NX"]
    assert (given["from_org"], given["doc_no"], given["note"]) == (
        "X01-CB02",
        "3-NX/CB",
        "Hoàn thành tốt nhiệm vụ",
    )
    names = [a["name"] for a in attachments.list_attachments(committee, code)]
    assert "nhan-xet.pdf" in names


def test_the_committee_does_not_offer_to_send_a_file_its_cell_keeps(qtbot, tmp_path) -> None:
    """X01-CB01 runs khdesk and holds its own files: only that cell sends one of them;
    at the committee the action is not offered (the office-kept cell's files are)."""
    commune = build_commune(tmp_path / "home")
    try:
        committee = commune.committee
        stick = tmp_path / "stick"
        stick.mkdir()
        carry(commune.cells["X01-CB01"], committee, stick)
        code = next(
            f["file_code"] for f in candidates.list_files(committee) if f["org_code"] == "X01-CB01"
        )
        window = CandidateFileWindow(AppContext(committee, TODAY), code)
        qtbot.addWidget(window)
        assert window.access.committee_steps  # the committee records its decisions on it…
        assert not window.transfer_button.isEnabled()  # …but does not send it away
        _, _, kept = file_window(qtbot, committee)
        assert kept.transfer_button.isEnabled()
        window.close()
        kept.close()
    finally:
        commune.close()
