"""Staff pages for statements: the list, the take/edit form, the statement's page, the witness-private part.

Each kind has its own pages under `Kind.path` (/records/witness-statement, /records/officer-statement).
Reading a statement is a consultation of personal data: the page asks why before showing it, and
the links from it carry that reason on (to the PDF, the edit form, the witness-private part).
"""

from __future__ import annotations

import base64
import uuid
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Forbidden, Problem
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Principal, Requires
from onbeat.core.time import format_uk, utcnow
from onbeat.db import get_db
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS, STATES, Kind
from onbeat.records.core.models import Record
from onbeat.records.core.pages import header_context, names_of
from onbeat.records.statements import forms, layout, service
from onbeat.records.statements.codes import CONSENTS, SIGNER_LABELS, SPECIAL_MEASURES
from onbeat.records.statements.models import DECLARATION, Statement, WitnessPrivate
from onbeat.records.statements.schemas import StatementIn, StatementUpdate, WitnessPrivateIn
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
CREATE_FIELDS = {"occurred_at", "place", "incident_number", "urn", "age", "occupation", "text", "witness",
                 *(f"witness_{k}" for k in forms.WITNESS_FIELDS), "witness_private", "form"}
PRIVATE_FIELDS = {"witness_private", *(f"witness_private_{k}" for k in forms.PRIVATE_TEXT),
                  "witness_private_special_measures", "witness_private_dates_to_avoid",
                  *(f"witness_private_dates_to_avoid_{i}_{k}" for i in range(forms.DATE_ROWS)
                    for k in ("start", "end", "reason")), *(f"witness_private_{k}" for k in CONSENTS)}


def _purpose_ok(purpose: str) -> bool:
    return len(purpose.strip()) >= 3


def _link(kind: Kind, record_id, suffix: str = "", **query) -> str:
    q = urlencode({k: v for k, v in query.items() if v})
    return f"{kind.path}/{record_id}{suffix}" + (f"?{q}" if q else "")


def _ask_purpose(request: Request, kind: Kind, action: str, what: str, error: str | None = None) -> Response:
    return page(request, "statements/purpose.html", {"kind": kind, "action": action, "what": what, "error": error},
                status_code=400 if error else 200)


def _get(db: Session, kind: Kind, record_id: uuid.UUID, lock: bool = False) -> tuple[Record, Statement]:
    record, statement = service.get(db, record_id, lock=lock)
    if record.kind != kind.name:
        records.get(db, record_id, kind.name)  # the kind's own "not found"
    return record, statement


def _svg_src(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# --- the list ------------------------------------------------------------------------------------------

def list_page(kind: Kind):
    def statements_list(request: Request, me: Requires("records.read"), db: DB, page_no: PageQuery = 1,
                        reference: str = "", urn: str = "", state: str = "", purpose: str = "") -> Response:
        form = {"reference": reference, "urn": urn, "state": state, "purpose": purpose}
        ctx = {"kind": kind, "form": form, "states": STATES, "rows": None, "error": None}
        if request.query_params and not _purpose_ok(purpose):
            ctx["error"] = "Say why you are looking at statements (for example an incident or crime reference)."
        elif _purpose_ok(purpose):
            stmt = service.search(kind=kind.name, urn=urn, reference=reference or None,
                                  state=state if state in STATES else None)
            found, info = paginate(db, stmt, page_no, 25)
            audit(db, me.actor, "consult", "records.statements.searched", "statement", None, purpose=purpose.strip(),
                  detail={"filters": {k: v for k, v in form.items() if v and k != "purpose"},
                          "results": [r.reference for r in found]})
            db.commit()
            authors = names_of(db, [r.author_id for r in found])
            ctx["rows"] = [{"record": r, "statement": db.get(Statement, r.id), "author": authors.get(r.author_id, ""),
                            "href": _link(kind, r.id, purpose=purpose.strip())} for r in found]
            ctx["pg"] = info
            ctx["base"] = f"{kind.path}?" + urlencode({k: v for k, v in form.items() if v}) + "&"
        return page(request, "statements/list.html", ctx, status_code=400 if ctx["error"] else 200)

    return statements_list


# --- take and edit -------------------------------------------------------------------------------------

def _form(request: Request, kind: Kind, values: dict, errors: dict | None = None, record: Record | None = None,
          signed: int = 0, status: int = 200) -> Response:
    action = f"{kind.path}/{record.id}" if record else kind.path
    return page(request, "statements/form.html", {
        "kind": kind, "values": values, "errors": errors or {}, "record": record, "action": action,
        "signed_count": signed, "measures": SPECIAL_MEASURES, "consents": CONSENTS, "date_rows": forms.DATE_ROWS,
        "witness_kind": kind.name == "witness_statement"}, status_code=status)


def new_form(kind: Kind):
    def statement_new(request: Request, me: Requires("records.write")) -> Response:
        return _form(request, kind, {"client_uuid": str(uuid.uuid4()), "occurred_at": forms.local_input(utcnow())})

    return statement_new


def _statement_in(kind: Kind, form) -> StatementIn:
    data = {"kind": kind.name, "client_uuid": forms.text(form, "client_uuid") or None,
            "occurred_at": forms.parse_local(forms.text(form, "occurred_at"), "occurred_at"),
            "place": forms.optional(form, "place"), "incident_number": forms.optional(form, "incident_number"),
            "urn": forms.optional(form, "urn"), "age": forms.optional(form, "age"),
            "occupation": forms.optional(form, "occupation"), "text": str(form.get("text") or "")}
    if kind.name == "witness_statement":
        witness = {k: forms.text(form, f"witness_{k}") for k in forms.WITNESS_FIELDS}
        data["witness"] = {k: v for k, v in witness.items() if v} or None
        data["witness_private"] = forms.private_data(form)
    return StatementIn.model_validate(data)


def create_form(kind: Kind):
    async def statement_create(request: Request, me: Requires("records.write"), db: DB) -> Response:
        form = await request.form()
        values = {k: (form.getlist(k) if k == "witness_private_special_measures" else v) for k, v in form.items()}
        try:
            record, _, _ = service.create(db, me, _statement_in(kind, form))
        except (ValidationError, Problem, forms.FormError) as exc:
            db.rollback()
            return _form(request, kind, values, forms.errors_of(exc, CREATE_FIELDS | PRIVATE_FIELDS), status=400)
        db.commit()
        return RedirectResponse(_link(kind, record.id, purpose=f"Taking statement {record.reference}"),
                                status_code=303)

    return statement_create


def _editable(db: Session, me: Principal, kind: Kind, record_id: uuid.UUID) -> tuple[Record, Statement]:
    record, statement = _get(db, kind, record_id, lock=True)
    if record.author_id != me.id:
        raise Forbidden(f"{record.reference} belongs to another officer; only its author may change it.")
    service.ensure_unsealed(record, statement)
    records.ensure_editable(record, me)
    return record, statement


def edit_form(kind: Kind):
    def statement_edit(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB,
                       purpose: str = "") -> Response:
        record, statement = _editable(db, me, kind, record_id)
        if not _purpose_ok(purpose):
            return _ask_purpose(request, kind, f"{kind.path}/{record.id}/edit", f"edit {record.reference}")
        service.consult(db, me, record, purpose.strip())
        db.commit()
        values = {"occurred_at": forms.local_input(record.occurred_at), "place": record.place or "",
                  "incident_number": record.incident_number or "", "urn": statement.urn or "",
                  "age": "" if statement.age is None else str(statement.age), "occupation": statement.occupation,
                  "text": statement.body, "statement_of": statement.statement_of, "purpose": purpose.strip()}
        return _form(request, kind, values, record=record, signed=len(service.signatures_of(db, record.id)))

    return statement_edit


def update_form(kind: Kind):
    async def statement_update(request: Request, record_id: uuid.UUID, me: Requires("records.write"),
                               db: DB) -> Response:
        form = await request.form()
        values = dict(form.items())
        record, statement = _editable(db, me, kind, record_id)
        try:
            data = {"occurred_at": forms.parse_local(forms.text(form, "occurred_at"), "occurred_at"),
                    "place": forms.optional(form, "place"), "incident_number": forms.optional(form, "incident_number"),
                    "urn": forms.optional(form, "urn"), "occupation": forms.optional(form, "occupation"),
                    "text": str(form.get("text") or ""), "discard_signatures": form.get("discard_signatures") == "yes"}
            if kind.name == "witness_statement":
                data["age"] = forms.optional(form, "age")
            body = StatementUpdate.model_validate(data)
            changed = {k for k in body.model_fields_set - {"discard_signatures"}
                       if _differs(k, getattr(body, k), record, statement)}
            body = StatementUpdate.model_validate({k: data[k] for k in changed | {"discard_signatures"}})
            service.update(db, me, record, statement, body)
        except (ValidationError, Problem, forms.FormError) as exc:
            db.rollback()
            record, _ = _get(db, kind, record_id)
            values["statement_of"] = statement.statement_of
            return _form(request, kind, values, forms.errors_of(exc, CREATE_FIELDS | {"discard_signatures"}),
                         record=record, signed=len(service.signatures_of(db, record.id)), status=400)
        db.commit()
        purpose = forms.text(form, "purpose") or f"Taking statement {record.reference}"
        return RedirectResponse(_link(kind, record.id, purpose=purpose), status_code=303)

    return statement_update


def _differs(field: str, value, record: Record, statement: Statement) -> bool:
    """Only fields the officer changed count as a change (an unchanged form changes nothing)."""
    current = {"occurred_at": record.occurred_at, "place": record.place, "incident_number": record.incident_number,
               "urn": statement.urn, "age": statement.age, "occupation": statement.occupation or None,
               "text": statement.body}[field]
    if field == "occurred_at":
        return value is not None and forms.local_input(value) != forms.local_input(current)
    if field == "text":
        return layout.clean(value or "") != current
    return value != current


def correction_form(kind: Kind):
    async def statement_correct(request: Request, record_id: uuid.UUID, me: Requires("records.write"),
                                db: DB) -> Response:
        form = await request.form()
        old, statement = _get(db, kind, record_id, lock=True)
        try:
            client_uuid = uuid.UUID(forms.text(form, "client_uuid"))
        except ValueError:
            raise BadRequest("The form had no correction key.", field="client_uuid",
                             hint="Reload the page and try again.")
        record, _, _ = service.correct(db, me, old, statement, client_uuid)
        db.commit()
        return RedirectResponse(_link(kind, record.id, "/edit", purpose=f"Correcting {old.reference}"),
                                status_code=303)

    return statement_correct


# --- the statement's page -------------------------------------------------------------------------------

def record_page(kind: Kind):
    def statement_page(request: Request, record_id: uuid.UUID, me: Requires("records.read"), db: DB,
                       purpose: str = "") -> Response:
        record, statement = _get(db, kind, record_id)
        if not _purpose_ok(purpose):
            return _ask_purpose(request, kind, f"{kind.path}/{record.id}", f"read {record.reference}",
                                "Give a reason of at least 3 characters." if purpose else None)
        purpose = purpose.strip()
        service.consult(db, me, record, purpose)
        private = None
        if kind.name == "witness_statement" and me.can("records.witness_private"):
            private = service.read_private(db, me, record, purpose)
        db.commit()
        signed = service.signatures_of(db, record.id)
        by_page = {s.page: s for s in signed}
        pages = [{"number": n, "lines": text.split("\n") if text else [], "signature": by_page.get(n)}
                 for n, text in enumerate(statement.pages, start=1)]
        newer = service.corrected_by(db, record)
        ctx = header_context(db, me, record)
        ctx.update({
            "statement": statement, "pages": pages, "declaration_signature": by_page.get(DECLARATION),
            "declaration": layout.declaration(len(statement.pages)), "age_text": service.age_text(statement),
            "svg_src": _svg_src, "signers": SIGNER_LABELS, "purpose": purpose,
            "pdf_href": f"/api/statements/{record.id}/pdf?" + urlencode({"purpose": purpose}),
            "edit_href": _link(kind, record.id, "/edit", purpose=purpose),
            "private_href": _link(kind, record.id, "/witness-private", purpose=purpose),
            "mine": record.author_id == me.id, "sealed": statement.sealed_at is not None,
            "hash_verified": service.verified(db, record, statement), "newer": newer,
            "newer_href": _link(kind, newer.id, purpose=purpose) if newer else None,
            "missing": service.missing(statement, signed), "private": private,
            "private_rows": _private_rows(private) if private else [],
            "can_private": me.can("records.witness_private"), "witness_kind": kind.name == "witness_statement",
            "has_private": db.get(WitnessPrivate, record.id) is not None, "measures": SPECIAL_MEASURES,
            "consents": CONSENTS, "correction_uuid": uuid.uuid4(), "format_uk": format_uk,
        })
        return page(request, "statements/record.html", ctx)

    return statement_page


def _uk_day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _private_rows(row: WitnessPrivate) -> list[tuple[str, str]]:
    """What the page shows of the witness-private part: the details given, dates the UK way."""
    address = ", ".join(x for x in (row.address, row.postcode) if x)
    spans = "; ".join(f"{_uk_day(d['start'])} to {_uk_day(d['end'])}" + (f" ({d['reason']})" if d.get("reason") else "")
                      for d in row.dates_to_avoid or [])
    rows = [("Address", address), ("Home phone", row.home_phone), ("Mobile phone", row.mobile_phone),
            ("Work phone", row.work_phone), ("Email", row.email), ("Best times to contact", row.preferred_contact),
            ("Dates to avoid", spans or "None given"),
            ("Special measures", "; ".join(SPECIAL_MEASURES.get(m, m) for m in row.special_measures or []) or "None")]
    rows = [(label, value) for label, value in rows if value]
    for key, label in CONSENTS.items():
        value = getattr(row, key)
        rows.append((label, "Not asked yet" if value is None else ("Yes" if value else "No")))
    return rows


# --- the witness-private part ------------------------------------------------------------------------------

def private_form(kind: Kind):
    def witness_private_form(request: Request, record_id: uuid.UUID, me: Requires("records.write"), db: DB,
                             purpose: str = "") -> Response:
        record, _ = _get(db, kind, record_id)
        records.ensure_editable(record, me)
        values: dict = {"purpose": purpose.strip()}
        shown = False
        if me.can("records.witness_private") and _purpose_ok(purpose):
            row = service.read_private(db, me, record, purpose.strip())
            db.commit()
            if row is not None:
                values |= forms.private_values(row)
            shown = True
        return _private_page(request, kind, record, values, {}, shown)

    return witness_private_form


def _private_page(request: Request, kind: Kind, record: Record, values: dict, errors: dict, shown: bool,
                  status: int = 200) -> Response:
    return page(request, "statements/private_form.html", {
        "kind": kind, "record": record, "values": values, "errors": errors, "shown": shown,
        "can_private": getattr(request.state, "principal", None) is not None
        and request.state.principal.can("records.witness_private"),
        "measures": SPECIAL_MEASURES, "consents": CONSENTS, "date_rows": forms.DATE_ROWS}, status_code=status)


def private_save(kind: Kind):
    async def witness_private_save(request: Request, record_id: uuid.UUID, me: Requires("records.write"),
                                   db: DB) -> Response:
        form = await request.form()
        values = {k: (form.getlist(k) if k == "witness_private_special_measures" else v) for k, v in form.items()}
        record, _ = _get(db, kind, record_id, lock=True)
        try:
            service.save_private(db, me, record, WitnessPrivateIn.model_validate(forms.private_data(form) or {}))
        except (ValidationError, Problem) as exc:
            db.rollback()
            if isinstance(exc, Problem) and exc.status != 400:
                raise
            errors = forms.errors_of(exc, PRIVATE_FIELDS, prefix=("witness_private",))
            record, _ = _get(db, kind, record_id)
            return _private_page(request, kind, record, values, errors, shown=True, status=400)
        db.commit()
        purpose = forms.text(form, "purpose") or f"Taking statement {record.reference}"
        return RedirectResponse(_link(kind, record.id, purpose=purpose, saved="private"), status_code=303)

    return witness_private_save


for _kind in (KINDS["witness_statement"], KINDS["officer_statement"]):
    _p = _kind.path
    router.add_api_route(_p, list_page(_kind), methods=["GET"])
    router.add_api_route(f"{_p}/new", new_form(_kind), methods=["GET"])
    router.add_api_route(_p, create_form(_kind), methods=["POST"])
    router.add_api_route(f"{_p}/{{record_id}}", record_page(_kind), methods=["GET"])
    router.add_api_route(f"{_p}/{{record_id}}", update_form(_kind), methods=["POST"])
    router.add_api_route(f"{_p}/{{record_id}}/edit", edit_form(_kind), methods=["GET"])
    router.add_api_route(f"{_p}/{{record_id}}/correction", correction_form(_kind), methods=["POST"])
    if _kind.name == "witness_statement":
        router.add_api_route(f"{_p}/{{record_id}}/witness-private", private_form(_kind), methods=["GET"])
        router.add_api_route(f"{_p}/{{record_id}}/witness-private", private_save(_kind), methods=["POST"])
