"""The demo as a newcomer tries it in the app (real widgets, offscreen): the sign-in lists
the demo's stations — the committee and its cells — with the demo's password filled in,
and a bundle goes from a cell to the committee through the demo's shared folder with
nothing to set up ("Gửi" in one, "Nhận" in the other)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from PySide6.QtCore import Qt

from khdesk.core.services.session import open_profile
from khdesk.demo.loop import SYNC_FOLDER, build_demo
from khdesk.demo.stations import DEMO_PASSWORD, DEMO_USER
from khdesk.ui import drives, operation
from khdesk.ui.committee import CommitteePage
from khdesk.ui.context import AppContext
from khdesk.ui.login import LoginDialog
from khdesk.ui.sync.page import SyncPage

TODAY = date(2026, 11, 26)


def settle(qtbot) -> None:
    """Until every background operation has delivered its result."""
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    from khdesk.core.store import keyslots
    from tests.conftest import FAST_KDF

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        home = tmp_path_factory.mktemp("demo-stations")
        assert build_demo(home, DEMO_PASSWORD, TODAY).created
    return home


@pytest.fixture
def no_stick(monkeypatch):
    monkeypatch.setattr(drives, "removable_volumes", lambda: [])


def test_sign_in_lists_the_demo_stations_with_the_password_filled(qtbot, demo_home):
    dialog = LoginDialog(demo_home, preselect="X01", password=DEMO_PASSWORD, today=lambda: TODAY)
    qtbot.addWidget(dialog)
    box = dialog.profile_box
    listed = {
        box.item(r).data(Qt.ItemDataRole.UserRole): box.item(r).text() for r in range(box.count())
    }
    assert set(listed) == {"X01", "X01-CB01", "X01-CB03", "X01-CB04"}
    assert listed["X01"].startswith("Đảng ủy xã Cam Lâm\n") and "mã X01" in listed["X01"]
    assert listed["X01-CB01"].startswith("Chi bộ thôn Bãi Giếng Bắc\n")
    assert all("Chi bộ · mã X01-CB" in listed[c] for c in ("X01-CB01", "X01-CB03", "X01-CB04"))
    assert box.currentData() == "X01"
    assert dialog.user_edit.text() == DEMO_USER
    assert dialog.password_edit.text() == DEMO_PASSWORD
    # A newcomer picks a cell and opens it: no typing.
    box.setCurrentIndex(box.findData("X01-CB03"))
    assert dialog.user_edit.text() == DEMO_USER and dialog.password_edit.text() == DEMO_PASSWORD
    dialog.try_open()
    settle(qtbot)
    assert dialog.session.info.role == "cell" and dialog.session.org_code == "X01-CB03"
    dialog.session.close()


def test_the_committee_page_shows_every_cell_received(qtbot, demo_home):
    com = open_profile(demo_home, "X01", DEMO_USER, DEMO_PASSWORD)
    try:
        page = CommitteePage(AppContext(com, TODAY))
        qtbot.addWidget(page)
        page.refresh()
        model = page.model
        name, received = (model.column_keys().index(k) for k in ("org", "received"))
        shown = {
            model.data(model.index(r, name)): model.data(model.index(r, received))
            for r in range(model.rowCount())
        }
    finally:
        com.close()
    # the cells that run khdesk: the day their bundle came; the office's own cell: kept here
    assert shown == {
        "Chi bộ thôn Bãi Giếng Bắc": "26/11/2026",
        "Chi bộ tổ dân phố Nghĩa Phú": "Giữ tại đây",
        "Chi bộ Phân xưởng Chế biến": "26/11/2026",
        "Chi bộ Trường THPT Trần Bình Trọng": "26/11/2026",
    }


def test_send_in_a_cell_and_receive_at_the_committee_through_the_shared_folder(
    qtbot, demo_home, no_stick
):
    folder = demo_home / SYNC_FOLDER
    cell = open_profile(demo_home, "X01-CB01", DEMO_USER, DEMO_PASSWORD)
    com = open_profile(demo_home, "X01", DEMO_USER, DEMO_PASSWORD)
    try:
        cell_page = SyncPage(AppContext(cell, TODAY))
        qtbot.addWidget(cell_page)
        cell_page.refresh()
        send = cell_page.send
        # No stick plugged in: the shared folder stands for it, chosen already.
        assert send.destination() == str(folder)
        assert send.no_volume_label.isHidden()
        send.export()
        settle(qtbot)
        assert send.last_error is None, send.last_error
        assert [p.suffix for p in folder.iterdir()] == [".khdb"]

        com_page = SyncPage(AppContext(com, TODAY))
        qtbot.addWidget(com_page)
        com_page.refresh()
        receive = com_page.receive
        receive.scan_usb()  # "Tìm trên USB" finds the shared folder
        settle(qtbot)
        assert receive.model.rowCount() == 1
        receive.import_valid()
        settle(qtbot)
        assert receive.last_error is None, receive.last_error
        assert [r.status for r in receive.imported] == ["imported"]
    finally:
        cell.close()
        com.close()


def test_demo_open_starts_on_the_sign_in_not_in_a_station(demo_home):
    """`khdesk demo --open` passes the demo's password with `choose`: the app must show the
    sign-in (committee preselected, password filled in), not open the committee. The app's
    start-up installs process-wide hooks: it runs in a process of its own."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from khdesk.ui import app\n"
        "ready = app._report_ready\n"
        "def report(qapp):\n"  # what shows when the first screen is ready
        "    for w in QApplication.topLevelWidgets():\n"
        "        if w.isVisible() and type(w).__name__ in ('LoginDialog', 'MainWindow'):\n"
        "            print('shown', type(w).__name__)\n"
        "            if type(w).__name__ == 'LoginDialog':\n"
        "                print('stations', w.profile_box.count(), w.profile_box.currentData())\n"
        "                print('password', w.password_edit.text())\n"
        "    return ready(qapp)\n"
        "app._report_ready = report\n"
        "sys.exit(app.run(Path(sys.argv[1]), 'X01', exit_when_ready=True,\n"
        "                 password=sys.argv[2], choose=True))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = subprocess.run(
        [sys.executable, "-c", script, str(demo_home), DEMO_PASSWORD],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "shown LoginDialog" in lines and "shown MainWindow" not in lines, out.stdout
    assert "stations 4 X01" in lines and f"password {DEMO_PASSWORD}" in lines, out.stdout
