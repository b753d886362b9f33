"""A commune committee's profile with a known cell, a đảng bộ cơ sở and files at every
printable step: names, dates and numbers the tests can assert on."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from khdesk.core.services.importer import RowTables, import_tables

TODAY = date(2026, 11, 26)  # the frozen clock's day
CELL = "X01-CB01"  # Chi bộ thôn Tân Đức, directly under the commune committee
INSIDE = "X01-CB03"  # a cell inside the đảng bộ cơ sở X01-DU01
ADMITTED = "X01-CB01-0001"  # admitted and recognised: 5-, 6-, 9-, 12-, 13-, 16-KNĐ
WAITING = "X01-CB01-0002"  # verified, not yet voted on: blanks
INSIDE_FILE = "X01-CB03-0001"  # voted by the cell and the đảng ủy cơ sở: 7-, 8-KNĐ
GAPPY = "X01-CB01-0003"  # verified without a recorded personal history: a missing paper


def _member(code, name, sex, born, org, admitted, official, status="Chính thức", hist=None):
    return {
        "member_code": code,
        "full_name": name,
        "sex": sex,
        "birth_date": born,
        "org_code": org,
        "admitted_on": admitted,
        "official_on": official,
        "status": status,
        "home_town": "xã Cam Hải, Khánh Hòa",
        "history_no": hist,
    }


def commune_rows() -> dict[str, list[dict]]:
    orgs = [
        {
            "code": CELL,
            "name": "Chi bộ thôn Tân Đức",
            "parent_code": "X01",
            "kind": "Chi bộ thôn",
            "is_grassroots_cell": True,
            "self_managed": False,
        },
        {
            "code": "X01-DU01",
            "name": "Đảng ủy Công ty TNHH Hải sản Thủy Triều",
            "parent_code": "X01",
            "kind": "Đảng ủy cơ sở",
        },
        {
            "code": INSIDE,
            "name": "Chi bộ Phân xưởng Chế biến",
            "parent_code": "X01-DU01",
            "kind": "Chi bộ doanh nghiệp tư nhân",
            "is_grassroots_cell": False,
            "self_managed": False,
        },
    ]
    members = [
        _member(
            f"{CELL}-DV{i:03d}",
            name,
            sex,
            date(1970 + i, 3, 4),
            CELL,
            date(2000 + i, 5, 6),
            date(2001 + i, 5, 6),
            hist=f"0000{i:02d}",
        )
        for i, (name, sex) in enumerate(
            [
                ("Trần Văn Đức", "Nam"),
                ("Lê Thị Hồng Nhung", "Nữ"),
                ("Phạm Quốc Việt", "Nam"),
                ("Võ Thị Thu Hằng", "Nữ"),
                ("Đặng Văn Lộc", "Nam"),
                ("Huỳnh Thị Kiều", "Nữ"),
                ("Bùi Văn Hải", "Nam"),
                ("Ngô Thị Yến", "Nữ"),
                ("Đỗ Minh Tuấn", "Nam"),
            ],
            start=1,
        )
    ]
    members.append(
        _member(
            f"{CELL}-DV010",
            "Nguyễn Thị Ánh Tuyết",
            "Nữ",
            date(2001, 2, 5),
            CELL,
            date(2025, 3, 3),
            date(2026, 3, 20),
            hist="LL-0110",
        )
    )
    members.append(
        _member(
            f"{CELL}-DV011",
            "Phan Văn Mười",
            "Nam",
            date(1950, 1, 1),
            CELL,
            date(1975, 2, 3),
            date(1976, 2, 3),
            status="Từ trần",
        )
    )
    members += [
        _member(
            f"{INSIDE}-DV{i:03d}",
            f"Công nhân Số {i}",
            "Nam",
            date(1980, 1, i),
            INSIDE,
            date(2010, 1, i),
            date(2011, 1, i),
        )
        for i in range(1, 8)
    ]
    identity = {
        "home_town": "xã Cam Hải Tây, Khánh Hòa",
        "ethnicity": "Kinh",
        "religion": "Không",
        "education": "THPT",
        "occupation": "Giáo viên",
        "workplace": "Trường Tiểu học Cam Hải",
    }
    candidates = [
        {
            "file_code": ADMITTED,
            "full_name": "Nguyễn Thị Ánh Tuyết",
            "sex": "Nữ",
            "birth_date": date(2001, 2, 5),
            "history_no": "LL-0110",
            "org_code": CELL,
            "a6_introducer1": f"{CELL}-DV001",
            "a6_introducer1_since": date(2020, 1, 1),
            "a6_introducer2": f"{CELL}-DV002",
            "a6_introducer2_since": date(2020, 1, 1),
            "mentor": f"{CELL}-DV003",
            **identity,
        },
        {
            "file_code": WAITING,
            "full_name": "Lê Hoàng Ân",
            "sex": "Nam",
            "birth_date": date(1999, 12, 9),
            "org_code": CELL,
            **identity,
        },
        {
            "file_code": GAPPY,
            "full_name": "Đinh Công Bằng",
            "sex": "Nam",
            "birth_date": date(2000, 10, 10),
            "org_code": CELL,
            **identity,
        },
        {
            "file_code": INSIDE_FILE,
            "full_name": "Trương Thị Diễm My",
            "sex": "Nữ",
            "birth_date": date(1998, 7, 30),
            "org_code": INSIDE,
            "a6_introducer1": f"{INSIDE}-DV001",
            "a6_introducer1_since": date(2020, 1, 1),
            "a6_introducer2": f"{INSIDE}-DV002",
            "a6_introducer2_since": date(2020, 1, 1),
            **identity,
        },
    ]

    def steps(code, items):
        return [
            {
                "file_code": code,
                "step_id": s,
                "on": d,
                "doc_no": n,
                "official_members": o,
                "votes_for": v,
            }
            for s, d, n, o, v in items
        ]

    history = steps(
        ADMITTED,
        [
            ("A1", date(2024, 3, 1), None, None, None),
            ("A2", date(2024, 5, 10), "732-CN/TTCT", None, None),
            ("A3", date(2024, 9, 2), None, None, None),
            ("A4", date(2024, 9, 9), None, None, None),
            ("A5", date(2024, 12, 2), None, None, None),
            ("A6", date(2024, 12, 20), None, None, None),
            ("A7", date(2025, 1, 6), None, None, None),
            ("A8", date(2025, 2, 5), "05-NQ/CB", 9, 8),
            ("A10", date(2025, 3, 3), "12-QĐ/ĐU", None, None),
            ("A11", date(2025, 3, 20), None, None, None),
            ("P1", date(2025, 3, 25), None, None, None),
            ("P2", date(2026, 3, 10), None, None, None),
            ("P3", date(2026, 3, 25), "03-NQ/CB", 10, 10),
            ("P5", date(2026, 4, 20), "45-QĐ/ĐU", None, None),
        ],
    )
    history += steps(
        WAITING,
        [
            ("A1", date(2026, 1, 5), None, None, None),
            ("A2", date(2026, 3, 1), "801-CN/TTCT", None, None),
            ("A3", date(2026, 6, 1), None, None, None),
            ("A4", date(2026, 6, 8), None, None, None),
            ("A5", date(2026, 9, 1), None, None, None),
        ],
    )
    history += steps(
        GAPPY,
        [
            ("A1", date(2026, 1, 5), None, None, None),
            ("A2", date(2026, 3, 1), "802-CN/TTCT", None, None),
            ("A3", date(2026, 6, 1), None, None, None),
            ("A5", date(2026, 9, 1), None, None, None),
        ],
    )
    history += steps(
        INSIDE_FILE,
        [
            ("A1", date(2025, 9, 1), None, None, None),
            ("A2", date(2025, 10, 1), "950-CN/TTCT", None, None),
            ("A3", date(2025, 11, 3), None, None, None),
            ("A4", date(2025, 11, 10), None, None, None),
            ("A5", date(2026, 1, 12), None, None, None),
            ("A6", date(2026, 2, 2), None, None, None),
            ("A7", date(2026, 2, 9), None, None, None),
            ("A8", date(2026, 5, 11), "02-NQ/CB", 7, 6),
            ("A9", date(2026, 6, 10), "07-NQ/ĐU", 7, 6),
        ],
    )
    return {"orgs": orgs, "members": members, "candidates": candidates, "steps": history}


@pytest.fixture
def commune(committee):
    """The committee profile (X01 "Đảng ủy xã Cam Hải") with the data above."""
    report = import_tables(committee, RowTables.from_dicts(commune_rows()), "test")
    assert report.committed, [str(p) for p in report.problems]
    return committee


@pytest.fixture(scope="session")
def pdftotext():
    path = shutil.which("pdftotext")
    if path is None:
        pytest.skip(
            "pdftotext (Debian package poppler-utils) is not installed: "
            "the layout checks that need it are SKIPPED"
        )
    return path


def pdftotext_text(path_or_bytes, tmp_path, *args: str) -> str:
    src = tmp_path / "in.pdf"
    if isinstance(path_or_bytes, bytes | bytearray):
        src.write_bytes(path_or_bytes)
    else:
        src = path_or_bytes
    out = subprocess.run(
        ["pdftotext", *args, str(src), "-"], capture_output=True, check=True, timeout=60
    )
    return out.stdout.decode("utf-8")
