"""Where a collision happened: Ordnance Survey National Grid (EPSG:27700) and WGS84 (EPSG:4326).

STATS19 records both the grid reference (location_easting_osgr, location_northing_osgr) and the
longitude and latitude; an officer gives either and the other is derived here with PROJ. PROJ uses
the OSTN15 transformation when its grid file (uk_os_OSTN15_NTv2_OSGBtoETRS.tif) is installed
(about 0.1 m), and otherwise the best published Helmert transformation (a few metres).
"""

from __future__ import annotations

from functools import lru_cache

from pyproj import Transformer

# The extent of the National Grid: 700 km east by 1,300 km north of its false origin.
GRID_EASTING = (0, 700_000)
GRID_NORTHING = (0, 1_300_000)


@lru_cache
def _to_grid() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True, allow_ballpark=False)


@lru_cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True, allow_ballpark=False)


def to_grid(latitude: float, longitude: float) -> tuple[float, float]:
    """(easting, northing) in metres on the National Grid for a WGS84 latitude and longitude."""
    easting, northing = _to_grid().transform(longitude, latitude)
    return easting, northing


def to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """(latitude, longitude) in WGS84 degrees for a National Grid easting and northing."""
    longitude, latitude = _to_wgs84().transform(easting, northing)
    return latitude, longitude


def on_grid(easting: float, northing: float) -> bool:
    """True when the point lies inside the National Grid's extent (Great Britain and its waters)."""
    return (GRID_EASTING[0] <= easting < GRID_EASTING[1]) and (GRID_NORTHING[0] <= northing < GRID_NORTHING[1])
