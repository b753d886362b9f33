"""Make the frozen format-1 test vectors (run once: `python -m tests.sync.vectors.make_vectors`).

The files this writes are FROZEN: every later khdesk must still read them (test_vectors.py).
The script refuses to overwrite them. A new format version gets new vectors beside these.
The keys are fixed (derived from labels); only the HPKE encapsulation is random, which is
why the sealed files, not this script, are the vectors.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from khdesk.core.sync import bundle, canonical, keys

HERE = Path(__file__).resolve().parent


def fixed_pair(label: str) -> keys.KeyPair:
    def seed(part: str) -> bytes:
        return hashlib.sha256(f"khdesk test vector/{label}/{part}".encode()).digest()

    return keys.KeyPair(seed("sign"), seed("enc"))


SENDER = fixed_pair("cell X01-CB01")
SENDER_NEW = fixed_pair("cell X01-CB01 after rotation")
RECIPIENT = fixed_pair("committee X01")
EPOCH_1 = "6f0e1c7a-3b1d-4a55-9a3e-0c1f5d2b7e01"
EPOCH_2 = "6f0e1c7a-3b1d-4a55-9a3e-0c1f5d2b7e02"
FILE_UUID = "0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f1001"
SCAN = b"%PDF-1.4\n% khdesk test vector: don xin vao Dang\n%%EOF\n"
SCAN_SHA = hashlib.sha256(SCAN).hexdigest()


def _meta(uuid: str, rev: int = 1, deleted: bool = False) -> dict:
    return {
        "uuid": uuid,
        "rev": rev,
        "owner": "X01-CB01",
        "updated_by": "bithu",
        "updated_at": "2026-11-20T08:00:00+00:00",
        "deleted": deleted,
    }


def tables() -> dict[str, list[dict]]:
    candidate = {
        "file_code": "X01-CB01-0001",
        "full_name": "Nguyễn Thị Hoà Đức",
        "sex": "Nữ",
        "birth_date": "2000-05-04",
        "home_town": "xã Cam Lâm, Khánh Hòa",
        "cccd": "056300123456",
        "history_no": None,
        "ethnicity": "Kinh",
        "religion": "Không",
        "education": "Đại học",
        "occupation": "Giáo viên",
        "sea_fisher": False,
        "workplace": "Trường THCS Cam Lâm",
        "workplace_kind": "Đơn vị sự nghiệp",
        "youth_union_member": True,
        "village_head": False,
        "org_code": "X01-CB01",
        "a6_introducer1": None,
        "a6_introducer1_since": None,
        "a6_introducer2": None,
        "a6_introducer2_since": None,
        "a6_union_intro": None,
        "a6_replacement": None,
        "mentor": "X01-CB01-DV001",
        "exception_approval": None,
    }
    second = {
        **candidate,
        "file_code": "X01-CB01-0002",
        "full_name": "Trần Văn Ất",
        "sex": "Nam",
        "birth_date": "1998-01-31",
        "cccd": None,
        "sea_fisher": True,
        "mentor": None,
    }
    step = {
        "candidate_uuid": FILE_UUID,
        "step_id": "A1",
        "on": "2025-12-13",
        "seq": 1,
        "result": "passed",
        "doc_no": None,
        "official_members": None,
        "votes_for": None,
        "received_on": None,
        "note": None,
    }
    return {
        "candidates": [
            {**_meta(FILE_UUID, rev=3), **candidate},
            {**_meta("0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f1002"), **second},
        ],
        "steps": [
            {**_meta("0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f2001"), **step},
            {
                **_meta("0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f2002"),
                **step,
                "step_id": "A2",
                "on": "2026-03-02",
                "seq": 2,
                "doc_no": "12-GCN/TTCT",
            },
            {
                **_meta("0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f2003", rev=2, deleted=True),
                **step,
                "step_id": "A3",
                "on": "2026-04-01",
                "seq": 3,
            },
        ],
        "attachments": [
            {
                **_meta("0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f3001"),
                "candidate_uuid": FILE_UUID,
                "step_uuid": None,
                "name": "đơn xin vào Đảng.pdf",
                "sha256": SCAN_SHA,
                "size": len(SCAN),
            },
        ],
    }


def manifest(number: int, epoch: dict, signer: keys.KeyPair, rotation: dict | None) -> dict:
    return {
        "format": bundle.FORMAT,
        "format_version": 1,
        "kind": "up",
        "bundle_id": f"0b6c1f0e-8d7a-4e36-b1a2-5c3d9e7f900{number}",
        "created_at": "2026-11-20T08:30:00+00:00",
        "sender": {
            "org_code": "X01-CB01",
            "org_name": "Chi bộ thôn Tân Đức",
            "role": "cell",
            "key_id": signer.key_id,
        },
        "recipient": {"org_code": "X01", "key_id": RECIPIENT.key_id},
        "epoch": epoch,
        "seq": 1,
        "prev": None,
        "schema_version": "0004",
        "app_version": "0.1.0",
        "changes": {"from": 0, "upto": 7},
        "full": True,
        "key_rotation": rotation,
    }


def rotation_statement() -> dict:
    body = {
        "format": "khdesk-key-rotation",
        "version": 1,
        "org_code": "X01-CB01",
        "old_key_id": SENDER.key_id,
        "new_key_id": SENDER_NEW.key_id,
        "new_sign_public": keys.b64(SENDER_NEW.public.sign),
        "new_enc_public": keys.b64(SENDER_NEW.public.enc),
        "at": "2026-11-21T09:00:00+00:00",
    }
    return {
        "statement": body,
        "signature": keys.b64(SENDER.sign(keys.ROTATION_CONTEXT, canonical.dumps(body))),
    }


def cases() -> dict[str, tuple[dict, keys.KeyPair]]:
    first = {
        "id": EPOCH_1,
        "started_at": "2026-01-05T07:00:00+00:00",
        "reason": None,
        "previous": None,
    }
    second = {
        "id": EPOCH_2,
        "started_at": "2026-11-21T09:00:00+00:00",
        "reason": {"code": "restored", "last_sent_at": "2026-03-12T10:00:00+00:00"},
        "previous": {"id": EPOCH_1, "last_seq": 3},
    }
    return {
        "v1-up": (manifest(1, first, SENDER, None), SENDER),
        "v1-up-new-epoch-rotated-key": (
            manifest(2, second, SENDER_NEW, rotation_statement()),
            SENDER_NEW,
        ),
    }


def main() -> int:
    written = []
    for name, (m, signer) in cases().items():
        target = HERE / f"{name}.khdb"
        if target.exists():
            continue
        inner, manifest_bytes = bundle.build_inner(m, tables(), {SCAN_SHA: SCAN}, signer)
        target.write_bytes(bundle.seal(inner, RECIPIENT.public))
        expected = {
            "manifest": json.loads(manifest_bytes),
            "tables": tables(),
            "files": {SCAN_SHA: SCAN.decode("ascii")},
        }
        (HERE / f"{name}.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        written.append(name)
    keys_file = HERE / "keys.json"
    if not keys_file.exists():
        doc = {
            label: {
                "sign_private": pair.sign_private.hex(),
                "enc_private": pair.enc_private.hex(),
                "key_id": pair.key_id,
                "fingerprint": pair.public.fingerprint,
            }
            for label, pair in (
                ("sender", SENDER),
                ("sender_new", SENDER_NEW),
                ("recipient", RECIPIENT),
            )
        }
        keys_file.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
        written.append("keys")
    card_file = HERE / "v1-card.card"
    if not card_file.exists():
        card_file.write_bytes(
            keys.make_card(
                SENDER, "X01-CB01", "Chi bộ thôn Tân Đức", "cell", "2026-01-05T07:00:00+00:00"
            )
        )
        written.append("card")
    print("written:", ", ".join(written) or "nothing (vectors are frozen)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
