"""Transfers through the service (RULES.md §2a) on real encrypted profiles: the committee
keeping two cells that do not run khdesk sends a file from one to the other, accepts or
returns it; each use case one transaction, audited, refused in Vietnamese where the rules
say so, the pipeline state untouched."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import attachments, candidates, integrity, sync, transfer_list, transfers
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.steps import next_steps_for, record_step, undo_step
from khdesk.core.store import schema as t
from tests.stations import add_office_cell, dump, export

TODAY = date(2026, 11, 26)


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def committee(commune):
    """The commune committee with a second cell it keeps (X01-CB02 is the first)."""
    add_office_cell(commune.committee)
    return commune.committee


def a_file(session, org: str, states=("NGUON", "BOI_DUONG", "HO_SO", "THAM_TRA")) -> dict:
    return next(
        f for f in candidates.list_files(session) if f["org_code"] == org and f["state"] in states
    )


def row(session, code: str) -> dict:
    with session.store.read() as conn:
        return dict(
            conn.execute(select(t.candidates).where(t.candidates.c.file_code == code))
            .mappings()
            .one()
        )


def audited(session, code: str) -> list[str]:
    return [e["action"] for e in integrity.list_audit(session, code)]


def test_a_file_sent_is_in_transit_and_takes_no_step_until_accepted(committee) -> None:
    f = a_file(committee, "X01-CB02")
    code, state = f["file_code"], f["state"]
    transfers.transfer_out(committee, code, "X01-CB05", d("2026-11-20"), TODAY, "Chuyển nơi ở")
    [listed] = transfer_list.list_transfers(committee, in_transit_only=True)
    assert (listed.file_code, listed.from_org, listed.to_org) == (code, "X01-CB02", "X01-CB05")
    assert listed.status_label == "Đang chuyển" and listed.reason == "Chuyển nơi ở"
    # the sender holds the file until it is accepted; nobody records a step meanwhile
    assert row(committee, code)["org_code"] == "X01-CB02"
    assert next_steps_for(committee, code) == []
    with pytest.raises(InputError) as refused:
        record_step(committee, code, StepEvent("DUNG", d("2026-11-21")), TODAY)
    assert "đang chuyển sang X01-CB05" in refused.value.message
    with pytest.raises(InputError, match="đang chuyển"):
        transfers.transfer_out(committee, code, "X01-CB01", d("2026-11-21"), TODAY)

    transfers.accept(committee, code, d("2026-11-22"), TODAY)
    after = row(committee, code)
    assert after["org_code"] == "X01-CB05" and after["owner"] == "X01"
    assert after["state"] == state  # the pipeline state is untouched
    assert [x.status for x in transfer_list.list_transfers(committee)] == ["accepted"]
    assert transfer_list.list_transfers(committee, in_transit_only=True) == []
    # the new cell records from the day it holds the file, not before
    with pytest.raises(InputError, match="trước khi đơn vị nhận"):
        record_step(committee, code, StepEvent("DUNG", d("2026-11-21")), TODAY)
    assert record_step(committee, code, StepEvent("DUNG", d("2026-11-23")), TODAY) == "DUNG"
    assert audited(committee, code)[:3] == ["record_step", "transfer_accept", "transfer_out"]


def test_a_returned_file_is_the_senders_again(committee) -> None:
    code = a_file(committee, "X01-CB02")["file_code"]
    transfers.transfer_out(committee, code, "X01-CB05", d("2026-11-20"), TODAY)
    with pytest.raises(InputError, match="lý do trả lại"):
        transfers.return_(committee, code, "  ", d("2026-11-21"), TODAY)
    transfers.return_(committee, code, "Không cư trú trên địa bàn", d("2026-11-21"), TODAY)
    assert row(committee, code)["org_code"] == "X01-CB02"
    [x] = transfer_list.list_transfers(committee)
    assert (x.status, x.answer_reason) == ("returned", "Không cư trú trên địa bàn")
    assert next_steps_for(committee, code)  # the sender works on it again
    assert audited(committee, code)[:2] == ["transfer_return", "transfer_out"]
    # the history keeps both events; none of them can be taken back as a step
    uuid = next(
        s["uuid"]
        for s in candidates.open_file(committee, code)["steps"]
        if s["step_id"] == "CHUYEN_TRA"
    )
    with pytest.raises(InputError, match="không hoàn tác"):
        undo_step(committee, code, uuid)


@pytest.mark.parametrize(
    ("to", "on", "message"),
    [
        ("X01-CB99", "2026-11-20", "Không có đơn vị mã 'X01-CB99'"),
        ("X01-CB02", "2026-11-20", "đang ở X01-CB02"),
        ("X01-CB05", "2026-11-27", "trong tương lai"),
        ("", "2026-11-20", "Thiếu mã đơn vị nhận"),
    ],
)
def test_what_cannot_be_sent_is_refused_and_nothing_is_written(committee, to, on, message):
    code = a_file(committee, "X01-CB02")["file_code"]
    before = dump(committee)
    with pytest.raises(InputError) as refused:
        transfers.transfer_out(committee, code, to, d(on), TODAY)
    assert message in refused.value.message
    assert dump(committee) == before


def test_a_cell_answers_only_what_is_sent_to_it(commune) -> None:
    cell = commune.cells["X01-CB01"]
    code = a_file(cell, "X01-CB01")["file_code"]
    transfers.transfer_out(cell, code, "X01-CB02", d("2026-11-20"), TODAY)
    # the receiving unit answers, not the sender
    with pytest.raises(AccessDenied, match="chỉ đơn vị đó tiếp nhận"):
        transfers.accept(cell, code, d("2026-11-21"), TODAY)
    with pytest.raises(AccessDenied):
        transfers.return_(cell, code, "x", d("2026-11-21"), TODAY)
    assert row(cell, code)["org_code"] == "X01-CB01"


def test_a_file_held_elsewhere_is_not_sent_from_here(commune, committee, tmp_path) -> None:
    # X01-CB01 runs khdesk: its files reach the committee in its bundles, its own to send
    sync.import_bundles(committee, [export(commune.cells["X01-CB01"], tmp_path / "up")])
    code = a_file(committee, "X01-CB01")["file_code"]
    with pytest.raises(AccessDenied, match="chỉ đơn vị đó chuyển hồ sơ đi"):
        transfers.transfer_out(committee, code, "X01-CB05", d("2026-11-20"), TODAY)


def test_nothing_about_the_file_changes_while_in_transit(committee, tmp_path) -> None:
    """Neither end edits, attaches or takes back a step: such a change would reach the
    committee after the file changed owner (and be refused there)."""
    code = a_file(committee, "X01-CB02")["file_code"]
    transfers.transfer_out(committee, code, "X01-CB05", d("2026-11-20"), TODAY)
    scan = tmp_path / "giay.pdf"
    scan.write_bytes(b"%PDF-1.4 thu")
    before = dump(committee)
    with pytest.raises(InputError, match="đang chuyển"):
        candidates.update_identity(committee, code, {"home_town": "Cam Lâm"})
    with pytest.raises(InputError, match="đang chuyển"):
        attachments.attach(committee, code, scan)
    last = candidates.open_file(committee, code)["steps"][0]
    with pytest.raises(InputError):
        undo_step(committee, code, last["uuid"])
    assert dump(committee) == before
    with pytest.raises(InputError, match="khdesk transfer out"):
        candidates.update_identity(committee, code, {"org_code": "X01-CB05"})


def test_an_excel_history_never_rewrites_a_moved_file(committee) -> None:
    """A sheet holds no transfer: importing a file's steps after a move would lose them
    (and the owner they decide). The row says why; the history stays."""
    f = a_file(committee, "X01-CB02")
    code = f["file_code"]
    transfers.transfer_out(committee, code, "X01-CB05", d("2026-11-20"), TODAY)
    transfers.accept(committee, code, d("2026-11-22"), TODAY)
    before = dump(committee)
    steps = [{"file_code": code, "step_id": "A1", "on": d("2026-01-05")}]
    report = import_tables(committee, RowTables.from_dicts({"steps": steps}), "t")
    assert any("chuyển sinh hoạt" in str(p) for p in report.problems), report.problems
    assert dump(committee) == before
    assert [x.status for x in transfer_list.list_transfers(committee)] == ["accepted"]
