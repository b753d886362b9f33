"""The "Đồng bộ (USB)" page: its tabs (send, receive, keys, history)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QTabWidget,
    QVBoxLayout,
)

from khdesk.core.services import sync
from khdesk.ui.keys_dialog import KeysPanel
from khdesk.ui.messages import error_text
from khdesk.ui.outside_transfers import OutsidePanel
from khdesk.ui.pages import Page
from khdesk.ui.sync.history import HistoryPanel
from khdesk.ui.sync.receive import ReceivePanel
from khdesk.ui.sync.send import SendPanel


class SyncPage(Page):
    key = "sync"
    title = "Đồng bộ (USB)"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)

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
        self.outside = None
        if ctx.role == "province":  # only the province sends files out of the province
            self.outside = OutsidePanel(self)
            self.tabs.addTab(self.outside, "Chuyển ra ngoài tỉnh")
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
        if self.outside is not None:
            self.outside.refresh()
