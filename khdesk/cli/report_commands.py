"""`khdesk form …` and `khdesk report …`: print the forms, registers and lists as PDF.

A report kind is added in one place: a function decorated with `@report_kind(...)`,
which adds `khdesk report NAME` with the common options (--out, --year, --on) and its own.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from khdesk.cli.commands import opened, parse_day
from khdesk.cli.main import print_json
from khdesk.core.errors import UsageError
from khdesk.core.services.profiles import Session


@dataclass(frozen=True)
class ReportKind:
    name: str
    help: str
    run: Callable[[Session, argparse.Namespace, Path], dict]
    formats: tuple[str, ...] = (".pdf",)
    options: Callable[[argparse.ArgumentParser], None] | None = None


REPORTS: dict[str, ReportKind] = {}


def report_kind(
    name: str,
    help_text: str,
    *,
    formats: tuple[str, ...] = (".pdf",),
    options: Callable[[argparse.ArgumentParser], None] | None = None,
):
    """Register `khdesk report NAME`: `run(session, args, out) -> dict` (what --json
    prints; "rows" is shown in the plain message)."""

    def add(run: Callable[[Session, argparse.Namespace, Path], dict]):
        REPORTS[name] = ReportKind(name, help_text, run, formats, options)
        return run

    return add


def _out_path(text: str, formats: tuple[str, ...]) -> Path:
    out = Path(text)
    if out.suffix.lower() not in formats:
        raise UsageError(f"Tệp ra '{out.name}' phải có đuôi {' hoặc '.join(formats)}.")
    return out


@report_kind("register", "sổ đảng viên dự bị (mẫu 18-KNĐ)")
def _register(session: Session, args: argparse.Namespace, out: Path) -> dict:
    from khdesk.core.services.printing import export_register

    return export_register(session, out, on=parse_day(args.on), year=args.year)


@report_kind("due", "danh sách việc đến hạn (các cảnh báo có thời hạn)")
def _due(session: Session, args: argparse.Namespace, out: Path) -> dict:
    from khdesk.core.services.printing import export_due

    return export_due(session, out, on=parse_day(args.on))


@report_kind("annual", "báo cáo năm về công tác phát triển đảng viên", formats=(".pdf", ".xlsx"))
def _annual(session: Session, args: argparse.Namespace, out: Path) -> dict:
    from khdesk.core.services.reporting import export_annual

    today = parse_day(args.on)
    return export_annual(session, out, args.year or today.year, today)


@report_kind(
    "screening",
    "danh sách đảng viên cần xem xét theo Chỉ thị 28-CT/TW",
    formats=(".pdf", ".xlsx"),
)
def _screening(session: Session, args: argparse.Namespace, out: Path) -> dict:
    from khdesk.core.services.reporting import export_screening

    today = parse_day(args.on)
    return export_screening(session, out, args.year or today.year, today)


def cmd_report(args: argparse.Namespace) -> int:
    kind = REPORTS[args.kind]
    out = _out_path(args.out, kind.formats)
    with opened(args) as session:
        result = kind.run(session, args, out)
    if args.json:
        print_json(result)
    else:
        rows = f" ({result['rows']} dòng)" if "rows" in result else ""
        print(f"Đã ghi {kind.help}{rows} vào '{out}'.")
    return 0


def _values(pairs: list[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"'--value {pair}': dùng dạng TÊN=GIÁ_TRỊ, ví dụ signer='Trần Văn A'.")
        values[key.strip()] = value.strip()
    return values


def cmd_form(args: argparse.Namespace) -> int:
    from khdesk.core.services import printing

    out = _out_path(args.out, (".pdf",))
    values = _values(args.value)
    checklist = args.code.strip().lower() in ("checklist", "danh-muc", "danhmuc")
    code = "checklist" if checklist else printing.resolve_form_code(args.code)
    file_code = args.file.strip().upper()
    with opened(args) as session:
        if checklist:
            result = printing.export_checklist(session, file_code, out, on=parse_day(args.on))
        else:
            result = printing.export_form(session, code, file_code, out, values=values)
    if args.json:
        print_json(result)
    else:
        what = "danh mục tài liệu" if checklist else f"mẫu {code}"
        print(f"Đã ghi {what} của hồ sơ {file_code} vào '{out}'.")
    return 0


def register(sub, command, global_options, parser_class) -> None:
    """Add `form` and `report` to the command parser (called by cli.main)."""
    p = command(
        "form",
        "in một mẫu của hồ sơ (5-, 6-, 7-, 8-, 9-, 12-, 13-, 14-, 15-, 16-KNĐ; "
        "'checklist': danh mục tài liệu hồ sơ)",
        cmd_form,
    )
    p.add_argument("code", help="mã mẫu, ví dụ 6-KNĐ (viết 6-KND cũng được) hoặc checklist")
    p.add_argument("--file", required=True, help="mã hồ sơ")
    p.add_argument("--out", required=True, help="tệp PDF ghi ra")
    p.add_argument(
        "--value",
        action="append",
        metavar="TÊN=GIÁ_TRỊ",
        help="điền thêm một chỗ trống, ví dụ --value signer='Trần Văn A' (lặp lại được)",
    )
    p.add_argument("--on", help="ngày kiểm tra cho danh mục tài liệu (mặc định hôm nay)")

    report = command("report", "in sổ, danh sách, báo cáo", _report_help)
    rsub = report.add_subparsers(dest="kind", parser_class=parser_class)
    for kind in REPORTS.values():
        p = rsub.add_parser(kind.name, help=kind.help, description=kind.help)
        global_options(p, suppress=True)
        p.set_defaults(func=cmd_report)
        formats = " hoặc ".join(kind.formats)
        p.add_argument("--out", required=True, help=f"tệp ghi ra ({formats})")
        p.add_argument("--year", type=int, help="năm")
        p.add_argument("--on", help="ngày tính (yyyy-mm-dd hoặc dd/mm/yyyy), mặc định hôm nay")
        if kind.options:
            kind.options(p)


def _report_help(args: argparse.Namespace) -> int:
    raise UsageError(f"Thiếu loại báo cáo: {', '.join(REPORTS)} (xem 'khdesk report --help').")
