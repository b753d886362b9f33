"""The home page ("Việc cần làm"): files per state, what is due, and the year's plan.

The to-do list is the rules engine's findings for the whole profile sorted by due date;
overdue rows are red, rows due within 30 days amber. Enter or a double click opens the
file at the step the finding is about.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from html import escape

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from khdesk.core.domain.pipeline import STATE_LABELS, STATE_ORDER, State
from khdesk.core.domain.rulebook import SEVERITY_LABELS, Severity
from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress
from khdesk.core.services.checking import check_profile
from khdesk.core.services.plan import PlanFigure, file_count, plan_progress, state_counts
from khdesk.ui.in_transit import InTransitBox
from khdesk.ui.layouts import SideBySide
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import rich
from khdesk.ui.prefs import relative_font
from khdesk.ui.table_model import TableModel, fit_columns, table_view

# Above this many files the checks run in the background with a progress dialog.
BIG_PROFILE = 3000
SOON_DAYS = 30

OVERDUE_BG = QColor("#fbe3e4")
OVERDUE_FG = QColor("#9b1c1c")
SOON_BG = QColor("#fff1cc")
SOON_FG = QColor("#7a4f00")

TODO_COLUMNS = (
    ("due", "Hạn"),
    ("who", "Mã hồ sơ"),
    ("full_name", "Họ và tên"),
    ("message", "Việc cần làm / cảnh báo"),
    ("severity", "Mức độ"),
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _due(finding: dict) -> date | None:
    due = finding.get("due")
    if due is None or isinstance(due, date):
        return due
    return date.fromisoformat(due)


class TodoModel(TableModel):
    """The findings, already sorted by due date (undated last) by the core."""

    def __init__(self, parent=None):
        super().__init__(TODO_COLUMNS, parent)
        self.findings: list[dict] = []
        self.today = date.min

    def set_findings(self, findings: list[dict], today: date) -> None:
        self.beginResetModel()
        self.findings = list(findings)
        self.today = today
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.findings)

    def tone(self, row: int) -> str | None:
        """ "overdue", "soon" (within 30 days) or None: what the row's colour says."""
        due = _due(self.findings[row])
        if due is None:
            return None
        if due < self.today:
            return "overdue"
        if due <= self.today + timedelta(days=SOON_DAYS):
            return "soon"
        return None

    def finding(self, row: int) -> dict:
        return self.findings[row]

    def text(self, row: int, key: str) -> str | None:
        f = self.findings[row]
        if key == "due":
            due = _due(f)
            return due.strftime("%d/%m/%Y") if due else "—"
        if key == "who":
            return f.get("file_code") or f"Đảng viên {f.get('member_code') or ''}".strip()
        if key == "severity":
            return SEVERITY_LABELS[Severity(f["severity"])]
        return f.get(key)

    def tip(self, row: int, key: str) -> str | None:
        f = self.findings[row]
        basis = f.get("legal_basis")
        return f"{f.get('message')}\nCăn cứ: {basis}" if basis else f.get("message")

    def extra(self, row: int, key: str, role: int):
        tone = self.tone(row)
        if role == Qt.ItemDataRole.BackgroundRole and tone:
            return OVERDUE_BG if tone == "overdue" else SOON_BG
        if role == Qt.ItemDataRole.ForegroundRole and tone:
            return OVERDUE_FG if tone == "overdue" else SOON_FG
        if role == Qt.ItemDataRole.FontRole and tone == "overdue" and key == "due":
            font = QFont()
            font.setBold(True)
            return font
        return None


class _TodoView(QTableView):
    """Enter opens the row, as a double click does (QTableView's `activated` depends on
    the platform style; a secretary presses Enter)."""

    open_row = Signal(QModelIndex)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_row.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class HomePage(Page):
    key = "home"
    title = "Việc cần làm"

    # the state a tile was clicked for (the candidate list then shows those files)
    state_chosen = Signal(str)

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.heading = relative_font(QLabel(), 3, bold=True)

        # -- tiles: files per state --
        self.tiles: dict[str, QPushButton] = {}
        tiles_box = QGroupBox("Hồ sơ theo giai đoạn (bấm để xem danh sách)")
        grid = QGridLayout(tiles_box)
        grid.setSpacing(6)
        shown = list(STATE_ORDER) + [State.XOA_TEN, State.DUNG]
        for i, state in enumerate(shown):
            button = QPushButton()
            button.setMinimumHeight(46)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, s=state.value: self.choose_state(s))
            self.tiles[state.value] = button
            grid.addWidget(button, i // 5, i % 5)

        # -- the plan --
        plan_box = QGroupBox("Kế hoạch kết nạp")
        self.year_bar = QProgressBar()
        self.year_bar.setTextVisible(True)
        self.year_label = rich(QLabel())
        self.year_label.setWordWrap(True)
        self.period_label = rich(QLabel())
        self.period_label.setWordWrap(True)
        plan_layout = QVBoxLayout(plan_box)
        plan_layout.addWidget(self.year_label)
        plan_layout.addWidget(self.year_bar)
        plan_layout.addWidget(self.period_label)
        plan_layout.addStretch(1)

        # the plan beside the tiles, below them on a narrow screen
        self.top = SideBySide(tiles_box, plan_box, 55)

        # -- the to-do list --
        self.todo_label = relative_font(QLabel(), bold=True)
        self.todo_label.setWordWrap(True)
        legend = rich(
            QLabel(
                "<span style='background:#fbe3e4;color:#9b1c1c'>&nbsp;Quá hạn&nbsp;</span>"
                "&nbsp;&nbsp;<span style='background:#fff1cc;color:#7a4f00'>"
                f"&nbsp;Đến hạn trong {SOON_DAYS} ngày&nbsp;</span>"
            )
        )
        self.model = TodoModel(self)
        self.table = table_view(_TodoView())
        self.table.setAlternatingRowColors(False)  # the rows' colours say what is due
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        # column 1 fits "Đảng viên X01-CB01-DV017" (member findings) unclipped
        fit_columns(
            self.table,
            # The day is bold when overdue: one digit more keeps the bold one whole.
            {0: "00/00/00000", 1: "Đảng viên X01-CB01-DV017", 2: "Nguyễn Thị Bích", 4: "Nhắc việc"},
        )
        self.table.doubleClicked.connect(self.open_finding)
        self.table.open_row.connect(self.open_finding)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail = rich(QLabel())
        self.detail.setWordWrap(True)
        self.detail.setFrameShape(QFrame.Shape.StyledPanel)
        self.detail.setMinimumHeight(48)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        todo_head = QHBoxLayout()
        todo_head.addWidget(self.todo_label, 1)
        todo_head.addWidget(legend)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.top)
        self.in_transit = InTransitBox(self.session, self)
        layout.addWidget(self.in_transit)
        layout.addLayout(todo_head)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        self.refresh()

    # -- data --

    def refresh(self) -> None:
        today = self.ctx.today()
        info = self.session.info
        self.heading.setText(f"{info.org_name} — ngày {today:%d/%m/%Y}")
        self.in_transit.refresh()
        counts = state_counts(self.session)
        for state, button in self.tiles.items():
            n = counts.get(state, 0)
            button.setText(f"{n}\n{STATE_LABELS[State(state)]}")
            button.setToolTip(f"Xem {n} hồ sơ ở giai đoạn “{STATE_LABELS[State(state)]}”")
        if file_count(self.session) > BIG_PROFILE:
            Operation(self, partial(self._load, today)).with_progress(
                "Đang kiểm tra hồ sơ", cancellable=False
            ).success(partial(self._show_checks, today)).failure(
                self._unchecked
            ).run_in_background()
            return
        try:
            loaded = self._load(today)
        except Exception as exc:  # said on the page: a dialog here would block every show
            self._unchecked(exc)
            return
        self._show_checks(today, loaded)

    def _unchecked(self, exc: BaseException) -> None:
        self.model.set_findings([], self.ctx.today())
        self.todo_label.setText("Chưa kiểm tra được các hồ sơ.")
        self.detail.setText(error_text(exc))

    def _show_checks(
        self, today: date, loaded: tuple[list[dict], tuple[PlanFigure, PlanFigure]]
    ) -> None:
        findings, plans = loaded
        self.model.set_findings(findings, today)
        overdue = sum(1 for r in range(self.model.rowCount()) if self.model.tone(r) == "overdue")
        soon = sum(1 for r in range(self.model.rowCount()) if self.model.tone(r) == "soon")
        self.todo_label.setText(
            f"Việc cần làm và cảnh báo: {len(findings)} (quá hạn {overdue}, "
            f"đến hạn trong {SOON_DAYS} ngày {soon})"
        )
        self._show_plan(*plans)
        self.detail.setText(
            "Chọn một dòng để xem đầy đủ nội dung và căn cứ; bấm đúp hoặc Enter để mở hồ sơ"
            " đúng bước cần làm."
        )

    def _load(
        self,
        today: date,
        *,
        progress: ProgressReport = no_progress,
        cancel: CancelToken | None = None,
    ) -> tuple[list[dict], tuple[PlanFigure, PlanFigure]]:
        progress(Progress(0, 2, "Kiểm tra các hồ sơ theo quy định…"))
        findings = check_profile(self.session, today).findings
        progress(Progress(1, 2, "Tính kết quả thực hiện kế hoạch…"))
        return findings, plan_progress(self.session, today)

    def _show_plan(self, year: PlanFigure, period: PlanFigure) -> None:
        def part(label: str, done: int, target: int | None) -> str:
            return f"{label}: {done}/{target}" if target else f"{label}: {done}"

        if year.target:
            self.year_bar.setRange(0, year.target)
            self.year_bar.setValue(min(year.admitted, year.target))
            self.year_bar.setFormat(f"{year.admitted}/{year.target} ({year.percent:g}%)")
            head = f"<b>{_cap(year.label)}:</b> đã kết nạp {year.admitted} / chỉ tiêu {year.target}"
        else:
            self.year_bar.setRange(0, 1)
            self.year_bar.setValue(0)
            self.year_bar.setFormat("Chưa có chỉ tiêu")
            head = f"<b>{_cap(year.label)}:</b> đã kết nạp {year.admitted} (chưa nhập chỉ tiêu)"
        self.year_label.setText(
            f"{head}<br>{part('Thanh niên', year.admitted_youth, year.target_youth)} · "
            f"{part('Khu vực tư nhân', year.admitted_private, year.target_private)}"
        )
        if period.target:
            text = f"đã kết nạp {period.admitted} / chỉ tiêu {period.target} ({period.percent:g}%)"
        else:
            text = f"đã kết nạp {period.admitted} (chưa nhập chỉ tiêu)"
        self.period_label.setText(f"<b>{_cap(period.label)}:</b> {text}")

    # -- actions --

    def choose_state(self, state: str) -> None:
        """Show the candidate list filtered to one state."""
        self.state_chosen.emit(state)
        pages = getattr(self.window(), "pages", {})
        target = pages.get("candidates")
        if target is not None and hasattr(target, "set_state_filter"):
            target.set_state_filter(state)
        self.ctx.hub.show_page.emit("candidates")

    def open_finding(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        f = self.model.finding(index.row())
        if f.get("file_code"):
            self.ctx.hub.open_file.emit(f["file_code"], f.get("step") or "")
            return
        code = f.get("member_code")
        if code:  # a member finding (screening): show the member in the register
            pages = getattr(self.window(), "pages", {})
            members = pages.get("members")
            self.ctx.hub.show_page.emit("members")
            if members is not None and hasattr(members, "show_member"):
                members.show_member(code)

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        f = self.model.finding(current.row())
        who = f.get("file_code") or f.get("member_code") or ""
        basis = f.get("legal_basis")
        text = f"<b>{escape(f.get('full_name') or '')} ({escape(who)}):</b> "
        text += escape(f.get("message") or "")
        if basis:
            text += f"<br><i>Căn cứ: {escape(basis)}</i>"
        if f.get("rule"):  # what to quote when asking for help: small, after the reason
            text += (
                f" <span style='color:#777; font-size:small'>(mã quy tắc "
                f"{escape(f['rule'])})</span>"
            )
        self.detail.setText(text)
