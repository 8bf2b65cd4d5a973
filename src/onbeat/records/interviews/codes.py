"""Code lists of the written interview record: the cautions (PACE Code C 10.5, 16.2 and Annex C),
the people who may be present, and who signs."""

from __future__ import annotations

from dataclasses import dataclass

WHEN_QUESTIONED = ("You do not have to say anything. But it may harm your defence if you do not mention when "
                   "questioned something which you later rely on in court. Anything you do say may be given in "
                   "evidence.")
NOW = ("You do not have to say anything. But it may harm your defence if you do not mention now something which "
       "you later rely on in court. Anything you do say may be given in evidence.")
RESTRICTED = "You do not have to say anything, but anything you do say may be given in evidence."


@dataclass(frozen=True)
class Caution:
    label: str
    text: str
    inferences: bool  # whether a court may draw inferences from silence after this caution


CAUTIONS: dict[str, Caution] = {
    "arrest": Caution("On arrest (\u201cwhen questioned\u201d)", WHEN_QUESTIONED, True),
    "interview": Caution("At interview (\u201cwhen questioned\u201d)", WHEN_QUESTIONED, True),
    "now": Caution("\u201cNow\u201d caution: on charge, or when told they may be prosecuted", NOW, True),
    "restricted": Caution("Restricted caution: no inferences may be drawn (Code C, Annex C)", RESTRICTED, False),
}

PRESENT_ROLES: dict[str, str] = {
    "officer": "Police officer",
    "solicitor": "Solicitor",
    "legal_adviser": "Legal adviser (accredited or probationary representative)",
    "appropriate_adult": "Appropriate adult",
    "interpreter": "Interpreter",
    "intermediary": "Registered intermediary",
}

SIGNERS: dict[str, str] = {"officer": "Interviewing officer", "interviewee": "Interviewee"}
