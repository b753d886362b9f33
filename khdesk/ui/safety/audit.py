"""The audit view's lazy table model, newest entry first."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from khdesk.core.services import safety
from khdesk.core.services.session import Session
from khdesk.ui.plaintext import plain_tip


class AuditModel(QAbstractTableModel):
    HEADERS = ("Lúc", "Người dùng", "Việc", "Đối tượng", "Chi tiết")
    PAGE = 200

    def __init__(self, session: Session, parent=None):
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
