"""End to end on the command line, as offices do it: the demo's cells write their key
cards, the committee enrols them (and they the committee's) by fingerprint, the cells
export bundles onto a stick, the committee verifies and imports them, and its `list`
shows the cells' files; a decision goes back down and the cell's file advances. Real
processes, real encrypted profiles, real files; independent stations run side by side
to keep the test short."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.io.tabular import write_tables
from khdesk.core.services.session import open_profile
from khdesk.core.services.steps import record_step
from khdesk.core.store import keyslots
from khdesk.demo.stations import DEMO_USER, create_demo
from tests import pg
from tests.conftest import FAST_KDF

PASSWORD = "mat-khau-dong-bo"
CELLS = ("X01-CB01", "X01-CB03", "X01-CB04")
FINGERPRINT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}( [0-9A-HJKMNP-TV-Z]{4}){5}$")


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHDESK_")}
    env.update(KHDESK_HOME=str(home), KHDESK_PASSWORD=PASSWORD)
    return env


def run(home: Path, *commands: list[str]) -> list[subprocess.CompletedProcess]:
    """Run khdesk commands at the same time; results in the same order."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "khdesk", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=_env(home),
        )
        for args in commands
    ]
    done = []
    for args, p in zip(commands, procs, strict=True):
        out, err = p.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, p.returncode, out, err))
    return done


def ok(results: list[subprocess.CompletedProcess]) -> list[subprocess.CompletedProcess]:
    for r in results:
        assert r.returncode == 0, (r.args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
    return results


def at(profile: str, *args: str) -> list[str]:
    return ["--profile", profile, *args]


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-sync")
    # The demo as `khdesk demo` makes it (test_cli covers that command), with a cheap key
    # derivation so that each of the processes below unlocks in milliseconds.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        create_demo(home, PASSWORD, date(2026, 11, 26))
    cards, stick = home / "cards", home / "stick"
    cards.mkdir()
    # Each station writes its card and reads out the fingerprint it prints last.
    stations = ("X01", *CELLS)
    card = [at(s, "keys", "card", "--out", str(cards / f"{s}.card")) for s in stations]
    written = ok(run(home, *card, at("X01", "keys", "show")))
    fingerprints = {s: r.stdout.splitlines()[-1] for s, r in zip(stations, written, strict=False)}
    assert written[-1].stdout.splitlines()[-1] == fingerprints["X01"]
    # Enrolment both ways, the fingerprint typed as read over the phone (any case/spacing).
    enrol = [
        at("X01", "keys", "enrol", str(cards / f"{c}.card"), "--fingerprint", fp.lower())
        for c, fp in fingerprints.items()
        if c != "X01"
    ]
    typed = fingerprints["X01"].replace(" ", "")
    enrol += [
        at(c, "keys", "enrol", str(cards / "X01.card"), "--fingerprint", typed) for c in CELLS
    ]
    ok(run(home, *enrol))
    for c in CELLS:
        (stick / c).mkdir(parents=True)
    exports = ok(
        run(home, *[at(c, "bundle", "export", "--out", str(stick / c), "--json") for c in CELLS])
    )
    paths = [json.loads(r.stdout)["path"] for r in exports]
    return {"home": home, "fingerprints": fingerprints, "paths": paths, "exports": exports}


def test_fingerprints_are_six_groups_of_four(office):
    for fp in office["fingerprints"].values():
        assert FINGERPRINT.match(fp), fp
    assert len(set(office["fingerprints"].values())) == 4


def test_exports_report_what_they_wrote(office):
    for r in office["exports"]:
        result = json.loads(r.stdout)
        assert result["recipient_org"] == "X01" and result["seq"] == 1 and result["full"]
        assert result["counts"]["candidates"] > 0 and Path(result["path"]).exists()
        # A lost stick tells nothing: not the sender's code in the name, nor in the file.
        assert "CB0" not in Path(result["path"]).name
        assert b"X01-CB0" not in Path(result["path"]).read_bytes()


def test_committee_verifies_imports_and_lists_the_cells_files(office):
    home, paths = office["home"], office["paths"]
    (verify,) = run(home, ["--profile", "X01", "bundle", "verify", paths[0], "--json"])
    assert verify.returncode == 0, verify.stderr
    checked = json.loads(verify.stdout)
    assert checked["valid"] and checked["status"] == "new"
    assert checked["sender"]["org_code"] == "X01-CB01" and checked["sender"]["verified"]

    (before,) = ok(run(home, ["--profile", "X01", "list", "--json"]))
    (imported,) = ok(run(home, ["--profile", "X01", "bundle", "import", *paths]))
    for cell in CELLS:
        assert f"== {cell} ==" in imported.stdout
    assert "Đã nhập 3/3 gói." in imported.stdout and "Quần chúng: thêm" in imported.stdout

    (after,) = ok(run(home, ["--profile", "X01", "list", "--json"]))
    codes = {f["file_code"] for f in json.loads(after.stdout)}
    mine = {f["file_code"] for f in json.loads(before.stdout)}
    for cell in CELLS:
        assert any(code.startswith(cell + "-") for code in codes - mine), cell
    (search,) = ok(run(home, ["--profile", "X01", "list", "--search", "X01-CB04", "--json"]))
    assert json.loads(search.stdout)  # the imported files are in the search index too

    # The same stick again: reported and skipped, nothing changes.
    (again,) = run(home, ["--profile", "X01", "bundle", "import", *paths, "--json"])
    assert again.returncode == 0
    assert [r["status"] for r in json.loads(again.stdout)] == ["duplicate"] * 3

    # Decisions back: the committee decides on one CB01 file (recorded in the app; the
    # service is the app's), sends a return bundle, the cell imports it and advances.
    waiting = sorted(
        f["file_code"]
        for f in json.loads(after.stdout)
        if f["file_code"].startswith("X01-CB01-") and f["state"] == "CHI_BO_XET"
    )
    com = open_profile(home, "X01", None, PASSWORD)
    try:
        record_step(
            com,
            waiting[0],
            StepEvent("A10", date(2026, 11, 20), doc_no="15-QĐ/ĐU"),
            date(2026, 11, 26),
        )
    finally:
        com.close()
    down_dir = home / "stick" / "down"
    down_dir.mkdir()
    (down,) = ok(
        run(
            home,
            at("X01", "bundle", "export", "--to", "X01-CB01", "--out", str(down_dir), "--json"),
        )
    )
    sent = json.loads(down.stdout)
    assert (sent["kind"], sent["counts"]) == ("down", {"steps": 1})
    (back,) = ok(run(home, at("X01-CB01", "bundle", "import", sent["path"])))
    assert waiting[0] in back.stdout
    (listed,) = ok(run(home, at("X01-CB01", "list", "--json")))
    states = {f["file_code"]: f["state"] for f in json.loads(listed.stdout)}
    assert states[waiting[0]] == "QUYET_DINH"

    # Further up: the cell reports back, the committee sends the commune to the province.
    up_again = home / "stick" / "up-again"
    up_again.mkdir()
    (cell_up,) = ok(run(home, at("X01-CB01", "bundle", "export", "--out", str(up_again), "--json")))
    ok(run(home, at("X01", "bundle", "import", json.loads(cell_up.stdout)["path"])))
    # The province on the PostgreSQL server when the tests have one (as in CI), else on
    # an encrypted file like the others: the same commands either way.
    where = (
        ["--db", pg.new_database(DEMO_USER, PASSWORD), "--user", DEMO_USER]
        if pg.ADMIN_URL
        else ["--recovery-key-out", str(home / "kh.key")]
    )
    (made,) = ok(
        run(
            home,
            [
                "profile", "create", "--role", "province", "--org-code", "KH",
                "--org-name", "Tỉnh ủy Khánh Hòa", *where,
            ],
        )
    )  # fmt: skip
    assert ("máy chủ" in made.stdout) == bool(pg.ADMIN_URL)
    (listed,) = ok(run(home, ["profile", "list", "--json"]))
    kh = next(p for p in json.loads(listed.stdout) if p["name"] == "KH")
    assert ("db" in kh) == bool(pg.ADMIN_URL) and "khdesk-test" not in listed.stdout
    # The province keeps the organisation list; its communes come in from the template.
    orgs = home / "to-chuc.csv"
    write_tables(
        orgs,
        {
            "orgs": [
                {
                    "code": "X01",
                    "name": "Đảng ủy xã Cam Hải",
                    "parent_code": "KH",
                    "kind": "Đảng ủy xã",
                }
            ]
        },
    )
    ok(run(home, at("KH", "import", str(orgs))))
    cards = home / "cards"
    ok(run(home, at("KH", "keys", "card", "--out", str(cards / "KH.card"))))
    fingerprint = {
        s: ok(run(home, at(s, "keys", "show")))[0].stdout.splitlines()[-1] for s in ("KH", "X01")
    }
    ok(
        run(
            home,
            at("X01", "keys", "enrol", str(cards / "KH.card"), "--fingerprint", fingerprint["KH"]),
        )
    )
    ok(
        run(
            home,
            at("KH", "keys", "enrol", str(cards / "X01.card"), "--fingerprint", fingerprint["X01"]),
        )
    )
    to_province = home / "stick" / "province"
    to_province.mkdir()
    (commune_up,) = ok(
        run(home, at("X01", "bundle", "export", "--out", str(to_province), "--json"))
    )
    consolidated = json.loads(commune_up.stdout)
    assert consolidated["recipient_org"] == "KH", consolidated
    (landed,) = ok(run(home, at("KH", "bundle", "import", consolidated["path"])))
    assert "== X01 ==" in landed.stdout
    (at_province,) = ok(run(home, at("KH", "list", "--json")))
    province_states = {f["file_code"]: f["state"] for f in json.loads(at_province.stdout)}
    assert province_states[waiting[0]] == "QUYET_DINH"
    for cell in CELLS:  # every cell's files reached the province through the commune
        assert any(code.startswith(cell + "-") for code in province_states), cell


def test_tampered_bundle_exit_1_in_vietnamese(office, tmp_path):
    data = bytearray(Path(office["paths"][1]).read_bytes())
    data[len(data) // 2] ^= 0x04
    bad = tmp_path / "hong.khdb"
    bad.write_bytes(bytes(data))
    (r,) = run(office["home"], ["--profile", "X01", "bundle", "import", str(bad)])
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    assert "kiểm tra toàn vẹn thất bại" in r.stdout
    (r,) = run(
        office["home"],
        [
            "--profile",
            "X01",
            "keys",
            "enrol",
            str(bad),
            "--fingerprint",
            "0000 0000 0000 0000 0000 0000",
        ],
    )
    assert r.returncode == 1 and "không phải thẻ khóa khdesk" in r.stderr


def test_usage_errors_exit_2(office):
    results = run(office["home"], ["bundle"], ["keys", "enrol", "x.card"], ["bundle", "import"])
    assert [r.returncode for r in results] == [2, 2, 2]
