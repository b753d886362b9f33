"""Screen preferences: the larger-text option (this PC) and per-profile screen settings.

Stored as small JSON files through khdesk.core.services.session (atomic writes): the
text size in the data directory, since it is about the person at this PC and applies to
the sign-in screen too; the list columns and the auto-lock delay beside each profile.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from khdesk.core.services.session import Session, load_settings, save_settings, settings_path

LARGE_TEXT_SCALE = 1.25
DEFAULT_AUTOLOCK_MINUTES = 10
_BASE_SIZE = "khdesk_base_point_size"
_RELATIVE = "khdesk_relative_font"  # (points above the app's, bold) of a widget's font


def home_settings(home: Path) -> dict:
    return load_settings(settings_path(home))


def save_home_settings(home: Path, **changes) -> None:
    save_settings(settings_path(home), **changes)


def profile_settings(session: Session) -> dict:
    return load_settings(settings_path(session.dir.home, session.info.name))


def save_profile_settings(session: Session, **changes) -> None:
    save_settings(settings_path(session.dir.home, session.info.name), **changes)


def sync_folder(session: Session) -> str | None:
    """The folder this profile exchanges bundles through besides USB sticks (the demo sets
    its shared folder, khdesk.demo.loop), when it is there."""
    folder = profile_settings(session).get("sync_folder")
    return folder if isinstance(folder, str) and Path(folder).is_dir() else None


def autolock_minutes(session: Session) -> int:
    value = profile_settings(session).get("autolock_minutes", DEFAULT_AUTOLOCK_MINUTES)
    return value if isinstance(value, int) and value >= 0 else DEFAULT_AUTOLOCK_MINUTES


def apply_text_size(large: bool, app: QApplication | None = None) -> None:
    """Scale the application font (every widget that does not set its own size follows)."""
    app = app or QApplication.instance()
    if app is None:
        return
    base = app.property(_BASE_SIZE)
    if base is None:
        base = app.font().pointSizeF()
        app.setProperty(_BASE_SIZE, base)
    font = QFont(app.font())
    font.setPointSizeF(base * LARGE_TEXT_SCALE if large else base)
    app.setFont(font)
    # A widget with a font of its own keeps it when the app's changes: scale those along.
    for widget in app.allWidgets():
        if widget.property(_RELATIVE) is not None:
            _apply_relative(widget)


def relative_font(widget: QWidget, points: float = 0, *, bold: bool = False) -> QWidget:
    """Give `widget` a font `points` above the app's (a title, a big number) that grows and
    shrinks with the larger-text option."""
    widget.setProperty(_RELATIVE, (points, bold))
    _apply_relative(widget)
    return widget


def _apply_relative(widget: QWidget) -> None:
    points, bold = widget.property(_RELATIVE)
    font = QFont(widget.font())
    font.setPointSizeF(QApplication.font().pointSizeF() + points)
    font.setBold(bold)
    widget.setFont(font)


def is_large_text(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()
    base = app.property(_BASE_SIZE) if app else None
    return bool(base) and app.font().pointSizeF() > base * 1.01
