"""A seeded province for the province-tier tests and benchmarks (issue 9): the 65 commune
committees of `province_demo` as real encrypted committee profiles, each
holding its office-managed cells' files and members (as `khdesk demo` fills a
committee), and their consolidated bundles sealed to a province profile.

A bundle can only be opened by the station it was sealed to, and each province profile
makes its own keys: so the committees are built once (`build_committees`) and their
profile folders copied for each province that will receive them (`copy_committees`),
each copy then enrolled with, and exporting to, its own province (`send_to_province`).
Both copies of a committee hold the same data, keys and sequence numbers, so the
provinces receive the same content.
"""

from __future__ import annotations

import shutil
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from khdesk.core.services import profiles, sync
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import Session, open_profile
from khdesk.core.store import keyslots
from khdesk.demo.province import province_demo
from tests.bench.bench_sync import CELL_KDF, enrol

TODAY = date(2026, 11, 26)
USER = "bithu"
PASSWORD = "matkhau-tinh-bench"


def province_tables(seed: int, cells: int, people: int | None = None, files: int | None = None):
    """The synthetic province: by default 21 people and 2 files per cell, as bench_sync
    (2,000 cells: ≈100,000 records)."""
    people = 21 * cells if people is None else people
    files = 2 * cells if files is None else files
    return province_demo(seed, cells=cells, people=people, files=files, today=TODAY)


def communes(tables: dict) -> list[dict]:
    """The commune-level committees (parent KH), in the dataset's order."""
    return [o for o in tables["orgs"] if o["parent_code"] == "KH"]


def commune_rows(tables: dict) -> dict[str, dict[str, list[dict]]]:
    """Each committee's rows: its organisation and all under it, their plans and private
    units, and the people, files and records of every organisation under it."""
    parent = {o["code"]: o["parent_code"] for o in tables["orgs"]}

    def commune_of(code: str | None) -> str | None:
        while code is not None and parent.get(code) not in ("KH", None):
            code = parent.get(code)
        return code if parent.get(code) == "KH" else None

    out: dict[str, dict[str, list[dict]]] = {c["code"]: defaultdict(list) for c in communes(tables)}
    member_org = {m["member_code"]: m["org_code"] for m in tables["members"]}
    file_org = {f["file_code"]: f["org_code"] for f in tables["candidates"]}
    for sheet, rows in tables.items():
        for row in rows:
            if sheet == "orgs":
                org = row["code"]
            elif sheet in ("member_records", "ratings"):
                org = member_org.get(row["member_code"])
            elif sheet == "steps":
                org = file_org.get(row["file_code"])
            else:
                org = row.get("org_code")
            code = commune_of(org)
            if code is not None:
                out[code][sheet].append(row)
    return {code: dict(rows) for code, rows in out.items()}


def new_committee(home: Path, org: dict) -> Session:
    """A committee profile with the cheap scrypt of bench_sync (thousands of key
    derivations are not what is measured)."""
    saved, keyslots.DEFAULT_KDF = keyslots.DEFAULT_KDF, CELL_KDF
    try:
        session, _ = profiles.create_profile(
            home,
            role="committee",
            org_code=org["code"],
            org_name=org["name"],
            parent_code="KH",
            user=USER,
            password=PASSWORD,
        )
    finally:
        keyslots.DEFAULT_KDF = saved
    return session


def build_committees(home: Path, tables: dict, *, progress: bool = False) -> list[str]:
    """Every committee of the dataset as a profile under `home`, filled through the
    importer; returns their codes in the dataset's order."""
    rows = commune_rows(tables)
    codes, start = [], time.perf_counter()
    for i, org in enumerate(communes(tables)):
        session = new_committee(home, org)
        try:
            report = import_tables(session, RowTables.from_dicts(rows[org["code"]]), "test")
            assert report.committed and not report.problems, (org["code"], report.problems[:3])
        finally:
            session.close()
        codes.append(org["code"])
        if progress and (i + 1) % 10 == 0:
            print(f"  built {i + 1} committees ({time.perf_counter() - start:.0f} s)", flush=True)
    return codes


def copy_committees(src: Path, dst: Path, codes: list[str]) -> None:
    """The committee profile folders copied (closed profiles: the files are all there)."""
    for code in codes:
        shutil.copytree(src / "profiles" / code, dst / "profiles" / code)


def province_on_server(home: Path, url: str, owner: str, password: str) -> Session:
    """The province profile on a PostgreSQL database, made by its owner role."""
    session, _ = profiles.create_profile(
        home,
        role="province",
        org_code="KH",
        org_name="Tỉnh ủy Khánh Hòa",
        user=owner,
        password=password,
        db_url=url,
    )
    return session


def province_org_list(tables: dict) -> list[dict]:
    """What a province imports before any bundle: its communes (as test_province)."""
    return [{k: o[k] for k in ("code", "name", "parent_code", "kind")} for o in communes(tables)]


def import_org_list(province: Session, tables: dict) -> None:
    rows = RowTables.from_dicts({"orgs": province_org_list(tables)})
    report = import_tables(province, rows, "test")
    assert report.committed and not report.problems, report.problems[:3]


def send_to_province(
    province: Session, committee_home: Path, codes: list[str], folder: Path
) -> dict[str, Path]:
    """Each committee (under `committee_home`) and the province enrol each other's cards
    and the committee exports its consolidated bundle to it; returns bundle per code."""
    cards = folder / "cards"
    cards.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for code in codes:
        committee = open_profile(committee_home, code, USER, PASSWORD)
        try:
            enrol(committee, province, cards)
            enrol(province, committee, cards)
            stick = folder / "bundles" / code
            stick.mkdir(parents=True)
            out[code] = Path(sync.export_bundle(committee, stick, to="KH").path)
        finally:
            committee.close()
    return out


def expected_files(tables: dict) -> dict[str, int]:
    """How many candidate files each commune's bundle carries."""
    rows = commune_rows(tables)
    return {code: len(r.get("candidates", [])) for code, r in rows.items()}
