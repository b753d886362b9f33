"""In biểu mẫu from the candidate file: the forms of the file's steps first, a preview page
by page, saving a PDF (audited) and printing; a USB stick warns and offers a password."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from khdesk.core.services import printing, profiles, sync
from khdesk.core.services.session import open_profile
from khdesk.ui import operation
from khdesk.ui.candidate_file import CandidateFileWindow
from khdesk.ui.context import AppContext
from khdesk.ui.print_dialog import (
    CHECKLIST,
    REMOVABLE_WARNING,
    XLSX_REMOVABLE_WARNING,
    PasswordDialog,
    PrintDialog,
    default_file_name,
    form_choices,
    removable_warning,
)
from tests.ui.helpers import TODAY, type_text

FILE = "X01-CB01-0005"  # voted on by the cell (A8): 5-KNĐ and 6-KNĐ have their data
NAME = "Trần Tấn Hưng"
PNG_DIR = Path(os.environ.get("KHDESK_PNG_DIR", "/tmp"))


class FakeStorage:
    """A volume as QStorageInfo describes it."""

    def __init__(self, root: str, fs_type: bytes = b"vfat"):
        self.root, self.fs = root, fs_type

    def rootPath(self) -> str:  # noqa: N802 - Qt's name
        return self.root

    def fileSystemType(self) -> bytes:  # noqa: N802 - Qt's name
        return self.fs

    def isValid(self) -> bool:  # noqa: N802 - Qt's name
        return True


@pytest.fixture
def settle(qtbot):
    """Until every background operation (preview, save) has delivered its result."""
    return lambda: qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


@pytest.fixture
def session(demo_home):
    s = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    yield s
    s.close()


@pytest.fixture
def dialog(qtbot, session):
    ctx = AppContext(session, TODAY)
    d = PrintDialog(ctx, FILE, NAME, {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"})
    qtbot.addWidget(d)
    return d


def _last_export(session) -> dict:
    with session.store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT entity_key, detail FROM audit WHERE action = 'export' ORDER BY id DESC LIMIT 1"
        ).one()
    return {"key": row[0], **json.loads(row[1])}


def test_forms_of_the_files_steps_come_first():
    choices = form_choices({"A1", "A7", "A8"})
    first = [c.code for c in choices if c.relevant]
    assert first == [CHECKLIST, "5-KNĐ", "6-KNĐ"]
    assert len(choices) == 11  # the checklist and every form
    assert default_file_name("6-KNĐ", FILE, NAME) == f"6-KND {FILE} {NAME}.pdf"


def test_preview_save_and_audit(qtbot, dialog, session, tmp_path, settle):
    dialog.select_form("6-KNĐ")
    settle()
    assert dialog.code == "6-KNĐ"
    assert dialog.pdf_bytes and len(dialog.page_images) >= 1
    assert not dialog.message_label.isVisible()
    dialog.resize(1280, 700)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(PNG_DIR / "khdesk_print_dialog.png"))

    out = tmp_path / "6-KND.pdf"
    assert dialog.save_to(out, storage=FakeStorage("/", b"ext4"))
    settle()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert NAME in text
    entry = _last_export(session)
    assert entry["key"] == FILE and entry["form"] == "6-KNĐ" and entry["encrypted"] is False
    assert "Đã lưu" in dialog.saved_label.text()


def test_the_checklist_and_a_form_the_cell_cannot_print(dialog, settle):
    dialog.select_form(CHECKLIST)
    settle()
    assert dialog.page_images and dialog.save_button.isEnabled()
    # 7-KNĐ is the đảng ủy bộ phận's: a grassroots cell's file is refused, in words.
    dialog.select_form("7-KNĐ")
    settle()
    if dialog.pdf_bytes is None:
        assert dialog.message_label.text() and not dialog.save_button.isEnabled()


def test_print_settings_from_the_dialog(dialog, session, settle):
    assert dialog.settings_note.text().startswith("Chưa có địa danh và người ký")
    dialog.select_form("6-KNĐ")
    settle()
    dialog.place_edit.setText("Cam Hải Tây")
    dialog.signer_edit.setText("Nguyễn Văn Bí")
    dialog.upper_edit.setText("ĐẢNG BỘ XÃ CAM HẢI TÂY")
    assert dialog.save_settings()
    settle()
    assert printing.print_settings(session) == {
        "place": "Cam Hải Tây",
        "signer": "Nguyễn Văn Bí",
        "cell_upper_body": "ĐẢNG BỘ XÃ CAM HẢI TÂY",
    }
    assert not dialog.settings_note.isVisible()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(dialog.pdf_bytes)).pages)
    assert "Nguyễn Văn Bí" in text and "ĐẢNG BỘ XÃ CAM HẢI TÂY" in text
    assert "Cam Hải Tây, ngày" in " ".join(text.split())
    dialog.resize(1280, 700)
    dialog.grab().save(str(PNG_DIR / "khdesk_print_dialog_settings.png"))
    printing.set_print_settings(session, place=None, signer=None, cell_upper_body=None)


def test_a_usb_stick_warns_and_the_password_is_applied(dialog, session, tmp_path, settle):
    stick = FakeStorage("/media/bithu/KINGSTON")
    assert removable_warning(tmp_path / "a.pdf", stick) == REMOVABLE_WARNING
    assert removable_warning(tmp_path / "a.xlsx", stick) == XLSX_REMOVABLE_WARNING
    assert removable_warning(tmp_path / "a.pdf", FakeStorage("/", b"ext4")) is None

    dialog.select_form("6-KNĐ")

    settle()
    asked: list[str] = []
    dialog.ask_password = lambda warning: asked.append(warning) or "bimat2026"
    out = tmp_path / "usb.pdf"
    assert dialog.save_to(out, storage=stick)
    settle()
    assert asked == [REMOVABLE_WARNING]
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert reader.is_encrypted and reader.decrypt("bimat2026")
    assert NAME in reader.pages[0].extract_text()
    assert _last_export(session)["encrypted"] is True
    assert "có mật khẩu" in dialog.saved_label.text()

    # cancelled: nothing written
    dialog.ask_password = lambda warning: None
    assert not dialog.save_to(tmp_path / "no.pdf", storage=stick)
    assert not (tmp_path / "no.pdf").exists()
    # saved without a password when the secretary chooses so
    dialog.ask_password = lambda warning: ""
    assert dialog.save_to(tmp_path / "plain.pdf", storage=stick)
    settle()
    assert not PdfReader(io.BytesIO((tmp_path / "plain.pdf").read_bytes())).is_encrypted


def test_password_dialog_checks_the_repeat(qtbot, tmp_path):
    d = PasswordDialog(REMOVABLE_WARNING)
    qtbot.addWidget(d)
    type_text(qtbot, d.password_edit, "mậtkhẩu")
    type_text(qtbot, d.repeat_edit, "mậtkhau")
    assert not d.accept_with_password()
    assert "không giống" in d.error_label.text()
    d.repeat_edit.clear()
    type_text(qtbot, d.repeat_edit, "mậtkhẩu")
    assert d.accept_with_password() and d.password == "mậtkhẩu"
    d.resize(520, 260)
    d.grab().save(str(PNG_DIR / "khdesk_password_dialog.png"))


def test_print_paints_every_page(dialog, tmp_path, settle):
    dialog.select_form("6-KNĐ")
    settle()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert dialog.print_to(printer)
    assert len(PdfReader(str(out)).pages) == len(dialog.page_images)


def test_the_file_window_opens_it(qtbot, session, settle):
    window = CandidateFileWindow(AppContext(session, TODAY), FILE)
    qtbot.addWidget(window)
    d = window.open_print_dialog()
    assert isinstance(d, PrintDialog)
    assert d.code == CHECKLIST  # the first of the file's own
    relevant = [d._code_at(i) for i in range(d.form_list.count())]
    assert relevant.index("6-KNĐ") < relevant.index("9-KNĐ")
    d.close()
    settle()


def test_preview_without_pdfium(qtbot, dialog, monkeypatch, settle):
    """pdftoppm where PDFium is missing; neither: no preview, saving still works."""
    import shutil

    from khdesk.ui import print_dialog

    def no_pdfium(data, dpi):
        raise ImportError("pypdfium2")

    monkeypatch.setattr(print_dialog, "render_pdfium", no_pdfium)
    dialog.select_form("6-KNĐ")
    settle()
    if shutil.which("pdftoppm"):
        assert len(print_dialog.render_pages(dialog.pdf_bytes)) == len(dialog.page_images) >= 1
    monkeypatch.setattr(print_dialog.shutil, "which", lambda name: None)
    dialog.select_form(CHECKLIST)
    settle()
    assert dialog.page_images == [] and dialog.save_button.isEnabled()
    assert not dialog.print_button.isEnabled()
    assert "không xem trước được" in dialog.pages_label.text()


def test_unlisted_viewer_cannot_print_to_a_file(qtbot, tmp_path, settle):
    """A viewer prints on paper; "printing" to a PDF file through the print dialog is
    taking data out, refused without the owner's grant — as saving the PDF is."""
    from khdesk.demo.stations import create_demo

    home = tmp_path / "home"
    create_demo(home, "demo-password", today=TODAY)
    owner = open_profile(home, "X01-CB01", "bithu", "demo-password")
    profiles.add_user(owner, "xem", "xem-123456", "viewer")
    owner.close()
    viewer = open_profile(home, "X01-CB01", "xem", "xem-123456")
    try:
        d = PrintDialog(AppContext(viewer, TODAY), FILE, NAME, {"A1", "A8"})
        qtbot.addWidget(d)
        d.select_form("6-KNĐ")
        settle()
        assert d.page_images  # the viewer sees and may print the form
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        out = tmp_path / "printed.pdf"
        printer.setOutputFileName(str(out))
        assert not d.print_to(printer)
        assert not out.exists()
        assert "chủ hồ sơ" in d.message_label.text()
    finally:
        viewer.close()


def test_names_the_tree_gives_are_the_fields_hints_not_called_missing(
    qtbot, demo_home, session, tmp_path, settle
):
    """Once the cell enrolled its committee's card, the dialog shows the place and the
    upper bodies the forms will print, and does not call the place missing."""
    committee = open_profile(demo_home, "X01", "bithu", "demo-password")
    try:
        card = sync.write_card(committee, tmp_path / "x01.card")
    finally:
        committee.close()
    sync.enrol_card(session, tmp_path / "x01.card", card["fingerprint"])
    d = PrintDialog(AppContext(session, TODAY), FILE, NAME, {"A1", "A8"})
    qtbot.addWidget(d)
    assert d.place_edit.placeholderText() == "Cam Lâm (theo danh sách đơn vị)"
    assert d.upper_edit.placeholderText() == "ĐẢNG BỘ XÃ CAM LÂM (theo danh sách đơn vị)"
    assert d.commune_edit.placeholderText() == "Đảng ủy xã Cam Lâm (theo danh sách đơn vị)"
    assert d.settings_note.text().startswith("Chưa có người ký:")
    d.select_form("6-KNĐ")
    settle()
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(d.pdf_bytes)).pages).split()
    )
    assert "Cam Lâm, ngày" in text and "ĐẢNG BỘ XÃ CAM LÂM" in text


def test_pdfium_draws_one_preview_at_a_time(monkeypatch, session):
    """PDFium is not thread-safe (pypdfium2's documentation): two previews asked at once
    (the dialog opening on one form while another is chosen) take turns. The real
    PdfDocument runs; a spy around it counts how many are open at once."""
    import threading
    import time

    import pypdfium2 as pdfium

    from khdesk.ui.print_dialog import render_pages

    data = printing.form_pdf(session, "6-KNĐ", FILE)
    real, open_now, most = pdfium.PdfDocument, [0], [0]
    lock = threading.Lock()

    class Spy(real):
        def __init__(self, *args, **kwargs):
            with lock:
                open_now[0] += 1
                most[0] = max(most[0], open_now[0])
            time.sleep(0.05)  # long enough for the other thread to arrive
            super().__init__(*args, **kwargs)

        def close(self):
            super().close()
            with lock:
                open_now[0] -= 1

    monkeypatch.setattr(pdfium, "PdfDocument", Spy)
    threads = [threading.Thread(target=render_pages, args=(data,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
