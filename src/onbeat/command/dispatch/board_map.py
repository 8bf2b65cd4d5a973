"""The board's offline map: an SVG of the force area drawn from the stations, units and incidents.

No tiles are needed: the base layer is an outline generated around the force's stations (the
demo town's built-up area, roughly), with each station marked. The projection is
equirectangular about the area's centre, which is accurate to well under 1% over a county.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
