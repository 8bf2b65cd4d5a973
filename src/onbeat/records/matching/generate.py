"""Generated UK people with realistic entry errors: for training the shipped default model, for tests
and for benchmarks. Faker en_GB names; each person may appear several times, each copy with the
slips an officer or a legacy system makes (typos, nicknames, swapped names, day/month swapped,
missing fields, a moved address).

The people live in ONE force's area (`Area`), as a real store's do: a few dozen towns of very
different sizes (a Zipf-like spread: most people in the two or three largest), postcodes from a
handful of districts and sectors, and households of one to five people who share the address, the
postcode, usually the surname and often a landline; family members have near birth years (a
partner within a few years, children 20–40 years younger) and now and then a son named after his
father (Jr/Sr). So agreement on town or postcode is common among DIFFERENT people, and the model
trained on them does not take a shared address for proof of one person.

    rows = people(1000, seed=1)      # list of dicts; `entity` says which rows are the same person
"""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta
from typing import Any

from onbeat.records.matching.normalise import _FORMS, NICKNAMES, parse_date

__all__ = ["people", "person", "corrupt", "ERRORS", "Area"]

_KEYBOARD = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm",
                                  ["wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol",
                                   "qsz", "awdx", "sefc", "drgv", "fthb", "gyjn", "hukm", "jil", "kop",
                                   "asx", "zsdc", "xdfv", "cfgb", "vghn", "bhjm", "njk"])}
_DIMINUTIVES: dict[str, list[str]] = {}
for _nick, _formal in NICKNAMES.items():
    for _f in _FORMS.get(_nick, ()):
        if _nick != _f:
            _DIMINUTIVES.setdefault(_f, []).append(_nick)


def _mobile(rng: random.Random) -> str:
    """A UK mobile number (Faker's en_GB numbers come from a drama range of only 1,000)."""
    digits = f"{rng.randrange(10 ** 9):09d}"
    return f"07{digits[:3]} {digits[3:]}"


# Household sizes 1..5 (roughly the English census spread) and the chance that the members share
# the surname, and a landline.
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5)
HOUSEHOLD_WEIGHTS = (0.30, 0.34, 0.16, 0.13, 0.07)
SAME_SURNAME = 0.8
LANDLINE = 0.45
JUNIOR = 0.015  # a child given a parent's name (Jr/Sr)


class Area:
    """One force's area: `towns` towns with Zipf-like sizes, each with one to four postcode
    districts of a few sectors, and streets; an address is a house number on a street, and a
    street lies in one sector, so neighbours share the sector and often the full postcode."""

    def __init__(self, fake, rng: random.Random, towns: int = 36, letters: str | None = None) -> None:
        self.rng = rng
        letters = letters or rng.choice(["RG", "OX", "SL", "HP", "MK", "GU"])
        names: list[str] = []
        while len(names) < towns:
            t = fake.city()
            if t not in names:
                names.append(t)
        self.towns = names
        self.weights = [1 / (i + 1) ** 1.1 for i in range(towns)]
        district = 1
        self.streets: dict[str, list[tuple[str, str]]] = {}
        for i, t in enumerate(names):
            districts = []
            for _ in range(max(1, min(4, round(4 * self.weights[i] / self.weights[0] + 0.5)))):
                districts.append(f"{letters}{district}")
                district += 1
            n_streets = max(5, int(80 * self.weights[i]))
            streets = []
            for _ in range(n_streets):
                sector = f"{rng.choice(districts)} {rng.randrange(1, 10)}"
                streets.append((fake.street_name(), sector))
            self.streets[t] = streets

    def address(self) -> dict[str, str]:
        """A random home: address_1, town, postcode."""
        rng = self.rng
        town = rng.choices(self.towns, self.weights)[0]
        street, sector = rng.choice(self.streets[town])
        number = rng.randrange(1, 120)
        # Postcode units cover about 15 neighbouring homes on a street.
        # (crc32, not hash(): the same seed must give the same people in every process).
        unit = zlib.crc32(f"{street}|{sector}|{number // 15}".encode()) % (20 * 20)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = f"{sector}{letters[unit // 20]}{letters[unit % 20]}"
        return {"address_1": f"{number} {street}", "town": town, "postcode": postcode}


def _landline(rng: random.Random) -> str:
    return f"0118 {rng.randrange(10 ** 7):07d}"


def household(fake, rng: random.Random, area: Area) -> list[dict[str, Any]]:
    """One household of 1–5 true people at one address (see the module docstring)."""
    size = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0]
    home = area.address()
    landline = _landline(rng) if rng.random() < LANDLINE else None
    first = person(fake, rng)
    first.update(home)
    members = [first]
    surname = first["surname"]
    for i in range(1, size):
        p = person(fake, rng)
        p.update(home)
        base = first["date_of_birth"]
        if i == 1 and rng.random() < 0.7:  # a partner
            p["date_of_birth"] = base + timedelta(days=rng.randrange(-365 * 6, 365 * 6))
        else:  # a child (or a parent)
            gap = timedelta(days=rng.randrange(365 * 20, 365 * 40))
            later = base + gap
            p["date_of_birth"] = later if later < date(2025, 1, 1) and rng.random() < 0.7 else base - gap
        if rng.random() < SAME_SURNAME:
            p["surname"] = surname
        if i >= 1 and rng.random() < JUNIOR:
            p["given_name"], p["surname"] = first["given_name"], surname
        members.append(p)
    for p in members:
        if landline is not None and (p["phone"] is None or rng.random() < 0.5):
            p["phone"] = landline
    return members


def person(fake, rng: random.Random) -> dict[str, Any]:
    """One true person: given_name, surname, date_of_birth (date), address_1, town, postcode, phone."""
    dob = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 66))
    given = fake.first_name_male() if rng.random() < 0.5 else fake.first_name_female()
    if rng.random() < 0.25 and given.lower() not in _DIMINUTIVES:
        formal = rng.choice(sorted(_DIMINUTIVES))
        given = formal.title()
    return {
        "given_name": given,
        "surname": fake.last_name(),
        "date_of_birth": dob,
        "address_1": f"{fake.building_number()} {fake.street_name()}",
        "town": fake.city(),
        "postcode": fake.postcode(),
        "phone": _mobile(rng) if rng.random() < 0.6 else None,
        "identifier": fake.ssn() if rng.random() < 0.2 else None,
    }


def _typo(s: str, rng: random.Random) -> str:
    if len(s) < 2:
        return s
    i = rng.randrange(len(s))
    kind = rng.random()
    if kind < 0.3:
        c = s[i].lower()
        return s[:i] + rng.choice(_KEYBOARD.get(c, "e")) + s[i + 1:]
    if kind < 0.55 and i < len(s) - 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if kind < 0.8:
        return s[:i] + s[i + 1:]
    return s[:i] + s[i] + s[i:]


def _dob_slip(d: date, rng: random.Random) -> date:
    kind = rng.random()
    try:
        if kind < 0.4 and d.day <= 12 and d.day != d.month:
            return date(d.year, d.day, d.month)
        if kind < 0.7:
            return d.replace(day=min(28, max(1, d.day + rng.choice([-1, 1, 10, -10]))))
        if kind < 0.9:
            return d.replace(year=d.year + rng.choice([-1, 1, 10, -10]))
        return d.replace(month=min(12, max(1, d.month + rng.choice([-1, 1]))))
    except ValueError:
        return d


ERRORS = ("typo_given", "typo_surname", "nickname", "swap_names", "dob_slip", "missing_dob",
          "missing_postcode", "moved", "postcode_typo", "phonetic_surname", "missing_address", "initial",
          "new_phone", "missing_identifier", "swap_typo", "other_box")


def corrupt(p: dict[str, Any], rng: random.Random, fake, n_errors: int = 1, area: Area | None = None
            ) -> tuple[dict[str, Any], list[str]]:
    """A copy of `p` with `n_errors` entry errors (names in `ERRORS`); returns (copy, errors made).
    With `area`, a person who moved moves within it (as most people a force sees do)."""
    q = dict(p)
    as_text = isinstance(q.get("date_of_birth"), str)
    if as_text:
        q["date_of_birth"] = parse_date(q["date_of_birth"])
    made: list[str] = []
    for kind in rng.sample(ERRORS, k=min(n_errors, len(ERRORS))):
        if kind == "typo_given" and q["given_name"]:
            q["given_name"] = _typo(q["given_name"], rng)
        elif kind == "typo_surname" and q["surname"]:
            q["surname"] = _typo(q["surname"], rng)
        elif kind == "nickname":
            dims = _DIMINUTIVES.get((q["given_name"] or "").lower())
            if not dims:
                continue
            q["given_name"] = rng.choice(dims).title()
        elif kind == "swap_names":
            q["given_name"], q["surname"] = q["surname"], q["given_name"]
        elif kind == "swap_typo" and q["given_name"] and q["surname"]:
            q["given_name"], q["surname"] = _typo(q["surname"], rng), q["given_name"]
        elif kind == "other_box" and q["given_name"]:
            q["given_name"], q["surname"] = None, q["given_name"]
        elif kind == "dob_slip" and q["date_of_birth"]:
            q["date_of_birth"] = _dob_slip(q["date_of_birth"], rng)
        elif kind == "missing_dob":
            q["date_of_birth"] = None
        elif kind == "missing_postcode":
            q["postcode"] = None
        elif kind == "initial" and q["given_name"]:
            q["given_name"] = q["given_name"][0]
        elif kind == "new_phone":
            q["phone"] = _mobile(rng)
        elif kind == "missing_identifier":
            q["identifier"] = None
        elif kind == "missing_address":
            q["address_1"] = None
        elif kind == "moved":
            if area is not None:
                q.update(area.address())
            else:
                q["address_1"] = f"{fake.building_number()} {fake.street_name()}"
                q["town"], q["postcode"] = fake.city(), fake.postcode()
            if rng.random() < 0.5:
                q["phone"] = _mobile(rng) if rng.random() < 0.7 else None
        elif kind == "postcode_typo" and q["postcode"]:
            q["postcode"] = _typo(q["postcode"].replace(" ", ""), rng)
        elif kind == "phonetic_surname" and q["surname"]:
            s = q["surname"]
            for a, b in (("ph", "f"), ("th", "t"), ("ck", "k"), ("ie", "y"), ("ey", "y"), ("ou", "ow"),
                         ("ll", "l"), ("mm", "m"), ("ss", "s"), ("son", "sen"), ("ai", "ay")):
                if a in s.lower():
                    s = s.lower().replace(a, b, 1).title()
                    break
            else:
                s = _typo(s, rng)
            q["surname"] = s
        made.append(kind)
    if as_text and q["date_of_birth"] is not None:
        q["date_of_birth"] = q["date_of_birth"].strftime("%d/%m/%Y")
    return q, made


def people(n: int, *, seed: int = 1, duplicate_rate: float = 0.3, max_errors: int = 2,
           households: bool = True) -> list[dict[str, Any]]:
    """`n` rows: distinct people, of whom `duplicate_rate` appear again (up to 3 copies) with 0 to
    `max_errors` entry errors each. Each row has id (str), entity (the true person) and the fields
    of `person`, date_of_birth as "dd/mm/yyyy" text as a legacy file would hold it.
    `households=True` (the default): the people live in households in one force's `Area`;
    False: each person alone at an address anywhere in the country (Faker's)."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    area = Area(fake, rng) if households else None
    rows: list[dict[str, Any]] = []
    entity = 0
    while len(rows) < n:
        for p in (household(fake, rng, area) if area is not None else [person(fake, rng)]):
            entity += 1
            copies = [p]
            if rng.random() < duplicate_rate:
                for _ in range(rng.choice([1, 1, 1, 2])):
                    copies.append(corrupt(p, rng, fake, rng.randint(0, max_errors), area)[0])
            for c in copies:
                if len(rows) >= n:
                    break
                d = c["date_of_birth"]
                rows.append({"id": str(len(rows) + 1), "entity": entity, **c,
                             "date_of_birth": d.strftime("%d/%m/%Y") if d else None})
    return rows
