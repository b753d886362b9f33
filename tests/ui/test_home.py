"""The home page: files per state, the to-do list by due date with its colours, and Enter
opening the file at the finding's step."""

import re
from datetime import date

import pytest
from PySide6.QtCore import Qt

from khdesk.core.services.session import open_profile
from khdesk.demo.stations import create_demo
from khdesk.ui import operation
from khdesk.ui.context import AppContext
from khdesk.ui.home import OVERDUE_BG, SOON_BG, HomePage, TodoModel
from khdesk.ui.main_window import MainWindow
from khdesk.ui.pages import page_classes

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home-demo")
    create_demo(home, "demo-password", today=TODAY)
    return home


@pytest.fixture
def cell(demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    yield session
    session.close()


def test_home_is_what_a_cell_opens_on(qtbot, cell):
    cell_pages = [c for c in page_classes() if "cell" in c.roles]
    assert cell_pages[0] is HomePage
    window = MainWindow(cell, today=TODAY)
    qtbot.addWidget(window)
    assert window.current_page().key == "home"


def test_counts_per_state_open_the_filtered_list(qtbot, cell, tmp_path):
    window = MainWindow(cell, today=TODAY)
    qtbot.addWidget(window)
    window.resize(1280, 700)
    window.show()
    home = window.pages["home"]
    assert home.tiles["CHI_BO_XET"].text().startswith("5\n")
    assert home.tiles["DUNG"].text().startswith("0\n")
    assert sum(int(b.text().split("\n")[0]) for b in home.tiles.values()) == 17
    home.tiles["CHI_BO_XET"].click()
    assert window.current_page().key == "candidates"
    listing = window.pages["candidates"]
    assert listing.model.rowCount() == 5
    assert listing.state_box.currentData() == "CHI_BO_XET"
    window.show_page("home")
    window.grab().save(str(tmp_path / "home.png"))


def test_todo_sorted_by_due_date_overdue_red(qtbot, cell):
    ctx = AppContext(cell, TODAY)
    page = HomePage(ctx)
    qtbot.addWidget(page)
    model = page.model
    assert model.rowCount() >= 10
    dues = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    dated = [date(int(d[6:]), int(d[3:5]), int(d[:2])) for d in dues if d != "—"]
    assert dated == sorted(dated) and len(dated) >= 5
    assert dues.index("—") == len(dated)  # undated findings come last
    # 29/10/2026 is past on 26/11/2026: the ceremony is overdue, the row red.
    assert dues[0] == "29/10/2026" and model.tone(0) == "overdue"
    assert model.data(model.index(0, 3), Qt.ItemDataRole.BackgroundRole) == OVERDUE_BG
    assert model.data(model.index(1, 3), Qt.ItemDataRole.BackgroundRole) is None
    assert "quá hạn 1" in page.todo_label.text()
    # The member findings are listed too.
    assert any(
        (model.data(model.index(r, 1)) or "").startswith("Đảng viên")
        for r in range(model.rowCount())
    )
    assert "đã kết nạp" in page.year_label.text() and "/ chỉ tiêu 6" in page.year_label.text()


def test_due_within_30_days_is_amber(qtmodeltester):
    model = TodoModel()
    findings = [
        {
            "due": "2026-11-20",
            "file_code": "A",
            "full_name": "x",
            "message": "m",
            "severity": "error",
        },
        {
            "due": "2026-12-20",
            "file_code": "B",
            "full_name": "y",
            "message": "m",
            "severity": "info",
        },
        {
            "due": "2027-02-01",
            "file_code": "C",
            "full_name": "z",
            "message": "m",
            "severity": "info",
        },
        {"due": None, "file_code": "D", "full_name": "w", "message": "m", "severity": "warning"},
    ]
    model.set_findings(findings, TODAY)
    assert [model.tone(r) for r in range(4)] == ["overdue", "soon", None, None]
    assert model.data(model.index(1, 0), Qt.ItemDataRole.BackgroundRole) == SOON_BG
    assert model.data(model.index(1, 4)) == "Nhắc việc"
    qtmodeltester.check(model)


def test_enter_opens_the_file_at_the_step(qtbot, cell):
    ctx = AppContext(cell, TODAY)
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.show()
    opened = []
    ctx.hub.open_file.connect(lambda code, step: opened.append((code, step)))
    finding = page.model.finding(0)
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened == [(finding["file_code"], finding["step"])] == [("X01-CB01-0015", "A11")]
    assert "Phạm Kim Hà" in page.detail.text()


def test_home_model_passes_qt_model_tester(qtbot, qtmodeltester, cell):
    page = HomePage(AppContext(cell, TODAY))
    qtbot.addWidget(page)
    qtmodeltester.check(page.model)


def test_member_finding_shows_the_member(qtbot, cell):
    window = MainWindow(cell, today=TODAY)
    qtbot.addWidget(window)
    home = window.pages["home"]
    row = next(r for r in range(home.model.rowCount()) if home.model.finding(r).get("member_code"))
    code = home.model.finding(row)["member_code"]
    opened = []
    window.ctx.hub.open_file.connect(lambda *args: opened.append(args))
    home.open_finding(home.model.index(row, 0))
    assert opened == []
    assert window.current_page().key == "members"
    assert window.pages["members"].current["member_code"] == code


def test_big_profile_checks_in_the_background(qtbot, cell, monkeypatch):
    import khdesk.ui.home as home_module

    monkeypatch.setattr(home_module, "BIG_PROFILE", 0)
    page = HomePage(AppContext(cell, TODAY))
    qtbot.addWidget(page)
    assert page.model.rowCount() == 0  # the page is up before the checks are done
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert page.model.rowCount() >= 10 and page.model.tone(0) == "overdue"


def test_no_rule_id_where_a_person_reads_the_to_do_list(qtbot, cell):
    """Issue 17 item 5: the to-do list reads as Vietnamese; the rule's id is in the
    details line only, small and after the reason (what to quote when asking for help)."""
    from khdesk.core.domain.rulebook import RULE_IDS

    ctx = AppContext(cell, TODAY)
    page = HomePage(ctx)
    qtbot.addWidget(page)
    model = page.model
    ids = re.compile(r"\b(" + "|".join(RULE_IDS) + r")\b")
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                shown = model.data(model.index(r, c), role) or ""
                assert not ids.search(str(shown)), (r, c, shown)
    for c in range(model.columnCount()):
        assert not ids.search(model.headerData(c, Qt.Orientation.Horizontal))
    page.table.setCurrentIndex(model.index(0, 0))
    detail = page.detail.text()
    rule = model.finding(0)["rule"]
    assert f"(mã quy tắc {rule})" in detail
    assert detail.index("Căn cứ") < detail.index(rule)  # after the reason and its basis
