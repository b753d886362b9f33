"""Name pools for the demo data: Vietnamese names as Khánh Hòa's people carry them (Kinh,
Raglai, Chăm, Hoa), religions, home provinces and their CCCD codes, firm names; and the
identity of one person (name, CCCD that never repeats, ethnicity, religion, home town).

Draws take one float each (`pick`, `between`): the province generator draws ~100k people.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def pick(rng: random.Random, seq: Sequence[str]) -> str:
    """rng.choice at a third of the cost: one float per draw (hot path of 100k people)."""
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, lo: int, hi: int) -> int:
    """rng.randint(lo, hi), one float per draw."""
    return lo + int(rng.random() * (hi - lo + 1))


def pool(pairs: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """A weighted pool flattened into a tuple, so a draw is one index (fast)."""
    return tuple(nfc(word) for word, n in pairs for _ in range(n))


# --- names -----------------------------------------------------------------------------
# No word in these pools folds to something starting with "duc": the small demo plants
# exactly the names of DUC_NAMES, so a search for "duc" has a known answer.
_SURNAMES = pool(
    (
        ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 6), ("Huỳnh", 5), ("Võ", 5),
        ("Phan", 4), ("Hoàng", 3), ("Trương", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2),
        ("Hồ", 2), ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đoàn", 1), ("Lương", 1),
        ("Tô", 1), ("Mai", 1), ("Châu", 1), ("Đinh", 1), ("Cao", 1), ("Lâm", 1),
        ("Thái", 1), ("Tạ", 1), ("Hà", 1), ("Lưu", 1), ("Vũ", 1), ("Trịnh", 1),
    )
)  # fmt: skip
_MIDDLE_MALE = pool(
    (
        ("Văn", 30), ("Minh", 8), ("Hữu", 6), ("Quốc", 5), ("Thanh", 5), ("Công", 4),
        ("Ngọc", 4), ("Đình", 4), ("Tấn", 4), ("Xuân", 3), ("Anh", 3), ("Hoàng", 3),
        ("Trọng", 3), ("Thành", 3), ("Quang", 3), ("Duy", 2), ("Bá", 2), ("Nhật", 2),
        ("Gia", 2), ("Tuấn", 2),
    )
)  # fmt: skip
_MIDDLE_FEMALE = pool(
    (
        ("Thị", 40), ("Ngọc", 6), ("Thu", 5), ("Thanh", 5), ("Kim", 4), ("Hồng", 4),
        ("Mỹ", 3), ("Bích", 3), ("Phương", 3), ("Minh", 3), ("Thùy", 3), ("Diệu", 2),
        ("Hoài", 2), ("Khánh", 2), ("Bảo", 2),
    )
)  # fmt: skip
_SECOND_MIDDLE_FEMALE = tuple(
    nfc(w) for w in ("Thu", "Ngọc", "Hồng", "Kim", "Bích", "Thanh", "Mỹ", "Lan")
)
_GIVEN_MALE = tuple(
    nfc(w)
    for w in (
        "An Bảo Bình Cường Dũng Duy Đạt Định Hải Hiếu Hòa Hùng Huy Hưng Khang Khánh Khoa "
        "Kiên Lâm Lộc Long Lực Mạnh Minh Nam Nghĩa Nhân Phát Phong Phúc Phước Quân Quang "
        "Sang Sơn Tài Tâm Tân Thái Thắng Thành Thiện Thịnh Thông Tiến Toàn Trí Trung Tuấn "
        "Tùng Việt Vinh Vũ Hoàng Hậu Lợi Nhật Tú Hào Kha Tín Hiển Nguyên"
    ).split()
)
_GIVEN_FEMALE = tuple(
    nfc(w)
    for w in (
        "Anh Ánh Châu Chi Diệp Diệu Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huyền "
        "Hương Lan Liên Linh Loan Ly Mai My Nga Ngân Ngọc Nhi Nhung Oanh Phương Phượng "
        "Quyên Quỳnh Sương Tâm Thảo Thoa Thu Thủy Thư Trang Trâm Trinh Tuyết Uyên Vân Vy "
        "Xuân Yến"
    ).split()
)
_RAGLAI_SURNAMES = tuple(nfc(w) for w in ("Mấu", "Pi Năng", "Katơr", "Bo Bo", "Chamaléa"))
_CHAM_SURNAMES = tuple(nfc(w) for w in ("Đàng", "Thuận", "Quảng", "Thiên", "Hán", "Phú"))
_CHAM_MIDDLE_MALE = tuple(nfc(w) for w in ("Văn", "Năng", "Đại", "Sanh"))
_HOA_SURNAMES = tuple(nfc(w) for w in ("Lâm", "Lý", "Trương", "Quách", "Hứa", "Mạc"))

RELIGIONS = {
    "Kinh": pool(
        (("Không", 78), ("Phật giáo", 13), ("Công giáo", 7), ("Tin lành", 1), ("Cao Đài", 1))
    ),
    "Hoa": pool((("Không", 60), ("Phật giáo", 40))),
    "Raglai": pool((("Không", 85), ("Tin lành", 10), ("Công giáo", 5))),
    "Chăm": pool((("Bà-la-môn", 60), ("Hồi giáo", 30), ("Không", 10))),
}

# Province codes of birth registration (CCCD digits 1–3) and the home town they imply.
HOME = {
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "054": "Phú Yên",
    "052": "Bình Định",
    "051": "Quảng Ngãi",
    "049": "Quảng Nam",
    "040": "Nghệ An",
    "038": "Thanh Hóa",
    "042": "Hà Tĩnh",
    "001": "Hà Nội",
    "079": "TP Hồ Chí Minh",
    "066": "Đắk Lắk",
}
BORN_ELSEWHERE = ("054", "052", "051", "049", "040", "038", "042", "001", "079", "066")


class People:
    """Names, CCCDs and the rest of a person's identity; CCCDs never repeat."""

    def __init__(self, extra_male: tuple[str, ...] = (), extra_female: tuple[str, ...] = ()):
        self.given = {"Nam": _GIVEN_MALE + extra_male, "Nữ": _GIVEN_FEMALE + extra_female}
        self.used_cccd: set[str] = set()

    def name(self, rng: random.Random, sex: str, ethnicity: str = "Kinh") -> str:
        female = sex == "Nữ"
        given = pick(rng, self.given[sex])
        if ethnicity == "Raglai":
            return f"{pick(rng, _RAGLAI_SURNAMES)} {'Thị' if female else 'Văn'} {given}"
        if ethnicity == "Chăm":
            middle = "Thị" if female else pick(rng, _CHAM_MIDDLE_MALE)
            return f"{pick(rng, _CHAM_SURNAMES)} {middle} {given}"
        surname = pick(rng, _HOA_SURNAMES if ethnicity == "Hoa" else _SURNAMES)
        middle = pick(rng, _MIDDLE_FEMALE if female else _MIDDLE_MALE)
        while middle == given:  # no "Minh Minh"
            middle = pick(rng, _MIDDLE_FEMALE if female else _MIDDLE_MALE)
        if middle == "Thị" and rng.random() < 0.2:
            second = pick(rng, _SECOND_MIDDLE_FEMALE)
            middle = f"Thị {second}" if second != given else middle
        return f"{surname} {middle} {given}"

    def cccd(self, rng: random.Random, province: str, sex: str, year: int) -> str:
        # Digit 4: century and sex (0/1 for 1900s, 2/3 for 2000s; odd = female).
        head = f"{province}{(year // 100 - 19) * 2 + (sex == 'Nữ')}{year % 100:02d}"
        while True:
            value = f"{head}{int(rng.random() * 1_000_000):06d}"
            if value not in self.used_cccd:
                self.used_cccd.add(value)
                return value


def draw_ethnicity(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    for ethnicity, share in mix:
        if r < share:
            return ethnicity
        r -= share
    return "Kinh"


FIRMS = tuple(
    nfc(w)
    for w in (
        "May Cam Ranh",
        "Thủy sản Hải Vương",
        "Xây dựng Hòa Phát Khánh Hòa",
        "Chế biến Hạt điều Phước Sơn",
        "Vận tải Biển Xanh",
        "Gỗ Nội thất Tân Phú",
        "Yến sào Hòn Nội",
        "Muối Hòn Khói",
        "Nông sản Sông Cái",
        "Du lịch Vịnh Vân Phong",
    )
)


@dataclass
class Person:
    full_name: str
    sex: str
    birth: date
    cccd: str
    ethnicity: str
    religion: str
    home_town: str
