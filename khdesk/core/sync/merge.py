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

from sqlalchemy import UniqueConstraint, bindparam, delete, select, update

from khdesk.core.services.candidates import save_states, state_of
from khdesk.core.store import schema as t
from khdesk.core.store.engine import bulk_insert
from khdesk.core.store.store import WriteTx
from khdesk.core.sync import canonical, records
from khdesk.core.sync.bundle import Verified
from khdesk.core.sync.errors import BundleError
from khdesk.core.text import fold, name_sort_key

_CHUNK = 500  # below SQLite's bound-parameter limit


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


def _derive(table_name: str, values: dict) -> None:
    if table_name in ("candidates", "members") and "full_name" in values:
        values["name_folded"] = fold(values["full_name"])
        values["sort_key"] = name_sort_key(values["full_name"])
    elif table_name == "private_units" and "name" in values:
        values["name_folded"] = fold(values["name"])


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
    sender's epochs as accepted here."""

    def __init__(self, tx: WriteTx, verified: Verified, allowed: set[str], lineage: Lineage):
        self.tx, self.conn = tx, tx.conn
        m = verified.manifest
        self.sender, self.epoch, self.seq = m["sender"]["org_code"], m["epoch"]["id"], m["seq"]
        self.bundle_id = m["bundle_id"]
        self.tables, self.files = verified.tables, verified.files
        self.allowed = allowed
        self.lineage = lineage
        self.result = MergeResult()
        self.touched_files: set[str] = set()  # candidate uuids whose state may change
        self.changed_files: dict[str, str] = {}  # candidate uuid -> how

    def run(self) -> MergeResult:
        for name in records.TABLES:
            rows = self.tables.get(name)
            if rows:
                self._table(name, rows)
        self._refresh_states()
        return self.result

    def _known_to_sender(self, base) -> bool:
        """Did the lineage sending now know the version stored here? Only then does
        comparing revisions mean anything (after a restore, it may not have)."""
        if base.epoch == self.epoch:
            return True
        seen, current = set(), self.epoch
        while current in self.lineage and current not in seen:
            seen.add(current)
            previous, last_seq = self.lineage[current]
            if previous == base.epoch:
                return base.seq <= (last_seq or 0)
            current = previous
        return False

    def _load(self, table, uuids: list[str]) -> tuple[dict, dict]:
        local, base = {}, {}
        for start in range(0, len(uuids), _CHUNK):
            chunk = uuids[start : start + _CHUNK]
            for r in self.conn.execute(select(table).where(table.c.uuid.in_(chunk))).mappings():
                local[r["uuid"]] = r
            for r in self.conn.execute(select(t.sync_base).where(t.sync_base.c.uuid.in_(chunk))):
                base[r.uuid] = r
        return local, base

    def _holders(self, table, key: tuple[str, ...], rows: list[dict]) -> dict[tuple, str]:
        """Natural key -> uuid of the records here holding the keys the bundle uses."""
        firsts = sorted({r[key[0]] for r in rows if r.get(key[0]) is not None})
        cols = [table.c.uuid] + [table.c[c] for c in key]
        out = {}
        for start in range(0, len(firsts), _CHUNK):
            chunk = firsts[start : start + _CHUNK]
            for r in self.conn.execute(select(*cols).where(table.c[key[0]].in_(chunk))):
                out[tuple(r[1:])] = r[0]
        return out

    def _table(self, name: str, rows: list[dict]) -> None:
        table = records.TABLES[name]
        counts = self.result.applied.setdefault(name, TableCounts())
        for v in rows:
            _derive(name, v)
        local, base = self._load(table, [v["uuid"] for v in rows])
        natural = [(key, self._holders(table, key, rows)) for key in _natural_keys(table)]
        parents = self._present_files(rows) if name in ("steps", "attachments") else None
        inserts, updates, bases = [], [], []
        for v in rows:
            old, b = local.get(v["uuid"]), base.get(v["uuid"])
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
            (inserts if old is None else updates).append(v)
            bases.append(v)
            self._note_file(name, v, "added" if old is None else "updated")
        counts.added += len(inserts)
        counts.updated += len(updates)
        self._insert(table, inserts)
        self._update(table, updates)
        self._set_base(name, bases)

    def _present_files(self, rows: list[dict]) -> set[str]:
        """Which of the files these steps/attachments belong to exist here now."""
        wanted = sorted({v["candidate_uuid"] for v in rows})
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found.update(
                self.conn.execute(
                    select(t.candidates.c.uuid).where(t.candidates.c.uuid.in_(chunk))
                ).scalars()
            )
        return found

    def _conflict(self, name: str, v: dict, old, b, clash) -> str | None:
        """Why the incoming version may not be written (None: it may)."""
        if clash is not None:
            what = _KEY_LABELS.get(clash, ", ".join(clash))
            return f"Trùng {what} với một bản ghi khác đã có ở đây (khác uuid)."
        if old is None:
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
        elif name in ("steps", "attachments"):
            self.touched_files.add(v["candidate_uuid"])
            self.changed_files.setdefault(v["candidate_uuid"], name)

    def _insert(self, table, rows: list[dict]) -> None:
        if not rows:
            return
        if table is t.attachments:
            self._blobs(rows)
        columns = [c.name for c in table.columns if c.name != "id"]
        full = []
        for v in rows:
            row = {c: v.get(c) for c in columns}
            row["change_seq"] = self.tx.change_seq
            if table is t.candidates:
                row["state"] = "NGUON"  # derived again from the steps below
            full.append(row)
        bulk_insert(self.conn, table, full)

    def _update(self, table, rows: list[dict]) -> None:
        if table is t.attachments:
            self._blobs(rows)
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for v in rows:
            values = {k: x for k, x in v.items() if k != "uuid"}
            groups[tuple(sorted(values))].append({"_uuid": v["uuid"], **values})
        for cols, params in groups.items():
            self.conn.execute(
                update(table)
                .where(table.c.uuid == bindparam("_uuid"))
                .values(**{c: bindparam(c) for c in cols}, change_seq=self.tx.change_seq),
                params,
            )

    def _blobs(self, rows: list[dict]) -> None:
        wanted = {v["sha256"] for v in rows}
        have = set()
        for digest in wanted:
            if self.conn.execute(
                select(t.blobs.c.sha256).where(t.blobs.c.sha256 == digest)
            ).first():
                have.add(digest)
        for digest in sorted(wanted - have):
            content = self.files.get(digest)
            if content is None:
                raise BundleError(
                    "missing_file", f"Gói thiếu nội dung tệp đính kèm {digest[:12]}…: không nhận."
                )
            self.conn.execute(
                t.blobs.insert().values(sha256=digest, size=len(content), content=content)
            )

    def _set_base(self, name: str, rows: list[dict]) -> None:
        if not rows:
            return
        uuids = [v["uuid"] for v in rows]
        for start in range(0, len(uuids), _CHUNK):
            self.conn.execute(
                delete(t.sync_base).where(t.sync_base.c.uuid.in_(uuids[start : start + _CHUNK]))
            )
        self.conn.execute(
            t.sync_base.insert(),
            [
                {
                    "uuid": v["uuid"],
                    "table_name": name,
                    "sender_org": self.sender,
                    "rev": v["rev"],
                    "epoch": self.epoch,
                    "seq": self.seq,
                }
                for v in rows
            ],
        )

    def _refresh_states(self) -> None:
        """A file's state is derived from its steps: recompute it for every file touched."""
        steps: dict[str, list] = defaultdict(list)
        uuids = sorted(self.touched_files)
        current = {}
        for start in range(0, len(uuids), _CHUNK):
            chunk = uuids[start : start + _CHUNK]
            for r in self.conn.execute(
                select(t.steps)
                .where(t.steps.c.candidate_uuid.in_(chunk), t.steps.c.deleted.is_(False))
                .order_by(t.steps.c.seq)
            ).mappings():
                steps[r["candidate_uuid"]].append(r)
            for r in self.conn.execute(
                select(t.candidates.c.uuid, t.candidates.c.state, t.candidates.c.file_code).where(
                    t.candidates.c.uuid.in_(chunk)
                )
            ):
                current[r.uuid] = r
        save_states(self.conn, {cuid: state_of(steps.get(cuid, [])) for cuid in current})
        self.result.files = {
            current[c].file_code: how for c, how in self.changed_files.items() if c in current
        }
