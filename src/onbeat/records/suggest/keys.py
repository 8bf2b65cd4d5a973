"""Blocking keys: the short codes two descriptions of one person are likely to share even when
one of them was typed with a mistake or two.

A person is filed under keys built from what the store knows of them (every name and other name,
the date of birth, every address they have had, phones); a query looks up the keys built the same
way from what the officer typed, plus variants for the usual slips (names swapped, day and month
swapped, a nickname that may stand for several names). Each key is a 64-bit hash of its text, so
the index is one narrow b-tree however long the names are.

Which key survives which slip (one error always leaves several; most pairs of errors leave one):

| key | text | survives |
|---|---|---|
| `d`  | date of birth | any name error, old address |
| `sd` | sound of surname + date of birth | given-name error or missing |
| `dp` | date of birth + postcode (each address) | both names wrong or missing |
| `gd` | sound of formal given name + date of birth | surname error or missing |
| `ns` | sound of formal given name + sound of surname | date errors, nickname, phonetic spelling |
| `gi` | sound of formal given name + surname's first letter | surname typo, no date |
| `si` | sound of surname + given name's first letter | given-name typo, no date |
| `sp` | sound of surname + postcode (each address) | given-name error, no date |
| `gp` | sound of formal given name + postcode (each address) | surname error, no date |
| `pc` | postcode alone | only when nothing else is typed |
| `s`  | sound of surname alone | only when nothing else is typed |
| `ph` | phone number | everything else wrong |

Normalisation (folding, nicknames, sounds, postcodes, date swaps) is the matching module's, so
suggestions and deduplication see names the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from onbeat.records.matching import normalise as norm

# How much sharing a key says about two descriptions being one person: ranks the candidates that
# are then scored by the match model (the weights only decide who gets scored).
WEIGHTS = {"ph": 6.0, "dp": 5.0, "sd": 4.5, "sp": 4.0, "gd": 4.0, "gp": 3.0, "d": 3.0, "ns": 3.0, "gi": 1.0, "si": 1.0, "pc": 1.0,
           "s": 0.5}
# Keys whose buckets are large: looked up only when the query has nothing more specific.
BROAD = {"pc", "s"}
MAX_FORMS = 4  # formal names a nickname may stand for ("al": albert, alan, alfred...)


def hash_key(text: str) -> int:
    """A signed 64-bit hash of a key's text (stable across processes and machines)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


@dataclass(frozen=True)
class Description:
    """What is known or typed about a person: any part may be missing."""
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    postcodes: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    other_names: tuple[tuple[str | None, str | None], ...] = ()


def _given_sounds(given: str | None) -> list[str]:
    """Sounds of every formal name the given name may stand for ("bob" -> sound of "robert")."""
    forms = sorted(norm.nickname_forms(given))[:MAX_FORMS]
    sounds = {norm.phonetic(f) for f in forms} | {norm.phonetic(norm.canonical_given_name(given))}
    return sorted(s for s in sounds if s)


def _initial(name: str | None) -> str | None:
    folded = norm.fold_name(name)
    return folded[0] if folded else None


def _postcode(text: str | None) -> str | None:
    return norm.postcode(text).full


def _name_keys(given: str | None, family: str | None) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    sounds = _given_sounds(given)
    surname = norm.phonetic(family)
    g0, s0 = _initial(given), _initial(family)
    for g in sounds:
        if surname:
            out.add(("ns", f"{g}|{surname}"))
        if s0:
            out.add(("gi", f"{g}|{s0}"))
    if surname:
        if g0:
            out.add(("si", f"{surname}|{g0}"))
        out.add(("s", surname))
    return out


def _place_keys(given: str | None, family: str | None, postcodes: Iterable[str]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    surname = norm.phonetic(family)
    sounds = _given_sounds(given)
    for pc in postcodes:
        out.add(("pc", pc))
        if surname:
            out.add(("sp", f"{surname}|{pc}"))
        for g in sounds:
            out.add(("gp", f"{g}|{pc}"))
    return out


def _date_text(d: date) -> str:
    return norm.date_key(d)


def _dated_keys(given: str | None, family: str | None, born: date, postcodes: Iterable[str]) -> set[tuple[str, str]]:
    out = {("d", _date_text(born))} | {("dp", f"{_date_text(born)}|{pc}") for pc in postcodes}
    if surname := norm.phonetic(family):
        out.add(("sd", f"{surname}|{_date_text(born)}"))
    for g in _given_sounds(given):
        out.add(("gd", f"{g}|{_date_text(born)}"))
    return out


def person_keys(d: Description) -> set[int]:
    """The keys a person is filed under."""
    names = [(d.given_name, d.family_name), *d.other_names]
    postcodes = {p for p in (_postcode(x) for x in d.postcodes) if p}
    texts: set[tuple[str, str]] = set()
    for given, family in names:
        texts |= _name_keys(given, family)
        texts |= _place_keys(given, family, postcodes)
        if d.date_of_birth:
            texts |= _dated_keys(given, family, d.date_of_birth, postcodes)
    for phone in d.phones:
        if p := norm.phone(phone):
            texts.add(("ph", p))
    return {hash_key(f"{kind}:{text}") for kind, text in texts}


def query_keys(q: Description) -> dict[int, float]:
    """key -> weight for a query: its own keys and those of its usual slips. Broad keys only when
    nothing more specific can be formed."""
    given, family = q.given_name, q.family_name
    postcodes = {p for p in (_postcode(x) for x in q.postcodes) if p}
    texts: set[tuple[str, str]] = set()
    dates = [d for d in (q.date_of_birth, norm.swap_day_month(q.date_of_birth)) if d]  # and day/month swapped
    for g, s in {(given, family), (family, given)}:  # as typed, and first/last swapped
        texts |= _name_keys(g, s)
        texts |= _place_keys(g, s, postcodes)
        for born in dates:
            texts |= _dated_keys(g, s, born, postcodes)
    for phone in q.phones:
        if p := norm.phone(phone):
            texts.add(("ph", p))
    specific = {t for t in texts if t[0] not in BROAD}
    # "s" for a query typed as surname only: the swapped variant would look the given name up as a surname.
    if not specific:
        chosen = {t for t in texts if t[0] == "pc"} or {t for t in texts if t[0] == "s"}
    else:
        chosen = specific
    out: dict[int, float] = {}
    for kind, text in chosen:
        out[hash_key(f"{kind}:{text}")] = WEIGHTS[kind]
    return out
