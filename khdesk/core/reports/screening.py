"""The screening list (Chỉ thị 28-CT/TW): members the SCREEN_* rules list, for the cell
to consider and propose and the competent committee to decide (`khdesk report
screening`). The rules read the yearly records (`Theo dõi đảng viên`), never the ratings.

The PDF has one row per member (a member may be listed by two rules); the workbook is
tidy, one row per finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, or_, select

from khdesk.core.domain import rules
from khdesk.core.domain.rulebook import RulebookSet
from khdesk.core.reports.stats_export import add_sheet, fmt_day, letterhead_for, signature_for
from khdesk.core.store import schema as t
from khdesk.core.store.engine import as_date, raw_rows
from khdesk.core.text import name_sort_key

__all__ = [
    "RULE_LABELS",
    "ScreeningList",
    "ScreeningRow",
    "screening_pdf",
    "screening_rows",
    "write_screening_xlsx",
]

RULE_LABELS = {
    "SCREEN_ABSENT": "Bỏ sinh hoạt đảng, không đóng đảng phí",
    "SCREEN_DECLINE": "Giảm sút ý chí, không tiến bộ",
    "SCREEN_VIOLATION_2Y": "Vi phạm tư cách đảng viên hai năm liền",
}
_RULE_ORDER = {rule: i for i, rule in enumerate(RULE_LABELS)}


@dataclass(frozen=True)
class ScreeningRow:
    """One finding about one member."""

    member_code: str
    full_name: str
    org_code: str
    org_name: str
    rule: str
    message: str
    legal_basis: str

    @property
    def rule_label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule)


@dataclass
class ScreeningList:
    year: int
    on: date  # the day the rules judged (the year's last day, or today)
    org_name: str
    level: str
    upper_name: str | None
    rows: list[ScreeningRow]

    @property
    def members(self) -> list[list[ScreeningRow]]:
        """The rows grouped by member, in list order."""
        groups: dict[str, list[ScreeningRow]] = {}
        for row in self.rows:
            groups.setdefault(row.member_code, []).append(row)
        return list(groups.values())

    def counts(self) -> dict[str, int]:
        out = {rule: 0 for rule in RULE_LABELS}
        for row in self.rows:
            out[row.rule] = out.get(row.rule, 0) + 1
        return out


def screening_rows(conn: Connection, on: date, rulebooks: RulebookSet) -> list[ScreeningRow]:
    """The SCREEN_* findings on `on`, read from the members with a marked yearly record
    (a record with nothing marked lists no one)."""
    r, m = t.member_records.c, t.members.c
    marked = or_(r.months_absent > 0, r.months_unpaid > 0, r.violated.is_(True))
    marked = or_(marked, r.declining.is_(True))
    query = select(
        r.member_code, r.year, r.months_absent, r.months_unpaid, r.violated, r.declining
    ).where(r.deleted.is_(False), r.year <= on.year, marked)
    years = [
        rules.MemberYear(code, year, absent or 0, unpaid or 0, bool(violated), bool(declining))
        for code, year, absent, unpaid, violated, declining in raw_rows(conn, query)
    ]
    codes = sorted({y.member_code for y in years})
    members: dict[str, rules.MemberFacts] = {}
    for i in range(0, len(codes), 500):  # bounded IN lists
        chunk = codes[i : i + 500]
        query = select(
            m.member_code, m.full_name, m.status, m.admitted_on, m.official_on, m.org_code
        ).where(m.deleted.is_(False), m.member_code.in_(chunk))
        for code, name, status, admitted, official, org in raw_rows(conn, query):
            members[code] = rules.MemberFacts(
                code, name, status, as_date(admitted), as_date(official), org
            )
    query = select(t.orgs.c.code, t.orgs.c.name).where(t.orgs.c.deleted.is_(False))
    names: dict[str, str] = {code: name for code, name in conn.execute(query)}
    found = rules.screen_members(members.values(), years, on, rulebooks)
    rows = []
    for f in found:
        member = members[f.subject]
        org = member.org_code or ""
        rows.append(
            ScreeningRow(
                member.member_code or "",
                member.full_name,
                org,
                names.get(org, org),
                f.rule,
                f.message,
                f.legal_basis,
            )
        )
    rows.sort(key=lambda x: (x.org_code, name_sort_key(x.full_name), _RULE_ORDER.get(x.rule, 9)))
    return rows


# -- output -----------------------------------------------------------------------------------


def screening_pdf(
    listing: ScreeningList, values: Mapping[str, Any] | None = None, *, invariant: bool = False
) -> bytes:
    # reportlab (~0.1 s) loads only when a PDF is made, not with the statistics
    from khdesk.core.reports.pdf import PdfDocument

    doc = PdfDocument(
        title=f"Danh sách đảng viên cần xem xét năm {listing.year}",
        subject=listing.org_name,
        landscape_page=True,
    )
    doc.header(
        letterhead_for(
            listing.org_name, listing.level, listing.upper_name, listing.on, values, doc_type=None
        )
    )
    doc.title(
        "DANH SÁCH",
        f"đảng viên cần xem xét, đề nghị sàng lọc theo Chỉ thị 28-CT/TW năm {listing.year}",
    )
    doc.paragraph(
        "Lập từ sổ theo dõi đảng viên (số tháng bỏ sinh hoạt đảng, số tháng không đóng đảng "
        "phí, vi phạm tư cách đảng viên, giảm sút ý chí) đến ngày "
        f"{fmt_day(listing.on)}. Chi bộ xem xét từng trường hợp (lý do chính đáng, kết quả "
        "giáo dục, giúp đỡ), đề xuất; cấp có thẩm quyền quyết định."
    )
    groups = listing.members
    if not groups:
        doc.paragraph("Không có đảng viên nào thuộc diện xem xét.", "italic")
    else:
        rows: list[list[str]] = [
            [
                "TT",
                "Họ và tên",
                "Mã đảng viên",
                "Chi bộ",
                "Trường hợp",
                "Nội dung",
                "Đề xuất của chi bộ",
            ]
        ]
        for i, group in enumerate(groups, 1):
            first = group[0]
            rows.append(
                [
                    str(i),
                    first.full_name,
                    first.member_code,
                    first.org_name,
                    "; ".join(r.rule_label for r in group),
                    "\n".join(r.message for r in group),
                    "",
                ]
            )
        doc.table(
            rows,
            widths=[9, 38, 28, 35, 35, None, 30],
            align=["centre", "left", "left", "left", "left", "left", "left"],
            size=10,
        )
        counts = listing.counts()
        doc.paragraph(
            f"Tổng số: {len(groups)} đảng viên ("
            + "; ".join(f"{RULE_LABELS[k].lower()}: {n}" for k, n in counts.items())
            + ").",
            "plain",
        )
    signature, recipients = signature_for(listing.level, values)
    doc.signing(signature, recipients)
    return doc.build(invariant=invariant)


def screening_table(listing: ScreeningList) -> list[list[Any]]:
    """The tidy table: one row per finding."""
    rows: list[list[Any]] = [
        [
            "TT",
            "Mã đảng viên",
            "Họ và tên",
            "Mã chi bộ",
            "Chi bộ",
            "Quy tắc",
            "Trường hợp",
            "Nội dung",
            "Căn cứ",
            "Đề xuất của chi bộ",
        ]
    ]
    for i, r in enumerate(listing.rows, 1):
        rows.append(
            [
                i,
                r.member_code,
                r.full_name,
                r.org_code,
                r.org_name,
                r.rule,
                r.rule_label,
                r.message,
                r.legal_basis,
                None,
            ]
        )
    return rows


def write_screening_xlsx(listing: ScreeningList, path: Path | Any) -> None:
    # openpyxl (~0.1 s) loads only when a sheet is read or written, not with the core
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    widths = {1: 6, 2: 18, 3: 28, 4: 14, 5: 34, 6: 22, 7: 34, 8: 80, 9: 14, 10: 24}
    add_sheet(wb, "Danh sách", screening_table(listing), widths)
    info: Sequence[Sequence[Any]] = [
        ["Mục", "Giá trị"],
        ["Đơn vị", listing.org_name],
        ["Năm", listing.year],
        ["Tính đến ngày", listing.on],
        ["Số đảng viên", len(listing.members)],
        *[[RULE_LABELS[k], n] for k, n in listing.counts().items()],
    ]
    add_sheet(wb, "Thông tin", info, {1: 40, 2: 40})
    wb.save(path)
