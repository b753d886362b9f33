"""The subcommands: each parses nothing more, calls one service, prints its answer."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from khdesk.cli import paths
from khdesk.cli.console import print_json, read_password
from khdesk.cli.gui_commands import run_gui
from khdesk.cli.longwork import long_work
from khdesk.core.domain.pipeline import STATE_LABELS, State
from khdesk.core.domain.roles import Action, may
from khdesk.core.domain.rulebook import RULE_IDS, SEVERITY_LABELS, Severity
from khdesk.core.domain.template import SHEETS_BY_KEY
from khdesk.core.errors import AccessDenied, InputError, UsageError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.io.column_map import SHEETS_ENTRY, load_map_file, needs_map
from khdesk.core.io.tabular import (
    MISSING_COLUMN,
    UNKNOWN_COLUMN,
    UNKNOWN_SHEET,
    match_sheet,
    read_heads,
)
from khdesk.core.services import profiles
from khdesk.core.services.candidates import list_files, open_file
from khdesk.core.services.checking import check_profile, file_overview
from khdesk.core.services.column_maps import chooser, offered
from khdesk.core.services.exporter import export_file
from khdesk.core.services.importer import import_file
from khdesk.core.services.session import (
    ProfileDir,
    Session,
    default_user,
    list_profiles,
    open_profile,
    resolve_profile_name,
)
from khdesk.core.text import parse_date


def cmd_help(args: argparse.Namespace) -> int:
    raise UsageError("Thiếu lệnh con; xem 'khdesk --help'.")


@contextlib.contextmanager
def opened(
    args: argparse.Namespace,
    file_code: str | None = None,
    *,
    committee: bool = False,
    profile: str | None = None,
    password: str | None = None,
) -> Iterator[Session]:
    """The profile --profile (or `profile`) names, or the only one, or the one holding
    `file_code` (a FILE_CODE argument finds its profile, CLI.md; the committee's for its
    steps), opened with the password (read now unless given)."""
    name = resolve_profile_name(args.home, profile or args.profile, file_code, committee=committee)
    try:
        session = open_profile(args.home, name, args.user, password or read_password())
    except AccessDenied as exc:  # a file code may have chosen the profile: say which
        raise AccessDenied(f"Hồ sơ làm việc '{name}': {exc.message}") from None
    try:
        yield session
    finally:
        session.close()


# -- profiles and users --


def cmd_profile_create(args: argparse.Namespace) -> int:
    if args.db:
        # The province on a PostgreSQL server (or this PC joined to it): each staff member
        # signs in as their own server account.
        from khdesk.core.store import postgres

        user = args.user or postgres.url_user(args.db)
        if not user:
            raise UsageError("Cần tài khoản máy chủ: --user TÊN hoặc postgresql://TÊN@máy/csdl.")
        password = read_password(f"Mật khẩu tài khoản máy chủ '{user}': ")
    else:
        user = args.user or "bithu"
        password = read_password("Mật khẩu cho hồ sơ mới: ")
    session, recovery = profiles.create_profile(
        args.home,
        role=args.role,
        org_code=args.org_code,
        org_name=args.org_name,
        parent_code=args.parent_code,
        name=args.name,
        user=user,
        password=password,
        db_url=args.db or None,
    )
    session.close()
    info = session.info
    if recovery is not None and args.recovery_key_out:
        atomic_write_bytes(Path(args.recovery_key_out), (recovery + "\n").encode("ascii"))
    if args.json:
        out = {"profile": info.name, "role": info.role, "user": user}
        if info.on_server:
            out["db"] = info.db_url
        elif not args.recovery_key_out:
            out["recovery_key"] = recovery
        print_json(out)
        return 0
    if info.on_server:
        print(f"Hồ sơ làm việc '{info.name}' ({info.role_label}) trên máy chủ {info.db_url}.")
        print(f"Người dùng: {user} ({profiles.USER_ROLE_LABELS.get(session.user_role, '')}).")
        print(
            "Không có khóa khôi phục: mật khẩu do chủ hồ sơ (khdesk user passwd) hoặc quản trị "
            "máy chủ đặt lại. Dữ liệu được bảo vệ bằng mã hóa ổ đĩa của máy chủ."
        )
        return 0
    print(f"Đã tạo hồ sơ làm việc '{info.name}' ({info.role_label}).")
    print(f"Người dùng: {user}")
    if args.recovery_key_out:
        print(f"Khóa khôi phục đã ghi vào {args.recovery_key_out}: in ra và cất giữ an toàn.")
    else:
        print("KHÓA KHÔI PHỤC (chỉ hiện một lần — in ra và cất giữ an toàn):")
        print(recovery)
    return 0


def cmd_profile_list(args: argparse.Namespace) -> int:
    found = list_profiles(args.home)
    if args.json:
        print_json(
            [
                {
                    "name": p.name,
                    "role": p.role,
                    "org_code": p.org_code,
                    "org_name": p.org_name,
                    **({"db": p.db_url} if p.on_server else {}),  # a server profile only
                }
                for p in found
            ]
        )
        return 0
    if not found:
        print(f"Chưa có hồ sơ làm việc nào trong {args.home}.")
    for p in found:
        where = f"  [máy chủ {p.db_url}]" if p.on_server else ""
        print(f"{p.name:<16} {p.role_label:<28} {p.org_name}{where}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    with opened(args) as session:
        password = read_password(f"Mật khẩu cho {args.name}: ", "KHDESK_NEW_PASSWORD")
        profiles.add_user(session, args.name, password, args.role)
    print(f"Đã thêm người dùng '{args.name}'.")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    with opened(args) as session:
        target = args.name or session.user
        password = read_password(f"Mật khẩu mới cho {target}: ", "KHDESK_NEW_PASSWORD")
        profiles.change_password(session, target, password)
    print(f"Đã đổi mật khẩu của '{target}'.")
    return 0


def cmd_user_remove(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = profiles.remove_user(session, args.name)
    print(f"Đã xóa người dùng '{args.name}'.")
    if done is not None:
        for line in done.messages():
            print(line)
        if done.recovery_key:
            print(f"Khóa khôi phục MỚI (in ra và cất giữ; khóa cũ hết dùng): {done.recovery_key}")
    return 0


def cmd_user_new_recovery_key(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = profiles.new_recovery_key(session)
    print(f"Khóa khôi phục MỚI (in ra và cất giữ; chỉ hiện một lần): {done.recovery_key}")
    print("Khóa khôi phục cũ không còn dùng được.")
    for line in done.messages():
        print(line)
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with opened(args) as session:
        users = profiles.list_users(session)
    if args.json:
        print_json(users)
        return 0
    for u in users:
        granted = u["may_take_out"] and not may(u["role"], Action.TAKE_OUT)  # the owner's grant
        grant = "  (được đưa dữ liệu ra)" if granted else ""
        print(f"{u['name']:<20} {profiles.USER_ROLE_LABELS.get(u['role'], u['role'])}{grant}")
    return 0


def cmd_user_grant(args: argparse.Namespace) -> int:
    with opened(args) as session:
        profiles.grant_take_out(session, args.name, args.take_out)
    if args.take_out:
        print(f"Đã cho phép '{args.name}' đưa dữ liệu ra khỏi máy (xuất tệp, lưu bản sao).")
    else:
        print(f"'{args.name}' không còn được đưa dữ liệu ra khỏi máy.")
    return 0


def cmd_user_recover(args: argparse.Namespace) -> int:
    name = resolve_profile_name(args.home, args.profile)
    user = args.name or args.user or default_user(ProfileDir(args.home, name))
    key = read_password("Khóa khôi phục: ", "KHDESK_RECOVERY_KEY")
    password = read_password(f"Mật khẩu mới cho {user}: ", "KHDESK_NEW_PASSWORD")
    profiles.recover(args.home, name, user, key, password).close()
    print(f"Đã đặt lại mật khẩu của '{user}' bằng khóa khôi phục.")
    return 0


# -- data --


def _print_problems(problems, limit: int = 200) -> None:
    for p in problems[:limit]:
        print(f"  - {p}")
    if len(problems) > limit:
        print(f"  … và {len(problems) - limit} lỗi khác (xem bằng --json).")


def cmd_import(args: argparse.Namespace) -> int:
    path = paths.one(args.file)
    if not path.exists():
        raise InputError(f"Không thấy tệp '{path}'.")
    # Checked before the profile is opened: a bad map file costs no password.
    column_map = load_map_file(paths.one(args.column_map)) if args.column_map else None
    with opened(args) as session, long_work() as steps:
        report = import_file(
            session,
            path,
            dry_run=args.dry_run,
            all_or_nothing=args.all_or_nothing,
            column_map=column_map,
            **steps,
        )
        hint = None if args.json else _map_hint(session, path, report)
    failed = args.all_or_nothing and bool(report.problems)
    if args.json:
        print_json(report.as_dict())
        return 1 if failed else 0
    labels = {
        "added": "thêm",
        "updated": "sửa",
        "unchanged": "không đổi",
        "skipped": "bỏ qua",
    }

    head = "Kiểm tra (không ghi gì)" if args.dry_run else "Nhập"
    print(f"{head} '{path.name}':")
    how = {"given": "ghép cột theo tệp ghép cột", "remembered": "ghép cột theo cách đã lưu"}
    for key, counts in report.counts.items():
        parts = ", ".join(f"{labels[k]} {v}" for k, v in counts.as_dict().items() if v)
        mapped = f" ({how[report.mapped[key]]})" if key in report.mapped else ""
        print(f"  {SHEETS_BY_KEY[key].name}{mapped}: {parts or 'không có dòng nào'}")
    if report.problems:
        print(f"Có {len(report.problems)} lỗi:")
        _print_problems(report.problems)
    if hint:
        print(hint)
    if failed:
        print("Không nhập gì vì có lỗi (--all-or-nothing).")
        return 1
    if not report.committed and not args.dry_run:
        return 1
    return 0


def _map_hint(session: Session, path: Path, report) -> str | None:
    """For a sheet whose own name or headers the template does not know: a map file to
    start from (the suggestions), to give back with --map."""
    own = (UNKNOWN_COLUMN, MISSING_COLUMN)
    if not any(p.message in own or p.message.startswith(UNKNOWN_SHEET) for p in report.problems):
        return None  # the file's sheets and headers are the template's: nothing to map
    try:
        heads = read_heads(path, chooser(session, None, suggest_sheets=True))
    except InputError as exc:  # a hostile header: said as it is
        return f"Không ghép cột được: {exc}"
    renamed = {h.name: h.sheet.name for h in heads if match_sheet(h.name) is not h.sheet}
    suggested: dict[str, dict] = {SHEETS_ENTRY: renamed} if renamed else {}
    suggested |= {
        h.sheet.name: offered(session, h)[0]
        for h in heads
        if h.name in renamed or (h.sheet.key not in report.mapped and needs_map(h.sheet, h.headers))
    }
    if not suggested:
        return None
    text = json.dumps(suggested, ensure_ascii=False, indent=2)
    return (
        "Tệp có trang hay cột không theo mẫu. Có thể ghép: lưu đoạn dưới đây thành tệp (ví "
        "dụ ghep.json), sửa các mục null hay chưa đúng (mục 'sheets': tên trang trong tệp → "
        "trang của mẫu; mã trường như trong mẫu, null = bỏ qua), rồi chạy lại với --map "
        f"ghep.json:\n{text}"
    )


def cmd_export(args: argparse.Namespace) -> int:
    with opened(args) as session:
        counts = export_file(session, Path(args.file))
    if args.json:
        print_json({"file": str(args.file), "sheets": counts})
    else:
        print(f"Đã xuất {sum(counts.values())} dòng vào '{args.file}'.")
    return 0


def parse_day(text: str | None) -> date:
    """A DATE argument (CLI.md): dd/mm/yyyy or ISO, read by the core's one reading of a
    typed date; today when absent."""
    if not text:
        return date.today()

    try:
        return parse_date(text)
    except ValueError as exc:
        raise UsageError(f"Ngày '{text}' không hợp lệ: {exc}.") from None


def cmd_list(args: argparse.Namespace) -> int:
    if args.state and args.state.upper() not in State.__members__:
        states = "; ".join(f"'{s.value}' ({label})" for s, label in STATE_LABELS.items())
        raise UsageError(f"Không có giai đoạn '{args.state}'. Các giai đoạn: {states}.")
    with opened(args, file_code=args.search) as session:
        files = list_files(session, search=args.search, state=args.state)
        overview = file_overview(session, parse_day(args.on)) if args.json else {}
    if args.json:
        print_json([{**f, **overview.get(f["file_code"], {})} for f in files])
        return 0
    for f in files:
        born = date.fromisoformat(f["birth_date"]).strftime("%d/%m/%Y")
        label = STATE_LABELS[State(f["state"])]
        print(f"{f['file_code']:<16} {f['full_name']:<28} {born}  {label}")
    print(f"Tổng: {len(files)} hồ sơ.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if args.rule and args.rule.upper() not in RULE_IDS:
        raise UsageError(f"Không có quy tắc '{args.rule}'. Các quy tắc: {', '.join(RULE_IDS)}.")
    on = parse_day(args.on)
    with opened(args) as session:
        result = check_profile(
            session, on, rule=args.rule.upper() if args.rule else None, severity=args.severity
        )
    if result.clock_warning:
        print(f"khdesk: CẢNH BÁO: {result.clock_warning}", file=sys.stderr)
    if result.catalogue_warning:
        print(f"khdesk: CẢNH BÁO: {result.catalogue_warning}", file=sys.stderr)
    if args.json:
        print_json(result.findings)
        return 0
    judged_by = f"Kiểm tra theo {result.catalogue.label} [{result.catalogue.version}]."
    if not result.findings:
        print(f"Ngày {on:%d/%m/%Y}: không có việc nào cần lưu ý.")
        print(judged_by)
        return 0
    print(f"Kiểm tra ngày {on:%d/%m/%Y} — {len(result.findings)} mục:")
    print(judged_by)
    for f in result.findings:
        due = date.fromisoformat(f["due"]).strftime("%d/%m/%Y") if f["due"] else "—"
        who = f["file_code"] or f.get("member_code")
        label = SEVERITY_LABELS[Severity(f["severity"])]
        print(f"{due:<10}  {label:<9}  {who:<16} {f['full_name']}")
        # The rule's id (for --rule) on the details line, named as such.
        print(f"            {f['message']} [{f['legal_basis']}] (mã quy tắc {f['rule']})")
    counts = {s: sum(1 for f in result.findings if f["severity"] == s) for s in Severity}
    print(
        f"Tổng: {counts[Severity.ERROR]} lỗi, {counts[Severity.WARNING]} cảnh báo, "
        f"{counts[Severity.INFO]} nhắc việc."
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with opened(args, args.file_code) as session:
        found = open_file(session, args.file_code.upper())
    if found is None:
        raise InputError(f"Không có hồ sơ mã '{args.file_code}'.")
    if args.json:
        print_json(found)
        return 0
    # Words a secretary reads, not codes: the state's and each step's Vietnamese names.
    from khdesk.core.domain.pipeline import RESULT_LABELS, STATE_LABELS, STEP_BY_ID, Result

    state = STATE_LABELS.get(found["state"], found["state"])
    print(f"{found['file_code']}  {found['full_name']}  — {state}")
    for s in found["steps"]:
        when = s["on"].strftime("%d/%m/%Y")
        step = STEP_BY_ID.get(s["step_id"])
        name = step.name if step else s["step_id"]
        result = RESULT_LABELS.get(Result(s["result"]), s["result"]) if s["result"] else ""
        doc = f"  số {s['doc_no']}" if s["doc_no"] else ""
        print(f"  {when}  {name} ({s['step_id']}): {result}{doc}")
    return 0


# -- demo and the app --


def cmd_demo(args: argparse.Namespace) -> int:
    # the demo generator (~0.2 s) loads only for `khdesk demo`
    from khdesk.demo.loop import build_demo
    from khdesk.demo.province import write_province_dataset
    from khdesk.demo.stations import DEMO_PASSWORD, DEMO_USER

    today = parse_day(args.today)
    if args.scale == "province":
        if not args.out:
            raise UsageError("Cần --out THƯ_MỤC cho dữ liệu cấp tỉnh.")
        counts = write_province_dataset(
            Path(args.out),
            seed=args.seed,
            cells=args.cells,
            people=args.people,
            files=args.files,
            today=today,
        )
        if args.json:
            print_json(counts)
        else:
            print(f"Đã ghi dữ liệu tỉnh mẫu vào {args.out}: {counts}")
        return 0
    password = os.environ.get("KHDESK_PASSWORD")
    generated = password is None
    if generated:
        password = DEMO_PASSWORD
    made = build_demo(args.home, password, today=today)
    if args.json:
        print_json(
            {
                "profiles": made.names,
                "user": DEMO_USER,
                "created": made.created,
                "sync_folder": str(made.sync_folder),
            }
        )
    else:
        if made.created:
            print(f"Đã tạo dữ liệu mẫu trong {args.home}: hồ sơ {', '.join(made.names)}.")
            print(
                "Đảng ủy đã nhận dữ liệu của các chi bộ, xác nhận các quyết định chi bộ báo lên "
                "và gửi về các quyết định; các bên đã ghi nhận khóa của nhau."
            )
        else:
            print(
                f"Đã có dữ liệu mẫu trong {args.home} (giữ nguyên): hồ sơ {', '.join(made.names)}."
            )
        print(f"Thư mục thay cho USB: {made.sync_folder}")
        print(f"Người dùng: {DEMO_USER}")
        if generated:
            print(f"Mật khẩu mẫu: {password}")
    if args.open:  # the sign-in, to choose the committee or a cell
        return run_gui(args, profile=made.names[0], password=password, choose=True)
    return 0
