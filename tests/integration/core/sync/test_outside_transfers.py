"""A file moving out of the province (RULES.md §2a, FORMAT.md §12) against hostile and
replayed files: the transfer file and its answer are read signature first and strictly;
whatever is refused changes nothing; a file is received once; an answer closes only the
transfer it answers, and only from the province the file went to. One owner at every
moment, whatever order the files come in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from khdesk.core.errors import Cancelled, InputError
from khdesk.core.progress import CancelToken, Progress
from khdesk.core.services import (
    candidates,
    catalogue,
    integrity,
    sync,
    transfer_list,
    transfers,
)
from khdesk.core.services import outside_transfers as ot
from khdesk.core.services.importer import RowTables, import_tables
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.sync import canonical, keys, records
from khdesk.core.sync import catalogue_content as cc
from khdesk.core.sync import transfer_file as tf
from khdesk.core.sync.errors import CatalogueError, KeyCardError, TransferFileError
from tests.stations import (
    OutsideWorld,
    build_outside,
    carry,
    dump_table,
    enrol_both,
    enrol_unchecked,
    new_station,
    state,
    station_key,
)

TODAY = date(2026, 11, 26)
A, KH, DNG, QNA = "X01-CB01", "KH", "DNG", "QNA"
UNIT = "DNG-CB01"


@pytest.fixture
def world(tmp_path):
    w = build_outside(tmp_path)
    yield w
    w.close()


def receive(w: OutsideWorld, session: Session, path: Path, accept: bool = True, **kw):
    return ot.receive(
        session,
        path,
        accept=accept,
        on=kw.pop("on", date(2026, 11, 23)),
        today=TODAY,
        reason=None if accept else kw.pop("reason", "Không đúng địa chỉ"),
        **kw,
    )


def write_file(w: OutsideWorld, path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def forged_transfer(w: OutsideWorld, signer: Session, name: str, change=None) -> Path:
    """A transfer file made with `signer`'s real key from the genuine one's records,
    `change(tables)` applied first: what a holder of that key could send DNG."""
    return resealed(w, w.sent, w.dng, signer, name, change)


def resealed(
    w: OutsideWorld,
    path: Path,
    to: Session,
    signer: Session,
    name: str,
    change=None,
    transfer: dict | None = None,
) -> Path:
    """The transfer file `path` (sealed to `to`) opened, `change(tables)` applied to its
    records, signed again with `signer`'s real key and sealed to `to`; `transfer`: the
    manifest's transfer fields to change."""
    with to.store.read() as conn:
        opened = tf.open_file(
            path.read_bytes(), keys.decryption_keys(conn), ot._sender_key(conn), tf.TRANSFER
        )
    tables = {n: [dict(r) for r in rows] for n, rows in opened.tables.items()}
    if change:
        change(tables)
    wire = {n: [records.to_wire(records.TABLES[n], r) for r in rows] for n, rows in tables.items()}
    data = tf.write(
        tf.TRANSFER,
        (signer.org_code, signer.info.org_name),
        station_key(signer),
        (to.org_code, station_key(to).public),
        {**opened.transfer, **(transfer or {})},
        wire,
        opened.files,
        file_id="0d5e8a4e-1111-4e3a-9f3e-2b7c1d0e9a01",
        created_at="2026-11-22T08:00:00+00:00",
        schema_version="",
        app_version="",
    )
    return write_file(w, w.folder / name, data)


def refused(w: OutsideWorld, session: Session, path: Path, code: str, **kw) -> str:
    before = w.after(session)
    with pytest.raises(TransferFileError) as exc:
        receive(w, session, path, **kw)
    assert exc.value.code == code, str(exc.value)
    assert w.after(session) == before
    return str(exc.value)


def test_hostile_transfer_files_change_nothing(world: OutsideWorld) -> None:
    w = world
    data = w.sent.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 1
    refused(w, w.dng, write_file(w, w.folder / "a.khct", bytes(flipped)), "decrypt")
    refused(w, w.dng, write_file(w, w.folder / "b.khct", data[:40]), "not_a_transfer")
    refused(w, w.dng, write_file(w, w.folder / "c.khct", b""), "not_a_transfer")
    refused(w, w.qna, w.sent, "wrong_recipient")  # sealed to DNG alone
    # signed by a province DNG never enrolled
    refused(w, w.dng, forged_transfer(w, w.qna, "d.khct"), "unknown_sender")

    # signed by KH's real key, but not what a transfer file may carry
    def hostile_name(tables):
        tables["candidates"][0]["full_name"] = "Nguyễn Văn\x1b[31m A"

    msg = refused(w, w.dng, forged_transfer(w, w.kh, "e.khct", hostile_name), "record_value")
    assert "full_name" in msg

    def second_file(tables):
        other = dict(tables["candidates"][0], uuid="0d5e8a4e-2222-4e3a-9f3e-2b7c1d0e9a01")
        tables["candidates"].append(other | {"file_code": "X01-CB01-9999"})

    refused(w, w.dng, forged_transfer(w, w.kh, "f.khct", second_file), "content")

    def elsewhere(tables):
        for r in tables["steps"]:
            if r["step_id"] == "CHUYEN_DI":
                r["to_org"] = QNA

    refused(w, w.dng, forged_transfer(w, w.kh, "g.khct", elsewhere), "content")
    # too big for the reader's limits: refused before anything is decrypted
    with w.dng.store.read() as conn, pytest.raises(TransferFileError) as exc:
        tf.open_file(
            data,
            keys.decryption_keys(conn),
            ot._sender_key(conn),
            tf.TRANSFER,
            tf.Limits(max_file=len(data) - 1),
        )
    assert exc.value.code == "too_large"
    # a bundle is no transfer file, nor is a transfer file an answer
    bundle_path = Path(sync.export_bundle(w.cell, w.folder / "bundle").path)
    refused(w, w.dng, bundle_path, "not_a_transfer")
    with pytest.raises(TransferFileError) as exc:
        ot.import_answer(w.kh, w.sent, TODAY)
    assert exc.value.code in ("wrong_recipient", "wrong_kind")


def held(session: Session, code: str) -> tuple | None:
    with session.store.read() as conn:
        row = conn.execute(
            select(t.candidates.c.owner, t.candidates.c.org_code).where(
                t.candidates.c.file_code == code
            )
        ).first()
    if row is None:
        return None
    moving = {x.file_code for x in transfer_list.list_transfers(session, in_transit_only=True)}
    return row.owner, row.org_code, code in moving


def scans(session: Session) -> list[tuple]:
    with session.store.read() as conn:
        return conn.execute(
            select(t.attachments.c.uuid, t.attachments.c.name, t.blobs.c.content).join(
                t.blobs, t.blobs.c.sha256 == t.attachments.c.sha256
            )
        ).all()


def test_a_file_is_received_once(world: OutsideWorld) -> None:
    w = world
    receive(w, w.dng, w.sent)
    assert held(w.dng, w.code) == (DNG, DNG, False)
    # with its scans, byte for byte
    assert scans(w.dng) == scans(w.kh) and len(scans(w.dng)) == 1
    msg = refused(w, w.dng, w.sent, "already_here")
    assert "đã được nhận" in msg
    again = Path(ot.export_transfer(w.kh, w.code, w.folder)["file"])  # a lost stick: again
    refused(w, w.dng, again, "already_here")


def answer_of(w: OutsideWorld, session: Session, folder_name: str) -> Path:
    folder = w.folder / folder_name
    folder.mkdir()
    return Path(ot.write_answer(session, w.code, folder)["file"])


def test_a_returned_file_is_its_units_again_and_stays_so(world: OutsideWorld) -> None:
    w = world
    before = w.after(w.dng)
    receive(w, w.dng, w.sent, accept=False, reason="Người này không sinh hoạt ở đây")
    after = w.after(w.dng)
    # nothing of the file is kept at DNG, only that it was returned
    assert {k: v for k, v in after.items() if k != "transfer_files"} == {
        k: v for k, v in before.items() if k != "transfer_files"
    }
    answer = answer_of(w, w.dng, "ans")
    assert held(w.kh, w.code) == (A, A, True)
    assert ot.import_answer(w.kh, answer, TODAY)["status"] == "returned"
    assert held(w.kh, w.code) == (A, A, False)
    assert ot.import_answer(w.kh, answer, TODAY)["status"] == "duplicate"
    # the return reaches the cell in the ordinary bundles: it may record steps again
    assert held(w.cell, w.code) == (A, A, True)
    carry(w.kh, w.commune.committee, w.folder, to="X01")
    carry(w.commune.committee, w.cell, w.folder, to=A)
    assert held(w.cell, w.code) == (A, A, False)
    # the same transfer file again cannot make DNG a second owner
    refused(w, w.dng, w.sent, "already_here")
    # nor can an acceptance DNG signs afterwards (a reordered or second answer)
    ledger = dump_table(w.dng, t.transfer_files)
    assert len(ledger) == 1
    with w.kh.store.read() as conn:
        cuid = conn.execute(
            select(t.candidates.c.uuid).where(t.candidates.c.file_code == w.code)
        ).scalar()
        out = (
            conn.execute(
                select(t.steps).where(
                    t.steps.c.candidate_uuid == cuid, t.steps.c.step_id == "CHUYEN_DI"
                )
            )
            .mappings()
            .one()
        )
    step = {
        **records.to_wire(t.steps, dict(out)),
        "uuid": "0d5e8a4e-3333-4e3a-9f3e-2b7c1d0e9a01",
        "step_id": "CHUYEN_DEN",
        "seq": out["seq"] + 2,
        "owner": DNG,
        "on": "2026-11-24",
    }
    late = tf.write(
        tf.ANSWER,
        (DNG, w.dng.info.org_name),
        station_key(w.dng),
        (KH, station_key(w.kh).public),
        {"uuid": out["uuid"], "file_uuid": cuid, "file_code": w.code},
        {"steps": [step]},
        {},
        file_id="0d5e8a4e-4444-4e3a-9f3e-2b7c1d0e9a01",
        created_at="2026-11-24T08:00:00+00:00",
        schema_version="",
        app_version="",
        answer=tf.ACCEPTED,
    )
    path = write_file(w, w.folder / "late.khct", late)
    before_kh = w.after(w.kh)
    with pytest.raises(TransferFileError) as exc:
        ot.import_answer(w.kh, path, TODAY)
    assert exc.value.code == "stale_answer"
    assert w.after(w.kh) == before_kh
    assert held(w.kh, w.code) == (A, A, False)


def test_only_the_province_the_file_went_to_answers(world: OutsideWorld) -> None:
    w = world
    receive(w, w.dng, w.sent)
    # QNA, enrolled at KH too, answers for a file that went to DNG
    with w.kh.store.read() as conn:
        row = conn.execute(select(t.transfer_files)).mappings().one()
    with w.dng.store.read() as conn:
        step = (
            conn.execute(select(t.steps).where(t.steps.c.step_id == "CHUYEN_DEN")).mappings().one()
        )
    forged = tf.write(
        tf.ANSWER,
        (QNA, w.qna.info.org_name),
        station_key(w.qna),
        (KH, station_key(w.kh).public),
        {"uuid": row["transfer_uuid"], "file_uuid": row["candidate_uuid"], "file_code": w.code},
        {"steps": [{**records.to_wire(t.steps, dict(step)), "owner": QNA}]},
        {},
        file_id="0d5e8a4e-5555-4e3a-9f3e-2b7c1d0e9a01",
        created_at="2026-11-24T08:00:00+00:00",
        schema_version="",
        app_version="",
        answer=tf.ACCEPTED,
    )
    before = w.after(w.kh)
    with pytest.raises(TransferFileError) as exc:
        ot.import_answer(w.kh, write_file(w, w.folder / "q.khct", forged), TODAY)
    assert exc.value.code == "wrong_answerer"
    assert w.after(w.kh) == before
    # the real answer closes it; DNG's key never opens the way for an ordinary bundle
    assert ot.import_answer(w.kh, answer_of(w, w.dng, "ans"), TODAY)["status"] == "accepted"
    assert held(w.kh, w.code) == (DNG, DNG, False)
    enrol_unchecked(w.dng, w.folder / f"{KH}.card", station_key(w.kh).public.fingerprint)
    path = Path(sync.export_bundle(w.dng, w.folder / "dng-bundle", to=KH).path)
    before = state(w.kh)
    [report] = sync.import_bundles(w.kh, [path])
    assert report.refused and report.code == "unknown_sender", report.as_dict()
    assert state(w.kh) == before


def test_the_receiving_province_passes_the_file_down_to_a_commune(world, tmp_path) -> None:
    """At DNG the file goes on, in the ordinary bundles, to a cell a commune committee
    keeps: the commune accepts it as any transfer, and DNG learns it from the bundle up.
    The records keep their first owners' names (KH's cell, DNG) and are taken all the
    same: the transfer hands them over."""
    w = world
    com = new_station(tmp_path / "dng-home", "committee", "DX01", "Đảng ủy phường Hải Châu", DNG)
    cell = {"code": "DX01-CB01", "name": "Chi bộ khu phố 1", "parent_code": "DX01"}
    rows = {"orgs": [{**cell, "kind": "Chi bộ thôn", "is_grassroots_cell": True}]}
    assert import_tables(com, RowTables.from_dicts(rows), "t").committed
    tree = [
        {
            "code": "DX01",
            "name": "Đảng ủy phường Hải Châu",
            "parent_code": DNG,
            "kind": "Đảng ủy xã",
            "self_managed": True,
        },
        {**cell, "kind": "Chi bộ thôn", "is_grassroots_cell": True},
    ]
    assert import_tables(w.dng, RowTables.from_dicts({"orgs": tree}), "t").committed
    try:
        enrol_both(w.dng, com, w.folder)
        receive(w, w.dng, w.sent, unit="DX01-CB01")
        assert held(w.dng, w.code) == (DNG, DNG, True)
        carry(w.dng, com, w.folder, to="DX01")
        assert held(com, w.code) == (DNG, DNG, True)
        transfers.accept(com, w.code, date(2026, 11, 25), TODAY)
        assert held(com, w.code) == ("DX01", "DX01-CB01", False)
        carry(com, w.dng, w.folder)
        assert held(w.dng, w.code) == ("DX01", "DX01-CB01", False)
        assert steps_of(com, w.code) == steps_of(w.dng, w.code)
        assert steps_of(w.kh, w.code) < steps_of(com, w.code)  # KH's history, then DNG's
    finally:
        com.close()


def steps_of(session: Session, code: str) -> set[tuple]:
    with session.store.read() as conn:
        cuid = conn.execute(
            select(t.candidates.c.uuid).where(t.candidates.c.file_code == code)
        ).scalar()
        rows = conn.execute(select(t.steps).where(t.steps.c.candidate_uuid == cuid)).mappings()
        return {tuple((k, v) for k, v in r.items() if k not in ("id", "change_seq")) for r in rows}


def came_back(w: OutsideWorld, change=None) -> Path:
    """DNG accepts the file, KH closes the transfer, then the person comes back: DNG
    records a step of its own, sends the file to KH and writes the transfer file.
    `change(session, code)` runs at DNG before it sends."""
    receive(w, w.dng, w.sent)
    assert ot.import_answer(w.kh, answer_of(w, w.dng, "ans"), TODAY)["status"] == "accepted"
    if change:
        change(w.dng, w.code)
    transfers.transfer_out(w.dng, w.code, KH, date(2026, 11, 25), TODAY, "Về lại quê")
    folder = w.folder / "back"
    folder.mkdir()
    return Path(ot.export_transfer(w.dng, w.code, folder)["file"])


def test_a_file_that_left_comes_back(world: OutsideWorld) -> None:
    """The person who left for DNG returns: the history goes on (DNG's steps after
    KH's, KH's kept as they were), the file is the unit's KH places it under, one owner
    at every moment; the cell records steps again once it accepts."""
    w = world
    back = came_back(w)
    kh_before = steps_of(w.kh, w.code)
    assert held(w.kh, w.code) == (DNG, DNG, False)  # read-only here, DNG holds it
    arrival = ot.inspect(w.kh, back)
    assert arrival["problem"] is None and arrival["from_province"] == DNG
    receive(w, w.kh, back, on=date(2026, 11, 26), unit=A)
    assert held(w.kh, w.code) == (KH, KH, True)  # the province's, passed on to the cell
    assert kh_before < steps_of(w.kh, w.code)  # nothing of ours changed, theirs added
    assert steps_of(w.dng, w.code) < steps_of(w.kh, w.code)
    with w.kh.store.read() as conn:
        events = [
            r.step_id
            for r in conn.execute(
                select(t.steps.c.step_id)
                .join(t.candidates, t.candidates.c.uuid == t.steps.c.candidate_uuid)
                .where(t.candidates.c.file_code == w.code, t.steps.c.step_id.like("CHUYEN%"))
                .order_by(t.steps.c.seq)
            )
        ]
    assert events == ["CHUYEN_DI", "CHUYEN_DEN"] * 2 + ["CHUYEN_DI"]  # there, back, on
    [entry] = [
        e for e in integrity.list_audit(w.kh, w.code) if e["action"] == "transfer_file_accept"
    ]
    assert json.loads(entry["detail"])["came_back"] is True
    assert ot.left_note(w.kh, w.code) is None
    # the bundles carry it down; the cell accepts it and is its one writer again
    carry(w.kh, w.commune.committee, w.folder, to="X01")
    carry(w.commune.committee, w.cell, w.folder, to=A)
    assert held(w.cell, w.code) == (KH, KH, True)
    transfers.accept(w.cell, w.code, date(2026, 11, 26), TODAY)
    assert held(w.cell, w.code) == (A, A, False)
    carry(w.cell, w.commune.committee, w.folder)
    carry(w.commune.committee, w.kh, w.folder)
    assert held(w.kh, w.code) == (A, A, False)
    # the same history at both ends (the cell keeps its paper copies of the committee's
    # A10 too, which go up as reports, not as steps)
    assert steps_of(w.kh, w.code) < steps_of(w.cell, w.code)
    assert {s for s in steps_of(w.cell, w.code) if ("step_id", "A10") not in s} <= steps_of(
        w.kh, w.code
    )
    # DNG learns it from KH's answer: the file is KH's, read-only at DNG
    assert held(w.dng, w.code) == (DNG, DNG, True)
    answer = Path(ot.write_answer(w.kh, w.code, w.folder / "back")["file"])
    assert ot.import_answer(w.dng, answer, TODAY)["status"] == "accepted"
    assert held(w.dng, w.code) == (KH, KH, False)
    # the same transfer file again: refused, nothing changes
    refused(w, w.kh, back, "already_here", on=date(2026, 11, 26))


def test_a_file_coming_back_is_refused_unless_it_is_ours_continued(world: OutsideWorld) -> None:
    """A uuid of ours on a file we never sent, a file we still hold, a different person
    under a known uuid, a history that rewrites ours: refused, nothing changes."""
    w = world
    back = came_back(w)

    def resent(name: str, change) -> Path:
        return resealed(w, back, w.kh, w.dng, name, change)

    def other_person(tables):
        tables["candidates"][0]["full_name"] = "Trần Thị Khác"

    msg = refused(w, w.kh, resent("p.khct", other_person), "already_here", on=TODAY)
    assert "người khác" in msg

    def rewritten(tables):
        first = min(tables["steps"], key=lambda r: r["seq"])
        first["on"] = date(2020, 1, 1)

    msg = refused(w, w.kh, resent("h.khct", rewritten), "already_here", on=TODAY)
    assert "không tiếp nối" in msg
    # the genuine return is taken once
    receive(w, w.kh, back, on=TODAY)
    assert held(w.kh, w.code) == (KH, KH, False)
    refused(w, w.kh, back, "already_here", on=TODAY)


def test_a_uuid_of_ours_on_a_file_we_never_sent_is_refused(world: OutsideWorld) -> None:
    """DNG (its key, its records) sends KH a file under the uuid of a file KH holds and
    never sent out: no second owner."""
    w = world
    receive(w, w.dng, w.sent)  # DNG has the file; KH has not imported the answer
    transfers.transfer_out(w.dng, w.code, KH, date(2026, 11, 25), TODAY)
    folder = w.folder / "early"
    folder.mkdir()
    early = Path(ot.export_transfer(w.dng, w.code, folder)["file"])
    # the file is KH's cell's until the answer comes: not a return yet, and KH is told so
    msg = refused(w, w.kh, early, "already_here", on=TODAY)
    assert "vẫn chờ tệp trả lời" in msg and "answer-import" in msg
    # a file KH never sent at all, under the uuid of another file of the cell
    with w.kh.store.read() as conn:
        other = conn.execute(select(t.candidates).where(t.candidates.c.file_code != w.code)).first()
    assert other is not None

    def other_file(tables):
        for n, rows in tables.items():
            for r in rows:
                r["uuid" if n == "candidates" else "candidate_uuid"] = other.uuid
        tables["candidates"][0]["file_code"] = other.file_code

    ids = {"file_uuid": other.uuid, "file_code": other.file_code}
    forged = resealed(w, early, w.kh, w.dng, "n.khct", other_file, ids)
    msg = refused(w, w.kh, forged, "already_here", on=TODAY)
    assert "đã có ở đây" in msg
    # once DNG's answer is imported, the same file is taken as the file's return
    assert ot.import_answer(w.kh, answer_of(w, w.dng, "ans"), TODAY)["status"] == "accepted"
    receive(w, w.kh, early, on=TODAY)
    assert held(w.kh, w.code) == (KH, KH, False)


def test_a_committee_sends_a_file_of_a_cell_it_keeps_out_of_the_province(world) -> None:
    """A cell the committee keeps (it does not run khdesk): the committee records the
    transfer to the other province, the bundle brings it up, the province writes the
    transfer file and the other province takes it. A mistyped unit of ours is still no
    other province, and a province sends only to a province it enrolled."""
    w = world
    com = w.commune.committee
    kept = next(
        f["file_code"]
        for f in candidates.list_files(com)
        if f["org_code"] == "X01-CB02" and f["state"] in ("HO_SO", "THAM_TRA", "DU_BI")
    )
    for typo in ("X01-CB99", "X01-CB02-1"):
        with pytest.raises(InputError, match=f"Không có đơn vị mã '{typo}'"):
            transfers.transfer_out(com, kept, typo, date(2026, 11, 21), TODAY)
    transfers.transfer_out(com, kept, DNG, date(2026, 11, 21), TODAY, "Chuyển công tác")
    carry(com, w.kh, w.folder)
    assert held(w.kh, kept) == ("X01", "X01-CB02", True)
    folder = w.folder / "kept"
    folder.mkdir()
    sent = Path(ot.export_transfer(w.kh, kept, folder)["file"])
    receive(w, w.dng, sent)
    assert held(w.dng, kept) == (DNG, DNG, False)
    # a province sends only to a province whose key it enrolled; the refusal names them
    before = w.after(w.dng)
    with pytest.raises(InputError) as exc:
        transfers.transfer_out(w.dng, kept, "HCM", date(2026, 11, 24), TODAY)
    assert "Không có đơn vị mã 'HCM'" in exc.value.message
    assert "KH (Tỉnh ủy Khánh Hòa)" in exc.value.message
    assert w.after(w.dng) == before


def test_a_revoked_province_key_verifies_nothing(world: OutsideWorld) -> None:
    """KH revokes DNG's key (read from the stations list): DNG's answer is refused and
    nothing more is sealed to DNG until a new card is enrolled."""
    w = world
    receive(w, w.dng, w.sent)
    answer = answer_of(w, w.dng, "ans")
    [dng] = [s for s in ot.stations(w.kh) if s["org_code"] == DNG]
    with pytest.raises(KeyCardError) as exc:
        ot.revoke_station(w.kh, "AAAA BBBB CCCC DDDD EEEE FFFF")
    assert exc.value.code == "unknown_key"
    done = ot.revoke_station(w.kh, dng["fingerprint"].lower())
    assert (done["org_code"], done["status"]) == (DNG, keys.REVOKED)
    before = w.after(w.kh)
    with pytest.raises(TransferFileError) as exc:
        ot.import_answer(w.kh, answer, TODAY)
    assert exc.value.code == "unknown_sender"
    assert w.after(w.kh) == before
    with pytest.raises(InputError, match="không phải một tỉnh đã ghi nhận khóa"):
        ot.export_transfer(w.kh, w.code, w.folder)
    assert held(w.kh, w.code) == (A, A, True)
    assert "transfer_station_revoke" in audit_actions(w.kh)


def audit_actions(session: Session) -> list[str]:
    with session.store.read() as conn:
        return [a for (a,) in conn.execute(select(t.audit.c.action))]


def test_a_replaced_province_key_is_taken_as_a_bundles_is(world: OutsideWorld) -> None:
    """DNG answers, then changes its key; KH enrols the new card. The answer signed with
    the old key is taken within 30 days of the new card (on KH's clock), not after, and
    never for what the old key signed after it was replaced."""
    w = world
    receive(w, w.dng, w.sent)
    w.dng.store.clock = lambda: datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # signed then
    answer = answer_of(w, w.dng, "ans")
    old = station_key(w.dng)
    sync.rotate_keys(w.dng)
    card = sync.write_card(w.dng, w.folder / "dng-new.card")
    enrolled = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    w.kh.store.clock = lambda: enrolled
    ot.enrol_station(w.kh, w.folder / "dng-new.card", card["fingerprint"])
    assert {s["status"] for s in ot.stations(w.kh) if s["org_code"] == DNG} == {
        keys.ACTIVE,
        keys.RETIRED,
    }
    # 31 days later the old key opens nothing any more
    w.kh.store.clock = lambda: enrolled + timedelta(days=31)
    before = w.after(w.kh)
    with pytest.raises(TransferFileError) as exc:
        ot.import_answer(w.kh, answer, TODAY)
    assert exc.value.code == "retired_sender" and "30 ngày" in str(exc.value)
    assert w.after(w.kh) == before
    # signed with the old key after the new card was enrolled: refused within the grace too
    w.kh.store.clock = lambda: enrolled + timedelta(days=10)
    with w.kh.store.read() as conn:
        opened = tf.open_file(
            answer.read_bytes(), keys.decryption_keys(conn), ot._sender_key(conn), tf.ANSWER
        )
    late = tf.write(
        tf.ANSWER,
        (DNG, w.dng.info.org_name),
        old,
        (KH, station_key(w.kh).public),
        dict(opened.transfer),
        {"steps": [records.to_wire(t.steps, opened.steps[0])]},
        {},
        file_id="0d5e8a4e-8888-4e3a-9f3e-2b7c1d0e9a01",
        created_at="2026-11-27T08:00:00+00:00",
        schema_version="",
        app_version="",
        answer=tf.ACCEPTED,
    )
    with pytest.raises(TransferFileError) as exc:
        ot.import_answer(w.kh, write_file(w, w.folder / "late-old.khct", late), TODAY)
    assert exc.value.code == "retired_sender"
    assert w.after(w.kh) == before
    # the genuine one, within the grace: taken
    assert ot.import_answer(w.kh, answer, TODAY)["status"] == "accepted"
    assert held(w.kh, w.code) == (DNG, DNG, False)


def test_receiving_says_how_far_it_is_and_stops_when_asked(world: OutsideWorld) -> None:
    """Long work's contract (core/progress.py): the steps are reported; a cancel before
    the records are written leaves everything as it was."""
    w = world
    seen: list[str] = []
    ot.inspect(w.dng, w.sent, progress=lambda p: seen.append(p.what))
    assert seen == [ot.CHECKING, "Đối chiếu với các hồ sơ ở đây"]
    token = CancelToken()

    def stop_before_writing(p: Progress) -> None:
        if p.done == 0:  # "Hủy" pressed while the file is checked: stops before writing
            token.cancel()

    before = w.after(w.dng)
    with pytest.raises(Cancelled):
        receive(w, w.dng, w.sent, progress=stop_before_writing, cancel=token)
    assert w.after(w.dng) == before
    receive(w, w.dng, w.sent)
    assert held(w.dng, w.code) == (DNG, DNG, False)


def test_the_catalogue_tells_cells_which_provinces_a_file_may_go_to(world) -> None:
    """KH's catalogue lists the provinces whose keys it enrolled; once installed at the
    committee and the cell, a code that is none of them is refused there, naming them
    (before, the cell's code went up unchecked and the file waited for nothing)."""
    w = world
    com, cell = w.commune.committee, w.cell
    usb = w.folder / "catalogue"
    usb.mkdir()
    issued = Path(catalogue.issue_catalogue(w.kh, usb / "kh.khdc").path)
    assert catalogue.import_catalogue(com, issued).status == "installed"
    forwarded = Path(catalogue.forward_catalogue(com, usb / "x01")["path"])
    assert catalogue.import_catalogue(cell, forwarded).status == "installed"
    listed = [("DNG", "Tỉnh ủy Đà Nẵng"), ("QNA", "Tỉnh ủy Quảng Nam")]
    assert ot.destinations(cell) == ot.destinations(com) == ot.destinations(w.kh) == listed
    code = next(
        f["file_code"]
        for f in candidates.list_files(cell)
        if f["org_code"] == A and f["file_code"] != w.code and f["state"] != "DANG_VIEN"
    )
    before = w.after(cell)
    with pytest.raises(InputError) as exc:
        transfers.transfer_out(cell, code, "DN", date(2026, 11, 21), TODAY)
    assert "Không có đơn vị mã 'DN'" in exc.value.message
    assert "DNG (Tỉnh ủy Đà Nẵng), QNA (Tỉnh ủy Quảng Nam)" in exc.value.message
    assert w.after(cell) == before
    transfers.transfer_out(cell, code, QNA, date(2026, 11, 21), TODAY)


def test_a_hostile_province_list_refuses_the_catalogue() -> None:
    assert cc.outside_provinces({}) == []
    good = [{"code": "DNG", "name": "Tỉnh ủy Đà Nẵng"}]
    assert cc.outside_provinces({cc.OUTSIDE: canonical.dumps(good)}) == [("DNG", "Tỉnh ủy Đà Nẵng")]
    for bad in (
        {"x": 1},
        [{"code": "dng x", "name": "A"}],
        [{"code": "DNG", "name": "Đà\x1b[31mNẵng"}],
        [{"code": "DNG", "name": "A", "extra": ""}],
        [{"code": "DNG", "name": "A"}, {"code": "DNG", "name": "B"}],
        [{"code": f"P{i}", "name": "A"} for i in range(cc.MAX_OUTSIDE + 1)],
    ):
        with pytest.raises(CatalogueError) as exc:
            cc.outside_provinces({cc.OUTSIDE: canonical.dumps(bad)})
        assert cc.OUTSIDE in str(exc.value)
