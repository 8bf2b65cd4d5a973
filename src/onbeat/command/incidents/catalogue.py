"""The code lists of command and control: grades, opening types, closing codes, log entry kinds.

Opening types follow the shape of the National Standard for Incident Recording: four categories
(public safety and welfare, crime, anti-social behaviour, transport), each type with its category,
the grade it starts from before any THRIVE answer raises it, how much each THRIVE element weighs
for it, and the unit skills it needs (from `onbeat.command.models.SKILLS`: a test holds them to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

GRADES: dict[int, str] = {1: "Emergency", 2: "Priority", 3: "Scheduled", 4: "Resolved without deployment"}

CATEGORIES: dict[str, str] = {
    "public_safety": "Public safety and welfare",
    "crime": "Crime",
    "asb": "Anti-social behaviour",
    "transport": "Transport",
}

# THRIVE: each element is answered with a level and notes.
THRIVE_ELEMENTS: dict[str, str] = {
    "threat": "Threat",
    "harm": "Harm",
    "risk": "Risk",
    "investigation": "Investigation",
    "vulnerability": "Vulnerability",
    "engagement": "Engagement",
}
THRIVE_QUESTIONS: dict[str, str] = {
    "threat": "Is anyone threatened now, or is the threat ongoing?",
    "harm": "What harm has been caused, or is likely?",
    "risk": "How likely is harm if police do not attend promptly?",
    "investigation": "Will evidence or a suspect be lost without prompt attendance?",
    "vulnerability": "Is the caller or anyone involved vulnerable?",
    "engagement": "Does the caller need police in person to resolve this?",
}
LEVELS: dict[str, int] = {"none": 0, "low": 1, "medium": 2, "high": 3}
VULNERABILITY_FACTORS: dict[str, str] = {
    "child": "Child (under 18)",
    "elderly": "Elderly",
    "disability": "Disability or illness",
    "mental_health": "Mental health",
    "domestic_abuse": "Domestic abuse",
    "alone": "Alone or isolated",
    "intoxicated": "Intoxicated",
    "language": "Language or communication barrier",
    "repeat_victim": "Repeat victim",
    "hate": "Targeted for who they are (hate)",
}


@dataclass(frozen=True)
class IncidentType:
    code: str
    label: str
    category: str
    base_grade: int
    weights: dict[str, int] = field(default_factory=dict)
    skills: frozenset[str] = frozenset()

    def weight(self, element: str) -> int:
        return self.weights.get(element, 1)


def _t(code: str, label: str, category: str, base_grade: int, skills: tuple[str, ...] = (),
       **weights: int) -> IncidentType:
    return IncidentType(code, label, category, base_grade, weights, frozenset(skills))


_TYPES = [
    # public safety and welfare
    _t("concern_for_safety", "Concern for safety", "public_safety", 2, risk=2, vulnerability=2),
    _t("missing_person", "Missing person", "public_safety", 2, risk=2, vulnerability=2),
    _t("sudden_death", "Sudden death", "public_safety", 2, investigation=2),
    _t("domestic_incident", "Domestic incident", "public_safety", 2, threat=2, risk=2, vulnerability=2),
    _t("mental_health", "Mental health", "public_safety", 2, risk=2, vulnerability=2),
    _t("collapse_injury", "Collapse, illness or injury", "public_safety", 2, ("first_aid",), harm=2),
    _t("abandoned_call", "Abandoned or silent 999 call", "public_safety", 2, risk=2),
    _t("suspicious_circumstances", "Suspicious circumstances", "public_safety", 3),
    _t("alarm_activation", "Intruder alarm activation", "public_safety", 3, investigation=2),
    _t("lost_found_property", "Lost or found property", "public_safety", 4, engagement=0),
    # crime
    _t("violence", "Violence against the person", "crime", 2, threat=2, harm=2),
    _t("sexual_offence", "Sexual offence", "crime", 2, harm=2, vulnerability=2, investigation=2),
    _t("burglary_dwelling", "Burglary (dwelling)", "crime", 3, investigation=2, vulnerability=2),
    _t("burglary_other", "Burglary (business or community)", "crime", 3, investigation=2),
    _t("robbery", "Robbery", "crime", 2, threat=2, investigation=2),
    _t("theft", "Theft", "crime", 3),
    _t("vehicle_crime", "Vehicle crime", "crime", 3),
    _t("shoplifting", "Shoplifting", "crime", 3, investigation=2),
    _t("criminal_damage", "Criminal damage", "crime", 3),
    _t("arson", "Arson", "crime", 2, harm=2),
    _t("firearms_incident", "Firearms incident", "crime", 1, ("firearms",), threat=2, harm=2),
    _t("weapons", "Weapons (knife or other)", "crime", 1, ("taser",), threat=2, harm=2),
    _t("public_disorder", "Public disorder", "crime", 1, ("public_order",), threat=2),
    _t("dog_track", "Offender decamped (dog track)", "crime", 2, ("dog",), investigation=3),
    _t("drugs", "Drugs", "crime", 3, investigation=2),
    _t("fraud", "Fraud", "crime", 3, vulnerability=2),
    # anti-social behaviour
    _t("asb_personal", "ASB personal", "asb", 3, vulnerability=2),
    _t("asb_nuisance", "ASB nuisance", "asb", 3),
    _t("asb_environmental", "ASB environmental", "asb", 4),
    # transport
    _t("rtc_damage", "Road traffic collision (damage only)", "transport", 3),
    _t("rtc_injury", "Road traffic collision (injury)", "transport", 1, ("first_aid",), harm=2),
    _t("highway_disruption", "Highway disruption", "transport", 2, risk=2),
    _t("failing_to_stop", "Vehicle failing to stop (pursuit)", "transport", 1, ("advanced_driver", "tpac"), risk=2),
]
TYPES: dict[str, IncidentType] = {t.code: t for t in _TYPES}

CLOSING_CODES: dict[str, str] = {
    "crime_recorded": "Crime recorded",
    "no_crime": "No crime",
    "arrest_made": "Arrest made",
    "advice_given": "Advice given",
    "resolved_by_telephone": "Resolved by telephone",
    "false_alarm_good_intent": "False alarm with good intent",
    "false_alarm_malicious": "Malicious call",
    "duplicate": "Duplicate of another incident",
    "referred_other_agency": "Referred to another agency",
    "person_found": "Person found safe",
    "no_trace": "No trace on arrival",
    "report_taken": "Report taken",
}

# What a log entry records. Every action writes its own kind; staff add "note" entries.
LOG_KINDS: dict[str, str] = {
    "created": "Incident opened",
    "graded": "Graded",
    "regraded": "Re-graded",
    "contact_linked": "Contact linked",
    "contact_moved": "Contact moved to another incident",
    "assigned": "Unit assigned",
    "en_route": "Unit en route",
    "at_scene": "Unit at scene",
    "left_scene": "Unit left scene",
    "unassigned": "Unit stood down",
    "arrived": "First unit arrived",
    "target_breached": "Attendance target breached",
    "record_linked": "Record linked",
    "note": "Note",
    "closed": "Closed",
}


def _check() -> None:
    for t in _TYPES:
        assert t.category in CATEGORIES, t
        assert t.base_grade in GRADES, t
        assert set(t.weights) <= set(THRIVE_ELEMENTS), t


_check()
