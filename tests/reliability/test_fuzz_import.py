"""Hostile spreadsheets: whatever the bytes or the cell values, the importer answers with
its own errors (InputError, or problems listed by sheet/row/column) and never writes half.

1,000 seeded inputs per kind here (KHDESK_FUZZ_EXAMPLES); `-m slow` runs 10,000.
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from khdesk.core.domain import template as tpl
from khdesk.core.errors import InputError
from khdesk.core.io.tabular import read_tables, write_tables
from khdesk.core.services.importer import import_tables
from khdesk.core.store import schema as t

EXAMPLES = int(os.environ.get("KHDESK_FUZZ_EXAMPLES", "1000"))
CI = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # seeded: the same inputs every run
    suppress_health_check=list(HealthCheck),
)
SLOW = settings(CI, max_examples=10_000)


def _read(path: Path):
    try:
        return read_tables(path)
    except InputError as exc:
        assert exc.message  # a Vietnamese sentence, not an empty refusal
        return None


@pytest.fixture(scope="module")
def sample_workbook(tmp_path_factory) -> bytes:
    """A real filled workbook to mutate: the demo's export."""
    from khdesk.demo.small import small_demo

    tables = small_demo(date(2026, 11, 26))
    path = tmp_path_factory.mktemp("wb") / "mau.xlsx"
    write_tables(path, tables)
    return path.read_bytes()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@CI
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".xlsx", ".csv"]))
def test_arbitrary_bytes_are_refused_or_read(scratch, data, suffix):
    path = scratch / f"tep{suffix}"
    path.write_bytes(data)
    _read(path)


def _mutate(blob: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(blob)
    for where, value in flips:
        out[where % len(out)] = value
    return bytes(out)


@CI
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_damaged_workbooks_are_refused_or_read(scratch, sample_workbook, flips):
    path = scratch / "hong.xlsx"
    path.write_bytes(_mutate(sample_workbook, flips))
    _read(path)


@settings(CI, max_examples=max(EXAMPLES // 5, 20))
@given(
    entry=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"]),
    junk=st.binary(max_size=512) | st.text(max_size=300).map(str.encode),
)
def test_workbooks_with_a_replaced_part_are_refused_or_read(scratch, sample_workbook, entry, junk):
    source = zipfile.ZipFile(io.BytesIO(sample_workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            out.writestr(info, junk if info.filename == entry else source.read(info))
    path = scratch / "thay.xlsx"
    path.write_bytes(buffer.getvalue())
    _read(path)


# Cell values a spreadsheet can hold, including the awkward ones.
cell_values = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["", " ", "01/02/2003", "31/02/2020", "2026-11-26", "Nam", "Nữ", "x", "0"]),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)
SHEETS = [s for s in tpl.SHEETS if s.key in ("orgs", "members", "candidates", "steps")]


@st.composite
def hostile_tables(draw):
    tables = {}
    for sheet in draw(st.lists(st.sampled_from(SHEETS), min_size=1, max_size=3, unique=True)):
        columns = [c.key for c in sheet.columns]
        rows = draw(st.lists(st.fixed_dictionaries({c: cell_values for c in columns}), max_size=4))
        tables[sheet.key] = rows
    return tables


def _counts(session) -> dict:
    with session.store.read() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar()
            for table in (t.orgs, t.members, t.candidates, t.steps, t.audit)
        }


def _values_round(scratch: Path, tables: dict, suffix: str) -> None:
    path = scratch / f"o{suffix}"
    try:
        write_tables(path, tables)
    except (ValueError, TypeError):
        return  # the writer cannot even store such a value (control characters…)
    result = _read(path)
    if result is not None:
        for problem in result.problems:
            assert problem.message


@CI
@given(tables=hostile_tables())
def test_hostile_cell_values_in_csv_are_listed_never_crash(scratch, tables):
    _values_round(scratch, tables, "")  # a folder of CSV files, one per sheet


@settings(CI, max_examples=max(EXAMPLES // 10, 20))
@given(tables=hostile_tables())
def test_hostile_cell_values_in_xlsx_are_listed_never_crash(scratch, tables):
    _values_round(scratch, tables, ".xlsx")


@pytest.fixture(scope="module")
def cell_session(tmp_path_factory):
    from khdesk.core.services import profiles
    from khdesk.core.store import keyslots
    from tests.conftest import FAST_KDF, PASSWORD

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        session, _ = profiles.create_profile(
            tmp_path_factory.mktemp("cell"), role="cell", org_code="X01-CB01",
            org_name="Chi bộ thôn Tân Đức", parent_code="X01", user="bithu", password=PASSWORD,
        )  # fmt: skip
    yield session
    session.close()


@settings(CI, max_examples=max(EXAMPLES // 10, 20))
@given(tables=hostile_tables())
def test_hostile_rows_import_all_or_nothing(cell_session, scratch, tables):
    """Through the database: an all-or-nothing import with any problem changes nothing."""
    path = scratch / "nhap.xlsx"
    try:
        write_tables(path, tables)
    except (ValueError, TypeError):
        return
    result = _read(path)
    if result is None:
        return
    before = _counts(cell_session)
    try:
        report = import_tables(cell_session, result, "nhap.xlsx", all_or_nothing=True)
    except InputError:
        assert _counts(cell_session) == before
        return
    after = _counts(cell_session)
    if report.problems:
        assert not report.committed
        assert {k: v for k, v in after.items() if k != "audit"} == {
            k: v for k, v in before.items() if k != "audit"
        }


@pytest.mark.slow
@SLOW
@given(data=st.binary(max_size=8192), suffix=st.sampled_from([".xlsx", ".csv"]))
def test_fuzz_bytes_longer(scratch, data, suffix):
    path = scratch / f"dai{suffix}"
    path.write_bytes(data)
    _read(path)


@pytest.mark.slow
@SLOW
@given(tables=hostile_tables())
def test_fuzz_cell_values_longer(scratch, tables):
    _values_round(scratch, tables, "")
