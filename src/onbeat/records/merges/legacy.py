"""Read a legacy file of people (CSV): find the columns under their common spellings, check each
row, and say what is wrong with each bad one by its line number.

Columns: an id, given name, surname, date of birth, and any of address lines, street number,
suburb or town, postcode, state or county, phone, and a national identifier (NI number, PNC ID:
used by the matching of a file, not stored). Other columns are ignored.

Two modes. `strict` (importing into the store) rejects a row with any bad field, and both rows
of an id used twice. `lenient` (deduplicating a file on its own) keeps every row, blanks a bad
field and reports it, so the output still has one line per input row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from onbeat.records.pole import formats

# The canonical column -> the header spellings accepted for it (compared folded: lower case,
# anything but letters and digits removed).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "recid", "recordid", "personid", "legacyid", "sourceid", "nominalid", "ref", "reference"),
    "given_name": ("givenname", "givennames", "firstname", "forename", "forenames", "first", "given", "fname"),
    "surname": ("surname", "familyname", "lastname", "last", "family", "lname"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "born", "dateborn", "birthday"),
    "street_number": ("streetnumber", "housenumber", "houseno", "streetno", "number", "no"),
    "address_1": ("address1", "addressline1", "addr1", "address", "street", "streetaddress", "line1"),
    "address_2": ("address2", "addressline2", "addr2", "locality", "line2"),
    "town": ("suburb", "town", "city", "posttown", "townorcity", "district"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode", "pcode", "post"),
    "county": ("state", "county", "region", "province"),
    "identifier": ("identifier", "ninumber", "nino", "nationalinsurancenumber", "socsecid", "ssn", "pncid", "pnc"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "phoneno", "telno", "contactnumber"),
}
_LOOKUP = {spelling: canonical for canonical, spellings in COLUMNS.items() for spelling in spellings}
LIMITS = {"identifier": 30, "id": 100, "given_name": 100, "surname": 100, "street_number": 20, "address_1": 200, "address_2": 200,
          "town": 100, "county": 100}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d %b %Y", "%d %B %Y")


class LegacyFileError(ValueError):
    """The file as a whole cannot be read (encoding, no header, no id column)."""


@dataclass
class LegacyPerson:
    line: int
    id: str
    given_name: str | None = None
    surname: str | None = None
    date_of_birth: date | None = None
    street_number: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    town: str | None = None
    postcode: str | None = None
    county: str | None = None
    phone: str | None = None
    identifier: str | None = None   # a national identifier (NI number, PNC ID): used by matching only

    @property
    def address(self) -> str | None:
        """The address lines as one, without the postcode: '12 High Street, Caversham, Reading'."""
        first = " ".join(x for x in (self.street_number, self.address_1) if x)
        text = ", ".join(x for x in (first, self.address_2, self.town, self.county) if x)
        return text[:300] or None


@dataclass
class Problem:
    line: int
    id: str | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}" + (f" (id {self.id})" if self.id else "") + f": {self.message}"


@dataclass
class LegacyFile:
    columns: dict[str, str]          # canonical -> header as written in the file
    ignored: list[str]               # headers not used
    rows: list[LegacyPerson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total: int = 0                   # data rows read, good and bad


def decode(raw: bytes) -> str:
    """UTF-8, with or without a byte-order mark; anything else is refused with where it failed."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LegacyFileError("The file is UTF-16 text. Save it as 'CSV UTF-8 (comma delimited)' and try again.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise LegacyFileError(
            f"The file is not UTF-8 text: line {line} has byte 0x{raw[e.start]:02X}, which UTF-8 does not allow "
            "(the file was probably saved as Windows-1252 or Latin-1). Save it as 'CSV UTF-8 (comma delimited)' "
            "and try again; nothing was read.") from None


def _fold(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def map_columns(headers: list[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    where: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    for i, h in enumerate(headers):
        canonical = _LOOKUP.get(_fold(h))
        if canonical and canonical not in where:
            where[canonical], written[canonical] = i, h
        else:
            ignored.append(h)
    if "id" not in where:
        raise LegacyFileError(
            "Line 1 (the header) has no id column: the columns found are " + ", ".join(repr(h) for h in headers) +
            ". Add a column named id holding each person's number in the old system (it is kept, so importing "
            "the file again adds nobody twice).")
    return where, written, ignored


def parse_date(text: str) -> date:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date of birth {text!r} is not a date: write it as DD/MM/YYYY or YYYY-MM-DD")


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def read(path: Path | str, *, strict: bool, today: date | None = None) -> LegacyFile:
    raw = Path(path).read_bytes()
    return parse(decode(raw), strict=strict, today=today)


def parse(text: str, *, strict: bool, today: date | None = None) -> LegacyFile:
    today = today or date.today()
    text = text.removeprefix("\ufeff")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise LegacyFileError("The file is empty: line 1 should be a header naming the columns "
                              "(id, given_name, surname, date_of_birth...).") from None
    where, written, ignored = map_columns([h.strip() for h in headers])
    out = LegacyFile(columns=written, ignored=ignored)
    first_line: dict[str, int] = {}
    duplicated: dict[str, list[int]] = {}
    line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise LegacyFileError(f"Line {reader.line_num}: {e}. Check the quotes on that line.") from None
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        out.total += 1
        values = {k: _clean(cells[i]) if i < len(cells) else None for k, i in where.items()}
        person_id = values["id"]
        problems: list[str] = []
        if len(cells) > len(headers):
            problems.append(f"it has {len(cells)} fields but the header has {len(headers)} "
                            "(an unquoted comma?)")
        if not person_id:
            problems.append("the id is empty: every row needs its id from the old system")
        elif person_id in first_line:
            duplicated.setdefault(person_id, [first_line[person_id]]).append(start)
        else:
            first_line[person_id] = start
        person = LegacyPerson(line=start, id=person_id or "")
        for name in ("given_name", "surname", "street_number", "address_1", "address_2", "town", "county",
                     "identifier"):
            value = values.get(name)
            if value and len(value) > LIMITS[name]:
                problems.append(f"{name} is longer than {LIMITS[name]} characters")
                value = None
            setattr(person, name, value)
        if person_id and len(person_id) > LIMITS["id"]:
            problems.append(f"the id is longer than {LIMITS['id']} characters")
        if not person.given_name and not person.surname:
            problems.append("there is no given name or surname")
        if values.get("date_of_birth"):
            try:
                born = parse_date(values["date_of_birth"])
                if born > today:
                    raise ValueError(f"date of birth {values['date_of_birth']!r} is in the future")
                if born.year < 1880:
                    raise ValueError(f"date of birth {values['date_of_birth']!r} is before 1880")
                person.date_of_birth = born
            except ValueError as e:
                problems.append(str(e))
        if values.get("postcode"):
            if strict:
                try:
                    person.postcode = formats.postcode(values["postcode"])
                except ValueError as e:
                    problems.append(str(e))
            else:
                person.postcode = values["postcode"][:10]
        if values.get("phone"):
            try:
                person.phone = formats.phone(values["phone"])
            except ValueError as e:
                if strict:
                    problems.append(str(e))
        for message in problems:
            out.problems.append(Problem(start, person_id, message))
        if problems and strict:
            continue
        out.rows.append(person)
    for person_id, lines in duplicated.items():
        listed = ", ".join(str(n) for n in lines[:-1]) + " and " + str(lines[-1])
        for n in lines:
            if strict:
                out.problems.append(Problem(n, person_id, f"the id {person_id!r} is used on lines {listed}: "
                                                          "neither row was imported; give each person their own id"))
            elif n != lines[0]:
                out.problems.append(Problem(n, person_id, f"the id {person_id!r} is also used on line {lines[0]}"))
    if strict and duplicated:
        out.rows = [r for r in out.rows if r.id not in duplicated]
    out.problems.sort(key=lambda p: p.line)
    return out
