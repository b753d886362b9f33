"""`khdesk transfer out|accept|return|list` (CLI.md) through the real command parser, on
the demo commune's real encrypted profiles."""

from __future__ import annotations

import json

from khdesk.core.services import candidates
from tests.stations import add_office_cell, build_commune


def test_transfer_out_list_accept_return_on_the_command_line(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", enrol=False)
    committee = commune.committee
    add_office_cell(committee)
    first, second = [
        f["file_code"]
        for f in candidates.list_files(committee)
        if f["org_code"] == "X01-CB02" and f["state"] in ("NGUON", "BOI_DUONG", "HO_SO")
    ][:2]
    commune.close()
    home = commune.home
    x01 = ("--profile", "X01", "--today", "2026-11-26")

    def run(*args: str) -> int:
        return quiet_cli(home, "transfer", *args)

    assert (
        run("out", first, "--to", "X01-CB05", "--on", "20/11/2026", "--reason", "Đi làm", *x01) == 0
    )
    assert "đang chuyển" in capsys.readouterr().out
    assert run("out", second, "--to", "X01-CB05", "--on", "2026-11-20", *x01) == 0
    capsys.readouterr()
    # while in transit a step is refused, in Vietnamese, and nothing is written
    assert (
        quiet_cli(home, "step", "record", first, "DUNG", "--on", "21/11/2026", "--profile", "X01")
        == 1
    )
    assert f"Hồ sơ {first} đang chuyển sang X01-CB05" in capsys.readouterr().err
    assert quiet_cli(home, "step", "next", first, "--profile", "X01") == 0
    assert "đang chuyển" in capsys.readouterr().out  # not "the file is closed"
    assert run("list", "--json", "--profile", "X01") == 0
    listed = json.loads(capsys.readouterr().out)
    assert {(x["file_code"], x["status"], x["to_org"]) for x in listed} == {
        (first, "in_transit", "X01-CB05"),
        (second, "in_transit", "X01-CB05"),
    }
    assert listed[0]["sent_on"] == "2026-11-20"  # JSON prints ISO dates

    assert run("accept", first, "--on", "22/11/2026", *x01) == 0
    assert run("return", second, "--on", "22/11/2026", *x01) == 2  # --reason is required
    capsys.readouterr()
    assert run("return", second, "--reason", "Sai địa bàn", "--on", "22/11/2026", *x01) == 0
    capsys.readouterr()
    assert run("list", "--json", "--profile", "X01") == 0
    by_code = {x["file_code"]: x for x in json.loads(capsys.readouterr().out)}
    assert by_code[first]["status"] == "accepted" and by_code[first]["answered_on"] == "2026-11-22"
    assert by_code[second]["status"] == "returned"
    assert by_code[second]["answer_reason"] == "Sai địa bàn"
    assert run("list", "--in-transit", "--profile", "X01") == 0
    assert "Không có hồ sơ" in capsys.readouterr().out
    # a second answer is refused: the transfer is over
    assert run("accept", first, "--on", "23/11/2026", *x01) == 1
    assert "không đang chuyển" in capsys.readouterr().err


def office_file(tmp_path):
    """The demo committee's home, with X01-CB05 kept by the office, and a movable file of
    X01-CB02 (both cells the committee's to write)."""
    commune = build_commune(tmp_path / "home", enrol=False)
    add_office_cell(commune.committee)
    code = next(
        f["file_code"]
        for f in candidates.list_files(commune.committee)
        if f["org_code"] == "X01-CB02" and f["state"] in ("NGUON", "BOI_DUONG", "HO_SO")
    )
    commune.close()
    return commune.home, code


def test_transfer_withdraw_on_the_command_line(tmp_path, quiet_cli, capsys):
    """The committee keeps both cells: a withdrawal is answered at once (the file is home,
    listed as withdrawn); withdrawing again, or a file not in transit, is refused."""
    home, code = office_file(tmp_path)
    x01 = ("--profile", "X01", "--today", "2026-11-26")

    def run(*args: str) -> int:
        return quiet_cli(home, "transfer", *args)

    assert run("withdraw", code, *x01) == 1
    assert "không đang chuyển" in capsys.readouterr().err
    assert run("out", code, "--to", "X01-CB05", "--on", "20/11/2026", *x01) == 0
    capsys.readouterr()
    assert run("withdraw", code, "--on", "19/11/2026", *x01) == 1
    assert "trước ngày chuyển đi" in capsys.readouterr().err
    assert run("withdraw", code, "--on", "21/11/2026", "--reason", "Ở lại thôn", *x01) == 0
    assert "Đã ghi rút lại" in capsys.readouterr().out
    assert run("list", "--json", "--profile", "X01") == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["answered_on"]) == ("withdrawn", "2026-11-21")
    assert shown["answer_reason"] == "Đơn vị gửi rút lại hồ sơ: Ở lại thôn"
    assert run("withdraw", code, *x01) == 1
    assert "không đang chuyển" in capsys.readouterr().err
    assert quiet_cli(home, "step", "next", code, "--profile", "X01") == 0
    assert "đang chuyển" not in capsys.readouterr().out


def test_transfer_opinion_on_the_command_line(tmp_path, quiet_cli, capsys):
    """The previous cell's opinion, recorded after acceptance, with its scan."""
    home, code = office_file(tmp_path)
    x01 = ("--profile", "X01", "--today", "2026-11-26")
    scan = tmp_path / "nx.pdf"
    scan.write_bytes(b"%PDF-1.4 y kien")

    def run(*args: str) -> int:
        return quiet_cli(home, "transfer", *args)

    opinion = ("opinion", code, "--from", "X01-CB02", "--text", "Tốt", "--on", "23/11/2026")
    assert run(*opinion, *x01) == 1  # never moved
    assert "chưa chuyển đơn vị" in capsys.readouterr().err
    assert run("out", code, "--to", "X01-CB05", "--on", "20/11/2026", *x01) == 0
    assert run("accept", code, "--on", "22/11/2026", *x01) == 0
    capsys.readouterr()
    assert run(*opinion, "--doc-no", "3-NX", "--scan", str(scan), "--json", *x01) == 0
    assert json.loads(capsys.readouterr().out)["from_org"] == "X01-CB02"
    assert quiet_cli(home, "attach", "list", code, "--profile", "X01") == 0
    assert "nx.pdf" in capsys.readouterr().out
