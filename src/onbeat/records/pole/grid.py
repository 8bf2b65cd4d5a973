"""WGS84 latitude/longitude <-> British National Grid easting/northing (EPSG:4326 <-> EPSG:27700).

pyproj picks the most accurate transformation it has: OSTN15 when its grid file is installed
(centimetres), otherwise the OSGB36 Helmert transformation (about 2 m), which is ample for
recording where something happened.
"""

from __future__ import annotations

import math
import threading
import warnings

from pyproj import Transformer

# The grid's own extent (EPSG:27700's projected bounds, a little generous).
EASTING = (0.0, 700_000.0)
NORTHING = (0.0, 1_300_000.0)

_local = threading.local()  # a Transformer must not be shared between threads


def _transformers() -> tuple[Transformer, Transformer]:
    pair = getattr(_local, "pair", None)
    if pair is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "best transformation (OSTN15 grid) not available"
            pair = (Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True),
                    Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True))
        _local.pair = pair
    return pair


def to_grid(latitude: float, longitude: float) -> tuple[float, float] | None:
    """(easting, northing) in metres, or None where the point lies off the National Grid."""
    easting, northing = _transformers()[0].transform(longitude, latitude)
    if not (math.isfinite(easting) and math.isfinite(northing)):
        return None
    if not (EASTING[0] <= easting <= EASTING[1] and NORTHING[0] <= northing <= NORTHING[1]):
        return None
    return round(easting, 1), round(northing, 1)


def from_grid(easting: float, northing: float) -> tuple[float, float]:
    """(latitude, longitude) in WGS84 degrees."""
    longitude, latitude = _transformers()[1].transform(easting, northing)
    return round(latitude, 7), round(longitude, 7)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two grid points."""
    return math.hypot(a[0] - b[0], a[1] - b[1])
