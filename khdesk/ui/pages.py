"""The pages of the main window and which station gets which.

A page is a QWidget built from the AppContext; it reloads its data in refresh(), which
the window calls when the page is shown and after data changed. To add a screen, write
the page class and list it in page_classes().
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from khdesk.ui.context import AppContext


class Page(QWidget):
    key = ""
    title = ""
    # the profile roles (cell, committee, province) that get this page
    roles: tuple[str, ...] = ("cell", "committee", "province")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx

    @property
    def session(self):
        return self.ctx.session

    def refresh(self) -> None:
        """Reload what the page shows. Cheap pages reload on every show."""


def page_classes() -> list[type[Page]]:
    """In menu order."""
    from khdesk.ui.candidate_list import CandidateListPage
    from khdesk.ui.committee import CommitteePage
    from khdesk.ui.home import HomePage
    from khdesk.ui.import_wizard import ExcelPage
    from khdesk.ui.members import MembersPage
    from khdesk.ui.org_settings import OrgSettingsPage
    from khdesk.ui.safety_page import SafetyPage
    from khdesk.ui.sync_page import SyncPage

    return [
        CommitteePage,
        HomePage,
        CandidateListPage,
        MembersPage,
        OrgSettingsPage,
        ExcelPage,
        SyncPage,
        SafetyPage,
    ]
