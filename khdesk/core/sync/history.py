"""History reported upward (resources/sync/FORMAT.md §11).

A bundle up carries the sender's audit entries after the length of its chain that the
recipient last acknowledged, and the chain's head (count and last hash), pinned by the
signed manifest. The receiver keeps what each sender reported and checks that every new
report extends it: the function that chains the local log recomputes every hash, each
entry names the one before, and an entry reported once must come again unchanged.

A report that does not extend — entries changed, removed or replaced after they were
reported, or no report at all from a sender that reported before — sets the bundle aside
(quarantine) and is listed as an alert. A confirmed new epoch (a restore from a backup)
may rewind the chain: shown, kept, listed. Only bundles up carry history: a station
below does not receive the records the upper station's log speaks of.

What it cannot see: what a holder of the sender's database key altered before it was
first reported, and whatever is never reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select, update

from khdesk.core.store import schema as t
from khdesk.core.store.store import GENESIS, row_hash
from khdesk.core.sync import canonical
from khdesk.core.sync.errors import BundleError

ENTRY = "audit/entries.jsonl"
FIELDS = ("at", "user", "action", "entity", "entity_key", "detail", "prev_hash", "hash")
# Text columns and their lengths, as the audit table has them (None: unbounded Text).
_LENGTHS = {name: getattr(t.audit.c[name].type, "length", None) for name in FIELDS}
_OPTIONAL = {name for name in FIELDS if t.audit.c[name].nullable}
_HEX = frozenset("0123456789abcdef")
BREAKS = ("rewritten", "truncated", "missing")  # quarantined, an alert kept for good
GAP = "gap"  # quarantined until the sender sends everything again (`--full`), no alert
NOTED = ("rewound",)  # imported, an alert listed


# -- sending --


def outgoing(conn: Connection, since: int) -> tuple[dict, bytes]:
    """The manifest's `audit` field and the entries after position `since` (what the
    recipient acknowledged holding), as JSON lines of the stored values unchanged: the
    receiver recomputes their hashes."""
    a = t.audit.c
    count = conn.execute(select(func.count()).select_from(t.audit)).scalar() or 0
    start = min(since, count)  # a chain shorter than acknowledged: the receiver sees it
    rows = (
        conn.execute(select(t.audit).order_by(a.id).offset(start).limit(count - start))
        .mappings()
        .all()
    )
    if rows:
        last = rows[-1]["hash"]
    elif start:
        last = conn.execute(select(a.hash).order_by(a.id).offset(start - 1).limit(1)).scalar()
    else:
        last = GENESIS
    lines = encode([{f: r[f] for f in FIELDS} for r in rows])
    return {"from": start, "count": start + len(rows), "hash": last}, lines


def encode(entries: list[dict]) -> bytes:
    """`audit/entries.jsonl`: one entry a line, canonical JSON but for NFC (the text is
    hashed as it was stored)."""
    return b"".join(
        json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        + b"\n"
        for e in entries
    )


# -- reading --


@dataclass
class Reported:
    """What a bundle reported: entries at positions start+1 … count, the head's hash."""

    start: int
    count: int
    hash: str
    entries: list[dict] = field(default_factory=list)

    def hashes(self) -> dict[int, str]:
        """Position -> hash, as far as this report tells (position `start` by the link)."""
        out = {self.start: self.entries[0]["prev_hash"] if self.entries else self.hash}
        for i, e in enumerate(self.entries, start=self.start + 1):
            out[i] = e["hash"]
        return out


def read_reported(manifest: dict, entries: dict[str, bytes], max_line: int) -> Reported | None:
    """The report in a verified bundle, every entry checked: shape, lengths, its hash
    recomputed, each linked to the one before, the last one the head. None: no report
    (a bundle down, or written before reports existed). Raises BundleError."""
    head = manifest.get("audit")
    if head is None:
        return None
    rep = Reported(head["from"], head["count"], head["hash"])
    lines = entries.get(ENTRY, b"").split(b"\n")
    if lines.pop() != b"":
        raise BundleError("audit_entries", f"{ENTRY}: dòng cuối không kết thúc bằng xuống dòng.")
    if len(lines) != rep.count - rep.start:
        raise BundleError(
            "audit_entries",
            f"{ENTRY}: có {len(lines)} mục, bản kê báo {rep.count - rep.start} mục.",
        )
    prev = GENESIS if rep.start == 0 else None
    for position, line in enumerate(lines, start=rep.start + 1):
        where = f"{ENTRY}, mục số {position}"
        entry = _entry(line, where, max_line)
        if prev is not None and entry["prev_hash"] != prev:
            raise BundleError("audit_entries", f"{where}: không nối tiếp mục trước.")
        if row_hash(entry) != entry["hash"]:
            raise BundleError("audit_entries", f"{where}: mã băm không khớp nội dung.")
        prev = entry["hash"]
        rep.entries.append(entry)
    if (prev if rep.entries else (GENESIS if rep.start == 0 else rep.hash)) != rep.hash:
        raise BundleError(
            "audit_entries", "Mục nhật ký cuối cùng không khớp đầu chuỗi ghi trong bản kê."
        )
    return rep


def _entry(line: bytes, where: str, max_line: int) -> dict:
    if len(line) > max_line:
        raise BundleError("line_too_long", f"{where}: dòng dài quá {max_line} byte.")
    try:
        entry = canonical.loads(line, max_depth=1, nfc=False)
    except canonical.JSONRefused as exc:
        raise BundleError("audit_entries", f"{where}: {exc}.") from None
    if not isinstance(entry, dict) or set(entry) != set(FIELDS):
        raise BundleError("audit_entries", f"{where}: phải có đúng các trường {', '.join(FIELDS)}.")
    for name, value in entry.items():
        if value is None and name in _OPTIONAL:
            continue
        length = _LENGTHS[name]
        if not isinstance(value, str) or (length is not None and len(value) > length):
            raise BundleError("audit_entries", f"{where}: trường '{name}' sai kiểu hoặc quá dài.")
    for name in ("prev_hash", "hash"):
        if len(entry[name]) != 64 or not set(entry[name]) <= _HEX:
            raise BundleError("audit_entries", f"{where}: trường '{name}' không phải mã băm.")
    return entry


# -- judging a report against what the sender reported before --


@dataclass
class Verdict:
    kind: str  # first / extends / same / behind, or NOTED, GAP or BREAKS
    position: int = 0  # the first position that differs (alerts)
    reason: str = ""  # Vietnamese (alerts)
    reported: Reported | None = None

    @property
    def refused(self) -> bool:
        return self.kind in BREAKS or self.kind == GAP

    def summary(self) -> dict:
        out = {"kind": self.kind, "position": self.position}
        if self.reported is not None:
            rep = self.reported
            out.update({"from": rep.start, "count": rep.count, "hash": rep.hash})
        return out


def _head(conn: Connection, sender: str) -> dict | None:
    row = (
        conn.execute(select(t.sync_audit_heads).where(t.sync_audit_heads.c.sender_org == sender))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _current(
    conn: Connection, sender: str, lo: int, hi: int, whole: bool = True
) -> dict[int, dict]:
    """The sender's chain as reported here, positions lo … hi: the row stored last.
    `whole=False`: only what comparing and the message need."""
    r = t.sync_audit_reported.c
    columns = [t.sync_audit_reported] if whole else [r.position, r.hash, r.at, r.user, r.action]
    rows = conn.execute(
        select(*columns)
        .where(r.sender_org == sender, r.position >= lo, r.position <= hi)
        .order_by(r.id)
    ).mappings()
    return {row["position"]: dict(row) for row in rows}


def _day(at: str | None) -> str:
    text = at or ""
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if len(text) >= 10 else "?"


def assess(
    conn: Connection, manifest: dict, entries: dict[str, bytes], max_line: int
) -> Verdict | None:
    """How the bundle's report relates to what its sender reported here before."""
    if manifest["kind"] != "up":
        if manifest.get("audit") is not None:
            raise BundleError(
                "audit_entries", "Chỉ gói gửi lên cấp trên mới mang nhật ký thao tác."
            )
        return None
    sender, seq = manifest["sender"]["org_code"], manifest["seq"]
    rep = read_reported(manifest, entries, max_line)
    head = _head(conn, sender)
    same_epoch = head is not None and head["epoch"] == manifest["epoch"]["id"]
    quarantined = (
        f" Gói bị cách ly, không nhập; nhật ký đã báo cáo được giữ nguyên (xem 'khdesk audit "
        f"verify --reported {sender}'); hãy liên hệ đơn vị gửi."
    )
    if rep is None:
        if head is None or (same_epoch and seq < head["seq"]):
            return None  # nothing reported yet, or a bundle written before the last report
        return Verdict(
            "missing",
            head["count"] + 1,
            f"CẢNH BÁO: gói số {seq} của {sender} không mang nhật ký thao tác, trong khi "
            f"{sender} đã báo cáo nhật ký đến mục số {head['count']}." + quarantined,
        )
    if head is None:
        if rep.start == 0:
            return Verdict("first", reported=rep)
        return Verdict("gap", 1, _gap_text(sender, 0, rep.start), rep)
    known = head["count"]
    if rep.start > known:
        return Verdict("gap", known + 1, _gap_text(sender, known, rep.start), rep)
    lo, hi = max(rep.start, 1), min(rep.count, known)
    stored = _current(conn, sender, lo, hi, whole=False)
    incoming = rep.hashes()
    diverged = next(
        (p for p in range(lo, hi + 1) if (stored.get(p) or {}).get("hash") != incoming[p]), None
    )
    if diverged is None and rep.count < known and (not same_epoch or seq > head["seq"]):
        diverged = rep.count + 1  # entries reported before are gone
    if diverged is None:
        kind = "extends" if rep.count > known else "same" if rep.count == known else "behind"
        return Verdict(kind, reported=rep)
    # A restore rewinds only to what the backup held, never below the head the sender
    # says was acknowledged (`from`): a new epoch may rewind after it, not at it.
    if not same_epoch and diverged > rep.start:
        return Verdict(
            "rewound",
            diverged,
            f"Nhật ký thao tác của {sender} lùi lại từ mục số {diverged} trong giai đoạn gửi "
            f"mới: {known - diverged + 1} mục đã báo cáo trước đây không còn như cũ ở đơn vị "
            "gửi. Điều này đúng khi hồ sơ được khôi phục từ bản sao lưu; nếu không, nhật ký "
            "đã bị sửa — hãy hỏi lại đơn vị gửi. Các mục cũ vẫn được giữ ở đây (xem 'khdesk "
            f"audit verify --reported {sender}').",
            rep,
        )
    if diverged > rep.count:
        return Verdict(
            "truncated",
            diverged,
            f"CẢNH BÁO: gói số {seq} của {sender} báo nhật ký thao tác chỉ có {rep.count} mục, "
            f"nhưng gói số {head['seq']} đã báo cáo {known} mục: các mục {diverged}–{known} "
            "đã bị xóa ở đơn vị gửi." + quarantined,
            rep,
        )
    was = stored.get(diverged) or {}
    return Verdict(
        "rewritten",
        diverged,
        f"CẢNH BÁO: nhật ký thao tác {sender} gửi kèm gói số {seq} không nối tiếp nhật ký đã "
        f"báo cáo: mục số {diverged} (hoặc một mục trước nó) khác với mục đã báo cáo "
        f"('{was.get('action', '?')}' của {was.get('user', '?')} ngày {_day(was.get('at'))}). "
        "Lịch sử đã báo cáo lên đã bị sửa hoặc xóa ở đơn vị gửi." + quarantined,
        rep,
    )


def _gap_text(sender: str, known: int, start: int) -> str:
    # Not a proof of tampering (this station may have been restored from a backup), but
    # nothing can be compared: a rewrite could hide behind it. A full bundle settles it.
    return (
        f"Không kiểm được nhật ký thao tác của {sender} có nối tiếp nhật ký đã báo cáo hay "
        f"không: ở đây có đến mục số {known}, gói chỉ báo từ mục số {start + 1} (thiếu các "
        f"mục {known + 1}–{start}: hồ sơ này đã được khôi phục từ bản sao lưu, hoặc bên gửi "
        f"ghi sai). Gói bị cách ly, không nhập; hãy đề nghị {sender} xuất lại gói đầy đủ "
        "('khdesk bundle export --full') rồi nhập gói đó."
    )


# -- keeping it --


def record(conn: Connection, manifest: dict, verdict: Verdict, now: str) -> None:
    """After an import: keep the new entries and the head, and an alert if one is due."""
    rep = verdict.reported
    if rep is None or verdict.kind in ("same", "behind"):
        return
    sender = manifest["sender"]["org_code"]
    head = _head(conn, sender)
    first = rep.start + 1
    if verdict.kind == "extends" and head is not None:
        first = head["count"] + 1
    elif verdict.kind == "rewound":
        first = verdict.position
    rows = [
        {**e, "sender_org": sender, "position": p, "bundle_id": manifest["bundle_id"]}
        for p, e in enumerate(rep.entries, start=rep.start + 1)
        if p >= first
    ]
    for start in range(0, len(rows), 500):
        conn.execute(t.sync_audit_reported.insert(), rows[start : start + 500])
    values = {
        "count": rep.count,
        "hash": rep.hash,
        "epoch": manifest["epoch"]["id"],
        "seq": manifest["seq"],
        "bundle_id": manifest["bundle_id"],
        "updated_at": now,
    }
    done = conn.execute(
        update(t.sync_audit_heads).where(t.sync_audit_heads.c.sender_org == sender).values(values)
    )
    if done.rowcount == 0:
        conn.execute(t.sync_audit_heads.insert().values(sender_org=sender, **values))
    if verdict.kind in NOTED:
        record_alert(conn, manifest, verdict.kind, verdict.position, verdict.reason, now)


def record_alert(
    conn: Connection, manifest: dict, kind: str, position: int, reason: str, now: str
) -> None:
    conn.execute(
        t.sync_audit_alerts.insert().values(
            found_at=now,
            sender_org=manifest["sender"]["org_code"],
            bundle_id=manifest["bundle_id"],
            epoch=manifest["epoch"]["id"],
            seq=manifest["seq"],
            kind=kind,
            position=position,
            reason=reason,
        )
    )


# -- `khdesk audit verify --reported ORG` --


@dataclass
class ReportedCheck:
    sender: str
    count: int  # entries reported (the head's count), 0 if none
    problems: list[str] = field(default_factory=list)  # breaks (Vietnamese)
    notes: list[str] = field(default_factory=list)  # rewinds, gaps

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "sender": self.sender,
            "count": self.count,
            "ok": self.ok,
            "problems": self.problems,
            "notes": self.notes,
        }


def verify_reported(conn: Connection, sender: str) -> ReportedCheck:
    """Walk a sender's chain as reported here, recomputing every hash, and list every
    alert its reports raised (a break stays listed: the evidence is kept)."""
    head = _head(conn, sender)
    check = ReportedCheck(sender, head["count"] if head else 0)
    alerts = conn.execute(
        select(t.sync_audit_alerts)
        .where(t.sync_audit_alerts.c.sender_org == sender)
        .order_by(t.sync_audit_alerts.c.id)
    ).mappings()
    for a in alerts:
        line = f"{_day(a['found_at'])}, gói số {a['seq']}: {a['reason']}"
        (check.problems if a["kind"] in BREAKS else check.notes).append(line)
    if head is None:
        return check
    chain = _current(conn, sender, 1, head["count"])
    prev = GENESIS
    for p in range(1, head["count"] + 1):
        row = chain.get(p)
        if row is None:
            check.problems.append(f"Mục số {p} đã báo cáo không còn ở đây.")
            prev = None
            continue
        if row_hash(row) != row["hash"]:
            check.problems.append(f"Mục số {p} (lưu ở đây) đã bị sửa.")
        if prev is not None and row["prev_hash"] != prev:
            check.problems.append(f"Mục số {p} không nối tiếp mục trước.")
        prev = row["hash"]
    if prev is not None and prev != head["hash"]:
        check.problems.append("Mục cuối cùng không khớp đầu chuỗi đã báo cáo.")
    return check


def alerts(conn: Connection, limit: int = 500) -> list[dict]:
    """Every alert, newest first: for the committee's list of problems."""
    rows = conn.execute(
        select(t.sync_audit_alerts).order_by(t.sync_audit_alerts.c.id.desc()).limit(limit)
    ).mappings()
    return [dict(r) for r in rows]
