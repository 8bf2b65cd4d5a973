"""The `onbeat` command: serve, migrate, seed-demo, create-user, audit verify, events relay."""

from __future__ import annotations

import asyncio
import getpass
import os
import signal
import sys

import typer

from onbeat.records.merges.cli import persons_app
from onbeat.records.notebook.cli import notebook_app
from onbeat.records.suggest.cli import suggest_app

app = typer.Typer(help="OnBeat: a police force's mobile working platform.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
audit_app = typer.Typer(help="The audit log (DPA 2018 s62).", no_args_is_help=True)
events_app = typer.Typer(help="Domain events.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(events_app, name="events")
app.add_typer(notebook_app, name="notebook")
app.add_typer(persons_app, name="persons")
app.add_typer(suggest_app, name="suggest")


def _describe_db() -> str:
    from onbeat import db

    url = db.engine().url
    return url.render_as_string(hide_password=True)


@app.command()
def migrate() -> None:
    """Apply every database migration (creates the embedded PostgreSQL on first use)."""
    from onbeat.migrate import upgrade

    upgrade()
    typer.echo(f"Database is up to date ({_describe_db()}).")


@app.command("run-jobs")
def run_jobs() -> None:
    """Run the periodic jobs once now (every app process also runs them on their own schedule)."""
    from onbeat.asgi import jobs
    from onbeat.core.jobs import run_job

    for job in jobs():
        done = run_job(job)
        summary = "skipped: another process is running it" if done is None else \
            ", ".join(f"{k} {v}" for k, v in done.items())
        typer.echo(f"{job.name}: {summary}")


@app.command("seed-demo")
def seed_demo() -> None:
    """Load the demo force (idempotent: a second run adds nothing twice)."""
    from onbeat import db
    from onbeat.demo.force import seed

    with db.session() as s:
        created = seed(s)
        s.commit()
    typer.echo("Demo force: " + (", ".join(f"{n} {k}" for k, n in created.items() if n) or "already loaded, nothing added") + ".")


@app.command("demo-logins")
def demo_logins_cmd() -> None:
    """Print the demo force's logins, one per role."""
    from onbeat import db
    from onbeat.demo.force import DEMO_PASSWORD, demo_logins

    with db.session() as s:
        rows = demo_logins(s)
    typer.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for r in rows:
        typer.echo(f"  {r['role']:<18} {r['username']:<8} {r['name']}")


@app.command("create-user")
def create_user(
    username: str = typer.Option(..., help="What they type to sign in (collar or staff number)"),
    given_name: str = typer.Option(...),
    family_name: str = typer.Option(...),
    rank: str = typer.Option(..., help="Rank or grade, e.g. PC, PS, Insp, Staff"),
    role: list[str] = typer.Option(..., "--role", help="Repeat for several roles"),
    collar_number: str | None = typer.Option(None),
    staff_number: str | None = typer.Option(None),
    password: str | None = typer.Option(None, help="Read from ONBEAT_PASSWORD or asked for if not given"),
) -> None:
    """Create a staff account (the first admin, or anyone)."""
    from onbeat import db
    from onbeat.core.audit.service import Actor
    from onbeat.core.errors import Problem
    from onbeat.core.identity.service import create_user as create

    password = password or os.environ.get("ONBEAT_PASSWORD") or getpass.getpass("Password: ")
    with db.session() as s:
        try:
            user = create(s, Actor.system("command line"), username=username, password=password,
                          given_name=given_name, family_name=family_name, rank=rank, roles=role,
                          collar_number=collar_number, staff_number=staff_number)
        except Problem as exc:
            typer.echo(f"Not created: {exc.detail}", err=True)
            raise typer.Exit(2)
        s.commit()
        typer.echo(f"Created {user.display_name} with roles {', '.join(sorted(user.role_names))}.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain; name the first broken entry."""
    from onbeat import db
    from onbeat.core.audit.service import verify

    def progress(done: int, total: int) -> None:
        typer.echo(f"\r  checked {done:,} of {total:,}", nl=False, err=True)

    with db.session() as s:
        result = verify(s, progress=progress)
    typer.echo("", err=True)
    if result.ok:
        typer.echo(f"Audit log intact: {result.checked:,} entries, every hash and link holds.")
        return
    typer.echo(f"Audit log BROKEN at entry {result.broken_seq}: {result.reason}. "
               f"{result.checked:,} entries before it are intact.", err=True)
    raise typer.Exit(1)


@events_app.command("relay")
def events_relay(nats_url: str | None = typer.Option(None, envvar="NATS_URL", help="NATS server, e.g. nats://127.0.0.1:4222")) -> None:
    """Publish the outbox to NATS JetStream (stream ONBEAT); runs until stopped."""
    from onbeat.core.events.relay import Relay

    if not nats_url:
        typer.echo("Set NATS_URL (or --nats-url) to the NATS server to publish to.", err=True)
        raise typer.Exit(2)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        relay = Relay(nats_url)
        await relay.run(stop)
        typer.echo(f"Relay stopped after publishing {relay.published} events.")

    asyncio.run(main())


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          setup: bool = typer.Option(False, help="Migrate and load the demo force first")) -> None:
    """Serve the web application (and the embedded PostgreSQL, unless DATABASE_URL is set)."""
    import uvicorn

    from onbeat import db
    from onbeat.config import get_settings

    db.engine()  # starts the embedded PostgreSQL if needed, before the workers fork
    if setup:
        migrate()
        if get_settings().demo:
            seed_demo()
    if get_settings().demo:
        demo_logins_cmd()
    typer.echo(f"OnBeat on http://{host}:{port}  (database: {_describe_db()})  Ctrl-C stops it.")
    # Live-update streams never finish by themselves: without a time limit, Ctrl-C would wait for
    # every open home page to close before stopping (and stopping the embedded PostgreSQL).
    uvicorn.run("onbeat.asgi:create_app", factory=True, host=host, port=port, workers=workers,
                proxy_headers=True, log_level="warning", timeout_graceful_shutdown=3)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
