"""Errors the user sees: each carries a Vietnamese message and the CLI exit code.

Anything else that escapes is a bug: the CLI logs it and shows a short Vietnamese line,
never a traceback.
"""

from __future__ import annotations


class KhdeskError(Exception):
    """Base of every error meant for the user. `message` is Vietnamese."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(KhdeskError):
    """Input refused, nothing changed (bad file, bad value)."""

    exit_code = 1


class UsageError(KhdeskError):
    exit_code = 2


class AccessDenied(KhdeskError):
    """Wrong password, locked profile, or not allowed for this user."""

    exit_code = 3


class ProfileError(KhdeskError):
    """Profile missing, ambiguous or unreadable."""

    exit_code = 1


class NewerDatabaseError(KhdeskError):
    exit_code = 1


class Cancelled(KhdeskError):
    """The user asked long work to stop; it stopped between two units, nothing changed."""

    exit_code = 1

    def __init__(self) -> None:
        super().__init__("Đã hủy theo yêu cầu. Không có gì thay đổi.")


class CellProblem:
    """One bad cell of a spreadsheet: where, and what is wrong (Vietnamese)."""

    __slots__ = ("sheet", "row", "column", "message")

    def __init__(self, sheet: str, row: int | None, column: str | None, message: str):
        self.sheet = sheet
        self.row = row
        self.column = column
        self.message = message

    def __str__(self) -> str:
        where = f"Trang '{self.sheet}'"
        if self.row is not None:
            where += f", dòng {self.row}"
        if self.column:
            where += f", cột '{self.column}'"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }
