"""The "Sao lưu & an toàn" page: backups (make one, restore one), the data check, the
audit view, and the guided "move to a new PC" and "hand over" dialogs; plus the dialog the
sign-in screen opens to bring a profile over from an old PC (`open_old_backup`).

Restoring in the app is the service backup.restore_signed_in, run on the worker thread:
it swaps the database file under the open session (its key and in-use lock stay), the
session reconnects by itself to the restored file — same profile, same key — and every
page reloads. No new sign-in is needed. (One edge: a backup older than the signed-in
user's account has no such user; the restore then completes but reports that the user
has no access there — the message says so, and signing in again with a user of that
time is the way on.)

Every dialog's work is a method a test calls (`save()`), the buttons only call it; the
page's actions report in a label and the status bar, never in a blocking box.
"""
