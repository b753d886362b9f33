"""Class rosters (lớp bồi dưỡng nhận thức về Đảng, RULES.md §2a): a class recorded once,
its participants from many cells typed or read from the class's own spreadsheet, and A2
recorded on the file of each participant who passed, dated by the certificate.

A2 goes through the step-recording service (`steps.record_in`: rules, ownership and
audit apply). At a committee the A2 it records on a cell's file is its own record
(`pipeline.Step.upper_too`): the next bundle down carries it to the cell. A participant
matched to no file, or to several, is listed for the office to resolve (`resolve`),
never guessed (`domain.classes.match_participant`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from khdesk.core.domain.classes import (
    PASSED,
    ROSTER,
    TO_RESOLVE,
    Match,
    Outcome,
    Participant,
    Person,
    match_participant,
)
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.domain.roles import Action
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.io import tabular
from khdesk.core.progress import CancelToken, ProgressReport, no_progress
from khdesk.core.services import steps
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.store import WriteTx
from khdesk.core.text import clean_text

MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class ClassInfo:
    code: str  # the office's code for the class: "LOP-2026-01"
    name: str
    organiser: str  # đơn vị tổ chức lớp
    issuer: str  # who signs the certificates
    starts_on: date
    ends_on: date
    cert_on: date  # the certificates' date
    note: str | None = None


@dataclass(frozen=True)
class Line:
    """One participant and what became of it."""

    row_no: int
    participant: Participant
    file_code: str | None
    outcome: Outcome
    reason: str = ""


@dataclass(frozen=True)
class Roster:
    info: ClassInfo
    lines: list[Line]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for x in self.lines if x.outcome is outcome)

    @property
    def to_resolve(self) -> list[Line]:
        return [x for x in self.lines if x.outcome in TO_RESOLVE]


def read_roster(
    path: Path, *, progress: ProgressReport = no_progress, cancel: CancelToken | None = None
) -> list[tuple[int, Participant]]:
    """The participants of a class's spreadsheet (sheet row, participant). Any bad cell
    refuses the whole sheet with each problem named (sheet, row, column): a roster is
    recorded whole or not at all."""
    result = tabular.read_sheet(Path(path), ROSTER, progress=progress, cancel=cancel)
    if result.problems:
        shown = [str(p) for p in result.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(result.problems) - len(shown)
        if more:
            shown.append(f"… và {more} lỗi khác.")
        raise InputError(
            "Danh sách học viên có lỗi, chưa ghi gì — sửa rồi nhập lại:\n" + "\n".join(shown)
        )
    rows = [(r.row, _participant(r.values)) for sheet in result.sheets.values() for r in sheet]
    if not rows:
        raise InputError(f"Tệp '{Path(path).name}' không có học viên nào.")
    return rows


def _participant(v: dict) -> Participant:
    return Participant(
        full_name=v["full_name"],
        birth_date=v["birth_date"],
        passed=v["result"] == PASSED,
        cccd=v.get("cccd"),
        org_code=v.get("org_code"),
        cert_no=v.get("cert_no"),
        file_code=v.get("file_code"),
    )


def record_class(
    session: Session,
    info: ClassInfo,
    participants: Sequence[Participant] | Sequence[tuple[int, Participant]],
    today: date,
) -> Roster:
    """Record the class and its participants, and A2 on each passed participant's file,
    in one transaction. Returns every participant's outcome; those to resolve are listed,
    nothing is guessed."""
    session.require(Action.EDIT_FILES)
    info = _checked(info, today)
    numbered = [
        _cleaned(*(p if isinstance(p, tuple) else (i, p))) for i, p in enumerate(participants, 1)
    ]
    if not numbered:
        raise InputError("Lớp chưa có học viên nào.")
    with session.store.write(session.user) as tx:
        exists = tx.conn.execute(
            select(t.classes.c.id).where(t.classes.c.code == info.code)
        ).scalar()
        if exists is not None:
            raise InputError(f"Đã có lớp mã '{info.code}'.")
        class_id = tx.conn.execute(
            t.classes.insert().values(
                code=info.code,
                name=info.name,
                organiser=info.organiser,
                issuer=info.issuer,
                starts_on=info.starts_on,
                ends_on=info.ends_on,
                cert_on=info.cert_on,
                note=info.note,
                created_at=tx.now,
                created_by=session.user,
            )
        ).inserted_primary_key[0]
        people = _people(tx)
        lines = []
        for row_no, p in numbered:
            match = match_participant(p, people) if p.passed else Match(None, None, "")
            line = _record(tx, session, info, row_no, p, match, today)
            tx.conn.execute(
                t.class_participants.insert().values(
                    class_id=class_id,
                    row_no=row_no,
                    full_name=p.full_name,
                    birth_date=p.birth_date,
                    cccd=p.cccd,
                    org_code=p.org_code,
                    cert_no=p.cert_no,
                    passed=p.passed,
                    file_code=line.file_code,
                    outcome=line.outcome.value,
                    reason=line.reason or None,
                )
            )
            lines.append(line)
        roster = Roster(info, lines)
        tx.audit(
            "record_class",
            "class",
            info.code,
            participants=len(lines),
            recorded=roster.count(Outcome.RECORDED),
            to_resolve=len(roster.to_resolve),
        )
    return roster


def import_class(
    session: Session,
    info: ClassInfo,
    path: Path,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> Roster:
    """`record_class` with the participants of the class's own spreadsheet."""
    session.require(Action.EDIT_FILES)
    return record_class(session, info, read_roster(path, progress=progress, cancel=cancel), today)


def resolve(session: Session, class_code: str, row_no: int, file_code: str, today: date) -> Line:
    """The office chose the file of a participant left to resolve: A2 is recorded on it.
    The file's name and birth date must agree with the roster's, else nothing is written."""
    session.require(Action.EDIT_FILES)
    with session.store.write(session.user) as tx:
        info, class_id = _class(tx.conn, class_code)
        row = (
            tx.conn.execute(
                select(t.class_participants).where(
                    t.class_participants.c.class_id == class_id,
                    t.class_participants.c.row_no == row_no,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise InputError(f"Lớp {info.code} không có học viên dòng {row_no}.")
        if Outcome(row["outcome"]) not in TO_RESOLVE:
            raise InputError(f"Học viên dòng {row_no} ({row['full_name']}) không cần xử lý thêm.")
        p = _row_participant(row)
        chosen = replace(p, file_code=file_code)
        match = match_participant(chosen, _people(tx))
        if match.file_code is None:  # another person's file, or none: the office's slip
            raise InputError(f"{match.reason} Chưa ghi gì.")
        line = _record(tx, session, info, row_no, p, match, today)
        tx.conn.execute(
            update(t.class_participants)
            .where(t.class_participants.c.id == row["id"])
            .values(
                file_code=line.file_code, outcome=line.outcome.value, reason=line.reason or None
            )
        )
        tx.audit("resolve_class_participant", "class", info.code, row=row_no, file=file_code)
    return line


def list_classes(session: Session) -> list[dict]:
    """The classes recorded here, newest first, with their counts."""
    with session.store.read() as conn:
        rows = conn.execute(select(t.classes).order_by(t.classes.c.cert_on.desc())).mappings()
        out = []
        for r in rows:
            outcomes = [
                Outcome(o)
                for (o,) in conn.execute(
                    select(t.class_participants.c.outcome).where(
                        t.class_participants.c.class_id == r["id"]
                    )
                )
            ]
            out.append(
                {
                    "code": r["code"],
                    "name": r["name"],
                    "cert_on": r["cert_on"],
                    "participants": len(outcomes),
                    "recorded": sum(o in (Outcome.RECORDED, Outcome.ALREADY) for o in outcomes),
                    "to_resolve": sum(o in TO_RESOLVE for o in outcomes),
                }
            )
    return out


def show_class(session: Session, class_code: str) -> Roster:
    """A class and every participant's outcome, in roster order."""
    with session.store.read() as conn:
        info, class_id = _class(conn, class_code)
        rows = conn.execute(
            select(t.class_participants)
            .where(t.class_participants.c.class_id == class_id)
            .order_by(t.class_participants.c.row_no)
        ).mappings()
        lines = [
            Line(
                r["row_no"],
                _row_participant(r),
                r["file_code"],
                Outcome(r["outcome"]),
                r["reason"] or "",
            )
            for r in rows
        ]
    return Roster(info, lines)


# --- inside -----------------------------------------------------------------------------


def _checked(info: ClassInfo, today: date) -> ClassInfo:
    def text(value: str | None, what: str) -> str:
        cleaned = clean_text(value, what)
        if not cleaned:
            raise InputError(f"Thiếu {what.lower()} của lớp.")
        return cleaned

    checked = ClassInfo(
        code=text(info.code, "Mã lớp").upper(),
        name=text(info.name, "Tên lớp"),
        organiser=text(info.organiser, "Đơn vị tổ chức"),
        issuer=text(info.issuer, "Nơi cấp chứng nhận"),
        starts_on=info.starts_on,
        ends_on=info.ends_on,
        cert_on=info.cert_on,
        note=clean_text(info.note, "Ghi chú"),
    )
    if info.ends_on < info.starts_on:
        raise InputError(
            f"Ngày kết thúc lớp {info.ends_on:%d/%m/%Y} trước ngày khai giảng "
            f"{info.starts_on:%d/%m/%Y}."
        )
    if info.cert_on < info.ends_on:
        raise InputError(
            f"Ngày cấp chứng nhận {info.cert_on:%d/%m/%Y} trước ngày kết thúc lớp "
            f"{info.ends_on:%d/%m/%Y}."
        )
    if info.cert_on > today:
        raise InputError(f"Ngày cấp chứng nhận {info.cert_on:%d/%m/%Y} là ngày trong tương lai.")
    return checked


def _cleaned(row_no: int, p: Participant) -> tuple[int, Participant]:
    """A typed participant as stored: NFC text, no control character, codes in capitals;
    a passed one has a certificate number. Raises InputError naming the row."""
    where = f"Học viên dòng {row_no}"

    def text(value: str | None, what: str) -> str | None:
        return clean_text(value, f"{where}, {what}")

    name = text(p.full_name, "Họ và tên")
    if not name:
        raise InputError(f"{where}: thiếu họ và tên.")
    cert_no = text(p.cert_no, "Số chứng nhận")
    if p.passed and not cert_no:
        raise InputError(f"{where} ({name}) đạt nhưng thiếu số giấy chứng nhận.")
    return row_no, replace(
        p,
        full_name=name,
        cccd=text(p.cccd, "Số CCCD"),
        org_code=(text(p.org_code, "Mã chi bộ") or "").upper() or None,
        cert_no=cert_no,
        file_code=(text(p.file_code, "Mã hồ sơ") or "").upper() or None,
    )


def _people(tx: WriteTx) -> list[Person]:
    rows = tx.conn.execute(
        select(
            t.candidates.c.file_code,
            t.candidates.c.full_name,
            t.candidates.c.birth_date,
            t.candidates.c.cccd,
            t.candidates.c.org_code,
        ).where(t.candidates.c.deleted.is_(False))
    )
    return [Person(*r) for r in rows]


def _record(
    tx: WriteTx,
    session: Session,
    info: ClassInfo,
    row_no: int,
    p: Participant,
    match: Match,
    today: date,
) -> Line:
    """A2 on the matched file of a passed participant; the outcome either way."""
    if not p.passed:
        return Line(row_no, p, None, Outcome.NOT_PASSED)
    if match.file_code is None:
        return Line(row_no, p, None, match.outcome or Outcome.NOT_FOUND, match.reason)
    cert_no = clean_text(p.cert_no, "Số chứng nhận")
    if _has_certificate(tx, match.file_code, cert_no):
        return Line(row_no, p, match.file_code, Outcome.ALREADY)
    event = StepEvent(
        "A2",
        info.cert_on,
        Result.PASSED,
        doc_no=cert_no,
        note=f"Lớp {info.name} ({info.code}), {info.issuer} cấp",
    )
    try:
        steps.record_in(tx, session, match.file_code, event, today)
    except (InputError, AccessDenied) as e:  # checked before anything is written
        return Line(row_no, p, match.file_code, Outcome.REFUSED, e.message)
    return Line(row_no, p, match.file_code, Outcome.RECORDED)


def _has_certificate(tx: WriteTx, file_code: str, cert_no: str | None) -> bool:
    found = tx.conn.execute(
        select(t.steps.c.id)
        .join(t.candidates, t.candidates.c.uuid == t.steps.c.candidate_uuid)
        .where(
            t.candidates.c.file_code == file_code,
            t.steps.c.step_id == "A2",
            t.steps.c.result == Result.PASSED.value,
            t.steps.c.doc_no == cert_no,
            t.steps.c.deleted.is_(False),
        )
    ).first()
    return found is not None


def _class(conn, class_code: str) -> tuple[ClassInfo, int]:
    code = (clean_text(class_code, "Mã lớp") or "").upper()
    r = conn.execute(select(t.classes).where(t.classes.c.code == code)).mappings().first()
    if r is None:
        raise InputError(f"Không có lớp mã '{code}'.")
    info = ClassInfo(
        r["code"],
        r["name"],
        r["organiser"],
        r["issuer"],
        r["starts_on"],
        r["ends_on"],
        r["cert_on"],
        r["note"],
    )
    return info, r["id"]


def _row_participant(r) -> Participant:
    return Participant(
        full_name=r["full_name"],
        birth_date=r["birth_date"],
        passed=r["passed"],
        cccd=r["cccd"],
        org_code=r["org_code"],
        cert_no=r["cert_no"],
        file_code=r["file_code"],
    )
