"""`khdesk class …`: party-awareness class rosters (lớp bồi dưỡng nhận thức về Đảng) —
record a class with its participants, typed or from the class's own spreadsheet; A2 is
recorded for each participant who passed (core/services/classes.py)."""

from __future__ import annotations

import argparse

from khdesk.cli import paths
from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json
from khdesk.cli.longwork import long_work
from khdesk.core.domain.classes import OUTCOME_LABELS, PASSED, RESULTS, Participant
from khdesk.core.errors import UsageError
from khdesk.core.services import classes
from khdesk.core.text import fold


def _info(args: argparse.Namespace) -> classes.ClassInfo:
    return classes.ClassInfo(
        code=args.code,
        name=args.name,
        organiser=args.organiser,
        issuer=args.issuer or args.organiser,
        starts_on=parse_day(args.starts_on),
        ends_on=parse_day(args.ends_on),
        cert_on=parse_day(args.cert_on),
        note=args.note,
    )


def _typed(text: str) -> Participant:
    """One `--participant "Họ tên;ngày sinh;CCCD;chi bộ;số chứng nhận;Đạt|Không đạt"`."""
    parts = [p.strip() for p in text.split(";")]
    if len(parts) != 6 or not parts[0] or not parts[1]:
        raise UsageError(
            f"'{text}': cần 6 phần cách nhau bởi dấu ';' — họ tên;ngày sinh;CCCD;mã chi bộ;"
            "số chứng nhận;Đạt hoặc Không đạt."
        )
    result = next((r for r in RESULTS if fold(r) == fold(parts[5])), None)
    if result is None:
        raise UsageError(f"'{text}': kết quả phải là {' hoặc '.join(RESULTS)}.")
    return Participant(
        full_name=parts[0],
        birth_date=parse_day(parts[1]),
        passed=result == PASSED,
        cccd=parts[2] or None,
        org_code=parts[3].upper() or None,
        cert_no=parts[4] or None,
    )


def _print(roster: classes.Roster, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "code": roster.info.code,
                "name": roster.info.name,
                "cert_on": roster.info.cert_on.isoformat(),
                "participants": [
                    {
                        "row": x.row_no,
                        "full_name": x.participant.full_name,
                        "birth_date": x.participant.birth_date.isoformat(),
                        "org_code": x.participant.org_code,
                        "cert_no": x.participant.cert_no,
                        "passed": x.participant.passed,
                        "file_code": x.file_code,
                        "outcome": x.outcome.value,
                        "reason": x.reason,
                    }
                    for x in roster.lines
                ],
            }
        )
        return
    info = roster.info
    print(f"Lớp {info.code}: {info.name}")
    print(f"  {info.organiser} tổ chức, {info.starts_on:%d/%m/%Y}–{info.ends_on:%d/%m/%Y};")
    print(f"  chứng nhận ngày {info.cert_on:%d/%m/%Y} do {info.issuer} cấp.")
    counts = {o: roster.count(o) for o in OUTCOME_LABELS}
    # "đã ghi bước A2: 35": the label's first letter small, the step's id as it is
    summary = ", ".join(
        f"{OUTCOME_LABELS[o][0].lower()}{OUTCOME_LABELS[o][1:]}: {n}"
        for o, n in counts.items()
        if n
    )
    print(f"  {len(roster.lines)} học viên — {summary}.")
    if roster.to_resolve:
        print("Cần văn phòng xử lý (chọn hồ sơ: khdesk class resolve MÃ_LỚP DÒNG MÃ_HỒ_SƠ):")
        for x in roster.to_resolve:
            p = x.participant
            print(
                f"  dòng {x.row_no}: {p.full_name} ({p.birth_date:%d/%m/%Y}, "
                f"{p.org_code or 'chưa rõ chi bộ'}) — {OUTCOME_LABELS[x.outcome]}: {x.reason}"
            )


def cmd_class_new(args: argparse.Namespace) -> int:
    if not args.participant:
        raise UsageError("Cần ít nhất một --participant (hoặc dùng 'khdesk class import').")
    people = [_typed(p) for p in args.participant]
    with opened(args) as session:
        roster = classes.record_class(session, _info(args), people, parse_day(args.today))
    _print(roster, args.json)
    return 0


def cmd_class_import(args: argparse.Namespace) -> int:
    path = paths.one(args.file)
    with opened(args) as session, long_work() as steps:
        roster = classes.import_class(session, _info(args), path, parse_day(args.today), **steps)
    _print(roster, args.json)
    return 0


def cmd_class_resolve(args: argparse.Namespace) -> int:
    with opened(args) as session:
        line = classes.resolve(
            session, args.class_code, args.row, args.file_code.upper(), parse_day(args.today)
        )
        roster = classes.show_class(session, args.class_code)
    if args.json:
        print_json({"row": line.row_no, "file_code": line.file_code, "outcome": line.outcome})
    else:
        print(f"Dòng {line.row_no}: {OUTCOME_LABELS[line.outcome]} ({line.file_code}).")
        if line.reason:
            print(f"  {line.reason}")
        print(f"Lớp {roster.info.code} còn {len(roster.to_resolve)} học viên cần xử lý.")
    return 0


def cmd_class_show(args: argparse.Namespace) -> int:
    with opened(args) as session:
        roster = classes.show_class(session, args.class_code)
    _print(roster, args.json)
    if not args.json:
        for x in roster.lines:
            p = x.participant
            print(
                f"  {x.row_no:>3}  {p.full_name:<28} {p.birth_date:%d/%m/%Y}  "
                f"{p.cert_no or '':<14} {x.file_code or '':<16} {OUTCOME_LABELS[x.outcome]}"
            )
    return 0


def cmd_class_list(args: argparse.Namespace) -> int:
    with opened(args) as session:
        found = classes.list_classes(session)
    if args.json:
        print_json([{**c, "cert_on": c["cert_on"].isoformat()} for c in found])
        return 0
    if not found:
        print("Chưa ghi lớp bồi dưỡng nào.")
    for c in found:
        print(
            f"{c['code']:<16} {c['cert_on']:%d/%m/%Y}  {c['participants']:>3} học viên, "
            f"đã ghi A2: {c['recorded']}, cần xử lý: {c['to_resolve']}  {c['name']}"
        )
    return 0
