"""`khdesk form` and `khdesk report` as offices script them: exit codes, files, audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from khdesk.cli.main import main
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t

from . import pdfcheck
from .conftest import ADMITTED


@pytest.fixture
def cli(commune, home, monkeypatch):
    """The test commune's profile, closed, and a way to run `khdesk` on it in-process."""
    commune.close()
    monkeypatch.setenv("KHDESK_PASSWORD", "matkhau-thu")
    monkeypatch.delenv("KHDESK_PROFILE", raising=False)
    monkeypatch.delenv("KHDESK_USER", raising=False)

    def run(*args: str) -> int:
        return main(["--home", str(home), *args])

    return run


def _audit(home: Path) -> list[tuple[str, str, str]]:
    session = open_profile(home, "X01", "bithu", "matkhau-thu")
    try:
        with session.store.read() as conn:
            rows = conn.execute(t.audit.select().order_by(t.audit.c.id)).mappings().all()
    finally:
        session.close()
    return [(r["action"], r["entity_key"], r["detail"]) for r in rows]


def test_form_with_the_ascii_code_writes_the_pdf_and_audits_the_export(cli, home, tmp_path, capsys):
    out = tmp_path / "nested" / "6-KND.pdf"
    assert cli("form", "6-KND", "--file", ADMITTED, "--out", str(out)) == 0
    said = capsys.readouterr().out
    assert "Đã ghi mẫu 6-KNĐ của hồ sơ X01-CB01-0001" in said
    assert f"(đã tạo thư mục mới '{out.parent}')" in said  # never silently
    data = out.read_bytes()
    assert "Số 05-NQ/CB" in pdfcheck.flat(data)
    assert not list(out.parent.glob(".*.tmp"))  # written through a temp file, renamed
    exports = [a for a in _audit(home) if a[0] == "export"]
    assert exports[-1][1] == ADMITTED
    assert '"form": "6-KNĐ"' in exports[-1][2] and '"file": "6-KND.pdf"' in exports[-1][2]


def test_form_values_from_the_command_line(cli, tmp_path):
    out = tmp_path / "9.pdf"
    code = cli(
        "form",
        "9-knđ",
        "--file",
        ADMITTED,
        "--out",
        str(out),
        "--value",
        "signer=Ngô Thị Yến",
        "--value",
        "place=Cam Hải Tây",
    )
    assert code == 0
    text = pdfcheck.flat(out.read_bytes())
    assert "Cam Hải Tây, ngày 03 tháng 3 năm 2025" in text and "Ngô Thị Yến" in text


def test_unknown_form_code_is_a_usage_error(cli, tmp_path, capsys):
    assert cli("form", "2-KND", "--file", ADMITTED, "--out", str(tmp_path / "x.pdf")) == 2
    err = capsys.readouterr().err
    assert "Không có mẫu '2-KND'" in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_unknown_file_exits_1(cli, tmp_path, capsys):
    assert cli("form", "6-KNĐ", "--file", "X01-CB01-9999", "--out", str(tmp_path / "x.pdf")) == 1
    assert "Không có hồ sơ mã 'X01-CB01-9999'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_output_must_be_a_pdf_and_writable(cli, tmp_path, capsys):
    assert cli("form", "6-KNĐ", "--file", ADMITTED, "--out", str(tmp_path / "x.docx")) == 2
    folder = tmp_path / "a-folder.pdf"
    folder.mkdir()
    assert cli("form", "6-KNĐ", "--file", ADMITTED, "--out", str(folder)) == 1
    assert "Không ghi được" in capsys.readouterr().err


def test_checklist_through_form(cli, tmp_path):
    out = tmp_path / "dm.pdf"
    assert (
        cli("form", "checklist", "--file", ADMITTED, "--out", str(out), "--on", "2026-11-26") == 0
    )
    assert "DANH MỤC TÀI LIỆU HỒ SƠ" in pdfcheck.flat(out.read_bytes())


def test_report_register_and_due(cli, home, tmp_path, capsys):
    out = tmp_path / "so-18.pdf"
    assert cli("report", "register", "--out", str(out), "--json") == 0
    assert '"rows": 18' in capsys.readouterr().out
    assert "SỔ ĐẢNG VIÊN DỰ BỊ" in pdfcheck.flat(out.read_bytes())
    out = tmp_path / "den-han.pdf"
    assert cli("report", "due", "--on", "26/11/2026", "--out", str(out)) == 0
    assert "DANH SÁCH VIỆC ĐẾN HẠN" in pdfcheck.flat(out.read_bytes())
    keys = [a[1] for a in _audit(home) if a[0] == "export"]
    assert keys[-2:] == ["18-KNĐ", "due"]
    assert cli("report", "nothing", "--out", str(out)) == 2
    assert cli("report") == 2


def test_an_existing_folder_is_not_said_new(cli, tmp_path, capsys):
    assert cli("form", "6-KND", "--file", ADMITTED, "--out", str(tmp_path / "6.pdf")) == 0
    assert "thư mục mới" not in capsys.readouterr().out


def test_an_unexpected_error_is_logged_with_the_commands_name(cli, home, monkeypatch):
    from khdesk.cli import report_commands

    def broken(_args):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(report_commands, "cmd_form", broken)
    assert cli("--profile", "X01", "form", "6-KND", "--file", ADMITTED, "--out", "x.pdf") == 1
    log = (home / "logs" / "khdesk.log").read_text(encoding="utf-8")
    assert "unexpected error in 'form'" in log and "['--profile']" not in log
