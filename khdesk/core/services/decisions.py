"""The decisions cells report, at the committee: list, confirm, dismiss (issue 17 "one
truth"; the reports arrive in bundles, sync/reports.py).

Confirming records the committee's OWN step with the reported date and number (the user
may correct them), in one transaction with the report's new status: it then travels down
like any decision and replaces the cell's paper copy there. A decision may be confirmed
in its place in the file's history even when later steps are recorded already
(`rules.fits_history`). Dismissing keeps the reason here; nothing travels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select, update

from khdesk.core.domain.pipeline import STEP_BY_ID, STEP_ORDER, Result, StepEvent
from khdesk.core.domain.roles import Action
from khdesk.core.errors import InputError
from khdesk.core.progress import CancelToken, ProgressReport, no_progress, step
from khdesk.core.services.session import Session
from khdesk.core.services.steps import record_in
from khdesk.core.store import schema as t
from khdesk.core.store.sql import as_date
from khdesk.core.sync.reports import CONFIRMED, DISMISSED, PENDING, STATUS_LABELS
from khdesk.core.text import clean_text

MAX_REASON = 1000


@dataclass(frozen=True)
class DecisionReport:
    """One decision a cell reported, as the committee's list shows it."""

    id: int
    org_code: str  # the reporting cell
    file_code: str
    full_name: str
    step_id: str
    on: date
    result: str
    doc_no: str | None
    note: str | None
    status: str
    reported_at: str
    decided_at: str | None
    decided_by: str | None
    reason: str | None

    @property
    def step_name(self) -> str:
        return STEP_BY_ID[self.step_id].name

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["on"] = self.on.isoformat()
        out["step_name"], out["status_label"] = self.step_name, self.status_label
        return out


_R, _C = t.decision_reports.c, t.candidates.c
_LIST = select(
    _R.id,
    _R.sender_org,
    _C.file_code,
    _C.full_name,
    _R.step_id,
    _R.on,
    _R.result,
    _R.doc_no,
    _R.note,
    _R.status,
    _R.reported_at,
    _R.decided_at,
    _R.decided_by,
    _R.reason,
).join(t.candidates, _C.uuid == _R.candidate_uuid)


def _report(row) -> DecisionReport:
    values = list(row)
    values[5] = as_date(values[5])
    return DecisionReport(*values)


def _in_order(reports: list[DecisionReport]) -> list[DecisionReport]:
    """By cell and file, each file's decisions in the order they were taken."""
    return sorted(
        reports, key=lambda r: (r.org_code, r.file_code, r.on, STEP_ORDER[r.step_id], r.id)
    )


def list_reports(
    session: Session, *, status: str | None = PENDING, org_code: str | None = None
) -> list[DecisionReport]:
    """The reports here (`status` None: all), of one cell or of every cell."""
    query = _LIST
    if status is not None:
        query = query.where(_R.status == status)
    if org_code:
        query = query.where(_R.sender_org == org_code.strip().upper())
    with session.store.read() as conn:
        return _in_order([_report(r) for r in conn.execute(query)])


def pending_count(session: Session) -> int:
    """How many reported decisions wait for the committee (the stats page says so)."""
    return len(list_reports(session))


@dataclass(frozen=True)
class Confirmed:
    report: DecisionReport
    step_uuid: str
    recorded: bool  # False: the committee's own record of it was here already


def confirm_report(
    session: Session,
    report_id: int,
    today: date,
    *,
    on: date | None = None,
    doc_no: str | None = None,
) -> Confirmed:
    """Record the committee's own step for a pending report (its date and number, or the
    corrected `on` / `doc_no`), in one transaction with the report's status. When the
    committee already holds its own live record of that decision, the report is linked to
    it and nothing new is recorded."""
    session.require(Action.CONFIRM_DECISIONS)
    with session.store.write(session.user) as tx:
        report, cuid, row = _pending(tx.conn, report_id)
        existing = tx.conn.execute(
            select(t.steps.c.uuid).where(
                t.steps.c.candidate_uuid == cuid,
                t.steps.c.step_id == report.step_id,
                t.steps.c.result == report.result,
                t.steps.c.owner == session.org_code,
                t.steps.c.deleted.is_(False),
            )
        ).scalar()
        if existing is not None:
            step_uuid, recorded = existing, False
        else:
            event = StepEvent(
                report.step_id,
                on or report.on,
                result=Result(report.result),
                doc_no=clean_text(doc_no, "Số văn bản") if doc_no is not None else report.doc_no,
                official_members=row.official_members,
                votes_for=row.votes_for,
                received_on=as_date(row.received_on),
                note=report.note,
            )
            try:
                done = record_in(
                    tx, session, report.file_code, event, today, reported=True, seq=row.seq
                )
            except InputError as exc:
                raise InputError(f"{_named(report)}: {exc}") from None
            step_uuid, recorded = done.step_uuid, True
        tx.conn.execute(
            update(t.decision_reports)
            .where(_R.id == report_id)
            .values(
                status=CONFIRMED, decided_at=tx.now, decided_by=session.user, step_uuid=step_uuid
            )
        )
        tx.audit(
            "decision_confirm",
            "candidate",
            report.file_code,
            step=report.step_id,
            reported_by=report.org_code,
            on=(on or report.on).isoformat(),
            recorded=recorded,
        )
    return Confirmed(report, step_uuid, recorded)


def dismiss_report(session: Session, report_id: int, reason: str) -> DecisionReport:
    """The committee does not confirm a reported decision (its register says otherwise):
    the report keeps the reason here; nothing travels and the cell's copy stays."""
    session.require(Action.CONFIRM_DECISIONS)
    why = clean_text(reason, "Lý do")
    if not why:
        raise InputError("Cần ghi lý do không xác nhận.")
    if len(why) > MAX_REASON:
        raise InputError(f"Lý do dài quá {MAX_REASON} ký tự.")
    with session.store.write(session.user) as tx:
        report, _, _ = _pending(tx.conn, report_id)
        tx.conn.execute(
            update(t.decision_reports)
            .where(_R.id == report_id)
            .values(status=DISMISSED, decided_at=tx.now, decided_by=session.user, reason=why)
        )
        tx.audit(
            "decision_dismiss",
            "candidate",
            report.file_code,
            step=report.step_id,
            reported_by=report.org_code,
            reason=why,
        )
    return report


@dataclass
class BulkResult:
    confirmed: list[Confirmed]
    refused: list[tuple[DecisionReport, str]]  # the report and why (Vietnamese)


def confirm_all(
    session: Session,
    org_code: str,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> BulkResult:
    """Confirm every pending report of one cell (the committee checked them against its
    own paper register), each in its own transaction, each file's decisions in the order
    they were taken; one that cannot be confirmed stays pending and says why."""
    session.require(Action.CONFIRM_DECISIONS)
    code = org_code.strip().upper()
    reports = list_reports(session, org_code=code)
    result = BulkResult([], [])
    for done, report in enumerate(reports):
        step(progress, cancel, done, len(reports), f"Xác nhận {_named(report)}")
        try:
            result.confirmed.append(confirm_report(session, report.id, today))
        except InputError as exc:
            result.refused.append((report, str(exc)))
    step(progress, cancel, len(reports), len(reports))
    return result


def _named(report: DecisionReport) -> str:
    return f"{report.step_name} ({report.step_id}) của hồ sơ {report.file_code}"


def _pending(conn, report_id: int):
    """The report (locked for the transaction), its file's uuid and its raw row; refuses
    one that is not pending."""
    row = conn.execute(
        select(t.decision_reports).where(_R.id == report_id).with_for_update()
    ).first()
    if row is None:
        raise InputError(f"Không có quyết định báo lên số {report_id}.")
    found = conn.execute(_LIST.where(_R.id == report_id)).first()
    if found is None:
        raise InputError(f"Hồ sơ của quyết định báo lên số {report_id} không còn ở đây.")
    report = _report(found)
    if report.status != PENDING:
        raise InputError(f"{_named(report)} đã {report.status_label}: không đổi được nữa.")
    return report, row.candidate_uuid, row
