"""A file sent to a cell the province has not heard of yet (a new cell of another
commune, whose bundle has not reached the province): the province cannot pass it down at
first, and must not lose it — once the commune's bundle tells it the cell, its next
bundle down carries the file, however old the file's records are (outbox: every bundle
down carries a file in transit to the recipient's branch until it is answered)."""

from __future__ import annotations

from datetime import date

import pytest

from khdesk.core.services import candidates, transfer_list, transfers
from tests.stations import build_two_communes, carry

TODAY = date(2026, 11, 26)


@pytest.fixture
def world(tmp_path):
    w = build_two_communes(tmp_path / "home", tmp_path)
    w.stick = tmp_path / "stick"
    w.stick.mkdir()
    yield w
    w.close()


def codes(session) -> set[str]:
    return {f["file_code"] for f in candidates.list_files(session)}


def in_transit(session) -> set[str]:
    return {x.file_code for x in transfer_list.list_transfers(session, in_transit_only=True)}


def test_a_file_sent_to_a_cell_the_province_learns_of_later_still_reaches_it(world) -> None:
    cell, x01, kh, x02 = world.cell, world.commune.committee, world.kh, world.x02
    stick = world.stick
    code = next(
        f["file_code"] for f in candidates.list_files(cell) if f["state"] in ("NGUON", "HO_SO")
    )
    transfers.transfer_out(cell, code, "X02-CB01", date(2026, 11, 20), TODAY, "Đi làm ăn")
    carry(cell, x01, stick)
    carry(x01, kh, stick)
    carry(kh, x02, stick, to="X02")  # X02-CB01 unknown at the province yet
    assert code not in codes(x02) and code in in_transit(kh)

    carry(x02, kh, stick)  # X02's bundle brings its cell
    carry(kh, x02, stick, to="X02")
    assert code in codes(x02) and code in in_transit(x02)
    carry(kh, x02, stick, to="X02")  # carried again while in transit: nothing changes
    assert code in in_transit(x02)

    transfers.accept(x02, code, date(2026, 11, 23), TODAY)
    carry(x02, kh, stick)
    carry(kh, x01, stick, to="X01")
    carry(x01, cell, stick, to="X01-CB01")
    for station in (cell, x01, kh, x02):
        assert code not in in_transit(station)
    assert code in codes(x02) and code not in codes(cell)  # moved on: out of A's list
