"""Đồng bộ (USB): send a bundle up (or a return bundle down to a cell), receive bundles,
the station's keys, and what was sent and received.

All the work is the sync service's (khdesk.core.services.sync, the same calls as
`khdesk bundle …` and `khdesk keys …`); this page chooses the files, shows what a bundle
is before anything is imported, and says plainly what happened. Errors are shown in the
page (not in message boxes), in the service's own Vietnamese words.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.services import sync
from khdesk.core.sync import history
from khdesk.core.sync.inbox import STATUS_LABELS, BundleReport
from khdesk.ui.drives import (  # noqa: F401 - Volume re-exported (tests)
    Volume,
    dialog_start,
    removable_volumes,
)
from khdesk.ui.messages import error_text
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import rich
from khdesk.ui.sync_widgets import (
    GREEN,
    GREY,
    ORANGE,
    RED,
    RowsModel,
    bold,
    local_day,
    local_time,
    result_label,
    rows_table,
    say,
)
from khdesk.ui.worker import run_with_progress

SUFFIX = ".khdb"
TABLE_WORDS = {
    "orgs": "đơn vị",
    "plans": "kế hoạch",
    "members": "đảng viên",
    "member_records": "theo dõi đảng viên",
    "ratings": "xếp loại",
    "private_units": "đơn vị tư nhân",
    "candidates": "hồ sơ",
    "steps": "bước",
    "attachments": "tệp đính kèm",
}
COUNT_WORDS = {
    "added": "thêm",
    "updated": "sửa",
    "unchanged": "không đổi",
    "older": "cũ hơn, bỏ qua",
    "conflicts": "xung đột",
}
_ROLE_RANK = {"cell": 0, "committee": 1, "province": 2}


def counts_text(counts: dict[str, int]) -> str:
    order = list(TABLE_WORDS)
    parts = [
        f"{n} {TABLE_WORDS.get(k, k)}"
        for k, n in sorted(counts.items(), key=lambda x: order.index(x[0]) if x[0] in order else 99)
        if n
    ]
    return ", ".join(parts) or "không có thay đổi"


def size_text(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB".replace(".", ",")
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MB".replace(".", ",")
    return f"{max(n // 1024, 1)} KB"


# -- "Gửi lên cấp trên" --


NO_DESTINATION = "Hãy chọn USB (hoặc một thư mục) để lưu tệp đồng bộ."


class SendPanel(QWidget):
    def __init__(self, page: SyncPage):
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
        self.export_button.setEnabled(page.ctx.can_write)
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
        for v in removable_volumes():
            item = QListWidgetItem(f"USB {v.label} — còn trống {size_text(v.free)}")
            item.setData(Qt.ItemDataRole.UserRole, v.path)
            self.volume_list.addItem(item)
        for text, path in kept:
            self._add_item(text, path, folder=True)
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
            self, "Chọn thư mục lưu tệp đồng bộ", dialog_start(self.destination())
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
        try:
            result = run_with_progress(
                self,
                "Đang ghi tệp đồng bộ và đọc lại để kiểm tra…",
                _export,
                self.page.session,
                Path(out),
                full=self.full_box.isChecked(),
                to=to,
                cancellable=False,
            )
        except Exception as exc:  # shown in the page, in the service's words
            self._fail(error_text(exc))
            self.page.history.refresh()  # a failed write burns its number: the ledger says so
            return
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


def _export(session, out: Path, *, full: bool, to: str | None, progress):
    progress(0, 0, "Ghi, rồi đọc lại để chắc tệp đúng…")
    return sync.export_bundle(session, out, full=full, to=to)


# -- "Nhận dữ liệu" --

PREVIEW_COLUMNS = [
    ("file", "Tệp"),
    ("sender", "Đơn vị gửi"),
    ("seq", "Gói số"),
    ("created", "Lập lúc"),
    ("content", "Nội dung"),
    ("status", "Tình trạng"),
]


def _verify_all(session, paths: list[Path], progress) -> list[BundleReport]:
    out = []
    for i, path in enumerate(paths):
        progress(i, len(paths), path.name)
        out.append(sync.verify_bundle(session, path))
    progress(len(paths), len(paths), "")
    return out


def _import_all(session, paths: list[Path], accept_epoch: bool, progress) -> list[BundleReport]:
    out = []
    for i, path in enumerate(paths):
        progress(i, len(paths), path.name)  # between bundles: each is its own transaction
        out.extend(sync.import_bundles(session, [path], accept_epoch=accept_epoch))
    progress(len(paths), len(paths), "")
    return out


def _sender_text(r: BundleReport) -> str:
    s = r.sender or {}
    if not s:
        if r.status == "sent" and r.recipient:
            return f"Hồ sơ này (gửi {r.recipient.get('org_code')})"
        return "không đọc được"
    text = f"{s.get('org_code', '?')} — {s.get('org_name', '')}".rstrip(" —")
    if not s.get("verified"):
        text += " (tự xưng, chưa xác thực)"
    return text


class ReceivePanel(QWidget):
    def __init__(self, page: SyncPage):
        super().__init__(page)
        self.page = page
        self.paths: list[Path] = []
        self.reports: dict[str, BundleReport] = {}
        self.imported: list[BundleReport] = []
        self.last_error: str | None = None

        intro = QLabel(
            "Chọn các tệp đồng bộ (.khdb) nhận được, hoặc cả thư mục trên USB. Mỗi tệp được "
            "kiểm tra trước: ai gửi, gói số mấy, có những gì — chưa có gì thay đổi cho đến "
            "khi bấm “Nhập các tệp hợp lệ”."
        )
        intro.setWordWrap(True)
        files_button = QPushButton("Chọn tệp…")
        files_button.clicked.connect(self._choose_files)
        folder_button = QPushButton("Chọn thư mục…")
        folder_button.clicked.connect(self._choose_folder)
        usb_button = QPushButton("Tìm trên USB")
        usb_button.clicked.connect(self.scan_usb)

        self.model = RowsModel(PREVIEW_COLUMNS, self)
        self.table = rows_table(self.model)
        self.table.setMinimumHeight(110)
        header = self.table.horizontalHeader()
        # "Nội dung" (what the bundle holds) is the longest text: it takes the spare width,
        # and its tooltip holds the whole of it.
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 180), (1, 200), (2, 55), (3, 120), (5, 160)):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail_label = rich(QLabel())
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.epoch_frame = QFrame()
        self.epoch_frame.setStyleSheet(
            "QFrame#epoch { background: #fff4e0; border: 1px solid #c98a00; border-radius: 4px; }"
        )
        self.epoch_frame.setObjectName("epoch")
        self.epoch_label = QLabel()
        self.epoch_label.setWordWrap(True)
        self.accept_button = QPushButton("Chấp nhận giai đoạn gửi mới và nhập")
        bold(self.accept_button)
        self.accept_button.clicked.connect(self.accept_epoch)
        epoch_layout = QVBoxLayout(self.epoch_frame)
        epoch_layout.addWidget(self.epoch_label)
        row = QHBoxLayout()
        row.addWidget(self.accept_button)
        row.addStretch(1)
        epoch_layout.addLayout(row)
        self.epoch_frame.hide()

        self.import_button = QPushButton("Nhập các tệp hợp lệ")
        bold(self.import_button, 1)
        self.import_button.setMinimumHeight(36)
        self.import_button.setMinimumWidth(240)  # the count in its text changes
        self.import_button.clicked.connect(self.import_valid)
        self.import_button.setEnabled(False)
        self.message_label = result_label()
        self.report_view = QTextBrowser()
        self.report_view.setPlaceholderText("Kết quả nhập sẽ hiện ở đây.")

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(intro)
        row = QHBoxLayout()
        for b in (files_button, folder_button, usb_button):
            row.addWidget(b)
        row.addStretch(1)
        top_layout.addLayout(row)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.detail_label)
        top_layout.addWidget(self.epoch_frame)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addStretch(1)
        top_layout.addLayout(row)
        top_layout.addWidget(self.message_label)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.report_view)
        split.setSizes([420, 180])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    # choosing

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Chọn tệp đồng bộ", dialog_start(), f"Tệp đồng bộ (*{SUFFIX});;Mọi tệp (*)"
        )
        if files:
            self.load_paths([Path(f) for f in files])

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Chọn thư mục có tệp đồng bộ", dialog_start()
        )
        if folder:
            self.load_paths([Path(folder)])

    def scan_usb(self) -> None:
        volumes = removable_volumes()
        if not volumes:
            self._message("Chưa thấy USB nào. Hãy cắm USB vào máy rồi bấm lại.", RED)
            return
        self.load_paths([Path(v.path) for v in volumes])

    def load_paths(self, chosen: list[Path]) -> None:
        """Files as they are, folders for the bundles they hold; each one verified."""
        paths: list[Path] = []
        for p in chosen:
            p = Path(p)
            if p.is_dir():
                paths += sorted(
                    f for f in p.iterdir() if f.suffix.lower() == SUFFIX and f.is_file()
                )
            else:
                paths.append(p)
        self.message_label.hide()
        self.report_view.clear()
        if not paths:
            where = ", ".join(str(p) for p in chosen)
            self._message(f"Không thấy tệp đồng bộ (.khdb) nào trong {where}.", RED)
            self.paths, self.reports = [], {}
            self._show()
            return
        try:
            reports = run_with_progress(
                self, "Đang kiểm tra các tệp đồng bộ…", _verify_all, self.page.session, paths
            )
        except Exception as exc:
            self._message(error_text(exc), RED)
            return
        self.paths = paths
        self.reports = {r.path: r for r in reports}
        self._show()

    # showing

    def _show(self) -> None:
        rows = []
        for path in self.paths:
            r = self.reports[str(path)]
            color = GREEN if r.status in ("new", "imported") else GREY
            if r.status in ("refused", "quarantine", "quarantined"):
                color = RED
            elif r.status == "new_epoch":
                color = ORANGE
            label = STATUS_LABELS.get(r.status, r.status)
            status = label[:1].upper() + label[1:]
            if r.status in ("refused", "quarantine", "quarantined") and r.reason:
                status += f": {r.reason}"
            rows.append(
                {
                    "file": path.name,
                    "sender": _sender_text(r),
                    "seq": r.seq if r.seq is not None else "",
                    "created": local_time(r.created_at),
                    "content": counts_text(r.counts) if r.counts else "",
                    "_tip_content": counts_text(r.counts) if r.counts else "",
                    "status": status,
                    "_tip_status": r.reason or "",
                    "_tip_file": str(path),
                    "_color": color,
                }
            )
        self.model.set_rows(rows)
        ready = self._paths_with("new")
        waiting = self._paths_with("new_epoch")
        self.import_button.setText(
            f"Nhập {len(ready)} tệp hợp lệ" if ready else "Nhập các tệp hợp lệ"
        )
        self.import_button.setEnabled(bool(ready) and self.page.ctx.can_write)
        if waiting:
            texts = []
            for p in waiting:
                r = self.reports[str(p)]
                text = (r.epoch or {}).get("text") or r.reason or ""
                if text not in texts:
                    texts.append(text)
            self.epoch_label.setText(
                "<b>Cần xác nhận: đơn vị gửi bắt đầu một giai đoạn gửi mới.</b><br>"
                + "<br>".join(escape(t) for t in texts)
                + "<br>Hãy gọi điện hỏi lại đơn vị gửi. Nếu đúng như vậy, bấm nút dưới đây để "
                "chấp nhận và nhập."
            )
            self.accept_button.setEnabled(self.page.ctx.can_write)
        self.epoch_frame.setVisible(bool(waiting))
        if rows:
            self.table.selectRow(0)
        else:
            self.detail_label.clear()

    def _show_detail(self, current: QModelIndex, _previous=None) -> None:
        if not current.isValid() or current.row() >= len(self.paths):
            self.detail_label.clear()
            return
        r = self.reports[str(self.paths[current.row()])]
        lines = [f"<b>{escape(Path(r.path).name)}</b>: {escape(_sender_text(r))}"]
        if r.sender and r.sender.get("fingerprint"):
            lines.append(f"Mã xác nhận của đơn vị gửi: {escape(r.sender['fingerprint'])}")
        if r.counts:  # the whole of what the table's "Nội dung" column may cut short
            lines.append(f"Nội dung: {escape(counts_text(r.counts))}")
        if r.epoch:
            new = " — giai đoạn mới, chưa xác nhận" if r.epoch.get("new") else ""
            lines.append(f"Giai đoạn gửi bắt đầu ngày {local_day(r.epoch.get('started_at'))}{new}")
        if r.status == "new_epoch":
            # The service's reason names the CLI switch; here the button below confirms.
            lines.append(f"Cần xác nhận: {escape((r.epoch or {}).get('text') or '')}")
        elif r.reason:
            word = "Lý do" if r.refused else "Ghi chú"
            lines.append(f"{word}: {escape(r.reason)}")
        lines += [escape(n) for n in r.notes]
        self.detail_label.setText("<br>".join(lines))

    def _paths_with(self, status: str) -> list[Path]:
        return [p for p in self.paths if self.reports[str(p)].status == status]

    def _message(self, text: str, color: str) -> None:
        self.last_error = text if color == RED else None
        say(self.message_label, escape(text), color)

    # importing

    def _ordered(self, paths: list[Path]) -> list[Path]:
        """Each sender's bundles in their order: earlier ones carry the files later ones
        add steps to."""

        def key(p: Path):
            r = self.reports[str(p)]
            return ((r.sender or {}).get("org_code") or "", r.created_at or "", r.seq or 0)

        return sorted(paths, key=key)

    def import_valid(self) -> None:
        self._import(self._ordered(self._paths_with("new")), accept_epoch=False)

    def accept_epoch(self) -> None:
        """The user confirmed the new epoch (after calling the sender): the bundles that
        were waiting for it go in, after any valid ones of the old epoch."""
        ready = self._ordered(self._paths_with("new"))
        waiting = self._ordered(self._paths_with("new_epoch"))
        if ready:
            self._import(ready, accept_epoch=False)
        self._import(waiting, accept_epoch=True)

    def _import(self, paths: list[Path], *, accept_epoch: bool) -> None:
        if not paths:
            return
        try:
            reports = run_with_progress(
                self,
                "Đang nhập các tệp đồng bộ…",
                _import_all,
                self.page.session,
                paths,
                accept_epoch,
            )
        except Exception as exc:
            self._message(error_text(exc), RED)
            return
        for r in reports:
            self.reports[r.path] = r
        self.imported = reports
        done = sum(1 for r in reports if r.status == "imported")
        color = GREEN if done == len(reports) else RED
        self._message(f"Đã nhập {done}/{len(reports)} tệp. Xem kết quả ở dưới.", color)
        self.report_view.setHtml(report_html(reports))
        self._show()
        self.page.ctx.hub.data_changed.emit()
        self.page.history.refresh()


def report_html(reports: list[BundleReport]) -> str:
    """What each import did, grouped by the sending cell."""
    by_sender: dict[str, list[BundleReport]] = {}
    for r in reports:
        by_sender.setdefault(_sender_text(r), []).append(r)
    parts = []
    for sender, group in by_sender.items():
        parts.append(f"<h3>{escape(sender)}</h3>")
        for r in group:
            label = STATUS_LABELS.get(r.status, r.status)
            color = GREEN if r.status == "imported" else (GREY if r.status == "duplicate" else RED)
            seq = f" — gói số {r.seq}" if r.seq is not None else ""
            parts.append(
                f"<p><b>{escape(Path(r.path).name)}</b>{seq}: "
                f"<span style='color:{color}'><b>{escape(label)}</b></span></p>"
            )
            items = []
            if r.reason and r.status != "imported":
                items.append(escape(r.reason))
            for table, c in r.applied.items():
                done = ", ".join(f"{COUNT_WORDS[k]} {v}" for k, v in vars(c).items() if v)
                word = TABLE_WORDS.get(table, table)
                items.append(
                    f"{escape(word[:1].upper() + word[1:])}: {escape(done or 'không có gì')}"
                )
            if r.files_changed:
                shown = ", ".join(r.files_changed[:30])
                more = (
                    f" … và {len(r.files_changed) - 30} hồ sơ khác"
                    if len(r.files_changed) > 30
                    else ""
                )
                items.append(f"Hồ sơ thay đổi ({len(r.files_changed)}): {escape(shown)}{more}")
            if r.conflicts:
                conflicts = "".join(
                    f"<li>{escape(TABLE_WORDS.get(c['table'], c['table']))} "
                    f"{escape(str(c.get('key') or c.get('uuid')))}: {escape(c['reason'])}</li>"
                    for c in r.conflicts[:50]
                )
                more = (
                    f"<li>… và {len(r.conflicts) - 50} xung đột khác</li>"
                    if len(r.conflicts) > 50
                    else ""
                )
                items.append(
                    f"<span style='color:{RED}'>Xung đột giữ lại, chưa ghi ({len(r.conflicts)}):"
                    f"</span><ul>{conflicts}{more}</ul>"
                )
            items += [escape(n) for n in r.notes]
            if items:
                parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
    return "".join(parts)


# -- what was sent and received --

SENT_COLUMNS = [
    ("to", "Gửi cho"),
    ("seq", "Gói số"),
    ("when", "Lúc ghi"),
    ("by", "Người ghi"),
    ("state", "Tình trạng"),
]
RECEIVED_COLUMNS = [
    ("sender", "Nhận từ"),
    ("seq", "Gói số"),
    ("when", "Lúc nhập"),
    ("by", "Người nhập"),
    ("content", "Kết quả"),
]


def _applied_text(summary: dict) -> str:
    parts = []
    for table, c in summary.items():
        done = ", ".join(f"{COUNT_WORDS.get(k, k)} {v}" for k, v in c.items() if v)
        if done:
            parts.append(f"{TABLE_WORDS.get(table, table)}: {done}")
    return "; ".join(parts) or "không có thay đổi"


class HistoryPanel(QWidget):
    def __init__(self, page: SyncPage):
        super().__init__(page)
        self.page = page
        self.sent_model = RowsModel(SENT_COLUMNS, self)
        self.received_model = RowsModel(RECEIVED_COLUMNS, self)
        self.sent_table = rows_table(self.sent_model)
        self.received_table = rows_table(self.received_model)
        for view, widths in (
            (self.sent_table, (280, 60, 130, 100)),
            (self.received_table, (280, 60, 130, 100)),
        ):
            for col, width in enumerate(widths):
                view.setColumnWidth(col, width)
            view.horizontalHeader().setStretchLastSection(True)
        note = QLabel(
            "“Đã được xác nhận”: bên nhận đã nhập tệp và báo lại trong tệp họ gửi về. Tệp chưa "
            "được xác nhận có thể còn đang trên đường; lần gửi sau sẽ mang lại các thay đổi đó."
        )
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {GREY};")
        sent_title = QLabel("Các tệp đã gửi")
        bold(sent_title)
        received_title = QLabel("Các tệp đã nhận")
        bold(received_title)
        layout = QVBoxLayout(self)
        layout.addWidget(sent_title)
        layout.addWidget(self.sent_table, 1)
        layout.addWidget(note)
        layout.addWidget(received_title)
        layout.addWidget(self.received_table, 1)

    def refresh(self) -> None:
        ledger = sync.bundle_ledger(self.page.session)
        sent = []
        for s in ledger["sent"]:
            if s["status"] == "failed":
                state, color = "Ghi hỏng (số này bỏ qua)", GREY
            elif s["status"] == "pending":
                state, color = "Đang ghi dở", GREY
            elif s["acknowledged_at"]:
                state, color = f"Đã được xác nhận ({local_day(s['acknowledged_at'])})", GREEN
            else:
                state, color = "Đã gửi, chờ xác nhận", ORANGE
            sent.append(
                {
                    "to": f"{s['recipient_org']} — {s['recipient_name']}".rstrip(" —"),
                    "seq": s["seq"],
                    "when": local_time(s["created_at"]),
                    "by": s["created_by"],
                    "state": state,
                    "_color": color,
                }
            )
        received = [
            {
                "sender": f"{r['sender_org']} — {r['sender_name']}".rstrip(" —"),
                "seq": r["seq"],
                "when": local_time(r["imported_at"]),
                "by": r["imported_by"],
                "content": "Đã nhập: " + _applied_text(r["summary"]),
                "_tip_content": _applied_text(r["summary"]),
            }
            for r in ledger["received"]
        ]
        received += [
            {
                "sender": f"{q['sender_org']} — {q['sender_name']}".rstrip(" —"),
                "seq": q["seq"],
                "when": local_time(q["found_at"]),
                "by": "",
                "content": f"Đã cách ly: {q['reason']}",
                "_tip_content": q["reason"],
                "_color": RED,
            }
            for q in ledger["quarantined"]
        ]
        # Reported history rewound by a confirmed restore: imported, shown.
        received += [
            {
                "sender": a["sender_org"],
                "seq": a["seq"],
                "when": local_time(a["found_at"]),
                "by": "",
                "content": f"Nhật ký báo cáo: {a['reason']}",
                "_tip_content": a["reason"],
                "_color": ORANGE,
            }
            for a in ledger["history_alerts"]
            if a["kind"] in history.NOTED
        ]
        self.sent_model.set_rows(sent)
        self.received_model.set_rows(received)


# -- the page --


class SyncPage(Page):
    key = "sync"
    title = "Đồng bộ (USB)"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        from khdesk.ui.keys_dialog import KeysPanel

        self.tabs = QTabWidget()
        self.send = SendPanel(self)
        self.receive = ReceivePanel(self)
        self.keys = KeysPanel(self)
        self.history = HistoryPanel(self)
        up = "Gửi đi" if ctx.role != "cell" else "Gửi lên cấp trên"
        self.tabs.addTab(self.send, up)
        self.tabs.addTab(self.receive, "Nhận dữ liệu")
        self.tabs.addTab(self.keys, "Mã xác nhận và khóa")
        self.tabs.addTab(self.history, "Tệp đã gửi, đã nhận")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.refresh()  # a page is built with its data (the window refreshes it when shown again)

    def refresh(self) -> None:
        try:
            status = sync.key_status(self.session)
        except Exception as exc:  # a viewer cannot write the first keys: say so, keep going
            self.ctx.hub.status.emit(error_text(exc))
            return
        self.send.refresh(status)
        self.keys.refresh(status)
        self.history.refresh()
