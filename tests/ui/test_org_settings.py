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
