"""The small demo: one commune committee (Đảng ủy xã Cam Lâm) with four cells, every
pipeline state, and one file per planted rule violation — the demo profiles' data and the
rules engine's acceptance oracle (`PLANTED`, `EDGE_CASES`, `PLANTED_MEMBERS`,
`DUC_NAMES`). Names and codes do not depend on `today`; dates do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from khdesk.core.domain import template as tpl
from khdesk.core.domain.pipeline import State
from khdesk.demo.names import RELIGIONS, People, Person, nfc
from khdesk.demo.records import (
    Cell,
    Demo,
    FileMaker,
    Row,
    Spec,
    cell_row,
    member_dates,
    member_row,
    org_row,
    period,
    plan_row,
)

__all__ = ["DUC_NAMES", "EDGE_CASES", "PLANTED", "PLANTED_MEMBERS", "small_demo"]

_SMALL_COMMUNE = ("X01", nfc("Đảng ủy xã Cam Lâm"), nfc("xã Cam Lâm"))
_SMALL_DU = ("X01-DU01", nfc("Đảng ủy Công ty TNHH Chế biến Hải sản Thủy Triều"))


@dataclass(frozen=True)
class _CellDef:
    code: str
    name: str
    kind: str
    parent: str
    self_managed: bool
    youth_union: bool
    members: int
    probationers: int
    head_is_member: bool | None = None


_SMALL_CELLS = (
    _CellDef(
        "X01-CB01", "Chi bộ thôn Bãi Giếng Bắc", "Chi bộ thôn", "X01", True, True, 18, 2, True
    ),
    _CellDef(
        "X01-CB02",
        "Chi bộ tổ dân phố Nghĩa Phú",
        "Chi bộ tổ dân phố",
        "X01",
        False,
        True,
        16,
        1,
        False,
    ),
    _CellDef(
        "X01-CB03",
        "Chi bộ Phân xưởng Chế biến",
        "Chi bộ doanh nghiệp tư nhân",
        "X01-DU01",
        True,
        False,
        14,
        1,
    ),
    _CellDef(
        "X01-CB04",
        "Chi bộ Trường THPT Trần Bình Trọng",
        "Chi bộ trường học",
        "X01",
        True,
        True,
        20,
        1,
    ),
)

# Fixed names: the "duc" answers and some "Nguyễn Thị …" women.
_MEMBER_NAMES = {
    "X01-CB01-DV002": ("Nguyễn Đức Anh", "Nam"),
    "X01-CB01-DV008": ("Nguyễn Thị Hồng Nhung", "Nữ"),
    "X01-CB02-DV005": ("Lê Văn Đúc", "Nam"),
    "X01-CB03-DV003": ("Hoàng Văn Dục", "Nam"),
    "X01-CB04-DV002": ("Nguyễn Thị Thu Hà", "Nữ"),
}

# Members the screening rules (Chỉ thị 28) must list: member code -> rule id.
PLANTED_MEMBERS: dict[str, str] = {
    "X01-CB01-DV004": "SCREEN_ABSENT",  # 3 months without party activity last year
    "X01-CB02-DV006": "SCREEN_ABSENT",  # 4 months of unpaid dues this year
    "X01-CB03-DV005": "SCREEN_ABSENT",  # 5 months without party activity this year
    "X01-CB04-DV003": "SCREEN_DECLINE",  # declining two years running
    "X01-CB01-DV007": "SCREEN_VIOLATION_2Y",  # violated member qualities two years running
}

S = State
_SMALL_FILES: tuple[Spec, ...] = (
    # Chi bộ thôn Bãi Giếng Bắc (self-managed, coastal, has a youth union)
    Spec("X01-CB01-0001", S.NGUON),
    Spec("X01-CB01-0002", S.BOI_DUONG),
    Spec("X01-CB01-0003", S.HO_SO),
    Spec("X01-CB01-0004", S.THAM_TRA, recency=(5, 20)),
    Spec("X01-CB01-0005", S.CHI_BO_XET, variant="failed_a8"),
    Spec("X01-CB01-0006", S.DU_BI, variant="returned_a10"),
    Spec("X01-CB01-0007", S.CHINH_THUC, name="Trần Minh Đức", sex="Nam"),
    Spec("X01-CB01-0008", S.CHINH_THUC, edge="EDU_MIN", sex="Nam"),
    Spec("X01-CB01-0009", S.XOA_TEN),
    Spec("X01-CB01-0010", S.QUYET_DINH, name="Nguyễn Thị Bích Ngọc", sex="Nữ"),
    Spec("X01-CB01-0011", S.CHI_BO_XET, planted="EDU_MIN"),
    Spec("X01-CB01-0012", S.CHI_BO_XET, planted="VERIFY_MISSING", recency=(10, 25)),
    Spec("X01-CB01-0013", S.CHI_BO_XET, planted="INTRO_STATUS"),
    Spec("X01-CB01-0014", S.CHI_BO_XET, planted="INTRO_YOUTH"),
    Spec("X01-CB01-0015", S.QUYET_DINH, planted="CEREMONY_DUE"),
    Spec("X01-CB01-0016", S.BOI_DUONG, planted="CCCD_FORMAT", variant="short"),
    Spec("X01-CB01-0017", S.NGUON, planted="DUPLICATE_PERSON"),
    # Chi bộ tổ dân phố Nghĩa Phú (kept by the commune office)
    Spec("X01-CB02-0001", S.NGUON, name="Nguyễn Thị Mai", sex="Nữ"),
    Spec("X01-CB02-0002", S.BOI_DUONG),
    Spec("X01-CB02-0003", S.THAM_TRA),
    Spec("X01-CB02-0004", S.QUYET_DINH),
    Spec("X01-CB02-0005", S.CHINH_THUC, variant="failed_p3"),
    Spec("X01-CB02-0006", S.XOA_TEN, variant="struck_violation"),
    Spec("X01-CB02-0007", S.DUNG, variant="HO_SO", name="Đỗ Văn Dực", sex="Nam"),
    Spec("X01-CB02-0008", S.QUYET_DINH, edge="AGE_MAX"),
    Spec("X01-CB02-0009", S.HO_SO),  # the residential-group head (village_head)
    Spec("X01-CB02-0010", S.CHI_BO_XET, planted="AGE_MAX"),
    Spec("X01-CB02-0011", S.QUYET_DINH, planted="CERT_EXPIRED"),
    Spec("X01-CB02-0012", S.CHI_BO_XET, planted="INTRO_OVERLAP"),
    Spec("X01-CB02-0013", S.CHI_BO_XET, planted="VOTE_2_3"),
    Spec("X01-CB02-0014", S.DU_BI, planted="RECOGNITION_DUE"),
    Spec("X01-CB02-0015", S.HO_SO, planted="DUPLICATE_PERSON", same_person_as="X01-CB01-0017"),
    Spec("X01-CB02-0016", S.DUNG, variant="NGUON"),
    Spec("X01-CB02-0017", S.DU_BI),
    # Chi bộ Phân xưởng Chế biến (private enterprise inside a đảng ủy cơ sở: step A9)
    Spec("X01-CB03-0001", S.NGUON),
    Spec("X01-CB03-0002", S.BOI_DUONG),
    Spec("X01-CB03-0003", S.THAM_TRA),
    Spec("X01-CB03-0004", S.CHI_BO_XET, recency=(3, 10)),
    Spec("X01-CB03-0005", S.DU_BI, name="Võ Đức Thịnh", sex="Nam"),
    Spec("X01-CB03-0006", S.CHINH_THUC),
    Spec("X01-CB03-0007", S.DUNG, variant="failed_a8"),
    Spec("X01-CB03-0008", S.QUYET_DINH, edge="INTRO_COUNT"),
    Spec("X01-CB03-0009", S.CHI_BO_XET, planted="CERT_MISSING"),
    Spec("X01-CB03-0010", S.CHI_BO_XET, planted="DOSSIER_STALE"),
    Spec("X01-CB03-0011", S.DU_BI, planted="PROBATION_END"),
    Spec("X01-CB03-0012", S.CHINH_THUC, edge="CERT_EXPIRED"),
    # Chi bộ Trường THPT Trần Bình Trọng (teachers and 12th-graders)
    Spec("X01-CB04-0001", S.NGUON),
    Spec("X01-CB04-0002", S.HO_SO),
    Spec("X01-CB04-0003", S.THAM_TRA),
    Spec("X01-CB04-0004", S.CHI_BO_XET, edge="VOTE_2_3"),
    Spec("X01-CB04-0005", S.DU_BI),
    Spec("X01-CB04-0006", S.CHINH_THUC, name="Nguyễn Thị Lan Anh", sex="Nữ"),
    Spec("X01-CB04-0007", S.DUNG, variant="THAM_TRA"),
    Spec("X01-CB04-0008", S.CHI_BO_XET, edge="AGE_MIN"),
    Spec("X01-CB04-0009", S.CHI_BO_XET, planted="AGE_MIN"),
    Spec("X01-CB04-0010", S.CHI_BO_XET, planted="INTRO_COUNT"),
    Spec("X01-CB04-0011", S.CHI_BO_XET, planted="DECISION_DUE"),
    Spec("X01-CB04-0012", S.HO_SO, planted="CCCD_FORMAT", sex="Nữ"),
    Spec("X01-CB04-0013", S.CHINH_THUC, edge="INTRO_OVERLAP"),
)
del S

# file_code -> the rule id the file breaks (each planted file breaks exactly that rule).
PLANTED: dict[str, str] = {f.code: f.planted for f in _SMALL_FILES if f.planted}
# file_code -> a rule the file sits on the edge of, or is exempt from, and must NOT trip:
# AGE_MIN exactly 216 months, AGE_MAX with the Tỉnh ủy's approval, EDU_MIN for a sea
# fisher, VOTE_2_3 with exactly two thirds, INTRO_OVERLAP exactly 12 months, INTRO_COUNT
# through the trade union, CERT_EXPIRED at 58 months.
EDGE_CASES: dict[str, str] = {f.code: f.edge for f in _SMALL_FILES if f.edge}

# Every full name of the small demo with a word that folds to "duc…".
DUC_NAMES: frozenset[str] = frozenset(
    nfc(n)
    for n in (
        "Nguyễn Đức Anh",
        "Lê Văn Đúc",
        "Hoàng Văn Dục",
        "Trần Minh Đức",
        "Võ Đức Thịnh",
        "Đỗ Văn Dực",
    )
)

_SMALL_SEED = 20250701  # names and codes do not depend on `today`


def small_demo(today: date) -> Demo:
    """A demo commune committee: four cells, every state, one file per planted rule."""
    rng = random.Random(_SMALL_SEED)
    name_rng = random.Random(_SMALL_SEED + 1)
    people = People()
    commune_code, commune_name, place = _SMALL_COMMUNE
    orgs: list[Row] = [
        org_row("KH", "Tỉnh ủy Khánh Hòa", "Tỉnh ủy", None, youth_union=True),
        org_row(commune_code, commune_name, "Đảng ủy xã", "KH", youth_union=True, villages=2),
        org_row(_SMALL_DU[0], _SMALL_DU[1], "Đảng ủy cơ sở", commune_code, youth_union=False),
    ]
    cells: dict[str, Cell] = {}
    members: list[Row] = []
    # Fixed names are reserved up front so no random draw takes them first.
    names_used = {nfc(n) for n, _ in _MEMBER_NAMES.values()} | set(DUC_NAMES)
    names_used |= {nfc(f.name) for f in _SMALL_FILES if f.name}
    serial = 0
    for d in _SMALL_CELLS:
        cell = Cell(
            d.code,
            nfc(d.name),
            d.kind,
            grassroots=d.parent == commune_code,
            youth_union=d.youth_union,
            coastal=d.kind == "Chi bộ thôn",
            mix=(("Raglai", 0.05), ("Hoa", 0.03)),
            place=place,
            committee_size=7,
            workplace=_SMALL_DU[1].removeprefix("Đảng ủy ") if d.parent == _SMALL_DU[0] else None,
        )
        cells[d.code] = cell
        orgs.append(cell_row(cell, d.parent, d.self_managed, d.head_is_member))
        for i in range(1, d.members + 1):
            code = f"{d.code}-DV{i:03d}"
            # The last ones: the probationers, then one who moved away.
            if i == d.members:
                status = "Chuyển đi"
            elif i > d.members - 1 - d.probationers:
                status = "Dự bị"
            else:
                status = "Chính thức"
            fixed = _MEMBER_NAMES.get(code)
            sex = fixed[1] if fixed else ("Nữ" if name_rng.random() < 0.35 else "Nam")
            name = nfc(fixed[0]) if fixed else _unique_name(name_rng, people, sex, names_used)
            birth, admitted, official = member_dates(rng, today, d.kind, status, i <= 5)
            cccd = people.cccd(rng, "056", sex, birth.year)
            religion = rng.choice(RELIGIONS["Kinh"])
            person = Person(name, sex, birth, cccd, "Kinh", religion, f"{place}, Khánh Hòa")
            serial += 1
            head = d.head_is_member is True and i == 1
            members.append(
                member_row(code, person, cell, admitted, official, status, f"{serial:06d}", head)
            )
            if status == "Chính thức" and official is not None:
                cell.add_official(official, code)
            elif status == "Dự bị":
                cell.probationers.append((admitted.toordinal(), code))
        cell.probationers.sort()

    maker = FileMaker(rng, today, people, name_rng, names_used)
    candidates: list[Row] = []
    steps: list[Row] = []
    for spec in _SMALL_FILES:
        cell = cells[spec.code.rsplit("-", 1)[0]]
        row, history = maker.make(spec, cell)
        if spec.code == "X01-CB02-0009":
            row["village_head"] = True  # the residential-group head, not yet a member
        candidates.append(row)
        steps.extend(history)

    member_records, ratings = _small_screening(rng, members, today)
    return {
        "orgs": orgs,
        "plans": _small_plans(today, [commune_code, *cells]),
        "members": members,
        "member_records": member_records,
        "ratings": ratings,
        "private_units": _small_private_units(len(_members_of(members, "X01-CB03"))),
        "candidates": candidates,
        "steps": steps,
    }


def _unique_name(rng: random.Random, people: People, sex: str, used: set[str]) -> str:
    while True:
        name = people.name(rng, sex)
        if name not in used:
            used.add(name)
            return name


def _members_of(members: list[Row], cell: str) -> list[Row]:
    return [m for m in members if m["org_code"] == cell and m["status"] != "Chuyển đi"]


def _small_screening(
    rng: random.Random, members: list[Row], today: date
) -> tuple[list[Row], list[Row]]:
    """Yearly records (this year and last) and ratings (the last two completed years)."""
    records: list[Row] = []
    ratings: list[Row] = []
    y = today.year
    for m in members:
        if m["status"] not in ("Chính thức", "Dự bị"):
            continue
        code, admitted = m["member_code"], m["admitted_on"]
        rule = PLANTED_MEMBERS.get(code)
        for year in (y - 1, y):
            if admitted.year > year:
                continue
            absent = unpaid = 0
            if code == "X01-CB01-DV004" and year == y - 1:
                absent = 3  # exactly the threshold
            elif code == "X01-CB02-DV006" and year == y:
                unpaid = 4
            elif code == "X01-CB03-DV005" and year == y:
                absent = 5
            elif rule is None and rng.random() < 0.1:
                absent = rng.randint(1, 2)  # below the threshold: not listed
            records.append(
                {
                    "member_code": code,
                    "year": year,
                    "months_absent": absent,
                    "months_unpaid": unpaid,
                    "violated": rule == "SCREEN_VIOLATION_2Y",
                    "declining": rule == "SCREEN_DECLINE",
                }
            )
        for year in (y - 2, y - 1):
            if admitted >= date(year, 10, 1):
                continue
            if rule == "SCREEN_VIOLATION_2Y":
                rating = tpl.RATINGS[3]
            elif rule is not None:
                rating = tpl.RATINGS[2]
            else:
                r = rng.random()
                rating = tpl.RATINGS[0 if r < 0.15 else 1 if r < 0.9 else 2]
            ratings.append({"member_code": code, "year": year, "rating": rating})
    return records, ratings


def _small_plans(today: date, orgs: list[str]) -> list[Row]:
    rows: list[Row] = []
    y = today.year
    for code in orgs:
        commune = "-" not in code
        base = 24 if commune else 4 + sum(map(ord, code)) % 3  # stable, not random
        for year, target in ((y - 1, base), (y, base + (2 if commune else 1))):
            rows.append(plan_row(code, year, None, target, commune))
        rows.append(plan_row(code, None, period(today), base * 5, commune))
    return rows


_SMALL_UNITS = (
    # name, kind, managing org, workers, members, party org, trade union, youth union
    ("Công ty TNHH May Cam Ranh", "Doanh nghiệp tư nhân", "X01", 180, 2, False, True, True),
    ("Công ty TNHH Yến sào Hòn Nội", "Doanh nghiệp tư nhân", "X01", 45, 0, False, False, False),
    ("Trường Mầm non tư thục Sao Mai", "Trường tư thục", "X01", 22, 0, False, True, False),
    ("Hợp tác xã Nuôi trồng thủy sản Bãi Giếng", "Khác", "X01-CB01", 35, 1, False, False, False),
)
_UNIT_KEYS = tuple(c.key for c in tpl.PRIVATE_UNITS.columns)


def _small_private_units(du_members: int) -> list[Row]:
    # The enterprise whose đảng ủy cơ sở holds cell X01-CB03: its members are that cell's.
    firm = (_SMALL_DU[1].removeprefix("Đảng ủy "), "Doanh nghiệp tư nhân", "X01-DU01")
    rows = [(*firm, 420, du_members, True, True, False), *_SMALL_UNITS]
    return [dict(zip(_UNIT_KEYS, (nfc(r[0]), *r[1:]), strict=True)) for r in rows]
