"""Hypothesis properties of the format and of importing: round trip, arbitrary bytes only
ever raise the format's own error, any order of a set of bundles gives the same database,
importing twice is importing once. Bounded example counts here; `-m slow` runs more."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import unicodedata
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khdesk.core.services.attachments import attach
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.sync import bundle, canonical
from khdesk.core.sync.errors import BundleError
from khdesk.core.sync.inbox import import_bundle
from tests.integration.core.sync.test_vectors import VECTORS, fixed, wire
from tests.stations import build_commune, copy_profile, dump, edit_file, export, open_station

SENDER, RECIPIENT = fixed("sender"), fixed("recipient")
KEYS = {RECIPIENT.key_id: RECIPIENT}
# The parser's fuzz properties: 1,000 seeded inputs each (KHDESK_FUZZ_EXAMPLES to change);
# `-m slow` runs a longer one.
FUZZ = settings(
    max_examples=int(os.environ.get("KHDESK_FUZZ_EXAMPLES", "1000")),
    deadline=None,
    derandomize=True,
)
FAST = settings(max_examples=100, deadline=None)
DB = settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _sender(_opened):
    return SENDER.public


# -- strategies --

# Stored text never holds a control or bidi-override character (issue 15, finding 12):
# a bundle carrying one is refused (records.py).
_STORED_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs"),
    blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)
short = st.text(_STORED_CHARS, min_size=1, max_size=20).map(
    lambda s: unicodedata.normalize("NFC", s)
)
short = short.filter(lambda s: 0 < len(s) <= 30)
# Timestamps exactly as the writer spells them (FORMAT.md §3.1).
moment = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0).isoformat() + "+00:00"
)
maybe = lambda s: st.none() | s  # noqa: E731
days = st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat)

candidate = st.fixed_dictionaries(
    {
        "uuid": st.uuids().map(str),
        "rev": st.integers(1, 2**31 - 1),
        "owner": short,
        "updated_by": short,
        "updated_at": moment,
        "deleted": st.booleans(),
        "file_code": short,
        "full_name": short,
        "sex": st.sampled_from(["Nam", "Nữ"]),
        "birth_date": days,
        "org_code": short,
    },
    optional={
        "cccd": maybe(short),
        "sea_fisher": maybe(st.booleans()),
        "a6_introducer1_since": maybe(days),
        "mentor": maybe(short),
        "exception_approval": maybe(short),
    },
)
tables = st.fixed_dictionaries(
    {"candidates": st.lists(candidate, max_size=8, unique_by=lambda r: r["uuid"])}
)
files = st.lists(st.binary(max_size=300), max_size=3).map(
    lambda blobs: {hashlib.sha256(b).hexdigest(): b for b in blobs}
)


def manifest() -> dict:
    m = json.loads((VECTORS / "v1-up.json").read_text(encoding="utf-8"))["manifest"]
    del m["files"]
    return m


# -- the format --


@FAST
@given(tables=tables, files=files)
def test_round_trip(tables, files):
    inner, _ = bundle.build_inner(manifest(), tables, files, SENDER)
    verified = bundle.open_bundle(bundle.seal(inner, RECIPIENT.public), KEYS, _sender)
    expected = {k: v for k, v in tables.items() if v}
    assert wire(verified.tables) == expected
    assert verified.files == files


def _only_bundle_errors(call) -> None:
    try:
        call()
    except BundleError as exc:
        assert exc.message and exc.code


@FUZZ
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_only_raise_the_formats_error(data):
    _only_bundle_errors(lambda: bundle.open_bundle(data, KEYS, _sender))
    header = bundle.header_for(RECIPIENT.key_id)
    _only_bundle_errors(lambda: bundle.open_bundle(header + data, KEYS, _sender))
    _only_bundle_errors(lambda: bundle.read_inner(data, _sender))
    _only_bundle_errors(lambda: bundle.parse_manifest(data))
    try:
        canonical.loads(data)
    except canonical.JSONRefused:
        pass


@pytest.mark.filterwarnings("ignore:Duplicate name")  # duplicates are part of the test
@FUZZ
@given(entries=st.lists(st.tuples(st.text(max_size=30), st.binary(max_size=100)), max_size=6))
def test_arbitrary_archives_only_raise_the_formats_error(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries:
            if name.split("\x00")[0]:  # zipfile cannot write a name that is empty up to a NUL
                zf.writestr(name, data)
    _only_bundle_errors(lambda: bundle.read_inner(out.getvalue(), _sender))


def _vector_inner() -> bytes:
    data = (VECTORS / "v1-up.khdb").read_bytes()
    return bundle.unseal(data, KEYS)[2]


VECTOR_INNER = _vector_inner()


@FUZZ
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(VECTOR_INNER) - 1), st.integers(1, 255)),
        min_size=1,
        max_size=4,
    )
)
def test_damaged_archive_is_refused_or_reads_the_same(flips):
    """A damaged inner archive (as a signer with a bug could make): either refused with
    the format's error, or — when the damage hit bytes nothing depends on — the same."""
    inner = bytearray(VECTOR_INNER)
    for offset, xor in flips:
        inner[offset] ^= xor
    original, _ = bundle.read_inner(VECTOR_INNER, _sender)
    try:
        opened, _ = bundle.read_inner(bytes(inner), _sender)
        tables_read = bundle.read_records(opened)
    except BundleError:
        return
    assert opened.manifest_bytes == original.manifest_bytes
    assert tables_read == bundle.read_records(original)


# Values an attacker may put anywhere in a manifest: lone surrogates, non-NFC text, huge
# and negative numbers, floats, deep nesting, wrong types.
hostile_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["\ud800", "a\udfff", "e\u0301", "\x00", "\u202e", "9" * 40, ""]),
)
hostile = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**31, 2**63, -(2**70), 10**400])
    | st.floats(allow_nan=True)
    | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=12,
)


def _replace_at(value: object, path: list[int], new: object) -> object:
    """`value` with the item that `path` picks (by turns, among keys/items) set to `new`."""
    if not path or not isinstance(value, dict | list) or not value:
        return new
    if isinstance(value, dict):
        key = sorted(value)[path[0] % len(value)]
        return {**value, key: _replace_at(value[key], path[1:], new)}
    i = path[0] % len(value)
    return [*value[:i], _replace_at(value[i], path[1:], new), *value[i + 1 :]]


def _dump_any(value: object) -> bytes:
    """JSON bytes of anything hypothesis made (escaped, so surrogates survive)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("ascii")


def _signed_inner(body: bytes, signer) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", body)
        zf.writestr("manifest.sig", signer.sign(bundle.SIGNATURE_CONTEXT, body))
    return out.getvalue()


@FUZZ
@given(path=st.lists(st.integers(0, 50), max_size=4), value=hostile, canonical_form=st.booleans())
def test_arbitrary_signed_manifests_only_raise_the_formats_error(path, value, canonical_form):
    """An attacker with a genuine key signs whatever manifest it likes: reading it only
    ever raises BundleError, and so does the same manifest unsigned (a forger's)."""
    changed = _replace_at({**manifest(), "files": {}}, path, value)
    body = _dump_any(changed)
    if canonical_form:
        try:
            body = canonical.dumps(changed)
        except (canonical.JSONRefused, ValueError):
            pass
    for signer in (SENDER, RECIPIENT):  # the sender's own key; a key it does not name
        inner = _signed_inner(body, signer)
        _only_bundle_errors(lambda inner=inner: bundle.read_inner(inner, _sender))
        sealed = bundle.seal(inner, RECIPIENT.public)
        _only_bundle_errors(lambda sealed=sealed: bundle.open_bundle(sealed, KEYS, _sender))


record_line = st.one_of(
    st.binary(max_size=60),
    st.dictionaries(
        st.text(max_size=12),
        st.none() | st.integers() | st.text(max_size=12) | st.booleans(),
        max_size=6,
    ).map(lambda d: json.dumps(d).encode()),
)


@FUZZ
@given(lines=st.lists(record_line, max_size=6), count=st.integers(0, 7))
def test_arbitrary_records_only_raise_the_formats_error(lines, count):
    data = b"".join(line.replace(b"\n", b" ") + b"\n" for line in lines)
    spec = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "records": count}
    opened = bundle.Opened(
        {"files": {"records/candidates.jsonl": spec}}, b"", b"", {"records/candidates.jsonl": data}
    )
    _only_bundle_errors(lambda: bundle.read_records(opened))


# -- importing: order and repetition do not matter --


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Four bundles from CB01 with edits, a deleted step and an attachment between them,
    an empty committee to copy, and the committee after importing them in order."""
    root = tmp_path_factory.mktemp("props")
    c = build_commune(root / "home")
    cell = c.cells["X01-CB01"]
    with c.committee.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    template = root / "template"
    copy_profile(c.home, "X01", template)
    bundles = [export(cell, root / "b1")]
    edit_file(cell, "X01-CB01-0001", home_town="thôn Bãi Giếng Nam")
    edit_file(cell, "X01-CB01-0002", full_name="Nguyễn Thị Bích Ngọc")
    bundles.append(export(cell, root / "b2"))
    # A history sheet with only the first step of file 3: the later ones are tombstoned.
    first = {
        "file_code": "X01-CB01-0003",
        "step_id": "A1",
        "on": date(2025, 6, 1),
        "result": "Thông qua",
    }
    assert import_tables(cell, RowTables.from_dicts({"steps": [first]}), "test").committed
    scan = root / "scan.pdf"
    scan.write_bytes(b"%PDF scan" * 50)
    attach(cell, "X01-CB01-0004", scan)
    bundles.append(export(cell, root / "b3"))
    edit_file(cell, "X01-CB01-0001", home_town="thôn Bãi Giếng Trung")
    bundles.append(export(cell, root / "b4"))
    reference = _import_in(template, bundles, range(len(bundles)))
    c.close()
    yield template, bundles, reference


def _import_in(template: Path, bundles: list[Path], order) -> dict:
    home = Path(tempfile.mkdtemp(prefix="khdesk-order-"))
    try:
        shutil.copytree(template / "profiles", home / "profiles")
        com = open_station(home, "X01")
        try:
            for i in order:
                report = import_bundle(com, bundles[i])
                assert report.status in ("imported", "duplicate"), report.reason
                assert not report.conflicts
            return dump(com, local=False)
        finally:
            com.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _permutations_converge(history, order) -> None:
    template, bundles, reference = history
    assert _import_in(template, bundles, order) == reference


def _twice_is_once(history, order, repeats) -> None:
    template, bundles, reference = history
    sequence = list(order)
    for position, index in repeats:
        sequence.insert(position % (len(sequence) + 1), index)
    assert _import_in(template, bundles, sequence) == reference


def test_reference_history_is_what_the_cell_has(history):
    _, _, reference = history
    files = {dict(r)["file_code"]: dict(r) for r in reference["candidates"]}
    assert files["X01-CB01-0001"]["home_town"] == "thôn Bãi Giếng Trung"
    assert any(dict(r)["deleted"] for r in reference["steps"])
    assert len(reference["attachments"]) == 1


@DB
@given(order=st.permutations(range(4)))
def test_any_permutation_converges(history, order):
    _permutations_converge(history, order)


@DB
@given(
    order=st.permutations(range(4)),
    repeats=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 3)), min_size=1, max_size=4),
)
def test_import_twice_is_import_once(history, order, repeats):
    _twice_is_once(history, order, repeats)


@pytest.mark.slow
@SLOW
@given(
    order=st.permutations(range(4)),
    repeats=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 3)), max_size=6),
)
def test_many_orders_and_repeats_converge(history, order, repeats):
    _twice_is_once(history, order, repeats)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, derandomize=True)
@given(data=st.binary(max_size=2000))
def test_fuzz_the_parser_longer(data):
    _only_bundle_errors(lambda: bundle.read_inner(data, _sender))
    _only_bundle_errors(lambda: bundle.open_bundle(data, KEYS, _sender))
