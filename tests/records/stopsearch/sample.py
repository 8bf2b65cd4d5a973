"""Complete stop-search records to start each test from, changed as the test needs."""

from __future__ import annotations

import uuid
from datetime import timedelta

from onbeat.core.time import utcnow

GROUNDS = ("Strong smell of cannabis from his clothing, and he pushed a small bag into his waistband "
           "as soon as he saw us.")


def drugs_search(**changes) -> dict:
    """A search under s23 Misuse of Drugs Act 1971 that found cannabis: every field PACE Code A 4.3 asks for."""
    body = {
        "client_uuid": str(uuid.uuid4()),
        "occurred_at": (utcnow() - timedelta(minutes=20)).isoformat(),
        "place": "High Street, outside the bus station",
        "postcode": "rg1 1aa",
        "latitude": 51.4545,
        "longitude": -0.9781,
        "search_type": "person",
        "self_defined_ethnicity": "W1",
        "gender": "male",
        "age_range": "18_24",
        "object_of_search": "controlled_drugs",
        "power": "mda_s23",
        "grounds": GROUNDS,
        "outcome": "drugs_warning",
        "outcome_linked_to_object": True,
        "anything_found": True,
        "found_detail": "A small bag of herbal cannabis, about 2 g",
        "injury_or_damage": False,
        "name_given": False,
        "clothing_removed": "none",
        "receipt_method": "printed",
    }
    body.update(changes)
    return body


def section_60_search(**changes) -> dict:
    """A no-suspicion search under s60 CJPOA 1994, inside an inspector's authorisation, nothing found."""
    occurred = utcnow() - timedelta(minutes=30)
    body = drugs_search(power="cjpoa_s60", object_of_search="offensive_weapons", grounds=None,
                        occurred_at=occurred.isoformat(), authorisation_reference="S60/2026/014",
                        authorising_officer_rank="inspector",
                        authorised_at=(occurred - timedelta(hours=3)).isoformat(),
                        outcome="no_further_action", outcome_linked_to_object=None, anything_found=False,
                        found_detail=None)
    body.update(changes)
    return body
