"""UK telephone numbers: check a callback number and write it one way (+44 then the national number).

Accepted: a UK number written nationally (07700 900123, 0118 496 0000) or internationally
(+44 7700 900123, 0044 118 496 0000), with spaces, dashes, dots or brackets. A UK national
significant number is 10 digits (9 for a few old geographic numbers), starting 1 or 2
(geographic), 3 (non-geographic), 5 (corporate), 7 (mobile and personal), 8 (freephone and
special) or 9 (premium). Emergency short codes are not callback numbers.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.()/]")
_NATIONAL = re.compile(r"^[1235789]\d{8,9}$")


def normalise_uk_phone(raw: str) -> str:
    """'+44 118 496 0000' → '+441184960000'. Raises ValueError saying what is wrong."""
    digits = _SEPARATORS.sub("", raw or "")
    if not digits:
        raise ValueError("the number is empty")
    if digits.startswith("+44"):
        national = digits[3:]
    elif digits.startswith("0044"):
        national = digits[4:]
    elif digits.startswith("+") or digits.startswith("00"):
        raise ValueError("only UK numbers (+44) can be stored as a callback number")
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        raise ValueError("a UK number starts with 0 (e.g. 0118 496 0000) or +44")
    if digits.startswith(("+44", "0044")) and national.startswith("0"):  # "+44 (0)118 ..."
        national = national[1:]
    if national and not national.isdigit():
        raise ValueError("a telephone number holds only digits, spaces and a leading +")
    if not _NATIONAL.match(national):
        raise ValueError("a UK number has 10 or 11 digits written with its leading 0, e.g. 07700 900123")
    if national.startswith("7") and len(national) != 10:
        raise ValueError("a UK mobile number has 11 digits, e.g. 07700 900123")
    return "+44" + national


def display_uk_phone(stored: str | None) -> str:
    """'+447700900123' → '07700 900123' (as a UK reader writes it)."""
    if not stored:
        return ""
    national = "0" + stored.removeprefix("+44")
    if national.startswith("02"):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if national.startswith(("011", "03", "08", "09")) or (national.startswith("01") and national[3] == "1"):
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    return f"{national[:5]} {national[5:]}"
