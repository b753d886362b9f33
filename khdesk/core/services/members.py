"""The member register: search (to pick introducers and mentors) and listing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, select, update

from khdesk.core.domain.roles import Action
from khdesk.core.domain.rules import MemberFacts
from khdesk.core.domain.scope import staff_record_problem
from khdesk.core.domain.template import MEMBER_RECORDS, MEMBERS
from khdesk.core.errors import InputError
from khdesk.core.io.tabular import convert_value
from khdesk.core.services.organisations import writable_org_codes
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.engine import bulk_insert, raw_rows, search_ids
from khdesk.core.text import fold, name_sort_key

MEMBER_KEYS = [c.key for c in MEMBERS.columns]
_BOOLEAN_KEYS = [k for k in MEMBER_KEYS if isinstance(t.members.c[k].type, Boolean)]


def search_members(
    session: Session, query: str | None = None, org_code: str | None = None, limit: int = 200
) -> list[dict]:
    """Members whose name, CCCD or code has words starting with each query word,
    in Vietnamese name order."""
    with session.store.read() as conn:
        if query and query.strip():
            equal = {"org_code": org_code} if org_code else None
            ids = search_ids(conn, t.members, fold(query), limit=limit, equal=equal) or []
            columns = [t.members.c.id] + [t.members.c[k] for k in MEMBER_KEYS]
            # Through the driver: building 200 rows of mappings was most of a search.
            names = ["id", *MEMBER_KEYS]
            rows = raw_rows(conn, select(*columns).where(t.members.c.id.in_(ids)))
            by_id = {}
            for r in rows:
                row = dict(zip(names, r, strict=True))
                for k in _BOOLEAN_KEYS:  # SQLite hands booleans over as 0/1
                    if row[k] is not None:
                        row[k] = bool(row[k])
                by_id[r[0]] = row
            found = [by_id[i] for i in ids]
        else:
            stmt = select(t.members).where(t.members.c.deleted.is_(False))
            if org_code:
                stmt = stmt.where(t.members.c.org_code == org_code)
            found = conn.execute(stmt.order_by(t.members.c.sort_key).limit(limit)).mappings().all()
    return [
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items() if k in MEMBER_KEYS}
        for r in found
    ]


# -- the register screen: lazy listing, one member with its yearly records, add / edit --

# Statuses of people no longer in the cell: never introducers, never counted in a vote.
LEFT_STATUSES = ("Chuyển đi", "Từ trần", "Xóa tên", "Khai trừ")
_LEFT = frozenset(fold(s) for s in LEFT_STATUSES)


def member_ids(
    session: Session,
    query: str | None = None,
    org_code: str | None = None,
    status: str | None = None,
) -> list[int]:
    """Row ids of the matching members in Vietnamese name order (cheap: ids only)."""
    m = t.members.c
    with session.store.read() as conn:
        if query and query.strip():
            equal: dict = {}
            if org_code:
                equal["org_code"] = org_code
            if status:
                equal["status"] = status
            return search_ids(conn, t.members, fold(query), equal=equal or None) or []
        stmt = select(m.id).where(m.deleted.is_(False))
        if org_code:
            stmt = stmt.where(m.org_code == org_code)
        if status:
            stmt = stmt.where(m.status == status)
        return list(conn.execute(stmt.order_by(m.sort_key)).scalars())


def member_rows(session: Session, ids: list[int]) -> dict[int, dict]:
    """The register columns of the given members, by row id (a screenful at a time)."""
    out: dict[int, dict] = {}
    columns = [t.members.c.id] + [t.members.c[k] for k in MEMBER_KEYS]
    with session.store.read() as conn:
        for start in range(0, len(ids), 500):  # under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            rows = conn.execute(select(*columns).where(t.members.c.id.in_(chunk))).mappings()
            out.update((r["id"], {k: r[k] for k in MEMBER_KEYS}) for r in rows)
    return out


def get_member(session: Session, member_code: str) -> dict | None:
    """One member with the yearly records (Theo dõi đảng viên) and ratings, newest first."""
    m, rec, rat = t.members.c, t.member_records.c, t.ratings.c
    with session.store.read() as conn:
        row = (
            conn.execute(
                select(t.members).where(m.member_code == member_code, m.deleted.is_(False))
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        records = conn.execute(
            select(t.member_records)
            .where(rec.member_code == member_code, rec.deleted.is_(False))
            .order_by(rec.year.desc())
        ).mappings()
        ratings = conn.execute(
            select(t.ratings)
            .where(rat.member_code == member_code, rat.deleted.is_(False))
            .order_by(rat.year.desc())
        ).mappings()
        year_keys = [c.key for c in MEMBER_RECORDS.columns]
        out = {k: row[k] for k in MEMBER_KEYS}
        out["records"] = [{k: r[k] for k in year_keys} for r in records]
        out["ratings"] = [{"year": r["year"], "rating": r["rating"]} for r in ratings]
    return out


def is_introducer_eligible(member: dict, on: date) -> bool:
    """An official member on `on` still in the Party and the cell (RULES.md INTRO_STATUS:
    a probationary member may not introduce)."""
    if fold(member.get("status")) in _LEFT:
        return False
    official = member.get("official_on")
    if isinstance(official, str):  # search_members gives ISO text (JSON-ready rows)
        member = {**member, "official_on": date.fromisoformat(official)}
    return MemberFacts.from_row(member).is_official_on(on)


def eligible_introducers(
    session: Session, on: date, org_code: str | None = None, query: str | None = None
) -> list[dict]:
    """Members who may introduce a candidate on `on`, in name order."""
    ids = member_ids(session, query, org_code)
    rows = member_rows(session, ids)
    found = [rows[i] for i in ids if i in rows]
    return [r for r in found if is_introducer_eligible(r, on)]


def official_count(session: Session, on: date, org_code: str | None = None) -> int:
    """Official members on `on` (the denominator of the two-thirds vote)."""
    m = t.members.c
    stmt = select(*(m[k] for k in ("status", "official_on"))).where(m.deleted.is_(False))
    if org_code:
        stmt = stmt.where(m.org_code == org_code)
    with session.store.read() as conn:
        rows = conn.execute(stmt).mappings().all()
    return sum(1 for r in rows if is_introducer_eligible(dict(r), on))


def validate_member(values: dict) -> dict:
    """Form values (text as typed, or Python values) checked by the template's own
    converters, the ones the Excel importer runs: one message per bad field, together."""
    clean: dict = {}
    problems: list[str] = []
    for column in MEMBERS.columns:
        raw = values.get(column.key)
        try:
            value = convert_value(column, raw)
        except ValueError as exc:
            problems.append(f"{column.header}: {exc}")
            continue
        if value is None and column.required:
            problems.append(f"{column.header}: cần ghi.")
        clean[column.key] = value
    if not problems:
        admitted, official = clean["admitted_on"], clean["official_on"]
        if clean["birth_date"] >= admitted:
            problems.append("Ngày vào Đảng phải sau ngày sinh.")
        if official is not None and official < admitted:
            problems.append("Ngày chính thức không được trước ngày vào Đảng.")
    if problems:
        raise InputError("Chưa lưu được đảng viên:\n" + "\n".join(problems))
    return clean


def save_member(session: Session, values: dict, member_code: str | None = None) -> str:
    """Add a member (member_code None) or change one; returns the member code. One
    transaction, audited; the cell must be one this profile keeps members for."""
    session.require(Action.EDIT_MEMBERS)
    clean = validate_member(values)
    clean["org_code"] = clean["org_code"].upper()
    allowed = writable_org_codes(session)
    if clean["org_code"] not in allowed:
        raise InputError(
            f"Hồ sơ làm việc này không giữ danh sách đảng viên của đơn vị '{clean['org_code']}'."
        )
    clean["name_folded"] = fold(clean["full_name"])
    clean["sort_key"] = name_sort_key(clean["full_name"])
    m = t.members.c
    with session.store.write(session.user) as tx:
        if member_code is None:
            code = clean.get("member_code") or _next_member_code(tx.conn, clean["org_code"])
            taken = tx.conn.execute(select(m.id).where(m.member_code == code)).first()
            if taken is not None:
                raise InputError(f"Đã có đảng viên mã '{code}'.")
            clean["member_code"] = code
            bulk_insert(tx.conn, t.members, [{**tx.new_record(), **clean}])
            tx.audit("add", "member", code)
        else:
            code = member_code
            row = tx.conn.execute(
                select(m.id, m.org_code, m.owner).where(m.member_code == code, m.deleted.is_(False))
            ).first()
            if row is None:
                raise InputError(f"Không có đảng viên mã '{code}'.")
            why = staff_record_problem(
                session.org_code, f"Đảng viên '{code}'", row.owner, row.org_code, clean["org_code"]
            )
            if why:
                raise InputError(why)
            clean["member_code"] = code  # the code never changes: files refer to it
            tx.conn.execute(
                update(t.members).where(m.id == row.id).values(**clean, **tx.changed(t.members))
            )
            tx.audit("change", "member", code)
    return code


def _next_member_code(conn, org_code: str) -> str:
    """`<org>-DVNNNN`, the importer's pattern: the next free running number of the cell."""
    prefix = f"{org_code}-DV"
    codes = conn.execute(
        select(t.members.c.member_code).where(t.members.c.member_code.like(f"{prefix}%"))
    ).scalars()
    numbers = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"
