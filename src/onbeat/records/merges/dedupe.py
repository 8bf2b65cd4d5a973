"""Deduplicate the whole store, or a file on its own, with the match model (Splink on DuckDB).

The store: every person not already merged is read, the model is trained on them by EM (from the
current version) and saved as the next version, the pairs at or above the threshold become merge
proposals, each with its probability and the reasons the comparisons give. A pair already proposed
is not proposed again: a decided one (accepted or rejected) stays decided; a waiting one gets the
new probability and reasons.

A file: the rows are clustered and `id,cluster_id` written, one line per input row in input order.
A cluster's id is the id of its first row in the file.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.events.service import emit
from onbeat.records.matching import dedupe as matching, model as match_model
from onbeat.records.matching.scoring import Address, PersonFacts, score
from onbeat.records.merges import legacy
from onbeat.records.merges.models import MergeProposal
from onbeat.records.pole import service as pole

Progress = Callable[[str, int, int | None], None]
ACTOR = Actor.system("onbeat persons dedupe")
# Below this many people EM has too little to learn from: the current model is used as it is.
MIN_TRAIN = 1000


@dataclass
class StoreResult:
    persons: int
    pairs: int
    new_proposals: int
    already_open: int
    already_decided: int
    model_version: str
    trained: bool


@dataclass
class FileResult:
    rows: int
    clusters: int


def _split(lines: str | None) -> tuple[str | None, str | None]:
    """(first line, town) of stored address lines '12 High Street, Caversham, Reading'."""
    parts = [p.strip() for p in (lines or "").split(",") if p.strip()]
    if not parts:
        return None, None
    return parts[0], (parts[-1] if len(parts) > 1 else None)


def match_facts(f: pole.PersonFacts) -> PersonFacts:
    """The store's facts as the match model reads them: the first address without an end date is
    the current one, the others earlier ones."""
    current = next((a for a in f.addresses if a[3] is None), f.addresses[0] if f.addresses else None)
    earlier = tuple(Address(*_split(a[0]), postcode=a[1]) for a in f.addresses if a is not current)
    line, town = _split(current[0]) if current else (None, None)
    return PersonFacts(given_name=f.given_name, surname=f.family_name, date_of_birth=f.date_of_birth,
                       postcode=current[1] if current else None, address_1=line, town=town,
                       phone=f.phones[0] if f.phones else None, aliases=tuple(f.aliases),
                       previous_addresses=earlier, key=f.id)


def _row(f: PersonFacts) -> dict:
    return {"id": str(f.key), "given_name": f.given_name, "surname": f.surname, "date_of_birth": f.date_of_birth,
            "address_1": f.address_1, "town": f.town, "postcode": f.postcode, "phone": f.phone}


def reasons_of(model, a: PersonFacts, b: PersonFacts) -> list[dict]:
    return [{"field": r.field, "level": r.level, "text": r.text, "weight": round(r.weight, 2)}
            for r in score(model, a, b).reasons]


def dedupe_store(db: Session, *, threshold: float | None = None, min_train: int = MIN_TRAIN,
                 progress: Progress | None = None, commit: bool = True, save_model: bool = True) -> StoreResult:
    """Propose merges across the store. Trains on the store when it has `min_train` people or more
    and saves the trained model as the next version (unless `save_model` is False: the demo seed
    trains on its few hundred people for its own proposals only, and leaves the current model be)."""
    say = progress or (lambda what, done, total: None)
    total = pole.count_persons(db)
    facts: dict[str, PersonFacts] = {}
    say("Reading the store", 0, total)
    for batch in pole.iter_person_facts(db):
        for f in batch:
            facts[str(f.id)] = match_facts(f)
        say("Reading the store", len(facts), total)
    current = match_model.current_model(db)
    trained = len(facts) >= max(min_train, 50)  # `cluster` trains from 50 rows up
    result = matching.cluster([_row(f) for f in facts.values()], model=current, train=trained, threshold=threshold,
                              progress=lambda stage, done, of: say(stage.capitalize(), done, of))
    model = result.model
    if trained and save_model:
        model = match_model.save(db, model, f"the store: {len(facts):,} people", ACTOR)
    version = str(model.version) if model.version is not None else ("trained, not saved" if trained else "default")
    pairs = [p for p in result.pairs if p.left_id in facts and p.right_id in facts]
    keys = [tuple(sorted((uuid.UUID(p.left_id), uuid.UUID(p.right_id)))) for p in pairs]
    existing: dict[tuple, str] = {}
    for chunk in range(0, len(keys), 5000):
        wanted = keys[chunk:chunk + 5000]
        a_ids = list({k[0] for k in wanted})
        for a, b, state in db.execute(select(MergeProposal.person_a_id, MergeProposal.person_b_id,
                                             MergeProposal.state).where(MergeProposal.person_a_id.in_(a_ids))):
            existing[(a, b)] = state
    new = already_open = already_decided = 0
    for i, (p, key) in enumerate(zip(pairs, keys)):
        state = existing.get(key)
        if state not in (None, "open"):
            already_decided += 1
            continue
        a, b = facts[str(key[0])], facts[str(key[1])]
        values = dict(probability=min(1.0, max(0.0, p.probability)), reasons=reasons_of(model, a, b),
                      cluster_key=result.clusters.get(p.left_id), model_version=version)
        if state == "open":
            already_open += 1
            db.execute(update(MergeProposal).where(MergeProposal.person_a_id == key[0],
                                                   MergeProposal.person_b_id == key[1],
                                                   MergeProposal.state == "open").values(**values))
        else:
            inserted = db.execute(insert(MergeProposal).values(id=uuid.uuid4(), person_a_id=key[0],
                                                               person_b_id=key[1], state="open", **values)
                                  .on_conflict_do_nothing(constraint="uq_person_merge_proposals_pair")
                                  .returning(MergeProposal.id)).scalar_one_or_none()
            new += inserted is not None
        if i % 200 == 0:
            say("Writing proposals", i, len(pairs))
    say("Writing proposals", len(pairs), len(pairs))
    audit(db, ACTOR, "combine", "pole.persons.deduplicated", "person", None,
          detail={"persons": len(facts), "pairs": len(pairs), "new_proposals": new, "model_version": version,
                  "trained": trained})
    if new:
        emit(db, "records", "merge_proposals_made", {"count": new, "model_version": version},
             permission="persons.merge")
    if commit:
        db.commit()
    return StoreResult(len(facts), len(pairs), new, already_open, already_decided, version, trained)


def cluster_file(parsed: legacy.LegacyFile, out: Path | str, *, threshold: float | None = None,
                 progress: Progress | None = None) -> FileResult:
    """Cluster a file's rows (read leniently) and write id,cluster_id in input order."""
    rows = parsed.rows
    # Rows are keyed by position: a file may repeat an id (reported as a warning), yet each row
    # still gets its own line out.
    frame = [{"id": str(i), "given_name": r.given_name, "surname": r.surname, "date_of_birth": r.date_of_birth,
              "street_number": r.street_number, "address_1": r.address_1, "address_2": r.address_2,
              "town": r.town, "postcode": r.postcode, "county": r.county, "phone": r.phone,
              "identifier": r.identifier}
             for i, r in enumerate(rows)]
    say = progress or (lambda what, done, total: None)
    result = matching.cluster(frame, train=len(frame) >= 50, threshold=threshold,
                              progress=lambda stage, done, of: say(stage.capitalize(), done, of))
    first: dict[str, int] = {}
    for i in range(len(rows)):
        first.setdefault(result.clusters.get(str(i), str(i)), i)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "cluster_id"])
        for i, r in enumerate(rows):
            w.writerow([r.id, rows[first[result.clusters.get(str(i), str(i))]].id])
    return FileResult(len(rows), len(first))
