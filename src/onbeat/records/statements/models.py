"""Tables of records.statements: the MG11 itself, its page signatures and the witness-private part.

A statement's row is keyed by its record's id (the header lives in `records`). Once every page and
the declaration are signed the statement is sealed: `sealed_at` and `sealed_hash` are set, and a
trigger (migration 0004) refuses any later UPDATE or DELETE of the statement or its signatures.
The witness-private part sits in a table of its own because it is never disclosed with the text.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at, uuid_pk

SIGNERS = ("witness", "officer")
# Signature on the declaration (page 1, under the declaration text); pages are numbered from 1.
DECLARATION = 0


class Statement(Base):
    """An MG11: header fields, the statement text and the pages it was divided into for signing."""

    __tablename__ = "statements"
    __table_args__ = (
        CheckConstraint("age is null or age between 0 and 17", name="age"),
        CheckConstraint("cardinality(pages) >= 1", name="pages"),
    )
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    urn: Mapped[str | None] = mapped_column(String(20))
    # The maker: the witness (a POLE person) for a witness statement, the officer for an officer statement.
    witness_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    statement_of: Mapped[str] = mapped_column(String(200))
    age: Mapped[int | None] = mapped_column(Integer)  # only when under 18: "Over 18" otherwise
    occupation: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The body divided into the PDF's pages, each a list of lines joined by "\n": what each signature signs.
    pages: Mapped[list[str]] = mapped_column(ARRAY(Text))
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sealed_hash: Mapped[str | None] = mapped_column(String(64))


class StatementSignature(Base):
    """The maker's signature on one page (or on the declaration, page 0), as drawn."""

    __tablename__ = "statement_signatures"
    __table_args__ = (
        UniqueConstraint("record_id", "page", name="uq_statement_signatures_page"),
        CheckConstraint("page >= 0", name="page"),
        CheckConstraint("signer in ('witness', 'officer')", name="signer"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("statements.record_id"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    signer: Mapped[str] = mapped_column(String(10))
    signer_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    svg: Mapped[str] = mapped_column(Text)
    # The strokes as captured ({x, y, t} points in the pad's box): kept for forensic comparison.
    strokes: Mapped[list] = mapped_column(JSONB)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    captured_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at()


class WitnessPrivate(Base):
    """What the witness tells the police that is not disclosed with the statement (MG11 reverse)."""

    __tablename__ = "statement_witness_private"
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("statements.record_id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    home_phone: Mapped[str] = mapped_column(String(30), default="")
    mobile_phone: Mapped[str] = mapped_column(String(30), default="")
    work_phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    preferred_contact: Mapped[str] = mapped_column(String(200), default="")
    # [{"start": "2027-01-04", "end": "2027-01-08", "reason": "..."}]
    dates_to_avoid: Mapped[list] = mapped_column(JSONB, default=list)
    special_measures: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    # Each consent is yes (true), no (false) or not asked yet (null).
    consent_witness_care: Mapped[bool | None] = mapped_column()
    consent_other_proceedings: Mapped[bool | None] = mapped_column()
    consent_medical_records: Mapped[bool | None] = mapped_column()
    vps_offered: Mapped[bool | None] = mapped_column()
    updated_at: Mapped[datetime] = created_at()
    updated_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
