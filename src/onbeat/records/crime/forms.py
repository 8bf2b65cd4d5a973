"""Reading the crime pages' forms into the API's own models, and their errors back onto the form.

Inputs are named by their path in the API body (`victims.0.person.given_name`), so a problem the
API would name is shown beside the input of the same name. Times come from `datetime-local`
inputs, which carry no zone: they are UK time.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from pydantic import BaseModel, ValidationError

from onbeat.core.errors import Problem
from onbeat.core.time import UK

# Inputs holding a UK local date and time (YYYY-MM-DDTHH:MM).
TIME_FIELDS = {"committed_from", "committed_to", "occurred_at", "told_at", "event_at"}
# Inputs that may be sent many times (checkboxes).
LIST_FIELDS = {"mo_keywords", "victim_ids"}
NOT_DATA = {"csrf_token", "purpose", "part"}


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """Dependency: the submitted form as (name, value) pairs (after the permission check)."""
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def flat(pairs: list[tuple[str, str]]) -> dict[str, object]:
    """What was typed, by input name, to fill the form again after an error."""
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in LIST_FIELDS:
            out.setdefault(key, []).append(value)  # type: ignore[union-attr]
        elif key != "csrf_token":
            out[key] = value
    return out


def _uk_time(value: str) -> str:
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        return value  # the model names the field and says what is wrong
    return (local if local.tzinfo else local.replace(tzinfo=UK)).isoformat()


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def nested(pairs: list[tuple[str, str]]) -> dict:
    """Form pairs as an API body: dotted names become objects and lists; empty inputs are left out."""
    out: dict = {}
    for key, raw in pairs:
        value = raw.strip()
        if key in NOT_DATA or value == "":
            continue
        if key in LIST_FIELDS:
            out.setdefault(key, []).append(value)
            continue
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = _uk_time(value) if parts[-1] in TIME_FIELDS else value
    return _lists(out)


def parse(model: type[BaseModel], pairs: list[tuple[str, str]], **extra) -> BaseModel:
    """The form as `model`; a ValidationError names each input that is wrong."""
    return model.model_validate({**nested(pairs), **extra})


def errors_of(exc: Exception) -> dict[str, str]:
    """Input name -> message, from a validation error or a problem the service raised."""
    if isinstance(exc, ValidationError):
        out = {}
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "form"
            out.setdefault(name, err["msg"].removeprefix("Value error, "))
        return out
    if isinstance(exc, Problem):
        return {e["field"]: e["message"] for e in exc.errors} or {exc.field or "form": exc.detail}
    raise exc
