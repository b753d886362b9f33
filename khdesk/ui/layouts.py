"""Layouts that fit a small screen: a side panel beside the main one when there is room,
below it when not (a 1366×768 laptop with larger text, a 1920×1080 one at 150 %).

Qt's box layout asks for the sum of its panels' minimum widths, so one wide panel pushes
the window past the screen; this widget asks only for the wider panel's width and puts
the side panel below when the two do not fit side by side.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QBoxLayout, QWidget

_MAX = 16777215  # QWIDGETSIZE_MAX


def _min_size(widget: QWidget) -> QSize:
    """The size a layout will not go below: an explicit minimum, else the hint."""
    return widget.minimumSize().expandedTo(widget.minimumSizeHint())


class SideBySide(QWidget):
    """`main` (it takes the spare width) and `side` (`side_chars` characters wide when
    beside it: it grows with the text size)."""

    def __init__(
        self, main: QWidget, side: QWidget, side_chars: int, *, spacing: int = 6, parent=None
    ):
        super().__init__(parent)
        self.main, self.side, self.side_chars = main, side, side_chars
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(spacing)
        self.box.addWidget(main, 1)
        self.box.addWidget(side)
        self._arrange(beside=True)

    def stacked(self) -> bool:
        return self.box.direction() == QBoxLayout.Direction.TopToBottom

    @property
    def side_width(self) -> int:
        return self.side_chars * self.fontMetrics().averageCharWidth()

    def _needed_beside(self) -> int:
        return _min_size(self.main).width() + self.side_width + self.box.spacing()

    def _arrange(self, beside: bool) -> None:
        if beside:
            self.side.setFixedWidth(self.side_width)
            self.box.setDirection(QBoxLayout.Direction.LeftToRight)
        else:
            self.side.setMinimumWidth(0)
            self.side.setMaximumWidth(_MAX)
            self.box.setDirection(QBoxLayout.Direction.TopToBottom)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        main = _min_size(self.main)
        side = self.side.minimumSizeHint()
        width = max(main.width(), side.width(), 1)
        if self.stacked():
            return QSize(width, main.height() + side.height() + self.box.spacing())
        return QSize(width, max(main.height(), side.height()))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.box.sizeHint().expandedTo(self.minimumSizeHint())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        beside = event.size().width() >= self._needed_beside()
        if beside == self.stacked():
            self._arrange(beside)
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.FontChange:  # the larger-text option
            self._arrange(beside=False)  # asks for the least until the next resize says
        super().changeEvent(event)


# A title bar and borders around a window (Windows 10/11 at 100 %, in logical pixels):
# what the screen's free area must hold besides the window's own size.
FRAME = QSize(16, 40)


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize `window` to width×height, or less where the screen's free area (beside
    the taskbar, less the title bar) is smaller; never below its minimum size."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    free = screen.availableGeometry().size() - FRAME
    window.resize(min(width, free.width()), min(height, free.height()))
