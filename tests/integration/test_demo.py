"""The demo as a secretary meets it: real encrypted profiles, search, nothing readable on disk."""

import sqlite3
from datetime import date

import pytest

from khdesk.core.services import profiles
from khdesk.core.services.candidates import list_files
from khdesk.core.text import fold
from khdesk.demo.small import DUC_NAMES, PLANTED, small_demo
from khdesk.demo.stations import DEMO_USER, create_demo

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    names = create_demo(home, "demo-password", today=TODAY)
    return home, names


def opened(home, name):
    return profiles.open_profile(home, name, DEMO_USER, "demo-password")


def all_files(home, names, **kw):
    found = []
    for name in names:
        session = opened(home, name)
        found += list_files(session, **kw)
        session.close()
    return found


def test_demo_has_committee_and_three_cell_profiles(demo_home):
    home, names = demo_home
    roles = {p.name: p.role for p in profiles.list_profiles(home)}
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
        db = profiles.ProfileDir(home, name).db_file
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(db).execute("SELECT count(*) FROM sqlite_master").fetchone()


def test_demo_twice_reuses_the_profiles(demo_home):
    home, names = demo_home
    assert create_demo(home, "demo-password", today=TODAY) == names
