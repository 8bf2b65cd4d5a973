"""`onbeat suggest reindex`: rebuild the indexes behind suggestions from the POLE store."""

from __future__ import annotations

import enum
import time

import typer

# Imported with the command line so people added from it (an import, the demo) are indexed as they are made.
from onbeat.records.suggest import index as _index  # noqa: F401

suggest_app = typer.Typer(help="Suggestions of known people, vehicles and addresses.", no_args_is_help=True)


class Index(str, enum.Enum):
    persons = "persons"
    vehicles = "vehicles"
    addresses = "addresses"


@suggest_app.callback()
def suggest() -> None:
    """Suggestions of known people, vehicles and addresses."""
    # A callback keeps `reindex` a sub-command when this app is run on its own, not only under `onbeat`.


@suggest_app.command("reindex")
def reindex(only: list[Index] = typer.Option(None, "--only", help="Rebuild only these (repeat); all by default")
            ) -> None:
    """Rebuild the indexes whole (after a bulk load, or to change the keys). Suggestions keep
    working meanwhile: the new index replaces the old one in a moment at the end."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from onbeat import db
    from onbeat.records.suggest import index

    chosen = tuple(i.value for i in only) if only else tuple(i.value for i in Index)
    started = time.monotonic()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False) as bar, db.session() as s:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        counts = index.rebuild(s, progress, what=chosen)
    typer.echo("Rebuilt in {:.0f} s: {}.".format(time.monotonic() - started,
                                                  ", ".join(f"{n:,} {what}" for what, n in counts.items())))
