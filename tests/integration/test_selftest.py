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


@pytest.mark.parametrize("argv", [["--home"]])
def test_usage_error(argv, capsys):
    assert main(["--self-test", *argv]) == 2
