"""A probationary member's file moves to another commune through the province on the
command line, each station in its own data home (five PCs: cell A, its committee X01,
the province KH, the receiving committee X02 which keeps its cell X02-CB01 itself), the
bundles carried on a "stick" folder: one owner at every moment, the history identical at
the destination, the recognition deadline unchanged, each end's statistics counting what
happened there, everything audited (RULES.md §2a)."""

from __future__ import annotations

import json

from khdesk.core.reports.lists import register_rows
from khdesk.core.services import candidates, integrity
from tests.stations import CliStations, build_two_communes, copy_profile, open_station

A, X01, KH, X02, B = "X01-CB01", "X01", "KH", "X02", "X02-CB01"
TODAY = ("--today", "2026-11-26")


def build(tmp_path) -> str:
    """The five stations in one data home, enrolled along the tree; the file's code."""
    world = build_two_communes(tmp_path / "made", tmp_path)
    try:
        files = candidates.list_files(world.cell)
        return next(f["file_code"] for f in files if f["state"] == "DU_BI")
    finally:
        world.close()


def test_a_probationary_member_moves_to_another_commune(tmp_path, quiet_cli, capsys):
    code = build(tmp_path)
    homes = {name: tmp_path / name for name in (A, X01, KH, X02)}
    for name, home in homes.items():
        copy_profile(tmp_path / "made", name, home)
    stick = tmp_path / "stick"

    stations = CliStations(quiet_cli, capsys, homes, stick)
    run, carry = stations.run, stations.carry

    def up() -> None:
        carry(A, X01)
        carry(X01, KH)
        carry(X02, KH)

    def there() -> None:
        carry(A, X01)
        carry(X01, KH)
        carry(KH, X02, to=X02)

    def back() -> None:
        carry(X02, KH)
        carry(KH, X01, to=X01)
        carry(X01, A, to=A)

    def held(station: str) -> tuple[str, str, bool]:
        shown = json.loads(run(station, "show", code, "--json"))
        listed = json.loads(run(station, "transfer", "list", "--json"))
        moving = any(x["file_code"] == code and x["status"] == "in_transit" for x in listed)
        return shown["owner"], shown["org_code"], moving

    def history(station: str) -> set[str]:
        shown = json.loads(run(station, "show", code, "--json"))
        local = ("id", "change_seq")  # what only one database means
        return {
            json.dumps({k: v for k, v in s.items() if k not in local}, sort_keys=True)
            for s in shown["steps"]
        }

    def probation_due(station: str) -> set[tuple]:
        found = json.loads(run(station, "check", "--on", "2026-11-26", "--json"))
        return {
            (f["rule"], f["due"])
            for f in found
            if f["file_code"] == code and f["rule"] in ("PROBATION_END", "RECOGNITION_DUE")
        }

    def figures(station: str, unit: str) -> dict:
        stats = json.loads(run(station, "stats", "--year", "2026", "--json"))
        rows = [r for level in stats["levels"].values() for r in level if r["org_code"] == unit]
        return {k: rows[0][k] for k in ("admitted", "admitted_youth", "recognised", "struck_off")}

    up()
    # the cell's paper copies of X01's decisions (this file's A10 among them), confirmed
    # at X01 and sent down and up: one truth at every station before the move
    run(X01, "decision", "confirm", "--all-of", A, *TODAY)
    carry(X01, A, to=A)
    carry(X01, KH)
    due = probation_due(A)
    assert due and due == probation_due(X01) == probation_due(KH)
    before = {s: figures(s, A) for s in (A, X01, KH)}
    assert before[A] == before[X01] == before[KH] and before[A]["admitted"] >= 1
    receiving = figures(X02, B)

    moving = ("--to", B, "--on", "20/11/2026", "--reason", "Đi làm ăn")
    run(A, "transfer", "out", code, *moving, *TODAY)
    assert held(A) == (A, A, True)
    there()
    assert held(X02) == (A, A, True)  # at the receiving end: in transit, still A's
    assert held(KH) == (A, A, True)
    err = run(X02, "step", "record", code, "P2", "--on", "21/11/2026", expect=1)
    assert "đang chuyển" in err

    run(X02, "transfer", "accept", code, "--on", "23/11/2026", *TODAY)
    assert held(X02) == (X02, B, False)
    assert held(A) == (A, A, True)  # the sender learns it with the bundles back
    back()
    for station in (A, X01, KH, X02):
        assert held(station) == (X02, B, False), station  # one owner everywhere
    assert history(X02) == history(KH) == history(X01) == history(A)
    assert '"A10"' in " ".join(history(X02))  # the admission went with the file
    # probation keeps counting from the ceremony, at the new end too
    assert probation_due(X02) == due
    # the old cell can no longer record anything on it
    err = run(A, "step", "record", code, "P2", "--on", "24/11/2026", expect=3)
    assert f"do {X02} quản lý" in err
    # each event counts for the unit that held the file when it happened: the admission
    # stays A's at every station; the receiving cell gains no admission it did not make
    for station in (A, X01, KH):
        assert figures(station, A) == before[station], station
    assert figures(X02, B) == receiving
    # the 18-KNĐ register notes the move at both ends
    for station in (A, X02):
        session = open_station(homes[station], station)
        try:
            with session.store.read() as conn:
                notes = [n for r in register_rows(conn) for n in r.notes]
        finally:
            session.close()
        assert f"Chuyển sinh hoạt từ {A} đến {B} ngày 23/11/2026" in notes, station
    # everything audited where it was done
    for station, action in ((A, "transfer_out"), (X02, "transfer_accept")):
        session = open_station(homes[station], station)
        try:
            assert action in [e["action"] for e in integrity.list_audit(session, code)]
        finally:
            session.close()
