"""`khdesk stats [--year Y | --period 2026-2030] [--json | --pdf OUT | --xlsx OUT]`: every
indicator per unit and, for a committee or the province, per cell kind ("Theo loại chi
bộ": the text, the workbook's sheet, the PDF's table; the JSON's `by_cell_kind`)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json
from khdesk.cli.longwork import long_work
from khdesk.core.errors import UsageError
from khdesk.core.reports.stats import Scope
from khdesk.core.reports.stats_export import stats_text
from khdesk.core.services.reporting import export_stats
from khdesk.core.services.statistics import profile_stats


def scope_from_args(args: argparse.Namespace, today: date):
    """The year (`--year`, default this year) or the plan period (`--period`)."""
    if getattr(args, "period", None):
        return Scope.for_period(args.period)
    return Scope.for_year(args.year if args.year is not None else today.year)


def _out(text: str, suffix: str) -> Path:
    out = Path(text)
    if out.suffix.lower() != suffix:
        raise UsageError(f"Tệp ra '{out.name}' phải có đuôi {suffix}.")
    return out


def cmd_stats(args: argparse.Namespace) -> int:
    if sum(bool(x) for x in (args.json, args.pdf, args.xlsx)) > 1:
        raise UsageError("Chỉ chọn một trong --json, --pdf, --xlsx.")
    out = _out(args.pdf, ".pdf") if args.pdf else _out(args.xlsx, ".xlsx") if args.xlsx else None
    today = parse_day(args.on)
    scope = scope_from_args(args, today)
    with opened(args) as session, long_work() as steps:
        if out is not None:
            export_stats(session, out, scope, today, **steps)
            what = "báo cáo thống kê" if args.pdf else "số liệu thống kê"
            print(f"Đã ghi {what} {scope.label_vi} vào '{out}'.")
            return 0
        result = profile_stats(session, scope, today, **steps)
    if args.json:
        print_json(result.as_dict())
    else:
        print(stats_text(result))
    return 0
