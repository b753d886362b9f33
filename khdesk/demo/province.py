"""A synthetic Khánh Hòa for benchmarks: the province committee, 65 commune-level
committees, ≈2,000 cells, ≈100k people and their candidate files with full histories;
and that province written as a folder of CSV files (one per template sheet).
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from khdesk.core.domain import template as tpl
from khdesk.core.domain.pipeline import State
from khdesk.core.io.tabular import write_tables
from khdesk.demo.names import (
    BORN_ELSEWHERE,
    FIRMS,
    HOME,
    RELIGIONS,
    People,
    Person,
    draw_ethnicity,
    nfc,
    pick,
    pool,
)
from khdesk.demo.records import (
    RANK,
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

__all__ = ["PROVINCE_TODAY", "province_demo", "write_province_dataset"]

PROVINCE_TODAY = date(2026, 11, 26)

_WARDS = (
    "Nha Trang", "Bắc Nha Trang", "Tây Nha Trang", "Nam Nha Trang", "Bắc Cam Ranh",
    "Cam Ranh", "Cam Linh", "Ba Ngòi", "Ninh Hòa", "Đông Ninh Hòa", "Hòa Thắng",
    "Phan Rang", "Đông Hải", "Ninh Chử", "Bảo An", "Đô Vinh",
)  # fmt: skip
_COMMUNES = (
    "Nam Cam Ranh", "Bắc Ninh Hòa", "Tân Định", "Nam Ninh Hòa", "Tây Ninh Hòa", "Hòa Trí",
    "Đại Lãnh", "Tu Bông", "Vạn Thắng", "Vạn Ninh", "Vạn Hưng", "Diên Khánh", "Diên Lạc",
    "Diên Điền", "Diên Lâm", "Diên Thọ", "Suối Hiệp", "Cam Lâm", "Suối Dầu", "Cam Hiệp",
    "Cam An", "Bắc Khánh Vĩnh", "Trung Khánh Vĩnh", "Tây Khánh Vĩnh", "Nam Khánh Vĩnh",
    "Khánh Vĩnh", "Khánh Sơn", "Tây Khánh Sơn", "Đông Khánh Sơn", "Ninh Phước",
    "Phước Hữu", "Phước Hậu", "Thuận Nam", "Cà Ná", "Phước Hà", "Phước Dinh", "Ninh Hải",
    "Xuân Hải", "Vĩnh Hải", "Thuận Bắc", "Công Hải", "Ninh Sơn", "Lâm Sơn", "Anh Dũng",
    "Mỹ Sơn", "Bác Ái Đông", "Bác Ái", "Bác Ái Tây",
)  # fmt: skip
# Mountainous / ethnic-minority communes: the `Vùng đặc biệt` flag, Raglai majority.
_HIGHLAND = frozenset(
    (
        "Bắc Khánh Vĩnh", "Trung Khánh Vĩnh", "Tây Khánh Vĩnh", "Nam Khánh Vĩnh",
        "Khánh Vĩnh", "Khánh Sơn", "Tây Khánh Sơn", "Đông Khánh Sơn", "Lâm Sơn",
        "Anh Dũng", "Mỹ Sơn", "Bác Ái Đông", "Bác Ái", "Bác Ái Tây", "Phước Hà",
    )
)  # fmt: skip
_NINH_THUAN = frozenset(
    (
        "Phan Rang", "Đông Hải", "Ninh Chử", "Bảo An", "Đô Vinh", "Ninh Phước",
        "Phước Hữu", "Phước Hậu", "Thuận Nam", "Cà Ná", "Phước Hà", "Phước Dinh",
        "Ninh Hải", "Xuân Hải", "Vĩnh Hải", "Thuận Bắc", "Công Hải", "Ninh Sơn",
        "Lâm Sơn", "Anh Dũng", "Mỹ Sơn", "Bác Ái Đông", "Bác Ái", "Bác Ái Tây",
    )
)  # fmt: skip
_COASTAL = frozenset(
    (
        "Nam Cam Ranh", "Đại Lãnh", "Tu Bông", "Vạn Thắng", "Vạn Ninh", "Vạn Hưng",
        "Cam Lâm", "Cam Hiệp", "Cam An", "Thuận Nam", "Cà Ná", "Phước Dinh", "Ninh Hải",
        "Xuân Hải", "Vĩnh Hải", "Công Hải", "Bắc Ninh Hòa", "Nam Ninh Hòa",
    )
)  # fmt: skip
_ISLANDS = (
    "Trường Sa", "Song Tử Tây", "Sinh Tồn", "Sơn Ca", "Nam Yết", "Sinh Tồn Đông",
    "Đá Tây", "Phan Vinh", "Trường Sa Đông", "An Bang", "Thuyền Chài", "Đá Lớn",
)  # fmt: skip

_KIND_WEIGHTS = {
    "Đảng ủy xã": (
        ("Chi bộ thôn", 64), ("Chi bộ cơ quan", 8), ("Chi bộ trường học", 10),
        ("Chi bộ doanh nghiệp tư nhân", 6), ("Chi bộ trường tư thục", 1),
        ("Chi bộ công an", 4), ("Chi bộ quân sự", 3), ("Chi bộ khác", 4),
    ),
    "Đảng ủy phường": (
        ("Chi bộ tổ dân phố", 58), ("Chi bộ cơ quan", 12), ("Chi bộ trường học", 10),
        ("Chi bộ doanh nghiệp tư nhân", 9), ("Chi bộ trường tư thục", 3),
        ("Chi bộ công an", 4), ("Chi bộ quân sự", 2), ("Chi bộ khác", 2),
    ),
    "Đảng ủy đặc khu": (("Chi bộ quân sự", 14), ("Chi bộ cơ quan", 3), ("Chi bộ khác", 3)),
}  # fmt: skip
_KIND_POOLS = {k: pool(v) for k, v in _KIND_WEIGHTS.items()}
_MEMBER_WEIGHT = {  # relative size of a cell's membership
    "Chi bộ thôn": 1.2,
    "Chi bộ tổ dân phố": 1.3,
    "Chi bộ cơ quan": 0.8,
    "Chi bộ trường học": 0.6,
    "Chi bộ trường tư thục": 0.3,
    "Chi bộ doanh nghiệp tư nhân": 0.4,
    "Chi bộ công an": 0.7,
    "Chi bộ quân sự": 0.6,
    "Chi bộ khác": 0.4,
}
_FILE_WEIGHT = {**_MEMBER_WEIGHT, "Chi bộ doanh nghiệp tư nhân": 0.9, "Chi bộ trường học": 0.9}
_STATE_POOL = tuple(
    s
    for s, n in (
        (State.NGUON, 20),
        (State.BOI_DUONG, 15),
        (State.HO_SO, 10),
        (State.THAM_TRA, 8),
        (State.CHI_BO_XET, 5),
        (State.QUYET_DINH, 3),
        (State.DU_BI, 12),
        (State.CHINH_THUC, 17),
        (State.XOA_TEN, 2),
        (State.DUNG, 8),
    )
    for _ in range(n)
)
_STATUS_POOL = pool(
    (
        ("Chính thức", 930),
        ("Dự bị", 40),
        ("Chuyển đi", 15),
        ("Từ trần", 10),
        ("Xóa tên", 3),
        ("Khai trừ", 2),
    )
)
_VILLAGE_WORDS = tuple(
    nfc(w)
    for w in (
        "Phú Thọ Tân Xuân Hòa Bình Lộc Mỹ Vĩnh Phước Hiệp Thạnh Long An Hải Sơn Thủy "
        "Trung Đông Tây Nam Bắc Lương Cát Thành Hưng Lợi Điền Khánh Quang Tiến"
    ).split()
)
_SCHOOL_NAMES = tuple(
    nfc(w)
    for w in (
        "Lê Lợi",
        "Nguyễn Trãi",
        "Trần Phú",
        "Lý Tự Trọng",
        "Quang Trung",
        "Lê Quý Đôn",
        "Phan Bội Châu",
        "Hùng Vương",
        "Nguyễn Huệ",
        "Võ Thị Sáu",
        "Chu Văn An",
        "Hoàng Hoa Thám",
        "Trần Quốc Toản",
        "Kim Đồng",
    )
)
_AGENCIES = tuple(
    nfc(w)
    for w in (
        "Cơ quan Đảng",
        "Cơ quan Ủy ban nhân dân",
        "Cơ quan Mặt trận và các đoàn thể",
        "Trạm Y tế",
        "Trung tâm Phục vụ hành chính công",
        "Chi nhánh Điện lực",
    )
)


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`; largest remainders get the leftovers."""
    if not weights:
        return []
    w = sum(weights)
    raw = [total * x / w for x in weights]
    out = [int(r) for r in raw]
    rest = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total - sum(out)]
    for i in rest:
        out[i] += 1
    return out


def _cell_name(rng: random.Random, kind: str, place: str, k: int) -> str:
    if kind == "Chi bộ thôn":
        return f"Chi bộ thôn {rng.choice(_VILLAGE_WORDS)} {rng.choice(_VILLAGE_WORDS)} {k}"
    if kind == "Chi bộ tổ dân phố":
        return f"Chi bộ tổ dân phố {k}"
    if kind == "Chi bộ cơ quan":
        return f"Chi bộ {rng.choice(_AGENCIES)} {place} {k}"
    if kind == "Chi bộ trường học":
        level = rng.choice(("Mầm non", "Tiểu học", "THCS", "THCS", "THPT"))
        return f"Chi bộ Trường {level} {rng.choice(_SCHOOL_NAMES)} {k}"
    if kind == "Chi bộ trường tư thục":
        return f"Chi bộ Trường tư thục {rng.choice(_SCHOOL_NAMES)} {k}"
    if kind == "Chi bộ doanh nghiệp tư nhân":
        return f"Chi bộ Công ty TNHH {rng.choice(FIRMS)} {k}"
    if kind == "Chi bộ công an":
        return f"Chi bộ Công an {place} {k}"
    if kind == "Chi bộ quân sự":
        return f"Chi bộ Quân sự {place} {k}"
    return f"Chi bộ Hợp tác xã {rng.choice(_VILLAGE_WORDS)} {k}"


def province_demo(
    seed: int,
    cells: int = 2000,
    people: int = 100_000,
    files: int = 10_000,
    *,
    today: date = PROVINCE_TODAY,
) -> Demo:
    """A synthetic Khánh Hòa: KH, 65 commune-level committees, ≈`cells` office-managed
    cells, ≈`people - files` members and `files` candidate files with full histories."""
    rng = random.Random(seed)
    folk = People(extra_male=("Đức",))
    orgs: list[Row] = [org_row("KH", "Tỉnh ủy Khánh Hòa", "Tỉnh ủy", None, youth_union=True)]
    communes: list[tuple[str, str, str, str]] = []  # code, kind, place, name
    for i, n in enumerate(_COMMUNES, 1):
        communes.append((f"X{i:02d}", "Đảng ủy xã", nfc(f"xã {n}"), nfc(n)))
    for i, n in enumerate(_WARDS, 1):
        communes.append((f"P{i:02d}", "Đảng ủy phường", nfc(f"phường {n}"), nfc(n)))
    communes.append(("DK01", "Đảng ủy đặc khu", nfc("đặc khu Trường Sa"), nfc("Trường Sa")))

    weights = [0.15 if k == "Đảng ủy đặc khu" else rng.uniform(0.6, 1.5) for _, k, _, _ in communes]
    per_commune = _apportion(cells, weights)
    cell_list: list[Cell] = []
    commune_rows: list[Row] = []
    for (code, kind, place, short), count in zip(communes, per_commune, strict=True):
        highland = short in _HIGHLAND or kind == "Đảng ủy đặc khu"
        if short in _HIGHLAND:
            mix: tuple[tuple[str, float], ...] = (("Raglai", 0.55),)
        elif short in _NINH_THUAN:
            mix = (("Chăm", 0.2), ("Raglai", 0.03))
        else:
            mix = (("Hoa", 0.01), ("Raglai", 0.01))
        province_code = "058" if short in _NINH_THUAN else "056"
        commune_row = org_row(
            code, f"{kind} {short}", kind, "KH", youth_union=True, special_area=highland
        )
        orgs.append(commune_row)
        commune_rows.append(commune_row)
        kinds = [rng.choice(_KIND_POOLS[kind]) for _ in range(count)]
        dn = [i for i, k in enumerate(kinds) if k == "Chi bộ doanh nghiệp tư nhân"]
        du_code = f"{code}-DU01" if len(dn) >= 3 else None
        if du_code:
            firm = f"Công ty Cổ phần {rng.choice(FIRMS)}"
            orgs.append(org_row(du_code, f"Đảng ủy {firm}", "Đảng ủy cơ sở", code))
        villages = 0
        for i, ck in enumerate(kinds):
            inside = du_code is not None and i in dn[1:]  # one DN cell stays grassroots
            if kind == "Đảng ủy đặc khu":
                unit = {"Chi bộ quân sự": "Quân sự", "Chi bộ cơ quan": "Cơ quan"}
                name = f"Chi bộ {unit.get(ck, 'Dân cư')} đảo {_ISLANDS[i % len(_ISLANDS)]}"
                name = f"{name} {i // len(_ISLANDS) + 1}" if i >= len(_ISLANDS) else name
            else:
                name = _cell_name(rng, ck, short, i + 1)
            youth = ck in _YOUTH_KINDS or rng.random() < 0.4
            cell = Cell(
                f"{code}-CB{i + 1:03d}",
                nfc(name),
                ck,
                grassroots=not inside,
                youth_union=youth,
                special_area=highland,
                coastal=short in _COASTAL,
                committee_size=rng.choice((5, 7, 9)),
                mix=mix,
                place=place,
                province_code=province_code,
            )
            is_village = ck in ("Chi bộ thôn", "Chi bộ tổ dân phố")
            villages += is_village
            head = rng.random() < 0.85 if is_village else None
            orgs.append(cell_row(cell, du_code if inside else code, False, head))
            cell_list.append(cell)
        # A few villages still share a cell with a neighbour.
        commune_row["villages"] = villages + (rng.random() < 0.15)

    n_members = max(0, people - files)
    members = _province_members(rng, folk, cell_list, n_members, today)
    candidates, steps = _province_files(rng, folk, cell_list, files, today)
    records, ratings = _province_screening(rng, members, today)
    return {
        "orgs": orgs,
        "plans": _province_plans(rng, communes, cell_list, today),
        "members": members,
        "member_records": records,
        "ratings": ratings,
        "private_units": _province_private_units(rng, communes),
        "candidates": candidates,
        "steps": steps,
    }


_YOUTH_KINDS = frozenset(
    ("Chi bộ thôn", "Chi bộ tổ dân phố", "Chi bộ trường học", "Chi bộ công an", "Chi bộ quân sự")
)


def _province_members(
    rng: random.Random, folk: People, cells: list[Cell], total: int, today: date
) -> list[Row]:
    floor = min(5, total // max(1, len(cells)))  # every cell can introduce its candidates
    extra = _apportion(
        total - floor * len(cells), [_MEMBER_WEIGHT[c.kind] * rng.uniform(0.5, 1.5) for c in cells]
    )
    rows: list[Row] = []
    serial = 0
    for cell, n in zip(cells, extra, strict=True):
        officials: list[tuple[int, str]] = []
        village = cell.kind in ("Chi bộ thôn", "Chi bộ tổ dân phố")
        for i in range(1, floor + n + 1):
            code = f"{cell.code}-DV{i:03d}"
            status = "Chính thức" if i <= 3 else pick(rng, _STATUS_POOL)
            sex = "Nữ" if rng.random() < 0.36 else "Nam"
            birth, admitted, official = member_dates(rng, today, cell.kind, status, i <= 2)
            ethnicity = draw_ethnicity(rng, cell.mix)
            province = cell.province_code if rng.random() < 0.85 else pick(rng, BORN_ELSEWHERE)
            person = Person(
                folk.name(rng, sex, ethnicity),
                sex,
                birth,
                folk.cccd(rng, province, sex, birth.year),
                ethnicity,
                pick(rng, RELIGIONS.get(ethnicity, RELIGIONS["Kinh"])),
                HOME[province],
            )
            serial += 1
            rows.append(
                member_row(
                    code,
                    person,
                    cell,
                    admitted,
                    official,
                    status,
                    f"{serial:06d}",
                    village and i == 1,
                )
            )
            if status == "Chính thức" and official is not None:
                officials.append((official.toordinal(), code))
            elif status == "Dự bị":
                cell.probationers.append((admitted.toordinal(), code))
        officials.sort()
        cell.official_on = [o for o, _ in officials]
        cell.official_codes = [c for _, c in officials]
    return rows


def _province_files(
    rng: random.Random, folk: People, cells: list[Cell], total: int, today: date
) -> tuple[list[Row], list[Row]]:
    counts = _apportion(total, [_FILE_WEIGHT[c.kind] * rng.uniform(0.3, 1.7) for c in cells])
    maker = FileMaker(rng, today, folk)
    candidates: list[Row] = []
    steps: list[Row] = []
    for cell, n in zip(cells, counts, strict=True):
        for _ in range(n):
            cell.file_seq += 1
            state = rng.choice(_STATE_POOL)
            variant = None
            r = rng.random()
            if state is State.DUNG:
                variant = rng.choice(("NGUON", "BOI_DUONG", "HO_SO", "THAM_TRA", "failed_a8"))
            elif state is State.XOA_TEN:
                variant = "struck_violation" if r < 0.4 else None
            elif state is State.CHINH_THUC and r < 0.03:
                variant = "failed_p3"
            elif RANK[state] >= RANK[State.CHI_BO_XET] and r < 0.05:
                variant = "failed_a8"
            elif RANK[state] >= RANK[State.DU_BI] and r < 0.07:
                variant = "returned_a10"
            spec = Spec(f"{cell.code}-{cell.file_seq:04d}", state, variant)
            row, history = maker.make(spec, cell, late=rng.random() < 0.08)
            candidates.append(row)
            steps.extend(history)
    return candidates, steps


def _province_screening(
    rng: random.Random, members: list[Row], today: date
) -> tuple[list[Row], list[Row]]:
    """Records and ratings for about a fifth of the members (those a cell has typed in)."""
    records: list[Row] = []
    ratings: list[Row] = []
    y = today.year
    rating_pool = pool(((tpl.RATINGS[0], 15), (tpl.RATINGS[1], 72), (tpl.RATINGS[2], 11)))
    rating_pool += (tpl.RATINGS[3],) * 2
    for m in members:
        if m["status"] not in ("Chính thức", "Dự bị") or rng.random() >= 0.2:
            continue
        code = m["member_code"]
        bad = rng.random()
        for year in (y - 1, y):
            records.append(
                {
                    "member_code": code,
                    "year": year,
                    "months_absent": 3 if bad < 0.01 else (1 if bad < 0.08 else 0),
                    "months_unpaid": 3 if 0.01 <= bad < 0.015 else 0,
                    "violated": bad > 0.997,
                    "declining": 0.993 < bad <= 0.997,
                }
            )
            ratings.append(
                {"member_code": code, "year": year - 1, "rating": rng.choice(rating_pool)}
            )
    return records, ratings


def _province_plans(
    rng: random.Random, communes: list[tuple[str, str, str, str]], cells: list[Cell], today: date
) -> list[Row]:
    rows: list[Row] = []
    y = today.year
    by_commune: dict[str, int] = {}
    for cell in cells:
        target = rng.randint(0, 3)
        commune = cell.code.split("-")[0]
        by_commune[commune] = by_commune.get(commune, 0) + target
        rows.append(plan_row(cell.code, y, None, target, False))
    for code, *_ in communes:
        t = max(5, by_commune.get(code, 0))
        rows.append(plan_row(code, y - 1, None, t - 1, True))
        rows.append(plan_row(code, y, None, t, True))
        rows.append(plan_row(code, None, period(today), t * 5, True))
    return rows


def _province_private_units(
    rng: random.Random, communes: list[tuple[str, str, str, str]]
) -> list[Row]:
    rows: list[Row] = []
    for code, kind, _, short in communes:
        n = rng.randint(6, 20) if kind == "Đảng ủy phường" else rng.randint(1, 8)
        for i in range(n):
            r = rng.random()
            ukind = "Doanh nghiệp tư nhân" if r < 0.75 else "Trường tư thục" if r < 0.85 else "Khác"
            workers = int(rng.lognormvariate(3.3, 1.0)) + 3
            party = workers > 60 and rng.random() < 0.4
            label = {"Doanh nghiệp tư nhân": "Công ty TNHH", "Trường tư thục": "Trường tư thục"}
            title = f"{label.get(ukind, 'Hợp tác xã')} {rng.choice(FIRMS)} {short} {i + 1}"
            rows.append(
                {
                    "name": title,
                    "kind": ukind,
                    "org_code": code,
                    "workers": workers,
                    "members": rng.randint(3, 12) if party else rng.randint(0, 2),
                    "has_party_org": party,
                    "has_trade_union": workers > 25 and rng.random() < 0.6,
                    "has_youth_union": workers > 40 and rng.random() < 0.3,
                }
            )
    return rows


def write_province_dataset(
    out: Path, *, seed: int, cells: int, people: int, files: int, today: date
) -> dict[str, int]:
    """The synthetic province as a folder of CSV files (one per template sheet)."""
    tables = province_demo(seed, cells=cells, people=people, files=files, today=today)
    out.mkdir(parents=True, exist_ok=True)
    write_tables(out, tables)
    return {key: len(rows) for key, rows in tables.items()}
