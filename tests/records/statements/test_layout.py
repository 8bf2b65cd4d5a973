"""Dividing the text into MG11 pages, and signatures from strokes to SVG and back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from onbeat.core.errors import BadRequest
from onbeat.records.core import signatures
from onbeat.records.statements import layout
from tests.records.statements.helpers import LONG_TEXT, scribble


def test_declaration_is_the_statutory_text_with_the_page_count():
    assert layout.declaration(3) == (
        "This statement (consisting of 3 page(s) each signed by me) is true to the best of my knowledge and belief "
        "and I make it knowing that, if it is tendered in evidence, I shall be liable to prosecution if I have "
        "wilfully stated in it anything which I know to be false, or do not believe to be true.")


def test_long_text_runs_to_several_pages_of_the_fixed_budget():
    pages = layout.paginate(LONG_TEXT)
    assert len(pages) >= 3
    assert len(pages[0].split("\n")) == layout.LINES_FIRST_PAGE
    assert all(len(p.split("\n")) == layout.LINES_PER_PAGE for p in pages[1:-1])
    assert layout.LINES_FIRST_PAGE < layout.LINES_PER_PAGE


def test_empty_text_is_one_empty_page_and_control_characters_are_refused():
    assert layout.paginate("") == [""]
    with pytest.raises(ValueError, match="U\\+0007"):
        layout.paginate("bell\x07")
    assert layout.clean("a\r\nb\tc  \n\n") == "a\nb    c"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)
                | st.sampled_from(["\n", " ", "W" * 120, "\r\n", "\t"]), max_size=150))
def test_every_line_fits_the_column_and_no_word_is_lost(parts):
    text = "".join(parts)
    pages = layout.paginate(text)
    lines = [line for p in pages for line in p.split("\n")]
    assert all(layout.width(line) <= layout.TEXT_WIDTH for line in lines)
    assert "".join("".join(lines).split()) == "".join(layout.clean(text).split())
    first, *rest = pages
    assert len(first.split("\n")) <= layout.LINES_FIRST_PAGE
    assert all(len(p.split("\n")) <= layout.LINES_PER_PAGE for p in rest)


def test_strokes_become_svg_paths_that_read_back():
    strokes = scribble() + [[{"x": 300, "y": 20, "t": 5000}]]
    svg = signatures.to_svg(strokes, 600, 200)
    assert svg.startswith("<svg") and 'viewBox="0 0 600 200"' in svg and svg.count("<path") == 3
    width, height, paths = signatures.paths(svg)
    assert (width, height) == (600, 200) and len(paths) == 3
    assert paths[0][0] == (round(strokes[0][0]["x"], 1), round(strokes[0][0]["y"], 1))
    assert paths[2] == [(300.0, 20.0), (300.0, 20.0)]  # a dot


@pytest.mark.parametrize("strokes, field, words", [
    ([], "strokes", "no strokes"),
    ([[]], "strokes.0", "no points"),
    ([[{"x": 601, "y": 10, "t": 0}]], "strokes.0.0.x", "outside the signature box"),
    ([[{"x": 1, "y": -1, "t": 0}]], "strokes.0.0.y", "outside the signature box"),
    ([[{"x": 1, "y": 1, "t": 50}, {"x": 2, "y": 2, "t": 10}]], "strokes.0.1.t", "backwards"),
    ([[{"x": 1, "y": 1, "t": i} for i in range(2001)]], "strokes.0", "too many"),
    ([[{"x": 1, "y": 1, "t": i} for i in range(1500)] for _ in range(4)], "strokes", "too many"),
])
def test_malformed_strokes_are_refused_naming_the_place(strokes, field, words):
    with pytest.raises(BadRequest) as problem:
        signatures.check(strokes, 600, 200)
    assert problem.value.field == field and words in problem.value.detail
