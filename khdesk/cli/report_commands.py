"""`khdesk form …` and `khdesk report …`: print the forms, registers and lists as PDF.

A report kind is added in two places side by side: its name, help and formats in
`cli.parser.REPORT_KINDS` (which gives `khdesk report NAME` the common options --out,
--year, --on without importing this module) and a function here decorated with
`@report_kind(NAME)`; a test checks the two lists agree.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json
from khdesk.cli.documents import form_values, missing_folder, out_path, said_written
from khdesk.cli.parser import REPORT_KINDS
from khdesk.core.errors import UsageError
from khdesk.core.services import printing
from khdesk.core.services.printing import export_due, export_register
from khdesk.core.services.reporting import export_annual, export_screening
from khdesk.core.services.session import Session

REPORTS: dict[str, Callable[[Session, argparse.Namespace, Path], dict]] = {}


def report_kind(name: str):
    """Register what makes `khdesk report NAME` (declared in cli.parser.REPORT_KINDS):
    `run(session, args, out) -> dict` (what --json prints; "rows" is shown in the plain
    message)."""

    def add(run: Callable[[Session, argparse.Namespace, Path], dict]):
        REPORTS[name] = run
        return run

    return add


@report_kind("register")
def _register(session: Session, args: argparse.Namespace, out: Path) -> dict:
    return export_register(session, out, on=parse_day(args.on), year=args.year)


@report_kind("due")
def _due(session: Session, args: argparse.Namespace, out: Path) -> dict:
    return export_due(session, out, on=parse_day(args.on))


@report_kind("annual")
def _annual(session: Session, args: argparse.Namespace, out: Path) -> dict:
    today = parse_day(args.on)
    return export_annual(session, out, args.year or today.year, today)


@report_kind("screening")
def _screening(session: Session, args: argparse.Namespace, out: Path) -> dict:
    today = parse_day(args.on)
    return export_screening(session, out, args.year or today.year, today)


def cmd_report(args: argparse.Namespace) -> int:
    kind = REPORT_KINDS[args.kind]
    out = out_path(args.out, kind.formats)
    new_folder = missing_folder(out)
    with opened(args) as session:
        result = REPORTS[args.kind](session, args, out)
    if args.json:
        print_json(result)
    else:
        rows = f" ({result['rows']} dòng)" if "rows" in result else ""
        said_written(f"Đã ghi {kind.help}{rows} vào '{out}'.", new_folder)
    return 0


def cmd_form(args: argparse.Namespace) -> int:
    out = out_path(args.out, (".pdf",))
    values = form_values(args.value)
    checklist = args.code.strip().lower() in ("checklist", "danh-muc", "danhmuc")
    code = "checklist" if checklist else printing.resolve_form_code(args.code)
    file_code = args.file.strip().upper()
    new_folder = missing_folder(out)
    with opened(args, file_code) as session:
        if checklist:
            result = printing.export_checklist(session, file_code, out, on=parse_day(args.on))
        else:
            result = printing.export_form(session, code, file_code, out, values=values)
    if args.json:
        print_json(result)
    else:
        what = "danh mục tài liệu" if checklist else f"mẫu {code}"
        said_written(f"Đã ghi {what} của hồ sơ {file_code} vào '{out}'.", new_folder)
    return 0


def _report_help(args: argparse.Namespace) -> int:
    raise UsageError(f"Thiếu loại báo cáo: {', '.join(REPORTS)} (xem 'khdesk report --help').")
