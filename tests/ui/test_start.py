"""Start of the app: the profile picker, the new-profile wizard, the demo button, the
forgotten-password path, and the users dialog — real widgets on real encrypted profiles."""

import pytest
from PySide6.QtWidgets import QWizard

from khdesk.core.errors import AccessDenied
from khdesk.core.services import organisations, profiles
from khdesk.core.services.session import open_profile
from khdesk.ui import operation
from khdesk.ui.login import LoginDialog
from khdesk.ui.new_profile import CHAIN_PAGE, KEY_PAGE, ORG_PAGE, USER_PAGE
from khdesk.ui.users import AddUserDialog, ChangePasswordDialog, UsersDialog
from tests.ui.helpers import TODAY, type_text

PASSWORD = "mat-khau-moi"


def settle(qtbot) -> None:
    """Until every background operation has delivered its result."""
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def test_picker_lists_the_profiles_with_role_and_unit(qtbot, demo_home, tmp_path):
    dialog = LoginDialog(demo_home, preselect="X01-CB03")
    qtbot.addWidget(dialog)
    box = dialog.profile_box
    texts = [box.item(r).text() for r in range(box.count())]
    assert box.count() == 4
    assert any(t.startswith("Đảng ủy") and "Đảng ủy xã/phường/đặc khu · mã X01" in t for t in texts)
    assert sum("Chi bộ · mã X01-CB" in t for t in texts) == 3
    assert box.currentData() == "X01-CB03"
    assert dialog.new_button.text() == "Tạo hồ sơ mới…"
    assert dialog.demo_button.text() == "Mở dữ liệu mẫu (demo)"
    # wrong password: a Vietnamese message, the dialog stays open
    type_text(qtbot, dialog.password_edit, "sai-mat-khau")
    dialog.try_open()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert dialog.error_label.text() == "Mật khẩu không đúng."
    assert dialog.session is None
    dialog.resize(600, 520)
    dialog.show()
    dialog.grab().save(str(tmp_path / "login.png"))


def _fill_wizard(qtbot, wizard, tmp_path):
    assert wizard.currentId() == 0
    wizard.role_page.set_role("cell")
    wizard.next()
    assert wizard.currentId() == ORG_PAGE
    org = wizard.org_page
    type_text(qtbot, org.code_edit, "X09-CB01")
    type_text(qtbot, org.name_edit, "Chi bộ thôn Sơn Thủy")
    wizard.next()
    assert wizard.currentId() == ORG_PAGE  # the parent is needed for a cell
    assert "đảng ủy cấp trên" in org.error_label.text()
    type_text(qtbot, org.parent_edit, "X09")
    org.kind_box.setCurrentText("Chi bộ thôn")
    org.special_check.setChecked(True)
    wizard.next()
    assert wizard.currentId() == CHAIN_PAGE
    chain = wizard.chain_page.decision_edit  # no code printed as a name: left empty
    assert chain.text() == "" and "X09" in chain.placeholderText()
    wizard.next()
    assert wizard.currentId() == USER_PAGE
    user = wizard.user_page
    type_text(qtbot, user.password_edit, "123")
    assert user.strength_label.text().startswith("✗")
    wizard.next()  # too short: stays
    assert wizard.currentId() == USER_PAGE and wizard.session is None
    user.password_edit.clear()
    type_text(qtbot, user.password_edit, PASSWORD)
    type_text(qtbot, user.again_edit, PASSWORD + "x")
    wizard.next()
    assert "không giống nhau" in user.error_label.text()
    user.again_edit.clear()
    type_text(qtbot, user.again_edit, PASSWORD)
    wizard.next()  # makes the profile in the background, then moves on by itself
    assert wizard.currentId() == USER_PAGE
    settle(qtbot)
    assert wizard.currentId() == KEY_PAGE
    assert wizard.session is not None


def test_new_profile_wizard_creates_a_profile_that_opens(qtbot, tmp_path):
    home = tmp_path / "home"
    login = LoginDialog(home)
    qtbot.addWidget(login)
    assert login.profile_box.count() == 0
    assert "chưa có hồ sơ" in login.error_label.text()
    wizard = login.open_new_profile()
    _fill_wizard(qtbot, wizard, tmp_path)
    key_page = wizard.key_page
    key = wizard.recovery_key
    assert key_page.key_label.text() == key and len(key.split()) == 8
    # finishing needs the key kept; closing is refused until then
    assert not key_page.isComplete()
    wizard.reject()
    assert wizard.isVisible() and "Tôi đã cất giữ" in key_page.status_label.text()
    saved = tmp_path / "ma-khoi-phuc.txt"
    wizard.save_key_to(saved)
    assert key in saved.read_text(encoding="utf-8")
    wizard.resize(700, 520)
    wizard.grab().save(str(tmp_path / "wizard-key.png"))
    key_page.kept_check.setChecked(True)
    assert key_page.isComplete()
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.accept()
    assert login.result() == LoginDialog.DialogCode.Accepted
    session = login.session
    assert session.info.role == "cell" and session.info.parent_code == "X09"
    org = organisations.get_org(session)
    assert org["kind"] == "Chi bộ thôn" and org["special_area"] is True
    assert org["is_grassroots_cell"] is True
    assert org["has_youth_union"] is None  # not answered: INTRO_YOUTH will ask for it
    assert org["decision_body"] is None  # the forms name it from the committee's card
    session.close()
    # the profile now opens from the picker, and the recovery key works
    again = LoginDialog(home)
    qtbot.addWidget(again)
    assert again.profile_box.currentData() == "X09-CB01"
    type_text(qtbot, again.password_edit, PASSWORD)
    assert again.try_open()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    again.session.close()
    profiles.recover(home, "X09-CB01", "bithu", key, "khac-hoan-toan").close()


def test_recover_with_the_recovery_key(qtbot, tmp_path):
    home = tmp_path / "home"
    session, key = profiles.create_profile(
        home, role="committee", org_code="X07", org_name="Đảng ủy xã Thử", user="bithu",
        password="quen-mat-roi",
    )  # fmt: skip
    session.close()
    login = LoginDialog(home)
    qtbot.addWidget(login)
    dialog = login.open_recover()
    assert dialog.user_edit.text() == "bithu"
    type_text(qtbot, dialog.key_edit, "AAAA " * 8)
    type_text(qtbot, dialog.new_edit, "mat-khau-2")
    type_text(qtbot, dialog.again_edit, "mat-khau-2")
    assert dialog.save()
    settle(qtbot)
    assert dialog.error_label.text() == "Khóa khôi phục không đúng."
    assert dialog.session is None and dialog.isVisible()
    dialog.key_edit.clear()
    type_text(qtbot, dialog.key_edit, key.lower())
    assert dialog.save()
    settle(qtbot)
    assert login.result() == LoginDialog.DialogCode.Accepted
    login.session.close()
    open_profile(home, "X07", "bithu", "mat-khau-2").close()


def test_demo_button_creates_and_opens_the_demo(qtbot, tmp_path):
    login = LoginDialog(tmp_path / "home", today=lambda: TODAY)
    qtbot.addWidget(login)
    login.open_demo()
    qtbot.waitUntil(lambda: login.session is not None, timeout=60_000)  # made, then opened
    session = login.session
    assert session.info.role == "cell" and session.user == "bithu"
    assert login.profile_box.count() == 4
    session.close()


@pytest.fixture
def owned(tmp_path):
    home = tmp_path / "home"
    session, _ = profiles.create_profile(
        home, role="cell", org_code="X08-CB01", org_name="Chi bộ Thử", user="bithu",
        password=PASSWORD, parent_code="X08",
    )  # fmt: skip
    yield home, session
    session.close()


def test_finding_12_users_dialog_grants_a_viewer_taking_out(qtbot, owned):
    home, session = owned
    profiles.add_user(session, "xem", "xem-123456", "viewer")
    profiles.add_user(session, "pho", "pho-123456", "deputy")
    dialog = UsersDialog(session)
    qtbot.addWidget(dialog)
    rows = dialog.user_names()
    dialog.table.selectRow(rows.index("pho"))
    assert not dialog.take_out_box.isEnabled()  # a deputy has it by role
    dialog.table.selectRow(rows.index("xem"))
    assert dialog.take_out_box.isEnabled() and not dialog.take_out_box.isChecked()
    assert dialog.table.item(rows.index("xem"), 2).text().startswith("Không")
    dialog.take_out_box.click()  # the owner ticks it
    assert dialog.table.item(rows.index("xem"), 2).text() == "Có"
    assert dialog.take_out_box.isChecked()
    viewer = open_profile(home, "X08-CB01", "xem", "xem-123456")
    try:
        assert viewer.may_take_out()
        theirs = UsersDialog(viewer)
        qtbot.addWidget(theirs)
        theirs.table.selectRow(rows.index("xem"))
        assert not theirs.take_out_box.isEnabled()  # only the owner grants
    finally:
        viewer.close()
    dialog.take_out_box.click()
    assert not {u["name"]: u for u in profiles.list_users(session)}["xem"]["may_take_out"]


def test_users_dialog_owner_adds_and_removes(qtbot, owned, tmp_path):
    home, session = owned
    dialog = UsersDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.user_names() == ["bithu"] and dialog.add_button.isEnabled()
    add = dialog.open_add()
    type_text(qtbot, add.name_edit, "phobithu")
    add.role_box.setCurrentIndex(add.role_box.findData("deputy"))
    type_text(qtbot, add.password_edit, "pho-bi-thu")
    type_text(qtbot, add.again_edit, "pho-bi-thu")
    assert add.save()
    settle(qtbot)
    assert dialog.user_names() == ["bithu", "phobithu"]
    assert dialog.table.item(1, 1).text() == "Phó bí thư / cán bộ"
    dialog.show()
    dialog.grab().save(str(tmp_path / "users.png"))
    # the deputy sees the list, with adding and removing disabled and the reason said
    deputy = open_profile(home, "X08-CB01", "phobithu", "pho-bi-thu")
    theirs = UsersDialog(deputy)
    qtbot.addWidget(theirs)
    assert not theirs.add_button.isEnabled() and not theirs.remove_button.isEnabled()
    assert "Chỉ Chủ hồ sơ" in theirs.reason_label.text()
    deputy.close()
    dialog.remove_user("bithu")
    settle(qtbot)
    assert dialog.error_label.text()  # not oneself
    dialog.remove_user("phobithu")
    settle(qtbot)
    assert dialog.user_names() == ["bithu"]
    # Issue 15 finding 3: the removal changed the database key, and says what that means.
    said = dialog.done_label.text()
    assert "Đã đổi khóa cơ sở dữ liệu" in said and "bản sao lưu làm trước đó" in said
    with pytest.raises(AccessDenied):
        open_profile(home, "X08-CB01", "phobithu", "pho-bi-thu")


def test_change_my_password(qtbot, owned):
    home, session = owned
    dialog = ChangePasswordDialog(session)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.current_edit, "sai-roi-nhe")
    type_text(qtbot, dialog.new_edit, "moi-hon-nua")
    type_text(qtbot, dialog.again_edit, "moi-hon-nua")
    assert dialog.save()
    settle(qtbot)
    assert dialog.error_label.text() == "Mật khẩu không đúng."
    dialog.current_edit.clear()
    type_text(qtbot, dialog.current_edit, PASSWORD)
    assert dialog.save()
    settle(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    profiles.verify_password(session, "moi-hon-nua")


def test_add_user_refuses_mismatched_passwords(qtbot, owned):
    _, session = owned
    add = AddUserDialog(session)
    qtbot.addWidget(add)
    type_text(qtbot, add.name_edit, "thuky")
    type_text(qtbot, add.password_edit, "mot-hai-ba")
    type_text(qtbot, add.again_edit, "mot-hai-bon")
    assert add.save() is False
    assert "không giống nhau" in add.error_label.text()
    assert [u["name"] for u in profiles.list_users(session)] == ["bithu"]


def test_wizard_for_a_committee_skips_the_cell_approval_page(qtbot, tmp_path):
    from khdesk.ui.new_profile import NewProfileWizard

    wizard = NewProfileWizard(tmp_path / "home")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.role_page.set_role("committee")
    wizard.next()
    org = wizard.org_page
    assert org.kind_box.itemText(0) == "Đảng ủy xã"
    assert org.villages_spin.isVisible() and not org.village_head_check.isVisible()
    type_text(qtbot, org.code_edit, "X10")
    type_text(qtbot, org.name_edit, "Đảng ủy xã Thử")
    org.villages_spin.setValue(7)
    wizard.next()  # a committee needs no parent code here, and no approval-chain page
    assert wizard.currentId() == USER_PAGE
    assert wizard.org_fields() == {
        "kind": "Đảng ủy xã",
        "special_area": False,
        "has_youth_union": None,  # not answered: not recorded, never "no"
        "villages": 7,
    }
    org.youth_box.setCurrentIndex(org.youth_box.findData(False))
    assert wizard.org_fields()["has_youth_union"] is False
    wizard.reject()
    assert wizard.session is None
