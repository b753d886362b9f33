"""Enrolment that cannot trap (issue 17 item 3): a committee never records a key whose
bundles it would all refuse. The cell's signed card names its unit and parent: when the
fingerprint matches and the parent is this committee, the unit may be added under it in
the same step; otherwise the enrolment is refused with the way out. Real profiles, real
cards, real bundles."""

from __future__ import annotations

from datetime import date

import pytest

from khdesk.core.services import sync
from khdesk.core.services.candidates import list_files
from khdesk.core.services.committee import cell_overview
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.organisations import writable_org_codes
from khdesk.core.sync import keys
from khdesk.core.sync.errors import KeyCardError
from khdesk.core.sync.inbox import import_bundle
from tests.conftest import PASSWORD, make_profile
from tests.stations import export, state

pytestmark = pytest.mark.usefixtures("engine_kind")

TODAY = date(2026, 11, 26)


def with_a_file(cell, code: str) -> None:
    """The cell keeps one candidate file, so its bundle carries records about itself."""
    row = {
        "file_code": f"{code}-0001",
        "full_name": "Nguyễn Văn An",
        "sex": "Nam",
        "birth_date": date(2000, 5, 1),
        "org_code": code,
        "home_town": "Khánh Hòa",
    }
    report = import_tables(cell, RowTables.from_dicts({"candidates": [row]}), "test")
    assert report.committed and not report.problems, report.problems


def cards_of(cell, committee, folder):
    return (
        sync.write_card(cell, folder / f"{cell.org_code}.card"),
        sync.write_card(committee, folder / "committee.card"),
    )


def test_a_key_whose_bundles_would_all_be_refused_is_never_enrolled(cell, committee, tmp_path):
    """The trap as found: the committee's list does not hold the cell; enrolling its card
    succeeded and then every bundle of the cell was refused. Now: either the enrolment is
    refused, or the cell's bundle is taken."""
    with_a_file(cell, "X01-CB01")
    cell_card, committee_card = cards_of(cell, committee, tmp_path)
    sync.enrol_card(cell, tmp_path / "committee.card", committee_card["fingerprint"])
    try:
        sync.enrol_card(committee, tmp_path / "X01-CB01.card", cell_card["fingerprint"])
    except KeyCardError as refused:
        assert refused.code == "unit_missing"
        assert "X01-CB01" in refused.message and "danh sách đơn vị" in refused.message
        assert sync.key_status(committee)["peers"] == []  # nothing recorded
    else:
        report = import_bundle(committee, export(cell, tmp_path / "up"))
        assert report.status == "imported", report.reason


def test_the_unit_a_card_names_is_added_when_the_owner_asks(cell, committee, tmp_path):
    """Way out one: the card (signed by the cell) names this committee as its parent;
    with the owner's yes the unit is added under it and the key enrolled, in one step —
    and the cell's bundle is taken."""
    with_a_file(cell, "X01-CB01")
    cell_card, committee_card = cards_of(cell, committee, tmp_path)
    assert keys.read_card((tmp_path / "X01-CB01.card").read_bytes()).parent_code == "X01"
    sync.enrol_card(cell, tmp_path / "committee.card", committee_card["fingerprint"])
    done = sync.enrol_card(
        committee, tmp_path / "X01-CB01.card", cell_card["fingerprint"], add_unit=True
    )
    assert done["unit_added"] == {
        "code": "X01-CB01",
        "name": "Chi bộ thôn Tân Đức",
        "parent_code": "X01",
        "kind": "Chi bộ thôn",
    }
    report = import_bundle(committee, export(cell, tmp_path / "up"))
    assert report.status == "imported", report.reason
    assert [f["file_code"] for f in list_files(committee)] == ["X01-CB01-0001"]
    row = next(r for r in cell_overview(committee, TODAY) if r.org_code == "X01-CB01")
    assert (row.org_name, row.self_managed, row.files) == ("Chi bộ thôn Tân Đức", True, 1)
    # It runs khdesk: its files come in its bundles, the committee's staff do not write them.
    assert "X01-CB01" not in writable_org_codes(committee)
    # Enrolling the same card again changes nothing and needs no second unit.
    again = sync.enrol_card(committee, tmp_path / "X01-CB01.card", cell_card["fingerprint"])
    assert again["already"] and again["unit_added"] is None


def test_a_wrong_fingerprint_earns_no_offer_to_add_the_unit(cell, committee, tmp_path):
    cards_of(cell, committee, tmp_path)
    before = state(committee)
    with pytest.raises(KeyCardError) as refused:
        sync.enrol_card(
            committee, tmp_path / "X01-CB01.card", "K7QD 2MXA 9TPE 0000 1111 2222", add_unit=True
        )
    assert refused.value.code == "fingerprint_mismatch"
    assert state(committee) == before


def test_a_card_under_another_committee_is_refused_with_the_way_out(
    committee, home, clock, tmp_path
):
    """Way out two: the card names another parent (X02), so the committee may not add it
    on the card's word: refused, nothing recorded, the message says what to do. Once the
    unit is in the committee's list (the staff's import), the same card enrols and the
    cell's bundle is taken."""
    moved, _ = make_profile(home, "cell", "X02-CB05", "Chi bộ tổ dân phố 5", clock, "X02")
    try:
        with_a_file(moved, "X02-CB05")
        cell_card, committee_card = cards_of(moved, committee, tmp_path)
        sync.enrol_card(moved, tmp_path / "committee.card", committee_card["fingerprint"])
        before = state(committee)
        for add_unit in (False, True):
            with pytest.raises(KeyCardError) as refused:
                sync.enrol_card(
                    committee,
                    tmp_path / "X02-CB05.card",
                    cell_card["fingerprint"],
                    add_unit=add_unit,
                )
            assert refused.value.code == "out_of_scope"
            message = refused.value.message
            assert "X02-CB05" in message and "X02" in message and "nhập danh sách đơn vị" in message
            assert state(committee) == before
        unit = {"code": "X02-CB05", "name": "Chi bộ tổ dân phố 5", "parent_code": "X01"}
        unit |= {"kind": "Chi bộ tổ dân phố", "self_managed": True}
        assert import_tables(committee, RowTables.from_dicts({"orgs": [unit]}), "test").committed
        done = sync.enrol_card(committee, tmp_path / "X02-CB05.card", cell_card["fingerprint"])
        assert done["unit_added"] is None
        report = import_bundle(committee, export(moved, tmp_path / "up"))
        assert report.status == "imported", report.reason
    finally:
        moved.close()


def test_a_cell_enrols_only_a_committee_above_it(cell, home, clock, tmp_path):
    """A cell takes bundles only from above: a sibling cell's card is refused."""
    sibling, _ = make_profile(home, "cell", "X01-CB02", "Chi bộ thôn Hai", clock, "X01")
    try:
        card = sync.write_card(sibling, tmp_path / "cb02.card")
        with pytest.raises(KeyCardError) as refused:
            sync.enrol_card(cell, tmp_path / "cb02.card", card["fingerprint"], add_unit=True)
        assert refused.value.code == "out_of_scope" and "cấp ủy cấp trên" in refused.value.message
        assert sync.key_status(cell)["peers"] == []
    finally:
        sibling.close()


def test_the_cli_says_the_way_out_and_adds_the_unit_when_told(
    cell, committee, home, tmp_path, monkeypatch, capsys
):
    import logging

    from khdesk.cli.main import main

    monkeypatch.setenv("KHDESK_HOME", str(home))
    monkeypatch.setenv("KHDESK_PASSWORD", PASSWORD)
    card = sync.write_card(cell, tmp_path / "cb01.card")
    enrol = ["--profile", "X01", "keys", "enrol", str(tmp_path / "cb01.card")]
    enrol += ["--fingerprint", card["fingerprint"]]
    before = list(logging.getLogger().handlers)
    try:
        assert main(enrol) == 1
        err = capsys.readouterr().err
        assert "X01-CB01" in err and "--add-unit" in err and "Traceback" not in err
        assert sync.key_status(committee)["peers"] == []
        assert main([*enrol, "--add-unit"]) == 0
        out = capsys.readouterr().out
        assert "Đã thêm X01-CB01 — Chi bộ thôn Tân Đức (Chi bộ thôn)" in out
        assert "Đã ghi nhận khóa của X01-CB01" in out
    finally:
        for h in logging.getLogger().handlers[:]:
            if h not in before:
                logging.getLogger().removeHandler(h)
                h.close()
    assert [p["org_code"] for p in sync.key_status(committee)["peers"]] == ["X01-CB01"]


def test_a_cell_inside_a_grassroots_committee_is_added_under_it(committee, home, clock, tmp_path):
    """The card names a đảng ủy cơ sở of this committee's list (one that does not run
    khdesk) as its parent: the cell is added under it, as a cell inside a đảng bộ cơ sở."""
    base = {"code": "X01-DU01", "name": "Đảng ủy Công ty Thủy Triều", "parent_code": "X01"}
    base["kind"] = "Đảng ủy cơ sở"
    assert import_tables(committee, RowTables.from_dicts({"orgs": [base]}), "test").committed
    inner, _ = make_profile(
        home, "cell", "X01-CB09", "Chi bộ Phân xưởng Chế biến", clock, "X01-DU01"
    )
    try:
        with_a_file(inner, "X01-CB09")
        cell_card, committee_card = cards_of(inner, committee, tmp_path)
        sync.enrol_card(inner, tmp_path / "committee.card", committee_card["fingerprint"])
        with pytest.raises(KeyCardError) as offer:
            sync.enrol_card(committee, tmp_path / "X01-CB09.card", cell_card["fingerprint"])
        assert offer.value.code == "unit_missing" and "X01-DU01" in offer.value.message
        done = sync.enrol_card(
            committee, tmp_path / "X01-CB09.card", cell_card["fingerprint"], add_unit=True
        )
        assert done["unit_added"]["parent_code"] == "X01-DU01"
        report = import_bundle(committee, export(inner, tmp_path / "up"))
        assert report.status == "imported", report.reason
        row = next(r for r in cell_overview(committee, TODAY) if r.org_code == "X01-CB09")
        assert (row.parent_code, row.files) == ("X01-DU01", 1)
    finally:
        inner.close()
