"""`onbeat notebook verify COLLAR`: check one officer's pocket notebook chain from the command line."""

from __future__ import annotations

import typer

notebook_app = typer.Typer(help="Officers' pocket notebooks.", no_args_is_help=True)


@notebook_app.callback()
def notebook() -> None:
    """Officers' pocket notebooks."""
    # A callback keeps `verify` a sub-command when this app is run on its own, not only under `onbeat`.


@notebook_app.command("verify")
def verify(collar: str = typer.Argument(..., help="The officer's collar number")) -> None:
    """Walk one officer's notebook chain; name the first broken entry (exit code 1 if any)."""
    from onbeat import db
    from onbeat.core.errors import NotFound
    from onbeat.records.notebook.service import officer_by_collar, verify as verify_chain

    with db.session() as s:
        try:
            officer = officer_by_collar(s, collar)
        except NotFound as exc:
            typer.echo(exc.detail, err=True)
            raise typer.Exit(2)
        result = verify_chain(s, officer.id)
    if result.ok:
        typer.echo(f"OK: the pocket notebook of {officer.display_name} is intact: {result.checked:,} entries, "
                   f"every number, link and hash holds. Head hash {result.head_hash}.")
        return
    typer.echo(f"BROKEN at entry {result.broken_number} of the pocket notebook of {officer.display_name}: "
               f"{result.reason}. {result.checked:,} entries before it are intact.", err=True)
    raise typer.Exit(1)
