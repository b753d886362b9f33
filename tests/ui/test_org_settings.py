"""Organisation settings: edit the unit and its plan targets, saved in one go, still
there when the page is opened again; a viewer can only look."""

from datetime import date

import pytest

from khdesk.core.services import profiles
from khdesk.core.services.session import open_profile
from khdesk.demo.stations import create_demo
from khdesk.ui.context import AppContext
from khdesk.ui.main_window import MainWindow
from khdesk.ui.org_settings import OrgSettingsPage

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("org-demo")
    create_demo(home, "demo-password", today=TODAY)
    return home


def open_page(qtbot, demo_home, user="bithu"):
    session = open_profile(demo_home, "X01-CB01", user, "demo-password")
    page = OrgSettingsPage(AppContext(session, TODAY))
    qtbot.addWidget(page)
    return session, page


def plan_rows(page):
    return [
        [page.plans.item(r, c).text() for c in range(page.plans.columnCount())]
        for r in range(page.plans.rowCount())
    ]


def test_edit_plan_target_persists_across_reopen(qtbot, demo_home, tmp_path):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    window = MainWindow(session, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    window.show_page("org")
    page = window.current_page()
    assert isinstance(page, OrgSettingsPage)
    assert page.code_label.text() == "X01-CB01"
    assert ["2026", "", "6", "4", "1"] in plan_rows(page)
    row = [r[0] for r in plan_rows(page)].index("2026")
    page.plans.item(row, 2).setText("9")
    new = page.add_plan_row(year=True)
    page.plans.item(new, 2).setText("8")
    area = page.fields["special_area"]
    area.setCurrentIndex(area.findData(True))
    changes = []
    page.ctx.hub.data_changed.connect(lambda: changes.append(1))
    assert page.save(), page.message.text()
    assert changes and page.message.text() == "Đã lưu."
    window.grab().save(str(tmp_path / "org.png"))
    session.close()

    session, again = open_page(qtbot, demo_home)
    rows = plan_rows(again)
    assert ["2026", "", "9", "4", "1"] in rows and ["2027", "", "8", "", ""] in rows
    assert again.fields["special_area"].currentData() is True
    session.close()


def test_bad_plan_row_is_refused_with_its_reason(qtbot, demo_home):
    session, page = open_page(qtbot, demo_home)
    row = page.add_plan_row(year=False)
    page.plans.item(row, 0).setText("2028")  # a year and a period on one row
    page.plans.item(row, 2).setText("mười")
    assert not page.save()
    text = page.message.text()
    assert "Năm" in text and "Chỉ tiêu kết nạp" in text
    session.close()


def test_a_viewer_cannot_edit(qtbot, demo_home):
    owner = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    profiles.add_user(owner, "canbo", "demo-password", role="viewer")
    owner.close()
    session, page = open_page(qtbot, demo_home, user="canbo")
    assert not page.save_button.isVisibleTo(page)
    assert not page.plans.isEnabled()
    assert "Chỉ chủ hồ sơ hoặc bí thư" in page.message.text()
    session.close()


def committee_page(qtbot, demo_home):
    session = open_profile(demo_home, "X01", "bithu", "demo-password")
    window = MainWindow(session, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    window.show_page("org")
    return session, window.current_page()


def test_a_committee_adds_a_unit_by_typing_it_in(qtbot, demo_home):
    """ "Thêm đơn vị…" on the committee's unit page: the code, the name typed as a
    Vietnamese keyboard types, a kind and the unit above; the unit is then in the page's
    list, shown, and kept."""
    from khdesk.core.services.organisations import get_org
    from tests.ui.helpers import type_text

    session, page = committee_page(qtbot, demo_home)
    assert page.add_unit_button.isVisibleTo(page)
    dialog = page.add_unit()
    assert dialog.isVisible() and dialog.windowTitle() == "Thêm đơn vị"
    parents = [dialog.parent_box.itemData(i) for i in range(dialog.parent_box.count())]
    assert parents == ["X01", "X01-DU01"]  # the committee and its party committee below
    type_text(qtbot, dialog.code_edit, "x01-cb09")
    type_text(qtbot, dialog.name_edit, "Chi bộ thôn Hòa Sơn")
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("Chi bộ thôn"))
    dialog.add_button.click()
    assert not dialog.isVisible(), dialog.message.text()
    assert page.org_box.currentData() == "X01-CB09"
    assert page.code_label.text() == "X01-CB09" and page.parent_label.text() == "X01"
    assert page.fields["name"].text() == "Chi bộ thôn Hòa Sơn"
    assert page.message.text() == "Đã thêm đơn vị X01-CB09 (Chi bộ thôn Hòa Sơn)."
    assert get_org(session, "X01-CB09")["kind"] == "Chi bộ thôn"
    session.close()


def test_a_refused_unit_stays_in_the_dialog_with_the_reason(qtbot, demo_home):
    from tests.ui.helpers import type_text

    session, page = committee_page(qtbot, demo_home)
    count = page.org_box.count()
    dialog = page.add_unit()
    type_text(qtbot, dialog.code_edit, "X01-CB02")  # the committee already has it
    type_text(qtbot, dialog.name_edit, "Chi bộ mới")
    dialog.add_button.click()
    assert dialog.isVisible()
    assert "Đã có đơn vị mã 'X01-CB02'" in dialog.message.text()
    assert page.org_box.count() == count
    dialog.close()
    session.close()


def test_a_cell_has_no_add_unit_button(qtbot, demo_home):
    session, page = open_page(qtbot, demo_home)
    assert not page.add_unit_button.isVisibleTo(page)
    session.close()
