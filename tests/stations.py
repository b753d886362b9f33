"""Station helpers every test tier shares: a demo commune with real encrypted profiles and
enrolled keys, database dumps to prove "nothing changed", and hand-made (malicious) bundles
signed with real keys. Their fixtures (`commune`, `quiet_cli`) live in tests/conftest.py."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from khdesk.core.services import attachments, candidates, profiles, sync, transfers
from khdesk.core.services import outside_transfers as ot
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import Session, open_profile
from khdesk.core.store import keyslots
from khdesk.core.store import schema as t
from khdesk.core.sync import bundle, canonical, keys
from khdesk.demo.stations import DEMO_USER, create_demo
from tests import pg
from tests.conftest import FAST_KDF

TODAY = date(2026, 11, 26)
PASSWORD = "matkhau-dongbo"
LEDGERS = (t.sync_received, t.sync_epochs, t.sync_base, t.sync_peers, t.sync_conflicts)


def open_station(home: Path, name: str) -> Session:
    return open_profile(home, name, DEMO_USER, PASSWORD)


def enrol_both(a: Session, b: Session, folder: Path) -> None:
    """The offline enrolment, both ways: card file + the fingerprint read aloud."""
    for one, other in ((a, b), (b, a)):
        card = sync.write_card(one, folder / f"{one.org_code}.card")
        sync.enrol_card(other, folder / f"{one.org_code}.card", card["fingerprint"])


def enrol_unchecked(receiver: Session, card: Path, fingerprint: str) -> None:
    """A key enrolled without asking whether any of its bundles would be taken here, as
    khdesk did before issue 17 item 3: such keys stay in older databases, so the inbox's
    own refusal of what they send is still tested."""
    with receiver.store.write(receiver.user, changes=False) as tx:
        keys.enrol(tx.conn, keys.read_card(card.read_bytes()), fingerprint, tx.now, "test")


def new_station(home: Path, role: str, code: str, name: str, parent: str | None) -> Session:
    """A fresh profile with the demo user and password (the CLI helper can open it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        session, _ = profiles.create_profile(
            home,
            role=role,
            org_code=code,
            org_name=name,
            parent_code=parent,
            user=DEMO_USER,
            password=PASSWORD,
            db_url=pg.db_url_for(DEMO_USER, PASSWORD),
        )
    return session


@dataclass
class Commune:
    """The demo commune X01 (a committee and three cells that run khdesk)."""

    home: Path
    committee: Session
    cells: dict[str, Session] = field(default_factory=dict)

    def close(self) -> None:
        self.committee.close()
        for s in self.cells.values():
            s.close()


def build_commune(home: Path, cells=("X01-CB01",), enrol=True) -> Commune:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        create_demo(home, PASSWORD, TODAY, committee_db_url=pg.db_url_for(DEMO_USER, PASSWORD))
    commune = Commune(home, open_station(home, "X01"))
    for code in cells:
        commune.cells[code] = open_station(home, code)
        if enrol:
            enrol_both(commune.committee, commune.cells[code], home)
    return commune


# A second cell the demo committee keeps itself (X01-CB02 is the first): a transfer
# between two cells of one database (RULES.md §2a).
OFFICE_CELL = {
    "code": "X01-CB05",
    "name": "Chi bộ thôn Mỹ Ca",
    "parent_code": "X01",
    "kind": "Chi bộ thôn",
    "is_grassroots_cell": True,
    "self_managed": False,
}


def add_office_cell(committee: Session) -> None:
    report = import_tables(committee, RowTables.from_dicts({"orgs": [OFFICE_CELL]}), "t")
    assert not report.problems, report.problems


def dump(session: Session, tables=t.SYNCED_TABLES, *, local: bool = True) -> dict:
    """Every row of the given tables, sorted. `local=False` leaves out what only this
    database means (row ids, the change counter), to compare two stations."""
    skip = set() if local else {"id", "change_seq"}
    out = {}
    with session.store.read() as conn:
        for table in tables:
            rows = conn.execute(select(table)).mappings()
            out[table.name] = sorted(
                tuple((k, v) for k, v in r.items() if k not in skip) for r in rows
            )
    return out


def state(session: Session) -> dict:
    """What a refused bundle must leave untouched: the data and the sync ledgers."""
    return dump(session, t.SYNCED_TABLES + LEDGERS)


def export(cell: Session, folder: Path, **kw) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(sync.export_bundle(cell, folder, **kw).path)


def awaiting_decision(committee: Session, cell_code: str) -> list[str]:
    """The cell's files at the committee whose cell vote passed (CHI_BO_XET), by code."""
    from khdesk.core.services.candidates import list_files

    return sorted(
        f["file_code"]
        for f in list_files(committee)
        if f["file_code"].startswith(cell_code + "-") and f["state"] == "CHI_BO_XET"
    )


def edit_file(session: Session, file_code: str, **values) -> None:
    """Change one candidate file the way a secretary does (through the importer)."""
    with session.store.read() as conn:
        row = (
            conn.execute(select(t.candidates).where(t.candidates.c.file_code == file_code))
            .mappings()
            .one()
        )
    candidate = {
        k: row[k] for k in ("file_code", "full_name", "sex", "birth_date", "org_code", "home_town")
    }
    candidate.update(values)
    report = import_tables(session, RowTables.from_dicts({"candidates": [candidate]}), "test")
    assert report.committed and not report.problems, report.problems


# -- hand-made bundles, signed with a station's real key --


def station_key(session: Session) -> keys.KeyPair:
    with session.store.read() as conn:
        return keys.active_key(conn)


def recipient_public(session: Session) -> keys.PublicKeys:
    return station_key(session).public


def open_inner(receiver: Session, data: bytes) -> tuple[bytes, dict]:
    """Decrypt a bundle with the receiver's key: its inner archive and its entries."""
    with receiver.store.read() as conn:
        _, _, inner = bundle.unseal(data, keys.decryption_keys(conn))
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    return inner, entries


def zip_entries(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def described(entries: list[tuple[str, bytes]]) -> dict:
    """The manifest's `files` for these entries."""
    files = {}
    for name, data in entries:
        spec = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        if name.startswith("records/") or name == bundle.AUDIT_ENTRIES:
            spec["records"] = data.count(b"\n")
        files[name] = spec
    return files


def resign(
    manifest: dict,
    entries: list[tuple[str, bytes]],
    signer: keys.KeyPair,
    *,
    describe: bool = True,
    manifest_bytes: bytes | None = None,
) -> bytes:
    """An inner archive with these entries, the manifest describing them (unless told
    not to) and signed by `signer`: what a malicious holder of a real key could make."""
    if describe:
        manifest = {**manifest, "files": described(entries)}
    body = manifest_bytes if manifest_bytes is not None else canonical.dumps(manifest)
    sig = signer.sign(bundle.SIGNATURE_CONTEXT, body)
    return zip_entries([("manifest.json", body), ("manifest.sig", sig), *entries])


def seal_to(receiver: Session, inner: bytes) -> bytes:
    return bundle.seal(inner, recipient_public(receiver))


def copy_profile(src_home: Path, name: str, dst_home: Path) -> None:
    """A whole profile folder copied elsewhere (a cloned disk)."""
    shutil.copytree(src_home / "profiles" / name, dst_home / "profiles" / name)


# -- a file moving out of the province --


@dataclass
class OutsideWorld:
    """A file moving out of the province (services/outside_transfers.py): see
    `build_outside`."""

    commune: Commune
    cell: Session
    kh: Session
    dng: Session
    qna: Session  # a third province: enrolled at KH, not at DNG
    code: str
    sent: Path  # KH's transfer file of `code` to DNG
    folder: Path

    def after(self, session: Session) -> dict:
        """What a refused file must leave untouched, the transfer ledgers too."""
        tables = (t.transfer_files, t.transfer_stations)
        return {**state(session), **{x.name: dump_table(session, x) for x in tables}}

    def close(self) -> None:
        for s in (self.kh, self.dng, self.qna):
            s.close()
        self.commune.close()


def dump_table(session: Session, table) -> list:
    with session.store.read() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


def carry(sender: Session, receiver: Session, folder: Path, to: str | None = None) -> None:
    path = sync.export_bundle(
        sender, folder / f"{sender.org_code}-{len(list(folder.iterdir()))}", to=to
    ).path
    [report] = sync.import_bundles(receiver, [Path(path)])
    assert report.status == "imported", report.as_dict()


def enrol_outside(one: Session, other: Session, folder: Path) -> None:
    card = sync.write_card(other, folder / f"{other.org_code}.card")
    ot.enrol_station(one, folder / f"{other.org_code}.card", card["fingerprint"])


def build_outside(tmp_path: Path) -> OutsideWorld:
    """Province KH over the demo commune X01 (cell X01-CB01 runs khdesk), province DNG
    (a unit it keeps, DNG-CB01) and QNA: KH and DNG, KH and QNA enrolled as outside
    stations both ways. The cell's probationary member is sent to DNG (CHUYEN_DI
    20/11/2026), the bundles bring it up to KH, which writes the transfer file."""
    A, KH, DNG, QNA, UNIT = "X01-CB01", "KH", "DNG", "QNA", "DNG-CB01"
    c = build_commune(tmp_path / "home", cells=(A,))
    home, folder = c.home, tmp_path / "stick"
    folder.mkdir()
    kh = new_station(home, "province", KH, "Tỉnh ủy Khánh Hòa", None)
    tree = [{"code": "X01", "name": "Đảng ủy xã Cam Lâm", "parent_code": KH, "kind": "Đảng ủy xã"}]
    assert import_tables(kh, RowTables.from_dicts({"orgs": tree}), "t").committed
    enrol_both(kh, c.committee, folder)
    dng = new_station(home, "province", DNG, "Tỉnh ủy Đà Nẵng", None)
    unit = {"code": UNIT, "name": "Chi bộ phường Hải Châu", "parent_code": DNG}
    rows = {"orgs": [{**unit, "kind": "Chi bộ thôn", "is_grassroots_cell": True}]}
    assert import_tables(dng, RowTables.from_dicts(rows), "t").committed
    qna = new_station(home, "province", QNA, "Tỉnh ủy Quảng Nam", None)
    for one, other in ((kh, dng), (dng, kh), (kh, qna), (qna, kh)):
        enrol_outside(one, other, folder)
    cell = c.cells[A]
    code = next(f["file_code"] for f in candidates.list_files(cell) if f["state"] == "DU_BI")
    scan = folder / "don-xin-vao-dang.pdf"  # the file goes with its scans
    scan.write_bytes(b"%PDF-1.4\n% a scanned application\n%%EOF\n")
    attachments.attach(cell, code, scan)
    transfers.transfer_out(cell, code, DNG, date(2026, 11, 20), TODAY, "Chuyển công tác")
    carry(cell, c.committee, folder)
    carry(c.committee, kh, folder)
    out = folder / "out"
    out.mkdir()
    sent = Path(ot.export_transfer(kh, code, out)["file"])
    return OutsideWorld(c, cell, kh, dng, qna, code, sent, folder)


# -- a file moving to another commune of the province --


@dataclass
class TwoCommunes:
    """The demo commune X01 with its cell X01-CB01, a second commune X02 that keeps its
    cell X02-CB01 itself, and the province KH, enrolled along the tree (see
    `build_two_communes`)."""

    commune: Commune
    x02: Session
    kh: Session

    @property
    def cell(self) -> Session:
        return self.commune.cells["X01-CB01"]

    def close(self) -> None:
        self.x02.close()
        self.kh.close()
        self.commune.close()


def build_two_communes(home: Path, folder: Path) -> TwoCommunes:
    """Five stations' profiles in `home` (cards written to `folder`)."""
    commune = build_commune(home, cells=("X01-CB01",))
    x02 = new_station(home, "committee", "X02", "Đảng ủy xã Cam Hòa", "KH")
    kh = new_station(home, "province", "KH", "Tỉnh ủy Khánh Hòa", None)
    cell = {"code": "X02-CB01", "name": "Chi bộ thôn Vĩnh Bình", "parent_code": "X02"}
    rows = {"orgs": [{**cell, "kind": "Chi bộ thôn", "is_grassroots_cell": True}]}
    assert import_tables(x02, RowTables.from_dicts(rows), "t").committed
    tree = [
        {"code": code, "name": name, "parent_code": "KH", "kind": "Đảng ủy xã"}
        for code, name in (("X01", "Đảng ủy xã Cam Lâm"), ("X02", "Đảng ủy xã Cam Hòa"))
    ]
    assert import_tables(kh, RowTables.from_dicts({"orgs": tree}), "t").committed
    enrol_both(kh, commune.committee, folder)
    enrol_both(kh, x02, folder)
    return TwoCommunes(commune, x02, kh)


# -- stations driven on the command line --


class CliStations:
    """Stations each in its own data home (as on several PCs), driven by the command line
    (`quiet_cli`, `capsys`: the test's fixtures), bundles carried on a "stick" folder."""

    def __init__(self, quiet_cli, capsys, homes: dict[str, Path], stick: Path):
        self.cli, self.capsys, self.homes, self.stick = quiet_cli, capsys, homes, stick
        stick.mkdir(parents=True, exist_ok=True)

    def run(self, station: str, *args: str, expect: int = 0) -> str:
        """The command at `station`, its exit code checked, its output (or error output)
        returned, never a traceback."""
        got = self.cli(self.homes[station], *args, "--profile", station)
        out = self.capsys.readouterr()
        assert got == expect, (args, out.out, out.err)
        assert "Traceback" not in out.err
        return out.out if expect == 0 else out.err

    def carry(self, sender: str, receiver: str, to: str | None = None) -> None:
        """`sender`'s bundle (down to `to`, or up) written to the stick and imported."""
        folder = self.stick / f"{sender}-{len(list(self.stick.glob('*')))}"
        folder.mkdir()
        self.run(sender, "bundle", "export", "--out", str(folder), *(("--to", to) if to else ()))
        [path] = folder.iterdir()
        [report] = json.loads(self.run(receiver, "bundle", "import", str(path), "--json"))
        assert report["status"] == "imported", report
