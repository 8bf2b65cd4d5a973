"""The one ASGI application (`onbeat.asgi:create_app`): every module's API and pages, errors, live events.

(Not `app.py`: `onbeat.app` is the officer app's package.)
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from onbeat import __version__
from onbeat.config import get_settings
from onbeat.core import context, errors
from onbeat.core import logging as onbeat_logging

log = logging.getLogger("onbeat.http")
STATIC = Path(__file__).parent / "web" / "static"


def _routers():
    from onbeat.command.api import router as command
    from onbeat.core.audit.api import router as audit
    from onbeat.core.events.stream import router as events
    from onbeat.core.health import router as health
    from onbeat.core.identity.api import router as identity_api
    from onbeat.core.identity.pages import router as identity_pages
    from onbeat.fleet.devices.device_api import router as fleet_devices
    from onbeat.fleet.routes import ROUTERS as fleet
    from onbeat.records.routes import ROUTERS as records

    # Starlette tries routes in order, so the routes devices call most (check-ins) come first.
    return [fleet_devices, health, identity_api, identity_pages, audit, events, command, *records, *fleet]


def jobs():
    """The periodic jobs every app process runs (each in one process at a time: `core.jobs`)."""
    from onbeat.command.incidents.service import check_breaches
    from onbeat.command.resources.service import announce_moves
    from onbeat.core.jobs import Job
    from onbeat.fleet.devices.api import sweep_due

    return [
        Job("command.units_moved", 1, announce_moves),
        Job("command.attendance_targets", 15, lambda db: {"targets_breached": len(check_breaches(db))}),
        Job("fleet.sweep", 60, sweep_due),
    ]


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
]


class RequestContextMiddleware:
    """Gives each request an id (kept from X-Request-Id if sent), the context the audit log and
    logs read, and the security headers. Plain ASGI, so streamed responses pass straight through."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        token = context.current.set(context.RequestContext(request_id, client[0] if client else None))
        started = time.perf_counter()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(b"x-request-id", request_id.encode("latin-1"))]
                extra += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = list(message.get("headers", [])) + extra
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("%s %s %s %.1fms", scope["method"], scope["path"], message["status"],
                              (time.perf_counter() - started) * 1000)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            context.current.reset(token)


def create_app(start_listener: bool = True) -> FastAPI:
    settings = get_settings()
    onbeat_logging.configure(settings.log_level, settings.json_logs)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from onbeat.core.events.stream import broadcaster
        from onbeat.core.jobs import run_forever

        stop, runner = asyncio.Event(), None
        if start_listener:
            await broadcaster.start()
            if settings.jobs:
                runner = asyncio.create_task(run_forever(jobs(), stop))
        yield
        stop.set()
        if runner:
            await runner
        await broadcaster.stop()

    app = FastAPI(title="OnBeat", version=__version__, lifespan=lifespan,
                  description="A police force's mobile working platform. Every route names the permission it needs.")
    errors.install(app)
    for router in _routers():
        app.include_router(router, responses=errors.problems(*errors.COMMON_PROBLEMS))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(RequestContextMiddleware)
    return app
