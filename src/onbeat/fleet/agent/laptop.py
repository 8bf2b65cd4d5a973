"""A simulated force laptop: what it reports at check-in, faults it can be given, and what each
command does to it. No network here (`client.py` talks to the server), so tests can drive it directly.

Faults: disk_full, battery_worn, app_crash, os_old, vpn_broken, unencrypted, weak_lock (policies
not applied), busy (answers "not now" to anything but lock and wipe), install_fails."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

FAULTS = {
    "disk_full": "the disk is nearly full (fixed by a clean-up configuration)",
    "battery_worn": "the battery holds less than half its design capacity (cannot be fixed remotely)",
    "app_crash": "the OnBeat app crashes repeatedly (fixed by restarting it)",
    "os_old": "the operating system is out of date (fixed by installing the update)",
    "vpn_broken": "the VPN keeps failing (fixed by resetting its configuration)",
    "unencrypted": "disk encryption is off",
    "weak_lock": "the wrong-PIN and auto-lock policies are not applied",
    "busy": "the user is busy: answers 'not now' to anything but lock and wipe",
    "install_fails": "software installs fail",
}
AGENT_VERSION = "1.0.0"


@dataclass
class Laptop:
    serial: str
    os_name: str = "Windows 11 Enterprise"
    os_version: str = "10.0.26100"
    battery_percent: float = 86.0
    battery_health_percent: float = 94.0
    total_gb: float = 256.0
    free_gb: float = 140.0
    encrypted: bool = True
    wrong_unlocks: int = 0
    network: str = "POLICE-WIFI"
    apps: dict[str, str] = field(default_factory=lambda: {"OnBeat": "3.4.1", "Pocket notebook": "2.1.0",
                                                          "Microsoft Edge": "131.0"})
    faults: list[str] = field(default_factory=list)
    locked: bool = False
    wiped: bool = False
    messages: list[str] = field(default_factory=list)
    # The policies the laptop applies (from its enrolment, then push_configuration).
    policy: dict = field(default_factory=dict)
    done: list[str] = field(default_factory=list)  # command ids already carried out

    # --- what it reports -------------------------------------------------------------------------

    def report(self) -> dict:
        faults = set(self.faults)
        free = min(self.free_gb, self.total_gb * 0.04) if "disk_full" in faults else self.free_gb
        os_version = "10.0.19045" if "os_old" in faults else self.os_version
        errors = [{"app": "OnBeat", "kind": "crash", "message": "Unhandled exception in sync worker"}
                  for _ in range(4)] if "app_crash" in faults else []
        applied = {"profile_version": self.policy.get("version"),
                   "wrong_pin_limit": 0 if "weak_lock" in faults else self.policy.get("wrong_pin_limit"),
                   "auto_lock_minutes": 0 if "weak_lock" in faults else self.policy.get("auto_lock_minutes")}
        return {
            "os": {"name": self.os_name, "version": os_version},
            "agent_version": AGENT_VERSION,
            "battery": {"percent": self.battery_percent,
                        "health_percent": 41.0 if "battery_worn" in faults else self.battery_health_percent,
                        "charging": False},
            "storage": {"total_gb": self.total_gb, "free_gb": round(free, 2)},
            "encrypted": self.encrypted and "unencrypted" not in faults,
            "wrong_unlocks": self.wrong_unlocks,
            "network": {"name": self.network, "vpn_connected": "vpn_broken" not in faults,
                        "vpn_failures": 5 if "vpn_broken" in faults else 0},
            "apps": [{"name": k, "version": v} for k, v in sorted(self.apps.items())],
            "errors": errors,
            "applied": {k: v for k, v in applied.items() if v is not None},
        }

    # --- what commands do ------------------------------------------------------------------------

    def run(self, command: dict) -> dict:
        """Carry out one command: {"outcome": ..., "detail": ..., "result": ...} to send back."""
        kind, payload = command["kind"], command.get("payload") or {}
        faults = set(self.faults)
        if "busy" in faults and kind not in ("lock", "wipe"):
            return {"outcome": "not_now", "detail": "The user is in the middle of something."}
        if kind == "lock":
            self.locked = True
            if payload.get("message"):
                self.messages.append(payload["message"])
            return {"outcome": "acknowledged", "detail": "Locked."}
        if kind == "wipe":
            return {"outcome": "acknowledged", "detail": "Erasing all police information."}
        if kind == "restart_app":
            self._clear("app_crash")
            return {"outcome": "acknowledged", "detail": f"{payload.get('app', 'OnBeat')} restarted."}
        if kind == "collect_diagnostics":
            report = self.report()
            return {"outcome": "acknowledged", "detail": "Diagnostics collected.",
                    "result": {"battery": report["battery"], "storage": report["storage"],
                               "faults": sorted(faults), "collected_at": datetime.now(timezone.utc).isoformat()}}
        if kind == "push_configuration":
            if "cleanup" in payload:
                self._clear("disk_full")
                self.free_gb = max(self.free_gb, self.total_gb * 0.4)
            if "vpn" in payload:
                self._clear("vpn_broken")
            if "wrong_pin_limit" in payload or "version" in payload:
                self.policy.update({k: v for k, v in payload.items() if k != "result"})
                self._clear("weak_lock")
            return {"outcome": "acknowledged", "detail": "Configuration applied."}
        if kind == "install_software":
            if "install_fails" in faults:
                return {"outcome": "error", "detail": f"Installing {payload.get('name')} failed: error 0x80070643."}
            if payload.get("name") == "os-update":
                self._clear("os_old")
                if payload.get("version"):
                    self.os_version = max(self.os_version, payload["version"], key=_version)
            else:
                self.apps[payload["name"]] = payload.get("version") or "latest"
            return {"outcome": "acknowledged", "detail": f"{payload.get('name')} installed."}
        if kind == "remove_software":
            self.apps.pop(payload.get("name"), None)
            return {"outcome": "acknowledged", "detail": f"{payload.get('name')} removed."}
        if kind == "show_message":
            self.messages.append(payload.get("message", ""))
            return {"outcome": "acknowledged", "detail": "Message shown."}
        return {"outcome": "error", "detail": f"This agent does not know the command {kind!r}."}

    def erase(self) -> None:
        """What a wipe leaves: nothing of the force's, and no credential."""
        self.wiped, self.locked = True, True
        self.apps, self.messages, self.policy = {}, [], {}

    def _clear(self, fault: str) -> None:
        self.faults = [f for f in self.faults if f != fault]

    def as_dict(self) -> dict:
        return asdict(self)


def _version(v: str) -> tuple[int, ...]:
    import re

    return tuple(int(n) for n in re.findall(r"\d+", v))
