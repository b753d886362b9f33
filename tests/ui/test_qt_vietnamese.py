"""Issue 17 item 5: Qt's own texts reach people in Vietnamese — the file dialog, a text
field's right-click menu, the standard buttons, the wizard's buttons, scroll bar menus.
Real widgets, offscreen, with the translation the app installs at start-up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import PySide6
import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFileSystemModel,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWizard,
)

from khdesk.core.resources import resource_path
from khdesk.ui import qt_vietnamese

ENGLISH = {"Undo", "Redo", "Cut", "Copy", "Paste", "Delete", "Select All"}
ENGLISH |= {"OK", "Cancel", "Yes", "No", "Close", "Save", "Discard", "Apply", "Open"}
ENGLISH |= {"Look in:", "File name:", "Files of type:", "Choose", "Back", "Next >", "< Back"}


@pytest.fixture
def vietnamese(qapp):
    assert qt_vietnamese.install(qapp)
    yield qapp
    qt_vietnamese.uninstall(qapp)


def _plain(text: str) -> str:
    """A label without its mnemonic marker and its shortcut column."""
    return text.split("\t")[0].replace("&", "")


def test_finding_5_qm_is_compiled_from_the_ts(tmp_path):
    """The shipped .qm is what pyside6-lrelease makes of the .ts (edit one, rebuild the
    other: `pyside6-lrelease resources/i18n/qtbase_vi.ts -qm resources/i18n/qtbase_vi.qm`)."""
    tool = Path(PySide6.__file__).parent / ("lrelease.exe" if os.name == "nt" else "lrelease")
    fresh = tmp_path / "qtbase_vi.qm"
    ts = resource_path("i18n", "qtbase_vi.ts")
    subprocess.run([str(tool), str(ts), "-qm", str(fresh)], check=True, capture_output=True)
    assert fresh.read_bytes() == resource_path("i18n", "qtbase_vi.qm").read_bytes(), (
        "qtbase_vi.qm is stale: run pyside6-lrelease on qtbase_vi.ts"
    )


def test_finding_5_every_translation_keeps_its_placeholders_and_mnemonic():
    """A translation that drops "%1" loses the file name from the message; one without
    its "&" loses the Alt-key; every message is translated (none left empty)."""
    bad = []
    for message in ElementTree.parse(resource_path("i18n", "qtbase_vi.ts")).iter("message"):
        source, translation = message.findtext("source"), message.findtext("translation")
        if (
            not translation
            or sorted(re.findall(r"%\d", source)) != sorted(re.findall(r"%\d", translation))
            or ("&" in source.replace("&&", "")) != ("&" in translation.replace("&&", ""))
            or translation.replace("&&", "").count("&") > 1
        ):
            bad.append((source, translation))
    assert bad == []


def test_finding_5_text_field_menu_is_vietnamese(qtbot, vietnamese):
    edit = QLineEdit("Nguyễn Văn A")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = {_plain(a.text()) for a in menu.actions() if not a.isSeparator()}
    assert {"Hoàn tác", "Làm lại", "Cắt", "Sao chép", "Dán", "Xóa", "Chọn tất cả"} <= texts
    assert not texts & ENGLISH


def test_finding_5_standard_buttons_are_vietnamese(qtbot, vietnamese):
    box = QMessageBox(QMessageBox.Icon.Question, "Xác nhận", "Xóa hồ sơ?")
    box.setStandardButtons(
        QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Ok
        | QMessageBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    shown = {_plain(b.text()) for b in box.buttons()}
    assert shown == {"Có", "Không", "Đồng ý", "Hủy"}

    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save
        | QDialogButtonBox.StandardButton.Discard
        | QDialogButtonBox.StandardButton.Close
        | QDialogButtonBox.StandardButton.Apply
        | QDialogButtonBox.StandardButton.Open
    )
    qtbot.addWidget(buttons)
    assert {_plain(b.text()) for b in buttons.buttons()} == {"Lưu", "Bỏ", "Đóng", "Áp dụng", "Mở"}


def test_finding_5_qt_file_dialog_is_vietnamese(qtbot, vietnamese, tmp_path):
    dialog = QFileDialog(None, "Chọn tệp đồng bộ", str(tmp_path), "Tệp đồng bộ (*.khdb)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    qtbot.addWidget(dialog)
    labels = {_plain(w.text()) for w in dialog.findChildren(QLabel)}
    assert {"Tìm trong:", "Tên tệp:", "Loại tệp:"} <= labels
    buttons = {_plain(b.text()) for b in dialog.findChildren(QPushButton)}
    assert {"Mở", "Hủy"} <= buttons
    tips = {b.toolTip() for b in dialog.findChildren(QToolButton)}
    assert {"Lùi lại", "Tiến tới", "Thư mục cha", "Tạo thư mục mới", "Xem chi tiết"} <= tips
    assert not (labels | buttons | tips) & ENGLISH
    # the list's headers and a folder's type ("Folder" comes from Qt's icon provider)
    (tmp_path / "USB").mkdir()
    model = dialog.findChild(QFileSystemModel)
    headers = {model.headerData(i, Qt.Orientation.Horizontal) for i in range(4)}
    assert headers == {"Tên", "Cỡ", "Loại", "Ngày sửa"}
    folder = model.index(str(tmp_path / "USB"))
    assert model.type(folder) == "Thư mục"
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    assert "Chọn" in {_plain(b.text()) for b in dialog.findChildren(QPushButton)}


def test_finding_5_wizard_and_scroll_bar_menu_are_vietnamese(qtbot, vietnamese):
    wizard = QWizard()
    wizard.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
    qtbot.addWidget(wizard)
    texts = {
        _plain(wizard.buttonText(which))
        for which in (
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.FinishButton,
            QWizard.WizardButton.CancelButton,
        )
    }
    assert texts == {"< Quay lại", "Tiếp >", "Xong", "Hủy"}
    # the scroll bar's menu is built inside its contextMenuEvent: the texts it asks for
    tr = QCoreApplication.translate
    assert tr("QScrollBar", "Scroll here") == "Cuộn đến đây"
    assert tr("QScrollBar", "Page down") == "Xuống một trang"
    assert tr("QAbstractSpinBox", "&Step up") == "&Tăng"


def test_finding_5_app_start_installs_the_translation(tmp_path):
    """`khdesk gui` installs it before the first window (the sign-in dialog here). In a
    process of its own: the app's start-up also installs process-wide hooks (the error
    box, the plain-text style) that would change the tests after this one."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from khdesk.ui import app\n"
        "assert app.run(Path(sys.argv[1]), exit_when_ready=True) == 0\n"
        "from PySide6.QtWidgets import QMessageBox\n"
        "box = QMessageBox(QMessageBox.Icon.Information, '', '', QMessageBox.StandardButton.Ok)\n"
        "print('BUTTONS', [b.text().split('\\t')[0].replace('&', '') for b in box.buttons()])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "BUTTONS ['Đồng ý']" in done.stdout


def test_finding_5_file_dialogs_are_qt_own_unless_the_system_speaks_vietnamese(qapp):
    qt_vietnamese.uninstall(qapp)
    try:
        qt_vietnamese.install(qapp)
        native_off = qapp.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
        assert native_off is not qt_vietnamese._system_speaks_vietnamese()
    finally:
        qt_vietnamese.uninstall(qapp)


def test_finding_5_qt_print_dialog_is_vietnamese(qtbot, vietnamese):
    """Qt's own print dialog (Linux; Windows shows its own, in the system's language)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QCheckBox, QGroupBox, QRadioButton

    printer = QPrinter()
    dialog = QPrintDialog(printer)
    qtbot.addWidget(dialog)
    texts = {
        _plain(w.text())
        for kind in (QLabel, QPushButton, QCheckBox, QRadioButton)
        for w in dialog.findChildren(kind)
    }
    texts |= {_plain(g.title()) for g in dialog.findChildren(QGroupBox)}
    assert {"Máy in", "In", "Hủy", "Tên:", "Số bản:", "In tất cả", "Tùy chọn >>"} <= texts
    assert not texts & {"Printer", "Print", "Name:", "Copies:", "Print all", "Options >>"}
