"""Roles and the permissions each holds: the one place where this map lives.

A permission is a dotted string `<module>.<thing>.<verb>`. Every route names one (see
`onbeat.core.security.require`); a role holds a permission only if it is listed here.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "officer": "Police officer (response, neighbourhood)",
    "pcso": "Police community support officer",
    "detective": "Detective (CID)",
    "supervisor": "Supervisor (sergeant, inspector)",
    "call_handler": "Control room call handler",
    "dispatcher": "Control room dispatcher",
    "servicedesk_agent": "IT service desk agent",
    "fleet_engineer": "Device fleet engineer",
    "fleet_driver": "Device delivery driver",
    "change_manager": "IT change manager",
    "analyst": "Analyst",
    "admin": "System administrator",
}

# Every permission the system knows, with what it allows. A route naming a permission not
# listed here fails at import time.
PERMISSIONS: dict[str, str] = {
    "self.read": "See your own account",
    "self.update": "Change your own password and two-step sign-in",
    "events.stream": "Receive live updates",
    "users.read": "See staff accounts (personal data: a purpose is required)",
    "users.manage": "Create, unlock and change staff accounts",
    "audit.read": "Search the audit log",
    "audit.verify": "Verify the audit log's hash chain",
    "platform.probe": "Make an audited test write (service health)",
    "units.read": "See units and their crews",
    # records: the POLE store and the officer's forms
    "records.read": "See records (statements, stop-searches, interviews, crimes, collisions)",
    "records.write": "Create and edit your own records and submit them for approval",
    "records.approve": "Approve records or return them with comments (supervisor)",
    "records.witness_private": "See a witness's contact details, dates to avoid, special measures and consents",
    "persons.read": "See people, objects, locations and their links (personal data: a purpose is required)",
    "persons.write": "Add and change people, objects and locations",
    "markers.manage": "Add, review and expire warning markers on a person",
    "notebook.write": "Write your own pocket notebook",
    "notebook.read": "Read and export any officer's pocket notebook",
    "evidence.read": "View evidence files (each view is recorded in the chain of custody)",
    "evidence.write": "Upload evidence files and attach them to records",
    "evidence.export": "Export evidence files for disclosure",
    "victims.update": "Record updates given to victims",
    "victims.oversee": "See victim updates that are due or overdue across the force",
    "collisions.export": "Export collision reports in the STATS19 layout",
    # command and control
    "contacts.create": "Take a contact (999, 101, online, walk-in, radio) and grade it",
    "incidents.read": "See incidents, their logs and the control-room board",
    "incidents.write": "Update, re-grade, log against and close incidents",
    "dispatch.assign": "Recommend and assign units to incidents",
    "units.manage": "Change any unit's status, crew and equipment",
    "device.status": "Report your own unit's status and location from a device",
    # enter once: recognising people already known, and merging duplicates
    "persons.merge": "Review proposed merges of person records; merge and undo merges",
    # device fleet
    "fleet.read": "See devices, device requests, the build queue and deliveries",
    "fleet.request": "Request a device for a member of staff",
    "fleet.manage": "Manage device models, role profiles, the build queue and delivery runs",
    "fleet.deliver": "Deliver devices on your own delivery runs",
    "fleet.command": "Send devices commands (lock, wipe, restart, diagnostics, configuration, software, messages)",
    "fleet.report_lost": "Report a device lost or stolen",
}

_EVERYONE = {"self.read", "self.update", "events.stream", "fleet.report_lost"}
# What every warranted officer, PCSO and detective does on the street.
_FRONTLINE = {"records.read", "records.write", "persons.read", "persons.write", "notebook.write",
              "evidence.read", "evidence.write", "victims.update", "incidents.read", "device.status"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    role: frozenset(_EVERYONE | extra)
    for role, extra in {
        "officer": {"units.read"} | _FRONTLINE,
        "pcso": {"units.read"} | _FRONTLINE,
        "detective": {"units.read", "records.witness_private", "markers.manage", "notebook.read",
                      "evidence.export", "persons.merge"} | _FRONTLINE,
        "supervisor": {"units.read", "records.approve", "records.witness_private", "markers.manage",
                       "notebook.read", "evidence.export", "victims.oversee", "collisions.export",
                       "incidents.read", "dispatch.assign", "units.manage", "persons.merge",
                       "fleet.request"} | _FRONTLINE,
        "call_handler": {"units.read", "contacts.create", "incidents.read", "incidents.write", "persons.read"},
        "dispatcher": {"units.read", "contacts.create", "incidents.read", "incidents.write", "dispatch.assign",
                       "units.manage", "persons.read"},
        "servicedesk_agent": {"users.read", "fleet.read", "fleet.request"},
        "fleet_engineer": {"fleet.read", "fleet.request", "fleet.manage", "fleet.deliver", "fleet.command"},
        "fleet_driver": {"fleet.deliver"},
        "change_manager": set(),
        "analyst": {"units.read", "records.read", "collisions.export", "incidents.read"},
        "admin": {"users.read", "users.manage", "audit.read", "audit.verify", "platform.probe", "units.read"},
    }.items()
}


def permissions_for(roles: set[str] | frozenset[str] | list[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def roles_without(permission: str) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if permission not in perms]


def _check() -> None:
    unknown = {p for perms in ROLE_PERMISSIONS.values() for p in perms} - PERMISSIONS.keys()
    assert not unknown, f"roles grant unknown permissions: {sorted(unknown)}"
    assert set(ROLE_PERMISSIONS) == set(ROLES)


_check()
