"""Ctrl+C on a long command: the first asks the service to stop at its next step (it raises
Cancelled, the transaction rolls back), a second stops at once; progress goes to stderr
only when it is a terminal."""

from __future__ import annotations

import signal
from datetime import date

import pytest
from sqlalchemy import func, select

from khdesk.cli.longwork import long_work
from khdesk.core.errors import Cancelled
from khdesk.core.io.tabular import write_tables
from khdesk.core.progress import Progress, no_progress
from khdesk.core.services.importer import import_file
from khdesk.core.store import schema as t


def _members(session) -> int:
    with session.store.read() as conn:
        return conn.execute(select(func.count()).select_from(t.members)).scalar()


def test_ctrl_c_cancels_the_import_and_a_second_stops_at_once(cell, tmp_path, capsys):
    path = tmp_path / "nhap.xlsx"
    rows = [
        {"full_name": f"Người {i}", "sex": "Nam", "org_code": "X01-CB01",
         "birth_date": date(1980, 1, 1), "admitted_on": date(2010, 5, 1)}
        for i in range(5)
    ]  # fmt: skip
    write_tables(path, {"members": rows})
    before = signal.getsignal(signal.SIGINT)
    with long_work() as steps:
        assert steps["progress"] is no_progress  # stderr is not a terminal here
        signal.raise_signal(signal.SIGINT)  # the user presses Ctrl+C once
        assert steps["cancel"].cancelled
        with pytest.raises(Cancelled):
            import_file(cell, path, **steps)
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)  # and again
    assert signal.getsignal(signal.SIGINT) is before
    assert _members(cell) == 0
    assert "đang dừng ở bước kế tiếp" in capsys.readouterr().err


def test_progress_is_drawn_on_a_terminal_only(monkeypatch, capsys):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with long_work() as steps:
        steps["progress"](Progress(3, 10, "Ghi trang 'Đảng viên'"))
    err = capsys.readouterr().err
    assert "Ghi trang 'Đảng viên' 3/10" in err and err.endswith("\r\033[K")
