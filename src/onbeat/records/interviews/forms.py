"""The interview pages' form fields to and from the API's models, and errors back beside the fields.

Form fields are named after the model's fields with underscores for dots, except the questions and
answers (`qa_0_question`) and the people present (`present_0_name`). Blank rows are left out; each
kept row remembers its row on the form so an error lands beside the right one.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ValidationError

from onbeat.core.errors import Problem
from onbeat.core.time import UK, uk
from onbeat.records.interviews.models import Interview, InterviewAttendee, InterviewExchange

PERSON_FIELDS = ("given_name", "family_name", "date_of_birth")
BLANK_ROWS = 3
MAX_ROWS = {"present": 20 + BLANK_ROWS, "qa": 500 + BLANK_ROWS}


class FormError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def local_input(moment: datetime | None) -> str:
    return uk(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _text(form, name: str) -> str:
    return str(form.get(name) or "").replace("\r\n", "\n").strip()


def _when(form, name: str) -> datetime | None:
    value = _text(form, name)
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(tzinfo=UK)
    except ValueError:
        raise FormError({name: f"{value!r} is not a date and time: use the picker, or type YYYY-MM-DDTHH:MM."})


def _yes_no(form, name: str) -> bool | None:
    return {"yes": True, "no": False}.get(_text(form, name))


def row_count(form, prefix: str) -> int:
    """How many rows of a list the form had (never more than the list may hold, plus the blank ones)."""
    sent = _text(form, f"{prefix}_rows")
    return min(int(sent), MAX_ROWS[prefix]) if sent.isdigit() and len(sent) < 6 else 0


def parse(form) -> tuple[dict, dict[str, list[int]]]:
    """The form as API fields, and for each list the form row of each item kept."""
    rows: dict[str, list[int]] = {"present": [], "exchanges": []}
    data: dict = {
        "place": _text(form, "place"), "incident_number": _text(form, "incident_number") or None,
        "suspect": _yes_no(form, "suspect"), "caution_code": _text(form, "caution_code") or None,
        "caution_given": _yes_no(form, "caution_given"), "caution_understood": _yes_no(form, "caution_understood"),
        "caution_notes": _text(form, "caution_notes") or None, "started_at": _when(form, "started_at"),
        "ended_at": _when(form, "ended_at"), "offered_to_read": _yes_no(form, "offered_to_read"),
        "interviewee_comments": _text(form, "interviewee_comments") or None, "present": [], "exchanges": []}
    problems: dict[str, str] = {}
    for i in range(row_count(form, "present")):
        row = {k: _text(form, f"present_{i}_{k}") for k in ("role", "name", "detail")}
        if row["name"] or row["detail"]:
            data["present"].append({**row, "detail": row["detail"] or None})
            rows["present"].append(i)
    for i in range(row_count(form, "qa")):
        question, answer = _text(form, f"qa_{i}_question"), _text(form, f"qa_{i}_answer")
        if question or answer or _text(form, f"qa_{i}_asked_at"):
            try:
                asked = _when(form, f"qa_{i}_asked_at")
            except FormError as exc:
                problems.update(exc.errors)
                continue
            data["exchanges"].append({"asked_at": asked, "question": question, "answer": answer})
            rows["exchanges"].append(i)
    person_id = _text(form, "interviewee_id")
    person = {k: _text(form, f"interviewee_{k}") or None for k in PERSON_FIELDS}
    if person_id:
        try:
            data["interviewee"] = {"id": str(uuid.UUID(person_id))}
        except ValueError:
            problems["interviewee_id"] = "That is not a person's id: copy it from the person's page, or leave it " \
                                         "blank and give their details."
    elif any(person.values()):
        data["interviewee"] = person
    if problems:
        raise FormError(problems)
    return data, rows


def values_of(record, interview: Interview, present: list[InterviewAttendee],
              exchanges: list[InterviewExchange]) -> dict:
    """A stored record as form values (name -> text)."""
    yes_no = lambda v: "" if v is None else ("yes" if v else "no")  # noqa: E731
    values = {"place": record.place or "", "incident_number": record.incident_number or "",
              "suspect": yes_no(interview.suspect), "caution_code": interview.caution_code,
              "caution_given": yes_no(interview.caution_given),
              "caution_understood": yes_no(interview.caution_understood),
              "caution_notes": interview.caution_notes or "", "started_at": local_input(interview.started_at),
              "ended_at": local_input(interview.ended_at), "offered_to_read": yes_no(interview.offered_to_read),
              "interviewee_comments": interview.interviewee_comments or "",
              "present_rows": len(present) + BLANK_ROWS, "qa_rows": len(exchanges) + BLANK_ROWS}
    for i, a in enumerate(present):
        values.update({f"present_{i}_role": a.role, f"present_{i}_name": a.name, f"present_{i}_detail": a.detail or ""})
    for i, e in enumerate(exchanges):
        values.update({f"qa_{i}_asked_at": local_input(e.asked_at), f"qa_{i}_question": e.question,
                       f"qa_{i}_answer": e.answer})
    return values


def _form_name(parts: list, rows: dict[str, list[int]]) -> str:
    parts = [str(p) for p in parts if p != "body"]
    if len(parts) >= 2 and parts[0] in rows and parts[1].isdigit():
        index = int(parts[1])
        row = rows[parts[0]][index] if index < len(rows[parts[0]]) else index
        prefix = "qa" if parts[0] == "exchanges" else "present"
        if len(parts) > 2:
            return "_".join([prefix, str(row), *parts[2:]])
        return f"{prefix}_{row}_" + ("question" if prefix == "qa" else "name")
    return "_".join(parts) or "form"


def errors_of(exc: Exception, rows: dict[str, list[int]], known: set[str]) -> dict[str, str]:
    """Messages by form field; any the form has no field for go to the top of the form."""
    found: dict[str, str] = {}
    if isinstance(exc, FormError):
        found = dict(exc.errors)
    elif isinstance(exc, ValidationError):
        for err in exc.errors():
            found.setdefault(_form_name(list(err["loc"]), rows), err["msg"].removeprefix("Value error, "))
    elif isinstance(exc, Problem):
        for e in exc.errors or [{"field": None, "message": exc.detail}]:
            name = _form_name(e["field"].split("."), rows) if e.get("field") else "form"
            found.setdefault(name, e["message"] + (f" {exc.hint}" if exc.hint and len(exc.errors) <= 1 else ""))
    else:
        raise exc
    out: dict[str, str] = {}
    for name, message in found.items():
        if name.startswith("interviewee_") and name not in known:
            name = "interviewee_given_name"
        out.setdefault(name if name in known else "form", message)
    return out
