"""The rules of a lawful, complete stop-search record (PACE Code A 4.3), checked before anything is
stored. `check` returns every problem at once, each naming its field and the rule, so a form can
show them all beside their fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from onbeat.records.pole import formats
from onbeat.records.stopsearch import codes
from onbeat.records.stopsearch.schemas import StopSearchFields

# A device clock a little ahead of the server's is not a search in the future.
CLOCK_SKEW = timedelta(minutes=2)
# The United Kingdom and its waters: a fix outside it is a device fault (0, 0 is the usual one).
UK_BOUNDS = ((49.8, 61.0), (-8.7, 2.0))
GROUNDS_MIN = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def meaningful_length(text: str | None) -> int:
    """Letters and digits, a character repeated more than twice in a row counted twice at most."""
    squeezed = re.sub(r"(.)\1{2,}", r"\1\1", text or "")
    return sum(ch.isalnum() for ch in squeezed)


def grounds_are_meaningful(text: str | None) -> bool:
    words = set(re.findall(r"[a-z]{2,}", (text or "").lower()))
    return meaningful_length(text) >= GROUNDS_MIN and len(words) >= 3


def receipt_contact(method: str, value: str) -> str:
    """The e-mail address or mobile number for the receipt, normalised; ValueError says what is wrong."""
    if method == "email":
        if not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an e-mail address: expected something like name@example.org")
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
    number = formats.phone(value)
    if number.startswith(("0", "+44")) and not re.match(r"^(07|\+447)[0-9]{9}$", number):
        raise ValueError(f"{value!r} is not a UK mobile number: a text message needs one starting 07 or +44 7")
    return number


def check(data: StopSearchFields, now: datetime, officer_number: str | None = None) -> list[Problem]:
    """Every rule the record breaks (an empty list when it is complete and consistent)."""
    out: list[Problem] = []

    def bad(field: str, message: str) -> None:
        out.append(Problem(field, message))

    power = codes.POWERS[data.power]
    _when_and_where(data, now, bad)
    _vehicle(data, power, bad)
    if data.object_of_search not in power.objects:
        allowed = ", ".join(codes.OBJECTS[o].lower() for o in power.objects)
        bad("object_of_search", f"{power.label} allows a search only for: {allowed}. Choose one of these, "
                                f"or the power that covers {codes.OBJECTS[data.object_of_search].lower()}.")
    if power.grounds and not grounds_are_meaningful(data.grounds):
        bad("grounds", f"{power.label} needs reasonable grounds: record them in your own words (what you saw, "
                       f"heard or were told), at least {GROUNDS_MIN} letters or digits in three or more words.")
    _authorisation(data, power, bad)
    if data.officer_defined_ethnicity and data.officer_defined_ethnicity == codes.broad_group(
            data.self_defined_ethnicity):
        bad("officer_defined_ethnicity", "Record your perception of the person's ethnicity only when it differs "
                                         "from the group they gave themselves; leave it empty here.")
    _outcome(data, bad)
    _flagged(data, bad)
    _person(data, bad)
    _receipt(data, bad)
    for number in data.other_officers:
        if officer_number and number == officer_number.upper():
            bad("other_officers", f"{number} is your own collar number: list only the other officers present.")
    if len(set(data.other_officers)) != len(data.other_officers):
        bad("other_officers", "A collar number is listed twice: list each officer present once.")
    return out


def _when_and_where(data: StopSearchFields, now: datetime, bad) -> None:
    if data.occurred_at > now + CLOCK_SKEW:
        bad("occurred_at", "The time of the search is in the future: give the date and time it took place "
                           "(check the device's clock).")
    if (data.latitude is None) != (data.longitude is None):
        bad("latitude" if data.latitude is None else "longitude",
            "Give both the latitude and the longitude of the device's fix, or neither.")
    elif data.latitude is not None:
        (south, north), (west, east) = UK_BOUNDS
        if not (south <= data.latitude <= north and west <= data.longitude <= east):
            bad("latitude", "The device's location fix is outside the United Kingdom: it is probably a bad fix. "
                            "Leave it out and describe the place or give its postcode.")
    elif not (data.place or data.postcode):
        bad("place", "Without a location fix from the device, say where the search took place: the street and "
                     "a landmark, or the postcode.")


def _vehicle(data: StopSearchFields, power: codes.Power, bad) -> None:
    vehicle_searched = data.search_type in codes.VEHICLE_SEARCHES
    if vehicle_searched and not data.vehicle_registration:
        bad("vehicle_registration", "A vehicle was searched: record its registration number.")
    if not vehicle_searched and data.vehicle_registration:
        bad("vehicle_registration", "Only a person was searched: leave the registration empty, or record that "
                                    "the vehicle was searched too.")
    if power.vehicle and not vehicle_searched:
        bad("search_type", f"{power.label} is a power to search vehicles: record the vehicle search, or choose "
                           "another power.")


def _authorisation(data: StopSearchFields, power: codes.Power, bad) -> None:
    given = {"authorisation_reference": data.authorisation_reference,
             "authorising_officer_rank": data.authorising_officer_rank, "authorised_at": data.authorised_at}
    if not power.authorisation:
        for field, value in given.items():
            if value is not None:
                bad(field, f"{power.label} needs no authorisation: leave the authorisation details empty.")
        return
    if not data.authorisation_reference:
        bad("authorisation_reference", f"{power.label} needs the reference of the authorisation in force for the "
                                       "place and time of the search.")
    rank = data.authorising_officer_rank
    if rank is None:
        bad("authorising_officer_rank", "Give the rank of the officer who gave the authorisation.")
    elif not codes.rank_at_least(rank, power.lowest_rank):
        bad("authorising_officer_rank", f"An authorisation under {power.label} must be given by a "
                                        f"{codes.RANKS[power.lowest_rank]} or above.")
    if data.authorised_at is None:
        bad("authorised_at", "Give the date and time the authorisation was given.")
    elif data.authorised_at > data.occurred_at:
        bad("authorised_at", "The authorisation was given after the search: a search needs an authorisation "
                             "already in force.")
    elif data.occurred_at - data.authorised_at > timedelta(hours=power.longest_hours):
        bad("authorised_at", f"An authorisation under {power.label} lasts at most {power.longest_hours} hours "
                             "(extensions included): it had ended before the search.")


def _outcome(data: StopSearchFields, bad) -> None:
    if data.outcome == "other" and not data.outcome_detail:
        bad("outcome_detail", "Say what the outcome was.")
    if data.outcome == codes.NO_FURTHER_ACTION:
        if data.outcome_linked_to_object is not None:
            bad("outcome_linked_to_object", "With no further action there is no outcome to link to the object "
                                            "of the search: leave it empty.")
    elif data.outcome_linked_to_object is None:
        bad("outcome_linked_to_object", "Say whether the outcome was linked to the object of the search "
                                        "(required unless no further action).")


def _flagged(data: StopSearchFields, bad) -> None:
    for flag, field, what in ((data.anything_found, "found_detail", "what was found"),
                              (data.injury_or_damage, "injury_or_damage_detail", "the injury or damage")):
        detail = getattr(data, field)
        if flag and not detail:
            bad(field, f"Describe {what}.")
        if not flag and detail:
            bad(field, f"You recorded none, so leave the description of {what} empty (or tick the box).")
    more = data.clothing_removed in codes.MORE_THOROUGH
    if more and not data.more_thorough_location:
        bad("more_thorough_location", "Say where the more thorough search took place: it must be out of public "
                                      "view (Code A 3.6, Annex F).")
    if not more and data.more_thorough_location:
        bad("more_thorough_location", "No more than outer clothing was removed: leave this empty.")


def _person(data: StopSearchFields, bad) -> None:
    if data.name_given and data.person is None:
        bad("person", "The person gave their name: record it.")
    elif data.name_given and data.person.id is None and not (data.person.given_name or data.person.family_name):
        bad("person", "The person gave their name: record it (given name, family name or both).")
    if not data.name_given and data.person is not None:
        bad("person", "A name is recorded only when the person chose to give it: leave the person empty.")


def _receipt(data: StopSearchFields, bad) -> None:
    if data.receipt_method in codes.RECEIPTS_WITH_CONTACT:
        what = "e-mail address" if data.receipt_method == "email" else "mobile number"
        if not data.receipt_contact:
            bad("receipt_contact", f"Give the {what} the person chose for the receipt.")
        else:
            try:
                receipt_contact(data.receipt_method, data.receipt_contact)
            except ValueError as exc:
                bad("receipt_contact", str(exc))
    elif data.receipt_contact:
        bad("receipt_contact", "A contact is kept only when the person chose a receipt by e-mail or SMS: "
                               "leave it empty.")
