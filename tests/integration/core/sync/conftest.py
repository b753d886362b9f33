"""The sync tests' shared world: real stations, real keys, one valid bundle."""

from __future__ import annotations

import pytest

from khdesk.core.services import sync
from khdesk.core.services.attachments import attach
from tests.stations import build_commune, enrol_unchecked, export, new_station, open_station


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Committee X01 with CB01 enrolled; CB03 knows X01 but X01 does not know CB03; a
    second committee X02 that knows CB01. One valid bundle from CB01 with an attachment."""
    home = tmp_path_factory.mktemp("tamper")
    c = build_commune(home / "home", cells=("X01-CB01",))
    cb03 = c.cells["X01-CB03"] = open_station(c.home, "X01-CB03")
    card = sync.write_card(c.committee, home / "x01.card")
    sync.enrol_card(cb03, home / "x01.card", card["fingerprint"])
    x02 = new_station(c.home, "committee", "X02", "Đảng ủy xã Cam Hòa", "KH")
    # X02 holds CB01's key though CB01 is not under it (enrolled by an older version:
    # enrolling it now is refused), to show what X02's inbox makes of CB01's bundles.
    cb01_card = sync.write_card(c.cells["X01-CB01"], home / "cb01.card")
    enrol_unchecked(x02, home / "cb01.card", cb01_card["fingerprint"])
    x02_card = sync.write_card(x02, home / "x02.card")
    sync.enrol_card(c.cells["X01-CB01"], home / "x02.card", x02_card["fingerprint"])
    cell = c.cells["X01-CB01"]
    scan = home / "đơn xin vào Đảng.pdf"
    scan.write_bytes(b"%PDF-1.4 scan " * 200)
    attach(cell, "X01-CB01-0001", scan)
    good = export(cell, home / "stick").read_bytes()
    from_cb03 = export(cb03, home / "stick3").read_bytes()
    yield {"c": c, "good": good, "cb03": from_cb03, "x02": x02, "dir": home}
    x02.close()
    c.close()
