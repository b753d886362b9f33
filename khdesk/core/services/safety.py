"""Safety use cases the desktop's "Sao lưu & an toàn" screen calls (issue 7 §2, §3):
the cheap start-up check, moving a profile to a new PC, and handing it over to a new
secretary. Backups themselves are in backup.py, the full check in integrity.py.

Moving: a backup written to a chosen folder (a USB stick); on the new PC, "Mở bản sao
lưu từ máy cũ" on the sign-in screen opens it as a profile (backup.import_backup), which
starts a new sync epoch so the committee is told.

Handing over: the new secretary becomes a user (owner: they manage the users from now
on) with their own password; the recovery key is replaced (the outgoing secretary's
printed one stops working) and shown once; a new sync epoch starts; optionally the
outgoing secretary's own sign-in is removed. The new user and the epoch come first, each
its own audited transaction; then, in one crash-safe step, the outgoing user's removal
and a new database key (rekey.py): a copy of the old keys.json with the old password or
the old recovery key opens nothing current. Backups made before still open with the
passwords they were made with (keep the old USB sticks safe).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from khdesk.core.domain.pipeline import RESULT_LABELS, STATE_LABELS
from khdesk.core.domain.roles import Action
from khdesk.core.domain.scope import TABLE_LABELS
from khdesk.core.domain.template import SHEETS
from khdesk.core.errors import InputError
from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress
from khdesk.core.services import backup, profiles, rekey, sync
from khdesk.core.services.session import ROLE_LABELS, Session
from khdesk.core.store import schema as t
from khdesk.core.store.store import row_hash
from khdesk.core.text import clean_text


@dataclass
class StartupReport:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def startup_check(session: Session) -> StartupReport:
    """The cheap check after sign-in: SQLite's quick_check and the audit chain's last
    link (the newest entry's own hash, and that it follows the one before). The full
    walk is 'Kiểm tra dữ liệu' (integrity.check_database)."""
    report = StartupReport()
    a = t.audit.c
    with session.store.read() as conn:
        if not session.on_server:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
            if rows != ["ok"]:
                report.problems += [f"Cấu trúc cơ sở dữ liệu hỏng: {r}" for r in rows[:5]]
        last_two = conn.execute(select(t.audit).order_by(a.id.desc()).limit(2)).mappings().all()
    if last_two:
        last = last_two[0]
        if last["hash"] != row_hash(last):
            report.problems.append(f"Mục nhật ký mới nhất (số {last['id']}) đã bị sửa.")
        if len(last_two) == 2 and last["prev_hash"] != last_two[1]["hash"]:
            report.problems.append(
                f"Mục nhật ký mới nhất (số {last['id']}) không nối tiếp mục trước (bị xóa/chèn)."
            )
    return report


def startup_message(report: StartupReport) -> str:
    """What the app tells the user when the start-up check finds something (Vietnamese)."""
    if report.ok:
        return ""
    lines = "\n".join(f"• {p}" for p in report.problems)
    return (
        "Kiểm tra nhanh khi mở hồ sơ phát hiện vấn đề:\n"
        f"{lines}\n\n"
        "Hãy vào “Sao lưu & an toàn” → “Kiểm tra dữ liệu”, và nếu cần, khôi phục từ bản sao "
        "lưu gần nhất. Đừng xóa hay sửa tệp dữ liệu bằng tay."
    )


# -- moving to a new PC --

MOVE_INSTRUCTIONS = (
    "Trên máy mới:\n"
    "1. Cài khdesk và mở chương trình.\n"
    "2. Ở màn hình đăng nhập, bấm “Mở bản sao lưu từ máy cũ”.\n"
    "3. Chọn tệp {name} trên thẻ nhớ, nhập tên người dùng và mật khẩu như trên máy này.\n"
    "Sau đó gói đồng bộ đầu tiên sẽ báo cấp trên là hồ sơ đã chuyển máy."
)


def move_to_new_pc(
    session: Session,
    folder: Path,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> backup.BackupInfo:
    """Write a backup for the new PC into `folder` (a USB stick), read back and checked;
    a copy stays in the profile's backups. Audited."""
    session.require_local("Chuyển sang máy mới")
    session.require(Action.MOVE_PC)
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"Không có thư mục '{folder}'. Hãy cắm thẻ nhớ và chọn lại.")
    info = backup.create_backup(
        session,
        "manual",
        note="chuyển sang máy mới",
        also_to=folder,
        progress=progress,
        cancel=cancel,
    )
    with session.store.write(session.user, changes=False) as tx:
        tx.audit("profile_move", "backup", info.id, folder=str(folder))
    return info


# -- handing over --


@dataclass
class HandoverResult:
    new_user: str
    recovery_key: str  # the new one: shown once, to be printed and kept by the new secretary
    epoch: str
    removed: str | None
    backup_id: str
    rekeyed: rekey.RekeyResult


def handover(
    session: Session,
    new_user: str,
    new_password: str,
    *,
    remove_current: bool = False,
    note: str = "",
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> HandoverResult:
    """Hand the profile over to a new secretary (see the module docstring). A cancel is
    heeded until the backup before it is written."""
    session.require_local("Bàn giao hồ sơ")
    session.require(Action.HAND_OVER)
    profiles.check_password_strength(new_password)
    note = clean_text(note, "Ghi chú") or ""
    if new_user == session.user:
        raise InputError("Người nhận bàn giao phải là một người dùng mới, khác người đang dùng.")
    profiles.check_new_user(session, new_user)  # before the backup: a refusal leaves nothing
    taken = backup.create_backup(
        session, "manual", note="trước khi bàn giao", progress=progress, cancel=cancel
    )
    progress(Progress(3, 4, "Đổi khóa cơ sở dữ liệu cho người nhận…"))
    profiles.add_user(session, new_user, new_password, "owner")
    epoch = sync.start_new_epoch(session, note or f"bàn giao cho {new_user}")
    removed = session.user if remove_current else None

    def change(tx) -> None:
        if removed:
            tx.conn.execute(update(t.users).where(t.users.c.name == removed).values(active=False))
            tx.audit("user_remove", "user", removed, reason="handover")
        tx.audit("recovery_key_new", "profile", session.info.name, reason="handover")
        tx.audit("handover", "user", new_user, epoch=epoch, removed=removed or "", backup=taken.id)

    done = rekey.rekey(
        session, "handover", change, drop=[removed] if removed else [], new_recovery=True
    )
    assert done.recovery_key is not None
    return HandoverResult(new_user, done.recovery_key, epoch, removed, taken.id, done)


# -- the audit view --

AUDIT_ACTIONS = {
    "unlock": "Mở hồ sơ làm việc (đăng nhập)",
    "unlock_failed": "Nhập sai mật khẩu",
    "lock_takeover": "Nhận lại khóa sử dụng",
    "profile_create": "Tạo hồ sơ làm việc",
    "profile_move": "Ghi bản sao lưu để chuyển máy",
    "open": "Xem hồ sơ",
    "open_attachment": "Xem tài liệu đính kèm",
    "create": "Thêm hồ sơ",
    "add": "Thêm",
    "change": "Sửa",
    "edit": "Sửa",
    "undo_edit": "Hoàn tác sửa",
    "import": "Nhập từ Excel",
    "export": "Xuất ra Excel",
    "record_step": "Ghi bước",
    "undo_step": "Hoàn tác bước",
    "attach": "Đính kèm tài liệu",
    "use_number": "Lấy số văn bản",
    "void_number": "Hủy số văn bản",
    "term_start": "Đặt ngày bắt đầu nhiệm kỳ",
    "print_settings": "Đổi thiết lập in",
    "retention_years": "Đổi thời hạn lưu giữ hồ sơ đã đóng",
    "user_add": "Thêm người dùng",
    "user_remove": "Gỡ người dùng",
    "user_passwd": "Đổi mật khẩu",
    "user_recover": "Đặt lại mật khẩu bằng khóa khôi phục",
    "recovery_key_new": "Tạo khóa khôi phục mới",
    "handover": "Bàn giao cho bí thư mới",
    "rekey": "Đổi khóa cơ sở dữ liệu",
    "backup_create": "Sao lưu",
    "backup_restore": "Khôi phục từ bản sao lưu",
    "bundle_export": "Gửi gói đồng bộ",
    "bundle_import": "Nhận gói đồng bộ",
    "bundle_quarantine": "Để riêng gói đồng bộ lỗi",
    "bundle_refused": "Từ chối gói đồng bộ ghi ngoài phạm vi",
    "sync_epoch": "Bắt đầu giai đoạn gửi mới",
    "key_card": "Ghi thẻ khóa",
    "key_enrol": "Ghi nhận thẻ khóa đơn vị khác",
    "key_rotate": "Đổi cặp khóa",
    "key_revoke": "Thu hồi khóa",
    "catalogue_import": "Nhận bộ danh mục",
    "catalogue_issue": "Ban hành bộ danh mục",
    "catalogue_forward": "Chuyển bộ danh mục xuống",
    "retention_archive": "Chuyển hồ sơ đã đóng vào kho lưu trữ",
    "retention_purge": "Xóa hẳn hồ sơ đã đóng",
    "retention_restore": "Đưa hồ sơ từ kho lưu trữ về",
    "retention_run": "Lưu trữ/xóa hồ sơ đã đóng lâu năm",
    "ceremony_approval": "Ghi văn bản đồng ý lễ kết nạp muộn",
    "conflict_resolve": "Giải quyết xung đột dữ liệu",
    "new_meeting": "Ghi kỳ họp chi bộ",
    "correct_meeting": "Sửa kỳ họp chi bộ",
    "delete_meeting": "Xóa kỳ họp chi bộ",
    "decision_confirm": "Xác nhận quyết định chi bộ báo lên",
    "decision_dismiss": "Không xác nhận quyết định chi bộ báo lên",
    "supersede_step": "Thay bản chép từ giấy bằng quyết định của cấp ủy",
    "profile_attach": "Thêm người dùng vào hồ sơ làm việc trên máy này",
    "record_class": "Ghi lớp bồi dưỡng",
    "resolve_class_participant": "Xác định học viên của lớp bồi dưỡng",
    "save_attachment": "Lưu bản sao tài liệu đính kèm",
    "transfer_out": "Chuyển hồ sơ đi",
    "transfer_accept": "Tiếp nhận hồ sơ chuyển đến",
    "transfer_return": "Trả lại hồ sơ chuyển đến",
    "transfer_withdraw": "Rút lại hồ sơ đã chuyển đi",
    "transfer_opinion": "Ghi ý kiến của chi bộ cũ",
    "transfer_station_enrol": "Ghi nhận thẻ khóa của tỉnh khác",
    "transfer_station_revoke": "Thu hồi khóa của tỉnh khác",
    "transfer_file_export": "Ghi tệp chuyển hồ sơ ra ngoài tỉnh",
    "transfer_file_accept": "Tiếp nhận tệp chuyển hồ sơ từ tỉnh khác",
    "transfer_file_answer": "Ghi tệp trả lời chuyển hồ sơ",
    "transfer_file_answered": "Nhận tệp trả lời chuyển hồ sơ",
    "user_grant": "Đổi quyền lưu bản sao ra ngoài",
}
AUDIT_ENTITIES = {
    "file": "Hồ sơ",
    "candidate": "Hồ sơ",
    "user": "Người dùng",
    "profile": "Hồ sơ làm việc",
    "key": "Khóa",
    "backup": "Bản sao lưu",
    "epoch": "Giai đoạn gửi",
    "workbook": "Tệp",
    "member": "Đảng viên",
    "org": "Đơn vị",
    "bundle": "Gói đồng bộ",
    "catalogue": "Bộ danh mục",
    "retention": "Lưu trữ",
    "class": "Lớp bồi dưỡng",
    "meeting": "Kỳ họp chi bộ",
    "document": "Văn bản",
    "numbering": "Số văn bản",
    "report": "Báo cáo",
}


# Detail keys of audit entries, as the audit view shows them ("" : the value alone).
_DETAIL_KEYS = {
    "fields": "sửa",
    "how": "",
    "source": "nguồn",
    "step": "bước",
    "kind": "loại",
    "note": "ghi chú",
    "copy": "chép ra",
    "to": "gửi tới",
    "seq": "số",
    "role": "vai trò",
    "org_code": "đơn vị",
    "state": "giai đoạn",
    "closed_on": "ngày đóng",
    "where": "",
    "mode": "",
    "years": "số năm",
    "files": "số hồ sơ",
    "backup": "bản sao lưu",
    "epoch": "giai đoạn gửi",
    "removed": "gỡ người dùng",
    "reason": "lý do",
    "user": "người dùng",
    "at": "lúc",
    "replaced_copy": "bản giữ lại",
    "folder": "thư mục",
    "cutoff": "đóng trước ngày",
    "users": "số người dùng giữ quyền",
    "lost": "cần mật khẩu mới",
    "new_recovery_key": "khóa khôi phục mới",
    "on": "ngày",
    "result": "kết quả",
    "sender": "đơn vị gửi",
    "tables": "đã nhận",
    "records": "bản ghi",
    "file": "tệp",
    "catalogue_hash": "mã kiểm tra",
    "content_hash": "mã nội dung",
    "parent_code": "cấp trên",
    "conflict": "xung đột số",
    "keep": "giữ",
    "answer": "trả lời",
    "by": "do",
    "by_province": "tỉnh nhận",
    "from_province": "tỉnh gửi",
    "came_back": "hồ sơ trở về",
    "from_org": "từ đơn vị",
    "to_org": "sang đơn vị",
    "bytes": "số byte",
    "code": "mã",
    "doc_no": "số văn bản",
    "keys": "các mục",
    "name": "tên",
    "orgs_added": "đơn vị thêm",
    "orgs_kept": "đơn vị giữ",
    "orgs_updated": "đơn vị sửa",
    "participants": "số học viên",
    "pc_profile": "hồ sơ làm việc trên máy",
    "plans": "kế hoạch",
    "recorded": "đã ghi",
    "replaced": "thay",
    "replaces": "thay",
    "reported_by": "chi bộ báo lên",
    "roster_rows": "dòng danh sách lớp",
    "row": "dòng",
    "sha256": "mã kiểm tra",
    "start": "bắt đầu",
    "steps": "bước",
    "take_out": "được lưu bản sao ra ngoài",
    "term": "nhiệm kỳ",
    "to_resolve": "cần xác định",
    "trusted_via": "tin qua",
    "was": "trước đó",
    "withdrawn": "đã rút lại",
}
_DETAIL_VALUES = {
    "added": "thêm mới",
    "updated": "cập nhật",
    "archive": "lưu trữ",
    "purge": "xóa hẳn",
    "live": "",
    "handover": "bàn giao",
    "user_remove": "gỡ người dùng",
    "recovery_key_new": "thay khóa khôi phục",
    "reset": "thay khóa khôi phục",
    "manual": "tạo thủ công",
    "here": "bản ở đây",
    "incoming": "bản gửi đến",
    **{state: label for state, label in STATE_LABELS.items()},
    **{result.value: label for result, label in RESULT_LABELS.items()},
    **ROLE_LABELS,
    **TABLE_LABELS,  # what changed in a file a bundle brought ("how")
}
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The counts of an import or a bundle ({"added": 12, …}).
_COUNT_WORDS = {
    "added": "thêm",
    "updated": "sửa",
    "unchanged": "không đổi",
    "older": "cũ hơn, bỏ qua",
    "conflicts": "xung đột",
    "skipped": "bỏ qua",
}


def _field_headers() -> dict[str, str]:
    return {c.key: c.header for sheet in SHEETS for c in sheet.columns}


def _detail_text(detail: dict) -> str:
    headers = _field_headers()
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if key == "fields" and isinstance(value, list):
            shown = ", ".join(headers.get(f) or TABLE_LABELS.get(f, f) for f in value)
        elif isinstance(value, str) and _ISO_DAY.fullmatch(value):
            shown = f"{value[8:10]}/{value[5:7]}/{value[:4]}"  # as the app writes a day
        elif isinstance(value, str):
            shown = _DETAIL_VALUES.get(value, value)
        elif isinstance(value, dict):
            shown = _counts_text(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            shown = ", ".join(_DETAIL_VALUES.get(v, v) for v in value)
        elif isinstance(value, bool):
            shown = "có" if value else "không"
        else:
            shown = json.dumps(value, ensure_ascii=False)
        if not shown:
            continue
        label = _DETAIL_KEYS[key] if key in _DETAIL_KEYS else TABLE_LABELS.get(key, key)
        parts.append(f"{label}: {shown}" if label else shown)
    return "; ".join(parts)


def _counts_text(counts: dict) -> str:
    """{"candidates": {"added": 12, "skipped": 0}, "steps": 3} as "hồ sơ (thêm 12), bước
    3": records and counts in words, the zeros left out."""
    parts = []
    for key, value in counts.items():
        label = TABLE_LABELS.get(key) or _COUNT_WORDS.get(key, key)
        if isinstance(value, dict):
            inner = _counts_text(value)
            if inner:
                parts.append(f"{label} ({inner})")
        elif value:
            parts.append(f"{label} {value}")
    return ", ".join(parts)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str  # dd/mm/yyyy HH:MM, Vietnam time
    user: str
    action: str  # Vietnamese
    target: str  # "Hồ sơ X01-CB01-0003"
    detail: str  # short "key: value" text


def _audit_row(row) -> AuditRow:
    try:
        at = datetime.fromisoformat(row["at"]).astimezone(backup.VIETNAM)
        shown_at = at.strftime("%d/%m/%Y %H:%M")
    except ValueError:
        shown_at = row["at"]
    entity = AUDIT_ENTITIES.get(row["entity"] or "", row["entity"] or "")
    target = " ".join(x for x in (entity, row["entity_key"] or "") if x)
    try:
        detail = json.loads(row["detail"]) if row["detail"] else {}
    except ValueError:
        detail = {}
    text = _detail_text(detail) if isinstance(detail, dict) else ""
    return AuditRow(
        id=row["id"],
        at=shown_at,
        user=row["user"],
        action=AUDIT_ACTIONS.get(row["action"], row["action"]),
        target=target,
        detail=text if len(text) <= 160 else text[:157] + "…",
    )


def audit_rows(
    session: Session, file_code: str | None = None, before_id: int | None = None, limit: int = 200
) -> list[AuditRow]:
    """A page of the audit log, newest first, ready to show (the app's audit view):
    entries older than `before_id`, of one file when `file_code` is given."""
    a = t.audit.c
    query = select(t.audit).order_by(a.id.desc()).limit(limit)
    if file_code:
        query = query.where(a.entity_key == file_code.strip().upper())
    if before_id is not None:
        query = query.where(a.id < before_id)
    with session.store.read() as conn:
        return [_audit_row(r) for r in conn.execute(query).mappings()]
