"""Check and normalise the identifiers people type: postcodes, vehicle registrations, PNC IDs,
driving licence and passport numbers, phone numbers. Each function returns the normal form or
raises ValueError with a message that says what is expected."""

from __future__ import annotations

import re
from datetime import date

# Royal Mail's postcode shape: outward code (area, district) and inward code (sector, unit).
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def postcode(value: str) -> str:
    """'rg1 1aa' -> 'RG1 1AA'."""
    compact = re.sub(r"\s+", "", value).upper()
    if not _POSTCODE.match(compact):
        raise ValueError(f"{value!r} is not a UK postcode: expected something like RG1 1AA or SW1A 2AA")
    return compact[:-3] + " " + compact[-3:]


def postcode_or_outward(value: str) -> str:
    """A full postcode, or just its outward code ('RG1') for a search by district."""
    compact = re.sub(r"\s+", "", value).upper()
    if _OUTWARD.match(compact):
        return compact
    return postcode(value)


def registration(value: str) -> str:
    """'ab12 cde' -> 'AB12CDE' (spaces and hyphens removed, upper case)."""
    compact = re.sub(r"[\s-]+", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{1,10}", compact):
        raise ValueError(f"{value!r} is not a vehicle registration: use 1 to 10 letters and digits, "
                         "for example AB12 CDE")
    return compact


def registration_display(compact: str) -> str:
    """The registration as it is printed on a British plate: 'AB12CDE' -> 'AB12 CDE'."""
    if re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z]{3}", compact):      # current style, 2001 on
        return compact[:4] + " " + compact[4:]
    if re.fullmatch(r"[A-Z][0-9]{1,3}[A-Z]{3}", compact):       # prefix style, 1983-2001
        return compact[:-3] + " " + compact[-3:]
    if m := re.fullmatch(r"([A-Z]{3})([0-9]{1,3}[A-Z])", compact):  # suffix style, 1963-1983
        return m.group(1) + " " + m.group(2)
    return compact


def vin(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", compact):
        raise ValueError("a VIN is 17 letters and digits, never I, O or Q")
    return compact


_PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def pnc_id(value: str, today: date | None = None) -> str:
    """A PNC ID 'YY/NNNNNNNL' or 'YYYY/NNNNNNNL', its check letter verified; -> 'YYYY/NNNNNNNL'."""
    compact = re.sub(r"\s+", "", value).upper()
    m = re.fullmatch(r"([0-9]{2}|[0-9]{4})/?([0-9]{1,7})([A-Z])", compact)
    if not m:
        raise ValueError(f"{value!r} is not a PNC ID: expected year/serial and check letter, for example 2001/0123456X")
    year, serial, letter = m.groups()
    if len(year) == 2:
        this_year = (today or date.today()).year
        year = str(this_year - this_year % 100 + int(year))
        if int(year) > this_year:
            year = str(int(year) - 100)
    serial = serial.zfill(7)
    expected = _PNC_LETTERS[int(year[2:] + serial) % 23]
    if letter != expected:
        raise ValueError(f"the PNC ID {value!r} has the wrong check letter: check it was typed exactly as printed")
    return f"{year}/{serial}{letter}"


# DVLA licence number: surname (5, padded with 9), decade, month (+5 for women), day, year digit,
# initials (2, padded with 9), a digit, two check characters. Northern Ireland's are 8 digits.
_DVLA = re.compile(r"[A-Z9]{5}[0-9][0156][0-9][0-3][0-9][0-9][A-Z9]{2}[0-9][A-Z0-9]{2}")


def driving_licence(value: str, date_of_birth: date | None = None) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    if re.fullmatch(r"[0-9]{8}", compact):
        return compact
    if not _DVLA.fullmatch(compact):
        raise ValueError(f"{value!r} is not a UK driving licence number: 16 characters as printed at 5 on a "
                         "GB licence (for example MORGA753116SM9IJ), or 8 digits for Northern Ireland")
    month = int(compact[6:8]) % 50
    day = int(compact[8:10])
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError(f"{value!r} is not a UK driving licence number: its date of birth part is not a date")
    if date_of_birth is not None:
        if (compact[5], month, day, compact[10]) != (str(date_of_birth.year)[2], date_of_birth.month,
                                                     date_of_birth.day, str(date_of_birth.year)[3]):
            raise ValueError("the driving licence number does not match the date of birth: check both")
    return compact


def passport(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{5,9}", compact):
        raise ValueError(f"{value!r} is not a passport number: 5 to 9 letters and digits (a UK passport "
                         "number is 9 digits)")
    return compact


def phone(value: str) -> str:
    """'07700 900123' -> '07700900123'; '+44 (0)7700 900123' -> '+447700900123'."""
    compact = re.sub(r"[\s().-]+", "", value.replace("(0)", ""))
    if not re.fullmatch(r"\+?[0-9]{7,15}", compact):
        raise ValueError(f"{value!r} is not a phone number: 7 to 15 digits, optionally starting with +")
    return compact
