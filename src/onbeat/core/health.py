"""/healthz (the process answers) and /readyz (the database answers and its schema is current)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onbeat.core.security import public

router = APIRouter(tags=["operations"])


@router.get("/healthz", dependencies=[Depends(public("liveness probe"))])
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", dependencies=[Depends(public("readiness probe"))])
async def readyz() -> JSONResponse:
    from onbeat.migrate import schema_status

    try:
        current, head = await run_in_threadpool(schema_status)
    except Exception as exc:  # the database is down or unreachable
        # The reason goes to the log, not to an anonymous caller (it names hosts and ports).
        logging.getLogger(__name__).warning("readiness: database unreachable: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    ok = current == head
    return JSONResponse({"status": "ok" if ok else "unavailable", "database": "ok",
                         "schema": {"current": current, "head": head}}, status_code=200 if ok else 503)
