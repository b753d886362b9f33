"""Render the user guide's screenshots from the demo, and huong-dan.html from huong-dan.md.

Run from the repository: `.venv/bin/python resources/guide/make_screenshots.py`
(`--html-only` rebuilds just the HTML, `--readme-only` just the README's screenshots). It
makes the demo in a temporary data folder (nothing of the user's is touched), opens the
main window offscreen at 1366×768 for the cell X01-CB01 and the committee X01, drives the
screens the guide shows (the README's: the committee of the linked demo), and saves
palette-quantised PNGs in resources/guide/images/ (screenshots are few colours: 256 keep
the text sharp at a quarter of the size).
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
GUIDE = Path(__file__).resolve().parent
ROOT = GUIDE.parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 26)
PASSWORD = "demo-password"
SIZE = (1366, 768)
IMAGES = GUIDE / "images"


# --- the HTML guide ---------------------------------------------------------------------


def _inline(text: str) -> str:
    """Escape, then the few inline marks the guide uses: **bold**, `code`, [link](url)."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"`(.+?)`", r"<code>\1</code>", out)
    out = re.sub(r"\[(.+?)\]\((.+?)\)", r'<a href="\2">\1</a>', out)
    # "mục 9" leads to section 9 (its anchor: see section_anchor)
    out = re.sub(r"(?<![\w\[])mục (\d+)", r'<a href="#muc-\1">mục \1</a>', out)
    return out


def section_anchor(title: str) -> str:
    """A heading's anchor: "muc-9" for the numbered section "9. …" (what "mục 9" and the
    table of contents point to), else a slug of the title."""
    numbered = re.match(r"(\d+)\. ", title)
    if numbered:
        return f"muc-{numbered.group(1)}"
    return re.sub(r"\W+", "-", title.lower()).strip("-")


def markdown_to_html(text: str, title: str) -> str:
    """A small subset of Markdown: headings, paragraphs, numbered and bulleted lists,
    images on their own line, simple tables. Enough for the guide; no dependency."""
    body: list[str] = []
    para: list[str] = []
    list_tag: str | None = None
    table: list[list[str]] = []

    def flush() -> None:
        nonlocal list_tag
        if para:
            body.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if list_tag:
            body.append(f"</{list_tag}>")
            list_tag = None
        if table:
            rows = [r for r in table if not all(set(c) <= set("-: ") for c in r)]
            body.append('<table border="1" cellspacing="0" cellpadding="4">')
            for i, row in enumerate(rows):
                tag = "th" if i == 0 else "td"
                cells = "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in row)
                body.append(f"<tr>{cells}</tr>")
            body.append("</table>")
            table.clear()

    for line in text.splitlines():
        stripped = line.strip()
        image = re.fullmatch(r"!\[(.*?)\]\((.+?)\)", stripped)
        heading = re.match(r"(#{1,4}) (.*)", stripped)
        numbered = re.match(r"\d+\. (.*)", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            anchor = section_anchor(heading.group(2))
            body.append(f'<h{level}><a name="{anchor}"></a>{_inline(heading.group(2))}</h{level}>')
        elif image:
            flush()
            alt, src = image.groups()
            # No width: a web browser fits it by the CSS below; the in-app guide scales
            # it smoothly itself (khdesk.ui.help.GuideBrowser).
            body.append(
                f'<p align="center"><img src="{html.escape(src)}" '
                f'alt="{html.escape(alt)}"><br><i>{_inline(alt)}</i></p>'
            )
        elif stripped.startswith("|"):
            if para or list_tag:
                flush()
            table.append([c.strip() for c in stripped.strip("|").split("|")])
        elif numbered or stripped.startswith("- "):
            tag = "ol" if numbered else "ul"
            if para or table or (list_tag and list_tag != tag):
                flush()
            if list_tag is None:
                body.append(f"<{tag}>")
                list_tag = tag
            item = numbered.group(1) if numbered else stripped[2:]
            body.append(f"<li>{_inline(item)}</li>")
        elif list_tag and line.startswith("   "):
            body[-1] = body[-1][: -len("</li>")] + " " + _inline(stripped) + "</li>"
        else:
            if list_tag or table:
                flush()
            para.append(stripped)
    flush()
    style = (
        "body { font-size: 11pt; } h1, h2, h3 { color: #1a3d7c; } h3 { font-size: 13pt; }"
        " code { background: #f0f0f0; } th { background: #e8eef8; }"
        " img { max-width: 100%; border: 1px solid #ccc; }"
    )
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def build_html() -> Path:
    source = (GUIDE / "huong-dan.md").read_text(encoding="utf-8")
    out = GUIDE / "huong-dan.html"
    out.write_text(markdown_to_html(source, "Hướng dẫn sử dụng khdesk"), encoding="utf-8")
    return out


# --- the screenshots --------------------------------------------------------------------


def save(widget, name: str) -> Path:
    """Grab the widget and store it as an 8-bit palette PNG."""
    from PIL import Image
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    path = IMAGES / f"{name}.png"
    widget.grab().save(str(path))
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return path


def wait(ms: int = 50) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(ms)


def window_for(home: Path, profile: str):
    from khdesk.core.services.session import open_profile
    from khdesk.ui.main_window import MainWindow

    session = open_profile(home, profile, "bithu", PASSWORD)
    window = MainWindow(session, today=TODAY)
    window.resize(*SIZE)
    window.show()
    wait()
    return window


def type_into(widget, text: str) -> None:
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
            )


def application():
    """The QApplication as khdesk.ui.app sets it up: its name, Qt's own buttons ("Hủy",
    not "Cancel") in Vietnamese, stored text never read as HTML."""
    from PySide6.QtWidgets import QApplication

    from khdesk.ui import plaintext, qt_vietnamese

    app = QApplication.instance() or QApplication([])
    app.setApplicationDisplayName("khdesk — Phát triển đảng viên")
    qt_vietnamese.install(app)
    plaintext.install(app)
    return app


def shoot_all(work: Path) -> None:
    from khdesk.core.services import sync
    from khdesk.demo.stations import create_demo
    from khdesk.ui import drives
    from khdesk.ui.login import LoginDialog

    application()
    home = work / "home"
    create_demo(home, PASSWORD, today=TODAY)
    usb = work / "usb"
    usb.mkdir()
    # The sync page lists this folder as a plugged-in USB stick.
    drives.removable_volumes = lambda: [drives.Volume(str(usb), "KINGSTON (E:)", 7 << 30)]
    # Each screenshot overwrites its own file; the form renders (17, 18) come from the
    # PDF forms, not from here, and stay.
    IMAGES.mkdir(exist_ok=True)

    login = LoginDialog(home, preselect="X01-CB01")
    login.show()
    type_into(login.password_edit, "demo-pass")
    save(login, "01-dang-nhap")
    login.close()

    cell = window_for(home, "X01-CB01")
    com = window_for(home, "X01")
    # The keys are enrolled as the guide tells (card + fingerprint read aloud).
    for one, other in ((cell.session, com.session), (com.session, cell.session)):
        card = sync.write_card(one, work / f"{one.org_code}.card")
        sync.enrol_card(other, work / f"{one.org_code}.card", card["fingerprint"])

    cell.show_page("home")
    wait(200)
    save(cell, "02-viec-can-lam")

    cell.show_page("candidates")
    page = cell.candidates
    type_into(page.search_edit, "duc")
    wait(600)
    save(cell, "03-danh-sach-tim-kiem")
    page.search_edit.clear()
    wait(400)

    shoot_file(cell)

    cell.show_page("members")
    wait(100)
    save(cell, "07-dang-vien")

    cell.show_page("sync")
    sync_cell = cell.pages["sync"]
    sync_cell.refresh()
    sync_cell.send.export()
    settle()
    save(cell, "08-gui-dong-bo")
    sync_cell.tabs.setCurrentWidget(sync_cell.keys)
    wait(50)
    save(cell, "09-khoa-ma-xac-nhan")

    com.show_page("sync")
    sync_com = com.pages["sync"]
    sync_com.tabs.setCurrentWidget(sync_com.receive)
    sync_com.receive.load_paths([usb])
    settle()
    save(com, "10-nhan-xem-truoc")
    sync_com.receive.import_valid()
    settle()  # the import runs in the background; the shot shows its result
    save(com, "11-nhan-da-nhap")
    shoot_decisions(com)

    com.show_page("cells")
    overview = com.pages["cells"]
    overview.refresh()
    wait(200)
    save(com, "12-dang-uy-tong-quan")
    overview.show_cell("X01-CB02")
    wait(200)
    save(com, "13-dang-uy-chi-bo")

    cell.show_page("safety")
    safety = cell.pages["safety"]
    safety.backup_now()
    wait(100)
    save(cell, "14-an-toan-sao-luu")
    if "stats" in cell.page_types:
        cell.show_page("stats")
        wait(200)
        save(cell, "15-thong-ke")

    shoot_import(cell, work)
    shoot_own_sheet(cell, work)
    shoot_class(com, work)
    shoot_meeting(cell)
    shoot_transfer(cell)
    for window in (cell, com):
        for file_window in list(window.file_windows.values()):
            file_window.confirm_discard = lambda: True
            file_window.close()
        window.close()
        window.session.close()


def shoot_file(cell) -> None:
    """A file's window (steps, identity) and a vote below two thirds refused. The demo's
    Lương Tấn Hậu waits for his introducers and the cell's meeting: they are recorded
    through the same dialog a secretary uses."""
    from khdesk.core.domain.pipeline import Result
    from khdesk.core.services.members import eligible_introducers

    code = "X01-CB01-0004"
    cell.open_file(code)
    window = cell.file_windows[code]
    first, second = (m["member_code"] for m in eligible_introducers(cell.session, TODAY)[:2])
    for step, on in (("A6", "10/11/2026"), ("A7", "16/11/2026")):
        dialog = window.open_record_dialog()
        dialog.choose(step)
        dialog.date_edit.setText(on)
        if step == "A6":
            for box, since, member in (
                (dialog.intro1_box, dialog.intro1_since, first),
                (dialog.intro2_box, dialog.intro2_since, second),
            ):
                box.setCurrentIndex(box.findData(member))
                since.setText("01/01/2020")
        assert dialog.save(), dialog.error_label.text()
    window.resize(*SIZE)
    window.show()
    wait(100)
    save(window, "04-ho-so-cac-buoc")
    window.tabs.setCurrentIndex(1)
    wait(100)
    save(window, "05-ho-so-thong-tin")
    window.tabs.setCurrentIndex(0)

    dialog = window.open_record_dialog()
    dialog.choose("A8")
    dialog.date_edit.setText("24/11/2026")
    dialog.members_spin.setValue(9)
    dialog.votes_spin.setValue(5)
    dialog.result_buttons[Result.PASSED].setChecked(True)
    dialog.show()
    assert not dialog.save()
    wait(100)
    save(dialog, "06-ghi-buoc-bi-tu-choi")
    dialog.reject()


def shoot_import(cell, work: Path) -> None:
    """The Excel wizard's preview, with one wrong date planted to show how it looks."""
    import openpyxl

    from khdesk.core.services.exporter import export_file

    path = work / "cb01.xlsx"
    export_file(cell.session, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Quần chúng"]
    column = next(c.column for c in sheet[1] if (c.value or "").rstrip("*") == "Ngày sinh")
    sheet.cell(row=3, column=column, value="31/02/2001")
    book.save(path)
    shoot_wizard(cell, path, "16-nhap-excel-xem-truoc")


def shoot_wizard(cell, path: Path, name: str) -> None:
    """The Excel wizard on `path`, one step on (what it shows after "Tiếp tục >")."""
    from khdesk.ui.import_wizard import ImportWizard

    wizard = ImportWizard(cell.ctx, cell)
    wizard.resize(1000, 640)
    wizard.show()
    wizard.choose.path_edit.setText(str(path))
    wizard.next()
    settle()
    save(wizard, name)
    wizard.reject()


def settle() -> None:
    """Wait until the page's background operation has delivered."""
    from khdesk.ui import operation

    while operation.running():
        wait(50)
    wait(100)


def shoot_own_sheet(cell, work: Path) -> None:
    """The import wizard's column step: the office's own sheet, its headers its own way."""
    import openpyxl

    from khdesk.core.services.exporter import export_file

    path = work / "ds-rieng.xlsx"
    export_file(cell.session, path)
    book = openpyxl.load_workbook(path)
    for name in book.sheetnames:
        if name != "Quần chúng":
            del book[name]
    sheet = book["Quần chúng"]
    sheet.title = "DS quan chung"
    own = {"Họ và tên": "HỌ TÊN", "Ngày sinh": "Ng.sinh", "Giới tính": "GT", "Số CCCD": "CCCD"}
    for c in sheet[1]:
        title = (c.value or "").rstrip("*")
        c.value = own.get(title, c.value)
    book.save(path)
    shoot_wizard(cell, path, "29-ghep-cot")


def shoot_decisions(com) -> None:
    """The committee's "Quyết định báo lên": the cell's paper copies, received in 11;
    then confirmed all, as the office does once checked, so the overview's figures (12)
    are the cell's own (one truth)."""
    com.show_page("decisions")
    page = com.pages["decisions"]
    page.refresh()
    wait(200)
    save(com, "27-quyet-dinh-bao-len")
    page.confirm_all("X01-CB01")
    settle()


def shoot_class(com, work: Path) -> None:
    """A class's roster imported at the committee: its files that have no A2 yet, one
    stranger (listed to resolve) and one who did not pass."""
    from openpyxl import Workbook

    from khdesk.core.domain.classes import ROSTER
    from khdesk.core.services.candidates import list_files
    from khdesk.ui.classes_page import ClassesPage

    files = [f for f in list_files(com.session) if f["state"] == "NGUON"][:3]
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in ROSTER.columns])
    for n, f in enumerate(files, 1):
        born = date.fromisoformat(str(f["birth_date"]))
        sheet.append(
            [f["full_name"], f"{born:%d/%m/%Y}", None, f["org_code"], f"{n}/CN", "Đạt", None]
        )
    sheet.append(["Hồ Văn Xa", "05/05/2002", None, "X01-CB02", "4/CN", "Đạt", None])
    sheet.append(["Lý Văn Rớt", "06/06/2003", None, "X01-CB02", None, "Không đạt", None])
    path = work / "lop.xlsx"
    book.save(path)
    com.show_page("classes")
    page: ClassesPage = com.pages["classes"]
    dialog_values = {
        "code": "LOP-05",
        "name": "Lớp bồi dưỡng nhận thức về Đảng khóa 5",
        "organiser": "Trung tâm Chính trị Cam Lâm",
        "starts_on": "09/11/2026",
        "ends_on": "13/11/2026",
        "cert_on": "16/11/2026",
    }
    from khdesk.ui.classes_page import NewClassDialog

    dialog = NewClassDialog(TODAY, page)
    for key, text in dialog_values.items():
        dialog.edits[key].setText(text)
    dialog.path_edit.setText(str(path))
    found = dialog.values()
    assert not isinstance(found, str), found
    page.start_import(*found)
    settle()
    save(com, "28-lop-boi-duong")


def shoot_meeting(cell) -> None:
    """The meeting dialog, opened from recording the cell's vote (A8) on the file whose
    introducers shoot_file recorded."""
    window = cell.file_windows["X01-CB01-0004"]
    dialog = window.open_record_dialog()
    dialog.choose("A8")
    meeting = dialog.open_meeting_dialog()
    meeting.date_edit.setText("24/11/2026")
    meeting.probationary_spin.setValue(1)
    meeting.add_absence("Nguyễn Văn Lộc", reason="Đi công tác")
    meeting.chair_edit.setText("Trần Văn Sơn")
    meeting.secretary_edit.setText("Lê Thị Mai")
    meeting.show()
    wait(100)
    save(meeting, "26-ky-hop-chi-bo")
    meeting.reject()
    dialog.reject()


def shoot_transfer(cell) -> None:
    """A file sent to another cell with the file window's dialog; then the home page's
    "Đang chuyển" box."""
    from khdesk.core.services.candidates import list_files

    code = next(f["file_code"] for f in list_files(cell.session) if f["state"] == "BOI_DUONG")
    cell.open_file(code)
    window = cell.file_windows[code]
    dialog = window.open_transfer_dialog()
    dialog.to_org.setCurrentIndex(-1)
    dialog.to_org.lineEdit().setText("X01-CB04")
    dialog.on.setText("20/11/2026")
    dialog.reason.setText("Chuyển nơi cư trú về thôn Hòa Sơn")
    dialog.resize(640, dialog.sizeHint().height())
    dialog.show()
    wait(100)
    save(dialog, "24-chuyen-ho-so")
    assert dialog.save(), dialog.error.text()
    window.close()
    cell.show_page("home")
    cell.pages["home"].refresh()
    wait(200)
    save(cell, "25-dang-chuyen")


def shoot_readme(work: Path) -> None:
    """The README's screenshots: the demo as `khdesk demo` makes it (the committee and its
    cells linked), seen from the committee, with no USB stick plugged in."""
    from khdesk.demo.loop import DECIDED_FILE, build_demo
    from khdesk.ui import drives
    from khdesk.ui.login import LoginDialog

    application()
    home = work / "product"
    build_demo(home, PASSWORD, TODAY)
    drives.removable_volumes = lambda: []  # the demo's shared folder stands for the stick
    IMAGES.mkdir(exist_ok=True)

    login = LoginDialog(home, preselect="X01", password=PASSWORD, today=lambda: TODAY)
    login.show()
    save(login, "20-demo-dang-nhap")
    login.close()

    com = window_for(home, "X01")
    com.show_page("cells")
    com.pages["cells"].refresh()
    wait(200)
    save(com, "21-demo-dang-uy-tong-quan")

    com.open_file(DECIDED_FILE)
    window = com.file_windows[DECIDED_FILE]
    window.resize(*SIZE)
    window.show()
    wait(100)
    save(window, "22-demo-dang-uy-quyet-dinh")
    window.confirm_discard = lambda: True
    window.close()

    com.show_page("sync")
    sync_com = com.pages["sync"]
    sync_com.refresh()
    send = sync_com.send
    send.target_box.setCurrentIndex(send.target_box.findData(DECIDED_FILE.rsplit("-", 1)[0]))
    send.export()
    wait(100)
    save(com, "23-demo-dang-uy-gui-ve")
    com.close()
    com.session.close()


def main(argv: list[str]) -> int:
    if "--html-only" not in argv:
        with tempfile.TemporaryDirectory(prefix="khdesk-guide-") as work:
            if "--readme-only" not in argv:
                shoot_all(Path(work))
            shoot_readme(Path(work))
        total = sum(p.stat().st_size for p in IMAGES.glob("*.png"))
        print(f"total {total / 1e6:.2f} MB")
    print(build_html().relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
