"""What every screen shares: the open session, today's date, and the app-wide signals.

Pages never talk to each other directly; they emit on the hub (open this file, data
changed) and the main window routes it. Today's date is injected so tests and the
wrong-clock banner do not depend on the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal

from khdesk.core.domain.roles import Action
from khdesk.core.services.session import Session
from khdesk.ui import plaintext


class Hub(QObject):
    # file_code, and the step to show first ("" for the overview)
    open_file = Signal(str, str)
    # emitted after any write, so the pages showing data reload it
    data_changed = Signal()
    # a short message for the status bar
    status = Signal(str)
    # go to a page by its key (e.g. "candidates", "sync")
    show_page = Signal(str)


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
