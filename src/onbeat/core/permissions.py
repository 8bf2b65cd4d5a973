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
}

_EVERYONE = {"self.read", "self.update", "events.stream"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    role: frozenset(_EVERYONE | extra)
    for role, extra in {
        "officer": {"units.read"},
        "pcso": {"units.read"},
        "detective": {"units.read"},
        "supervisor": {"units.read"},
        "call_handler": {"units.read"},
        "dispatcher": {"units.read"},
        "servicedesk_agent": {"users.read"},
        "fleet_engineer": set(),
        "change_manager": set(),
        "analyst": {"units.read"},
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
