"""Issue 15 finding 2 and the attachment lows of 12: an attachment's name is data, never a
path. Names like these arrive in a bundle from a cell (the inbox stores them as sent); here
they are stored the way the inbox stores them, then saved through the real CLI."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khdesk.core import fsutil
from khdesk.core.errors import InputError
from khdesk.core.services import attachments, integrity
from khdesk.core.services.session import open_profile
from khdesk.core.store import schema as t
from tests.conftest import PASSWORD
from tests.integration.core.services import test_attachments

CODE = "X01-CB01-0001"
with_file = test_attachments.with_file  # the fixture: a cell with one file
HOSTILE = [
    "../../x",
    "/tmp/x",
    "..\\..\\x.bat",
    "C:\\x",
    "C:x.pdf",
    "CON.txt",
    "nul",
    "scan.pdf:Zone.Identifier",
    "a" * 250 + ".pdf",  # 254 bytes: attaches (from a bundle) and must still be saved
    "ả" * 126 + ".pdf",  # 256 bytes of UTF-8 in 130 characters
    "đơn\x00.pdf",
    "đơn\n../x.pdf",
    "hóa đơn\u202efdp.exe",  # shows as "hóa đơnexe.pdf"
    "..",
    "",
    " . ",
]


def store_as_received(session, name: str, content: bytes) -> str:
    """An attachment row as a bundle's inbox writes it: the name exactly as sent."""
    import hashlib

    digest = hashlib.sha256(content).hexdigest()
    with session.store.write(session.user) as tx:
        cuid = attachments._file_uuid(tx.conn, CODE)
        if tx.conn.execute(t.blobs.select().where(t.blobs.c.sha256 == digest)).first() is None:
            tx.conn.execute(
                t.blobs.insert().values(sha256=digest, size=len(content), content=content)
            )
        record = {**tx.new_record(), "candidate_uuid": cuid, "name": name, "sha256": digest}
        tx.conn.execute(t.attachments.insert().values(**record, size=len(content)))
    return record["uuid"]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_finding_2_attachment_name_cannot_escape_folder(with_file, tmp_path, capsys, monkeypatch):
    from khdesk.cli.main import main

    uuids = {
        name: store_as_received(with_file, name, f"nội dung {i}".encode())
        for i, name in enumerate(HOSTILE)
    }
    home, profile = with_file.dir.home, with_file.dir.name
    with_file.close()
    monkeypatch.setenv("KHDESK_PASSWORD", PASSWORD)
    out = tmp_path / "ra" / "sau"
    out.mkdir(parents=True)
    before = tree(tmp_path)
    for i, name in enumerate(HOSTILE):
        code = main(
            [
                "attach",
                "save",
                uuids[name],
                "--out",
                str(out),
                "--home",
                str(home),
                "--profile",
                profile,
                "--json",
            ]
        )
        printed = capsys.readouterr()
        assert code == 0, (name, printed.err)
        written = Path(json.loads(printed.out)["out"])
        assert written.parent == out and written.read_bytes() == f"nội dung {i}".encode(), name
        assert len(written.name.encode("utf-8")) <= fsutil.MAX_NAME_BYTES
        assert not any(ch in written.name for ch in "/\\:\x00\n\u202e") and ".." not in written.name
        assert written.name.split(".")[0].upper() not in ("CON", "NUL", "")
    assert len(list(out.iterdir())) == len(HOSTILE)  # one new file each, none overwritten
    assert main(["attach", "list", CODE, "--home", str(home), "--profile", profile]) == 0
    listed = capsys.readouterr().out
    assert not any(ch in listed for ch in "\x00\u202e") and "../" not in listed
    new = tree(tmp_path) - before
    assert all(p.startswith(("ra/sau/", "home/")) for p in new), new
    assert not (tmp_path / "x").exists() and not (tmp_path / "ra" / "x").exists()
    for absolute in (Path("/tmp/x"), Path("/tmp/x.pdf")):
        assert not absolute.is_file() or not absolute.read_bytes().startswith("nội dung".encode())


def test_finding_2_saving_twice_never_overwrites(with_file, tmp_path):
    uuid = store_as_received(with_file, "đơn.pdf", b"%PDF mot")
    first = attachments.save_attachment(with_file, uuid, tmp_path)
    second = attachments.save_attachment(with_file, uuid, tmp_path)
    assert (first.name, second.name) == ("đơn.pdf", "đơn (2).pdf")
    assert first.read_bytes() == second.read_bytes() == b"%PDF mot"
    actions = [e["action"] for e in integrity.list_audit(with_file, limit=5)]
    assert actions[:2] == ["save_attachment", "save_attachment"]


# Any text, and names built from the pieces that break paths, more often than chance would.
PIECES = ["..", ".", "/", "\\", ":", "C:", "CON", "nul", "LPT1", ".exe", ".pdf", " ", "\x00",
          "\n", "\u202e", "\u200b", "\ud800", "ả" * 40, "a" * 70, "~", "$", "*", "?"]  # fmt: skip
NAMES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=12).map("".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES)
def test_finding_2_any_stored_name_saved_into_a_folder_lands_inside_it(name):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "ra"
        folder.mkdir()
        safe = fsutil.safe_file_name(name)
        assert safe and Path(safe).name == safe and safe not in (".", "..")
        assert len(safe.encode("utf-8")) <= fsutil.MAX_NAME_BYTES
        assert fsutil.safe_file_name(safe) == safe  # cleaning twice changes nothing
        first = fsutil.write_new_file(folder, name, b"1")
        second = fsutil.write_new_file(folder, name, b"2")
        assert first.parent == folder and second.parent == folder
        assert len(second.name.encode("utf-8")) <= fsutil.MAX_NAME_BYTES
        assert first.read_bytes() == b"1" and second.read_bytes() == b"2"
        assert [p.name for p in root.iterdir()] == ["ra"]
        assert sorted(p.name for p in folder.iterdir()) == sorted({first.name, second.name})


@pytest.mark.parametrize(
    "name",
    ["x.exe", "x.pdf.exe", "x.bat", "x.cmd", "x.com", "x.scr", "x.ps1", "x.vbs", "x.js",
     "x.jse", "x.wsf", "x.msi", "x.lnk", "x.hta", "x.cpl", "x.jar", "x.reg", "x.url",
     "x.html", "x.svg", "x", "x.pdf\u202eexe.", "x.PDF .EXE", "x.desktop", "x.sh"],
)  # fmt: skip
def test_finding_2_executable_extensions_never_opened(with_file, name):
    uuid = store_as_received(with_file, name, b"MZ program")
    with pytest.raises(InputError, match="Lưu bản sao"):
        attachments.open_copy(with_file, uuid)
    assert not with_file.dir.open_copies_dir.exists() or not any(
        with_file.dir.open_copies_dir.iterdir()
    )


def test_finding_12_open_copies_are_private_and_gone_after_close_and_at_start(with_file):

    uuid = store_as_received(with_file, "../../quyết định.PDF", b"%PDF bi mat")
    copy = attachments.open_copy(with_file, uuid)
    folder = with_file.dir.open_copies_dir
    assert copy.parent == folder and copy.read_bytes() == b"%PDF bi mat"
    if os.name == "posix":
        assert folder.stat().st_mode & 0o777 == 0o700
    home, name = with_file.dir.home, with_file.dir.name
    with_file.close()
    assert not copy.exists()
    # A crash leaves a copy behind: the next opening of the profile removes it.
    folder.mkdir(exist_ok=True)
    (folder / "con-sot.pdf").write_bytes(b"%PDF con sot")
    again = open_profile(home, name, "bithu", PASSWORD)
    try:
        assert not any(folder.iterdir())
    finally:
        again.close()


def test_finding_12_attach_refuses_devices_and_pipes_before_reading(with_file, tmp_path):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(InputError, match="không phải là một tệp thông thường"):
        attachments.attach(with_file, CODE, Path("/dev/zero"))
    pipe = tmp_path / "ong.pdf"
    os.mkfifo(pipe)  # opening it to read would wait for a writer forever
    with pytest.raises(InputError, match="không phải là một tệp thông thường"):
        attachments.attach(with_file, CODE, pipe)
    with pytest.raises(InputError, match="không phải là một tệp thông thường"):
        attachments.attach(with_file, CODE, tmp_path)
    assert attachments.list_attachments(with_file, CODE) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_finding_12_attach_stops_reading_at_the_cap_when_the_size_lies(with_file, monkeypatch):
    # /proc files are regular files whose size reads as 0, like a file that grows while read.
    maps = Path("/proc/self/maps")
    assert maps.stat().st_size == 0 and len(maps.read_bytes()) > 4096
    monkeypatch.setattr(attachments, "MAX_BYTES", 4096)
    monkeypatch.setattr(attachments, "_CHUNK", 1024)
    with pytest.raises(InputError, match="quá lớn"):
        attachments.attach(with_file, CODE, maps)
    assert attachments.list_attachments(with_file, CODE) == []


def test_finding_12_attach_refuses_a_file_over_the_cap_by_its_size(with_file, tmp_path):
    big = tmp_path / "to.pdf"
    with open(big, "wb") as f:
        f.truncate(attachments.MAX_BYTES + 1)  # sparse: nothing is really written
    with pytest.raises(InputError, match="quá lớn"):
        attachments.attach(with_file, CODE, big)


def test_finding_12_long_and_control_character_names_attach_and_save(with_file, tmp_path):
    long = tmp_path / ("b" * 250 + ".pdf")  # 254 bytes, what ext4 and NTFS allow
    long.write_bytes(b"%PDF dai")
    odd = tmp_path / "đơn\x07\nxin.pdf"
    odd.write_bytes(b"%PDF la")
    out = tmp_path / "ra"
    out.mkdir()
    for source in (long, odd):
        stored = attachments.attach(with_file, CODE, source)
        assert fsutil.safe_file_name(stored["name"]) == stored["name"]
        assert not any(ord(ch) < 32 for ch in stored["name"])
        saved = attachments.save_attachment(with_file, stored["uuid"], out)
        assert saved.parent == out and saved.read_bytes() == source.read_bytes()
    assert stored["name"] == "đơn__xin.pdf"


@pytest.mark.parametrize("name", ["../../thoat", "..", "CON", "a/b", "tên có dấu"])
def test_finding_2_a_backup_names_no_folder_outside_the_profiles(cell, tmp_path, name):
    """A backup's profile.json is not covered by its hash: the name in it is data."""
    import zipfile

    from khdesk.core.errors import UsageError
    from khdesk.core.services import backup

    info = backup.create_backup(cell, "manual")
    forged = tmp_path / "gia.khbak"
    with zipfile.ZipFile(info.path) as src, zipfile.ZipFile(forged, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "profile.json":
                data = json.dumps({**json.loads(data), "name": name}).encode()
            out.writestr(item, data)
    other = tmp_path / "may-khac" / "home"
    before = tree(tmp_path)
    with pytest.raises(UsageError, match="Tên hồ sơ"):
        backup.import_backup(other, forged, None, PASSWORD)
    assert tree(tmp_path) - before <= {"may-khac", "may-khac/home", "may-khac/home/profiles"}
    moved = backup.import_backup(other, forged, None, PASSWORD, name="X01-CB01-moi")
    moved.close()
