"""`khdesk transfer out|accept|return|withdraw|opinion|list`: a file moves to another
unit (chuyển sinh hoạt, RULES.md §2a) — the CLI twin of the file window's "Chuyển hồ sơ"."""

from __future__ import annotations

import argparse
from pathlib import Path

from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json
from khdesk.core.services import transfer_list, transfers


def _today(args: argparse.Namespace):
    return parse_day(args.today)


def _on(args: argparse.Namespace):
    """`--on`, today when absent."""
    return parse_day(args.on) if args.on else _today(args)


def cmd_transfer_out(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    with opened(args, code) as session:
        uuid = transfers.transfer_out(
            session, code, args.to, _on(args), _today(args), args.reason, args.opinion
        )
    if args.json:
        print_json({"file_code": code, "to_org": args.to, "status": "in_transit", "uuid": uuid})
    else:
        print(
            f"Đã ghi chuyển hồ sơ {code} sang {args.to}: hồ sơ đang chuyển, không ghi bước nào "
            "cho đến khi đơn vị nhận tiếp nhận hoặc trả lại."
        )
    return 0


def cmd_transfer_accept(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    with opened(args, code) as session:
        uuid = transfers.accept(session, code, _on(args), _today(args), args.opinion)
    if args.json:
        print_json({"file_code": code, "status": "accepted", "uuid": uuid})
    else:
        print(f"Đã tiếp nhận hồ sơ {code}: từ nay đơn vị này quản lý hồ sơ.")
    return 0


def cmd_transfer_return(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    with opened(args, code) as session:
        uuid = transfers.return_(session, code, args.reason, _on(args), _today(args))
    if args.json:
        print_json({"file_code": code, "status": "returned", "uuid": uuid})
    else:
        print(f"Đã trả lại hồ sơ {code} cho đơn vị chuyển đi.")
    return 0


def cmd_transfer_withdraw(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    with opened(args, code) as session:
        uuid = transfers.withdraw(session, code, _on(args), _today(args), args.reason)
    if args.json:
        print_json({"file_code": code, "status": "withdrawing", "uuid": uuid})
    else:
        print(
            f"Đã ghi rút lại hồ sơ {code}: hồ sơ trở về khi đơn vị nhận biết tin (gói dữ liệu "
            "kế tiếp), trừ khi đơn vị đó đã tiếp nhận trước."
        )
    return 0


def cmd_transfer_opinion(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    scan = Path(args.scan) if args.scan else None
    with opened(args, code) as session:
        uuid = transfers.record_prior_opinion(
            session, code, args.from_org, _on(args), _today(args), args.text, args.doc_no, scan
        )
    if args.json:
        print_json({"file_code": code, "from_org": args.from_org, "uuid": uuid})
    else:
        print(f"Đã ghi ý kiến của chi bộ {args.from_org} vào hồ sơ {code}.")
    return 0


def cmd_transfer_list(args: argparse.Namespace) -> int:
    with opened(args) as session:
        found = transfer_list.list_transfers(session, in_transit_only=args.in_transit)
    if args.json:
        print_json([x.as_dict() for x in found])
        return 0
    if not found:
        print("Không có hồ sơ chuyển đi, chuyển đến.")
    for x in found:
        answered = f", {x.answered_on:%d/%m/%Y}" if x.answered_on else ""
        print(
            f"{x.file_code:<14} {x.full_name:<28} {x.from_org} → {x.to_org}  "
            f"{x.sent_on:%d/%m/%Y}  {x.status_label}{answered}"
        )
    return 0
