"""A small province built by hand for the statistics and reports (test_stats.py,
test_annual.py), with answers computed by hand in the tests' comments. Reference day:
26/11/2026 (the suite's frozen clock). (tests/reports/conftest.py is the forms' own.)

    KH  Tỉnh ủy Khánh Hòa
    ├── X01  Đảng ủy xã Cam Hải (Số thôn = 3: one village has no cell of its own)
    │   ├── X01-CB01  Chi bộ thôn Hải Đông          (1 village, head is a member: flag)
    │   └── X01-CB02  Chi bộ Công ty TNHH May …      (private enterprise)
    └── X02  Đảng ủy phường Bắc Nha Trang
        ├── X02-CB01  Chi bộ tổ dân phố 1           (1 group, head: a member marked so)
        └── X02-CB02  Chi bộ Trường tư thục Hoa Sen  (private school)

Files (A10 = the admission decision, the date that counts):

    X01-CB01-0001 Nữ  2000-05  A10 2026-02-10, A11 2026-02-20   youth (309 months)
    X01-CB01-0002 Nam 1990-03  Raglai, Công giáo, works in a DNTN: A10 2026-05-05 (434 m)
    X01-CB01-0003 Nam 1998-01  A10 2025-03-01, A11 2025-03-15, struck off 2026-04-01
    X01-CB01-0004 Nữ  1995-06  Phật giáo, A10 2024-12-20, A11 2025-01-10, P3 2026-01-20,
                               P5 2026-02-05: on time (cell due 27/02, decision due 10/03)
    X01-CB01-0005 source list only, A1 2026-03-01
    X01-CB01-0006 A1 2024-06, A2 2024-08, A3 2025-09-01, A4 2025-09-10: stale from 01/09/2026
    X01-CB02-0001 Nam 2001-08  no workplace kind (the cell's: DNTN), A10 2026-09-01 (301 m)
    X01-CB02-0002 Nam 1993-02  A10 2024-10-01, A11 2024-10-15, P3 2025-12-01 (cell due was
                               26/11/2025), P5 2026-01-10: late
    X01-CB02-0003 Nam 1985-01  A10 2025-08-01, A11 2025-08-20, no P3: due 05/10/2026, overdue
    X01-CB02-0004 A1 2025-02-01, closed (DUNG) 2026-03-01
    X02-CB01-0001 Nữ  2004-07  Chăm, Bà-la-môn; A10 2026-03-01 returned, A8 again, A10
                               2026-06-15 (263 m)
    X02-CB01-0002 A1 2025-05-01, A2 2026-01-02, A3 2026-01-05, A4 2026-01-10, A5 2026-03-01
    X02-CB01-0003 Nam 1996-09  CCCD 056096001234, A10 2026-01-15 (352 m); also in the
                               register as X02-CB01-DV005 (counted once)
    X02-CB02-0001 Nữ  1992-12  Trường tư thục, A10 2026-10-10 (394 m)

Register: X01-CB01-DV002 (Nữ, born 1999-04, admitted 2026-03-03, no file: 311 m) and
X01-CB02-DV002 (Nam, born 1998-10, admitted 2025-11-11: 325 m) are admissions only the
register knows.
"""

from __future__ import annotations

from datetime import date

import pytest

from khdesk.core.services.session import open_profile

PASSWORD = "matkhau-thong-ke"
TODAY = date(2026, 11, 26)


def d(text: str) -> date:
    return date.fromisoformat(text)


def _org(code, name, kind, parent, **extra):
    row = {
        "code": code,
        "name": name,
        "parent_code": parent,
        "kind": kind,
        "self_managed": False,
        "has_youth_union": True,
        "special_area": False,
    }
    row.update(extra)
    return row


ORGS = [
    _org("KH", "Tỉnh ủy Khánh Hòa", "Tỉnh ủy", None),
    _org("X01", "Đảng ủy xã Cam Hải", "Đảng ủy xã", "KH", villages=3),
    _org(
        "X01-CB01",
        "Chi bộ thôn Hải Đông",
        "Chi bộ thôn",
        "X01",
        is_grassroots_cell=True,
        villages=1,
        village_head_is_member=True,
    ),
    _org(
        "X01-CB02",
        "Chi bộ Công ty TNHH May Cam Ranh",
        "Chi bộ doanh nghiệp tư nhân",
        "X01",
        is_grassroots_cell=True,
    ),
    _org("X02", "Đảng ủy phường Bắc Nha Trang", "Đảng ủy phường", "KH"),
    _org(
        "X02-CB01",
        "Chi bộ tổ dân phố 1",
        "Chi bộ tổ dân phố",
        "X02",
        is_grassroots_cell=True,
        villages=1,
    ),
    _org(
        "X02-CB02",
        "Chi bộ Trường tư thục Hoa Sen",
        "Chi bộ trường tư thục",
        "X02",
        is_grassroots_cell=True,
    ),
]


def _member(code, name, sex, born, admitted, status, **extra):
    org = code.rsplit("-", 1)[0]
    row = {
        "member_code": code,
        "full_name": name,
        "sex": sex,
        "birth_date": d(born),
        "org_code": org,
        "admitted_on": d(admitted),
        "official_on": None,
        "status": status,
        "ethnicity": "Kinh",
        "religion": "Không",
    }
    row.update(extra)
    return row


MEMBERS = [
    _member("X01-CB01-DV001", "Trần Văn Hải", "Nam", "1970-01-01", "1995-05-05", "Chính thức"),
    _member(
        "X01-CB01-DV002", "Lê Thị Thu", "Nữ", "1999-04-04", "2026-03-03", "Dự bị", religion=None
    ),
    _member("X01-CB01-DV003", "Phạm Văn Tư", "Nam", "1960-06-06", "2010-10-10", "Chuyển đi"),
    _member("X01-CB02-DV001", "Võ Văn Năm", "Nam", "1975-01-01", "2000-01-01", "Chính thức"),
    _member("X01-CB02-DV002", "Huỳnh Văn Sáu", "Nam", "1998-10-10", "2025-11-11", "Dự bị"),
    _member(
        "X02-CB01-DV001",
        "Nguyễn Thị Bảy",
        "Nữ",
        "1965-01-01",
        "1990-01-01",
        "Chính thức",
        village_head=True,
    ),
    _member("X02-CB01-DV002", "Đỗ Văn Tám", "Nam", "1940-02-02", "1968-03-03", "Từ trần"),
    _member(
        "X02-CB01-DV005",
        "Ngô Văn Chín",
        "Nam",
        "1996-09-09",
        "2026-01-15",
        "Dự bị",
        cccd="056096001234",
    ),
    _member("X02-CB02-DV001", "Mai Thị Mười", "Nữ", "1985-05-05", "2015-05-05", "Chính thức"),
]


def _file(code, name, sex, born, **extra):
    org = code.rsplit("-", 1)[0]
    row = {
        "file_code": code,
        "full_name": name,
        "sex": sex,
        "birth_date": d(born),
        "org_code": org,
        "ethnicity": "Kinh",
        "religion": "Không",
        "education": "THPT",
    }
    row.update(extra)
    return row


FILES = [
    _file("X01-CB01-0001", "Nguyễn Thị An", "Nữ", "2000-05-10", workplace_kind="Nông dân"),
    _file(
        "X01-CB01-0002",
        "Mấu Văn Bình",
        "Nam",
        "1990-03-15",
        ethnicity="Raglai",
        religion="Công giáo",
        workplace_kind="Doanh nghiệp tư nhân",
    ),
    _file("X01-CB01-0003", "Trần Văn Cường", "Nam", "1998-01-01"),
    _file("X01-CB01-0004", "Lê Thị Dung", "Nữ", "1995-06-01", religion="Phật giáo"),
    _file("X01-CB01-0005", "Phạm Văn Em", "Nam", "2003-03-03"),
    _file("X01-CB01-0006", "Hồ Thị Gấm", "Nữ", "2001-01-01"),
    _file("X01-CB02-0001", "Đặng Văn Hòa", "Nam", "2001-08-20"),
    _file("X01-CB02-0002", "Bùi Văn Khánh", "Nam", "1993-02-02"),
    _file("X01-CB02-0003", "Cao Văn Lâm", "Nam", "1985-01-01"),
    _file("X01-CB02-0004", "Tô Văn Minh", "Nam", "1999-09-09"),
    _file(
        "X02-CB01-0001",
        "Đàng Thị Nga",
        "Nữ",
        "2004-07-07",
        ethnicity="Chăm",
        religion="Bà-la-môn",
    ),
    _file("X02-CB01-0002", "Lý Văn Phúc", "Nam", "2000-02-02"),
    _file("X02-CB01-0003", "Ngô Văn Chín", "Nam", "1996-09-09", cccd="056096001234"),
    _file("X02-CB02-0001", "Mai Thị Quyên", "Nữ", "1992-12-12", workplace_kind="Trường tư thục"),
]


def _admission_steps(a1, a2, a3, a8, a10, a11=None):
    """A1 … A11 of a clean admission: A4 5 days after A3, A5/A6/A7 before the meeting."""
    a3d = d(a3)
    a8d = d(a8)
    out = [
        ("A1", a1),
        ("A2", a2),
        ("A3", a3),
        ("A4", a3d.replace(day=min(a3d.day + 5, 28)).isoformat()),
        ("A5", (a8d.replace(day=1)).isoformat()),
        ("A6", (a8d.replace(day=2)).isoformat()),
        ("A7", (a8d.replace(day=3)).isoformat()),
        ("A8", a8),
        ("A10", a10),
    ]
    if a11:
        out.append(("A11", a11))
    return out


STEPS_BY_FILE = {
    "X01-CB01-0001": _admission_steps(
        "2025-01-10", "2025-03-01", "2025-04-01", "2025-07-10", "2026-02-10", "2026-02-20"
    ),
    "X01-CB01-0002": _admission_steps(
        "2025-02-01", "2025-04-01", "2025-06-01", "2026-03-10", "2026-05-05", "2026-05-20"
    ),
    "X01-CB01-0003": _admission_steps(
        "2024-01-10", "2024-03-01", "2024-05-01", "2024-12-10", "2025-03-01", "2025-03-15"
    )
    + [("XOA_TEN", "2026-04-01")],
    "X01-CB01-0004": _admission_steps(
        "2023-10-01", "2024-01-10", "2024-03-01", "2024-11-10", "2024-12-20", "2025-01-10"
    )
    + [("P1", "2025-01-15"), ("P2", "2026-01-12"), ("P3", "2026-01-20"), ("P5", "2026-02-05")],
    "X01-CB01-0005": [("A1", "2026-03-01")],
    "X01-CB01-0006": [
        ("A1", "2024-06-01"),
        ("A2", "2024-08-01"),
        ("A3", "2025-09-01"),
        ("A4", "2025-09-10"),
    ],
    "X01-CB02-0001": _admission_steps(
        "2025-01-05", "2025-03-05", "2025-05-05", "2026-06-10", "2026-09-01", "2026-09-15"
    ),
    "X01-CB02-0002": _admission_steps(
        "2023-06-01", "2023-09-01", "2024-01-10", "2024-08-10", "2024-10-01", "2024-10-15"
    )
    + [("P1", "2024-10-20"), ("P2", "2025-11-20"), ("P3", "2025-12-01"), ("P5", "2026-01-10")],
    "X01-CB02-0003": _admission_steps(
        "2024-05-01", "2024-07-01", "2024-09-01", "2025-06-10", "2025-08-01", "2025-08-20"
    ),
    "X01-CB02-0004": [("A1", "2025-02-01"), ("DUNG", "2026-03-01")],
    "X02-CB01-0001": _admission_steps(
        "2024-11-01", "2025-01-05", "2025-03-01", "2025-12-10", "2026-03-01"
    )
    + [("A8", "2026-04-01"), ("A10", "2026-06-15"), ("A11", "2026-07-01")],
    "X02-CB01-0002": [
        ("A1", "2025-05-01"),
        ("A2", "2026-01-02"),
        ("A3", "2026-01-05"),
        ("A4", "2026-01-10"),
        ("A5", "2026-03-01"),
    ],
    "X02-CB01-0003": _admission_steps(
        "2024-09-01", "2024-11-01", "2025-03-01", "2025-11-10", "2026-01-15", "2026-02-01"
    ),
    "X02-CB02-0001": _admission_steps(
        "2025-01-01", "2025-02-01", "2025-08-01", "2026-07-10", "2026-10-10", "2026-10-20"
    ),
}
# The first A10 of X02-CB01-0001 was sent back to the cell (its second passes).
RETURNED = {("X02-CB01-0001", "A10", "2026-03-01")}


def _steps() -> list[dict]:
    rows = []
    for code, steps in STEPS_BY_FILE.items():
        for step_id, on in steps:
            row = {"file_code": code, "step_id": step_id, "on": d(on), "result": "Thông qua"}
            if (code, step_id, on) in RETURNED:
                row["result"] = "Trả lại"
            if step_id in ("A8", "P3"):
                row.update(official_members=5, votes_for=5)
            if step_id in ("A10", "P5"):
                row["doc_no"] = f"{code[-4:]}-QĐ/ĐU"
            if step_id == "DUNG":
                row["note"] = "Chuyển nơi cư trú"
            rows.append(row)
    return rows


def _record(code, year, **flags):
    row = {
        "member_code": code,
        "year": year,
        "months_absent": 0,
        "months_unpaid": 0,
        "violated": False,
        "declining": False,
    }
    row.update(flags)
    return row


MEMBER_RECORDS = [
    _record("X01-CB01-DV001", 2026, months_absent=3),  # SCREEN_ABSENT
    _record("X01-CB02-DV001", 2026, months_absent=1),  # below the threshold: nothing
    _record("X02-CB01-DV001", 2025, declining=True),  # SCREEN_DECLINE (two years running)
    _record("X02-CB01-DV001", 2026, declining=True, months_unpaid=3),  # … and SCREEN_ABSENT
    _record("X02-CB01-DV002", 2026, months_absent=5),  # died: not an active member
    _record("X02-CB02-DV001", 2025, violated=True),  # SCREEN_VIOLATION_2Y
    _record("X02-CB02-DV001", 2026, violated=True),
]


def _plan(org, year=None, period=None, target=0, youth=None, private=None):
    return {
        "org_code": org,
        "year": year,
        "period": period,
        "target": target,
        "target_youth": youth,
        "target_private": private,
    }


PLANS = [
    _plan("X01-CB01", 2026, target=3, youth=2, private=1),
    _plan("X01-CB02", 2026, target=2, youth=1, private=2),
    _plan("X02", 2026, target=6, youth=4, private=2),
    _plan("KH", 2025, target=8, youth=5, private=1),
    _plan("X01", period="2026-2030", target=20, youth=12, private=5),
    _plan("X02", period="2026-2030", target=25, youth=15),
]


def _unit(name, kind, org, workers, members, party):
    return {
        "name": name,
        "kind": kind,
        "org_code": org,
        "workers": workers,
        "members": members,
        "has_party_org": party,
    }


PRIVATE_UNITS = [
    _unit("Công ty TNHH May Cam Ranh", "Doanh nghiệp tư nhân", "X01", 180, 3, True),
    _unit("Công ty TNHH Yến sào Hòn Nội", "Doanh nghiệp tư nhân", "X01", 45, 0, False),
    _unit("Trường Mầm non tư thục Sao Mai", "Trường tư thục", "X02", 22, 0, False),
    _unit("Hợp tác xã Bãi Giếng", "Khác", "X01-CB01", 35, 1, False),
]


def hand_tables() -> dict[str, list[dict]]:
    """The dataset as template rows (fresh copies)."""
    return {
        "orgs": [dict(o) for o in ORGS],
        "members": [dict(m) for m in MEMBERS],
        "member_records": [dict(r) for r in MEMBER_RECORDS],
        "plans": [dict(p) for p in PLANS],
        "private_units": [dict(u) for u in PRIVATE_UNITS],
        "candidates": [dict(f) for f in FILES],
        "steps": _steps(),
    }


def build_province_home(tmp_path_factory):
    """A province profile (KH) holding the dataset, imported as a secretary would: the
    body of the test modules' module-scoped `province_home` fixture."""
    from khdesk.core.services import profiles
    from khdesk.core.services.importer import RowTables, import_tables
    from khdesk.core.store import keyslots
    from tests import pg
    from tests.conftest import FAST_KDF

    home = tmp_path_factory.mktemp("stats")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)
        session, _ = profiles.create_profile(
            home,
            role="province",
            org_code="KH",
            org_name="Tỉnh ủy Khánh Hòa",
            user="bithu",
            password=PASSWORD,
            db_url=pg.db_url_for("bithu", PASSWORD),
        )
    try:
        tables = hand_tables()
        tables["orgs"] = [o for o in tables["orgs"] if o["code"] != "KH"]
        report = import_tables(session, RowTables.from_dicts(tables), "test")
        assert report.committed, report.problems
        assert not report.problems, [str(p) for p in report.problems]
    finally:
        session.close()
    return home


def open_province(home):

    return open_profile(home, "KH", "bithu", PASSWORD)
