"""Đồng bộ (USB): send a bundle up (or a return bundle down to a cell), receive bundles,
the station's keys, and what was sent and received.

All the work is the sync service's (khdesk.core.services.sync, the same calls as
`khdesk bundle …` and `khdesk keys …`); this page chooses the files, shows what a bundle
is before anything is imported, and says plainly what happened. Errors are shown in the
page (not in message boxes), in the service's own Vietnamese words.
"""
