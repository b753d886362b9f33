"""Statistics and reports written to files: `khdesk stats --pdf/--xlsx`, `khdesk report
annual|screening`. Rendering runs in read transactions; the file is written atomically
inside a write transaction that also enters the export in the audit (the screening list
names members), so the audit entry lands only if the file did — as `printing.py` does."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from khdesk.core.errors import InputError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress, step
from khdesk.core.reports import annual, screening
from khdesk.core.reports.stats import LEVEL_BY_ROLE, Scope, StatsResult
from khdesk.core.reports.stats_export import stats_pdf, write_stats_xlsx
from khdesk.core.services.session import Session
from khdesk.core.services.statistics import profile_stats, profile_stats_many
from khdesk.core.store.orgtree import load_tree
from khdesk.core.sync import judging

__all__ = [
    "annual_report",
    "export_annual",
    "export_screening",
    "export_stats",
    "header_values",
    "screening_list",
]


def header_values(session: Session) -> dict[str, Any]:
    """What the letterhead and the signature take from the profile: the header values of
    its lists and its print settings (place, signer, the upper body…)."""
    # both load reportlab (~0.1 s): the statistics page and `stats --json` don't need it
    from khdesk.core.reports.lists import list_header_values
    from khdesk.core.services.printing import print_settings_in

    with session.store.read() as conn:
        values = dict(list_header_values(conn, session.org_code))
        values.update({k: v for k, v in print_settings_in(conn).items() if v})
    return values


def _xlsx_bytes(write: Callable[[Any], None]) -> bytes:
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


def _render(out: Path, pdf: Callable[[], bytes], xlsx: Callable[[Any], None]) -> bytes:
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        return pdf()
    if suffix == ".xlsx":
        return _xlsx_bytes(xlsx)
    raise InputError(f"Tệp ra '{out.name}' phải có đuôi .pdf hoặc .xlsx.")


def _write(session: Session, out: Path, data: bytes, key: str, **detail: Any) -> None:
    """Every report written to a file comes here: taking it out of the PC."""
    session.require_take_out()
    try:
        with session.store.write(session.user, changes=False) as tx:
            atomic_write_bytes(out, data)
            tx.audit("export", "report", key, file=out.name, bytes=len(data), **detail)
    except OSError as exc:
        raise InputError(f"Không ghi được tệp '{out}': {exc.strerror or exc}.") from exc


def _export(
    session: Session,
    out: Path,
    pdf: Callable[[dict[str, Any]], bytes],
    xlsx: Callable[[Any], None],
    key: str,
    steps: tuple[ProgressReport, CancelToken | None],
    **detail: Any,
) -> bytes:
    """Render the figures already computed (step 1 of 3) and write the file (step 2): the
    last point a cancel is heeded is before the write."""
    progress, cancel = steps
    step(progress, cancel, 1, 3, f"Dựng '{out.name}'…")
    values = header_values(session) if out.suffix.lower() == ".pdf" else {}
    data = _render(out, lambda: pdf(values), xlsx)
    step(progress, cancel, 2, 3, f"Ghi '{out.name}'…")
    _write(session, out, data, key, **detail)
    progress(Progress(3, 3, out.name))
    return data


def export_stats(
    session: Session,
    out: Path,
    scope: Scope,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> StatsResult:
    """`khdesk stats --pdf OUT` / `--xlsx OUT`. A cancel is heeded until the file is
    written."""
    out = Path(out)
    step(progress, cancel, 0, 3, "Tính số liệu…")
    result = profile_stats(session, scope, today, cancel=cancel)
    _export(
        session,
        out,
        lambda values: stats_pdf(result, today, values),
        lambda f: write_stats_xlsx(result, f),
        "stats",
        (progress, cancel),
        scope=scope.label,
    )
    return result


def export_annual(
    session: Session,
    out: Path,
    year: int,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """`khdesk report annual --year Y --out OUT.pdf|.xlsx`. A cancel is heeded until the
    file is written."""
    out = Path(out)
    step(progress, cancel, 0, 3, "Tính số liệu…")
    report = annual_report(session, year, today, cancel=cancel)
    data = _export(
        session,
        out,
        lambda values: annual.annual_pdf(report, values),
        lambda f: annual.write_annual_xlsx(report, f),
        "annual",
        (progress, cancel),
        year=year,
    )
    top = report.top
    return {
        "report": "annual",
        "year": year,
        "as_of": report.current.as_of.isoformat(),
        "admitted": top["admitted"],
        "target": top["target"],
        "out": str(out),
        "bytes": len(data),
    }


def export_screening(
    session: Session,
    out: Path,
    year: int,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """`khdesk report screening --year Y --out OUT.pdf|.xlsx`. A cancel is heeded until
    the file is written."""
    out = Path(out)
    step(progress, cancel, 0, 3, "Lập danh sách…")
    listing = screening_list(session, year, today)
    members = len(listing.members)
    data = _export(
        session,
        out,
        lambda values: screening.screening_pdf(listing, values),
        lambda f: screening.write_screening_xlsx(listing, f),
        "screening",
        (progress, cancel),
        year=year,
        rows=members,
    )
    return {
        "report": "screening",
        "year": year,
        "on": listing.on.isoformat(),
        "rows": members,
        "findings": listing.counts(),
        "out": str(out),
        "bytes": len(data),
    }


# -- the figures the reports print (one read each) --


def annual_report(
    session: Any,
    year: int,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> annual.AnnualReport:
    """The figures of the profile's annual report (one read of the database)."""
    scopes = annual.annual_scopes(year)
    figures = profile_stats_many(session, scopes, today, progress=progress, cancel=cancel)
    return annual.build_annual(figures, year, today)


def screening_list(session: Any, year: int, today: date) -> screening.ScreeningList:
    """The profile's list for `year` (judged on its last day, or today if still running)."""
    on = Scope.for_year(year).as_of(today)
    with session.store.read() as conn:
        judged = judging.judge(conn)
        rows = screening.screening_rows(conn, on, judged.rulebooks)
        tree = load_tree(conn)
    parent = tree.names.get(tree.parent(session.org_code))
    name = tree.names.get(session.org_code) or session.info.org_name
    return screening.ScreeningList(year, on, name, LEVEL_BY_ROLE[session.info.role], parent, rows)
