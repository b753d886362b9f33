"""Excel in and out: the import wizard (choose the file, a dry-run preview with every bad
cell, the import on the worker, the report) and the export with a save dialog.

Both are reached from the "Nhập / xuất Excel" page. The work is the importer's and the
exporter's: `import_file` (dry run first: the same code path, rolled back) and
`export_file`; this module only shows it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from khdesk.core.domain.template import SHEETS_BY_KEY
from khdesk.core.errors import CellProblem
from khdesk.core.fsutil import safe_file_name
from khdesk.core.services.exporter import export_file
from khdesk.core.services.importer import ImportReport, import_file
from khdesk.ui.context import AppContext
from khdesk.ui.messages import error_text, show_error
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import rich
from khdesk.ui.table_model import TableModel
from khdesk.ui.worker import run_with_progress

COUNT_HEADERS = ("Trang", "Thêm mới", "Sửa", "Không đổi", "Bỏ qua (lỗi)")
PROBLEM_COLUMNS = (("sheet", "Trang"), ("row", "Dòng"), ("column", "Cột"), ("message", "Lỗi"))
IMPORT_ROLES = ("owner", "secretary", "deputy")


def run_import(ctx: AppContext, parent: QWidget | None, path: Path, **kw) -> ImportReport:
    """import_file on the worker, its (sheet, done, total) progress on the dialog."""

    def work(progress):
        return import_file(
            ctx.session,
            path,
            progress=lambda sheet, done, total: progress(done, total, sheet),
            **kw,
        )

    title = "Đang kiểm tra tệp (chưa ghi gì)" if kw.get("dry_run") else "Đang nhập dữ liệu"
    return run_with_progress(parent, title, work)


class ProblemModel(TableModel):
    """The bad cells: sheet, row, column as Excel shows them, and the Vietnamese message;
    sorted by sheet (template order), then row, so those of one sheet read together. The
    base shows each cell's text as written in its tooltip (never read as HTML)."""

    def __init__(self, parent=None):
        super().__init__(PROBLEM_COLUMNS, parent)
        self.problems: list[CellProblem] = []

    def set_problems(self, problems: list[CellProblem]) -> None:
        order = {sheet.name: i for i, sheet in enumerate(SHEETS_BY_KEY.values())}
        self.beginResetModel()
        self.problems = sorted(
            problems, key=lambda p: (order.get(p.sheet, 99), p.sheet, p.row or 0, p.column or "")
        )
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.problems)

    def text(self, row: int, key: str) -> str:
        p = self.problems[row]
        if key == "row":
            return "" if p.row is None else str(p.row)
        if key == "column":
            return p.column or ""
        return p.sheet if key == "sheet" else p.message


def _counts_table(report: ImportReport) -> QTableWidget:
    table = QTableWidget(0, len(COUNT_HEADERS))
    table.setHorizontalHeaderLabels(COUNT_HEADERS)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    fill_counts(table, report)
    return table


def fill_counts(table: QTableWidget, report: ImportReport | None) -> None:
    table.setRowCount(0)
    if report is None:
        return
    # Rows with a bad cell never reach the importer (the reader leaves them out), so the
    # skipped column counts the distinct rows the problems name, sheet by sheet.
    bad_rows: dict[str, set] = {}
    for p in report.problems:
        bad_rows.setdefault(p.sheet, set()).add(p.row)
    for key, counts in report.counts.items():
        row = table.rowCount()
        table.insertRow(row)
        skipped = max(counts.skipped, len(bad_rows.get(SHEETS_BY_KEY[key].name, ())))
        values = (counts.added, counts.updated, counts.unchanged, skipped)
        table.setItem(row, 0, QTableWidgetItem(SHEETS_BY_KEY[key].name))
        for col, n in enumerate(values, start=1):
            item = QTableWidgetItem(str(n))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            table.setItem(row, col, item)
    table.resizeRowsToContents()


class ChoosePage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("Bước 1: Chọn tệp cần nhập")
        self.setSubTitle(
            "Chọn tệp Excel (.xlsx) theo mẫu của khdesk, hoặc một thư mục chứa các tệp CSV "
            "(mỗi trang một tệp). Bước sau sẽ kiểm tra tệp trước, chưa ghi gì."
        )
        self.xlsx_radio = QRadioButton("Một tệp Excel (.xlsx)")
        self.folder_radio = QRadioButton("Một thư mục các tệp CSV")
        self.xlsx_radio.setChecked(True)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Bấm “Chọn…” để tìm tệp")
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton("Chọn…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.xlsx_radio)
        layout.addWidget(self.folder_radio)
        layout.addLayout(row)
        layout.addStretch(1)

    def browse(self) -> None:
        if self.folder_radio.isChecked():
            chosen = QFileDialog.getExistingDirectory(self, "Chọn thư mục các tệp CSV")
        else:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Chọn tệp Excel", "", "Tệp Excel (*.xlsx *.xlsm)"
            )
        if chosen:
            self.path_edit.setText(chosen)

    def path(self) -> Path:
        return Path(self.path_edit.text().strip())

    def isComplete(self) -> bool:
        text = self.path_edit.text().strip()
        return bool(text) and Path(text).exists()


class PreviewPage(QWizardPage):
    """The dry run: what the import would add, change and skip, and every bad cell."""

    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("Bước 2: Kiểm tra trước khi nhập")
        self.setSubTitle("Chưa có gì được ghi. Xem các số dòng và các ô lỗi dưới đây.")
        self.report: ImportReport | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        bold = QFont(self.summary.font())
        bold.setBold(True)
        self.summary.setFont(bold)
        self.counts = _counts_table(ImportReport("", True))
        self.counts.setMaximumHeight(190)
        self.problems = ProblemModel(self)
        # Many bad cells read better one sheet at a time.
        self.by_sheet = QSortFilterProxyModel(self)
        self.by_sheet.setSourceModel(self.problems)
        self.by_sheet.setFilterKeyColumn(0)
        self.sheet_box = QComboBox()
        self.sheet_box.currentIndexChanged.connect(self._filter_sheet)
        self.problem_view = QTableView()
        self.problem_view.setModel(self.by_sheet)
        self.problem_view.verticalHeader().setVisible(False)
        self.problem_view.setWordWrap(True)
        header = self.problem_view.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 130), (1, 55), (2, 170)):
            self.problem_view.setColumnWidth(col, width)
        self.strict = QCheckBox("Chỉ nhập khi tệp không còn lỗi nào (nếu bỏ chọn: bỏ qua dòng lỗi)")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.counts)
        problems_head = QHBoxLayout()
        problems_head.addWidget(QLabel("Các ô lỗi (theo trang, dòng, cột như trong Excel):"), 1)
        problems_head.addWidget(QLabel("Xem:"))
        problems_head.addWidget(self.sheet_box)
        layout.addLayout(problems_head)
        layout.addWidget(self.problem_view, 1)
        layout.addWidget(self.strict)

    def initializePage(self) -> None:
        self.report = None
        self.problems.set_problems([])
        fill_counts(self.counts, None)
        try:
            self.report = run_import(self.wiz.ctx, self, self.wiz.path(), dry_run=True)
        except Exception as exc:  # unreadable file: say why, stay on this page
            self.summary.setText(error_text(exc))
            self.completeChanged.emit()
            return
        fill_counts(self.counts, self.report)
        self.problems.set_problems(self.report.problems)
        self._fill_sheet_box()
        bad = len(self.report.problems)
        changed = self.report.changed
        text = f"Tệp “{self.report.source}”: {changed} dòng sẽ được thêm hoặc sửa"
        if bad:
            text += (
                f"; có {bad} ô/dòng lỗi — các dòng lỗi sẽ bị bỏ qua, hãy sửa trong Excel "
                "rồi nhập lại."
            )
        else:
            text += "; không có lỗi."
        self.summary.setText(text)
        self.completeChanged.emit()

    def _fill_sheet_box(self) -> None:
        per_sheet: dict[str, int] = {}
        for p in self.problems.problems:
            per_sheet[p.sheet] = per_sheet.get(p.sheet, 0) + 1
        self.sheet_box.blockSignals(True)
        self.sheet_box.clear()
        self.sheet_box.addItem(f"Mọi trang ({len(self.problems.problems)} lỗi)", "")
        for sheet, n in per_sheet.items():
            self.sheet_box.addItem(f"Trang “{sheet}” ({n} lỗi)", sheet)
        self.sheet_box.blockSignals(False)
        self._filter_sheet()

    def _filter_sheet(self) -> None:
        sheet = self.sheet_box.currentData() or ""
        pattern = f"^{QRegularExpression.escape(sheet)}$" if sheet else ""
        self.by_sheet.setFilterRegularExpression(QRegularExpression(pattern))

    def isComplete(self) -> bool:
        return self.report is not None


class ReportPage(QWizardPage):
    """The import itself, then what landed."""

    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("Bước 3: Kết quả nhập")
        self.setSubTitle("Số dòng đã thêm, đã sửa và bị bỏ qua ở từng trang của tệp.")
        self.report: ImportReport | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.counts = _counts_table(ImportReport("", False))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.counts, 1)

    def initializePage(self) -> None:
        strict = self.wiz.preview.strict.isChecked()
        try:
            self.report = run_import(
                self.wiz.ctx, self, self.wiz.path(), dry_run=False, all_or_nothing=strict
            )
        except Exception as exc:
            self.report = None
            self.summary.setText(f"Không nhập được. {error_text(exc)}")
            return
        fill_counts(self.counts, self.report)
        if self.report.committed:
            text = f"Đã nhập xong: {self.report.changed} dòng được thêm hoặc sửa."
            if self.report.problems:
                text += f" {len(self.report.problems)} ô/dòng lỗi đã bị bỏ qua."
            self.wiz.ctx.hub.data_changed.emit()
            self.wiz.ctx.hub.status.emit(text)
        else:
            text = "Không nhập gì vì tệp còn lỗi (đã chọn chỉ nhập khi không còn lỗi)."
        self.summary.setText(text)


class ImportWizard(QWizard):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Nhập từ Excel")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.resize(900, 600)
        self.setButtonText(QWizard.WizardButton.NextButton, "Tiếp tục >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< Quay lại")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Xong")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Hủy")
        self.choose = ChoosePage(self)
        self.preview = PreviewPage(self)
        self.result_page = ReportPage(self)
        self.addPage(self.choose)
        self.addPage(self.preview)
        self.addPage(self.result_page)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Nhập vào phần mềm >")
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.preview.setCommitPage(True)  # no way back once the import ran

    def path(self) -> Path:
        return self.choose.path()


# -- export -------------------------------------------------------------------------------------


def export_to(ctx: AppContext, parent: QWidget | None, path: Path) -> dict[str, int]:
    """Write the profile's data as the template to `path` on the worker."""
    counts = run_with_progress(
        parent, "Đang xuất dữ liệu ra Excel", lambda progress: export_file(ctx.session, path)
    )
    ctx.hub.status.emit(f"Đã xuất {sum(counts.values())} dòng ra “{Path(path).name}”.")
    return counts


class ExcelPage(Page):
    """Import and export in one place, with what each does in plain words."""

    key = "excel"
    title = "Nhập / xuất Excel"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.import_button = QPushButton("Nhập từ Excel…")
        self.import_button.setMinimumSize(200, 40)
        self.import_button.clicked.connect(self.open_import)
        self.import_button.setEnabled(ctx.session.user_role in IMPORT_ROLES)
        self.export_button = QPushButton("Xuất Excel…")
        self.export_button.setMinimumSize(200, 40)
        self.export_button.clicked.connect(self.ask_export)
        self.export_button.setEnabled(ctx.session.may_take_out())  # roles.py
        self.last_label = QLabel()
        self.last_label.setWordWrap(True)

        def text(html: str) -> QLabel:
            label = rich(QLabel(html))
            label.setWordWrap(True)
            return label

        layout = QVBoxLayout(self)
        layout.addWidget(
            text(
                "<b>Nhập từ Excel</b>: đưa danh sách đảng viên, quần chúng ưu tú và các bước "
                "đã làm từ tệp Excel theo mẫu vào phần mềm. Phần mềm kiểm tra tệp trước và chỉ "
                "ra từng ô lỗi (trang, dòng, cột); dòng đã có thì được cập nhật, không bị nhân "
                "đôi."
            )
        )
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(16)
        layout.addWidget(
            text(
                "<b>Xuất Excel</b>: ghi toàn bộ dữ liệu của hồ sơ làm việc này ra một tệp Excel "
                "theo mẫu (để lưu, in hoặc sửa rồi nhập lại). Tệp xuất ra <b>không được mã "
                "hóa</b>: cất giữ cẩn thận."
            )
        )
        layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.last_label)
        layout.addStretch(1)

    def import_wizard(self) -> ImportWizard:
        return ImportWizard(self.ctx, self)

    def open_import(self) -> None:
        self.import_wizard().exec()

    def ask_export(self) -> None:
        name = safe_file_name(f"khdesk-{self.session.org_code}-{self.ctx.today():%Y%m%d}.xlsx")
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Xuất Excel", str(Path.home() / name), "Tệp Excel (*.xlsx)"
        )
        if chosen:
            self.export(Path(chosen))

    def export(self, path: Path) -> bool:
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        try:
            counts = export_to(self.ctx, self, path)
        except Exception as exc:
            show_error(self, exc)
            return False
        self.last_label.setText(f"Đã xuất {sum(counts.values())} dòng ra tệp: {path}")
        return True
