"""A probationary member's file moves between two cells of a commune on the command
line, each station in its own data home (as on three PCs), the bundles carried on a
"stick" folder: one owner at every moment, the history identical at the destination, the
recognition deadline unchanged, the new cell asked for a mentor, everything audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from khdesk.core.domain.scope import COMMITTEE_STEPS
from khdesk.core.reports.lists import register_rows
from khdesk.core.services import candidates, integrity
from khdesk.core.store import schema as t
from tests.stations import CliStations, build_commune, copy_profile, open_station

A, B, C = "X01-CB01", "X01-CB04", "X01"
TODAY = ("--today", "2026-11-26")


def test_a_probationary_member_moves_between_two_cells(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "made", cells=(A, B))
    code = next(
        f["file_code"] for f in candidates.list_files(commune.cells[A]) if f["state"] == "DU_BI"
    )
    commune.close()
    homes = {name: tmp_path / name for name in (C, A, B)}
    for name, home in homes.items():
        copy_profile(commune.home, name, home)
    stick = tmp_path / "stick"

    stations = CliStations(quiet_cli, capsys, homes, stick)
    run, carry = stations.run, stations.carry

    def probation_due(station: str) -> set[tuple]:
        found = json.loads(run(station, "check", "--on", "2026-11-26", "--json"))
        return {
            (f["rule"], f["due"])
            for f in found
            if f["file_code"] == code and f["rule"] in ("PROBATION_END", "RECOGNITION_DUE")
        }

    def held(station: str) -> tuple[str, str, bool]:
        session = open_station(homes[station], station)
        try:
            # a copy that moved on is findable among the moved files (read-only)
            files = candidates.list_files(session) + candidates.list_files(session, moved=True)
            row = next(f for f in files if f["file_code"] == code)
            with session.store.read() as conn:
                owner = conn.execute(
                    select(t.candidates.c.owner).where(t.candidates.c.file_code == code)
                ).scalar()
        finally:
            session.close()
        listed = json.loads(run(station, "transfer", "list", "--json"))
        moving = any(x["file_code"] == code and x["status"] == "in_transit" for x in listed)
        return owner, row["org_code"], moving

    def history(station: str, sent_only: bool = False) -> set[str]:
        """The file's steps (`sent_only`: without the committee decisions a cell copied
        from paper, which stay home)."""
        shown = json.loads(run(station, "show", code, "--json"))
        local = ("id", "change_seq")  # what only one database means
        return {
            json.dumps({k: v for k, v in s.items() if k not in local}, sort_keys=True)
            for s in shown["steps"]
            if not (sent_only and s["step_id"] in COMMITTEE_STEPS and s["owner"] == station)
        }

    carry(A, C)
    carry(B, C)
    due = probation_due(A)
    assert due and due == probation_due(C)

    run(
        A,
        "transfer",
        "out",
        code,
        "--to",
        B,
        "--on",
        "20/11/2026",
        "--reason",
        "Chuyển nơi ở",
        *TODAY,
    )
    assert held(A) == (A, A, True)
    carry(A, C)
    assert held(C) == (A, A, True)
    carry(C, B, to=B)
    assert held(B) == (A, A, True)
    assert history(B) == history(C) and history(A, sent_only=True) <= history(B)
    err = run(B, "step", "record", code, "P2", "--on", "21/11/2026", expect=1)
    assert "đang chuyển" in err

    run(B, "transfer", "accept", code, "--on", "22/11/2026", *TODAY)
    assert held(B) == (B, B, False)
    assert held(A) == (A, A, True)  # the sender still holds it back home, in transit
    carry(B, C)
    assert held(C) == (B, B, False)
    carry(C, A, to=A)
    assert held(A) == (B, B, False)  # one owner everywhere
    assert history(B) == history(C) and history(A, sent_only=True) <= history(B)
    # probation keeps counting from the ceremony; the new cell is asked for a mentor
    assert probation_due(B) == due == probation_due(C)
    found = json.loads(run(B, "check", "--on", "2026-11-26", "--json", "--rule", "TRANSFER_MENTOR"))
    assert [f["file_code"] for f in found] == [code]
    # the old cell can no longer record anything on it
    err = run(A, "step", "record", code, "P2", "--on", "23/11/2026", expect=3)  # refused
    assert f"do {B} quản lý" in err
    # the 18-KNĐ register notes the move (at the sending cell: the demo's committee never
    # recorded this file's decision, which the cell copied from paper and kept home, so
    # the file is on no other station's register)
    for station in (A,):
        session = open_station(homes[station], station)
        try:
            with session.store.read() as conn:
                notes = [n for r in register_rows(conn) for n in r.notes]
        finally:
            session.close()
        assert f"Chuyển sinh hoạt từ {A} đến {B} ngày 22/11/2026" in notes, station
    # everything audited where it was done
    for station, action in ((A, "transfer_out"), (B, "transfer_accept")):
        session = open_station(homes[station], station)
        try:
            assert action in [e["action"] for e in integrity.list_audit(session, code)]
        finally:
            session.close()
