"""The cheap check after sign-in: quick_check and the audit chain's last link."""

from __future__ import annotations

from sqlalchemy import text

from khdesk.core.services import safety
from tests.stations import build_commune


def test_startup_check_passes_then_sees_a_tampered_last_entry(tmp_path):
    commune = build_commune(tmp_path / "home", enrol=False)
    session = commune.cells["X01-CB01"]
    try:
        report = safety.startup_check(session)
        assert report.ok and safety.startup_message(report) == ""
        with session.store.engine.begin() as conn:
            last = conn.execute(text("SELECT max(id) FROM audit")).scalar()
            conn.execute(text("UPDATE audit SET user = 'ke-gian' WHERE id = :i"), {"i": last})
        report = safety.startup_check(session)
        assert report.problems == [f"Mục nhật ký mới nhất (số {last}) đã bị sửa."]
        message = safety.startup_message(report)
        assert "Kiểm tra dữ liệu" in message and "bản sao lưu" in message
        with session.store.engine.begin() as conn:
            conn.execute(
                text("UPDATE audit SET prev_hash = :h, user = 'x' WHERE id = :i"),
                {"h": "0" * 64, "i": last},
            )
        problems = safety.startup_check(session).problems
        assert any("không nối tiếp" in p for p in problems)
    finally:
        commune.close()
