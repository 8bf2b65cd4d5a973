"""The stop-search record's own table, keyed by its record header (`records.id`).

The header holds when and where (time, place, the device's fix), the officer and the review
state; this table holds the rest of PACE Code A 4.3. The person searched, when they gave their
name, is a POLE person linked to the record in the role `person_searched`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base
from onbeat.records.stopsearch import codes


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


_NO_GROUNDS = [c for c, p in codes.POWERS.items() if not p.grounds]
_AUTHORISED = [c for c, p in codes.POWERS.items() if p.authorisation]


class StopSearch(Base):
    __tablename__ = "stop_searches"
    __table_args__ = (
        CheckConstraint(_one_of("search_type", codes.SEARCH_TYPES), name="search_type"),
        CheckConstraint(_one_of("age_range", codes.AGE_RANGES), name="age_range"),
        CheckConstraint(_one_of("object_of_search", codes.OBJECTS), name="object_of_search"),
        CheckConstraint(_one_of("power", codes.POWERS), name="power"),
        CheckConstraint(_one_of("outcome", codes.OUTCOMES), name="outcome"),
        CheckConstraint(_one_of("clothing_removed", codes.CLOTHING), name="clothing_removed"),
        CheckConstraint(_one_of("receipt_method", codes.RECEIPTS), name="receipt_method"),
        # The rules `rules.check` enforces with named errors, held by the database as well.
        CheckConstraint(_one_of("power", _NO_GROUNDS) + " or grounds is not null", name="grounds"),
        CheckConstraint("not (" + _one_of("power", _AUTHORISED) + ") or authorisation_reference is not null",
                        name="authorisation"),
        CheckConstraint("outcome = 'no_further_action' or outcome_linked_to_object is not null", name="linked"),
        CheckConstraint("not injury_or_damage or injury_or_damage_detail is not null", name="injury_detail"),
        CheckConstraint("search_type = 'person' or vehicle_registration is not null", name="registration"),
        CheckConstraint("(receipt_contact is not null) = (receipt_method in ('email', 'sms'))",
                        name="receipt_contact"),
        Index("ix_stop_searches_power", "power"),
        Index("ix_stop_searches_outcome", "outcome"),
    )
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    # Given to the person (printed, e-mailed, texted or on a card): SS-XXXX-XXXX, not guessable.
    receipt_reference: Mapped[str] = mapped_column(String(14), unique=True)
    postcode: Mapped[str | None] = mapped_column(String(10))
    search_type: Mapped[str] = mapped_column(String(20))
    vehicle_registration: Mapped[str | None] = mapped_column(String(10), index=True)
    self_defined_ethnicity: Mapped[str] = mapped_column(String(2))
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(2))
    gender: Mapped[str] = mapped_column(String(12))
    age_range: Mapped[str] = mapped_column(String(10))
    object_of_search: Mapped[str] = mapped_column(String(30))
    power: Mapped[str] = mapped_column(String(20))
    grounds: Mapped[str | None] = mapped_column(Text)
    authorisation_reference: Mapped[str | None] = mapped_column(String(40))
    authorising_officer_rank: Mapped[str | None] = mapped_column(String(30))
    authorised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The searching officer as they were at the time (the author is on the header).
    officer_number: Mapped[str] = mapped_column(String(12))
    officer_station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stations.id"))
    other_officers: Mapped[list[str]] = mapped_column(ARRAY(String(12)), default=list)
    outcome: Mapped[str] = mapped_column(String(24))
    outcome_detail: Mapped[str | None] = mapped_column(String(300))
    outcome_linked_to_object: Mapped[bool | None] = mapped_column(Boolean)
    anything_found: Mapped[bool] = mapped_column(Boolean)
    found_detail: Mapped[str | None] = mapped_column(Text)
    injury_or_damage: Mapped[bool] = mapped_column(Boolean)
    injury_or_damage_detail: Mapped[str | None] = mapped_column(Text)
    name_given: Mapped[bool] = mapped_column(Boolean)
    clothing_removed: Mapped[str] = mapped_column(String(16))
    more_thorough_location: Mapped[str | None] = mapped_column(String(300))
    receipt_method: Mapped[str] = mapped_column(String(10))
    # Kept only when the person chose a receipt by e-mail or SMS.
    receipt_contact: Mapped[str | None] = mapped_column(String(200))

    @property
    def more_than_outer_clothing(self) -> bool:
        return self.clothing_removed in codes.MORE_THOROUGH
