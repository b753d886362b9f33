"""Writing a bundle to a stick that fills up, fails, or is pulled out: no file is left
that verifies, the number is never used twice, and the next export goes through."""

from __future__ import annotations

import errno

import pytest
from sqlalchemy import select

from khdesk.core import fsutil
from khdesk.core.errors import InputError
from khdesk.core.services import sync
from khdesk.core.store import schema as t
from khdesk.core.sync import outbox
from khdesk.core.sync.inbox import import_bundle


def sent(session) -> list[tuple[int, str]]:
    with session.store.read() as conn:
        return [(r.seq, r.status) for r in conn.execute(select(t.sync_sent).order_by("seq"))]


def nothing_verifies(committee, folder) -> None:
    for path in folder.iterdir():
        assert not sync.verify_bundle(committee, path).valid, path.name


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_stick_full_or_failing_mid_write(commune, tmp_path, monkeypatch, code):
    cell, com = commune.cells["X01-CB01"], commune.committee
    stick = tmp_path / "stick"
    stick.mkdir()

    def fails_half_way(f, data):
        f.write(data[: len(data) // 2])
        raise OSError(code, "giả lập lỗi thẻ nhớ")

    monkeypatch.setattr(outbox, "_write_all", fails_half_way)
    with pytest.raises(InputError) as refused:
        sync.export_bundle(cell, stick)
    assert "Không ghi được" in refused.value.message
    assert list(stick.iterdir()) == []  # the temp file is gone too
    assert sent(cell) == [(1, "failed")]
    monkeypatch.undo()
    result = sync.export_bundle(cell, stick)
    assert result.seq == 2  # number 1 is burnt, never reused
    report = import_bundle(com, stick / result.path.rsplit("/", 1)[-1])
    assert report.status == "imported", report.reason
    assert any("Chưa nhận các gói số 1 " in n for n in report.notes)


def test_stick_pulled_out_leaves_a_partial_file_that_does_not_verify(
    commune, tmp_path, monkeypatch
):
    cell, com = commune.cells["X01-CB01"], commune.committee
    stick = tmp_path / "stick"
    stick.mkdir()

    def pulled(f, data):
        f.write(data[: len(data) - 100])
        raise OSError(errno.EIO, "thiết bị đã bị rút")

    monkeypatch.setattr(outbox, "_write_all", pulled)
    monkeypatch.setattr(fsutil.os, "unlink", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    with pytest.raises(InputError):
        sync.export_bundle(cell, stick)
    monkeypatch.undo()
    leftovers = list(stick.iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.endswith(".tmp")
    nothing_verifies(com, stick)
    report = import_bundle(com, leftovers[0])
    assert report.status == "refused" and report.code == "decrypt"


def test_read_back_mismatch_removes_the_file(commune, tmp_path, monkeypatch):
    cell = commune.cells["X01-CB01"]
    stick = tmp_path / "stick"
    stick.mkdir()

    def corrupted(path):
        data = bytearray(path.read_bytes())
        data[len(data) // 3] ^= 0x40
        return bytes(data)

    monkeypatch.setattr(outbox, "_read_back", corrupted)
    with pytest.raises(InputError) as refused:
        sync.export_bundle(cell, stick)
    assert "Đọc lại" in refused.value.message and "thẻ nhớ" in refused.value.message
    assert list(stick.iterdir()) == []
    assert sent(cell) == [(1, "failed")]


def test_export_writes_through_a_temp_name_then_renames(commune, tmp_path, monkeypatch):
    cell = commune.cells["X01-CB01"]
    stick = tmp_path / "stick"
    stick.mkdir()
    target = stick / "goi.khdb"
    seen = []
    real = outbox._write_all

    def spy(f, data):
        seen.append(sorted(p.name for p in stick.iterdir()))
        real(f, data)

    monkeypatch.setattr(outbox, "_write_all", spy)
    result = sync.export_bundle(cell, target)
    # While the bytes go out, only a hidden temp name exists; the real name comes last.
    assert len(seen[0]) == 1 and seen[0][0].startswith(".goi.khdb.") and seen[0][0].endswith(".tmp")
    assert result.path == str(target) and [p.name for p in stick.iterdir()] == ["goi.khdb"]
    assert sent(cell) == [(1, "done")]
