"""Values derived from what the officer gives: age bands, the other coordinate pair, the day of the
week and the STATS19 collision index."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from onbeat.records.collisions import codes, geo
from onbeat.records.collisions.service import collision_index, day_of_week


@pytest.mark.parametrize("age, band", [
    (0, 1), (5, 1), (6, 2), (10, 2), (11, 3), (15, 3), (16, 4), (20, 4), (21, 5), (25, 5), (26, 6), (35, 6),
    (36, 7), (45, 7), (46, 8), (55, 8), (56, 9), (65, 9), (66, 10), (75, 10), (76, 11), (120, 11), (-1, -1),
    (None, -1)])
def test_age_band_follows_the_data_guide(age, band):
    assert codes.age_band(age) == band
    assert band in codes.AGE_BAND


# Caister Water Tower, the Ordnance Survey's worked example: on the OSGB36 datum it is at
# 52°39'27.2531"N 1°43'4.5177"E, which the National Grid projection puts at E 651409.903, N 313177.270.
CAISTER_GRID = (651_409.903, 313_177.270)
CAISTER_OSGB36 = (52 + 39 / 60 + 27.2531 / 3600, 1 + 43 / 60 + 4.5177 / 3600)

# The Ordnance Survey's published Helmert transformation from WGS84 (ETRS89) to OSGB36.
_HELMERT = dict(tx=-446.448, ty=125.157, tz=-542.060, s=20.4894e-6, rx=-0.1502, ry=-0.2470, rz=-0.8421)
_GRS80 = (6_378_137.000, 6_356_752.3141)
_AIRY = (6_377_563.396, 6_356_256.909)


def _cartesian(lat: float, lon: float, ellipsoid) -> tuple[float, float, float]:
    a, b = ellipsoid
    e2 = 1 - b * b / (a * a)
    phi, lam = math.radians(lat), math.radians(lon)
    nu = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    return nu * math.cos(phi) * math.cos(lam), nu * math.cos(phi) * math.sin(lam), (1 - e2) * nu * math.sin(phi)


def _geodetic(x: float, y: float, z: float, ellipsoid) -> tuple[float, float]:
    a, b = ellipsoid
    e2 = 1 - b * b / (a * a)
    p = math.hypot(x, y)
    phi = math.atan2(z, p * (1 - e2))
    for _ in range(10):
        nu = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
        phi = math.atan2(z + e2 * nu * math.sin(phi), p)
    return math.degrees(phi), math.degrees(math.atan2(y, x))


def wgs84_to_osgb36(lat: float, lon: float) -> tuple[float, float]:
    """Independently of PROJ: the OS Helmert transformation, from the OS guide's formulas."""
    x, y, z = _cartesian(lat, lon, _GRS80)
    h = _HELMERT
    rx, ry, rz = (math.radians(h[k] / 3600) for k in ("rx", "ry", "rz"))
    s1 = 1 + h["s"]
    x2 = h["tx"] + s1 * x - rz * y + ry * z
    y2 = h["ty"] + rz * x + s1 * y - rx * z
    z2 = h["tz"] - ry * x + rx * y + s1 * z
    return _geodetic(x2, y2, z2, _AIRY)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[0] - b[0]) * 111_320
    dlon = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def test_grid_reference_to_latitude_and_longitude_at_a_known_point():
    latitude, longitude = geo.to_wgs84(*CAISTER_GRID)
    # The same place on OSGB36, worked out without PROJ, is the OS's published point: within the
    # few metres by which the Helmert transformation and OSTN15 may differ.
    assert _metres(wgs84_to_osgb36(latitude, longitude), CAISTER_OSGB36) < 5
    # And back to the grid, within a metre.
    easting, northing = geo.to_grid(latitude, longitude)
    assert math.hypot(easting - CAISTER_GRID[0], northing - CAISTER_GRID[1]) < 1


@pytest.mark.parametrize("easting, northing", [(470_000, 173_500), (100_000, 50_000), (326_000, 674_000),
                                               (465_000, 1_210_000)])
def test_round_trip_between_grid_and_wgs84_is_within_a_metre(easting, northing):
    latitude, longitude = geo.to_wgs84(easting, northing)
    back = geo.to_grid(latitude, longitude)
    assert math.hypot(back[0] - easting, back[1] - northing) < 1


def test_points_outside_the_grid_are_not_on_it():
    assert geo.on_grid(470_000, 173_500)
    assert not geo.on_grid(-1, 173_500) and not geo.on_grid(700_000, 10) and not geo.on_grid(10, 1_300_000)
    assert not geo.on_grid(*geo.to_grid(48.85, 2.35))  # Paris


def test_day_of_week_runs_from_sunday():
    assert day_of_week(date(2026, 11, 22)) == 1  # a Sunday
    assert day_of_week(date(2026, 11, 21)) == 7  # a Saturday
    assert codes.DAY_OF_WEEK[day_of_week(date(2026, 11, 23))] == "Monday"


def test_collision_index_is_year_force_and_reference():
    # Reported in January 2027 about a collision on New Year's Eve 2026.
    record = SimpleNamespace(reference="RTC/000042/27", occurred_at=datetime(2026, 12, 31, 23, 50, tzinfo=timezone.utc))
    assert collision_index(record, 43) == ("2026432700042", 2026, "432700042")
    assert len(collision_index(record, 1)[2]) == 9
