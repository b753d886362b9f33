"""The demo as a secretary meets it: real encrypted profiles, search, nothing readable on
disk; and `khdesk demo` as the product — the committee and its cells linked (keys both
ways, bundles imported, a decision sent down, the province's catalogue installed, a shared
folder for the USB stick)."""

import json
import sqlite3
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from khdesk.core.services import sync
from khdesk.core.services.candidates import list_files, open_file
from khdesk.core.services.catalogue import show_catalogue
from khdesk.core.services.committee import cell_overview
from khdesk.core.services.session import (
    ProfileDir,
    list_profiles,
    load_settings,
    open_profile,
    settings_path,
)
from khdesk.core.text import fold
from khdesk.demo.loop import DECIDED_FILE, DECISION_NO, SYNC_FOLDER
from khdesk.demo.small import DUC_NAMES, PLANTED, small_demo
from khdesk.demo.stations import DEMO_PASSWORD, DEMO_USER, create_demo
from tests.integration.cli.test_cli import khdesk

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    names = create_demo(home, "demo-password", today=TODAY)
    return home, names


def opened(home, name):
    return open_profile(home, name, DEMO_USER, "demo-password")


def all_files(home, names, **kw):
    found = []
    for name in names:
        session = opened(home, name)
        found += list_files(session, **kw)
        session.close()
    return found


def test_demo_has_committee_and_three_cell_profiles(demo_home):
    home, names = demo_home
    roles = {p.name: p.role for p in list_profiles(home)}
    assert roles == {"X01": "committee", "X01-CB01": "cell", "X01-CB03": "cell", "X01-CB04": "cell"}
    assert names[0] == "X01"


def test_demo_files_cover_every_state_and_planted_problems(demo_home):
    home, names = demo_home
    files = all_files(home, names)
    assert len(files) >= 30
    assert {f["state"] for f in files} == {
        "NGUON",
        "BOI_DUONG",
        "HO_SO",
        "THAM_TRA",
        "CHI_BO_XET",
        "QUYET_DINH",
        "DU_BI",
        "CHINH_THUC",
        "XOA_TEN",
        "DUNG",
    }
    assert set(PLANTED) <= {f["file_code"] for f in files}


def test_search_duc_finds_exactly_the_duc_people(demo_home):
    home, names = demo_home
    files = all_files(home, names)
    expected = {
        f["full_name"]
        for f in files
        if any(w.startswith("duc") for w in fold(f["full_name"]).split())
    }
    assert expected  # the demo has such people
    assert expected == {n for n in DUC_NAMES if n in {f["full_name"] for f in files}}
    found = all_files(home, names, search="duc")
    assert {f["full_name"] for f in found} == expected


def test_search_nguyen_thi_finds_the_nguyen_thi_women(demo_home):
    home, names = demo_home
    found = {f["full_name"] for f in all_files(home, names, search="nguyen thi")}
    nguyen_thi = {
        f["full_name"] for f in all_files(home, names) if f["full_name"].startswith("Nguyễn Thị ")
    }
    assert nguyen_thi and nguyen_thi <= found
    for name in found:  # every hit has the words nguyen… and thi… in its name
        words = fold(name).split()
        assert any(w.startswith("nguyen") for w in words) and any(
            w.startswith("thi") for w in words
        )


def test_no_demo_name_or_cccd_readable_on_disk(demo_home):
    home, names = demo_home
    tables = small_demo(TODAY)
    secrets = {r["full_name"] for r in tables["candidates"] + tables["members"]}
    secrets |= {r["cccd"] for r in tables["candidates"] + tables["members"] if r["cccd"]}
    blobs = b""
    for path in home.rglob("*"):
        if path.is_file():
            blobs += path.read_bytes()
    for secret in secrets:
        assert secret.encode("utf-8") not in blobs, secret
        assert fold(secret).encode() not in blobs, secret
    for name in names:
        db = ProfileDir(home, name).db_file
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(db).execute("SELECT count(*) FROM sqlite_master").fetchone()


def test_demo_twice_reuses_the_profiles(demo_home):
    home, names = demo_home
    assert create_demo(home, "demo-password", today=TODAY) == names


# -- the demo as the product: `khdesk demo` links the stations (real CLI, real keys) --


@pytest.fixture(scope="module")
def product_home(tmp_path_factory):
    """`khdesk demo` as a newcomer runs it: the shipped key cost, the documented password."""
    home = tmp_path_factory.mktemp("product")
    out = khdesk(home, "demo", "--today", TODAY.isoformat(), "--json", password=None)
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    assert made["created"] is True
    assert made["profiles"] == ["X01", "X01-CB01", "X01-CB03", "X01-CB04"]
    assert made["user"] == DEMO_USER
    assert made["sync_folder"] == str(home / SYNC_FOLDER)
    return home


@contextmanager
def station(home, name):
    session = open_profile(home, name, DEMO_USER, DEMO_PASSWORD)
    try:
        yield session
    finally:
        session.close()


def test_every_cell_is_received_at_the_committee(product_home):
    with station(product_home, "X01") as committee:
        rows = {r.org_code: r for r in cell_overview(committee, TODAY)}
        peers = {p["org_code"]: p for p in sync.key_status(committee)["peers"]}
    # the cells that run khdesk sent their bundle; the one the office keeps is kept here
    assert {c for c, r in rows.items() if r.self_managed} == {"X01-CB01", "X01-CB03", "X01-CB04"}
    assert all(r.last_received for r in rows.values() if r.self_managed), rows
    assert rows["X01-CB02"].self_managed is False and rows["X01-CB02"].files > 0
    # keys enrolled: every cell, and the province whose catalogue the committee installed
    assert {c: p["role"] for c, p in peers.items()} == {
        "KH": "province",
        "X01-CB01": "cell",
        "X01-CB03": "cell",
        "X01-CB04": "cell",
    }
    assert all(p["status"] == "active" for p in peers.values())


def test_the_cells_know_the_committee_and_the_decision_reached_its_cell(product_home):
    for code in ("X01-CB01", "X01-CB03", "X01-CB04"):
        with station(product_home, code) as cell:
            peers = sync.key_status(cell)["peers"]
            assert [(p["org_code"], p["status"]) for p in peers] == [("X01", "active")]
            if code != "X01-CB01":
                continue
            found = open_file(cell, DECIDED_FILE)
    assert found["state"] == "QUYET_DINH"
    a10 = [s for s in found["steps"] if s["step_id"] == "A10"]
    assert len(a10) == 1 and a10[0]["doc_no"] == DECISION_NO and a10[0]["owner"] == "X01"
    with station(product_home, "X01") as committee:
        assert open_file(committee, DECIDED_FILE, audit=False)["state"] == "QUYET_DINH"


def test_the_province_catalogue_is_installed_everywhere(product_home):
    for code in ("X01", "X01-CB01", "X01-CB03", "X01-CB04"):
        with station(product_home, code) as session:
            shown = show_catalogue(session)
        assert shown["builtin"] is False, code
        assert shown["issuer_org"] == "KH" and shown["source"] == "imported", code
        assert shown["warning"] is None, code
        # the committee vouches for it at its cells (they never met the province)
        assert shown["trusted_via"] == ("KH" if code == "X01" else "X01"), code


def test_every_station_syncs_through_the_shared_folder(product_home):
    folder = product_home / SYNC_FOLDER
    assert folder.is_dir() and not any(folder.iterdir())  # the demo's own trips left nothing
    for code in ("X01", "X01-CB01", "X01-CB03", "X01-CB04"):
        settings = load_settings(settings_path(product_home, code))
        assert settings["sync_folder"] == str(folder)
    assert not (product_home / ".demo-staging").exists()


def test_a_round_trip_needs_no_key_command(product_home):
    folder = product_home / SYNC_FOLDER
    up = khdesk(
        product_home, "bundle", "export", "--profile", "X01-CB04", "--out", str(folder), "--json",
        password=DEMO_PASSWORD,
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    sent = Path(json.loads(up.stdout)["path"])
    assert sent.parent == folder
    got = khdesk(
        product_home, "bundle", "import", "--profile", "X01", str(sent), password=DEMO_PASSWORD
    )
    assert got.returncode == 0, got.stdout + got.stderr
    assert "Đã nhập 1/1 gói." in got.stdout
    down = khdesk(
        product_home, "bundle", "export", "--profile", "X01", "--to", "X01-CB04", "--out",
        str(folder), "--json", password=DEMO_PASSWORD,
    )  # fmt: skip
    assert down.returncode == 0, down.stderr
    back = khdesk(
        product_home, "bundle", "import", "--profile", "X01-CB04", json.loads(down.stdout)["path"],
        password=DEMO_PASSWORD,
    )  # fmt: skip
    assert back.returncode == 0, back.stdout + back.stderr


def test_demo_again_says_it_kept_the_data(product_home):
    out = khdesk(product_home, "demo", "--today", TODAY.isoformat(), password=None)
    assert out.returncode == 0, out.stderr
    assert "giữ nguyên" in out.stdout and "Đã tạo" not in out.stdout
    assert f"Mật khẩu mẫu: {DEMO_PASSWORD}" in out.stdout
