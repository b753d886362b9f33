"""The demo's stations: a commune committee and its cells as real encrypted profiles,
filled through the same importer a secretary uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from khdesk.core.clock import Clock
from khdesk.core.domain.template import CELL_KINDS
from khdesk.core.services import profiles
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import ProfileDir, Session
from khdesk.demo.small import small_demo

DEMO_USER = "bithu"
DEMO_PASSWORD = "khdesk-demo"
_COMMITTEE_KINDS = ("Đảng ủy xã", "Đảng ủy phường", "Đảng ủy đặc khu")


def demo_names() -> list[str]:
    """The demo's profile names, the committee first (they do not depend on the day)."""
    committee, _cells, own_cells = _stations(small_demo(date.today())["orgs"])
    return [committee["code"]] + [c["code"] for c in own_cells]


def _stations(orgs: list[dict]) -> tuple[dict, list[dict], list[dict]]:
    """The committee, its cells, and the cells that run khdesk themselves."""
    committee = next(o for o in orgs if o["kind"] in _COMMITTEE_KINDS)
    cells = [o for o in orgs if o["kind"] in CELL_KINDS]
    return committee, cells, [c for c in cells if c["self_managed"]]


def _rows_for_orgs(tables: dict[str, list[dict]], org_codes: set[str]) -> dict[str, list[dict]]:
    """The people, files and records of the given organisations."""
    members = [m for m in tables["members"] if m["org_code"] in org_codes]
    member_codes = {m["member_code"] for m in members}
    files = [c for c in tables["candidates"] if c["org_code"] in org_codes]
    file_codes = {c["file_code"] for c in files}
    return {
        "members": members,
        "member_records": [r for r in tables["member_records"] if r["member_code"] in member_codes],
        "ratings": [r for r in tables["ratings"] if r["member_code"] in member_codes],
        "candidates": files,
        "steps": [s for s in tables["steps"] if s["file_code"] in file_codes],
    }


def create_demo(
    home: Path, password: str, today: date, *, committee_db_url: str | None = None
) -> list[str]:
    """Create (or find) the demo profiles; returns their names, the committee first.
    `committee_db_url`: the committee's database on a PostgreSQL server (its role named
    as the demo user), the cells staying in encrypted files."""
    # Stamped as written on `today` (10:00 in Việt Nam): a demo made for a past day must not
    # hold records "written later" than that day, which the wrong-clock check would flag.
    written = datetime.combine(today, time(3, 0), tzinfo=UTC)
    made = make_stations(home, password, today, lambda: written, committee_db_url)
    for session in made.values():
        session.close()
    return demo_names()


def make_stations(
    home: Path, password: str, today: date, clock: Clock, committee_db_url: str | None = None
) -> dict[str, Session]:
    """Create the demo profiles missing in `home` and fill them; returns those it made,
    open (the caller closes them)."""
    tables = small_demo(today)
    orgs = tables["orgs"]
    committee, cells, own_cells = _stations(orgs)
    under_committee = [o for o in orgs if o["code"] != committee["parent_code"]]
    office_cells = {c["code"] for c in cells if not c["self_managed"]}
    # One writer per record: a cell that runs khdesk keeps its own plans (they reach the
    # committee in its bundles); the committee keeps those of the cells it runs for.
    own_codes = {c["code"] for c in own_cells}
    committee_rows = {
        "orgs": under_committee,
        "plans": [
            p
            for p in tables["plans"]
            if p["org_code"] != committee["parent_code"] and p["org_code"] not in own_codes
        ],
        "private_units": [u for u in tables["private_units"] if u["org_code"] not in own_codes],
        **_rows_for_orgs(tables, office_cells),
    }
    wanted = [("committee", committee, committee_rows, committee_db_url)]
    for cell in own_cells:
        rows = {
            "orgs": [cell],
            "plans": [p for p in tables["plans"] if p["org_code"] == cell["code"]],
            # Its private units too: the cell's own figures (they reach the committee).
            "private_units": [u for u in tables["private_units"] if u["org_code"] == cell["code"]],
            **_rows_for_orgs(tables, {cell["code"]}),
        }
        wanted.append(("cell", cell, rows, None))
    made: dict[str, Session] = {}
    try:
        for role, org, rows, db_url in wanted:
            if not ProfileDir(home, org["code"]).exists():
                made[org["code"]] = _create_and_fill(home, role, org, password, rows, clock, db_url)
    except BaseException:
        for session in made.values():
            session.close()
        raise
    return made


def _create_and_fill(
    home: Path, role: str, org: dict, password: str, rows, clock: Clock, db_url: str | None
) -> Session:
    session, _recovery = profiles.create_profile(
        home,
        role=role,
        org_code=org["code"],
        org_name=org["name"],
        parent_code=org["parent_code"],
        user=DEMO_USER,
        password=password,
        clock=clock,
        db_url=db_url,
    )
    try:
        report = import_tables(session, RowTables.from_dicts(rows), "demo")
        if report.problems:  # the demo must import cleanly: a problem here is a bug
            raise RuntimeError("demo import problems: " + "; ".join(map(str, report.problems)))
    except BaseException:
        session.close()
        raise
    return session
