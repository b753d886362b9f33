"""Who may do what in a profile (issue 7 §5, issue 15 §9): one table of action → roles,
`PERMISSIONS`, and one question, `may(role, action)`. The services enforce it with
`session.require(Action.…)` and `session.require_take_out()`; the screens and the command
line ask `may` only to hide or explain what would be refused.

- owner (chủ hồ sơ): everything; the only one who manages users and grants.
- secretary (bí thư): everything on the records, and what can lose or hand them away:
  station keys, restoring a backup, retention, a new sync epoch (handover), confirming
  a sender's new epoch, transferring a file to another unit (and answering one sent
  here), unit settings (the print settings — the signer on every form —
  among them).
- deputy (phó bí thư / cán bộ): the day-to-day work — import, create and edit files,
  record and undo steps, attach documents, members, document numbers, bundles in and
  out, manual backups, the Excel export.
- viewer (chỉ xem): reads, searches, prints on paper, opens a scan on this PC ("Mở", from
  the profile's private folder, emptied when the session closes); changes nothing. Takes
  nothing out of the PC — no bundle, no manual backup, and without the owner's grant no
  Excel/CSV export, no saved copy of a scan, no form, list or report written to a file —
  unless the owner grants it (`khdesk user grant NAME --take-out`, or the users dialog).

"Taking out" is any file the app writes from the records for use elsewhere: the services
that write one call `session.require_take_out()` first (exporter.export_file,
attachments.save_attachment, printing._write and reporting._write); it passes for a role
`may(role, Action.TAKE_OUT)`, and for a viewer whose `users.may_take_out` the owner set
(`profiles.grant_take_out`, audited as `user_grant`). Bundles and backups stay the
deputy's and up, grant or not: they carry the whole database.

"What the owner grants" (the issue's words for deputies and committee staff) is otherwise
the owner's choice of role when adding the user (`profiles.add_user`): a deputy gets the
day-to-day work, not what can lose or hand away the records — users, station keys,
restoring a backup, retention, starting a new sync epoch, the unit's settings.

A refusal is the Vietnamese AccessDenied of `Session.require` / `require_take_out`.
"""

from __future__ import annotations

from enum import Enum

OWNER, SECRETARY, DEPUTY, VIEWER = "owner", "secretary", "deputy", "viewer"
ROLES = (OWNER, SECRETARY, DEPUTY, VIEWER)


class Action(Enum):
    """What a user may be allowed to do; the value says it in Vietnamese."""

    # the day-to-day work on the records
    IMPORT = "nhập dữ liệu từ tệp Excel/CSV"
    EDIT_FILES = "tạo, sửa hồ sơ, ghi và hoàn tác các bước, đính kèm giấy tờ"
    EDIT_MEMBERS = "sửa danh sách đảng viên"
    NUMBER_DOCUMENTS = "lấy, hủy số văn bản và đặt nhiệm kỳ"
    SEND_RECEIVE = "gửi, nhận gói đồng bộ và bộ danh mục, lập thẻ khóa"
    CONFIRM_DECISIONS = "xác nhận hoặc không xác nhận quyết định chi bộ báo lên"
    MAKE_BACKUP = "sao lưu thủ công"
    TAKE_OUT = "đưa dữ liệu ra khỏi máy (xuất tệp, lưu bản sao, biểu mẫu ra tệp)"
    # what can lose the records or hand them away: the keepers'
    MANAGE_KEYS = "ghi nhận, đổi, thu hồi khóa đồng bộ"
    NEW_EPOCH = "bắt đầu giai đoạn gửi mới, xác nhận giai đoạn mới của đơn vị gửi"
    RESOLVE_CONFLICTS = "giải quyết bản ghi xung đột"
    RESTORE_BACKUP = "khôi phục hay mở bản sao lưu thành hồ sơ"
    RETENTION = "lưu trữ hồ sơ cũ và đưa về"
    UNIT_SETTINGS = "sửa thông tin đơn vị và thiết lập in"
    MOVE_PC = "chuyển hồ sơ sang máy mới"
    TRANSFER_FILES = "chuyển hồ sơ sang đơn vị khác, tiếp nhận hoặc trả lại hồ sơ chuyển đến"
    ISSUE_CATALOGUE = "ban hành bộ danh mục"
    # the owner's
    MANAGE_USERS = "quản lý người dùng, khóa khôi phục và quyền đưa dữ liệu ra"
    HAND_OVER = "bàn giao hồ sơ"


_OWNER = frozenset({OWNER})
_KEEPERS = frozenset({OWNER, SECRETARY})
_WRITERS = frozenset({OWNER, SECRETARY, DEPUTY})

PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.IMPORT: _WRITERS,
    Action.EDIT_FILES: _WRITERS,
    Action.EDIT_MEMBERS: _WRITERS,
    Action.NUMBER_DOCUMENTS: _WRITERS,
    Action.SEND_RECEIVE: _WRITERS,
    Action.CONFIRM_DECISIONS: _WRITERS,
    Action.MAKE_BACKUP: _WRITERS,
    Action.TAKE_OUT: _WRITERS,  # and a viewer the owner granted it (Session.may_take_out)
    Action.MANAGE_KEYS: _KEEPERS,
    Action.NEW_EPOCH: _KEEPERS,
    Action.RESOLVE_CONFLICTS: _KEEPERS,
    Action.RESTORE_BACKUP: _KEEPERS,
    Action.RETENTION: _KEEPERS,
    Action.UNIT_SETTINGS: _KEEPERS,
    Action.MOVE_PC: _KEEPERS,
    Action.TRANSFER_FILES: _KEEPERS,
    Action.ISSUE_CATALOGUE: _KEEPERS,
    Action.MANAGE_USERS: _OWNER,
    Action.HAND_OVER: _OWNER,
}


def may(role: str | None, action: Action) -> bool:
    """Whether a user of `role` may do `action` (no role: nothing)."""
    return role in PERMISSIONS[action]
