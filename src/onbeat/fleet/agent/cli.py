"""`onbeat-agent`: behaves like a force laptop (enrols, checks in, runs commands, reports results)."""

import typer

app = typer.Typer(help="A reference device agent for OnBeat's device fleet.", no_args_is_help=True)


def main() -> None:
    app()
