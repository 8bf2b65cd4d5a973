"""Twenty copies of one submission at once (a device retrying over a bad signal) make one record."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from onbeat import db as onbeat_db
from onbeat.core.security import Principal
from onbeat.core.permissions import permissions_for
from onbeat.records.core.models import Record
from onbeat.records.stopsearch import service
from onbeat.records.stopsearch.models import StopSearch
from onbeat.records.stopsearch.schemas import StopSearchIn
from tests.conftest import bearer
from tests.records.stopsearch.sample import drugs_search

pytestmark = [pytest.mark.db, pytest.mark.timeout(120)]
COPIES = 20


def _together(work):
    """Run work(i) on COPIES threads released at the same moment; their results in order."""
    start = threading.Barrier(COPIES)

    def run(i):
        start.wait()
        return work(i)

    with ThreadPoolExecutor(COPIES) as pool:
        return list(pool.map(run, range(COPIES)))


def _stored(db, client_uuid: str) -> tuple[int, int]:
    db.expire_all()
    records = db.scalar(select(func.count()).select_from(Record).where(Record.client_uuid == uuid.UUID(client_uuid)))
    return records, db.scalar(select(func.count()).select_from(StopSearch))


def test_twenty_parallel_requests_with_one_client_uuid_make_one_record(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    body = drugs_search(search_type="person_and_vehicle", vehicle_registration="AB12CDE", name_given=True,
                        person={"given_name": "Sam", "family_name": "Jones"})
    answers = _together(lambda i: client.post("/api/records/stop-searches", json=body, headers=auth))

    assert sorted(r.status_code for r in answers) == [200] * (COPIES - 1) + [201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert len({r.json()["receipt_reference"] for r in answers}) == 1
    assert _stored(db, body["client_uuid"]) == (1, 1)
    # Only the first submission wrote the person and the links: one of each.
    assert [len(r.json()["entities"]) for r in answers] == [2] * COPIES


def test_twenty_parallel_service_calls_each_with_its_own_session(db, make_user):
    user = make_user("officer")
    body = StopSearchIn.model_validate(drugs_search())

    def submit(i):
        with onbeat_db.session() as s:
            me = Principal(s.merge(user), permissions_for({"officer"}), roles={"officer"})
            record, _, created = service.create(s, me, body)
            s.commit()
            return record.id, created

    results = _together(submit)
    assert sum(created for _, created in results) == 1
    assert len({record_id for record_id, _ in results}) == 1
    assert _stored(db, str(body.client_uuid)) == (1, 1)
