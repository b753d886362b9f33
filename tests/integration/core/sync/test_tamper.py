"""The tamper matrix: one test per attack. Each bundle is refused with a Vietnamese reason
naming what is wrong, the CLI exits 1, and the committee's data and ledgers are exactly
as before. Malicious archives are signed with the cell's real key and sealed to the
committee's real key, so it is the parser itself that must refuse them."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import unicodedata
import zipfile
from pathlib import Path

import pytest

from khdesk.core.services import sync
from khdesk.core.sync import bundle, canonical
from khdesk.core.sync.inbox import import_bundle
from tests.stations import (
    PASSWORD,
    open_inner,
    resign,
    seal_to,
    state,
    station_key,
)

VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def refuse(
    world,
    data: bytes,
    code: str,
    tmp_path: Path,
    quiet_cli,
    *,
    status="refused",
    session=None,
    limits=bundle.DEFAULT_LIMITS,
) -> str:
    """Import `data` at the committee: refused with `code`, nothing changed; the CLI says
    the same with exit 1. Returns the reason."""
    c = world["c"]
    session = session or c.committee
    path = tmp_path / "goi.khdb"
    path.write_bytes(data)
    before = state(session)
    report = import_bundle(session, path, limits=limits)
    assert (report.status, report.code) == (status, code), report.reason
    assert report.reason and VIETNAMESE & set(report.reason.lower()), report.reason
    assert state(session) == before
    if limits is bundle.DEFAULT_LIMITS:
        assert quiet_cli(c.home, "--profile", session.info.name, "bundle", "import", str(path)) == 1
        assert state(session) == before
    return report.reason


def parts(world) -> tuple[dict, list[tuple[str, bytes]]]:
    """The good bundle's manifest (without its file list) and entries."""
    _, entries = open_inner(world["c"].committee, world["good"])
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    return manifest, list(entries.items())


def cell_key(world):
    return station_key(world["c"].cells["X01-CB01"])


# -- the outer layer: every byte is authenticated --

REGIONS = {
    "magic": (0, "not_a_bundle"),
    "version": (9, "format_version"),
    "recipient key id": (12, "wrong_recipient"),
    "HPKE encapsulated key": (40, "decrypt"),
    "ciphertext": (None, "decrypt"),
    "AEAD tag": (-3, "decrypt"),
}


@pytest.mark.parametrize("region", REGIONS)
def test_flipped_bit_in_each_region_is_refused(world, region, tmp_path, quiet_cli):
    offset, code = REGIONS[region]
    data = bytearray(world["good"])
    if offset is None:
        offset = len(data) // 2
    data[offset] ^= 0x10
    refuse(world, bytes(data), code, tmp_path, quiet_cli)


@pytest.mark.parametrize("keep", [0, 5, 30, 100, -1])
def test_truncated_bundle_is_refused(world, keep, tmp_path, quiet_cli):
    data = world["good"][:keep] if keep >= 0 else world["good"][:-1]
    code = {0: "empty", 5: "truncated", 30: "truncated"}.get(keep, "decrypt")
    refuse(world, data, code, tmp_path, quiet_cli)


def test_appended_bytes_are_refused(world, tmp_path, quiet_cli):
    refuse(world, world["good"] + b"\x00", "decrypt", tmp_path, quiet_cli)


def test_not_a_bundle_at_all(world, tmp_path, quiet_cli):
    reason = refuse(world, b"PK\x03\x04" + b"x" * 200, "not_a_bundle", tmp_path, quiet_cli)
    assert "không phải gói" in reason


# -- the inner layer, re-sealed by someone who only has the committee's public key --


@pytest.mark.parametrize("entry", ["manifest.json", "manifest.sig", "records", "files"])
def test_flipped_bit_inside_is_refused(world, entry, tmp_path, quiet_cli):
    _, entries = open_inner(world["c"].committee, world["good"])
    name = next(n for n in entries if n.startswith(entry))
    data = bytearray(entries[name])
    if name == "manifest.json":
        # A digit of the timestamp: still canonical JSON, so only the signature can tell.
        at = data.index(b'"created_at":"') + len(b'"created_at":"') + 3
        data[at] = ord("7") if data[at] != ord("7") else ord("8")
    else:
        data[len(data) // 2] ^= 0x01
    entries[name] = bytes(data)
    code = {"manifest.json": "signature", "manifest.sig": "signature"}.get(entry, "entry_hash")
    refuse(world, seal_to(world["c"].committee, _zip(entries)), code, tmp_path, quiet_cli)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_swapped_manifest_is_refused(world, tmp_path, quiet_cli):
    """CB01's signed manifest put over the records of CB03's bundle (mix and match)."""
    c = world["c"]
    _, good = open_inner(c.committee, world["good"])
    with c.committee.store.read() as conn:  # CB03's bundle, opened as X01 (it is sealed to it)
        from khdesk.core.sync import keys

        _, _, inner = bundle.unseal(world["cb03"], keys.decryption_keys(conn))
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        other = {i.filename: zf.read(i) for i in zf.infolist()}
    mixed = {k: v for k, v in other.items() if k.startswith(("records/", "files/"))}
    mixed["manifest.json"], mixed["manifest.sig"] = good["manifest.json"], good["manifest.sig"]
    reason = refuse(
        world, seal_to(c.committee, _zip(mixed)), "entries_mismatch", tmp_path, quiet_cli
    )
    assert "bản kê" in reason


def test_swapped_records_under_a_valid_manifest_are_refused(world, tmp_path, quiet_cli):
    c = world["c"]
    _, good = open_inner(c.committee, world["good"])
    name = "records/candidates.jsonl"
    lines = good[name].split(b"\n")
    lines[0], lines[1] = lines[1], lines[0]  # same bytes, other order
    good[name] = b"\n".join(lines)
    refuse(world, seal_to(c.committee, _zip(good)), "entry_hash", tmp_path, quiet_cli)


# -- who sent it, to whom --


def test_bundle_for_another_committee_is_refused(world, tmp_path, quiet_cli):
    reason = refuse(
        world, world["good"], "wrong_recipient", tmp_path, quiet_cli, session=world["x02"]
    )
    assert "không gửi cho hồ sơ" in reason


def test_signed_bundle_readdressed_to_another_committee_is_refused(world, tmp_path, quiet_cli):
    """X02 knows CB01, but the manifest CB01 signed names X01's key."""
    inner, _ = open_inner(world["c"].committee, world["good"])
    readdressed = seal_to(world["x02"], inner)
    reason = refuse(world, readdressed, "readdressed", tmp_path, quiet_cli, session=world["x02"])
    assert "X01" in reason


def test_unknown_sender_is_refused(world, tmp_path, quiet_cli):
    reason = refuse(world, world["cb03"], "unknown_sender", tmp_path, quiet_cli)
    assert "X01-CB03" in reason and "keys enrol" in reason


def test_forged_bundle_signed_by_an_unknown_key_claiming_a_known_cell(world, tmp_path, quiet_cli):
    from khdesk.core.sync.keys import KeyPair

    manifest, entries = parts(world)
    forger = KeyPair.generate()
    manifest["sender"] = {**manifest["sender"], "key_id": forger.key_id}
    inner = resign(manifest, entries, forger)
    reason = refuse(
        world, seal_to(world["c"].committee, inner), "unknown_sender", tmp_path, quiet_cli
    )
    assert "X01-CB01" in reason


def test_manifest_signed_by_another_key_than_it_names(world, tmp_path, quiet_cli):
    from khdesk.core.sync.keys import KeyPair

    manifest, entries = parts(world)
    inner = resign(manifest, entries, KeyPair.generate())  # names CB01's key id
    refuse(world, seal_to(world["c"].committee, inner), "signature", tmp_path, quiet_cli)


def test_cell_writing_another_cells_files_is_refused(world, tmp_path, quiet_cli):
    """Signed by CB01's real key, but one file claims to belong to CB04."""
    manifest, entries = parts(world)
    entries = dict(entries)
    name = "records/candidates.jsonl"
    rows = [json.loads(line) for line in entries[name].splitlines()]
    rows[0]["org_code"] = "X01-CB04"
    entries[name] = b"".join(canonical.dumps(r) + b"\n" for r in rows)
    inner = resign(manifest, list(entries.items()), cell_key(world))
    reason = refuse(
        world, seal_to(world["c"].committee, inner), "out_of_scope", tmp_path, quiet_cli
    )
    assert "X01-CB04" in reason


# -- malicious archives, validly signed --


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "records/../../x.jsonl",
        "C:\\Windows\\x",
        "files/../manifest.json",
        "records/",
        "notes.txt",
    ],
)
def test_zip_slip_and_foreign_names_are_refused(world, name, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    inner = resign(manifest, [*entries, (name, b"x\n")], cell_key(world), describe=False)
    reason = refuse(
        world, seal_to(world["c"].committee, inner), "bad_entry_name", tmp_path, quiet_cli
    )
    assert "không được phép" in reason


def test_duplicate_entry_names_are_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    name, data = entries[0]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate: that is the point
        inner = resign(manifest, [*entries, (name, data)], cell_key(world))
    refuse(world, seal_to(world["c"].committee, inner), "duplicate_entry", tmp_path, quiet_cli)


def test_zip_bomb_declared_size_is_refused(world, tmp_path, quiet_cli):
    """An entry whose directory record claims 4 GB: refused before inflating anything."""
    manifest, entries = parts(world)
    inner = bytearray(resign(manifest, entries, cell_key(world)))
    cd = inner.rindex(b"PK\x01\x02")  # the last central directory record
    struct.pack_into("<I", inner, cd + 24, 0xFFFFFFF0)  # uncompressed size
    reason = refuse(
        world, seal_to(world["c"].committee, bytes(inner)), "entry_too_large", tmp_path, quiet_cli
    )
    assert "bom zip" in reason


def test_zip_bomb_real_inflation_is_refused(world, tmp_path, quiet_cli):
    """64 MB of zeros in 64 KB, against a reader limited to 8 MB per entry."""
    manifest, entries = parts(world)
    bomb = b"\x00" * (64 << 20)
    inner = resign(
        manifest, [*entries, ("files/" + hashlib.sha256(bomb).hexdigest(), bomb)], cell_key(world)
    )
    assert len(inner) < 1 << 20
    small = bundle.Limits(max_entry=8 << 20, max_total=16 << 20)
    refuse(
        world,
        seal_to(world["c"].committee, inner),
        "entry_too_large",
        tmp_path,
        quiet_cli,
        limits=small,
    )


def test_too_many_entries_are_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    many = [(f"files/{hashlib.sha256(str(i).encode()).hexdigest()}", b"") for i in range(60)]
    inner = resign(manifest, [*entries, *many], cell_key(world))
    small = bundle.Limits(max_entries=50)
    refuse(
        world,
        seal_to(world["c"].committee, inner),
        "too_many_entries",
        tmp_path,
        quiet_cli,
        limits=small,
    )


def test_duplicate_json_keys_in_a_record_are_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    entries = dict(entries)
    name = "records/candidates.jsonl"
    first, rest = entries[name].split(b"\n", 1)
    # The same key twice: one reader would take the first value, another the last.
    first = first[:-1] + ',"full_name":"Người Khác"}'.encode()
    entries[name] = first + b"\n" + rest
    inner = resign(manifest, list(entries.items()), cell_key(world))
    reason = refuse(world, seal_to(world["c"].committee, inner), "record_json", tmp_path, quiet_cli)
    assert "hai lần" in reason and "dòng 1" in reason


def test_duplicate_json_keys_in_the_manifest_are_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    body = canonical.dumps({**manifest, "files": {}})
    body = body[:-1] + b',"seq":99}'
    inner = resign(manifest, [], cell_key(world), describe=False, manifest_bytes=body)
    reason = refuse(
        world, seal_to(world["c"].committee, inner), "manifest_json", tmp_path, quiet_cli
    )
    assert "hai lần" in reason


def test_non_nfc_text_is_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    entries = dict(entries)
    name = "records/candidates.jsonl"
    rows = [json.loads(line) for line in entries[name].splitlines()]
    rows[0]["full_name"] = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for r in rows]
    entries[name] = "".join(x + "\n" for x in lines).encode("utf-8")
    inner = resign(manifest, list(entries.items()), cell_key(world))
    reason = refuse(world, seal_to(world["c"].committee, inner), "record_json", tmp_path, quiet_cli)
    assert "NFC" in reason


def test_deeply_nested_json_is_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    entries = dict(entries)
    name = "records/candidates.jsonl"
    nested = b'{"uuid":' + b"[" * 50_000 + b"]" * 50_000 + b"}\n"
    entries[name] = nested + entries[name].split(b"\n", 1)[1]
    inner = resign(manifest, list(entries.items()), cell_key(world))
    refuse(
        world,
        seal_to(world["c"].committee, inner),
        "line_too_long",
        tmp_path,
        quiet_cli,
        limits=bundle.Limits(max_line=64 << 10),
    )
    entries[name] = (
        b'{"uuid":' + b"[" * 3000 + b"]" * 3000 + b"}\n" + entries[name].split(b"\n", 1)[1]
    )
    inner = resign(manifest, list(entries.items()), cell_key(world))
    reason = refuse(world, seal_to(world["c"].committee, inner), "record_json", tmp_path, quiet_cli)
    assert "sâu" in reason


def test_wrong_types_in_a_record_are_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    entries = dict(entries)
    name = "records/candidates.jsonl"
    rows = [json.loads(line) for line in entries[name].splitlines()]
    rows[2]["birth_date"] = "31/02/2000"
    entries[name] = b"".join(canonical.dumps(r) + b"\n" for r in rows)
    inner = resign(manifest, list(entries.items()), cell_key(world))
    reason = refuse(
        world, seal_to(world["c"].committee, inner), "record_value", tmp_path, quiet_cli
    )
    assert "dòng 3" in reason and "birth_date" in reason


def test_missing_attachment_content_is_refused(world, tmp_path, quiet_cli):
    manifest, entries = parts(world)
    kept = [(n, d) for n, d in entries if not n.startswith("files/")]
    inner = resign(manifest, kept, cell_key(world))
    refuse(world, seal_to(world["c"].committee, inner), "missing_file", tmp_path, quiet_cli)


def test_verify_reports_the_same_reason_and_changes_nothing(world, tmp_path, quiet_cli):
    data = bytearray(world["good"])
    data[-3] ^= 1
    path = tmp_path / "goi.khdb"
    path.write_bytes(bytes(data))
    c = world["c"]
    before = state(c.committee)
    report = sync.verify_bundle(c.committee, path)
    assert not report.valid and report.code == "decrypt"
    assert quiet_cli(c.home, "--profile", "X01", "bundle", "verify", str(path), "--json") == 1
    good = tmp_path / "good.khdb"
    good.write_bytes(world["good"])
    report = sync.verify_bundle(c.committee, good)
    assert report.valid and report.status == "new" and report.sender["org_code"] == "X01-CB01"
    assert report.counts["candidates"] == 17 and report.files == 1
    assert state(c.committee) == before
    assert PASSWORD  # the CLI above unlocked with the test password


def _with_rows(world, table: str, change) -> bytes:
    """The good bundle with `change(rows)` applied to one table, re-signed by CB01."""
    manifest, entries = parts(world)
    entries = dict(entries)
    name = f"records/{table}.jsonl"
    rows = [json.loads(line) for line in entries[name].splitlines()]
    change(rows)
    entries[name] = b"".join(canonical.dumps(r) + b"\n" for r in rows)
    return seal_to(world["c"].committee, resign(manifest, list(entries.items()), cell_key(world)))


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
@pytest.mark.parametrize(("table", "column"), [("candidates", "birth_date"), ("steps", "on")])
def test_unlisted_a_date_no_station_could_store_is_refused(
    world, day, table, column, tmp_path, quiet_cli
):
    """A date valid as ISO text but outside the years every form and import accepts
    (io.tabular MIN_YEAR–MAX_YEAR) was taken from a bundle; the committee's `check` then
    died on it ('lỗi không mong đợi': add_months past year 9999)."""

    def change(rows):
        rows[0][column] = day

    reason = refuse(world, _with_rows(world, table, change), "record_value", tmp_path, quiet_cli)
    assert column in reason and "1900" in reason


@pytest.mark.parametrize("size", [0, 1, 2**30, -1])
def test_unlisted_an_attachment_size_that_lies_is_refused(world, size, tmp_path, quiet_cli):
    """`attachments.size` is what the file window and `attach list` show: a record saying
    1 GiB (or 0) for a 2.8 KB scan was stored as said — a lie shown to the committee."""

    def change(rows):
        rows[0]["size"] = size

    data = _with_rows(world, "attachments", change)
    reason = refuse(world, data, "record_value", tmp_path, quiet_cli)
    assert "đơn xin vào Đảng.pdf" in reason and str(size) in reason
    # `bundle verify` says so too (it said "hợp lệ, chưa nhập").
    path = tmp_path / "kiem-tra.khdb"
    path.write_bytes(data)
    check = sync.verify_bundle(world["c"].committee, path)
    assert (check.valid, check.code) == (False, "record_value"), check.reason


@pytest.mark.parametrize("value", [2**31, -(2**31), 2**53])
def test_unlisted_an_integer_no_database_column_holds_is_refused(world, value, tmp_path, quiet_cli):
    """Every integer column is a 32-bit one (PostgreSQL `integer` at the province): a
    record's 2⁵³ passed the wire check, then the province tier's INSERT failed with a
    DataError — 'lỗi không mong đợi' — instead of the format's own refusal."""

    def change(rows):
        rows[0]["seq"] = value

    reason = refuse(world, _with_rows(world, "steps", change), "record_value", tmp_path, quiet_cli)
    assert "seq" in reason


@pytest.mark.parametrize(
    ("table", "column", "text"),
    [
        ("candidates", "full_name", "Võ Bích Ánh\nX01-CB01-0099    Giả Mạo"),
        ("candidates", "home_town", "Cam Lâm\r\nCam Ranh"),
        ("attachments", "name", "đơn.pdf\u2028Tổng: 0 tệp"),
        ("candidates", "occupation", "nông\u2029dân"),
    ],
)
def test_unlisted_a_line_break_in_a_one_line_field_is_refused(
    world, table, column, text, tmp_path, quiet_cli
):
    """Every form and import folds whitespace in one-line fields (text.nfc) and names a
    scan by safe_file_name: only a bundle could bring a name holding a line break — one
    that prints as two rows in `list`/`attach list`, spoofing a file that is not there."""

    def change(rows):
        rows[0][column] = text

    reason = refuse(world, _with_rows(world, table, change), "record_value", tmp_path, quiet_cli)
    assert column in reason and "xuống dòng" in reason


@pytest.mark.parametrize(("column", "value"), [("step_id", "Z9"), ("result", "maybe")])
def test_unlisted_a_step_khdesk_does_not_know_is_refused_not_a_crash(
    world, column, value, tmp_path, quiet_cli
):
    """A step's id and result are closed lists the file's state is derived from: a
    genuine bundle carrying step 'Z9' or result 'maybe' passed the wire check, then the
    merge died deriving the state (KeyError / ValueError: 'lỗi không mong đợi')."""

    def change(rows):
        rows[0][column] = value

    reason = refuse(world, _with_rows(world, "steps", change), "record_value", tmp_path, quiet_cli)
    assert column in reason and value in reason
