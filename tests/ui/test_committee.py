"""Committee mode: one row per cell with the database's counts, a double-click drills
down to a cell's files, another opens a file (hub.open_file); the models pass the Qt
model tester; the committee's menu starts with its cells."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from khdesk.core.reports.stats import Scope
from khdesk.core.services import sync
from khdesk.core.services.session import open_profile
from khdesk.core.services.statistics import profile_stats
from khdesk.core.store import schema as t
from khdesk.demo.stations import DEMO_USER, create_demo
from khdesk.ui import operation
from khdesk.ui.committee import CellTableModel, CommitteePage, reports_mark
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.pages import page_classes
from khdesk.ui.plaintext import plain_tip

TODAY = date(2026, 11, 26)
PASSWORD = "demo-password"
TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def committee_home(request, tmp_path_factory):
    """The demo commune after X01-CB01's first bundle reached the committee: the
    committee in an encrypted file, then on the PostgreSQL server (same screens)."""
    from khdesk.core.store import keyslots
    from tests import pg
    from tests.conftest import FAST_KDF

    with pytest.MonkeyPatch.context() as mp, pg.engine(request.param):
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        home = tmp_path_factory.mktemp("committee")
        server = pg.db_url_for(DEMO_USER, PASSWORD)
        create_demo(home, PASSWORD, today=TODAY, committee_db_url=server)
        cell = open_profile(home, "X01-CB01", DEMO_USER, PASSWORD)
        com = open_profile(home, "X01", DEMO_USER, PASSWORD)
        for one, other in ((cell, com), (com, cell)):
            card = sync.write_card(one, home / f"{one.org_code}.card")
            sync.enrol_card(other, home / f"{one.org_code}.card", card["fingerprint"])
        result = sync.export_bundle(cell, home)
        assert sync.import_bundles(com, [result.path])[0].status == "imported"
        cell.close()
        com.close()
    return home, request.param


@pytest.fixture
def committee(committee_home):
    home, engine = committee_home
    session = open_profile(home, "X01", DEMO_USER, PASSWORD)
    assert session.on_server == (engine == "postgres")
    yield session
    session.close()


def make_page(qtbot, session) -> CommitteePage:
    page = CommitteePage(AppContext(session, TODAY))
    qtbot.addWidget(page)
    page.resize(1040, 650)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)  # the overview is computed
    return page


def column(model, key: str) -> int:
    return model.column_keys().index(key)


def test_the_committee_menu_starts_with_its_cells():
    first = [c.key for c in page_classes() if "committee" in c.roles]
    assert first[0] == "cells"
    assert [c.key for c in page_classes() if "province" in c.roles][0] == "cells"
    assert "cells" not in [c.key for c in page_classes() if "cell" in c.roles]


def test_one_row_per_cell_with_the_right_counts(qtbot, committee):
    page = make_page(qtbot, committee)
    model = page.model
    assert [r.org_code for r in model.rows] == ["X01-CB01", "X01-CB02", "X01-CB03", "X01-CB04"]
    with committee.store.read() as conn:
        counts = Counter(
            conn.execute(
                select(t.candidates.c.org_code, t.candidates.c.state).where(
                    t.candidates.c.deleted.is_(False)
                )
            ).all()
        )
    for row, cell in enumerate(model.rows):
        for state in ("NGUON", "CHI_BO_XET", "DU_BI", "CHINH_THUC"):
            shown = model.data(model.index(row, column(model, state)))
            expected = counts.get((cell.org_code, state), 0)
            assert shown == (str(expected) if expected else ""), (cell.org_code, state)
        closed = counts.get((cell.org_code, "XOA_TEN"), 0) + counts.get((cell.org_code, "DUNG"), 0)
        assert model.data(model.index(row, column(model, "CLOSED"))) == (
            str(closed) if closed else ""
        )
    cb01, cb02 = 0, 1
    # its name, and the decisions it reported in that bundle, waiting here
    pending = model.rows[cb01].reports_pending
    assert pending and model.data(model.index(cb01, 0)) == (
        f"Chi bộ thôn Bãi Giếng Bắc\n{reports_mark(pending)}"
    )
    received = model.data(model.index(cb01, column(model, "received")))
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", received)  # the day it was imported
    assert model.data(model.index(cb02, column(model, "received"))) == "Giữ tại đây"
    assert model.data(model.index(3, column(model, "received"))) == "Chưa nhận"
    # Admitted / target: the statistics' indicators, named and defined (issue 17 item 1).
    figures = profile_stats(committee, Scope.for_year(2026), TODAY).unit("X01-CB02")
    plan = model.data(model.index(cb02, column(model, "plan")))
    assert plan == f"{figures['admitted']} / 7" and figures["target"] == 7
    assert model.headerData(column(model, "plan"), Qt.Orientation.Horizontal) == (
        "Kết nạp /\nchỉ tiêu 2026"
    )
    tip = model.headerData(column(model, "plan"), Qt.Orientation.Horizontal, TOOLTIP)
    assert plain_tip(tip) == model.data(model.index(cb02, column(model, "plan")), TOOLTIP)
    assert "Số đảng viên kết nạp" in tip and "quyết định kết nạp (bước A10) đề ngày" in tip
    assert "Chỉ tiêu kết nạp" in tip
    assert "hồ sơ quá hạn" in page.totals_label.text()
    page.grab().save("/tmp/committee_cells.png")


def test_drill_down_to_a_cell_and_open_a_file(qtbot, committee):
    page = make_page(qtbot, committee)
    # Double-click the CB02 row (the rows may be sorted: find it through the proxy).
    proxy_row = next(
        r
        for r in range(page.proxy.rowCount())
        if page.proxy.data(page.proxy.index(r, 0)) == "Chi bộ tổ dân phố Nghĩa Phú"
    )
    rect = page.table.visualRect(page.proxy.index(proxy_row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.stack.currentIndex() == 1
    assert page.current_cell.org_code == "X01-CB02"
    files = page.files_model
    with committee.store.read() as conn:
        expected = set(
            conn.execute(
                select(t.candidates.c.file_code).where(t.candidates.c.org_code == "X01-CB02")
            ).scalars()
        )
    codes = {files.file_code(r) for r in range(files.rowCount())}
    assert codes == expected and len(codes) == 17
    assert page.files_count.text() == "17 hồ sơ"
    assert "văn phòng đảng ủy giữ" in page.cell_note.text()
    page.grab().save("/tmp/committee_cell_files.png")

    first = files.file_code(0)
    qtbot.waitUntil(lambda: page.files_table.viewport().height() > 100)
    rect = page.files_table.visualRect(files.index(0, 1))
    assert rect.isValid()
    viewport = page.files_table.viewport()
    with qtbot.waitSignal(page.ctx.hub.open_file, timeout=2000) as opened:
        # A double-click is a press, a release, then the double-click on the same row.
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(page.files_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [first, ""]

    page.back_button.click()
    assert page.stack.currentIndex() == 0 and page.current_cell is None
    # A self-managed cell says its files are the cell's (read-only here).
    page.show_cell("X01-CB01")
    assert files.rowCount() == 17
    assert "Chi bộ tự quản lý hồ sơ" in page.cell_note.text()


def test_models_pass_the_model_tester(qtmodeltester, qtbot, committee):
    page = make_page(qtbot, committee)
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.proxy)
    page.show_cell("X01-CB01")
    qtmodeltester.check(page.files_model)
    empty = CellTableModel()
    qtmodeltester.check(empty)


def test_the_overview_is_recomputed_only_after_a_change(qtbot, committee, monkeypatch):
    from khdesk.ui import committee as committee_ui

    calls = []
    real = committee_ui.cell_overview
    monkeypatch.setattr(committee_ui, "cell_overview", lambda *a: calls.append(a) or real(*a))
    page = make_page(qtbot, committee)
    page.refresh()  # shown again, nothing changed: the rows stay
    assert len(calls) == 1
    page.ctx.hub.notify(Changes(keys=True))  # a new key changes no figure
    page.refresh()
    assert len(calls) == 1
    page.ctx.hub.notify(Changes(steps=True))
    page.refresh()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert len(calls) == 2 and len(page.model.rows) == 4


def test_sign_in_and_search_on_either_engine(qtbot, committee_home):
    """The same sign-in dialog and list, whether the committee is a file or on a server."""
    from khdesk.ui.login import LoginDialog
    from khdesk.ui.main_window import MainWindow
    from tests.ui.helpers import type_text

    home, engine = committee_home
    dialog = LoginDialog(home, preselect="X01")
    qtbot.addWidget(dialog)
    assert dialog.user_edit.text() == DEMO_USER
    type_text(qtbot, dialog.password_edit, "sai-mat-khau")
    dialog.try_open()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert dialog.session is None and "khẩu" in dialog.error_label.text()
    dialog.password_edit.clear()
    type_text(qtbot, dialog.password_edit, PASSWORD)
    dialog.try_open()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    session = dialog.session
    assert session is not None and session.on_server == (engine == "postgres")
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    page = window.candidates
    type_text(qtbot, page.search_edit, "dực")  # diacritics fold away: Đức too
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10000)
    names = [page.model.data(page.model.index(r, 1)) for r in range(2)]
    assert names == ["Đỗ Văn Dực", "Trần Minh Đức"]  # by given name, Vietnamese order
    window.close()
    session.close()


def test_a_province_overview_is_computed_in_the_background(qtbot, committee, monkeypatch):
    from khdesk.ui import committee as committee_ui

    monkeypatch.setattr(committee_ui, "BACKGROUND_ROLES", ("committee", "province"))
    page = CommitteePage(AppContext(committee, TODAY))
    qtbot.addWidget(page)
    assert page.model.rows == []  # the page is up before the overview is done
    page.refresh()  # asked again meanwhile: computed once
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert len(page.model.rows) == 4 and "Cộng các chi bộ:" in page.totals_label.text()
