"""`khdesk transfer station-enrol|stations|station-revoke|export|receive|answer|
answer-import|files|print`: a file moving out of the province, between two provinces'
khdesk (RULES.md §2a, FORMAT.md §12)."""

from __future__ import annotations

import argparse
from pathlib import Path

from khdesk.cli import paths
from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json
from khdesk.core.services import outside_transfers as ot
from khdesk.core.services import printing
from khdesk.core.sync import keys


def cmd_station_enrol(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = ot.enrol_station(session, paths.one(args.file), args.fingerprint)
    if args.json:
        print_json(done)
    else:
        print(
            f"Mã xác nhận khớp. Đã ghi nhận khóa của {done['org_code']} — {done['org_name']} "
            "(tỉnh khác): chỉ dùng cho tệp chuyển hồ sơ và tệp trả lời."
        )
    return 0


def _print_list(args: argparse.Namespace, fetch, empty: str, line) -> int:
    """A list's command: `fetch(session)`'s rows as JSON, or one `line(row)` each."""
    with opened(args) as session:
        found = fetch(session)
    if args.json:
        print_json(found)
        return 0
    if not found:
        print(empty)
    for x in found:
        print(line(x))
    return 0


def cmd_stations(args: argparse.Namespace) -> int:
    def line(x: dict) -> str:
        status = keys.STATUS_LABELS.get(x["status"], x["status"])
        return f"{x['org_code']:<10} {x['fingerprint']}  {status:<12} {x['org_name']}"

    empty = "Chưa ghi nhận khóa của tỉnh nào ('khdesk transfer station-enrol')."
    return _print_list(args, ot.stations, empty, line)


def cmd_station_revoke(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = ot.revoke_station(session, args.fingerprint)
    if args.json:
        print_json(done)
    else:
        print(
            f"Đã thu hồi khóa của {done['org_code']} — {done['org_name']}: tệp chuyển hồ sơ "
            "và tệp trả lời ký bằng khóa này sẽ bị từ chối."
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    with opened(args) as session:
        done = ot.export_transfer(session, code, Path(args.out))
    if args.json:
        print_json(done)
    else:
        print(
            f"Đã ghi tệp chuyển hồ sơ {code} cho {done['to_org']}: {done['file']}. Hồ sơ vẫn "
            "đang chuyển cho đến khi nhập tệp trả lời ('khdesk transfer answer-import')."
        )
    return 0


def cmd_receive(args: argparse.Namespace) -> int:
    path = paths.one(args.file)
    with opened(args) as session:
        if not args.accept and args.return_reason is None:
            shown = ot.inspect(session, path)
            if args.json:
                print_json(shown)
            else:
                print(
                    f"Tệp hợp lệ: hồ sơ {shown['file_code']} — {shown['full_name']} "
                    f"(sinh {shown['birth_date']}), {shown['from_org']} ({shown['from_province']}) "
                    f"chuyển đi ngày {shown['sent_on']}; {shown['steps']} bước, "
                    f"{shown['attachments']} tài liệu."
                )
                if shown["problem"]:
                    print(shown["problem"])
                else:
                    print("Tiếp nhận: --accept [--to MÃ_ĐƠN_VỊ]; trả lại: --return LÝ_DO.")
            return 0
        today = parse_day(args.today)
        done = ot.receive(
            session,
            path,
            accept=args.accept,
            on=parse_day(args.on) if args.on else today,
            today=today,
            unit=args.unit,
            reason=args.return_reason,
        )
        if args.answer_out:
            done["answer_file"] = ot.write_answer(session, done["transfer"], Path(args.answer_out))[
                "file"
            ]
    if args.json:
        print_json(done)
        return 0
    if done["status"] == "accepted":
        print(f"Đã tiếp nhận hồ sơ {done['file_code']}.")
    else:
        print(f"Đã trả lại hồ sơ {done['file_code']}.")
    if done.get("answer_file"):
        print(f"Tệp trả lời: {done['answer_file']} (gửi cho tỉnh chuyển đi).")
    else:
        print(f"Ghi tệp trả lời: khdesk transfer answer {done['file_code']} --out THƯ_MỤC")
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = ot.write_answer(session, args.file_code, Path(args.out))
    if args.json:
        print_json(done)
    else:
        print(f"Đã ghi tệp trả lời cho hồ sơ {done['file_code']}: {done['file']}")
    return 0


def cmd_answer_import(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = ot.import_answer(session, paths.one(args.file), parse_day(args.today))
    if args.json:
        print_json(done)
        return 0
    code = done["file_code"]
    if done["status"] == "duplicate":
        print(f"Tệp trả lời cho hồ sơ {code} đã được nhập trước đó: không có gì thay đổi.")
    elif done["status"] == "accepted":
        print(f"Tỉnh nhận đã tiếp nhận hồ sơ {code}: hồ sơ đã chuyển ra ngoài tỉnh (chỉ xem).")
    else:
        print(f"Tỉnh nhận đã trả lại hồ sơ {code}: đơn vị chuyển đi quản lý hồ sơ như trước.")
    return 0


def cmd_files(args: argparse.Namespace) -> int:
    def line(x: dict) -> str:
        way = "gửi" if x["direction"] == "out" else "nhận"
        return f"{x['file_code']:<14} {way} {x['province']:<10} {x['at'][:10]}  {x['status_label']}"

    return _print_list(args, ot.sent_files, "Chưa có tệp chuyển hồ sơ nào.", line)


def cmd_print(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    with opened(args, code) as session:
        done = printing.export_transfer_list(session, code, Path(args.out))
    if args.json:
        print_json(done)
    else:
        print(f"Đã in danh sách chuyển hồ sơ {code}: {done['out']}")
    return 0
