"""The court-ready MG11 as a PDF (ReportLab), one PDF page per stored, signed page.

Page 1 carries the form's header (URN, statement of, age, occupation), the declaration with the page
count and its signature; every page carries its text, the maker's signature for that page with
the date, and "Page x of n". Signatures are drawn from their SVG paths with ReportLab's own path
primitives. A statement not yet sealed is marked as a draft on every page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.colors import black, HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from onbeat.core.time import uk
from onbeat.records.core.models import Record
from onbeat.records.core import signatures
from onbeat.records.statements import layout
from onbeat.records.statements.layout import FONT_SIZE, LEADING, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, TEXT_WIDTH
from onbeat.records.statements.models import DECLARATION, Statement, StatementSignature

RESTRICTED = "RESTRICTED (when complete)"
TITLE = "WITNESS STATEMENT"
AUTHORITY = "Criminal Procedure Rules, r. 27.2; Criminal Justice Act 1967, s. 9; Magistrates' Courts Act 1980, s.5B"
RIGHT = PAGE_WIDTH - MARGIN
GREY = HexColor("#555555")
SIG_W, SIG_H = 180, 28


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str


_fonts: Fonts | None = None


def fonts() -> Fonts:
    """Liberation Sans (Helvetica's metrics, wide glyph coverage) when installed, else Helvetica."""
    global _fonts
    if _fonts is None:
        try:
            pdfmetrics.registerFont(TTFont("MG11Sans", "LiberationSans-Regular.ttf"))
            pdfmetrics.registerFont(TTFont("MG11Sans-Bold", "LiberationSans-Bold.ttf"))
            _fonts = Fonts("MG11Sans", "MG11Sans-Bold")
        except (TTFError, OSError):
            _fonts = Fonts("Helvetica", "Helvetica-Bold")
    return _fonts


def _line(c: Canvas, x: float, y: float, text: str, font: str, size: float, max_width: float) -> None:
    """Draw one line, condensed if this font would run it past the column (it never should)."""
    t = c.beginText(x, y)
    t.setFont(font, size)
    wide = pdfmetrics.stringWidth(text, font, size)
    if wide > max_width:
        t.setHorizScale(100 * max_width / wide)
    t.textLine(text)
    c.drawText(t)


def _wrapped(c: Canvas, x: float, y: float, text: str, font: str, size: float, leading: float) -> float:
    """A paragraph wrapped to the column; returns the baseline after its last line."""
    words, current = text.split(), ""
    for word in words:
        if current and pdfmetrics.stringWidth(f"{current} {word}", font, size) > TEXT_WIDTH:
            _line(c, x, y, current, font, size, TEXT_WIDTH)
            y -= leading
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        _line(c, x, y, current, font, size, TEXT_WIDTH)
        y -= leading
    return y


def draw_signature(c: Canvas, svg: str, x: float, y: float, w: float, h: float) -> None:
    """The signature's SVG paths drawn in the box (x, y bottom left), keeping its proportions."""
    box_w, box_h, strokes = signatures.paths(svg)
    scale = min(w / box_w, h / box_h)
    ox, oy = x + (w - box_w * scale) / 2, y + (h - box_h * scale) / 2
    c.saveState()
    c.setStrokeColor(black)
    c.setLineWidth(max(0.6, signatures.STROKE_WIDTH * scale))
    c.setLineCap(1)
    c.setLineJoin(1)
    for points in strokes:
        path = c.beginPath()
        (px, py), *rest = points
        path.moveTo(ox + px * scale, oy + (box_h - py) * scale)
        for px, py in rest:
            path.lineTo(ox + px * scale, oy + (box_h - py) * scale)
        c.drawPath(path, stroke=1, fill=0)
    c.restoreState()


def _signature_row(c: Canvas, f: Fonts, y: float, signature: StatementSignature | None) -> None:
    c.setFont(f.bold, 10)
    c.drawString(MARGIN, y, "Signature:")
    box_x = MARGIN + 60
    c.setStrokeColor(GREY)
    c.setLineWidth(0.5)
    c.line(box_x, y - 3, box_x + SIG_W, y - 3)
    if signature is not None:
        draw_signature(c, signature.svg, box_x, y - 2, SIG_W, SIG_H)
    c.setFont(f.bold, 10)
    c.drawString(box_x + SIG_W + 20, y, "Date:")
    c.setFont(f.regular, 10)
    c.drawString(box_x + SIG_W + 52, y, f"{uk(signature.signed_at):%d/%m/%Y}" if signature else "")


def _top(c: Canvas, f: Fonts, sealed: bool, continuation: bool) -> None:
    c.setFont(f.bold, 10)
    c.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 27, RESTRICTED)
    c.setFont(f.bold, 12)
    c.drawRightString(RIGHT, PAGE_HEIGHT - 27, "MG 11 (cont)" if continuation else "MG 11")
    if not sealed:
        c.setFont(f.bold, 9)
        c.setFillColor(HexColor("#b10e1e"))
        c.drawString(MARGIN, PAGE_HEIGHT - 27, "DRAFT: not signed on every page")
        c.setFillColor(black)


def _bottom(c: Canvas, f: Fonts, number: int, total: int, signature: StatementSignature | None) -> None:
    c.setStrokeColor(GREY)
    c.setLineWidth(0.5)
    c.line(MARGIN, 100, RIGHT, 100)
    _signature_row(c, f, 66, signature)
    c.setFont(f.bold, 10)
    c.drawRightString(RIGHT, 66, f"Page {number} of {total}")
    c.setFont(f.bold, 9)
    c.drawCentredString(PAGE_WIDTH / 2, 30, RESTRICTED)


def _field(c: Canvas, f: Fonts, y: float, label: str, value: str, note: str = "") -> None:
    c.setFont(f.bold, 10)
    c.drawString(MARGIN, y, label)
    _line(c, MARGIN + 100, y, value, f.regular, 11, TEXT_WIDTH - 100)
    c.setStrokeColor(GREY)
    c.setLineWidth(0.5)
    c.line(MARGIN + 98, y - 3, RIGHT, y - 3)
    if note:
        c.setFont(f.regular, 8)
        c.drawRightString(RIGHT, y + 2, note)


def _header(c: Canvas, f: Fonts, statement: Statement, urn: str | None, declaration: StatementSignature | None) -> None:
    c.setFont(f.bold, 15)
    c.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 52, TITLE)
    c.setFont(f.regular, 8.5)
    c.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 68, AUTHORITY)
    c.setFont(f.bold, 10)
    c.drawRightString(RIGHT - 205, PAGE_HEIGHT - 98, "URN:")
    c.setStrokeColor(black)
    c.setLineWidth(0.8)
    c.rect(RIGHT - 200, PAGE_HEIGHT - 105, 200, 20)
    c.setFont(f.regular, 11)
    c.drawString(RIGHT - 194, PAGE_HEIGHT - 98, urn or "")
    _field(c, f, PAGE_HEIGHT - 130, "Statement of:", statement.statement_of)
    _field(c, f, PAGE_HEIGHT - 150, "Age if under 18:", str(statement.age) if statement.age is not None
           else "Over 18", "(if over 18 insert 'over 18')")
    _field(c, f, PAGE_HEIGHT - 170, "Occupation:", statement.occupation)
    _wrapped(c, MARGIN, PAGE_HEIGHT - 194, layout.declaration(len(statement.pages)), f.regular, 9.5, 12)
    _signature_row(c, f, 578, declaration)
    c.setStrokeColor(GREY)
    c.line(MARGIN, 566, RIGHT, 566)


def render(record: Record, statement: Statement, signed: list[StatementSignature]) -> bytes:
    f = fonts()
    by_page = {s.page: s for s in signed}
    sealed = statement.sealed_at is not None
    total = len(statement.pages)
    out = io.BytesIO()
    c = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=True)
    c.setTitle(f"MG11 {record.reference}: statement of {statement.statement_of}")
    c.setAuthor("OnBeat")
    c.setSubject(f"SHA-256 {statement.sealed_hash}" if sealed else "Draft: not sealed")
    for number, text in enumerate(statement.pages, start=1):
        _top(c, f, sealed, continuation=number > 1)
        if number == 1:
            _header(c, f, statement, statement.urn, by_page.get(DECLARATION))
            y = layout.FIRST_PAGE_TOP
        else:
            c.setFont(f.bold, 11)
            c.drawString(MARGIN, PAGE_HEIGHT - 60, f"Continuation of statement of: {statement.statement_of}")
            c.setStrokeColor(GREY)
            c.line(MARGIN, PAGE_HEIGHT - 70, RIGHT, PAGE_HEIGHT - 70)
            y = layout.CONTINUATION_TOP
        for line in text.split("\n") if text else []:
            _line(c, MARGIN, y, line, f.regular, FONT_SIZE, TEXT_WIDTH)
            y -= LEADING
        _bottom(c, f, number, total, by_page.get(number))
        c.showPage()
    c.save()
    return out.getvalue()
