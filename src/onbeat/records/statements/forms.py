"""Turn the statement pages' form fields into the API's models, and errors back into messages beside fields.

A form field is named after the model field it fills, with dots as underscores:
`witness.date_of_birth` is `witness_date_of_birth`, `witness_private.dates_to_avoid.0.start` is
`witness_private_dates_to_avoid_0_start`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from onbeat.core.errors import Problem
from onbeat.core.time import UK, uk
from onbeat.records.statements.codes import CONSENTS

WITNESS_FIELDS = ("given_name", "family_name", "date_of_birth", "address", "postcode", "phone")
PRIVATE_TEXT = ("address", "postcode", "home_phone", "mobile_phone", "work_phone", "email", "preferred_contact")
DATE_ROWS = 3


class FormError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def local_input(moment: datetime | None) -> str:
    """A UTC time as a datetime-local input shows it (UK time)."""
    return uk(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def parse_local(value: str, field: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(tzinfo=UK)
    except ValueError:
        raise FormError({field: f"{value!r} is not a date and time: use the picker, or type YYYY-MM-DDTHH:MM."})


def text(form, name: str) -> str:
    return str(form.get(name) or "").strip()


def optional(form, name: str) -> str | None:
    return text(form, name) or None


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def private_data(form) -> dict | None:
    """The witness-private part from the form, or None when nothing in it was filled."""
    data: dict = {k: text(form, f"witness_private_{k}") for k in PRIVATE_TEXT}
    data["special_measures"] = [str(v) for v in form.getlist("witness_private_special_measures")]
    data["dates_to_avoid"] = []
    for i in range(DATE_ROWS):
        row = {k: text(form, f"witness_private_dates_to_avoid_{i}_{k}") for k in ("start", "end", "reason")}
        if any(row.values()):
            data["dates_to_avoid"].append({**row, "start": row["start"] or None, "end": row["end"] or None})
    for key in CONSENTS:
        data[key] = _yes_no(text(form, f"witness_private_{key}"))
    return data if any(v not in ("", None, []) for v in data.values()) else None


def private_values(row) -> dict:
    """Form values (name -> string or list) from a stored witness-private part."""
    values: dict = {f"witness_private_{k}": getattr(row, k) or "" for k in PRIVATE_TEXT}
    values["witness_private_special_measures"] = list(row.special_measures or [])
    for i, span in enumerate(row.dates_to_avoid or []):
        for k in ("start", "end", "reason"):
            values[f"witness_private_dates_to_avoid_{i}_{k}"] = span.get(k) or ""
    for key in CONSENTS:
        value = getattr(row, key)
        values[f"witness_private_{key}"] = "" if value is None else ("yes" if value else "no")
    return values


def field_name(loc, known: set[str]) -> str:
    """The form field an error belongs to: its whole path if the form has it, else the nearest parent."""
    parts = [str(p) for p in loc if p not in ("body",)]
    while parts:
        name = "_".join(parts)
        if name in known or not known:
            return name
        parts.pop()
    return "form"


def errors_of(exc: Exception, known: set[str], prefix: tuple = ()) -> dict[str, str]:
    """Messages by form field, from a validation error, a service problem or a FormError.
    `prefix` is where the validated model sits in the form (("witness_private",) for that part alone)."""
    if isinstance(exc, FormError):
        return exc.errors
    if isinstance(exc, ValidationError):
        out: dict[str, str] = {}
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            out.setdefault(field_name(prefix + tuple(err["loc"]), known), message)
        return out
    if isinstance(exc, Problem):
        found = {field_name(e["field"].replace("[", ".").replace("]", "").split("."), known): e["message"]
                 for e in exc.errors if e.get("field")}
        if not found:
            found = {"form": exc.detail}
        if exc.hint:
            first = next(iter(found))
            found[first] = f"{found[first]} {exc.hint}"
        return found
    raise exc
