"""`khdesk decision list|confirm|dismiss` (issue 17 "one truth"): the committee of a PC
that also holds its cells (as the demo does) finds its reports without --profile, lists
them as text and JSON, confirms one with a corrected number, dismisses one with its
reason, confirms the rest of a cell at once, and says in Vietnamese what is missing."""

from __future__ import annotations

import json

from khdesk.core.services.candidates import open_file
from tests.stations import export


def test_decision_commands(commune, quiet_cli, tmp_path, capsys):
    cell, home = commune.cells["X01-CB01"], commune.home
    up = export(cell, tmp_path / "up")
    commune.close()  # the CLI opens the profiles itself
    assert quiet_cli(home, "--profile", "X01", "bundle", "import", str(up)) == 0
    said = capsys.readouterr().out
    assert "Quyết định chi bộ báo lên (chờ xác nhận: khdesk decision list): thêm" in said

    assert quiet_cli(home, "decision", "list", "--of", "x01-cb01", "--json") == 0
    pending = json.loads(capsys.readouterr().out)
    assert pending and {r["status"] for r in pending} == {"pending"}
    first, second = pending[0], pending[1]

    assert quiet_cli(home, "decision", "list") == 0
    text = capsys.readouterr().out
    assert f"{first['file_code']}" in text and "chờ xác nhận" in text

    assert quiet_cli(home, "decision", "confirm", str(first["id"]), "--doc-no", "1-QĐ/ĐU") == 0
    assert f"Đã xác nhận {first['step_name']}" in capsys.readouterr().out
    assert quiet_cli(home, "decision", "dismiss", str(second["id"]), "--reason", "Sổ không có") == 0
    assert "Không xác nhận" in capsys.readouterr().out
    assert quiet_cli(home, "decision", "confirm", "--all-of", "X01-CB01") == 0
    capsys.readouterr()

    assert quiet_cli(home, "decision", "list", "--all", "--json") == 0
    done = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert done[first["id"]]["status"] == "confirmed"
    assert (done[second["id"]]["status"], done[second["id"]]["reason"]) == (
        "dismissed",
        "Sổ không có",
    )
    assert {r["status"] for r in done.values()} == {"confirmed", "dismissed"}
    assert quiet_cli(home, "decision", "list") == 0
    assert "Không có quyết định chi bộ báo lên chờ xác nhận." in capsys.readouterr().out

    # The corrected number is the committee's own step.
    from tests.stations import open_station

    session = open_station(home, "X01")
    try:
        steps = open_file(session, first["file_code"])["steps"]
    finally:
        session.close()
    assert any(s["doc_no"] == "1-QĐ/ĐU" and s["owner"] == "X01" for s in steps)

    assert quiet_cli(home, "decision", "confirm") == 2
    assert "--all-of" in capsys.readouterr().err
    assert quiet_cli(home, "decision", "confirm", str(first["id"])) == 1
    assert "đã xác nhận" in capsys.readouterr().err
