"""The operation helper (ui/operation.py): work on a pool thread, the result and the error
on the UI thread, a cancel that leaves a real encrypted database as it was, typed change
notifications, and no nested event loop (the caller returns before the work ends)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import shiboken6
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton
from sqlalchemy import func, select

from khdesk.core.errors import Cancelled, InputError
from khdesk.core.io.tabular import write_tables
from khdesk.core.progress import Progress
from khdesk.core.services.importer import import_file
from khdesk.core.store import schema as t
from khdesk.ui import operation
from khdesk.ui.context import Changes, Hub
from khdesk.ui.operation import Operation


@pytest.fixture(autouse=True)
def _all_delivered(qtbot):
    yield
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox | QProgressDialog):
            w.close()


def test_the_result_comes_back_on_the_ui_thread(qtbot):
    ui_thread = QThread.currentThread()
    ran_on, got = [], []

    def work(*, progress, cancel):
        ran_on.append(threading.current_thread() is threading.main_thread())
        progress(Progress(1, 2, "nửa chừng"))
        return 2 + 3

    Operation(None, work).success(
        lambda result: got.append((result, QThread.currentThread() is ui_thread))
    ).run_in_background()
    qtbot.waitUntil(lambda: bool(got))
    assert got == [(5, True)] and ran_on == [False]


def test_an_error_is_delivered_to_failure_on_the_ui_thread(qtbot):
    ui_thread = QThread.currentThread()
    failed, succeeded = [], []

    def work(**_):
        raise InputError("Tệp hỏng ở dòng 3.")

    Operation(None, work).success(succeeded.append).failure(
        lambda exc: failed.append((exc, QThread.currentThread() is ui_thread))
    ).run_in_background()
    qtbot.waitUntil(lambda: bool(failed))
    assert isinstance(failed[0][0], InputError) and failed[0][1] and not succeeded


def test_by_default_the_error_is_shown_in_vietnamese_without_waiting(qtbot):
    def work(**_):
        raise InputError("Tệp hỏng ở dòng 3.")

    Operation(None, work).run_in_background()

    def box():
        shown = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible() and "dòng 3" in w.text()
        ]
        return shown[0] if shown else None

    qtbot.waitUntil(lambda: box() is not None)
    assert box().text() == "Tệp hỏng ở dòng 3."


def test_the_caller_returns_before_the_work_ends_no_nested_loop(qtbot):
    release, got = threading.Event(), []

    def work(**_):
        release.wait(30)
        return "xong"

    Operation(None, work).success(got.append).run_in_background()
    # Still running: run_in_background returned without waiting (no nested event loop).
    assert got == [] and operation.running() == 1
    release.set()
    qtbot.waitUntil(lambda: bool(got))
    assert got == ["xong"]


def test_a_success_notifies_what_changed_a_failure_nothing(qtbot):
    hub, typed, plain = Hub(), [], []
    hub.changed.connect(typed.append)
    hub.data_changed.connect(lambda: plain.append(1))
    got = []
    Operation(None, lambda **_: 1).changes(hub, Changes(candidates=True)).success(
        got.append
    ).run_in_background()
    qtbot.waitUntil(lambda: bool(got))
    assert typed == [Changes(candidates=True)] and plain == [1]

    def broken(**_):
        raise InputError("không")

    Operation(None, broken).changes(hub, Changes.everything()).failure(
        got.append
    ).run_in_background()
    qtbot.waitUntil(lambda: len(got) == 2)
    assert typed == [Changes(candidates=True)] and plain == [1]


def _snapshot(session) -> dict:
    with session.store.read() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar()
            for table in (t.members, t.candidates, t.steps)
        }


def test_hủy_in_the_dialog_leaves_the_encrypted_database_unchanged(qtbot, cell, tmp_path):
    members = [
        {"full_name": f"Người {i}", "sex": "Nam", "org_code": "X01-CB01",
         "birth_date": date(1980, 1, 1), "admitted_on": date(2010, 5, 1)}
        for i in range(30)
    ]  # fmt: skip
    candidates = [
        {"full_name": f"Quần chúng {i}", "sex": "Nữ", "birth_date": date(2000, 5, 4),
         "org_code": "X01-CB01", "a1_source_on": date(2025, 1, 10)}
        for i in range(20)
    ]  # fmt: skip
    path = tmp_path / "nhap.xlsx"
    write_tables(path, {"members": members, "candidates": candidates})
    before = _snapshot(cell)
    one_sheet_in, release = threading.Event(), threading.Event()

    def work(*, progress, cancel):
        def watched(p: Progress) -> None:
            progress(p)
            if p.what.startswith("Ghi trang") and p.done > 0:  # the members are written
                one_sheet_in.set()
                release.wait(30)  # until the user has pressed "Hủy"

        return import_file(cell, path, progress=watched, cancel=cancel)

    failed, succeeded = [], []
    Operation(None, work).with_progress("Đang nhập").success(succeeded.append).failure(
        failed.append
    ).run_in_background()
    qtbot.waitUntil(one_sheet_in.is_set)

    def cancel_button():
        for d in QApplication.topLevelWidgets():
            if isinstance(d, QProgressDialog) and d.isVisible():
                return next(b for b in d.findChildren(QPushButton) if b.text() == "Hủy")
        return None

    qtbot.waitUntil(lambda: cancel_button() is not None)  # shown once the work takes a moment
    cancel_button().click()
    release.set()
    qtbot.waitUntil(lambda: bool(failed))
    assert isinstance(failed[0], Cancelled) and not succeeded
    assert _snapshot(cell) == before


def test_a_window_closed_meanwhile_hears_nothing_the_pages_still_do(qtbot):
    from PySide6.QtWidgets import QWidget

    hub, typed, got = Hub(), [], []
    hub.changed.connect(typed.append)
    window = QWidget()
    release = threading.Event()

    def work(**_):
        release.wait(30)
        return 1

    Operation(window, work).with_progress("Đang ghi").changes(hub, Changes(steps=True)).success(
        got.append
    ).run_in_background()
    window.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(window))
    release.set()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert got == [] and typed == [Changes(steps=True)]
