"""The record forms' "already known?" panel: while an officer types a person's details into a form,
the people already known who match are offered (HTMX), each with why and their warning markers;
choosing one makes the record name that person instead of a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onbeat.core.security import Requires
from onbeat.db import get_db
from onbeat.records.matching import normalise as norm
from onbeat.records.suggest import service
from onbeat.records.suggest.api import person_candidates
from onbeat.web.render import page

router = APIRouter(tags=["records"])
DB = Annotated[Session, Depends(get_db)]
Field = Annotated[str, Query(max_length=300)]

# The consultation's purpose: the panel only ever shows while a record is being written.
PURPOSE = "Writing a record: checking whether the person is already known"


@router.get("/records/persons/suggestions")
def person_suggestions(request: Request, me: Requires("persons.read"), db: DB, person_given_name: Field = "",
                       person_family_name: Field = "", person_date_of_birth: Field = "", person_postcode: Field = "",
                       person_address: Field = "") -> Response:
    """The panel for the form's person fields (named as the record forms name them)."""
    q = service.PersonQuery(given_name=person_given_name.strip() or None, surname=person_family_name.strip() or None,
                            date_of_birth=norm.parse_date(person_date_of_birth) if person_date_of_birth.strip() else None,
                            postcode=person_postcode.strip() or None, address=person_address.strip() or None)
    found = person_candidates(db, me, PURPOSE, q, 5) if service.usable(q) else None
    return page(request, "suggest/_persons.html", {"found": found})
