"""Who may do what in a profile (issue 7 §5, issue 15 §9). The services enforce it with
`session.require(...)` and `session.require_take_out()`; the screens only hide what
would be refused.

- owner (chủ hồ sơ): everything; the only one who manages users and grants.
- secretary (bí thư): everything on the records, and what can lose or hand them away:
  station keys, restoring a backup, retention, a new sync epoch (handover), confirming
  a sender's new epoch, unit settings (the print settings — the signer on every form —
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
attachments.save_attachment, printing._write and reporting._write); it passes for every
role but a viewer, and for a viewer whose `users.may_take_out` the owner set
(`profiles.grant_take_out`, audited as `user_grant`). Bundles and backups stay the
deputy's and up, grant or not: they carry the whole database.

"What the owner grants" (the issue's words for deputies and committee staff) is otherwise
the owner's choice of role when adding the user (`profiles.add_user`): a deputy gets the
day-to-day work, not what can lose or hand away the records — users, station keys,
restoring a backup, retention, starting a new sync epoch, the unit's settings.

A refusal is the Vietnamese AccessDenied of `Session.require` / `require_take_out`.
"""

from __future__ import annotations

OWNER = ("owner",)
KEEPERS = ("owner", "secretary")  # keys, epochs, restore, retention, handover, unit settings
WRITERS = ("owner", "secretary", "deputy")  # the day-to-day work on the records
READERS = ("owner", "secretary", "deputy", "viewer")
