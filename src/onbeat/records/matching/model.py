"""The match model: the trained parameters of the comparisons, versioned in the `match_models` table.

A `MatchModel` holds, for every comparison level of `comparisons.COMPARISONS`, the probability m
that two records of the SAME person fall in that level and the probability u that two records of
DIFFERENT people do, plus the prior (the probability that two records picked at random are the same
person) and the match probability at which the batch joins two records into one entity.

- `train(rows)` fits a model with Splink on DuckDB: u by random sampling of pairs, m by
  expectation maximisation (EM) on pairs blocked on a few fields in turn, the prior from
  near-certain deterministic rules. No labels are needed: it trains on the store's own data.
- `save(db, model, trained_on, actor)` stores it as the next version (audited); `current_model(db)`
  is the newest version, or the default model shipped in the package (`data/default_model.json`,
  trained on generated people living in households in one force's area;
  `python -m onbeat.records.matching.model` rebuilds it) when none
  has been saved yet. Both halves (real-time `scoring` and batch `dedupe`) use `current_model`.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from importlib import resources
from typing import Any, Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onbeat.records.matching.comparisons import BY_NAME, COMPARISONS

__all__ = ["MatchModel", "default_model", "current_model", "get_model", "list_models", "save", "train",
           "DEFAULT_THRESHOLD"]

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.95
# m and u are clipped into this range so no single level is ever infinitely sure.
_MIN_P, _MAX_P = 1e-6, 1 - 1e-6
# An m that EM drives towards 0 (a level matches "never" fall in on the training data, e.g. a
# changed phone number when the training data had none) is floored here: it happens in life.
MIN_M = 1e-3

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as training or clustering moves on (stage in words)."""


@dataclass(frozen=True)
class MatchModel:
    """Versioned parameters of the comparisons.

    `comparisons` maps a comparison name to its levels' (level_key, m, u), in the order of
    `comparisons.COMPARISONS` (the null level has no parameters: it adds no evidence). A level
    missing from a saved model (the comparisons gained a level since) counts as no evidence.
    `prior` is the probability that two random records are the same person; `threshold` the match
    probability above which `dedupe.cluster` links two records. `version` is None until saved.
    """
    comparisons: Mapping[str, tuple[tuple[str, float, float], ...]]
    prior: float
    threshold: float = DEFAULT_THRESHOLD
    version: int | None = None
    trained_on: str = ""
    record_count: int | None = None
    trained_at: datetime | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def weights(self) -> dict[str, tuple[float, ...]]:
        """name → log2(m/u) of each level of `COMPARISONS[name]`, aligned with its `levels`
        (0.0 for a level the model has no parameters for). Precomputed once per model."""
        out: dict[str, tuple[float, ...]] = {}
        for comp in COMPARISONS:
            params = {k: (m, u) for k, m, u in self.comparisons.get(comp.name, ())}
            ws = []
            for lv in comp.levels:
                if lv.key in params:
                    m, u = params[lv.key]
                    ws.append(math.log2(_clip(m) / _clip(u)))
                else:
                    ws.append(0.0)
            out[comp.name] = tuple(ws)
        return out

    @cached_property
    def prior_weight(self) -> float:
        """log2 of the prior odds."""
        p = _clip(self.prior)
        return math.log2(p / (1 - p))

    @property
    def threshold_weight(self) -> float:
        p = _clip(self.threshold)
        return math.log2(p / (1 - p))

    def to_json(self) -> dict:
        """A JSON-able dict (what the `match_models.parameters` column and the shipped file hold)."""
        return {
            "format": 1,
            "prior": self.prior,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
            "record_count": self.record_count,
            "trained_at": self.trained_at.isoformat() if self.trained_at else None,
            "comparisons": {name: [[k, m, u] for k, m, u in levels] for name, levels in self.comparisons.items()},
            "notes": dict(self.notes),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], version: int | None = None) -> MatchModel:
        """Inverse of `to_json`. Unknown comparisons and levels are ignored (kept in the data only)."""
        comps = {name: tuple((str(k), float(m), float(u)) for k, m, u in levels)
                 for name, levels in data["comparisons"].items() if name in BY_NAME}
        at = data.get("trained_at")
        return cls(comps, float(data["prior"]), float(data.get("threshold", DEFAULT_THRESHOLD)), version,
                   data.get("trained_on", ""), data.get("record_count"),
                   datetime.fromisoformat(at) if at else None, data.get("notes") or {})

    def with_threshold(self, threshold: float) -> MatchModel:
        return replace(self, threshold=threshold)


def _clip(p: float) -> float:
    return min(max(float(p), _MIN_P), _MAX_P)


# ---- the shipped default ------------------------------------------------------------------------

_default: MatchModel | None = None


def default_model() -> MatchModel:
    """The model shipped in the package (`data/default_model.json`), used until one is saved."""
    global _default
    if _default is None:
        text = resources.files("onbeat.records.matching").joinpath("data/default_model.json").read_text("utf-8")
        _default = MatchModel.from_json(json.loads(text))
    return _default


# ---- versions in the database -------------------------------------------------------------------

_cache: dict[Any, MatchModel] = {}
_cache_lock = threading.Lock()


def current_model(db: Session) -> MatchModel:
    """The newest saved version, or `default_model()` when none is saved. One indexed query per call
    (the parameters are cached by row id), so it is cheap enough to call on every request."""
    from onbeat.records.matching.models import MatchModelVersion

    newest = db.execute(select(MatchModelVersion.id).order_by(MatchModelVersion.version.desc()).limit(1)).scalar()
    if newest is None:
        return default_model()
    return _load(db, MatchModelVersion.id == newest, newest)


def get_model(db: Session, version: int) -> MatchModel:
    """A saved version by number. Raises `NotFound` if there is no such version."""
    from onbeat.core.errors import NotFound
    from onbeat.records.matching.models import MatchModelVersion

    row_id = db.execute(select(MatchModelVersion.id).where(MatchModelVersion.version == version)).scalar()
    if row_id is None:
        raise NotFound(f"There is no match model version {version}.", field="version",
                       hint="List the versions with onbeat.records.matching.model.list_models.")
    return _load(db, MatchModelVersion.id == row_id, row_id)


def _load(db: Session, where, row_id) -> MatchModel:
    from onbeat.records.matching.models import MatchModelVersion

    with _cache_lock:
        hit = _cache.get(row_id)
    if hit is not None:
        return hit
    row = db.execute(select(MatchModelVersion).where(where)).scalar_one()
    model = MatchModel.from_json(row.parameters, version=row.version)
    model = replace(model, threshold=row.threshold, trained_on=row.trained_on, record_count=row.record_count,
                    trained_at=row.created_at)
    with _cache_lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[row_id] = model
    return model


def list_models(db: Session) -> list[dict]:
    """Every saved version, newest first: version, trained_on, record_count, created_at, created_by."""
    from onbeat.records.matching.models import MatchModelVersion

    rows = db.execute(select(MatchModelVersion).order_by(MatchModelVersion.version.desc())).scalars()
    return [{"version": r.version, "trained_on": r.trained_on, "record_count": r.record_count,
             "threshold": r.threshold, "prior": r.prior, "created_at": r.created_at,
             "created_by": r.created_by_label} for r in rows]


def save(db: Session, model: MatchModel, trained_on: str, actor) -> MatchModel:
    """Store `model` as the next version in the caller's transaction and audit it; returns the model
    with its version number. `actor` is an `onbeat.core.audit.service.Actor`. Takes a transaction
    advisory lock so two saves at once get consecutive versions rather than a conflict."""
    from sqlalchemy import text

    from onbeat.core.audit import service as audit
    from onbeat.records.matching.models import MatchModelVersion

    trained_on = (trained_on or "").strip()
    if not trained_on:
        from onbeat.core.errors import BadRequest
        raise BadRequest("Say what the model was trained on.", field="trained_on",
                         hint="For example: 'the store: 48,210 people'.")
    db.execute(text("select pg_advisory_xact_lock(hashtext('match_models'))"))
    newest = db.execute(select(func.max(MatchModelVersion.version))).scalar() or 0
    version = newest + 1
    data = model.to_json()
    data["trained_on"] = trained_on
    row = MatchModelVersion(version=version, parameters=data, prior=model.prior, threshold=model.threshold,
                            trained_on=trained_on, record_count=model.record_count,
                            created_by_id=actor.id, created_by_label=actor.label)
    db.add(row)
    db.flush()
    audit.record(db, actor, "alter", "match_model.saved", "match_model", str(row.id),
                 detail={"version": version, "trained_on": trained_on, "record_count": model.record_count,
                         "threshold": model.threshold})
    return replace(model, version=version, trained_on=trained_on, trained_at=row.created_at)


# ---- training ------------------------------------------------------------------------------------

# EM passes: each blocks on some fields and so estimates the m of every OTHER comparison.
# Between them every comparison gets an estimate (names in the date pass, the date in the name
# pass, where-they-live in both). No pass blocks on postcode or address: in a real store the pairs
# sharing a postcode are mostly members of one household, and EM then takes "same household" for
# "same person" (it learnt that a different given name and birth date mean little).
EM_BLOCKS: tuple[tuple[str, ...], ...] = (("dob",), ("given", "surname"))
# Near-certain rules for the prior (recall assumed below).
# Levels whose m EM keeps from the base model. In one force's area most pairs in the same postcode
# sector or district (but not the same postcode) are neighbours, not one person: EM drives their m
# to exactly zero, which Splink refuses, and the failed pass would lose the comparisons it was
# training. Their m stays as the default model has it (counted on labelled generated data).
FIXED_IN_EM: frozenset[tuple[str, str]] = frozenset({("postcode", "sector"), ("postcode", "district")})
PRIOR_RULES: tuple[tuple[str, ...], ...] = (("given", "surname", "dob"),)
PRIOR_RECALL = 0.7
# EM on at most about this many pairs per pass, once the data has more than EM_SAMPLE_FROM records.
EM_MAX_PAIRS = 2e6
EM_SAMPLE_FROM = 50_000


def train(rows: Any, *, threshold: float = DEFAULT_THRESHOLD, trained_on: str = "",
          progress: Progress | None = None, seed: int = 1, max_u_pairs: float = 5e5,
          base: MatchModel | None = None, label: str | None = None) -> MatchModel:
    """Fit a model on person rows with Splink (DuckDB), unsupervised.

    `rows`: a pandas DataFrame or an iterable of dicts with any of the columns id, given_name,
    surname, date_of_birth, address_1, town (or suburb), postcode, phone (see `dedupe.prepare_frame`).
    u is estimated from random pairs (`max_u_pairs`), m by EM on pairs blocked by date of birth and
    by name in turn (`EM_BLOCKS`); the prior from exact name + date of birth agreement. A level EM
    never sees keeps `base`'s (default: the shipped model's) parameters. Needs at least 2 rows;
    with few rows (a few hundred) the estimates are rough; `dedupe.cluster` does not train below
    `dedupe.MIN_TRAIN_ROWS` (50). Splink's own log messages are kept below WARNING.

    `label`: the name of a column that says which rows are truly the same person (generated data,
    or a clerically reviewed sample): m is then counted from the labelled pairs instead of EM.
    """
    import pandas as pd

    from onbeat.records.matching.dedupe import prepare_frame

    frame = prepare_frame(rows)
    if label is not None:
        source = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
        frame = frame.assign(**{label: source[label].astype(str).tolist()})
    if len(frame) < 2:
        from onbeat.core.errors import BadRequest
        raise BadRequest("At least two person records are needed to train a match model.", field="rows")
    base = base or default_model()
    with quiet_splink():
        return _train(frame, base, threshold, trained_on, progress, seed, max_u_pairs, label)


def _train(frame, base: MatchModel, threshold: float, trained_on: str, progress: Progress | None, seed: int,
           max_u_pairs: float, label: str | None = None) -> MatchModel:
    from onbeat.records.matching.dedupe import splink_linker

    step = _stepper(progress, 3 + len(EM_BLOCKS))
    linker = splink_linker(frame, base, fix_m=frozenset() if label is not None else FIXED_IN_EM)
    step("estimating the prior")
    try:
        rules = [" AND ".join(f'l."{c}" = r."{c}"' for c in cols) for cols in PRIOR_RULES]
        linker.training.estimate_probability_two_random_records_match(rules, recall=PRIOR_RECALL)
    except Exception as exc:  # too few records agree: keep the base prior
        log.info("prior not estimated (%s); keeping %s", exc, base.prior)
    step("estimating u from random pairs")
    linker.training.estimate_u_using_random_sampling(max_pairs=max_u_pairs, seed=seed, num_chunks=1)
    if label is not None:
        step("counting m on the labelled pairs")
        linker.training.estimate_m_from_label_column(label)
    for cols in (EM_BLOCKS if label is None else ()):
        step("EM on pairs with the same " + " and ".join(cols))
        rule = " AND ".join(f'l."{c}" = r."{c}"' for c in cols)
        try:
            # On a large store, EM learns from a sample of the blocked pairs (Splink samples records
            # on both sides by hash so the pairs number about EM_MAX_PAIRS).
            sample = {"max_pairs": EM_MAX_PAIRS} if len(frame) > EM_SAMPLE_FROM else {}
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, **sample)
        except Exception as exc:  # a block with no pairs, or EM that cannot converge on it
            log.info("EM on %s skipped: %s", cols, exc)
    step("reading parameters")
    n_pairs = min(max_u_pairs, len(frame) * (len(frame) - 1) / 2)
    model = from_splink(linker.misc.save_model_to_json(), base=base, threshold=threshold,
                        trained_on=trained_on, record_count=len(frame), u_unseen=1 / max(n_pairs, 1))
    step("done")
    return model


def from_splink(settings: Mapping[str, Any], *, base: MatchModel | None = None,
                threshold: float = DEFAULT_THRESHOLD, trained_on: str = "",
                record_count: int | None = None, u_unseen: float | None = None) -> MatchModel:
    """Read m, u and the prior out of a Splink settings dict (`linker.misc.save_model_to_json()`).
    A level Splink left untrained (None) keeps `base`'s value; but a u that random sampling never
    saw is at most `u_unseen` (one in the number of pairs sampled)."""
    base = base or default_model()
    basep = {name: {k: (m, u) for k, m, u in levels} for name, levels in base.comparisons.items()}
    comps: dict[str, tuple[tuple[str, float, float], ...]] = {}
    for c in settings["comparisons"]:
        name = c["output_column_name"]
        if name not in BY_NAME:
            continue
        out = []
        for lv in c["comparison_levels"]:
            if lv.get("is_null_level"):
                continue
            key = lv["label_for_charts"]
            bm, bu = basep.get(name, {}).get(key, (None, None))
            m = lv.get("m_probability")
            m = bm if m is None else m
            u = lv.get("u_probability")
            if u is None and u_unseen is not None:
                # Not one of the random pairs fell in this level: it is rarer than one in u_unseen
                # pairs (never take the base's larger u: rebuilding would carry it forward forever).
                u = u_unseen if bu is None else min(bu, u_unseen)
            u = bu if u is None else u
            if m is None or u is None:
                continue
            out.append((key, max(_clip(m), MIN_M), _clip(u)))
        comps[name] = _capped(tuple(out))
    prior = settings.get("probability_two_random_records_match") or base.prior
    return MatchModel(comps, _clip(prior), threshold, None, trained_on, record_count,
                      datetime.now(timezone.utc))


@contextmanager
def quiet_splink():
    """Splink warns on stderr about levels EM never saw ("not observed in dataset") and about its
    default sample sizes: expected here, and noise on a command line. Keep it to errors."""
    logger = logging.getLogger("splink")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


# Levels that may not weigh more than another level of the same comparison (besides "exact").
CAPS = {"swapped_close": "swapped", "other_box": "swapped"}


def _capped(levels: tuple[tuple[str, float, float], ...]) -> tuple[tuple[str, float, float], ...]:
    """No partial agreement weighs more than full agreement: a level whose log2(m/u) exceeds the
    "exact" level's (the first level when there is none), or the level `CAPS` names for it, has its
    u raised to bring it level. EM can overrate a rare level: names swapped between the fields
    almost never happen by chance (tiny u), and the given-name and surname comparisons would each
    count it, so swapped names outweighed the same names in place."""
    if not levels:
        return levels
    top = next((i for i, (key, _m, _u) in enumerate(levels) if key == "exact"), 0)
    order = [top] + [i for i in range(len(levels)) if i != top]
    out: dict[str, tuple[str, float, float]] = {}
    weight: dict[str, float] = {}
    for i in order:
        key, m, u = levels[i]
        caps = [] if i == top else [weight[levels[top][0]]]
        if key in CAPS and CAPS[key] in weight:
            caps.append(weight[CAPS[key]])
        w = math.log2(m / u)
        if caps and w > min(caps):
            u = _clip(m / 2 ** min(caps))
            w = math.log2(m / u)
        out[key] = (key, m, u)
        weight[key] = w
    return tuple(out[key] for key, _m, _u in levels)


def _stepper(progress: Progress | None, total: int) -> Callable[[str], None]:
    state = {"done": 0}

    def step(stage: str) -> None:
        if progress is not None:
            progress(stage, min(state["done"], total), total)
        state["done"] += 1
    return step


def build_default(n: int = 20_000, seed: int = 7, path: str | None = None) -> MatchModel:
    """Regenerate the shipped default model: train on `n` generated people in households in one
    force's area (`generate.people`, Faker en_GB names, realistic entry errors) and write
    `data/default_model.json` (or `path`)."""
    from pathlib import Path

    from onbeat.records.matching.generate import people

    rows = people(n, seed=seed)
    # m is counted from the generated truth (`entity`) rather than by EM: EM on a population of
    # households partly takes "same household" for "same person". A store's own training has no
    # labels and uses EM (`EM_BLOCKS` avoids the household blocks).
    # u is counted afresh (the current default's u are dropped, so a rebuild does not carry old
    # values on); a level no labelled pair falls in (the generator makes no address or identifier
    # typos) keeps the current default's m: how often people mistype is not a matter of geography.
    old = default_model()
    base = replace(old, comparisons={name: tuple((k, m, None) for k, m, _u in levels)
                                     for name, levels in old.comparisons.items()})
    model = train(rows, trained_on=f"{n:,} generated people in one force's area, in households (seed {seed})",
                  label="entity", base=base, max_u_pairs=2e6)
    target = Path(path) if path else Path(__file__).with_name("data") / "default_model.json"
    target.write_text(dumps(model), encoding="utf-8")
    return model


def dumps(model: MatchModel) -> str:
    """The model as JSON text, one comparison level a line (readable in a diff)."""
    data = model.to_json()
    comps = data.pop("comparisons")
    head = json.dumps(data, indent=1)[:-2]
    body = ",\n".join(
        f'  "{name}": [\n' + ",\n".join("   " + json.dumps(level) for level in levels) + "\n  ]"
        for name, levels in comps.items())
    return head + ',\n "comparisons": {\n' + body + "\n }\n}\n"


if __name__ == "__main__":  # python -m onbeat.records.matching.model [N]
    import sys

    m = build_default(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    print(f"default model written: prior={m.prior:.3g}, trained on {m.trained_on}")
