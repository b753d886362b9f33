"""Station keys: made with the profile, fingerprints a person can read, cards that cannot be
altered, enrolment only with the right fingerprint, rotation and revocation."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from khdesk.core.services import sync
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from khdesk.core.sync import keys
from khdesk.core.sync.errors import KeyCardError
from tests.conftest import PASSWORD

FINGERPRINT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}( [0-9A-HJKMNP-TV-Z]{4}){5}$")


def test_profile_creation_makes_one_active_key_pair(cell):
    with cell.store.read() as conn:
        rows = conn.execute(select(t.sync_own_keys)).mappings().all()
    assert [r["status"] for r in rows] == ["active"]
    assert len(rows[0]["sign_private"]) == len(rows[0]["enc_private"]) == 32
    status = sync.key_status(cell)
    assert FINGERPRINT.match(status["fingerprint"]) and status["peers"] == []


def test_private_keys_are_not_readable_on_disk(cell):
    with cell.store.read() as conn:
        secret = conn.execute(select(t.sync_own_keys.c.sign_private)).scalar()
    raw = b"".join(p.read_bytes() for p in cell.dir.path.rglob("*") if p.is_file())
    assert secret not in raw


def test_keys_show_prints_the_fingerprint_alone_on_the_last_line(
    cell, home, quiet_cli_home, capsys
):
    assert quiet_cli_home(home, "keys", "show") == 0
    out = capsys.readouterr().out.splitlines()
    assert FINGERPRINT.match(out[-1]) and out[-1] == sync.key_status(cell)["fingerprint"]
    assert quiet_cli_home(home, "keys", "show", "--json") == 0
    assert json.loads(capsys.readouterr().out)["fingerprint"] == out[-1]


@pytest.fixture
def quiet_cli_home(monkeypatch):
    import logging

    from khdesk.cli.main import main

    def run(home, *args):
        monkeypatch.setenv("KHDESK_HOME", str(home))
        monkeypatch.setenv("KHDESK_PASSWORD", PASSWORD)
        before = list(logging.getLogger().handlers)
        try:
            return main(list(args))
        finally:
            for h in logging.getLogger().handlers[:]:
                if h not in before:
                    logging.getLogger().removeHandler(h)
                    h.close()

    return run


@pytest.fixture
def cards(cell, committee, tmp_path):
    """Both stations' cards; the committee lists the cell (enrolling it is then worth it)."""
    unit = {"code": "X01-CB01", "name": "Chi bộ thôn Tân Đức", "parent_code": "X01"}
    rows = RowTables.from_dicts({"orgs": [{**unit, "kind": "Chi bộ thôn", "self_managed": True}]})
    assert import_tables(committee, rows, "test").committed
    return (
        sync.write_card(cell, tmp_path / "cb01.card"),
        sync.write_card(committee, tmp_path / "x01.card"),
    )


def test_enrol_ignores_spaces_case_and_reads_o_as_zero(cell, committee, cards, tmp_path):
    cell_card, _ = cards
    typed = cell_card["fingerprint"].replace(" ", "").replace("0", "o").lower()
    done = sync.enrol_card(committee, tmp_path / "cb01.card", typed)
    assert done["org_code"] == "X01-CB01" and not done["already"]
    again = sync.enrol_card(committee, tmp_path / "cb01.card", cell_card["fingerprint"])
    assert again["already"]


def test_enrol_with_a_wrong_fingerprint_is_refused_and_records_nothing(
    committee, cards, tmp_path, home, quiet_cli_home, capsys
):
    wrong = "K7QD 2MXA 9TPE 0000 1111 2222"
    with pytest.raises(KeyCardError) as refused:
        sync.enrol_card(committee, tmp_path / "cb01.card", wrong)
    assert refused.value.code == "fingerprint_mismatch"
    assert cards[0]["fingerprint"] not in refused.value.message  # no answer to copy
    assert sync.key_status(committee)["peers"] == []
    code = quiet_cli_home(
        home,
        "--profile",
        "X01",
        "keys",
        "enrol",
        str(tmp_path / "cb01.card"),
        "--fingerprint",
        wrong,
    )
    assert code == 1 and "không khớp" in capsys.readouterr().err


def test_a_card_edited_after_signing_is_refused(committee, cards, tmp_path):
    path = tmp_path / "cb01.card"
    doc = json.loads(path.read_bytes())
    doc["card"]["org_name"] = "Chi bộ giả"
    path.write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    with pytest.raises(KeyCardError) as refused:
        sync.enrol_card(committee, path, cards[0]["fingerprint"])
    assert refused.value.code == "card_signature"


def test_a_card_with_a_swapped_encryption_key_is_refused(committee, cards, tmp_path):
    """Someone keeps the cell's signing key on the card but puts in their own encryption
    key, hoping the committee's bundles would then be readable by them."""
    path = tmp_path / "cb01.card"
    doc = json.loads(path.read_bytes())
    doc["card"]["enc_public"] = keys.b64(keys.KeyPair.generate().public.enc)
    path.write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    with pytest.raises(KeyCardError) as refused:
        sync.enrol_card(committee, path, cards[0]["fingerprint"])
    assert refused.value.code == "card_signature"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "card_json"),
        (b"{}", "card_shape"),
        (b'{"card":1,"card":2}', "card_json"),
        (b"\xff\xfe", "card_json"),
    ],
)
def test_broken_cards_are_refused(committee, tmp_path, content, code):
    path = tmp_path / "x.card"
    path.write_bytes(content)
    with pytest.raises(KeyCardError) as refused:
        sync.enrol_card(committee, path, "0000 0000 0000 0000 0000 0000")
    assert refused.value.code == code


def test_own_card_is_refused(cell, cards, tmp_path):
    with pytest.raises(KeyCardError):
        sync.enrol_card(cell, tmp_path / "cb01.card", cards[0]["fingerprint"])


def test_rotation_retires_the_old_key_and_the_card_announces_it(cell, committee, cards, tmp_path):
    sync.enrol_card(committee, tmp_path / "cb01.card", cards[0]["fingerprint"])
    rotated = sync.rotate_keys(cell)
    status = sync.key_status(cell)
    assert status["fingerprint"] == rotated["fingerprint"] != rotated["old_fingerprint"]
    assert [k["status"] for k in status["keys"]] == ["retired", "active"]
    card = sync.write_card(cell, tmp_path / "new.card")
    parsed = keys.read_card((tmp_path / "new.card").read_bytes())
    assert parsed.rotation["statement"]["old_key_id"] == status["keys"][0]["key_id"]
    done = sync.enrol_card(committee, tmp_path / "new.card", card["fingerprint"])
    peers = {p["fingerprint"]: p["status"] for p in sync.key_status(committee)["peers"]}
    assert peers == {rotated["old_fingerprint"]: "retired", done["fingerprint"]: "active"}


def test_revoke(cell, committee, cards, tmp_path):
    sync.enrol_card(committee, tmp_path / "cb01.card", cards[0]["fingerprint"])
    with pytest.raises(KeyCardError) as refused:
        sync.revoke_key(cell, cards[0]["fingerprint"])  # its own active key
    assert refused.value.code == "active_own_key"
    with pytest.raises(KeyCardError):
        sync.revoke_key(committee, "0000 0000 0000 0000 0000 0000")
    done = sync.revoke_key(committee, cards[0]["fingerprint"])
    assert done == {"kind": "peer", "key_id": cards[0]["key_id"], "org_code": "X01-CB01"}
    with pytest.raises(KeyCardError) as again:  # a revoked key is not enrolled again
        sync.enrol_card(committee, tmp_path / "cb01.card", cards[0]["fingerprint"])
    assert again.value.code == "revoked"
    old = sync.rotate_keys(cell)["old_fingerprint"]
    assert sync.revoke_key(cell, old)["kind"] == "own"
    with cell.store.read() as conn:
        assert len(keys.decryption_keys(conn)) == 1


def test_profile_from_before_keys_gets_them_on_first_use(cell, home):
    from alembic import command

    from khdesk.core.store.migrate import _alembic_config

    with cell.store.engine.connect().execution_options(khdesk_write=True) as conn:
        with conn.begin():
            command.downgrade(_alembic_config(conn), "0003")
    cell.close()
    session = open_profile(home, "X01-CB01", "bithu", PASSWORD)
    try:
        with session.store.read() as conn:
            assert conn.execute(select(t.sync_own_keys)).all() == []
        status = sync.key_status(session)
        assert FINGERPRINT.match(status["fingerprint"])
        assert sync.key_status(session)["fingerprint"] == status["fingerprint"]
    finally:
        session.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("org_code", "X01-CB01\nX01-CB02"),
        ("org_code", "X" * 65),
        ("org_name", "Chi bộ \u202eộb ihC"),
        ("org_name", "Chi bộ 1\r\nĐã ghi nhận khóa của X01"),
        ("org_name", "Chi bộ " + "1" * 300),
        ("org_name", " Chi bộ 1"),
        ("org_code", "X01-CB01\x00"),
    ],
)
def test_unlisted_a_card_names_its_station_as_a_form_would_or_is_refused(field, value):
    """A card is self-signed by whoever made it, so its station code and name are the
    maker's words: a line break, a bidi override, a NUL or a name past its column went
    into sync_peers as written and showed in `keys list` and every bundle report (and a
    code past 64 characters fails the province tier's column)."""
    names = {"org_code": "X01-CB01", "org_name": "Chi bộ 1", field: value}
    card = keys.make_card(
        keys.KeyPair.generate(), names["org_code"], names["org_name"], "cell", ISO_NOW
    )
    with pytest.raises(KeyCardError) as err:
        keys.read_card(card)
    assert err.value.code == "card_field" and field in err.value.message


ISO_NOW = "2026-11-20T08:30:00+00:00"
