"""Thống kê: the year's (or the plan period's) figures a secretary reads at a glance — the
main indicators as big numbers against their targets, admitted against target per unit
(per cell at a commune, per commune at the province; per year at a cell), the youth
share and, below, every indicator of RULES.md §4 in a table — and the exports: the
statistics as Excel or PDF, the annual report as PDF.

The figures are the core's (`services.statistics.profile_stats`, the same as `khdesk stats`);
the exports are `services.reporting` (`khdesk stats --xlsx/--pdf`, `khdesk report
annual`). The charts are drawn with QPainter (QtCharts is not shipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, QStandardPaths, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.errors import KhdeskError
from khdesk.core.progress import CancelToken, ProgressReport, no_progress
from khdesk.core.reports.stats import GROUPS, INDICATORS, Scope, StatsResult, UnitStats
from khdesk.core.reports.stats_export import fmt_day, fmt_number, fmt_value
from khdesk.core.services import decisions, reporting
from khdesk.core.services.plan import file_count
from khdesk.core.services.statistics import profile_stats_many
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import ALL_ROLES, Page
from khdesk.ui.prefs import relative_font

YEARS_BACK = 6  # the years offered: this one and the ones before (the last plan period)
BIG_PROFILE = 3000  # files: above this (or at the province) the figures come from the worker

BLUE, GREY, GREEN, ORANGE, RED = "#1f5fa8", "#c9ced6", "#1b5e20", "#a35a00", "#8a1c1c"


def scope_choices(today: date) -> list[tuple[str, Scope]]:
    """The years (this one first) and the plan periods, as the scope box lists them."""
    out = [(f"Năm {y}", Scope.for_year(y)) for y in range(today.year, today.year - YEARS_BACK, -1)]
    current = Scope.plan_period_of(today.year)
    before = Scope.plan_period_of(current.start.year - 1)
    for p in (current, before):
        out.append((f"Giai đoạn {p.start.year}–{p.end.year}", p))
    return out


def pct_text(value: float | None) -> str:
    return "—" if value is None else f"{fmt_number(value, 1)}%"


# -- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the page shows: the profile's result, and the rows of the charts."""

    result: StatsResult
    rows: list[UnitStats]  # the units one level below; a cell: itself per year
    row_labels: list[str]
    per_year: bool


def compute(  # noqa: ANN001
    session,
    scope: Scope,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> Figures:
    """The figures of `scope`; at a cell (no units below) the chart rows are years: the
    five ending with the chosen one, or a period's years so far."""
    steps = {"progress": progress, "cancel": cancel}
    if session.info.role == "cell":
        if scope.year is None:
            shown = [y for y in scope.years if y <= today.year]
        else:
            shown = list(range(scope.year - 4, scope.year + 1))
        scopes = [scope, *(Scope.for_year(y) for y in shown)]
        results = profile_stats_many(session, scopes, today, **steps)
        result = results[0]
        return Figures(result, [r.top for r in results[1:]], [str(y) for y in shown], True)
    result = profile_stats_many(session, [scope], today, **steps)[0]
    rows = result.children(result.org_code)
    return Figures(result, rows, [u.org_name for u in rows], False)


# -- a bar chart -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    target: float | None = None  # drawn as a grey bar behind the value
    text: str = ""  # written after the bar


class BarChart(QWidget):
    """Horizontal bars, one row per unit: the label, the value's bar over the target's
    (grey), and the figures in words. Grows in height with the rows (put it in a scroll
    area for a province's communes)."""

    ROW = 26

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.bars: list[Bar] = []
        self.scale_max: float | None = None  # e.g. 100 for percentages
        self.legend: list[tuple[str, str]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: list[Bar], scale_max: float | None = None) -> None:
        self.bars = bars
        self.scale_max = scale_max
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(420, 34 + 22 + max(len(self.bars), 1) * self.ROW + 8)

    def paintEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        base = QFont(self.font())
        title = QFont(base)
        title.setBold(True)
        title.setPointSizeF(base.pointSizeF() + 1)
        p.setFont(title)
        p.setPen(QColor("#222"))
        p.drawText(QRectF(8, 4, self.width() - 16, 24), Qt.AlignmentFlag.AlignVCenter, self.title)
        p.setFont(base)
        x = 8.0
        for colour, text in self.legend:  # the legend under the title
            p.fillRect(QRectF(x, 34, 12, 12), QColor(colour))
            p.setPen(QColor("#333"))
            width = QFontMetrics(base).horizontalAdvance(text)
            p.drawText(QRectF(x + 16, 28, width + 4, 24), Qt.AlignmentFlag.AlignVCenter, text)
            x += width + 36
        top = 56.0
        if not self.bars:
            p.setPen(QColor("#666"))
            p.drawText(QRectF(8, top, self.width() - 16, self.ROW), "Chưa có số liệu.")
            p.end()
            return
        metrics = QFontMetrics(base)
        label_w = min(max(metrics.horizontalAdvance(b.label) for b in self.bars) + 12, 260)
        text_w = max(metrics.horizontalAdvance(b.text) for b in self.bars) + 12
        left = 8 + label_w
        span = max(self.width() - left - text_w - 12, 40)
        scale = self.scale_max or max(
            [v for b in self.bars for v in (b.value, b.target) if v] or [1]
        )
        for i, bar in enumerate(self.bars):
            y = top + i * self.ROW
            label = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_w - 8)
            p.setPen(QColor("#222"))
            p.drawText(
                QRectF(8, y, label_w - 8, self.ROW),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                label,
            )
            if bar.target:
                p.fillRect(QRectF(left, y + 5, span * min(bar.target / scale, 1), 16), QColor(GREY))
            if bar.value:
                done = bar.target is not None and bar.value >= bar.target
                colour = QColor(GREEN if done else BLUE)
                p.fillRect(QRectF(left, y + 8, span * min(bar.value / scale, 1), 10), colour)
            p.setPen(QColor("#333"))
            p.drawText(
                QRectF(left + span + 6, y, text_w, self.ROW),
                Qt.AlignmentFlag.AlignVCenter,
                bar.text,
            )
        p.setPen(QPen(QColor("#888"), 1))
        p.drawLine(int(left), int(top), int(left), int(top + len(self.bars) * self.ROW))
        p.end()


# -- a big number ------------------------------------------------------------------------------


class Card(QFrame):
    """One indicator: what it is, the number in large type, the target and a bar."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.setStyleSheet(
            "QFrame#card { background: white; border: 1px solid #cfd5dd; border-radius: 6px; }"
        )
        self.title_label = QLabel(title)
        self.title_label.setWordWrap(True)
        self.title_label.setStyleSheet("color: #333; font-weight: bold;")
        self.value_label = relative_font(QLabel(), 10, bold=True)  # a big number
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.detail_label.setStyleSheet("color: #444;")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addWidget(self.value_label)
        layout.addWidget(self.detail_label)
        layout.addStretch(1)
        layout.addWidget(self.bar)

    def show_value(self, value: str, detail: str, share: float | None, colour: str = BLUE) -> None:
        """`share`: how far toward the target, in % (None: no target, no bar)."""
        self.value_label.setText(value)
        self.value_label.setStyleSheet(f"color: {colour};")
        self.detail_label.setText(detail)
        self.bar.setVisible(share is not None)
        if share is not None:
            self.bar.setValue(max(0, min(int(round(share)), 100)))
            chunk = GREEN if share >= 100 else BLUE
            self.bar.setStyleSheet(
                "QProgressBar { border: none; background: #e3e7ec; border-radius: 3px; }"
                f"QProgressBar::chunk {{ background: {chunk}; border-radius: 3px; }}"
            )


# -- the page ----------------------------------------------------------------------------------


def indicator_table() -> QTableWidget:
    """Every indicator of RULES.md §4 for the profile's own unit, in the statistics' order
    and words (the same as the xlsx, the PDF and `khdesk stats`); a row's tooltip gives its
    group and definition, its key is the label's UserRole."""
    table = QTableWidget(len(INDICATORS), 2)
    table.setObjectName("indicator_table")
    table.setHorizontalHeaderLabels(["Chỉ số (đầy đủ)", ""])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setAlternatingRowColors(True)
    for row, ind in enumerate(INDICATORS):
        tip = GROUPS[ind.group] + (f"\n{ind.definition}" if ind.definition else "")
        label = QTableWidgetItem(ind.label)
        label.setData(Qt.ItemDataRole.UserRole, ind.key)
        value = QTableWidgetItem("")
        value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for item in (label, value):
            item.setToolTip(tip)
        table.setItem(row, 0, label)
        table.setItem(row, 1, value)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    table.setFixedHeight(rows + header.height() + 4)  # the page scrolls, not the table
    return table


class StatsPage(Page):
    key = "stats"
    title = "Thống kê"
    roles = ALL_ROLES

    def __init__(self, ctx, parent=None):  # noqa: ANN001
        super().__init__(ctx, parent)
        self.figures: Figures | None = None
        self._shown_scope: Scope | None = None

        heading = relative_font(QLabel("Thống kê phát triển đảng viên"), 4, bold=True)
        self.scope_box = QComboBox()
        for label, scope in scope_choices(ctx.today()):
            self.scope_box.addItem(label, scope)
        self.scope_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.xlsx_button = QPushButton("Xuất Excel…")
        self.xlsx_button.setToolTip("Mọi chỉ số, mỗi đơn vị một dòng (tệp .xlsx)")
        self.xlsx_button.clicked.connect(lambda: self.choose_and_export("xlsx"))
        self.pdf_button = QPushButton("Xuất PDF…")
        self.pdf_button.setToolTip("Báo cáo số liệu thống kê theo thể thức văn bản của Đảng")
        self.pdf_button.clicked.connect(lambda: self.choose_and_export("pdf"))
        self.annual_button = QPushButton("Báo cáo năm (PDF)…")
        self.annual_button.setToolTip(
            "Báo cáo kết quả công tác phát triển đảng viên của năm đã chọn, có biểu đồ"
        )
        self.annual_button.clicked.connect(lambda: self.choose_and_export("annual"))
        may_take_out = ctx.session.may_take_out()  # a file is taking out (roles.py)
        for button in (self.xlsx_button, self.pdf_button, self.annual_button):
            button.setEnabled(may_take_out)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(QLabel("Xem:"))
        top.addWidget(self.scope_box)
        top.addWidget(self.xlsx_button)
        top.addWidget(self.pdf_button)
        top.addWidget(self.annual_button)

        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)
        self.subtitle_label.setStyleSheet("color: #444;")
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        # A committee's figures count only the decisions it recorded: say what waits.
        self.pending_label = QLabel()
        self.pending_label.setWordWrap(True)
        self.pending_label.setStyleSheet("color: #8a5a00;")
        self.pending_label.hide()

        self.cards = {
            "admitted": Card("Kết nạp đảng viên"),
            "youth": Card("Trong độ tuổi thanh niên (18–30)"),
            "women": Card("Đảng viên nữ được kết nạp"),
            "private": Card("Khu vực tư nhân (doanh nghiệp, trường tư thục)"),
            "on_time": Card("Công nhận chính thức đúng hạn"),
            "pool": Card("Nguồn quần chúng ưu tú"),
        }
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, card in enumerate(self.cards.values()):
            grid.addWidget(card, 0, i)
            grid.setColumnStretch(i, 1)

        self.admitted_chart = BarChart("Kết nạp so với chỉ tiêu")
        self.admitted_chart.legend = [
            (BLUE, "Đã kết nạp"),
            (GREEN, "Đạt chỉ tiêu"),
            (GREY, "Chỉ tiêu"),
        ]
        self.youth_chart = BarChart("Tỷ lệ thanh niên trong số được kết nạp")
        self.youth_chart.legend = [(BLUE, "Tỷ lệ thanh niên (%)"), (GREY, "Tỷ lệ theo chỉ tiêu")]
        charts_layout = QHBoxLayout()
        charts_layout.addWidget(self.admitted_chart, 3, Qt.AlignmentFlag.AlignTop)
        charts_layout.addWidget(self.youth_chart, 2, Qt.AlignmentFlag.AlignTop)
        self.table = indicator_table()
        below = QWidget()  # the charts, then the table: the page scrolls, not the table
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addLayout(charts_layout)
        below_layout.addWidget(self.table)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(below)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.pending_label)
        layout.addWidget(self.message_label)
        layout.addLayout(grid)
        layout.addWidget(scroll, 1)
        self.refresh()

    @property
    def scope(self) -> Scope:
        return self.scope_box.currentData()

    def _big(self) -> bool:
        if self.ctx.role == "province":
            return True

        return file_count(self.session) > BIG_PROFILE

    def _say(self, text: str, colour: str = RED) -> None:
        self.message_label.setStyleSheet(f"color: {colour}; padding: 4px;")
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def refresh(self) -> None:
        scope, today = self.scope, self.ctx.today()
        if self._big():
            Operation(self, partial(compute, self.session, scope, today)).with_progress(
                "Đang tính số liệu thống kê…"
            ).success(self._figures_ready).failure(self._refused).run_in_background()
            return
        try:
            figures = compute(self.session, scope, today)
        except KhdeskError as exc:
            self._refused(exc)
            return
        self._figures_ready(figures)

    def _refused(self, exc: BaseException) -> None:
        self._say(error_text(exc))

    def _figures_ready(self, figures: Figures) -> None:
        self._say("")
        self.show_figures(figures)

    def show_figures(self, figures: Figures) -> None:
        self.figures = figures
        result = figures.result
        top = result.top
        self.annual_button.setEnabled(result.scope.year is not None)
        self.subtitle_label.setText(
            f"{top.org_name} · {result.scope.label_vi} · số liệu tính đến ngày "
            f"{fmt_day(result.as_of)}"
        )
        pending = (
            decisions.pending_count(self.session) if self.session.info.role == "committee" else 0
        )
        self.pending_label.setText(
            f"{pending} quyết định chi bộ báo lên chưa xác nhận (trang 'Quyết định báo lên'): "
            "số liệu chỉ tính các quyết định đảng ủy đã ghi."
        )
        self.pending_label.setVisible(pending > 0)

        def n(key: str) -> str:
            return fmt_number(top[key])

        admitted, target = top["admitted"] or 0, top["target"]
        self.cards["admitted"].show_value(
            n("admitted"),
            f"Chỉ tiêu: {n('target')} · đạt {pct_text(top['target_pct'])}"
            if target
            else "Chưa có chỉ tiêu trong kế hoạch",
            top["target_pct"] if target else None,
            GREEN if target and admitted >= target else BLUE,
        )
        self.cards["youth"].show_value(
            pct_text(top["youth_pct"]),
            f"{n('admitted_youth')} người · chỉ tiêu {n('target_youth')} người"
            + (f" (đạt {pct_text(top['target_youth_pct'])})" if top["target_youth"] else ""),
            top["target_youth_pct"] if top["target_youth"] else None,
        )
        self.cards["women"].show_value(
            pct_text(top["women_pct"]), f"{n('admitted_women')} người trong số được kết nạp", None
        )
        self.cards["private"].show_value(
            n("admitted_private"),
            f"Chỉ tiêu: {n('target_private')} · đạt {pct_text(top['target_private_pct'])}"
            if top["target_private"]
            else "Chưa có chỉ tiêu trong kế hoạch",
            top["target_private_pct"] if top["target_private"] else None,
        )
        overdue = top["recognition_overdue"] or 0
        recognised = (
            f"{n('recognised_on_time')}/{n('recognised')} người được công nhận đúng hạn"
            if top["recognised"]
            else "Trong kỳ chưa có ai được công nhận"
        )
        self.cards["on_time"].show_value(
            pct_text(top["recognised_on_time_pct"]),
            recognised + (f"; {overdue} người quá hạn chưa được công nhận" if overdue else ""),
            None,
            RED if overdue else BLUE,
        )
        self.cards["pool"].show_value(
            n("source_pool"),
            f"người chưa kết nạp (cuối kỳ); {n('trained_not_admitted')} người đã học lớp "
            "nhận thức về Đảng",
            None,
        )

        what = "năm" if figures.per_year else "đơn vị"
        self.admitted_chart.title = f"Kết nạp so với chỉ tiêu, theo {what}"
        self.youth_chart.title = f"Tỷ lệ thanh niên trong số được kết nạp, theo {what}"
        bars, youth = [], []
        for label, u in zip(figures.row_labels, figures.rows, strict=True):
            got, goal = u["admitted"] or 0, u["target"]
            bars.append(
                Bar(label, got, goal, f"{got}/{goal}" if goal else f"{got} (chưa có chỉ tiêu)")
            )
            goal_share = (
                100.0 * u["target_youth"] / goal if goal and u["target_youth"] is not None else None
            )
            youth.append(Bar(label, u["youth_pct"], goal_share, pct_text(u["youth_pct"])))
        self.admitted_chart.set_bars(bars)
        self.youth_chart.set_bars(youth, scale_max=100)
        self.table.horizontalHeaderItem(1).setText(top.org_name)
        for row, ind in enumerate(INDICATORS):
            self.table.item(row, 1).setText(fmt_value(ind.key, top[ind.key]))

    # -- exports --

    def choose_and_export(self, kind: str) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        scope = self.scope
        if kind == "annual":
            name, pattern = f"Bao cao nam {scope.year}.pdf", "Tệp PDF (*.pdf)"
        elif kind == "xlsx":
            name, pattern = f"Thong ke {scope.label}.xlsx", "Tệp Excel (*.xlsx)"
        else:
            name, pattern = f"Thong ke {scope.label}.pdf", "Tệp PDF (*.pdf)"
        path, _ = QFileDialog.getSaveFileName(self, "Lưu tệp", str(Path(folder) / name), pattern)
        if path:
            suffix = ".xlsx" if kind == "xlsx" else ".pdf"
            if not path.lower().endswith(suffix):
                path += suffix
            self.export_to(Path(path), kind)

    def export_to(self, out: Path, kind: str) -> None:
        """Write the statistics (`kind` xlsx or pdf) or the annual report (annual) of the
        chosen scope to `out`, in the background; the result is said in the page."""
        scope, today, session = self.scope, self.ctx.today(), self.session
        if kind == "annual":
            work = partial(reporting.export_annual, session, out, scope.year or today.year, today)
        else:
            work = partial(reporting.export_stats, session, out, scope, today)

        def saved(_: object) -> None:
            self._say(f"Đã lưu: {out}", GREEN)
            self.ctx.hub.status.emit(f"Đã lưu {out}")

        Operation(self, work).with_progress("Đang ghi tệp…").success(saved).failure(
            self._refused
        ).run_in_background()
