"""`onbeat persons`: import legacy people and deduplicate the store or a file."""

from __future__ import annotations

from pathlib import Path

import typer

persons_app = typer.Typer(help="People: import legacy records and find duplicates.", no_args_is_help=True)


@persons_app.callback()
def persons() -> None:
    """People: import legacy records and find duplicates."""
    # A callback keeps each command a sub-command when this app is run on its own.


def _bar():
    """A progress bar on stderr (stdout stays for the summary)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True))


def _fail(message: str, code: int = 2):
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _principal(db, username: str):
    from onbeat.core.identity import service as identity
    from onbeat.core.permissions import permissions_for
    from onbeat.core.security import Principal

    user = identity.find_user(db, username)
    if user is None or not user.active:
        _fail(f"There is no active member of staff with the username {username!r}: give your own collar or "
              "staff number with --by (the import is recorded in the audit log as theirs).")
    principal = Principal(user, permissions_for(user.role_names), roles=user.role_names)
    if not principal.can("persons.write"):
        _fail(f"{user.display_name} may not add people (persons.write): ask someone who may to run the import.")
    return principal


@persons_app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The legacy CSV file"),
    by: str = typer.Option(..., "--by", help="Your username (collar or staff number): the import is audited as yours"),
    source: str = typer.Option("legacy", help="Name of the system the ids come from; (source, id) is kept so "
                                              "importing again adds nobody twice"),
    atomic: bool = typer.Option(False, "--atomic", help="All or nothing: import nothing if any row is rejected"),
) -> None:
    """Import legacy people (id, given_name, surname, date_of_birth, address_1, address_2, suburb/town,
    postcode, state/county, phone; other columns are ignored). Rejected rows are listed by line."""
    from onbeat import db
    from onbeat.records.merges import imports, legacy

    try:
        parsed = legacy.read(file, strict=True)
    except legacy.LegacyFileError as e:
        _fail(f"{file.name}: {e}")
    typer.echo(f"{file.name}: {parsed.total:,} rows; columns used: "
               + ", ".join(f"{k} ({v})" if k != v else k for k, v in parsed.columns.items())
               + (f"; ignored: {', '.join(parsed.ignored)}" if parsed.ignored else ""))
    for problem in parsed.problems:
        typer.echo(f"Rejected {problem}", err=True)
    with db.session() as s:
        me = _principal(s, by)
        with _bar() as bar:
            task = bar.add_task("Importing", total=len(parsed.rows))
            result = imports.import_people(s, me, parsed, source=source, atomic=atomic, file_name=file.name,
                                           progress=lambda done, total: bar.update(task, completed=done))
    if not result.committed:
        _fail(f"Nothing imported: {result.rejected_rows:,} of {result.read:,} rows were rejected (listed above) and "
              "--atomic asks for all or nothing. Correct those lines, or run without --atomic to import the "
              f"{len(parsed.rows):,} good rows.", 1)
    typer.echo(f"Imported {result.imported:,} people from {file.name} (source {result.source!r}); "
               f"{result.already:,} were already imported; {result.rejected_rows:,} rows rejected. "
               f"Suggestions: {result.indexed}.")
    if result.rejected_rows:
        raise typer.Exit(1)


@persons_app.command("dedupe")
def dedupe(
    csv_in: Path | None = typer.Option(None, "--csv", exists=True, dir_okay=False, readable=True,
                                       help="Deduplicate this CSV file alone (the store is not touched)"),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="With --csv: where to write id,cluster_id"),
    threshold: float = typer.Option(None, min=0.5, max=1.0,
                                    help="Match probability at or above which two people are proposed for merging"),
) -> None:
    """Find people who are the same person. Without --csv: every person in the store, training the
    match model on the store's own data first, then proposals for review (/persons/merges).
    With --csv IN --out OUT: write OUT as id,cluster_id, one line per input row in input order."""
    from onbeat.records.merges import dedupe as run

    if csv_in is not None:
        if out is None:
            _fail("Say where to write the clusters: --out OUT.csv")
        from onbeat.records.merges import legacy

        try:
            parsed = legacy.read(csv_in, strict=False)
        except legacy.LegacyFileError as e:
            _fail(f"{csv_in.name}: {e}")
        for problem in parsed.problems:
            typer.echo(f"Warning: {problem} (field left empty; the row is still clustered)", err=True)
        with _bar() as bar:
            task = bar.add_task("Reading", total=None)
            result = run.cluster_file(parsed, out, threshold=threshold,
                                      progress=lambda what, done, total: bar.update(
                                          task, description=what, completed=done, total=total))
        typer.echo(f"Wrote {out}: {result.rows:,} rows in {result.clusters:,} clusters "
                   f"({result.rows - result.clusters:,} rows are duplicates of another).")
        return
    if out is not None:
        _fail("--out goes with --csv; without --csv the store is deduplicated and proposals are written for review.")
    from onbeat import db

    with db.session() as s:
        with _bar() as bar:
            task = bar.add_task("Reading the store", total=None)
            result = run.dedupe_store(s, threshold=threshold,
                                      progress=lambda what, done, total: bar.update(
                                          task, description=what, completed=done, total=total))
    typer.echo(f"Compared {result.persons:,} people with model version {result.model_version}: "
               f"{result.pairs:,} likely pairs, {result.new_proposals:,} new proposals to review "
               f"({result.already_decided:,} pairs already decided, {result.already_open:,} already waiting). "
               "Review them at /persons/merges.")
