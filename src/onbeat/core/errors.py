"""Errors: RFC 9457 problem details for the API, friendly pages for people.

Service code raises the `Problem` subclasses below; the handlers render them as
`application/problem+json` for API and machine clients, or an HTML page for browsers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    status = 400
    title = "Bad request"
    type = "about:blank"

    def __init__(self, detail: str, *, field: str | None = None, hint: str | None = None,
                 errors: list[dict] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.hint = hint
        self.errors = errors or ([{"field": field, "message": detail}] if field else [])
        self.headers = headers or {}


class BadRequest(Problem):
    status, title = 400, "Bad request"


class Unauthorised(Problem):
    status, title = 401, "Sign-in required"


class Forbidden(Problem):
    status, title = 403, "Not allowed"


class NotFound(Problem):
    status, title = 404, "Not found"


class Conflict(Problem):
    status, title = 409, "Conflict"


class Locked(Problem):
    status, title = 423, "Account locked"


_TITLES = {400: "Bad request", 401: "Sign-in required", 403: "Not allowed", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 413: "Request too large", 415: "Unsupported media type",
           422: "Invalid input", 423: "Account locked", 429: "Too many requests", 500: "Internal error",
           503: "Service unavailable"}

_HINTS = {401: "Sign in and try again.", 403: "Ask your supervisor or the service desk if you need this access.",
          404: "Check the address or reference.", 500: "Try again; if it keeps happening, call the service desk "
          "and quote the request id."}


class FieldProblem(BaseModel):
    field: str
    message: str
    type: str | None = None


class ProblemDetails(BaseModel):
    """The body of every error answer from the API (RFC 9457), as `problem_body` makes it."""
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    errors: list[FieldProblem] = []
    hint: str | None = None


# What any API route may answer besides success; routes add their own (409, 423...) with `problems`.
COMMON_PROBLEMS = (400, 401, 403, 404, 422)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries: these statuses answer with a ProblemDetails document."""
    schema = {"$ref": "#/components/schemas/ProblemDetails"}
    return {status: {"description": _TITLES[status], "content": {PROBLEM_JSON: {"schema": schema}}}
            for status in statuses}


def _document_problems(app: FastAPI) -> None:
    """Put ProblemDetails (referenced by `problems`) into the OpenAPI document's components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            model = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(model.pop("$defs", {}))
            schemas["ProblemDetails"] = model
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def problem_body(request: Request, status: int, detail: str, *, title: str | None = None,
                 errors: list[dict] | None = None, hint: str | None = None, type_: str = "about:blank") -> dict:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    if hint or status in _HINTS:
        body["hint"] = hint or _HINTS[status]
    return body


def render(request: Request, status: int, body: dict, headers: dict | None = None) -> Response:
    if wants_html(request):
        from onbeat.web.render import error_page

        return error_page(request, status, body, headers)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _loc_to_field(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def install(app: FastAPI) -> None:
    _document_problems(app)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        body = problem_body(request, exc.status, exc.detail, title=exc.title, errors=exc.errors, hint=exc.hint,
                            type_=exc.type)
        return render(request, exc.status, body, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = []
        for err in exc.errors():
            loc = err.get("loc", ())
            if err.get("type") == "json_invalid":
                errors.append({"field": "body", "message": "The body is not valid JSON: " + str(err.get("ctx", {}).get("error", ""))})
                continue
            errors.append({"field": _loc_to_field(loc), "message": err.get("msg", "invalid"), "type": err.get("type")})
        status = 400 if any(e["field"] == "body" and "JSON" in e["message"] for e in errors) else 422
        fields = ", ".join(sorted({e["field"] for e in errors}))
        detail = f"Check these fields: {fields}." if status == 422 else "The request body could not be read."
        body = problem_body(request, status, detail, errors=errors,
                            hint="Correct the fields named in errors and send the request again.")
        return render(request, status, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"Nothing is at {request.url.path}."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        body = problem_body(request, exc.status_code, detail)
        return render(request, exc.status_code, body, getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError):
        # A NUL character in any text the client sent: PostgreSQL cannot store it, so it is bad input, not a 500.
        if "NUL (0x00)" not in str(exc.orig) and getattr(exc.orig, "sqlstate", None) != "22P05":
            raise exc
        body = problem_body(request, 400, "The request contains a NUL character (\\u0000), which cannot be stored.",
                            hint="Remove it and send the request again.")
        return render(request, 400, body)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        import logging

        from onbeat.core import context

        # Handled outside the request middleware, whose context has ended: restore it for the log line.
        token = context.current.set(context.RequestContext(getattr(request.state, "request_id", None),
                                                           request.client.host if request.client else None))
        try:
            logging.getLogger("onbeat.errors").exception("unhandled error on %s %s", request.method, request.url.path)
        finally:
            context.current.reset(token)
        body = problem_body(request, 500, "Something went wrong on our side; nothing you sent was half-saved.")
        # This answer is sent from outside the request middleware, which would otherwise add the header.
        return render(request, 500, body, {"X-Request-Id": body["request_id"]} if body["request_id"] else None)
