"""Merging a verified bundle's records: one writer per record, revisions, conflicts.

A record is matched by uuid and taken only
- from a station that owns it (its local copy's owner is within the sender's reach),
- when its revision is newer than the version that station sent last (`sync_base`),
- when this station's copy has not changed since that version arrived, and
- when the sender's lineage knew that version (after a restored backup it may not have:
  revision numbers of two lineages do not compare).
Anything else that differs is kept in `sync_conflicts` and listed, never written over.
A natural key (file code, member code…) held here by another uuid is a conflict too.
New rows go in through `bulk_insert` (the one way that also fills the search index);
states of the files touched are derived again from their steps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import Boolean, Date, UniqueConstraint, select

from khdesk.core.store import schema as t
from khdesk.core.store.engine import as_date, bulk_insert, bulk_set, select_in
from khdesk.core.store.states import save_states, state_of
from khdesk.core.store.store import WriteTx
from khdesk.core.sync import canonical, records
from khdesk.core.sync.bundle import Verified
from khdesk.core.sync.errors import BundleError
from khdesk.core.text import fold, name_sort_key


@dataclass
class TableCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0
    conflicts: int = 0


def _natural_keys(table) -> list[tuple[str, ...]]:
    return [
        tuple(c.name for c in con.columns)
        for con in table.constraints
        if isinstance(con, UniqueConstraint) and tuple(c.name for c in con.columns) != ("uuid",)
    ]


_KEY_LABELS = {
    ("code",): "mã đơn vị",
    ("file_code",): "mã hồ sơ",
    ("member_code",): "mã đảng viên",
    ("org_code", "plan_key"): "kế hoạch cùng đơn vị và kỳ",
    ("member_code", "year"): "đảng viên và năm",
    ("org_code", "name_folded"): "tên đơn vị kinh tế tư nhân",
}


class _Shape:
    """What the merge needs to know of a synced table, worked out once per process."""

    def __init__(self, table) -> None:
        self.table = table
        self.columns = [c.name for c in table.columns]
        self.dates = [c.name for c in table.columns if isinstance(c.type, Date)]
        self.bools = [c.name for c in table.columns if isinstance(c.type, Boolean)]
        self.natural = _natural_keys(table)
        # Every column of a new row: what the bundle leaves out is empty here.
        self.insert_template: dict = {c: None for c in self.columns if c != "id"}
        if table is t.candidates:
            self.insert_template["state"] = "NGUON"  # derived again from the steps below

    def local(self, raw: tuple) -> dict:
        """A row read through the driver, with the values SQLAlchemy would give (dates,
        booleans), so that it compares with the bundle's values."""
        row = dict(zip(self.columns, raw, strict=True))
        for c in self.dates:
            row[c] = as_date(row[c])
        for c in self.bools:
            if row[c] is not None:
                row[c] = bool(row[c])
        return row


_SHAPES = {name: _Shape(table) for name, table in records.TABLES.items()}
# What a file's state is derived from (store.states.step_event).
_STEP_COLUMNS = (
    "candidate_uuid",
    "step_id",
    "on",
    "result",
    "doc_no",
    "official_members",
    "votes_for",
    "received_on",
    "note",
    "seq",
)
_BASE_COLUMNS = ("uuid", "sender_org", "rev", "epoch", "seq")


class _Base(NamedTuple):
    """The version of a record a station sent last (a `sync_base` row)."""

    sender_org: str
    rev: int
    epoch: str
    seq: int


def _derive(table_name: str, values: dict) -> None:
    if table_name in ("candidates", "members") and "full_name" in values:
        values["name_folded"] = fold(values["full_name"])
        values["sort_key"] = name_sort_key(values["full_name"])
    elif table_name == "private_units" and "name" in values:
        values["name_folded"] = fold(values["name"])


# Settling a conflict by taking the incoming version derives the same fields.
derive_fields = _derive


def size_problem(v: dict, actual: int) -> str | None:
    """Why an attachment row may not be stored (None: it may): its size must be its
    content's length — the size is what the file window shows."""
    if v["size"] == actual:
        return None
    return (
        f"Tệp đính kèm '{v['name']}' được ghi cỡ {v['size']} byte nhưng nội dung của nó "
        f"dài {actual} byte: không nhận."
    )


def check_sizes(conn, rows: list[dict], files: dict[str, bytes]) -> None:
    """Every attachment row's size must be its content's, where the content is known (in
    the bundle or here), whether the row is then written or kept as a conflict. Raises
    BundleError (record_value) naming the first that lies."""
    wanted = sorted({v["sha256"] for v in rows})
    sizes = dict(select_in(conn, t.blobs, ("sha256", "size"), "sha256", wanted))
    sizes.update({d: len(c) for d in wanted if (c := files.get(d)) is not None})
    for v in rows:
        why = size_problem(v, sizes[v["sha256"]]) if v["sha256"] in sizes else None
        if why:
            raise BundleError("record_value", why)


def _wire_json(values: dict) -> str:
    plain = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
    return canonical.dumps(plain).decode("utf-8")


@dataclass
class MergeResult:
    applied: dict[str, TableCounts] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file code -> what changed in it


Lineage = dict[str, tuple[str | None, int | None]]  # epoch -> (previous epoch, its last seq)


class Merge:
    """One verified bundle's records into this database, inside the caller's transaction.
    `allowed`: the organisations the sender may write for (checked before); `lineage`: the
    sender's epochs as accepted here; `handed`: the records a transfer hands over (taken
    whoever held them here).

    Reads are batched per bundle (the versions last sent of all its records in one query,
    each table's rows in one) and go through the driver; the versions last sent are
    written once at the end. Per bundle this is a few dozen statements, whatever its size."""

    def __init__(
        self,
        tx: WriteTx,
        verified: Verified,
        allowed: set[str] | frozenset[str],
        lineage: Lineage,
        handed: frozenset[str] = frozenset(),
    ):
        self.tx, self.conn = tx, tx.conn
        m = verified.manifest
        self.sender, self.epoch, self.seq = m["sender"]["org_code"], m["epoch"]["id"], m["seq"]
        self.bundle_id = m["bundle_id"]
        self.tables, self.files = verified.tables, verified.files
        self.allowed = allowed
        self.handed = handed  # records a transfer hands to their new owner (scope.handed_over)
        self.lineage = lineage
        self.result = MergeResult()
        self.touched_files: set[str] = set()  # candidate uuids whose state may change
        self.changed_files: dict[str, str] = {}  # candidate uuid -> how
        self.file_codes: dict[str, str] = {}  # candidate uuid -> file code, files here
        self.base: dict[str, _Base] = {}  # record uuid -> version last sent (as it stands)
        self.stored_base: set[str] = set()  # uuids that had a sync_base row before
        self.new_base: dict[str, dict] = {}  # uuid -> sync_base row to write
        self.parents: set[str] | None = None  # files of the bundle's steps/attachments here
        self._known: dict[tuple[str, int], bool] = {}

    def run(self) -> MergeResult:
        present = [(n, rows) for n in records.TABLES if (rows := self.tables.get(n))]
        for name, rows in present:
            for v in rows:
                _derive(name, v)
        self._load_base([v["uuid"] for _, rows in present for v in rows])
        for name, rows in present:
            self._table(name, rows)
        self._write_base()
        self._refresh_states()
        return self.result

    def _known_to_sender(self, base: _Base) -> bool:
        """Did the lineage sending now know the version stored here? Only then does
        comparing revisions mean anything (after a restore, it may not have)."""
        if base.epoch == self.epoch:
            return True
        cached = self._known.get((base.epoch, base.seq))
        if cached is not None:
            return cached
        known, seen, current = False, set(), self.epoch
        while current in self.lineage and current not in seen:
            seen.add(current)
            previous, last_seq = self.lineage[current]
            if previous == base.epoch:
                known = base.seq <= (last_seq or 0)
                break
            current = previous
        self._known[(base.epoch, base.seq)] = known
        return known

    def _load_base(self, uuids: list[str]) -> None:
        for uuid, sender_org, rev, epoch, seq in select_in(
            self.conn, t.sync_base, _BASE_COLUMNS, "uuid", uuids
        ):
            self.base[uuid] = _Base(sender_org, rev, epoch, seq)
        self.stored_base = set(self.base)

    def _holders(self, table, key: tuple[str, ...], rows: list[dict]) -> dict[tuple, str]:
        """Natural key -> uuid of the records here holding the keys the bundle uses."""
        firsts = sorted({r[key[0]] for r in rows if r.get(key[0]) is not None})
        return {
            tuple(r[1:]): r[0] for r in select_in(self.conn, table, ("uuid", *key), key[0], firsts)
        }

    def _table(self, name: str, rows: list[dict]) -> None:
        shape = _SHAPES[name]
        table = shape.table
        if table is t.attachments:
            check_sizes(self.conn, rows, self.files)
        counts = self.result.applied.setdefault(name, TableCounts())
        local = {}
        uuids = [v["uuid"] for v in rows]
        for raw in select_in(self.conn, table, shape.columns, "uuid", uuids, lock=True):
            old = shape.local(raw)
            local[old["uuid"]] = old
        natural = [(key, self._holders(table, key, rows)) for key in shape.natural]
        parents = self._present_files() if name in ("steps", "attachments") else None
        inserts, updates, bases = [], [], []
        for v in rows:
            old, b = local.get(v["uuid"]), self.base.get(v["uuid"])
            clash = next(
                (
                    key
                    for key, holders in natural
                    if holders.get(tuple(v.get(c) for c in key), v["uuid"]) != v["uuid"]
                ),
                None,
            )
            if old is not None and all(old[k] == x for k, x in v.items()):
                counts.unchanged += 1
                if b is None or b.rev != v["rev"] or b.epoch != self.epoch:
                    bases.append(v)
                continue
            if (
                old is not None
                and b is not None
                and b.sender_org == self.sender
                and v["rev"] < b.rev
                and self._known_to_sender(b)
            ):
                counts.older += 1  # an old version arriving late: what is here is newer
                continue
            why = self._conflict(name, v, old, b, clash)
            if why is None and parents is not None and v["candidate_uuid"] not in parents:
                why = "Hồ sơ chứa bản ghi này chưa được nhận (do xung đột ở hồ sơ đó)."
            if why is not None:
                counts.conflicts += 1
                self._keep_conflict(name, v, old, why)
                continue
            for key, holders in natural:  # later rows of this bundle see this one's keys
                holders[tuple(v.get(c) for c in key)] = v["uuid"]
            if old is None:
                inserts.append(v)
            else:
                updates.append((old["id"], v))
            bases.append(v)
            self._note_file(name, v, "added" if old is None else "updated")
        counts.added += len(inserts)
        counts.updated += len(updates)
        self._insert(shape, inserts)
        self._update(table, updates)
        self._set_base(name, bases)

    def _present_files(self) -> set[str]:
        """Which of the files the bundle's steps/attachments belong to exist here now
        (after its own files were merged; steps and attachments add none)."""
        if self.parents is None:
            wanted = sorted(
                {
                    v["candidate_uuid"]
                    for n in ("steps", "attachments")
                    for v in self.tables.get(n, [])
                }
            )
            found = select_in(self.conn, t.candidates, ("uuid", "file_code"), "uuid", wanted)
            self.file_codes.update(found)
            self.parents = {uuid for uuid, _ in found}
        return self.parents

    def _conflict(self, name: str, v: dict, old, b, clash) -> str | None:
        """Why the incoming version may not be written (None: it may)."""
        if clash is not None:
            what = _KEY_LABELS.get(clash, ", ".join(clash))
            return f"Trùng {what} với một bản ghi khác đã có ở đây (khác uuid)."
        if old is None or v["uuid"] in self.handed:
            return None
        if old["owner"] not in self.allowed:
            return f"Bản ở đây thuộc {old['owner']}, không phải của {self.sender}."
        if b is None:
            return "Bản ở đây không do đơn vị gửi chuyển đến (đã có sẵn ở đây)."
        if b.sender_org != self.sender:
            return f"Bản ở đây do {b.sender_org} chuyển đến, không phải {self.sender}."
        if old["rev"] != b.rev:
            return "Bản ở đây đã được sửa sau lần nhận trước."
        if not self._known_to_sender(b):
            return "Bản ở đây đến từ giai đoạn gửi trước, sau thời điểm bản sao lưu của bên gửi."
        if v["rev"] == b.rev:
            return "Cùng số phiên bản nhưng nội dung khác (có hai máy cùng ghi?)."
        return None

    def _keep_conflict(self, name: str, v: dict, old, why: str) -> None:
        entry = {
            "table": name,
            "uuid": v["uuid"],
            "key": records.label(name, v),
            "local_rev": old["rev"] if old is not None else None,
            "incoming_rev": v["rev"],
            "reason": why,
        }
        self.result.conflicts.append(entry)
        exists = self.conn.execute(
            select(t.sync_conflicts.c.id).where(
                t.sync_conflicts.c.record_uuid == v["uuid"],
                t.sync_conflicts.c.incoming_rev == v["rev"],
                t.sync_conflicts.c.sender_org == self.sender,
                t.sync_conflicts.c.resolved_at.is_(None),
            )
        ).first()
        if exists:
            return
        self.conn.execute(
            t.sync_conflicts.insert().values(
                found_at=self.tx.now,
                sender_org=self.sender,
                bundle_id=self.bundle_id,
                table_name=name,
                record_uuid=v["uuid"],
                record_key=entry["key"],
                local_rev=entry["local_rev"],
                incoming_rev=v["rev"],
                reason=why,
                incoming=_wire_json(v),
            )
        )

    def _note_file(self, name: str, v: dict, how: str) -> None:
        if name == "candidates":
            self.touched_files.add(v["uuid"])
            self.changed_files.setdefault(v["uuid"], how)
            self.file_codes[v["uuid"]] = v["file_code"]
        elif name in ("steps", "attachments"):
            self.touched_files.add(v["candidate_uuid"])
            self.changed_files.setdefault(v["candidate_uuid"], name)

    def _insert(self, shape: _Shape, rows: list[dict]) -> None:
        if not rows:
            return
        if shape.table is t.attachments:
            self._blobs(rows)
        template = {**shape.insert_template, "change_seq": self.tx.change_seq}
        bulk_insert(self.conn, shape.table, [{**template, **v} for v in rows])

    def _update(self, table, rows: list[tuple[int, dict]]) -> None:
        if not rows:
            return
        if table is t.attachments:
            self._blobs([v for _, v in rows])
        # A field the sender keeps home is absent and left as it is here: one statement
        # per set of columns.
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for row_id, v in rows:
            values = {k: x for k, x in v.items() if k != "uuid"}
            values["change_seq"] = self.tx.change_seq
            values["id"] = row_id
            groups[tuple(sorted(values))].append(values)
        for params in groups.values():
            bulk_set(self.conn, table, params, key="id")

    def _blobs(self, rows: list[dict]) -> None:
        wanted = sorted({v["sha256"] for v in rows})
        have = {r[0] for r in select_in(self.conn, t.blobs, ("sha256",), "sha256", wanted)}
        new = []
        for digest in wanted:
            if digest in have:
                continue
            content = self.files.get(digest)
            if content is None:
                raise BundleError(
                    "missing_file", f"Gói thiếu nội dung tệp đính kèm {digest[:12]}…: không nhận."
                )
            new.append({"sha256": digest, "size": len(content), "content": content})
        bulk_insert(self.conn, t.blobs, new)

    def _set_base(self, name: str, rows: list[dict]) -> None:
        """Remember the versions taken (written once, at the end); a later table of this
        bundle holding the same uuid sees them, as if written already."""
        for v in rows:
            self.new_base[v["uuid"]] = {
                "uuid": v["uuid"],
                "table_name": name,
                "sender_org": self.sender,
                "rev": v["rev"],
                "epoch": self.epoch,
                "seq": self.seq,
            }
            self.base[v["uuid"]] = _Base(self.sender, v["rev"], self.epoch, self.seq)

    def _write_base(self) -> None:
        inserts, updates = [], []
        for uuid, row in self.new_base.items():
            (updates if uuid in self.stored_base else inserts).append(row)
        bulk_insert(self.conn, t.sync_base, inserts)
        bulk_set(self.conn, t.sync_base, updates, key="uuid")

    def _refresh_states(self) -> None:
        """A file's state is derived from its steps: recompute it for every file touched."""
        if not self.touched_files:
            return
        steps: dict[str, list[dict]] = defaultdict(list)
        uuids = sorted(self.touched_files)
        # The files first (PostgreSQL): a step another staff member is recording on one of
        # them is then either in the steps read below or waits for this import.
        if self.conn.dialect.name == "postgresql":
            select_in(self.conn, t.candidates, ("uuid",), "uuid", uuids, lock=True)
        for raw in select_in(
            self.conn, t.steps, _STEP_COLUMNS, "candidate_uuid", uuids, live=True, order_by="seq"
        ):
            r = dict(zip(_STEP_COLUMNS, raw, strict=True))
            r["on"], r["received_on"] = as_date(r["on"]), as_date(r["received_on"])
            steps[r["candidate_uuid"]].append(r)
        # Every file touched is here: taken with this bundle, or the parent its steps and
        # attachments were checked against.
        save_states(
            self.conn,
            {cuid: state_of(steps.get(cuid, [])) for cuid in uuids if cuid in self.file_codes},
        )
        self.result.files = {
            self.file_codes[c]: how for c, how in self.changed_files.items() if c in self.file_codes
        }
