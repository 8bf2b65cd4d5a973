"""The board's offline map: an SVG of the force area drawn from the stations, units and incidents.

No tiles are needed: the default base layer is an outline generated around the force's stations
(the demo town's built-up area, roughly), with each station marked. The projection is
equirectangular about the area's centre, which is accurate to well under 1% over a county.

When a tile server is configured (`ONBEAT_COMMAND_TILE_URL`, XYZ Web Mercator tiles), `tiles`
lays the tiles covering the map under the markers, each stretched from its corners into this
projection (over one tile the two projections differ by far less than a pixel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

WIDTH, HEIGHT = 800, 560
KM_PER_DEG = 111.195


@dataclass(frozen=True)
class Projection:
    lat0: float
    lon0: float
    km_per_px: float

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        x = (lon - self.lon0) * KM_PER_DEG * math.cos(math.radians(self.lat0)) / self.km_per_px + WIDTH / 2
        y = HEIGHT / 2 - (lat - self.lat0) * KM_PER_DEG / self.km_per_px
        return round(x, 1), round(y, 1)

    def attrs(self) -> dict:
        """For the page's script, which places markers that move."""
        return {"lat0": self.lat0, "lon0": self.lon0, "km_per_px": self.km_per_px, "width": WIDTH, "height": HEIGHT}


def projection(stations: list[tuple[float, float]], margin_km: float = 6.0) -> Projection:
    if not stations:
        return Projection(51.4545, -0.9781, 0.05)
    lat0 = sum(s[0] for s in stations) / len(stations)
    lon0 = sum(s[1] for s in stations) / len(stations)
    coslat = math.cos(math.radians(lat0))
    half_w = max(abs(s[1] - lon0) * KM_PER_DEG * coslat for s in stations) + margin_km
    half_h = max(abs(s[0] - lat0) * KM_PER_DEG for s in stations) + margin_km
    return Projection(lat0, lon0, max(2 * half_w / WIDTH, 2 * half_h / HEIGHT))


def outline(proj: Projection, stations: list[tuple[float, float]], radius_km: float = 4.5, points: int = 48) -> str:
    """SVG path of the built-up area: the union's hull of a circle of `radius_km` about each station,
    with a gentle deterministic wobble so it reads as a town edge, not a geometric shape."""
    if not stations:
        return ""
    coslat = math.cos(math.radians(proj.lat0))
    ring: list[tuple[float, float]] = []
    for i in range(points):
        angle = 2 * math.pi * i / points
        dx, dy = math.cos(angle), math.sin(angle)
        # How far out in this direction the furthest circle reaches.
        reach = max((s[1] - proj.lon0) * KM_PER_DEG * coslat * dx + (s[0] - proj.lat0) * KM_PER_DEG * dy
                    for s in stations) + radius_km * (1 + 0.08 * math.sin(5 * angle) + 0.05 * math.cos(3 * angle))
        lat = proj.lat0 + reach * dy / KM_PER_DEG
        lon = proj.lon0 + reach * dx / (KM_PER_DEG * coslat)
        ring.append(proj.xy(lat, lon))
    return "M" + " L".join(f"{x},{y}" for x, y in ring) + " Z"


def _tile_lon(x: float, z: int) -> float:
    return x / 2**z * 360.0 - 180.0


def _tile_lat(y: float, z: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**z))))


def tiles(proj: Projection, url: str, max_tiles: int = 64) -> list[dict]:
    """The tiles covering the map, each with its URL and its place and size on the map (px)."""
    # The zoom whose tiles come closest to 256 px on this map.
    km_per_tile_z0 = 2 * math.pi * 6371.0088 * math.cos(math.radians(proj.lat0))
    z = max(0, min(19, round(math.log2(km_per_tile_z0 / (256 * proj.km_per_px)))))
    coslat = math.cos(math.radians(proj.lat0))
    half_w = WIDTH / 2 * proj.km_per_px / (KM_PER_DEG * coslat)
    half_h = HEIGHT / 2 * proj.km_per_px / KM_PER_DEG
    west, east = proj.lon0 - half_w, proj.lon0 + half_w
    north, south = proj.lat0 + half_h, proj.lat0 - half_h

    def tx(lon: float) -> int:
        return int((lon + 180.0) / 360.0 * 2**z)

    def ty(lat: float) -> int:
        r = math.radians(lat)
        return int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * 2**z)

    out = []
    for x in range(tx(west), tx(east) + 1):
        for y in range(ty(north), ty(south) + 1):
            x0, y0 = proj.xy(_tile_lat(y, z), _tile_lon(x, z))
            x1, y1 = proj.xy(_tile_lat(y + 1, z), _tile_lon(x + 1, z))
            out.append({"href": url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)),
                        "x": x0, "y": y0, "w": round(x1 - x0, 1), "h": round(y1 - y0, 1)})
            if len(out) >= max_tiles:
                return out
    return out


def tile_origin(url: str) -> str | None:
    """The tile server's origin (for the page's Content-Security-Policy), None if it is this server."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
