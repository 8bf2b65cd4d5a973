"""The suggested grade: from the incident type and the THRIVE answers, with the reasons.

The type sets the grade to start from (its least urgent). Answers can only make it more urgent:
  - Threat, Harm or Risk answered "high" → grade 1 (a threat to life or of serious injury now);
    "medium" on one of these that the type weighs double → grade 2;
  - Vulnerability "high" → grade 1 where the type weighs vulnerability double, else grade 2;
  - Investigation "high" (evidence or a suspect about to be lost) → grade 2;
  - Engagement "high" (the caller needs police in person) → at least grade 3;
  - two or more vulnerability factors → at least grade 2;
  - the weighted score (level none 0, low 1, medium 2, high 3, times the type's weight for the
    element) of 14 or more → grade 1, 8 or more → grade 2, 4 or more → grade 3.
The suggestion is the most urgent of these; each rule that raised it is named in the reasons.
"""

from __future__ import annotations

from onbeat.command.incidents.catalogue import GRADES, LEVELS, THRIVE_ELEMENTS, VULNERABILITY_FACTORS, IncidentType

SCORE_THRESHOLDS = ((14, 1), (8, 2), (4, 3))
_IMMEDIATE = {"threat": "a threat to life or of serious injury now", "harm": "serious harm caused or imminent",
              "risk": "serious harm likely without prompt attendance"}


def _reason(source: str, grade: int, text: str, answer: str | None = None) -> dict:
    return {"source": source, "answer": answer, "grade": grade, "text": text}


def suggest(t: IncidentType, answers: dict[str, dict], factors: list[str] | tuple[str, ...] = ()) -> dict:
    """`answers` maps each THRIVE element to {"level": none|low|medium|high, "notes": ...}.
    Returns {"grade", "label", "score", "reasons": [...]}: the reasons that set or raised it."""
    level = {e: (answers.get(e) or {}).get("level", "none") for e in THRIVE_ELEMENTS}
    raisers: list[dict] = []
    for element in ("threat", "harm", "risk"):
        name = THRIVE_ELEMENTS[element]
        if level[element] == "high":
            raisers.append(_reason(element, 1, f"{name} is high: {_IMMEDIATE[element]}.", "high"))
        elif level[element] == "medium" and t.weight(element) >= 2:
            raisers.append(_reason(element, 2, f"{name} is medium, and weighs double for {t.label.lower()}.",
                                   "medium"))
    if level["vulnerability"] == "high":
        double = t.weight("vulnerability") >= 2
        raisers.append(_reason("vulnerability", 1 if double else 2, "Vulnerability is high" +
                               (f", and weighs double for {t.label.lower()}." if double else "."), "high"))
    if level["investigation"] == "high":
        raisers.append(_reason("investigation", 2, "Investigation is high: evidence or a suspect may be lost "
                               "without prompt attendance.", "high"))
    if level["engagement"] == "high":
        raisers.append(_reason("engagement", 3, "Engagement is high: the caller needs police in person.", "high"))
    known = [f for f in factors if f in VULNERABILITY_FACTORS]
    if len(known) >= 2:
        names = ", ".join(VULNERABILITY_FACTORS[f].lower() for f in known)
        raisers.append(_reason("vulnerability_factors", 2, f"{len(known)} vulnerability factors: {names}."))
    parts = [(e, t.weight(e) * LEVELS[level[e]]) for e in THRIVE_ELEMENTS]
    score = sum(p for _, p in parts)
    for threshold, grade in SCORE_THRESHOLDS:
        if score >= threshold:
            counted = ", ".join(f"{THRIVE_ELEMENTS[e]} {level[e]}" + (f" ×{t.weight(e)}" if t.weight(e) != 1 else "")
                                for e, p in parts if p)
            raisers.append(_reason("score", grade, f"Weighted THRIVE score {score} (≥ {threshold}): {counted}."))
            break
    final = min([t.base_grade] + [r["grade"] for r in raisers])
    reasons = [_reason("type", t.base_grade, f"{t.label} starts at grade {t.base_grade} {GRADES[t.base_grade]}.")]
    reasons += sorted((r for r in raisers if r["grade"] < t.base_grade), key=lambda r: r["grade"])
    for r in reasons:
        r["decisive"] = r["grade"] == final
    return {"grade": final, "label": GRADES[final], "score": score, "reasons": reasons}
