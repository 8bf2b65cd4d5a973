"""Real-time scoring: how likely a query (what an officer has typed so far) and a known person are the
same person, and why. Uses the same comparisons (`comparisons.COMPARISONS`) and the same trained
parameters (`model.MatchModel`) as the batch deduplication.

    from onbeat.records.matching.scoring import PersonFacts, score, score_many
    from onbeat.records.matching.model import current_model

    model = current_model(db)                      # cached; cheap to call per request
    query = PersonFacts(given_name="Bob", surname="Smyth", date_of_birth="07/03/1980")
    ranked = score_many(model, query, candidates)  # candidates: PersonFacts or prepare_facts(...)
    ranked[0].probability, ranked[0].reasons[0].text

A candidate's aliases and earlier addresses are tried too: the best-scoring name and the best-scoring
address are used, and a reason says so ("an alias", "an earlier address"). For speed on a suggest
call (hundreds of candidates), keep `prepare_facts(candidate)` with the candidate in your index: it
is what `score` would otherwise compute on every call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

from onbeat.records.matching.comparisons import BY_NAME, Prepared, prepare
from onbeat.records.matching.model import MatchModel

__all__ = ["Address", "PersonFacts", "PreparedFacts", "Reason", "Match", "prepare_facts", "score",
           "score_many", "NAME_COMPARISONS", "ADDRESS_COMPARISONS"]

NAME_COMPARISONS = ("given_name", "surname")
ADDRESS_COMPARISONS = ("postcode", "address", "town")


@dataclass(frozen=True)
class Address:
    """An address a person lives or lived at. Any part may be None."""
    address_1: str | None = None
    town: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class PersonFacts:
    """What is known about a person, raw as typed or stored. Any field may be None.

    `date_of_birth` may be a `date` or a string in any format `normalise.parse_date` reads.
    `aliases` are other (given_name, surname) pairs the person is known by; `previous_addresses` are
    earlier addresses (the current one is `address_1` / `town` / `postcode`). `identifier` is a
    national identifier (NI number, PNC id) when one is known. `key` is the caller's
    identifier (a person id), carried into `Match.key` untouched.
    """
    given_name: str | None = None
    surname: str | None = None
    date_of_birth: date | str | None = None
    postcode: str | None = None
    address_1: str | None = None
    town: str | None = None
    phone: str | None = None
    identifier: str | None = None
    aliases: tuple[tuple[str | None, str | None], ...] = ()
    previous_addresses: tuple[Address, ...] = ()
    key: Any = None


@dataclass(frozen=True)
class PreparedFacts:
    """A person normalised for comparison. Names and addresses are compared independently, so the
    variants are kept apart rather than as every (name × address) combination: `names` are `base`
    with an alias in place of the name, `addresses` are `base` with an earlier address in place of
    the current one."""
    key: Any
    base: Prepared                         # main name, current address
    names: tuple[Prepared, ...] = ()       # base with each alias's name columns
    addresses: tuple[Prepared, ...] = ()   # base with each earlier address's columns


@dataclass(frozen=True)
class Reason:
    """Why a pair scored as it did, for one comparison.

    `field` is the comparison name ("given_name", "surname", "date_of_birth", "postcode", "address",
    "town", "phone") or "alias" / "earlier_address"; `level` the level key ("exact", "nickname",
    "swapped", ...); `text` plain English for the officer; `weight` the log2 Bayes factor it added
    (positive for agreement, negative for disagreement).
    """
    field: str
    level: str
    text: str
    weight: float


@dataclass(frozen=True)
class Match:
    """The score of one candidate against the query. `reasons` lists agreements first, strongest
    first, then disagreements; unknown fields give no reason."""
    key: Any
    probability: float
    match_weight: float
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def agreements(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.weight > 0)


_prepared: dict[PersonFacts, PreparedFacts] = {}
_PREPARED_MAX = 20_000


def prepare_facts(facts: PersonFacts | PreparedFacts) -> PreparedFacts:
    """Normalise a person once, for scoring many times (idempotent on `PreparedFacts`). Up to
    20,000 people prepared are remembered (about 30 MB), so a candidate seen on an earlier
    keystroke is not normalised again."""
    if isinstance(facts, PreparedFacts):
        return facts
    try:
        hit = _prepared.get(facts)
    except TypeError:  # an unhashable field (a list of aliases): prepare, do not remember
        return _prepare_facts(facts)
    if hit is None:
        hit = _prepare_facts(facts)
        if len(_prepared) >= _PREPARED_MAX:
            _prepared.clear()
        _prepared[facts] = hit
    return hit


def _prepare_facts(facts: PersonFacts) -> PreparedFacts:
    base = prepare(facts.given_name, facts.surname, facts.date_of_birth, facts.postcode,
                   facts.address_1, facts.town, facts.phone, facts.identifier)
    names = tuple(_with(base, prepare(g, s), _NAME_COLS) for g, s in facts.aliases if g or s)
    addresses = tuple(_with(base, prepare(postcode=a.postcode, address=a.address_1, town=a.town), _ADDR_COLS)
                      for a in facts.previous_addresses if a.postcode or a.address_1 or a.town)
    return PreparedFacts(facts.key, base, names, addresses)


def _with(base: Prepared, variant: Prepared, columns: Iterable[str]) -> Prepared:
    out = dict(base)
    for c in columns:
        out[c] = variant[c]
    return out


_NAME_COLS = ("given", "given_forms", "given_ph", "surname", "surname_ph")
_ADDR_COLS = ("postcode", "postcode_district", "postcode_sector", "address", "house_number", "street", "town")


def _block(weights: dict, comps: Sequence, q: Prepared, c: Prepared) -> tuple[float, list]:
    """Summed weight of the given comparisons for one pair, and the (comparison, level) hits."""
    total = 0.0
    hits = []
    for comp in comps:
        i = comp.level_of(q, c)
        if i < 0:
            continue
        total += weights[comp.name][i]
        hits.append((comp, i))
    return total, hits


def _reasons(weights: dict, hits: list, q: Prepared, c: Prepared) -> list[Reason]:
    out = []
    for comp, i in hits:
        lv = comp.levels[i]
        text = lv.reason
        if "{formal}" in text:
            formal = sorted(set(q["given_forms"] or ()) & set(c["given_forms"] or ()))
            text = text.format(formal=(formal[0] if formal else c["given"] or "").title())
        out.append(Reason(comp.name, lv.key, text, weights[comp.name][i]))
    return out


_NAME = tuple(BY_NAME[n] for n in NAME_COMPARISONS)
_ADDR = tuple(BY_NAME[n] for n in ADDRESS_COMPARISONS)
_REST = tuple(c for c in BY_NAME.values() if c.name not in NAME_COMPARISONS and c.name not in ADDRESS_COMPARISONS)


def _evaluate(model: MatchModel, q: Prepared, cand: PreparedFacts):
    weights = model.weights
    c = cand.base
    name_w, name_hits = _block(weights, _NAME, q, c)
    name_rec = c
    alias_used = False
    for rec in cand.names:
        w, hits = _block(weights, _NAME, q, rec)
        if w > name_w:
            name_w, name_hits, name_rec, alias_used = w, hits, rec, True
    addr_w, addr_hits = _block(weights, _ADDR, q, c)
    earlier_used = False
    for rec in cand.addresses:
        w, hits = _block(weights, _ADDR, q, rec)
        if w > addr_w:
            addr_w, addr_hits, earlier_used = w, hits, True
    rest_w, rest_hits = _block(weights, _REST, q, c)
    total = model.prior_weight + name_w + addr_w + rest_w
    return total, (name_hits, name_rec, addr_hits, rest_hits, alias_used, earlier_used)


def _match(model: MatchModel, q: Prepared, cand: PreparedFacts, total: float, detail) -> Match:
    name_hits, name_rec, addr_hits, rest_hits, alias_used, earlier_used = detail
    weights = model.weights
    reasons = (_reasons(weights, name_hits, q, name_rec) + _reasons(weights, addr_hits, q, cand.base)
               + _reasons(weights, rest_hits, q, cand.base))
    # "first and last names swapped" comes from both name comparisons: say it once, with both weights.
    merged: dict[str, Reason] = {}
    for r in reasons:
        if r.text in merged:
            prev = merged[r.text]
            merged[r.text] = Reason(prev.field, prev.level, prev.text, prev.weight + r.weight)
        else:
            merged[r.text] = r
    reasons = list(merged.values())
    if alias_used:
        reasons.append(Reason("alias", "alias", "matches a name the person is also known by", 0.0))
    if earlier_used:
        reasons.append(Reason("earlier_address", "earlier", "an earlier address", 0.0))
    reasons.sort(key=lambda r: (r.weight <= 0, -abs(r.weight)))
    return Match(cand.key, _probability(total), total, tuple(reasons))


def score(model: MatchModel, query: PersonFacts | PreparedFacts, candidate: PersonFacts | PreparedFacts
          ) -> Match:
    """Score one candidate against the query with the model's m/u parameters and prior.

    match_weight = log2(prior / (1 - prior)) + Σ log2(m / u) over the known comparisons;
    probability = 2^w / (1 + 2^w). Fields unknown on either side add nothing. The candidate's
    aliases and earlier addresses are each tried; the best name and the best address count.
    """
    q = prepare_facts(query).base
    cand = prepare_facts(candidate)
    total, detail = _evaluate(model, q, cand)
    return _match(model, q, cand, total, detail)


def score_many(model: MatchModel, query: PersonFacts | PreparedFacts,
               candidates: Iterable[PersonFacts | PreparedFacts], limit: int | None = None,
               min_probability: float = 0.0) -> list[Match]:
    """Score every candidate against the query; best first (ties keep the candidates' order).

    `limit` keeps only the best `limit`; `min_probability` drops weaker ones. Reasons are built
    only for the matches returned, so a small `limit` is cheaper (about 5 µs a candidate).
    """
    q = prepare_facts(query).base
    scored = []
    for i, c in enumerate(candidates):
        cand = prepare_facts(c)
        total, detail = _evaluate(model, q, cand)
        scored.append((-total, i, cand, detail))
    scored.sort(key=lambda t: (t[0], t[1]))
    if min_probability > 0:
        cut = _weight_of(min_probability)
        scored = [t for t in scored if -t[0] >= cut]
    if limit is not None:
        scored = scored[:limit]
    return [_match(model, q, cand, -neg, detail) for neg, _i, cand, detail in scored]


def _weight_of(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def _probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = math.pow(2.0, weight)
    return odds / (1.0 + odds)
