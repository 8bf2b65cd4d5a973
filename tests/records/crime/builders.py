"""Building crime reports for the tests: a valid body to start from, and signed-in users."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tests.conftest import bearer

PURPOSE = {"X-Purpose": "crime investigation test"}


def ago(**kwargs) -> str:
    return (datetime.now(timezone.utc) - timedelta(**kwargs)).isoformat()


def crime_body(**overrides) -> dict:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "offence_code": "28E",
        "committed_from": ago(days=3, hours=2),
        "committed_to": ago(days=3),
        "location": {"address": "14 Oxford Road, Reading", "postcode": "RG1 7LA"},
        "mo_text": "Rear patio door forced with a tool while the occupants were away.",
        "mo_keywords": ["entry.forced_door", "poe.patio_door", "target.jewellery"],
        "victims": [{"person": {"given_name": "Amira", "family_name": "Hassan", "date_of_birth": "1984-05-02",
                                "phone": "07700 900123"}, "preferred_contact": "phone"}],
        "suspects": [{"description": "White male, about 30, grey hoodie, seen climbing the rear fence"}],
        "witnesses": [{"given_name": "Tom", "family_name": "Price", "address": "16 Oxford Road, Reading",
                       "postcode": "RG1 7LA"}],
        "property": [{"description": "Gold necklace", "status": "stolen", "value": "450.00"},
                     {"description": "Patio door lock", "status": "damaged", "value": "80"}],
    }
    body.update(overrides)
    return body


def named_suspect(family_name: str = "Cole") -> dict:
    return {"person": {"given_name": "Darren", "family_name": family_name, "date_of_birth": "1994-01-20"}}


class Force:
    """An officer and two supervisors with bearer tokens, for API tests."""

    def __init__(self, client, make_user):
        self.client = client
        self.officer_user = make_user("officer")
        self.supervisor_user = make_user("supervisor")
        self.officer = bearer(client, self.officer_user.username)
        self.supervisor = bearer(client, self.supervisor_user.username)
        self._make_user = make_user

    @property
    def second_supervisor(self) -> dict:
        """Another supervisor (made when first needed: each sign-in costs an argon2 hash)."""
        if not hasattr(self, "_second"):
            self._second = bearer(self.client, self._make_user("supervisor").username)
        return self._second

    def create(self, **overrides) -> dict:
        r = self.client.post("/api/records/crime", json=crime_body(**overrides), headers=self.officer)
        assert r.status_code == 201, r.text
        return r.json()

    def approved(self, **overrides) -> dict:
        crime = self.create(**overrides)
        rid = crime["record"]["id"]
        assert self.client.post(f"/api/records/{rid}/submit", headers=self.officer).status_code == 200
        r = self.client.post(f"/api/records/{rid}/approve", json={}, headers=self.supervisor)
        assert r.status_code == 200, r.text
        return self.read(rid)

    def read(self, rid: str) -> dict:
        r = self.client.get(f"/api/records/crime/{rid}", headers={**self.officer, **PURPOSE})
        assert r.status_code == 200, r.text
        return r.json()
