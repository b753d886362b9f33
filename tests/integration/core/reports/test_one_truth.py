"""One truth (issue 17 item 1, "What it must show"): every indicator of RULES.md §4 read
back from each place a person or a program reads it — the statistics page and the
committee's overview (real widgets), the annual report PDF (its text), the xlsx
(openpyxl), `khdesk stats --json` (the real CLI) and, after the committee's consolidated
bundle, the province — is the same number, for the demo commune and for a seeded larger
commune; and for the demo, the same as a table computed by hand below.

The reference every reading is compared with is `profile_stats` of the committee (the one
function every output calls); the hand table checks that reference itself."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest
from PySide6.QtCore import Qt

from khdesk.core.reports.annual import SUMMARY_KEYS
from khdesk.core.reports.stats import INDICATOR_BY_KEY, INDICATOR_KEYS, INDICATORS, Scope
from khdesk.core.reports.stats_export import COMPACT_KEYS, NO_KIND
from khdesk.core.services import reporting
from khdesk.core.services.checking import check_profile
from khdesk.core.services.statistics import profile_stats
from khdesk.ui import operation
from khdesk.ui.committee import CommitteePage
from khdesk.ui.context import AppContext
from khdesk.ui.home import HomePage
from khdesk.ui.stats_page import StatsPage
from tests.integration.cli.test_cli import khdesk
from tests.integration.core.reports import one_truth
from tests.integration.core.reports.conftest import pdftotext_text
from tests.integration.core.reports.one_truth import TODAY, USER

YEAR = Scope.for_year(2026)

# The demo commune's year 2026 on 26/11/2026, by hand from the demo's records (what the
# committee holds once each cell's bundle is in). Admitted = admission decision (A10) dated
# in 2026, or a register member admitted in 2026 with no file here; youth = 18–30 at the
# decision in months (216 <= age < 372):
#   CB01 (Chi bộ thôn)  register: DV016 Nữ 06/1996, 05/03/2026, Tin lành (345 m, youth);
#                       DV017 Nữ 12/2003, 05/02/2026 (266 m, youth)
#   CB02 (tổ dân phố)   files: 0017 Nam 09/1987, A10 08/09, Công giáo (468 m);
#                       0011 Nam 12/2001, A10 12/11 (299 m, youth);
#                       0008 Nam 08/1965, A10 14/11, works in a Doanh nghiệp tư nhân;
#                       0004 Nam 10/2000, A10 22/11 (313 m, youth);
#                       register: DV015 Nam 09/1992, 17/07/2026 (406 m) — no file
#   CB03 (Chi bộ doanh nghiệp tư nhân, under the đảng ủy cơ sở X01-DU01)
#                       register: DV013 Nam 02/1994, 26/05/2026, Phật giáo (387 m): private
#                       by its cell's kind
#   CB04 (Chi bộ trường học, not a private school)
#                       register: DV019 Nữ 01/2001, 23/04/2026 (303 m, youth)
# Targets: the plan rows for 2026 (X01 has its own: 26 / youth 16 / private 4, not the sum
# of the cells' 24). Villages: CB01 and CB02 each cover one village (X01 says 2 villages);
# the village head is a member in CB01 (the cell's flag), not in CB02.
A = ("admitted", "target", "admitted_youth", "admitted_women", "admitted_ethnic_minority",
     "admitted_religious", "admitted_private_enterprise", "admitted_private_school",
     "admitted_private", "target_youth", "target_private")  # fmt: skip
HAND = {
    "X01": dict(zip(A, (9, 26, 5, 3, 0, 3, 2, 0, 2, 16, 4), strict=True))
    | {"target_pct": 34.62, "youth_pct": 55.56, "women_pct": 33.33, "religious_pct": 33.33}
    | {"private_pct": 22.22, "target_youth_pct": 31.25, "target_private_pct": 50.0}
    | {"villages": 2, "villages_with_cell": 2, "village_heads_members": 1}
    | {"villages_with_cell_pct": 100.0, "village_heads_members_pct": 50.0},
    "X01-CB01": dict(zip(A, (2, 6, 2, 2, 0, 1, 0, 0, 0, 4, 1), strict=True))
    | {"target_pct": 33.33, "youth_pct": 100.0, "women_pct": 100.0, "private_pct": 0.0},
    "X01-CB02": dict(zip(A, (5, 7, 2, 0, 0, 1, 1, 0, 1, 4, 1), strict=True))
    | {"target_pct": 71.43, "youth_pct": 40.0, "women_pct": 0.0, "private_pct": 20.0},
    "X01-CB03": dict(zip(A, (1, 5, 0, 0, 0, 1, 1, 0, 1, 3, 1), strict=True))
    | {"target_pct": 20.0, "youth_pct": 0.0, "women_pct": 0.0, "private_pct": 100.0},
    "X01-CB04": dict(zip(A, (1, 6, 1, 1, 0, 0, 0, 0, 0, 4, 1), strict=True))
    | {"target_pct": 16.67, "youth_pct": 100.0, "women_pct": 100.0, "private_pct": 0.0},
}


class Reference(dict):
    """Unit code -> indicator -> value (the commune first, then its cells in code order);
    `kinds`: the same per kind of cell ("Theo loại chi bộ")."""

    def __init__(self, figures: dict, kinds: dict):
        super().__init__(figures)
        self.kinds = kinds


@pytest.fixture(scope="module", params=["demo", "seeded"])
def commune(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    build = one_truth.demo_commune if request.param == "demo" else one_truth.seeded_commune
    return build(folder / "home", folder / "io")


@pytest.fixture(scope="module")
def reference(commune):
    """The committee's figures (the one function): unit code -> indicator -> value, the
    commune first, then its cells in code order."""
    session = commune.open(commune.commune)
    try:
        result = profile_stats(session, YEAR, TODAY)
    finally:
        session.close()
    assert result.top.org_code == commune.commune and result.level_units("cell")
    units = [result.top, *result.level_units("cell")]
    figures = {u.org_code: {k: u[k] for k in INDICATOR_KEYS} for u in units}
    kinds = {g.kind: {k: g[k] for k in INDICATOR_KEYS} for g in result.by_cell_kind}
    return Reference(figures, kinds)


def _number(text: str) -> int | float | None:
    """A figure as printed (Vietnamese: 1.870 and 34,62; "—" for none)."""
    text = text.strip().removesuffix("%")
    if text == "—":
        return None
    text = text.replace(".", "").replace(",", ".")
    return float(text) if "." in text else int(text)


def _cells(reference) -> list[str]:
    return list(reference)[1:]


def test_the_demo_matches_the_table_computed_by_hand(request, reference):
    if "demo" not in request.node.callspec.id:
        pytest.skip("the hand table is the demo's")
    for code, values in HAND.items():
        got = {k: reference[code][k] for k in values}
        assert got == values, code
    assert list(reference) == list(HAND)


def test_stats_json_from_the_cli_for_the_committee_and_the_province(commune, reference):
    """`khdesk stats --json` in its own process: the committee's units, and the same units
    at the province after the committee's consolidated bundle."""
    for profile in (commune.commune, "KH"):
        out = khdesk(
            commune.home,
            "stats",
            "--json",
            "--year",
            "2026",
            "--on",
            TODAY.isoformat(),
            "--profile",
            profile,
            "--user",
            USER,
            password=commune.passwords[profile],
        )
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        units = {u["org_code"]: u for us in data["levels"].values() for u in us}
        for code, values in reference.items():
            assert {k: units[code][k] for k in INDICATOR_KEYS} == values, (profile, code)
        if profile == "KH":  # the province also sees the commune's units as one commune
            assert [u["org_code"] for u in data["levels"]["commune"]] == [commune.commune]
        # By kind of cell: the province holds this commune only, so its groups are the same.
        kinds = {g["kind"]: {k: g[k] for k in INDICATOR_KEYS} for g in data["by_cell_kind"]}
        assert kinds == reference.kinds, profile


def test_xlsx_export(commune, reference, tmp_path):
    out = tmp_path / "thong-ke.xlsx"
    session = commune.open(commune.commune)
    try:
        reporting.export_stats(session, out, YEAR, TODAY)
    finally:
        session.close()
    wb = openpyxl.load_workbook(out, read_only=True)
    labels = [i.label for i in INDICATORS]
    seen = set()
    for sheet in ("Xã, phường, đặc khu", "Chi bộ"):
        rows = list(wb[sheet].iter_rows(values_only=True))
        head = list(rows[0])
        first = head.index(labels[0])
        assert head[first:] == labels
        for row in rows[1:]:
            row = [*row, *[None] * (len(head) - len(row))]  # empty cells at the end are not read
            code = row[0]
            values = dict(zip(INDICATOR_KEYS, row[first:], strict=True))
            assert values == reference[code], (sheet, code)
            seen.add(code)
    assert seen == set(reference)
    rows = list(wb["Theo loại chi bộ"].iter_rows(values_only=True))
    kinds = {}
    for row in rows[1:]:
        row = [*row, *[None] * (len(rows[0]) - len(row))]
        kinds[row[0] if row[0] != NO_KIND else None] = dict(
            zip(INDICATOR_KEYS, row[2:], strict=True)
        )
    assert kinds == reference.kinds


def test_annual_report_pdf_text(commune, reference, tmp_path, pdftotext):
    """Bảng 1 (the commune's main indicators, the report year's column) and Bảng 2 (each
    cell's admissions against its target and shares), read from the PDF's text."""
    out = tmp_path / "bao-cao-nam.pdf"
    session = commune.open(commune.commune)
    try:
        reporting.export_annual(session, out, 2026, TODAY)
    finally:
        session.close()
    text = pdftotext_text(out, tmp_path, "-layout")
    table1 = text[text.index("Bảng 1. Các chỉ số chủ yếu") : text.index("Bảng 2.")]
    number = r"(—|[\d.,]+)"
    top = reference[commune.commune]
    found: dict[str, int | float | None] = {}
    for line in table1.splitlines():
        m = re.match(rf"^(\S.*?)\s{{2,}}{number}\s+{number}\s+{number}\s*$", line)
        if m is None:
            continue
        label = m.group(1).strip()
        keys = [k for k in SUMMARY_KEYS if INDICATOR_BY_KEY[k].label.startswith(label)]
        exact = [k for k in keys if INDICATOR_BY_KEY[k].label == label]
        assert keys, line
        key = (exact or keys)[0]
        found[key] = _number(m.group(3))  # the columns: the year before, the year, the period
    assert found == {k: top[k] for k in SUMMARY_KEYS}

    table2 = text[text.index("Bảng 2. Kết quả kết nạp năm 2026") :]
    cells = _cells(reference)
    rows: dict[str, dict[str, int | float | None]] = {}
    values = r"\s+".join([number] * len(COMPACT_KEYS))
    for line in table2.splitlines():
        m = re.match(rf"^\s*(\d+)\s+(\S.*?)\s{{2,}}{values}\s*$", line)
        if m is not None:
            code = cells[int(m.group(1)) - 1]
            rows[code] = {k: _number(v) for k, v in zip(COMPACT_KEYS, m.groups()[2:], strict=True)}
    assert rows == {c: {k: reference[c][k] for k in COMPACT_KEYS} for c in cells}


def test_statistics_page(qtbot, commune, reference):
    """The page's table (every indicator of the commune) and its chart (each cell's
    admissions against its target), as the widgets show them."""
    session = commune.open(commune.commune)
    try:
        page = StatsPage(AppContext(session, TODAY))
        qtbot.addWidget(page)
        assert page.scope == YEAR
        table = page.table
        shown = {
            table.item(r, 0).data(Qt.ItemDataRole.UserRole): _number(table.item(r, 1).text())
            for r in range(table.rowCount())
        }
        assert shown == reference[commune.commune]
        bars = page.admitted_chart.bars
        assert len(bars) == len(_cells(reference))
        for bar, code in zip(bars, _cells(reference), strict=True):
            want = reference[code]
            assert (bar.value, bar.target) == (want["admitted"], want["target"]), code
            expected = f"{want['admitted']}/{want['target']}" if want["target"] else None
            assert expected is None or bar.text == expected
    finally:
        session.close()


def test_overview_of_the_committee_and_of_the_province(qtbot, commune, reference):
    """ "Kết nạp / chỉ tiêu 2026" per cell, at the committee and at the province."""
    for profile in (commune.commune, "KH"):
        session = commune.open(profile)
        try:
            page = CommitteePage(AppContext(session, TODAY))
            qtbot.addWidget(page)
            page.refresh()  # the province's overview comes from a background operation
            qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
            model = page.model
            column = model.column_keys().index("plan")
            shown = {
                r.org_code: model.data(model.index(i, column)) for i, r in enumerate(model.rows)
            }
            for code in _cells(reference):
                want = reference[code]
                target = "—" if want["target"] is None else str(want["target"])
                assert shown[code] == f"{want['admitted']} / {target}", (profile, code)
        finally:
            session.close()


def test_overdue_recognitions_are_the_to_do_lists(commune, reference):
    """`recognition_overdue` counts the probationary members whose recognition the rules
    (the to-do list, `khdesk check`) show past its deadline: one reading of the dates."""
    session = commune.open(commune.commune)
    try:
        findings = check_profile(session, TODAY).findings
    finally:
        session.close()
    late = {
        (f["org_code"], f["file_code"])
        for f in findings
        if f["rule"] == "RECOGNITION_DUE" and f["due"] < TODAY.isoformat()
    }
    for code in _cells(reference):
        overdue = sum(1 for org, _ in late if org == code)
        assert reference[code]["recognition_overdue"] == overdue, code
    assert reference[commune.commune]["recognition_overdue"] == len(late)
    assert late or commune.commune != "X01"  # the demo has some (8)


def test_home_page_plan(qtbot, commune, reference):
    """The home page's "Năm 2026: đã kết nạp … / chỉ tiêu …" (youth and private sector
    beside it) is the commune's admitted against target too."""
    session = commune.open(commune.commune)
    try:
        page = HomePage(AppContext(session, TODAY))
        qtbot.addWidget(page)
        page.refresh()
        text = page.year_label.text()
        m = re.search(r"đã kết nạp (\d+)(?: / chỉ tiêu (\d+))?", text)
        assert m is not None, text
        top = reference[commune.commune]
        assert (int(m.group(1)), m.group(2) and int(m.group(2))) == (
            top["admitted"],
            top["target"],
        )
        youth = re.search(r"Thanh niên: (\d+)(?:/(\d+))?", text)
        private = re.search(r"Khu vực tư nhân: (\d+)(?:/(\d+))?", text)
        for found, count, target in ((youth, "admitted_youth", "target_youth"),
                                     (private, "admitted_private", "target_private")):  # fmt: skip
            assert found is not None, text
            assert int(found.group(1)) == top[count]
            assert (found.group(2) and int(found.group(2))) == top[target]
    finally:
        session.close()
