"""Normalising what an officer or a legacy file says about a person, before two descriptions are compared.

Everything here is deterministic and pure, and used by both halves of matching: the batch
(`dedupe`, Splink on DuckDB, which is given these normalised columns) and real-time scoring
(`scoring`). Change a function here and both halves change together.

- `fold`: lower case, accents removed, punctuation to spaces, spaces collapsed ("O'Brien-Smith" →
  "o brien smith"); `fold_name` also drops titles and joins the parts of a surname
  ("O'Brien" → "obrien", "Mc Donald" → "mcdonald").
- `canonical_given_name`: the formal name a diminutive stands for ("bob" → "robert", "peggy" →
  "margaret"), from the table shipped in `data/nicknames.csv`.
- `phonetic`: a sound code (Metaphone) so "Smith" and "Smyth", "Catherine" and "Kathryn" agree.
- `postcode`: UK postcodes as "SW1A 1AA" with their district ("SW1A") and sector ("SW1A 1");
  anything else (a foreign or legacy code) upper-cased with spaces removed and no district.
- `parse_date`: the date formats seen in legacy files and on forms (ISO, 21/11/1980, 19801121,
  21 Nov 1980, 21.11.80 ...), day first as in the UK; `swap_day_month` gives the date with day and
  month exchanged when that is a different valid date.
- `phone`: digits only, UK national form ("+44 7700 900123" → "07700900123").
"""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

import jellyfish

__all__ = [
    "fold", "fold_name", "given_name_parts", "canonical_given_name", "nickname_forms", "phonetic",
    "Postcode", "postcode", "parse_date", "swap_day_month", "date_key", "phone", "identifier", "house_number",
    "street", "NICKNAMES",
]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_TITLES = frozenset({"mr", "mrs", "miss", "ms", "mx", "dr", "prof", "sir", "dame", "rev", "lord", "lady"})
_SUFFIXES = frozenset({"jr", "jnr", "sr", "snr", "ii", "iii", "iv"})
# Letters that NFKD does not decompose.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe",
                          "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "ı": "i"})


@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str | None:
    """Lower case, accents removed, anything but letters and digits turned into single spaces.

    Returns None for None or for text with no letter or digit (so "", "  ", "-" are all unknown).
    Apostrophes are removed rather than spaced: "O'Brien" → "obrien", "D'Arcy" → "darcy".
    """
    if text is None:
        return None
    text = str(text).translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("’", "").replace("`", "")
    text = _NON_ALNUM.sub(" ", text).strip()
    return text or None


@lru_cache(maxsize=200_000)
def fold_name(text: str | None) -> str | None:
    """A folded name without titles or suffixes and with no spaces or hyphens inside it.

    "Mr. John" → "john"; "Mc Donald" → "mcdonald"; "Smith-Jones" → "smithjones";
    "Mary Ann" → "maryann". Digits are dropped (a legacy file's "J0hn" stays a typo, not a number).
    """
    folded = fold(text)
    if folded is None:
        return None
    parts = [p for p in folded.split() if p not in _TITLES and p not in _SUFFIXES and not p.isdigit()]
    joined = "".join(parts)
    return joined or None


@lru_cache(maxsize=200_000)
def given_name_parts(text: str | None) -> tuple[str, ...]:
    """The separate folded given names: "Mary-Ann Louise" → ("mary", "ann", "louise")."""
    folded = fold(text)
    if folded is None:
        return ()
    return tuple(p for p in folded.split() if p not in _TITLES and p not in _SUFFIXES and not p.isdigit())


def _load_nicknames() -> dict[str, str]:
    """diminutive → canonical formal name, from `data/nicknames.csv` (formal,diminutive;...).

    A diminutive that belongs to several formal names (e.g. "al": albert, alan, alfred...) maps to
    the first formal name listed for it in the file; `nickname_forms` keeps them all.
    """
    table: dict[str, str] = {}
    text = resources.files("onbeat.records.matching").joinpath("data/nicknames.csv").read_text("utf-8")
    for row in csv.reader(line for line in text.splitlines() if line and not line.startswith("#")):
        formal = fold_name(row[0])
        if not formal:
            continue
        table.setdefault(formal, formal)
        for nick in row[1].split(";") if len(row) > 1 else ():
            nick = fold_name(nick)
            if nick:
                table.setdefault(nick, formal)
    return table


def _load_forms() -> dict[str, frozenset[str]]:
    forms: dict[str, set[str]] = {}
    text = resources.files("onbeat.records.matching").joinpath("data/nicknames.csv").read_text("utf-8")
    for row in csv.reader(line for line in text.splitlines() if line and not line.startswith("#")):
        formal = fold_name(row[0])
        if not formal:
            continue
        forms.setdefault(formal, set()).add(formal)
        for nick in row[1].split(";") if len(row) > 1 else ():
            nick = fold_name(nick)
            if nick:
                forms.setdefault(nick, set()).add(formal)
    return {k: frozenset(v) for k, v in forms.items()}


NICKNAMES: dict[str, str] = _load_nicknames()
_FORMS: dict[str, frozenset[str]] = _load_forms()


@lru_cache(maxsize=200_000)
def canonical_given_name(name: str | None) -> str | None:
    """The formal name of the first given name: "Bob" → "robert", "Peggy" → "margaret", "Robert" →
    "robert"; a name not in the table is returned folded ("Zebedee" → "zebedee"); None if unknown."""
    parts = given_name_parts(name)
    if not parts:
        return None
    return NICKNAMES.get(parts[0], parts[0])


def nickname_forms(name: str | None) -> frozenset[str]:
    """Every formal name the first given name may stand for ("al" → {"albert", "alan", "alfred", ...})."""
    parts = given_name_parts(name)
    if not parts:
        return frozenset()
    return _FORMS.get(parts[0], frozenset({parts[0]}))


@lru_cache(maxsize=200_000)
def phonetic(name: str | None) -> str | None:
    """A sound code for a name (Metaphone: "Smith" and "Smyth" → "SM0", "Catherine" and "Kathryn" →
    "K0RN", "Geoff" and "Jeff" → "JF"); None if unknown. Metaphone rather than NYSIIS or Soundex:
    it gets more of the English spelling variants right on our test pairs."""
    name = fold_name(name)
    if not name:
        return None
    return jellyfish.metaphone(name) or None


class Postcode(tuple):
    """(full, district, sector): ("SW1A 1AA", "SW1A", "SW1A 1"); district and sector None when the
    code is not a UK postcode; all None when there is no code."""

    __slots__ = ()

    def __new__(cls, full: str | None, district: str | None, sector: str | None):
        return super().__new__(cls, (full, district, sector))

    full = property(lambda self: self[0])
    district = property(lambda self: self[1])
    sector = property(lambda self: self[2])


_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


@lru_cache(maxsize=200_000)
def postcode(text: str | None) -> Postcode:
    """Normalise a postcode: "sw1a1aa", " SW1A  1AA " → ("SW1A 1AA", "SW1A", "SW1A 1").

    A common keying slip is corrected in the inward part only where it is unambiguous (letter O
    for zero in the digit position: "SW1A OAA" → "SW1A 0AA"). Non-UK codes ("2600", "D02 X285")
    are kept upper-case with no spaces and no district/sector.
    """
    if text is None:
        return Postcode(None, None, None)
    compact = re.sub(r"[^0-9A-Za-z]", "", str(text)).upper()
    if not compact:
        return Postcode(None, None, None)
    if len(compact) >= 5 and compact[-3] == "O":
        candidate = compact[:-3] + "0" + compact[-2:]
        if _UK_POSTCODE.match(candidate) and not _UK_POSTCODE.match(compact):
            compact = candidate
    m = _UK_POSTCODE.match(compact)
    if not m:
        return Postcode(compact, None, None)
    outward, inward = m.groups()
    return Postcode(f"{outward} {inward}", outward, f"{outward} {inward[0]}")


_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_NUMERIC = re.compile(r"^(\d{1,4})[\s/.\-](\d{1,2})[\s/.\-](\d{1,4})$")
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s/.\-]*([a-z]{3,9})[\s/.\-,]*(\d{2,4})$")


def _century(year: int, today: date) -> int:
    """Two-digit years: the most recent year not in the future (a date of birth)."""
    if year >= 100:
        return year
    full = 2000 + year
    return full if full <= today.year else 1900 + year


def parse_date(value: str | date | datetime | None, *, today: date | None = None) -> date | None:
    """A date from what a form or a legacy file holds, day first (UK), or None if it cannot be read.

    Accepts date/datetime objects, ISO "1980-11-21", "21/11/1980", "21-11-80", "21.11.1980",
    "19801121" (8 digits, year first), "21111980" (8 digits, day first when year-first is invalid),
    "21 Nov 1980", "21st November 1980". Two-digit years are the latest year not in the future.
    Never raises: an impossible date ("31/02/1980") is None.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if today is None:
        return _parse_cached(str(value), date.today())
    return _parse_text(str(value), today)


@lru_cache(maxsize=100_000)
def _parse_cached(value: str, today: date) -> date | None:
    return _parse_text(value, today)


def _parse_text(value: str, today: date) -> date | None:
    text = value.strip().lower()
    if not text or text in {"nan", "none", "null", "nat"}:
        return None
    try:
        if text.isdigit():
            if len(text) == 8:
                try:
                    return date(int(text[:4]), int(text[4:6]), int(text[6:]))
                except ValueError:
                    return date(int(text[4:]), int(text[2:4]), int(text[:2]))
            if len(text) == 6:
                return date(_century(int(text[4:]), today), int(text[2:4]), int(text[:2]))
            return None
        m = _NUMERIC.match(text.split("t")[0].split(" 00:")[0])
        if m:
            a, b, c = m.groups()
            if len(a) == 4:
                return date(int(a), int(b), int(c))
            return date(_century(int(c), today) if len(c) in (2, 4) else -1, int(b), int(a))
        m = _WORDY.match(text)
        if m:
            d, mon, y = m.groups()
            month = _MONTHS.get(mon[:3])
            if month is None:
                return None
            return date(_century(int(y), today), month, int(d))
    except ValueError:
        return None
    return None


def swap_day_month(d: date | None) -> date | None:
    """The date with day and month exchanged, when that is a valid date different from `d`
    (1980-03-07 → 1980-07-03); None otherwise (1980-11-21 has no 21st month; 1980-05-05 is itself)."""
    if d is None or d.day == d.month or d.day > 12:
        return None
    try:
        return date(d.year, d.day, d.month)
    except ValueError:
        return None


def date_key(d: date | None) -> str | None:
    """A date as the 8-character string "YYYYMMDD" that the comparisons work on (one keyed digit
    wrong is an edit distance of 1)."""
    return None if d is None else f"{d.year:04d}{d.month:02d}{d.day:02d}"


@lru_cache(maxsize=200_000)
def phone(text: str | None) -> str | None:
    """Digits only, UK numbers in national form: "+44 (0)7700 900123" → "07700900123". Fewer than 6
    digits is not a phone number (None)."""
    if text is None:
        return None
    digits = re.sub(r"\D", "", str(text))
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44") and len(digits) >= 11:
        rest = digits[2:]
        digits = rest if rest.startswith("0") else "0" + rest
    return digits if len(digits) >= 6 else None


@lru_cache(maxsize=200_000)
def identifier(text: str | None) -> str | None:
    """A person identifier as upper-case letters and digits: "ab 12 34 56 c" → "AB123456C"."""
    if text is None:
        return None
    out = re.sub(r"[^0-9A-Za-z]", "", str(text)).upper()
    return out or None


_HOUSE = re.compile(r"^(?:(?:flat|apartment|apt|unit)\s+\w+\s+)?(\d+[a-z]?)\b")


@lru_cache(maxsize=200_000)
def house_number(address: str | None) -> str | None:
    """The house number at the start of an address line: "12a High Street" → "12a"; "Flat 3, 12 High
    Street" → "12" (the number after the flat's). None when the line does not start with one."""
    folded = fold(address)
    if not folded:
        return None
    m = _HOUSE.match(folded)
    return m.group(1) if m else None


@lru_cache(maxsize=200_000)
def street(address: str | None) -> str | None:
    """The folded address line without its leading house number: "12a High St." → "high st"."""
    folded = fold(address)
    if not folded:
        return None
    number = house_number(folded)
    rest = folded
    if number is not None:
        idx = folded.find(number)
        rest = folded[idx + len(number):].strip()
    return rest or None
