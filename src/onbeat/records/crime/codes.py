"""Code lists of crime reports: offences, outcomes, modus operandi keywords, Victims' Code terms.

The offence list follows the Home Office Counting Rules for Recorded Crime (HOCR): each offence is
its HOCR classification (class, or class/subclass such as 37/2) with the label and the
notifiable-offence group (ONS "offence group") it is counted in. It covers the common notifiable
offences, not every subclass. Two codes are often quoted the other way round; this list follows
the published classification: 34A is robbery of *business* property and 34B of *personal*
property; 92D is possession of controlled drugs *excluding* cannabis and 92E possession of
cannabis.

The outcome list is the Home Office's full published crime outcomes framework (outcomes 1 to 22;
19 is no longer used), with the rules that stop an outcome being given where it cannot apply.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Offence:
    code: str
    label: str
    group: str
    # A victim of this offence is a "victim of the most serious crime" in the Victims' Code, so
    # entitled to enhanced rights (homicide's bereaved, sexual offences, attempted murder, wounding
    # with intent, kidnap, modern slavery, arson endangering life, hate crime, domestic abuse).
    most_serious: bool = False


def _group(group: str, most_serious: bool, *rows: tuple[str, str]) -> list[Offence]:
    return [Offence(code, label, group, most_serious) for code, label in rows]


_LIST: list[Offence] = [
    *_group("Homicide", True,
            ("1/1", "Murder – of persons aged 1 year or over"),
            ("1/2", "Murder – of persons under 1 year of age"),
            ("4/1", "Manslaughter"),
            ("4/2", "Infanticide"),
            ("4/10", "Corporate manslaughter")),
    *_group("Death or serious injury – unlawful driving", True,
            ("4/4", "Causing death or serious injury by dangerous driving"),
            ("4/6", "Causing death by careless driving under the influence of drink or drugs"),
            ("4/8", "Causing death by careless or inconsiderate driving"),
            ("4/9", "Causing death or serious injury by driving: unlicensed, disqualified or uninsured"),
            ("37/1", "Causing death by aggravated vehicle taking")),
    *_group("Violence with injury", True,
            ("2", "Attempted murder"),
            ("5D", "Assault with intent to cause serious harm"),
            ("8P", "Racially or religiously aggravated assault with injury")),
    *_group("Violence with injury", False,
            ("5E", "Endangering life"),
            ("8N", "Assault with injury"),
            ("8S", "Assault with injury on a constable")),
    *_group("Violence without injury", True,
            ("36", "Kidnapping"),
            ("106", "Modern slavery"),
            ("105B", "Racially or religiously aggravated assault without injury")),
    *_group("Violence without injury", False,
            ("3A", "Conspiracy to murder"),
            ("3B", "Threats to kill"),
            ("11A", "Cruelty to children or young persons"),
            ("13", "Child abduction"),
            ("104", "Assault without injury on a constable"),
            ("105A", "Assault without injury")),
    *_group("Stalking and harassment", True,
            ("8M", "Racially or religiously aggravated harassment"),
            ("8U", "Controlling or coercive behaviour")),
    *_group("Stalking and harassment", False,
            ("8L", "Harassment"),
            ("8Q", "Stalking"),
            ("8R", "Malicious communications")),
    *_group("Sexual offences", True,
            ("19C", "Rape of a female aged 16 and over"),
            ("19D", "Rape of a female child under 16"),
            ("19E", "Rape of a female child under 13"),
            ("19F", "Rape of a male aged 16 and over"),
            ("19G", "Rape of a male child under 16"),
            ("19H", "Rape of a male child under 13"),
            ("17A", "Sexual assault on a male aged 13 and over"),
            ("17B", "Sexual assault on a male child under 13"),
            ("20A", "Sexual assault on a female aged 13 and over"),
            ("20B", "Sexual assault on a female child under 13"),
            ("21", "Sexual activity involving a child under 13"),
            ("22B", "Sexual activity involving a child under 16"),
            ("88A", "Sexual grooming"),
            ("88E", "Exposure and voyeurism")),
    *_group("Robbery", False,
            ("34A", "Robbery of business property"),
            ("34B", "Robbery of personal property")),
    *_group("Burglary – residential", False,
            ("28E", "Burglary – residential"),
            ("28F", "Attempted burglary – residential"),
            ("28G", "Distraction burglary – residential"),
            ("28H", "Attempted distraction burglary – residential"),
            ("29A", "Aggravated burglary – residential")),
    *_group("Burglary – business and community", False,
            ("30C", "Burglary – business and community"),
            ("30D", "Attempted burglary – business and community"),
            ("31A", "Aggravated burglary – business and community")),
    *_group("Vehicle offences", False,
            ("45", "Theft from a vehicle"),
            ("48", "Theft or unauthorised taking of a motor vehicle"),
            ("37/2", "Aggravated vehicle taking"),
            ("126", "Interfering with a motor vehicle")),
    *_group("Theft", False,
            ("39", "Theft from the person"),
            ("44", "Theft or unauthorised taking of a pedal cycle"),
            ("46", "Shoplifting"),
            ("40", "Theft in a dwelling other than from an automatic machine or meter"),
            ("41", "Theft by an employee"),
            ("47", "Theft from an automatic machine or meter"),
            ("49", "Other theft"),
            ("49A", "Making off without payment"),
            ("35", "Blackmail")),
    *_group("Arson and criminal damage", True,
            ("56A", "Arson endangering life"),
            ("58J", "Racially or religiously aggravated criminal damage")),
    *_group("Arson and criminal damage", False,
            ("56B", "Arson not endangering life"),
            ("58A", "Criminal damage to a dwelling"),
            ("58B", "Criminal damage to a building other than a dwelling"),
            ("58C", "Criminal damage to a vehicle"),
            ("58D", "Other criminal damage")),
    *_group("Drug offences", False,
            ("92A", "Trafficking in controlled drugs"),
            ("92C", "Other drug offences"),
            ("92D", "Possession of controlled drugs (excluding cannabis)"),
            ("92E", "Possession of controlled drugs (cannabis)")),
    *_group("Possession of weapons", False,
            ("10A", "Possession of firearms with intent"),
            ("10B", "Possession of firearms offences"),
            ("10C", "Possession of other weapons"),
            ("10D", "Possession of an article with a blade or point"),
            ("81", "Other firearms offences"),
            ("90", "Other knives offences")),
    *_group("Public order offences", True,
            ("9B", "Racially or religiously aggravated public fear, alarm or distress")),
    *_group("Public order offences", False,
            ("9A", "Public fear, alarm or distress"),
            ("62A", "Violent disorder"),
            ("66", "Other offences against the State or public order")),
    *_group("Miscellaneous crimes against society", False,
            ("33", "Going equipped for stealing"),
            ("54", "Handling stolen goods"),
            ("59", "Threat or possession with intent to commit criminal damage"),
            ("79", "Perverting the course of justice"),
            ("80", "Absconding from lawful custody"),
            ("83", "Bail offences"),
            ("96", "Wildlife crime"),
            ("99", "Other notifiable offences"),
            ("802", "Dangerous driving")),
]

OFFENCES: dict[str, Offence] = {o.code: o for o in _LIST}

# Offences against the state or society, where there may be nobody to name as the victim.
VICTIMLESS_GROUPS = frozenset({"Drug offences", "Possession of weapons", "Miscellaneous crimes against society"})
assert len(OFFENCES) == len(_LIST), "an offence code is listed twice"

# The groups in the order a form offers them.
OFFENCE_GROUPS: list[str] = list(dict.fromkeys(o.group for o in _LIST))


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    # The outcome is about an offender: a named (identified) suspect must be on the crime.
    needs_suspect: bool = False
    # The outcome says no suspect was identified: refused when one is on the crime.
    no_suspect: bool = False
    # The outcome rests on the victim's decision or state: a victim must be on the crime.
    needs_victim: bool = False
    # Given only for these offences (None: any offence).
    offences: frozenset[str] | None = None
    # The police take no further action against anyone: finalising tells the victims (right 6).
    ends_without_action: bool = False


OUTCOMES: dict[str, Outcome] = {o.code: o for o in (
    Outcome("1", "Charged or summonsed", needs_suspect=True),
    Outcome("1A", "Charged or summonsed for an alternative offence", needs_suspect=True),
    Outcome("2", "Youth caution", needs_suspect=True),
    Outcome("3", "Adult caution", needs_suspect=True),
    Outcome("4", "Taken into consideration (TIC)", needs_suspect=True),
    Outcome("5", "Offender died before proceedings could be started", needs_suspect=True,
            ends_without_action=True),
    Outcome("6", "Penalty notice for disorder", needs_suspect=True),
    Outcome("7", "Cannabis or khat warning", needs_suspect=True, offences=frozenset({"92D", "92E"})),
    Outcome("8", "Community resolution", needs_suspect=True),
    Outcome("9", "Prosecution not in the public interest (CPS decision)", needs_suspect=True,
            ends_without_action=True),
    Outcome("10", "Formal action against the offender not in the public interest (police decision)",
            needs_suspect=True, ends_without_action=True),
    Outcome("11", "Prosecution prevented – suspect under the age of criminal responsibility", needs_suspect=True,
            ends_without_action=True),
    Outcome("12", "Prosecution prevented – suspect too ill (physical or mental health) to prosecute",
            needs_suspect=True, ends_without_action=True),
    Outcome("13", "Prosecution prevented – victim or key witness dead or too ill to give evidence",
            needs_suspect=True, ends_without_action=True),
    Outcome("14", "Evidential difficulties, victim based – named suspect not identified; the victim does not "
                  "support further action", no_suspect=True, needs_victim=True, ends_without_action=True),
    Outcome("15", "Evidential difficulties – named suspect identified; the victim supports action",
            needs_suspect=True, ends_without_action=True),
    Outcome("16", "Evidential difficulties – named suspect identified; the victim does not support or has "
                  "withdrawn support for action", needs_suspect=True, needs_victim=True, ends_without_action=True),
    Outcome("17", "Prosecution time limit expired – suspect identified but not proceeded against in time",
            needs_suspect=True, ends_without_action=True),
    Outcome("18", "Investigation complete – no suspect identified", no_suspect=True, ends_without_action=True),
    Outcome("20", "Further action taken by another body or agency"),
    Outcome("21", "Further investigation to support formal action not in the public interest (police decision)",
            ends_without_action=True),
    Outcome("22", "Diversionary, educational or intervention activity; further action not in the public interest",
            needs_suspect=True),
)}

# Modus operandi keywords, by what they describe: category -> {code: label}.
MO_KEYWORDS: dict[str, dict[str, str]] = {
    "Entry method": {
        "entry.forced_door": "Door forced",
        "entry.forced_window": "Window forced",
        "entry.glass_broken": "Glass broken",
        "entry.lock_snapped": "Lock snapped (euro cylinder)",
        "entry.insecure": "Insecure door or window",
        "entry.key_used": "Key used (stolen, found or copied)",
        "entry.deception": "Deception or distraction (bogus caller)",
        "entry.climbed": "Climbed in",
        "entry.no_entry": "No entry gained",
    },
    "Point of entry": {
        "poe.front_door": "Front door",
        "poe.rear_door": "Rear door",
        "poe.side_door": "Side door",
        "poe.patio_door": "Patio or French door",
        "poe.front_window": "Front window",
        "poe.rear_window": "Rear window",
        "poe.roof": "Roof or skylight",
        "poe.garage": "Garage",
        "poe.outbuilding": "Shed or outbuilding",
        "poe.communal": "Communal entrance",
        "poe.vehicle_door": "Vehicle door",
        "poe.vehicle_window": "Vehicle window",
    },
    "Property targeted": {
        "target.cash": "Cash",
        "target.jewellery": "Jewellery or watches",
        "target.phone": "Mobile phone",
        "target.computer": "Laptop or tablet",
        "target.electrical": "Other electrical goods",
        "target.vehicle_keys": "Vehicle keys",
        "target.vehicle": "Vehicle",
        "target.catalytic_converter": "Catalytic converter",
        "target.bicycle": "Bicycle",
        "target.tools": "Tools",
        "target.bag_wallet": "Handbag, purse or wallet",
        "target.cards_documents": "Bank cards or identity documents",
        "target.alcohol_tobacco": "Alcohol or tobacco",
        "target.groceries": "Groceries or toiletries",
        "target.fuel": "Fuel",
        "target.metal": "Metal",
    },
    "Approach": {
        "approach.knife": "Knife or bladed article shown or used",
        "approach.firearm": "Firearm shown or used",
        "approach.other_weapon": "Other weapon",
        "approach.threats": "Threats",
        "approach.force": "Physical force",
        "approach.snatch": "Snatch",
        "approach.two_wheeler": "On a moped, motorcycle or bicycle",
        "approach.group": "Group of offenders",
        "approach.online": "Contact online or by phone",
        "approach.night": "Occupants at home (night-time)",
    },
}
MO_CODES: dict[str, str] = {code: label for keywords in MO_KEYWORDS.values() for code, label in keywords.items()}

# Victims' Code: who is entitled to enhanced rights.
ENHANCED_REASONS: dict[str, str] = {
    "most_serious": "Victim of the most serious crime",
    "persistently_targeted": "Persistently targeted victim",
    "vulnerable_or_intimidated": "Vulnerable or intimidated victim",
}

# How a victim is told (and how they prefer to be).
CONTACT_METHODS: dict[str, str] = {
    "phone": "Phone call",
    "visit": "Visit in person",
    "email": "Email",
    "letter": "Letter",
    "text": "Text message",
}

# Victims' Code right 6: what the victim must be told of. Each event but "other" starts a duty.
VICTIM_EVENTS: dict[str, str] = {
    "arrest": "Suspect arrested",
    "interview": "Suspect interviewed",
    "charge": "Suspect charged",
    "released_on_bail": "Suspect released on bail",
    "released_without_bail": "Suspect released without bail (under investigation)",
    "bail_changed": "Suspect's bail conditions changed",
    "not_investigated": "Decision not to investigate",
    "no_further_action": "Decision to take no further action",
    "other": "Other update",
}
DUTY_EVENTS = frozenset(VICTIM_EVENTS) - {"other"}

PROPERTY_STATUSES: dict[str, str] = {"stolen": "Stolen", "damaged": "Damaged"}
