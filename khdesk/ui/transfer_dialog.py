"""The "Chuyển hồ sơ" dialog of a file (RULES.md §2a): send it to another unit, or, when
it is in transit, accept it or return it with a reason (at the receiving unit) or
withdraw it (at the sending unit, until the receiver answers); once a file has come
here, record its previous cell's written opinion (TRANSFER_PRIOR_OPINION). The services
(core/services/transfers.py) decide; a refusal shows under the fields, nothing written."""

from __future__ import annotations

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

from khdesk.core.domain import transfers as tr
from khdesk.core.domain.roles import Action
from khdesk.core.errors import KhdeskError
from khdesk.core.services import outside_transfers, transfers
from khdesk.core.services.candidates import open_file
from khdesk.core.store.states import step_event
from khdesk.ui.context import AppContext
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.record_step import parse_day

OUT, ACCEPT, RETURN, WITHDRAW = "out", "accept", "return", "withdraw"
INSIDE, OUTSIDE = "inside", "outside"  # where a file is sent
OPINION = "opinion"  # the previous cell's written opinion, recorded after acceptance


class TransferDialog(QDialog):
    """One transfer action on `file_code`; `self.done_action` says what was written."""

    def __init__(self, ctx: AppContext, file_code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.file_code = ctx, file_code
        self.done_action: str | None = None
        self.setWindowTitle(f"Chuyển hồ sơ {file_code}")
        row = open_file(ctx.session, file_code, audit=False) or {}
        moved = tr.replay([step_event(s) for s in row.get("steps", [])], row.get("org_code", ""))
        self.pending = moved.pending
        self.action = QComboBox()
        previous = list(dict.fromkeys(m.out.from_org for m in reversed(moved.moves)))
        if self.pending is None:
            self.action.addItem("Chuyển đi", OUT)
            if previous:
                self.action.addItem("Ý kiến của chi bộ cũ", OPINION)
            intro = f"Hồ sơ đang ở {moved.holder}. Chuyển sang đơn vị:"
        else:
            kept = _kept_units(ctx)
            if self.pending.to_org in kept:
                self.action.addItem("Tiếp nhận", ACCEPT)
                self.action.addItem("Trả lại", RETURN)
            if self.pending.from_org in kept and moved.withdrawal is None:
                self.action.addItem("Rút lại", WITHDRAW)
            intro = (
                f"Hồ sơ đang chuyển từ {self.pending.from_org} sang {self.pending.to_org} "
                f"(ngày {self.pending.on:%d/%m/%Y})."
            )
            if moved.withdrawal is not None:
                intro += (
                    f" {self.pending.from_org} đã rút lại ngày {moved.withdrawal.on:%d/%m/%Y}: "
                    "hồ sơ trở về khi đơn vị nhận biết tin."
                )
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.to_org = QComboBox()
        self.to_org.setEditable(True)  # a unit the catalogue does not list may be typed
        # Where to: our units, or the other provinces this station may send a file to.
        self.choices = {
            INSIDE: _units(ctx, moved.holder),
            OUTSIDE: outside_transfers.destinations(ctx.session),
        }
        self.where = QComboBox()
        self.where.addItem("Trong tỉnh", INSIDE)
        self.where.addItem("Ngoài tỉnh", OUTSIDE)
        self.where.currentIndexChanged.connect(self._where_changed)
        self._where_changed()
        self.on = QLineEdit(f"{ctx.today():%d/%m/%Y}")
        self.on.setMaxLength(10)
        self.reason = QLineEdit()
        self.opinion = QLineEdit()
        self.opinion.setPlaceholderText("số văn bản nhận xét của chi bộ cũ (đảng viên dự bị)")
        self.prior_cell = QComboBox()
        for code in previous:
            self.prior_cell.addItem(code or "", code)
        self.scan = QLineEdit()
        self.scan.setPlaceholderText("tệp bản quét văn bản nhận xét (không bắt buộc)")
        self.scan_button = QPushButton("Chọn tệp…")
        self.scan_button.clicked.connect(self._pick_scan)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan)
        scan_row.addWidget(self.scan_button)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Việc", self.action)
        form.addRow("Chuyển đến", self.where)
        form.addRow("Đơn vị nhận", self.to_org)
        form.addRow("Ngày", self.on)
        form.addRow("Lý do / nội dung", self.reason)
        form.addRow("Nhận xét của chi bộ cũ", self.opinion)
        form.addRow("Chi bộ cũ cho ý kiến", self.prior_cell)
        form.addRow("Bản quét", scan_row)
        self.action.currentIndexChanged.connect(self._action_changed)
        self._action_changed()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Ghi")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _where_changed(self) -> None:
        self.to_org.clear()
        for code, name in self.choices[self.where.currentData()]:
            self.to_org.addItem(f"{code} – {name}" if name else code, code)
        self.to_org.setCurrentIndex(-1)

    def _action_changed(self) -> None:
        action = self.action.currentData()
        self.to_org.setEnabled(action == OUT)
        self.where.setEnabled(action == OUT)
        self.prior_cell.setEnabled(action == OPINION)
        self.scan.setEnabled(action == OPINION)
        self.scan_button.setEnabled(action == OPINION)

    def _pick_scan(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Bản quét văn bản nhận xét",
            "",
            "Bản quét (*.pdf *.jpg *.jpeg *.png);;Mọi tệp (*)",
        )
        if path:
            self.scan.setText(path)

    def destination(self) -> str:
        data = self.to_org.currentData()
        typed = self.to_org.currentText().split("–")[0].strip()
        return data if data and self.to_org.currentText().startswith(data) else typed

    def save(self) -> bool:
        """Write the chosen action; a problem shows under the fields and nothing is written."""
        on, problem = parse_day(self.on.text(), "Ngày")
        if not problem and on is None:
            problem = "Ngày: cần ghi ngày (ngày/tháng/năm)."
        action = self.action.currentData()
        session, today = self.ctx.session, self.ctx.today()
        if not problem and on is not None:
            try:
                if action == OUT:
                    transfers.transfer_out(
                        session,
                        self.file_code,
                        self.destination(),
                        on,
                        today,
                        self.reason.text(),
                        self.opinion.text(),
                    )
                elif action == ACCEPT:
                    transfers.accept(session, self.file_code, on, today, self.opinion.text())
                elif action == OPINION:
                    scan = self.scan.text().strip()
                    transfers.record_prior_opinion(
                        session,
                        self.file_code,
                        self.prior_cell.currentData(),
                        on,
                        today,
                        self.reason.text(),
                        self.opinion.text(),
                        Path(scan) if scan else None,
                    )
                elif action == WITHDRAW:
                    transfers.withdraw(session, self.file_code, on, today, self.reason.text())
                elif action == RETURN:
                    transfers.return_(session, self.file_code, self.reason.text(), on, today)
            except KhdeskError as exc:
                problem = error_text(exc)
        if not problem and action is None:
            problem = "Hồ sơ đang chuyển giữa hai đơn vị khác: đơn vị này không có việc gì để ghi."
        if problem:
            self.error.setText(problem)
            self.error.show()
            return False
        self.done_action = action
        self.ctx.hub.data_changed.emit()
        self.accept()
        return True


def _units(ctx: AppContext, holder: str) -> list[tuple[str, str | None]]:
    """The live units this station knows, but the one holding the file."""
    from khdesk.core.store.orgtree import load_tree  # only when the dialog opens

    with ctx.session.store.read() as conn:
        tree = load_tree(conn)
    return sorted(
        (code, tree.names.get(code)) for code in tree.parents if tree.live(code) and code != holder
    )


def _kept_units(ctx: AppContext) -> frozenset[str]:
    """The units this station's staff write for (the ends of a transfer it answers)."""
    from khdesk.core.domain.scope import station_scope  # only when the dialog opens
    from khdesk.core.store.orgtree import load_tree  # only when the dialog opens

    session = ctx.session
    with session.store.read() as conn:
        tree = load_tree(conn)
    return station_scope(tree, session.org_code, session.info.role).units


def may_transfer(ctx: AppContext) -> bool:
    return ctx.may(Action.TRANSFER_FILES)
