"""Signatures on any record (statements, interviews): strokes drawn on the officer's device,
checked, kept as SVG, drawn back in PDFs.

A signature arrives as the pad's box (width × height, in the pad's own units) and a list of
strokes, each a list of points {x, y, t}: x and y inside the box (origin top left, as on screen), t
in milliseconds from the first touch. The SVG holds one path per stroke, `M x y L x y ...`, with a
viewBox of the pad's box; `paths()` reads that form back for the PDF.
"""

from __future__ import annotations

import re

from onbeat.core.errors import BadRequest

MAX_STROKES = 100
MAX_POINTS_PER_STROKE = 2000
MAX_POINTS = 5000
MAX_DURATION_MS = 10 * 60 * 1000
STROKE_WIDTH = 2.5


def _refuse(field: str, message: str) -> BadRequest:
    return BadRequest(f"The signature cannot be used: {message}.", field=field,
                      hint="Ask the signer to sign again inside the box.")


def _num(value: float) -> str:
    return f"{round(value, 1):g}"


def check(strokes: list[list[dict]], width: int, height: int) -> None:
    """BadRequest naming the first point, stroke or limit that is wrong (fields as `strokes.0.3.x`)."""
    if not strokes:
        raise _refuse("strokes", "the signature has no strokes: ask the signer to sign in the box")
    if len(strokes) > MAX_STROKES:
        raise _refuse("strokes", f"{len(strokes)} strokes is more than a signature has (at most {MAX_STROKES})")
    total = sum(len(s) for s in strokes)
    if total > MAX_POINTS:
        raise _refuse("strokes", f"{total} points is too many (at most {MAX_POINTS} in all)")
    last_t = 0.0
    for i, stroke in enumerate(strokes):
        if not stroke:
            raise _refuse(f"strokes.{i}", "the stroke has no points")
        if len(stroke) > MAX_POINTS_PER_STROKE:
            raise _refuse(f"strokes.{i}", f"{len(stroke)} points is too many for one stroke "
                                                 f"(at most {MAX_POINTS_PER_STROKE})")
        for j, p in enumerate(stroke):
            where = f"strokes.{i}.{j}"
            if not 0 <= p["x"] <= width:
                raise _refuse(f"{where}.x", f"x = {p['x']} is outside the signature box (0 to {width})")
            if not 0 <= p["y"] <= height:
                raise _refuse(f"{where}.y", f"y = {p['y']} is outside the signature box (0 to {height})")
            if not 0 <= p["t"] <= MAX_DURATION_MS:
                raise _refuse(f"{where}.t", f"t = {p['t']} ms is not between 0 and {MAX_DURATION_MS} ms")
            if p["t"] < last_t:
                raise _refuse(f"{where}.t", "the times go backwards: t must not decrease from point to point")
            last_t = p["t"]


def to_svg(strokes: list[list[dict]], width: int, height: int) -> str:
    paths = []
    for stroke in strokes:
        first, *rest = stroke
        d = f"M{_num(first['x'])} {_num(first['y'])}"
        # A single touch is a dot: a zero-length line drawn with round caps.
        d += "".join(f" L{_num(p['x'])} {_num(p['y'])}" for p in rest) if rest else " l0 0"
        paths.append(f'<path d="{d}"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}"><g fill="none" stroke="#000" stroke-width="{STROKE_WIDTH}" '
            f'stroke-linecap="round" stroke-linejoin="round">{"".join(paths)}</g></svg>')


_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
_PATH = re.compile(r'<path d="([^"]*)"/>')
_COMMAND = re.compile(r"([MLl])(-?[\d.]+) (-?[\d.]+)")


def paths(svg: str) -> tuple[int, int, list[list[tuple[float, float]]]]:
    """(width, height, strokes as lists of (x, y)) read back from an SVG made by `to_svg`."""
    box = _VIEWBOX.search(svg)
    if box is None:
        raise ValueError("not a signature SVG: no viewBox")
    out = []
    for d in _PATH.findall(svg):
        points: list[tuple[float, float]] = []
        for command, x, y in _COMMAND.findall(d):
            if command == "l":  # relative: only the zero-length dot is written
                px, py = points[-1]
                points.append((px + float(x), py + float(y)))
            else:
                points.append((float(x), float(y)))
        out.append(points)
    return int(box.group(1)), int(box.group(2)), out
