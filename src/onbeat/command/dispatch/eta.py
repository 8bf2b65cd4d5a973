"""How long a unit takes to reach a place: the interface, and the great-circle model behind it.

`EtaModel` is what the recommendation needs; a road-routing engine (OSRM, GraphHopper...) can
replace `GreatCircleEta` by offering the same method.
"""

from __future__ import annotations

import math
from typing import Protocol

EARTH_RADIUS_M = 6_371_008.8


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class EtaModel(Protocol):
    def eta_seconds(self, unit_type: str, from_lat: float, from_lon: float, to_lat: float, to_lon: float,
                    urban: bool) -> float:
        """Seconds for a unit of this type to get from one point to the other."""


# Average speeds on blue lights, km/h: (urban, rural).
SPEEDS_KMH: dict[str, tuple[float, float]] = {
    "response_car": (40, 70), "arv": (45, 80), "roads_policing": (45, 85), "dog": (40, 70),
    "cid": (30, 55), "van": (30, 55), "neighbourhood": (25, 45), "foot_patrol": (5, 5),
}
# Roads are longer than the straight line: more so in town.
DETOUR = {True: 1.4, False: 1.25}
# Time to get moving (crew to the car, out of a car park).
MOBILISE_S = 30.0


class GreatCircleEta:
    """Straight-line distance, stretched by a detour factor, at the unit type's urban or rural speed."""

    def __init__(self, speeds: dict[str, tuple[float, float]] | None = None, mobilise_s: float = MOBILISE_S):
        self.speeds = speeds or SPEEDS_KMH
        self.mobilise_s = mobilise_s

    def eta_seconds(self, unit_type: str, from_lat: float, from_lon: float, to_lat: float, to_lon: float,
                    urban: bool) -> float:
        metres = great_circle_m(from_lat, from_lon, to_lat, to_lon) * DETOUR[urban]
        urban_kmh, rural_kmh = self.speeds.get(unit_type, (30, 50))
        kmh = urban_kmh if urban else rural_kmh
        return self.mobilise_s + metres / (kmh / 3.6)
