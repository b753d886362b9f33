"""Recording a cell's vote in the record-step dialog offers the cell's meetings: choosing
one fixes the vote's day and its denominator (the meeting's roll) and links the vote to
the meeting (RULES.md §2a); the chosen meeting is corrected, printed and deleted there.
Real widgets, offscreen, on a real encrypted profile."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from khdesk.core.services.candidates import file_access, open_file
from khdesk.core.services.meetings import list_meetings, meeting_votes, new_meeting, record_vote
from khdesk.ui import operation
from khdesk.ui.context import AppContext
from khdesk.ui.record_step import RecordStepDialog
from tests.integration.core.reports.conftest import pdftotext, pdftotext_text  # noqa: F401 - fixture
from tests.meetings import CANDIDATES, NAMES, PROBATIONARY, TODAY, agenda_cell, roll


def test_the_dialog_offers_the_meeting_and_counts_on_its_roll(qtbot, cell):
    agenda_cell(cell)
    uuid = new_meeting(cell, roll(), TODAY)  # 9 official, one of them absent
    ctx = AppContext(cell, today=TODAY)

    dialog = RecordStepDialog(ctx, CANDIDATES[0], file_access(cell, CANDIDATES[0]))
    qtbot.addWidget(dialog)
    dialog.choose("A8")
    box = dialog.meeting_box
    assert dialog.form.isRowVisible(dialog.rows["meeting"][1]) and box.count() == 2
    assert box.currentData() is None  # nothing chosen for the secretary
    box.setCurrentIndex(box.findData(uuid))
    assert "20/11/2026" in box.currentText()
    assert dialog.date_edit.text() == "20/11/2026" and dialog.date_edit.isReadOnly()
    assert dialog.members_spin.value() == 9 and not dialog.members_spin.isEnabled()
    assert dialog.votes_spin.maximum() == 8  # the official members present
    dialog.votes_spin.setValue(5)
    assert "cần ít nhất 6" in dialog.vote_hint.text()
    dialog.votes_spin.setValue(6)
    assert dialog.vote_hint.text().startswith("✓ 6/9")
    assert dialog.save(), dialog.error_label.text()
    assert open_file(cell, CANDIDATES[0])["state"] == "CHI_BO_XET"

    # Back to "no meeting": the fields are the secretary's again.
    other = RecordStepDialog(ctx, PROBATIONARY, file_access(cell, PROBATIONARY))
    qtbot.addWidget(other)
    other.choose("P3")
    other.meeting_box.setCurrentIndex(other.meeting_box.findData(uuid))
    other.meeting_box.setCurrentIndex(0)
    assert other.members_spin.isEnabled() and not other.date_edit.isReadOnly()
    other.meeting_box.setCurrentIndex(other.meeting_box.findData(uuid))
    other.votes_spin.setValue(7)
    assert other.save(), other.error_label.text()

    with cell.store.read() as conn:
        held = [(v.file_code, v.step_id, v.votes_for) for v in meeting_votes(conn, uuid)]
    assert held == [(CANDIDATES[0], "A8", 6), (PROBATIONARY, "P3", 7)]


def test_a_step_without_a_vote_offers_no_meeting(qtbot, cell):
    agenda_cell(cell)
    new_meeting(cell, roll(), TODAY)
    dialog = RecordStepDialog(
        AppContext(cell, today=TODAY), CANDIDATES[1], file_access(cell, CANDIDATES[1])
    )
    qtbot.addWidget(dialog)
    dialog.choose("DUNG")
    assert not dialog.form.isRowVisible(dialog.rows["meeting"][1]) and dialog.meeting is None


def test_a_meeting_recorded_from_the_dialog_is_chosen_there(qtbot, cell):
    """No meeting yet: "Ghi kỳ họp mới…" records one (a roll that cannot be is refused and
    kept as typed), and the vote is then counted on it."""
    agenda_cell(cell)
    ctx = AppContext(cell, today=TODAY)
    dialog = RecordStepDialog(ctx, CANDIDATES[0], file_access(cell, CANDIDATES[0]))
    qtbot.addWidget(dialog)
    dialog.choose("A8")
    assert dialog.meeting_box.count() == 1  # only "no meeting"
    new = dialog.open_meeting_dialog()
    qtbot.addWidget(new)
    assert new.official_spin.value() == 9  # the register's official members, to check
    new.date_edit.setText("20/11/2026")
    new.official_spin.setValue(10)
    new.probationary_spin.setValue(1)
    new.add_absence("Đảng viên Số 9", reason="")
    assert not new.save()
    assert "lý do vắng mặt" in new.error_label.text() and new.absent_table.rowCount() == 1
    new.absent_table.item(0, 2).setText("ốm")
    new.chair_edit.setText("Đảng viên Số 1")
    new.secretary_edit.setText("Đảng viên Số 2")
    new.show()
    qtbot.keyClick(new.secretary_edit, Qt.Key.Key_Return)  # Enter records
    assert new.meeting_uuid is not None, new.error_label.text()

    assert dialog.meeting is not None and dialog.meeting.uuid == new.meeting_uuid
    assert dialog.members_spin.value() == 10 and dialog.votes_spin.maximum() == 9
    dialog.votes_spin.setValue(7)  # 7 of 10 official members: two thirds reached
    assert dialog.save(), dialog.error_label.text()
    with cell.store.read() as conn:
        held = [(v.file_code, v.votes_for) for v in meeting_votes(conn, new.meeting_uuid)]
    assert held == [(CANDIDATES[0], 7)]


@pytest.mark.usefixtures("pdftotext")  # skipped, and said, without poppler-utils
def test_the_chosen_meeting_is_corrected_printed_and_deleted_from_the_dialog(qtbot, cell, tmp_path):
    """Beside the chosen meeting: "Sửa…" corrects its day while no vote is recorded at it,
    "In biên bản…" saves the minutes (the same PDF as the CLI's), "Xóa" deletes a meeting
    without votes and refuses, naming them, one with votes."""
    agenda_cell(cell)
    voted = new_meeting(cell, roll(), TODAY)
    record_vote(cell, voted, PROBATIONARY, "P3", 8, TODAY)
    slip = new_meeting(cell, roll(on=TODAY), TODAY)  # typed on the wrong day
    ctx = AppContext(cell, today=TODAY)
    dialog = RecordStepDialog(ctx, CANDIDATES[0], file_access(cell, CANDIDATES[0]))
    qtbot.addWidget(dialog)
    dialog.choose("A8")
    assert not any(b.isEnabled() for b in dialog.meeting_actions)  # no meeting chosen
    box = dialog.meeting_box
    box.setCurrentIndex(box.findData(slip))
    assert all(b.isEnabled() for b in dialog.meeting_actions)

    edit = dialog.open_meeting_dialog(edit=True)
    qtbot.addWidget(edit)
    assert edit.date_edit.text() == "26/11/2026" and edit.absent_table.rowCount() == 1
    edit.date_edit.setText("21/11/2026")
    assert edit.save(), edit.error_label.text()
    assert box.currentData() == slip and "21/11/2026" in box.currentText()
    assert dialog.date_edit.text() == "21/11/2026"

    assert dialog.delete_meeting()
    assert box.findData(slip) == -1 and box.currentData() is None
    with cell.store.read() as conn:
        assert [m.uuid for m in list_meetings(conn)] == [voted]

    box.setCurrentIndex(box.findData(voted))
    assert not dialog.delete_meeting()
    assert f"P3 của hồ sơ {PROBATIONARY}" in dialog.error_label.text()
    edit = dialog.open_meeting_dialog(edit=True)
    qtbot.addWidget(edit)
    edit.date_edit.setText("19/11/2026")
    assert not edit.save() and "Không đổi được ngày họp" in edit.error_label.text()

    out = tmp_path / "bien-ban.pdf"
    dialog.save_minutes(out)
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=30_000)
    assert dialog.error_label.isHidden(), dialog.error_label.text()
    text = " ".join(pdftotext_text(out, tmp_path).split())
    assert "Có mặt: 9 đồng chí (chính thức: 8; dự bị: 1)" in text
    assert NAMES[PROBATIONARY] in text
