"""The demo as the product: the commune committee and its cells on one PC with the
committee ⇄ cell loop already run once, through the same services the app calls.

- signing keys enrolled both ways between the committee and each cell (a card written,
  enrolled with the fingerprint read from it), and between the province and the committee;
- every cell's bundle exported and imported by the committee (no cell "Chưa nhận");
- the decisions each cell typed from its paper copies, reported up in its bundle,
  confirmed by the committee (so cell and committee count the same admissions), and a
  committee decision (A10) recorded on a cell's file; all sent down and imported by the
  cells;
- the province's catalogue issued, installed by the committee and passed down to its cells
  (the province station that issued it is thrown away: the demo has no province PC);
- a shared folder, `<home>/usb-demo`, standing in for the USB stick and preset as every
  station's sync folder, so a newcomer can press "Gửi" in one and "Nhận" in another.

Built in a staging folder and moved into the data home when whole: an interrupted build
leaves no half-linked station behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from pathlib import Path

from khdesk.core.clock import Clock
from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import InputError
from khdesk.core.services import catalogue, decisions, profiles, sync
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import ProfileDir, Session, save_settings, settings_path
from khdesk.core.services.steps import record_step
from khdesk.core.sync.inbox import BundleReport
from khdesk.demo.small import small_demo
from khdesk.demo.stations import DEMO_USER, demo_names, make_stations

SYNC_FOLDER = "usb-demo"
SYNC_FOLDER_SETTING = "sync_folder"  # a profile setting the sync page offers first
PROVINCE = ("KH", "Tỉnh ủy Khánh Hòa")
DECIDED_FILE = "X01-CB01-0005"  # passed its cell's vote (CHI_BO_XET), no planted problem
DECISION_NO = "15-QĐ/ĐU"
_STAGING = ".demo-staging"
_THROWAWAY_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}


@dataclass
class DemoHome:
    names: list[str]  # the demo's profiles, the committee first
    created: bool  # False: they were there already and were kept as they are
    sync_folder: Path


def build_demo(home: Path, password: str, today: date) -> DemoHome:
    """Create the linked demo in `home` (or find it there). Refuses when only some of the
    demo's profiles exist (made by hand?): it never overwrites a profile."""
    home = Path(home)
    names = demo_names()
    folder = home / SYNC_FOLDER
    present = [n for n in names if ProfileDir(home, n).exists()]
    if len(present) == len(names):
        return DemoHome(names, False, folder)
    if present:
        raise InputError(
            f"Máy này đã có hồ sơ {', '.join(present)} nhưng không đủ bộ dữ liệu mẫu: không tạo "
            "dữ liệu mẫu để khỏi ghi đè. Hãy dùng một thư mục dữ liệu khác (KHDESK_HOME)."
        )
    staging = home / _STAGING
    shutil.rmtree(staging, ignore_errors=True)  # what an interrupted build left
    try:
        clock = _demo_clock(today)
        made = make_stations(staging, password, today, clock)
        try:
            _link(staging, [made[n] for n in names], password, today, clock)
        finally:
            for session in made.values():
                session.close()
        for name in names:
            save_settings(settings_path(staging, name), **{SYNC_FOLDER_SETTING: str(folder)})
        folder.mkdir(parents=True, exist_ok=True)
        (home / "profiles").mkdir(parents=True, exist_ok=True)
        for name in names:
            src = ProfileDir(staging, name).path
            src.replace(ProfileDir(home, name).path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DemoHome(names, True, folder)


def _demo_clock(today: date) -> Clock:
    """Every link written on `today` (from 10:00 in Việt Nam), a second apart: a demo made
    for a past day holds nothing "written later" than that day."""
    start = datetime.combine(today, time(3, 0), tzinfo=UTC)
    ticks: Iterator[int] = count()
    return lambda: start + timedelta(seconds=next(ticks))


def _link(home: Path, stations: list[Session], password: str, today: date, clock: Clock) -> None:
    work = home / "links"  # cards, bundles and catalogues on their way: thrown away
    for sub in ("up", "down", "catalogue"):
        (work / sub).mkdir(parents=True)
    committee, *cells = stations
    for cell in cells:
        _enrol_both(committee, cell, work)
        up = sync.export_bundle(cell, work / "up")
        _expect_imported(sync.import_bundles(committee, [Path(up.path)]))
    issued = _province_catalogue(home / "province", password, committee, today, clock, work)
    _expect_installed(catalogue.import_catalogue(committee, issued))
    forwarded = Path(catalogue.forward_catalogue(committee, work / "down")["path"])
    for cell in cells:
        _expect_installed(catalogue.import_catalogue(cell, forwarded))
    # The committee confirms what its cells reported from paper (one truth: their figures
    # agree), decides on a file its cell voted on, and sends the decisions down.
    for cell in cells:
        confirmed = decisions.confirm_all(committee, cell.org_code, today)
        if confirmed.refused:  # the demo's paper decisions fit their files: a bug
            raise RuntimeError(f"demo decisions not confirmed: {confirmed.refused}")
    decision = StepEvent("A10", _weekday(today), doc_no=DECISION_NO)
    record_step(committee, DECIDED_FILE, decision, today)
    for cell in cells:
        down = sync.export_bundle(committee, work / "down", to=cell.org_code)
        _expect_imported(sync.import_bundles(cell, [Path(down.path)]))


def _enrol_both(a: Session, b: Session, work: Path) -> None:
    """The offline enrolment, both ways: a card file and the fingerprint read aloud."""
    for one, other in ((a, b), (b, a)):
        card = work / f"{one.org_code}.card"
        written = sync.write_card(one, card)
        sync.enrol_card(other, card, written["fingerprint"])


def _province_catalogue(
    home: Path, password: str, committee: Session, today: date, clock: Clock, work: Path
) -> Path:
    """A province station issues its catalogue (its organisation list: the demo's) to the
    committee it enrolled, and is then thrown away with the staging folder."""
    code, name = PROVINCE
    # Its password is never typed again (the station is gone within seconds): the
    # cheapest key derivation keyslots accepts keeps the demo quick.
    province, _recovery = profiles.create_profile(
        home, role="province", org_code=code, org_name=name, user=DEMO_USER,
        password=password, clock=clock, kdf=_THROWAWAY_KDF,
    )  # fmt: skip
    try:
        orgs = [o for o in small_demo(today)["orgs"] if o["code"] != code]
        report = import_tables(province, RowTables.from_dicts({"orgs": orgs}), "demo")
        if report.problems:  # the demo must import cleanly: a problem here is a bug
            raise RuntimeError("demo import problems: " + "; ".join(map(str, report.problems)))
        _enrol_both(province, committee, work)
        return Path(catalogue.issue_catalogue(province, work / "catalogue").path)
    finally:
        province.close()


def _weekday(today: date) -> date:
    """The last working weekday up to `today` (a decision is not dated on a Sunday)."""
    while today.weekday() >= 5:
        today -= timedelta(days=1)
    return today


def _expect_imported(reports: list[BundleReport]) -> None:
    # The demo's stations are made to accept each other: a refusal here is a bug.
    for r in reports:
        if r.status != "imported":
            raise RuntimeError(f"demo bundle not imported: {r.status} {r.reason}")


def _expect_installed(result: catalogue.InstallResult) -> None:
    if result.status != "installed":
        raise RuntimeError(f"demo catalogue not installed: {result.status}")
