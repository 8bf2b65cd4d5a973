"""Tables of records.interviews: the written interview record (a Record of kind `interview`), the
people present, the questions and answers in order, and the two signatures (or the interviewee's
refusal to sign)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, uuid_pk
from onbeat.records.interviews.codes import CAUTIONS, PRESENT_ROLES, SIGNERS


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class Interview(Base):
    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint(_one_of("caution_code", CAUTIONS), name="caution_code"),
        CheckConstraint("ended_at is null or ended_at > started_at", name="ends_after_start"),
        CheckConstraint("caution_given or caution_understood is null", name="understood_only_if_given"),
    )
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    # The POLE person interviewed (also linked to the record as interviewee, and as suspect when one).
    interviewee_id: Mapped[uuid.UUID] = mapped_column()
    suspect: Mapped[bool] = mapped_column(Boolean, default=True)
    caution_code: Mapped[str] = mapped_column(String(12))
    # The words of the caution as given, kept with the record (the code list may change later).
    caution_text: Mapped[str] = mapped_column(Text)
    caution_given: Mapped[bool] = mapped_column(Boolean)
    caution_understood: Mapped[bool | None] = mapped_column(Boolean)
    caution_notes: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offered_to_read: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the interviewee said or corrected on reading the record.
    interviewee_comments: Mapped[str | None] = mapped_column(Text)
    # Set once the officer has signed and the interviewee has signed or refused: nothing changes after.
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sealed_hash: Mapped[str | None] = mapped_column(String(64))


class InterviewAttendee(Base):
    """Someone present at the interview besides the interviewee."""

    __tablename__ = "interview_attendees"
    __table_args__ = (
        CheckConstraint(_one_of("role", PRESENT_ROLES), name="role"),
        UniqueConstraint("record_id", "position", name="uq_interview_attendees_position"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.record_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(160))
    # Firm, collar number, language interpreted...
    detail: Mapped[str | None] = mapped_column(String(200))


class InterviewExchange(Base):
    """One question and its answer, in the order asked."""

    __tablename__ = "interview_exchanges"
    __table_args__ = (UniqueConstraint("record_id", "position", name="uq_interview_exchanges_position"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.record_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)


class InterviewSignature(Base):
    """The officer's or the interviewee's signature (as SVG), or the interviewee's refusal to sign."""

    __tablename__ = "interview_signatures"
    __table_args__ = (
        CheckConstraint(_one_of("signer", SIGNERS), name="signer"),
        CheckConstraint("(svg is null) <> (refused_reason is null)", name="signed_or_refused"),
        CheckConstraint("signer = 'interviewee' or refused_reason is null", name="only_interviewee_refuses"),
    )
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.record_id", ondelete="CASCADE"),
                                                 primary_key=True)
    signer: Mapped[str] = mapped_column(String(12), primary_key=True)
    svg: Mapped[str | None] = mapped_column(Text)
    refused_reason: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The officer whose device took the signature (or recorded the refusal).
    captured_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
