"""Every page and dialog fits the offices' screens: a 1366×768 laptop at 100 % (also with
"Chữ lớn hơn") and a 1920×1080 one at 125 % and 150 % (1536×864 and 1280×720 logical).

Each screen is a real (offscreen) screen of that size, less a 48 px taskbar: the check
runs in a process of its own per screen (`test_fits_on`), where Qt's offscreen platform is
given that screen. Every window of the cell and the committee is opened as a person would
open it and checked: its minimum size and its size fit the free screen (with a title bar),
no widget sticks out of its window or is narrower than its text, no column header is
narrower than its text. PNGs of each window are kept in the test's folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QHeaderView,
    QLabel,
    QStyle,
    QTabWidget,
    QWidget,
)

from khdesk.core.services.session import open_profile
from khdesk.demo.stations import create_demo

TODAY = date(2026, 11, 26)
TASKBAR = 48  # Windows 10/11 at 125 % (logical pixels); at 100 % it is 40
FRAME = QSize(16, 40)  # title bar and borders (khdesk.ui.layouts.FRAME)
SCREENS = {
    "1366x768": (1366, 768, False),
    "1366x768-chu-lon": (1366, 768, True),
    "1536x864": (1536, 864, False),
    "1280x720": (1280, 720, False),
}
HERE = os.environ.get("KHDESK_FIT_SCREEN")


@pytest.mark.parametrize("screen", list(SCREENS))
def test_fits_on(screen, tmp_path):
    width, height, _large = SCREENS[screen]
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {"screens": [{"name": screen, "x": 0, "y": 0, "width": width,
                          "height": height - TASKBAR, "logicalDpi": 96, "dpr": 1}]}
        )
    )  # fmt: skip
    env = dict(os.environ, KHDESK_FIT_SCREEN=screen, KHDESK_FIT_OUT=str(tmp_path))
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "screen"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, f"{screen}:\n" + run.stdout[-6000:] + run.stderr[-2000:]


# -- the check, in the process that has the screen --


def _free() -> QSize:
    return QApplication.primaryScreen().availableGeometry().size() - FRAME


def _elsewhere(widget: QWidget, top: QWidget) -> bool:
    """Inside a scroll area's viewport (its content may be larger than what shows) or in
    another window (a dialog `top` owns)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        area = parent.parentWidget()
        if parent.isWindow() or isinstance(area, QAbstractScrollArea) and area.viewport() is parent:
            return True
        parent = area
    return False


def _header_problems(header: QHeaderView, name: str) -> list[str]:
    model = header.model()
    if model is None or header.orientation() != Qt.Orientation.Horizontal:
        return []
    font = QFont(header.font())
    font.setBold(header.highlightSections())  # a selected row's headers show in bold
    metrics = QFontMetrics(font)
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    found = []
    for section in range(header.count()):
        if header.isSectionHidden(section) or header.sectionSize(section) == 0:
            continue
        text = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
        need = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + 2 * margin
        if need > header.sectionSize(section):
            found.append(f"{name}: cột “{text}” rộng {header.sectionSize(section)} < {need}")
    return found


def window_problems(window: QWidget, name: str) -> list[str]:
    """What does not fit in `window` on this screen."""
    QApplication.processEvents()
    free = _free()
    found = []
    least = window.minimumSize().expandedTo(window.minimumSizeHint())
    if least.width() > free.width() or least.height() > free.height():
        found.append(f"{name}: tối thiểu {least.width()}×{least.height()} > {free.toTuple()}")
    if window.width() > free.width() or window.height() > free.height():
        found.append(f"{name}: cửa sổ {window.width()}×{window.height()} > {free.toTuple()}")
    frame = window.rect()
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.isWindow() or _elsewhere(widget, window):
            continue
        what = f"{name}: {type(widget).__name__} “{_text(widget)}”"
        box = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if not frame.contains(box):
            found.append(f"{what} ra ngoài cửa sổ {box.getRect()}")
        hint = widget.minimumSizeHint().width()
        if isinstance(widget, QAbstractButton | QLabel) and not _wraps(widget):
            if widget.width() + 1 < hint and widget.width() < widget.maximumWidth():
                found.append(f"{what} hẹp hơn chữ: {widget.width()} < {hint}")
        if isinstance(widget, QHeaderView):
            found += _header_problems(widget, name)
    return found


def _text(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return str(text)[:40].replace("\n", " ")


def _wraps(widget: QWidget) -> bool:
    return isinstance(widget, QLabel) and widget.wordWrap()


class _Checker:
    def __init__(self, out: Path):
        self.out = out
        self.found: list[str] = []
        self.seen: list[str] = []

    def check(self, window: QWidget, name: str) -> None:
        window.show()
        QApplication.processEvents()
        self.seen.append(name)
        self.found += window_problems(window, name)
        window.grab().save(str(self.out / f"{name.replace('/', '-')}.png"))


def _open_everything(check: _Checker, home: Path, profile: str) -> None:
    from khdesk.ui import help as help_dialogs
    from khdesk.ui import shell
    from khdesk.ui.add_unit import AddUnitDialog
    from khdesk.ui.import_wizard import ImportWizard
    from khdesk.ui.main_window import MainWindow
    from khdesk.ui.members import MemberDialog
    from khdesk.ui.print_dialog import REMOVABLE_WARNING, PasswordDialog
    from khdesk.ui.users import AddUserDialog, RecoverDialog

    session = open_profile(home, profile, "bithu", "demo-password")
    window = MainWindow(session, today=TODAY)
    window.ctx.wait_for_store()
    for key in list(window.page_types):
        window.show_page(key)
        check.check(window, f"{profile}/{key}")
    for key in ("sync", "safety", "stats"):  # every tab of the pages that have tabs
        window.show_page(key)
        for tabs in window.pages[key].findChildren(QTabWidget):
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                check.check(window, f"{profile}/{key}-{index}")
    if "cells" in window.page_types:  # a cell's files, the committee's second level
        window.show_page("cells")
        window.pages["cells"].show_cell("X01-CB02")
        check.check(window, f"{profile}/cells-files")
    window.show_page("home")
    dialogs = [
        ("guide", help_dialogs.open_guide(window)),
        ("about", help_dialogs.open_about(window, session)),
        ("users", shell.open_users(window)),
        ("password", shell.open_users(window, True)),
        ("autolock", shell.edit_autolock(window)),
        ("member", MemberDialog(window.ctx, None, window)),
        ("move", window.pages["safety"].move_dialog()),
        ("handover", window.pages["safety"].handover_dialog()),
        ("add-user", AddUserDialog(session, window)),
        ("recover", RecoverDialog(home, profile, "bithu", window)),
        ("usb-password", PasswordDialog(REMOVABLE_WARNING, window)),
        ("excel-import", ImportWizard(window.ctx, window)),
    ]
    if profile != "X01":
        dialogs.append(("new-file", shell.new_file(window)))
    else:  # a decision a cell reported, as the committee confirms it
        from khdesk.core.services.decisions import DecisionReport
        from khdesk.ui.decisions_page import ConfirmDialog

        reported = DecisionReport(
            1, "X01-CB01", "X01-CB01-0007", "Nguyễn Thị Phương Thảo", "A10", TODAY,
            "passed", "891-QĐ/ĐU", None, "pending", "", None, None, None,
        )  # fmt: skip
        dialogs.append(("confirm-decision", ConfirmDialog(reported, window)))
        dialogs.append(("add-unit", AddUnitDialog(window.ctx, window)))  # units under it
    for name, dialog in dialogs:
        check.check(dialog, f"{profile}/{name}")
        dialog.close()
    file_code = f"{profile}-0015" if profile != "X01" else "X01-CB02-0001"
    window.open_file(file_code)
    file_window = window.file_windows[file_code]
    check.check(file_window, f"{profile}/file")
    for name, dialog in (
        ("record-step", file_window.open_record_dialog()),
        ("print", file_window.open_print_dialog()),
    ):
        check.check(dialog, f"{profile}/{name}")
        dialog.close()
    file_window.close()
    window.autolock.lock()
    check.check(window, f"{profile}/locked")
    window.close()
    session.close()


in_own_process = pytest.mark.skipif(not HERE, reason="runs in its own process (test_fits_on)")


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    width, height, _large = SCREENS[HERE]
    assert QApplication.primaryScreen().size().toTuple() == (width, height - TASKBAR)
    home = tmp_path_factory.mktemp("fit") / "home"
    create_demo(home, "demo-password", today=TODAY)
    return home


@in_own_process
@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: no stacking
def test_every_window_fits_this_screen(qtbot, demo_home, tmp_path):
    from khdesk.ui import prefs
    from khdesk.ui.login import LoginDialog
    from khdesk.ui.new_profile import NewProfileWizard

    large = SCREENS[HERE][2]
    home = demo_home
    prefs.apply_text_size(large)
    assert prefs.is_large_text() == large
    check = _Checker(Path(os.environ.get("KHDESK_FIT_OUT", tmp_path)))
    from khdesk.ui.safety.old_backup import OpenOldBackupDialog

    first = (
        ("login", LoginDialog(home)),
        ("new-profile", NewProfileWizard(home)),
        ("old-backup", OpenOldBackupDialog(home)),
    )
    for name, dialog in first:
        check.check(dialog, name)
        dialog.close()
    for profile in ("X01-CB01", "X01"):
        _open_everything(check, home, profile)
    assert len(check.seen) > 30
    assert not check.found, "\n".join(check.found)


@in_own_process
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_larger_text_on_this_screen_grows_and_gives_back(qtbot, demo_home):
    """Turned on, titles and the steps table grow and the window still fits; turned off,
    the window's minimum and size are what they were."""
    from khdesk.ui import prefs, shell
    from khdesk.ui.main_window import MainWindow

    if SCREENS[HERE][2]:
        pytest.skip("the screen of larger text starts with it on")
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    window = MainWindow(session, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    window.open_file("X01-CB01-0015")
    file_window = window.file_windows["X01-CB01-0015"]
    QApplication.processEvents()
    heading = window.pages["home"].heading
    small = (
        window.minimumSize(),
        window.size(),
        heading.font().pointSizeF(),
        file_window.title_label.font().pointSizeF(),
        file_window.steps_table.columnWidth(0),
        window.menu.width(),
    )
    shell.set_large_text(window, True)
    QApplication.processEvents()
    assert prefs.is_large_text()
    grown = QApplication.font().pointSizeF() * (1 - 1 / prefs.LARGE_TEXT_SCALE)
    assert heading.font().pointSizeF() == pytest.approx(small[2] + grown)
    assert file_window.title_label.font().pointSizeF() == pytest.approx(small[3] + grown)
    assert file_window.steps_table.columnWidth(0) > small[4]
    assert window.menu.width() > small[5]
    assert not window_problems(window, "chữ lớn")
    assert not window_problems(file_window, "hồ sơ, chữ lớn")
    large_minimum = window.minimumSize()
    assert large_minimum.width() > small[0].width()
    shell.set_large_text(window, False)
    QApplication.processEvents()
    assert not prefs.is_large_text()
    assert window.size() == small[1]
    # the minimum shrinks back (a wrapped label's height may round a pixel apart)
    assert window.minimumSize().width() == small[0].width()
    assert abs(window.minimumSize().height() - small[0].height()) <= 1
    assert heading.font().pointSizeF() == pytest.approx(small[2])
    assert file_window.steps_table.columnWidth(0) == small[4]
    file_window.close()
    session.close()
