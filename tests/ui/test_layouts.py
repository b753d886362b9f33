"""A side panel beside the main one when there is room, below it when not; the pair asks
a window only for the wider panel's width, so a small screen still holds it."""

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from khdesk.ui.layouts import SideBySide
from khdesk.ui.prefs import apply_text_size


def _panel(text: str, width: int) -> QLabel:
    label = QLabel(text)
    label.setMinimumWidth(width)
    return label


def test_the_side_panel_goes_below_when_the_two_do_not_fit(qtbot):
    main, side = _panel("Các hồ sơ", 500), _panel("Kế hoạch", 200)
    pair = SideBySide(main, side, side_chars=40)
    holder = QWidget()
    QVBoxLayout(holder).addWidget(pair)
    qtbot.addWidget(holder)
    beside = 500 + pair.side_width + pair.box.spacing()
    # the window may be as narrow as the wider panel, not as their sum
    assert pair.minimumSizeHint().width() < beside
    holder.resize(beside + 40, 300)
    holder.show()
    QApplication.processEvents()
    assert not pair.stacked()
    assert side.width() == pair.side_width and side.x() > main.x()
    holder.resize(beside - 60, 400)
    QApplication.processEvents()
    assert pair.stacked()
    assert side.y() > main.y() and side.width() == main.width()
    holder.resize(beside + 40, 300)
    QApplication.processEvents()
    assert not pair.stacked()


def test_the_side_panel_grows_with_larger_text(qtbot):
    pair = SideBySide(QLabel("a"), QLabel("b"), side_chars=40)
    qtbot.addWidget(pair)
    small = pair.side_width
    apply_text_size(True)
    try:
        QApplication.processEvents()
        assert pair.side_width > small
    finally:
        apply_text_size(False)
    QApplication.processEvents()
    assert pair.side_width == small
