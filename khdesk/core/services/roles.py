"""Who may do what in a profile (issue 7 §5). The services enforce it with
`session.require(...)`; the screens only hide what would be refused.

- owner (chủ hồ sơ): everything; the only one who manages users.
- secretary (bí thư): everything on the records, and what can lose or hand them away:
  station keys, restoring a backup, retention, a new sync epoch (handover), unit settings.
- deputy (phó bí thư / cán bộ): the day-to-day work — import, create and edit files,
  record and undo steps, attach documents, members, document numbers, bundles in and
  out, manual backups, the Excel export.
- viewer (chỉ xem): reads, searches, prints; changes nothing and takes nothing out of
  the PC (no export, no bundle, no manual backup).

"What the owner grants" (the issue's words for deputies and committee staff) is the
owner's choice of role when adding the user (`profiles.add_user`): a deputy gets the
day-to-day work, not what can lose or hand away the records — users, station keys,
restoring a backup, retention, starting a new sync epoch, the unit's settings. Finer
per-user grants would need a permissions column in `users` and a screen to set them;
the roles above cover the cases the issue names without one.

A viewer's refusal is the Vietnamese AccessDenied of `Session.require`.
"""

from __future__ import annotations

OWNER = ("owner",)
KEEPERS = ("owner", "secretary")  # keys, restore, retention, handover, unit settings
WRITERS = ("owner", "secretary", "deputy")  # the day-to-day work on the records
READERS = ("owner", "secretary", "deputy", "viewer")
