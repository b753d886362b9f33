"""`khdesk decision list|confirm|dismiss`: the decisions cells report from their paper
copies, at the committee (services/decisions.py) — the CLI twin of the committee
window's list of reported decisions."""

from __future__ import annotations

import argparse

from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json
from khdesk.core.errors import UsageError
from khdesk.core.services import decisions
from khdesk.core.services.session import list_profiles


def _committee(args: argparse.Namespace) -> argparse.Namespace:
    """Without --profile, the one committee's profile on this PC (the demo keeps its
    cells beside it): the reports wait there."""
    if not args.profile:
        committees = [p for p in list_profiles(args.home) if p.role == "committee"]
        if len(committees) == 1:
            args.profile = committees[0].name
    return args


def _line(r: decisions.DecisionReport) -> str:
    number = f" số {r.doc_no}" if r.doc_no else ""
    line = (
        f"{r.id:>4}  {r.org_code:<10} {r.file_code:<15} {r.full_name:<26} "
        f"{r.step_id:<7} {r.on:%d/%m/%Y}{number}  {r.status_label}"
    )
    if r.reason:
        line += f" ({r.reason})"
    return line


def cmd_decision_list(args: argparse.Namespace) -> int:
    with opened(_committee(args)) as session:
        found = decisions.list_reports(
            session, status=None if args.all else decisions.PENDING, org_code=args.org
        )
    if args.json:
        print_json([r.as_dict() for r in found])
        return 0
    if not found:
        print("Không có quyết định chi bộ báo lên" + ("." if args.all else " chờ xác nhận."))
    for r in found:
        print(_line(r))
    return 0


def cmd_decision_confirm(args: argparse.Namespace) -> int:
    if (args.id is None) == (args.all_of is None):
        raise UsageError("Ghi số thứ tự của một quyết định, hoặc --all-of MÃ_CHI_BỘ.")
    today = parse_day(args.today)
    with opened(_committee(args)) as session:
        if args.all_of is not None:
            if args.on or args.doc_no:
                raise UsageError("--on và --doc-no chỉ dùng khi xác nhận từng quyết định.")
            result = decisions.confirm_all(session, args.all_of, today)
            done, refused = result.confirmed, result.refused
        else:
            on = parse_day(args.on) if args.on else None
            done = [decisions.confirm_report(session, args.id, today, on=on, doc_no=args.doc_no)]
            refused = []
    if args.json:
        print_json(
            {
                "confirmed": [c.report.as_dict() | {"step_uuid": c.step_uuid} for c in done],
                "refused": [r.as_dict() | {"why": why} for r, why in refused],
            }
        )
        return 1 if refused else 0
    for c in done:
        r = c.report
        how = "đã ghi" if c.recorded else "đảng ủy đã ghi từ trước"
        print(f"Đã xác nhận {r.step_name} ({r.step_id}) của hồ sơ {r.file_code}: {how}.")
    for r, why in refused:
        print(f"Chưa xác nhận {r.step_id} của hồ sơ {r.file_code}: {why}")
    if done:
        print("Quyết định của đảng ủy sẽ gửi về chi bộ ở lần gửi gói sau.")
    return 1 if refused else 0


def cmd_decision_dismiss(args: argparse.Namespace) -> int:
    with opened(_committee(args)) as session:
        r = decisions.dismiss_report(session, args.id, args.reason)
    if args.json:
        print_json(r.as_dict() | {"status": decisions.DISMISSED, "reason": args.reason})
    else:
        print(f"Không xác nhận {r.step_name} ({r.step_id}) của hồ sơ {r.file_code}.")
    return 0
