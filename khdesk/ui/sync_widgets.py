"""What the sync page and the keys panel share: colours, local times, a table of
prepared rows and the result line (a module of its own: the two pages import it, not
each other)."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTableView, QWidget

from khdesk.ui.plaintext import rich
from khdesk.ui.prefs import relative_font
from khdesk.ui.table_model import TableModel, table_view

_VIETNAM = timedelta(hours=7)  # no daylight saving: a fixed offset is exact
GREEN, RED, ORANGE, GREY = "#1b5e20", "#8a1c1c", "#8a5a00", "#555555"


def local_time(iso_text: str | None) -> str:
    """An ISO UTC stamp as dd/mm/yyyy HH:MM, Vietnam time."""
    if not iso_text:
        return ""
    try:
        moment = datetime.fromisoformat(iso_text)
    except ValueError:
        return iso_text
    if moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta())
    return (moment + _VIETNAM).strftime("%d/%m/%Y %H:%M")


def local_day(iso_text: str | None) -> str:
    return local_time(iso_text)[:10]


# -- a table of prepared rows --


class RowsModel(TableModel):
    """Rows already formatted as text; a row may carry `_color` (text colour) and
    `_tip_<key>` (tooltip of a column, else the cell's text)."""

    def __init__(self, columns: list[tuple[str, str]], parent=None):
        super().__init__(columns, parent)
        self.rows: list[dict] = []

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def text(self, row: int, key: str) -> str:
        value = self.rows[row].get(key)
        return "" if value is None else str(value)

    def tip(self, row: int, key: str) -> str | None:
        return self.rows[row].get(f"_tip_{key}") or self.text(row, key)

    def extra(self, row: int, key: str, role: int):
        color = self.rows[row].get("_color")
        if role == Qt.ItemDataRole.ForegroundRole and color:
            return QBrush(QColor(color))
        return None


def rows_table(model: QAbstractItemModel) -> QTableView:
    view = table_view()
    view.setModel(model)
    return view


def result_label() -> QLabel:
    label = rich(QLabel())  # say's text: our markup, values escaped
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def say(label: QLabel, text: str, color: str, *, big: bool = False) -> None:
    size = "font-size: 12pt;" if big else ""
    label.setStyleSheet(
        f"color: {color}; {size} padding: 8px; border: 1px solid {color}; border-radius: 4px;"
    )
    label.setText(text)
    label.show()


def bold(widget: QWidget, delta: int = 0) -> None:
    relative_font(widget, delta, bold=True)  # grows with the larger-text option
