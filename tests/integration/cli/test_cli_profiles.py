"""Issue 17 item 6: with several profiles on one PC, a FILE_CODE finds its profile
(CLI.md); and item 5: a DATE argument read one way everywhere. Real processes, real
encrypted profiles."""

import json

import pytest

from tests.integration.cli.test_cli import khdesk

LISTING = "Có nhiều hồ sơ làm việc (CB05, X01, X01-CB01, X01-CB02)"


def create(home, role, code, name, parent=None):
    args = ["profile", "create", "--role", role, "--org-code", code, "--org-name", name]
    out = khdesk(home, *args, *(["--parent-code", parent] if parent else []), "--json")
    assert out.returncode == 0, out.stderr


def add_candidate(home, profile, full_name):
    out = khdesk(
        home,
        "--profile",
        profile,
        "candidate",
        "add",
        "--full-name",
        full_name,
        "--sex",
        "Nữ",
        "--birth-date",
        "04/05/1995",
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()[-1].rstrip(".")


@pytest.fixture(scope="module")
def commune(tmp_path_factory):
    """A committee X01 and three cells on one PC: two named under it (X01-CB01, X01-CB02)
    and one coded without its committee's prefix (CB05 under X01)."""
    home = tmp_path_factory.mktemp("commune")
    create(home, "committee", "X01", "Đảng ủy xã Cam Lâm")
    create(home, "cell", "X01-CB01", "Chi bộ thôn Bãi Giếng Bắc", "X01")
    create(home, "cell", "X01-CB02", "Chi bộ thôn Nghĩa Phú", "X01")
    create(home, "cell", "CB05", "Chi bộ thôn Phước Đức", "X01")
    codes = {
        "X01-CB01": add_candidate(home, "X01-CB01", "Nguyễn Thị Lan"),
        "X01-CB02": add_candidate(home, "X01-CB02", "Trần Thị Hoa"),
        "CB05": add_candidate(home, "CB05", "Lê Thị Mai"),
    }
    assert codes == {"X01-CB01": "X01-CB01-0001", "X01-CB02": "X01-CB02-0001", "CB05": "CB05-0001"}
    return home


def test_finding_6_show_file_code_finds_its_cell_without_profile(commune):
    out = khdesk(commune, "show", "X01-CB01-0001")
    assert out.returncode == 0, out.stderr
    assert "Nguyễn Thị Lan" in out.stdout
    out = khdesk(commune, "show", "x01-cb02-0001")  # typed in lower case
    assert out.returncode == 0, out.stderr
    assert "Trần Thị Hoa" in out.stdout


def test_finding_6_a_cell_code_without_its_committee_prefix_finds_its_profile(commune):
    out = khdesk(commune, "show", "CB05-0001")
    assert out.returncode == 0, out.stderr
    assert "Lê Thị Mai" in out.stdout


def test_finding_6_step_list_search_and_form_take_the_file_code_profile(commune, tmp_path):
    out = khdesk(commune, "step", "next", "X01-CB02-0001")
    assert out.returncode == 0, out.stderr
    out = khdesk(commune, "list", "--search", "X01-CB01-0001", "--json")
    assert out.returncode == 0, out.stderr
    assert [f["full_name"] for f in json.loads(out.stdout)] == ["Nguyễn Thị Lan"]
    pdf = tmp_path / "checklist.pdf"
    out = khdesk(commune, "form", "checklist", "--file", "X01-CB01-0001", "--out", str(pdf))
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_finding_6_a_cell_without_its_own_profile_falls_to_its_committee(commune):
    """The committee X01 holds its cells' files: X01-CB03 has no profile here, so X01 is
    opened and looked in (the file is not there: exit 1, not the listing's exit 2)."""
    out = khdesk(commune, "show", "X01-CB03-0004")
    assert out.returncode == 1, out.stderr
    assert "Không có hồ sơ mã 'X01-CB03-0004'" in out.stderr


def test_finding_6_an_unknown_unit_gets_the_listing_error(commune):
    out = khdesk(commune, "show", "Z09-CB01-0001")
    assert out.returncode == 2
    assert LISTING in out.stderr and "--profile" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [["check"], ["list", "--search", "Nguyễn"], ["list"]])
def test_finding_6_without_a_file_code_the_profiles_are_listed(commune, args):
    out = khdesk(commune, *args)
    assert out.returncode == 2
    assert LISTING in out.stderr


def test_unlisted_a_file_added_on_the_command_line_is_found_by_search(commune):
    """`candidate add` wrote the file but not its search entry: no search found it."""
    out = khdesk(commune, "--profile", "X01-CB02", "list", "--search", "hoa", "--json")
    assert out.returncode == 0, out.stderr
    assert [f["file_code"] for f in json.loads(out.stdout)] == ["X01-CB02-0001"]


def test_finding_6_profile_option_still_decides(commune):
    out = khdesk(commune, "--profile", "X01-CB02", "show", "X01-CB01-0001")
    assert out.returncode == 1
    assert "Không có hồ sơ mã 'X01-CB01-0001'" in out.stderr


@pytest.mark.parametrize("on", ["31/01/2026", "2026-01-31", " 31/1/2026 "])
def test_finding_5_a_date_argument_takes_both_forms(commune, on):
    out = khdesk(commune, "--profile", "X01-CB01", "check", "--on", on, "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []  # the new file's first due date is months away


@pytest.mark.parametrize(
    ("on", "why"),
    [
        ("31/02/2026", "ngày không có thật (tháng 2 năm 2026 chỉ có 28 ngày)"),
        ("31/02/26", "năm cần ghi đủ 4 chữ số"),
        ("hôm qua", "cần dạng ngày/tháng/năm"),
    ],
)
def test_finding_5_a_bad_date_argument_says_what_is_wrong(commune, on, why):
    out = khdesk(commune, "--profile", "X01-CB01", "check", "--on", on)
    assert out.returncode == 2
    assert f"Ngày '{on}' không hợp lệ: {why}" in out.stderr
    assert "dd/mm/yyyy" not in out.stderr


@pytest.fixture
def demo(tmp_path):
    """`khdesk demo`: the committee X01 and three of its cells on one PC, linked."""
    from khdesk.demo.loop import build_demo
    from tests.stations import PASSWORD, TODAY

    home = tmp_path / "home"
    build_demo(home, PASSWORD, today=TODAY)
    return home, TODAY


def states(home, code):
    from khdesk.core.services.candidates import open_file
    from tests.stations import open_station

    out = {}
    for name in ("X01", "X01-CB01"):
        session = open_station(home, name)
        try:
            out[name] = open_file(session, code, audit=False)["state"]
        finally:
            session.close()
    return out


def test_a_committee_step_on_a_cell_file_opens_the_committee(demo, quiet_cli, capsys):
    """The demo's X01-CB01-0011 passed its cell's vote: its decision (A10) is the
    committee's to record, so `step record` without --profile opens X01, not the cell."""
    home, today = demo
    assert states(home, "X01-CB01-0011") == {"X01": "CHI_BO_XET", "X01-CB01": "CHI_BO_XET"}
    args = ["step", "record", "X01-CB01-0011", "A10", "--on", "20/11/2026"]
    rc = quiet_cli(home, *args, "--doc-no", "12-QĐ/ĐU", "--today", f"{today:%d/%m/%Y}")
    assert rc == 0, capsys.readouterr().err
    assert "Đã ghi bước A10" in capsys.readouterr().out
    assert states(home, "X01-CB01-0011") == {"X01": "QUYET_DINH", "X01-CB01": "CHI_BO_XET"}


def record_a10(home, today, quiet_cli, capsys) -> str:
    """The committee's decision on the demo's X01-CB01-0011 (the committee's profile, found
    by the file code); its record's uuid."""
    args = ["step", "record", "X01-CB01-0011", "A10", "--on", "20/11/2026", "--json"]
    rc = quiet_cli(home, *args, "--doc-no", "12-QĐ/ĐU", "--today", f"{today:%d/%m/%Y}")
    assert rc == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)["step_uuid"]


def test_undoing_a_committee_step_names_the_step_and_opens_the_committee(demo, quiet_cli, capsys):
    """`step undo FILE_CODE A10` on a PC holding the cell's and the committee's profiles
    takes back the committee's decision, as `step record` found the committee's profile."""
    home, today = demo
    record_a10(home, today, quiet_cli, capsys)
    rc = quiet_cli(home, "step", "undo", "X01-CB01-0011", "A10")
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "Đã hoàn tác bước A10" in out.out
    assert states(home, "X01-CB01-0011") == {"X01": "CHI_BO_XET", "X01-CB01": "CHI_BO_XET"}


def test_undoing_by_the_record_code_finds_the_profile_that_recorded_it(demo, quiet_cli, capsys):
    """The code `step record` printed ("Mã bản ghi (để hoàn tác)") finds the profile that
    recorded the step, not the cell's nearer one."""
    home, today = demo
    uuid = record_a10(home, today, quiet_cli, capsys)
    rc = quiet_cli(home, "step", "undo", "X01-CB01-0011", "--uuid", uuid)
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert states(home, "X01-CB01-0011") == {"X01": "CHI_BO_XET", "X01-CB01": "CHI_BO_XET"}


def test_undo_without_a_step_asks_which_station_when_two_hold_the_file(demo, quiet_cli, capsys):
    """Neither the step nor its record code: the cell's newest step is not taken back in
    the committee's stead; the answer names both profiles and the way to say which."""
    home, today = demo
    record_a10(home, today, quiet_cli, capsys)
    rc = quiet_cli(home, "step", "undo", "X01-CB01-0011")
    err = capsys.readouterr().err
    assert rc == 2
    assert "X01-CB01, X01" in err and "khdesk step undo X01-CB01-0011 A10" in err
    assert states(home, "X01-CB01-0011") == {"X01": "QUYET_DINH", "X01-CB01": "CHI_BO_XET"}


def test_a_profile_not_here_lists_those_that_are(demo, quiet_cli, capsys):
    """A mistyped --profile names the profiles this data folder holds."""
    home, _today = demo
    assert quiet_cli(home, "--profile", "X01-CB1", "list") != 0
    err = capsys.readouterr().err
    assert "Không có hồ sơ làm việc 'X01-CB1'" in err
    assert "các hồ sơ làm việc ở đây: X01, X01-CB01, X01-CB03, X01-CB04" in err


def test_a_wrong_password_names_the_profile_the_file_code_chose(demo):
    """`step record X01-CB01-0011 A10` opens the committee's profile by itself: a wrong
    password says it was the committee's (a real process)."""
    home, _today = demo
    args = ["step", "record", "X01-CB01-0011", "A10", "--on", "20/11/2026"]
    out = khdesk(home, *args, password="sai-mat-khau")
    assert out.returncode == 3
    assert "Hồ sơ làm việc 'X01': Mật khẩu không đúng." in out.stderr


def test_a_unit_code_a_file_code_cannot_carry_is_refused_by_its_name(tmp_path):
    """`--org-code "x01 cb01"` was refused as a profile name the user never typed."""
    out = khdesk(
        tmp_path,
        "profile",
        "create",
        "--role",
        "cell",
        "--org-code",
        "x01 cb01",
        "--org-name",
        "Chi bộ thôn Tân Đức",
    )
    assert out.returncode == 2
    assert "Mã đơn vị 'X01 CB01': chỉ gồm chữ cái không dấu" in out.stderr
    assert not list(tmp_path.glob("profiles/*"))
