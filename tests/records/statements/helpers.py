"""Shared by the statement tests: a witness, a statement through the API, signatures as a pad sends them."""

from __future__ import annotations

import math
import uuid

PURPOSE = {"X-Purpose": "Incident 0001-21112026"}
PAD = {"width": 600, "height": 200}
LONG_TEXT = "\n\n".join(
    f"Paragraph {n}. I was standing outside the Co-op on Broad Street, Reading, when I saw a man in a grey hooded "
    f"top take a bicycle that was locked to the railings. He cut the lock with bolt croppers and rode off towards "
    f"the Oracle." for n in range(1, 41))


def scribble(seed: int = 0, points: int = 40) -> list[list[dict]]:
    """Two strokes that look like a hand-written signature, inside the 600 × 200 pad."""
    first = [{"x": 40 + i * 10, "y": 100 + 50 * math.sin((i + seed) / 3), "t": i * 15} for i in range(points)]
    second = [{"x": 120 + i * 8, "y": 150 - i, "t": 1000 + i * 15} for i in range(10)]
    return [first, second]


def signature(page, signer: str = "witness", seed: int = 0, **extra) -> dict:
    return {"page": page, "signer": signer, **PAD, "strokes": scribble(seed), **extra}


def witness_body(**extra) -> dict:
    body = {"kind": "witness_statement", "client_uuid": str(uuid.uuid4()), "place": "Broad Street, Reading",
            "incident_number": "0042-21112026", "occupation": "Barista",
            "witness": {"given_name": "Amelia", "family_name": "Hart", "date_of_birth": "1990-04-12"},
            "text": "I am the above named witness. On Saturday I saw a man take a bicycle."}
    body.update(extra)
    return body


def create(client, auth, **extra) -> dict:
    r = client.post("/api/statements", json=witness_body(**extra), headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def sign_all(client, auth, statement: dict, signer: str = "witness") -> dict:
    sid = statement["record"]["id"]
    out = statement
    for page in ["declaration", *range(1, statement["page_count"] + 1)]:
        r = client.post(f"/api/statements/{sid}/signatures", json=signature(page, signer), headers=auth)
        assert r.status_code == 201, r.text
        out = r.json()
    return out
