"""What every screen shares: the open session, today's date, and the app-wide signals.

Pages never talk to each other directly; they emit on the hub (open this file, data
changed) and the main window routes it. Today's date is injected so tests and the
wrong-clock banner do not depend on the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple, dataclass, fields
from datetime import date

from PySide6.QtCore import QObject, Signal

from khdesk.core.domain.roles import Action
from khdesk.core.services.session import Session
from khdesk.ui import plaintext


@dataclass(frozen=True)
class Changes:
    """What a finished operation changed (ui/operation.py), so the pages showing it reload."""

    candidates: bool = False
    members: bool = False
    steps: bool = False
    orgs: bool = False
    keys: bool = False
    settings: bool = False
    users: bool = False

    @classmethod
    def everything(cls) -> Changes:
        """A restore, an import of a whole workbook: any page may show something new."""
        return cls(*(True for _ in fields(cls)))

    def __bool__(self) -> bool:
        return any(astuple(self))

    @property
    def data(self) -> bool:
        """What lists, checks and figures are made of: not keys or users."""
        return self.candidates or self.members or self.steps or self.orgs or self.settings

    def __or__(self, other: Changes) -> Changes:
        return Changes(*(a or b for a, b in zip(astuple(self), astuple(other), strict=True)))


# What an Excel import or a bundle may bring: the records, not keys, settings or users.
RECORDS = Changes(candidates=True, members=True, steps=True, orgs=True)


class Hub(QObject):
    # file_code, and the step to show first ("" for the overview)
    open_file = Signal(str, str)
    # emitted after any write, so the pages showing data reload it
    data_changed = Signal()
    # the same, typed: what changed (a Changes), for pages that reload only on their data
    changed = Signal(object)
    # a short message for the status bar
    status = Signal(str)
    # go to a page by its key (e.g. "candidates", "sync")
    show_page = Signal(str)
    # go to the "Quyết định báo lên" page on one cell's reports (its org code)
    show_reports = Signal(str)

    def notify(self, changes: Changes) -> None:
        """Tell the pages what changed: the typed signal, then the plain one."""
        if changes:
            self.changed.emit(changes)
            self.data_changed.emit()


class AppContext:
    def __init__(self, session: Session, today: date | Callable[[], date] | None = None):
        self.session = session
        self.hub = Hub()
        # Every window on a session shows stored text as written (see plaintext).
        plaintext.install()
        if isinstance(today, date):
            self._today: Callable[[], date] = lambda: today
        else:
            self._today = today or date.today

    def today(self) -> date:
        return self._today()

    @property
    def role(self) -> str:
        """cell, committee or province: which screens the station gets."""
        return self.session.info.role

    def wait_for_store(self) -> None:
        """Before work that imports SQLAlchemy (a page, a dialog): the launch builds the
        store on a thread, and two threads importing the same modules may see them half
        made. Returns at once when the store is ready."""
        self.session.store  # noqa: B018 - built or waited for on first use

    def may(self, action: Action) -> bool:
        """Whether the signed-in user may do `action` (domain/roles.py): a screen hides
        or explains what the service would refuse."""
        return self.session.may(action)
