"""Distances on the Earth's surface, for places near the venue."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_000.0
WALKING_M_PER_MIN = 75.0  # an unhurried pace in a city, with crossings


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres; accurate to well under 1 % at city scale."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))


def walking_minutes(metres: float) -> int:
    return max(1, round(metres / WALKING_M_PER_MIN))
