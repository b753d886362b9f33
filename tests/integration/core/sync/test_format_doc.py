"""FORMAT.md says what the code does (issue 15 finding 11): the record tables are generated
from the schema and must not drift, optional fields read the same absent or null,
timestamps are refused unless spelled as the writer spells them, the canonical JSON is
what the document pins, and an empty table entry reads as no records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from khdesk.core.clock import is_iso
from khdesk.core.sync import bundle, canonical, records, spec
from khdesk.core.sync import catalogue as fmt
from khdesk.core.sync.errors import BundleError, CatalogueError

VECTORS = Path(__file__).with_name("vectors")


def vector_manifest(name: str = "v1-up") -> dict:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))["manifest"]


def parse(manifest: dict) -> dict:
    return bundle.parse_manifest(canonical.dumps(manifest))


def test_finding_11_record_tables_in_format_md_are_generated_from_the_schema():
    text = spec.format_doc().read_text(encoding="utf-8")
    assert spec.section() in text, "run: python -m khdesk.core.sync.spec"
    assert spec.main(["--check"]) == 0
    # Every wire field of every table is in the document, with its length.
    for name, fields in records.WIRE_FIELDS.items():
        assert f"**`records/{name}.jsonl`**" in text
        for field in fields:
            assert f"| `{field}` |" in text
    assert "| `full_name` | text ≤ 200 | no, required |" in text


def test_finding_11_the_check_fails_when_the_schema_drifts(monkeypatch):
    text = spec.format_doc().read_text(encoding="utf-8")
    drifted = text.replace("| `full_name` | text ≤ 200 |", "| `full_name` | text ≤ 100 |", 1)
    assert drifted != text and spec.rewrite(drifted) == text
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: drifted)
    assert spec.main(["--check"]) == 1


@pytest.mark.parametrize(
    "field", ["prev", "key_rotation", "receipts", "catalogue", "epoch.reason", "epoch.previous"]
)
def test_finding_11_optional_fields_read_the_same_absent_or_null(field):
    manifest = {k: v for k, v in vector_manifest().items()}
    manifest["epoch"] = dict(manifest["epoch"])
    where, _, key = field.rpartition(".")
    holder = manifest["epoch"] if where else manifest
    holder[key] = None
    as_null = parse(manifest)
    del holder[key]
    as_absent = parse(manifest)
    assert (as_null.get(key) if not where else as_null["epoch"].get(key)) is None
    assert (as_absent.get(key) if not where else as_absent["epoch"].get(key)) is None
    # An empty receipts list reads like none.
    manifest["receipts"] = []
    assert parse(manifest)["receipts"] == []


BAD_MOMENTS = [
    "2026-11-20T08:30:00Z",
    "2026-11-20T15:30:00+07:00",
    "2026-11-20T08:30:00.123+00:00",
    "2026-11-20T08:30:00",
    "2026-11-20 08:30:00+00:00",
    "2026-02-30T08:30:00+00:00",
    "2026-11-20",
]


@pytest.mark.parametrize("moment", BAD_MOMENTS)
def test_finding_11_timestamps_are_refused_unless_written_as_the_writer_writes(moment):
    good = vector_manifest()
    assert is_iso(good["created_at"]) and parse(good)  # the frozen vectors still read
    for path in ("created_at", "epoch.started_at", "epoch.reason.last_sent_at"):
        manifest = json.loads(json.dumps(good))
        target = manifest
        *parents, key = path.split(".")
        for p in parents:
            target[p] = target.get(p) or {"code": "restored"}
            target = target[p]
        target[key] = moment
        with pytest.raises(BundleError) as err:
            parse(manifest)
        assert err.value.code == "manifest_field" and "+00:00" in err.value.message
    # A record's updated_at, the same rule.
    row = json.loads(json.dumps(_a_record()))
    row["updated_at"] = moment
    with pytest.raises(BundleError) as err:
        records.from_wire(records.TABLES["candidates"], row, "records/candidates.jsonl, dòng 1")
    assert err.value.code == "record_value"
    # A catalogue's created_at too.
    catalogue = json.loads((VECTORS / "v1-catalogue.json").read_text(encoding="utf-8"))
    cm = {**catalogue["manifest"], "created_at": moment}
    with pytest.raises(CatalogueError) as err:
        fmt.parse_manifest(canonical.dumps(cm))
    assert err.value.code == "manifest_field"


def _a_record() -> dict:
    tables = json.loads((VECTORS / "v1-up.json").read_text(encoding="utf-8"))["tables"]
    return tables["candidates"][0]


def test_finding_11_canonical_json_is_what_the_document_pins():
    value = {"b": 1, "a": '"\\/\x00\x08\t\n\x0c\r\x1f\x7f\u2028é😀', "Z": [True, None, -5]}
    assert canonical.dumps(value) == (
        b'{"Z":[true,null,-5],"a":"\\"\\\\/\\u0000\\b\\t\\n\\f\\r\\u001f'
        + "\x7f\u2028é😀".encode()
        + b'","b":1}'
    )
    # Keys by code point, not by UTF-16 unit: U+FF5E sorts before U+1F600.
    assert canonical.dumps({"😀": 1, "～": 2}) == '{"～":2,"😀":1}'.encode()
    for refused in (1.0, float("nan")):
        with pytest.raises(canonical.JSONRefused):
            canonical.dumps({"x": refused})
    # Depth: the top value is at 0; a value deeper than the limit is refused.
    assert canonical.loads(b'{"a":{"b":1}}', max_depth=2)
    with pytest.raises(canonical.JSONRefused):
        canonical.loads(b'{"a":{"b":1}}', max_depth=1)
    with pytest.raises(canonical.JSONRefused):
        canonical.loads(b'{"a":"e\\u0301"}')  # decomposed, hidden by an escape


def test_finding_11_an_empty_table_entry_reads_as_no_records():
    manifest = vector_manifest()
    name = "records/members.jsonl"
    empty = {"sha256": bundle.bundle_hash(b""), "size": 0, "records": 0}
    parsed = parse({**manifest, "files": {**manifest["files"], name: empty}})
    only = bundle.Opened({**parsed, "files": {name: empty}}, b"", b"", {name: b""})
    assert bundle.read_records(only) == {"members": []}
