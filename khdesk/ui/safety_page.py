"""The "Sao lưu & an toàn" page: backups (make one, restore one), the data check, the
audit view, and the guided "move to a new PC" and "hand over" dialogs; plus the dialog the
sign-in screen opens to bring a profile over from an old PC (`open_old_backup`).

Restoring in the app: the restore swaps the database file, so the page first lets go of
the session's database connections (the engine's pool; the session object, its key
and the in-use lock stay), restores on the worker thread, then the session reconnects
by itself to the restored file — same profile, same key — and every page reloads. No new
sign-in is needed. (One edge: a backup older than the signed-in user's account has no
such user; the restore then completes but reports that the user has no access there —
the message says so, and signing in again with a user of that time is the way on.)

Every dialog's work is a method a test calls (`save()`), the buttons only call it; the
page's actions report in a label and the status bar, never in a blocking box.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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
from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.services import backup, integrity, profiles, retention, safety
from khdesk.core.services.rekey import STATION_KEY_NOTE
from khdesk.core.services.roles import KEEPERS, WRITERS
from khdesk.ui.context import AppContext
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import plain_tip
from khdesk.ui.table_model import fit_columns
from khdesk.ui.worker import run_with_progress

_ERROR_STYLE = "color: #b00020;"
_OK_STYLE = "color: #1b5e20;"
_HINT_STYLE = "color: #555;"


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024)} KB"


def _label(text: str = "", style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if style:
        label.setStyleSheet(style)
    return label


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    box = QDialogButtonBox()
    ok = box.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
    ok.setDefault(True)
    dialog.cancel_button = box.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
    box.accepted.connect(dialog.save)
    box.rejected.connect(dialog.reject)
    return box, ok


def _no_progress(fn, *args, **kwargs):
    """Adapt a service without a progress callback to run_with_progress."""

    def run(*a, progress=None, **kw):
        return fn(*a, **kw)

    return run


# -- the audit view: a lazy model, newest first --


class AuditModel(QAbstractTableModel):
    HEADERS = ("Lúc", "Người dùng", "Việc", "Đối tượng", "Chi tiết")
    PAGE = 200

    def __init__(self, session: profiles.Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.file_code: str | None = None
        self.rows: list[safety.AuditRow] = []
        self._more = True

    def reload(self, file_code: str | None = None) -> None:
        self.beginResetModel()
        self.file_code = file_code or None
        self.rows = safety.audit_rows(self.session, self.file_code, None, self.PAGE)
        self._more = len(self.rows) == self.PAGE
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or not self.rows:
            return
        more = safety.audit_rows(self.session, self.file_code, self.rows[-1].id, self.PAGE)
        self._more = len(more) == self.PAGE
        if more:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows += more
            self.endInsertRows()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        values = (row.at, row.user, row.action, row.target, row.detail)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4 and row.detail:
            return plain_tip(row.detail)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None


# -- dialogs --


class RestoreDialog(QDialog):
    """Restore one backup in place of the current data (the password is asked again)."""

    def __init__(self, page: SafetyPage, info: backup.BackupInfo):
        super().__init__(page)
        self.page, self.info = page, info
        self.restored = False
        self.kept = ""
        self.setWindowTitle("Khôi phục từ bản sao lưu")
        self.setMinimumWidth(520)
        when = info.local_time.strftime("%d/%m/%Y %H:%M")
        text = _label(
            f"Dữ liệu hiện tại sẽ được thay bằng bản sao lưu lúc <b>{when}</b> "
            f"({info.kind_label}). Những gì đã nhập sau thời điểm đó sẽ không còn.<br><br>"
            "Trước khi thay, chương trình tự giữ một bản sao lưu của dữ liệu hiện tại, "
            "nên việc khôi phục này có thể hoàn tác. Gói đồng bộ tiếp theo sẽ báo cấp trên "
            "là hồ sơ đã được khôi phục."
        )
        text.setTextFormat(Qt.TextFormat.RichText)
        self.password_edit = _password_edit()
        self.error_label = _label(style=_ERROR_STYLE)
        form = QFormLayout()
        form.addRow("Người dùng:", QLabel(page.session.user))
        form.addRow("Nhập lại mật khẩu:", self.password_edit)
        buttons, _ = _buttons(self, "Khôi phục")
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def save(self) -> bool:
        try:
            self.kept = self.page.restore(self.info, self.password_edit.text())
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        self.restored = True
        self.accept()
        return True


class MoveDialog(QDialog):
    """Guided: write a backup for the new PC to a folder (a USB stick), then say what to
    do on the other PC."""

    def __init__(self, page: SafetyPage):
        super().__init__(page)
        self.page = page
        self.info: backup.BackupInfo | None = None
        self.setWindowTitle("Chuyển hồ sơ sang máy mới")
        self.setMinimumWidth(560)
        intro = _label(
            "Bước 1: cắm thẻ nhớ USB và chọn thư mục trên thẻ. Chương trình ghi vào đó một "
            "bản sao lưu đã mã hóa của toàn bộ hồ sơ (mở được bằng mật khẩu của hồ sơ)."
        )
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Thư mục trên thẻ nhớ USB")
        browse = QPushButton("Chọn thư mục…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.result_label = _label()
        self.error_label = _label(style=_ERROR_STYLE)
        self.buttons, self.ok_button = _buttons(self, "Ghi bản sao lưu")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Chọn thư mục trên thẻ nhớ")
        if folder:
            self.folder_edit.setText(folder)

    def save(self) -> bool:
        if self.info is not None:  # the second press: "Xong"
            self.accept()
            return True
        folder = self.folder_edit.text().strip()
        try:
            if not folder:
                raise InputError("Hãy chọn thư mục trên thẻ nhớ USB.")
            self.info = run_with_progress(
                self,
                "Đang ghi bản sao lưu…",
                _no_progress(safety.move_to_new_pc),
                self.page.session,
                Path(folder),
                cancellable=False,
            )
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        self.error_label.clear()
        name = self.info.path.name
        self.result_label.setText(
            f"✔ Đã ghi và kiểm tra tệp <b>{escape(name)}</b> vào {escape(str(folder))}.<br><br>"
            + escape(safety.MOVE_INSTRUCTIONS.format(name=name)).replace("\n", "<br>")
        )
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.ok_button.setText("Xong")
        self.cancel_button.hide()  # done: nothing left to cancel
        self.page.after_backup()
        return True


class HandoverDialog(QDialog):
    """Guided: the new secretary's user and password, optionally remove the outgoing
    one; then the new recovery key, shown once."""

    def __init__(self, page: SafetyPage):
        super().__init__(page)
        self.page = page
        self.result: safety.HandoverResult | None = None
        self.setWindowTitle("Bàn giao cho bí thư mới")
        self.setMinimumWidth(580)
        intro = _label(
            "Bí thư mới được thêm làm chủ hồ sơ với mật khẩu riêng. Chương trình đổi khóa cơ "
            "sở dữ liệu và tạo khóa khôi phục mới (khóa cũ và bản sao tệp khóa cũ hết mở "
            "được dữ liệu hiện tại), ghi việc bàn giao vào nhật ký và báo cấp trên trong gói "
            "đồng bộ tiếp theo. Các bản sao lưu làm trước đó vẫn mở được bằng mật khẩu lúc "
            "làm chúng: hãy cất giữ hoặc hủy các thẻ nhớ cũ."
        )
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText("chữ không dấu, ví dụ: bithumoi")
        self.password_edit = _password_edit()
        self.again_edit = _password_edit()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("ví dụ: theo Quyết định chuẩn y bí thư chi bộ")
        self.remove_box = QCheckBox(
            f"Gỡ người dùng hiện tại ({page.session.user}) sau khi bàn giao"
        )
        form = QFormLayout()
        form.addRow("Tên đăng nhập của bí thư mới:", self.user_edit)
        form.addRow("Mật khẩu của bí thư mới:", self.password_edit)
        form.addRow("Nhập lại mật khẩu:", self.again_edit)
        form.addRow("Ghi chú:", self.note_edit)
        self.result_label = _label()
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = _label(style=_ERROR_STYLE)
        self.buttons, self.ok_button = _buttons(self, "Bàn giao")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.remove_box)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def save(self) -> bool:
        if self.result is not None:  # the second press: "Xong"
            self.accept()
            return True
        user, password = self.user_edit.text().strip(), self.password_edit.text()
        try:
            if not user:
                raise InputError("Hãy nhập tên đăng nhập của bí thư mới.")
            profiles.check_password_strength(password)
            if password != self.again_edit.text():
                raise InputError("Hai lần nhập mật khẩu không giống nhau.")
            self.result = run_with_progress(
                self,
                "Đang bàn giao…",
                _no_progress(safety.handover),
                self.page.session,
                user,
                password,
                remove_current=self.remove_box.isChecked(),
                note=self.note_edit.text().strip(),
                cancellable=False,
            )
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        self.error_label.clear()
        done = self.result
        gone = (
            f"<br>Người dùng <b>{escape(done.removed)}</b> đã được gỡ: sau khi đóng chương trình, "
            f"chỉ bí thư mới đăng nhập được.<br>{escape(STATION_KEY_NOTE)}"
            if done.removed
            else ""
        )
        lost = "".join(
            f"<br>Người dùng <b>{escape(name)}</b> cần mật khẩu mới: chủ hồ sơ thêm lại cùng tên "
            "trong “Người dùng” với mật khẩu mới."
            for name in done.rekeyed.lost
        )
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setText(
            f"✔ Đã bàn giao cho <b>{escape(done.new_user)}</b>.{gone}{lost}<br><br>"
            "Khóa khôi phục MỚI — chép hoặc in ra, giao cho bí thư mới cất nơi an toàn "
            "(chỉ hiện một lần):<br>"
            f"<span style='font-family: monospace; font-size: 12pt;'><b>{done.recovery_key}"
            "</b></span>"
        )
        self.ok_button.setText("Xong")
        self.cancel_button.hide()  # done: nothing left to cancel
        for w in (self.user_edit, self.password_edit, self.again_edit, self.note_edit):
            w.setEnabled(False)
        self.remove_box.setEnabled(False)
        self.page.after_handover(done)
        return True


class OpenOldBackupDialog(QDialog):
    """On the new PC, from the sign-in screen: open a backup from the old PC as a profile
    here. `session` is the opened profile after save()."""

    def __init__(self, home: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.home = Path(home)
        self.session: profiles.Session | None = None
        self.setWindowTitle("Mở bản sao lưu từ máy cũ")
        self.setMinimumWidth(560)
        intro = _label(
            "Chọn tệp sao lưu (đuôi .khbak) đã ghi từ máy cũ — thường ở trên thẻ nhớ USB — "
            "rồi nhập tên đăng nhập và mật khẩu như trên máy cũ."
        )
        self.file_edit = QLineEdit()
        browse = QPushButton("Chọn tệp…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        self.user_edit = QLineEdit()
        self.password_edit = _password_edit()
        form = QFormLayout()
        form.addRow("Tệp sao lưu:", row)
        form.addRow("Tên đăng nhập:", self.user_edit)
        form.addRow("Mật khẩu:", self.password_edit)
        self.error_label = _label(style=_ERROR_STYLE)
        buttons, _ = _buttons(self, "Mở hồ sơ")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Chọn tệp sao lưu", "", "Bản sao lưu khdesk (*.khbak)"
        )
        if name:
            self.file_edit.setText(name)

    def save(self) -> bool:
        path = self.file_edit.text().strip()
        try:
            if not path:
                raise InputError("Hãy chọn tệp sao lưu (.khbak).")
            self.session = run_with_progress(
                self,
                "Đang mở bản sao lưu…",
                _no_progress(backup.import_backup),
                self.home,
                Path(path),
                self.user_edit.text().strip() or None,
                self.password_edit.text(),
                cancellable=False,
            )
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        self.accept()
        return True


def open_old_backup(parent: QWidget | None, home: Path) -> profiles.Session | None:
    """For the sign-in screen's "Mở bản sao lưu từ máy cũ" button: the opened session,
    or None when the user cancelled."""
    dialog = OpenOldBackupDialog(home, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.session


def _restore_work(
    session: profiles.Session, backup_id: str, password: str, progress=None
) -> tuple[profiles.Session, str]:
    profiles.verify_password(session, password)  # a wrong password: nothing else is done
    # Let go of the database file so it can be swapped (Windows refuses to replace an
    # open file); the engine reconnects by itself afterwards, to the restored file.
    session.store.engine.dispose()
    return backup.restore_backup(
        session.dir.home, session.dir.name, backup_id, session.user, password
    )


def after_sign_in(window: QWidget, session: profiles.Session, *, daily_backup: bool = True):
    """Call once the main window shows: the cheap start-up check (a warning box that does
    not block when it finds something) and, on a thread, the day's automatic backup.
    Returns that thread (tests join it), or None."""
    import logging
    import threading

    from PySide6.QtWidgets import QMessageBox

    log = logging.getLogger(__name__)
    try:
        report = safety.startup_check(session)
    except Exception:  # a check that cannot run is itself a finding, never a crash
        log.exception("start-up check failed")
        report = safety.StartupReport(["Không chạy được kiểm tra nhanh khi mở hồ sơ."])
    if not report.ok:
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Dữ liệu có vấn đề", safety.startup_message(report),
            parent=window,
        )  # fmt: skip
        window.startup_warning = box  # kept alive while shown
        box.open()
    if not daily_backup:
        return None

    def daily() -> None:
        try:
            backup.ensure_daily_backup(session)
        except Exception:  # the day's backup must never stop the work; it is retried
            log.warning("daily backup failed", exc_info=True)

    thread = threading.Thread(target=daily, name="khdesk-daily-backup", daemon=True)
    thread.start()
    return thread


# -- the page --


class SafetyPage(Page):
    key = "safety"
    title = "Sao lưu & an toàn"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.backups: list[backup.BackupInfo] = []
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
        writer = self.session.user_role in WRITERS
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
        role = self.session.user_role
        self.move_button.setEnabled(role in KEEPERS)
        self.handover_button.setEnabled(role == "owner")
        if role != "owner":
            self.move_note.setText(
                "Chỉ chủ hồ sơ bàn giao được"
                + ("; chỉ chủ hồ sơ hoặc bí thư chuyển máy được." if role not in KEEPERS else ".")
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
        keeper = self.session.user_role in KEEPERS
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
        self.restore_button.setEnabled(chosen and self.session.user_role in KEEPERS)

    def selected_backup(self) -> backup.BackupInfo | None:
        rows = self.backup_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.backups):
            return None
        return self.backups[rows[0].row()]

    # actions

    def backup_now(self, also_to: Path | None = None) -> backup.BackupInfo | None:
        try:
            info = run_with_progress(
                self,
                "Đang sao lưu…",
                _no_progress(backup.create_backup),
                self.session,
                "manual",
                also_to=also_to,
                cancellable=False,
            )
        except KhdeskError as exc:
            self.backup_status.setStyleSheet(_ERROR_STYLE)
            self.backup_status.setText(exc.message)
            return None
        where = f" và chép ra {also_to}" if also_to else ""
        self.backup_status.setStyleSheet(_OK_STYLE)
        self.backup_status.setText(
            f"✔ Đã sao lưu lúc {info.local_time:%d/%m/%Y %H:%M}{where} ({_size(info.size)}); "
            "đã đọc lại và kiểm tra."
        )
        self.after_backup()
        return info

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

    def restore(self, info: backup.BackupInfo, password: str) -> str:
        """Put `info` in place of the data (see the module docstring); returns the id of
        the copy kept of what was replaced."""
        session = self.session
        restored, kept = run_with_progress(
            self,
            "Đang khôi phục…",
            _restore_work,
            session,
            info.id,
            password,
            cancellable=False,
        )
        role = restored.user_role
        restored.close()  # its lock count goes back to this session's
        session.store.engine.dispose()  # anything opened meanwhile saw the old file
        if role != session.user_role:
            session.user_role = role
        note = f" Dữ liệu trước đó được giữ trong bản sao lưu {kept}." if kept else ""
        self.backup_status.setStyleSheet(_OK_STYLE)
        self.backup_status.setText(
            f"✔ Đã khôi phục từ bản sao lưu lúc {info.local_time:%d/%m/%Y %H:%M}.{note}"
        )
        self.ctx.hub.data_changed.emit()
        self.ctx.hub.status.emit("Đã khôi phục dữ liệu từ bản sao lưu.")
        self.refresh()
        return kept

    def run_check(self) -> integrity.CheckReport | None:
        try:
            report = run_with_progress(
                self,
                "Đang kiểm tra dữ liệu…",
                _no_progress(integrity.check_database),
                self.session,
                cancellable=False,
            )
        except KhdeskError as exc:
            self.check_result.setStyleSheet(_ERROR_STYLE)
            self.check_result.setText(exc.message)
            return None
        self.check_result.setText(check_text(report))
        self.check_result.setStyleSheet(_OK_STYLE if report.ok else _ERROR_STYLE)
        return report

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
            self._retention_says(exc.message, _ERROR_STYLE)
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
        self.archive_button.setEnabled(
            bool(plan.items) and self.session.user_role in retention.ROLES
        )
        return plan

    def _archive_clicked(self) -> None:
        from khdesk.ui.messages import confirm

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

    def archive_due(self) -> retention.RetentionPlan | None:
        """Archive what the preview listed (the years chosen, today's date)."""
        try:
            plan = run_with_progress(
                self,
                "Đang chuyển hồ sơ vào kho lưu trữ…",
                retention.run_retention,
                self.session,
                self.ctx.today(),
                self.years_box.value(),
                cancellable=False,
            )
        except KhdeskError as exc:
            self._retention_says(exc.message, _ERROR_STYLE)
            return None
        self.retention_plan = None
        self.archive_button.setEnabled(False)
        _fill(self.retention_table, [])
        self._retention_says(
            f"✔ Đã chuyển {len(plan.items)} hồ sơ vào kho lưu trữ (đã sao lưu trước).", _OK_STYLE
        )
        self.load_archived()
        self.ctx.hub.data_changed.emit()
        return plan

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
            self._retention_says("Hãy chọn một hồ sơ trong kho lưu trữ.", _ERROR_STYLE)
            return False
        code = self.archived[rows[0].row()]["file_code"]
        try:
            retention.restore_archived(self.session, code)
        except KhdeskError as exc:
            self._retention_says(exc.message, _ERROR_STYLE)
            return False
        self._retention_says(f"✔ Đã đưa hồ sơ {code} về dữ liệu đang dùng.", _OK_STYLE)
        self.load_archived()
        self.ctx.hub.data_changed.emit()
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
