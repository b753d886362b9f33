"""The "Đang chuyển" box of the home page and the committee overview: the files sent to
another unit and not yet accepted or returned (RULES.md §2a), hidden when there are none."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from khdesk.core.services import transfer_list
from khdesk.ui.plaintext import rich


class InTransitBox(QGroupBox):
    def __init__(self, session, parent=None):
        super().__init__("Đang chuyển", parent)
        self.session = session
        self.label = rich(QLabel())
        self.label.setWordWrap(True)
        QVBoxLayout(self).addWidget(self.label)
        self.rows: list[transfer_list.Transfer] = []
        self.hide()

    def refresh(self) -> None:
        self.rows = transfer_list.list_transfers(self.session, in_transit_only=True)
        lines = [
            f"<b>{escape(x.file_code)}</b> {escape(x.full_name)}: {escape(x.from_org)} → "
            f"{escape(x.to_org)}, chuyển đi ngày {x.sent_on:%d/%m/%Y}"
            + (" (đã rút lại, chờ đơn vị nhận trả lại)" if x.status == "withdrawing" else "")
            for x in self.rows
        ]
        self.setTitle(f"Đang chuyển ({len(self.rows)}): không ghi bước cho đến khi có trả lời")
        self.label.setText("<br>".join(lines))
        self.setVisible(bool(self.rows))
