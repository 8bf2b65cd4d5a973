"""Checks on what a crime report says, gathered so one answer names every field that is wrong.

Nothing here writes: the service runs these checks before it stores anything."""

from __future__ import annotations

from datetime import datetime, timedelta

from onbeat.core.errors import BadRequest
from onbeat.core.time import format_uk, utcnow
from onbeat.records.crime.codes import MO_CODES, OFFENCES, Offence

# Device clocks drift: a time this far ahead of ours is still "now".
CLOCK_SKEW = timedelta(minutes=2)


class Problems:
    """Collects field problems; `raise_any` raises one 400 naming them all."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.hints: list[str] = []

    def add(self, field: str, message: str, hint: str | None = None) -> None:
        self.items.append({"field": field, "message": message})
        if hint and hint not in self.hints:
            self.hints.append(hint)

    def raise_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        detail = first["message"] if len(self.items) == 1 else \
            f"{len(self.items)} problems: " + "; ".join(f"{p['field']}: {p['message']}" for p in self.items)
        raise BadRequest(detail, field=first["field"], errors=self.items,
                         hint=" ".join(self.hints) or "Correct the fields named and send it again.")


def not_future(problems: Problems, field: str, moment: datetime | None, what: str) -> None:
    if moment is not None and moment > utcnow() + CLOCK_SKEW:
        problems.add(field, f"{what} ({format_uk(moment)}) is in the future: it cannot have happened yet.",
                     "Check the date and time; times are UK time unless an offset is given.")


def offence(problems: Problems, code: str, field: str = "offence_code") -> Offence | None:
    found = OFFENCES.get(code)
    if found is None:
        problems.add(field, f"{code!r} is not a Home Office Counting Rules offence code this system knows.",
                     "Choose an offence from the list (GET /api/records/crime/codes), e.g. 28E for a "
                     "residential burglary.")
    return found


def window(problems: Problems, start: datetime | None, end: datetime | None) -> None:
    not_future(problems, "committed_from", start, "When the crime was committed")
    not_future(problems, "committed_to", end, "The end of the window")
    if start is not None and end is not None and end < start:
        problems.add("committed_to", f"The window ends ({format_uk(end)}) before it starts ({format_uk(start)}).",
                     "committed_to is the latest time it can have happened; it cannot be before committed_from.")


def mo_keywords(problems: Problems, codes: list[str], field: str = "mo_keywords") -> list[str]:
    """The keywords without repeats, in the order given; unknown ones are problems."""
    for i, code in enumerate(codes):
        if code not in MO_CODES:
            problems.add(f"{field}.{i}", f"{code!r} is not a modus operandi keyword.",
                         "Use the keyword codes of GET /api/records/crime/codes (e.g. entry.forced_door).")
    return list(dict.fromkeys(c for c in codes if c in MO_CODES))
