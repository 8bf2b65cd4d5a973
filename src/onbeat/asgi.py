"""The one ASGI application (`onbeat.asgi:create_app`): every module's API and pages, errors, live events.

(Not `app.py`: `onbeat.app` is the officer app's package.)
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
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

    return [health, identity_api, identity_pages, audit, events, command]


def create_app(start_listener: bool = True) -> FastAPI:
    settings = get_settings()
    onbeat_logging.configure(settings.log_level, settings.json_logs)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from onbeat.core.events.stream import broadcaster

        if start_listener:
            await broadcaster.start()
        yield
        await broadcaster.stop()

    app = FastAPI(title="OnBeat", version=__version__, lifespan=lifespan,
                  description="A police force's mobile working platform. Every route names the permission it needs.")
    errors.install(app)
    for router in _routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        request.state.request_id = request_id
        token = context.current.set(context.RequestContext(request_id, request.client.host if request.client else None))
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            context.current.reset(token)
        response.headers["X-Request-Id"] = request_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s %.1fms", request.method, request.url.path, response.status_code,
                      (time.perf_counter() - started) * 1000)
        return response

    return app
