"""Make the frozen catalogue vector, once:
`python -m tests.sync.vectors.make_catalogue_vector`.

The files this writes are FROZEN: every later khdesk must still read them
(test_catalogue.py). The script refuses to overwrite them; a new catalogue format version
gets a new vector beside this one. Keys are fixed (derived from labels) and Ed25519 is
deterministic, so the manifest and signatures can be made again byte for byte; the zip's
deflate stream may differ between zlib versions, which is why the file is the vector.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.sync.vectors.make_vectors import fixed_pair

from khdesk.core.sync import canonical, keys
from khdesk.core.sync import catalogue as fmt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[4]
PROVINCE = fixed_pair("province KH")
COMMITTEE = fixed_pair("committee X01")
CATALOGUE_ID = "5c1e7a2b-90d4-4f6e-8a31-2b7c9d0e1f01"

OVERLAY = {
    "format": 1,
    "overlay": True,
    "legal_basis": "KH-HD/2027",
    "title": "Hướng dẫn của Ban Thường vụ Tỉnh ủy (ví dụ của véc-tơ kiểm thử)",
    "applies_to": ["294-QĐ/TW"],
    "effective_from": "2027-01-01",
    "params": {
        "warning_window_days": {
            "value": 60,
            "source": "Ví dụ kiểm thử: báo trước 60 ngày",
            "grade": "S",
        }
    },
    "severities": {"INTRO_YOUTH": "error"},
}
CALENDAR = {
    "country": "VN",
    "days_off": [{"date": "2027-02-15", "name": "Nghỉ bù (ví dụ của véc-tơ kiểm thử)"}],
    "working_days": [],
}


def _org(uuid: str, code: str, name: str, parent: str | None, kind: str, **flags) -> dict:
    row = {
        "uuid": uuid,
        "rev": 2,
        "owner": "KH",
        "updated_by": "bithu",
        "updated_at": "2027-01-10T02:00:00+00:00",
        "deleted": False,
        "code": code,
        "name": name,
        "parent_code": parent,
        "kind": kind,
        "is_grassroots_cell": None,
        "self_managed": None,
        "has_youth_union": None,
        "special_area": None,
        "villages": None,
        "village_head_is_member": None,
        "decision_body": None,
    }
    row.update(flags)
    return row


ORGS = [
    _org("5c1e7a2b-90d4-4f6e-8a31-2b7c9d0e1a01", "KH", "Tỉnh ủy Khánh Hòa", None, "Tỉnh ủy"),
    _org("5c1e7a2b-90d4-4f6e-8a31-2b7c9d0e1a02", "X01", "Đảng ủy xã Cam Hải", "KH", "Đảng ủy xã"),
    _org(
        "5c1e7a2b-90d4-4f6e-8a31-2b7c9d0e1a03",
        "X01-CB01",
        "Chi bộ thôn Tân Đức",
        "X01",
        "Chi bộ thôn",
        is_grassroots_cell=True,
        special_area=True,
        villages=1,
    ),
]


def entries() -> dict[str, bytes]:
    return {
        "rulebooks/294-2025.json": (HERE / "v1-catalogue-294-2025.json").read_bytes(),
        "rulebooks/kh-2027.json": canonical.dumps(OVERLAY),
        fmt.CALENDAR: canonical.dumps(CALENDAR),
        "forms/mau/6-KND.txt": "Mẫu 6-KNĐ (ví dụ của véc-tơ kiểm thử)\n".encode(),
        fmt.ORGS: fmt.org_lines(ORGS),
    }


def manifest() -> dict:
    return fmt.build_manifest(
        PROVINCE,
        org_code="KH",
        org_name="Tỉnh ủy Khánh Hòa",
        catalogue_id=CATALOGUE_ID,
        seq=1,
        issued_on="2027-01-12",
        created_at="2027-01-12T01:00:00+00:00",
        app_version="0.1.0",
        note="Véc-tơ kiểm thử định dạng danh mục 1",
        entries=entries(),
    )


def endorsement(catalogue_hash: str) -> dict:
    return fmt.endorse(
        catalogue_hash,
        PROVINCE.key_id,
        COMMITTEE,
        org_code="X01",
        org_name="Đảng ủy xã Cam Hải",
        role="committee",
        at="2027-01-13T03:00:00+00:00",
    )


def main() -> int:
    targets = [HERE / n for n in ("v1-catalogue.khdc", "v1-catalogue.json", "catalogue-keys.json")]
    if any(p.exists() for p in targets):
        print("The catalogue vector exists and is frozen: not overwriting.", file=sys.stderr)
        return 1
    book = HERE / "v1-catalogue-294-2025.json"
    if not book.exists():  # a frozen copy of the shipped book as it was
        book.write_bytes((ROOT / "resources" / "rulebooks" / "294-2025.json").read_bytes())
    m = manifest()
    issued = fmt.read(fmt.write(m, entries(), PROVINCE))
    endorsed = endorsement(issued.catalogue_hash)
    data = fmt.reassemble(issued.manifest_bytes, issued.signature, [endorsed], entries())
    opened = fmt.read(data)
    (HERE / "v1-catalogue.khdc").write_bytes(data)
    expected = {
        "manifest": m,
        "endorsements": [endorsed],
        "version": opened.version,
        "catalogue_hash": opened.catalogue_hash,
        "signature": keys.b64(opened.signature),
        "entries": {name: m["files"][name]["sha256"] for name in sorted(m["files"])},
    }
    (HERE / "v1-catalogue.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    doc = {
        label: {
            "sign_private": pair.sign_private.hex(),
            "enc_private": pair.enc_private.hex(),
            "key_id": pair.key_id,
            "fingerprint": pair.public.fingerprint,
        }
        for label, pair in (("province", PROVINCE), ("committee", COMMITTEE))
    }
    (HERE / "catalogue-keys.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"wrote {', '.join(p.name for p in targets)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
