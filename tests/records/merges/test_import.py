"""Importing legacy people: good rows in, each bad row reported by line with its reason,
--atomic all-or-nothing, and importing again adds nobody twice."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.merges import imports, legacy
from onbeat.records.pole.models import Location, Person, PersonAddress, PersonPhone, PersonSource
from tests.records.merges.builders import principal
from tests.test_cli import onbeat

GOOD = """\ufeffID,Forename,Surname,DOB,Address 1,Town,Postcode,Phone,Eye colour
17,Robert,Smith,07/03/1980,12 High Street,Reading,rg1 1aa,07700 900123,blue
18,Mary,Jones,1975-12-01,4 Oxford Road,Reading,RG1 7LB,,
19,Peggy,Brown,19911130,,,,,green
20,Jan,Nowak,,12 High Street,Reading,RG1 1AA,,
"""

BAD = """id,given_name,surname,date_of_birth,postcode
1,Anna,Able,1980-02-30,RG1 1AA
2,Ben,Baker,1981-01-01,RG1 1AA
3,Cara,Cole,01/01/2090,
,Dan,Dale,1982-01-01,
5,Eve,Evans,1983-01-01,NOT A POSTCODE
6,,,1984-01-01,
7,Gus,Grey,1985-01-01,
7,Gus,Gray,1985-01-01,
9,Ivy,Ince,1986-01-01,RG2 0AB
"""


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def me(db, make_user):
    return principal(make_user("officer"))


def counts(db):
    return {m.__tablename__: db.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Person, PersonSource, PersonAddress, PersonPhone, Location)}


def test_a_good_file_imports_with_its_legacy_ids_and_again_adds_nothing(db, me, tmp_path):
    path = write(tmp_path, "people.csv", GOOD)
    seen = []
    result = imports.import_file(db, me, path, source="niche", progress=lambda done, total: seen.append(done))
    assert (result.imported, result.rejected, result.already) == (4, [], 0)
    assert seen[-1] == 4
    robert = db.execute(select(Person).join(PersonSource, PersonSource.person_id == Person.id)
                        .where(PersonSource.source == "niche", PersonSource.source_id == "17")).scalar_one()
    assert (robert.given_name, robert.family_name, robert.date_of_birth) == ("Robert", "Smith", date(1980, 3, 7))
    assert robert.search_name == " robert smith "
    loc = db.execute(select(Location).join(PersonAddress, PersonAddress.location_id == Location.id)
                     .where(PersonAddress.person_id == robert.id)).scalar_one()
    assert (loc.address, loc.postcode) == ("12 High Street, Reading", "RG1 1AA")
    assert db.execute(select(PersonPhone.number).where(PersonPhone.person_id == robert.id)).scalar() == "07700900123"
    before = counts(db)
    assert before["pole_locations"] == 2  # Jan shares Robert's address: one location
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.persons.imported")).scalar_one()
    assert entry.action == "collect" and len(entry.detail["persons"]) == 4 and entry.detail["source"] == "niche"

    again = imports.import_file(db, me, path, source="niche")
    assert (again.imported, again.already) == (0, 4)
    assert counts(db) == before


def test_each_bad_row_is_reported_by_line_and_the_good_rows_still_import(db, me, tmp_path):
    result = imports.import_file(db, me, write(tmp_path, "bad.csv", BAD))
    by_line = {p.line: p.message for p in result.rejected}
    assert "'1980-02-30' is not a date" in by_line[2]
    assert "in the future" in by_line[4]
    assert "the id is empty" in by_line[5]
    assert "not a UK postcode" in by_line[6]
    assert "no given name or surname" in by_line[7]
    assert "used on lines 8 and 9" in by_line[8] and "used on lines 8 and 9" in by_line[9]
    assert set(by_line) == {2, 4, 5, 6, 7, 8, 9}
    assert result.imported == 2  # Ben and Ivy
    names = set(db.execute(select(Person.given_name)).scalars())
    assert names == {"Ben", "Ivy"}


def test_atomic_imports_nothing_when_any_row_is_bad(db, me, tmp_path):
    result = imports.import_file(db, me, write(tmp_path, "bad.csv", BAD), atomic=True)
    assert not result.committed and result.imported == 0 and result.rejected_rows == 7
    assert counts(db)["pole_persons"] == 0
    ok = imports.import_file(db, me, write(tmp_path, "good.csv", GOOD), atomic=True)
    assert ok.committed and ok.imported == 4


@pytest.mark.parametrize("text, encoding, message", [
    ("name,surname\nA,B\n", "utf-8", "Line 1 (the header) has no id column"),
    ("id,surname\n1,Müller\n", "cp1252", "is not UTF-8 text: line 2 has byte 0xFC"),
    ("id,surname\n1,Smith\n", "utf-16", "UTF-16"),
    ("", "utf-8", "The file is empty"),
])
def test_unreadable_files_say_why(tmp_path, text, encoding, message):
    with pytest.raises(legacy.LegacyFileError, match=re.escape(message)):
        legacy.read(write(tmp_path, "x.csv", text, encoding), strict=True)


def test_a_byte_order_mark_and_common_header_spellings_are_understood():
    parsed = legacy.parse(GOOD, strict=True)
    assert parsed.columns == {"id": "ID", "given_name": "Forename", "surname": "Surname", "date_of_birth": "DOB",
                              "address_1": "Address 1", "town": "Town", "postcode": "Postcode", "phone": "Phone"}
    assert parsed.ignored == ["Eye colour"]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
       st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%d.%m.%Y"]))
def test_dates_in_every_accepted_format_read_back(born, fmt):
    assert legacy.parse_date(born.strftime(fmt)) == born


@given(st.text(alphabet="0123456789/-. abcxyz", max_size=12))
def test_a_date_that_is_not_one_is_refused_in_words(text):
    try:
        legacy.parse_date(text)
    except ValueError as e:
        assert "is not a date" in str(e)


def test_the_command_reports_lines_and_progress(db_url, db, make_user, tmp_path):
    user = make_user("officer")
    path = write(tmp_path, "bad.csv", BAD)
    run = onbeat(db_url, "persons", "import", str(path), "--by", user.username)
    assert run.returncode == 1, run.stderr
    assert "Rejected line 2 (id 1): date of birth '1980-02-30' is not a date" in run.stderr
    assert "Rejected line 5: the id is empty" in run.stderr
    assert "Importing" in run.stderr  # the progress bar
    assert "Imported 2 people from bad.csv" in run.stdout
    atomic = onbeat(db_url, "persons", "import", str(path), "--by", user.username, "--atomic")
    assert atomic.returncode == 1 and "Nothing imported: 7 of 9 rows were rejected" in atomic.stderr
    missing = onbeat(db_url, "persons", "import", str(write(tmp_path, "n.csv", "name\nA\n")), "--by", user.username)
    assert missing.returncode == 2 and "no id column" in missing.stderr
    nobody = onbeat(db_url, "persons", "import", str(path), "--by", "nobody")
    assert nobody.returncode == 2 and "no active member of staff" in nobody.stderr
