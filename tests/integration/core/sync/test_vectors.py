"""Frozen format-1 vectors (tests/sync/vectors, made once by make_vectors.py with fixed
keys): every later khdesk must still open them, read the same content, and the writer
must still produce the same manifest bytes and signature for the same input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from khdesk.core.services import sync
from khdesk.core.services.candidates import list_files
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.store import schema as t
from khdesk.core.sync import bundle, canonical, history, keys
from khdesk.core.sync.errors import BundleError
from khdesk.core.sync.inbox import import_bundle

VECTORS = Path(__file__).with_name("vectors")
NAMES = ["v1-up", "v1-up-new-epoch-rotated-key", "v1-up-audit"]


def fixed(label: str) -> keys.KeyPair:
    doc = json.loads((VECTORS / "keys.json").read_text())[label]
    return keys.KeyPair(bytes.fromhex(doc["sign_private"]), bytes.fromhex(doc["enc_private"]))


def wire(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {
        name: [{k: v.isoformat() if isinstance(v, date) else v for k, v in r.items()} for r in rows]
        for name, rows in tables.items()
    }


def open_vector(name: str) -> bundle.Verified:
    recipient, sender = fixed("recipient"), fixed("sender")
    old = keys.Peer(sender.key_id, "X01-CB01", "Chi bộ", "cell", sender.public, "active", "", "")

    def sender_key(opened: bundle.Opened) -> keys.PublicKeys:
        statement = opened.manifest["key_rotation"]
        if statement is None:
            return old.public
        return keys.vouch(statement, old).new

    data = (VECTORS / f"{name}.khdb").read_bytes()
    return bundle.open_bundle(data, {recipient.key_id: recipient}, sender_key)


def test_fixed_keys_keep_their_ids_and_fingerprints():
    doc = json.loads((VECTORS / "keys.json").read_text())
    for label, entry in doc.items():
        pair = fixed(label)
        assert (pair.key_id, pair.public.fingerprint) == (entry["key_id"], entry["fingerprint"])


@pytest.mark.parametrize("name", NAMES)
def test_vector_opens_to_the_expected_content(name):
    expected = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    verified = open_vector(name)
    assert verified.manifest == expected["manifest"]
    assert wire(verified.tables) == expected["tables"]
    assert {k: v.decode("ascii") for k, v in verified.files.items()} == expected["files"]


@pytest.mark.parametrize("name", NAMES)
def test_writer_still_makes_the_same_signed_manifest(name):
    expected = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    verified = open_vector(name)
    manifest = {k: v for k, v in expected["manifest"].items() if k != "files"}
    signer = fixed("sender_new" if manifest["key_rotation"] else "sender")
    files = {k: v.encode("ascii") for k, v in expected["files"].items()}
    audit = history.encode(expected.get("audit_entries", []))
    _, manifest_bytes = bundle.build_inner(manifest, expected["tables"], files, signer, audit)
    assert manifest_bytes == verified.opened.manifest_bytes
    assert signer.sign(bundle.SIGNATURE_CONTEXT, manifest_bytes) == verified.opened.signature
    assert canonical.dumps(expected["manifest"]) == manifest_bytes


def test_any_changed_byte_of_a_vector_is_refused():
    data = bytearray((VECTORS / "v1-up.khdb").read_bytes())
    recipient = fixed("recipient")
    for offset in (0, 9, 20, 40, len(data) // 2, len(data) - 1):
        bad = bytearray(data)
        bad[offset] ^= 0x01
        with pytest.raises(BundleError):
            bundle.open_bundle(bytes(bad), {recipient.key_id: recipient}, lambda o: None)


def test_frozen_card_still_reads():
    card = keys.read_card((VECTORS / "v1-card.card").read_bytes())
    assert (card.org_code, card.role) == ("X01-CB01", "cell")
    assert (
        card.public.fingerprint
        == json.loads((VECTORS / "keys.json").read_text())["sender"]["fingerprint"]
    )


def vector_committee(committee, tmp_path) -> None:
    """A real committee profile holding the vectors' recipient key and enrolled sender."""
    orgs = [
        {
            "code": "X01-CB01",
            "name": "Chi bộ thôn Tân Đức",
            "parent_code": "X01",
            "kind": "Chi bộ thôn",
            "self_managed": True,
        }
    ]
    assert import_tables(committee, RowTables.from_dicts({"orgs": orgs}), "test").committed
    recipient, sender = fixed("recipient"), fixed("sender")
    with committee.store.write("bithu", changes=False) as tx:  # the committee's fixed key
        tx.conn.execute(
            t.sync_own_keys.insert().values(
                key_id=recipient.key_id,
                sign_private=recipient.sign_private,
                enc_private=recipient.enc_private,
                status="retired",
                created_at=tx.now,
            )
        )
    (tmp_path / "cb01.card").write_bytes((VECTORS / "v1-card.card").read_bytes())
    sync.enrol_card(committee, tmp_path / "cb01.card", sender.public.fingerprint)


def test_vector_imports_into_a_real_committee_profile(committee, tmp_path):
    """The database side of format 1: the vector lands as two files, a step history with a
    tombstone, and the attachment by its hash."""
    vector_committee(committee, tmp_path)
    report = import_bundle(committee, VECTORS / "v1-up.khdb")
    assert report.status == "imported", report.reason
    assert {f["file_code"]: f["state"] for f in list_files(committee)} == {
        "X01-CB01-0001": "BOI_DUONG",
        "X01-CB01-0002": "NGUON",
    }
    with committee.store.read() as conn:
        assert conn.execute(select(t.blobs.c.size)).scalars().all() == [54]
        steps = conn.execute(select(t.steps.c.step_id, t.steps.c.deleted)).all()
    assert sorted(steps) == [("A1", False), ("A2", False), ("A3", True)]
    rotated = import_bundle(committee, VECTORS / "v1-up-new-epoch-rotated-key.khdb")
    assert rotated.status == "new_epoch" and "khôi phục" in rotated.reason


def test_audit_vector_reports_its_chain_as_stored():
    """v1-up-audit (FORMAT.md §11): the reported entries read back exactly, the text that
    is not NFC included, and every hash recomputes."""
    expected = json.loads((VECTORS / "v1-up-audit.json").read_text(encoding="utf-8"))
    verified = open_vector("v1-up-audit")
    rep = history.read_reported(
        verified.manifest, verified.opened.entries, bundle.DEFAULT_LIMITS.max_line
    )
    assert rep.entries == expected["audit_entries"] and (rep.start, rep.count) == (0, 4)
    assert "o\u0300" in rep.entries[2]["detail"]  # as stored, not normalised
    assert verified.manifest["prev"]["hash"] == bundle.bundle_hash(
        canonical.dumps(json.loads((VECTORS / "v1-up.json").read_text())["manifest"])
    )


def test_audit_vector_imports_after_v1_up_and_starts_the_reported_chain(committee, tmp_path):
    vector_committee(committee, tmp_path)
    assert import_bundle(committee, VECTORS / "v1-up.khdb").status == "imported"
    report = import_bundle(committee, VECTORS / "v1-up-audit.khdb")
    assert report.status == "imported", report.reason
    assert report.audit["kind"] == "first" and report.audit["count"] == 4
    with committee.store.read() as conn:
        check = history.verify_reported(conn, "X01-CB01")
        town = conn.execute(
            select(t.candidates.c.home_town).where(t.candidates.c.file_code == "X01-CB01-0001")
        ).scalar_one()
    assert check.ok and check.count == 4
    assert town == "xã Cam Hải Đông"  # the record the bundle carries, applied
