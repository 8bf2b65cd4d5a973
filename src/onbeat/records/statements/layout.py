"""How a statement's text is divided into the MG11's pages: one rule shared by storage and the PDF.

The officer writes the statement as one body. It is wrapped into lines by the width each line has
in the PDF (Helvetica metrics, 11 pt, across the text column) and the lines are cut into pages
(fewer on page 1, under the header and declaration). The pages are stored, the witness signs each
of them, and the PDF draws exactly those lines: a PDF page is always a signed page.

The PDF draws with Liberation Sans when the machine has it (Helvetica's metrics, with the glyphs of
Polish, Lithuanian, Romanian, Greek, Cyrillic... names) and with Helvetica otherwise.
"""

from __future__ import annotations

import re

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 50
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
FONT_SIZE = 11
LEADING = 15
METRICS_FONT = "Helvetica"
# Baselines of the statement text: page 1 starts under the header, the declaration and its signature.
FIRST_PAGE_TOP = 548
CONTINUATION_TOP = 752
TEXT_BOTTOM = 112
LINES_FIRST_PAGE = int((FIRST_PAGE_TOP - TEXT_BOTTOM) // LEADING) + 1
LINES_PER_PAGE = int((CONTINUATION_TOP - TEXT_BOTTOM) // LEADING) + 1
MAX_PAGES = 60

DECLARATION = ("This statement (consisting of {n} page(s) each signed by me) is true to the best of my knowledge "
               "and belief and I make it knowing that, if it is tendered in evidence, I shall be liable to "
               "prosecution if I have wilfully stated in it anything which I know to be false, or do not believe "
               "to be true.")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def declaration(pages: int) -> str:
    return DECLARATION.format(n=pages)


def clean(text: str) -> str:
    """Line ends made \\n, tabs made spaces, trailing spaces and blank lines at the end removed.
    Raises ValueError naming the first control character, which a statement cannot hold."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    bad = _CONTROL.search(text)
    if bad:
        raise ValueError(f"the text holds a control character (U+{ord(bad.group()):04X}) at position {bad.start() + 1}")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def width(text: str) -> float:
    return stringWidth(text, METRICS_FONT, FONT_SIZE)


def _break_word(word: str) -> list[str]:
    """A word wider than the column (a URL, a long number) is cut where it reaches the edge."""
    parts, current = [], ""
    for char in word:
        if current and width(current + char) > TEXT_WIDTH:
            parts.append(current)
            current = ""
        current += char
    return parts + [current]


def wrap(text: str) -> list[str]:
    """The lines the PDF draws: each paragraph wrapped at spaces to the column's width."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if width(candidate) <= TEXT_WIDTH:
                current = candidate
                continue
            if current:
                lines.append(current)
            pieces = _break_word(word) if width(word) > TEXT_WIDTH else [word]
            lines.extend(pieces[:-1])
            current = pieces[-1]
        lines.append(current.rstrip())
    return lines


def paginate(text: str) -> list[str]:
    """The statement's pages, each its lines joined by \\n; an empty statement is one empty page."""
    lines = wrap(clean(text)) if text.strip() else [""]
    pages = ["\n".join(lines[:LINES_FIRST_PAGE])]
    rest = lines[LINES_FIRST_PAGE:]
    while rest:
        pages.append("\n".join(rest[:LINES_PER_PAGE]))
        rest = rest[LINES_PER_PAGE:]
    return pages
