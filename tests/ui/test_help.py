"""Trợ giúp: the guide opens from the menu with its screenshots resolved, "Giới thiệu
khdesk" and the status bar show the one version number."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument

import khdesk
from khdesk.core.services.session import open_profile
from khdesk.ui import help as help_dialogs
from khdesk.ui.main_window import MainWindow
from tests.ui.helpers import TODAY

# The offscreen platform cannot raise a window; open_guide asks it to.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def window(qtbot, demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    main = MainWindow(session, today=TODAY)
    qtbot.addWidget(main)
    yield main
    session.close()


def test_the_guide_opens_from_the_help_menu_with_its_images(qtbot, window):
    actions = [a.text() for a in window.help_menu.actions()]
    assert actions == ["Hướng dẫn sử dụng", "Giới thiệu khdesk"]
    window.guide_action.trigger()
    dialog = window.guide_dialog
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    document = dialog.browser.document()
    text = document.toPlainText()
    assert "Hướng dẫn sử dụng khdesk" in text
    assert "Ghi nhận khóa" in text and "hai phần ba" in text
    html = document.toHtml()
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) >= 10 and all(src.startswith("images/") for src in images)
    for src in images:
        resource = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(src))
        assert resource is not None and not resource.isNull(), src
        # Shrunk smoothly to fit the pane (the 1366-wide screenshots are wider).
        assert resource.width() <= dialog.browser.max_image_width
    # A second request raises the same dialog.
    window.guide_action.trigger()
    assert window.guide_dialog is dialog


def test_every_image_of_the_guide_exists():
    guide = help_dialogs.guide_path()
    html = guide.read_text(encoding="utf-8")
    sources = re.findall(r'src="([^"]+)"', html)
    assert sources
    for src in sources:
        assert (guide.parent / src).is_file(), src


def test_about_and_status_bar_show_the_version(qtbot, window):
    assert window.version_label.text() == f"khdesk {khdesk.__version__}"
    window.about_action.trigger()
    dialog = window.about_dialog
    qtbot.addWidget(dialog)
    shown = dialog.label.text()
    assert f"Phiên bản:</b> {khdesk.__version__}" in shown
    assert "Chi bộ thôn Bãi Giếng Bắc" in shown and "X01-CB01" in shown
    assert str(window.session.dir.path) in shown
    assert "SIL Open Font License" in shown
