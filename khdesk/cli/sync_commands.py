"""`khdesk keys …` and `khdesk bundle …`: parse, call the sync service, print."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from khdesk.cli import paths
from khdesk.cli.commands import opened
from khdesk.cli.console import print_json, read_password
from khdesk.cli.longwork import long_work
from khdesk.core.domain.template import SHEETS_BY_KEY
from khdesk.core.services import sync
from khdesk.core.services.session import ProfileDir, list_profiles
from khdesk.core.sync.errors import KeyCardError
from khdesk.core.sync.inbox import BundleReport
from khdesk.core.sync.keys import STATUS_LABELS

_TABLE_LABELS = {key: sheet.name for key, sheet in SHEETS_BY_KEY.items()}
_TABLE_LABELS["attachments"] = "Tệp đính kèm"
_TABLE_LABELS["decision_reports"] = "Quyết định chi bộ báo lên (chờ xác nhận: khdesk decision list)"
_COUNT_LABELS = {
    "added": "thêm",
    "updated": "sửa",
    "unchanged": "không đổi",
    "older": "cũ hơn, bỏ qua",
    "conflicts": "xung đột",
}


def _day(iso_text: str | None) -> str:
    try:
        return date.fromisoformat((iso_text or "")[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return iso_text or "—"


# -- keys --


def cmd_keys_show(args: argparse.Namespace) -> int:
    with opened(args) as session:
        status = sync.key_status(session)
    if args.json:
        print_json(status)
        return 0
    print(f"Hồ sơ {status['org_code']} — khóa của hồ sơ:")
    for k in status["keys"]:
        label = STATUS_LABELS.get(k["status"], k["status"])
        print(f"  {k['fingerprint']}  {label:<11} tạo ngày {_day(k['created_at'])}")
    if status["peers"]:
        print("Khóa của các đơn vị đã ghi nhận:")
        for p in status["peers"]:
            label = STATUS_LABELS.get(p["status"], p["status"])
            print(f"  {p['org_code']:<12} {p['fingerprint']}  {label:<11} {p['org_name']}")
    else:
        print("Chưa ghi nhận khóa của đơn vị nào.")
    print("Mã xác nhận của hồ sơ này (đọc cho bên kia khi ghi nhận khóa):")
    print(status["fingerprint"])
    return 0


def cmd_keys_card(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = sync.write_card(session, Path(args.out))
    if args.json:
        print_json(done)
        return 0
    print(f"Đã ghi thẻ khóa vào '{args.out}'. Chuyển tệp này cho đơn vị kia, rồi đọc mã xác")
    print("nhận dưới đây cho họ qua điện thoại (hoặc gửi bản in) để họ đối chiếu khi ghi nhận:")
    print(done["fingerprint"])
    return 0


def cmd_keys_enrol(args: argparse.Namespace) -> int:
    with opened(args) as session:
        try:
            done = sync.enrol_card(
                session, paths.one(args.file), args.fingerprint, add_unit=args.add_unit
            )
        except KeyCardError as exc:
            if exc.code != "unit_missing":
                raise
            hint = " Để thêm đơn vị và ghi nhận khóa, chạy lại lệnh với --add-unit."
            raise KeyCardError(exc.code, exc.message + hint) from None
    if args.json:
        print_json(done)
        return 0
    unit = done["unit_added"]
    if unit:
        print(
            f"Đã thêm {unit['code']} — {unit['name']} ({unit['kind']}) vào danh sách đơn vị "
            f"trực thuộc {unit['parent_code']}. Loại đơn vị đọc từ tên; nếu chưa đúng, sửa "
            "bằng cách nhập danh sách đơn vị từ Excel."
        )
    if done["already"]:
        print(f"Khóa của {done['org_code']} ({done['fingerprint']}) đã được ghi nhận trước đó.")
    else:
        print(
            f"Mã xác nhận khớp. Đã ghi nhận khóa của {done['org_code']} — {done['org_name']} "
            f"({done['fingerprint']})."
        )
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = sync.rotate_keys(session)
    if args.json:
        print_json(done)
        return 0
    print(f"Đã đổi khóa. Khóa cũ {done['old_fingerprint']} vẫn mở được các gói đang gửi đến.")
    print("Các gói gửi đi từ nay mang thông báo đổi khóa, ký bằng khóa cũ; đơn vị gửi gói cho")
    print("hồ sơ này cần thẻ khóa mới ('khdesk keys card --out …'). Mã xác nhận mới:")
    print(done["fingerprint"])
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = sync.revoke_key(session, args.fingerprint)
    if args.json:
        print_json(done)
        return 0
    if done["kind"] == "peer":
        print(f"Đã thu hồi khóa của {done['org_code']}: gói ký bằng khóa này sẽ bị từ chối.")
    else:
        print("Đã thu hồi khóa cũ của hồ sơ này: nó không mở gói nào nữa.")
    return 0


# -- bundles --


def cmd_bundle_export(args: argparse.Namespace) -> int:
    with opened(args) as session, long_work() as steps:
        out = paths.file_or_folder(args.out)
        result = sync.export_bundle(session, out, full=args.full, to=args.to, **steps)
    if args.json:
        print_json(result.as_dict())
        return 0
    if result.kind == "down":
        what = "quyết định của cấp ủy về hồ sơ của đơn vị, kèm xác nhận đã nhận"
    elif result.full:
        what = "toàn bộ dữ liệu"
    else:
        what = "các thay đổi từ lần đơn vị nhận xác nhận gần nhất"
    print(
        f"Đã ghi gói số {result.seq} gửi {result.recipient_org} ({what}) vào '{result.path}': "
        f"{result.records} bản ghi, {result.files} tệp đính kèm, {result.size // 1024 + 1} KB."
    )
    for table, n in result.counts.items():
        print(f"  {_TABLE_LABELS.get(table, table)}: {n}")
    if result.new_epoch:
        print(
            "Gói này mở đầu một giai đoạn gửi mới (hồ sơ được khôi phục hoặc chuyển máy); bên "
            "nhận sẽ được hỏi xác nhận."
        )
    print("Đã đọc lại tệp và kiểm tra: đúng nội dung. Có thể rút thẻ nhớ.")
    return 0


def _print_report(r) -> None:
    sender = r.sender or {}
    who = sender.get("org_code", "không rõ đơn vị gửi")
    if sender and not sender.get("verified"):
        who += " (tự xưng, chưa xác thực)"
    head = f"{Path(r.path).name}: {who}"
    if r.seq is not None:
        head += f" — gói số {r.seq}"
    if r.created_at:
        head += f", lập ngày {_day(r.created_at)}"
    print(head)
    label = sync.inbox.STATUS_LABELS.get(r.status, r.status)
    print(f"  Trạng thái: {label}")
    if r.reason:
        print(f"  {'Lý do' if r.refused else 'Ghi chú'}: {r.reason}")
    if r.epoch and r.epoch.get("text") and r.status != "new_epoch":
        print(f"  Giai đoạn: {r.epoch['text']}")
    if r.applied:
        for table, c in r.applied.items():
            parts = ", ".join(f"{_COUNT_LABELS[k]} {v}" for k, v in vars(c).items() if v)
            print(f"  {_TABLE_LABELS.get(table, table)}: {parts or 'không có gì'}")
    elif r.counts and r.status != "refused":
        for table, n in sorted(r.counts.items(), key=lambda x: list(_TABLE_LABELS).index(x[0])):
            print(f"  {_TABLE_LABELS.get(table, table)}: {n} bản ghi")
    if r.conflicts:
        print(f"  Xung đột giữ lại, chưa ghi ({len(r.conflicts)}):")
        for c in r.conflicts[:50]:
            print(
                f"    - {_TABLE_LABELS.get(c['table'], c['table'])} {c['key'] or c['uuid']}: "
                f"{c['reason']}"
            )
        if len(r.conflicts) > 50:
            print(f"    … và {len(r.conflicts) - 50} xung đột khác (xem bằng --json).")
    if r.files_changed:
        shown = ", ".join(r.files_changed[:20])
        more = f" … (+{len(r.files_changed) - 20})" if len(r.files_changed) > 20 else ""
        print(f"  Hồ sơ thay đổi ({len(r.files_changed)}): {shown}{more}")
    for note in r.notes:
        print(f"  {note}")


def _chosen(args: argparse.Namespace, wanted: list[Path]) -> dict[Path, tuple[str, ...]] | None:
    """Each bundle's profile, chosen by the key it is sealed to (as a file code chooses
    its profile): None when --profile is given or there is one profile (it takes all)."""
    if args.profile or len(list_profiles(args.home)) <= 1:
        return None
    return sync.bundle_profiles(args.home, wanted)


def _unplaced(path: Path, names: tuple[str, ...], unknown: list[str]) -> BundleReport:
    """A bundle no single profile here is the recipient of: refused, in words.
    `unknown`: the profiles whose keys are not known yet (not opened since khdesk
    started listing them)."""
    if names:
        why = (
            f"Gói '{path.name}' gửi cho khóa của nhiều hồ sơ làm việc ở đây "
            f"({', '.join(names)}): chọn hồ sơ bằng --profile."
        )
    else:
        why = (
            f"Gói '{path.name}' không thuộc hồ sơ làm việc nào ở đây: khóa nhận ghi ở đầu gói "
            "không phải khóa của hồ sơ nào (hoặc tệp không phải gói đồng bộ). Nếu gói gửi cho "
            "một hồ sơ ở đây, chọn hồ sơ đó bằng --profile."
        )
        if unknown:
            why += (
                f" (Chưa biết khóa của hồ sơ {', '.join(unknown)}: hồ sơ chưa được mở lần nào "
                "bằng phiên bản khdesk này.)"
            )
    return BundleReport(
        path=str(path), status="refused", valid=False, code="no_profile", reason=why
    )


def _keys_unknown(home: Path) -> list[str]:
    return [
        p.name
        for p in list_profiles(home)
        if not ProfileDir(home, p.name).bundle_keys_file.exists()
    ]


def _with_profile(report: BundleReport, name: str | None) -> dict:
    return {**report.as_dict(), "profile": name}


def cmd_bundle_verify(args: argparse.Namespace) -> int:
    path = paths.one(args.path)
    chosen = _chosen(args, [path])
    names = chosen[path] if chosen else ()
    with opened(args, profile=names[0] if len(names) == 1 else None) as session:
        report = sync.verify_bundle(session, path)
        name = session.info.name
    if args.json:
        print_json(_with_profile(report, name))
    else:
        if chosen:
            print(f"Hồ sơ làm việc {name} (gói gửi cho khóa của hồ sơ này):")
        _print_report(report)
    return 1 if report.refused else 0


def cmd_bundle_import(args: argparse.Namespace) -> int:
    wanted = paths.expand(args.paths)
    chosen = _chosen(args, wanted)
    groups: dict[str | None, list[Path]] = {}
    strays: list[BundleReport] = []
    for path in wanted:
        names = chosen[path] if chosen is not None else (None,)
        if len(names) == 1:
            groups.setdefault(names[0], []).append(path)
        else:
            strays.append(_unplaced(path, names, _keys_unknown(args.home)))
    results: list[tuple[str | None, list[BundleReport]]] = []
    stopped = False
    for name, group in groups.items():
        password = read_password(f"Mật khẩu hồ sơ '{name}': ") if name else None
        with opened(args, profile=name, password=password) as session, long_work() as steps:
            reports = sync.import_bundles(session, group, accept_epoch=args.accept_epoch, **steps)
            results.append((session.info.name, reports))
        if len(reports) < len(group):  # Ctrl+C between two bundles
            stopped = True
            break
    if strays:
        results.append((None, strays))
    every = [r for _, reports in results for r in reports]
    failed = stopped or any(r.refused for r in every)
    if args.json:
        print_json([_with_profile(r, name) for name, reports in results for r in reports])
        return 1 if failed else 0
    for name, reports in results:
        if chosen is not None:
            print(f"=== Hồ sơ làm việc {name} ===" if name else "=== Không rõ hồ sơ nhận ===")
        by_sender: dict[str, list] = {}
        for r in reports:
            by_sender.setdefault((r.sender or {}).get("org_code") or "?", []).append(r)
        for sender, group in by_sender.items():
            print(f"== {sender} ==")
            for r in group:
                _print_report(r)
    done = sum(1 for r in every if r.status == "imported")
    print(f"Đã nhập {done}/{len(wanted)} gói.")
    if stopped:
        print("Đã dừng theo yêu cầu: các gói còn lại chưa nhập.", file=sys.stderr)
    if any(r.refused for r in every):
        print("Có gói không được nhập: xem lý do ở trên.", file=sys.stderr)
    return 1 if failed else 0


def cmd_bundle_conflicts(args: argparse.Namespace) -> int:
    with opened(args) as session:
        found = sync.list_conflicts(session, include_resolved=args.all)
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("Không có xung đột nào đang chờ giải quyết.")
        return 0
    for c in found:
        state = f"đã giải quyết {_day(c['resolved_at'])}" if c["resolved_at"] else "đang chờ"
        what = _TABLE_LABELS.get(c["table"], c["table"])
        print(f"[{c['id']}] {what} {c['key'] or c['uuid']} — từ {c['sender_org']} ({state})")
        print(f"     {c['reason']}")
        for field, d in c["differences"].items():
            print(f"     {field}: ở đây «{d['here']}» — gửi đến «{d['incoming']}»")
    print(
        "Giải quyết: khdesk bundle resolve SỐ --keep here (giữ bản ở đây) | "
        "--keep incoming (nhận bản gửi đến)"
    )
    return 0


def cmd_bundle_resolve(args: argparse.Namespace) -> int:
    with opened(args) as session:
        done = sync.resolve_conflict(session, args.id, args.keep)
    if args.json:
        print_json(done)
    elif args.keep == "incoming":
        print(f"Đã nhận bản gửi đến cho {done['key'] or done['uuid']} (xung đột số {args.id}).")
    else:
        print(f"Đã giữ bản ở đây cho {done['key'] or done['uuid']} (xung đột số {args.id}).")
    return 0
