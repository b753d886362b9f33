"""Long services on real encrypted profiles: one progress shape, and a cancel between two
units of work leaves the database as it was (nothing half-written)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from khdesk.core.errors import Cancelled
from khdesk.core.io.tabular import write_tables
from khdesk.core.progress import CancelToken, Progress
from khdesk.core.services import backup, integrity, reporting, statistics
from khdesk.core.services.importer import import_file
from khdesk.core.store import schema as t
from khdesk.core.store.store import get_meta

ORG = "X01-CB01"
TODAY = date(2026, 11, 26)


def _workbook(path):
    members = [
        {
            "full_name": f"Người {i}",
            "sex": "Nam",
            "org_code": ORG,
            "birth_date": date(1980, 1, 1),
            "admitted_on": date(2010, 5, 1),
        }
        for i in range(30)
    ]
    candidates = [
        {
            "full_name": f"Quần chúng {i}",
            "sex": "Nữ",
            "birth_date": date(2000, 5, 4),
            "cccd": f"0563000{i:05d}",
            "org_code": ORG,
            "a1_source_on": date(2025, 1, 10),
        }
        for i in range(20)
    ]
    write_tables(path, {"members": members, "candidates": candidates})
    return path


def _snapshot(session) -> dict:
    with session.store.read() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar()
            for table in (t.members, t.candidates, t.steps)
        } | {
            "change_seq": get_meta(conn, "change_seq"),
            "audit": conn.execute(select(t.audit.c.action)).scalars().all(),
        }


def test_an_import_reports_progress_in_the_one_shape(cell, tmp_path):
    seen: list[Progress] = []
    report = import_file(cell, _workbook(tmp_path / "nhap.xlsx"), progress=seen.append)
    assert report.committed and report.counts["candidates"].added == 20, report.as_dict()
    assert report.counts["members"].added == 30, report.as_dict()
    assert all(isinstance(p, Progress) for p in seen)
    writes = [p for p in seen if p.what.startswith("Ghi trang")]
    assert [p.done for p in writes] == sorted(p.done for p in writes)
    assert seen[-1].done == seen[-1].total == 50  # every row of both sheets


def test_a_cancel_between_two_sheets_leaves_the_database_unchanged(cell, tmp_path):
    """The user presses "Hủy" once the first sheet is written: the transaction rolls back."""
    path = _workbook(tmp_path / "nhap.xlsx")
    before = _snapshot(cell)
    token = CancelToken()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.what.startswith("Ghi trang") and p.done > 0:  # a sheet is already written
            token.cancel()

    with pytest.raises(Cancelled, match="Không có gì thay đổi"):
        import_file(cell, path, progress=progress, cancel=token)
    assert any(p.what.startswith("Ghi trang") and p.done == 30 for p in seen)
    after = _snapshot(cell)
    # The backup made before the import stays (and is audited); the data is as it was.
    assert after.pop("audit") == [*before.pop("audit"), "backup_create"]
    assert after == before
    # And the same file, not cancelled, goes in whole afterwards.
    assert import_file(cell, path).counts["members"].added == 30


def test_a_cancelled_backup_leaves_no_file(cell):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        backup.create_backup(cell, "manual", cancel=token)
    assert backup.list_backups(cell.dir) == []
    assert [p.name for p in cell.dir.backup_dir.iterdir()] == []


def test_reads_and_reports_take_the_same_arguments(cell, tmp_path):
    from khdesk.core.reports.stats import Scope

    seen: list[Progress] = []
    scope = Scope.for_year(2026)
    statistics.profile_stats(cell, scope, TODAY, progress=seen.append)
    assert seen[0] == Progress(0, 2, "Đọc dữ liệu…") and seen[-1].done == 2
    seen.clear()
    integrity.check_database(cell, progress=seen.append)
    assert [p.done for p in seen] == [0, 1, 2]
    token = CancelToken()
    token.cancel()
    out = tmp_path / "bao-cao.xlsx"
    with pytest.raises(Cancelled):
        reporting.export_annual(cell, out, 2026, TODAY, cancel=token)
    assert not out.exists()
