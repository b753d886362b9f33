"""The one shape of the app's read-only tables: keyed columns, a header with its tooltip,
and every cell's full text in its tooltip (views elide what does not fit, so a long name
or message is never lost); and the lazy variant that holds only the matching ids and
fetches a page of rows when the view first shows them (100,000 files list smoothly).

A table says how many rows it has (`row_count`) and what a cell shows (`text`); a cell
with more to say than its text gives `tip`, and colours, fonts, alignment or a sort key
come from `extra`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView

from khdesk.ui.plaintext import plain_tip

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TIP = Qt.ItemDataRole.ToolTipRole


class TableModel(QAbstractTableModel):
    """Columns are (key, header) or (key, header, header tooltip)."""

    def __init__(self, columns: Sequence[tuple[str, ...]] = (), parent=None):
        super().__init__(parent)
        self.columns: Sequence[tuple[str, ...]] = columns

    # -- what a table says --

    def row_count(self) -> int:
        raise NotImplementedError

    def text(self, row: int, key: str) -> str | None:
        raise NotImplementedError

    def tip(self, row: int, key: str) -> str | None:
        """The cell's tooltip, as plain text: by default its whole text."""
        return self.text(row, key)

    def extra(self, row: int, key: str, role: int) -> Any:
        """Any other role (colour, font, alignment, a sort key); None by default."""
        return None

    def column_keys(self) -> list[str]:
        return [column[0] for column in self.columns]

    # -- Qt's questions --

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == _DISPLAY:
            return column[1]
        if role == _TIP:
            # the header's own tip, else its words on one line (a header may elide too)
            return column[2] if len(column) > 2 and column[2] else column[1].replace("\n", " ")
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY):
        if not index.isValid() or not 0 <= index.row() < self.row_count():
            return None
        key = self.columns[index.column()][0]
        if role == _DISPLAY:
            return self.text(index.row(), key)
        if role == _TIP:  # stored text, shown as written (never read as HTML)
            return plain_tip(self.tip(index.row(), key))
        return self.extra(index.row(), key, role)


class LazyTableModel(TableModel):
    """Holds the ids of the matching rows; `fetch` reads a page of rows (id -> dict) the
    first time the view asks for one of them."""

    page_size = 200

    def __init__(self, columns: Sequence[tuple[str, ...]] = (), parent=None):
        super().__init__(columns, parent)
        self.ids: list[int] = []
        self.cache: dict[int, dict] = {}

    def fetch(self, ids: list[int]) -> dict[int, dict]:
        raise NotImplementedError

    def set_ids(self, ids: list[int]) -> None:
        self.beginResetModel()
        self.ids = ids
        self.cache = {}
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.ids)

    def row_data(self, row: int) -> dict:
        row_id = self.ids[row]
        if row_id not in self.cache:
            start = (row // self.page_size) * self.page_size
            self.cache.update(self.fetch(self.ids[start : start + self.page_size]))
        return self.cache[row_id]


def table_view(view: QTableView | None = None) -> QTableView:
    """A read-only view of whole rows, one selected at a time, long text elided (its
    tooltip has it whole)."""
    view = view if view is not None else QTableView()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setHighlightSections(False)  # whole rows: no bold headers
    return view


def header_width(view: QTableView, column: int) -> int:
    """The width column `column`'s header needs to show its text unclipped."""
    header = view.horizontalHeader()
    text = view.model().headerData(column, Qt.Orientation.Horizontal) or ""
    font = QFont(header.font())
    font.setBold(header.highlightSections())  # a selected row's headers show in bold
    metrics = QFontMetrics(font)
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    width = max((metrics.horizontalAdvance(line) for line in str(text).split("\n")), default=0)
    if view.isSortingEnabled():  # room for the sort arrow
        width += header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
    return width + 3 * margin  # Qt draws it with 2: one more for air


class _ColumnFitter(QObject):
    """Sizes a view's columns to their header and a sample text, again whenever the
    view's font changes (the larger-text option)."""

    def __init__(self, view: QTableView, samples: Mapping[int, str], whole: bool):
        super().__init__(view)
        self.view, self.samples, self.whole = view, dict(samples), whole
        view.installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        view = self.view
        metrics = view.fontMetrics()
        header = view.horizontalHeader()
        for column, sample in self.samples.items():
            if header.sectionResizeMode(column) == QHeaderView.ResizeMode.Stretch:
                continue  # its sample is the least it takes (whole)
            width = metrics.horizontalAdvance(sample) + 2 * metrics.averageCharWidth()
            view.setColumnWidth(column, max(width, header_width(view, column)))
        if self.whole:  # never so narrow that a stretched column clips its header
            total = 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()
            for column in range(header.count()):
                if header.isSectionHidden(column):
                    continue
                if header.sectionResizeMode(column) != QHeaderView.ResizeMode.Stretch:
                    total += header.sectionSize(column)
                    continue
                sample = metrics.horizontalAdvance(self.samples.get(column, ""))
                total += max(sample, header_width(view, column))
            view.setMinimumWidth(total)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.FontChange:
            self.apply()
        return False


def fit_columns(view: QTableView, samples: Mapping[int, str], *, whole: bool = False) -> None:
    """Make each column in `samples` as wide as its sample text (the longest value it
    usually holds) or its header, whichever is wider, at the current text size; `whole`:
    the view is never narrower than all its columns with their headers. Set the view's
    model and its stretched columns first."""
    fitter = view.findChild(_ColumnFitter)
    if fitter is None:
        _ColumnFitter(view, samples, whole)
    else:
        fitter.samples, fitter.whole = dict(samples), whole
        fitter.apply()
