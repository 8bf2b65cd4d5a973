"""Code lists of a stop-search record (PACE Code A 4.3 and the Home Office's published data fields).

Each list is a dict code -> label, in the order a form should offer it. The legal powers carry
what each one requires: reasonable grounds, a senior officer's authorisation, a vehicle, and the
objects it lets an officer search for.
"""

from __future__ import annotations

from dataclasses import dataclass

from onbeat.records.pole.codes import ETHNIC_GROUPS, ETHNICITIES, GENDERS  # noqa: F401 (re-exported)

# The officer's perception of the person's ethnicity: the five broad groups and "not stated",
# keyed like the first letter of the self-defined codes (A1 -> A), so "different" can be checked.
OFFICER_ETHNICITIES: dict[str, str] = dict(ETHNIC_GROUPS)


def broad_group(self_defined: str) -> str:
    """The broad group (A, B, M, W, O, N) a self-defined ethnicity code belongs to."""
    return self_defined[:1]


SEARCH_TYPES: dict[str, str] = {
    "person": "Person",
    "vehicle": "Vehicle",
    "person_and_vehicle": "Person and vehicle",
}
VEHICLE_SEARCHES = ("vehicle", "person_and_vehicle")

AGE_RANGES: dict[str, str] = {
    "under_10": "Under 10",
    "10_17": "10 to 17",
    "18_24": "18 to 24",
    "25_34": "25 to 34",
    "over_34": "Over 34",
}

OBJECTS: dict[str, str] = {
    "controlled_drugs": "Controlled drugs",
    "offensive_weapons": "Offensive weapons or bladed articles",
    "stolen_property": "Stolen property",
    "going_equipped": "Articles for use in theft, burglary or fraud (going equipped)",
    "criminal_damage": "Articles for use in criminal damage",
    "firearms": "Firearms",
    "fireworks": "Prohibited fireworks",
    "terrorism": "Evidence of terrorism (Terrorism Act 2000)",
    "psychoactive_substances": "Psychoactive substances",
    "crossbows": "Crossbows or parts of crossbows",
    "face_coverings": "Items worn to conceal identity",
    "wildlife": "Evidence of a wildlife offence",
    "poaching": "Game, guns, nets or other poaching equipment",
}

# Ranks of the officer who authorised a no-suspicion search, lowest first.
RANKS: dict[str, str] = {
    "inspector": "Inspector",
    "chief_inspector": "Chief Inspector",
    "superintendent": "Superintendent",
    "chief_superintendent": "Chief Superintendent",
    "assistant_chief_constable": "Assistant Chief Constable (Commander in London)",
    "deputy_chief_constable": "Deputy Chief Constable (Deputy Assistant Commissioner in London)",
    "chief_constable": "Chief Constable (Commissioner in London)",
}
_RANK_ORDER = list(RANKS)


def rank_at_least(rank: str, lowest: str) -> bool:
    return _RANK_ORDER.index(rank) >= _RANK_ORDER.index(lowest)


@dataclass(frozen=True)
class Power:
    label: str
    grounds: bool                       # reasonable suspicion (or belief) must be recorded
    authorisation: bool                 # a senior officer's authorisation for the area and time
    objects: tuple[str, ...]            # what the power allows an officer to search for
    lowest_rank: str | None = None      # who may authorise
    longest_hours: int | None = None    # how long an authorisation can last, extensions included
    vehicle: bool = False               # a power to search vehicles only


POWERS: dict[str, Power] = {
    "pace_s1": Power("Police and Criminal Evidence Act 1984 s1", True, False,
                     ("stolen_property", "offensive_weapons", "going_equipped", "criminal_damage", "fireworks")),
    "mda_s23": Power("Misuse of Drugs Act 1971 s23", True, False, ("controlled_drugs",)),
    "firearms_s47": Power("Firearms Act 1968 s47", True, False, ("firearms",)),
    # No grounds: an inspector's authorisation for the area, 24 hours, extendable once by 24.
    "cjpoa_s60": Power("Criminal Justice and Public Order Act 1994 s60", False, True, ("offensive_weapons",),
                       "inspector", 48),
    # Removal of face coverings: an authorisation in force, and the officer's reasonable belief.
    "cjpoa_s60aa": Power("Criminal Justice and Public Order Act 1994 s60AA (face coverings)", True, True,
                         ("face_coverings",), "inspector", 48),
    "ta_s43": Power("Terrorism Act 2000 s43", True, False, ("terrorism",)),
    "ta_s43a": Power("Terrorism Act 2000 s43A (vehicles)", True, False, ("terrorism",), vehicle=True),
    # No grounds: an assistant chief constable's authorisation, up to 14 days.
    "ta_s47a": Power("Terrorism Act 2000 s47A", False, True, ("terrorism",), "assistant_chief_constable", 14 * 24),
    "psa_s36": Power("Psychoactive Substances Act 2016 s36", True, False, ("psychoactive_substances",)),
    "psa_s37": Power("Psychoactive Substances Act 2016 s37 (vehicles)", True, False, ("psychoactive_substances",),
                     vehicle=True),
    "crossbows_s4": Power("Crossbows Act 1987 s4", True, False, ("crossbows",)),
    "wca_s19": Power("Wildlife and Countryside Act 1981 s19", True, False, ("wildlife",)),
    "ppa_s2": Power("Poaching Prevention Act 1862 s2", True, False, ("poaching",)),
}
POWER_LABELS: dict[str, str] = {code: p.label for code, p in POWERS.items()}

OUTCOMES: dict[str, str] = {
    "arrest": "Arrest",
    "community_resolution": "Community resolution",
    "penalty_notice": "Penalty notice for disorder (PND)",
    "drugs_warning": "Cannabis or khat warning",
    "caution": "Caution (simple or conditional)",
    "summons": "Summons or charged by post",
    "no_further_action": "No further action",
    "other": "Other (say what)",
}
NO_FURTHER_ACTION = "no_further_action"

# How much clothing was removed. In public only an outer coat, jacket or gloves (Code A 3.5).
CLOTHING: dict[str, str] = {
    "none": "None",
    "outer": "Outer coat, jacket or gloves only",
    "more_thorough": "More than outer clothing, out of public view (Code A 3.6)",
    "intimate": "A search exposing intimate parts (Code A Annex F)",
}
MORE_THOROUGH = ("more_thorough", "intimate")

RECEIPTS: dict[str, str] = {
    "printed": "Printed receipt",
    "email": "Receipt by e-mail",
    "sms": "Receipt by text message (SMS)",
    "card": "Card with the receipt reference",
    "declined": "The person did not want a receipt",
}
RECEIPTS_WITH_CONTACT = ("email", "sms")
