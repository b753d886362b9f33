"""`khdesk catalogue …`: the province issues, committees pass on, every station installs."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from khdesk.cli import paths
from khdesk.cli.commands import opened
from khdesk.cli.console import print_json
from khdesk.core.services import catalogue


def _day(iso_text: str | None) -> str:
    try:
        return date.fromisoformat((iso_text or "")[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return iso_text or "—"


def _print_installed(result: catalogue.InstallResult, verb: str) -> None:
    info = result.info
    where = f" vào '{result.path}'" if result.info.source == "issued" else ""
    print(f"{verb} {info.label} [{info.version}]{where}.")
    if result.previous:
        print(f"  Thay cho: {result.previous}")
    if info.trusted_via and info.trusted_via != info.issuer_org:
        print(f"  Xác thực qua: chữ ký xác nhận của {info.trusted_via} (khóa đã ghi nhận).")
    elif info.source == "imported":
        print(f"  Xác thực: chữ ký của {info.issuer_org} (khóa đã ghi nhận).")
    print(f"  Căn cứ: {', '.join(dict.fromkeys(result.rulebooks))}")
    print(
        f"  Lịch nghỉ bổ sung: {result.days_off} ngày nghỉ, {result.working_days} ngày làm bù; "
        f"mẫu biểu: {result.forms} tệp."
    )
    o = result.orgs
    print(
        f"  Đơn vị: thêm {len(o.added)}, sửa {len(o.updated)}, không đổi {o.unchanged}, "
        f"giữ bản ở đây {len(o.kept)}."
    )
    if o.kept:
        print(f"    Giữ bản ở đây (đã sửa sau bản Tỉnh ủy ghi): {', '.join(o.kept[:20])}")
    if info.note:
        print(f"  Ghi chú: {info.note}")


def cmd_catalogue_export(args: argparse.Namespace) -> int:
    with opened(args) as session:
        result = catalogue.issue_catalogue(
            session,
            paths.file_or_folder(args.out),
            source=Path(args.source) if args.source else None,
            note=args.note,
        )
    if args.json:
        print_json(result.as_dict())
        return 0
    _print_installed(result, "Đã ban hành")
    print("Đã đọc lại tệp và kiểm tra: đúng nội dung. Chuyển tệp cho các đảng ủy cấp dưới.")
    return 0


def cmd_catalogue_forward(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = catalogue.forward_catalogue(session, paths.file_or_folder(args.out))
    if args.json:
        print_json(done)
        return 0
    print(
        f"Đã ghi {done['label']} [{done['catalogue']}], kèm chữ ký xác nhận của "
        f"{done['endorsed_by']}, vào '{done['path']}'."
    )
    print(
        "Đơn vị cấp dưới đã ghi nhận khóa của hồ sơ này nhập được tệp bằng "
        "'khdesk catalogue import'."
    )
    return 0


def cmd_catalogue_import(args: argparse.Namespace) -> int:
    with opened(args) as session:
        result = catalogue.import_catalogue(session, paths.one(args.path))
    if args.json:
        print_json(result.as_dict())
        return 0
    if result.status == "already":
        label = result.info.label[:1].upper() + result.info.label[1:]
        print(f"{label} [{result.info.version}] đã được cài trước đó; không đổi gì.")
        return 0
    _print_installed(result, "Đã cài")
    print("Từ nay việc kiểm tra hồ sơ dùng căn cứ và lịch nghỉ của bộ danh mục này.")
    return 0


def cmd_catalogue_show(args: argparse.Namespace) -> int:
    with opened(args) as session:
        shown = catalogue.show_catalogue(session)
    if args.json:
        print_json(shown)
        return 0
    print(f"Đang dùng: {shown['label']} [{shown['version']}]")
    if not shown["builtin"]:
        print(f"  Cài ngày {_day(shown['installed_at'])}, xác thực qua {shown['trusted_via']}.")
    print(f"  Mã băm nội dung: {shown['content_hash']}")
    if shown["warning"]:
        print(f"  CẢNH BÁO: {shown['warning']}")
    for b in shown["rulebooks"]:
        until = _day(b["effective_to"]) if b["effective_to"] else "nay"
        extra = f" + {', '.join(b['overlays'])}" if b["overlays"] else ""
        print(f"  {b['legal_basis']}{extra}: từ {_day(b['effective_from'])} đến {until}")
    print(
        f"  Lịch nghỉ bổ sung: {shown['days_off']} ngày nghỉ, {shown['working_days']} ngày làm "
        f"bù; mẫu biểu: {len(shown['forms'])} tệp."
    )
    older = [h for h in shown["history"] if h["status"] != "current"]
    if older:
        print("  Đã dùng trước đây: " + ", ".join(h["catalogue"] for h in older[:10]))
    return 0
