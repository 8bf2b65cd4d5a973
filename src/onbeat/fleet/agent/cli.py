"""`onbeat-agent`: behaves like a force laptop (enrols, checks in, runs commands, reports results).

    onbeat-agent enrol --server http://127.0.0.1:8000 --code 7KQ2-M9XD-4TRC --serial PF3K9Q2
    onbeat-agent fault add disk_full        # simulate a fault (see `onbeat-agent fault list`)
    onbeat-agent checkin                    # one check-in: run the commands, send the answers
    onbeat-agent run --count 10             # keep checking in at the interval the server asks for

Everything the agent knows (server, credential, the simulated laptop) is kept in a JSON state
file (`--state`, default `onbeat-agent.json`), written atomically and readable only by its owner."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
import typer

from onbeat.fleet.agent.laptop import AGENT_VERSION, FAULTS, Laptop

app = typer.Typer(help="A reference device agent for OnBeat's device fleet.", no_args_is_help=True)
fault_app = typer.Typer(help="Simulated faults.", no_args_is_help=True)
app.add_typer(fault_app, name="fault")
StateOpt = Annotated[Path, typer.Option("--state", help="The agent's state file", envvar="ONBEAT_AGENT_STATE")]
DEFAULT_STATE = Path("onbeat-agent.json")


class AgentError(Exception):
    """Something the agent cannot carry on from (shown to the user, exit status 1)."""


@dataclass
class Agent:
    server: str
    laptop: Laptop
    device_id: str | None = None
    token: str | None = None
    token_expires_at: str | None = None
    next_checkin_seconds: int = 60
    sign_in_blocked: bool = False
    log: list[str] = field(default_factory=list)

    # --- persistence ---------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Agent:
        if not path.exists():
            raise AgentError(f"No agent state at {path}: enrol first (onbeat-agent enrol ...).")
        data = json.loads(path.read_text())
        data["laptop"] = Laptop(**data["laptop"])
        return cls(**data)

    def save(self, path: Path) -> None:
        data = asdict(self)
        data["log"] = data["log"][-200:]
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, path)

    def say(self, line: str) -> None:
        self.log.append(line)

    # --- talking to the server ----------------------------------------------------------------

    def _client(self, http: httpx.Client | None) -> httpx.Client:
        return http or httpx.Client(base_url=self.server, timeout=30)

    def _headers(self) -> dict:
        if not self.token:
            raise AgentError("This device has no credential (wiped or never enrolled): enrol it with a new code.")
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    @staticmethod
    def _check(r: httpx.Response, what: str) -> dict:
        if r.status_code >= 400:
            try:
                body = r.json()
                why = body.get("detail") or r.text
                if body.get("errors"):
                    why += " (" + ", ".join(f"{e['field']}: {e['message']}" for e in body["errors"]) + ")"
            except ValueError:
                why = r.text[:300]
            raise AgentError(f"{what} refused ({r.status_code}): {why}")
        return r.json()

    def enrol(self, code: str, http: httpx.Client | None = None) -> dict:
        c = self._client(http)
        body = self._check(c.post("/api/fleet/device/enrol", json={
            "code": code, "serial": self.laptop.serial, "os_name": self.laptop.os_name,
            "os_version": self.laptop.os_version, "agent_version": AGENT_VERSION}), "Enrolment")
        self.device_id, self.token = body["device_id"], body["credential"]["token"]
        self.token_expires_at = body["credential"]["expires_at"]
        self.laptop.policy = dict(body.get("policy") or {})
        self.laptop.wiped = self.laptop.locked = False
        self.next_checkin_seconds = body["next_checkin_seconds"]
        self.say(f"enrolled as {body['reference']}")
        return body

    def checkin(self, http: httpx.Client | None = None) -> dict:
        """One check-in: report, carry out the commands in the answer, send each answer."""
        c = self._client(http)
        body = self._check(c.post("/api/fleet/device/checkin", json=self.laptop.report(), headers=self._headers()),
                           "Check-in")
        if body.get("credential"):
            self.token = body["credential"]["token"]
            self.token_expires_at = body["credential"]["expires_at"]
            self.say("credential rotated")
        self.next_checkin_seconds = body["next_checkin_seconds"]
        self.sign_in_blocked = body["sign_in_blocked"]
        answers = []
        for command in body["commands"]:
            if command["id"] in self.laptop.done:
                continue  # delivered again before our answer arrived: already done
            outcome = self.laptop.run(command)
            self._check(c.post(f"/api/fleet/device/commands/{command['id']}/answer", json=outcome,
                               headers=self._headers()), f"Answer to {command['kind']}")
            answers.append({"kind": command["kind"], **outcome})
            self.say(f"{command['kind']}: {outcome['outcome']} {outcome.get('detail') or ''}".strip())
            if outcome["outcome"] != "not_now":
                self.laptop.done = (self.laptop.done + [command["id"]])[-500:]
            if command["kind"] == "wipe" and outcome["outcome"] == "acknowledged":
                self.laptop.erase()
                self.token = self.token_expires_at = None
                break
        return {"commands": body["commands"], "answers": answers, "next_checkin_seconds": self.next_checkin_seconds,
                "sign_in_blocked": self.sign_in_blocked}


# --- the command line ----------------------------------------------------------------------------

def _fail(exc: Exception) -> None:
    typer.echo(f"onbeat-agent: {exc}", err=True)
    raise typer.Exit(1)


@app.command()
def enrol(server: Annotated[str, typer.Option(help="The OnBeat server, e.g. https://onbeat.example.police.uk")],
          code: Annotated[str, typer.Option(help="The one-time enrolment code")],
          serial: Annotated[str, typer.Option(help="This device's serial number")],
          state: StateOpt = DEFAULT_STATE) -> None:
    """Enrol this device with its one-time code and keep its credential."""
    agent = Agent(server=server.rstrip("/"), laptop=Laptop(serial=serial))
    if state.exists():
        old = Agent.load(state)
        agent.laptop = old.laptop if old.laptop.serial == serial else agent.laptop
    try:
        body = agent.enrol(code)
    except (AgentError, httpx.HTTPError) as exc:
        _fail(exc)
    agent.save(state)
    typer.echo(f"Enrolled as {body['reference']} ({body['device_id']}); next check-in in {body['next_checkin_seconds']} s.")


@app.command()
def checkin(state: StateOpt = DEFAULT_STATE) -> None:
    """Check in once: report health, carry out any commands, send their answers."""
    try:
        agent = Agent.load(state)
        result = agent.checkin()
    except (AgentError, httpx.HTTPError) as exc:
        _fail(exc)
    agent.save(state)
    for a in result["answers"]:
        typer.echo(f"{a['kind']}: {a['outcome']} — {a.get('detail') or ''}")
    typer.echo(f"Checked in; {len(result['commands'])} command(s); next in {result['next_checkin_seconds']} s"
               + ("; sign-in blocked" if result["sign_in_blocked"] else "") + ".")


@app.command()
def run(state: StateOpt = DEFAULT_STATE,
        count: Annotated[int, typer.Option(help="Check-ins before stopping (0: until stopped)")] = 0,
        interval: Annotated[float | None, typer.Option(help="Seconds between check-ins instead of the server's")] = None
        ) -> None:
    """Keep checking in at the interval the server asks for (or --interval), until stopped."""
    n = 0
    while count == 0 or n < count:
        try:
            agent = Agent.load(state)
            result = agent.checkin()
            agent.save(state)
        except (AgentError, httpx.HTTPError) as exc:
            _fail(exc)
        n += 1
        typer.echo(f"[{n}] {len(result['commands'])} command(s)"
                   + "".join(f"; {a['kind']} {a['outcome']}" for a in result["answers"]))
        if agent.token is None:
            typer.echo("Wiped: no credential left. Stopping.")
            return
        if count == 0 or n < count:
            time.sleep(interval if interval is not None else result["next_checkin_seconds"])


@app.command()
def status(state: StateOpt = DEFAULT_STATE) -> None:
    """What the agent knows: device, credential expiry, faults, lock, messages."""
    try:
        agent = Agent.load(state)
    except AgentError as exc:
        _fail(exc)
    lap = agent.laptop
    typer.echo(f"device {agent.device_id or '(not enrolled)'} serial {lap.serial} on {agent.server}")
    typer.echo(f"credential expires {agent.token_expires_at or '-'}; locked {lap.locked}; wiped {lap.wiped}; "
               f"sign-in blocked {agent.sign_in_blocked}")
    typer.echo("faults: " + (", ".join(lap.faults) or "none"))
    for m in lap.messages[-5:]:
        typer.echo(f"message: {m}")


@fault_app.command("list")
def fault_list() -> None:
    """The faults this agent can simulate."""
    for name, what in FAULTS.items():
        typer.echo(f"{name:14} {what}")


@fault_app.command("add")
def fault_add(name: str, state: StateOpt = DEFAULT_STATE) -> None:
    """Simulate a fault from now on."""
    if name not in FAULTS:
        _fail(AgentError(f"unknown fault {name!r}: one of {', '.join(FAULTS)}"))
    agent = Agent.load(state)
    if name not in agent.laptop.faults:
        agent.laptop.faults.append(name)
    agent.save(state)
    typer.echo(f"Fault {name}: {FAULTS[name]}.")


@fault_app.command("clear")
def fault_clear(name: Annotated[str, typer.Argument(help="A fault, or 'all'")], state: StateOpt = DEFAULT_STATE) -> None:
    """Stop simulating a fault."""
    agent = Agent.load(state)
    agent.laptop.faults = [] if name == "all" else [f for f in agent.laptop.faults if f != name]
    agent.save(state)
    typer.echo("Faults: " + (", ".join(agent.laptop.faults) or "none"))


def main() -> None:
    app()
