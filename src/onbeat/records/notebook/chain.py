"""The pocket notebook's hash chain: the canonical form of an entry, its hash, and the check of a
whole chain. Pure functions over plain dictionaries, so the same code checks the database and an
exported notebook sent back by a court (which needs no database).

An entry's canonical form is a JSON object of exactly the fields in `FIELDS`, with its keys in
sorted order, no whitespace, strings as UTF-8 with only `"`, `\\` and control characters escaped,
and `number` as an integer: the JSON Canonicalization Scheme (RFC 8785) form of that object.
Times are UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; latitude and longitude are strings with six
decimal places (so no two programs can disagree about how to write a floating-point number).
The entry's hash is the lowercase hex SHA-256 of those bytes; `prev_hash` is the hash of the
entry before it, or 64 zeros for entry 1.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

GENESIS = "0" * 64

FIELDS = ("client_uuid", "collar_number", "corrects_id", "id", "incident_number", "latitude", "longitude",
          "number", "occurred_at", "officer_id", "place", "prev_hash", "record_references", "text", "written_at")


def utc_text(moment: datetime) -> str:
    """`2026-11-21T14:05:09.000000Z`: the one way a time is written in the canonical form."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def degrees_text(value: float | None) -> str | None:
    return None if value is None else f"{value:.6f}"


def fields_of(entry) -> dict:
    """The hashed fields of a stored entry (a NotebookEntry row), as the canonical form writes them."""
    return {
        "client_uuid": str(entry.client_uuid),
        "collar_number": entry.collar_number,
        "corrects_id": str(entry.corrects_id) if entry.corrects_id else None,
        "id": str(entry.id),
        "incident_number": entry.incident_number,
        "latitude": degrees_text(entry.latitude),
        "longitude": degrees_text(entry.longitude),
        "number": entry.number,
        "occurred_at": utc_text(entry.occurred_at),
        "officer_id": str(entry.user_id),
        "place": entry.place,
        "prev_hash": entry.prev_hash,
        "record_references": list(entry.record_references or []),
        "text": entry.text,
        "written_at": utc_text(entry.written_at),
    }


def canonical(fields: dict) -> bytes:
    body = {name: fields.get(name) for name in FIELDS}
    # surrogatepass: text that is not valid Unicode still hashes (to something that will not match)
    # instead of failing the check.
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def entry_hash(fields: dict) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


@dataclass
class ChainResult:
    checked: int
    head_hash: str
    broken_number: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


class ChainChecker:
    """Feed entries in order with `add`; it answers the first problem, then stops accepting."""

    def __init__(self, officer_id: str | None = None):
        self.officer_id = officer_id
        self.prev = GENESIS
        self.checked = 0
        self.ids: set[str] = set()
        self.problem: tuple[int | None, str] | None = None

    def add(self, fields: dict, stored_hash: str, extra: list[str] | None = None) -> bool:
        """Check the next entry; False (and `problem` set) at the first one that does not hold."""
        if self.problem:
            return False
        number = fields.get("number")
        expected = self.checked + 1
        if self.officer_id is None:
            self.officer_id = fields.get("officer_id")
        if number != expected:
            if isinstance(number, int) and number > expected:
                why = (f"entry {expected} is missing: the numbers jump from {expected - 1} to {number}"
                       if expected > 1 else
                       f"the notebook starts at entry {number}, not 1: earlier entries are missing")
            else:
                why = f"entry {number} is out of order or appears twice (expected entry {expected})"
            self.problem = (number if isinstance(number, int) else expected, why)
        elif extra:
            self.problem = (number, "it carries fields that are not part of a notebook entry and are not "
                                    "covered by its hash: " + ", ".join(sorted(extra)))
        elif fields.get("officer_id") != self.officer_id:
            self.problem = (number, "it belongs to another officer's notebook")
        elif fields.get("prev_hash") != self.prev:
            self.problem = (number, f"its previous-entry hash does not match the hash of entry {number - 1} "
                                    "(an entry before it was altered, replaced or removed)"
                            if number > 1 else "its previous-entry hash is not the genesis value (64 zeros)")
        elif entry_hash(fields) != stored_hash:
            self.problem = (number, "its contents do not match its hash (the entry was altered)")
        elif fields.get("corrects_id") and fields["corrects_id"] not in self.ids:
            self.problem = (number, "it corrects an entry that is not an earlier entry of this notebook")
        if self.problem:
            return False
        self.prev = stored_hash
        self.ids.add(fields.get("id"))
        self.checked += 1
        return True

    def result(self) -> ChainResult:
        if self.problem:
            return ChainResult(self.checked, self.prev, self.problem[0], self.problem[1])
        return ChainResult(self.checked, self.prev)
