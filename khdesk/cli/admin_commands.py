"""`khdesk backup …`, `khdesk db check`, `khdesk audit …`: keeping the records safe."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from khdesk.cli.commands import opened
from khdesk.cli.main import print_json, read_password
from khdesk.core.services import backup, integrity, profiles
from khdesk.core.store.store import verify_audit


def _when(info: backup.BackupInfo) -> str:
    return info.local_time.strftime("%d/%m/%Y %H:%M")


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def cmd_backup_create(args: argparse.Namespace) -> int:
    with opened(args) as session:
        info = backup.create_backup(
            session, "manual", note=args.note or "", also_to=Path(args.to) if args.to else None
        )
    if args.json:
        print_json(info.as_json())
        return 0
    print(f"Đã sao lưu: {info.id} ({_size(info.size)}), đã đọc lại và kiểm tra.")
    print(f"  {info.path}")
    if args.to:
        print(f"  bản sao: {Path(args.to) / info.path.name}")
    return 0


def cmd_backup_list(args: argparse.Namespace) -> int:
    name = profiles.resolve_profile_name(args.home, args.profile)
    pdir = profiles.ProfileDir(args.home, name)
    found = backup.list_backups(pdir, Path(args.folder) if args.folder else None)
    if args.json:
        print_json([b.as_json() for b in found])
        return 0
    if not found:
        print("Chưa có bản sao lưu nào.")
        return 0
    print(f"{'Mã bản sao lưu':<36} {'Lúc':<17} {'Loại':<28} Cỡ")
    for b in found:
        print(f"{b.id:<36} {_when(b):<17} {b.kind_label:<28} {_size(b.size)}")
    return 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    name = profiles.resolve_profile_name(args.home, args.profile)
    session, kept = backup.restore_backup(args.home, name, args.id, args.user, read_password())
    session.close()
    print(f"Đã khôi phục hồ sơ {name} từ bản sao lưu {args.id}.")
    if kept:
        print(f"Dữ liệu trước khi khôi phục được giữ trong bản sao lưu {kept}")
        print(f"  (hoàn tác: khdesk backup restore {kept}).")
    print("Gói đồng bộ tiếp theo sẽ báo cấp trên là hồ sơ đã được khôi phục (giai đoạn gửi mới).")
    return 0


def cmd_backup_import(args: argparse.Namespace) -> int:
    session = backup.import_backup(
        args.home, Path(args.file), args.user, read_password(), name=args.name
    )
    name = session.dir.name
    session.close()
    print(f"Đã mở bản sao lưu thành hồ sơ '{name}' trên máy này.")
    print("Gói đồng bộ tiếp theo sẽ báo cấp trên là hồ sơ đã chuyển máy (giai đoạn gửi mới).")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    with opened(args) as session:
        report = integrity.check_database(session)
    if args.json:
        print_json(report.as_json())
    elif report.ok:
        checked = ", ".join(f"{k}: {v}" for k, v in report.checked.items())
        print(f"Cơ sở dữ liệu nguyên vẹn ({checked}).")
    else:
        print(f"Phát hiện {len(report.problems)} vấn đề:", file=sys.stderr)
        for line in report.problems:
            print(f"  - {line}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with opened(args) as session, session.store.read() as conn:
        problems = verify_audit(conn)
    if args.json:
        print_json({"ok": not problems, "problems": problems})
    elif problems:
        for line in problems:
            print(f"  - {line}", file=sys.stderr)
    else:
        print("Nhật ký thao tác nguyên vẹn: mọi mục nối tiếp nhau, không mục nào bị sửa.")
    return 1 if problems else 0


def cmd_audit_list(args: argparse.Namespace) -> int:
    with opened(args) as session:
        entries = integrity.list_audit(session, args.file, args.limit)
    if args.json:
        print_json(
            [{**e, "detail": json.loads(e["detail"]) if e["detail"] else None} for e in entries]
        )
        return 0
    for e in entries:
        what = " ".join(x for x in (e["entity"], e["entity_key"]) if x)
        print(f"{e['at'][:19].replace('T', ' ')}  {e['user']:<12} {e['action']:<18} {what}")
    return 0


def register(sub, command, global_options, parser_class) -> None:
    """Add `backup`, `db` and `audit` to the command parser (called by cli.main)."""

    def action(group, name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = group.add_parser(name, help=help_text, description=help_text)
        global_options(p, suppress=True)
        p.set_defaults(func=func)
        return p

    from khdesk.cli.commands import cmd_help

    group = command("backup", "sao lưu và khôi phục (bản sao lưu được mã hóa)", cmd_help)
    bsub = group.add_subparsers(dest="action", parser_class=parser_class)
    p = action(bsub, "create", "tạo bản sao lưu ngay", cmd_backup_create)
    p.add_argument("--to", help="thêm một bản vào thư mục này (ví dụ thẻ nhớ USB)")
    p.add_argument("--note", help="ghi chú")
    p = action(bsub, "list", "liệt kê các bản sao lưu", cmd_backup_list)
    p.add_argument("--folder", help="xem các bản trong thư mục khác (ví dụ USB)")
    p = action(
        bsub, "restore", "khôi phục từ một bản sao lưu (có thể hoàn tác)", cmd_backup_restore
    )
    p.add_argument("id", help="mã bản sao lưu (xem 'backup list') hoặc đường dẫn tệp .khbak")
    p = action(
        bsub, "import", "mở bản sao lưu từ máy khác thành hồ sơ trên máy này", cmd_backup_import
    )
    p.add_argument("file", help="tệp .khbak")
    p.add_argument("--name", help="tên hồ sơ trên máy này (mặc định: như trong bản sao lưu)")

    group = command("db", "kiểm tra cơ sở dữ liệu", cmd_help)
    dsub = group.add_subparsers(dest="action", parser_class=parser_class)
    action(dsub, "check", "kiểm tra toàn vẹn: mã hóa, cấu trúc, nhật ký, giai đoạn", cmd_db_check)

    group = command("audit", "nhật ký thao tác", cmd_help)
    asub = group.add_subparsers(dest="action", parser_class=parser_class)
    action(asub, "verify", "kiểm tra chuỗi nhật ký không bị sửa, xóa, chèn", cmd_audit_verify)
    p = action(asub, "list", "xem nhật ký (mới nhất trước)", cmd_audit_list)
    p.add_argument("--file", help="chỉ các mục của một hồ sơ")
    p.add_argument("--limit", type=int, default=200)
