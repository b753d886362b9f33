"""Files moving out of the province, at the province (RULES.md §2a, FORMAT.md §12): the
"Chuyển ra ngoài tỉnh" tab of the sync page and the dialog that answers a transfer file
(tệp chuyển hồ sơ) from another province. The services (core/services/
outside_transfers.py) verify and decide; a refusal is said in Vietnamese, nothing written.

The actions take their paths as arguments (`receive_file`, `import_answer`, `export`,
`print_list`); the buttons only ask for the paths first, so tests drive the actions
without a modal file box.
"""

from __future__ import annotations

from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.services import outside_transfers as ot
from khdesk.core.services import printing, transfer_list
from khdesk.core.sync.transfer_file import NOUN, SUFFIX
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.operation import Operation
from khdesk.ui.record_step import parse_day
from khdesk.ui.sync_widgets import GREEN, RED, RowsModel, result_label, rows_table, say

ACCEPT, RETURN = "accept", "return"
FILE_COLUMNS = [
    ("file_code", "Hồ sơ"),
    ("way", "Chiều"),
    ("province", "Tỉnh"),
    ("at", "Ngày"),
    ("status_label", "Tình trạng"),
]


class ReceiveTransferDialog(QDialog):
    """A transfer file verified (`shown`: what ot.inspect found it carries), then
    accepted under one of our units or returned with a reason; the answer file is
    written into a folder (by default the transfer file's own, the stick). The answer
    is recorded off the UI thread (a file with its scans may weigh tens of MB)."""

    def __init__(self, ctx: AppContext, path: Path, shown: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.path = ctx, Path(path)
        self.answer_file: str | None = None
        self.setWindowTitle(f"Nhận {NOUN} {shown['file_code']}")
        intro = QLabel(
            f"Hồ sơ {shown['file_code']} — {shown['full_name']}, sinh ngày "
            f"{_day(shown['birth_date'])}: {shown['from_org']} ({shown['from_province']}) "
            f"chuyển đi ngày {_day(shown['sent_on'])}"
            + (f", lý do: {shown['reason']}" if shown["reason"] else "")
            + f". Tệp mang {shown['steps']} bước, {shown['attachments']} tài liệu; chữ ký "
            "của tỉnh gửi đã được kiểm tra."
        )
        intro.setWordWrap(True)
        self.intro = intro
        self.action = QComboBox()
        self.action.addItem("Tiếp nhận", ACCEPT)
        self.action.addItem("Trả lại", RETURN)
        self.unit = QComboBox()
        for code, name in _units(ctx):
            self.unit.addItem(f"{code} – {name}" if name else code, code)
        self.on = QLineEdit(f"{ctx.today():%d/%m/%Y}")
        self.on.setMaxLength(10)
        self.reason = QLineEdit()
        self.folder = QLineEdit(str(self.path.parent))
        choose = QPushButton("Chọn…")
        choose.clicked.connect(self._choose_folder)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(choose)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(bool(shown["problem"]))
        self.error.setText(shown["problem"] or "")
        form = QFormLayout()
        form.addRow("Việc", self.action)
        form.addRow("Giao cho đơn vị", self.unit)
        form.addRow("Ngày", self.on)
        form.addRow("Lý do trả lại", self.reason)
        form.addRow("Ghi tệp trả lời vào", where)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Ghi và viết tệp trả lời")
        self.ok.setEnabled(not shown["problem"])
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Thư mục ghi tệp trả lời", self.folder.text()
        )
        if folder:
            self.folder.setText(folder)

    def save(self) -> bool:
        """Answer the file and write the answer, in the background (False: a field's
        problem, shown under the fields). A refusal shows there too; success closes."""
        on, problem = parse_day(self.on.text(), "Ngày")
        if not problem and on is None:
            problem = "Ngày: cần ghi ngày (ngày/tháng/năm)."
        folder = Path(self.folder.text().strip())
        if not problem and not folder.is_dir():
            problem = f"Thư mục '{folder}' không có: chọn thư mục ghi tệp trả lời."
        if problem or on is None:
            self._refused(problem)
            return False
        accept = self.action.currentData() == ACCEPT
        work = partial(
            _receive_and_answer,
            self.ctx.session,
            self.path,
            folder,
            accept=accept,
            on=on,
            today=self.ctx.today(),
            unit=self.unit.currentData() if accept else None,
            reason=None if accept else self.reason.text(),
        )
        self.ok.setEnabled(False)
        self.error.hide()
        (
            Operation(self, work)
            .with_progress(f"Đang ghi hồ sơ và tệp trả lời ({NOUN})")
            .changes(self.ctx.hub, Changes(candidates=True, steps=True))
            .success(self._saved)
            .failure(lambda exc: self._refused(error_text(exc)))
            .run_in_background()
        )
        return True

    def _saved(self, answer_file: str) -> None:
        self.answer_file = answer_file
        self.accept()

    def _refused(self, problem: str) -> None:
        self.error.setText(problem)
        self.error.show()
        self.ok.setEnabled(True)


def _receive_and_answer(session, path: Path, folder: Path, *, progress, cancel, **answer) -> str:
    """The answer recorded, then its file written (again later with 'khdesk transfer
    answer' if the stick fails): the answer file's path."""
    done = ot.receive(session, path, progress=progress, cancel=cancel, **answer)
    return ot.write_answer(session, done["transfer"], folder)["file"]


def _day(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _units(ctx: AppContext) -> list[tuple[str, str | None]]:
    """This province first (it keeps the file), then its live units."""
    from khdesk.core.store.orgtree import load_tree  # only when the dialog opens

    with ctx.session.store.read() as conn:
        tree = load_tree(conn)
    home = ctx.session.org_code
    others = sorted(
        (code, tree.names.get(code)) for code in tree.parents if tree.live(code) and code != home
    )
    return [(home, tree.names.get(home) or ctx.session.info.org_name), *others]


class OutsidePanel(QWidget):
    """The province's files moving out of (or into) the province: write a transfer file
    for a file in transit to another province, print its transfer list, receive a
    transfer file, import an answer; the files written and received so far."""

    def __init__(self, page):
        super().__init__(page)
        self.page, self.ctx = page, page.ctx
        self.dialog: ReceiveTransferDialog | None = None  # the last file's, once verified
        intro = QLabel(
            f"Hồ sơ chuyển sang tỉnh khác đi bằng {NOUN} ({SUFFIX}), mã hóa cho khdesk của "
            "tỉnh nhận (ghi nhận thẻ khóa của tỉnh đó bằng lệnh 'khdesk transfer "
            "station-enrol'). Tỉnh nhận không dùng khdesk: in danh sách chuyển hồ sơ."
        )
        intro.setWordWrap(True)
        self.pending = QComboBox()
        export_button = QPushButton(f"Xuất {NOUN}…")
        export_button.clicked.connect(self._ask_export)
        print_button = QPushButton("In danh sách chuyển…")
        print_button.clicked.connect(self._ask_print)
        receive_button = QPushButton(f"Nhận {NOUN}…")
        receive_button.clicked.connect(self._ask_receive)
        answer_button = QPushButton("Nhập tệp trả lời…")
        answer_button.clicked.connect(self._ask_answer)
        out_row = QHBoxLayout()
        out_row.addWidget(QLabel("Hồ sơ đang chuyển:"))
        out_row.addWidget(self.pending, 1)
        out_row.addWidget(export_button)
        out_row.addWidget(print_button)
        in_row = QHBoxLayout()
        in_row.addWidget(receive_button)
        in_row.addWidget(answer_button)
        in_row.addStretch(1)
        self.message = result_label()
        self.model = RowsModel(FILE_COLUMNS, self)
        self.table = rows_table(self.model)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(out_row)
        layout.addLayout(in_row)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        session = self.ctx.session
        outside = {s["org_code"] for s in ot.stations(session)}
        moving = transfer_list.list_transfers(session, in_transit_only=True)
        self.pending.clear()
        for x in moving:
            if x.to_org in outside:
                self.pending.addItem(f"{x.file_code} – {x.full_name} → {x.to_org}", x.file_code)
        rows = [
            {**f, "way": "gửi" if f["direction"] == "out" else "nhận", "at": f["at"][:10]}
            for f in ot.sent_files(session)
        ]
        self.model.set_rows(rows)

    def _done(self, text: str) -> None:
        say(self.message, escape(text), GREEN)
        self.refresh()
        self.ctx.hub.data_changed.emit()

    def _failed(self, exc: BaseException) -> None:
        say(self.message, escape(error_text(exc)), RED)

    # -- the actions --

    def export(self, file_code: str, folder: Path) -> bool:
        try:
            done = ot.export_transfer(self.ctx.session, file_code, folder)
        except KhdeskError as exc:
            self._failed(exc)
            return False
        self._done(f"Đã ghi {NOUN} {file_code} cho {done['to_org']}: {done['file']}")
        return True

    def print_list(self, file_code: str, out: Path) -> bool:
        try:
            printing.export_transfer_list(self.ctx.session, file_code, out)
        except KhdeskError as exc:
            self._failed(exc)
            return False
        self._done(f"Đã in danh sách chuyển hồ sơ {file_code}: {out}")
        return True

    def receive_file(self, path: Path) -> None:
        """Verify a transfer file in the background, then open the answering dialog
        (kept in `self.dialog` for a test to fill); a file refused outright is said
        here, with no dialog."""
        self.dialog = None
        path = Path(path)

        def verified(shown: dict) -> None:
            dialog = self.dialog = ReceiveTransferDialog(self.ctx, path, shown, self)
            dialog.accepted.connect(lambda: self._done(f"Đã ghi tệp trả lời: {dialog.answer_file}"))
            dialog.open()

        (
            Operation(self, partial(ot.inspect, self.ctx.session, path))
            .with_progress(f"Đang kiểm tra {NOUN}")
            .success(verified)
            .failure(self._failed)
            .run_in_background()
        )

    def import_answer(self, path: Path) -> bool:
        try:
            done = ot.import_answer(self.ctx.session, path, self.ctx.today())
        except KhdeskError as exc:
            self._failed(exc)
            return False
        code = done["file_code"]
        self._done(
            {
                "duplicate": f"Tệp trả lời cho hồ sơ {code} đã được nhập trước đó.",
                "accepted": f"Tỉnh nhận đã tiếp nhận hồ sơ {code}: hồ sơ đã chuyển ra ngoài "
                "tỉnh (chỉ xem).",
                "returned": f"Tỉnh nhận đã trả lại hồ sơ {code}: đơn vị chuyển đi quản lý "
                "hồ sơ như trước.",
            }[done["status"]]
        )
        return True

    # -- the buttons: the paths first --

    def _chosen(self) -> str:
        code = self.pending.currentData()
        if not code:
            self._failed(InputError("Không có hồ sơ nào đang chuyển sang tỉnh khác."))
        return code or ""

    def _ask_export(self) -> None:
        code = self._chosen()
        folder = code and QFileDialog.getExistingDirectory(self, f"Thư mục ghi {NOUN}")
        if folder:
            self.export(code, Path(folder))

    def _ask_print(self) -> None:
        code = self._chosen()
        out = (
            code
            and QFileDialog.getSaveFileName(
                self, "In danh sách chuyển hồ sơ", f"{code}-chuyen.pdf", "PDF (*.pdf)"
            )[0]
        )
        if out:
            self.print_list(code, Path(out))

    def _ask_receive(self) -> None:
        path = QFileDialog.getOpenFileName(self, f"Chọn {NOUN}", "", f"(*{SUFFIX})")[0]
        if path:
            self.receive_file(Path(path))

    def _ask_answer(self) -> None:
        path = QFileDialog.getOpenFileName(self, "Chọn tệp trả lời", "", f"(*{SUFFIX})")[0]
        if path:
            self.import_answer(Path(path))
