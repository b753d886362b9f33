""" "Gửi lên cấp trên" / "Gửi đi": write a bundle to a USB stick or a folder."""

from __future__ import annotations

from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.roles import Action
from khdesk.core.services import sync
from khdesk.core.sync.outbox import ExportResult
from khdesk.ui import drives, prefs
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.sync.words import counts_text, size_text
from khdesk.ui.sync_widgets import (
    GREEN,
    GREY,
    RED,
    bold,
    result_label,
    say,
)

_ROLE_RANK = {"cell": 0, "committee": 1, "province": 2}


NO_DESTINATION = "Hãy chọn USB (hoặc một thư mục) để lưu tệp đồng bộ."


class SendPanel(QWidget):
    def __init__(self, page: Page):
        super().__init__(page)
        self.page = page
        self.last_result = None
        self.last_error: str | None = None
        self.upper_known = False
        role = page.ctx.role

        intro = QLabel(
            {
                "cell": "Ghi các thay đổi của chi bộ ra USB để mang lên đảng ủy cấp trên. "
                "Tệp được mã hóa: chỉ cấp trên mở được.",
                "committee": "Ghi dữ liệu của đảng ủy ra USB: gửi lên cấp trên, hoặc gửi về một "
                "chi bộ các nghị quyết, quyết định của đảng ủy trên hồ sơ của chi bộ đó.",
                "province": "Ghi tệp gửi về một đảng ủy cấp dưới.",
            }.get(role, "")
        )
        intro.setWordWrap(True)

        self.target_box = QComboBox()
        self.target_box.setMinimumWidth(420)
        self.volume_list = QListWidget()
        self.volume_list.setMaximumHeight(130)
        self.volume_list.currentRowChanged.connect(self._destination_chosen)
        self.no_volume_label = QLabel(
            "Chưa thấy USB nào. Hãy cắm USB vào máy rồi bấm “Tìm lại USB”, hoặc chọn một "
            "thư mục khác."
        )
        self.no_volume_label.setWordWrap(True)
        self.no_volume_label.setStyleSheet(f"color: {GREY};")
        rescan = QPushButton("Tìm lại USB")
        rescan.clicked.connect(self.refresh_volumes)
        other = QPushButton("Chọn thư mục khác…")
        other.clicked.connect(self._choose_folder)
        self.full_box = QCheckBox("Gửi lại toàn bộ dữ liệu (không chỉ phần thay đổi từ lần trước)")
        self.export_button = QPushButton("Ghi tệp đồng bộ ra USB")
        bold(self.export_button, 1)
        self.export_button.setMinimumHeight(40)
        self.export_button.clicked.connect(self.export)
        self.export_button.setEnabled(page.ctx.may(Action.SEND_RECEIVE))
        self.result_label = result_label()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(QLabel("Gửi cho:"))
        row.addWidget(self.target_box, 1)
        layout.addLayout(row)
        layout.addWidget(QLabel("Lưu vào USB:"))
        layout.addWidget(self.volume_list)
        layout.addWidget(self.no_volume_label)
        row = QHBoxLayout()
        row.addWidget(rescan)
        row.addWidget(other)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.full_box)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        layout.addStretch(1)

    def refresh(self, status: dict) -> None:
        info = self.page.session.info
        mine = _ROLE_RANK.get(info.role, 0)
        current = self.target_box.currentData()
        self.target_box.clear()
        active = [p for p in status["peers"] if p["status"] == "active"]
        upper = [p for p in active if _ROLE_RANK.get(p["role"], 0) > mine]
        lower = [p for p in active if _ROLE_RANK.get(p["role"], 0) < mine]
        self.upper_known = bool(upper)
        if info.role != "province":
            known = next((p for p in upper if p["org_code"] == info.parent_code), None)
            known = known or (upper[0] if len(upper) == 1 else None)
            if known is not None:
                label = f"Cấp trên: {known['org_name']} ({known['org_code']})"
            else:
                label = f"Cấp trên ({info.parent_code or 'chưa ghi nhận khóa'})"
            self.target_box.addItem(label, "")
        for p in sorted(lower, key=lambda p: p["org_code"]):
            word = "chi bộ" if p["role"] == "cell" else "đơn vị"
            self.target_box.addItem(
                f"Gửi về {word}: {p['org_name']} ({p['org_code']})", p["org_code"]
            )
        found = self.target_box.findData(current)
        self.target_box.setCurrentIndex(max(found, 0))
        self.refresh_volumes()

    def refresh_volumes(self) -> None:
        chosen = self.destination()
        folders = [
            self.volume_list.item(i)
            for i in range(self.volume_list.count())
            if self.volume_list.item(i).data(Qt.ItemDataRole.UserRole + 1)
        ]
        kept = [(i.text(), i.data(Qt.ItemDataRole.UserRole)) for i in folders]
        self.volume_list.clear()
        for v in drives.removable_volumes():
            item = QListWidgetItem(f"USB {v.label} — còn trống {size_text(v.free)}")
            item.setData(Qt.ItemDataRole.UserRole, v.path)
            self.volume_list.addItem(item)
        for text, path in kept:
            self._add_item(text, path, folder=True)
        preset = prefs.sync_folder(self.page.session)
        if preset and preset not in (path for _, path in kept):
            self._add_item(f"Thư mục {preset}", preset, folder=True)
        self.no_volume_label.setVisible(self.volume_list.count() == 0)
        self._select(chosen)

    def _add_item(self, text: str, path: str, *, folder: bool) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setData(Qt.ItemDataRole.UserRole + 1, folder)
        self.volume_list.addItem(item)

    def _select(self, path: str | None) -> None:
        for i in range(self.volume_list.count()):
            if self.volume_list.item(i).data(Qt.ItemDataRole.UserRole) == path:
                self.volume_list.setCurrentRow(i)
                return
        if self.volume_list.count() and self.volume_list.currentRow() < 0:
            self.volume_list.setCurrentRow(0)

    def add_folder(self, path: str | Path) -> None:
        """Another folder to save into (chosen in the dialog, or by a test)."""
        path = str(path)
        if all(
            self.volume_list.item(i).data(Qt.ItemDataRole.UserRole) != path
            for i in range(self.volume_list.count())
        ):
            self._add_item(f"Thư mục {path}", path, folder=True)
        self.no_volume_label.hide()
        self._select(path)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Chọn thư mục lưu tệp đồng bộ", drives.dialog_start(self.destination())
        )
        if folder:
            self.add_folder(folder)

    def _destination_chosen(self) -> None:
        # "Hãy chọn USB" said before a place was chosen no longer holds.
        if self.last_error == NO_DESTINATION and self.destination():
            self.last_error = None
            self.result_label.hide()

    def destination(self) -> str | None:
        item = self.volume_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def export(self) -> None:
        self.last_result, self.last_error = None, None
        out = self.destination()
        if not out:
            self._fail(NO_DESTINATION)
            return
        to = self.target_box.currentData() or None
        if to is None and not self.upper_known:
            self._fail(
                "Chưa ghi nhận khóa của cấp trên nên chưa gửi được. Hãy nhận thẻ khóa của cấp "
                "trên (tệp .card) và ghi nhận ở thẻ “Mã xác nhận và khóa”, đối chiếu mã xác nhận "
                "qua điện thoại."
            )
            return
        work = partial(
            sync.export_bundle, self.page.session, Path(out), full=self.full_box.isChecked(), to=to
        )
        Operation(self, work).with_progress(
            "Đang ghi tệp đồng bộ và đọc lại để kiểm tra…", cancellable=False
        ).success(self._written).failure(self._refused).run_in_background()

    def _refused(self, exc: BaseException) -> None:
        self._fail(error_text(exc))  # shown in the page, in the service's words
        self.page.history.refresh()  # a failed write burns its number: the ledger says so

    def _written(self, result: ExportResult) -> None:
        self.last_result = result
        if result.kind == "down":
            what = "các nghị quyết, quyết định của đảng ủy trên hồ sơ của chi bộ"
        else:
            what = counts_text(result.counts)
        extra = ""
        if result.new_epoch:
            extra = (
                "<br>Tệp này mở đầu một giai đoạn gửi mới (hồ sơ được khôi phục hoặc chuyển "
                "máy): bên nhận sẽ được hỏi xác nhận."
            )
        say(
            self.result_label,
            "<b>✓ Đã ghi và kiểm tra xong. Có thể rút USB an toàn.</b><br>"
            f"Tệp: <b>{escape(Path(result.path).name)}</b> — gói số {result.seq} gửi "
            f"{escape(result.recipient_org)}, {size_text(result.size)}.<br>"
            f"Nội dung: {escape(what)}.{extra}",
            GREEN,
            big=True,
        )
        self.page.ctx.hub.status.emit("Đã ghi tệp đồng bộ.")
        self.page.history.refresh()

    def _fail(self, text: str) -> None:
        self.last_error = text
        say(self.result_label, f"<b>✗ Chưa ghi được tệp.</b><br>{escape(text)}", RED, big=True)
