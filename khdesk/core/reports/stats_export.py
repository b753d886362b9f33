"""The statistics for people: a Vietnamese text table (the terminal), an Excel workbook
(a tidy sheet per level: one row per unit, one column per indicator; and one per cell
kind) and a PDF on the party-document page. Also the letterhead every report of a profile
shares."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from khdesk.core.io.inert import xlsx_row
from khdesk.core.reports.stats import (
    GROUPS,
    INDICATOR_BY_KEY,
    INDICATORS,
    LEVEL_LABELS,
    LEVELS,
    KindStats,
    StatsResult,
    UnitStats,
)

__all__ = [
    "BY_KIND_TITLE",
    "COMPACT_KEYS",
    "fmt_number",
    "fmt_value",
    "letterhead",
    "letterhead_for",
    "signature_for",
    "stats_pdf",
    "stats_text",
    "write_stats_xlsx",
]

# The columns of a unit list where the whole row must fit a line or a portrait page.
COMPACT_KEYS = (
    "target",
    "admitted",
    "target_pct",
    "youth_pct",
    "women_pct",
    "ethnic_minority_pct",
    "private_pct",
    "source_pool",
)
COMPACT_HEADS = {
    "target": "Chỉ tiêu",
    "admitted": "Kết nạp",
    "target_pct": "% đạt",
    "youth_pct": "% TN",
    "women_pct": "% nữ",
    "ethnic_minority_pct": "% DTTS",
    "private_pct": "% tư nhân",
    "source_pool": "Nguồn",
}
_TEXT_CHILDREN_MAX = 120  # more than that (the province's cells): see the workbook

BY_KIND_TITLE = "Theo loại chi bộ"  # the text section, the sheet, the PDF table
BY_KIND_NOTE = (
    "Số liệu theo loại chi bộ cộng các chi bộ cùng loại; số liệu ghi ở đảng ủy xã, phường, "
    "đặc khu (không thuộc chi bộ nào) và chỉ tiêu chỉ giao cho đảng ủy không tính vào loại "
    "nào; các tỷ lệ tính lại từ số cộng."
)
NO_KIND = "(chưa ghi loại)"


def kind_label(group: KindStats) -> str:
    return group.kind or NO_KIND


def shows_by_kind(result: StatsResult) -> bool:
    """The cell-kind view belongs to a committee's or the province's figures: a cell
    profile's one group is the cell itself (its JSON still carries it)."""
    return result.level != "cell" and bool(result.by_cell_kind)


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """Vietnamese digits: 9.351 and 60,44 (dot for thousands, comma for decimals)."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def fmt_value(key: str, value: float | int | None) -> str:
    kind = INDICATOR_BY_KEY[key].kind
    if value is None:
        return "—"
    if kind == "pct":
        return fmt_number(value, 2)
    if kind == "average":
        return fmt_number(value, 1)
    return fmt_number(value)


def fmt_day(on: date) -> str:
    return on.strftime("%d/%m/%Y")


# -- the terminal ---------------------------------------------------------------------------


def stats_text(result: StatsResult) -> str:
    """`khdesk stats` without an output option: the profile's own unit in full, the units
    one level below as a compact table, the cells by kind (a committee, the province), the
    baseline comparison."""
    top = result.top
    lines = [
        f"THỐNG KÊ PHÁT TRIỂN ĐẢNG VIÊN — {top.org_name} ({top.org_code})",
        f"Phạm vi: {result.scope.label_vi} ({fmt_day(result.scope.start)}–"
        f"{fmt_day(result.scope.end)}); số liệu cuối kỳ tính đến ngày {fmt_day(result.as_of)}.",
    ]
    width = max(len(i.label) for i in INDICATORS) + 2
    group = None
    for ind in INDICATORS:
        if ind.group != group:
            group = ind.group
            lines += ["", GROUPS[group].upper()]
        lines.append(f"  {ind.label:<{width}} {fmt_value(ind.key, top[ind.key]):>10}")
    comparison = (result.baseline or {}).get("comparison") or {}
    if comparison:
        lines += ["", f"SO VỚI GIAI ĐOẠN {result.baseline['period'].replace('-', '–')}"]
        for key, c in comparison.items():
            label = INDICATOR_BY_KEY[key].label
            diff = c["difference"]
            sign = "+" if diff is not None and diff > 0 else ""
            lines.append(
                f"  {label:<{width}} {fmt_value(key, c['actual']):>10}  (mốc "
                f"{fmt_value(key, c['baseline'])}, chênh lệch {sign}{fmt_value(key, diff)})"
            )
    children = result.children(top.org_code)
    if children:
        level = children[0].level
        lines += ["", f"CÁC ĐƠN VỊ TRỰC THUỘC ({LEVEL_LABELS[level].lower()}: {len(children)})"]
        if len(children) > _TEXT_CHILDREN_MAX:
            lines.append("  Quá nhiều để in ra màn hình: dùng --xlsx TỆP để xem đủ.")
        else:
            heads = [COMPACT_HEADS[k] for k in COMPACT_KEYS]
            lines.append(f"  {'Mã':<14} {'Tên đơn vị':<34}" + "".join(f"{h:>10}" for h in heads))
            for u in children:
                name = u.org_name if len(u.org_name) <= 34 else u.org_name[:33] + "…"
                cells = "".join(f"{fmt_value(k, u[k]):>10}" for k in COMPACT_KEYS)
                lines.append(f"  {u.org_code:<14} {name:<34}{cells}")
    if shows_by_kind(result):
        groups = result.by_cell_kind
        lines += ["", f"{BY_KIND_TITLE.upper()} ({len(groups)} loại)"]
        heads = [COMPACT_HEADS[k] for k in COMPACT_KEYS]
        lines.append(f"  {'Loại chi bộ':<30} {'Số CB':>6}" + "".join(f"{h:>10}" for h in heads))
        for g in groups:
            cells = "".join(f"{fmt_value(k, g[k]):>10}" for k in COMPACT_KEYS)
            lines.append(f"  {kind_label(g):<30} {len(g.cells):>6}{cells}")
        lines += textwrap.wrap(BY_KIND_NOTE, 100, initial_indent="  ", subsequent_indent="  ")
    if result.baseline is None:
        lines += ["", "Chưa có số liệu mốc 2015–2020 (resources/stats/baseline-2015-2020.json)."]
    return "\n".join(lines)


# -- Excel ------------------------------------------------------------------------------------

UNIT_HEADS = ("Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên")


def level_rows(units: Sequence[UnitStats]) -> list[list[Any]]:
    """One level as a tidy table: the header, then a row per unit (values as numbers)."""
    rows: list[list[Any]] = [[*UNIT_HEADS, *(i.label for i in INDICATORS)]]
    for u in units:
        rows.append(
            [u.org_code, u.org_name, u.kind, u.parent_code, *(u[i.key] for i in INDICATORS)]
        )
    return rows


KIND_HEADS = ("Loại chi bộ", "Số chi bộ")


def kind_rows(groups: Sequence[KindStats]) -> list[list[Any]]:
    """The cell-kind groups as a tidy table: the header, then a row per kind."""
    rows: list[list[Any]] = [[*KIND_HEADS, *(i.label for i in INDICATORS)]]
    for g in groups:
        rows.append([kind_label(g), len(g.cells), *(g[i.key] for i in INDICATORS)])
    return rows


def add_sheet(wb: Any, title: str, rows: Sequence[Sequence[Any]], widths: dict[int, float]) -> Any:
    """A sheet with a bold, frozen, filterable header row. `wb` is a write-only workbook
    (`Workbook(write_only=True)`): the province's cell sheet has ≈100,000 cells."""
    # openpyxl (~0.1 s) loads only when a sheet is read or written, not with the core
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ncols = max((len(r) for r in rows), default=0)
    for col in range(1, ncols + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 14)
    ws.freeze_panes = "A2"
    if len(rows) > 1 and ncols:
        ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{len(rows)}"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows):
        if i == 0:
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=value)
                cell.font, cell.alignment = bold, wrap
                cells.append(cell)
            ws.append(cells)
        else:
            # Names from bundles: never a live formula. A report: never imported back.
            ws.append(xlsx_row(ws, row, round_trip=False))
    return ws


def info_rows(result: StatsResult) -> list[list[Any]]:
    top = result.top
    rows: list[list[Any]] = [
        ["Mục", "Giá trị"],
        ["Đơn vị", f"{top.org_name} ({top.org_code})"],
        ["Phạm vi", result.scope.label_vi],
        ["Từ ngày", result.scope.start],
        ["Đến ngày", result.scope.end],
        ["Số liệu cuối kỳ tính đến ngày", result.as_of],
        ["Định dạng (khdesk stats --json)", "format 1 — resources/stats/KEYS.md"],
    ]
    base = result.baseline
    if base:
        rows.append(["Số liệu mốc", f"{base.get('region')} {base.get('period')}"])
        rows.append(["Nguồn số liệu mốc", base.get("source")])
        rows.append(["Ghi chú số liệu mốc", base.get("notes")])
        for key, c in (base.get("comparison") or {}).items():
            label = INDICATOR_BY_KEY[key].label
            rows.append([f"{label} — mốc", c["baseline"]])
            rows.append([f"{label} — kỳ này", c["actual"]])
    return rows


def fill_stats_workbook(
    wb: Any, result: StatsResult, *, prefix: str = "", by_kind: bool = False
) -> None:
    """The level sheets, with `by_kind` the sheet of cell kinds (`khdesk stats --xlsx`;
    the annual report's workbook keeps its sheets), and the sheet of indicator keys."""
    widths = {1: 16, 2: 40, 3: 22, 4: 14}
    for level in LEVELS:
        units = result.level_units(level)
        if units:
            add_sheet(wb, f"{prefix}{LEVEL_LABELS[level]}", level_rows(units), widths)
    if by_kind and shows_by_kind(result):
        add_sheet(wb, f"{prefix}{BY_KIND_TITLE}", kind_rows(result.by_cell_kind), {1: 30, 2: 10})
    keys = [["Khóa (JSON)", "Chỉ số", "Loại số", "Nhóm", "Định nghĩa"]]
    keys += [[i.key, i.label, i.kind, GROUPS[i.group], i.definition] for i in INDICATORS]
    add_sheet(wb, "Chỉ số", keys, {1: 30, 2: 55, 3: 10, 4: 36, 5: 80})


def write_stats_xlsx(result: StatsResult, path: Path) -> None:
    # openpyxl (~0.1 s) loads only when a sheet is read or written, not with the core
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    add_sheet(wb, "Thông tin", info_rows(result), {1: 40, 2: 70})
    fill_stats_workbook(wb, result, by_kind=True)
    wb.save(path)


# -- the letterhead and the PDF ---------------------------------------------------------------

_COMMITTEE_PREFIXES = ("Đảng ủy xã ", "Đảng ủy phường ", "Đảng ủy đặc khu ", "Tỉnh ủy ")


def _place(name: str | None) -> str | None:
    """The place of the date line from a committee's name: "Cam Hải", "Khánh Hòa"."""
    for prefix in _COMMITTEE_PREFIXES:
        if name and name.startswith(prefix):
            return name.removeprefix(prefix)
    return None


def letterhead_for(
    org_name: str,
    level: str,
    upper_name: str | None,
    on: date,
    values: Mapping[str, Any] | None = None,
    doc_type: str | None = "BC",
) -> Any:
    """The header of a document the profile's organisation issues (FORMS.md): the upper
    body above, the issuer, a blank number (`Số ……-BC/ĐU`), the place and date. `values`
    are the profile's print settings and list header values (`own_upper_body`, `place`),
    which win over what the names give."""
    # reportlab (~0.1 s) loads only when a PDF is made (forms draws with it)
    from khdesk.core.reports.forms import party_body
    from khdesk.core.reports.pdf import Header, number_line

    values = values or {}
    upper = values.get("own_upper_body") or (
        None if level == "province" else party_body(upper_name)
    )
    place = values.get("place") or _place(org_name) or _place(upper_name)
    tail = {"cell": "CB", "commune": "ĐU", "province": "TU"}[level]
    return Header(
        issuer=org_name,
        upper_body=upper,
        number=number_line(None, doc_type, tail) if doc_type else None,
        place=place,
        on=on,
    )


def letterhead(result: StatsResult, on: date, values: Mapping[str, Any] | None = None) -> Any:
    return letterhead_for(result.top.org_name, result.level, result.upper_name, on, values)


def signature_for(level: str, values: Mapping[str, Any] | None = None) -> tuple[Any, list[str]]:
    """Who signs a report of this level, and where it goes (Nơi nhận). The print settings
    `signer` and `sign_role` fill in the name and the role."""
    # reportlab (~0.1 s) loads only when a PDF is made, not with the statistics
    from khdesk.core.reports.pdf import Signature

    values = values or {}
    name, role = values.get("signer"), values.get("sign_role") or "BÍ THƯ"
    if level == "cell":
        return Signature("T/M CHI BỘ", role, name), [
            "Đảng ủy cấp trên (để báo cáo)",
            "Lưu chi bộ",
        ]
    if level == "commune":
        return Signature("T/M ĐẢNG ỦY", role, name), [
            "Ban Tổ chức Tỉnh ủy (để báo cáo)",
            "Các chi bộ trực thuộc",
            "Lưu Văn phòng Đảng ủy",
        ]
    return Signature("T/M BAN THƯỜNG VỤ", role, name), [
        "Ban Tổ chức Trung ương (để báo cáo)",
        "Các đảng ủy trực thuộc",
        "Lưu Văn phòng Tỉnh ủy",
    ]


def _bold(text: str) -> Any:
    """A bold table cell (a group heading)."""
    # reportlab (~0.1 s) loads only when a PDF is made, not with the statistics
    from khdesk.core.reports.pdf import esc, para

    return para(f"<b>{esc(text)}</b>", "cell", markup=True)


def indicator_table_rows(
    columns: Sequence[tuple[str, UnitStats]], keys: Sequence[str] | None = None
) -> list[list[Any]]:
    """Rows `Chỉ số | value per column`, with a bold row per group heading."""
    rows: list[list[Any]] = [["Chỉ số", *(title for title, _ in columns)]]
    group = None
    wanted = set(keys) if keys is not None else None
    for ind in INDICATORS:
        if wanted is not None and ind.key not in wanted:
            continue
        if ind.group != group:
            group = ind.group
            rows.append([_bold(GROUPS[group].upper()), *("" for _ in columns)])
        rows.append([ind.label, *(fmt_value(ind.key, u[ind.key]) for _, u in columns)])
    return rows


def unit_table_rows(units: Sequence[UnitStats]) -> list[list[str]]:
    rows = [["TT", "Đơn vị", *(COMPACT_HEADS[k] for k in COMPACT_KEYS)]]
    for i, u in enumerate(units, 1):
        rows.append([str(i), u.org_name, *(fmt_value(k, u[k]) for k in COMPACT_KEYS)])
    return rows


def kind_table_rows(groups: Sequence[KindStats]) -> list[list[str]]:
    rows = [["TT", "Loại chi bộ", "Số chi bộ", *(COMPACT_HEADS[k] for k in COMPACT_KEYS)]]
    for i, g in enumerate(groups, 1):
        cells = (fmt_value(k, g[k]) for k in COMPACT_KEYS)
        rows.append([str(i), kind_label(g), fmt_number(len(g.cells)), *cells])
    return rows


def comparison_rows(result: StatsResult) -> list[list[str]]:
    comparison = (result.baseline or {}).get("comparison") or {}
    rows = [
        [
            "Chỉ số",
            f"Mốc {result.baseline['period'].replace('-', '–')}" if comparison else "Mốc",
            "Kỳ này",
            "Chênh lệch",
        ]
    ]
    for key, c in comparison.items():
        diff = c["difference"]
        sign = "+" if diff is not None and diff > 0 else ""
        rows.append(
            [
                INDICATOR_BY_KEY[key].label,
                fmt_value(key, c["baseline"]),
                fmt_value(key, c["actual"]),
                f"{sign}{fmt_value(key, diff)}",
            ]
        )
    return rows


def stats_pdf(
    result: StatsResult,
    on: date,
    values: Mapping[str, Any] | None = None,
    *,
    invariant: bool = False,
) -> bytes:
    """`khdesk stats --pdf`: the profile's own figures, the comparison with the baseline,
    the units one level below and (a committee, the province) the cells by kind, on the
    party-document page."""
    # reportlab (~0.1 s) loads only when a PDF is made, not with the statistics
    from khdesk.core.reports.pdf import PdfDocument

    top = result.top
    doc = PdfDocument(
        title=f"Thống kê phát triển đảng viên {result.scope.label_vi}",
        subject=top.org_name,
    )
    doc.header(letterhead(result, on, values))
    doc.title("BÁO CÁO", f"số liệu thống kê công tác phát triển đảng viên {result.scope.label_vi}")
    doc.paragraph(
        f"Số liệu của {top.org_name} từ ngày {fmt_day(result.scope.start)} đến ngày "
        f"{fmt_day(result.scope.end)}; các số liệu cuối kỳ tính đến ngày "
        f"{fmt_day(result.as_of)}. Tỷ lệ trong độ tuổi thanh niên tính theo tuổi (18–30) tại "
        "ngày quyết định kết nạp."
    )
    doc.table(
        indicator_table_rows([(result.scope.label_vi.capitalize(), top)]),
        widths=[120, None],
        align=["left", "right"],
    )
    if (result.baseline or {}).get("comparison"):
        doc.spacer(4).keep_with_next(40)
        doc.paragraph(
            f"So với giai đoạn {result.baseline['period'].replace('-', '–')} "
            f"({result.baseline.get('region')}):",
            "bold",
        )
        doc.table(
            comparison_rows(result),
            widths=[80, None, None, None],
            align=["left", "right", "right", "right"],
        )
        if result.baseline.get("notes"):
            doc.paragraph(result.baseline["notes"], "small")
    children = result.children(top.org_code)
    if children:
        doc.spacer(4).keep_with_next(40)
        doc.paragraph(f"Các đơn vị trực thuộc ({LEVEL_LABELS[children[0].level].lower()}):", "bold")
        doc.table(
            unit_table_rows(children),
            widths=[9, 50, *([None] * len(COMPACT_KEYS))],
            align=["centre", "left", *(["right"] * len(COMPACT_KEYS))],
            size=9,
        )
    if shows_by_kind(result):
        doc.spacer(4).keep_with_next(40)
        doc.paragraph(f"{BY_KIND_TITLE}:", "bold")
        doc.table(
            kind_table_rows(result.by_cell_kind),
            widths=[9, 41, 16, *([None] * len(COMPACT_KEYS))],
            align=["centre", "left", "right", *(["right"] * len(COMPACT_KEYS))],
            size=9,
        )
        doc.paragraph(BY_KIND_NOTE, "small")
    signature, recipients = signature_for(result.level, values)
    doc.signing(signature, recipients)
    return doc.build(invariant=invariant)
