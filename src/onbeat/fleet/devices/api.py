"""Device API."""

from fastapi import APIRouter

router = APIRouter(tags=["fleet"])
