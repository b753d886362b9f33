"""The "Sao lưu & an toàn" page: backups, restore in place, the data check, the audit
view, moving to a new PC and handing over — real widgets on a real encrypted demo."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import select

from khdesk.core.services import backup, candidates, integrity, profiles
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from khdesk.demo.stations import create_demo
from khdesk.ui import operation
from khdesk.ui.context import AppContext
from khdesk.ui.main_window import MainWindow
from khdesk.ui.safety.audit import AuditModel
from khdesk.ui.safety.old_backup import OpenOldBackupDialog
from khdesk.ui.safety.page import SafetyPage, check_text
from tests.ui.helpers import type_text

TODAY = date(2026, 11, 26)
PASSWORD = "demo-password"
SHOTS = os.environ.get("KHDESK_SHOTS")  # a folder: save the renders there too


@pytest.fixture
def demo_home(tmp_path):
    home = tmp_path / "home"
    create_demo(home, PASSWORD, today=TODAY)
    return home


@pytest.fixture
def page(qtbot, demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", PASSWORD)
    page = SafetyPage(AppContext(session, TODAY))
    qtbot.addWidget(page)
    page.resize(1070, 640)
    page.show()
    page.refresh()
    yield page
    session.close()


def _shot(widget, name: str) -> None:
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, f"{name}.png"))


def _a_file(session) -> str:
    with session.store.read() as conn:
        return conn.execute(
            select(t.candidates.c.file_code).order_by(t.candidates.c.file_code)
        ).scalar()


def settle(qtbot) -> None:
    """Until every background operation has delivered its result."""
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def test_backup_now_is_listed(page, tmp_path, qtbot):
    assert page.backup_table.rowCount() == len(backup.list_backups(page.session.dir))
    usb = tmp_path / "usb"
    usb.mkdir()
    page.backup_now(usb)
    settle(qtbot)
    info = page.last_backup
    assert info is not None and (usb / info.path.name).exists()
    assert page.backup_table.item(0, 0).text() == info.local_time.strftime("%d/%m/%Y %H:%M")
    assert page.backup_table.item(0, 1).text() == "Tạo thủ công"
    assert "Đã sao lưu" in page.backup_status.text()
    assert page.restore_button.isEnabled()
    _shot(page, "safety-backups")


def test_restore_in_place_brings_the_data_back(page, qtbot):
    session = page.session
    code = _a_file(session)
    page.backup_now()
    settle(qtbot)
    info = page.last_backup
    candidates.update_identity(session, code, {"notes": "ghi chú sau khi sao lưu"})
    page.refresh()
    dialog = page.restore_dialog(info)
    type_text(None, dialog.password_edit, "sai-mat-khau")
    dialog.save()
    settle(qtbot)
    assert not dialog.restored and dialog.isEnabled()
    assert dialog.error_label.text() == "Mật khẩu không đúng."
    dialog.password_edit.clear()
    type_text(None, dialog.password_edit, PASSWORD)
    _shot(dialog, "safety-restore")
    dialog.save()
    settle(qtbot)
    assert dialog.restored and dialog.kept
    # The same session works on the restored data: the note is gone, the audit says so.
    with session.store.read() as conn:
        notes = conn.execute(
            select(t.candidates.c.notes).where(t.candidates.c.file_code == code)
        ).scalar()
    assert notes != "ghi chú sau khi sao lưu"
    assert integrity.list_audit(session, limit=5)[0]["action"] == "backup_restore"
    assert "Đã khôi phục" in page.backup_status.text()
    kinds = {b.kind for b in backup.list_backups(session.dir)}
    assert "before-restore" in kinds


def test_db_check_shows_ok_in_plain_vietnamese(page, qtbot):
    page.tabs.setCurrentIndex(1)
    page.run_check()
    settle(qtbot)
    report = page.last_check
    assert report is not None and report.ok
    assert page.check_result.text().startswith("✔ Dữ liệu nguyên vẹn")
    _shot(page, "safety-check")
    bad = integrity.CheckReport(problems=["Hồ sơ X: giai đoạn ghi 'A' khác 'B'."])
    assert "Phát hiện 1 vấn đề" in check_text(bad) and "khôi phục" in check_text(bad)


def test_audit_view_filters_by_file_newest_first(page, qtmodeltester):
    session = page.session
    code = _a_file(session)
    candidates.open_file(session, code)
    candidates.update_identity(session, code, {"notes": "xem nhật ký"})
    page.tabs.setCurrentIndex(2)
    assert page.audit_model.rowCount() > 0
    type_text(None, page.audit_filter, code.lower())
    page.filter_audit(page.audit_filter.text())
    model = page.audit_model
    assert model.rowCount() >= 1
    targets = {model.data(model.index(r, 3)) for r in range(model.rowCount())}
    assert targets == {f"Hồ sơ {code}"}
    assert model.data(model.index(0, 2)) == "Sửa"  # the newest first
    assert "/" in model.data(model.index(0, 0))  # dd/mm/yyyy HH:MM
    assert f"của hồ sơ {code}" in page.audit_count.text()
    _shot(page, "safety-audit")
    qtmodeltester.check(model)
    # The lazy model pages through a long log.
    whole = AuditModel(session)
    whole.PAGE = 5
    whole.reload()
    assert whole.rowCount() == 5 and whole.canFetchMore()
    whole.fetchMore()
    assert whole.rowCount() == 10
    qtmodeltester.check(whole)


def test_move_to_new_pc_then_open_it_there(page, tmp_path, qtbot):
    usb = tmp_path / "usb"
    usb.mkdir()
    dialog = page.move_dialog()
    qtbot.addWidget(dialog)
    assert not dialog.save()
    assert "thẻ nhớ" in dialog.error_label.text()
    dialog.folder_edit.setText(str(usb))
    assert dialog.save()
    settle(qtbot)
    [written] = list(usb.glob("*.khbak"))
    assert "Mở bản sao lưu từ máy cũ" in dialog.result_label.text()
    assert dialog.ok_button.text() == "Xong"
    dialog.resize(640, 360)
    _shot(dialog, "safety-move")
    # On the new PC, from the sign-in screen.
    other = OpenOldBackupDialog(tmp_path / "may-moi")
    qtbot.addWidget(other)
    other.file_edit.setText(str(written))
    other.user_edit.setText("bithu")
    type_text(None, other.password_edit, PASSWORD)
    _shot(other, "safety-open-old")
    assert other.save()
    settle(qtbot)
    assert other.session is not None
    assert other.session.info.org_code == "X01-CB01"
    other.session.close()


def test_handover_adds_the_new_secretary_and_a_new_epoch(page, qtbot):
    dialog = page.handover_dialog()
    qtbot.addWidget(dialog)
    dialog.user_edit.setText("bithumoi")
    type_text(None, dialog.password_edit, "moi-123456")
    type_text(None, dialog.again_edit, "moi-khac")
    assert not dialog.save()
    assert "không giống nhau" in dialog.error_label.text()
    dialog.again_edit.clear()
    type_text(None, dialog.again_edit, "moi-123456")
    type_text(None, dialog.note_edit, "Quyết định chuẩn y bí thư")
    assert dialog.save()
    settle(qtbot)
    assert dialog.result is not None
    assert dialog.result.recovery_key in dialog.result_label.text()
    users = {u["name"]: u["role"] for u in profiles.list_users(page.session)}
    assert users["bithumoi"] == "owner" and "bithu" in users
    actions = [e["action"] for e in integrity.list_audit(page.session, limit=10)]
    assert "sync_epoch" in actions and actions[0] == "handover"
    dialog.resize(640, 420)
    _shot(dialog, "safety-handover")


def test_page_in_the_main_window_and_for_a_viewer(qtbot, demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", PASSWORD)
    profiles.add_user(session, "xem", "xem-123456", "viewer")
    window = MainWindow(session, TODAY)
    qtbot.addWidget(window)
    window.show()
    window.show_page("safety")
    assert window.current_page().key == "safety"
    _shot(window, "safety-window")
    session.close()
    viewer = open_profile(demo_home, "X01-CB01", "xem", "xem-123456")
    page = SafetyPage(AppContext(viewer, TODAY))
    qtbot.addWidget(page)
    page.refresh()
    assert not page.backup_button.isEnabled() and not page.restore_button.isEnabled()
    assert not page.move_button.isEnabled() and not page.handover_button.isEnabled()
    assert "chỉ xem" in page.backup_status.text()
    page.tabs.setCurrentIndex(3)
    page.resize(1070, 640)
    _shot(page, "safety-move-tab-viewer")
    viewer.close()


def test_after_sign_in_checks_and_takes_the_days_backup(qtbot, demo_home):
    from sqlalchemy import text

    from khdesk.ui.safety.startup import after_sign_in

    session = open_profile(demo_home, "X01-CB01", "bithu", PASSWORD)
    window = MainWindow(session, TODAY)
    qtbot.addWidget(window)
    window.show()
    thread = after_sign_in(window, session)
    thread.join(30)
    assert not hasattr(window, "startup_warning")
    assert [b.kind for b in backup.list_backups(session.dir)] == ["daily"]
    assert after_sign_in(window, session).join(30) is None  # one a day
    assert len(backup.list_backups(session.dir)) == 1
    with session.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit SET user = 'x' WHERE id = (SELECT max(id) FROM audit)"))
    after_sign_in(window, session, daily_backup=False)
    box = window.startup_warning
    assert box.isVisible() and "đã bị sửa" in box.text()
    _shot(box, "safety-startup-warning")
    box.close()
    session.close()


def test_retention_preview_archive_and_bring_back(page, qtbot):
    page.tabs.setCurrentIndex(4)
    page.years_box.setValue(1)  # today 26/11/2026: files closed by 26/11/2025 are due
    plan = page.preview_retention()
    assert plan is not None and len(plan.items) == 2 and not plan.done
    assert page.retention_table.rowCount() == 2
    assert page.retention_table.item(0, 1).text() == "Đảng viên chính thức"
    assert "Chưa thay đổi gì" in page.retention_status.text()
    assert page.archive_button.isEnabled()
    _shot(page, "safety-retention-preview")
    page.archive_due()
    settle(qtbot)
    done = page.last_retention
    assert done is not None and done.done and done.backup_id
    assert page.archived_table.rowCount() == 2
    assert "Đã chuyển 2 hồ sơ" in page.retention_status.text()
    page.archived_table.selectRow(0)
    assert page.unarchive_selected()
    assert page.archived_table.rowCount() == 1
    _shot(page, "safety-retention-done")
