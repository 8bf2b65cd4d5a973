"""Tables of records.crime: the crime report beside its record header, the victims (with their
Victims' Code entitlement), suspects, property, and the right-6 duties to keep victims informed.

People are POLE persons (ids); the record links them in their roles too, so any search finds them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Identity, Index, Integer,
                        SmallInteger, String, Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at, uuid_pk
from onbeat.records.crime.codes import CONTACT_METHODS, ENHANCED_REASONS, PROPERTY_STATUSES, VICTIM_EVENTS


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class CrimeReport(Base):
    """What a crime report adds to its record: the HOCR classification, when it was committed,
    the modus operandi and, once a supervisor finalises it, the Home Office outcome."""

    __tablename__ = "crime_reports"
    __table_args__ = (
        CheckConstraint("committed_to is null or committed_to >= committed_from", name="window"),
        CheckConstraint("(outcome_code is null) = (finalised_at is null)", name="outcome_finalised"),
        Index("ix_crime_reports_offence", "offence_code"),
    )
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    offence_code: Mapped[str] = mapped_column(String(8))
    committed_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    committed_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mo_text: Mapped[str] = mapped_column(Text, default="")
    mo_keywords: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    outcome_code: Mapped[str | None] = mapped_column(String(3))
    outcome_rationale: Mapped[str | None] = mapped_column(Text)
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finalised_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class CrimeVictim(Base):
    """A victim (a POLE person) of the crime and what the Victims' Code entitles them to."""

    __tablename__ = "crime_victims"
    __table_args__ = (
        UniqueConstraint("record_id", "person_id", name="uq_crime_victims_once"),
        CheckConstraint(_one_of("enhanced_reason", ENHANCED_REASONS), name="enhanced_reason"),
        CheckConstraint("enhanced_rights = (enhanced_reason is not null)", name="enhanced_has_reason"),
        CheckConstraint(_one_of("preferred_contact", CONTACT_METHODS), name="preferred_contact"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    # The order they were given in (ids are random, and one transaction shares one timestamp).
    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column()
    enhanced_rights: Mapped[bool] = mapped_column(Boolean, default=False)
    enhanced_reason: Mapped[str | None] = mapped_column(String(30))
    preferred_contact: Mapped[str | None] = mapped_column(String(10))
    added_at: Mapped[datetime] = created_at()


class CrimeSuspect(Base):
    """A suspect: a POLE person when identified, otherwise a description."""

    __tablename__ = "crime_suspects"
    __table_args__ = (CheckConstraint("person_id is not null or description is not null", name="who"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    # The order they were given in (ids are random, and one transaction shares one timestamp).
    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = created_at()


class CrimeProperty(Base):
    """An item stolen or damaged, with its value; the item itself is a POLE object."""

    __tablename__ = "crime_property"
    __table_args__ = (
        CheckConstraint(_one_of("status", PROPERTY_STATUSES), name="status"),
        CheckConstraint("value_pence is null or value_pence >= 0", name="value"),
        CheckConstraint("quantity >= 1", name="quantity"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    # The order they were given in (ids are random, and one transaction shares one timestamp).
    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    object_id: Mapped[uuid.UUID | None] = mapped_column()
    description: Mapped[str] = mapped_column(String(500))
    serial_number: Mapped[str | None] = mapped_column(String(50))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    value_pence: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    added_at: Mapped[datetime] = created_at()


class VictimEvent(Base):
    """Something in the investigation a victim must be told of (right 6), or another update."""

    __tablename__ = "crime_victim_events"
    __table_args__ = (CheckConstraint(_one_of("event", VICTIM_EVENTS), name="event"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    # Made by the device that recorded it: sending it again returns this event.
    client_uuid: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = created_at()


class VictimUpdate(Base):
    """One contact with a victim: what they were told of, when, how and by whom."""

    __tablename__ = "crime_victim_updates"
    __table_args__ = (CheckConstraint(_one_of("method", CONTACT_METHODS), name="method"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    client_uuid: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    victim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crime_victims.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crime_victim_events.id", ondelete="CASCADE"), index=True)
    told_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    method: Mapped[str] = mapped_column(String(10))
    told_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = created_at()


class VictimDuty(Base):
    """The duty to tell one victim of one event by `due_on` (UK date); an update fulfils it."""

    __tablename__ = "crime_victim_duties"
    __table_args__ = (
        UniqueConstraint("event_id", "victim_id", name="uq_crime_victim_duties_once"),
        CheckConstraint("working_days in (1, 5)", name="working_days"),
        # The supervisors' list: open duties, oldest deadline first.
        Index("ix_crime_victim_duties_open", "due_on", postgresql_where=text("update_id is null")),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crime_victim_events.id", ondelete="CASCADE"))
    victim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crime_victims.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(SmallInteger)
    update_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("crime_victim_updates.id", ondelete="SET NULL"))
