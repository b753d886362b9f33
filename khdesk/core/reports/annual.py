"""The annual report on party-member development (`khdesk report annual`): paragraphs
written from the statistics, tables, two charts, and room for the committee's own
assessment and next year's tasks; as a PDF on the party-document page and as a workbook.

The figures are those of `stats` (one reading of every indicator for the whole app):
the report year, the year before, the plan period so far and each of its years.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from khdesk.core.reports.stats import INDICATORS, LEVEL_LABELS, Scope, StatsResult, UnitStats
from khdesk.core.reports.stats_export import (
    COMPACT_KEYS,
    add_sheet,
    fill_stats_workbook,
    fmt_day,
    fmt_number,
    fmt_value,
    info_rows,
    letterhead,
    signature_for,
    unit_table_rows,
)

__all__ = ["AnnualReport", "annual_pdf", "build_annual", "write_annual_xlsx"]

# Who "we" are in the text, by level.
_SUBJECT = {"cell": "chi bộ", "commune": "Đảng bộ", "province": "toàn Đảng bộ tỉnh"}


@dataclass
class AnnualReport:
    year: int
    today: date
    current: StatsResult  # the report year
    previous: StatsResult  # the year before
    period: StatsResult  # the plan period holding the year, up to the report day
    by_year: list[StatsResult]  # each year of the period up to the report year

    @property
    def top(self) -> UnitStats:
        return self.current.top


def build_annual(results: Sequence[StatsResult], year: int, today: date) -> AnnualReport:
    """From the results of `annual_scopes(year)`, in that order."""
    current, previous, period, *by_year = results
    return AnnualReport(year, today, current, previous, period, list(by_year))


def annual_scopes(year: int) -> list[Scope]:
    period = Scope.plan_period_of(year)
    years = [Scope.for_year(y) for y in range(period.start.year, year + 1)]
    return [Scope.for_year(year), Scope.for_year(year - 1), period, *years]


# -- the text ------------------------------------------------------------------------------------


def _n(value: int | float | None) -> str:
    return fmt_number(value)


def _p(value: float | None) -> str:
    return "—" if value is None else f"{fmt_number(value, 2)}%"


def _v(key: str, value: int | float | None) -> str:
    """A value in running text: percentages with their sign."""
    if value is not None and key.endswith("_pct"):
        return _p(value)
    return fmt_value(key, value)


def _change(now: int, before: int) -> str:
    if now == before:
        return "bằng năm trước"
    word = "tăng" if now > before else "giảm"
    return f"{word} {_n(abs(now - before))} so với năm trước ({_n(before)})"


def paragraphs(report: AnnualReport) -> list[tuple[str, list[str]]]:
    """The report's sections: (heading, paragraphs), Vietnamese, from the figures."""
    top, prev, per = report.top, report.previous.top, report.period.top
    who = _SUBJECT[report.current.level]
    y, as_of = report.year, fmt_day(report.current.as_of)
    target = (
        f"đạt {_p(top['target_pct'])} chỉ tiêu năm (chỉ tiêu {_n(top['target'])})"
        if top["target"]
        else "chưa giao chỉ tiêu năm"
    )
    admission = [
        f"Năm {y}, {who} kết nạp {_n(top['admitted'])} "
        f"đảng viên, {target}, {_change(top['admitted'], prev['admitted'])}.",
        f"Trong đó: {_n(top['admitted_youth'])} đảng viên trong độ tuổi thanh niên "
        f"({_p(top['youth_pct'])}); {_n(top['admitted_women'])} đảng viên nữ "
        f"({_p(top['women_pct'])}); {_n(top['admitted_ethnic_minority'])} người dân tộc thiểu "
        f"số ({_p(top['ethnic_minority_pct'])}); {_n(top['admitted_religious'])} người có tôn "
        f"giáo ({_p(top['religious_pct'])}); {_n(top['admitted_private'])} đảng viên trong khu "
        f"vực kinh tế tư nhân ({_n(top['admitted_private_enterprise'])} trong doanh nghiệp tư "
        f"nhân, {_n(top['admitted_private_school'])} trong trường tư thục).",
    ]
    if top["target_youth"]:
        admission.append(
            f"Chỉ tiêu kết nạp thanh niên {_n(top['target_youth'])}, đạt "
            f"{_p(top['target_youth_pct'])}"
            + (
                f"; chỉ tiêu khu vực tư nhân {_n(top['target_private'])}, đạt "
                f"{_p(top['target_private_pct'])}."
                if top["target_private"]
                else "."
            )
        )
    period_label = report.period.scope.label_vi
    if per["target"]:
        admission.append(
            f"Lũy kế {period_label}: kết nạp {_n(per['admitted'])} đảng viên, đạt "
            f"{_p(per['target_pct'])} chỉ tiêu cả giai đoạn ({_n(per['target'])})."
        )
    else:
        admission.append(f"Lũy kế {period_label}: kết nạp {_n(per['admitted'])} đảng viên.")

    judged = top["recognised_on_time"] + top["recognised_late"]
    probation = [
        f"Công nhận {_n(top['recognised'])} đảng viên chính thức"
        + (
            f" ({_n(top['recognised_on_time'])} đúng thời hạn, {_n(top['recognised_late'])} "
            f"chậm; tỷ lệ đúng hạn {_p(top['recognised_on_time_pct'])})"
            if judged
            else ""
        )
        + f"; xóa tên {_n(top['struck_off'])} đảng viên dự bị. Đến ngày {as_of}, có "
        f"{_n(top['recognition_overdue'])} đảng viên dự bị đã quá thời hạn xét công nhận "
        "đảng viên chính thức.",
    ]
    pool = [
        f"Có {_n(top['added_to_pool'])} quần chúng ưu tú mới được đưa vào nguồn, "
        f"{_n(top['trained'])} quần chúng học lớp bồi dưỡng nhận thức về Đảng. Đến ngày "
        f"{as_of}, nguồn có {_n(top['source_pool'])} quần chúng ưu tú chưa được kết nạp, trong "
        f"đó {_n(top['trained_not_admitted'])} người đã học lớp nhận thức về Đảng; "
        f"{_n(top['files_stale'])} hồ sơ có giấy tờ quá 12 tháng, phải làm lại trước khi chi "
        "bộ xét.",
    ]
    private = [
        f"Theo dõi {_n(top['private_units'])} doanh nghiệp tư nhân, trường tư thục và đơn vị "
        f"ngoài khu vực nhà nước: {_n(top['private_units_no_member'])} đơn vị chưa có đảng "
        f"viên ({_p(top['private_units_no_member_pct'])}), "
        f"{_n(top['private_units_no_party_org'])} đơn vị chưa có tổ chức đảng "
        f"({_p(top['private_units_no_party_org_pct'])}).",
    ]
    if top["villages"]:
        private.append(
            f"{_n(top['villages_with_cell'])}/{_n(top['villages'])} thôn, tổ dân phố có chi bộ "
            f"riêng ({_p(top['villages_with_cell_pct'])}); {_n(top['village_heads_members'])} "
            "trưởng thôn, tổ trưởng tổ dân phố là đảng viên "
            f"({_p(top['village_heads_members_pct'])})."
        )
    members = [
        f"Tổng số đảng viên đến ngày {as_of}: {_n(top['members_total'])}. Theo dõi thực hiện "
        f"Chỉ thị 28-CT/TW, có {_n(top['screening_listed'])} đảng viên thuộc diện chi bộ xem xét, "
        f"đề nghị sàng lọc (bỏ sinh hoạt đảng hoặc không đóng đảng phí: "
        f"{_n(top['screen_absent'])}; giảm sút ý chí, không tiến bộ: "
        f"{_n(top['screen_decline'])}; vi phạm tư cách đảng viên hai năm liền: "
        f"{_n(top['screen_violation_2y'])}).",
    ]
    sections = [
        ("1. Kết nạp đảng viên", admission),
        ("2. Đảng viên dự bị", probation),
        ("3. Tạo nguồn, hồ sơ kết nạp", pool),
        ("4. Khu vực kinh tế tư nhân, thôn và tổ dân phố", private),
        ("5. Đảng viên và công tác sàng lọc", members),
    ]
    base = report.current.baseline or {}
    comparison = base.get("comparison") or {}
    if comparison:
        parts = []
        for key, c in comparison.items():
            label = next(i.label for i in INDICATORS if i.key == key)
            parts.append(
                f"{label.removesuffix(' (%)').lower()}: {_v(key, c['actual'])} (giai "
                f"đoạn {base['period'].replace('-', '–')}: {_v(key, c['baseline'])})"
            )
        text = "So với giai đoạn " + base["period"].replace("-", "–") + ": " + "; ".join(parts)
        sections.append(("6. So với giai đoạn trước", [text + ".", base.get("notes") or ""]))
    return sections


# -- the charts -----------------------------------------------------------------------------------


def _bar_chart(
    title: str,
    categories: list[str],
    series: list[tuple[str, list[float]]],
    width: float,
    *,
    percent: bool = False,
) -> Any:
    """A grouped bar chart with a legend, in the shipped serif (Vietnamese labels)."""
    # reportlab (~0.1 s) loads only when a PDF is made, not with the statistics
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    from khdesk.core.reports.pdf import FONT, FONT_BOLD, register_fonts

    register_fonts()
    height = 190
    drawing = Drawing(width, height)
    drawing.add(
        String(width / 2, height - 14, title, fontName=FONT_BOLD, fontSize=11, textAnchor="middle")
    )
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 42
    chart.width, chart.height = width - 60, height - 80
    chart.data = [values for _, values in series]
    chart.categoryAxis.categoryNames = categories
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 9
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 9
    chart.valueAxis.valueMin = 0
    top = max((v for _, values in series for v in values), default=0)
    chart.valueAxis.valueMax = max(10, top * 1.15) if not percent else 100
    if percent:
        chart.valueAxis.valueStep = 20
    chart.barLabelFormat = (lambda v: fmt_number(v, 1)) if percent else (lambda v: fmt_number(v))
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    palette = [
        colors.Color(0.55, 0.55, 0.55),
        colors.Color(0.75, 0.1, 0.1),
        colors.Color(0.2, 0.35, 0.6),
    ]
    for i in range(len(series)):
        chart.bars[i].fillColor = palette[i % len(palette)]
        chart.bars[i].strokeColor = colors.black
        chart.bars[i].strokeWidth = 0.3
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.fontName = FONT
        legend.fontSize = 9
        legend.x, legend.y = 40, 14
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 90
        legend.dxTextSpace = 4
        legend.colorNamePairs = [
            (palette[i % len(palette)], name) for i, (name, _) in enumerate(series)
        ]
        drawing.add(legend)
    return drawing


def charts(report: AnnualReport, width: float) -> list[Any]:
    """Admissions against the target, year by year over the plan period; the make-up of
    the year's admissions (shares)."""
    years = [r.scope.label for r in report.by_year]
    targets = [float(r.top["target"] or 0) for r in report.by_year]
    admitted = [float(r.top["admitted"]) for r in report.by_year]
    first = _bar_chart(
        f"Kết nạp đảng viên so với chỉ tiêu, {report.period.scope.label_vi}",
        years,
        [("Chỉ tiêu", targets), ("Kết nạp", admitted)],
        width,
    )
    top = report.top
    shares = [
        ("Thanh niên", top["youth_pct"]),
        ("Nữ", top["women_pct"]),
        ("Dân tộc thiểu số", top["ethnic_minority_pct"]),
        ("Có tôn giáo", top["religious_pct"]),
        ("Khu vực tư nhân", top["private_pct"]),
    ]
    second = _bar_chart(
        f"Cơ cấu đảng viên kết nạp năm {report.year} (%)",
        [label for label, _ in shares],
        [("Tỷ lệ (%)", [float(v or 0) for _, v in shares])],
        width,
        percent=True,
    )
    return [first, second]


# -- the PDF ------------------------------------------------------------------------------------

# The table comparing the years: the indicators a report reader looks for first.
SUMMARY_KEYS = (
    "admitted",
    "target",
    "target_pct",
    "admitted_youth",
    "youth_pct",
    "admitted_women",
    "admitted_ethnic_minority",
    "admitted_religious",
    "admitted_private",
    "recognised",
    "recognised_on_time",
    "struck_off",
    "added_to_pool",
    "trained",
    "source_pool",
    "files_stale",
    "members_total",
    "screening_listed",
)


def summary_rows(report: AnnualReport) -> list[list[str]]:
    columns = [
        (f"Năm {report.year - 1}", report.previous.top),
        (f"Năm {report.year}", report.top),
        (f"Lũy kế {report.period.scope.label.replace('-', '–')}", report.period.top),
    ]
    rows = [["Chỉ số", *(title for title, _ in columns)]]
    labels = {i.key: i.label for i in INDICATORS}
    for key in SUMMARY_KEYS:
        rows.append([labels[key], *(fmt_value(key, unit[key]) for _, unit in columns)])
    return rows


def annual_pdf(
    report: AnnualReport, values: Mapping[str, Any] | None = None, *, invariant: bool = False
) -> bytes:
    """The report on the party-document page; `values`: print settings and header values
    (see `stats_export.letterhead_for`)."""
    # reportlab (~0.1 s) loads only when a PDF is made, not with the statistics
    from khdesk.core.reports.pdf import PdfDocument

    current, top = report.current, report.top
    doc = PdfDocument(
        title=f"Báo cáo công tác phát triển đảng viên năm {report.year}", subject=top.org_name
    )
    doc.header(letterhead(current, report.today, values))
    doc.title("BÁO CÁO", f"kết quả công tác phát triển đảng viên năm {report.year}")
    doc.paragraph(
        f"Căn cứ kế hoạch phát triển đảng viên năm {report.year} và "
        f"{report.period.scope.label_vi}, {top.org_name} báo cáo kết quả công tác phát triển "
        f"đảng viên năm {report.year} (số liệu đến ngày {fmt_day(current.as_of)}) như sau:"
    )
    doc.paragraph("I. KẾT QUẢ THỰC HIỆN", "bold")
    for heading, texts in paragraphs(report):
        doc.keep_with_next(30).paragraph(heading, "bold")
        for text in texts:
            if text:
                doc.paragraph(text)
    doc.spacer(3).keep_with_next(90)
    doc.paragraph("Bảng 1. Các chỉ số chủ yếu", "centre", size=12)
    doc.table(
        summary_rows(report),
        widths=[80, None, None, None],
        align=["left", "right", "right", "right"],
        size=10,
    )
    for chart in charts(report, doc.width):
        doc.spacer(4).keep_with_next(70)
        doc.add(chart)
    children = current.children(top.org_code)
    if children:
        level = LEVEL_LABELS[children[0].level].lower()
        doc.spacer(4).keep_with_next(40)
        doc.paragraph(
            f"Bảng 2. Kết quả kết nạp năm {report.year} theo đơn vị ({level})", "centre", size=12
        )
        doc.table(
            unit_table_rows(children),
            widths=[9, 50, *([None] * len(COMPACT_KEYS))],
            align=["centre", "left", *(["right"] * len(COMPACT_KEYS))],
            size=9,
        )
        doc.paragraph(
            "Ghi chú: % đạt = kết nạp/chỉ tiêu; % TN, % nữ, % DTTS, % tư nhân: tỷ lệ trong số "
            "đảng viên kết nạp; Nguồn: quần chúng ưu tú chưa kết nạp đến cuối kỳ.",
            "small",
        )
    doc.spacer(3).keep_with_next(40)
    doc.paragraph("II. ĐÁNH GIÁ CHUNG", "bold")
    doc.paragraph("1. Ưu điểm", "plain")
    doc.dotted(3)
    doc.paragraph("2. Hạn chế, nguyên nhân", "plain")
    doc.dotted(3)
    doc.keep_with_next(40).paragraph(f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {report.year + 1}", "bold")
    doc.dotted(4)
    signature, recipients = signature_for(current.level, values)
    doc.signing(signature, recipients)
    return doc.build(invariant=invariant)


# -- the workbook -------------------------------------------------------------------------------


def write_annual_xlsx(report: AnnualReport, path: Path) -> None:
    """`Tổng hợp` (every indicator: the year before, the year, the period so far), `Theo
    năm` (the period's years), then the statistics' sheets for the report year."""
    # openpyxl (~0.1 s) loads only when a sheet is read or written, not with the core
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    columns = [
        (f"Năm {report.year - 1}", report.previous.top),
        (f"Năm {report.year}", report.top),
        (f"Lũy kế {report.period.scope.label}", report.period.top),
    ]
    summary: list[list[Any]] = [["Chỉ số", "Khóa", *(title for title, _ in columns)]]
    for ind in INDICATORS:
        summary.append([ind.label, ind.key, *(unit[ind.key] for _, unit in columns)])
    add_sheet(wb, "Tổng hợp", summary, {1: 55, 2: 30, 3: 14, 4: 14, 5: 16})
    keys = (
        "target",
        "admitted",
        "target_pct",
        "admitted_youth",
        "youth_pct",
        "admitted_women",
        "women_pct",
        "admitted_ethnic_minority",
        "admitted_religious",
        "admitted_private",
        "recognised",
        "struck_off",
    )
    labels = {i.key: i.label for i in INDICATORS}
    per_year: list[list[Any]] = [["Năm", *(labels[k] for k in keys)]]
    for r in report.by_year:
        per_year.append([r.scope.year, *(r.top[k] for k in keys)])
    add_sheet(wb, "Theo năm", per_year, {1: 8})
    add_sheet(wb, "Thông tin", info_rows(report.current), {1: 40, 2: 70})
    fill_stats_workbook(wb, report.current)
    wb.save(path)
