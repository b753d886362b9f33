"""`khdesk --self-test`: the installed (or frozen) app proves it works, end to end.

In a temporary data directory it runs what a commune does in its first week: a commune
committee and a cell (real encrypted profiles with the shipped key-derivation cost, filled
with the demo data through the importer), a database of the previous schema upgraded after
a backup, the key enrolment both ways, the shipped Excel template imported, the check, a
bundle from the cell imported at the committee, a form printed and its first page drawn
the way the print preview draws it (PDFium), the PostgreSQL driver of the province tier
loaded (no server), and the main window opened (offscreen when there is no screen). One
Vietnamese line per step; exit 0, or 1 naming the step that failed. Nothing outside the
temporary folder is touched; it is removed at the end unless a step failed (then it
stays, with the traceback in tu-kiem-tra.log).

The build script (installer/build.py) runs it on the frozen onedir: a missing resource,
module, Qt plugin or DLL shows up here rather than on a secretary's PC.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from khdesk import __version__

# What the frozen app must carry, relative to resources/ (a missing one is named).
REQUIRED_RESOURCES = (
    "rulebooks/294-2025.json",
    "calendar/vn-overlay.json",
    "template/khdesk-mau-nhap-lieu.xlsx",
    "fonts/LiberationSerif-Regular.ttf",
    "fonts/LiberationSerif-Bold.ttf",
    "forms/6-KND.json",
    "forms/layout.json",
    "i18n/qtbase_vi.qm",  # Qt's own texts (file dialog, menus, buttons) in Vietnamese
)
FORM_CODE = "6-KNĐ"
PREVIOUS_SCHEMA = "0004"  # the release before catalogues and document numbers


class StepFailed(Exception):
    """A step's own check failed (as opposed to an unexpected exception)."""


@dataclass
class _Run:
    home: Path
    today: date
    password: str = "tu-kiem-tra-khdesk"
    sessions: dict = field(default_factory=dict)
    committee_code: str = ""
    cell_code: str = ""
    bundle: Path | None = None
    form_pdf: Path | None = None  # the form step's PDF, drawn by the preview step

    def close(self) -> None:
        for session in self.sessions.values():
            try:
                session.close()
            except Exception:  # closing after a failure: nothing more to report
                pass
        self.sessions.clear()


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


# -- the steps ------------------------------------------------------------------------------


def step_resources(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from khdesk.core.resources import resources_root
    from khdesk.core.store import migrate

    root = resources_root()
    missing = [p for p in REQUIRED_RESOURCES if not (root / p).is_file()]
    _check(not missing, f"thiếu tài nguyên trong {root}: {', '.join(missing)}")
    _check(
        (migrate.MIGRATIONS / "env.py").is_file(),
        f"thiếu thư mục nâng cấp cơ sở dữ liệu {migrate.MIGRATIONS}",
    )
    head = migrate.head_revision()
    return f"phiên bản {__version__}, lược đồ {head}"


def step_profiles(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from sqlalchemy import func, select

    from khdesk.core.services.session import open_profile
    from khdesk.core.store import schema as t
    from khdesk.core.store.store import get_meta
    from khdesk.demo.stations import DEMO_USER, create_demo

    names = create_demo(run.home, run.password, run.today)
    run.committee_code = names[0]
    run.cell_code = names[1]
    for name in (run.committee_code, run.cell_code):
        session = open_profile(run.home, name, DEMO_USER, run.password)
        run.sessions[name] = session
    cell = run.sessions[run.cell_code]
    _check(cell.info.role == "cell", f"hồ sơ {run.cell_code} không phải chi bộ")
    _check(run.sessions[run.committee_code].info.role == "committee", "không có hồ sơ đảng ủy")
    with cell.store.read() as conn:
        files = conn.execute(select(func.count()).select_from(t.candidates)).scalar()
        version = get_meta(conn, "created_by_version")
    _check(files > 0, "hồ sơ chi bộ mẫu không có hồ sơ quần chúng nào")
    _check(version == __version__, f"cơ sở dữ liệu ghi phiên bản {version!r}")
    return f"đảng ủy {run.committee_code}, chi bộ {run.cell_code} ({files} hồ sơ)"


def step_upgrade(run: _Run) -> str:
    """A database of the previous schema (made here, then taken back through the real
    downgrade steps) opens after a backup and the migration: the migration scripts are
    data files in the frozen app, and this is where a missing one would show."""
    # imported in the step: a module missing from the build fails this step by name
    from alembic import command

    from khdesk.core.services import profiles
    from khdesk.core.services.session import open_profile
    from khdesk.core.store import migrate

    session, _recovery = profiles.create_profile(
        run.home,
        role="cell",
        org_code="NANG-CAP",
        org_name="Chi bộ thử nâng cấp",
        user="bithu",
        password=run.password,
    )
    try:
        with session.store.engine.connect().execution_options(khdesk_write=True) as conn:
            with conn.begin():
                command.downgrade(migrate._alembic_config(conn), PREVIOUS_SCHEMA)
    finally:
        session.close()
    session = open_profile(run.home, "NANG-CAP", "bithu", run.password)
    try:
        with session.store.read() as conn:
            now = migrate.current_revision(conn)
        backups = list(session.dir.backup_dir.glob(f"truoc-nang-cap-{PREVIOUS_SCHEMA}-*.db"))
    finally:
        session.close()
    head = migrate.head_revision()
    _check(now == head, f"cơ sở dữ liệu ở lược đồ {now}, cần {head}")
    _check(len(backups) == 1, "không có bản sao trước khi nâng cấp")
    return f"lược đồ {PREVIOUS_SCHEMA} → {head}, đã sao lưu trước"


def step_keys(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from khdesk.core.services import sync

    committee = run.sessions[run.committee_code]
    cell = run.sessions[run.cell_code]
    cards = run.home / "the-khoa"
    cards.mkdir(exist_ok=True)
    for one, other in ((committee, cell), (cell, committee)):
        card = sync.write_card(one, cards / f"{one.org_code}.card")
        sync.enrol_card(other, cards / f"{one.org_code}.card", card["fingerprint"])
    return "đã ghi nhận khóa hai chiều"


def step_template(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from khdesk.core.resources import resource_path
    from khdesk.core.services import exporter
    from khdesk.core.services.importer import import_file

    cell = run.sessions[run.cell_code]
    template = resource_path("template", "khdesk-mau-nhap-lieu.xlsx")
    report = import_file(cell, template)  # the empty template: nothing to add, no problem
    _check(not report.problems, f"mẫu trống báo lỗi: {report.problems[:3]}")
    # The cell's data out to the template and back in (a dry run): openpyxl both ways.
    out = run.home / "xuat-chi-bo.xlsx"
    exporter.export_file(cell, out)
    again = import_file(cell, out, dry_run=True)
    _check(not again.problems, f"nhập lại tệp vừa xuất báo lỗi: {again.problems[:3]}")
    _check(again.changed == 0, f"nhập lại tệp vừa xuất thay đổi {again.changed} dòng")
    return f"mẫu trống và tệp xuất ({again.rows} dòng) nhập lại không lỗi"


def step_check(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from khdesk.core.services.checking import check_profile

    result = check_profile(run.sessions[run.cell_code], run.today)
    return f"{len(result.findings)} việc cần làm"


def step_bundle_export(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from khdesk.core.services import sync

    out = run.home / "usb"
    out.mkdir(exist_ok=True)
    result = sync.export_bundle(run.sessions[run.cell_code], out)
    run.bundle = Path(result.path)
    _check(run.bundle.is_file(), "không thấy tệp đồng bộ vừa ghi")
    return f"{run.bundle.name} ({result.size} byte)"


def step_bundle_import(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from sqlalchemy import func, select

    from khdesk.core.services import sync
    from khdesk.core.store import schema as t

    committee = run.sessions[run.committee_code]
    _check(run.bundle is not None, "chưa có tệp đồng bộ")

    def cell_files() -> int:
        with committee.store.read() as conn:
            return conn.execute(
                select(func.count())
                .select_from(t.candidates)
                .where(t.candidates.c.org_code == run.cell_code)
            ).scalar()

    before = cell_files()
    (report,) = sync.import_bundles(committee, [run.bundle])
    _check(not report.refused, f"đảng ủy từ chối tệp đồng bộ: {report.reason}")
    after = cell_files()
    _check(after > before, "đảng ủy không có thêm hồ sơ nào của chi bộ sau khi nhập")
    return f"đảng ủy nhận {after - before} hồ sơ của {run.cell_code}"


def step_form(run: _Run) -> str:
    # imported in the step: a module missing from the build fails this step by name
    from sqlalchemy import select

    from khdesk.core.services import printing
    from khdesk.core.store import schema as t

    cell = run.sessions[run.cell_code]
    with cell.store.read() as conn:
        file_code = conn.execute(
            select(t.candidates.c.file_code).order_by(t.candidates.c.file_code).limit(1)
        ).scalar()
    data = printing.form_pdf(cell, FORM_CODE, file_code)
    _check(data.startswith(b"%PDF") and len(data) > 1000, "tệp PDF không hợp lệ")
    _check(b"LiberationSerif" in data, "PDF không nhúng phông chữ đi kèm")
    out = run.home / "mau.pdf"
    out.write_bytes(data)
    run.form_pdf = out
    return f"mẫu {FORM_CODE} cho {file_code} ({len(data)} byte)"


def step_preview(run: _Run) -> str:
    """Page 1 of the form step's PDF drawn with the print dialog's own PDFium code (the
    preview and the printed sheets): the pdfium library is a native file the frozen app
    must carry. Called directly, not through `render_pages`, whose fallback to poppler
    would hide a missing PDFium."""
    # imported in the step: a module missing from the build fails this step by name
    import pypdfium2
    from PySide6.QtGui import QImage

    from khdesk.ui import print_dialog

    _check(run.form_pdf is not None and run.form_pdf.is_file(), "chưa có tệp PDF của biểu mẫu")
    pages = print_dialog.render_pdfium(run.form_pdf.read_bytes(), print_dialog.PREVIEW_DPI)
    _check(bool(pages), "PDFium không vẽ được trang nào")
    first = pages[0]
    _check(not first.isNull() and first.width() > 100, "trang 1 vẽ ra ảnh rỗng")
    gray = first.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    pixels = bytes(gray.constBits())
    dark = bytes(1 if v < 128 else 0 for v in range(256))  # grey level -> 1 for ink
    ink = sum(
        pixels[row * stride : row * stride + width].translate(dark).count(1)
        for row in range(height)
    )
    share = ink / (width * height)
    _check(ink > 0, "trang 1 vẽ ra toàn màu trắng (không có chữ)")
    _check(share < 0.5, f"trang 1 vẽ ra gần như toàn màu đen ({share:.0%} điểm tối)")
    return (
        f"trang 1/{len(pages)} {width}×{height} điểm ảnh, {share:.1%} điểm mực "
        f"(PDFium {pypdfium2.PDFIUM_INFO.build})"
    )


def step_postgres(run: _Run) -> str:
    """The province tier's driver (psycopg with its own libpq, psycopg_binary): imported
    only for a postgresql:// profile, so only this step shows a missing one before a
    province office does. No server: the libpq binding loads, answers its version and
    parses a connection URL, and SQLAlchemy's psycopg dialect (the driver name
    khdesk/core/store/postgres.py gives every URL) loads it (an engine connects only
    when used)."""
    # imported in the step: a module missing from the build fails this step by name
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy import create_engine

    impl = psycopg.pq.__impl__
    _check(impl in ("binary", "c"), f"psycopg dùng bản '{impl}', cần 'binary' hoặc 'c'")
    libpq = psycopg.pq.version()
    _check(libpq > 0, "không đọc được phiên bản libpq")
    parsed = conninfo_to_dict("postgresql://khdesk@tinh.example:5433/khdesk")  # libpq parses
    _check(parsed.get("port") == "5433", f"libpq đọc sai địa chỉ kết nối: {parsed}")
    engine = create_engine("postgresql+psycopg://khdesk@localhost/khdesk")
    try:
        dbapi = engine.dialect.dbapi
    finally:
        engine.dispose()
    _check(dbapi is psycopg, f"SQLAlchemy dùng trình điều khiển {dbapi!r}, cần psycopg")
    pretty = psycopg.pq.version_pretty(libpq)
    return f"psycopg {psycopg.__version__} (bản {impl}), libpq {pretty}"


def _choose_qt_platform() -> str:
    """The real screen where there is one (it proves the platform plugin loads), else
    offscreen — for this process only."""
    if "QT_QPA_PLATFORM" not in os.environ and sys.platform.startswith("linux"):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return os.environ.get("QT_QPA_PLATFORM", "mặc định")


def step_window(run: _Run) -> str:
    platform = _choose_qt_platform()
    # imported in the step: a module missing from the build fails this step by name
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    def quiet(_mode, _context, message: str) -> None:
        # The offscreen plugin's harmless notice would read like a failure in the output.
        if "propagateSizeHints" not in message and sys.stderr is not None:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(quiet)

    # imported in the step: a module missing from the build fails this step by name
    from khdesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(run.sessions[run.cell_code], today=run.today)
    try:
        window.show()
        app.processEvents()
        _check(window.isVisible(), "cửa sổ chính không hiện")
        pages = window.menu.count()
        _check(pages > 0, "cửa sổ chính không có trang nào")
        name = app.platformName()
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        qInstallMessageHandler(previous)
    return f"{pages} trang, nền tảng Qt '{name}' ({platform})"


STEPS: tuple[tuple[str, Callable[[_Run], str]], ...] = (
    ("Tài nguyên đi kèm", step_resources),
    ("Tạo hồ sơ đảng ủy và chi bộ (dữ liệu mẫu)", step_profiles),
    ("Nâng cấp cơ sở dữ liệu phiên bản trước", step_upgrade),
    ("Trao đổi khóa hai chiều", step_keys),
    ("Nhập mẫu Excel", step_template),
    ("Kiểm tra hồ sơ", step_check),
    ("Chi bộ xuất tệp đồng bộ", step_bundle_export),
    ("Đảng ủy nhập tệp đồng bộ", step_bundle_import),
    ("In biểu mẫu PDF", step_form),
    ("Xem trước bản in", step_preview),
    ("Trình điều khiển PostgreSQL", step_postgres),
    ("Mở cửa sổ chính", step_window),
)


def run_selftest(parent: Path | None = None, *, out=None, keep: bool = False) -> int:
    """Run every step in order, stopping at the first failure. Returns the exit code.
    The data directory is a new temporary folder (inside `parent` when given)."""

    def say(line: str) -> None:
        if out is not None:
            out(line)
        elif sys.stdout is not None:  # a windowed exe on Windows has no stdout
            print(line, flush=True)

    # Always a new, empty folder (under `parent` when given): never a real data directory.
    if parent is not None:
        Path(parent).mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="khdesk-tu-kiem-tra-", dir=parent))
    saved_home = os.environ.get("KHDESK_HOME")
    os.environ["KHDESK_HOME"] = str(home)  # for anything in this process that reads it
    frozen = " (bản đóng gói)" if getattr(sys, "frozen", False) else ""
    say(f"khdesk {__version__}{frozen} — tự kiểm tra trong {home}")
    run = _Run(home=home, today=date.today())
    failed: str | None = None
    started = time.perf_counter()
    try:
        for number, (label, step) in enumerate(STEPS, 1):
            t0 = time.perf_counter()
            try:
                detail = step(run)
            except Exception as exc:
                failed = label
                message = exc.message if hasattr(exc, "message") else str(exc)
                kind = "" if isinstance(exc, StepFailed) else f"{type(exc).__name__}: "
                say(f"[{number}/{len(STEPS)}] {label}: LỖI — {kind}{message}")
                log = home / "tu-kiem-tra.log"
                log.write_text(traceback.format_exc(), encoding="utf-8")
                say(f"Chi tiết lỗi: {log}")
                break
            say(
                f"[{number}/{len(STEPS)}] {label}: OK — {detail} ({time.perf_counter() - t0:.1f} s)"
            )
    finally:
        run.close()
        if saved_home is None:
            os.environ.pop("KHDESK_HOME", None)
        else:
            os.environ["KHDESK_HOME"] = saved_home
    if failed:
        say(f"TỰ KIỂM TRA THẤT BẠI ở bước: {failed}")
        return 1
    say(f"TỰ KIỂM TRA ĐẠT: {len(STEPS)}/{len(STEPS)} bước ({time.perf_counter() - started:.1f} s)")
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`khdesk --self-test [--home DIR] [--keep]`: DIR holds the temporary folder."""
    argv = list(argv or [])
    home = None
    keep = "--keep" in argv
    if "--home" in argv:
        i = argv.index("--home")
        if i + 1 >= len(argv):
            print("khdesk: lỗi cú pháp lệnh: --home cần một thư mục", file=sys.stderr)
            return 2
        home = Path(argv[i + 1])
    return run_selftest(home, keep=keep)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
