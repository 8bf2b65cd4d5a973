"""Staff pages for crime reports: the list, the report form, each crime's page (victims with their
Victims' Code entitlement, the outcome, victim updates with their deadlines) and the supervisors'
list of overdue victim updates."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Problem
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.db import get_db
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS, STATES
from onbeat.records.core.pages import header_context, names_of
from onbeat.records.crime import forms, service, victims, views
from onbeat.records.crime.api import crimes_query
from onbeat.records.crime.codes import (CONTACT_METHODS, ENHANCED_REASONS, MO_KEYWORDS, OFFENCE_GROUPS, OFFENCES,
                                        OUTCOMES, PROPERTY_STATUSES, VICTIM_EVENTS)
from onbeat.records.crime.deadlines import ENHANCED_DAYS, STANDARD_DAYS
from onbeat.records.crime.schemas import CrimeIn, FinaliseIn, Parties, VictimEventIn, VictimUpdateIn
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
Pairs = Annotated[list[tuple[str, str]], Depends(forms.form_pairs)]
PATH = KINDS["crime"].path
OVERSIGHT = "Victims' Code compliance: overdue victim updates"

CODES = {"offences": OFFENCES, "groups": OFFENCE_GROUPS, "outcomes": OUTCOMES, "mo": MO_KEYWORDS,
         "reasons": ENHANCED_REASONS, "methods": CONTACT_METHODS, "events": VICTIM_EVENTS,
         "statuses": PROPERTY_STATUSES, "standard_days": STANDARD_DAYS, "enhanced_days": ENHANCED_DAYS}


def _failure(exc: Exception) -> dict:
    hint = exc.hint if isinstance(exc, Problem) else "Correct the fields marked and send the form again."
    return {"errors": forms.errors_of(exc), "hint": hint}


# --- list and report form ------------------------------------------------------------------------

@router.get(PATH)
def crime_list(request: Request, me: Requires("records.read"), db: DB, page_no: PageQuery = 1,
               offence_code: str = "", state: str = "", finalised: str = "") -> Response:
    code = offence_code.strip().upper()
    stmt = crimes_query(code if code in OFFENCES else None, state if state in STATES else None,
                        {"yes": True, "no": False}.get(finalised))
    rows, info = paginate(db, stmt, page_no, 25, scalars=False)
    officers = names_of(db, [r.author_id for r, _ in rows])
    form = {"offence_code": code, "state": state, "finalised": finalised}
    return page(request, "crime/list.html", {
        "rows": [{"record": r, "report": c, "offence": views.offence_out(c.offence_code),
                  "officer": officers.get(r.author_id, "")} for r, c in rows],
        "pg": info, "form": form, "states": STATES, "codes": CODES, "can_write": me.can("records.write"),
        "base": PATH + "?" + urlencode({k: v for k, v in form.items() if v}) + ("&" if any(form.values()) else "")})


def _new_form(request: Request, values: dict | None = None, failure: dict | None = None) -> Response:
    values = values or {"client_uuid": str(uuid.uuid4())}
    return page(request, "crime/new.html", {"codes": CODES, "values": values, **(failure or {})},
                status_code=400 if failure else 200)


@router.get(PATH + "/new")
def new_crime(request: Request, me: Requires("records.write")) -> Response:
    return _new_form(request)


@router.post(PATH)
def create_crime(request: Request, me: Requires("records.write"), db: DB, pairs: Pairs) -> Response:
    try:
        body = forms.parse(CrimeIn, pairs)
        record, _ = service.create(db, me, body)
    except (ValidationError, BadRequest) as exc:
        db.rollback()
        return _new_form(request, forms.flat(pairs), _failure(exc))
    db.commit()
    return _to_record(record.id, f"Reporting {record.reference}")


# --- one crime -----------------------------------------------------------------------------------

def _to_record(record_id: uuid.UUID, purpose: str, anchor: str = "") -> Response:
    return RedirectResponse(f"{PATH}/{record_id}?purpose={quote(purpose)}{anchor}", status_code=303)


def _record_page(request: Request, db: Session, me: Principal, record_id: uuid.UUID, purpose: str,
                 values: dict | None = None, failure: dict | None = None) -> Response:
    record, report = service.get(db, record_id)
    crime = views.crime_out(db, record, report)
    records.consult(db, me, record, purpose)
    db.commit()
    officers = names_of(db, [report.finalised_by_id, *(u.told_by_id for u in crime.updates)])
    victim_names = {v.person_id: v.label for v in crime.victims}
    open_for_parties = record.state != "submitted" and report.finalised_at is None and me.can("records.write") and (
        record.state == "approved" or record.author_id == me.id)
    return page(request, "crime/record.html", {
        **header_context(db, me, record), "crime": crime, "codes": CODES, "purpose": purpose,
        "officers": officers, "victim_names": victim_names, "values": values or {},
        "can_update_victims": me.can("victims.update"),
        "can_finalise": me.can("records.approve") and record.state == "approved" and report.finalised_at is None,
        "can_add": open_for_parties, **(failure or {})}, status_code=400 if failure else 200)


@router.get(PATH + "/{record_id}")
def crime_page(request: Request, record_id: uuid.UUID, me: Requires("records.read"), db: DB,
               purpose: str = "") -> Response:
    """One crime; reading it is recorded with the reason given (asked for first)."""
    record, _ = service.get(db, record_id)
    if len(purpose.strip()) < 3:
        return page(request, "crime/purpose.html", {"record": record, "tried": bool(purpose)},
                    status_code=400 if purpose else 200)
    return _record_page(request, db, me, record_id, purpose.strip()[:500])


def _purpose(pairs: list[tuple[str, str]], reference: str, doing: str) -> str:
    given = dict(pairs).get("purpose", "").strip()
    return given[:500] if len(given) >= 3 else f"{doing} {reference}"


def _act(request: Request, db: Session, me: Principal, record_id: uuid.UUID, pairs: list, doing: str,
         anchor: str, action) -> Response:
    """Run `action(record, report)` on the crime; on bad input show the page again with the errors."""
    record, report = service.get(db, record_id, lock=True)
    purpose = _purpose(pairs, record.reference, doing)
    try:
        action(record, report)
    except (ValidationError, BadRequest) as exc:
        db.rollback()
        return _record_page(request, db, me, record_id, purpose, forms.flat(pairs), _failure(exc))
    db.commit()
    return _to_record(record_id, purpose, anchor)


@router.post(PATH + "/{record_id}/parties")
def add_parties(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB,
                pairs: Pairs) -> Response:
    return _act(request, db, me, record_id, pairs, "Adding to", "#people",
                lambda record, report: service.add_parties(db, me, record, report, forms.parse(Parties, pairs)))


@router.post(PATH + "/{record_id}/finalise")
def finalise(request: Request, record_id: uuid.UUID, me: Requires("records.approve"), db: DB,
             pairs: Pairs) -> Response:
    return _act(request, db, me, record_id, pairs, "Finalising", "#outcome",
                lambda record, report: service.finalise(db, me, record, report, forms.parse(FinaliseIn, pairs)))


@router.post(PATH + "/{record_id}/victim-events")
def victim_event(request: Request, record_id: uuid.UUID, me: Requires("victims.update"), db: DB,
                 pairs: Pairs) -> Response:
    return _act(request, db, me, record_id, pairs, "Updating victims on", "#victim-updates",
                lambda record, report: victims.record_event(db, me, record, report,
                                                            forms.parse(VictimEventIn, pairs)))


@router.post(PATH + "/{record_id}/victim-updates")
def victim_update(request: Request, record_id: uuid.UUID, me: Requires("victims.update"), db: DB,
                  pairs: Pairs) -> Response:
    return _act(request, db, me, record_id, pairs, "Updating victims on", "#victim-updates",
                lambda record, report: victims.record_update(db, me, record, report,
                                                             forms.parse(VictimUpdateIn, pairs)))


# --- supervisors ---------------------------------------------------------------------------------

@router.get("/victims/overdue")
def overdue(request: Request, me: Requires("victims.oversee"), db: DB, page_no: PageQuery = 1) -> Response:
    """Victims not told of an event by its deadline, oldest deadline first."""
    rows, info = paginate(db, victims.duties_query("overdue"), page_no, 25, scalars=False)
    duties = views.duties_out(db, rows)
    officers = names_of(db, [r[3].author_id for r in rows])
    audit(db, me.actor, "consult", "records.crime.victim_duties", "victim", None, purpose=OVERSIGHT,
          detail={"status": "overdue", "page": page_no, "results": [str(d.id) for d in duties]})
    db.commit()
    return page(request, "crime/overdue.html", {
        "rows": [{"duty": d, "officer": officers.get(r[3].author_id, "")} for d, r in zip(duties, rows)],
        "pg": info, "base": "/victims/overdue?", "path_prefix": PATH, "oversight": OVERSIGHT})
