"""`khdesk --self-test`: the steps the installer build runs on the frozen app, here from
source (in-process, with the cheap test key derivation)."""

from __future__ import annotations

import pytest

from khdesk import selftest
from khdesk.cli.main import main


def test_self_test_passes_every_step_and_cleans_up(tmp_path, capsys):
    assert main(["--self-test", "--home", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    steps = [line for line in out if line.startswith("[")]
    assert len(steps) == len(selftest.STEPS)
    assert all(": OK — " in line for line in steps), out
    for label, _ in selftest.STEPS:
        assert any(label in line for line in steps)
    assert out[-1].startswith("TỰ KIỂM TRA ĐẠT")
    assert list(tmp_path.iterdir()) == []  # the temporary data directory is gone
    # The print preview drew the form step's PDF with PDFium; psycopg's libpq loaded.
    (preview,) = [line for line in steps if "Xem trước bản in" in line]
    assert "trang 1/" in preview and "điểm mực" in preview and "PDFium" in preview
    (driver,) = [line for line in steps if "Trình điều khiển PostgreSQL" in line]
    assert "libpq" in driver and ("(bản binary)" in driver or "(bản c)" in driver)


def test_a_failing_step_is_named_and_exits_non_zero(tmp_path, monkeypatch):
    def broken(run):
        raise selftest.StepFailed("tệp đồng bộ hỏng")

    by_step = {step: label for label, step in selftest.STEPS}
    steps = (
        (by_step[selftest.step_resources], selftest.step_resources),
        (by_step[selftest.step_bundle_import], broken),
        (by_step[selftest.step_form], selftest.step_form),
    )
    monkeypatch.setattr(selftest, "STEPS", steps)
    lines: list[str] = []
    assert selftest.run_selftest(tmp_path, out=lines.append) == 1
    assert "Đảng ủy nhập tệp đồng bộ: LỖI — tệp đồng bộ hỏng" in "\n".join(lines)
    assert lines[-1] == "TỰ KIỂM TRA THẤT BẠI ở bước: Đảng ủy nhập tệp đồng bộ"
    # The steps after it did not run; the data directory stays, with the traceback.
    assert not any("In biểu mẫu PDF" in line for line in lines)
    (kept,) = tmp_path.iterdir()
    assert "StepFailed" in (kept / "tu-kiem-tra.log").read_text(encoding="utf-8")


def test_preview_and_postgres_steps_come_after_the_form_before_the_window():
    labels = [label for label, _ in selftest.STEPS]
    form = labels.index("In biểu mẫu PDF")
    assert labels[form + 1 :] == [
        "Xem trước bản in",
        "Trình điều khiển PostgreSQL",
        "Mở cửa sổ chính",
    ]


def _run_only(tmp_path, monkeypatch, *steps) -> tuple[int, list[str]]:
    by_step = {step: label for label, step in selftest.STEPS}
    monkeypatch.setattr(selftest, "STEPS", tuple((by_step[s], s) for s in steps))
    lines: list[str] = []
    return selftest.run_selftest(tmp_path, out=lines.append), lines


def test_preview_draws_page_one_with_the_print_dialogs_pdfium_code(tmp_path, monkeypatch):
    """The step goes through print_dialog's renderer (not a copy of it): a renderer that
    draws a blank page makes the step fail, named."""
    from PySide6.QtGui import QColor, QImage

    from khdesk.ui import print_dialog

    real = print_dialog.render_pdfium
    drawn: list[int] = []

    def white_pages(data: bytes, dpi: int):
        drawn.append(len(real(data, dpi)))
        blank = QImage(660, 935, QImage.Format.Format_RGB32)
        blank.fill(QColor("white"))
        return [blank]

    monkeypatch.setattr(print_dialog, "render_pdfium", white_pages)
    code, lines = _run_only(
        tmp_path, monkeypatch, selftest.step_profiles, selftest.step_form, selftest.step_preview
    )
    assert code == 1
    assert drawn and drawn[0] >= 1  # the real PDFium drew the form step's pages first
    assert "Xem trước bản in: LỖI — trang 1 vẽ ra toàn màu trắng" in "\n".join(lines)
    assert lines[-1] == "TỰ KIỂM TRA THẤT BẠI ở bước: Xem trước bản in"


def test_preview_without_the_form_pdf_fails(tmp_path, monkeypatch):
    code, lines = _run_only(tmp_path, monkeypatch, selftest.step_preview)
    assert code == 1
    assert "Xem trước bản in: LỖI — chưa có tệp PDF của biểu mẫu" in "\n".join(lines)


def test_postgres_driver_refuses_the_pure_python_libpq_binding(tmp_path, monkeypatch):
    """`python` is psycopg's ctypes fallback, which needs a libpq installed on the PC:
    the frozen app must carry psycopg_binary (or psycopg_c) instead."""
    import psycopg

    monkeypatch.setattr(psycopg.pq, "__impl__", "python")
    code, lines = _run_only(tmp_path, monkeypatch, selftest.step_postgres)
    assert code == 1
    assert "Trình điều khiển PostgreSQL: LỖI — psycopg dùng bản 'python'" in "\n".join(lines)


@pytest.mark.parametrize("argv", [["--home"]])
def test_usage_error(argv, capsys):
    assert main(["--self-test", *argv]) == 2
