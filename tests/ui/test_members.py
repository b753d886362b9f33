"""The member register: folded search, add and edit through the dialog, the introducer
picker, and the official-member count."""

from datetime import date

import pytest

from khdesk.core.services.members import get_member
from khdesk.core.services.session import open_profile
from khdesk.demo.stations import create_demo
from khdesk.ui.context import AppContext
from khdesk.ui.members import MemberDialog, MembersPage, MemberTableModel
from tests.ui.helpers import type_text

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("members-demo")
    create_demo(home, "demo-password", today=TODAY)
    return home


@pytest.fixture
def ctx(demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    yield AppContext(session, TODAY)
    session.close()


def names(page):
    return [page.model.data(page.model.index(r, 1)) for r in range(page.model.rowCount())]


def test_search_without_marks_finds_duc(qtbot, ctx, tmp_path):
    page = MembersPage(ctx)
    qtbot.addWidget(page)
    page.resize(1060, 660)
    page.show()
    assert page.model.rowCount() == 18
    assert "Đảng viên chính thức hiện nay: <b>15</b>" in page.count_label.text()
    type_text(qtbot, page.search_edit, "duc")
    qtbot.waitUntil(lambda: page.model.rowCount() < 18, timeout=10000)
    assert "Nguyễn Đức Anh" in names(page)
    page.search_edit.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 18, timeout=10000)
    page.status_box.setCurrentIndex(page.status_box.findData("Dự bị"))
    assert sorted(names(page)) == ["Phạm Hồng Tuyết", "Đặng Bảo Hằng"]
    assert page.detail_title.text().startswith(names(page)[0])
    page.grab().save(str(tmp_path / "members.png"))


def test_add_then_edit_a_member(qtbot, ctx):
    page = MembersPage(ctx)
    qtbot.addWidget(page)
    dialog = MemberDialog(ctx, None, page)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.fields["full_name"], "Lê Thị Đoan Trang")
    dialog.fields["sex"].setCurrentIndex(dialog.fields["sex"].findData("Nữ"))
    type_text(qtbot, dialog.fields["birth_date"], "31/02/1990")
    type_text(qtbot, dialog.fields["admitted_on"], "03/02/2015")
    assert not dialog.save()  # 31 February: refused with the importer's message
    assert (
        "Ngày sinh" in dialog.error_label.text()
        and "ngày không có thật" in dialog.error_label.text()
    )
    dialog.fields["birth_date"].clear()
    type_text(qtbot, dialog.fields["birth_date"], "12/02/1990")
    type_text(qtbot, dialog.fields["official_on"], "03/02/2016")
    changed = []
    ctx.hub.data_changed.connect(lambda: changed.append(1))
    assert dialog.save(), dialog.error_label.text()
    code = dialog.saved_code
    assert changed and code.startswith("X01-CB01-DV")
    page.refresh()
    assert page.show_member(code)
    assert page.detail_title.text() == f"Lê Thị Đoan Trang ({code})"
    assert "Đảng viên chính thức hiện nay: <b>16</b>" in page.count_label.text()

    edit = MemberDialog(ctx, page.current, page)
    qtbot.addWidget(edit)
    assert edit.fields["member_code"].isReadOnly()
    assert edit.fields["birth_date"].text() == "12/02/1990"
    edit.fields["status"].setCurrentIndex(edit.fields["status"].findData("Chuyển đi"))
    assert edit.save(), edit.error_label.text()
    assert get_member(ctx.session, code)["status"] == "Chuyển đi"


def test_member_model_passes_qt_model_tester(qtmodeltester, ctx):
    model = MemberTableModel(ctx.session)
    model.reload()
    qtmodeltester.check(model)
