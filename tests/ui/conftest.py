"""Fixtures every UI test module may use: the demo's data home, made once per module."""

from __future__ import annotations

import pytest

from khdesk.demo.stations import create_demo
from tests.ui.helpers import TODAY


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-demo")
    create_demo(home, "demo-password", today=TODAY)
    return home
