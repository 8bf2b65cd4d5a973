"""Code lists of the POLE store: ethnicity, gender, warning markers, objects, vehicle colours, roles.

Each list is a dict code -> label, in the order a form should offer it.
"""

from __future__ import annotations

# Self-defined ethnicity: the Home Office "18+1" codes police use (2011 census groups), with Roma
# (W4), which the 2021 census for England and Wales added as its own White category, and NS.
ETHNICITIES: dict[str, str] = {
    "A1": "Asian or Asian British – Indian",
    "A2": "Asian or Asian British – Pakistani",
    "A3": "Asian or Asian British – Bangladeshi",
    "A4": "Asian or Asian British – Chinese",
    "A9": "Asian or Asian British – any other Asian background",
    "B1": "Black, Black British, Caribbean or African – Caribbean",
    "B2": "Black, Black British, Caribbean or African – African",
    "B9": "Black, Black British, Caribbean or African – any other Black background",
    "M1": "Mixed or multiple ethnic groups – White and Black Caribbean",
    "M2": "Mixed or multiple ethnic groups – White and Black African",
    "M3": "Mixed or multiple ethnic groups – White and Asian",
    "M9": "Mixed or multiple ethnic groups – any other Mixed or multiple background",
    "W1": "White – English, Welsh, Scottish, Northern Irish or British",
    "W2": "White – Irish",
    "W3": "White – Gypsy or Irish Traveller",
    "W4": "White – Roma",
    "W9": "White – any other White background",
    "O2": "Other ethnic group – Arab",
    "O9": "Other ethnic group – any other ethnic group",
    "NS": "Not stated",
}

# The five broad groups, by the code's first letter (for statistics such as stop-search disproportionality).
ETHNIC_GROUPS: dict[str, str] = {
    "A": "Asian or Asian British",
    "B": "Black, Black British, Caribbean or African",
    "M": "Mixed or multiple ethnic groups",
    "W": "White",
    "O": "Other ethnic group",
    "N": "Not stated",
}

GENDERS: dict[str, str] = {
    "male": "Male",
    "female": "Female",
    "other": "Other (self-described)",
    "not_stated": "Not stated",
}

# Warning markers, on the lines of the Police National Computer's warning signals.
MARKER_KINDS: dict[str, str] = {
    "violence": "Violent",
    "weapons": "Weapons",
    "firearms": "Firearms",
    "explosives": "Explosives",
    "drugs": "Drugs",
    "self_harm": "Self-harm",
    "suicidal": "Suicidal",
    "mental_health": "Mental health",
    "ailment": "Ailment (medical condition)",
    "contagion": "Contagion",
    "escaper": "Escaper",
    "alleges": "Alleges (makes allegations against police)",
}

OBJECT_KINDS: dict[str, str] = {
    "vehicle": "Vehicle",
    "property": "Property",
    "weapon": "Weapon",
    "drugs": "Drugs",
}

# DVLA's vehicle colours.
VEHICLE_COLOURS: dict[str, str] = {c: c.replace("_", "-").capitalize() for c in (
    "beige", "black", "blue", "bronze", "brown", "cream", "gold", "green", "grey", "maroon", "multi_coloured",
    "orange", "pink", "purple", "red", "silver", "turquoise", "white", "yellow",
)}

IDENTIFIER_KINDS: dict[str, str] = {
    "pnc_id": "PNC ID",
    "passport": "Passport number",
    "driving_licence": "Driving licence number",
}

# Links between POLE entities: role -> (from type, to type, label).
ENTITY_ROLES: dict[str, tuple[str, str, str]] = {
    "owner": ("person", "object", "Owner of"),
    "keeper": ("person", "object", "Registered keeper of"),
    "driver": ("person", "object", "Driver of"),
    "user": ("person", "object", "User of"),
    "lives_at": ("person", "location", "Lives at"),
    "works_at": ("person", "location", "Works at"),
    "frequents": ("person", "location", "Frequents"),
    "associate": ("person", "person", "Associate of"),
    "family": ("person", "person", "Family of"),
    "involved_in": ("person", "event", "Involved in"),
    "kept_at": ("object", "location", "Kept at"),
    "used_in": ("object", "event", "Used in"),
}
