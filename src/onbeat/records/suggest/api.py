"""Suggestion API."""

from fastapi import APIRouter

router = APIRouter(tags=["records"])
