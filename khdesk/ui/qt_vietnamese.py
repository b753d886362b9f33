"""Qt's own texts in Vietnamese: the file dialog, a text field's right-click menu, the
standard buttons (OK / Cancel / Yes / No), scroll bar menus, the wizard's and the print
dialog's Qt parts. PySide6 ships no Vietnamese Qt translation, so ours is
`resources/i18n/qtbase_vi.ts`, compiled to `qtbase_vi.qm` with pyside6-lrelease
(tests/ui/test_qt_vietnamese.py fails when the .qm is stale against the .ts).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator

from khdesk.core.resources import resource_path

# Kept alive here: Qt holds only a pointer to an installed translator.
_installed: QTranslator | None = None


def install(app: QCoreApplication) -> bool:
    """Install the Vietnamese Qt translation in `app` (once); True when it is installed.
    Call it before the first widget is made: a widget translates its texts when built."""
    global _installed
    if _installed is not None:
        return True
    translator = QTranslator(app)
    if not translator.load(str(resource_path("i18n", "qtbase_vi.qm"))):
        return False  # a broken install shows Qt's English, never a crash
    app.installTranslator(translator)
    _installed = translator
    # The file types Qt's file dialog lists ("Tài liệu PDF", not "PDF document") come from
    # its MIME database in the default locale's language.
    QLocale.setDefault(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))
    if not _system_speaks_vietnamese():
        # A native file dialog speaks the system's language (English on most
        # Windows PCs here); Qt's own dialog speaks ours.
        app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    return True


def uninstall(app: QCoreApplication) -> None:
    """Undo `install` (tests)."""
    global _installed
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
        QLocale.setDefault(QLocale.system())
        app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, False)


def _system_speaks_vietnamese() -> bool:
    """The system's display language (not its number format) is Vietnamese."""
    languages = QLocale.system().uiLanguages()
    return bool(languages) and languages[0].lower().startswith("vi")
