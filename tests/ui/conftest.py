"""Fixtures every UI test module may use: the demo's data home, made once per module; a
folder the sync page lists as a plugged-in USB stick."""

from __future__ import annotations

import pytest

from khdesk.demo.stations import create_demo
from khdesk.ui import drives
from khdesk.ui.drives import Volume
from tests.ui.helpers import TODAY


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-demo")
    create_demo(home, "demo-password", today=TODAY)
    return home


@pytest.fixture
def usb(tmp_path, monkeypatch):
    """A folder the sync page lists as a plugged-in USB stick."""
    stick = tmp_path / "usb"
    stick.mkdir()
    monkeypatch.setattr(
        drives, "removable_volumes", lambda: [Volume(str(stick), "KINGSTON (E:)", 7 << 30)]
    )
    return stick
