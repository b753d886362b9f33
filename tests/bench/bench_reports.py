"""Printing benchmark (issue 6). Not run in CI: `python tests/bench/bench_reports.py`.

- one form: 6-KNĐ of a file, from the encrypted database to PDF bytes (read the records,
  fill the template, lay it out, embed the font subset) — median of 15 runs after one
  warm-up run (the first also loads the TrueType files). Target ≤ 100 ms.
- the 18-KNĐ register of 3,000 members (names, birth dates, home towns of the synthetic
  province, `province_demo`), landscape, ~150 pages: rendering alone and the whole
  `register_pdf` from a profile holding those members — median of 3. Target ≤ 3 s.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pypdf import PdfReader  # noqa: E402

from khdesk.core.store import keyslots  # noqa: E402

keyslots.DEFAULT_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}  # a fast unlock

from khdesk.core.reports import forms, lists  # noqa: E402
from khdesk.core.reports.templates import load_template  # noqa: E402
from khdesk.core.services import printing, profiles  # noqa: E402
from khdesk.core.services.importer import RowTables, import_tables  # noqa: E402
from khdesk.demo.province import province_demo  # noqa: E402
from tests.integration.core.reports.conftest import ADMITTED, TODAY, commune_rows  # noqa: E402

FORM_TARGET_S = 0.100
REGISTER_TARGET_S = 3.0
MEMBERS = 3000


def _median(func, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _members(n: int) -> list[dict]:
    """`n` members of the synthetic province, moved into ten cells of one commune."""
    data = province_demo(seed=1, cells=200, people=max(n * 2, 8000), files=500)
    rng = random.Random(7)
    rows = [m for m in data["members"] if m.get("admitted_on")]
    rng.shuffle(rows)
    out = []
    for i, m in enumerate(rows[:n]):
        row = {k: m.get(k) for k in ("full_name", "sex", "birth_date", "admitted_on")}
        row.update(
            member_code=f"X01-CB{1 + i % 10:02d}-DV{i:05d}",
            org_code=f"X01-CB{1 + i % 10:02d}",
            official_on=m.get("official_on"),
            status=m.get("status") or "Chính thức",
            home_town=m.get("home_town"),
            history_no=f"{i + 1:06d}",
        )
        out.append(row)
    return out


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="khdesk-bench-"))
    try:
        session, _ = profiles.create_profile(
            home,
            role="committee",
            org_code="X01",
            org_name="Đảng ủy xã Cam Hải",
            parent_code="KH",
            user="bithu",
            password="bench-password",
            clock=lambda: datetime(2026, 11, 26, 8, tzinfo=UTC),
        )
        rows = commune_rows()
        assert import_tables(session, RowTables.from_dicts(rows), "bench").committed

        # -- one form --
        t0 = time.perf_counter()
        printing.form_pdf(session, "6-KNĐ", ADMITTED)
        first = time.perf_counter() - t0
        form_s, form_runs = _median(lambda: printing.form_pdf(session, "6-KNĐ", ADMITTED), 15)
        template = load_template("6-KNĐ")
        with session.store.read() as conn:
            values = forms.form_values(conn, ADMITTED, own_org="X01")
        filled = forms.document_values(template, values, "X01")
        render_s, _ = _median(lambda: forms.render_form(template, filled), 15)

        # -- the register --
        t0 = time.perf_counter()
        members = _members(MEMBERS)
        cells = [
            {
                "code": f"X01-CB{i:02d}",
                "name": f"Chi bộ thôn Số {i}",
                "parent_code": "X01",
                "kind": "Chi bộ thôn",
                "is_grassroots_cell": True,
                "self_managed": False,
            }
            for i in range(1, 11)
        ]
        assert import_tables(
            session, RowTables.from_dicts({"orgs": cells, "members": members}), "bench"
        ).committed
        setup = time.perf_counter() - t0
        with session.store.read() as conn:
            register = lists.register_rows(conn)
        header = {"own_name": "Đảng ủy xã Cam Hải", "on": TODAY, "period_line": "Tính đến…"}
        pages = len(PdfReader(io.BytesIO(lists.render_register(register, header))).pages)
        reg_render_s, reg_render_runs = _median(lambda: lists.render_register(register, header), 3)
        reg_all_s, reg_all_runs = _median(lambda: printing.register_pdf(session, on=TODAY), 3)
        session.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)

    def verdict(value: float, target: float) -> str:
        return "OK" if value <= target else "TOO SLOW"

    print(f"register data: {len(register)} rows ({setup:.1f} s to generate and import)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (medians are wall-clock)")
    print()
    print(f"{'what':<46} {'median':>9} {'target':>8}  verdict   runs")
    print("-" * 100)
    print(f"{'6-KNĐ, first call (font files loaded)':<46} {first * 1000:>7.0f}ms {'':>8}")
    print(
        f"{'6-KNĐ from the database (form_pdf)':<46} {form_s * 1000:>7.1f}ms "
        f"{FORM_TARGET_S * 1000:>6.0f}ms  {verdict(form_s, FORM_TARGET_S):<8}  "
        + ", ".join(f"{t * 1000:.0f}" for t in form_runs)
    )
    print(f"{'6-KNĐ layout only (render_form)':<46} {render_s * 1000:>7.1f}ms")
    print(
        f"{f'18-KNĐ, {len(register)} rows, {pages} pages (render)':<46} {reg_render_s:>8.2f}s "
        f"{REGISTER_TARGET_S:>7.1f}s  {verdict(reg_render_s, REGISTER_TARGET_S):<8}  "
        + ", ".join(f"{t:.2f}" for t in reg_render_runs)
    )
    print(
        f"{'18-KNĐ from the database (register_pdf)':<46} {reg_all_s:>8.2f}s "
        f"{REGISTER_TARGET_S:>7.1f}s  {verdict(reg_all_s, REGISTER_TARGET_S):<8}  "
        + ", ".join(f"{t:.2f}" for t in reg_all_runs)
    )


if __name__ == "__main__":
    main()
