"""The candidate list's filters (findings, workplace kind, youth age, with the search),
the column chooser, and the table model under Qt's model tester."""

from datetime import date

import pytest

from khdesk.core.domain.rules import age_in_months
from khdesk.core.services.candidates import file_ids, list_files
from khdesk.core.services.checking import file_overview
from khdesk.core.services.session import open_profile
from khdesk.ui import prefs
from khdesk.ui.candidate_list import COLUMN_KEYS, DEFAULT_COLUMNS, CandidateTableModel
from khdesk.ui.context import Changes
from khdesk.ui.main_window import MainWindow
from tests.ui.helpers import TODAY, type_text


@pytest.fixture
def session(demo_home):
    s = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    yield s
    s.close()


@pytest.fixture
def page(qtbot, session):
    window = MainWindow(session, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    window.show_page("candidates")
    page = window.candidates
    qtbot.waitUntil(lambda: page.model.findings is not None, timeout=20000)
    page.window_ = window
    return page


def _names(page) -> list[str]:
    col = COLUMN_KEYS.index("full_name")
    return [page.model.data(page.model.index(r, col)) for r in range(page.model.rowCount())]


def _select(box, value) -> None:
    box.setCurrentIndex(box.findData(value))


def test_search_duc_finds_duc_with_its_diacritics(qtbot, page):
    total = page.model.rowCount()
    type_text(qtbot, page.search_edit, "duc")
    qtbot.waitUntil(lambda: page.model.rowCount() < total, timeout=5000)
    assert _names(page) == ["Trần Minh Đức"]


def test_youth_filter_matches_the_rule_age(qtbot, page, session):
    everyone = {f["full_name"]: f for f in list_files(session)}
    youth = {
        name
        for name, f in everyone.items()
        if age_in_months(date.fromisoformat(f["birth_date"]), TODAY) < 31 * 12
    }
    assert 0 < len(youth) < len(everyone)
    _select(page.age_box, "youth")
    assert set(_names(page)) == youth
    _select(page.age_box, "older")
    assert set(_names(page)) == set(everyone) - youth
    # combined with the search
    type_text(qtbot, page.search_edit, "nguyen")
    qtbot.waitUntil(lambda: all("Nguyễn" in n for n in _names(page)), timeout=5000)
    assert set(_names(page)) == {n for n in set(everyone) - youth if "Nguyễn" in n}
    _select(page.age_box, "")


def test_workplace_and_severity_filters(qtbot, page, session):
    everyone = list_files(session)
    kind = everyone[0]["workplace_kind"]
    _select(page.workplace_box, kind)
    expected = {f["full_name"] for f in everyone if f["workplace_kind"] == kind}
    assert set(_names(page)) == expected
    assert page.count_label.text() == f"{len(expected)} hồ sơ"
    _select(page.workplace_box, "")

    overview = file_overview(session, TODAY)
    names = {f["file_code"]: f["full_name"] for f in everyone}
    with_errors = {names[c] for c, o in overview.items() if o["findings"]["error"]}
    flagged = {
        names[c] for c, o in overview.items() if o["findings"]["error"] + o["findings"]["warning"]
    }
    assert with_errors, "the demo plants files with errors"
    _select(page.severity_box, "error")
    assert set(_names(page)) == with_errors
    _select(page.severity_box, "warning")
    assert set(_names(page)) == flagged
    _select(page.severity_box, "clean")
    assert set(_names(page)) == set(names.values()) - flagged
    _select(page.severity_box, "")
    assert page.model.rowCount() == len(everyone)


def test_findings_reload_after_data_changed(qtbot, page):
    page.ctx.hub.notify(Changes(candidates=True))
    assert page.model.findings is None
    qtbot.waitUntil(lambda: page.model.findings is not None, timeout=20000)


def test_column_chooser_is_remembered_per_profile(qtbot, page, session, tmp_path):
    assert page.shown_columns() == list(DEFAULT_COLUMNS)
    menu = page.column_menu()
    actions = {a.text(): a for a in menu.actions() if a.isCheckable()}
    assert not actions["Họ và tên"].isEnabled()  # the name always stays
    actions["Lỗi / cảnh báo"].setChecked(True)
    actions["Số CCCD"].setChecked(True)
    actions["Giới tính"].setChecked(False)
    shown = page.shown_columns()
    assert "findings" in shown and "cccd" in shown and "sex" not in shown
    assert prefs.profile_settings(session)["list_columns"] == shown
    col = COLUMN_KEYS.index("findings")
    texts = {page.model.data(page.model.index(r, col)) for r in range(page.model.rowCount())}
    assert any(t and "lỗi" in t for t in texts)
    page.window_.grab().save(str(tmp_path / "list-columns.png"))
    # a new window on the same profile shows the same columns
    other = MainWindow(session, today=TODAY)
    qtbot.addWidget(other)
    assert other.candidates.shown_columns() == shown
    page.reset_columns()
    assert page.shown_columns() == list(DEFAULT_COLUMNS)


def test_model_with_filters_passes_qt_model_tester(qtmodeltester, session):
    model = CandidateTableModel(session)
    model.reload("nguyen", age="older", today=TODAY)
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    model.findings = {i: {"error": 1, "warning": 0, "info": 0} for i in file_ids(session)}
    model.reload(workplace_kind="Lao động tự do", severity="error", today=TODAY)
    assert model.rowCount() > 0
    qtmodeltester.check(model)
