"""The "Sao lưu & an toàn" page: backups, the data check, the audit view, moving,
handing over, retention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.pipeline import STATE_LABELS, State
from khdesk.core.domain.roles import Action
from khdesk.core.errors import KhdeskError
from khdesk.core.services import backup, integrity, retention, safety
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.messages import ERROR_STYLE, confirm, error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.safety.audit import AuditModel
from khdesk.ui.safety.handover import HandoverDialog
from khdesk.ui.safety.move import MoveDialog
from khdesk.ui.safety.restore import RestoreDialog
from khdesk.ui.safety.widgets import (
    _HINT_STYLE,
    _OK_STYLE,
    _label,
    _size,
)
from khdesk.ui.table_model import fit_columns


class SafetyPage(Page):
    key = "safety"
    title = "Sao lưu & an toàn"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.backups: list[backup.BackupInfo] = []
        # What the last background operations delivered (the page says it too).
        self.last_backup: backup.BackupInfo | None = None
        self.last_check: integrity.CheckReport | None = None
        self.last_retention: retention.RetentionPlan | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._backup_tab(), "Sao lưu")
        self.tabs.addTab(self._check_tab(), "Kiểm tra dữ liệu")
        self.tabs.addTab(self._audit_tab(), "Nhật ký thao tác")
        self.tabs.addTab(self._move_tab(), "Chuyển máy, bàn giao")
        self.tabs.addTab(self._retention_tab(), "Hồ sơ đã đóng lâu năm")
        heading = QLabel(self.title)
        font = heading.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        heading.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)
        self._loaded_audit = False
        self.tabs.currentChanged.connect(self._tab_changed)

    # building

    def _backup_tab(self) -> QWidget:
        tab = QWidget()
        hint = _label(
            "Chương trình tự sao lưu mỗi ngày khi mở hồ sơ lần đầu, và trước mỗi việc lớn "
            "(nhập Excel, nhận gói đồng bộ, nâng cấp). Bản sao lưu được mã hóa: chỉ mở được "
            "bằng mật khẩu của hồ sơ. Nên chép thêm ra thẻ nhớ USB cất nơi khác.",
            _HINT_STYLE,
        )
        self.backup_table = QTableWidget(0, 4)
        self.backup_table.setHorizontalHeaderLabels(["Lúc", "Loại", "Dung lượng", "Ghi chú"])
        self.backup_table.verticalHeader().setVisible(False)
        self.backup_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.backup_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backup_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.backup_table.horizontalHeader()
        header.setMinimumSectionSize(110)  # readable headers even with no rows yet
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.backup_table.itemSelectionChanged.connect(self._update_buttons)
        self.backup_button = QPushButton("Sao lưu ngay")
        self.backup_button.clicked.connect(lambda: self.backup_now())
        self.usb_button = QPushButton("Sao lưu và chép ra thẻ nhớ USB…")
        self.usb_button.clicked.connect(self._backup_to_usb)
        self.restore_button = QPushButton("Khôi phục bản đã chọn…")
        self.restore_button.clicked.connect(self._restore_selected)
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.usb_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        self.backup_status = _label()
        self.backup_status.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(tab)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.backup_status)
        layout.addWidget(self.backup_table, 1)
        writer = self.session.may(Action.MAKE_BACKUP)
        self.backup_button.setEnabled(writer)
        self.usb_button.setEnabled(writer)
        if not writer:
            self.backup_status.setText("Người dùng chỉ xem không tạo được bản sao lưu.")
        return tab

    def _check_tab(self) -> QWidget:
        tab = QWidget()
        hint = _label(
            "Kiểm tra toàn bộ dữ liệu: mã hóa của từng trang dữ liệu, cấu trúc cơ sở dữ "
            "liệu, chuỗi nhật ký thao tác (không bị sửa, xóa, chèn), giai đoạn của từng hồ "
            "sơ so với các bước đã ghi, và chỉ mục tìm kiếm. Mất vài giây đến vài phút.",
            _HINT_STYLE,
        )
        self.check_button = QPushButton("Kiểm tra dữ liệu")
        self.check_button.clicked.connect(lambda: self.run_check())
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addStretch(1)
        self.check_result = _label()
        self.check_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(tab)
        layout.addWidget(hint)
        layout.addLayout(row)
        # Stretched and top-aligned: a wrapped label in a stretch gets one line's height.
        self.check_result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.check_result, 1)
        return tab

    def _audit_tab(self) -> QWidget:
        tab = QWidget()
        hint = _label(
            "Ai đã mở, xem, sửa gì và lúc nào (mới nhất ở trên). Nhật ký không sửa hay xóa "
            "được: mỗi mục nối với mục trước bằng mã kiểm tra.",
            _HINT_STYLE,
        )
        self.audit_filter = QLineEdit()
        self.audit_filter.setPlaceholderText("Mã hồ sơ, ví dụ X01-CB01-0003")
        self.audit_filter.returnPressed.connect(lambda: self.filter_audit(self.audit_filter.text()))
        filter_button = QPushButton("Lọc")
        filter_button.clicked.connect(lambda: self.filter_audit(self.audit_filter.text()))
        all_button = QPushButton("Xem tất cả")
        all_button.clicked.connect(lambda: self.filter_audit(""))
        row = QHBoxLayout()
        row.addWidget(QLabel("Chỉ xem của hồ sơ:"))
        row.addWidget(self.audit_filter, 1)
        row.addWidget(filter_button)
        row.addWidget(all_button)
        self.audit_model = AuditModel(self.session, self)
        self.audit_view = QTableView()
        self.audit_view.setModel(self.audit_model)
        self.audit_view.verticalHeader().setVisible(False)
        self.audit_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.audit_view.setWordWrap(False)
        header = self.audit_view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)  # whole rows: no bold headers
        samples = ("26/11/2026 08:30:15", "bithu (Bí thư)", "Nhập gói đồng bộ của cấp dưới")
        fit_columns(self.audit_view, {**dict(enumerate(samples)), 3: "X01-CB01-0015 · 6-KNĐ"})
        self.audit_count = _label(style=_HINT_STYLE)
        layout = QVBoxLayout(tab)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.audit_view, 1)
        layout.addWidget(self.audit_count)
        return tab

    def _move_tab(self) -> QWidget:
        tab = QWidget()
        move = QGroupBox("Chuyển hồ sơ sang máy mới")
        self.move_button = QPushButton("Chuyển hồ sơ sang máy mới…")
        self.move_button.clicked.connect(lambda: self.move_dialog().exec())
        box = QVBoxLayout(move)
        box.addWidget(
            _label(
                "Khi đổi máy tính: ghi một bản sao lưu ra thẻ nhớ USB, rồi trên máy mới bấm "
                "“Mở bản sao lưu từ máy cũ” ở màn hình đăng nhập. Hồ sơ, người dùng và mật "
                "khẩu giữ nguyên."
            )
        )
        box.addWidget(self.move_button, 0, Qt.AlignmentFlag.AlignLeft)
        hand = QGroupBox("Bàn giao cho bí thư mới")
        self.handover_button = QPushButton("Bàn giao cho bí thư mới…")
        self.handover_button.clicked.connect(lambda: self.handover_dialog().exec())
        box = QVBoxLayout(hand)
        box.addWidget(
            _label(
                "Khi thay bí thư: thêm bí thư mới làm chủ hồ sơ với mật khẩu riêng, tạo khóa "
                "khôi phục mới và (nếu muốn) gỡ người dùng cũ. Cấp trên được báo qua gói đồng "
                "bộ. Nếu đổi cả máy, làm bàn giao trước rồi mới chuyển máy."
            )
        )
        box.addWidget(self.handover_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.move_note = _label(style=_HINT_STYLE)
        may_move, may_hand_over = (self.session.may(a) for a in (Action.MOVE_PC, Action.HAND_OVER))
        self.move_button.setEnabled(may_move)
        self.handover_button.setEnabled(may_hand_over)
        if not may_hand_over:
            self.move_note.setText(
                "Chỉ chủ hồ sơ bàn giao được"
                + ("; chỉ chủ hồ sơ hoặc bí thư chuyển máy được." if not may_move else ".")
            )
        layout = QVBoxLayout(tab)
        layout.addWidget(move)
        layout.addWidget(hand)
        layout.addWidget(self.move_note)
        layout.addStretch(1)
        return tab

    def _retention_tab(self) -> QWidget:
        tab = QWidget()
        hint = _label(
            "Hồ sơ đã đóng (đã chính thức, xóa tên, dừng) từ nhiều năm trước có thể chuyển "
            "ra khỏi dữ liệu đang dùng vào kho lưu trữ — vẫn được mã hóa và đưa về được khi "
            "cần. Trước khi chuyển, chương trình tự sao lưu. Xóa hẳn hồ sơ thì không làm ở "
            "đây: cán bộ kỹ thuật làm bằng lệnh 'khdesk retention --purge'.",
            _HINT_STYLE,
        )
        self.years_box = QSpinBox()
        self.years_box.setRange(retention.MIN_YEARS, retention.MAX_YEARS)
        self.years_box.setValue(retention.configured_years(self.session))
        self.years_box.setSuffix(" năm")
        self.preview_button = QPushButton("Xem trước (chưa thay đổi gì)")
        self.preview_button.clicked.connect(lambda: self.preview_retention())
        self.archive_button = QPushButton("Chuyển vào kho lưu trữ")
        self.archive_button.setEnabled(False)
        self.archive_button.clicked.connect(self._archive_clicked)
        row = QHBoxLayout()
        row.addWidget(QLabel("Đã đóng từ:"))
        row.addWidget(self.years_box)
        row.addWidget(QLabel("trở lên"))
        row.addSpacing(12)
        row.addWidget(self.preview_button)
        row.addWidget(self.archive_button)
        row.addStretch(1)
        self.retention_status = _label()
        self.retention_table = QTableWidget(0, 3)
        self.retention_table.setHorizontalHeaderLabels(["Mã hồ sơ", "Giai đoạn", "Ngày đóng"])
        self.archived_table = QTableWidget(0, 4)
        self.archived_table.setHorizontalHeaderLabels(
            ["Mã hồ sơ", "Giai đoạn", "Ngày đóng", "Ngày lưu trữ"]
        )
        for table in (self.retention_table, self.archived_table):
            table.verticalHeader().setVisible(False)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setStretchLastSection(True)
        self.unarchive_button = QPushButton("Đưa hồ sơ đã chọn về")
        self.unarchive_button.clicked.connect(lambda: self.unarchive_selected())
        keeper = self.session.may(Action.RETENTION)
        self.unarchive_button.setEnabled(keeper)
        due = QGroupBox("Đến hạn lưu trữ")
        QVBoxLayout(due).addWidget(self.retention_table)
        kept = QGroupBox("Trong kho lưu trữ")
        box = QVBoxLayout(kept)
        box.addWidget(self.archived_table)
        box.addWidget(self.unarchive_button, 0, Qt.AlignmentFlag.AlignLeft)
        tables = QHBoxLayout()
        tables.addWidget(due)
        tables.addWidget(kept)
        layout = QVBoxLayout(tab)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.retention_status)
        layout.addLayout(tables, 1)
        self.retention_plan: retention.RetentionPlan | None = None
        return tab

    # loading

    def refresh(self) -> None:
        self.backups = backup.list_backups(self.session.dir)
        table = self.backup_table
        table.setRowCount(len(self.backups))
        for r, b in enumerate(self.backups):
            cells = (
                b.local_time.strftime("%d/%m/%Y %H:%M"),
                b.kind_label,
                _size(b.size),
                b.note,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                table.setItem(r, c, item)
        if self.backups:
            table.selectRow(0)
        elif not self.backup_status.text():
            self.backup_status.setStyleSheet(_HINT_STYLE)
            self.backup_status.setText(
                "Chưa có bản sao lưu nào. Bấm “Sao lưu ngay” để tạo bản đầu tiên."
            )
        self._update_buttons()
        if self._loaded_audit:
            self.filter_audit(self.audit_filter.text())

    def _tab_changed(self, index: int) -> None:
        if index == 2 and not self._loaded_audit:
            self.filter_audit(self.audit_filter.text())
        if index == 4:
            self.load_archived()

    def _update_buttons(self) -> None:
        chosen = self.selected_backup() is not None
        self.restore_button.setEnabled(chosen and self.session.may(Action.RESTORE_BACKUP))

    def selected_backup(self) -> backup.BackupInfo | None:
        rows = self.backup_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.backups):
            return None
        return self.backups[rows[0].row()]

    # actions

    def backup_now(self, also_to: Path | None = None) -> None:
        """Back up in the background; `last_backup` and the status line say how it went."""
        work = partial(backup.create_backup, self.session, "manual", also_to=also_to)
        Operation(self, work).with_progress("Đang sao lưu…").success(
            partial(self._backed_up, also_to)
        ).failure(partial(self._says, self.backup_status)).run_in_background()

    def _says(self, label: QLabel, exc: BaseException) -> None:
        label.setStyleSheet(ERROR_STYLE)
        label.setText(error_text(exc))

    def _backed_up(self, also_to: Path | None, info: backup.BackupInfo) -> None:
        self.last_backup = info
        where = f" và chép ra {also_to}" if also_to else ""
        self.backup_status.setStyleSheet(_OK_STYLE)
        self.backup_status.setText(
            f"✔ Đã sao lưu lúc {info.local_time:%d/%m/%Y %H:%M}{where} ({_size(info.size)}); "
            "đã đọc lại và kiểm tra."
        )
        self.after_backup()

    def _backup_to_usb(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Chọn thư mục trên thẻ nhớ USB")
        if folder:
            self.backup_now(Path(folder))

    def after_backup(self) -> None:
        self.refresh()
        self.ctx.hub.status.emit("Đã sao lưu.")

    def _restore_selected(self) -> None:
        info = self.selected_backup()
        if info is not None:
            self.restore_dialog(info).exec()

    def restore_dialog(self, info: backup.BackupInfo) -> RestoreDialog:
        return RestoreDialog(self, info)

    def restore(
        self,
        info: backup.BackupInfo,
        password: str,
        then: Callable[[str], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """Put `info` in place of the data (backup.restore_signed_in), in the background;
        `then` gets the id of the copy kept of what was replaced."""
        work = partial(backup.restore_signed_in, self.session, info.id, password)
        Operation(self, work).with_progress("Đang khôi phục…").changes(
            self.ctx.hub, Changes.everything()
        ).success(lambda done: then(self._restored(info, done))).failure(failed).run_in_background()

    def _restored(self, info: backup.BackupInfo, done: backup.Restored) -> str:
        note = f" Dữ liệu trước đó được giữ trong bản sao lưu {done.kept}." if done.kept else ""
        self.backup_status.setStyleSheet(_OK_STYLE)
        self.backup_status.setText(
            f"✔ Đã khôi phục từ bản sao lưu lúc {info.local_time:%d/%m/%Y %H:%M}.{note}"
        )
        self.ctx.hub.status.emit("Đã khôi phục dữ liệu từ bản sao lưu.")
        self.refresh()
        return done.kept

    def run_check(self) -> None:
        """Check the database in the background; `last_check` and the page say the result."""
        Operation(self, partial(integrity.check_database, self.session)).with_progress(
            "Đang kiểm tra dữ liệu…"
        ).success(self._checked).failure(partial(self._says, self.check_result)).run_in_background()

    def _checked(self, report: integrity.CheckReport) -> None:
        self.last_check = report
        self.check_result.setText(check_text(report))
        self.check_result.setStyleSheet(_OK_STYLE if report.ok else ERROR_STYLE)

    def filter_audit(self, file_code: str) -> None:
        code = file_code.strip().upper()
        self.audit_model.reload(code or None)
        self._loaded_audit = True
        n = self.audit_model.rowCount()
        more = "+" if self.audit_model.canFetchMore() else ""
        whose = f" của hồ sơ {code}" if code else ""
        self.audit_count.setText(
            f"{n}{more} mục{whose}." if n else f"Không có mục nhật ký nào{whose}."
        )

    # retention

    def preview_retention(self) -> retention.RetentionPlan | None:
        try:
            plan = retention.plan_retention(self.session, self.ctx.today(), self.years_box.value())
        except KhdeskError as exc:
            self._retention_says(exc.message, ERROR_STYLE)
            return None
        self.retention_plan = plan
        _fill(
            self.retention_table,
            [(i.file_code, _state_label(i.state), f"{i.closed_on:%d/%m/%Y}") for i in plan.items],
        )
        cutoff = f"{plan.cutoff:%d/%m/%Y}"
        if plan.items:
            self._retention_says(
                f"{len(plan.items)} hồ sơ đóng trước hoặc vào ngày {cutoff} sẽ được chuyển vào "
                "kho lưu trữ. Chưa thay đổi gì.",
                "",
            )
        else:
            self._retention_says(f"Không có hồ sơ nào đóng trước ngày {cutoff}.", "")
        self.archive_button.setEnabled(bool(plan.items) and self.session.may(Action.RETENTION))
        return plan

    def _archive_clicked(self) -> None:
        plan = self.retention_plan
        if plan is None or not plan.items:
            return
        if confirm(
            self,
            "Chuyển vào kho lưu trữ",
            f"Chuyển {len(plan.items)} hồ sơ đã đóng vào kho lưu trữ? Chương trình sao lưu "
            "trước; hồ sơ lưu trữ vẫn đưa về được.",
        ):
            self.archive_due()

    def archive_due(self) -> None:
        """Archive what the preview listed (the years chosen, today's date), in the
        background; "Hủy" is heeded until the backup before it is written."""
        work = partial(
            retention.run_retention, self.session, self.ctx.today(), self.years_box.value()
        )
        Operation(self, work).with_progress("Đang chuyển hồ sơ vào kho lưu trữ…").changes(
            self.ctx.hub, Changes(candidates=True, steps=True)
        ).success(self._archived).failure(
            lambda exc: self._retention_says(error_text(exc), ERROR_STYLE)
        ).run_in_background()

    def _archived(self, plan: retention.RetentionPlan) -> None:
        self.last_retention = plan
        self.retention_plan = None
        self.archive_button.setEnabled(False)
        _fill(self.retention_table, [])
        self._retention_says(
            f"✔ Đã chuyển {len(plan.items)} hồ sơ vào kho lưu trữ (đã sao lưu trước).", _OK_STYLE
        )
        self.load_archived()

    def load_archived(self) -> None:
        self.archived = retention.list_archived(self.session)
        rows = []
        for f in self.archived:
            closed = f"{date.fromisoformat(f['closed_on']):%d/%m/%Y}"
            at = datetime.fromisoformat(f["archived_at"]).astimezone(backup.VIETNAM)
            rows.append((f["file_code"], _state_label(f["state"]), closed, f"{at:%d/%m/%Y}"))
        _fill(self.archived_table, rows)

    def unarchive_selected(self) -> bool:
        rows = self.archived_table.selectionModel().selectedRows()
        if not rows:
            self._retention_says("Hãy chọn một hồ sơ trong kho lưu trữ.", ERROR_STYLE)
            return False
        code = self.archived[rows[0].row()]["file_code"]
        try:
            retention.restore_archived(self.session, code)
        except KhdeskError as exc:
            self._retention_says(exc.message, ERROR_STYLE)
            return False
        self._retention_says(f"✔ Đã đưa hồ sơ {code} về dữ liệu đang dùng.", _OK_STYLE)
        self.load_archived()
        self.ctx.hub.notify(Changes(candidates=True, steps=True))
        return True

    def _retention_says(self, text: str, style: str) -> None:
        self.retention_status.setStyleSheet(style)
        self.retention_status.setText(text)

    def move_dialog(self) -> MoveDialog:
        return MoveDialog(self)

    def handover_dialog(self) -> HandoverDialog:
        return HandoverDialog(self)

    def after_handover(self, done: safety.HandoverResult) -> None:
        self.refresh()
        self.ctx.hub.status.emit(f"Đã bàn giao cho {done.new_user}.")


def _state_label(state: str) -> str:
    return STATE_LABELS.get(State(state), state) if state in State.__members__ else state


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))


def check_text(report: integrity.CheckReport) -> str:
    """The data check's result in plain Vietnamese."""
    if report.ok:
        files = report.checked.get("files", 0)
        entries = report.checked.get("audit_entries", 0)
        return (
            "✔ Dữ liệu nguyên vẹn. Đã kiểm tra: mã hóa và cấu trúc của từng trang dữ liệu, "
            f"nhật ký thao tác ({entries} mục, không mục nào bị sửa, xóa hay chèn), giai "
            f"đoạn của {files} hồ sơ khớp với các bước đã ghi, chỉ mục tìm kiếm đầy đủ."
        )
    lines = "\n".join(f"• {p}" for p in report.problems[:30])
    more = f"\n… và {len(report.problems) - 30} vấn đề khác." if len(report.problems) > 30 else ""
    return (
        f"✖ Phát hiện {len(report.problems)} vấn đề:\n{lines}{more}\n\n"
        "Đừng sửa tệp dữ liệu bằng tay. Hãy khôi phục từ bản sao lưu gần nhất trước thời "
        "điểm có vấn đề (thẻ “Sao lưu”), hoặc báo cán bộ kỹ thuật."
    )
