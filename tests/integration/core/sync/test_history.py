"""History reported upward (issue 15 finding 4, FORMAT.md §11): every bundle up carries the
sender's audit entries since the head the recipient acknowledged and the head itself; the
committee keeps each cell's reported chain and sets aside a bundle whose history does not
extend it — even when a holder of the cell's database key rewrote the log so that the
cell's own `audit verify` says intact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from khdesk.core.services import profiles, sync
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from khdesk.core.store import sqlcipher
from khdesk.core.store.keyslots import KeySlots
from khdesk.core.store.store import entry_hash, row_hash, verify_audit
from khdesk.core.sync import bundle, canonical, history
from khdesk.core.sync.errors import BundleError
from khdesk.core.sync.inbox import import_bundle
from tests.integration.core.sync.test_ledger import checkpoint
from tests.stations import (
    dump,
    edit_file,
    export,
    open_inner,
    open_station,
    resign,
    seal_to,
    state,
    station_key,
)

CELL = "X01-CB01"
F1, F2 = "X01-CB01-0001", "X01-CB01-0002"
VIEWER, VIEWER_PASSWORD = "xem1", "mat-khau-nguoi-xem-1"


def audit_count(session) -> int:
    with session.store.read() as conn:
        return conn.execute(select(func.count()).select_from(t.audit)).scalar()


def reported(session, sender: str = CELL) -> history.ReportedCheck:
    with session.store.read() as conn:
        return history.verify_reported(conn, sender)


def full_name(session, code: str) -> str:
    with session.store.read() as conn:
        return conn.execute(
            select(t.candidates.c.full_name).where(t.candidates.c.file_code == code)
        ).scalar_one()


def rewrite_as_attacker(home: Path, drop: int, rename: str | None, append_as: str | None) -> None:
    """What a viewer with tools does, the cell's app closed: unwrap the database key with
    the viewer's own password, open the file with sqlcipher, rename a candidate, delete the
    last `drop` audit entries and append one correctly hashed entry in the owner's name."""
    pdir = home / "profiles" / CELL
    key = KeySlots.load(pdir / "keys.json").unlock(VIEWER, VIEWER_PASSWORD)
    conn = sqlcipher.connect(pdir / "khdesk.db", key)
    try:
        conn.execute("BEGIN")
        if rename:
            seq = int(conn.execute("SELECT value FROM meta WHERE key='change_seq'").fetchone()[0])
            conn.execute("UPDATE meta SET value=? WHERE key='change_seq'", (str(seq + 1),))
            conn.execute(
                "UPDATE candidates SET full_name=?, rev=rev+1, change_seq=? WHERE file_code=?",
                (rename, seq + 1, F1),
            )
        last = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
        conn.execute("DELETE FROM audit WHERE id > ?", (last - drop,))
        if append_as:
            prev = conn.execute("SELECT hash, at FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            detail = json.dumps({"fields": ["full_name"]})
            row = (prev[1], append_as, "change", "candidate", F1, detail)
            digest = entry_hash(prev[0], *row)
            conn.execute(
                "INSERT INTO audit (at, user, action, entity, entity_key, detail, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, prev[0], digest),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_finding_4_rewritten_history_is_reported(commune, tmp_path, quiet_cli, capsys):
    cell, com = commune.cells[CELL], commune.committee
    profiles.add_user(cell, VIEWER, VIEWER_PASSWORD, role="viewer")
    open_profile(commune.home, CELL, VIEWER, VIEWER_PASSWORD).close()  # audited
    first = import_bundle(com, export(cell, tmp_path / "1"))
    assert first.status == "imported", first.reason
    assert first.audit["kind"] == "first" and first.audit["count"] == audit_count(cell) - 1
    assert reported(com).ok and reported(com).count == first.audit["count"]
    owner = cell.user
    cell.close()

    # The viewer hides that they were here: the last entries (already reported) go, one
    # entry in the owner's name takes their place, correctly chained.
    rewrite_as_attacker(commune.home, drop=3, rename="Tên Bị Sửa", append_as=owner)
    cell = commune.cells[CELL] = open_station(commune.home, CELL)
    with cell.store.read() as conn:
        assert verify_audit(conn) == []  # inherent: the key holder can rechain the file
    assert full_name(cell, F1) == "Tên Bị Sửa"

    before = state(com)
    name_before = full_name(com, F1)
    path = export(cell, tmp_path / "2")
    preview = sync.verify_bundle(com, path)  # what the receive screen shows first
    assert (preview.status, preview.code) == ("quarantine", "audit_rewritten")
    report = import_bundle(com, path)
    assert (report.status, report.code) == ("quarantined", "audit_rewritten")
    assert report.reason.startswith("CẢNH BÁO: nhật ký thao tác X01-CB01")
    assert "đã bị sửa hoặc xóa" in report.reason and "--reported X01-CB01" in report.reason
    # Entries n-1 and n were reported (n+1 is the export's own): the first dropped one.
    assert report.audit["position"] == first.audit["count"] - 1
    # Nothing of the bundle applied; the bundle itself is kept, the alert listed.
    assert full_name(com, F1) == name_before
    assert dump(com) == {k: v for k, v in before.items() if k in dump(com)}
    ledger = sync.bundle_ledger(com)
    assert ledger["quarantined"][0]["reason"] == report.reason
    assert [a["kind"] for a in ledger["history_alerts"]] == ["rewritten"]
    with com.store.read() as conn:
        alerts = history.alerts(conn)
    assert [(a["sender_org"], a["kind"]) for a in alerts] == [(CELL, "rewritten")]

    # The committee's check of what the cell reported shows the break.
    capsys.readouterr()
    assert quiet_cli(commune.home, "--profile", "X01", "audit", "verify", "--reported", CELL) == 1
    err = capsys.readouterr().err
    assert "KHÔNG nguyên vẹn" in err and f"mục số {report.audit['position']}" in err
    # The committee's own log is intact: the problem is the cell's.
    assert quiet_cli(commune.home, "--profile", "X01", "audit", "verify") == 0
    # `db check` at the committee lists it too, naming the cell.
    capsys.readouterr()
    assert quiet_cli(commune.home, "--profile", "X01", "db", "check") == 1
    assert f"Nhật ký {CELL} đã báo cáo lên" in capsys.readouterr().err
    # Sending again does not wash it: the cell's chain can no longer extend the report.
    again = import_bundle(com, export(cell, tmp_path / "3"))
    assert (again.status, again.code) == ("quarantined", "audit_rewritten")


def test_reported_history_extends_cleanly_over_many_bundles(commune, tmp_path):
    cell, com = commune.cells[CELL], commune.committee
    starts = []
    for i in range(6):
        edit_file(cell, F1, home_town=f"thôn {i}")
        count = audit_count(cell)
        report = import_bundle(com, export(cell, tmp_path / f"up{i}"))
        assert report.status == "imported", report.reason
        assert report.audit["kind"] == ("first" if i == 0 else "extends")
        assert report.audit["count"] == count and not report.notes
        starts.append(report.audit["from"])
        if i % 2 == 1:  # a return bundle acknowledges what the committee holds
            down = export(com, tmp_path / f"down{i}", to=CELL)
            assert import_bundle(cell, down).status == "imported"
    # Until a receipt, everything since the start; after one, only what is new.
    assert starts[:2] == [0, 0] and 0 < starts[2] < starts[4]
    check = reported(com)
    assert check.ok and not check.notes and check.count == report.audit["count"]
    with com.store.read() as conn:
        stored = conn.execute(select(func.count()).select_from(t.sync_audit_reported)).scalar()
        assert stored == check.count  # each entry kept once
    with cell.store.read() as conn:
        ours = [r.hash for r in conn.execute(select(t.audit.c.hash).order_by(t.audit.c.id))]
    with com.store.read() as conn:
        theirs = [
            r.hash
            for r in conn.execute(
                select(t.sync_audit_reported.c.hash).order_by(t.sync_audit_reported.c.position)
            )
        ]
    assert theirs == ours[: len(theirs)]


def test_replayed_and_late_bundles_change_no_head(commune, tmp_path):
    cell, com = commune.cells[CELL], commune.committee
    one = export(cell, tmp_path / "1")
    edit_file(cell, F1, home_town="thôn mới")
    two = export(cell, tmp_path / "2")
    # The later bundle first, then the earlier one (a stick found in a drawer): it reports
    # a shorter chain that agrees with what came, so it is imported and changes no head.
    assert import_bundle(com, two).audit["kind"] == "first"
    late = import_bundle(com, one)
    assert late.status == "imported" and late.audit["kind"] == "behind"
    before = state(com), dump(com, (t.sync_audit_reported, t.sync_audit_heads))
    assert import_bundle(com, one).status == "duplicate"  # replayed: nothing to do
    assert (state(com), dump(com, (t.sync_audit_reported, t.sync_audit_heads))) == before
    assert reported(com).ok


def _tampered_up(cell, com, folder: Path, change) -> Path:
    """The cell's next bundle with its manifest (and entries) changed by `change`, then
    signed again with the cell's real key: what a holder of that key can send."""
    data = export(cell, folder).read_bytes()
    _, entries = open_inner(com, data)
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    manifest.pop("files")
    lines = entries.pop(bundle.AUDIT_ENTRIES, b"").splitlines(keepends=True)
    manifest, lines = change(manifest, lines)
    rest = [(n, d) for n, d in entries.items()]
    if lines:
        rest.append((bundle.AUDIT_ENTRIES, b"".join(lines)))
    inner = resign(manifest, rest, station_key(cell))
    path = folder / "tampered.khdb"
    path.write_bytes(seal_to(com, inner))
    return path


def test_entries_truncated_after_reporting_are_reported(commune, tmp_path):
    cell, com = commune.cells[CELL], commune.committee
    first = import_bundle(com, export(cell, tmp_path / "1"))
    n = first.audit["count"]

    def cut(manifest, lines):
        kept = lines[: n - 2]
        last = canonical.loads(kept[-1].rstrip(b"\n"), nfc=False)["hash"]
        manifest["audit"] = {"from": 0, "count": n - 2, "hash": last}
        return manifest, kept

    before = state(com)
    report = import_bundle(com, _tampered_up(cell, com, tmp_path / "2", cut))
    assert (report.status, report.code) == ("quarantined", "audit_truncated")
    assert f"các mục {n - 1}–{n} đã bị xóa" in report.reason
    assert state(com) == before
    assert not reported(com).ok


def test_bundle_without_history_after_reports_is_set_aside(commune, tmp_path):
    cell, com = commune.cells[CELL], commune.committee
    import_bundle(com, export(cell, tmp_path / "1"))

    def strip(manifest, lines):
        manifest.pop("audit")
        return manifest, []

    report = import_bundle(com, _tampered_up(cell, com, tmp_path / "2", strip))
    assert (report.status, report.code) == ("quarantined", "audit_missing")
    assert "không mang nhật ký" in report.reason


def test_inconsistent_reports_are_refused_as_malformed(commune, tmp_path):
    """A report whose own entries do not chain, or disagree with the head, is not a
    history at all: refused like any malformed bundle, nothing changed."""
    cell, com = commune.cells[CELL], commune.committee

    def edited(manifest, lines):
        entry = canonical.loads(lines[1].rstrip(b"\n"), nfc=False)
        entry["user"] = "ai-do"  # content changed, hash left
        lines[1] = history.encode([entry])
        return manifest, lines

    def wrong_head(manifest, lines):
        manifest["audit"]["hash"] = "0" * 64
        return manifest, lines

    def down_with_history(manifest, lines):
        manifest["kind"] = "down"
        return manifest, lines

    before = state(com)
    for i, change in enumerate((edited, wrong_head)):
        report = import_bundle(com, _tampered_up(cell, com, tmp_path / str(i), change))
        assert (report.status, report.code) == ("refused", "audit_entries"), report.reason
    report = import_bundle(com, _tampered_up(cell, com, tmp_path / "d", down_with_history))
    assert report.status == "refused"
    assert state(com) == before


def test_restore_rewinds_history_in_a_confirmed_epoch(commune, tmp_path, quiet_cli, capsys):
    """A backup restored at the cell rewinds its log: the new epoch announces it, the
    committee is told before it confirms, and after confirming keeps both versions."""
    cell, com = commune.cells[CELL], commune.committee
    assert import_bundle(com, export(cell, tmp_path / "1")).status == "imported"
    checkpoint(cell)
    db = cell.dir.db_file
    shutil.copy2(db, tmp_path / "backup.db")
    edit_file(cell, F1, home_town="đổi sau bản sao lưu")
    second = import_bundle(com, export(cell, tmp_path / "2"))
    reported_before = second.audit["count"]
    cell.close()
    for extra in db.parent.glob("khdesk.db-*"):
        extra.unlink()
    shutil.copy2(tmp_path / "backup.db", db)
    cell = commune.cells[CELL] = open_station(commune.home, CELL)
    edit_file(cell, F2, home_town="sửa sau khi khôi phục")
    path = export(cell, tmp_path / "3")

    pending = import_bundle(com, path)
    assert pending.status == "new_epoch"
    assert any("lùi lại từ mục số" in n for n in pending.notes), pending.notes
    accepted = import_bundle(com, path, accept_epoch=True)
    assert accepted.status == "imported", accepted.reason
    assert accepted.audit["kind"] == "rewound"
    check = reported(com)
    assert check.ok and check.count == accepted.audit["count"]
    assert len(check.notes) == 1 and "lùi lại" in check.notes[0]
    with com.store.read() as conn:
        kept = conn.execute(select(func.count()).select_from(t.sync_audit_reported)).scalar()
    assert kept > check.count  # the rewound entries stay
    assert reported_before >= accepted.audit["position"]
    capsys.readouterr()
    assert quiet_cli(commune.home, "--profile", "X01", "audit", "verify", "--reported", CELL) == 0
    assert "lùi lại" in capsys.readouterr().out
    # And the next bundle of the new epoch extends the new chain.
    edit_file(cell, F2, home_town="lần nữa")
    assert import_bundle(com, export(cell, tmp_path / "4")).audit["kind"] == "extends"


def test_down_bundles_carry_no_history(commune, tmp_path):
    cell, com = commune.cells[CELL], commune.committee
    import_bundle(com, export(cell, tmp_path / "1"))
    down = export(com, tmp_path / "down", to=CELL)
    _, entries = open_inner(cell, down.read_bytes())
    assert "audit" not in json.loads(entries["manifest.json"])
    assert bundle.AUDIT_ENTRIES not in entries
    assert import_bundle(cell, down).audit is None


def test_a_report_that_skips_entries_waits_for_a_full_bundle(commune, tmp_path):
    """A report starting after what the committee holds cannot be compared — the committee
    was restored from a backup, or the cell's 'acknowledged' count was forged to hide a
    rewrite behind the gap. Set aside; a full bundle is compared from the start."""
    cell, com = commune.cells[CELL], commune.committee
    import_bundle(com, export(cell, tmp_path / "1"))
    edit_file(cell, F1, home_town="thôn sau")

    def skip(manifest, lines):
        last = canonical.loads(lines[-1].rstrip(b"\n"), nfc=False)["hash"]
        count = manifest["audit"]["count"]
        manifest["audit"] = {"from": count, "count": count, "hash": last}
        return manifest, []

    before = state(com)
    report = import_bundle(com, _tampered_up(cell, com, tmp_path / "2", skip))
    assert (report.status, report.code) == ("quarantined", "audit_gap")
    assert "--full" in report.reason and "Không kiểm được" in report.reason
    assert state(com) == before
    full = import_bundle(com, export(cell, tmp_path / "3", full=True))
    assert full.status == "imported" and full.audit["kind"] == "extends"
    assert reported(com).ok  # a gap is no evidence of tampering: no alert kept


def test_a_new_epoch_does_not_launder_a_rewrite_of_acknowledged_history(commune, tmp_path):
    """The viewer rewrites entries the committee acknowledged and deletes the state file so
    that the next bundle announces a new epoch ('moved'): a restore never rewinds below
    what was acknowledged, so this is a rewrite, even once the epoch is confirmed."""
    cell, com = commune.cells[CELL], commune.committee
    profiles.add_user(cell, VIEWER, VIEWER_PASSWORD, role="viewer")
    n = import_bundle(com, export(cell, tmp_path / "1")).audit["count"]
    assert import_bundle(cell, export(com, tmp_path / "down", to=CELL)).status == "imported"
    owner, total = cell.user, audit_count(cell)
    cell.close()
    rewrite_as_attacker(commune.home, drop=total - (n - 2), rename=None, append_as=owner)
    (commune.home / "profiles" / CELL / "sync-state.json").unlink()
    cell = commune.cells[CELL] = open_station(commune.home, CELL)
    path = export(cell, tmp_path / "2")
    pending = import_bundle(com, path)
    assert pending.status == "new_epoch"
    assert any(n.startswith("CẢNH BÁO: nhật ký thao tác") for n in pending.notes)
    confirmed = import_bundle(com, path, accept_epoch=True)
    assert (confirmed.status, confirmed.code) == ("quarantined", "audit_rewritten")
    assert not reported(com).ok


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=400)
    | st.lists(
        st.dictionaries(
            st.sampled_from(history.FIELDS + ("x",)),
            st.none()
            | st.integers()
            | st.text(max_size=70)
            | st.booleans()
            | st.sampled_from(["\ud800", "a\udfff", "e\u0301", "0" * 64]),
        ),
        max_size=3,
    ).map(lambda rows: b"".join(json.dumps(r).encode() + b"\n" for r in rows)),
    start=st.integers(0, 3),
    count=st.integers(0, 6),
)
def test_any_reported_entries_only_ever_raise_the_formats_error(data, start, count):
    """Whatever a signed bundle puts in audit/entries.jsonl — a lone surrogate written as
    \\ud800 included — reading it is a BundleError or a chain that holds together, never
    another exception."""
    manifest = {"audit": {"from": start, "count": max(start, count), "hash": "0" * 64}}
    try:
        rep = history.read_reported(manifest, {bundle.AUDIT_ENTRIES: data}, 1000)
    except BundleError:
        return
    for e in rep.entries:
        assert row_hash(e) == e["hash"]


@pytest.mark.parametrize("field", ["at", "user", "action", "entity", "entity_key", "detail"])
def test_a_lone_surrogate_in_a_reported_entry_is_refused_not_a_crash(field):
    entry = {**dict.fromkeys(history.FIELDS, "x"), "prev_hash": "0" * 64, "hash": "0" * 64}
    line = json.dumps({**entry, field: "\ud800"}).encode() + b"\n"  # written as \ud800
    manifest = {"audit": {"from": 0, "count": 1, "hash": "0" * 64}}
    with pytest.raises(BundleError) as err:
        history.read_reported(manifest, {bundle.AUDIT_ENTRIES: line}, 1000)
    # Refused where the line is parsed (canonical JSON refuses a lone surrogate), naming it.
    assert err.value.code == "audit_entries"
    assert "mục số 1" in err.value.message and "surrogate" in err.value.message
