""" "Nhận dữ liệu": choose bundle files, see what each is, import the valid ones."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.roles import Action
from khdesk.core.services import sync
from khdesk.core.sync.inbox import STATUS_LABELS, BundleReport
from khdesk.ui import drives, prefs
from khdesk.ui.context import RECORDS
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import rich
from khdesk.ui.sync.words import COUNT_WORDS, TABLE_WORDS, counts_text
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

SUFFIX = ".khdb"


PREVIEW_COLUMNS = [
    ("file", "Tệp"),
    ("sender", "Đơn vị gửi"),
    ("seq", "Gói số"),
    ("created", "Lập lúc"),
    ("content", "Nội dung"),
    ("status", "Tình trạng"),
]


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
    def __init__(self, page: Page):
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
            self, "Chọn tệp đồng bộ", drives.dialog_start(), f"Tệp đồng bộ (*{SUFFIX});;Mọi tệp (*)"
        )
        if files:
            self.load_paths([Path(f) for f in files])

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Chọn thư mục có tệp đồng bộ", drives.dialog_start()
        )
        if folder:
            self.load_paths([Path(folder)])

    def scan_usb(self) -> None:
        found = [Path(v.path) for v in drives.removable_volumes()]
        preset = prefs.sync_folder(self.page.session)
        found += [Path(preset)] if preset else []
        if not found:
            self._message("Chưa thấy USB nào. Hãy cắm USB vào máy rồi bấm lại.", RED)
            return
        self.load_paths(found)

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
        Operation(self, partial(sync.verify_bundles, self.page.session, paths)).with_progress(
            "Đang kiểm tra các tệp đồng bộ…"
        ).success(partial(self._verified, paths)).failure(self._refused).run_in_background()

    def _refused(self, exc: BaseException) -> None:
        self._message(error_text(exc), RED)

    def _verified(self, paths: list[Path], reports: list[BundleReport]) -> None:
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
        self.import_button.setEnabled(bool(ready) and self.page.ctx.may(Action.SEND_RECEIVE))
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
            self.accept_button.setEnabled(self.page.ctx.may(Action.NEW_EPOCH))
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
        self._import(
            ready, accept_epoch=False, then=partial(self._import, waiting, accept_epoch=True)
        )

    def _import(
        self, paths: list[Path], *, accept_epoch: bool, then: Callable[[], None] | None = None
    ) -> None:
        """Import `paths` in the background (each bundle its own transaction; "Hủy" stops
        between two), then show what happened and go on with `then`."""
        if not paths:
            if then is not None:
                then()
            return
        work = partial(sync.import_bundles, self.page.session, paths, accept_epoch=accept_epoch)
        Operation(self, work).with_progress("Đang nhập các tệp đồng bộ…").changes(
            self.page.ctx.hub, RECORDS
        ).success(partial(self._imported, paths, then)).failure(self._refused).run_in_background()

    def _imported(
        self, paths: list[Path], then: Callable[[], None] | None, reports: list[BundleReport]
    ) -> None:
        for r in reports:
            self.reports[r.path] = r
        self.imported = reports
        done = sum(1 for r in reports if r.status == "imported")
        color = GREEN if done == len(paths) else RED
        text = f"Đã nhập {done}/{len(paths)} tệp. Xem kết quả ở dưới."
        if len(reports) < len(paths):  # stopped by "Hủy" between two bundles
            text += " Đã dừng theo yêu cầu: các tệp còn lại chưa nhập."
        self._message(text, color)
        self.report_view.setHtml(report_html(reports))
        self._show()
        self.page.history.refresh()
        if then is not None and len(reports) == len(paths):
            then()


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
