"""`onbeat persons`: import legacy people and deduplicate the store or a file."""

import typer

persons_app = typer.Typer(help="People: import legacy records and find duplicates.", no_args_is_help=True)
