"""Issue 9, "what it must show": a province on PostgreSQL where several staff members
import the communes' bundles at once ends exactly where one person importing them one
by one into a desktop (SQLite) profile ends; a reader never sees half of an import; the
same bundle offered by two staff members at the same instant lands once, and so does a
suspicious one set aside by two at once (found here: it was set aside twice).

The province: the 65 commune committees of a small seeded `province_demo`, each a real
committee profile holding its office-managed cells' files and members, each sending its
consolidated bundle up (tests/sync/province_data.py). Built once for the module.

The server's roles are cluster-wide: this module signs in as roles of its own (`khpc_*`)
so that another test run resetting the password of `bithu` cannot sign it out.
"""

from __future__ import annotations

import logging
import random
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from khdesk.core.services import profiles, sync
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import Session, open_profile
from khdesk.core.store import keyslots
from khdesk.core.store import schema as t
from khdesk.core.store.store import verify_audit
from khdesk.core.sync.inbox import BundleReport
from tests import pg
from tests.conftest import FAST_KDF
from tests.integration.core.sync import province_data as pd
from tests.stations import dump

pytestmark = pytest.mark.postgres
if not pg.ADMIN_URL:
    pg.skipped.append(__name__)
    pytest.skip(pg.SKIP_REASON, allow_module_level=True)

SEED = 9
CELLS = 80  # 65 communes, one or two cells each
PEOPLE = 8 * CELLS
FILES = 2 * CELLS
WORKERS = 4
OWNER = "khpc_chu"  # the province database's owner (a role of this module's own)
STAFF = ("khpc_cb1", "khpc_cb2", "khpc_cb3")  # staff members, each their own role
PG_PASSWORD = "matkhau-khpc-tinh"
RACE_COMMUNES = 3
# Columns only the receiving database gives a row: its id and change counter.
LOCAL = {"id", "change_seq"}
# The province's own rows (its organisation and the commune list it imported) are written
# in each province profile by hand, so their record identity and stamps differ.
PROVINCE_STAMPS = {"uuid", "updated_at", "updated_by"}


@dataclass
class Province:
    tables: dict
    codes: list[str]
    files: dict[str, int]  # candidate files carried per commune
    members: dict[str, int]
    reference: Session  # SQLite, imported serially
    reference_reports: list[BundleReport]
    url: str  # the PostgreSQL province's database
    home: Path
    bundles: dict[str, Path]  # sealed to the PostgreSQL province
    race_home: Path
    race_bundles: dict[str, Path]  # sealed to a second PostgreSQL province


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    base = tmp_path_factory.mktemp("province")
    tables = pd.province_tables(SEED, CELLS, PEOPLE, FILES)
    codes = pd.build_committees(base / "committees", tables)
    assert len(codes) == 65
    rows = pd.commune_rows(tables)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        # (a) the reference: a desktop province importing every bundle, one after another.
        pd.copy_committees(base / "committees", base / "to-sqlite", codes)
        reference, _ = profiles.create_profile(
            base / "sqlite",
            role="province",
            org_code="KH",
            org_name="Tỉnh ủy Khánh Hòa",
            user=pd.USER,
            password=pd.PASSWORD,
        )
    pd.import_org_list(reference, tables)
    ref_bundles = pd.send_to_province(reference, base / "to-sqlite", codes, base / "sqlite-x")
    reference_reports = sync.import_bundles(reference, [ref_bundles[c] for c in codes])

    # (b) the same committees (copies: same data, keys and sequence numbers) sending to a
    # province on the server, which has four staff members.
    pd.copy_committees(base / "committees", base / "to-pg", codes)
    url = pg.new_database(OWNER, PG_PASSWORD)
    owner = pd.province_on_server(base / "pg", url, OWNER, PG_PASSWORD)
    try:
        pd.import_org_list(owner, tables)
        for name in STAFF:
            profiles.add_user(owner, name, PG_PASSWORD, role="deputy")
        bundles = pd.send_to_province(owner, base / "to-pg", codes, base / "pg-x")
    finally:
        owner.close()

    # (d) a second server province receiving a few communes, for the same-instant race.
    race_codes = codes[:RACE_COMMUNES]
    pd.copy_committees(base / "committees", base / "to-race", race_codes)
    race = pd.province_on_server(
        base / "race", pg.new_database(OWNER, PG_PASSWORD), OWNER, PG_PASSWORD
    )
    try:
        pd.import_org_list(race, tables)
        profiles.add_user(race, STAFF[0], PG_PASSWORD, role="deputy")
        race_bundles = pd.send_to_province(race, base / "to-race", race_codes, base / "race-x")
    finally:
        race.close()

    yield Province(
        tables=tables,
        codes=codes,
        files={c: len(rows[c].get("candidates", [])) for c in codes},
        members={c: len(rows[c].get("members", [])) for c in codes},
        reference=reference,
        reference_reports=reference_reports,
        url=url,
        home=base / "pg",
        bundles=bundles,
        race_home=base / "race",
        race_bundles=race_bundles,
    )
    reference.close()


# -- (a) the reference --


def test_serial_import_into_a_desktop_province_is_the_reference(province):
    reports = province.reference_reports
    assert [(r.sender["org_code"], r.status) for r in reports] == [
        (c, "imported") for c in province.codes
    ]
    assert all(not r.conflicts for r in reports)
    with province.reference.store.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.sync_received)).scalar() == 65
        assert _files_by_owner(conn) == {c: n for c, n in province.files.items() if n}
        assert verify_audit(conn) == []
    # 65 communes with a few files and members each (the special zone, at this size, has
    # no cell: its bundle carries its organisation only).
    assert sum(province.files.values()) == FILES
    assert sum(1 for c in province.codes if province.files[c] and province.members[c]) >= 64


# -- (b), (c): four staff members at once, each bundle offered twice, a reader watching --


@dataclass
class Run:
    reports: list[tuple[str, BundleReport, float, float]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)  # sync_received counts the reader saw
    torn: list[str] = field(default_factory=list)  # what the reader saw half of
    retries: int = 0
    seconds: float = 0.0


def _files_by_owner(conn, table=t.candidates) -> dict[str, int]:
    c = table.c
    query = select(c.owner, func.count()).where(c.deleted.is_(False)).group_by(c.owner)
    return {owner: n for owner, n in conn.execute(query) if owner != "KH"}


def _worker_lists(codes: list[str]) -> list[list[str]]:
    """Every bundle twice, in two different workers, near the same place in their lists
    (so that the two are often in flight at once, the second sometimes waiting on the
    first): a seeded shuffle, halved, each half to two workers, the second of them in an
    order shuffled locally (neighbours swapped)."""
    rng = random.Random(SEED)
    order = codes[:]
    rng.shuffle(order)
    halves = (order[: len(order) // 2], order[len(order) // 2 :])
    lists = []
    for half in halves:
        lists.append(half)
        other = half[:]
        for i in range(0, len(other) - 1, 2):
            if rng.random() < 0.5:
                other[i], other[i + 1] = other[i + 1], other[i]
        lists.append(other)
    return lists


class _Retries(logging.Handler):
    def __init__(self, run: Run):
        super().__init__(logging.INFO)
        self.run = run

    def emit(self, record):
        if "again" in record.getMessage():
            self.run.retries += 1


@pytest.fixture(scope="module")
def concurrent(province):
    """The four workers' run on the server province, with a reader alongside."""
    sessions = [open_profile(province.home, "KH", OWNER, PG_PASSWORD)]
    sessions += [open_profile(province.home, "KH", n, PG_PASSWORD) for n in STAFF]
    reader_session = open_profile(province.home, "KH", OWNER, PG_PASSWORD)
    run = Run()
    lock = threading.Lock()
    done = threading.Event()
    start = threading.Barrier(WORKERS + 1)
    handler = _Retries(run)
    inbox_log = logging.getLogger("khdesk.core.sync.inbox")
    inbox_log.addHandler(handler)
    before_level = inbox_log.level
    inbox_log.setLevel(logging.INFO)

    def work(session: Session, codes: list[str]) -> None:
        try:
            start.wait()
            for code in codes:
                began = time.perf_counter()
                (report,) = sync.import_bundles(session, [province.bundles[code]])
                with lock:
                    run.reports.append((code, report, began, time.perf_counter()))
        except BaseException as exc:  # noqa: BLE001 - reported by the tests
            run.errors.append(exc)

    def read() -> None:
        try:
            while not done.is_set():
                _look(reader_session, province, run)
                time.sleep(0.002)
            _look(reader_session, province, run)
        except BaseException as exc:  # noqa: BLE001
            run.errors.append(exc)

    lists = _worker_lists(province.codes)
    threads = [
        threading.Thread(target=work, args=(s, codes), name=f"staff-{i}")
        for i, (s, codes) in enumerate(zip(sessions, lists, strict=True))
    ]
    reader = threading.Thread(target=read, name="reader")
    for th in threads:
        th.start()
    reader.start()
    began = time.perf_counter()
    start.wait()
    try:
        for th in threads:
            th.join(timeout=300)
        run.seconds = time.perf_counter() - began
    finally:
        done.set()
        reader.join(timeout=60)
        inbox_log.removeHandler(handler)
        inbox_log.setLevel(before_level)
    yield run, reader_session
    for s in sessions:
        s.close()
    reader_session.close()


def _look(session: Session, province: Province, run: Run) -> None:
    """One snapshot: which communes are recorded as imported, and whose files and
    members are there, read by separate statements of one read transaction."""
    with session.store.read() as conn:
        count = conn.execute(select(func.count()).select_from(t.sync_received)).scalar()
        senders = set(conn.execute(select(t.sync_received.c.sender_org)).scalars())
        files = _files_by_owner(conn)
        members = _files_by_owner(conn, t.members)
    problems = []
    if count != len(senders):
        problems.append(f"{count} rows for {len(senders)} senders")
    for code in province.codes:
        want_files = province.files[code] if code in senders else 0
        want_members = province.members[code] if code in senders else 0
        if files.get(code, 0) != want_files or members.get(code, 0) != want_members:
            problems.append(
                f"{code} ({'recorded' if code in senders else 'not recorded'}): "
                f"{files.get(code, 0)}/{province.files[code]} files, "
                f"{members.get(code, 0)}/{province.members[code]} members"
            )
    run.seen.append(count)
    if problems:
        run.torn.append(f"at {count} bundles: " + "; ".join(problems[:3]))


def test_four_staff_import_each_bundle_twice_and_each_lands_once(province, concurrent):
    run, session = concurrent
    assert not run.errors, run.errors
    assert len(run.reports) == 2 * 65
    statuses = {r.status for _, r, _, _ in run.reports}
    refused = [(c, r.status, r.reason) for c, r, _, _ in run.reports if r.status != "imported"]
    assert statuses <= {"imported", "duplicate"}, [x for x in refused if x[1] != "duplicate"]
    imported = sorted(c for c, r, _, _ in run.reports if r.status == "imported")
    assert imported == sorted(province.codes)
    assert all(not r.conflicts for _, r, _, _ in run.reports)
    # The same bundle was in flight in two workers at once (the point of the exercise).
    spans: dict[str, list[tuple[float, float]]] = {}
    for code, _, began, ended in run.reports:
        spans.setdefault(code, []).append((began, ended))
    overlapping = [c for c, (a, b) in spans.items() if a[0] < b[1] and b[0] < a[1]]
    assert overlapping, "no bundle was ever imported by two workers at the same time"

    with session.store.read() as conn:
        received = conn.execute(
            select(t.sync_received.c.sender_org, t.sync_received.c.bundle_hash)
        ).all()
        ledger = conn.execute(select(t.sync_received.c.sender_org, t.sync_received.c.seq)).all()
        assert verify_audit(conn) == []
        imports = conn.execute(
            select(func.count()).select_from(t.audit).where(t.audit.c.action == "bundle_import")
        ).scalar()
    with province.reference.store.read() as conn:
        ref_ledger = conn.execute(select(t.sync_received.c.sender_org, t.sync_received.c.seq)).all()
    # One row per bundle (the hashes differ from the reference's: sealed to another key).
    assert len(received) == 65 and len({h for _, h in received}) == 65
    assert sorted(ledger) == sorted(ref_ledger) == [(c, 1) for c in sorted(province.codes)]
    assert imports == 65
    print(
        f"\n{WORKERS} workers, {len(run.reports)} offers: {run.seconds:.1f} s, "
        f"{len(overlapping)} bundles in flight twice at once, {run.retries} retried "
        f"transactions, reader looked {len(run.seen)} times"
    )


def _comparable(session: Session) -> dict:
    out = {}
    for name, rows in dump(session, local=False).items():
        kept = []
        for row in rows:
            values = dict(row)
            skip = PROVINCE_STAMPS if values.get("owner") == "KH" else set()
            kept.append(tuple((k, v) for k, v in row if k not in skip | LOCAL))
        out[name] = sorted(kept)
    return out


def test_the_server_ends_where_the_serial_desktop_import_ends(province, concurrent):
    _, session = concurrent
    ours, reference = _comparable(session), _comparable(province.reference)
    assert {k: len(v) for k, v in ours.items()} == {k: len(v) for k, v in reference.items()}
    for name in reference:
        assert ours[name] == reference[name], name


def test_a_reader_never_sees_half_an_import(province, concurrent):
    run, _ = concurrent
    assert not run.torn, run.torn[:5]
    # It watched the imports happen, not only before or after them.
    assert any(0 < n < 65 for n in run.seen), sorted(set(run.seen))
    assert run.seen[-1] == 65


# -- (d) the same bundle, two staff members, the same instant --


def test_the_same_bundle_at_the_same_instant_lands_once(province):
    sessions = [
        open_profile(province.race_home, "KH", OWNER, PG_PASSWORD),
        open_profile(province.race_home, "KH", STAFF[0], PG_PASSWORD),
    ]
    try:
        for code, path in province.race_bundles.items():
            barrier = threading.Barrier(2)
            results: dict[int, BundleReport | BaseException] = {}

            def work(i: int, path=path, barrier=barrier, results=results) -> None:
                try:
                    barrier.wait()
                    results[i] = sync.import_bundles(sessions[i], [path])[0]
                except BaseException as exc:  # noqa: BLE001
                    results[i] = exc

            threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=120)
            statuses = sorted(getattr(r, "status", repr(r)) for r in results.values())
            assert statuses == ["duplicate", "imported"], (code, results)
        with sessions[0].store.read() as conn:
            received = conn.execute(select(t.sync_received.c.sender_org)).scalars().all()
            files = _files_by_owner(conn)
            assert verify_audit(conn) == []
        assert sorted(received) == sorted(province.race_bundles)
        assert files == {c: province.files[c] for c in province.race_bundles if province.files[c]}
    finally:
        for s in sessions:
            s.close()


# -- (e) found on the way: the same suspicious bundle set aside twice --


def _reused_sequence(base: Path, tables: dict, province: Session) -> Path:
    """A committee's bundle number 2 with other content than the number 2 the province
    already holds (the committee's profile was put back as it was after number 1, as a
    cloned disk would be): the province must set it aside (quarantine)."""
    org = pd.communes(tables)[3]
    code, rows = org["code"], pd.commune_rows(tables)[org["code"]]
    committee = pd.new_committee(base / "c", org)
    assert import_tables(committee, RowTables.from_dicts(rows), "test").committed
    committee.close()
    first = pd.send_to_province(province, base / "c", [code], base / "x1")[code]
    assert sync.import_bundles(province, [first])[0].status == "imported"
    pd.copy_committees(base / "c", base / "snapshot", [code])

    def number_two(tag: str) -> Path:
        session = open_profile(base / "c", code, pd.USER, pd.PASSWORD)
        try:
            changed = {**rows["candidates"][0], "home_town": f"Thôn {tag}"}
            report = import_tables(session, RowTables.from_dicts({"candidates": [changed]}), "t")
            assert report.committed and not report.problems
            (base / tag).mkdir()
            return Path(sync.export_bundle(session, base / tag, to="KH").path)
        finally:
            session.close()

    assert sync.import_bundles(province, [number_two("a")])[0].status == "imported"
    shutil.rmtree(base / "c" / "profiles" / code)
    pd.copy_committees(base / "snapshot", base / "c", [code])
    return number_two("b")


def test_the_same_suspicious_bundle_is_set_aside_once(province, tmp_path):
    url = pg.new_database(OWNER, PG_PASSWORD)
    owner = pd.province_on_server(tmp_path / "pg", url, OWNER, PG_PASSWORD)
    pd.import_org_list(owner, province.tables)
    suspicious = _reused_sequence(tmp_path, province.tables, owner)
    sessions = [owner, open_profile(tmp_path / "pg", "KH", OWNER, PG_PASSWORD)]
    # Both look for the bundle among those set aside before either has written it: the
    # window a lock must close (held until after the look, or for as long as a lock makes
    # the second one wait, then let go).
    looked = threading.Barrier(2)

    def after(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM sync_quarantine" in statement:
            try:
                looked.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass

    for s in sessions:
        event.listen(s.store.engine, "after_cursor_execute", after)
    try:
        start = threading.Barrier(2)
        results: dict[int, BundleReport] = {}

        def work(i: int) -> None:
            start.wait()
            results[i] = sync.import_bundles(sessions[i], [suspicious])[0]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert [r.code for r in results.values()] == ["reused_sequence"] * 2
        with owner.store.read() as conn:
            kept = conn.execute(select(func.count()).select_from(t.sync_quarantine)).scalar()
            noted = conn.execute(
                select(func.count())
                .select_from(t.audit)
                .where(t.audit.c.action == "bundle_quarantine")
            ).scalar()
        assert (kept, noted) == (1, 1)
    finally:
        for s in sessions:
            event.remove(s.store.engine, "after_cursor_execute", after)
            s.close()
