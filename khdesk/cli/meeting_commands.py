"""`khdesk meeting …`: a cell meeting recorded once (its roll), its votes on several files
(A8, P3) counted on that roll, its list and its minutes (RULES.md §2a); its day changed or
the meeting deleted only while no vote is recorded at it."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json
from khdesk.cli.documents import form_values, missing_folder, out_path, said_written
from khdesk.core.domain.meetings import Absence, Meeting, parse_kind
from khdesk.core.domain.pipeline import RESULT_LABELS, STATE_LABELS, State
from khdesk.core.errors import UsageError
from khdesk.core.services import printing
from khdesk.core.services.meetings import (
    correct_meeting,
    delete_meeting,
    get_meeting,
    list_meetings,
    meeting_votes,
    new_meeting,
    record_vote,
)


def _absences(items: list[str] | None) -> tuple[Absence, ...]:
    out = []
    for item in items or ():
        name, _, rest = item.partition(";")
        kind, sep, reason = rest.partition(";")
        if not sep:
            raise UsageError(
                f"--absent '{item}': dùng dạng 'HỌ TÊN;LOẠI;LÝ DO', ví dụ 'Lê Văn A;ct;ốm'."
            )
        out.append(Absence(name.strip(), parse_kind(kind), reason.strip()))
    return tuple(out)


def _meeting_dict(m: Meeting) -> dict:
    return {
        "meeting": m.uuid,
        "org_code": m.org_code,
        "on": m.on.isoformat(),
        "official_members": m.official_members,
        "probationary_members": m.probationary_members,
        "present": m.present(),
        "absences": [
            {"name": a.name, "kind": a.kind.value, "reason": a.reason} for a in m.absences
        ],
        "chair": m.chair,
        "chair_role": m.chair_role,
        "secretary": m.secretary,
    }


def _line(m: Meeting) -> str:
    return (
        f"{m.uuid}  {m.on:%d/%m/%Y}  {m.org_code}: {m.official_members} chính thức, "
        f"{m.probationary_members} dự bị; có mặt {m.present()}, vắng {m.absent()}"
    )


def cmd_new(args: argparse.Namespace) -> int:

    with opened(args) as session:
        meeting = Meeting(
            org_code=(args.org_code or session.org_code).strip().upper(),
            on=parse_day(args.on),
            official_members=args.official,
            probationary_members=args.probationary,
            absences=_absences(args.absent),
            chair=args.chair,
            chair_role=args.chair_role,
            secretary=args.secretary,
            note=args.note,
        )
        uuid = new_meeting(session, meeting, parse_day(args.today))
    if args.json:
        print_json({"meeting": uuid})
    else:
        print(f"Đã ghi kỳ họp ngày {meeting.on:%d/%m/%Y} của {meeting.org_code}.")
        print(f"Mã kỳ họp (để ghi biểu quyết, in biên bản): {uuid}")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:

    with opened(args) as session:
        with session.store.read() as conn:
            old = get_meeting(conn, args.meeting)
        given = {
            k: getattr(args, k)
            for k in ("chair", "chair_role", "secretary", "note")
            if getattr(args, k) is not None
        }
        if args.on is not None:
            given["on"] = parse_day(args.on)
        if args.official is not None:
            given["official_members"] = args.official
        if args.probationary is not None:
            given["probationary_members"] = args.probationary
        if args.absent or args.nobody_absent:
            given["absences"] = _absences(args.absent)
        if not given:
            raise UsageError("Không có gì để sửa: ghi ít nhất một tùy chọn (--official, …).")
        corrected = replace(old, **given)
        correct_meeting(session, old.uuid, corrected, parse_day(args.today))
    if args.json:
        print_json(_meeting_dict(corrected))
    else:
        print(f"Đã sửa kỳ họp ngày {old.on:%d/%m/%Y}: {', '.join(sorted(given))}.")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:

    with opened(args) as session:
        gone = delete_meeting(session, args.meeting)
    if args.json:
        print_json({"meeting": gone.uuid, "deleted": True})
    else:
        print(f"Đã xóa kỳ họp ngày {gone.on:%d/%m/%Y} của {gone.org_code}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:

    with opened(args) as session, session.store.read() as conn:
        meetings = list_meetings(conn)
    if args.json:
        print_json({"meetings": [_meeting_dict(m) for m in meetings]})
        return 0
    for m in meetings:
        print(_line(m))
    if not meetings:
        print("Chưa ghi kỳ họp nào.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:

    with opened(args) as session, session.store.read() as conn:
        meeting = get_meeting(conn, args.meeting)
        votes = meeting_votes(conn, meeting.uuid)
    if args.json:
        out = _meeting_dict(meeting)
        out["votes"] = [
            {
                "file_code": v.file_code,
                "full_name": v.full_name,
                "step": v.step_id,
                "votes_for": v.votes_for,
                "result": v.result.value,
                "doc_no": v.doc_no,
            }
            for v in votes
        ]
        print_json(out)
        return 0
    print(_line(meeting))
    for a in meeting.absences:
        print(f"  vắng: {a.line()}")
    print(f"  chủ trì: {meeting.chair or '—'}; thư ký: {meeting.secretary or '—'}")
    for v in votes:
        print(
            f"  {v.step_id:<3} {v.file_code}  {v.full_name}: {v.votes_for}/"
            f"{meeting.official_members} tán thành — {RESULT_LABELS[v.result]}"
        )
    return 0


def cmd_vote(args: argparse.Namespace) -> int:

    code = args.file_code.strip().upper()
    with opened(args, code) as session:
        done = record_vote(
            session,
            args.meeting,
            code,
            args.step,
            args.votes,
            parse_day(args.today),
            doc_no=args.doc_no,
            note=args.note,
        )
    if args.json:
        print_json({"file_code": code, "state": done.state, "step_uuid": done.step_uuid})
    else:
        state = STATE_LABELS[State(done.state)]  # the code is in --json
        print(f"Đã ghi biểu quyết {args.step.upper()} của hồ sơ {code}: {state}.")
        print(f"Mã bản ghi (để hoàn tác): {done.step_uuid}")
    return 0


def cmd_minutes(args: argparse.Namespace) -> int:

    out = out_path(args.out, (".pdf",))
    values = form_values(args.value)
    new_folder = missing_folder(Path(out))
    with opened(args) as session:
        result = printing.export_minutes(session, args.meeting, out, values=values)
    if args.json:
        print_json(result)
    else:
        said_written(f"Đã ghi biên bản kỳ họp vào '{out}'.", new_folder)
    return 0
