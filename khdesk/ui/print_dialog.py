"""In biểu mẫu: choose a form of the candidate's file, see it page by page, save it as a
PDF or print it.

The PDF is the printing service's (`printing.form_pdf`, the same as `khdesk form …`);
saving goes through `printing.export_form` / `export_checklist` (atomic, audited). The
preview draws the PDF's pages with PDFium (the pypdfium2 package); printing paints those
pages on the printer chosen in the system's print dialog, so what is printed is what was
previewed. A file saved to a USB stick or memory card is warned about and may get a
password (the PDF then opens only with it).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QStandardPaths, Qt
from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.roles import Action
from khdesk.core.errors import KhdeskError
from khdesk.core.fsutil import safe_file_name
from khdesk.core.reports.templates import FORM_CODES, load_template
from khdesk.core.services import printing
from khdesk.ui.context import AppContext
from khdesk.ui.drives import StorageInfo, is_removable_path
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation

CHECKLIST = "checklist"
PREVIEW_DPI = 80  # an A4 page 660 pixels wide: fits the preview beside the list
PRINT_DPI = 300  # enough for text on an office laser printer; more only costs memory

# -- what can be printed for a file ---------------------------------------------------------


@dataclass(frozen=True)
class FormChoice:
    code: str  # "6-KNĐ", or CHECKLIST
    name: str  # what the form is, in the guidance's words
    step: str | None  # the step it records (resources/forms/*.json `step`)
    relevant: bool  # the file has reached that step: the records fill the form


def form_choices(recorded_steps: set[str]) -> list[FormChoice]:
    """Every printable form: the checklist and the forms of the steps the file has
    reached first (in the guidance's order), then the others."""
    out = [FormChoice(CHECKLIST, "Danh mục giấy tờ của hồ sơ (còn thiếu, đã có)", None, True)]
    for code in FORM_CODES:
        template = load_template(code)
        step = template.get("step")
        out.append(FormChoice(code, str(template.get("name", code)), step, step in recorded_steps))
    return sorted(out, key=lambda c: not c.relevant)  # stable: the guidance's order kept


def default_file_name(code: str, file_code: str, full_name: str) -> str:
    """The name offered when saving: a file code and a person's name are data, made a
    safe name by the one rule for that (fsutil.safe_file_name)."""
    what = "Danh muc giay to" if code == CHECKLIST else code.replace("Đ", "D")
    return safe_file_name(f"{what} {file_code} {full_name}".strip() + ".pdf")


# -- drawing PDF pages ------------------------------------------------------------------------


def render_pages(data: bytes, dpi: int = PREVIEW_DPI) -> list[QImage]:
    """The PDF's pages as images: PDFium (pypdfium2, shipped with the app); where it is
    missing (a developer's venv), poppler's pdftoppm; else nothing (no preview)."""
    try:
        return render_pdfium(data, dpi)
    except ImportError:
        pass
    if shutil.which("pdftoppm"):
        return _render_pdftoppm(data, dpi)
    return []


# PDFium is not thread-safe (pypdfium2's documentation) and previews draw in background
# operations: one at a time.
_PDFIUM = threading.Lock()


def render_pdfium(data: bytes, dpi: int) -> list[QImage]:
    # PDFium (~35 ms) loads only for a preview
    import pypdfium2 as pdfium

    with _PDFIUM:
        doc = pdfium.PdfDocument(data)
        try:
            images = []
            for i in range(len(doc)):
                page = doc[i]
                # BGRx is QImage's RGB32 byte order on little-endian PCs.
                bitmap = page.render(scale=dpi / 72, prefer_bgrx=True)
                image = QImage(
                    bytes(bitmap.buffer),
                    bitmap.width,
                    bitmap.height,
                    bitmap.stride,
                    QImage.Format.Format_RGB32,
                )
                images.append(image.copy())  # own the pixels before PDFium frees them
                bitmap.close()
                page.close()
            return images
        finally:
            doc.close()


def _render_pdftoppm(data: bytes, dpi: int) -> list[QImage]:
    with tempfile.TemporaryDirectory(prefix="khdesk-preview-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(src), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return [QImage(str(p)) for p in sorted(Path(tmp).glob("page-*.png"))]


def paint_pages(printer: Any, images: list[QImage]) -> None:
    """Each image on its own A4 sheet, to the millimetre: the page is drawn over the whole
    paper (the PDF's margins, 30 mm on the left, are in the image), not shrunk into the
    printer's printable area."""
    landscape = bool(images) and images[0].width() > images[0].height()
    printer.setFullPage(True)
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    painter = QPainter()
    if not painter.begin(printer):
        raise KhdeskError("Không mở được máy in đã chọn.")
    try:
        for i, image in enumerate(images):
            if i:
                printer.newPage()
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(area.x(), area.y(), size.width(), size.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(area)
            painter.setWindow(area)
    finally:
        painter.end()


# -- a USB stick --------------------------------------------------------------------------------

REMOVABLE_WARNING = (
    "Tệp sẽ được lưu vào USB hoặc thẻ nhớ. Tệp này có thông tin cá nhân của quần chúng; "
    "nếu USB bị mất hoặc cho người khác mượn, người khác đọc được. Nên đặt mật khẩu: "
    "khi mở tệp PDF phải gõ mật khẩu này."
)
XLSX_REMOVABLE_WARNING = (
    "Tệp Excel sẽ được lưu vào USB hoặc thẻ nhớ. Tệp có thông tin cá nhân; phần mềm "
    "không đặt được mật khẩu cho tệp Excel, nên hãy giữ USB cẩn thận và xóa tệp khi đã dùng xong."
)


def removable_warning(path: Path | str, storage: StorageInfo | None = None) -> str | None:
    """The warning to show before personal data is saved to `path` (None: a fixed disk).
    `storage`: the volume (tests pass a fake one instead of a USB stick)."""
    if not is_removable_path(path, storage):
        return None
    return XLSX_REMOVABLE_WARNING if str(path).lower().endswith(".xlsx") else REMOVABLE_WARNING


class PasswordDialog(QDialog):
    """The warning, and a password typed twice; "Lưu không đặt mật khẩu" is allowed."""

    def __init__(self, warning: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Lưu vào USB")
        self.password: str | None = None
        text = QLabel(warning)
        text.setWordWrap(True)
        text.setStyleSheet("background: #fff4e5; color: #7a4b00; padding: 8px;")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        form = QFormLayout()
        form.addRow("Mật khẩu:", self.password_edit)
        form.addRow("Gõ lại mật khẩu:", self.repeat_edit)
        buttons = QDialogButtonBox()
        self.with_button = buttons.addButton(
            "Lưu có mật khẩu", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.without_button = buttons.addButton(
            "Lưu không đặt mật khẩu", QDialogButtonBox.ButtonRole.ActionRole
        )
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        self.with_button.clicked.connect(self.accept_with_password)
        self.without_button.clicked.connect(self.accept_without_password)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        remember = QLabel("Hãy ghi nhớ mật khẩu: quên mật khẩu thì không ai mở được tệp.")
        remember.setWordWrap(True)
        layout.addWidget(remember)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def accept_with_password(self) -> bool:
        password = self.password_edit.text()
        problem = None
        if len(password) < 4:
            problem = "Mật khẩu cần ít nhất 4 ký tự."
        elif password != self.repeat_edit.text():
            problem = "Hai lần gõ mật khẩu không giống nhau."
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return False
        self.password = password
        self.accept()
        return True

    def accept_without_password(self) -> None:
        self.password = ""
        self.accept()


def ask_password(parent: QWidget, warning: str) -> str | None:
    """None: cancelled; "": save without a password; else the password."""
    dialog = PasswordDialog(warning, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.password


# -- the dialog --------------------------------------------------------------------------------


class PrintDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        file_code: str,
        full_name: str,
        recorded_steps: set[str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.file_code = file_code
        self.full_name = full_name
        self.pdf_bytes: bytes | None = None
        self.page_images: list[QImage] = []
        self._previewing = 0  # which preview was asked for last
        self.last_saved: Path | None = None
        # Asked before saving to a USB stick (tests answer by themselves).
        self.ask_password = lambda warning: ask_password(self, warning)
        self.setWindowTitle(f"In biểu mẫu — {full_name} ({file_code})")
        fit_to_screen(self, 1180, 680)

        self.choices = form_choices(recorded_steps)
        self.form_list = QListWidget()
        self.form_list.setWordWrap(True)
        self.form_list.setStyleSheet("QListWidget::item { padding: 3px 2px; }")
        first_other = True
        self._add_heading("Mẫu của các bước hồ sơ đã qua")
        for choice in self.choices:
            if not choice.relevant and first_other:
                self._add_heading("Các mẫu khác (in để điền tay)")
                first_other = False
            label = choice.name if choice.code == CHECKLIST else f"{choice.code}: {choice.name}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, choice.code)
            item.setToolTip(label)
            self.form_list.addItem(item)
        self.form_list.currentItemChanged.connect(lambda *_: self.render_preview())

        # print settings: the place and the signer the forms print (once for the profile)
        settings = printing.print_settings(ctx.session)
        # What the forms print when a field is left empty (the organisation list, the
        # committee's enrolled card): shown as the field's hint.
        self.known = printing.names_from_tree(ctx.session)

        def hint(key: str, example: str, upper: bool = False) -> str:
            known = self.known.get(key)
            if not known:
                return example
            return f"{known.upper() if upper else known} (theo danh sách đơn vị)"

        self.place_edit = QLineEdit(settings.get("place", ""))
        self.place_edit.setPlaceholderText(hint("place", "ví dụ: Cam Hải Tây"))
        self.signer_edit = QLineEdit(settings.get("signer", ""))
        self.signer_edit.setPlaceholderText("họ và tên bí thư")
        # A cell's profile holds its commune's name only from the committee's key card:
        # else the names the header and the body print are set here once.
        self.upper_edit = QLineEdit(settings.get("cell_upper_body", ""))
        self.upper_edit.setPlaceholderText(
            hint("cell_upper_body", "ví dụ: ĐẢNG BỘ XÃ CAM HẢI TÂY", upper=True)
        )
        self.commune_edit = QLineEdit(settings.get("commune_committee", ""))
        self.commune_edit.setPlaceholderText(
            hint("commune_committee", "ví dụ: Đảng ủy xã Cam Hải Tây")
        )
        self.settings_button = QPushButton("Lưu và xem lại")
        self.settings_button.clicked.connect(self.save_settings)
        writable = ctx.may(
            Action.UNIT_SETTINGS
        )  # the unit's settings: the signer printed on every form
        for w in (
            self.place_edit,
            self.signer_edit,
            self.upper_edit,
            self.commune_edit,
            self.settings_button,
        ):
            w.setEnabled(writable)
        self.settings_note = QLabel()
        self.settings_note.setWordWrap(True)
        settings_box = QGroupBox("Thông tin in trên mọi biểu mẫu")
        settings_form = QFormLayout(settings_box)
        settings_form.addRow("Địa danh (nơi ký):", self.place_edit)
        settings_form.addRow("Bí thư ký tên:", self.signer_edit)
        if ctx.role == "cell":
            settings_form.addRow("Đảng bộ cấp trên:", self.upper_edit)
            settings_form.addRow("Đảng ủy xã, phường:", self.commune_edit)
        settings_form.addRow(self.settings_note)
        settings_form.addRow("", self.settings_button)
        self._show_settings_note()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Chọn biểu mẫu:"))
        left_layout.addWidget(self.form_list, 1)
        left_layout.addWidget(settings_box)

        self.pages_label = QLabel()
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #8a1c1c; padding: 8px;")
        self.message_label.hide()
        self.pages_widget = QWidget()
        self.pages_layout = QVBoxLayout(self.pages_widget)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pages_layout.setSpacing(12)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.pages_widget)
        self.scroll.setStyleSheet("QScrollArea { background: #8a8f96; }")
        self.pages_widget.setStyleSheet("background: #8a8f96;")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.pages_label)
        right_layout.addWidget(self.message_label)
        right_layout.addWidget(self.scroll, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        left.setMinimumWidth(330)
        splitter.setSizes([400, 780])

        self.save_button = QPushButton("Lưu PDF…")
        self.may_take_out = ctx.session.may_take_out()
        self.save_button.clicked.connect(self.choose_and_save)
        self.print_button = QPushButton("In…")
        self.print_button.clicked.connect(self.choose_printer_and_print)
        close_button = QPushButton("Đóng")
        close_button.clicked.connect(self.reject)
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        self.saved_label.setStyleSheet("color: #1b5e20;")
        actions = QHBoxLayout()
        actions.addWidget(self.saved_label, 1)
        actions.addWidget(self.save_button)
        actions.addWidget(self.print_button)
        actions.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)

        first = next(
            (i for i in range(self.form_list.count()) if self._code_at(i) is not None), None
        )
        if first is not None:
            self.form_list.setCurrentRow(first)  # renders the preview

    # -- the list --

    def _add_heading(self, text: str) -> None:
        item = QListWidgetItem(text)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: not selectable
        item.setForeground(Qt.GlobalColor.darkBlue)
        self.form_list.addItem(item)

    def _code_at(self, row: int) -> str | None:
        item = self.form_list.item(row)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    @property
    def code(self) -> str | None:
        item = self.form_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select_form(self, code: str) -> None:
        for row in range(self.form_list.count()):
            if self._code_at(row) == code:
                self.form_list.setCurrentRow(row)
                return
        raise KeyError(code)

    # -- print settings --

    def _show_settings_note(self) -> None:
        missing = [
            label
            for label, key, edit in (
                ("địa danh", "place", self.place_edit),
                ("người ký", "signer", self.signer_edit),
            )
            if not edit.text().strip() and key not in self.known
        ]
        if missing:
            self.settings_note.setText(
                f"Chưa có {' và '.join(missing)}: biểu mẫu sẽ để dòng chấm để viết tay."
            )
            self.settings_note.setStyleSheet("color: #7a4b00;")
        else:
            self.settings_note.setText("")
        self.settings_note.setVisible(bool(missing))

    def save_settings(self) -> bool:
        try:
            printing.set_print_settings(
                self.ctx.session,
                place=self.place_edit.text().strip() or None,
                signer=self.signer_edit.text().strip() or None,
                **(
                    {
                        "cell_upper_body": self.upper_edit.text().strip() or None,
                        "commune_committee": self.commune_edit.text().strip() or None,
                    }
                    if self.ctx.role == "cell"
                    else {}
                ),
            )
        except KhdeskError as exc:
            self._say_problem(error_text(exc))
            return False
        self._show_settings_note()
        self.render_preview()
        return True

    # -- the preview --

    def _pdf(self, code: str, password: str | None = None) -> bytes:
        session = self.ctx.session
        if code == CHECKLIST:
            return printing.checklist_pdf(
                session, self.file_code, on=self.ctx.today(), password=password
            )
        return printing.form_pdf(session, code, self.file_code, password=password)

    def _say_problem(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def _clear_pages(self) -> None:
        while self.pages_layout.count():
            widget = self.pages_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()

    def render_preview(self) -> None:
        """Build the chosen form and draw its pages in the background (a form takes a few
        tenths of a second, the checklist runs the check)."""
        code = self.code
        self._clear_pages()
        self.pdf_bytes, self.page_images = None, []
        self._say_problem("")
        self.saved_label.setText("")
        self._update_buttons()
        if code is None:
            return
        self._previewing += 1
        asked = self._previewing  # a later choice's preview wins over this one

        def work(**_):
            data = self._pdf(code)
            return data, render_pages(data)

        def shown(result: tuple[bytes, list[QImage]]) -> None:
            if asked == self._previewing:
                self._show_preview(*result)

        def refused(exc: BaseException) -> None:
            if asked == self._previewing:
                self._say_problem(error_text(exc))
                self.pages_label.setText("")

        Operation(self, work).with_progress(
            "Đang chuẩn bị bản xem trước…", cancellable=False
        ).success(shown).failure(refused).run_in_background()

    def _show_preview(self, data: bytes, images: list[QImage]) -> None:
        self.pdf_bytes, self.page_images = data, images
        for i, image in enumerate(self.page_images, start=1):
            page = QLabel()
            page.setPixmap(QPixmap.fromImage(image))
            page.setToolTip(f"Trang {i}")
            page.setStyleSheet("border: 1px solid #555; background: white;")
            self.pages_layout.addWidget(page, 0, Qt.AlignmentFlag.AlignHCenter)
        n = len(self.page_images)
        if n:
            self.pages_label.setText(f"Bản xem trước: {n} trang (khổ A4).")
        else:
            self.pages_label.setText(
                "Máy này không xem trước được; bấm “Lưu PDF…” rồi mở tệp để xem."
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        # A viewer prints on paper; a file is taking out, with the owner's grant (roles.py).
        self.save_button.setEnabled(self.pdf_bytes is not None and self.may_take_out)
        self.print_button.setEnabled(bool(self.page_images))

    # -- saving --

    def choose_and_save(self) -> None:
        code = self.code
        if code is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = default_file_name(code, self.file_code, self.full_name)
        path, _ = QFileDialog.getSaveFileName(
            self, "Lưu biểu mẫu", str(Path(folder) / name), "Tệp PDF (*.pdf)"
        )
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            self.save_to(Path(path))

    def save_to(self, path: Path, storage: StorageInfo | None = None) -> bool:
        """Save the chosen form to `path` in the background; on a USB stick warn and offer
        a password first. False: nothing to save, or the user stopped at the password.
        `storage`: the volume of `path` (tests pass a fake one)."""
        code = self.code
        if code is None:
            return False
        password = None
        warning = removable_warning(path, storage)
        if warning:
            answer = self.ask_password(warning)
            if answer is None:
                return False
            password = answer or None
        session, on = self.ctx.session, self.ctx.today()

        def work(**_):
            if code == CHECKLIST:
                return printing.export_checklist(
                    session, self.file_code, path, on=on, password=password
                )
            return printing.export_form(session, code, self.file_code, path, password=password)

        def saved(_: object) -> None:
            self.last_saved = path
            locked = " (có mật khẩu)" if password else ""
            self.saved_label.setText(f"Đã lưu{locked}: {path}")
            self.ctx.hub.status.emit(f"Đã lưu biểu mẫu vào {path}")

        def refused(exc: BaseException) -> None:
            if isinstance(exc, OSError):
                self._say_problem(f"Không ghi được tệp '{path}': {exc.strerror or exc}.")
            else:
                self._say_problem(error_text(exc))

        Operation(self, work).with_progress("Đang lưu tệp PDF…", cancellable=False).success(
            saved
        ).failure(refused).run_in_background()
        return True

    # -- printing --

    def print_to(self, printer: Any) -> bool:
        """Print the previewed pages, drawn again at printer resolution."""
        if self.pdf_bytes is None:
            return False
        if printer.outputFileName():  # "print to file": a PDF written out, not paper
            try:
                self.ctx.session.require_take_out()
            except KhdeskError as exc:
                self._say_problem(error_text(exc))
                return False
        dpi = min(max(printer.resolution(), 150), PRINT_DPI)
        images = render_pages(self.pdf_bytes, dpi)
        if not images:
            return False
        try:
            paint_pages(printer, images)
        except KhdeskError as exc:
            self._say_problem(error_text(exc))
            return False
        return True

    def choose_printer_and_print(self) -> None:
        # Qt's print support loads only when printing
        from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter

        if not self.page_images:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(default_file_name(self.code or "", self.file_code, self.full_name))
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("In biểu mẫu")
        # A viewer without the owner's grant prints on paper only (roles.py).
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, self.may_take_out)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if self.print_to(printer):
            self.ctx.hub.status.emit("Đã gửi biểu mẫu tới máy in.")
        else:
            QMessageBox.warning(self, "Không in được", "Không in được biểu mẫu này.")


def open_print_dialog(
    ctx: AppContext, file_code: str, full_name: str, recorded_steps: set[str], parent: QWidget
) -> PrintDialog:
    """Window-modal and not blocking (the candidate file's "In biểu mẫu…")."""
    dialog = PrintDialog(ctx, file_code, full_name, recorded_steps, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
