"""`khdesk candidate …`, `khdesk step …`, `khdesk attach …`: the CLI twins of the candidate
file window (add and edit a file, record and take back a step, attach scans)."""

from __future__ import annotations

import argparse

from khdesk.cli import paths
from khdesk.cli.commands import opened, parse_day
from khdesk.cli.console import print_json, read_password
from khdesk.core.domain.pipeline import (
    STATE_LABELS,
    STEP_BY_ID,
    Result,
    State,
    StepEvent,
    parse_step,
)
from khdesk.core.errors import InputError, UsageError
from khdesk.core.fsutil import safe_file_name
from khdesk.core.services.attachments import attach, list_attachments, save_attachment
from khdesk.core.services.candidates import (
    create_candidate,
    file_access,
    open_file,
    update_identity,
)
from khdesk.core.services.session import resolve_profile_name
from khdesk.core.services.steps import (
    next_steps_for,
    record_ceremony_approval,
    record_step_event,
    undo_step,
)
from khdesk.core.services.transfers import transit_note


def _fields(pairs: list[str] | None) -> dict[str, str]:
    """`--field key=value` pairs (keys are the template's ascii keys, e.g. cccd)."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"'{pair}' không đúng dạng khóa=giá_trị (ví dụ cccd=056195000123).")
        out[key.strip()] = value
    return out


def _no_step(typed: str, file_code: str) -> str:
    steps = ", ".join(f"'{s.id}'" for s in STEP_BY_ID.values() if not s.transfer)
    return (
        f"Không có bước '{typed}'. Gõ mã bước ({steps}) hoặc tên bước; các bước ghi tiếp "
        f"được: 'khdesk step next {file_code.upper()}'."
    )


def _state(state: str) -> str:
    return STATE_LABELS[State(state)]  # the code is in --json


# -- candidate --


def cmd_candidate_add(args: argparse.Namespace) -> int:
    fields = _fields(args.field)
    for key in ("full_name", "sex", "birth_date", "cccd", "org_code", "file_code"):
        value = getattr(args, key, None)
        if value is not None:
            fields[key] = value
    with opened(args, args.file_code) as session:
        code = create_candidate(session, fields)
    if args.json:
        print_json({"file_code": code, "state": State.NGUON.value})
    else:
        print(f"Đã thêm hồ sơ {code}.")
    return 0


def cmd_candidate_edit(args: argparse.Namespace) -> int:
    fields = _fields(args.field)
    if not fields:
        raise UsageError("Cần ít nhất một --field khóa=giá_trị.")
    with opened(args, args.file_code) as session:
        before = update_identity(session, args.file_code.upper(), fields)
    if args.json:
        print_json({"file_code": args.file_code.upper(), "changed": sorted(before)})
    elif before:
        print(f"Đã sửa hồ sơ {args.file_code.upper()}: {', '.join(sorted(before))}.")
    else:
        print("Không có gì thay đổi.")
    return 0


# -- steps --


def cmd_step_next(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    with opened(args, code) as session:
        valid = next_steps_for(session, code, parse_day(args.today))
        access = file_access(session, code)
    here = [s for s in valid if access.may_record(s)]
    if args.json:
        print_json({"file_code": code, "next_steps": valid, "recordable_here": here})
        return 0

    for s in valid:
        mark = "" if s in here else "  (không ghi ở đây)"
        print(f"{s:<8} {STEP_BY_ID[s].name}{mark}")
    if not valid:
        with opened(args, code) as session:
            print(transit_note(session, code) or "Hồ sơ đã kết thúc: không còn bước nào.")
    return 0


def cmd_step_record(args: argparse.Namespace) -> int:
    step = parse_step(args.step)
    if step is None:
        raise UsageError(_no_step(args.step, args.file_code))
    if (args.members is None) != (args.votes is None):
        raise UsageError("Ghi cả --members và --votes (số đảng viên chính thức, số tán thành).")
    result = Result.PASSED
    if args.failed:
        result = Result.FAILED
    elif args.returned:
        result = Result.RETURNED
    event = StepEvent(
        step_id=step.id,
        on=parse_day(args.on),
        result=result,
        doc_no=args.doc_no,
        official_members=args.members,
        votes_for=args.votes,
        received_on=parse_day(args.received_on) if args.received_on else None,
        note=args.note,
    )
    details: dict = _fields(args.detail)
    for key in [k for k in details if k.endswith("_since")]:
        details[key] = parse_day(details[key]) if details[key] else None
    if "a6_replacement" in details:
        details["a6_replacement"] = details["a6_replacement"].strip().lower() in ("1", "có", "x")
    code = args.file_code.upper()
    with opened(args, code, committee=step.committee) as session:
        done = record_step_event(session, code, event, parse_day(args.today), details or None)
    if args.json:
        print_json({"file_code": code, "state": done.state, "step_uuid": done.step_uuid})
    else:
        print(f"Đã ghi bước {step.id} ({step.name}) vào hồ sơ {code}: {_state(done.state)}.")
        print(f"Mã bản ghi (để hoàn tác): {done.step_uuid}")
    return 0


def cmd_step_approval(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    on = parse_day(args.on)
    with opened(args, code) as session:
        uuid = record_ceremony_approval(session, code, args.doc_no, on, parse_day(args.today))
    if args.json:
        print_json({"file_code": code, "step_uuid": uuid})
    else:
        print(
            f"Đã ghi văn bản đồng ý {args.doc_no} ngày {on:%d/%m/%Y} vào lễ kết nạp hồ sơ {code}."
        )
    return 0


def cmd_step_undo(args: argparse.Namespace) -> int:
    code = args.file_code.upper()
    step = parse_step(args.step) if args.step else None
    if args.step and step is None:
        raise UsageError(_no_step(args.step, args.file_code))
    names = _undo_profiles(args, code, step)
    if len(names) > 1 and args.uuid is None:
        raise UsageError(
            f"Hồ sơ {code} có ở hai hồ sơ làm việc trên máy này ({', '.join(names)}): nêu bước "
            f"cần hoàn tác, ví dụ 'khdesk step undo {code} A10', hoặc chọn bằng --profile."
        )
    password = read_password()
    for name in names:
        with opened(args, code, profile=name, password=password) as session:
            found = open_file(session, code, audit=False)
            if found is None:
                raise InputError(f"Không có hồ sơ mã '{code}'.")
            own = [
                s
                for s in found["steps"]
                if s["owner"] == session.org_code
                and (step is None or s["step_id"] == step.id)
                and (args.uuid is None or s["uuid"] == args.uuid)
            ]
            if not own and name != names[-1]:
                continue  # recorded by the other station on this PC
            if args.uuid is None and not own:
                which = f"bước {step.id}" if step else "bước nào"
                raise InputError(f"Hồ sơ {code} không có {which} do đơn vị này ghi.")
            uuid = args.uuid or own[-1]["uuid"]
            state = undo_step(session, code, uuid)
            undone = own[-1]["step_id"] if own else ""
            break
    if args.json:
        print_json({"file_code": code, "state": state, "undone": uuid})
    else:
        what = f"bước {undone} ({STEP_BY_ID[undone].name})" if undone else "bước"
        print(f"Đã hoàn tác {what} vào hồ sơ {code}: {_state(state)}.")
    return 0


def _undo_profiles(args: argparse.Namespace, code: str, step) -> list[str]:
    """The profiles that may hold the step to take back: the one --profile names, or the
    one the file code finds (the committee's for a committee's step, as `step record`);
    without the step, both the cell's and its committee's where this PC holds both."""
    if args.profile or step is not None:
        committee = step is not None and step.committee
        return [resolve_profile_name(args.home, args.profile, code, committee=committee)]
    names = [resolve_profile_name(args.home, None, code)]
    try:
        committee = resolve_profile_name(args.home, None, code, committee=True)
    except UsageError:  # no committee of this file's unit on this PC
        return names
    return names if committee in names else [*names, committee]


# -- attachments --


def cmd_attach_add(args: argparse.Namespace) -> int:
    with opened(args, args.file_code) as session:
        found = attach(session, args.file_code.upper(), paths.one(args.path), args.step_uuid)
    if args.json:
        print_json(found)
    else:
        print(f"Đã đính kèm '{found['name']}' vào hồ sơ {args.file_code.upper()}.")
    return 0


def cmd_attach_list(args: argparse.Namespace) -> int:
    with opened(args, args.file_code) as session:
        found = list_attachments(session, args.file_code.upper())
    if args.json:
        print_json(found)
        return 0
    for a in found:  # the name as it would be saved: no escape sequence reaches the terminal
        print(f"{a['uuid']}  {a['size']:>10}  {safe_file_name(a['name'])}")
    print(f"Tổng: {len(found)} tệp.")
    return 0


def cmd_attach_save(args: argparse.Namespace) -> int:
    with opened(args) as session:
        written = save_attachment(session, args.uuid, paths.file_or_folder(args.out))
    if args.json:
        print_json({"uuid": args.uuid, "out": str(written)})
    else:
        print(f"Đã lưu bản sao vào {written}.")
    return 0
