"""Tables: the candidate indexes behind suggestions.

They hold no personal data of their own beyond what is needed to find candidates: blocking keys
(64-bit hashes) for people, folded registrations for vehicles, folded postcodes and first lines
for addresses. Each is kept in step with the POLE store in the same transaction as the change
(see `index.py`) and can be rebuilt whole (`onbeat suggest reindex`)."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Index, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base


class PersonKey(Base):
    """One blocking key of a person: a hash of e.g. phonetic surname + date of birth.

    No foreign key to the person: a full rebuild loads tens of millions of rows by COPY, and a
    key left behind by a deleted person finds nobody (candidates are read back through the POLE
    service, which drops unknown and merged people)."""

    __tablename__ = "suggest_person_keys"
    __table_args__ = (
        PrimaryKeyConstraint("key", "person_id", name="pk_suggest_person_keys"),
        Index("ix_suggest_person_keys_person_id", "person_id"),
    )
    key: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[uuid.UUID] = mapped_column()


class VehicleEntry(Base):
    """A vehicle's registration folded for look-up: upper case, no spaces, O read as 0 and I as 1."""

    __tablename__ = "suggest_vehicles"
    __table_args__ = (
        Index("ix_suggest_vehicles_reg_key", "reg_key"),
        Index("ix_suggest_vehicles_reg_trgm", "reg_key", postgresql_using="gin",
              postgresql_ops={"reg_key": "gin_trgm_ops"}),
    )
    object_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reg_key: Mapped[str] = mapped_column(String(12))


class AddressEntry(Base):
    """An address folded for look-up: compact postcode, its sector, and the first line in words."""

    __tablename__ = "suggest_addresses"
    __table_args__ = (
        Index("ix_suggest_addresses_postcode", "postcode"),
        Index("ix_suggest_addresses_sector", "sector"),
        Index("ix_suggest_addresses_line_trgm", "line", postgresql_using="gin",
              postgresql_ops={"line": "gin_trgm_ops"}),
    )
    location_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    postcode: Mapped[str | None] = mapped_column(String(8))
    sector: Mapped[str | None] = mapped_column(String(6))
    line: Mapped[str] = mapped_column(Text, default="")

