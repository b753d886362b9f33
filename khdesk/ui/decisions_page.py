"""The committee's "Quyết định báo lên" page: the decisions its cells typed from their
paper copies and reported in their bundles, waiting to be confirmed (the committee
records its own decision, which goes down in the next bundle) or dismissed with a
reason (core/services/decisions.py)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.pipeline import RESULT_LABELS, Result
from khdesk.core.domain.roles import Action
from khdesk.core.services import decisions
from khdesk.ui.candidate_form import show_date
from khdesk.ui.context import Changes
from khdesk.ui.messages import ERROR_STYLE, confirm
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.record_step import parse_day

COLUMNS = ("Chi bộ", "Hồ sơ", "Họ và tên", "Quyết định", "Kết quả", "Ngày", "Số")


def result_label(value: str) -> str:
    try:
        return RESULT_LABELS[Result(value)]
    except ValueError:  # a value this version does not know: shown as it came
        return value


class ConfirmDialog(QDialog):
    """The reported date and number, which the committee may correct from its register."""

    def __init__(self, report: decisions.DecisionReport, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Xác nhận quyết định")
        self.report = report
        about = QLabel(
            f"{report.step_name} của hồ sơ {report.file_code} ({report.full_name}), chi bộ "
            f"{report.org_code} báo lên. Đảng ủy ghi quyết định của mình với ngày và số "
            "dưới đây (sửa nếu sổ của đảng ủy ghi khác)."
        )
        about.setWordWrap(True)
        self.on_edit = QLineEdit(show_date(report.on))
        self.on_edit.setPlaceholderText("ngày/tháng/năm")
        self.doc_edit = QLineEdit(report.doc_no or "")
        form = QFormLayout()
        form.addRow("Ngày quyết định:", self.on_edit)
        form.addRow("Số quyết định:", self.doc_edit)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Xác nhận")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def values(self):
        """(date, number) or what is wrong (Vietnamese)."""
        day, problem = parse_day(self.on_edit.text().strip(), "Ngày quyết định")
        if problem:
            return problem
        if day is None:
            return "Ngày quyết định: chưa ghi."
        return day, self.doc_edit.text().strip()

    def try_accept(self) -> None:
        found = self.values()
        if isinstance(found, str):
            self.error.setText(found)
            return
        self.accept()


class DecisionsPage(Page):
    key = "decisions"
    title = "Quyết định báo lên"
    roles = ("committee",)

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.reports: list[decisions.DecisionReport] = []
        intro = QLabel(
            "Các quyết định của đảng ủy mà chi bộ chép từ bản giấy và báo lên trong tệp đồng "
            "bộ. Đối chiếu với sổ của đảng ủy: xác nhận thì đảng ủy ghi quyết định của mình "
            "(gửi về chi bộ ở lần gửi sau, thay bản chép của chi bộ); không xác nhận thì ghi "
            "lý do."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.confirm_button = QPushButton("Xác nhận…")
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.all_button = QPushButton("Xác nhận tất cả của chi bộ")
        self.all_button.clicked.connect(self.confirm_cell)
        self.dismiss_button = QPushButton("Không xác nhận…")
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        buttons = QHBoxLayout()
        for button in (self.confirm_button, self.all_button, self.dismiss_button):
            button.setEnabled(ctx.may(Action.CONFIRM_DECISIONS))
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        ctx.hub.changed.connect(self._changed)

    def _changed(self, changes: Changes) -> None:
        if changes.steps or changes.candidates:
            self.refresh()

    def refresh(self) -> None:
        self.reports = decisions.list_reports(self.session)
        self.table.setRowCount(len(self.reports))
        for row, r in enumerate(self.reports):
            for col, text in enumerate(
                (
                    r.org_code,
                    r.file_code,
                    r.full_name,
                    r.step_name,
                    result_label(r.result),  # a decision may return the file (Trả lại)
                    show_date(r.on),
                    r.doc_no or "",
                )
            ):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if self.reports and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        if not self.reports:
            self.message.setText("Không có quyết định chi bộ báo lên chờ xác nhận.")

    def show_cell(self, org_code: str) -> None:
        """The page on one cell's reports (asked from "Các chi bộ"): its first selected."""
        self.refresh()
        rows = [n for n, r in enumerate(self.reports) if r.org_code == org_code]
        if rows:
            self.table.selectRow(rows[0])
            self.table.scrollToItem(self.table.item(rows[0], 0))
        self.message.setText(
            f"Chi bộ {org_code}: {len(rows)} quyết định báo lên chờ xác nhận"
            + (" (dòng đầu đã chọn)." if rows else ".")
        )

    def selected(self) -> decisions.DecisionReport | None:
        rows = self.table.selectionModel().selectedRows()
        return self.reports[rows[0].row()] if rows and self.reports else None

    # -- actions --

    def confirm_selected(self) -> None:
        report = self.selected()
        if report is None:
            self.message.setText("Chọn một quyết định trong danh sách.")
            return
        dialog = ConfirmDialog(report, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        found = dialog.values()
        if not isinstance(found, str):
            self.confirm_one(report, *found)

    def confirm_one(self, report: decisions.DecisionReport, on, doc_no: str) -> None:
        work = partial(
            decisions.confirm_report,
            self.session,
            report.id,
            self.ctx.today(),
            on=on,
            doc_no=doc_no or None,
        )
        self._run(lambda **_: work(), self._confirmed)

    def _confirmed(self, done: decisions.Confirmed) -> None:
        r = done.report
        self.message.setText(
            f"Đã xác nhận {r.step_name} của hồ sơ {r.file_code}; quyết định của đảng ủy sẽ gửi "
            f"về chi bộ {r.org_code} ở lần gửi sau."
        )

    def confirm_cell(self) -> None:
        report = self.selected()
        if report is None:
            self.message.setText("Chọn một quyết định của chi bộ trong danh sách.")
            return
        count = sum(1 for r in self.reports if r.org_code == report.org_code)
        if confirm(
            self,
            "Xác nhận tất cả",
            f"Xác nhận cả {count} quyết định chi bộ {report.org_code} báo lên, đúng ngày và số "
            "chi bộ ghi? (Đã đối chiếu với sổ của đảng ủy.)",
            yes="Xác nhận tất cả",
        ):
            self.confirm_all(report.org_code)

    def confirm_all(self, org_code: str) -> None:
        work = partial(decisions.confirm_all, self.session, org_code, self.ctx.today())
        self._run(work, self._confirmed_all, progress="Đang xác nhận quyết định")

    def _confirmed_all(self, result: decisions.BulkResult) -> None:
        text = f"Đã xác nhận {len(result.confirmed)} quyết định."
        for r, why in result.refused:
            text += f"\nChưa xác nhận {r.step_id} của hồ sơ {r.file_code}: {why}"
        self.message.setText(text)

    def dismiss_selected(self) -> None:
        report = self.selected()
        if report is None:
            self.message.setText("Chọn một quyết định trong danh sách.")
            return
        reason, ok = QInputDialog.getText(
            self,
            "Không xác nhận",
            f"Lý do không xác nhận {report.step_name} của hồ sơ {report.file_code}:",
        )
        if ok:
            self.dismiss(report, reason)

    def dismiss(self, report: decisions.DecisionReport, reason: str) -> None:
        work = partial(decisions.dismiss_report, self.session, report.id, reason)
        self._run(lambda **_: work(), self._dismissed)

    def _dismissed(self, report: decisions.DecisionReport) -> None:
        self.message.setText(f"Không xác nhận {report.step_name} của hồ sơ {report.file_code}.")

    def _run(self, work, done, progress: str | None = None) -> None:
        op = Operation(self, work)
        if progress:
            op = op.with_progress(progress)
        op.changes(self.ctx.hub, Changes(candidates=True, steps=True)).success(
            done
        ).run_in_background()
