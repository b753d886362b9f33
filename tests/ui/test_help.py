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


def test_a_section_link_scrolls_the_guide_to_it(qtbot, window):
    """Clicking "24. Chuyển hồ sơ ra ngoài tỉnh" in the table of contents (or "mục 24" in
    the text) moves the pane to that section, not to a web browser."""
    window.guide_action.trigger()
    dialog = window.guide_dialog
    qtbot.addWidget(dialog)
    browser = dialog.browser
    bar = browser.verticalScrollBar()
    assert bar.value() == 0
    browser.setSource(QUrl("#muc-24"))
    qtbot.waitUntil(lambda: bar.value() > 0)
    # the text at the pane's top is the section's (the last one: it may sit lower)
    top = browser.cursorForPosition(browser.viewport().rect().topLeft()).position()
    assert "Chuyển hồ sơ ra ngoài tỉnh" in browser.toPlainText()[top : top + 2000]


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


def _guide_script():
    """resources/guide/make_screenshots.py, the guide's own builder (a script, not a module)."""
    import importlib.util

    path = help_dialogs.guide_path().parent / "make_screenshots.py"
    spec = importlib.util.spec_from_file_location("khdesk_guide_builder", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guide_html_is_its_markdown_rendered():
    """The app shows huong-dan.html; a section written in huong-dan.md and not rebuilt
    (make_screenshots.py --html-only) would never reach a secretary."""
    guide = help_dialogs.guide_path()
    source = guide.with_suffix(".md").read_text(encoding="utf-8")
    built = _guide_script().markdown_to_html(source, "Hướng dẫn sử dụng khdesk")
    assert guide.read_text(encoding="utf-8") == built


def test_every_section_the_guide_points_to_exists():
    """Sections are numbered 1, 2, 3… across the parts, and every "mục N" / "mục N–M"
    names one of them (a section added in the middle renumbers the rest)."""
    source = help_dialogs.guide_path().with_suffix(".md").read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r"^### (\d+)\. ", source, flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))
    cited = re.findall(r"mục (\d+)(?:[–-](\d+))?", source)
    assert len(cited) > 10
    for first, last in cited:
        for n in (first, last or first):
            assert 1 <= int(n) <= len(numbers), f"mục {n}"
    # the table of contents lists every section, each leading to its heading's anchor
    toc = re.findall(r"\[(\d+)\. [^\]]+\]\(#muc-(\d+)\)", source)
    assert [int(a) for a, _ in toc] == numbers and all(a == b for a, b in toc)
    html = help_dialogs.guide_path().read_text(encoding="utf-8")
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert {f"muc-{n}" for n in numbers} <= targets
    assert targets <= set(re.findall(r'<a name="([^"]+)"', html))
    # the sections the newer work added are there, with the words the windows use
    for title in (
        "Kỳ họp chi bộ",
        "Chuyển hồ sơ sang chi bộ khác",
        "Quyết định chi bộ báo lên",
        "Lớp bồi dưỡng",
        "Thêm đơn vị trực thuộc",
        "Chuyển hồ sơ ra ngoài tỉnh",
    ):
        assert re.search(rf"^### \d+\. {title}", source, flags=re.MULTILINE), title


def test_every_screenshot_is_used_and_small():
    """Every PNG in images/ is shown by the guide or the README (none left over), each is
    a palette PNG (as make_screenshots.py saves them) and small: the guide ships in the
    installer."""
    from PIL import Image

    guide = help_dialogs.guide_path()
    images = guide.parent / "images"
    readme = (guide.parents[2] / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r'src="images/([^"]+)"', guide.read_text(encoding="utf-8")))
    shown |= set(re.findall(r"resources/guide/images/([^)\s]+)", readme))
    pngs = sorted(images.glob("*.png"))
    assert {p.name for p in pngs} == shown
    for png in pngs:
        assert png.stat().st_size <= 120_000, png.name
        with Image.open(png) as img:
            assert img.mode == "P", png.name
    assert sum(p.stat().st_size for p in pngs) <= 1_500_000
