"""The comparisons: how two prepared person records are compared, defined ONCE for both halves.

Each comparison (given name, surname, date of birth, postcode, address, town, phone) is an ordered
list of levels, from "unknown on one side" through "the same" to "different". Each level's
condition is built from a few small predicates (`Eq`, `Cross`, `JW`, `DL`, `Overlap`, `Initial`,
`And`, `Or`) that each know two forms:

- `.sql()`  — the Splink/DuckDB form over `col_l` / `col_r` (the batch, `dedupe`);
- `.test(l, r)` — the same test in Python over two `Prepared` records (real time, `scoring`).

A pair falls in the FIRST level whose condition holds (Splink's CASE WHEN semantics).

Fellegi–Sunter adds the comparisons' weights as if they were independent evidence. Where-someone-
lives is not: the same address implies the same postcode, the same postcode district the same town,
and a household shares its landline. Added up, one fact ("they live at the same place") counted
three or four times and outweighed a different given name and birth date (two members of one
household scored as one person). So a comparison may have `null_when`: a condition under which it
adds NO evidence because another comparison already counted it (the null level, as when a value
is missing). Its u is then estimated only on the pairs where it does count, i.e. conditionally:

- an agreeing surname (in place, swapped, or spelt differently) does not count at the same first
  line of address, `SAME_HOME` (a family shares it: a father and his son of the same name are told
  apart by the birth date, not outvoted by it);
- town counts only when the postcode districts differ or one is unknown;
- postcode counts unless the first lines of the address AND the postcodes both agree (the
  address's "exact" level is that home);
- a shared landline counts unless the first lines of the address or the postcodes agree (a
  household's phone);
  a shared mobile always counts (each member has their own). Every
predicate is false when a value it reads is missing, as SQL's NULL is in a WHEN clause, so the two
forms agree; `tests/records/matching/test_comparisons.py` checks this on generated pairs.

The columns the conditions read are made by `prepare()` from the raw fields with `normalise`, so
DuckDB never needs a phonetic or nickname function of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

import jellyfish

from onbeat.records.matching import normalise as n

__all__ = ["COLUMNS", "Prepared", "prepare", "Level", "Comparison", "COMPARISONS", "BY_NAME",
           "comparison_vector", "splink_comparisons"]

# Every column `prepare` makes, in order. Splink is given these (plus `unique_id`).
COLUMNS: tuple[str, ...] = (
    "given", "given_forms", "given_ph", "surname", "surname_ph",
    "dob", "dob_swap",
    "postcode", "postcode_district", "postcode_sector",
    "address", "house_number", "street", "town", "phone", "landline", "identifier",
)

Prepared = dict
"""A prepared record: a plain dict with every key of `COLUMNS` (value None when unknown;
`given_forms` is a sorted tuple of formal names, possibly empty → None)."""


def prepare(given_name: Any = None, surname: Any = None, date_of_birth: Any = None,
            postcode: Any = None, address: Any = None, town: Any = None, phone: Any = None,
            identifier: Any = None) -> Prepared:
    """Normalise raw fields into the columns the comparisons read.

    Accepts strings (any case, accents, punctuation), dates or date strings in any format
    `normalise.parse_date` reads; anything unusable becomes None (unknown), never an error (an
    8-digit date that is not a valid date, e.g. a keyed "19801321", is kept as its digits so a
    one-digit slip still counts as close). `address` is the first line of the address (house number
    and street). `identifier` is a national identifier of the person (National Insurance number,
    PNC id, or a legacy system's person number): upper-case letters and digits only.
    """
    parts = n.given_name_parts(given_name if given_name is None else str(given_name))
    given = parts[0] if parts else None
    fam = n.fold_name(None if surname is None else str(surname))
    dob = date_of_birth if isinstance(date_of_birth, date) else n.parse_date(date_of_birth)
    dob_key = n.date_key(dob)
    if dob is None and date_of_birth is not None:
        raw = str(date_of_birth).strip()
        dob_key = raw if len(raw) == 8 and raw.isdigit() else None
    pc = n.postcode(None if postcode is None else str(postcode))
    addr = n.fold(None if address is None else str(address))
    forms = tuple(sorted(n.nickname_forms(given))) if given else ()
    return {
        "given": given,
        "given_forms": forms or None,
        "given_ph": n.phonetic(given),
        "surname": fam,
        "surname_ph": n.phonetic(fam),
        "dob": dob_key,
        "dob_swap": n.date_key(n.swap_day_month(dob)),
        "postcode": pc.full,
        "postcode_district": pc.district,
        "postcode_sector": pc.sector,
        "address": addr,
        "house_number": n.house_number(addr),
        "street": n.street(addr),
        "town": n.fold(None if town is None else str(town)),
        "phone": (ph := n.phone(None if phone is None else str(phone))),
        "landline": ph if ph and ph[:2] in ("01", "02") else None,
        "identifier": n.identifier(None if identifier is None else str(identifier)),
    }


# ---- predicates: one definition, two forms -------------------------------------------------------

class Pred:
    """A test on a pair of prepared records, in two forms: `sql()` for Splink (over `col_l`/`col_r`)
    and `py()`, the same test as a Python expression over the dicts `l` and `r`. `test(l, r)`
    evaluates `py()`; a comparison compiles the `py()` of all its levels into one function."""

    def sql(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def py(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def test(self, l: Prepared, r: Prepared) -> bool:
        fn = self.__dict__.get("_fn")
        if fn is None:
            fn = eval(f"lambda l, r: bool({self.py()})", dict(_HELPERS))  # noqa: S307 - our own text
            object.__setattr__(self, "_fn", fn)
        return fn(l, r)


def _v(side: str, col: str) -> str:
    return f"{side}[{col!r}]"


def _known(*cols: str) -> str:
    return " and ".join(f"{_v(s, c)} is not None" for c in cols for s in ("l", "r"))


@dataclass(frozen=True)
class Eq(Pred):
    """Both known and equal."""
    col: str

    def sql(self) -> str:
        return f'"{self.col}_l" = "{self.col}_r"'

    def py(self) -> str:
        return f"({_v('l', self.col)} is not None and {_v('l', self.col)} == {_v('r', self.col)})"


@dataclass(frozen=True)
class Cross(Pred):
    """The left record's `a` equals the right record's `b` and the left's `b` equals the right's `a`
    (first and last names swapped)."""
    a: str
    b: str

    def sql(self) -> str:
        return f'("{self.a}_l" = "{self.b}_r" AND "{self.b}_l" = "{self.a}_r")'

    def py(self) -> str:
        la, rb, lb, ra = _v("l", self.a), _v("r", self.b), _v("l", self.b), _v("r", self.a)
        return f"({la} is not None and {la} == {rb} and {lb} is not None and {lb} == {ra})"


@dataclass(frozen=True)
class EitherCross(Pred):
    """The left's `a` equals the right's `b`, or the left's `b` equals the right's `a` (one date of
    birth is the other with day and month exchanged: compare each with the other's swapped form)."""
    a: str
    b: str

    def sql(self) -> str:
        return f'("{self.a}_l" = "{self.b}_r" OR "{self.b}_l" = "{self.a}_r")'

    def py(self) -> str:
        la, rb, lb, ra = _v("l", self.a), _v("r", self.b), _v("l", self.b), _v("r", self.a)
        return f"(({la} is not None and {la} == {rb}) or ({lb} is not None and {lb} == {ra}))"


@dataclass(frozen=True)
class JW(Pred):
    """Jaro-Winkler similarity at least `at` (DuckDB's `jaro_winkler_similarity`, jellyfish in Python)."""
    col: str
    at: float

    def sql(self) -> str:
        return f'jaro_winkler_similarity("{self.col}_l", "{self.col}_r") >= {self.at}'

    def py(self) -> str:
        return f"({_known(self.col)} and _jw({_v('l', self.col)}, {_v('r', self.col)}) >= {self.at})"


@dataclass(frozen=True)
class CrossJW(Pred):
    """Swapped with a typo: the left's `a` is like the right's `b` and the left's `b` like the
    right's `a` (Jaro-Winkler at least `at` both ways)."""
    a: str
    b: str
    at: float

    def sql(self) -> str:
        a, b = self.a, self.b
        return (f'(jaro_winkler_similarity("{a}_l", "{b}_r") >= {self.at} '
                f'AND jaro_winkler_similarity("{b}_l", "{a}_r") >= {self.at})')

    def py(self) -> str:
        la, rb, lb, ra = _v("l", self.a), _v("r", self.b), _v("l", self.b), _v("r", self.a)
        return (f"({la} is not None and {rb} is not None and {lb} is not None and {ra} is not None "
                f"and _jw({la}, {rb}) >= {self.at} and _jw({lb}, {ra}) >= {self.at})")


@dataclass(frozen=True)
class Lev(Pred):
    """Levenshtein distance at most `at` (insertions, deletions, substitutions)."""
    col: str
    at: int

    def sql(self) -> str:
        return f'levenshtein("{self.col}_l", "{self.col}_r") <= {self.at}'

    def py(self) -> str:
        a, b = _v("l", self.col), _v("r", self.col)
        return f"({_known(self.col)} and abs(len({a}) - len({b})) <= {self.at} and _lev({a}, {b}) <= {self.at})"


@dataclass(frozen=True)
class Hamming(Pred):
    """Same length and at most `at` positions differ (a keyed digit, or two adjacent ones swapped,
    in a fixed-width value such as YYYYMMDD). Fifty times cheaper in DuckDB than Damerau-Levenshtein."""
    col: str
    at: int

    def sql(self) -> str:
        c = self.col
        return (f'(CASE WHEN length("{c}_l") = length("{c}_r") '
                f'THEN hamming("{c}_l", "{c}_r") <= {self.at} ELSE false END)')

    def py(self) -> str:
        a, b = _v("l", self.col), _v("r", self.col)
        return f"({_known(self.col)} and len({a}) == len({b}) and _ham({a}, {b}) <= {self.at})"


@dataclass(frozen=True)
class Overlap(Pred):
    """Two lists share a value (a given name and a nickname of the same formal name)."""
    col: str

    def sql(self) -> str:
        return f'list_has_any("{self.col}_l", "{self.col}_r")'

    def py(self) -> str:
        a, b = _v("l", self.col), _v("r", self.col)
        return f"({_known(self.col)} and not set({a}).isdisjoint({b}))"


@dataclass(frozen=True)
class Initial(Pred):
    """One side is a single letter that starts the other ("J" and "James")."""
    col: str

    def sql(self) -> str:
        c = self.col
        return (f'((length("{c}_l") = 1 OR length("{c}_r") = 1) '
                f'AND substr("{c}_l", 1, 1) = substr("{c}_r", 1, 1))')

    def py(self) -> str:
        a, b = _v("l", self.col), _v("r", self.col)
        return f"({_known(self.col)} and (len({a}) == 1 or len({b}) == 1) and {a}[0] == {b}[0])"


@dataclass(frozen=True)
class Unknown(Pred):
    """Missing on either side (the one predicate that is TRUE on a missing value)."""
    col: str

    def sql(self) -> str:
        return f'("{self.col}_l" IS NULL OR "{self.col}_r" IS NULL)'

    def py(self) -> str:
        return f"({_v('l', self.col)} is None or {_v('r', self.col)} is None)"


@dataclass(frozen=True)
class And(Pred):
    parts: tuple[Pred, ...]

    def sql(self) -> str:
        return "(" + " AND ".join(p.sql() for p in self.parts) + ")"

    def py(self) -> str:
        return "(" + " and ".join(p.py() for p in self.parts) + ")"


@dataclass(frozen=True)
class Or(Pred):
    parts: tuple[Pred, ...]

    def sql(self) -> str:
        return "(" + " OR ".join(p.sql() for p in self.parts) + ")"

    def py(self) -> str:
        return "(" + " or ".join(p.py() for p in self.parts) + ")"


def _jw(a: str, b: str, _cache: dict = {}) -> float:  # noqa: B006 - a deliberate bounded memo
    key = (a, b)
    v = _cache.get(key)
    if v is None:
        v = jellyfish.jaro_winkler_similarity(a, b)
        if len(_cache) > 500_000:
            _cache.clear()
        _cache[key] = v
    return v


_HELPERS = {"_jw": _jw, "_lev": jellyfish.levenshtein_distance, "_ham": jellyfish.hamming_distance,
            "__builtins__": {"len": len, "abs": abs, "set": set, "bool": bool}}


# ---- levels and comparisons ------------------------------------------------------------------------

@dataclass(frozen=True)
class Level:
    """One level of a comparison.

    `key` is stable (it names the level in a saved model); `reason` is what an officer reads when a
    pair falls here ("given name is a nickname of {formal}": `{formal}`, `{left}`, `{right}` are
    filled in by `scoring`); `when` is None only for the final "else" level.
    """
    key: str
    reason: str
    when: Pred | None


@dataclass(frozen=True)
class Comparison:
    """A field compared at ordered levels. `columns` are the prepared columns whose absence on either
    side makes the comparison unknown (the null level: no evidence either way)."""
    name: str
    label: str
    columns: tuple[str, ...]
    levels: tuple[Level, ...]
    description: str = ""
    null_when: Pred | None = None
    """No evidence either way when this holds: another comparison already counts it (see the
    module docstring on double counting)."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(lv.key for lv in self.levels)

    def null_sql(self) -> str:
        sql = " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in self.columns)
        return sql if self.null_when is None else f"{sql} OR COALESCE({self.null_when.sql()}, false)"

    def __post_init__(self) -> None:
        # The Python forms of all levels compiled into one function: the hot path of real-time
        # scoring (a few hundred candidates × eight comparisons per keystroke).
        lines = ["def level_of(l, r):"]
        for c in self.columns:
            lines.append(f"    if l[{c!r}] is None or r[{c!r}] is None: return -1")
        if self.null_when is not None:
            lines.append(f"    if {self.null_when.py()}: return -1")
        for i, lv in enumerate(self.levels):
            if lv.when is not None:
                lines.append(f"    if {lv.when.py()}: return {i}")
        lines.append(f"    return {len(self.levels) - 1}")
        scope = dict(_HELPERS)
        exec("\n".join(lines), scope)  # noqa: S102 - generated from the definitions above
        object.__setattr__(self, "level_of", scope["level_of"])
        object.__setattr__(self, "source", "\n".join(lines))

    def level_of(self, l: Prepared, r: Prepared) -> int:  # replaced per instance by the compiled form
        """Index of the level the pair falls in, or -1 for the null level (unknown on a side)."""
        raise NotImplementedError


# The same first line of address: a household's. (With one address unknown, the same postcode is
# not enough: about fifteen homes share one, and the surname still tells them apart.)
SAME_HOME = Eq("address")
# The family name agrees at any level (exact, swapped, typo, sound, similar): at the same home all
# of them are what a family shares, and a weaker one must not count where the exact one does not.
SAME_FAMILY_NAME = Or((JW("surname", 0.8), Eq("surname_ph"), CrossJW("surname", "given", 0.92)))


def _cmp(name: str, label: str, columns: tuple[str, ...], *levels: tuple[str, str, Pred | None],
         description: str = "", null_when: Pred | None = None) -> Comparison:
    return Comparison(name, label, columns, tuple(Level(k, text, p) for k, text, p in levels), description,
                      null_when)


COMPARISONS: tuple[Comparison, ...] = (
    _cmp("given_name", "Given name", ("given",),
         ("exact", "given name the same", Eq("given")),
         ("swapped", "first and last names swapped", Cross("given", "surname")),
         ("swapped_close", "first and last names swapped, spelt nearly the same",
          CrossJW("given", "surname", 0.92)),
         ("nickname", "given name is a nickname of {formal}", Overlap("given_forms")),
         ("close", "given name spelt nearly the same", JW("given", 0.92)),
         ("initial", "given name's initial the same", Initial("given")),
         ("sounds", "given name sounds the same", Eq("given_ph")),
         ("similar", "given name similar", JW("given", 0.8)),
         ("other_box", "one name typed in the other box", EitherCross("given", "surname")),
         ("different", "given name different", None),
         description="First given name: exact, swapped with surname (exactly or nearly), nickname, typo, "
                     "initial, phonetic, one name in the other box."),
    _cmp("surname", "Surname", ("surname",),
         ("exact", "surname the same", Eq("surname")),
         ("swapped", "first and last names swapped", Cross("surname", "given")),
         ("swapped_close", "first and last names swapped, spelt nearly the same",
          CrossJW("surname", "given", 0.92)),
         ("close", "surname spelt nearly the same", JW("surname", 0.92)),
         ("sounds", "surname sounds the same", Eq("surname_ph")),
         ("similar", "surname similar", JW("surname", 0.8)),
         # Only when a given name is missing: otherwise the given-name comparison's "other_box"
         # level has already counted the same agreement (the test is symmetric).
         ("other_box", "one name typed in the other box",
          And((EitherCross("surname", "given"), Unknown("given")))),
         ("different", "surname different", None),
         description="Family name: exact, swapped with given name (exactly or nearly), typo, phonetic, one "
                     "name in the other box. The same surname at the same address is not counted (a "
                     "household's).",
         null_when=And((SAME_HOME, SAME_FAMILY_NAME))),
    _cmp("date_of_birth", "Date of birth", ("dob",),
         ("exact", "date of birth the same", Eq("dob")),
         ("swapped", "day and month of birth swapped", EitherCross("dob", "dob_swap")),
         ("one_digit", "date of birth differs by one digit", Hamming("dob", 1)),
         ("two_digits", "date of birth differs by two digits", Hamming("dob", 2)),
         ("different", "date of birth different", None),
         description="Date of birth as YYYYMMDD: exact, day/month swapped, one or two digits keyed wrong "
                     "(two adjacent digits swapped count as two)."),
    _cmp("postcode", "Postcode", ("postcode",),
         ("exact", "postcode the same", Eq("postcode")),
         ("one_char", "postcode differs by one character", Lev("postcode", 1)),
         ("sector", "same postcode sector", Eq("postcode_sector")),
         ("two_chars", "postcode differs by two characters", Hamming("postcode", 2)),
         ("district", "same postcode district", Eq("postcode_district")),
         ("different", "postcode different", None),
         description="Postcode: exact, one character keyed wrong, same sector, two characters wrong or "
                     "swapped, same district. Not counted when the address and postcode both agree.",
         null_when=And((Eq("address"), Eq("postcode")))),
    _cmp("address", "Address", ("address",),
         ("exact", "first line of address the same", Eq("address")),
         ("close", "first line of address nearly the same",
          Or((And((Eq("house_number"), JW("street", 0.88))), JW("address", 0.94)))),
         ("same_street", "same street, different number", JW("street", 0.94)),
         ("different", "address different", None),
         description="First line of the address: exact, typo, same street."),
    _cmp("town", "Town", ("town",),
         ("exact", "town the same", Eq("town")),
         ("close", "town spelt nearly the same", JW("town", 0.9)),
         ("different", "town different", None),
         description="Town or suburb, counted only when the postcode districts differ or one is unknown.",
         null_when=Eq("postcode_district")),
    _cmp("phone", "Phone", ("phone",),
         ("exact", "phone number the same", Eq("phone")),
         ("one_digit", "phone number differs by one digit", Lev("phone", 1)),
         ("different", "phone number different", None),
         description="Phone number, digits only, UK national form. A shared landline (01/02) is a "
                     "household's: not counted when the address or postcode agrees. A shared mobile is "
                     "one person's: always counted.",
         null_when=And((Or((Eq("address"), Eq("postcode"))), Eq("landline")))),
    _cmp("identifier", "Identifier", ("identifier",),
         ("exact", "identifier the same", Eq("identifier")),
         ("one_char", "identifier differs by one character", Lev("identifier", 1)),
         ("two_chars", "identifier differs by two characters or two swapped", Hamming("identifier", 2)),
         ("different", "identifier different", None),
         description="A national identifier (NI number, PNC id, legacy person number)."),
)

BY_NAME: Mapping[str, Comparison] = {c.name: c for c in COMPARISONS}


def comparison_vector(l: Prepared, r: Prepared, comparisons: tuple[Comparison, ...] = COMPARISONS
                      ) -> tuple[int, ...]:
    """The level index of each comparison for a pair (-1 = unknown), in `COMPARISONS` order."""
    return tuple(c.level_of(l, r) for c in comparisons)


def splink_comparisons(params: Mapping[str, Any] | None = None,
                       comparisons: tuple[Comparison, ...] = COMPARISONS,
                       fix_m: frozenset[tuple[str, str]] | set = frozenset()) -> list[dict]:
    """The comparisons as Splink settings dicts (one per comparison, null level first).

    `params`, when given, is `MatchModel.comparisons` (name → list of (key, m, u)): those m and u
    probabilities are set on the levels so Splink predicts with a stored model without training.
    The Splink comparison vector value of level i (in our order) is len(levels) - 1 - i, as Splink
    numbers levels from the last; `-1` is the null level in both. `fix_m`: (comparison, level) pairs
    whose m EM must leave as given.
    """
    out = []
    for c in comparisons:
        levels: list[dict] = [{"sql_condition": c.null_sql(), "label_for_charts": "unknown",
                               "is_null_level": True}]
        given = {k: (m, u) for k, m, u in params[c.name]} if params and c.name in params else {}
        for lv in c.levels:
            d: dict = {"sql_condition": "ELSE" if lv.when is None else lv.when.sql(),
                       "label_for_charts": lv.key}
            if lv.key in given:
                d["m_probability"], d["u_probability"] = given[lv.key]
                if (c.name, lv.key) in fix_m:
                    d["fix_m_probability"] = True
            levels.append(d)
        out.append({"output_column_name": c.name, "comparison_description": c.description or c.label,
                    "comparison_levels": levels})
    return out

