"""Make the frozen format-1 vector of reported history (FORMAT.md §11), run once:
`python -m tests.sync.vectors.make_audit_vector`.

FROZEN like the others (make_vectors.py): the script refuses to overwrite its files. It
uses the same fixed keys (keys.json): the cell X01-CB01 sends its second bundle of epoch 1
to the committee X01, acknowledging a return bundle, naming its catalogue, and reporting
its audit chain: four entries, one of them holding text that is not NFC, as stored.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.sync.vectors.make_vectors import EPOCH_1, FILE_UUID, RECIPIENT, SENDER, _meta, tables

from khdesk.core.store.store import GENESIS, entry_hash
from khdesk.core.sync import bundle, history

HERE = Path(__file__).resolve().parent
NAME = "v1-up-audit"
# The bundle hash of v1-up.khdb (its manifest's SHA-256): this bundle follows it.
V1_UP_HASH = "d620995428ec75766e25d484898c8fcbe44ea0989cb200852d02447aeee227a2"


def entries() -> list[dict]:
    """The cell's chain from its first entry (positions 1 … 4)."""
    rows = [
        ("2026-01-05T07:00:00+00:00", "bithu", "profile_create", "profile", "X01-CB01", None),
        ("2026-11-20T08:00:00+00:00", "bithu", "change", "candidate", "X01-CB01-0001", None),
        (
            "2026-11-20T08:10:00+00:00",
            "pho",
            "attach",
            "candidate",
            "X01-CB01-0001",
            # As stored by an old version that did not normalise: o + U+0300, not ò.
            '{"name":"ho\u0300 so\u031b.pdf"}',
        ),
        ("2026-11-20T08:29:00+00:00", "bithu", "open", "candidate", "X01-CB01-0002", None),
    ]
    out, prev = [], GENESIS
    for at, user, action, entity, key, detail in rows:
        digest = entry_hash(prev, at, user, action, entity, key, detail)
        out.append(
            {
                "at": at,
                "user": user,
                "action": action,
                "entity": entity,
                "entity_key": key,
                "detail": detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return out


def manifest() -> dict:
    chain = entries()
    return {
        "format": bundle.FORMAT,
        "format_version": 1,
        "kind": "up",
        "bundle_id": "0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f9003",
        "created_at": "2026-11-20T08:30:00+00:00",
        "sender": {
            "org_code": "X01-CB01",
            "org_name": "Chi bộ thôn Tân Đức",
            "role": "cell",
            "key_id": SENDER.key_id,
        },
        "recipient": {"org_code": "X01", "key_id": RECIPIENT.key_id},
        "epoch": {
            "id": EPOCH_1,
            "started_at": "2026-01-05T07:00:00+00:00",
            "reason": None,
            "previous": None,
        },
        "seq": 2,
        "prev": {"seq": 1, "hash": V1_UP_HASH},
        "schema_version": "0008",
        "app_version": "0.1.0",
        "changes": {"from": 7, "upto": 9},
        "full": False,
        "key_rotation": None,
        "receipts": [
            {
                "epoch": "6f0e1c7a-3b1d-4a55-9a3e-0c1f5d2b7e0a",
                "seq": 1,
                "bundle_hash": "5" * 64,
                "upto": 12,
            }
        ],
        "catalogue": {"version": "builtin/0.1.0", "content_hash": "c" * 64},
        "audit": {"from": 0, "count": len(chain), "hash": chain[-1]["hash"]},
    }


def vector_tables() -> dict[str, list[dict]]:
    """One change since v1-up: the first file's home town, revision 4."""
    first = next(r for r in tables()["candidates"] if r["uuid"] == FILE_UUID)
    return {"candidates": [{**first, **_meta(FILE_UUID, rev=4), "home_town": "xã Cam Hải Đông"}]}


def main() -> int:
    target = HERE / f"{NAME}.khdb"
    if target.exists():
        print("written: nothing (vectors are frozen)")
        return 0
    inner, manifest_bytes = bundle.build_inner(
        manifest(), vector_tables(), {}, SENDER, history.encode(entries())
    )
    target.write_bytes(bundle.seal(inner, RECIPIENT.public))
    expected = {
        "manifest": json.loads(manifest_bytes),
        "tables": vector_tables(),
        "files": {},
        "audit_entries": entries(),
    }
    (HERE / f"{NAME}.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print("written:", NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
