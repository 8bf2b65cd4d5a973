"""Supply pages."""

from fastapi import APIRouter

router = APIRouter(tags=["fleet"])
