"""`khdesk backup`, `db check`, `audit`: through the real command parser, on real files."""

from __future__ import annotations

import json

from sqlalchemy import text

from khdesk.core.services import integrity
from tests.stations import build_commune, open_station


def test_backup_create_list_restore_on_the_command_line(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", enrol=False)
    commune.close()
    home = commune.home
    assert quiet_cli(home, "backup", "create", "--profile", "X01-CB01", "--to", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "Đã sao lưu" in out and "đã đọc lại và kiểm tra" in out
    assert quiet_cli(home, "backup", "list", "--profile", "X01-CB01", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [b["kind"] for b in listed] == ["manual"]
    assert quiet_cli(home, "backup", "restore", listed[0]["id"], "--profile", "X01-CB01") == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục" in out and "hoàn tác" in out
    assert quiet_cli(home, "backup", "restore", "khong-co", "--profile", "X01-CB01") == 1
    assert "Không có bản sao lưu 'khong-co'" in capsys.readouterr().err


def test_db_check_passes_then_finds_each_kind_of_damage(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", enrol=False)
    home, session = commune.home, commune.cells["X01-CB01"]
    assert integrity.check_database(session).ok
    assert quiet_cli(home, "db", "check", "--profile", "X01-CB01") == 0
    assert "nguyên vẹn" in capsys.readouterr().out

    # Someone edits the database behind the app's back: a state, an audit entry.
    with session.store.engine.begin() as conn:
        code = conn.execute(
            text("SELECT file_code FROM candidates WHERE state = 'NGUON' LIMIT 1")
        ).scalar()
        conn.execute(
            text("UPDATE candidates SET state = 'KET_NAP' WHERE file_code = :c"), {"c": code}
        )
        conn.execute(text("UPDATE audit SET user = 'ke-gian' WHERE id = 2"))
    report = integrity.check_database(session)
    assert any(code in p and "giai đoạn" in p for p in report.problems)
    assert any("Mục nhật ký số 2" in p for p in report.problems)
    commune.close()

    assert quiet_cli(home, "db", "check", "--profile", "X01-CB01", "--json") == 1
    shown = json.loads(capsys.readouterr().out)
    assert shown["ok"] is False and len(shown["problems"]) == len(report.problems)
    assert quiet_cli(home, "audit", "verify", "--profile", "X01-CB01") == 1
    assert "Mục nhật ký số 2: nội dung đã bị sửa." in capsys.readouterr().err


def test_audit_list_of_one_file(tmp_path, quiet_cli, capsys):
    commune = build_commune(tmp_path / "home", enrol=False)
    commune.close()
    home = commune.home
    session = open_station(home, "X01-CB01")
    with session.store.read() as conn:
        code = conn.execute(text("SELECT file_code FROM candidates LIMIT 1")).scalar()
    session.close()
    assert quiet_cli(home, "show", code, "--profile", "X01-CB01") == 0
    capsys.readouterr()
    assert quiet_cli(home, "audit", "list", "--file", code, "--profile", "X01-CB01", "--json") == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries and all(e["entity_key"] == code for e in entries)
    assert entries[0]["action"] == "open"


def test_show_speaks_words_not_codes(tmp_path, quiet_cli, capsys):
    """Issue 17 item 5: `khdesk show` printed "passed" and "(CHINH_THUC)"."""
    commune = build_commune(tmp_path / "home", enrol=False)
    commune.close()
    session = open_station(commune.home, "X01-CB01")
    with session.store.read() as conn:
        code = conn.execute(
            text("SELECT file_code FROM candidates WHERE state = 'CHINH_THUC' LIMIT 1")
        ).scalar()
    session.close()
    capsys.readouterr()
    assert quiet_cli(commune.home, "show", code, "--profile", "X01-CB01") == 0
    out = capsys.readouterr().out
    assert "Đảng viên chính thức" in out and "Lễ kết nạp (A11): Thông qua" in out
    assert "CHINH_THUC" not in out and "passed" not in out


def test_finding_7_backup_import_works(tmp_path, quiet_cli, capsys):
    """Issue 15 finding 7: `khdesk backup import FILE` died on a missing `--name`."""
    commune = build_commune(tmp_path / "home", enrol=False)
    commune.close()
    usb = tmp_path / "usb"
    usb.mkdir()
    assert quiet_cli(commune.home, "backup", "move", "--profile", "X01-CB01", "--to", str(usb)) == 0
    capsys.readouterr()
    (moved,) = usb.glob("*.khbak")
    other = tmp_path / "other-pc"
    assert quiet_cli(other, "backup", "import", str(moved)) == 0
    assert "Đã mở bản sao lưu thành hồ sơ 'X01-CB01'" in capsys.readouterr().out
    assert quiet_cli(other, "backup", "import", str(moved), "--name", "CB01-moi") == 0
    assert "'CB01-moi'" in capsys.readouterr().out
    assert quiet_cli(other, "db", "check", "--profile", "CB01-moi") == 0


def test_finding_3_user_remove_and_a_new_recovery_key_on_the_command_line(
    tmp_path,
    quiet_cli,
    capsys,
):
    commune = build_commune(tmp_path / "home", enrol=False)
    cell = commune.cells["X01-CB01"]
    from khdesk.core.services import profiles

    profiles.add_user(cell, "pho", "matkhau-pho", "deputy")
    old_keys = cell.dir.keys_file.read_bytes()
    commune.close()
    home = commune.home
    assert quiet_cli(home, "user", "remove", "pho", "--profile", "X01-CB01") == 0
    out = capsys.readouterr().out
    assert "Đã xóa người dùng 'pho'" in out and "Đã đổi khóa cơ sở dữ liệu" in out
    assert "bản sao lưu làm trước đó vẫn mở được" in out
    assert quiet_cli(home, "user", "new-recovery-key", "--profile", "X01-CB01") == 0
    out = capsys.readouterr().out
    assert "Khóa khôi phục MỚI" in out
    assert cell.dir.keys_file.read_bytes() != old_keys
    assert quiet_cli(home, "db", "check", "--profile", "X01-CB01") == 0
