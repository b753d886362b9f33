"""The pages of the main window and which station gets which.

A page is a QWidget built from the AppContext; it reloads its data in refresh(), which
the window calls when the page is shown and after data changed. To add a screen, write
the page class and list it in PAGES (menu order) with its key, title and roles.

The menu is drawn from PAGES without importing the page modules: a page's module is
imported when the page is first built (start-up builds only the first page, and importing
every page module was a tenth of a second of the launch).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

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


ALL_ROLES = ("cell", "committee", "province")
# The first pages (a cell's home, a committee's overview) read in plain SQL through the
# unlock's connection: they show while the store is built on a thread (app.py).
READ_WITHOUT_STORE = {"home", "cells"}


@dataclass(frozen=True)
class PageEntry:
    """A page as the menu lists it; calling it builds the page (importing its module)."""

    key: str
    title: str
    roles: tuple[str, ...]
    path: str  # "module:Class", the module in khdesk.ui

    def load(self) -> type[Page]:
        module, _, name = self.path.partition(":")
        cls = getattr(importlib.import_module(f"khdesk.ui.{module}"), name)
        if (cls.key, cls.title, tuple(cls.roles)) != (self.key, self.title, self.roles):
            raise RuntimeError(f"pages.PAGES: {self.path} has other key/title/roles")
        return cls

    def __call__(self, ctx: AppContext, parent: QWidget | None = None) -> Page:
        if self.key not in READ_WITHOUT_STORE:
            ctx.wait_for_store()
        return self.load()(ctx, parent)


# In menu order. Keep key, title and roles equal to the class's (load() checks).
PAGES: tuple[PageEntry, ...] = (
    PageEntry("cells", "Các chi bộ", ("committee", "province"), "committee:CommitteePage"),
    PageEntry("decisions", "Quyết định báo lên", ("committee",), "decisions_page:DecisionsPage"),
    PageEntry("home", "Việc cần làm", ALL_ROLES, "home:HomePage"),
    PageEntry("candidates", "Hồ sơ quần chúng", ALL_ROLES, "candidate_list:CandidateListPage"),
    PageEntry("members", "Đảng viên", ALL_ROLES, "members:MembersPage"),
    PageEntry("classes", "Lớp bồi dưỡng", ALL_ROLES, "classes_page:ClassesPage"),
    PageEntry("stats", "Thống kê", ALL_ROLES, "stats_page:StatsPage"),
    PageEntry("org", "Chi bộ / tổ chức", ALL_ROLES, "org_settings:OrgSettingsPage"),
    PageEntry("excel", "Nhập / xuất Excel", ALL_ROLES, "import_wizard:ExcelPage"),
    PageEntry("sync", "Đồng bộ (USB)", ALL_ROLES, "sync.page:SyncPage"),
    PageEntry("safety", "Sao lưu & an toàn", ALL_ROLES, "safety.page:SafetyPage"),
)  # fmt: skip


def page_entries() -> list[PageEntry]:
    """The menu, in order, without importing the pages (what the main window uses)."""
    return list(PAGES)


def page_classes() -> list[type[Page]]:
    """The page classes in menu order (imports every page module)."""
    return [entry.load() for entry in PAGES]
