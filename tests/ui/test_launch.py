"""What keeps the launch short (issue 5): the menu is drawn without importing the pages,
a start builds only the first page, and the holidays package loads Việt Nam alone."""

import os
import subprocess
import sys

import pytest

from khdesk.core.services.session import open_profile
from khdesk.ui.main_window import MainWindow
from khdesk.ui.pages import PAGES, page_classes
from tests.ui.helpers import TODAY, unlocks_audited


def test_page_entries_match_their_classes():
    # load() refuses an entry whose key, title or roles differ from its class's
    classes = page_classes()
    assert [c.key for c in classes] == [e.key for e in PAGES]
    assert len({e.key for e in PAGES}) == len(PAGES)


def test_menu_lists_every_page_but_builds_only_the_first(qtbot, demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    try:
        window = MainWindow(session, today=TODAY)
        qtbot.addWidget(window)
        titles = [window.menu.item(r).text() for r in range(window.menu.count())]
        assert titles == [e.title for e in PAGES if "cell" in e.roles]
        assert list(window.pages.built) == ["home"]
        # the Ctrl+N action is offered without building the candidate list
        assert window.new_file_shortcut.isEnabled()
        assert list(window.pages.built) == ["home"]
        window.show_page("candidates")
        assert list(window.pages.built) == ["home", "candidates"]
    finally:
        session.close()


START = """
import sys
from PySide6.QtWidgets import QApplication
from khdesk.ui import app
profile, first = sys.argv[1], sys.argv[2]
shown = {}
report_ready = app._report_ready
def ready(qt_app):
    # what is on screen, and loaded, at the moment the launch reports the first page usable
    window = next(w for w in QApplication.topLevelWidgets() if hasattr(w, "pages"))
    page = window.pages.built[first]
    shown["rows"] = page.model.rowCount()
    if first == "home":
        shown["tiles"] = sum(int(b.text().split()[0]) for b in page.tiles.values())
    shown["sqlalchemy"] = "sqlalchemy" in sys.modules
    return report_ready(qt_app)
app._report_ready = ready
from khdesk.cli.main import main
from khdesk.ui.pages import PAGES, page_entries
code = main(["gui", "--exit-when-ready", "--profile", profile])
print("shown:" + repr(shown))
pages = [e.path.split(":")[0] for e in PAGES if e.key != first]
print("pages:" + ",".join(p for p in pages if "khdesk.ui." + p in sys.modules))
print("countries:" + str("holidays.countries" in sys.modules))
sys.exit(code)
"""


@pytest.mark.parametrize(
    ("profile", "first"),
    [("X01-CB01", "home"), ("X01", "cells")],
    ids=["cell-home", "committee-overview"],
)
def test_launch_shows_the_first_page_before_sqlalchemy_and_imports_it_alone(
    demo_home,
    profile,
    first,
):
    before = unlocks_audited(demo_home, profile)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env.update(
        KHDESK_HOME=str(demo_home), KHDESK_PASSWORD="demo-password", QT_QPA_PLATFORM="offscreen"
    )
    out = subprocess.run(
        [sys.executable, "-c", START, profile, first],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert int(lines[0]) > 0  # the launch time it printed
    shown = eval(lines[1].removeprefix("shown:"))  # noqa: S307 - our own repr of a dict
    # the page showed its rows (a cell's to-do list and files per state, a committee's
    # cells) before SQLAlchemy was imported
    assert shown["rows"] > 0 and shown.get("tiles", 1) > 0
    assert shown["sqlalchemy"] is False
    assert lines[2:] == ["pages:", "countries:False"]
    # the store was built after: the launch's unlock is in the audit log, the chain holds
    assert unlocks_audited(demo_home, profile) == before + 2  # the launch's, then this count's


def test_vietnam_alone_gives_the_same_days_as_the_package():
    script = """
import sys
from khdesk.core.domain.calendar import _country_holidays
mine = {y: (dict(_country_holidays("VN", y)), _country_holidays("VN", y).weekend_workdays)
        for y in range(2024, 2029)}
assert "holidays.countries" not in sys.modules
import holidays
for y, (days, work) in mine.items():
    pkg = holidays.country_holidays("VN", years=y, language="vi")
    assert days == dict(pkg) and work == pkg.weekend_workdays, y
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
