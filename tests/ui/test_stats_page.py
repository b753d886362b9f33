"""The statistics page on the demo: the big numbers are profile_stats' own, the charts
paint (no Qt warning), the exports write a readable workbook and PDFs."""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from khdesk.core.reports.stats import GROUPS, INDICATOR_KEYS, INDICATORS, Scope
from khdesk.core.reports.stats_export import fmt_number, fmt_value
from khdesk.core.services.session import open_profile
from khdesk.core.services.statistics import profile_stats
from khdesk.ui import operation
from khdesk.ui.context import AppContext
from khdesk.ui.main_window import MainWindow
from khdesk.ui.pages import PAGES
from khdesk.ui.stats_page import Bar, BarChart, StatsPage, pct_text, scope_choices
from tests.ui.helpers import TODAY

PNG_DIR = Path(os.environ.get("KHDESK_PNG_DIR", "/tmp"))


@pytest.fixture(params=["X01", "X01-CB01"])
def page(request, qtbot, demo_home):
    session = open_profile(demo_home, request.param, "bithu", "demo-password")
    p = StatsPage(AppContext(session, TODAY))
    qtbot.addWidget(p)
    yield p
    session.close()


def test_registered_for_every_role():
    entry = next(e for e in PAGES if e.key == "stats")
    assert entry.title == "Thống kê" and entry.load() is StatsPage


def test_scopes_offered():
    labels = [label for label, _ in scope_choices(TODAY)]
    assert labels[0] == "Năm 2026" and "Giai đoạn 2026–2030" in labels
    assert "Giai đoạn 2021–2025" in labels


def test_big_numbers_are_profile_stats(page):
    for index in (0, 1, page.scope_box.findText("Giai đoạn 2026–2030")):
        page.scope_box.setCurrentIndex(index)
        scope = page.scope
        top = profile_stats(page.session, scope, TODAY).top
        cards = page.cards
        assert cards["admitted"].value_label.text() == fmt_number(top["admitted"])
        if top["target"]:
            assert f"Chỉ tiêu: {fmt_number(top['target'])}" in cards["admitted"].detail_label.text()
        assert cards["youth"].value_label.text() == pct_text(top["youth_pct"])
        assert (
            cards["youth"]
            .detail_label.text()
            .startswith(f"{fmt_number(top['admitted_youth'])} người")
        )
        assert cards["women"].value_label.text() == pct_text(top["women_pct"])
        assert cards["private"].value_label.text() == fmt_number(top["admitted_private"])
        assert cards["on_time"].value_label.text() == pct_text(top["recognised_on_time_pct"])
        assert cards["pool"].value_label.text() == fmt_number(top["source_pool"])
        assert scope.label_vi in page.subtitle_label.text()
        bars = page.admitted_chart.bars
        if page.ctx.role == "cell":  # a cell: the years of the plan period so far
            if scope.year == 2026:
                assert [b.label for b in bars] == ["2022", "2023", "2024", "2025", "2026"]
        else:  # a committee: its cells, admitted against target
            rows = {u.org_name: u for u in page.figures.result.children("X01")}
            assert {b.label for b in bars} == set(rows)
            for b in bars:
                assert b.value == (rows[b.label]["admitted"] or 0)
                assert b.target == rows[b.label]["target"]


def test_demo_committee_figures(qtbot, demo_home):
    session = open_profile(demo_home, "X01", "bithu", "demo-password")
    try:
        p = StatsPage(AppContext(session, TODAY))
        qtbot.addWidget(p)
        assert p.cards["admitted"].value_label.text() == "5"
        assert "Chỉ tiêu: 26" in p.cards["admitted"].detail_label.text()
        assert p.cards["youth"].value_label.text() == "40,0%"
        nghia_phu = next(b for b in p.admitted_chart.bars if "Nghĩa Phú" in b.label)
        assert (nghia_phu.value, nghia_phu.target, nghia_phu.text) == (5, 7, "5/7")
    finally:
        session.close()


def test_exports(page, tmp_path, qtbot):
    def export(out, kind):
        page.export_to(out, kind)
        qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
        return f"Đã lưu: {out}" in page.message_label.text()

    out = tmp_path / "thong-ke.xlsx"
    assert export(out, "xlsx")
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames
    values = {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert page.figures.result.top.org_code in values
    assert "Đã lưu" in page.message_label.text()
    pdf = tmp_path / "thong-ke.pdf"
    assert export(pdf, "pdf")
    assert "BÁO CÁO" in PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    annual = tmp_path / "nam.pdf"
    assert export(annual, "annual")
    assert len(PdfReader(str(annual)).pages) >= 1


def test_chart_paints_without_warnings(qtbot):
    chart = BarChart("Kết nạp so với chỉ tiêu")
    qtbot.addWidget(chart)
    chart.legend = [("#1f5fa8", "Đã kết nạp"), ("#c9ced6", "Chỉ tiêu")]
    for bars in (
        [],
        [Bar("Chi bộ thôn Bãi Giếng Bắc", 5, 7, "5/7"), Bar("Chi bộ rất dài " * 8, 0, None, "0")],
        [Bar("A", None, None, "—")],
    ):
        chart.set_bars(bars)
        chart.resize(600, chart.sizeHint().height())
        image = chart.grab().toImage()  # runs paintEvent
        assert not image.isNull() and image.width() == 600
    chart.grab().save(str(PNG_DIR / "khdesk_stats_chart.png"))


def test_render_at_1366x768(qtbot, demo_home):
    for org in ("X01", "X01-CB01"):
        session = open_profile(demo_home, org, "bithu", "demo-password")
        try:
            main = MainWindow(session, today=TODAY)
            qtbot.addWidget(main)
            main.resize(1366, 768)
            main.show_page("stats")
            main.show()
            qtbot.waitExposed(main)
            assert main.width() <= 1366 and main.height() <= 768  # fits the screen
            assert main.grab().save(str(PNG_DIR / f"khdesk_stats_{org}.png"))
            main.close()
        finally:
            session.close()


def test_a_period(page):
    page.scope_box.setCurrentIndex(page.scope_box.findText("Giai đoạn 2026–2030"))
    assert page.scope == Scope.for_period("2026-2030")
    assert not page.annual_button.isEnabled()
    assert "giai đoạn 2026–2030" in page.subtitle_label.text()


def test_the_table_shows_every_indicator_with_its_definition(page):
    """Every indicator of RULES.md §4 in the page's table, as the statistics compute it
    (issue 17 item 1), with its group and definition in the tooltip."""
    top = profile_stats(page.session, page.scope, TODAY).top
    table = page.table
    assert table.rowCount() == len(INDICATORS)
    assert table.horizontalHeaderItem(1).text() == top.org_name
    for row, ind in enumerate(INDICATORS):
        label = table.item(row, 0)
        assert (label.text(), label.data(Qt.ItemDataRole.UserRole)) == (ind.label, ind.key)
        assert table.item(row, 1).text() == fmt_value(ind.key, top[ind.key]), ind.key
        assert GROUPS[ind.group] in label.toolTip()
    admitted = table.item(INDICATOR_KEYS.index("admitted"), 0).toolTip()
    assert "quyết định kết nạp (bước A10)" in admitted


def test_a_big_profile_computes_in_the_background(page, qtbot, monkeypatch):
    """Above BIG_PROFILE files (a province always) the figures come from an operation: the
    page is back at once and shows them when they arrive."""
    from khdesk.ui import stats_page

    monkeypatch.setattr(stats_page, "BIG_PROFILE", -1)
    page.figures = None
    page.scope_box.setCurrentIndex(1)  # refreshes
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    top = profile_stats(page.session, page.scope, TODAY).top
    assert page.figures is not None and page.figures.result.top["admitted"] == top["admitted"]
    assert page.cards["admitted"].value_label.text() == fmt_number(top["admitted"])
