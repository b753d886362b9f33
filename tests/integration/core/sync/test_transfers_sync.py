"""A transfer between two cells of a commune that both run khdesk, in the ordinary
bundles (RULES.md §2a, FORMAT.md §8.1): the sender's bundle carries CHUYEN_DI up, the
committee forwards the file down to the receiver, whose acceptance goes up and back down
to the sender. One owner at every moment; forged or misdirected answers refuse the
bundle and change nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from khdesk.core.domain.pipeline import StepEvent
from khdesk.core.errors import AccessDenied, InputError
from khdesk.core.reports.stats.scope import Scope
from khdesk.core.services import candidates, plan, statistics, sync, transfer_list, transfers
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.steps import record_step
from khdesk.core.store import schema as t
from khdesk.core.sync import canonical
from tests.stations import (
    build_commune,
    edit_file,
    enrol_both,
    new_station,
    open_inner,
    resign,
    seal_to,
    state,
    station_key,
)

TODAY = date(2026, 11, 26)
A, B = "X01-CB01", "X01-CB04"


@pytest.fixture
def commune(tmp_path):
    c = build_commune(tmp_path / "home", cells=(A, B))
    yield c
    c.close()


class Post:
    """Carries bundles between the stations through a folder, as a USB stick does."""

    def __init__(self, commune, folder: Path):
        self.c, self.folder, self.n = commune, folder, 0

    def send(self, sender, to: str | None = None):
        self.n += 1
        path = sync.export_bundle(sender, self.folder / str(self.n), to=to).path
        return Path(path)

    def deliver(self, receiver, path: Path):
        [report] = sync.import_bundles(receiver, [path])
        return report

    def up(self, cell):
        report = self.deliver(self.c.committee, self.send(cell))
        assert report.status == "imported", report.as_dict()["reason"]

    def down(self, to: str):
        report = self.deliver(self.c.cells[to], self.send(self.c.committee, to=to))
        assert report.status == "imported", report.as_dict()["reason"]


def file_row(session, code: str) -> dict | None:
    with session.store.read() as conn:
        row = (
            conn.execute(select(t.candidates).where(t.candidates.c.file_code == code))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def history(session, code: str) -> list[tuple]:
    """The file's steps as every station must hold them (no local bookkeeping)."""
    row = file_row(session, code)
    with session.store.read() as conn:
        rows = conn.execute(
            select(t.steps).where(t.steps.c.candidate_uuid == row["uuid"]).order_by(t.steps.c.uuid)
        ).mappings()
        return [tuple((k, v) for k, v in r.items() if k not in ("id", "change_seq")) for r in rows]


def owners(commune, code: str) -> dict[str, tuple]:
    """Who each station thinks holds the file, and whether it is in transit there."""
    out = {}
    for name, s in (("X01", commune.committee), *commune.cells.items()):
        row = file_row(s, code)
        if row is not None:
            pending = [x for x in transfer_list.list_transfers(s, in_transit_only=True)]
            out[name] = (row["owner"], row["org_code"], code in {x.file_code for x in pending})
    return out


@pytest.fixture
def post(commune, tmp_path):
    p = Post(commune, tmp_path / "post")
    p.up(commune.cells[A])
    p.up(commune.cells[B])
    return p


def a_file(session, org: str) -> str:
    return next(
        f["file_code"]
        for f in candidates.list_files(session)
        if f["org_code"] == org and f["state"] in ("BOI_DUONG", "HO_SO", "THAM_TRA")
    )


def test_a_file_moves_between_two_cells_with_one_owner_at_every_moment(commune, post) -> None:
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    state_before = file_row(cell_a, code)["state"]
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY, "Chuyển nơi cư trú")
    assert owners(commune, code) == {"X01": (A, A, False), A: (A, A, True)}

    post.up(cell_a)
    assert owners(commune, code) == {"X01": (A, A, True), A: (A, A, True)}
    post.down(B)  # the committee forwards the whole file to the receiving cell
    assert owners(commune, code) == {"X01": (A, A, True), A: (A, A, True), B: (A, A, True)}
    assert history(cell_b, code) == history(cell_a, code) == history(com, code)
    # at the receiver too, nobody records a step while in transit
    with pytest.raises(InputError, match="đang chuyển"):
        record_step(cell_b, code, StepEvent("DUNG", date(2026, 11, 21)), TODAY)

    transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)
    assert owners(commune, code)[B] == (B, B, False)
    post.up(cell_b)
    assert owners(commune, code)["X01"] == (B, B, False)
    post.down(A)  # the acceptance reaches the sender: the file is no longer its own
    assert owners(commune, code) == {"X01": (B, B, False), A: (B, B, False), B: (B, B, False)}
    assert history(cell_a, code) == history(cell_b, code) == history(com, code)
    assert {file_row(s, code)["state"] for s in (cell_a, cell_b, com)} == {state_before}

    # the receiver works on it from now on, and its bundles carry it up
    record_step(cell_b, code, StepEvent("DUNG", date(2026, 11, 24), note="Thôi"), TODAY)
    post.up(cell_b)
    assert file_row(com, code)["state"] == "DUNG"


FLOWS = ("added_to_pool", "trained")  # events: they count where the file was then


def figures(session, *units: str) -> dict[str, dict]:
    result = statistics.profile_stats(session, Scope(date(2000, 1, 1), TODAY), TODAY)
    keys = (*FLOWS, "source_pool")
    return {u: {k: result.unit(u)[k] for k in keys} for u in units}


def test_each_event_counts_for_the_unit_that_held_the_file(commune, post) -> None:
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    before = figures(com, A, B)
    at_a, at_b = figures(cell_a, A), figures(cell_b, B)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)
    post.up(cell_b)
    post.down(A)
    after = figures(com, A, B)
    for unit, sign in ((A, -1), (B, 1)):
        # its past events stay the old cell's; the file is on the new cell's list now
        assert {k: after[unit][k] for k in FLOWS} == {k: before[unit][k] for k in FLOWS}
        assert after[unit]["source_pool"] == before[unit]["source_pool"] + sign
    # and so at both ends, each counting only what it held
    for session, unit, was, sign in ((cell_a, A, at_a, -1), (cell_b, B, at_b, 1)):
        now = figures(session, unit)[unit]
        assert {k: now[k] for k in FLOWS} == {k: was[unit][k] for k in FLOWS}
        assert now["source_pool"] == was[unit]["source_pool"] + sign


def test_a_returned_file_goes_back_to_its_sender(commune, post) -> None:
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    transfers.return_(cell_b, code, "Không cư trú ở thôn", date(2026, 11, 21), TODAY)
    post.up(cell_b)
    post.down(A)
    assert owners(commune, code) == {"X01": (A, A, False), A: (A, A, False), B: (A, A, False)}
    assert history(cell_a, code) == history(cell_b, code) == history(com, code)
    record_step(cell_a, code, StepEvent("DUNG", date(2026, 11, 23), note="x"), TODAY)
    post.up(cell_a)
    assert file_row(com, code)["state"] == "DUNG"


def test_a_forged_acceptance_changes_nothing(commune, post) -> None:
    """The receiving cell claims a file never sent to it: its bundle is refused whole."""
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    # B holds a copy of A's file only if it was sent; here a file sent to another cell
    transfers.transfer_out(cell_a, code, "X01-CB03", date(2026, 11, 20), TODAY)
    post.up(cell_a)
    with cell_b.store.write(cell_b.user) as tx:  # a forged copy and acceptance at B
        row = file_row(com, code)
        steps = history(com, code)
        tx.conn.execute(
            t.candidates.insert().values(
                **{k: v for k, v in row.items() if k not in ("id", "change_seq")},
                change_seq=tx.change_seq,
            )
        )
        for s in steps:
            tx.conn.execute(t.steps.insert().values(**dict(s), change_seq=tx.change_seq))
    transfers_before = state(com)
    with pytest.raises(AccessDenied):
        transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)  # not sent to B
    with cell_b.store.write(cell_b.user) as tx:
        cuid = row["uuid"]
        tx.conn.execute(
            t.steps.insert().values(
                **tx.new_record(),
                candidate_uuid=cuid,
                step_id="CHUYEN_DEN",
                on=date(2026, 11, 22),
                seq=99,
                result="passed",
                from_org=A,
                to_org="X01-CB03",
            )
        )
        tx.conn.execute(
            t.candidates.update()
            .where(t.candidates.c.uuid == cuid)
            .values(owner=B, org_code=B, rev=row["rev"] + 1, change_seq=tx.change_seq)
        )
    report = post.deliver(com, post.send(cell_b))
    assert report.refused and "không nhận cả gói" in report.as_dict()["reason"]
    assert state(com) == transfers_before
    assert owners(commune, code)["X01"] == (A, A, True)


def handed_to_b(commune, post) -> str:
    """A file of A's that B accepted, the acceptance at the committee; A's first bundle
    (all its files, that one too) still unacknowledged, so A sends its copy again."""
    cell_a, cell_b = commune.cells[A], commune.cells[B]
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)
    post.up(cell_b)
    assert owners(commune, code)["X01"] == (B, B, False)
    return code


def test_a_stale_copy_of_a_handed_over_file_is_skipped_the_rest_taken(commune, post) -> None:
    cell_a, com = commune.cells[A], commune.committee
    code = handed_to_b(commune, post)
    other = next(
        f["file_code"]
        for f in candidates.list_files(cell_a)
        if f["org_code"] == A and f["file_code"] != code
    )
    edit_file(cell_a, other, home_town="Thôn Mới")  # A's other news
    passed = history(com, code), file_row(com, code)
    report = post.deliver(com, post.send(cell_a))
    assert report.status == "imported", report.as_dict()["reason"]
    assert f"bỏ qua: hồ sơ {code} đã chuyển sang {B}" in " ".join(report.notes)
    assert file_row(com, other)["home_town"] == "Thôn Mới"
    assert (history(com, code), file_row(com, code)) == passed


def test_a_handed_over_file_changed_by_its_old_cell_is_skipped_unchanged(commune, post) -> None:
    """The old cell edits its copy and records a step on it behind the app's back: its
    bundle is taken, those records are not (the file is B's)."""
    cell_a, com = commune.cells[A], commune.committee
    code = handed_to_b(commune, post)
    row = file_row(cell_a, code)
    with cell_a.store.write(cell_a.user) as tx:
        tx.conn.execute(
            t.candidates.update()
            .where(t.candidates.c.uuid == row["uuid"])
            .values(full_name="Kẻ Giả Mạo", rev=row["rev"] + 5, change_seq=tx.change_seq)
        )
    forge_step(cell_a, code, "DUNG", seq=98)
    passed = history(com, code), file_row(com, code)
    report = post.deliver(com, post.send(cell_a))
    assert report.status == "imported", report.as_dict()["reason"]
    assert f"bỏ qua: hồ sơ {code} đã chuyển sang {B}" in " ".join(report.notes)
    assert (history(com, code), file_row(com, code)) == passed


def test_a_forged_old_copy_of_a_file_never_held_is_refused_whole(commune, post) -> None:
    """A claims to have held B's file (an "older" copy of it, owned by A): A never handed
    it over here, so the bundle is refused whole and changes nothing."""
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_b, B)
    row = file_row(com, code)
    with cell_a.store.write(cell_a.user) as tx:
        tx.conn.execute(
            t.candidates.insert().values(
                **{k: v for k, v in row.items() if k not in ("id", "change_seq")}
                | {"owner": A, "org_code": A, "rev": 1},
                change_seq=tx.change_seq,
            )
        )
    before = state(com)
    report = post.deliver(com, post.send(cell_a))
    assert report.refused and "không nhận cả gói" in report.as_dict()["reason"]
    assert state(com) == before


def forged_up(commune, path: Path, change) -> Path:
    """A's genuine bundle at `path` with its step records passed through `change`,
    re-signed with A's real key and sealed to the committee."""
    com = commune.committee
    _, entries = open_inner(com, path.read_bytes())
    manifest = json.loads(entries.pop("manifest.json"))
    entries.pop("manifest.sig")
    del manifest["files"]
    steps = [json.loads(line) for line in entries["records/steps.jsonl"].splitlines()]
    entries["records/steps.jsonl"] = b"".join(canonical.dumps(r) + b"\n" for r in change(steps))
    inner = resign(manifest, list(entries.items()), station_key(commune.cells[A]))
    out = path.with_suffix(".forged.khdb")
    out.write_bytes(seal_to(com, inner))
    return out


@pytest.mark.parametrize("claim", ["another owner", "the uuid of B's acceptance"])
def test_a_handed_over_file_covers_only_the_senders_own_records(commune, post, claim) -> None:
    """Only A's own records about the file it handed over are skipped: one naming another
    owner, or taking the uuid of a record B wrote, still refuses the bundle."""
    com = commune.committee
    code = handed_to_b(commune, post)
    cuid = file_row(com, code)["uuid"]
    theirs = next(dict(s) for s in history(com, code) if dict(s)["step_id"] == "CHUYEN_DEN")

    def change(steps: list[dict]) -> list[dict]:
        mine = next(s for s in steps if s["candidate_uuid"] == cuid)
        if claim == "another owner":
            forged = {**mine, "owner": B, "rev": mine["rev"] + 1, "note": "giả"}
        else:
            forged = {**mine, "uuid": theirs["uuid"], "rev": 9, "note": "giả"}
        return [s for s in steps if s["uuid"] != mine["uuid"]] + [forged]

    before = state(com)
    report = post.deliver(com, forged_up(commune, post.send(commune.cells[A]), change))
    assert report.refused and "không nhận cả gói" in report.as_dict()["reason"]
    assert state(com) == before


class Province:
    """Two communes and the province: cell A under X01 runs khdesk; X02 keeps its cell
    X02-CB01 itself; every station's files already up where they go."""

    def __init__(self, tmp_path: Path):
        self.c = c = build_commune(tmp_path / "home", cells=(A,))
        self.cell_a, self.x01 = c.cells[A], c.committee
        self.x02 = new_station(c.home, "committee", "X02", "Đảng ủy xã Cam Hòa", "KH")
        unit = {"code": "X02-CB01", "name": "Chi bộ thôn Vĩnh Bình", "parent_code": "X02"}
        rows = {"orgs": [{**unit, "kind": "Chi bộ thôn", "is_grassroots_cell": True}]}
        assert import_tables(self.x02, RowTables.from_dicts(rows), "t").committed
        self.kh = new_station(c.home, "province", "KH", "Tỉnh ủy Khánh Hòa", None)
        tree = [
            {"code": code, "name": name, "parent_code": "KH", "kind": "Đảng ủy xã"}
            for code, name in (("X01", "Đảng ủy xã Cam Lâm"), ("X02", "Đảng ủy xã Cam Hòa"))
        ]
        assert import_tables(self.kh, RowTables.from_dicts({"orgs": tree}), "t").committed
        enrol_both(self.kh, self.x01, tmp_path)
        enrol_both(self.kh, self.x02, tmp_path)
        self.post = Post(c, tmp_path / "post")
        self.stations = {"A": self.cell_a, "X01": self.x01, "KH": self.kh, "X02": self.x02}
        self.carry(self.cell_a, self.x01)
        self.carry(self.x01, self.kh)
        self.carry(self.x02, self.kh)

    def carry(self, sender, receiver, to=None):
        report = self.post.deliver(receiver, self.post.send(sender, to=to))
        assert report.status == "imported", report.as_dict()["reason"]

    def there(self) -> None:
        """A's news to the receiving commune's committee."""
        self.carry(self.cell_a, self.x01)
        self.carry(self.x01, self.kh)
        self.carry(self.kh, self.x02, to="X02")

    def back(self) -> None:
        """The receiving committee's news back to cell A."""
        self.carry(self.x02, self.kh)
        self.carry(self.kh, self.x01, to="X01")
        self.carry(self.x01, self.cell_a, to=A)

    def held(self, code: str) -> dict[str, tuple]:
        return {
            n: (file_row(s, code)["owner"], file_row(s, code)["org_code"])
            for n, s in self.stations.items()
        }

    def close(self) -> None:
        self.x02.close()
        self.kh.close()
        self.c.close()


@pytest.fixture
def province(tmp_path):
    p = Province(tmp_path)
    yield p
    p.close()


def test_a_file_moves_to_another_commune_through_the_province(province) -> None:
    """cell → committee → province → committee (which keeps the receiving cell): the
    acceptance goes back the same way; one owner everywhere once the bundles arrive."""
    p = province
    code = a_file(p.cell_a, A)
    transfers.transfer_out(p.cell_a, code, "X02-CB01", date(2026, 11, 20), TODAY, "Đi làm ăn")
    p.there()
    assert file_row(p.x02, code)["org_code"] == A
    transfers.accept(p.x02, code, date(2026, 11, 23), TODAY)
    p.back()
    assert p.held(code) == dict.fromkeys(p.stations, ("X02", "X02-CB01"))
    assert not any(
        transfer_list.list_transfers(s, in_transit_only=True) for s in p.stations.values()
    )
    assert history(p.x02, code) == history(p.kh, code) == history(p.x01, code)


def test_a_withdrawal_crosses_the_province_and_the_keeping_committee_returns_it(province):
    """The receiving cell does not run khdesk: its committee's station answers the
    withdrawal when the bundle from the province brings it; the return goes back."""
    p = province
    code = a_file(p.cell_a, A)
    transfers.transfer_out(p.cell_a, code, "X02-CB01", date(2026, 11, 20), TODAY)
    p.there()
    transfers.withdraw(p.cell_a, code, date(2026, 11, 21), TODAY, "Không đi nữa")
    p.there()
    assert not transfer_list.list_transfers(p.x02, in_transit_only=True)
    assert transfer_list.list_transfers(p.cell_a, in_transit_only=True)[0].status == "withdrawing"
    p.back()
    assert {unit for _, unit in p.held(code).values()} == {A}  # home, everywhere
    assert file_row(p.cell_a, code)["owner"] == file_row(p.x01, code)["owner"] == A
    assert not any(
        transfer_list.list_transfers(s, in_transit_only=True) for s in p.stations.values()
    )
    assert history(p.x02, code) == history(p.kh, code) == history(p.x01, code)
    assert history(p.cell_a, code) == history(p.x01, code)
    record_step(p.cell_a, code, StepEvent("DUNG", date(2026, 11, 24), note="x"), TODAY)


def test_a_withdrawn_transfer_leaves_the_receivers_list_and_comes_back(commune, post) -> None:
    """CHUYEN_HUY: the sender withdraws before any answer; the receiving cell's station
    answers it with the return when it arrives, and the file comes home with one owner."""
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    assert owners(commune, code)[B] == (A, A, True)
    transfers.withdraw(cell_a, code, date(2026, 11, 21), TODAY, "Đảng viên ở lại địa phương")
    # still in transit at the sender until the receiver's station answers
    assert owners(commune, code)[A] == (A, A, True)
    with pytest.raises(InputError, match="đang chuyển"):
        record_step(cell_a, code, StepEvent("DUNG", date(2026, 11, 22)), TODAY)
    with pytest.raises(InputError, match="đã rút lại"):
        transfers.withdraw(cell_a, code, date(2026, 11, 21), TODAY)
    post.up(cell_a)
    post.down(B)  # the withdrawal reaches B, whose station returns the file
    assert owners(commune, code)[B] == (A, A, False)
    with pytest.raises(InputError, match="không đang chuyển"):
        transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)
    post.up(cell_b)
    post.down(A)
    assert owners(commune, code) == {"X01": (A, A, False), A: (A, A, False), B: (A, A, False)}
    assert history(cell_a, code) == history(cell_b, code) == history(com, code)
    [shown] = [x for x in transfer_list.list_transfers(cell_a) if x.file_code == code]
    assert (shown.status, shown.answered_on) == ("withdrawn", date(2026, 11, 21))
    record_step(cell_a, code, StepEvent("DUNG", date(2026, 11, 23), note="x"), TODAY)
    post.up(cell_a)
    assert file_row(com, code)["state"] == "DUNG"


def test_a_file_withdrawn_before_it_reaches_the_receiver_never_shows_there(commune, post):
    cell_a, cell_b = commune.cells[A], commune.cells[B]
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    transfers.withdraw(cell_a, code, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    assert not transfer_list.list_transfers(cell_b, in_transit_only=True)
    post.up(cell_b)
    post.down(A)
    assert set(owners(commune, code).values()) == {(A, A, False)}


def test_a_withdrawal_to_a_cell_the_committee_keeps_is_answered_there(commune, post):
    """X01-CB02 does not run khdesk: the committee's station answers the withdrawal on
    import; the return comes down to the sender."""
    cell_a, com = commune.cells[A], commune.committee
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, "X01-CB02", date(2026, 11, 20), TODAY)
    post.up(cell_a)
    assert code in {x.file_code for x in transfer_list.list_transfers(com, in_transit_only=True)}
    transfers.withdraw(cell_a, code, date(2026, 11, 21), TODAY)
    post.up(cell_a)
    assert not transfer_list.list_transfers(com, in_transit_only=True)
    post.down(A)
    assert owners(commune, code) == {"X01": (A, A, False), A: (A, A, False)}
    assert history(cell_a, code) == history(com, code)


@pytest.mark.parametrize("first", ["withdrawal", "acceptance"])
def test_an_acceptance_crossing_a_withdrawal_wins_in_any_order(commune, post, first) -> None:
    """Both recorded before either arrives: the receiver accepted before it learnt of the
    withdrawal, so the acceptance stands at every station, whichever reaches the committee
    first; the withdrawal stays in the history, changing nothing."""
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)  # A's copy stays unacknowledged: its next bundles carry it again
    transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)
    transfers.withdraw(cell_a, code, date(2026, 11, 21), TODAY)
    order = (A, B) if first == "withdrawal" else (B, A)
    for _ in range(2):
        for cell in order:
            post.up(commune.cells[cell])
        for cell in order:
            post.down(cell)
    assert owners(commune, code) == {"X01": (B, B, False), A: (B, B, False), B: (B, B, False)}
    assert history(cell_a, code) == history(cell_b, code) == history(com, code)
    assert "CHUYEN_HUY" in {dict(s)["step_id"] for s in history(com, code)}


def test_only_the_sender_withdraws(commune, post) -> None:
    cell_a, cell_b = commune.cells[A], commune.cells[B]
    code = a_file(cell_a, A)
    with pytest.raises(InputError, match="không đang chuyển"):
        transfers.withdraw(cell_a, code, date(2026, 11, 20), TODAY)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    with pytest.raises(InputError, match="trước ngày chuyển đi"):
        transfers.withdraw(cell_a, code, date(2026, 11, 19), TODAY)
    post.up(cell_a)
    post.down(B)
    with pytest.raises(AccessDenied, match="chỉ đơn vị đó rút lại"):
        transfers.withdraw(cell_b, code, date(2026, 11, 21), TODAY)


def forge_step(session, code: str, step_id: str, **values) -> None:
    """A step written straight into a station's database, as a tampered copy would."""
    row = file_row(session, code)
    with session.store.write(session.user) as tx:
        tx.conn.execute(
            t.steps.insert().values(
                **tx.new_record(),
                candidate_uuid=row["uuid"],
                step_id=step_id,
                on=date(2026, 11, 21),
                result="passed",
                **values,
            )
        )


def forge_withdrawal(session, code: str, frm: str, to: str) -> None:
    forge_step(session, code, "CHUYEN_HUY", seq=99, from_org=frm, to_org=to)


def test_a_withdrawal_forged_by_the_receiver_is_refused_whole(commune, post) -> None:
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    forge_withdrawal(cell_b, code, A, B)
    before = state(com)
    report = post.deliver(com, post.send(cell_b))
    assert report.refused and "không nhận cả gói" in report.as_dict()["reason"]
    assert state(com) == before
    assert owners(commune, code)["X01"] == (A, A, True)


def test_a_withdrawal_forged_by_another_cell_is_refused_whole(tmp_path) -> None:
    third = "X01-CB03"
    c = build_commune(tmp_path / "home", cells=(A, B, third))
    try:
        post = Post(c, tmp_path / "post")
        for cell in (A, B, third):
            post.up(c.cells[cell])
        code = a_file(c.cells[A], A)
        transfers.transfer_out(c.cells[A], code, B, date(2026, 11, 20), TODAY)
        post.up(c.cells[A])
        # the other cell holds no copy; it forges one with the withdrawal
        row, steps = file_row(c.committee, code), history(c.committee, code)
        with c.cells[third].store.write(c.cells[third].user) as tx:
            tx.conn.execute(
                t.candidates.insert().values(
                    **{k: v for k, v in row.items() if k not in ("id", "change_seq")},
                    change_seq=tx.change_seq,
                )
            )
            for s in steps:
                tx.conn.execute(t.steps.insert().values(**dict(s), change_seq=tx.change_seq))
        forge_withdrawal(c.cells[third], code, A, B)
        before = state(c.committee)
        report = post.deliver(c.committee, post.send(c.cells[third]))
        assert report.refused and "không nhận cả gói" in report.as_dict()["reason"]
        assert state(c.committee) == before
    finally:
        c.close()


def test_the_new_cell_records_the_previous_cells_opinion_later(commune, post, tmp_path) -> None:
    """TRANSFER_PRIOR_OPINION after acceptance: date, the cell that gave it, text, number
    and scan, recorded by the new holder in one transaction; it goes up like any step."""
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    scan = tmp_path / "nhan-xet.pdf"
    scan.write_bytes(b"%PDF-1.4 nhan xet cua chi bo cu")
    with pytest.raises(InputError, match="đang chuyển"):  # not before it is B's
        transfers.record_prior_opinion(cell_b, code, A, date(2026, 11, 21), TODAY, "Tốt")
    transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)
    before = state(cell_b)
    with pytest.raises(InputError, match="không chuyển đến từ X01-CB03"):
        transfers.record_prior_opinion(cell_b, code, "X01-CB03", date(2026, 11, 23), TODAY, "Tốt")
    with pytest.raises(InputError, match="nội dung"):
        transfers.record_prior_opinion(cell_b, code, A, date(2026, 11, 23), TODAY, "  ")
    with pytest.raises(InputError, match="Không đọc được tệp"):  # nothing half-written
        transfers.record_prior_opinion(
            cell_b, code, A, date(2026, 11, 23), TODAY, "Tốt", scan=tmp_path / "none.pdf"
        )
    assert state(cell_b) == before
    uuid = transfers.record_prior_opinion(
        cell_b, code, A, date(2026, 11, 23), TODAY, "Hoàn thành tốt nhiệm vụ", "3-NX/CB", scan
    )
    post.up(cell_b)
    post.down(A)
    with pytest.raises(AccessDenied):  # the old cell no longer writes the file
        transfers.record_prior_opinion(cell_a, code, A, date(2026, 11, 23), TODAY, "Tốt")
    [opinion] = [dict(s) for s in history(com, code) if dict(s)["step_id"] == "CHUYEN_NX"]
    assert (opinion["uuid"], opinion["from_org"], opinion["doc_no"], opinion["note"]) == (
        uuid,
        A,
        "3-NX/CB",
        "Hoàn thành tốt nhiệm vụ",
    )
    with com.store.read() as conn:
        scans = conn.execute(
            select(t.attachments.c.name).where(t.attachments.c.step_uuid == uuid)
        ).all()
    assert [s.name for s in scans] == ["nhan-xet.pdf"]


def test_the_old_end_keeps_a_read_only_copy_out_of_its_current_files(commune, post) -> None:
    """After the move the old cell still finds the file (a filter), shown as "Đã chuyển đi
    (ngày, nơi nhận)", but it is out of its list and counts of current files; a copy the
    receiver returned is out of the receiver's likewise. The committee keeps both."""
    cell_a, cell_b, com = commune.cells[A], commune.cells[B], commune.committee
    code = a_file(cell_a, A)
    listed = {f["file_code"] for f in candidates.list_files(cell_a)}
    counts_a, counts_com = plan.state_counts(cell_a), plan.state_counts(com)
    state_was = file_row(cell_a, code)["state"]
    transfers.transfer_out(cell_a, code, B, date(2026, 11, 20), TODAY)
    post.up(cell_a)
    post.down(B)
    # on its way in, the receiver lists it (to answer it) but does not count it yet
    assert code in {f["file_code"] for f in candidates.list_files(cell_b)}
    assert not transfer_list.away_files(cell_b)
    transfers.accept(cell_b, code, date(2026, 11, 22), TODAY)
    post.up(cell_b)
    post.down(A)
    assert {f["file_code"] for f in candidates.list_files(cell_a)} == listed - {code}
    assert [f["file_code"] for f in candidates.list_files(cell_a, moved=True)] == [code]
    [away] = transfer_list.away_files(cell_a).values()
    assert away.label == f"Đã chuyển đi (22/11/2026, {B})"
    counts = plan.state_counts(cell_a)
    assert counts.get(state_was, 0) == counts_a[state_was] - 1
    assert plan.state_counts(com) == counts_com and not transfer_list.away_files(com)
    # B sends it back: on its way in, A lists it again to answer; A returns it: away again
    transfers.transfer_out(cell_b, code, A, date(2026, 11, 23), TODAY)
    post.up(cell_b)
    post.down(A)
    assert code in {f["file_code"] for f in candidates.list_files(cell_a)}
    transfers.return_(cell_a, code, "Không cư trú", date(2026, 11, 24), TODAY)
    assert code not in {f["file_code"] for f in candidates.list_files(cell_a)}
    [away] = transfer_list.away_files(cell_a).values()
    assert away.label == f"Đã trả lại (24/11/2026, {B})"
