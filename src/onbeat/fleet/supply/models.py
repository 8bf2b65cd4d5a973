"""Supply's tables: the catalogue of device models, role profiles, device requests with their
state history, the build capacity, bulk imports and delivery runs.

A request is personal data about a member of staff (who gets what, where it is delivered, their
personal needs): every read and change of one is audited. The devices themselves (serial, enrolment,
check-ins) are the devices package's; a built request holds the id of the device it became."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (ARRAY, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onbeat.core.permissions import ROLES
from onbeat.db import Base, created_at, uuid_pk

KINDS = {"laptop": "Laptop", "tablet": "Tablet", "phone": "Phone", "fingerprint_scanner": "Fingerprint scanner",
         "body_worn_camera": "Body-worn camera"}
# What happens to a device that stays non-compliant past its grace period.
COMPLIANCE_ACTIONS = {"notify": "Notify the user and the fleet team", "block_sign_in": "Block sign-in",
                      "wipe": "Wipe the device"}
STATES = {"requested": "Requested", "approved": "Approved", "building": "Building", "built": "Built",
          "checked": "Checked", "out_for_delivery": "Out for delivery", "delivered": "Delivered",
          "enrolled": "Enrolled", "failed": "Failed", "returned": "Returned", "cancelled": "Cancelled"}
RUN_STATES = {"planned": "Planned", "out": "Out for delivery", "completed": "Completed"}
IMPORT_STATES = {"running": "Running", "done": "Done", "failed": "Failed"}
PROOFS = {"signature": "Signature", "code": "Delivery code"}


def _one_of(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class DeviceModel(Base):
    """One model of device the force buys (e.g. a 14-inch rugged laptop)."""

    __tablename__ = "fleet_device_models"
    __table_args__ = (CheckConstraint(_one_of("kind", KINDS), name="kind"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))
    manufacturer: Mapped[str] = mapped_column(String(80))
    operating_system: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()


class Profile(Base):
    """What a role's device carries: the software bundle, its settings and the policies the device
    enforces and compliance is judged against. `version` goes up with every change."""

    __tablename__ = "fleet_profiles"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role"),
        CheckConstraint(_one_of("compliance_action", COMPLIANCE_ACTIONS), name="compliance_action"),
        CheckConstraint("wrong_pin_limit between 3 and 20", name="wrong_pin_limit"),
        CheckConstraint("auto_lock_minutes between 1 and 60", name="auto_lock_minutes"),
        CheckConstraint("checkin_fast_seconds between 10 and 3600 and checkin_slow_seconds between 60 and 86400 "
                        "and checkin_fast_seconds <= checkin_slow_seconds", name="checkin"),
        CheckConstraint("fast_checkin_hours between 0 and 720", name="fast_checkin_hours"),
        CheckConstraint("compliance_grace_hours between 0 and 720", name="compliance_grace_hours"),
        # At most one profile per role is the one a request for that role gets unless it names another.
        Index("uq_fleet_profiles_default_role", "role", unique=True, postgresql_where=text("is_default")),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    device_model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_device_models.id"))
    # [{"name": "Pocket notebook", "version": "3.2"}, ...]
    software: Mapped[list] = mapped_column(JSONB, default=list)
    # Free-form device settings pushed with the policies (wallpaper, default browser page...).
    settings: Mapped[dict] = mapped_column(JSONB, default=dict)
    wrong_pin_limit: Mapped[int] = mapped_column(Integer, default=10)
    auto_lock_minutes: Mapped[int] = mapped_column(Integer, default=5)
    min_os_version: Mapped[str] = mapped_column(String(30))
    encryption_required: Mapped[bool] = mapped_column(Boolean, default=True)
    allowed_networks: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    vpn_required: Mapped[bool] = mapped_column(Boolean, default=True)
    vpn_profile: Mapped[str | None] = mapped_column(String(64))
    checkin_fast_seconds: Mapped[int] = mapped_column(Integer, default=60)
    checkin_slow_seconds: Mapped[int] = mapped_column(Integer, default=300)
    fast_checkin_hours: Mapped[int] = mapped_column(Integer, default=24)
    compliance_grace_hours: Mapped[int] = mapped_column(Integer, default=72)
    compliance_action: Mapped[str] = mapped_column(String(20), default="notify")
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = created_at()


class SupplySettings(Base):
    """One row: how many devices the build room completes in a working day."""

    __tablename__ = "fleet_supply_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),
                      CheckConstraint("daily_capacity between 1 and 10000", name="daily_capacity"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    daily_capacity: Mapped[int] = mapped_column(Integer, default=100)
    updated_at: Mapped[datetime] = created_at()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class RequestImport(Base):
    """A CSV of recipients turned into requests: checked whole first, then created with progress."""

    __tablename__ = "fleet_request_imports"
    __table_args__ = (CheckConstraint(_one_of("state", IMPORT_STATES), name="state"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    filename: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at()
    total: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    # The checked rows still to create (emptied when done).
    rows: Mapped[list] = mapped_column(JSONB, default=list)


class DeliveryRun(Base):
    """A driver's round on one day to one area (a station's area): its stops are requests."""

    __tablename__ = "fleet_delivery_runs"
    __table_args__ = (CheckConstraint(_one_of("state", RUN_STATES), name="state"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stations.id"))
    run_date: Mapped[date] = mapped_column(Date, index=True)
    driver_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="planned")
    created_at: Mapped[datetime] = created_at()
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeviceRequest(Base):
    """A device for one member of staff, from request to an enrolled device in their hands."""

    __tablename__ = "fleet_requests"
    __table_args__ = (
        CheckConstraint(_one_of("state", STATES), name="state"),
        CheckConstraint(_one_of("role", ROLES), name="role"),
        CheckConstraint("proof_kind is null or " + _one_of("proof_kind", PROOFS), name="proof_kind"),
        CheckConstraint("state not in ('built', 'checked', 'out_for_delivery', 'delivered', 'enrolled') "
                        "or serial is not null", name="serial_once_built"),
        CheckConstraint("state not in ('delivered', 'enrolled') or delivered_at is not null", name="delivered_at"),
        UniqueConstraint("import_id", "import_line"),
        Index("ix_fleet_requests_queue", "state", "urgent", "approved_at"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_profiles.id"), index=True)
    device_model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_device_models.id"))
    # Personal needs: accessibility software, a larger screen, a left-handed stylus...
    needs: Mapped[str | None] = mapped_column(String(1000))
    extra_software: Mapped[list[str]] = mapped_column(ARRAY(String(80)), default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="requested")
    # Where it is delivered: the recipient's station's area, to this address.
    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stations.id"), index=True)
    delivery_address: Mapped[str] = mapped_column(String(300))
    delivery_postcode: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = created_at()
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    built_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    serial: Mapped[str | None] = mapped_column(String(40), unique=True)
    device_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # When the devices package said the device enrolled (possibly before the delivery was recorded).
    device_enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Shown to the recipient (and on their request), read out to the driver at the door.
    delivery_code: Mapped[str | None] = mapped_column(String(8))
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fleet_delivery_runs.id"), index=True)
    stop_order: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_by: Mapped[str | None] = mapped_column(String(120))
    proof_kind: Mapped[str | None] = mapped_column(String(10))
    # The recipient's signature as an SVG path drawn on the driver's screen.
    signature: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(String(500))
    import_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fleet_request_imports.id"))
    import_line: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = created_at()


class RequestEvent(Base):
    """One step of a request's history: every state change, by whom, with its note."""

    __tablename__ = "fleet_request_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fleet_requests.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = created_at()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
