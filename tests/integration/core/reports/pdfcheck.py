"""What the tests read back from a PDF: its text, page sizes, fonts and where text sits."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from khdesk.core.reports.pdf import FONT, FONT_BOLD, FONT_BOLD_ITALIC, FONT_ITALIC, register_fonts

A4 = (595.2756, 841.8898)
_FONTS = {
    "LiberationSerif": FONT,
    "LiberationSerif-Bold": FONT_BOLD,
    "LiberationSerif-Italic": FONT_ITALIC,
    "LiberationSerif-BoldItalic": FONT_BOLD_ITALIC,
}


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def text(data: bytes) -> str:
    """The whole text, NFC (asserted: the PDF's ToUnicode maps give composed letters)."""
    out = "\n".join(p.extract_text() or "" for p in reader(data).pages)
    assert unicodedata.is_normalized("NFC", out), "extracted text is not NFC"
    return out


def flat(data: bytes) -> str:
    """The text with line breaks and runs of spaces made single spaces (for phrases that
    a paragraph may wrap)."""
    return " ".join(text(data).split())


def sizes(data: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader(data).pages]


def fonts(data: bytes) -> dict[str, dict]:
    """Every font the pages use: base name → subtype, embedded file."""
    found = {}
    for page in reader(data).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found[str(font["/BaseFont"])] = {
                "subtype": str(font["/Subtype"]),
                "embedded": "/FontFile2" in descriptor,
            }
    return found


@dataclass
class Run:
    page: int
    x: float
    y: float
    x_end: float
    text: str


def runs(data: bytes) -> list[Run]:
    """Where each text run sits (points from the bottom left), its end estimated from the
    font's metrics (justified lines only ever fit better than that)."""
    register_fonts()
    out: list[Run] = []
    for n, page in enumerate(reader(data).pages):

        def visit(txt, cm, tm, font_dict, font_size, n=n):
            chunk = (txt or "").strip()
            if not chunk or font_dict is None:
                return
            a, b, c, d, e, f = tm
            ca, cb, cc, cd, ce, cf = cm
            x = e * ca + f * cc + ce
            y = e * cb + f * cd + cf
            scale = abs(a * ca + b * cc) or 1.0
            base = str(font_dict.get("/BaseFont", "")).lstrip("/").split("+")[-1]
            name = _FONTS.get(base, FONT)
            width = pdfmetrics.stringWidth(chunk, name, font_size) * scale
            out.append(Run(n, x, y, x + width, chunk))

        page.extract_text(visitor_text=visit)
    return out


def outside_margins(data: bytes, margins_mm=(20, 20, 30, 15), landscape=False) -> list[Run]:
    """Text runs outside the body frame; the page number (digits alone in the top
    margin) is where it belongs."""
    width, height = (A4[1], A4[0]) if landscape else A4
    top, bottom, left, right = (m * mm for m in margins_mm)
    tol = 1.0
    bad = []
    for r in runs(data):
        page_number = r.text.isdigit() and r.y > height - top
        if r.x < left - tol or r.x_end > width - right + tol:
            bad.append(r)
        elif not page_number and (r.y < bottom - tol or r.y > height - top + tol):
            bad.append(r)
    return bad
