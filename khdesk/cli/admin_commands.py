"""`khdesk backup …`, `khdesk db check`, `khdesk audit …`, `khdesk retention`: keeping the
records safe."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from khdesk.cli import paths
from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json, read_password
from khdesk.cli.longwork import long_work
from khdesk.core.services import backup, integrity, retention, safety
from khdesk.core.services.session import ProfileDir, resolve_profile_name
from khdesk.core.store.store import verify_audit
from khdesk.core.sync import history


def _when(info: backup.BackupInfo) -> str:
    return info.local_time.strftime("%d/%m/%Y %H:%M")


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def cmd_backup_create(args: argparse.Namespace) -> int:
    also_to = Path(args.to) if args.to else None
    with opened(args) as session, long_work() as steps:
        info = backup.create_backup(
            session, "manual", note=args.note or "", also_to=also_to, **steps
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
    name = resolve_profile_name(args.home, args.profile)
    pdir = ProfileDir(args.home, name)
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
    name = resolve_profile_name(args.home, args.profile)
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
        args.home, paths.one(args.file), args.user, read_password(), name=args.name
    )
    name = session.dir.name
    session.close()
    print(f"Đã mở bản sao lưu thành hồ sơ '{name}' trên máy này.")
    print("Gói đồng bộ tiếp theo sẽ báo cấp trên là hồ sơ đã chuyển máy (giai đoạn gửi mới).")
    return 0


def cmd_backup_move(args: argparse.Namespace) -> int:
    with opened(args) as session:
        info = safety.move_to_new_pc(session, Path(args.to))
    print(f"Đã ghi bản sao lưu để chuyển máy: {Path(args.to) / info.path.name}")
    print(safety.MOVE_INSTRUCTIONS.format(name=info.path.name))
    return 0


def cmd_handover(args: argparse.Namespace) -> int:
    new_password = read_password("Mật khẩu của bí thư mới: ", "KHDESK_NEW_PASSWORD")
    with opened(args) as session:
        done = safety.handover(
            session,
            args.new_user,
            new_password,
            remove_current=args.remove_me,
            note=args.note or "",
        )
    print(f"Đã bàn giao hồ sơ cho '{done.new_user}' (chủ hồ sơ).")
    if done.removed:
        print(f"Người dùng '{done.removed}' đã bị gỡ khỏi hồ sơ.")
    print(f"Khóa khôi phục MỚI (in ra, giao cho bí thư mới cất giữ): {done.recovery_key}")
    print(
        "Khóa khôi phục cũ không còn dùng được. Gói đồng bộ tiếp theo báo cấp trên việc bàn giao."
    )
    for line in done.rekeyed.messages():
        print(line)
    return 0


# What `db check` counted, in words (its JSON keeps the keys).
_CHECKED = {
    "files": "hồ sơ",
    "audit_entries": "mục nhật ký",
    "reported_histories": "nhật ký do cấp dưới báo cáo",
}


def cmd_db_check(args: argparse.Namespace) -> int:
    with opened(args) as session:
        report = integrity.check_database(session)
    if args.json:
        print_json(report.as_json())
    elif report.ok:
        checked = ", ".join(f"{_CHECKED[k]} {v}" for k, v in report.checked.items())
        print(f"Cơ sở dữ liệu nguyên vẹn (đã kiểm tra: {checked}).")
    else:
        print(f"Phát hiện {len(report.problems)} vấn đề:", file=sys.stderr)
        for line in report.problems:
            print(f"  - {line}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_audit_verify(args: argparse.Namespace) -> int:
    if args.reported:
        return _audit_verify_reported(args)
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


def _audit_verify_reported(args: argparse.Namespace) -> int:
    """The audit chain a station below reported here in its bundles (FORMAT.md §11)."""
    sender = args.reported.strip().upper()
    with opened(args) as session, session.store.read() as conn:
        check = history.verify_reported(conn, sender)
    if args.json:
        print_json(check.as_dict())
    else:
        if check.count == 0 and check.ok:
            print(f"{sender} chưa báo cáo nhật ký thao tác lên đây.")
        for line in check.notes:
            print(f"  - {line}")
        for line in check.problems:
            print(f"  - {line}", file=sys.stderr)
        if check.ok and check.count:
            print(
                f"Nhật ký thao tác {sender} đã báo cáo ({check.count} mục) nguyên vẹn: mỗi báo "
                "cáo nối tiếp báo cáo trước, không mục nào bị sửa."
            )
        elif not check.ok:
            print(
                f"Nhật ký thao tác {sender} đã báo cáo KHÔNG nguyên vẹn: "
                f"{len(check.problems)} vấn đề.",
                file=sys.stderr,
            )
    return 0 if check.ok else 1


def cmd_audit_list(args: argparse.Namespace) -> int:
    with opened(args, args.file) as session:
        if args.json:  # the codes, for scripts
            entries = integrity.list_audit(session, args.file, args.limit)
        else:  # in words, as the audit view shows them
            rows = safety.audit_rows(session, args.file, None, args.limit)
    if args.json:
        print_json(
            [{**e, "detail": json.loads(e["detail"]) if e["detail"] else None} for e in entries]
        )
        return 0
    for r in rows:
        detail = f"  ({r.detail})" if r.detail else ""
        print(f"{r.at}  {r.user:<12} {r.action}: {r.target}{detail}")
    return 0


_RETENTION_STATES = {"CHINH_THUC": "đã chính thức", "XOA_TEN": "xóa tên", "DUNG": "dừng"}


def cmd_retention(args: argparse.Namespace) -> int:
    with opened(args) as session:
        if args.list_archived:
            found = retention.list_archived(session)
            if args.json:
                print_json(found)
            elif not found:
                print("Kho lưu trữ chưa có hồ sơ nào.")
            for f in found:
                closed = date.fromisoformat(f["closed_on"]).strftime("%d/%m/%Y")
                state = _RETENTION_STATES.get(f["state"], f["state"])
                if not args.json:
                    print(f"{f['file_code']:<20} {state:<14} đóng ngày {closed}")
            return 0
        if args.restore:
            retention.restore_archived(session, args.restore)
            print(f"Đã đưa hồ sơ {args.restore} từ kho lưu trữ về dữ liệu đang dùng.")
            return 0
        today = parse_day(args.today) if args.today else backup.local_date(session.store.clock())
        with long_work() as steps:
            plan = retention.run_retention(
                session, today, args.years, purge=args.purge, dry_run=args.dry_run, **steps
            )
    if args.json:
        print_json(plan.as_json())
        return 0
    verb = "xóa hẳn" if args.purge else "chuyển vào kho lưu trữ"
    print(
        f"Hồ sơ đã đóng (chính thức, xóa tên, dừng) từ {plan.years} năm trở lên, tức đóng "
        f"trước hoặc vào ngày {plan.cutoff.strftime('%d/%m/%Y')}:"
    )
    if not plan.items:
        print("  không có hồ sơ nào đến hạn. Không thay đổi gì.")
        return 0
    for i in plan.items:
        where = " (trong kho lưu trữ)" if i.where == "archive" else ""
        state = _RETENTION_STATES.get(i.state, i.state)
        print(f"  {i.file_code:<20} {state:<14} đóng ngày {i.closed_on:%d/%m/%Y}{where}")
    if not plan.done:
        print(f"Chạy thử: {len(plan.items)} hồ sơ sẽ được {verb}. Chưa thay đổi gì.")
    else:
        print(f"Đã {verb} {len(plan.items)} hồ sơ. Bản sao lưu trước đó: {plan.backup_id}")
    return 0
