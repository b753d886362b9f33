"""Every text a person may read in a live window: titles, labels, buttons, tooltips,
placeholders, list and table contents with their headers, tab names, menus and their
actions, a wizard's pages and buttons, message boxes, Qt's own right-click menu."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTabBar,
    QTextEdit,
    QWidget,
    QWizard,
)

from tests.english import english_words

MAX_ROWS = 200  # a table's first rows say what all its rows say
ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


def _model_texts(view: QAbstractItemView) -> Iterator[str]:
    # PySide6 (6.x, Python 3.11) loses a reference to None each time a C++ model's data()
    # or headerData() answers "nothing" to Python; thousands of such calls crash the
    # interpreter at exit. itemData() hands over only the roles that hold a value.
    model = view.model()
    if model is None:
        return
    top = QModelIndex()
    # A list model keeps columnCount private: one column.
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(top)
    for section in range(columns):
        yield model.headerData(section, Qt.Orientation.Horizontal)  # a header has a title
    for row in range(min(model.rowCount(top), MAX_ROWS)):
        for column in range(columns):
            held = model.itemData(model.index(row, column))
            yield from (held.get(role) for role in ROLES)


def _own_texts(w: QWidget) -> Iterator[str]:
    if w.isWindow():
        yield w.windowTitle()
    yield w.toolTip()
    yield w.statusTip()
    yield w.whatsThis()
    if isinstance(w, QLabel | QAbstractButton):
        yield w.text()
    if isinstance(w, QGroupBox):
        yield w.title()
    if isinstance(w, QLineEdit):
        yield w.placeholderText()  # its text is what the person typed
        menu = w.createStandardContextMenu()  # Qt's own: Undo, Copy, Paste…
        yield from (a.text() for a in menu.actions())
        menu.deleteLater()
    if isinstance(w, QTextEdit | QPlainTextEdit):
        yield w.placeholderText()
        yield w.toPlainText()
    if isinstance(w, QComboBox):
        yield from (w.itemText(i) for i in range(w.count()))
    if isinstance(w, QAbstractSpinBox):
        yield w.specialValueText()
    if isinstance(w, QSpinBox):
        yield w.prefix()
        yield w.suffix()
    if isinstance(w, QTabBar):
        for i in range(w.count()):
            yield w.tabText(i)
            yield w.tabToolTip(i)
    if isinstance(w, QAbstractItemView):
        yield from _model_texts(w)
    if isinstance(w, QMenu):
        yield w.title()
    for action in w.actions():
        yield action.text()
        yield action.toolTip()
        yield action.statusTip()
    if isinstance(w, QWizard):
        for button in QWizard.WizardButton:
            if button.value <= QWizard.WizardButton.CustomButton3.value:
                yield w.buttonText(button)
        for page_id in w.pageIds():
            yield w.page(page_id).title()
            yield w.page(page_id).subTitle()
    if isinstance(w, QMessageBox):
        yield w.text()
        yield w.informativeText()
        yield w.detailedText()


def shown_texts(root: QWidget) -> list[str]:
    """The texts of `root` and every widget inside it (hidden ones too: an error label
    shows when needed), each once."""
    seen: dict[str, None] = {}
    for w in [root, *root.findChildren(QWidget)]:
        for text in _own_texts(w):
            if isinstance(text, str) and text.strip():
                seen.setdefault(text, None)
    return list(seen)


class Reader:
    """Collects what the windows show along a flow; `english` lists what reads English."""

    def __init__(self) -> None:
        self.english: dict[str, list[str]] = {}  # the text -> its English words
        self.where: dict[str, str] = {}

    def read(self, what: QWidget | str, where: str = "") -> None:
        texts = [what] if isinstance(what, str) else shown_texts(what)
        label = where or (what if isinstance(what, str) else type(what).__name__)[:60]
        for text in texts:
            words = english_words(text)
            if words and text not in self.english:
                self.english[text] = words
                self.where[text] = label

    def report(self) -> str:
        return "\n".join(
            f"[{self.where[t]}] {words}: {t[:160]!r}" for t, words in self.english.items()
        )
