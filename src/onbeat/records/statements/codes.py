"""Code lists of the MG11's witness-private part (its reverse side).

Special measures are those of the Youth Justice and Criminal Evidence Act 1999, ss. 23-30.
"""

from __future__ import annotations

SPECIAL_MEASURES: dict[str, str] = {
    "screens": "Screens (s. 23)",
    "live_link": "Live link (s. 24)",
    "evidence_in_private": "Evidence given in private (s. 25)",
    "removal_of_wigs_and_gowns": "Removal of wigs and gowns (s. 26)",
    "video_evidence_in_chief": "Video-recorded evidence in chief (s. 27)",
    "intermediary": "Examination through an intermediary (s. 29)",
    "communication_aids": "Aids to communication (s. 30)",
}

CONSENTS: dict[str, str] = {
    "consent_witness_care": "Contact details may be given to the Witness Care Unit",
    "consent_other_proceedings": "The statement may be used in other proceedings (e.g. civil or family)",
    "consent_medical_records": "Medical records may be obtained and used",
    "vps_offered": "A Victim Personal Statement was offered",
}

SIGNER_LABELS = {"witness": "Witness", "officer": "Officer"}
