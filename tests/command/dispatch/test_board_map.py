"""The board's tile layer: the tiles cover the whole map at a zoom near 256 px a tile; a mistyped
tile URL is ignored (the generated map is drawn) rather than breaking anything."""

from __future__ import annotations

from onbeat.command.dispatch import board_map
from onbeat.command.incidents.settings import command_settings
from onbeat.demo.force import STATIONS


def test_tiles_cover_the_map_near_their_natural_size():
    proj = board_map.projection([(s.latitude, s.longitude) for s in STATIONS])
    tiles = board_map.tiles(proj, "https://t.example/{z}/{x}/{y}.png")
    assert 1 <= len(tiles) <= 64
    assert min(t["x"] for t in tiles) <= 0 and min(t["y"] for t in tiles) <= 0
    assert max(t["x"] + t["w"] for t in tiles) >= board_map.WIDTH
    assert max(t["y"] + t["h"] for t in tiles) >= board_map.HEIGHT
    assert all(128 <= t["w"] <= 512 and 128 <= t["h"] <= 512 for t in tiles)
    assert all(t["href"].startswith("https://t.example/") and "{" not in t["href"] for t in tiles)
    assert board_map.tile_origin("https://t.example:8443/{z}/{x}/{y}.png") == "https://t.example:8443"
    assert board_map.tile_origin("/tiles/{z}/{x}/{y}.png") is None


def test_a_mistyped_tile_url_is_ignored(monkeypatch, caplog):
    monkeypatch.setenv("ONBEAT_COMMAND_TILE_URL", "https://t.example/{z}/{x}.png")
    assert command_settings().tile_url == ""
    assert "lacks {y}" in caplog.text
    monkeypatch.setenv("ONBEAT_COMMAND_TILE_URL", "/tiles/{z}/{x}/{y}.png")
    assert command_settings().tile_url == "/tiles/{z}/{x}/{y}.png"
