"""Rules travel down: the province issues a signed catalogue (rulebooks, holiday overlay,
form templates, organisation list), its commune committee installs it and passes it on
countersigned, the cell installs it without ever having met the province; from then on
checks judge with it and say so. Real encrypted profiles, real keys and signatures.

Refusals (tampered, wrong signer, rollback, truncated, malformed) leave every station
exactly as it was. The frozen vector (tests/sync/vectors/v1-catalogue.khdc) must still
read in every later version."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from khdesk import __version__
from khdesk.core.domain import rules
from khdesk.core.domain.calendar import default_calendar
from khdesk.core.domain.pipeline import Result, StepEvent
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.services import catalogue, sync
from khdesk.core.services.checking import check_profile, load_facts
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import Session
from khdesk.core.services.steps import record_step
from khdesk.core.store import schema as t
from khdesk.core.sync import canonical, judging, keys
from khdesk.core.sync import catalogue as fmt
from khdesk.core.sync.errors import CatalogueError
from khdesk.core.sync.outbox import select_changes
from tests.stations import (
    PASSWORD,
    TODAY,
    build_commune,
    dump,
    edit_file,
    enrol_both,
    export,
    new_station,
    open_inner,
    station_key,
)

VECTORS = Path(__file__).with_name("vectors")
CATALOGUE_TABLES = (t.catalogues, t.catalogue_files)

# The province's local guidance: a longer warning window and a longer time an introducer
# must have worked with the candidate (both only tighten the 294 book).
OVERLAY = {
    "format": 1,
    "overlay": True,
    "legal_basis": "KH-HD/2026",
    "title": "Hướng dẫn của Ban Thường vụ Tỉnh ủy Khánh Hòa (kiểm thử)",
    "applies_to": ["294-QĐ/TW"],
    "params": {
        "warning_window_days": {"value": 60, "source": "Kiểm thử: báo trước 60 ngày", "grade": "S"},
        "intro_overlap_months": {"value": 24, "source": "Kiểm thử: 24 tháng", "grade": "S"},
    },
}
# A compensatory day off the government announced late (not in the `holidays` package).
HOLIDAYS = {
    "country": "VN",
    "days_off": [{"date": "2027-01-26", "name": "Nghỉ bù (kiểm thử)"}],
    "working_days": [],
}


@dataclass
class Chain:
    home: Path
    province: Session
    committee: Session
    cell: Session

    def close(self) -> None:
        for s in (self.province, self.committee, self.cell):
            s.close()


def province_orgs(province: Session, extra: list[dict] = ()) -> None:
    """The province's own list of its communes (what its office types in)."""
    rows = [
        {"code": "X01", "name": "Đảng ủy xã Cam Hải", "parent_code": "KH", "kind": "Đảng ủy xã"},
        {"code": "X02", "name": "Đảng ủy xã Cam Đức", "parent_code": "KH", "kind": "Đảng ủy xã"},
        {"code": "X02-CB01", "name": "Chi bộ thôn 1", "parent_code": "X02", "kind": "Chi bộ thôn"},
        *extra,
    ]
    report = import_tables(province, RowTables.from_dicts({"orgs": rows}), "test")
    assert report.committed and not report.problems, report.problems


def build_chain(home: Path) -> Chain:
    """Province KH, committee X01 (demo) and its cell X01-CB01: the committee enrolled the
    province (and the province the committee); the cell enrolled only its committee."""
    commune = build_commune(home, cells=("X01-CB01",))
    province = new_station(home, "province", "KH", "Tỉnh ủy Khánh Hòa", None)
    enrol_both(province, commune.committee, home)
    province_orgs(province)
    return Chain(home, province, commune.committee, commune.cells["X01-CB01"])


@pytest.fixture
def chain(tmp_path):
    c = build_chain(tmp_path / "home")
    yield c
    c.close()


def source_folder(folder: Path, overlay=OVERLAY, holidays=HOLIDAYS) -> Path:
    """The province's own files, laid out like resources/ (`catalogue export --from`)."""
    (folder / "rulebooks").mkdir(parents=True, exist_ok=True)
    (folder / "calendar").mkdir(parents=True, exist_ok=True)
    if overlay is not None:
        (folder / "rulebooks" / "kh-2026.json").write_bytes(canonical.dumps(overlay))
    if holidays is not None:
        (folder / "calendar" / "vn-overlay.json").write_bytes(canonical.dumps(holidays))
    return folder


def issue(chain: Chain, tmp: Path, name: str = "cat", **kw) -> Path:
    kw.setdefault("source", source_folder(tmp / f"{name}-src"))
    (tmp / "usb").mkdir(exist_ok=True)
    return Path(catalogue.issue_catalogue(chain.province, tmp / "usb" / f"{name}.khdc", **kw).path)


def pass_down(chain: Chain, issued: Path, tmp: Path) -> Path:
    """The committee installs what the province issued and writes it for its cells."""
    assert catalogue.import_catalogue(chain.committee, issued).status == "installed"
    (tmp / "usb-x01").mkdir(exist_ok=True)
    return Path(catalogue.forward_catalogue(chain.committee, tmp / "usb-x01")["path"])


def finding(found: list[dict], file_code: str, rule: str) -> dict:
    (f,) = [x for x in found if x["file_code"] == file_code and x["rule"] == rule]
    return f


def snapshot(session: Session) -> dict:
    out = dump(session, t.SYNCED_TABLES + CATALOGUE_TABLES)
    with session.store.read() as conn:
        out["audit"] = conn.execute(select(func.count()).select_from(t.audit)).scalar()
    return out


# -- the trip down, and what it changes --


def test_catalogue_reaches_the_cell_through_its_committee_and_judges_there(chain, tmp_path):
    before = check_profile(chain.cell, TODAY)
    assert before.catalogue.builtin and before.catalogue.version == f"builtin/{__version__}"
    ceremony = finding(before.findings, "X01-CB01-0010", "CEREMONY_DUE")
    decision = finding(before.findings, "X01-CB01-0011", "DECISION_DUE")
    assert ceremony["severity"] == "info"  # due in 40 days: outside the 30-day window
    assert decision["due"] == "2027-01-26"

    issued = issue(chain, tmp_path, note="Hướng dẫn mới của Tỉnh ủy")
    # The cell has not met the province: the province's own file is refused there.
    with pytest.raises(CatalogueError) as refused:
        catalogue.import_catalogue(chain.cell, issued)
    assert refused.value.code == "unknown_signer" and "KH" in refused.value.message
    forwarded = pass_down(chain, issued, tmp_path)
    done = catalogue.import_catalogue(chain.cell, forwarded)
    assert done.status == "installed" and done.info.trusted_via == "X01"
    version = done.info.version
    assert version.startswith("KH/1/") and "KH-HD/2026" in done.rulebooks
    assert done.days_off == 1 and done.info.note == "Hướng dẫn mới của Tỉnh ủy"

    after = check_profile(chain.cell, TODAY)
    assert after.catalogue.version == version and not after.catalogue.builtin
    assert {f["catalogue"] for f in after.findings} == {version}
    # The tightened parameter: the province warns 60 days ahead.
    assert finding(after.findings, "X01-CB01-0010", "CEREMONY_DUE")["severity"] == "warning"
    # The added holiday: the 60-working-day deadline moves by one day.
    assert finding(after.findings, "X01-CB01-0011", "DECISION_DUE")["due"] == "2027-01-27"
    # The committee judges with it too, and the same file again is nothing new.
    assert check_profile(chain.committee, TODAY).catalogue.version == version
    assert catalogue.import_catalogue(chain.cell, forwarded).status == "already"
    shown = catalogue.show_catalogue(chain.cell)
    assert shown["catalogue"] == version and shown["trusted_via"] == "X01"
    assert ["KH-HD/2026"] in [b["overlays"] for b in shown["rulebooks"]]


def test_recording_a_step_is_judged_by_the_catalogue(chain, tmp_path):
    cell = chain.cell
    with cell.store.read() as conn:
        officials = (
            conn.execute(
                select(t.members.c.member_code)
                .where(
                    t.members.c.org_code == "X01-CB01",
                    t.members.c.status == "Chính thức",
                    t.members.c.official_on < date(2024, 1, 1),
                )
                .order_by(t.members.c.member_code)
                .limit(2)
            )
            .scalars()
            .all()
        )
    since = date(2025, 6, 1)  # 17 months: enough for 294 (12), not for the province (24)
    edit_file(
        cell,
        "X01-CB01-0004",
        a6_introducer1=officials[0],
        a6_introducer1_since=since,
        a6_introducer2=officials[1],
        a6_introducer2_since=since,
    )
    catalogue.import_catalogue(cell, pass_down(chain, issue(chain, tmp_path), tmp_path))
    step = StepEvent("A6", date(2026, 11, 20), Result.PASSED)
    with pytest.raises(InputError) as refused:
        record_step(cell, "X01-CB01-0004", step, TODAY)
    assert "INTRO_OVERLAP" in refused.value.message
    # The shipped rulebooks would have let it through.
    with cell.store.read() as conn:
        facts = load_facts(conn, "X01-CB01-0004")
    (file,) = facts.files
    org = facts.orgs.get(file.org_code)
    assert rules.blocked(file, "A6", step, org, facts.members, default_calendar(), TODAY) == []


def test_organisation_list_lands_by_code_without_sync_traffic(chain, tmp_path):
    province, committee, cell = chain.province, chain.committee, chain.cell
    # The province learns X01's cells from X01's bundle (same uuids as at X01) ...
    sync.import_bundles(province, [export(committee, tmp_path / "up")])
    # ... marks one of them as a special area, and creates a new cell of X01.
    province_orgs(
        province,
        [
            {
                "code": "X01-CB01",
                "name": "Chi bộ thôn Tân Đức",
                "parent_code": "X01",
                "kind": "Chi bộ thôn",
                "special_area": True,
            },
            {
                "code": "X01-CB09",
                "name": "Chi bộ thôn Mới",
                "parent_code": "X01",
                "kind": "Chi bộ thôn",
            },
        ],
    )
    before_cell = check_profile(cell, TODAY).findings
    assert finding(before_cell, "X01-CB01-0011", "EDU_MIN")["severity"] == "error"
    with committee.store.read() as conn:
        upto = int(
            conn.execute(select(t.meta.c.value).where(t.meta.c.key == "change_seq")).scalar()
        )

    forwarded = pass_down(chain, issue(chain, tmp_path), tmp_path)
    with committee.store.read() as conn:
        orgs = {r.code: r for r in conn.execute(select(t.orgs))}
        changes, _ = select_changes(conn, "X01", upto, upto + 10)
    with province.store.read() as conn:
        there = {r.code: r for r in conn.execute(select(t.orgs))}
    # One record everywhere: X01 takes the province's version of its row whole, and sends
    # it back once, identical (the province's ledger then knows X01 has it).
    mine = orgs["X01-CB01"]
    assert mine.special_area and (mine.uuid, mine.rev) == (
        there["X01-CB01"].uuid,
        there["X01-CB01"].rev,
    )
    assert [r["code"] for r in changes["orgs"]] == ["X01-CB01"]
    assert orgs["X01-CB09"].uuid == there["X01-CB09"].uuid and orgs["X01-CB09"].owner == "KH"
    assert "KH" in orgs and "X02" not in orgs and "X02-CB01" not in orgs  # outside its branch

    done = catalogue.import_catalogue(cell, forwarded)
    assert done.orgs.updated == ["X01-CB01"] and sorted(done.orgs.added) == ["KH", "X01"]
    with cell.store.read() as conn:
        codes = set(conn.execute(select(t.orgs.c.code)).scalars())
    assert codes == {"KH", "X01", "X01-CB01"}  # its branch: ancestors and itself
    # The flag the province set relaxes the education rule at the cell.
    after_cell = check_profile(cell, TODAY).findings
    assert not [f for f in after_cell if f["rule"] == "EDU_MIN"]
    # The next bundle up is merged at the province without a conflict.
    report = sync.import_bundles(province, [export(committee, tmp_path / "up2")])[0]
    assert report.status == "imported" and not report.conflicts, report.conflicts
    assert report.applied["orgs"].updated == 0


def test_a_newer_edit_here_is_not_undone_by_the_catalogue(chain, tmp_path):
    province, committee = chain.province, chain.committee
    sync.import_bundles(province, [export(committee, tmp_path / "up")])
    # X01 renames a cell after its last bundle: the province's list still has the old name.
    report = import_tables(
        committee,
        RowTables.from_dicts(
            {
                "orgs": [
                    {
                        "code": "X01-CB02",
                        "name": "Chi bộ tổ dân phố 2 (mới)",
                        "parent_code": "X01",
                        "kind": "Chi bộ tổ dân phố",
                    }
                ]
            }
        ),
        "test",
    )
    assert report.committed and not report.problems
    done = catalogue.import_catalogue(committee, issue(chain, tmp_path))
    assert "X01-CB02" in done.orgs.kept
    with committee.store.read() as conn:
        name = conn.execute(select(t.orgs.c.name).where(t.orgs.c.code == "X01-CB02")).scalar()
    assert name == "Chi bộ tổ dân phố 2 (mới)"


def test_bundles_name_the_senders_catalogue(chain, tmp_path):
    cell, committee = chain.cell, chain.committee
    first = export(cell, tmp_path / "b1").read_bytes()
    _, entries = open_inner(committee, first)
    builtin = json.loads(entries["manifest.json"])["catalogue"]
    assert builtin == judging.builtin_info().ref()
    catalogue.import_catalogue(cell, pass_down(chain, issue(chain, tmp_path), tmp_path))
    path = export(cell, tmp_path / "b2")
    _, entries = open_inner(committee, path.read_bytes())
    named = json.loads(entries["manifest.json"])["catalogue"]
    shown = catalogue.show_catalogue(cell)
    assert named == {"version": shown["version"], "content_hash": shown["content_hash"]}
    assert named["version"].startswith("KH/1/")
    report = sync.import_bundles(committee, [path])[0]
    assert report.status == "imported", report.reason


# -- refusals: each one names what and where, and changes nothing --


def _zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def _rogue(entries: dict[str, bytes], signer: keys.KeyPair, *, seq=1, org="KH") -> fmt.Opened:
    content = {n: d for n, d in entries.items() if fmt.is_content(n)}
    manifest = fmt.build_manifest(
        signer,
        org_code=org,
        org_name="Tỉnh ủy Khánh Hòa",
        catalogue_id="6c1e7a2b-90d4-4f6e-8a31-2b7c9d0e1f99",
        seq=seq,
        issued_on="2026-11-26",
        created_at="2026-11-26T01:00:00+00:00",
        app_version="0.1.0",
        note=None,
        entries=content,
    )
    return fmt.read(fmt.write(manifest, content, signer))


def _refused(session: Session, path: Path, data: bytes, code: str | None) -> CatalogueError:
    path.write_bytes(data)
    before = snapshot(session)
    with pytest.raises(CatalogueError) as err:
        catalogue.import_catalogue(session, path)
    assert snapshot(session) == before
    assert path.name in err.value.message and "Không thay đổi gì" in err.value.message
    if code is not None:
        assert err.value.code == code, err.value.message
    return err.value


def test_tampered_forged_old_and_broken_catalogues_are_refused(chain, tmp_path):
    cell, committee = chain.cell, chain.committee
    issued = issue(chain, tmp_path)
    forwarded = pass_down(chain, issued, tmp_path)
    good = forwarded.read_bytes()
    entries = _zip_entries(good)
    bad = tmp_path / "bad"
    bad.mkdir()

    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x01
    _refused(cell, bad / "flip.khdc", bytes(flipped), None)
    _refused(cell, bad / "cut.khdc", good[: len(good) // 2], "truncated")
    _refused(cell, bad / "empty.khdc", b"", "empty")
    _refused(cell, bad / "noise.khdc", os.urandom(300), "not_a_catalogue")
    bundle_file = export(cell, tmp_path / "bundle")
    _refused(cell, bad / "bundle.khdc", bundle_file.read_bytes(), "not_a_catalogue")

    # A file swapped for another (a looser overlay), the manifest left as signed.
    loose = {
        **OVERLAY,
        "params": {
            "warning_window_days": {**OVERLAY["params"]["warning_window_days"], "value": 10}
        },
    }
    swapped = {**entries, "rulebooks/kh-2026.json": canonical.dumps(loose)}
    err = _refused(cell, bad / "swap.khdc", _zip(swapped), "entry_hash")
    assert "rulebooks/kh-2026.json" in err.message
    # ... and the manifest re-described to match, without the province's key.
    manifest = json.loads(entries["catalogue.json"])
    manifest["files"]["rulebooks/kh-2026.json"] = {
        "sha256": hashlib.sha256(swapped["rulebooks/kh-2026.json"]).hexdigest(),
        "size": len(swapped["rulebooks/kh-2026.json"]),
    }
    manifest["content_hash"] = fmt.content_hash(manifest["files"])
    resigned = {**swapped, "catalogue.json": canonical.dumps(manifest)}
    _refused(cell, bad / "resigned.khdc", _zip(resigned), "signature")

    # Wrong signers: a key nobody enrolled, even countersigned by another unknown key; the
    # committee's own key posing as the province; an endorsement moved onto a forgery.
    rogue = _rogue(entries, keys.KeyPair.generate())
    stranger = fmt.endorse(
        rogue.catalogue_hash,
        rogue.issuer["key_id"],
        keys.KeyPair.generate(),
        org_code="X01",
        org_name="Đảng ủy xã Cam Hải",
        role="committee",
        at="2026-11-26T00:00:00+00:00",
    )
    forged = fmt.reassemble(rogue.manifest_bytes, rogue.signature, [stranger], rogue.entries)
    _refused(cell, bad / "stranger.khdc", forged, "unknown_signer")
    posing = _rogue(entries, station_key(committee))
    posing_file = fmt.reassemble(posing.manifest_bytes, posing.signature, [], posing.entries)
    _refused(cell, bad / "posing.khdc", posing_file, "signer_mismatch")
    moved = json.loads(entries["endorsements.json"])
    moved_file = fmt.reassemble(rogue.manifest_bytes, rogue.signature, moved, rogue.entries)
    _refused(cell, bad / "moved.khdc", moved_file, "endorsement")
    # A cell may not vouch to its committee for something from above.
    upward = fmt.endorse(
        rogue.catalogue_hash,
        rogue.issuer["key_id"],
        station_key(cell),
        org_code="X01-CB01",
        org_name=cell.info.org_name,  # as enrolled: only its place is wrong
        role="cell",
        at="2026-11-26T00:00:00+00:00",
    )
    upward_file = fmt.reassemble(rogue.manifest_bytes, rogue.signature, [upward], rogue.entries)
    err = _refused(committee, bad / "upward.khdc", upward_file, "unknown_signer")
    assert "không phải đơn vị cấp trên" in err.message

    # The province's real key, but a second content under number 1 (a restored backup).
    with chain.province.store.read() as conn:
        province_key = keys.active_key(conn)
    twin = _rogue({**entries, "forms/khac.txt": b"khac\n"}, province_key)
    twin_file = fmt.reassemble(twin.manifest_bytes, twin.signature, [], twin.entries)
    _refused(committee, bad / "twin.khdc", twin_file, "version_conflict")
    # Signed by the province, but a looser overlay: refused naming the entry.
    looser = _rogue(swapped, province_key, seq=7)
    looser_file = fmt.reassemble(looser.manifest_bytes, looser.signature, [], looser.entries)
    err = _refused(committee, bad / "looser.khdc", looser_file, "content")
    assert "rulebooks/kh-2026.json" in err.message and "chặt hơn" in err.message

    # Rollback: once number 2 is in, number 1 is refused.
    second = issue(chain, tmp_path, "cat2")
    catalogue.import_catalogue(cell, pass_down(chain, second, tmp_path))
    err = _refused(cell, bad / "old.khdc", good, "rollback")
    assert "cũ hơn" in err.message
    _refused(committee, bad / "old-x01.khdc", issued.read_bytes(), "rollback")


def test_a_revoked_province_key_signs_nothing(chain, tmp_path):
    issued = issue(chain, tmp_path)
    with chain.province.store.read() as conn:
        fingerprint = keys.active_key(conn).public.fingerprint
    sync.revoke_key(chain.committee, fingerprint)
    path = tmp_path / "revoked.khdc"
    _refused(chain.committee, path, issued.read_bytes(), "revoked_signer")


def test_an_installed_catalogue_this_version_cannot_read_falls_back_and_says_so(chain, tmp_path):
    catalogue.import_catalogue(chain.committee, issue(chain, tmp_path))
    with chain.committee.store.write("bithu", changes=False) as tx:
        tx.conn.execute(
            t.catalogue_files.update()
            .where(t.catalogue_files.c.name == "rulebooks/kh-2026.json")
            .values(content=b'{"format": 2}')
        )
    judging._PARSED.clear()
    result = check_profile(chain.committee, TODAY)
    assert result.catalogue.builtin and "Không dùng được bộ danh mục KH số 1" in (
        result.catalogue_warning or ""
    )
    assert catalogue.show_catalogue(chain.committee)["version"].startswith("KH/1/")
    judging._PARSED.clear()


def test_only_the_province_issues_and_a_cell_passes_nothing_on(chain, tmp_path):
    with pytest.raises(AccessDenied) as err:
        catalogue.issue_catalogue(chain.committee, tmp_path / "x.khdc")
    assert err.value.exit_code == 3 and "forward" in err.value.message
    with pytest.raises(AccessDenied):
        catalogue.issue_catalogue(chain.cell, tmp_path / "x.khdc")
    with pytest.raises(AccessDenied):
        catalogue.forward_catalogue(chain.cell, tmp_path / "x.khdc")
    with pytest.raises(InputError):  # nothing installed yet
        catalogue.forward_catalogue(chain.committee, tmp_path / "x.khdc")
    # A loosening overlay never leaves the province.
    loose = {**OVERLAY, "params": {"age_min_months": {"value": 200, "source": "x", "grade": "S"}}}
    before = snapshot(chain.province)
    with pytest.raises(CatalogueError) as refused:
        issue(chain, tmp_path, "loose", source=source_folder(tmp_path / "loose", overlay=loose))
    assert refused.value.code == "content" and "age_min_months" in refused.value.message
    assert snapshot(chain.province) == before and not list((tmp_path / "usb").glob("loose*"))


# -- the parser: arbitrary bytes only ever raise the format's own error --

FUZZ = settings(max_examples=int(os.environ.get("KHDESK_FUZZ_EXAMPLES", "40")), deadline=None)
VECTOR = (VECTORS / "v1-catalogue.khdc").read_bytes()


@FUZZ
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_are_refused_with_the_formats_error(data):
    with pytest.raises(CatalogueError):
        fmt.read(data)


@FUZZ
@given(at=st.integers(0, len(VECTOR) - 1), bit=st.integers(0, 7))
def test_a_flipped_bit_is_refused_or_changes_nothing_that_counts(at, bit):
    """A bit flipped in zip bookkeeping that nothing reads may pass; then the manifest,
    the signature and every entry are exactly the vector's."""
    data = bytearray(VECTOR)
    data[at] ^= 1 << bit
    try:
        opened = fmt.read(bytes(data))
    except CatalogueError:
        return
    original = fmt.read(VECTOR)
    assert (opened.manifest_bytes, opened.signature) == (
        original.manifest_bytes,
        original.signature,
    )
    assert opened.entries == original.entries
    assert opened.raw_endorsements == original.raw_endorsements


@pytest.mark.parametrize(
    "name", ["../rulebooks/x.json", "/etc/passwd", "forms/../../x", "forms\\x", "C:/x", "extra"]
)
def test_names_outside_the_format_are_refused(name):
    entries = {**_zip_entries(VECTOR), name: b"x"}
    with pytest.raises(CatalogueError) as err:
        fmt.read(_zip(entries))
    assert err.value.code == "bad_entry_name"


def test_zip_bombs_and_oversized_entries_are_refused():
    with pytest.raises(CatalogueError) as err:
        fmt.read(VECTOR, fmt.Limits(max_entry=1000))
    assert err.value.code == "entry_too_large"
    with pytest.raises(CatalogueError) as err:
        fmt.read(VECTOR, fmt.Limits(max_total=5000))
    assert err.value.code == "too_large_total"
    twice = _zip_entries(VECTOR)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as zf:
        for name, data in twice.items():
            zf.writestr(name, data)
        with pytest.warns(UserWarning):
            zf.writestr("forms/mau/6-KND.txt", b"again")
    with pytest.raises(CatalogueError) as err:
        fmt.read(raw.getvalue())
    assert err.value.code == "duplicate_entry"


# -- the frozen vector --


def _fixed(label: str) -> keys.KeyPair:
    doc = json.loads((VECTORS / "catalogue-keys.json").read_text())[label]
    return keys.KeyPair(bytes.fromhex(doc["sign_private"]), bytes.fromhex(doc["enc_private"]))


def test_vector_opens_to_the_expected_content():
    expected = json.loads((VECTORS / "v1-catalogue.json").read_text(encoding="utf-8"))
    opened = fmt.read((VECTORS / "v1-catalogue.khdc").read_bytes())
    assert opened.manifest == expected["manifest"]
    assert opened.raw_endorsements == expected["endorsements"]
    assert (opened.version, opened.catalogue_hash) == (
        expected["version"],
        expected["catalogue_hash"],
    )
    assert keys.b64(opened.signature) == expected["signature"]
    assert {n: m["sha256"] for n, m in opened.manifest["files"].items()} == expected["entries"]
    (e,) = opened.endorsements
    assert e.org_code == "X01" and e.verified_by(_fixed("committee").public)
    content = fmt.contents(opened)
    assert [r["code"] for r in content.orgs] == ["KH", "X01", "X01-CB01"]
    assert content.overlay_names == ["rulebooks/kh-2027.json"]
    assert content.rulebooks.rulebook_for(date(2027, 3, 1)).value("warning_window_days") == 60
    assert content.rulebooks.rulebook_for(date(2026, 3, 1)).value("warning_window_days") == 30
    assert date(2027, 2, 15) in content.calendar.days_off
    assert content.forms == {"mau/6-KND.txt": "Mẫu 6-KNĐ (ví dụ của véc-tơ kiểm thử)\n".encode()}


def test_writer_still_makes_the_same_signed_manifest_and_endorsement():
    expected = json.loads((VECTORS / "v1-catalogue.json").read_text(encoding="utf-8"))
    opened = fmt.read((VECTORS / "v1-catalogue.khdc").read_bytes())
    province, committee = _fixed("province"), _fixed("committee")
    manifest_bytes = canonical.dumps(expected["manifest"])
    assert manifest_bytes == opened.manifest_bytes
    assert province.sign(fmt.SIGNATURE_CONTEXT, manifest_bytes) == opened.signature
    again = fmt.endorse(
        opened.catalogue_hash,
        province.key_id,
        committee,
        org_code="X01",
        org_name="Đảng ủy xã Cam Hải",
        role="committee",
        at="2027-01-13T03:00:00+00:00",
    )
    assert again == expected["endorsements"][0]


def test_vector_installs_at_a_cell_that_enrolled_the_vector_committee(cell, tmp_path):
    committee = _fixed("committee")
    card = keys.make_card(committee, "X01", "Đảng ủy xã Cam Hải", "committee", "2027-01-01")
    (tmp_path / "x01.card").write_bytes(card)
    sync.enrol_card(cell, tmp_path / "x01.card", committee.public.fingerprint)
    done = catalogue.import_catalogue(cell, VECTORS / "v1-catalogue.khdc")
    assert done.status == "installed" and done.info.version == "KH/1/2027-01-12"
    assert done.info.trusted_via == "X01" and done.orgs.updated == ["X01-CB01"]
    with cell.store.read() as conn:
        special = conn.execute(
            select(t.orgs.c.special_area).where(t.orgs.c.code == "X01-CB01")
        ).scalar()
    assert special is True


# -- the command line, as offices run it --


def _run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env.update(KHDESK_HOME=str(home), KHDESK_PASSWORD=PASSWORD)
    return subprocess.run(
        [sys.executable, "-m", "khdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_cli_end_to_end(tmp_path):
    chain = build_chain(tmp_path / "home")
    chain.close()
    home, usb = chain.home, tmp_path / "usb"
    usb.mkdir()
    src = source_folder(tmp_path / "src")

    refused = _run(home, "--profile", "X01", "catalogue", "export", "--out", str(usb))
    assert refused.returncode == 3 and "Chỉ Tỉnh ủy" in refused.stderr, refused.stderr
    issued = _run(
        home,
        "--profile",
        "KH",
        "catalogue",
        "export",
        "--out",
        str(usb),
        "--from",
        str(src),
        "--json",
    )
    assert issued.returncode == 0, issued.stderr
    result = json.loads(issued.stdout)
    version, path = result["catalogue"], result["path"]
    assert version.startswith("KH/1/") and Path(path).name == "danh-muc-KH-1.khdc"

    at_cell = _run(home, "--profile", "X01-CB01", "catalogue", "import", path)
    assert at_cell.returncode == 1 and "chưa được ghi nhận" in at_cell.stderr
    assert "Traceback" not in at_cell.stderr
    installed = _run(home, "--profile", "X01", "catalogue", "import", path)
    assert installed.returncode == 0 and "Đã cài bộ danh mục KH số 1" in installed.stdout
    down = tmp_path / "down"
    down.mkdir()
    forwarded = _run(home, "--profile", "X01", "catalogue", "forward", "--out", str(down))
    assert forwarded.returncode == 0, forwarded.stderr
    (file,) = down.iterdir()
    assert (
        _run(home, "--profile", "X01-CB01", "catalogue", "export", "--out", str(usb)).returncode
        == 3
    )
    done = _run(home, "--profile", "X01-CB01", "catalogue", "import", str(file))
    assert done.returncode == 0 and "Xác thực qua: chữ ký xác nhận của X01" in done.stdout
    again = _run(home, "--profile", "X01-CB01", "catalogue", "import", str(file))
    assert (
        again.returncode == 0
        and "Bộ danh mục KH số 1" in again.stdout
        and "đã được cài trước đó" in again.stdout
    )

    shown = _run(home, "--profile", "X01-CB01", "catalogue", "show", "--json")
    assert json.loads(shown.stdout)["catalogue"] == version
    checked = _run(home, "--profile", "X01-CB01", "check", "--on", "2026-11-26", "--json")
    assert checked.returncode == 0, checked.stderr
    assert {f["catalogue"] for f in json.loads(checked.stdout)} == {version}
    table = _run(home, "--profile", "X01-CB01", "check", "--on", "2026-11-26")
    assert "Kiểm tra theo bộ danh mục KH số 1" in table.stdout and version in table.stdout

    broken = tmp_path / "broken.khdc"
    broken.write_bytes(file.read_bytes()[:-40])
    cut = _run(home, "--profile", "X01-CB01", "catalogue", "import", str(broken))
    assert cut.returncode == 1 and "broken.khdc" in cut.stderr and "Traceback" not in cut.stderr


# -- §10.3 as written: every endorsement by a key enrolled here is checked (finding 11) --


def _with_endorsements(forwarded: Path, extra_first: list[dict], extra_last: list[dict]) -> bytes:
    opened = fmt.read(forwarded.read_bytes())
    return fmt.reassemble(
        opened.manifest_bytes,
        opened.signature,
        [*extra_first, *opened.raw_endorsements, *extra_last],
        opened.entries,
    )


def test_finding_11_a_revoked_endorser_refuses_the_catalogue(chain, tmp_path):
    """A countersignature by a key this station revoked (a stolen key in play) refuses the
    file, even beside a valid one; the code used to skip it."""
    forwarded = pass_down(chain, issue(chain, tmp_path), tmp_path)
    other = new_station(chain.home, "committee", "X09", "Đảng ủy xã khác", None)
    card = sync.write_card(other, chain.home / "x09.card")
    sync.enrol_card(chain.cell, chain.home / "x09.card", card["fingerprint"])
    opened = fmt.read(forwarded.read_bytes())
    theirs = fmt.endorse(
        opened.catalogue_hash,
        opened.issuer["key_id"],
        station_key(other),
        org_code="X09",
        org_name="Đảng ủy xã khác",
        role="committee",
        at="2027-01-13T03:00:00+00:00",
    )
    sync.revoke_key(chain.cell, station_key(other).public.fingerprint)
    other.close()
    data = _with_endorsements(forwarded, [theirs], [])
    err = _refused(chain.cell, tmp_path / "revoked.khdc", data, "revoked_signer")
    assert "X09" in err.message
    # Without it, the same file installs: the committee's endorsement is good.
    assert catalogue.import_catalogue(chain.cell, forwarded).status == "installed"


def test_finding_11_every_upper_endorsement_is_checked_not_only_the_first(chain, tmp_path):
    forwarded = pass_down(chain, issue(chain, tmp_path), tmp_path)
    good = fmt.read(forwarded.read_bytes()).raw_endorsements[0]
    bad = {
        "endorsement": {**good["endorsement"], "at": "2027-01-14T00:00:00+00:00"},
        "signature": good["signature"],  # no longer over these bytes
    }
    data = _with_endorsements(forwarded, [], [bad])
    _refused(chain.cell, tmp_path / "second.khdc", data, "endorsement_signature")
    # An endorsement claiming another role than its key was enrolled with is a forgery.
    with chain.committee.store.read() as conn:
        committee_key = keys.active_key(conn)
    opened = fmt.read(forwarded.read_bytes())
    posing = fmt.endorse(
        opened.catalogue_hash,
        opened.issuer["key_id"],
        committee_key,
        org_code="X01",
        org_name="Đảng ủy xã Cam Hải",
        role="province",
        at="2027-01-13T03:00:00+00:00",
    )
    data = fmt.reassemble(opened.manifest_bytes, opened.signature, [posing], opened.entries)
    _refused(chain.cell, tmp_path / "role.khdc", data, "signer_mismatch")
