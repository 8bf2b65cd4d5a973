"""The devices package's tables: enrolled devices, their credentials and one-time enrolment codes,
the latest state and a bounded history of check-ins, the command queue, findings of remote
diagnosis, lost-or-stolen reports and each device's timeline.

A device is assigned to a member of staff, so its record is personal data: changes are audited,
and so is every command and every answer the device gives. Routine check-ins are not audited one
by one (they change only the device's own state); their latest values and the last
`HISTORY_SLOTS` check-ins are kept."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (ARRAY, BigInteger, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer,
                        SmallInteger, String, Text, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.db import Base, created_at, uuid_pk

# Where a device is in its life.
STATUSES = {"registered": "Awaiting enrolment", "enrolled": "Enrolled", "lost": "Lost or stolen",
            "wiped": "Wiped", "retired": "Retired"}
COMPLIANCE = {"unknown": "Unknown", "compliant": "Compliant", "grace": "In grace period",
              "noncompliant": "Non-compliant"}
COMMAND_KINDS = {"lock": "Lock", "wipe": "Wipe", "restart_app": "Restart the app",
                 "collect_diagnostics": "Collect diagnostics", "push_configuration": "Push configuration",
                 "install_software": "Install software", "remove_software": "Remove software",
                 "show_message": "Show a message"}
# pending: waiting for the device; delivered: in a check-in answer, no reply yet; then the device's
# answer (acknowledged, error) or the queue's own ending (superseded by a wipe, expired, cancelled).
# "Not now" puts a command back to pending with a later not_before.
COMMAND_STATES = {"pending": "Waiting for the device", "delivered": "Delivered", "acknowledged": "Done",
                  "error": "Failed", "superseded": "Superseded", "expired": "Expired", "cancelled": "Cancelled"}
OPEN_COMMAND_STATES = ("pending", "delivered")
HISTORY_SLOTS = 48


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class Device(Base):
    """One device of the force: its identity, who has it, its profile and its latest state."""

    __tablename__ = "fleet_devices"
    __table_args__ = (
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("compliance", COMPLIANCE), name="compliance"),
        Index("ix_fleet_devices_last_checkin_at", "last_checkin_at"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_device_models.id"))
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_profiles.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The supply request it was built for (none for a device added by hand).
    request_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(12), default="registered")
    created_at: Mapped[datetime] = created_at()
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The latest check-in, as columns for lists and rules, and whole as sent.
    last_checkin_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checkin_count: Mapped[int] = mapped_column(BigInteger, default=0)
    os_name: Mapped[str | None] = mapped_column(String(60))
    os_version: Mapped[str | None] = mapped_column(String(30))
    agent_version: Mapped[str | None] = mapped_column(String(30))
    battery_percent: Mapped[float | None] = mapped_column(Float)
    battery_health_percent: Mapped[float | None] = mapped_column(Float)
    storage_free_percent: Mapped[float | None] = mapped_column(Float)
    encrypted: Mapped[bool | None] = mapped_column(Boolean)
    wrong_unlocks: Mapped[int | None] = mapped_column(Integer)
    last_state: Mapped[dict] = mapped_column(JSONB, default=dict)
    # The codes of the open findings, kept here so a check-in compares without another query.
    finding_codes: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    compliance: Mapped[str] = mapped_column(String(12), default="unknown")
    # What the profile's policies found wrong, and since when (the grace period counts from it).
    compliance_issues: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    noncompliant_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    compliance_action_taken: Mapped[str | None] = mapped_column(String(20))
    sign_in_blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class Credential(Base):
    """A device's bearer credential: only its SHA-256 is kept. A rotated one is accepted for a short
    overlap after its successor is issued, until the successor is first used."""

    __tablename__ = "fleet_device_credentials"
    id: Mapped[uuid.UUID] = uuid_pk()
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_devices.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(200))


class EnrolmentCode(Base):
    """A one-time code (typed or scanned as a QR code) that binds a device to its record."""

    __tablename__ = "fleet_enrolment_codes"
    id: Mapped[uuid.UUID] = uuid_pk()
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_devices.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = created_at()
    issued_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when a newer code was issued for the device, or the code was used.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CheckinSample(Base):
    """The last HISTORY_SLOTS check-ins of a device, as a ring: slot = check-in number mod the size,
    overwritten in place, so the history stays bounded without any clean-up job."""

    __tablename__ = "fleet_checkin_history"
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_devices.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    battery_percent: Mapped[float | None] = mapped_column(Float)
    storage_free_percent: Mapped[float | None] = mapped_column(Float)
    crashes: Mapped[int | None] = mapped_column(Integer)
    vpn_failures: Mapped[int | None] = mapped_column(Integer)
    os_version: Mapped[str | None] = mapped_column(String(30))


class Command(Base):
    """One command in a device's queue, from the engineer (or policy) who sent it to the device's answer."""

    __tablename__ = "fleet_commands"
    __table_args__ = (
        CheckConstraint(_one_of("kind", COMMAND_KINDS), name="kind"),
        CheckConstraint(_one_of("status", COMMAND_STATES), name="status"),
        # The check-in looks up a device's open commands: only those rows are in this index.
        Index("ix_fleet_commands_open", "device_id", "created_at",
              postgresql_where=text("status in ('pending', 'delivered')")),
        Index("ix_fleet_commands_device_id", "device_id", "created_at"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_devices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    payload: Mapped[dict] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at()
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200))
    # Not delivered before this (a scheduled wipe, a "not now"); never after expires_at.
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer_detail: Mapped[str | None] = mapped_column(String(2000))
    not_now_count: Mapped[int] = mapped_column(Integer, default=0)
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fleet_commands.id"))
    # The finding this command was sent to fix, if any.
    finding_id: Mapped[uuid.UUID | None] = mapped_column()


class Finding(Base):
    """Something remote diagnosis found wrong with a device; cleared when a check-in no longer shows it."""

    __tablename__ = "fleet_findings"
    __table_args__ = (
        Index("uq_fleet_findings_open", "device_id", "code", unique=True, postgresql_where=text("cleared_at is null")),
        Index("ix_fleet_findings_raised_at", "raised_at"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_devices.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[dict] = mapped_column(JSONB, default=dict)
    raised_at: Mapped[datetime] = created_at()
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fix_command_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fleet_commands.id"))
    fix_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fix_started_by: Mapped[str | None] = mapped_column(String(200))
    # Set when it was handed to the service desk (an incident to raise for what cannot be fixed remotely).
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LostReport(Base):
    """A device reported lost or stolen: locked at once, wiped at wipe_at unless found first."""

    __tablename__ = "fleet_lost_reports"
    __table_args__ = (CheckConstraint("kind in ('lost', 'stolen')", name="kind"),
                      Index("uq_fleet_lost_reports_open", "device_id", unique=True,
                            postgresql_where=text("found_at is null")))
    id: Mapped[uuid.UUID] = uuid_pk()
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_devices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    circumstances: Mapped[str] = mapped_column(String(1000))
    reported_at: Mapped[datetime] = created_at()
    reported_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reported_by_label: Mapped[str] = mapped_column(String(200))
    wipe_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lock_command_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fleet_commands.id"))
    wipe_command_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fleet_commands.id"))
    found_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    found_by_label: Mapped[str | None] = mapped_column(String(200))


class TimelineEntry(Base):
    """One line of a device's timeline: enrolment, commands and answers, findings, compliance, loss."""

    __tablename__ = "fleet_device_timeline"
    __table_args__ = (Index("ix_fleet_device_timeline_device", "device_id", "at"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_devices.id", ondelete="CASCADE"))
    at: Mapped[datetime] = created_at()
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    actor_label: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSONB, default=dict)
