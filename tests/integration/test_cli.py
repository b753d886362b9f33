"""The `khdesk` command as offices script it: real processes, real files, exit codes."""

import json
import os
import subprocess
import sys

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


def test_unknown_profile_is_explained(cli_home):
    out = khdesk(cli_home, "list", "--profile", "CB99")
    assert out.returncode == 1
    assert "CB99" in out.stderr
