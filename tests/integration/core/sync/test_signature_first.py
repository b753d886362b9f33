"""Signature first, keys strict (issue 15, findings 6, 8, 9, 10): nothing of a bundle or a
catalogue beyond its manifest is read before the signature verifies with a key enrolled
here; a retired key never announces a rotation and ages out; every signed identity field
is compared with what was enrolled. Real profiles, real keys, real CLI."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khdesk.core.services import sync
from khdesk.core.sync import bundle, canonical, keys
from khdesk.core.sync import catalogue as fmt
from khdesk.core.sync.inbox import RETIRED_GRACE, STATUS_LABELS, import_bundle, verify_bundle
from tests.integration.core.sync.test_properties import _dump_any, _replace_at, hostile

# The tamper matrix's world (a commune with a good bundle) and its refusal check.
from tests.integration.core.sync.test_tamper import VIETNAMESE, cell_key, parts, refuse
from tests.stations import (
    build_commune,
    described,
    export,
    resign,
    seal_to,
    state,
    station_key,
)

CRASH = "lỗi không mong đợi"
ROOT = Path(__file__).resolve().parents[4]


def _with_lone_surrogate(manifest: dict, where=("sender", "org_name")) -> bytes:
    """The manifest's bytes with a lone surrogate (an escaped \\ud800) in one string."""
    marked = json.loads(json.dumps(manifest))
    marked[where[0]][where[1]] = "DAU-THAY-THE"
    return canonical.dumps(marked).replace(b"DAU-THAY-THE", b"\\ud800")


def _cli_says(quiet_cli, capsys, home: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = quiet_cli(home, *args)
    out = capsys.readouterr()
    return code, out.out + out.err


# -- finding 9: anyone holding the public card could crash the import --


def test_finding_9_lone_surrogate_manifest_refused_cleanly(world, tmp_path, quiet_cli, capsys):
    c = world["c"]
    manifest, entries = parts(world)
    described = json.loads(json.dumps(manifest))
    for signer, code in (
        (keys.KeyPair.generate(), "signature"),
        (cell_key(world), "manifest_json"),
    ):
        body = _with_lone_surrogate({**described, "files": {}})
        inner = resign(described, [], signer, describe=False, manifest_bytes=body)
        path = tmp_path / f"{code}.khdb"
        path.write_bytes(seal_to(c.committee, inner))
        before = state(c.committee)
        for report in (import_bundle(c.committee, path), verify_bundle(c.committee, path)):
            assert (report.status, report.code) == ("refused", code), report.reason
            assert VIETNAMESE & set(report.reason.lower())
        for verb in ("import", "verify"):
            status, said = _cli_says(
                quiet_cli, capsys, c.home, "--profile", "X01", "bundle", verb, str(path)
            )
            assert status == 1 and CRASH not in said, said
        assert state(c.committee) == before
    # The same class in the strict parser itself, whoever calls it.
    with pytest.raises(canonical.JSONRefused):
        canonical.loads(b'{"a":"\\ud800"}')
    with pytest.raises(canonical.JSONRefused):
        canonical.dumps({"a": "\ud800"})


def test_finding_9_cousins_records_and_cards_with_lone_surrogates(world, tmp_path, quiet_cli):
    """The same class wherever JSON comes in: a record line of a genuinely signed bundle,
    a key card."""
    manifest, entries = parts(world)
    entries = dict(entries)
    name = "records/candidates.jsonl"
    first, rest = entries[name].split(b"\n", 1)
    row = json.loads(first)
    row["full_name"] = "DAU-THAY-THE"
    entries[name] = canonical.dumps(row).replace(b"DAU-THAY-THE", b"\\ud800") + b"\n" + rest
    inner = resign(manifest, list(entries.items()), cell_key(world))
    reason = refuse(world, seal_to(world["c"].committee, inner), "record_json", tmp_path, quiet_cli)
    assert "dòng 1" in reason
    card = keys.make_card(cell_key(world), "X01-CB09", "DAU-THAY-THE", "cell", "2026-11-26")
    with pytest.raises(keys.KeyCardError) as err:
        keys.read_card(card.replace(b"DAU-THAY-THE", b"\\ud800"))
    assert err.value.code == "card_json"


def _issued_by(signer: keys.KeyPair, issuer_name: bytes = b"\\ud800") -> bytes:
    """A catalogue signed by `signer` as its issuer, whose issuer name is `issuer_name`
    (raw JSON text: by default a lone surrogate)."""
    vector = Path(__file__).with_name("vectors") / "v1-catalogue.khdc"
    with zipfile.ZipFile(vector) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    content = {n: d for n, d in entries.items() if fmt.is_content(n)}
    manifest = fmt.build_manifest(
        signer,
        org_code="KH",
        org_name="DAU-THAY-THE",
        catalogue_id="6c1e7a2b-90d4-4f6e-8a31-2b7c9d0e1f99",
        seq=1,
        issued_on="2026-11-26",
        created_at="2026-11-26T01:00:00+00:00",
        app_version="0.1.0",
        note=None,
        entries=content,
    )
    body = canonical.dumps(manifest).replace(b"DAU-THAY-THE", issuer_name)
    return fmt.reassemble(body, signer.sign(fmt.SIGNATURE_CONTEXT, body), [], content)


def test_finding_9_lone_surrogate_catalogue_refused_cleanly(world, tmp_path, quiet_cli, capsys):
    c = world["c"]
    path = tmp_path / "danh-muc.khdc"
    path.write_bytes(_issued_by(keys.KeyPair.generate()))
    with pytest.raises(fmt.CatalogueError) as err:
        fmt.read(path.read_bytes())
    assert err.value.code == "manifest_json"
    before = state(c.committee)
    status, said = _cli_says(
        quiet_cli, capsys, c.home, "--profile", "X01", "catalogue", "import", str(path)
    )
    assert status == 1 and CRASH not in said and "catalogue.json" in said, said
    assert state(c.committee) == before


# -- signature first --


def _garbage_entry(inner: bytes, name: str) -> bytes:
    """The archive with `name`'s stored content damaged: reading it fails its CRC."""
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        info = zf.getinfo(name)
    data = bytearray(inner)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + min(info.compress_size, 64)):
        data[i] ^= 0x5A
    return bytes(data)


def _stored(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def test_unsigned_bundle_is_refused_before_any_other_entry_is_read(world, tmp_path, quiet_cli):
    """Sealed with only the committee's public card: the records and the file in it are
    undecompressable garbage, yet the refusal is the signature's — they were never read."""
    manifest, entries = parts(world)
    forger = keys.KeyPair.generate()
    for claimed, code in ((cell_key(world).key_id, "signature"), (forger.key_id, "unknown_sender")):
        signed = {**manifest, "sender": {**manifest["sender"], "key_id": claimed}}
        body_inner = resign(signed, entries, forger)
        with zipfile.ZipFile(io.BytesIO(body_inner)) as zf:
            all_entries = [(i.filename, zf.read(i)) for i in zf.infolist()]
        inner = _stored(all_entries)
        for name, _ in all_entries:
            if name.startswith(("records/", "files/")):
                inner = _garbage_entry(inner, name)
        refuse(world, seal_to(world["c"].committee, inner), code, tmp_path, quiet_cli)
    # The same garbage under the cell's genuine signature is found once it is read.
    inner = _stored(
        [(n, d) for n, d in zipfile_entries(resign(manifest, entries, cell_key(world)))]
    )
    inner = _garbage_entry(inner, "records/candidates.jsonl")
    refuse(world, seal_to(world["c"].committee, inner), "inner_zip", tmp_path, quiet_cli)


def zipfile_entries(inner: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def test_a_huge_central_directory_is_refused_before_it_is_read(world, tmp_path, quiet_cli):
    """The end record claims more entries than allowed: refused from its 22 bytes."""
    manifest, entries = parts(world)
    inner = bytearray(resign(manifest, entries, keys.KeyPair.generate()))
    end = inner.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", inner, end + 8, 60_000, 60_000)
    refuse(
        world, seal_to(world["c"].committee, bytes(inner)), "too_many_entries", tmp_path, quiet_cli
    )
    # Fewer entries claimed than the directory holds (or a directory too big for them),
    # and a zip64 locator: refused as a broken archive, the directory never parsed.
    for count in (1, 2):
        struct.pack_into("<HH", inner, end + 8, count, count)
        refuse(world, seal_to(world["c"].committee, bytes(inner)), "inner_zip", tmp_path, quiet_cli)
    inner = resign(manifest, entries, keys.KeyPair.generate())
    end = inner.rindex(b"PK\x05\x06")
    zip64 = inner[:end] + b"PK\x06\x07" + bytes(16) + inner[end:]
    refuse(world, seal_to(world["c"].committee, zip64), "inner_zip", tmp_path, quiet_cli)


_BOMB_PROBE = """
import resource, sys
from pathlib import Path
from khdesk.core.sync import bundle
from khdesk.core.sync.errors import BundleError
from tests.integration.core.sync.test_vectors import fixed
recipient, sender = fixed("recipient"), fixed("sender")
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    bundle.open_bundle(data, {recipient.key_id: recipient}, lambda signed: sender.public)
    code = "opened"
except BundleError as exc:
    code = exc.code
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(code, (after - before) // 1024)
"""


def _bomb(path: Path, signer: keys.KeyPair, sizes_in_manifest: int | None) -> Path:
    """An inner archive: a manifest claiming the vector sender's key, and four entries of
    255 MiB of zeros each (about 1 MB deflated), sealed to the vector recipient."""
    from tests.integration.core.sync.test_vectors import VECTORS, fixed

    manifest = json.loads((VECTORS / "v1-up.json").read_text(encoding="utf-8"))["manifest"]
    names = [f"files/{i:064x}" for i in range(4)]
    manifest["files"] = {
        n: {"sha256": n[6:], "size": sizes_in_manifest or 255 << 20} for n in names
    }
    body = canonical.dumps(manifest)
    raw = io.BytesIO()
    zero = bytes(1 << 20)
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("manifest.json", body)
        zf.writestr("manifest.sig", signer.sign(bundle.SIGNATURE_CONTEXT, body))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as w:
                for _ in range(255):
                    w.write(zero)
    path.write_bytes(bundle.seal(raw.getvalue(), fixed("recipient").public))
    return path


def _probe(path: Path) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _BOMB_PROBE, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    code, grown = done.stdout.split()
    return code, int(grown)


def test_finding_6_bundle_bomb_refused_before_inflation(tmp_path):
    """An unsigned 1 MB bundle inflating to 4 × 255 MiB is refused with < 100 MB of
    memory: the entries are never inflated, the signature fails first. A genuine signer
    whose manifest understates the sizes is refused before inflation too."""
    from tests.integration.core.sync.test_vectors import fixed

    unsigned = _bomb(tmp_path / "bom.khdb", keys.KeyPair.generate(), None)
    assert unsigned.stat().st_size < 2 << 20
    code, grown_mb = _probe(unsigned)
    assert code == "signature" and grown_mb < 100, (code, grown_mb)
    understated = _bomb(tmp_path / "bom-ky.khdb", fixed("sender"), 10)
    code, grown_mb = _probe(understated)
    assert code == "entry_hash" and grown_mb < 100, (code, grown_mb)


# -- finding 8: keys strict --


T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def commune(tmp_path):
    c = build_commune(tmp_path / "home")
    yield c
    c.close()


def _at(session, moment: datetime) -> None:
    session.store.clock = lambda: moment


def _statement(old: keys.KeyPair, new: keys.KeyPair, org: str, at: str) -> dict:
    return keys.announce(old, new, org, at)


def _committee_keys(committee, org: str) -> dict[str, str]:
    with committee.store.read() as conn:
        return {p.key_id: p.status for p in keys.peers(conn) if p.org_code == org}


def _rotate_at_committee(commune, tmp_path, moment: datetime) -> tuple[keys.KeyPair, keys.KeyPair]:
    """CB01 rotates K1 → K2; the committee takes K2 from CB01's next bundle at `moment`."""
    cell, committee = commune.cells["X01-CB01"], commune.committee
    k1 = station_key(cell)
    _at(cell, moment - timedelta(hours=1))
    sync.rotate_keys(cell)
    k2 = station_key(cell)
    _at(committee, moment)
    report = import_bundle(committee, export(cell, tmp_path / "sau-doi-khoa"))
    assert report.status == "imported", report.reason
    assert _committee_keys(committee, "X01-CB01") == {
        k1.key_id: keys.RETIRED,
        k2.key_id: keys.ACTIVE,
    }
    return k1, k2


def test_finding_8_retired_key_cannot_rotate(commune, tmp_path):
    """K1 retired, K2 active: a bundle signed by K3 carrying a K1 → K3 rotation (a stolen
    old key) is refused and K2 stays active."""
    cell, committee = commune.cells["X01-CB01"], commune.committee
    good = export(cell, tmp_path / "truoc")  # to borrow a manifest from
    k1, k2 = _rotate_at_committee(commune, tmp_path, T0)
    _, entries = _open(committee, good)
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    k3 = keys.KeyPair.generate()
    manifest["sender"]["key_id"] = k3.key_id
    manifest["key_rotation"] = _statement(k1, k3, "X01-CB01", (T0 + timedelta(hours=1)).isoformat())
    manifest["seq"], manifest["prev"] = 9, None
    inner = resign(manifest, list(entries.items()), k3)
    path = tmp_path / "chiem-quyen.khdb"
    path.write_bytes(seal_to(committee, inner))
    _at(committee, T0 + timedelta(days=1))
    before = state(committee)
    report = import_bundle(committee, path)
    assert (report.status, report.code) == ("refused", "rotation_not_active"), report.reason
    assert "đang dùng" in report.reason
    assert state(committee) == before
    assert _committee_keys(committee, "X01-CB01") == {
        k1.key_id: keys.RETIRED,
        k2.key_id: keys.ACTIVE,
    }
    # The same statement, now from the active key K2, is what a real rotation looks like.
    manifest["key_rotation"] = _statement(k2, k3, "X01-CB01", (T0 + timedelta(hours=1)).isoformat())
    path.write_bytes(seal_to(committee, resign(manifest, list(entries.items()), k3)))
    assert verify_bundle(committee, path).code != "rotation_not_active"


def _open(receiver, path: Path) -> tuple[bytes, dict]:
    from tests.stations import open_inner

    return open_inner(receiver, path.read_bytes())


def test_retired_key_verifies_old_bundles_only_within_the_grace_period(commune, tmp_path):
    cell, committee = commune.cells["X01-CB01"], commune.committee
    _at(cell, T0 - timedelta(days=2))
    in_transit = export(cell, tmp_path / "dang-chuyen")  # signed by K1 before it retired
    k1, _ = _rotate_at_committee(commune, tmp_path, T0)
    _at(committee, T0 + RETIRED_GRACE - timedelta(minutes=1))
    report = verify_bundle(committee, in_transit)
    assert report.valid, report.reason
    _at(committee, T0 + RETIRED_GRACE + timedelta(minutes=1))
    report = verify_bundle(committee, in_transit)
    assert (report.valid, report.code) == (False, "retired_sender"), report.reason
    assert str(RETIRED_GRACE.days) in report.reason
    # Made (so its signed clock says) after the key retired: refused even within the grace.
    _, entries = _open(committee, in_transit)
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    manifest["created_at"] = (T0 + timedelta(hours=2)).isoformat(timespec="seconds")
    late = tmp_path / "sau-khi-thay.khdb"
    late.write_bytes(seal_to(committee, resign(manifest, list(entries.items()), k1)))
    _at(committee, T0 + timedelta(days=1))
    report = verify_bundle(committee, late)
    assert (report.valid, report.code) == (False, "retired_sender"), report.reason
    assert verify_bundle(committee, in_transit).valid


def test_a_revoked_key_verifies_nothing(commune, tmp_path):
    cell, committee = commune.cells["X01-CB01"], commune.committee
    path = export(cell, tmp_path / "goi")
    sync.revoke_key(committee, station_key(cell).public.fingerprint)
    report = verify_bundle(committee, path)
    assert (report.valid, report.code) == (False, "revoked_sender"), report.reason


# -- finding 10: signed identity fields are compared with the enrolment --

IDENTITY = {
    "sender.org_code": (("sender", "org_code"), "X01-CB02", "sender_mismatch"),
    "sender.org_name": (("sender", "org_name"), "Chi bộ Giả Mạo", "sender_mismatch"),
    "sender.role": (("sender", "role"), "committee", "sender_mismatch"),
    "recipient.org_code": (("recipient", "org_code"), "X02", "readdressed"),
    "recipient.key_id": (("recipient", "key_id"), "0" * 32, "readdressed"),
}


@pytest.mark.parametrize("field", IDENTITY)
def test_finding_10_identity_fields_checked(world, field, tmp_path, quiet_cli):
    (part, key), value, code = IDENTITY[field]
    manifest, entries = parts(world)
    enrolled_name = manifest["sender"]["org_name"]
    manifest[part] = {**manifest[part], key: value}
    path = tmp_path / "goi.khdb"
    path.write_bytes(seal_to(world["c"].committee, resign(manifest, entries, cell_key(world))))
    reason = refuse(world, path.read_bytes(), code, tmp_path, quiet_cli)
    assert value in reason or code == "readdressed", reason
    report = verify_bundle(world["c"].committee, path)
    # What the report shows is what was enrolled, never the claim.
    assert report.sender["org_name"] == enrolled_name and report.sender["org_code"] == "X01-CB01"


def test_finding_10_catalogue_signers_identity_checked(tmp_path):
    from tests.integration.core.sync.test_catalogue import _refused, build_chain, issue, pass_down

    chain = build_chain(tmp_path / "home")
    try:
        issued = issue(chain, tmp_path)
        forwarded = pass_down(chain, issued, tmp_path)
        with zipfile.ZipFile(forwarded) as zf:
            entries = {i.filename: zf.read(i) for i in zf.infolist()}
        manifest_bytes, signature = entries["catalogue.json"], entries["catalogue.sig"]
        content = {n: d for n, d in entries.items() if fmt.is_content(n)}
        endorsement = json.loads(entries["endorsements.json"])[0]
        committee_key = station_key(chain.committee)
        for field, value in (("org_name", "Đảng ủy Giả Mạo"), ("role", "province")):
            body = {**endorsement["endorsement"]}
            body["endorser"] = {**body["endorser"], field: value}
            claimed = fmt.endorse(
                body["catalogue_hash"],
                body["issuer_key_id"],
                committee_key,
                **{k: body["endorser"][k] for k in ("org_code", "org_name", "role")},
                at=body["at"],
            )
            data = fmt.reassemble(manifest_bytes, signature, [claimed], content)
            err = _refused(chain.cell, tmp_path / f"{field}.khdc", data, "signer_mismatch")
            assert value in err.message
        # The province's key enrolled at the committee under its own name: a catalogue
        # claiming another issuer name is refused there.
        with chain.province.store.read() as conn:
            province_key = keys.active_key(conn)
        renamed = json.loads(manifest_bytes)
        renamed["issuer"]["org_name"] = "Tỉnh ủy Giả Mạo"
        renamed["seq"] = 5
        body = canonical.dumps(renamed)
        data = fmt.reassemble(body, province_key.sign(fmt.SIGNATURE_CONTEXT, body), [], content)
        err = _refused(chain.committee, tmp_path / "ten.khdc", data, "signer_mismatch")
        assert "Tỉnh ủy Giả Mạo" in err.message
    finally:
        chain.close()


# -- whatever a genuine key signs, the receiver answers with a refusal, never a crash --


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=4), value=hostile)
def test_any_signed_manifest_gets_an_answer_not_a_crash(world, tmp_path_factory, path, value):
    """The cell's real key signs a manifest with any field changed to anything: verify and
    import answer with a report (refused or not), never an exception."""
    manifest, entries = parts(world)
    changed = _replace_at(manifest, path, value)
    try:
        body = canonical.dumps({**changed, "files": described(entries)})
    except (canonical.JSONRefused, ValueError, TypeError):
        body = _dump_any({**changed, "files": described(entries)})
    inner = resign(changed, entries, cell_key(world), describe=False, manifest_bytes=body)
    file = tmp_path_factory.mktemp("ky") / "goi.khdb"
    file.write_bytes(seal_to(world["c"].committee, inner))
    for report in (
        verify_bundle(world["c"].committee, file),
        import_bundle(world["c"].committee, file),
    ):
        assert report.status in STATUS_LABELS
        if report.refused:
            assert report.reason and VIETNAMESE & set(report.reason.lower()), report.reason


@settings(max_examples=300, deadline=None, derandomize=True)
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=4), value=hostile)
def test_any_signed_catalogue_manifest_only_raises_the_formats_error(path, value):
    """The issuer's own key signs a catalogue manifest with any field changed to anything:
    reading it raises CatalogueError or reads it, nothing else."""
    vector = Path(__file__).with_name("vectors") / "v1-catalogue.khdc"
    with zipfile.ZipFile(vector) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    content = {n: d for n, d in entries.items() if fmt.is_content(n)}
    changed = _replace_at(json.loads(entries["catalogue.json"]), path, value)
    try:
        body = canonical.dumps(changed)
    except (canonical.JSONRefused, ValueError, TypeError):
        body = _dump_any(changed)
    doc = json.loads((vector.parent / "catalogue-keys.json").read_text())["province"]
    issuer = keys.KeyPair(bytes.fromhex(doc["sign_private"]), bytes.fromhex(doc["enc_private"]))
    data = fmt.reassemble(body, issuer.sign(fmt.SIGNATURE_CONTEXT, body), [], content)
    try:
        fmt.contents(fmt.read(data))
    except fmt.CatalogueError as exc:
        assert exc.code and exc.message


def test_a_renamed_station_is_known_by_its_new_card(commune, tmp_path):
    """Bundles must carry the enrolled name; a station that was renamed has its new card
    (same key, read by fingerprint) enrolled and is known by the new name. A card that
    claims another station or role for an enrolled key is refused."""
    cell, committee = commune.cells["X01-CB01"], commune.committee
    pair = station_key(cell)
    fingerprint = pair.public.fingerprint
    for name, org, role, code in (
        ("Chi bộ thôn Bãi Giếng Bắc (mới)", "X01-CB01", "cell", None),
        ("Chi bộ thôn Bãi Giếng Bắc (mới)", "X01-CB02", "cell", "card_mismatch"),
        ("Chi bộ thôn Bãi Giếng Bắc (mới)", "X01-CB01", "committee", "card_mismatch"),
    ):
        card = tmp_path / f"{org}-{role}.card"
        card.write_bytes(keys.make_card(pair, org, name, role, "2026-11-26T08:00:00+00:00"))
        if code is None:
            assert sync.enrol_card(committee, card, fingerprint)["org_name"] == name
        else:
            with pytest.raises(keys.KeyCardError) as err:
                sync.enrol_card(committee, card, fingerprint)
            assert err.value.code == code
    with committee.store.read() as conn:
        assert keys.peer(conn, pair.key_id).org_name == "Chi bộ thôn Bãi Giếng Bắc (mới)"
    report = verify_bundle(committee, export(cell, tmp_path / "goi"))
    assert (report.valid, report.code) == (False, "sender_mismatch"), report.reason
    assert "Chi bộ thôn Bãi Giếng Bắc (mới)" in report.reason


def test_untrusted_catalogue_is_refused_before_any_content_is_read(world, tmp_path):
    """A catalogue signed by a key nobody here enrolled, its content entries undecompressable
    garbage: the refusal is the trust's — the content was never inflated."""
    from tests.integration.core.sync.test_catalogue import _refused

    data = _issued_by(keys.KeyPair.generate(), "Tỉnh ủy".encode())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries = [(i.filename, zf.read(i)) for i in zf.infolist()]
    stored = _stored(entries)
    for name, _ in entries:
        if fmt.is_content(name):
            stored = _garbage_entry(stored, name)
    committee = world["c"].committee
    err = _refused(committee, tmp_path / "la.khdc", stored, "unknown_signer")
    assert "chưa được ghi nhận" in err.message


def test_a_retired_issuer_key_vouches_only_within_the_grace(tmp_path):
    """The province's own key, replaced: what it issued before still installs within the
    grace (the province re-installing its own file), not after; the same for a committee
    that enrolled the old key."""
    from khdesk.core.services import catalogue
    from tests.integration.core.sync.test_catalogue import build_chain, issue

    chain = build_chain(tmp_path / "home")
    try:
        _at(chain.province, T0 - timedelta(days=1))
        opened = fmt.read(issue(chain, tmp_path).read_bytes())
        _at(chain.province, T0)
        sync.rotate_keys(chain.province)
        with chain.province.store.read() as conn:
            assert catalogue.trusted_via(conn, "KH", opened, T0 + timedelta(days=29)) == "KH"
            with pytest.raises(fmt.CatalogueError) as err:
                catalogue.trusted_via(conn, "KH", opened, T0 + timedelta(days=31))
        assert err.value.code == "retired_signer"
        # The committee takes the province's new card at T0: the old key is retired there.
        card = sync.write_card(chain.province, tmp_path / "kh-moi.card")
        _at(chain.committee, T0)
        sync.enrol_card(chain.committee, tmp_path / "kh-moi.card", card["fingerprint"])
        with chain.committee.store.read() as conn:
            assert catalogue.trusted_via(conn, "X01", opened, T0 + timedelta(days=1)) == "KH"
            with pytest.raises(fmt.CatalogueError) as err:
                catalogue.trusted_via(conn, "X01", opened, T0 + timedelta(days=31))
        assert err.value.code == "retired_signer"
    finally:
        chain.close()


def test_a_manifest_naming_many_key_ids_is_answered(world, tmp_path, quiet_cli):
    """A forger's manifest quoting 40,000 key-id-like strings (the signer is looked up by
    the ids its bytes quote): refused as unsigned, not a database error."""
    manifest, entries = parts(world)
    manifest["epoch"]["reason"] = {f"{i:032x}": f"{i:032x}" for i in range(20_000)}
    inner = resign(manifest, entries, keys.KeyPair.generate())
    refuse(world, seal_to(world["c"].committee, inner), "signature", tmp_path, quiet_cli)
