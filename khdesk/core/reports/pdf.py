"""The party-document page in ReportLab: fonts, A4 page, the shared header, the title,
body paragraphs, dotted blanks, tables that split over pages, the signing block.

Every printed thing (the …-KNĐ forms, the register, the due list, statistics, the annual
report) builds on this module, so the layout rules of Hướng dẫn 36-HD/VPTW live in one
place. Sizes and margins come from `resources/forms/layout.json` so an office can correct
them without a code change.

Typical use::

    doc = PdfDocument(title="Nghị quyết …")
    doc.header(Header(upper_body="ĐẢNG BỘ XÃ CAM HẢI TÂY", issuer="CHI BỘ THÔN 1",
                      number="Số 05-NQ/CB", place="Cam Hải Tây", on=date(2026, 2, 5)))
    doc.title("NGHỊ QUYẾT", "đề nghị kết nạp đảng viên")
    doc.paragraph("Căn cứ Điều 4, Điều lệ Đảng …")
    doc.table([["TT", "Họ và tên"], ["1", "Nguyễn Văn An"]], widths=[15, None])
    doc.signing(Signature("T/M CHI BỘ", "BÍ THƯ", "Trần Thị Bình"),
                recipients=["Đảng ủy xã (để báo cáo)", "Lưu chi bộ"])
    pdf_bytes = doc.build()

Text passed to `paragraph`, `table` cells and the header is plain text: it is escaped
here. Use `markup=True` for ReportLab mini-markup (`<b>`, `<i>`).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from khdesk.core.resources import resource_path

__all__ = [
    "BLANK",
    "FONT",
    "FONT_BOLD",
    "FONT_BOLD_ITALIC",
    "FONT_ITALIC",
    "Header",
    "Layout",
    "PdfDocument",
    "Signature",
    "blank",
    "date_line",
    "data_table",
    "dotted_line",
    "encrypted",
    "esc",
    "fmt_date",
    "header_block",
    "layout",
    "number_line",
    "para",
    "register_fonts",
    "signing_block",
    "style",
    "title_block",
]

# Registered names of the shipped Liberation Serif (Times New Roman's metrics, full
# Vietnamese coverage, SIL OFL): embedded as TrueType subsets in every PDF.
FONT = "KhSerif"
FONT_BOLD = "KhSerif-Bold"
FONT_ITALIC = "KhSerif-Italic"
FONT_BOLD_ITALIC = "KhSerif-BoldItalic"
_FONT_FILES = {
    FONT: "LiberationSerif-Regular.ttf",
    FONT_BOLD: "LiberationSerif-Bold.ttf",
    FONT_ITALIC: "LiberationSerif-Italic.ttf",
    FONT_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}

# One dot leader unit for blanks. The ellipsis keeps its three dots on the baseline in
# Times-like faces and is what offices type by hand on these forms.
BLANK = "…"

_font_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register the shipped serif with ReportLab (once per process; thread-safe)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _font_lock:
        if _fonts_ready:
            return
        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", filename))))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
        )
        # Binary (deflated) page streams: no ASCII85 layer, which in pure Python costs a
        # tenth of a 200-page register's time and makes the file a quarter larger.
        rl_config.useA85 = 0
        _fonts_ready = True


# -- encryption ------------------------------------------------------------------------------

# The user password of the PDFs built in this context (a file of personal data saved to a
# USB stick). A context variable rather than a parameter of every render function: each
# export service sets it around its rendering, and it never leaks to another thread.
_password: ContextVar[str | None] = ContextVar("khdesk_pdf_password", default=None)


@contextmanager
def encrypted(password: str | None) -> Iterator[None]:
    """Every PDF built inside opens only with `password` (None or "": not encrypted)."""
    token = _password.set(password or None)
    try:
        yield
    finally:
        _password.reset(token)


def _encryption(password: str | None) -> Any:
    if not password:
        return None

    try:  # AES-256 needs the pyaes package; without it, 128-bit RC4 (what PDF 1.4 readers open)
        return StandardEncryption(password, strength=256)
    except ValueError:
        return StandardEncryption(password, strength=128)


# -- layout (resources/forms/layout.json) --------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Page and type sizes of the party-document format (millimetres and points)."""

    margin_top: float = 20
    margin_bottom: float = 20
    margin_left: float = 30
    margin_right: float = 15
    header_left_width: float = 75  # the issuer column; the rest is the party column
    body_size: float = 14
    body_leading: float = 18
    first_line_indent: float = 10  # mm
    header_size: float = 14
    party_size: float = 15
    doc_type_size: float = 16
    summary_size: float = 14
    table_size: float = 11
    recipients_size: float = 12
    signature_space: float = 22  # mm left blank for the signature (and the seal)
    page_numbers: bool = True  # from page 2, top centre (36-HD/VPTW)

    @property
    def margins(self) -> tuple[float, float, float, float]:
        """(top, bottom, left, right) in points."""
        return (
            self.margin_top * mm,
            self.margin_bottom * mm,
            self.margin_left * mm,
            self.margin_right * mm,
        )


@lru_cache(maxsize=1)
def layout() -> Layout:
    """The shipped layout, `resources/forms/layout.json`; the defaults where it is silent."""
    path = resource_path("forms", "layout.json")
    if not path.exists():
        return Layout()
    data = json.loads(path.read_text(encoding="utf-8"))
    known = set(Layout.__dataclass_fields__)
    return Layout(**{k: v for k, v in data.get("page", {}).items() if k in known})


# -- text helpers ---------------------------------------------------------------------------


def esc(text: Any) -> str:
    """Plain text → ReportLab paragraph markup; newlines become line breaks."""
    return escape("" if text is None else str(text)).replace("\n", "<br/>")


def blank(n: int = 10) -> str:
    """A dotted blank of `n` leader units, for a value the record does not carry."""
    return BLANK * max(1, n)


def fmt_date(on: date | None, blank_units: int = 6) -> str:
    """dd/mm/yyyy, or a dotted blank."""
    return on.strftime("%d/%m/%Y") if on else blank(blank_units)


def date_line(place: str | None, on: date | None) -> str:
    """`Cam Hải Tây, ngày 05 tháng 02 năm 2026` (FORMS.md): days below 10 and the months 1
    and 2 are padded with a zero; unknown parts print as dotted blanks."""
    where = place or blank(6)
    if on is None:
        return f"{where}, ngày {blank(2)} tháng {blank(2)} năm 20{blank(1)}"
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return f"{where}, ngày {on.day:02d} tháng {month} năm {on.year}"


# -- styles -------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def style(
    name: str = "body",
    *,
    size: float | None = None,
    align: str | None = None,
    leading: float | None = None,
) -> ParagraphStyle:
    """A paragraph style by role (cached). Roles: body (justified, first-line indent),
    form (left, first-line indent: text with blanks to fill), plain (left, no indent),
    centre, right, bold, heading (bold, kept with what follows), bold_centre, italic,
    doc_type, summary, upper_body, issuer, party, date, number, cell, cell_bold,
    cell_centre, small, recipients, recipients_head, sign_role, sign_name, page_number.
    `size` / `align` / `leading` override the role's."""
    register_fonts()
    lay = layout()
    body = lay.body_size

    def centred(font: str, size: float, ratio: float = 1.2) -> dict[str, Any]:
        return dict(fontName=font, fontSize=size, leading=size * ratio, alignment=TA_CENTER)

    roles: dict[str, dict[str, Any]] = {
        "body": dict(
            fontName=FONT,
            fontSize=body,
            leading=lay.body_leading,
            alignment=TA_JUSTIFY,
            firstLineIndent=lay.first_line_indent * mm,
            spaceAfter=3,
        ),
        "plain": dict(fontName=FONT, fontSize=body, leading=lay.body_leading, spaceAfter=3),
        # A paragraph with blanks to fill by hand: justifying it would stretch the words
        # before a dotted run that wrapped.
        "form": dict(
            fontName=FONT,
            fontSize=body,
            leading=lay.body_leading,
            firstLineIndent=lay.first_line_indent * mm,
            spaceAfter=3,
        ),
        "centre": dict(fontName=FONT, fontSize=body, leading=lay.body_leading, alignment=TA_CENTER),
        "right": dict(fontName=FONT, fontSize=body, leading=lay.body_leading, alignment=TA_RIGHT),
        "bold": dict(fontName=FONT_BOLD, fontSize=body, leading=lay.body_leading, spaceAfter=3),
        "heading": dict(
            fontName=FONT_BOLD,
            fontSize=body,
            leading=lay.body_leading,
            spaceBefore=2,
            spaceAfter=2,
            keepWithNext=1,
        ),
        "bold_centre": dict(
            fontName=FONT_BOLD,
            fontSize=body,
            leading=lay.body_leading,
            alignment=TA_CENTER,
            spaceAfter=3,
        ),
        "italic": dict(fontName=FONT_ITALIC, fontSize=body, leading=lay.body_leading),
        "doc_type": centred(FONT_BOLD, lay.doc_type_size, 1.25),
        "summary": centred(FONT_BOLD, lay.summary_size, 1.25),
        "upper_body": centred(FONT, lay.header_size),
        "issuer": centred(FONT_BOLD, lay.header_size),
        "party": centred(FONT_BOLD, lay.party_size),
        "date": centred(FONT_ITALIC, lay.header_size),
        "number": centred(FONT, lay.header_size),
        "cell": dict(fontName=FONT, fontSize=lay.table_size, leading=lay.table_size * 1.2),
        "cell_bold": centred(FONT_BOLD, lay.table_size),
        "cell_centre": centred(FONT, lay.table_size),
        "small": dict(
            fontName=FONT, fontSize=lay.recipients_size, leading=lay.recipients_size * 1.2
        ),
        # 36-HD/VPTW: "Nơi nhận:" as the body, underlined; the recipients 12 pt upright.
        "recipients_head": dict(fontName=FONT, fontSize=body, leading=body * 1.25),
        "recipients": dict(
            fontName=FONT,
            fontSize=lay.recipients_size,
            leading=lay.recipients_size * 1.25,
            leftIndent=7,  # a wrapped recipient hangs under its text, not under the dash
            firstLineIndent=-7,
        ),
        "sign_role": centred(FONT_BOLD, body),
        "sign_name": centred(FONT_BOLD, body),
        "page_number": dict(fontName=FONT, fontSize=lay.recipients_size, alignment=TA_CENTER),
    }
    if name not in roles:
        raise KeyError(f"unknown paragraph style {name!r}")
    attrs = dict(roles[name])
    # ReportLab lets spaces shrink by 5 % to fit a word in; an unjustified line (a heading,
    # a paragraph's last line) then runs past the right margin.
    attrs["spaceShrinkage"] = 0
    if size is not None:
        attrs["fontSize"] = size
        attrs["leading"] = leading or size * 1.25
    if leading is not None:
        attrs["leading"] = leading
    if align is not None:
        attrs["alignment"] = {
            "left": TA_LEFT,
            "centre": TA_CENTER,
            "center": TA_CENTER,
            "right": TA_RIGHT,
            "justify": TA_JUSTIFY,
        }[align]
    return ParagraphStyle(f"kh-{name}-{size}-{align}-{leading}", **attrs)


def para(
    text: Any,
    role: str = "body",
    *,
    markup: bool = False,
    keep_with_next: bool = False,
    **overrides: Any,
) -> Paragraph:
    """A paragraph of plain text (escaped) or, with `markup=True`, of ReportLab markup.
    `keep_with_next` keeps a heading on the page of what follows it."""
    p = Paragraph(str(text) if markup else esc(text), style(role, **overrides))
    if keep_with_next:
        p.keepWithNext = True
    return p


def number_line(doc_no: str | None, doc_type: str, suffix: str | None) -> str:
    """The header's number: "Số 05-NQ/CB", or "Số ……-NQ/CB" to fill by hand."""
    if doc_no:
        return f"Số {doc_no}"
    return f"Số {blank(3)}-{doc_type}/{suffix or blank(2)}"


class _DottedLine(Flowable):
    """A line of dot leaders across the available width: room to write by hand."""

    def __init__(self, size: float, leading: float):
        super().__init__()
        self.size = size
        self.leading = leading
        self.text = ""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        unit = pdfmetrics.stringWidth(BLANK, FONT, self.size)
        self.text = BLANK * int(avail_width // unit)
        self.width = avail_width
        return avail_width, self.leading

    def draw(self) -> None:
        self.canv.setFont(FONT, self.size)
        self.canv.drawString(0, self.leading - self.size, self.text)


def dotted_line(count: int = 1) -> list[Flowable]:
    """`count` full-width dotted lines, where a blank paragraph is to be written by hand."""
    register_fonts()
    lay = layout()
    return [_DottedLine(lay.body_size, lay.body_leading) for _ in range(max(1, count))]


# -- the header, the title, the signing block --------------------------------------------


@dataclass(frozen=True)
class Header:
    """The shared header of a party document (FORMS.md "The header every form shares").

    `number` is printed as given (e.g. "Số 05-NQ/CB", or `number_line(None, "NQ", "CB")`
    for a blank to fill by hand); None leaves the line out (registers, lists). `on` None
    prints a dotted date line. `issuer` may hold a newline to force a break."""

    issuer: str
    upper_body: str | None = None
    number: str | None = None
    place: str | None = None
    on: date | None = None
    party: str = "ĐẢNG CỘNG SẢN VIỆT NAM"


def _fit(text: str, font: str, size: float, width: float, floor: float) -> float:
    """The largest size ≤ `size` (down to `floor`) at which `text` fits on one line."""
    while size > floor and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


_KEEP_TOGETHER = frozenset(
    {
        "CHI BỘ",
        "ĐẢNG ỦY",
        "ĐẢNG BỘ",
        "TỔ DÂN",
        "DÂN PHỐ",
        "BAN THƯỜNG",
        "THƯỜNG VỤ",
        "CÔNG TY",
        "ĐẶC KHU",
        "BỘ PHẬN",
    }
)


def _balanced(text: str, font: str, size: float, width: float, floor: float) -> tuple[str, float]:
    """A header name as markup that fits `width`: one line (shrunk to `floor` at most),
    else two lines of about equal length — never a lone last word."""
    single = _fit(text, font, size, width, floor)
    if pdfmetrics.stringWidth(text, font, single) <= width:
        return esc(text), single
    words = text.split()
    best: tuple[bool, float, int] | None = None
    for i in range(1, len(words)):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        longest = max(pdfmetrics.stringWidth(x, font, size) for x in (a, b))
        # Words that belong together ("CHI BỘ", "TỔ DÂN PHỐ") and a two-word place name
        # at the end are not broken when another break will do.
        joined = f"{words[i - 1]} {words[i]}".upper() in _KEEP_TOGETHER or i == len(words) - 1
        key = (joined, longest, i)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is None:  # one long word: let the paragraph wrap it
        return esc(text), size
    i = best[2]
    lines = [" ".join(words[:i]), " ".join(words[i:])]
    fitted = min(_fit(x, font, size, width, floor) for x in lines)
    return "<br/>".join(esc(x) for x in lines), fitted


def header_block(header: Header, width: float) -> Table:
    """The two-column header as a table spanning `width` points."""
    lay = layout()
    left = min(lay.header_left_width * mm, width * 0.5)
    right = width - left
    pad = 2  # points between the columns' text and their edges
    party_size = _fit(header.party, FONT_BOLD, lay.party_size, right - 2 * pad, 12)
    rule_width = pdfmetrics.stringWidth(header.party, FONT_BOLD, party_size)
    date_text = date_line(header.place, header.on)
    date_size = _fit(date_text, FONT_ITALIC, lay.header_size, right - 2 * pad, 11)
    inner = left - 2 * pad
    left_cells: list[Flowable] = []
    if header.upper_body:
        text, size = _balanced(header.upper_body.upper(), FONT, lay.header_size, inner, 13)
        left_cells.append(Paragraph(text, style("upper_body", size=size, leading=size * 1.2)))
    text, size = _balanced(header.issuer.upper(), FONT_BOLD, lay.header_size, inner, 13)
    left_cells.append(Paragraph(text, style("issuer", size=size, leading=size * 1.2)))
    left_cells.append(para("*", "number"))
    if header.number:
        left_cells.append(para(header.number, "number"))
    right_cells: list[Flowable] = [
        para(header.party, "party", size=party_size, leading=party_size * 1.2),
        HRFlowable(
            width=rule_width,
            thickness=0.7,
            color=colors.black,
            spaceBefore=1,
            spaceAfter=0,
            hAlign="CENTER",
        ),
    ]
    # The date line sits on the number's row (bottom of the block), as on the printed forms.
    table = Table(
        [[left_cells, right_cells], ["", para(date_text, "date", size=date_size)]],
        colWidths=[left, right],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, lay.header_size),  # not Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),  # centres the rule, not only text
                ("SPAN", (0, 0), (0, 1)),
                ("VALIGN", (1, 1), (1, 1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def title_block(doc_type: str, summary: str | None = None) -> list[Flowable]:
    """The document type in bold capitals, the summary line in bold, a short rule."""
    out: list[Flowable] = [Spacer(1, 6 * mm), para(doc_type.upper(), "doc_type")]
    if summary:
        for line in summary.split("\n"):
            out.append(para(line, "summary"))
    out.append(
        HRFlowable(
            width=30 * mm,
            thickness=0.7,
            color=colors.black,
            spaceBefore=5,
            spaceAfter=10,
            hAlign="CENTER",
        )
    )
    return out


@dataclass(frozen=True)
class Signature:
    """`T/M CHI BỘ` / `BÍ THƯ` / the signer's name (bold). A blank name prints dotted."""

    on_behalf: str | None  # "T/M CHI BỘ", "T/M BAN THƯỜNG VỤ", or None for a person
    role: str | None  # "BÍ THƯ", "PHÓ BÍ THƯ"…
    name: str | None = None
    lines: tuple[str, ...] = field(default=())  # extra lines above (rare)


def signing_block(
    signature: Signature,
    recipients: Sequence[str] | None,
    width: float,
    *,
    recipients_title: str = "Nơi nhận:",
) -> KeepTogether:
    """Nơi nhận at the bottom left, the signing block at the right; kept on one page."""
    lay = layout()
    right_width = min(width * 0.5, 90 * mm)
    left_width = width - right_width
    sign: list[Flowable] = [para(x, "sign_role") for x in signature.lines]
    if signature.on_behalf:
        sign.append(para(signature.on_behalf.upper(), "sign_role"))
    if signature.role:
        sign.append(para(signature.role.upper(), "sign_role"))
    sign.append(Spacer(1, lay.signature_space * mm))
    sign.append(para(signature.name or blank(12), "sign_name"))
    left: list[Flowable] = []
    if recipients:
        left.append(Paragraph(f"<u>{esc(recipients_title)}</u>", style("recipients_head")))
        left.extend(para(f"- {r}", "recipients") for r in recipients)
    table = Table([[left, sign]], colWidths=[left_width, right_width], hAlign="LEFT")
    table.setStyle(TableStyle([*_sign_style(), ("TOPPADDING", (0, 0), (0, 0), 6)]))
    return KeepTogether([Spacer(1, 3 * mm), table])


def _sign_style() -> list[tuple]:
    """The borderless layout table of a signing block."""
    return [
        ("FONT", (0, 0), (-1, -1), FONT, layout().body_size),  # not Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]


def signers_block(left: Signature, right: Signature, width: float) -> KeepTogether:
    """Two people sign side by side (minutes: the secretary left, the chair right)."""
    lay = layout()

    def column(s: Signature) -> list[Flowable]:
        out = [para(x.upper(), "sign_role") for x in (s.on_behalf, s.role) if x]
        return [*out, Spacer(1, lay.signature_space * mm), para(s.name or blank(12), "sign_name")]

    table = Table([[column(left), column(right)]], colWidths=[width / 2] * 2, hAlign="LEFT")
    table.setStyle(TableStyle(_sign_style()))
    return KeepTogether([Spacer(1, 3 * mm), table])


_PAGED_ROWS = 60  # longer tables are laid out page by page (see _PagedTable)
# Style commands that change a row's height: then rows are measured by ReportLab.
_SIZE_COMMANDS = frozenset(
    {"FONT", "FONTSIZE", "SIZE", "LEADING", "TOPPADDING", "BOTTOMPADDING", "BOX"}
)

# -- tables ---------------------------------------------------------------------------------


def data_table(
    rows: Sequence[Sequence[Any]],
    width: float,
    widths: Sequence[float | None] | None = None,
    *,
    header_rows: int = 1,
    size: float | None = None,
    align: Sequence[str] | None = None,
    grid: bool = True,
    zebra: bool = False,
    spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    styles: Sequence[tuple] = (),
) -> Flowable:
    """A bordered table that splits over pages, repeating its `header_rows` on each.

    `widths` are millimetres; None columns share what is left (never wider than the
    frame). Cells are plain text (escaped; wrapped when too wide) or flowables. `align`
    per column: left / centre / right. `spans` are ReportLab SPAN corners ((col, row),
    (col, row)), e.g. a group heading over two columns; `styles` extra TableStyle
    commands (a bold total row: ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD))."""
    register_fonts()
    lay = layout()
    size = size or lay.table_size
    leading = size * 1.2
    ncols = max((len(r) for r in rows), default=0)
    widths = list(widths or [None] * ncols)
    widths += [None] * (ncols - len(widths))
    fixed = sum(w * mm for w in widths if w is not None)
    free = [i for i, w in enumerate(widths) if w is None]
    share = (width - fixed) / len(free) if free else 0
    col_widths = [w * mm if w is not None else share for w in widths]
    scale = width / sum(col_widths) if sum(col_widths) > width else 1.0
    col_widths = [w * scale for w in col_widths]
    pad = 3
    aligns = list(align or ["left"] * ncols)
    aligns += ["left"] * (ncols - len(aligns))
    room = [w - 2 * pad - 0.5 for w in col_widths]
    text_width = pdfmetrics.stringWidth
    fitted_cache: dict[tuple[str, int], str] = {}
    span_room = {  # a heading over several columns has their width to fill
        (a[0], a[1]): sum(col_widths[a[0] : b[0] + 1]) - 2 * pad - 0.5 for a, b in spans
    }
    data: list[list[Any]] = []
    for r, row in enumerate(rows):
        out_row: list[Any] = []
        for c in range(ncols):
            value = row[c] if c < len(row) else ""
            if isinstance(value, Flowable):
                out_row.append(value)
            elif r < header_rows:
                # Bold, centred by the style commands; split here: drawn as a string on
                # every page of a long register, a Paragraph would cost ten times more.
                text = "" if value is None else str(value)
                space = span_room.get((c, r), room[c])
                lines = [ln for p in text.split("\n") for ln in _split(p, size, space, FONT_BOLD)]
                out_row.append("\n".join(lines))
            else:
                # Plain text is broken into lines here and drawn as a string: many times
                # cheaper than a Paragraph, which matters for registers of thousands of rows.
                text = "" if value is None else str(value)
                if not text:
                    out_row.append(())  # drawn as nothing (an empty string is still drawn)
                    continue
                key = (text, c)
                fitted = fitted_cache.get(key)
                if fitted is None:  # registers repeat their home towns, cells, dates
                    fitted = text
                    if "\n" in text or text_width(text, FONT, size) > room[c]:
                        parts = text.split("\n")
                        fitted = "\n".join(ln for p in parts for ln in _split(p, size, room[c]))
                    fitted_cache[key] = fitted
                out_row.append(fitted)
        data.append(out_row)
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, size, leading),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for c, a in enumerate(aligns):
        if a in ("centre", "center", "right"):
            commands.append(
                ("ALIGN", (c, header_rows), (c, -1), "CENTER" if a != "right" else "RIGHT")
            )
    if header_rows:
        commands.append(("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, size, leading))
        commands.append(("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"))
        commands.append(("VALIGN", (0, 0), (-1, header_rows - 1), "MIDDLE"))
        commands.append(
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.Color(0.92, 0.92, 0.92))
        )
    if grid:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    if zebra:
        commands.append(
            (
                "ROWBACKGROUNDS",
                (0, header_rows),
                (-1, -1),
                [colors.white, colors.Color(0.97, 0.97, 0.97)],
            )
        )
    commands.extend(("SPAN", a, b) for a, b in spans)
    commands.extend(styles)
    if len(data) - header_rows > _PAGED_ROWS:
        uniform = not any(c[0] in _SIZE_COMMANDS for c in styles)
        line = (leading, 2 + 3) if uniform else None
        return _PagedTable(data, header_rows, col_widths, commands, line=line)
    table = LongTable(data, colWidths=col_widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _split(text: str, size: float, width: float, font: str = FONT) -> list[str]:
    """Lines of `text` no wider than `width` (a word longer than that stays whole)."""
    return simpleSplit(text, font, size, width) or [""]


def _remap(commands: Sequence[tuple], total: int, head: int, a: int, b: int) -> list[tuple]:
    """A table's style commands for the part made of its heading rows and rows a…b-1."""
    out: list[tuple] = []
    for cmd in commands:
        name, (sc, sr), (ec, er), *args = cmd
        if not isinstance(sr, int) or not isinstance(er, int):
            continue  # "splitfirst" and the like: no meaning in a part
        sr = sr if sr >= 0 else total + sr
        er = er if er >= 0 else total + er
        parts = []
        lo, hi = max(sr, 0), min(er, head - 1)
        if lo <= hi:
            parts.append((lo, hi, lo, hi))
        lo, hi = max(sr, a), min(er, b - 1)
        if lo <= hi:
            parts.append((lo, hi, head + lo - a, head + hi - a))
        for lo, hi, new_lo, new_hi in parts:
            if name == "SPAN" and (lo != sr or hi != er):
                continue  # a span cut by the page break is dropped
            extra = list(args)
            if name == "ROWBACKGROUNDS" and extra and extra[0]:
                shift = (lo - sr) % len(extra[0])  # keep the stripes' rhythm
                extra[0] = list(extra[0][shift:]) + list(extra[0][:shift])
            out.append((name, (sc, new_lo), (ec, new_hi), *extra))
    return out


class _PagedTable(Flowable):
    """A long table laid out one page at a time.

    ReportLab's own split re-measures every remaining row (and its spans) at each page
    break: quadratic, half a minute for a 3,000-row register. Here the rows are measured
    once, in slices; a page break only adds heights up and makes a one-page table with
    the heading rows on top."""

    _MEASURE_SLICE = 200

    def __init__(
        self,
        data: list[list[Any]],
        head: int,
        col_widths: list[float],
        commands: list[tuple],
        heights: list[float] | None = None,
        start: int | None = None,
        line: tuple[float, float] | None = None,
    ):
        super().__init__()
        self.line = line  # (leading, vertical padding) when every body cell uses them
        self.data = data
        self.head = head
        self.col_widths = col_widths
        self.commands = commands
        self.start = head if start is None else start
        self.width = sum(col_widths)
        self.hAlign = "LEFT"
        self.heights = heights if heights is not None else self._measure()

    def _part(self, a: int, b: int, heights: list[float] | None = None) -> Table:
        rows = self.data[: self.head] + self.data[a:b]
        if heights is None:
            heights = self.heights[: self.head] + self.heights[a:b]
        table = Table(rows, colWidths=self.col_widths, rowHeights=heights, hAlign="LEFT")
        table.setStyle(TableStyle(_remap(self.commands, len(self.data), self.head, a, b)))
        return table

    def _measure(self) -> list[float]:
        n = len(self.data)
        head = self._part(self.head, self.head, heights=[None] * self.head)
        head.wrap(self.width, 1e9)
        heights: list[float] = list(head._rowHeights)
        for a in range(self.head, n, self._MEASURE_SLICE):
            b = min(n, a + self._MEASURE_SLICE)
            rows = self.data[a:b]
            if self.line is not None and all(
                isinstance(v, str) or v == () for row in rows for v in row
            ):
                # Text only, in the table's one font: lines × leading + padding, as
                # ReportLab would find, without building a table to ask it.
                leading, padding = self.line
                heights.extend(
                    max((v.count("\n") + 1 if v else 0) for v in row) * leading + padding
                    for row in rows
                )
                continue
            part = self._part(a, b, heights=[None] * (self.head + b - a))
            part.wrap(self.width, 1e9)
            heights.extend(part._rowHeights[self.head :])
        return heights

    def _head_height(self) -> float:
        return sum(self.heights[: self.head])

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.height = self._head_height() + sum(self.heights[self.start :])
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room = avail_height - self._head_height()
        end, used = self.start, 0.0
        while end < len(self.data) and used + self.heights[end] <= room:
            used += self.heights[end]
            end += 1
        if end == self.start:
            if avail_height < 0.8 * layout_frame_height():
                return []  # not one row fits: the rest goes to the next page
            end += 1  # a row taller than a page: let it overflow rather than loop
        if end >= len(self.data):
            return [self._part(self.start, len(self.data))]
        rest = _PagedTable(self.data, self.head, self.col_widths, self.commands, self.heights, end)
        return [self._part(self.start, end), rest]

    def draw(self) -> None:
        table = self._part(self.start, len(self.data))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


def layout_frame_height() -> float:
    """The body frame's height on a landscape page: the smallest a page offers."""
    top, bottom, _, _ = layout().margins
    return landscape(A4)[1] - top - bottom


# -- the document ---------------------------------------------------------------------------


class PdfDocument:
    """A story of flowables on the party-document page, built into PDF bytes.

    `landscape=True` turns the A4 page (registers with many columns). `width` is the
    frame's width in points, for callers that build their own tables."""

    def __init__(
        self,
        *,
        title: str = "",
        subject: str = "",
        landscape_page: bool = False,
        page_numbers: bool | None = None,
        lay: Layout | None = None,
    ):
        register_fonts()
        self.layout = lay or layout()
        self.pagesize = landscape(A4) if landscape_page else A4
        top, bottom, left, right = self.layout.margins
        self.margins = (top, bottom, left, right)
        self.width = self.pagesize[0] - left - right
        self.height = self.pagesize[1] - top - bottom
        self.title_text = title
        self.subject = subject
        self.page_numbers = self.layout.page_numbers if page_numbers is None else page_numbers
        self.story: list[Flowable] = []

    # building blocks -------------------------------------------------------------------
    def add(self, *flowables: Flowable | Iterable[Flowable]) -> PdfDocument:
        for f in flowables:
            if isinstance(f, Flowable):
                self.story.append(f)
            else:
                self.story.extend(f)
        return self

    def header(self, header: Header) -> PdfDocument:
        return self.add(header_block(header, self.width))

    def title(self, doc_type: str, summary: str | None = None) -> PdfDocument:
        return self.add(title_block(doc_type, summary))

    def paragraph(
        self,
        text: Any,
        role: str = "body",
        *,
        markup: bool = False,
        keep_with_next: bool = False,
        **overrides: Any,
    ) -> PdfDocument:
        """A paragraph in a role of `style()`; see `para`."""
        return self.add(para(text, role, markup=markup, keep_with_next=keep_with_next, **overrides))

    def dotted(self, count: int = 1) -> PdfDocument:
        return self.add(dotted_line(count))

    def spacer(self, height_mm: float) -> PdfDocument:
        return self.add(Spacer(1, height_mm * mm))

    def keep_with_next(self, height_mm: float) -> PdfDocument:
        """Start a new page unless `height_mm` is left: keeps a heading with its table."""
        return self.add(CondPageBreak(height_mm * mm))

    def table(
        self,
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float | None] | None = None,
        **kwargs: Any,
    ) -> PdfDocument:
        """See `data_table`; the width is the frame's."""
        return self.add(data_table(rows, self.width, widths, **kwargs))

    def signing(self, signature: Signature, recipients: Sequence[str] | None = None) -> PdfDocument:
        """The signing block, kept on one page with the paragraph before it: a signature
        alone on a last page is what a reader stumbles on."""
        block = signing_block(signature, recipients, self.width)
        last = self.story[-1] if self.story else None
        if isinstance(last, Paragraph | _DottedLine):
            self.story[-1] = KeepTogether([last, *block._content])
            return self
        return self.add(block)

    # output --------------------------------------------------------------------------------
    def _decorate(self, canvas, doc) -> None:  # noqa: ANN001 - ReportLab callback
        if not self.page_numbers or doc.page < 2:
            return
        canvas.saveState()
        canvas.setFont(FONT, self.layout.recipients_size)
        top = self.margins[0]
        canvas.drawCentredString(
            self.margins[2] + self.width / 2, self.pagesize[1] - top * 0.6, str(doc.page)
        )
        canvas.restoreState()

    def build(self, *, invariant: bool = False) -> bytes:
        """The PDF. `invariant` fixes the creation date and ids (reproducible output)."""
        buffer = io.BytesIO()
        top, bottom, left, right = self.margins
        doc = BaseDocTemplate(
            buffer,
            pagesize=self.pagesize,
            topMargin=top,
            bottomMargin=bottom,
            leftMargin=left,
            rightMargin=right,
            title=self.title_text,
            subject=self.subject,
            author="khdesk",
            creator="khdesk",
            invariant=1 if invariant else 0,
            # Otherwise ReportLab references a non-embedded Helvetica on every page.
            initialFontName=FONT,
            initialFontSize=self.layout.body_size,
            encrypt=_encryption(_password.get()),
        )
        # No frame padding: the margins are the template's, to the millimetre.
        frame = Frame(
            left,
            bottom,
            self.width,
            self.height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])
        doc.build(list(self.story))
        return buffer.getvalue()
