"""The member register: search (to pick introducers and mentors) and listing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from khdesk.core.domain.template import MEMBERS
from khdesk.core.services.profiles import Session
from khdesk.core.store import schema as t
from khdesk.core.store.engine import search_ids
from khdesk.core.text import fold

MEMBER_KEYS = [c.key for c in MEMBERS.columns]


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
            rows = conn.execute(select(*columns).where(t.members.c.id.in_(ids))).mappings()
            by_id = {r["id"]: r for r in rows}
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
