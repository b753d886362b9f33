"""The `khdesk` command as offices script it: real processes, real files, exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "mat-khau-cli"


def khdesk(home, *args, password=PASSWORD, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env["KHDESK_HOME"] = str(home)
    if password is not None:
        env["KHDESK_PASSWORD"] = password
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "khdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli")
    out = khdesk(
        home,
        "profile",
        "create",
        "--role",
        "cell",
        "--org-code",
        "cb05",
        "--org-name",
        "Chi bộ thôn Phước Đức",
        "--parent-code",
        "X01",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    created = json.loads(out.stdout)
    assert created["profile"] == "CB05" and len(created["recovery_key"].split()) == 8
    return home


def test_profile_list_json(cli_home):
    out = khdesk(cli_home, "profile", "list", "--json")
    assert out.returncode == 0
    assert json.loads(out.stdout) == [
        {"name": "CB05", "role": "cell", "org_code": "CB05", "org_name": "Chi bộ thôn Phước Đức"}
    ]


def test_a_reader_that_stops_reading_gets_no_error_message(cli_home):
    """`khdesk profile list | head -0`: the pipe's reader is gone before the output is
    written; no "lỗi không mong đợi", no Python complaint."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader went away
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env["KHDESK_HOME"] = str(cli_home)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "khdesk", "profile", "list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == ""


def test_a_wildcard_in_a_path_is_expanded_by_khdesk(cli_home, tmp_path):
    """cmd and PowerShell pass `E:\\*.khdb` through as typed: khdesk expands it itself
    (here the pattern reaches khdesk unexpanded, as no shell runs)."""
    stick = tmp_path / "usb"
    stick.mkdir()
    for name in ("goi-b.khdb", "goi-a.khdb", "ghi-chu.txt"):
        (stick / name).write_bytes(b"not a bundle")
    out = khdesk(cli_home, "bundle", "import", str(stick / "*.khdb"), "--json")
    assert out.returncode == 1  # both refused: they are not bundles
    reports = json.loads(out.stdout)
    assert [Path(r["path"]).name for r in reports] == ["goi-a.khdb", "goi-b.khdb"]
    assert all(r["status"] == "refused" for r in reports)
    none = khdesk(cli_home, "bundle", "import", str(stick / "*.khgoi"))
    assert none.returncode == 1 and "Không có tệp nào khớp" in none.stderr
    two = khdesk(cli_home, "bundle", "verify", str(stick / "goi-?.khdb"))
    assert two.returncode == 2 and "khớp 2 tệp" in two.stderr


def test_argparse_speaks_vietnamese(cli_home):
    """usage:, options:, "the following arguments are required"… reached secretaries in
    English; argparse's own words are Vietnamese now."""
    english = ("usage:", "options:", "positional arguments", "required", "unrecognized")
    helped = khdesk(cli_home, "--help")
    assert helped.returncode == 0 and "cách dùng:" in helped.stdout and "tùy chọn:" in helped.stdout
    missing = khdesk(cli_home, "bundle", "import")
    unknown = khdesk(cli_home, "list", "--bogus")
    assert (missing.returncode, unknown.returncode) == (2, 2)
    assert "còn thiếu: TỆP" in missing.stderr and "không hiểu: --bogus" in unknown.stderr
    for out in (helped.stdout, missing.stderr, unknown.stderr):
        assert not any(word in out for word in english), out


def test_wrong_password_exit_3_in_vietnamese_without_traceback(cli_home):
    out = khdesk(cli_home, "list", password="khong-dung")
    assert out.returncode == 3
    assert "Mật khẩu không đúng" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert "ERROR CORE" not in out.stderr  # SQLCipher's own noise stays off the terminal


def test_no_password_and_no_terminal_exit_3(cli_home):
    out = khdesk(cli_home, "list", password=None)
    assert out.returncode == 3
    assert "KHDESK_PASSWORD" in out.stderr


def test_usage_error_exit_2(cli_home):
    assert khdesk(cli_home, "list", "--khong-co").returncode == 2
    assert khdesk(cli_home, "profile", "create", "--role", "vua").returncode == 2


def test_global_options_before_or_after_the_command(cli_home):
    before = khdesk(cli_home, "--json", "--profile", "CB05", "list")
    after = khdesk(cli_home, "list", "--profile", "CB05", "--json")
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout) == json.loads(after.stdout) == []


def test_missing_or_unreadable_file_exit_1(cli_home, tmp_path):
    assert khdesk(cli_home, "import", str(tmp_path / "khong-co.xlsx")).returncode == 1
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    out = khdesk(cli_home, "import", str(broken))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr


def test_finding_6_import_past_a_cap_exits_1_naming_it(cli_home, tmp_path):
    from tests.reliability import hostile_sheets

    bomb = hostile_sheets.inflating_xlsx(tmp_path, inflated=300 * hostile_sheets.MIB)
    out = khdesk(cli_home, "import", str(bomb), "--dry-run")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "quá giới hạn 256 MB" in out.stderr


def test_unknown_profile_is_explained(cli_home):
    out = khdesk(cli_home, "list", "--profile", "CB99")
    assert out.returncode == 1
    assert "CB99" in out.stderr


def test_bad_workbook_lists_each_bad_cell_and_dry_run_changes_nothing(cli_home, tmp_path):
    import openpyxl

    path = tmp_path / "xau.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Quần chúng"
    ws.append(["Mã hồ sơ", "Họ và tên*", "Giới tính*", "Ngày sinh*", "Mã chi bộ*", "Số CCCD"])
    ws.append(["CB05-0001", "Trần Thị Mỹ Dung", "Nữ", "12/03/1998", "CB05", "056198000123"])
    ws.append(["CB05-0002", "Lê Văn Phúc", "Nam", "31/02/1999", "CB05", None])
    ws.append(["CB05-0003", "Phạm Văn Lợi", "Trai", "01/01/2000", "CB05", None])
    ws.append(["CB05-0004", None, "Nữ", "02/02/2002", "CB05", None])
    wb.save(path)

    out = khdesk(cli_home, "import", str(path), "--dry-run", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["committed"] is False
    problems = {(p["row"], p["column"]) for p in report["problems"]}
    assert problems == {(3, "Ngày sinh"), (4, "Giới tính"), (5, "Họ và tên")}
    assert all(p["sheet"] == "Quần chúng" for p in report["problems"])
    assert json.loads(khdesk(cli_home, "list", "--json").stdout) == []  # nothing changed

    text = khdesk(cli_home, "import", str(path), "--dry-run")
    assert "Trang 'Quần chúng', dòng 3, cột 'Ngày sinh'" in text.stdout
    assert "31/02/1999" in text.stdout

    assert khdesk(cli_home, "import", str(path), "--all-or-nothing").returncode == 1
    assert json.loads(khdesk(cli_home, "list", "--json").stdout) == []

    assert khdesk(cli_home, "import", str(path)).returncode == 0  # good rows in, bad reported
    listed = json.loads(khdesk(cli_home, "list", "--json").stdout)
    assert [f["full_name"] for f in listed] == ["Trần Thị Mỹ Dung"]
    assert listed[0]["state"] == "NGUON" and listed[0]["birth_date"] == "1998-03-12"
    again = json.loads(khdesk(cli_home, "import", str(path), "--json").stdout)
    assert sum(s["added"] + s["updated"] for s in again["sheets"].values()) == 0


def test_unlisted_no_control_character_from_outside_reaches_the_terminal(cli_home, tmp_path):
    """A file name on a USB stick is the sender's to choose: escape sequences in it (retitle
    the window, clear the screen, overwrite a line with CR, reverse text with a bidi
    mark) are shown as a replacement mark, never sent to the terminal."""
    hostile = "\x1b]0;pwned\x07\x1b[2J\rHỢP LỆ\u202e"
    for command, suffix, body in (
        ("import", ".xlsx", b"PK\x03\x04 not really a workbook"),
        ("bundle verify", ".khb", b"not a bundle"),
    ):
        path = tmp_path / f"{hostile}{suffix}"
        path.write_bytes(body)
        out = khdesk(cli_home, *command.split(), str(path))
        assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
        shown = out.stdout + out.stderr
        assert "\ufffd" in shown, shown  # the name is quoted, marked where it was hostile
        for ch in ("\x1b", "\x07", "\u202e"):
            assert ch not in shown, (command, shown)
        assert "\nHỢP LỆ" not in shown  # the CR (read as a line end here) was not sent
