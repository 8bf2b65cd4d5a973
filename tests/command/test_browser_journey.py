"""The issue's "done when", end to end in Chromium: a call handler takes a call and grades it, it
shows on the board, the dispatcher gets a recommendation and assigns with one button, and the board
follows the unit en route and at scene as the device reports; then the unit's track is read. And the
board's base map: the generated one offline, a configured tile server's tiles when set."""

from __future__ import annotations

import http.server
import io
import re
import threading
from datetime import datetime, timezone

import httpx
import pytest
from playwright.sync_api import expect

from tests.command.contacts.test_browser import fill_call
from tests.command.dispatch.units import make_unit, offset
from tests.command.incidents.factory import TOWN, stations
from tests.conftest import axe_violations
from tests.web.helpers import TABLET_WIDTH, bearer_from, page_width, sign_in

pytestmark = pytest.mark.timeout(180)


def test_take_a_call_grade_it_see_it_on_the_board_dispatch_and_follow_the_unit(live_server, page, db, make_user):
    stations(db)
    officer = make_user("officer")
    unit = make_unit(db, "RD31", crew=[officer], place=offset(TOWN, 1.5))
    make_unit(db, "RD32", place=offset(TOWN, 6))
    controller = make_user("dispatcher")  # takes calls and dispatches: a small control room
    server = live_server()
    sign_in(page, server.base, controller.username)

    # The call: the suggested grade is 1; the handler grades it 2 and says why.
    page.goto(server.base + "/contacts/new")
    fill_call(page, "Jo Caller", TOWN[0])
    page.get_by_role("button", name="Suggest grade").click()
    expect(page.locator("#suggested-grade")).to_contain_text("Suggested: grade 1 Emergency")
    page.get_by_label("Grade", exact=True).select_option("2")
    page.get_by_label(re.compile("^Reason for a different grade")).fill("Fight over, both men walked off")
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator("#grade-value")).to_contain_text("2 Priority")
    log_number = re.search(r"\d{4}-\d{8}", page.get_by_role("heading", level=1).inner_text()).group(0)

    # The board shows it under grade 2 with its countdown and no unit yet.
    page.goto(server.base + "/board")
    expect(page.locator("#board-status")).to_have_text("Live")
    row = page.locator("tr[data-incident-id]", has_text=log_number)
    expect(page.locator("caption", has_text="Grade 2 Priority")).to_be_visible()
    expect(row).to_contain_text("None assigned")
    expect(row.locator("td.countdown")).to_contain_text("left")

    # The recommendation: the nearer unit first, with its reason; one button assigns it.
    row.get_by_role("link", name=f"Dispatch to {log_number}").click()
    recommended = page.locator("#rec-caption + thead + tbody tr")
    expect(recommended.first).to_contain_text("RD31")
    expect(recommended.first).to_contain_text("ETA")
    expect(recommended.nth(1)).to_contain_text("RD32")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    page.get_by_role("button", name="Assign RD31").click()
    expect(page.get_by_role("status")).to_have_text("RD31 assigned.")

    # The device drives the rest; the board follows live.
    page.goto(server.base + "/board")
    row = page.locator("tr[data-incident-id]", has_text=log_number)
    expect(row).to_contain_text("RD31 (assigned)")
    device = bearer_from(server.base, officer.username)
    assignment = httpx.get(f"{server.base}/api/device/assignment", headers=device).json()
    assert assignment["incident"]["log_number"] == log_number
    fix = {"latitude": TOWN[0] + 0.005, "longitude": TOWN[1], "at": datetime.now(timezone.utc).isoformat()}
    assert httpx.post(f"{server.base}/api/device/locations", json={"fixes": [fix]}, headers=device).json()["applied"] == 1
    for status, shown in (("en_route", "RD31 (en route)"), ("at_scene", "RD31 (at scene)")):
        assert httpx.post(f"{server.base}/api/device/status", json={"status": status}, headers=device).status_code == 200
        expect(row).to_contain_text(shown, timeout=15_000)
    expect(page.locator(f'tr[data-unit-id="{unit.id}"] .unit-status')).to_have_text("At scene")

    # Where the unit went: its page, with a reason.
    page.locator(f'tr[data-unit-id="{unit.id}"]').get_by_role("link", name="RD31").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unit RD31")
    page.get_by_label("Reason").fill(f"incident {log_number}")
    page.get_by_role("button", name="Show the track").click()
    expect(page.locator("#track-result")).to_contain_text("1 position from")
    expect(page.locator("#track-svg polyline.track")).to_have_count(1)
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


class _Tiles(http.server.BaseHTTPRequestHandler):
    body = b""
    asked: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def _magenta_share(page, at_least: float | None = None, timeout: float = 15.0) -> float:
    """The share of the map's pixels that are the test tile's colour (waiting up to `timeout` s for
    `at_least`: the board's event stream never lets the network go idle)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        share = _share(page)
        if at_least is None or share >= at_least or time.monotonic() > deadline:
            return share
        time.sleep(0.3)


def _share(page) -> float:
    from PIL import Image

    shot = Image.open(io.BytesIO(page.locator("#board-svg").screenshot())).convert("RGB")
    raw = shot.tobytes()
    pixels = [raw[i:i + 3] for i in range(0, len(raw), 3)]
    return sum(1 for p in pixels if p[0] > 240 and p[1] < 20 and p[2] > 240) / len(pixels)


def test_the_board_draws_a_configured_tile_server_and_the_generated_map_without_one(live_server, page, db,
                                                                                     make_user):
    stations(db)
    dispatcher = make_user("dispatcher")
    _Tiles.body, _Tiles.asked = _png((255, 0, 255)), []
    tiles = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{tiles.server_address[1]}/tiles/{{z}}/{{x}}/{{y}}.png"
        server = live_server({"ONBEAT_COMMAND_TILE_URL": url, "ONBEAT_COMMAND_TILE_ATTRIBUTION": "Test tiles"})
        sign_in(page, server.base, dispatcher.username)
        page.goto(server.base + "/board")
        expect(page.locator("#board-svg g.map-tiles image").first).to_be_attached()
        expect(page.locator("#board-svg .map-outline")).to_have_count(0)
        expect(page.get_by_text("Map: Test tiles")).to_be_visible()
        # The browser fetched the tiles (the page's policy lets images come from the tile server) and drew them.
        assert _magenta_share(page, at_least=0.5) > 0.5
        assert _Tiles.asked and all(re.fullmatch(r"/tiles/\d+/\d+/\d+\.png", p) for p in _Tiles.asked)
        assert axe_violations(page) == []

        # Without a tile server: the generated outline, and nothing asked of any other server.
        asked = len(_Tiles.asked)
        plain = live_server()
        sign_in(page, plain.base, dispatcher.username)
        page.goto(plain.base + "/board")
        expect(page.locator("#board-svg .map-outline")).to_have_count(1)
        expect(page.locator("#board-svg image")).to_have_count(0)
        expect(page.locator("#board-status")).to_have_text("Live")
        assert len(_Tiles.asked) == asked and _magenta_share(page) == 0
    finally:
        tiles.shutdown()
