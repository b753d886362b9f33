"""What sync needs of an open profile: a Protocol, so that sync (below the services)
names no service type; `khdesk.core.services.session.Session` is the one implementation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from khdesk.core.store.store import Store


class Station(Protocol):
    @property
    def store(self) -> Store: ...

    @property
    def org_code(self) -> str: ...

    @property
    def on_server(self) -> bool: ...

    user: str
    info: Any  # services.session.ProfileInfo: role, org_code, org_name, name…
    dir: Any  # services.session.ProfileDir: the profile's folder
