"""The typer application object shared by every command module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="mosnews",
    help="Monitor Moscow district press centres, fold reprints of the Mayor's releases into stories, alert on new ones.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich help printed a type after every option, «--wide <bool>».
    rich_markup_mode=None,
)

#: ``mosnews alerts …`` sub-commands.
alerts_app = typer.Typer(help="Alert outbox: list, test channels, re-queue dead letters.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(alerts_app, name="alerts")
