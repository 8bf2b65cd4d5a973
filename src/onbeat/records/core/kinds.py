"""The kinds of record: one place that names each, its reference prefix and its audit subject."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    prefix: str          # reference prefix: WS/000123/26
    subject_type: str    # audit log subject (personal data: a purpose is needed to read it)

    @property
    def path(self) -> str:
        """The staff page of the kind: /records/witness-statement/<id>."""
        return "/records/" + self.name.replace("_", "-")


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("witness_statement", "Witness statement (MG11)", "WS", "statement"),
    Kind("officer_statement", "Officer statement (MG11)", "OS", "statement"),
    Kind("stop_search", "Stop and search", "SS", "stop_search"),
    Kind("interview", "Written interview record", "INT", "interview"),
    Kind("crime", "Crime report", "CRI", "crime"),
    Kind("collision", "Collision report (STATS19)", "RTC", "collision"),
)}

STATES = ("draft", "submitted", "approved", "returned")

# Roles a person, object, location or event plays in a record.
LINK_ROLES: dict[str, str] = {
    "witness": "Witness",
    "victim": "Victim",
    "suspect": "Suspect",
    "driver": "Driver",
    "owner": "Owner",
    "person_searched": "Person searched",
    "informant": "Informant",
    "interviewee": "Interviewee",
    "casualty": "Casualty",
    "passenger": "Passenger",
    "vehicle": "Vehicle",
    "property": "Property",
    "weapon": "Weapon",
    "drugs": "Drugs",
    "scene": "Scene",
    "occurrence": "Occurrence",
}
ENTITY_TYPES = ("person", "object", "location", "event")
