"""Merge review pages."""

from fastapi import APIRouter

router = APIRouter(tags=["records"])
