"""The sync layer's own errors: each says in Vietnamese exactly what is wrong."""

from __future__ import annotations

from khdesk.core.errors import InputError


class SyncError(InputError):
    """A sync input refused (exit code 1, nothing changed). `code` names the check that
    failed, for tests and `--json`; `message` says it to a person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class BundleError(SyncError):
    """The bundle format's own error: the only exception reading a bundle may raise."""


class KeyCardError(SyncError):
    """A key card or fingerprint refused."""


class CatalogueError(SyncError):
    """A catalogue file (rulebooks, holidays, forms, organisations) refused."""


class TransferFileError(SyncError):
    """A transfer file or its answer (a file moving out of the province) refused."""
