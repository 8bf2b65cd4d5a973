"""The MG11 as a PDF: read back with pypdf, page by page."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from onbeat.records.statements import layout
from tests.conftest import bearer
from tests.records.statements.helpers import LONG_TEXT, PURPOSE, create, scribble, sign_all


def _pages(client, auth, sid) -> list[str]:
    r = client.get(f"/api/statements/{sid}/pdf", headers={**auth, **PURPOSE})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    return [p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_is_an_mg11_with_every_page_numbered_and_signed(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    s = sign_all(client, auth, create(client, auth, text=LONG_TEXT, urn="43AB1234526",
                                      witness={"given_name": "Łukasz", "family_name": "Wiśniewski"}))
    n = s["page_count"]
    assert n >= 3
    pages = _pages(client, auth, s["record"]["id"])
    assert len(pages) == n  # one PDF page per signed page
    first = _flat(pages[0])
    for words in ("RESTRICTED (when complete)", "WITNESS STATEMENT", "MG 11",
                  "Criminal Procedure Rules, r. 27.2; Criminal Justice Act 1967, s. 9; "
                  "Magistrates' Courts Act 1980, s.5B",
                  "URN:", "43AB1234526", "Statement of:", "Łukasz Wiśniewski", "Age if under 18:", "Over 18",
                  "Occupation:", "Barista", _flat(layout.declaration(n))):
        assert words in first, words
    assert "DRAFT" not in first
    for number, text in enumerate(pages, start=1):
        assert re.search(rf"Page {number} of {n}\b", text), number
        assert text.count("Signature:") == (2 if number == 1 else 1)
        assert re.search(r"Date:\s*\d\d/\d\d/\d{4}", text)
        stored = s["pages"][number - 1]["text"]
        assert _flat(stored) in _flat(text)  # the page's own text, as signed
        if number > 1:
            assert "Continuation of statement of: Łukasz Wiśniewski" in text
    assert " ".join(_flat(p["text"]) for p in s["pages"]).split() == LONG_TEXT.split()


def test_a_draft_pdf_says_it_is_not_signed(client, make_user):
    auth = bearer(client, make_user("officer").username)
    s = create(client, auth)
    (page,) = _pages(client, auth, s["record"]["id"])
    assert "DRAFT: not signed on every page" in page and "Page 1 of 1" in page
    assert "consisting of 1 page(s) each signed by me" in _flat(page)


def test_signatures_are_drawn_as_vector_paths(client, make_user):
    auth = bearer(client, make_user("officer").username)
    unsigned = create(client, auth)
    signed = sign_all(client, auth, create(client, auth))

    def content(sid):
        r = client.get(f"/api/statements/{sid}/pdf", headers={**auth, **PURPOSE})
        return PdfReader(io.BytesIO(r.content)).pages[0].get_contents().get_data().decode("latin-1")
    # Each stroke is a path of line segments ("l") stroked with round caps ("1 J"): page 1 carries two
    # signatures (the declaration's and the page's), each of two strokes.
    segments = sum(len(stroke) - 1 for stroke in scribble())
    drawn, blank = content(signed["record"]["id"]), content(unsigned["record"]["id"])
    lines = re.compile(r"-?[\d.]+ -?[\d.]+ l\b")
    assert len(lines.findall(drawn)) - len(lines.findall(blank)) == 2 * segments and "1 J" in drawn
