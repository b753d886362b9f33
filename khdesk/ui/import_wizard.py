"""Excel in and out: the import wizard (choose the file, a dry-run preview with every bad
cell, the import on the worker, the report) and the export with a save dialog.

Both are reached from the "Nhập / xuất Excel" page. The work is the importer's and the
exporter's: `import_file` (dry run first: the same code path, rolled back) and
`export_file`; this module only shows it.
"""

from __future__ import annotations

from functools import partial
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

from khdesk.core.domain.roles import Action
from khdesk.core.domain.template import SHEETS_BY_KEY
from khdesk.core.errors import CellProblem
from khdesk.core.fsutil import safe_file_name
from khdesk.core.io.column_map import ColumnMap
from khdesk.core.io.tabular import SheetHead, read_heads
from khdesk.core.services import column_maps
from khdesk.core.services.exporter import export_file
from khdesk.core.services.importer import ImportReport, import_file
from khdesk.ui.column_map_page import MappingPage, sheets_to_map
from khdesk.ui.context import RECORDS, AppContext, Changes
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import rich
from khdesk.ui.table_model import TableModel

CHOOSE_ID, MAP_ID, PREVIEW_ID, REPORT_ID = range(4)
COUNT_HEADERS = ("Trang", "Thêm mới", "Sửa", "Không đổi", "Bỏ qua (lỗi)")
PROBLEM_COLUMNS = (("sheet", "Trang"), ("row", "Dòng"), ("column", "Cột"), ("message", "Lỗi"))


def import_operation(
    ctx: AppContext, parent: QWidget | None, path: Path, **kw
) -> Operation[ImportReport]:
    """import_file in the background, its progress on a dialog with "Hủy"."""
    title = "Đang kiểm tra tệp (chưa ghi gì)" if kw.get("dry_run") else "Đang nhập dữ liệu"
    op = Operation(parent, partial(import_file, ctx.session, path, **kw)).with_progress(title)
    if not kw.get("dry_run"):
        op.changes(ctx.hub, lambda report: RECORDS if report.committed else Changes())
    return op


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
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.wiz = wizard
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
        self.path_edit.textChanged.connect(self._forget_heads)
        self._heads_of: Path | None = None  # the file whose header rows were read
        browse = QPushButton("Chọn…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.xlsx_radio)
        layout.addWidget(self.folder_radio)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
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

    def validatePage(self) -> bool:
        """Read the file's header rows (on a worker: the caps are checked over the whole
        file, a few seconds for a big one), then move on: a sheet with its own headers goes
        to the column step. A file that cannot be read, or a hostile header, is said here."""
        path = self.path()
        if self._heads_of == path:
            return True
        self.error.setText("Đang đọc tiêu đề các cột…")
        # A sheet named the office's own way is guessed by its name, shown to check.
        chooser = column_maps.chooser(self.wiz.ctx.session, None, suggest_sheets=True)
        Operation(self, lambda **_: read_heads(path, chooser)).with_progress(
            "Đang đọc tiêu đề các cột"
        ).success(lambda heads: self._heads_read(path, heads)).failure(
            self._unreadable
        ).run_in_background()
        return False

    def _heads_read(self, path: Path, heads: list) -> None:
        self.wiz.heads, self._heads_of = heads, path
        self.error.clear()
        self.wiz.next()

    def _unreadable(self, exc: BaseException) -> None:
        self.wiz.heads, self._heads_of = [], None
        self.error.setText(error_text(exc))

    def _forget_heads(self) -> None:
        self._heads_of = None

    def nextId(self) -> int:
        return MAP_ID if sheets_to_map(self.wiz.heads) else PREVIEW_ID


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
        step = 3 if self.wiz.hasVisitedPage(MAP_ID) else 2  # after the column step or not
        self.setTitle(f"Bước {step}: Kiểm tra trước khi nhập")
        self.wiz.result_page.setTitle(f"Bước {step + 1}: Kết quả nhập")
        self.report = None
        self.problems.set_problems([])
        fill_counts(self.counts, None)
        self.summary.setText("Đang kiểm tra tệp…")
        import_operation(
            self.wiz.ctx, self, self.wiz.path(), dry_run=True, column_map=self.wiz.column_map()
        ).success(self._show).failure(self._unreadable).run_in_background()

    def _unreadable(self, exc: BaseException) -> None:
        # An unreadable file (or a cancel): say why, stay on this page.
        self.summary.setText(error_text(exc))
        self.completeChanged.emit()

    def _show(self, report: ImportReport) -> None:
        self.report = report
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
        self.finished = False  # the import ran (landed, or said why not)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.counts = _counts_table(ImportReport("", False))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.counts, 1)

    def initializePage(self) -> None:
        strict = self.wiz.preview.strict.isChecked()
        self.report, self.finished = None, False
        self.summary.setText("Đang nhập…")
        import_operation(
            self.wiz.ctx,
            self,
            self.wiz.path(),
            dry_run=False,
            all_or_nothing=strict,
            column_map=self.wiz.column_map(),
        ).success(self._show).failure(self._refused).run_in_background()

    def isComplete(self) -> bool:
        return self.finished

    def _refused(self, exc: BaseException) -> None:
        self.summary.setText(f"Không nhập được. {error_text(exc)}")
        self.finished = True
        self.completeChanged.emit()

    def _show(self, report: ImportReport) -> None:
        self.report, self.finished = report, True
        fill_counts(self.counts, report)
        if report.committed:
            text = f"Đã nhập xong: {report.changed} dòng được thêm hoặc sửa."
            if report.problems:
                text += f" {len(report.problems)} ô/dòng lỗi đã bị bỏ qua."
            self.wiz.ctx.hub.status.emit(text)
        else:
            text = "Không nhập gì vì tệp còn lỗi (đã chọn chỉ nhập khi không còn lỗi)."
        self.summary.setText(text)
        self.completeChanged.emit()


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
        self.heads: list[SheetHead] = []  # the file's template sheets, their first rows
        self.choose = ChoosePage(self)
        self.mapping = MappingPage(self, ProblemModel())
        self.preview = PreviewPage(self)
        self.result_page = ReportPage(self)
        self.setPage(CHOOSE_ID, self.choose)
        self.setPage(MAP_ID, self.mapping)
        self.setPage(PREVIEW_ID, self.preview)
        self.setPage(REPORT_ID, self.result_page)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Nhập vào phần mềm >")
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.preview.setCommitPage(True)  # no way back once the import ran

    def path(self) -> Path:
        return self.choose.path()

    def column_map(self) -> ColumnMap | None:
        """The user's column map, when the file took the column step."""
        return self.mapping.column_map() if self.hasVisitedPage(MAP_ID) else None


# -- export -------------------------------------------------------------------------------------


class ExcelPage(Page):
    """Import and export in one place, with what each does in plain words."""

    key = "excel"
    title = "Nhập / xuất Excel"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.import_button = QPushButton("Nhập từ Excel…")
        self.import_button.setMinimumSize(200, 40)
        self.import_button.clicked.connect(self.open_import)
        self.import_button.setEnabled(ctx.session.may(Action.IMPORT))
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

    def export(self, path: Path) -> None:
        """Write the profile's data as the template to `path`, in the background."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")

        def written(counts: dict[str, int]) -> None:
            rows = sum(counts.values())
            self.ctx.hub.status.emit(f"Đã xuất {rows} dòng ra “{path.name}”.")
            self.last_label.setText(f"Đã xuất {rows} dòng ra tệp: {path}")

        Operation(self, partial(export_file, self.session, path)).with_progress(
            "Đang xuất dữ liệu ra Excel"
        ).success(written).run_in_background()
