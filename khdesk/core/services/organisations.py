"""Organisation settings: the unit's own facts (kind, grassroots flag, special area…) and
its admission plan targets per year and per five-year period, edited together and saved
in one transaction. Values go through the template's converters, as an import does."""

from __future__ import annotations

from sqlalchemy import select, update

from khdesk.core.domain.roles import Action
from khdesk.core.domain.scope import OrgTree, staff_org_problem, station_scope
from khdesk.core.domain.template import CELL_KINDS, COMMUNE_KINDS, ORGS, PLANS
from khdesk.core.errors import InputError
from khdesk.core.io.tabular import convert_value
from khdesk.core.services.session import Session
from khdesk.core.store import schema as t
from khdesk.core.store.engine import bulk_insert
from khdesk.core.store.orgtree import load_tree
from khdesk.core.text import clean_text, unit_code_problem

# Fields of the `Đơn vị` sheet the settings screen edits (the code and the parent are the
# tree's business: they change by import at the committee, not here).
ORG_FIELDS = tuple(c for c in ORGS.columns if c.key not in ("code", "parent_code"))
PLAN_KEYS = ("year", "period", "target", "target_youth", "target_private")


def writable_orgs(session: Session) -> list[dict]:
    """The units this profile keeps data for (code, name), its own first: a cell keeps its
    own; a committee also keeps the cells under it that do not run khdesk themselves (the
    one write-scope rule, domain/scope.py)."""
    with session.store.read() as conn:
        tree = load_tree(conn)
    home = session.org_code
    units = station_scope(tree, home, session.info.role).units
    out = [{"code": home, "name": (tree.names.get(home) if tree.live(home) else None) or home}]
    for code in sorted(units - {home}):
        out.append({"code": code, "name": tree.names.get(code)})
    return out


def branch_orgs(session: Session) -> list[dict]:
    """Every live unit of this station's branch (code, name, parent_code, kind,
    self_managed), its own first, then by code."""
    with session.store.read() as conn:
        tree = load_tree(conn)
    home = session.org_code
    codes = sorted(tree.branch(home, live=True) - {home})
    return [
        {
            "code": code,
            "name": tree.names.get(code) or code,
            "parent_code": tree.parents.get(code),
            "kind": tree.kinds.get(code),
            "self_managed": code in tree.self_managed,
        }
        for code in [home, *codes]
    ]


def writable_org_codes(session: Session) -> set[str]:
    return {o["code"] for o in writable_orgs(session)}


def get_org(session: Session, org_code: str | None = None) -> dict:
    """The unit's record (this profile's own unit by default) with its plans."""
    code = org_code or session.org_code
    with session.store.read() as conn:
        row = (
            conn.execute(select(t.orgs).where(t.orgs.c.code == code, t.orgs.c.deleted.is_(False)))
            .mappings()
            .first()
        )
    if row is None:
        raise InputError(f"Không có đơn vị mã '{code}'.")
    out = {c.name: row[c.name] for c in t.orgs.c if c.name in _ORG_COLUMNS}
    out["plans"] = list_plans(session, code)
    return out


_ORG_COLUMNS = {"code", "name", "parent_code", "decision_body"} | {c.key for c in ORG_FIELDS}


def list_plans(session: Session, org_code: str) -> list[dict]:
    """Plan targets of a unit: yearly ones by year, then the five-year periods."""
    p = t.plans.c
    with session.store.read() as conn:
        rows = conn.execute(
            select(t.plans).where(p.org_code == org_code, p.deleted.is_(False))
        ).mappings()
        plans = [{k: r[k] for k in PLAN_KEYS} for r in rows]
    return sorted(plans, key=lambda r: (r["year"] is None, r["year"] or 0, r["period"] or ""))


def plan_key(year: int | None, period: str | None) -> str:
    """The stored key of a plan row: one yearly and one period target per unit."""
    if (year is None) == (period is None):
        raise InputError("Ghi đúng một trong hai cột 'Năm' hoặc 'Giai đoạn'.")
    return f"y{year}" if year is not None else f"p{period}"


def validate_org_fields(values: dict) -> dict:
    clean: dict = {}
    problems: list[str] = []
    for column in ORG_FIELDS:
        if column.key not in values:
            continue
        try:
            clean[column.key] = convert_value(column, values[column.key])
        except ValueError as exc:
            problems.append(f"{column.header}: {exc}")
    if "name" in values and not clean.get("name"):
        problems.append("Tên đơn vị: cần ghi.")
    if "villages" in clean and (clean["villages"] or 0) < 0:
        problems.append("Số thôn/tổ dân phố không được âm.")
    if "decision_body" in values:
        try:
            body = clean_text(values["decision_body"] or None, "Cơ quan ra quyết định")
        except InputError as exc:
            problems.append(exc.message)
        else:
            clean["decision_body"] = body or None
    if problems:
        raise InputError("Chưa lưu được thông tin đơn vị:\n" + "\n".join(problems))
    return clean


def validate_plans(plans: list[dict]) -> list[dict]:
    """Plan rows checked by the `Kế hoạch` sheet's converters; each gets its plan_key."""
    out: list[dict] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(plans, start=1):
        clean: dict = {}
        for key in PLAN_KEYS:
            column = PLANS.column(key)
            try:
                clean[key] = convert_value(column, raw.get(key))
            except ValueError as exc:
                problems.append(f"Dòng {i}, {column.header}: {exc}")
                clean[key] = None
        if clean["target"] is None:
            problems.append(f"Dòng {i}, Chỉ tiêu kết nạp: cần ghi.")
        for key in ("target", "target_youth", "target_private"):
            if (clean[key] or 0) < 0:
                problems.append(f"Dòng {i}, {PLANS.column(key).header}: không được âm.")
        try:
            key = plan_key(clean["year"], clean["period"])
        except InputError as exc:
            problems.append(f"Dòng {i}: {exc.message}")
            continue
        if key in seen:
            problems.append(f"Dòng {i} trùng kế hoạch với dòng {seen[key]}.")
        seen[key] = i
        clean["plan_key"] = key
        out.append(clean)
    if problems:
        raise InputError("Chưa lưu được kế hoạch:\n" + "\n".join(problems))
    return out


def save_org_settings(
    session: Session,
    org_code: str,
    fields: dict,
    plans: list[dict] | None = None,
) -> None:
    """Save the unit's fields and (when given) its whole list of plan targets: rows left
    out of `plans` are removed (tombstoned). One transaction, audited."""
    session.require(Action.UNIT_SETTINGS)
    if org_code not in writable_org_codes(session):
        raise InputError(f"Hồ sơ làm việc này không sửa được đơn vị '{org_code}'.")
    clean = validate_org_fields(fields)
    wanted = validate_plans(plans) if plans is not None else None
    p = t.plans.c
    with session.store.write(session.user) as tx:
        org_id = tx.conn.execute(select(t.orgs.c.id).where(t.orgs.c.code == org_code)).scalar()
        if org_id is None:
            raise InputError(f"Không có đơn vị mã '{org_code}'.")
        if clean:
            tx.conn.execute(
                update(t.orgs).where(t.orgs.c.id == org_id).values(**clean, **tx.changed(t.orgs))
            )
        changed_plans = 0
        if wanted is not None:
            stored = {
                r["plan_key"]: r
                for r in tx.conn.execute(select(t.plans).where(p.org_code == org_code)).mappings()
            }
            inserts = []
            for plan in wanted:
                old = stored.get(plan["plan_key"])
                if old is None:
                    inserts.append({**tx.new_record(), "org_code": org_code, **plan})
                elif old["deleted"] or any(old[k] != plan[k] for k in PLAN_KEYS):
                    tx.conn.execute(
                        update(t.plans)
                        .where(p.id == old["id"])
                        .values(**plan, deleted=False, **tx.changed(t.plans))
                    )
                else:
                    continue
                changed_plans += 1
            bulk_insert(tx.conn, t.plans, inserts)
            keep = {plan["plan_key"] for plan in wanted}
            for key, old in stored.items():
                if key not in keep and not old["deleted"]:
                    tx.conn.execute(
                        update(t.plans)
                        .where(p.id == old["id"])
                        .values(deleted=True, **tx.changed(t.plans))
                    )
                    changed_plans += 1
        tx.audit("change", "org", org_code, fields=sorted(clean), plans=changed_plans)


def unit_parents(session: Session) -> list[dict]:
    """The units a new unit may go under (code, name), this station's own first: a
    committee or the province, and the party committees of its branch; a cell none."""
    if session.info.role == "cell":
        return []
    with session.store.read() as conn:
        tree = load_tree(conn)
    home = session.org_code
    out = [{"code": home, "name": tree.names.get(home) or home}]
    for code in sorted(station_scope(tree, home, session.info.role).new_units_under - {home}):
        if tree.live(code) and tree.kinds.get(code) not in CELL_KINDS:
            out.append({"code": code, "name": tree.names.get(code)})
    return out


def add_org(session: Session, code: str, name: str, kind: str | None, parent_code: str) -> dict:
    """A unit added by hand under `parent_code` (this station or a committee of its
    branch), with the checks an import of the units' sheet makes
    (scope.staff_org_problem). One transaction, audited; a refusal writes nothing."""
    session.require(Action.UNIT_SETTINGS)
    if session.info.role == "cell":
        raise InputError("Chi bộ không thêm đơn vị: đơn vị mới do đảng ủy cấp trên thêm.")
    code = (code or "").strip().upper()
    parent = (parent_code or "").strip().upper()
    problems = [p for p in (unit_code_problem(code),) if p]
    clean: dict = {}
    for key, value in (("name", name), ("kind", kind)):
        column = ORGS.column(key)
        try:
            clean[key] = convert_value(column, value)
        except ValueError as exc:
            problems.append(f"{column.header}: {exc}")
    if "name" in clean and not clean["name"]:
        problems.append("Tên đơn vị: cần ghi.")
    if problems:
        raise InputError("Chưa thêm được đơn vị:\n" + "\n".join(problems))
    with session.store.write(session.user) as tx:
        tree = load_tree(tx.conn)
        if code in tree:
            raise InputError(f"Đã có đơn vị mã '{code}' ({tree.names.get(code) or code}).")
        why = staff_org_problem(tree, session.org_code, session.info.role, code, parent)
        if why:
            raise InputError(why)
        if tree.kinds.get(parent) in CELL_KINDS:
            raise InputError(f"'{parent}' là chi bộ: không có đơn vị trực thuộc chi bộ.")
        row = new_unit_row(tx, tree, code, clean["name"], parent, clean["kind"], False)
        tx.audit("add", "org", code, parent_code=parent, kind=clean["kind"])
    return {k: row[k] for k in ("code", "name", "parent_code", "kind")}


def new_unit_row(
    tx, tree: OrgTree, code: str, name: str, parent: str, kind: str | None, self_managed: bool
) -> dict:
    """Insert a unit under `parent` (the caller checked the station may add it there); a
    cell right under a commune committee is a grassroots cell, under a grassroots party
    committee it is not (the rules read the flag). Returns the row."""
    above = tree.kinds.get(parent)
    grassroots = None
    if kind in CELL_KINDS and above in COMMUNE_KINDS:
        grassroots = True
    elif kind in CELL_KINDS and above == "Đảng ủy cơ sở":
        grassroots = False
    row = {
        **tx.new_record(),
        "code": code,
        "name": name,
        "parent_code": parent,
        "kind": kind,
        "self_managed": self_managed,
        "is_grassroots_cell": grassroots,
    }
    tx.conn.execute(t.orgs.insert().values(**row))
    return row
