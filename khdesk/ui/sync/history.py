""" "Tệp đã gửi, đã nhận": the bundles this station wrote, imported and set aside."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QLabel,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.services import sync
from khdesk.core.sync import history
from khdesk.ui.pages import Page
from khdesk.ui.sync.words import COUNT_WORDS, TABLE_WORDS
from khdesk.ui.sync_widgets import (
    GREEN,
    GREY,
    ORANGE,
    RED,
    RowsModel,
    bold,
    local_day,
    local_time,
    rows_table,
)

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
    def __init__(self, page: Page):
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
                    "to": _party(s["recipient_org"], s["recipient_name"]),
                    "seq": s["seq"],
                    "when": local_time(s["created_at"]),
                    "by": s["created_by"],
                    "state": state,
                    "_color": color,
                }
            )
        received = [
            {
                "sender": _party(r["sender_org"], r["sender_name"]),
                "seq": r["seq"],
                "when": local_time(r["imported_at"]),
                "by": r["imported_by"],
                "content": "Đã nhập: " + _applied_text(r["summary"]),
                "_tip_content": _applied_text(r["summary"]),
            }
            for r in ledger["received"]
        ]
        received += [
            _found(_party(q["sender_org"], q["sender_name"]), q, "Đã cách ly", RED)
            for q in ledger["quarantined"]
        ]
        # Reported history rewound by a confirmed restore: imported, shown.
        received += [
            _found(a["sender_org"], a, "Nhật ký báo cáo", ORANGE)
            for a in ledger["history_alerts"]
            if a["kind"] in history.NOTED
        ]
        self.sent_model.set_rows(sent)
        self.received_model.set_rows(received)


def _party(org_code: str, name: str | None) -> str:
    return f"{org_code} — {name}".rstrip(" —")


def _found(sender: str, item: dict, what: str, color: str) -> dict:
    """A received-list row for something found on import (quarantine, history alert)."""
    return {
        "sender": sender,
        "seq": item["seq"],
        "when": local_time(item["found_at"]),
        "by": "",
        "content": f"{what}: {item['reason']}",
        "_tip_content": item["reason"],
        "_color": color,
    }
