"""`khdesk class …` through the real command parser on a real cell profile: a class typed
in, A2 on the file of the one who passed, the stranger listed to resolve, then resolved."""

from __future__ import annotations

import json

from tests.stations import build_commune

CLASS = [
    "--code", "lop-2026-07", "--name", "Lớp nhận thức về Đảng khóa 7",
    "--organiser", "Trung tâm Chính trị Cam Lâm",
    "--from", "02/11/2026", "--to", "06/11/2026", "--cert-on", "09/11/2026",
    "--today", "26/11/2026",
]  # fmt: skip


def test_a_class_typed_at_a_cell_records_a2(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", enrol=False)
    commune.close()
    home, cell = commune.home, ["--profile", "X01-CB01"]
    code = quiet_cli(
        home, "class", "new", *cell, *CLASS,
        "--participant", "LE THANH LOC;18/12/2004;056204093229;X01-CB01;12/CN-TTCT;Đạt",
        "--participant", "Võ Bích Ánh;11/04/1990;;x01-cb01;;không đạt",
        "--participant", "Phan Văn Lạ;01/01/2000;;X01-CB01;14/CN-TTCT;Đạt",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Lớp LOP-2026-07" in out and "dòng 3: Phan Văn Lạ" in out
    assert "3 học viên — đã ghi bước A2: 1, không đạt: 1, không tìm thấy hồ sơ: 1." in out

    assert quiet_cli(home, "show", "X01-CB01-0001", *cell, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    a2 = [s for s in shown["steps"] if s["step_id"] == "A2"]
    assert [(s["on"], s["doc_no"]) for s in a2] == [("2026-11-09", "12/CN-TTCT")]

    # The stranger is X01-CB01-0017 after all? No: a different person is refused.
    assert quiet_cli(home, "class", "resolve", "LOP-2026-07", "3", "X01-CB01-0017", *cell) == 1
    assert "không khớp họ tên" in capsys.readouterr().err

    assert quiet_cli(home, "class", "show", "lop-2026-07", *cell, "--json") == 0
    lines = json.loads(capsys.readouterr().out)["participants"]
    assert [x["outcome"] for x in lines] == ["recorded", "not_passed", "not_found"]
    assert quiet_cli(home, "class", "list", *cell, "--json") == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["participants"], listed["recorded"], listed["to_resolve"]) == (3, 1, 1)

    # A bad participant line is a usage error naming the format, nothing recorded.
    bad = ["--participant", "Ai đó;01/01/2000;Đạt"]
    assert quiet_cli(home, "class", "new", *cell, *CLASS, *bad) == 2
    assert "cần 6 phần" in capsys.readouterr().err
