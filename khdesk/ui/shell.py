"""What the main window's menu bar does: lock, auto-lock delay, larger text, find, users.

Kept apart from main_window.py so the window stays a layout of pages; every action here
is a plain function of the window (tests call them directly).
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog

from khdesk.core.domain.roles import Action
from khdesk.ui import prefs
from khdesk.ui.autolock import AutoLockDialog
from khdesk.ui.layouts import fit_to_screen


def autolock_seconds(session) -> float:
    return prefs.autolock_minutes(session) * 60


def edit_autolock(window) -> QDialog:
    """Open the auto-lock delay dialog (non-blocking); saving applies it at once."""
    dialog = AutoLockDialog(prefs.autolock_minutes(window.session), window)

    def save() -> None:
        minutes = dialog.minutes()
        prefs.save_profile_settings(window.session, autolock_minutes=minutes)
        window.autolock.set_timeout(minutes * 60)
        window.ctx.hub.status.emit(
            f"Tự động khóa sau {minutes} phút không dùng." if minutes else "Đã tắt tự động khóa."
        )

    dialog.accepted.connect(save)
    dialog.open()
    return dialog


def is_large_text() -> bool:
    return prefs.is_large_text()


def set_large_text(window, large: bool) -> None:
    """Scale the whole app's text and remember the choice for this PC. The window keeps
    its size if it can; turned off, the larger text gives back the size it took."""
    if large and not prefs.is_large_text():
        window.size_before_large_text = window.size()
    prefs.apply_text_size(large)
    window.fit_menu()
    prefs.save_home_settings(window.session.dir.home, large_text=large)
    QApplication.sendPostedEvents()  # the layouts take the new text size now
    window.layout().activate()  # and the window its new minimum size
    size = window.size() if large else getattr(window, "size_before_large_text", window.size())
    fit_to_screen(window, size.width(), size.height())


def focus_search(window) -> None:
    """Ctrl+F: go to the candidate list and put the cursor in its search box."""
    page = window.pages.get("candidates")
    if page is None:
        return
    window.show_page("candidates")
    page.search_edit.setFocus()
    page.search_edit.selectAll()


def open_users(window, change_password: bool = False) -> QDialog:
    window.ctx.wait_for_store()
    # the users dialogs load SQLAlchemy: after the first page shows (tests/ui/test_launch.py)
    from khdesk.ui.users import ChangePasswordDialog, UsersDialog

    if change_password:
        dialog = ChangePasswordDialog(window.session, window)
    else:
        dialog = UsersDialog(window.session, window)
    dialog.open()
    return dialog


def can_add_file(window) -> bool:
    if "candidates" not in window.page_types:
        return False
    page = window.pages.built.get("candidates")
    if page is None:  # not built yet (the menu asks at start-up): as its button will be
        return window.ctx.may(Action.EDIT_FILES) and window.ctx.role != "province"
    return hasattr(page, "add_file") and page.add_button.isVisibleTo(page)


def new_file(window):
    """Ctrl+N: the candidate list's "Thêm hồ sơ" dialog, from whatever page is shown."""
    if not can_add_file(window):
        return None
    window.show_page("candidates")
    return window.pages["candidates"].add_file()
