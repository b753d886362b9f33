"""Who may write which records here: the one write-scope rule (issue 15 §1, SYNC.md "A
sender's reach is the receiver's knowledge, not the bundle's claim").

Every path that accepts records asks it: a bundle from another station, the Excel/CSV
import, the catalogue's organisation list, the service layer. The answer is computed from
THIS station's organisation tree and enrolments only (`OrgTree`, `WriteScope`); nothing
in the incoming data widens it.

- A station below (up): writes the records owned by its branch (itself and the units
  under it in our tree), about units of that branch. A cell never writes a step only a
  committee decides (`pipeline.Step.committee`), whatever owner it names. It creates no
  unit, moves none, and touches no orgs row but those strictly under it; only a commune
  committee's bundle to the province may add units under it (the province's tree grows
  from its communes, and goes back down in the province's signed catalogue).
- A station above (down): writes only its own decisions (committee steps and their scans)
  on the files of the receiver's branch.
- This station's staff (import, forms): the units it keeps data for — a cell its own, a
  committee also the units under it that do not run khdesk themselves.

A record whose stored copy (same uuid) lies outside the scope is refused as well: a uuid
is no way into someone else's record. Qt-free and database-free; the tree is read by
`khdesk.core.store.orgtree.load_tree`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from khdesk.core.domain import transfers
from khdesk.core.domain.pipeline import STEP_BY_ID, STEPS, StepEvent
from khdesk.core.domain.template import CELL_KINDS, COMMUNE_KINDS

# The steps only an upper committee decides (its resolutions and decisions).
COMMITTEE_STEPS = tuple(s.id for s in STEPS if s.committee)
# The steps a committee sends down: its decisions and the certificates it records (A2).
DOWN_STEPS = COMMITTEE_STEPS + tuple(s.id for s in STEPS if s.upper_too)
UPPER_ROLES = ("committee", "province")
ALL_TABLES = frozenset(
    (
        "orgs",
        "plans",
        "members",
        "member_records",
        "ratings",
        "private_units",
        "candidates",
        "meetings",
        "steps",
        "attachments",
    )
)
DOWN_TABLES = frozenset(("steps", "attachments"))

# How a person names each kind of record (refusals name the record: label + key).
TABLE_LABELS = {
    "orgs": "đơn vị",
    "plans": "kế hoạch",
    "members": "đảng viên",
    "member_records": "theo dõi đảng viên",
    "ratings": "xếp loại",
    "private_units": "đơn vị kinh tế tư nhân",
    "candidates": "hồ sơ",
    "meetings": "kỳ họp chi bộ",
    "steps": "bước",
    "attachments": "tệp đính kèm",
}


class ScopeError(Exception):
    """A record or a sender outside the write scope (`message`: Vietnamese)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class OrgTree:
    """This station's organisation tree, the one object every walk of it goes through:
    code -> parent code (None at the top), the units that run khdesk themselves (their
    data comes only in their bundles), and each unit's kind and name.

    Removed units (`deleted`: a tombstoned orgs row) stay in the tree's shape: what was
    kept under them still belongs to that branch, so their records and tombstones keep
    travelling and are accepted (the removal reaches every copy; nothing is orphaned).
    They are no longer units to work in: the staff's scope and every listing of units
    (`live`, `branch(..., live=True)`) leave them out."""

    parents: Mapping[str, str | None]
    self_managed: frozenset[str] = frozenset()
    kinds: Mapping[str, str | None] = field(default_factory=dict)
    names: Mapping[str, str | None] = field(default_factory=dict)
    deleted: frozenset[str] = frozenset()
    _children: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for code, parent in self.parents.items():
            if parent is not None:
                self._children.setdefault(parent, []).append(code)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping]) -> OrgTree:
        """The tree of orgs rows (code, parent_code; kind, name, self_managed, deleted
        when present)."""
        rows = list(rows)
        return cls(
            {r["code"]: r["parent_code"] for r in rows},
            frozenset(r["code"] for r in rows if r.get("self_managed")),
            {r["code"]: r.get("kind") for r in rows},
            {r["code"]: r.get("name") for r in rows},
            frozenset(r["code"] for r in rows if r.get("deleted")),
        )

    def __contains__(self, code: object) -> bool:
        return code in self.parents

    def live(self, code: str | None) -> bool:
        """Is `code` a unit here that is not removed?"""
        return code in self.parents and code not in self.deleted

    def branch(self, code: str, live: bool = False) -> frozenset[str]:
        """`code` and every unit under it (`live`: without the removed ones)."""
        found, todo = {code}, [code]
        while todo:
            for child in self._children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return frozenset(found - self.deleted) if live else frozenset(found)

    def ancestors(self, code: str) -> list[str]:
        """The units above `code`, nearest first (a cycle stops the walk)."""
        out: list[str] = []
        seen = {code}
        parent = self.parents.get(code)
        while parent is not None and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.parents.get(parent)
        return out

    def parent(self, code: str | None) -> str | None:
        """The unit directly above `code` (a cell's committee), None when unknown."""
        return self.parents.get(code) if code else None

    def commune(self, code: str | None) -> str | None:
        """The commune-level committee `code` is or is under (đảng ủy xã/phường/đặc
        khu), None when the tree does not reach one."""
        if code is None or code not in self.parents:
            return None
        return next(
            (u for u in (code, *self.ancestors(code)) if self.kinds.get(u) in COMMUNE_KINDS), None
        )

    def is_below(self, code: str, upper: str) -> bool:
        """Is `code` strictly under `upper`?"""
        return upper in self.ancestors(code)

    def with_units(
        self, units: Mapping[str, str | None], self_managed: Iterable[str] = ()
    ) -> OrgTree:
        """The tree with `units` (code -> parent) added or re-parented; `self_managed`:
        which of them run khdesk themselves."""
        managed = (self.self_managed - set(units)) | frozenset(self_managed)
        return replace(self, parents={**self.parents, **units}, self_managed=managed, _children={})

    def within(self, code: str, top: str) -> bool:
        """Is `code` `top` or under it?"""
        return code == top or self.is_below(code, top)


@dataclass(frozen=True)
class WriteScope:
    """What one writer may write at this station."""

    writer: str  # the unit writing: a sender, or this station for its own staff
    role: str  # its role (enrolled for a sender): cell / committee / province
    units: frozenset[str]  # the units whose records it may write
    owners: frozenset[str]  # the owners its records may name
    tables: frozenset[str] = ALL_TABLES  # the kinds of record it may write
    decisions_only: bool = False  # down: only committee steps
    org_rows: frozenset[str] = frozenset()  # existing units whose orgs row it may update
    new_units_under: frozenset[str] = frozenset()  # where it may add units (province only)
    handed: frozenset[str] = frozenset()  # records a transfer hands over (uuids): taken

    def may_record_step(self, step_id: str) -> bool:
        """A cell never records what only a committee decides; a committee sending down
        sends nothing else."""
        committee = step_id in COMMITTEE_STEPS
        if self.decisions_only:
            return step_id in DOWN_STEPS
        return not (committee and self.role == "cell")


def sender_scope(
    tree: OrgTree, home_org: str, home_role: str, sender: str, sender_role: str, kind: str
) -> WriteScope:
    """What an enrolled station may write here with a bundle of `kind` (up/down), from
    this station's tree (`home_org` at `home_role`) and the sender's enrolled code and role.
    Raises ScopeError when it may send nothing here."""
    if kind == "up":
        if not tree.is_below(sender, home_org):
            raise ScopeError(
                "out_of_scope",
                f"Đơn vị gửi {sender} không có trong danh sách đơn vị trực thuộc {home_org} của "
                "hồ sơ này: không nhận gói.",
            )
        branch = tree.branch(sender)
        creates = home_role == "province" and sender_role == "committee"
        return WriteScope(
            writer=sender,
            role=sender_role,
            units=branch,
            owners=branch,
            org_rows=branch - {sender},
            new_units_under=branch if creates else frozenset(),
        )
    above = tree.ancestors(home_org)
    if (
        # no province is above a province: another one is outside the tree (its
        # transfer files are read by services/outside_transfers.py, never as bundles)
        (home_role == "province" and sender_role == "province")
        or sender == home_org
        or sender_role not in UPPER_ROLES
        or tree.is_below(sender, home_org)
        or (sender in tree and sender not in above)
    ):
        raise ScopeError(
            "direction",
            f"Gói gửi xuống nhưng {sender} không phải đơn vị cấp trên của hồ sơ này: không nhận.",
        )
    return WriteScope(
        writer=sender,
        role=sender_role,
        units=tree.branch(home_org),
        owners=frozenset({sender}),
        tables=DOWN_TABLES,
        decisions_only=True,
    )


def keeps(tree: OrgTree, home_org: str, running: Iterable[str], unit: str) -> bool:
    """Does this station keep `unit` — is it the nearest station at or above the unit?
    `running`: the units that run khdesk themselves (enrolled here, or marked so). The
    one station that answers for a unit (a transfer's withdrawal, RULES.md §2a)."""
    runs = set(running)
    for u in (unit, *tree.ancestors(unit)):
        if u == home_org:
            return True
        if u in runs or u in tree.self_managed:
            return False
    return False


def station_scope(tree: OrgTree, home_org: str, role: str) -> WriteScope:
    """What this station's own staff may write (the Excel import, the forms): a cell its
    own unit; a committee or the province also the units under it that do not run khdesk
    (theirs come in their bundles)."""
    if role == "cell":
        units = frozenset({home_org})
    else:
        units = frozenset(
            u
            for u in tree.branch(home_org, live=True)
            if u == home_org or u not in tree.self_managed
        )
    return WriteScope(
        writer=home_org,
        role=role,
        units=units,
        owners=frozenset({home_org}),
        org_rows=tree.branch(home_org),
        new_units_under=tree.branch(home_org) if role != "cell" else frozenset(),
    )


def staff_unit_problem(tree: OrgTree, home_org: str, role: str, unit: str | None) -> str | None:
    """Why this station's staff may not keep people or files of `unit` (None: they may),
    in the words the import and the forms show: `station_scope` explained."""
    if not unit:
        return "Thiếu mã chi bộ."
    if unit in station_scope(tree, home_org, role).units:
        return None
    if role == "cell":
        return f"Chi bộ '{unit}' không phải chi bộ của hồ sơ này ({home_org})."
    if unit not in tree:
        return (
            f"Không có đơn vị mã '{unit}': thêm đơn vị trước (trang 'Chi bộ / tổ chức', nút "
            "'Thêm đơn vị…', hoặc lệnh 'khdesk org add')."
        )
    if unit in tree.deleted:
        return f"Đơn vị '{unit}' đã bị xóa khỏi danh sách đơn vị: không ghi thêm dữ liệu."
    if not tree.is_below(unit, home_org):
        return f"Đơn vị '{unit}' không trực thuộc {home_org}."
    return (
        f"Chi bộ '{unit}' tự dùng khdesk: hồ sơ của chi bộ chỉ nhận qua tệp đồng bộ, "
        "không nhận qua Excel."
    )


def staff_org_problem(
    tree: OrgTree, home_org: str, role: str, code: str, parent: str | None
) -> str | None:
    """Why this station's staff may not write the orgs row `code` under `parent` (None:
    they may): their own unit's row; a committee or the province also adds or moves units
    within its branch. New units reach a station only so, or in the province's catalogue."""
    if code == home_org:
        return None
    scope = station_scope(tree, home_org, role)
    known_elsewhere = code in tree and code not in scope.org_rows
    if known_elsewhere or not parent or parent not in scope.new_units_under:
        return f"Đơn vị '{code}' ngoài phạm vi của hồ sơ này."
    if parent == code or tree.is_below(parent, code):
        return f"Đơn vị '{code}' không thể trực thuộc '{parent}', đơn vị nằm dưới chính nó."
    return None


def staff_record_problem(
    home_org: str, what: str, stored_owner: str | None, stored_unit: str | None, unit: str
) -> str | None:
    """Why this station's staff may not change the stored record `what` (None: they
    may): one writer per record, and a person or file stays in its unit (a move would be
    refused upstream as well)."""
    if stored_owner is not None and stored_owner != home_org:
        return f"{what} do '{stored_owner}' quản lý: chỉ đơn vị đó sửa được."
    if stored_unit is not None and stored_unit != unit:
        return f"{what} thuộc đơn vị '{stored_unit}': không chuyển sang '{unit}' ở đây."
    return None


@dataclass(frozen=True)
class Incoming:
    """One record offered to this station, with what the checks need to know of it."""

    table: str
    values: Mapping  # its fields (owner, uuid, step_id, org_code, code, parent_code…)
    label: str  # what a person recognises it by (file code, member code…)
    unit: str | None  # the unit it is about (a step: its file's unit); None: unknown
    stored_owner: str | None = None  # the owner of the copy here with the same uuid
    stored_unit: str | None = None  # the unit that copy is about
    stored_code: str | None = None  # orgs: the code of that copy
    file_code: str | None = None  # a step's or a scan's file, as a person names it
    file_uuid: str | None = None  # the file a candidate, step or scan record belongs to
    file_owner: str | None = None  # a step's or a scan's file: who writes it here


# A reported decision's note: a paper decision's remark, not a document (FORMAT.md §8.1).
MAX_REPORT_NOTE = 2000


def is_report(scope: WriteScope, table: str, values: Mapping) -> bool:
    """A cell's step of a kind only its committee decides: its paper copy of the decision,
    reported up. Never written into the receiver's steps (`report_problem` judges it; the
    inbox keeps it in the list of reports the committee confirms or dismisses)."""
    return (
        table == "steps"
        and scope.role == "cell"
        and not scope.decisions_only
        and values["step_id"] in COMMITTEE_STEPS
    )


def report_problem(scope: WriteScope, r: Incoming) -> str | None:
    """Why the cell `scope.writer` may not report this decision here (None: it may): its
    own record, about a file of its branch that it writes, under a uuid no record here
    holds (a report changes nothing but the list of reports), with a short note."""
    v = r.values
    step = STEP_BY_ID[v["step_id"]]
    what = (
        f"bản ghi bước {step.id} ({step.name}: quyết định của cấp ủy, chi bộ báo lên) của "
        f"hồ sơ '{r.file_code or r.label}'"
    )
    if v["owner"] not in scope.owners:
        return f"{what} của đơn vị '{v['owner']}', không phải của {scope.writer}"
    if r.stored_owner is not None:
        return f"{what}: mã (uuid) đã dùng cho một bước ở đây (của '{r.stored_owner}')"
    if r.unit not in scope.units:
        return f"{what} thuộc đơn vị '{r.unit}', ngoài phạm vi của {scope.writer}"
    if r.file_owner is not None and r.file_owner not in scope.owners:
        return f"{what}: hồ sơ do '{r.file_owner}' quản lý, không phải {scope.writer}"
    if len(v.get("note") or "") > MAX_REPORT_NOTE:
        return f"{what}: ghi chú dài quá {MAX_REPORT_NOTE} ký tự"
    return None


def record_problem(scope: WriteScope, tree: OrgTree, r: Incoming) -> str | None:
    """Why `scope.writer` may not write this record here (Vietnamese, naming the
    record), or None. `tree`: this station's tree with the units the writer may add.
    A transfer's moves are asked of `handed_over` first."""
    what = f"bản ghi {TABLE_LABELS.get(r.table, r.table)} '{r.label}'"
    if r.file_code:
        what += f" của hồ sơ '{r.file_code}'"
    v = r.values
    if r.table not in scope.tables:
        return f"{what}: loại bản ghi này không được gửi theo chiều này"
    if v["owner"] not in scope.owners:
        return f"{what} của đơn vị '{v['owner']}', không phải của {scope.writer}"
    if r.stored_owner is not None and r.stored_owner not in scope.owners:
        return (
            f"{what}: bản ở đây (cùng uuid) thuộc '{r.stored_owner}', không phải của {scope.writer}"
        )
    if r.table == "steps" and not scope.may_record_step(v["step_id"]):
        step = STEP_BY_ID.get(v["step_id"])
        name = step.name if step else v["step_id"]
        if scope.decisions_only:
            return f"{what} ({name}) không phải bước do cấp ủy cấp trên ghi"
        return f"{what} ({name}) là nghị quyết/quyết định chỉ cấp ủy cấp trên ghi"
    if r.table == "orgs":
        return _org_problem(scope, tree, r, what)
    if r.unit not in scope.units:
        return f"{what} thuộc đơn vị '{r.unit}', ngoài phạm vi của {scope.writer}"
    if r.stored_unit is not None and r.stored_unit != r.unit:
        return f"{what} chuyển từ đơn vị '{r.stored_unit}' sang '{r.unit}'"
    # Up, the receiver's tree holds the file's whole chain; down, the sender's own
    # decisions (owner = sender, checked above) may come from further up than a
    # receiver knows (a cell under a grassroots committee that does not run khdesk).
    if r.table == "steps" and v["step_id"] in COMMITTEE_STEPS and not scope.decisions_only:
        if v["owner"] not in tree.ancestors(r.unit):
            return f"{what} mang tên '{v['owner']}', không phải cấp ủy cấp trên của '{r.unit}'"
    return None


def handed_over(scope: WriteScope, r: Incoming, p: transfers.Passage) -> bool:
    """The transfer's moves, the one way a file changes unit and owner (RULES.md §2a):
    - up, the receiving unit's answer to a transfer this station holds (CHUYEN_DEN or
      CHUYEN_TRA, its own), and on acceptance the file's record naming it;
    - down, the committee forwarding that answer to the sending unit, and forwarding
      the file itself, as its owners wrote it, to the unit it is sent to;
    - the sender's withdrawal of a transfer (CHUYEN_HUY), up from the sending unit and
      down to the receiving one, answered or not (a late one is history, changing nothing).
    Everything else about a file is judged by `record_problem`'s ordinary rules."""
    v, up = r.values, not scope.decisions_only
    if r.table == "steps" and v["step_id"] == transfers.WITHDRAW:
        return any(
            (w.from_org, w.to_org, w.seq) == (v["from_org"], v["to_org"], v["seq"])
            and _withdrawal_passes(scope, r, sent, up)
            for sent, w in p.withdrawals
        )
    if p.answer is not None and p.answered is not None:
        sent = p.answered
        # up: the writer is the receiver; down: the sender is this station's branch
        if (sent.to_org if up else sent.from_org) in scope.units:
            own = not up or v["owner"] in scope.owners
            # Not the answer itself: maybe the file's way back to this branch (below).
            if r.table == "steps" and v["step_id"] == p.answer.step_id:
                ends = (v["from_org"], v["to_org"]) == (p.answer.from_org, p.answer.to_org)
                if own and ends:
                    return True
            if r.table == "candidates" and p.answer.step_id == transfers.IN:
                if own and r.unit == p.holder == sent.to_org:
                    return True
    arriving = p.arriving
    if scope.decisions_only and arriving is not None and arriving.to_org in scope.units:
        # A copy here that no unit of this branch writes any more (a stale read-only
        # copy, or one whose transfer away these records show accepted) may come back.
        left = p.answer is not None and p.answer.step_id == transfers.IN
        return (
            r.unit == arriving.from_org
            and v["owner"] not in scope.units
            and (r.stored_owner not in scope.units or left)
        )
    return False


def superseded(scope: WriteScope, r: Incoming, here: transfers.Replay) -> bool:
    """Is this record the sender's old copy of a file its branch has handed over — its
    re-send, crossing the acceptance in the post? `here`: the file's transfers as this
    station's history tells them. Such a record is skipped, never written (the file is
    the new holder's); it does not refuse the bundle. Only up, only the sender's own
    records, only a file a unit of its branch held and whose acceptance by a unit outside
    the branch is recorded here, the file still outside it; a uuid held here by a third
    party's record is not covered. Anything else out of scope still refuses the bundle."""
    if scope.decisions_only or r.table not in ("candidates", "steps", "attachments"):
        return False
    if r.values["owner"] not in scope.owners or here.holder in scope.units:
        return False
    # the file record itself passed to the holder; any other copy here must be the sender's
    if r.stored_owner is not None and r.stored_owner not in scope.owners:
        if not (r.table == "candidates" and r.stored_owner == here.holder):
            return False
    return any(
        m.out.from_org in scope.units and m.out.to_org not in scope.units for m in here.moves
    )


def _withdrawal_passes(scope: WriteScope, r: Incoming, sent: StepEvent, up: bool) -> bool:
    """Up: written by the sending unit's branch; down: to the receiving unit's branch, as
    the sender wrote it (none of this branch's, no copy here owned by anyone else)."""
    owner = r.values["owner"]
    if up:
        return sent.from_org in scope.units and owner in scope.owners
    return (
        sent.to_org in scope.units and owner not in scope.units and r.stored_owner in (None, owner)
    )


def _org_problem(scope: WriteScope, tree: OrgTree, r: Incoming, what: str) -> str | None:
    code, parent = r.values["code"], r.values.get("parent_code")
    if r.stored_code is not None and r.stored_code != code:
        return f"{what} trùng mã (uuid) với đơn vị '{r.stored_code}' ở đây"
    if code in scope.org_rows:
        if parent != tree.parents.get(code):
            return f"{what} chuyển đơn vị sang cấp trên '{parent}'"
        return None
    if code not in tree:
        return f"{what} tạo đơn vị mới, chỉ nhận từ danh mục của tỉnh hoặc cán bộ ở đây"
    return f"{what} là đơn vị ngoài phạm vi của {scope.writer}"


def with_new_units(
    scope: WriteScope, tree: OrgTree, rows: Iterable[Mapping]
) -> tuple[WriteScope, OrgTree]:
    """The scope and tree once the units an orgs list adds are in — only those the writer
    may add (a commune committee at the province: under its branch, parents first).
    Anything else changes nothing here (and `record_problem` names it)."""
    if not scope.new_units_under:
        return scope, tree
    pending = {r["code"]: r.get("parent_code") for r in rows if r["code"] not in tree}
    allowed = set(scope.new_units_under)
    added: dict[str, str | None] = {}
    grown = True
    while grown:
        grown = False
        for code, parent in list(pending.items()):
            if parent in allowed:
                allowed.add(code)
                added[code] = parent
                del pending[code]
                grown = True
    if not added:
        return scope, tree
    more = frozenset(added)
    scope = replace(
        scope,
        units=scope.units | more,
        owners=scope.owners | more,
        org_rows=scope.org_rows | more,
        new_units_under=scope.new_units_under | more,
    )
    return scope, tree.with_units(added)


@dataclass(frozen=True)
class EnrolmentCheck:
    """Would a station's key enrolled here ever have a bundle taken (`problem` None), and
    if not, may this station cure it by adding the unit its card names (`may_add_unit`)."""

    problem: str | None
    may_add_unit: bool = False


def enrolment_check(
    tree: OrgTree,
    home_org: str,
    home_role: str,
    org: str,
    role: str,
    parent: str | None,
) -> EnrolmentCheck:
    """A key is worth enrolling only if some bundle of its station would be taken here:
    one up from a unit of this branch, or one down from a committee above (the same
    `sender_scope` every bundle meets). Otherwise the way out, in Vietnamese: add the
    unit when its signed card names this station as its parent, or set the tree right."""
    for kind in ("up", "down"):
        try:
            sender_scope(tree, home_org, home_role, org, role, kind)
            return EnrolmentCheck(None)
        except ScopeError:
            continue
    refused = "mọi gói của đơn vị này sẽ bị từ chối, nên chưa ghi nhận khóa"
    if home_role == "cell":
        return EnrolmentCheck(
            f"Thẻ khóa của {org} không phải của cấp ủy cấp trên của chi bộ {home_org}: "
            f"{refused}. Chi bộ chỉ ghi nhận thẻ khóa của cấp ủy cấp trên trực tiếp (hoặc "
            "của đảng ủy xã giữ công việc của chi bộ); hãy kiểm tra lại tệp thẻ khóa."
        )
    if org in tree:
        above = tree.parent(org) or "không có"
        return EnrolmentCheck(
            f"Đơn vị {org} có trong danh sách đơn vị ở đây nhưng trực thuộc {above}, không "
            f"trực thuộc {home_org}: {refused}. Nếu đơn vị này đã về trực thuộc {home_org}, "
            "hãy sửa mã đơn vị cấp trên của nó (nhập lại danh sách đơn vị từ Excel) rồi ghi "
            "nhận lại thẻ khóa."
        )
    # The card's parent is this station or a unit of its branch: its staff may add the
    # unit there (as an import of the units' sheet would), on the signed card's word.
    addable_under = parent in tree.branch(home_org, live=True) if parent else False
    if addable_under and tree.kinds.get(parent) not in CELL_KINDS and role != "province":
        return EnrolmentCheck(
            f"Đơn vị {org} chưa có trong danh sách đơn vị trực thuộc {home_org}: nếu chỉ ghi "
            "nhận khóa, mọi gói của đơn vị này sẽ bị từ chối. Thẻ khóa (có chữ ký của đơn "
            f"vị) ghi cấp trên là {parent}: có thể thêm {org} vào danh sách đơn vị, trực "
            f"thuộc {parent}, rồi ghi nhận khóa.",
            may_add_unit=True,
        )
    said = f"thẻ khóa ghi cấp trên là {parent}" if parent else "thẻ khóa không ghi cấp trên"
    return EnrolmentCheck(
        f"Đơn vị {org} không có trong danh sách đơn vị trực thuộc {home_org} ({said}): "
        f"{refused}. Nếu đơn vị này trực thuộc {home_org}, hãy thêm nó vào danh sách đơn vị "
        "(nhập danh sách đơn vị từ Excel) rồi ghi nhận lại thẻ khóa; nếu không, thẻ khóa này "
        "đã gửi nhầm nơi."
    )
