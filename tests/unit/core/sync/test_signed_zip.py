"""The one signed-zip reader both sync files use (bundles' inner archive, catalogues):
the same checks, each refusal the format's own error naming the file kind, and nothing
but the signed part inflated before the caller has checked the signature."""

from __future__ import annotations

import io
import zipfile

import pytest

from khdesk.core.sync import signed_zip
from khdesk.core.sync.errors import BundleError, CatalogueError, SyncError

KINDS = [(BundleError, "gói"), (CatalogueError, "tệp danh mục")]


def _shape(error: type[SyncError], noun: str, **caps: int) -> signed_zip.Shape:
    return signed_zip.Shape(
        error,
        noun,
        lambda name: name.startswith("data/"),
        {"manifest": 1000, "sig": signed_zip.SIGNATURE_SIZE},
        max_entries=caps.get("max_entries", 10),
        max_entry=caps.get("max_entry", 10_000),
        max_total=caps.get("max_total", 100_000),
    )


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries:
            signed_zip.add_entry(zf, name, data)
    return out.getvalue()


CONTENT = {"data/a": b"alpha " * 50, "data/b": b"beta"}
SIGNED = [("manifest", b"{}"), ("sig", bytes(64))]
LISTED = {name: signed_zip.describe(data) for name, data in CONTENT.items()}


@pytest.mark.parametrize("error, noun", KINDS)
def test_the_signed_part_then_exactly_the_listed_entries(error, noun):
    archive = signed_zip.read_signed_part(_zip(SIGNED + list(CONTENT.items())), _shape(error, noun))
    assert archive.signed == {"manifest": b"{}", "sig": bytes(64)}
    assert archive.read_listed(LISTED) == CONTENT


def _refusal(error, noun, data: bytes, listed=LISTED, **caps) -> SyncError:
    with pytest.raises(error) as caught:
        signed_zip.read_signed_part(data, _shape(error, noun, **caps)).read_listed(listed)
    return caught.value


@pytest.mark.filterwarnings("ignore:Duplicate name")  # zipfile warns writing the hostile one
@pytest.mark.parametrize("error, noun", KINDS)
@pytest.mark.parametrize(
    "entries, caps, code",
    [
        (SIGNED + [("data/a", b"x"), ("data/a", b"y")], {}, "duplicate_entry"),
        (SIGNED + [("../data/a", b"x")], {}, "bad_entry_name"),
        (SIGNED + [("data/a", b"x" * 2000)], {"max_entry": 1000}, "entry_too_large"),
        (SIGNED + [("data/a", b"x" * 900), ("data/b", b"x" * 900)], {"max_total": 1500},
         "too_large_total"),
        (SIGNED + [(f"data/{i}", b"") for i in range(9)], {"max_entries": 10}, "too_many_entries"),
        ([("manifest", b"{}")], {}, "missing_entry"),
        (SIGNED + [("data/a", CONTENT["data/a"])], {}, "entries_mismatch"),
        (SIGNED + [("data/a", CONTENT["data/a"]), ("data/b", b"BETA")], {}, "entry_hash"),
    ],
)  # fmt: skip
def test_each_check_refuses_as_the_formats_own_error(error, noun, entries, caps, code):
    refused = _refusal(error, noun, _zip(entries), **caps)
    assert refused.code == code, refused.message
    if code in ("duplicate_entry", "bad_entry_name", "too_large_total", "entries_mismatch"):
        assert noun in refused.message.lower()


@pytest.mark.parametrize("error, noun", KINDS)
def test_not_a_zip(error, noun):
    refused = _refusal(error, noun, b"PK\x05\x06 but nothing else")
    assert refused.code == "inner_zip" and noun in refused.message


def _damaged(data: bytes, name: str) -> bytes:
    """`data` with the compressed bytes of entry `name` overwritten."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    out = bytearray(data)
    out[start : start + info.compress_size] = b"\xff" * info.compress_size
    return bytes(out)


def test_no_other_entry_is_inflated_before_the_caller_asks():
    """A damaged content entry passes the first step (only the directory and the signed
    part are read) and is refused by the second, after the signature would be checked."""
    data = _damaged(_zip(SIGNED + list(CONTENT.items())), "data/a")
    archive = signed_zip.read_signed_part(data, _shape(BundleError, "gói"))
    with pytest.raises(BundleError) as refused:
        archive.read_listed(LISTED)
    assert refused.value.code == "inner_zip"
