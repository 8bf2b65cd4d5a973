"""Render staff pages with the shared layout, navigation for the user's role and UK times."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from onbeat.core.time import format_uk

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=[str(HERE / "templates")])
templates.env.filters["uk"] = format_uk
templates.env.filters["uk_seconds"] = lambda m: format_uk(m, with_seconds=True)

# The navigation: (label, path, permission). A link shows only to those who may follow it.
NAV: list[tuple[str, str, str]] = [
    ("Home", "/", "self.read"),
    ("Records", "/records", "records.read"),
    ("To review", "/records/review", "records.approve"),
    ("People", "/persons", "persons.read"),
    ("Merges", "/persons/merges", "persons.merge"),
    ("Evidence", "/evidence", "evidence.read"),
    ("My notebook", "/notebook", "notebook.write"),
    ("Notebooks", "/notebooks", "notebook.read"),
    ("Victims due", "/victims/overdue", "victims.oversee"),
    ("Take a call", "/contacts/new", "contacts.create"),
    ("Incidents", "/incidents", "incidents.read"),
    ("Board", "/board", "incidents.read"),
    ("Units", "/units", "units.read"),
    ("Devices", "/fleet/devices", "fleet.read"),
    ("Device builds", "/fleet/queue", "fleet.read"),
    ("Findings", "/fleet/findings", "fleet.read"),
    ("Request a device", "/fleet/requests/new", "fleet.request"),
    ("My deliveries", "/fleet/deliveries", "fleet.deliver"),
    ("My devices", "/fleet/my-devices", "fleet.report_lost"),
    ("Staff", "/admin/users", "users.read"),
    ("Audit log", "/admin/audit", "audit.read"),
    ("My account", "/account", "self.read"),
]


def page(request: Request, template: str, context: dict | None = None, status_code: int = 200,
         headers: dict | None = None) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    nav = [(label, path) for label, path, perm in NAV if principal and principal.can(perm)]
    ctx = {"principal": principal, "nav": nav, "path": request.url.path,
           "csrf_token": principal.session.csrf_token if principal and principal.session else
           getattr(request.state, "anon_csrf", "")}
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers)


def error_page(request: Request, status: int, body: dict, headers: dict | None = None) -> HTMLResponse:
    if status == 401:
        from fastapi.responses import RedirectResponse
        from urllib.parse import quote

        nxt = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={nxt}", status_code=303)
    return page(request, "error.html", {"problem": body}, status_code=status, headers=headers)
