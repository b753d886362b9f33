"""Attachments live inside the encrypted database and their reading is audited."""

from datetime import date

import pytest

from khdesk.core.errors import InputError
from khdesk.core.services.attachments import attach, list_attachments, open_copy
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.store import schema as t

pytestmark = pytest.mark.usefixtures("engine_kind")


@pytest.fixture
def with_file(cell):
    row = {
        "file_code": "X01-CB01-0001",
        "full_name": "Nguyễn Thị Hoa",
        "sex": "Nữ",
        "birth_date": date(2000, 5, 4),
        "org_code": "X01-CB01",
    }
    import_tables(cell, RowTables.from_dicts({"candidates": [row]}), "test")
    return cell


def test_attachment_round_trip_encrypted_and_deduplicated(with_file, tmp_path):
    scan = tmp_path / "đơn xin vào Đảng.pdf"
    secret = b"%PDF-1.4 BAN SCAN DON CUA NGUYEN THI HOA " * 100
    scan.write_bytes(secret)
    first = attach(with_file, "X01-CB01-0001", scan)
    copy = tmp_path / "ban-sao.pdf"
    copy.write_bytes(secret)
    attach(with_file, "X01-CB01-0001", copy)
    listed = list_attachments(with_file, "X01-CB01-0001")
    assert [a["name"] for a in listed] == ["đơn xin vào Đảng.pdf", "ban-sao.pdf"]
    shown = open_copy(with_file, first["uuid"])  # "Mở": a copy in the private folder
    assert shown.name == "đơn xin vào Đảng.pdf" and shown.read_bytes() == secret
    with with_file.store.read() as conn:
        assert conn.execute(t.blobs.select()).all().__len__() == 1  # stored once
        actions = [r.action for r in conn.execute(t.audit.select())]
    assert actions.count("attach") == 2 and "open_attachment" in actions
    db = with_file.dir.db_file
    raw = b"".join(p.read_bytes() for p in db.parent.glob("khdesk.db*"))
    assert b"BAN SCAN DON" not in raw


def test_attach_to_unknown_file_refused(with_file, tmp_path):
    scan = tmp_path / "a.pdf"
    scan.write_bytes(b"x")
    with pytest.raises(InputError):
        attach(with_file, "X01-CB01-9999", scan)
