"""A probationary member's file moves out of the province on the command line, each
station in its own data home (as on separate PCs): cell → its committee → province KH,
which writes a signed, encrypted transfer file for province DNG's khdesk; DNG places the
file under one of its units and answers; the answer goes back to KH and down to the cell.
One owner at every moment, the history identical at the destination, the recognition
deadline unchanged, each end's statistics counting what happened there, everything
audited (RULES.md §2a, FORMAT.md §12)."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlalchemy import select

from khdesk.core.domain.scope import COMMITTEE_STEPS
from khdesk.core.reports.stats.scope import Scope
from khdesk.core.services import candidates, integrity, statistics
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.store import schema as t
from tests.stations import (
    CliStations,
    build_commune,
    build_outside,
    copy_profile,
    enrol_both,
    new_station,
    open_station,
)

A, C, KH, DNG = "X01-CB01", "X01", "KH", "DNG"
UNIT = "DNG-CB01"  # a cell the province DNG keeps itself
TODAY = ("--today", "2026-11-26")


def make_stations(tmp_path: Path) -> tuple[dict[str, Path], str]:
    """The commune X01 (committee + cell A) under KH, and DNG in a home of its own; the
    probationary member's file code."""
    commune = build_commune(tmp_path / "made", cells=(A,))
    try:
        code = next(
            f["file_code"] for f in candidates.list_files(commune.cells[A]) if f["state"] == "DU_BI"
        )
        kh = new_station(commune.home, "province", KH, "Tỉnh ủy Khánh Hòa", None)
        tree = [{"code": C, "name": "Đảng ủy xã Cam Lâm", "parent_code": KH, "kind": "Đảng ủy xã"}]
        assert import_tables(kh, RowTables.from_dicts({"orgs": tree}), "t").committed
        enrol_both(kh, commune.committee, tmp_path)
        kh.close()
    finally:
        commune.close()
    homes = {name: tmp_path / name for name in (A, C, KH, DNG)}
    for name in (A, C, KH):
        copy_profile(commune.home, name, homes[name])
    dng = new_station(homes[DNG], "province", DNG, "Tỉnh ủy Đà Nẵng", None)
    unit = {"code": UNIT, "name": "Chi bộ phường Hải Châu", "parent_code": DNG}
    rows = {"orgs": [{**unit, "kind": "Chi bộ thôn", "is_grassroots_cell": True}]}
    assert import_tables(dng, RowTables.from_dicts(rows), "t").committed
    dng.close()
    return homes, code


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def figures(home: Path, station: str, unit: str) -> dict[str, int]:
    session = open_station(home, station)
    try:
        result = statistics.profile_stats(
            session, Scope(date(2000, 1, 1), date(2026, 11, 26)), date(2026, 11, 26)
        )
    finally:
        session.close()
    return {k: result.unit(unit)[k] for k in ("admitted", "members_total")}


def test_a_probationary_member_moves_to_another_province(tmp_path, quiet_cli, capsys):
    homes, code = make_stations(tmp_path)
    stick = tmp_path / "stick"
    stations = CliStations(quiet_cli, capsys, homes, stick)
    run, carry = stations.run, stations.carry

    def held(station: str) -> tuple[str, str, bool]:
        session = open_station(homes[station], station)
        try:
            with session.store.read() as conn:
                owner, org = conn.execute(
                    select(t.candidates.c.owner, t.candidates.c.org_code).where(
                        t.candidates.c.file_code == code
                    )
                ).one()
        finally:
            session.close()
        listed = json.loads(run(station, "transfer", "list", "--json"))
        moving = any(x["file_code"] == code and x["status"] == "in_transit" for x in listed)
        return owner, org, moving

    def history(station: str) -> list[str]:
        shown = json.loads(run(station, "show", code, "--json"))
        local = ("id", "change_seq")
        return [
            json.dumps({k: v for k, v in s.items() if k not in local}, sort_keys=True)
            for s in shown["steps"]
            if not (s["step_id"] in COMMITTEE_STEPS and s["owner"] == A)  # the cell's copies
        ]

    def probation_due(station: str) -> set[tuple]:
        found = json.loads(run(station, "check", "--on", "2026-11-26", "--json"))
        return {
            (f["rule"], f["due"])
            for f in found
            if f["file_code"] == code and f["rule"] in ("PROBATION_END", "RECOGNITION_DUE")
        }

    carry(A, C)
    carry(C, KH)
    due = probation_due(A)
    assert due
    before = {KH: figures(homes[KH], KH, A), DNG: figures(homes[DNG], DNG, DNG)}

    # The provinces enrol each other's cards (fingerprints read over the phone).
    cards = {}
    for station, other in ((KH, DNG), (DNG, KH)):
        card = cards[other] = json.loads(
            run(other, "keys", "card", "--out", str(stick / f"{other}.card"), "--json")
        )
        run(
            station,
            "transfer",
            "station-enrol",
            str(stick / f"{other}.card"),
            "--fingerprint",
            card["fingerprint"],
        )
    # ... and never as a peer of their tree: an ordinary enrolment is refused.
    err = run(
        KH,
        "keys",
        "enrol",
        str(stick / f"{DNG}.card"),
        "--fingerprint",
        cards[DNG]["fingerprint"],
        expect=1,
    )
    assert "sẽ bị từ chối" in err

    run(
        A,
        "transfer",
        "out",
        code,
        "--to",
        DNG,
        "--on",
        "20/11/2026",
        "--reason",
        "Chuyển công tác",
        *TODAY,
    )
    carry(A, C)
    carry(C, KH)
    assert held(KH) == (A, A, True)
    out_dir = stick / "out"
    out_dir.mkdir()
    run(KH, "transfer", "export", code, "--out", str(out_dir))
    [sent] = out_dir.iterdir()
    assert sent.suffix == ".khct"
    # For a province without khdesk: the printed transfer list.
    pdf = tmp_path / "chuyen.pdf"
    run(KH, "transfer", "print", code, "--out", str(pdf))
    text = " ".join(pdf_text(pdf).split())
    shown = json.loads(run(KH, "show", code, "--json"))
    assert "DANH SÁCH CHUYỂN HỒ SƠ" in text and shown["full_name"] in text and code in text
    assert f"Chuyển từ {A} đến {DNG} ngày 20/11/2026. Lý do: Chuyển công tác." in text
    for s in shown["steps"]:
        day = "/".join(reversed(s["on"].split("-")))
        assert day in text and (s["doc_no"] or "") in text, s

    shown = json.loads(run(DNG, "transfer", "receive", str(sent), "--json"))
    assert (shown["file_code"], shown["from_org"], shown["problem"]) == (code, A, None)
    answers = stick / "answers"
    answers.mkdir()
    run(
        DNG,
        "transfer",
        "receive",
        str(sent),
        "--accept",
        "--to",
        UNIT,
        "--on",
        "23/11/2026",
        "--answer-out",
        str(answers),
        *TODAY,
    )
    assert held(DNG) == (DNG, DNG, True)  # DNG holds it, passed on to its unit
    assert held(KH) == (A, A, True)  # back home still in transit: nobody writes
    err = run(KH, "transfer", "receive", str(sent), "--accept", expect=1)
    assert "không gửi cho hồ sơ làm việc này" in err  # sealed to DNG alone
    run(DNG, "transfer", "accept", code, "--on", "24/11/2026", *TODAY)
    assert held(DNG) == (DNG, UNIT, False)

    [answer] = answers.iterdir()
    done = json.loads(run(KH, "transfer", "answer-import", str(answer), "--json", *TODAY))
    assert done["status"] == "accepted"
    again = json.loads(run(KH, "transfer", "answer-import", str(answer), "--json", *TODAY))
    assert again["status"] == "duplicate"
    assert held(KH) == (DNG, DNG, False)
    files = {
        (x["direction"], x["status"]) for x in json.loads(run(KH, "transfer", "files", "--json"))
    }
    assert files == {("out", "accepted")}
    assert [x["status"] for x in json.loads(run(DNG, "transfer", "files", "--json"))] == [
        "accepted"
    ]
    carry(KH, C, to=C)
    carry(C, A, to=A)
    assert held(C) == held(A) == (DNG, DNG, False)  # read-only at home: transferred out
    err = run(A, "step", "record", code, "P2", "--on", "25/11/2026", expect=3)
    assert f"do {DNG} quản lý" in err

    # The history is the same at both ends (DNG's own moves after it).
    here, there = history(KH), history(DNG)
    assert there[: len(here)] == here and history(A) == here
    assert probation_due(DNG) == due
    after = {KH: figures(homes[KH], KH, A), DNG: figures(homes[DNG], DNG, DNG)}
    # each end counts what happened there: the admission stays the old cell's, the
    # member is counted by the unit holding the file at the end of the period
    assert after[KH] == {**before[KH], "members_total": before[KH]["members_total"] - 1}
    assert after[DNG] == {"admitted": 0, "members_total": before[DNG]["members_total"] + 1}
    # The other stations' lists, checks, statistics and registers take the file that left.
    for station in (A, C, KH, DNG):
        run(station, "list", "--json")
        run(station, "check", "--on", "2026-11-26", "--json")
        run(station, "stats", "--json", "--on", "2026-11-26")
        register = tmp_path / f"register-{station}.pdf"
        run(station, "report", "register", "--out", str(register), "--on", "2026-11-26")
    [moved] = [
        x for x in json.loads(run(A, "transfer", "list", "--json")) if x["file_code"] == code
    ]
    assert (moved["to_org"], moved["status"]) == (DNG, "accepted")
    # Everything audited where it was done.
    for station, actions in (
        (KH, {"transfer_file_export", "transfer_file_answered"}),
        (DNG, {"transfer_file_accept", "transfer_out", "transfer_accept"}),
    ):
        session = open_station(homes[station], station)
        try:
            assert actions <= {e["action"] for e in integrity.list_audit(session, code)}
        finally:
            session.close()


def runner(home: Path, quiet_cli, capsys, stick: Path):
    """`run(station, *args, expect=0)` at every station of one data home."""
    return CliStations(quiet_cli, capsys, defaultdict(lambda: home), stick).run


def test_the_other_province_returns_the_file(tmp_path, quiet_cli, capsys):
    """Returned on the command line: nothing of the file stays at DNG; back at KH the
    sending cell holds it again; the answer given twice changes nothing."""
    w = build_outside(tmp_path)
    home, code = w.commune.home, w.code
    w.close()
    run = runner(home, quiet_cli, capsys, tmp_path / "stick")

    answers = tmp_path / "answers"
    answers.mkdir()
    err = run(DNG, "transfer", "receive", str(w.sent), "--return", "", *TODAY, expect=1)
    assert "Ghi lý do trả lại" in err
    out = run(DNG, "transfer", "receive", str(w.sent), "--return", "Sai nơi nhận", *TODAY)
    assert f"Đã trả lại hồ sơ {code}" in out and "khdesk transfer answer" in out
    run(DNG, "transfer", "answer", code, "--out", str(answers))
    [answer] = answers.iterdir()
    assert json.loads(run(DNG, "list", "--json")) == []
    out = run(KH, "transfer", "answer-import", str(answer), *TODAY)
    assert "đã trả lại hồ sơ" in out
    out = run(KH, "transfer", "answer-import", str(answer), *TODAY)
    assert "đã được nhập trước đó" in out
    [moved] = [
        x for x in json.loads(run(KH, "transfer", "list", "--json")) if x["file_code"] == code
    ]
    assert (moved["status"], moved["answer_reason"]) == ("returned", "Sai nơi nhận")


def test_the_province_lists_and_revokes_another_provinces_key(tmp_path, quiet_cli, capsys):
    """`transfer stations` lists the other provinces' keys; `transfer station-revoke`
    revokes one by its fingerprint; the answer it signed is refused after, in
    Vietnamese; a province code typed wrong names the provinces a file may go to."""
    w = build_outside(tmp_path)
    home, code = w.commune.home, w.code
    w.close()
    run = runner(home, quiet_cli, capsys, tmp_path / "stick")

    listed = run(KH, "transfer", "stations")
    assert "DNG" in listed and "QNA" in listed and "đang dùng" in listed
    [dng] = [
        s for s in json.loads(run(KH, "transfer", "stations", "--json")) if s["org_code"] == DNG
    ]
    answers = tmp_path / "answers"
    answers.mkdir()
    run(DNG, "transfer", "receive", str(w.sent), "--accept", "--answer-out", str(answers), *TODAY)
    [answer] = answers.iterdir()
    err = run(KH, "transfer", "station-revoke", "AAAA-BBBB", expect=1)
    assert "Không có khóa của tỉnh khác nào" in err
    out = run(KH, "transfer", "station-revoke", dng["fingerprint"])
    assert f"Đã thu hồi khóa của {DNG}" in out
    assert "đã thu hồi" in run(KH, "transfer", "stations")
    err = run(KH, "transfer", "answer-import", str(answer), *TODAY, expect=1)
    assert "chưa được ghi nhận" in err
    # DNG holds the file now; a province code typed wrong: refused, KH named as the choice
    err = run(DNG, "transfer", "out", code, "--to", "KHH", "--on", "24/11/2026", *TODAY, expect=1)
    assert "Không có đơn vị mã 'KHH'" in err and "KH (Tỉnh ủy Khánh Hòa)" in err
