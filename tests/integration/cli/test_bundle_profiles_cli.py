"""`bundle import` and `bundle verify` on a PC holding several profiles, without
--profile: each bundle goes to the profile it is sealed to (its outer header's recipient
key, matched against each profile's public key list), as a file code chooses its profile
for the other commands. One `bundle import E:\\*.khdb` may carry bundles for several of
them; a bundle for none of them is refused in words, the others still imported. The
choice grants nothing: the chosen profile checks everything as before."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from khdesk.core.services import sync
from khdesk.core.store import schema as t
from tests.stations import build_commune, open_station

A, B, C = "X01-CB01", "X01-CB04", "X01"


def received(home, name: str) -> int:
    session = open_station(home, name)
    try:
        with session.store.read() as conn:
            return conn.execute(select(func.count()).select_from(t.sync_received)).scalar()
    finally:
        session.close()


def test_each_bundle_goes_to_the_profile_it_is_sealed_to(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", cells=(A, B))
    stick = tmp_path / "stick"  # one folder, as a secretary's E:\
    stick.mkdir()
    up = sync.export_bundle(commune.cells[A], stick).path
    down = sync.export_bundle(commune.committee, stick, to=B).path
    commune.close()
    home = commune.home
    # a bundle sealed to a key no profile here holds (its header's key id changed)
    stray = stick / "goi-la.khdb"
    data = bytearray(Path(up).read_bytes())
    data[10:26] = bytes(16)  # after the magic and the format version
    stray.write_bytes(bytes(data))
    before = {name: received(home, name) for name in (A, B, C)}

    code = quiet_cli(home, "bundle", "verify", down, "--json")
    out = capsys.readouterr()
    assert code == 0, out.err
    verified = json.loads(out.out)
    assert (verified["status"], verified["profile"]) == ("new", B)

    code = quiet_cli(home, "bundle", "import", str(stick / "*.khdb"), "--json")
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err  # the stray is refused
    reports = {r["path"].rsplit("/", 1)[-1]: r for r in json.loads(out.out)}
    assert {(r["profile"], r["status"]) for r in reports.values()} == {
        (C, "imported"),
        (B, "imported"),
        (None, "refused"),
    }
    assert "không thuộc hồ sơ làm việc nào" in reports["goi-la.khdb"]["reason"]
    # the demo's X01-CB03 was never opened here: its keys are not known, and that is said
    assert "Chưa biết khóa của hồ sơ X01-CB03:" in reports["goi-la.khdb"]["reason"]
    after = {name: received(home, name) for name in (A, B, C)}
    assert after == {A: before[A], B: before[B] + 1, C: before[C] + 1}

    # in words too, each profile named; a second run finds both already imported
    code = quiet_cli(home, "bundle", "import", str(stick / "goi-dong-bo-*.khdb"))
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"Hồ sơ làm việc {C}" in out.out and f"Hồ sơ làm việc {B}" in out.out
    assert out.out.count("đã nhập trước đó") == 2


def test_an_explicit_profile_still_decides(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", cells=(A,))
    (tmp_path / "up").mkdir()
    up = sync.export_bundle(commune.cells[A], tmp_path / "up").path
    commune.close()
    code = quiet_cli(commune.home, "bundle", "import", up, "--profile", A, "--json")
    out = capsys.readouterr()
    assert code == 1  # sealed to X01: A cannot open it
    [report] = json.loads(out.out)
    assert (report["profile"], report["status"], report["code"]) == (
        A,
        "refused",
        "wrong_recipient",
    )


def test_a_new_key_is_known_at_once_and_the_old_one_kept(tmp_path):
    """A bundle sealed to the old key may still be on its way: both choose the profile."""
    commune = build_commune(tmp_path / "home", cells=(A,))
    try:
        cell = commune.cells[A]
        done = sync.rotate_keys(cell)
        assert cell.dir.bundle_key_ids() == {done["key_id"], done["old_key_id"]}
    finally:
        commune.close()
