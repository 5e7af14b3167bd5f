"""Command line: ``flask consult seed-demo | create-user | urls``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from consult.extensions import db

consult_cli = AppGroup("consult", help="Consult administration commands.")


@consult_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo workshop and staff accounts (idempotent)."""
    from consult.demo import CREDENTIALS_FILE, seed_demo

    result = seed_demo(current_app.instance_path)
    db.session.commit()
    event = result.event
    if result.created_event:
        click.echo(f"Created the demo event {event.title_en!r} (join code {event.join_code}).")
    else:
        click.echo(f"The demo event exists already (join code {event.join_code}); nothing changed.")
    if result.passwords:
        click.echo("Demo staff accounts (shown once; also kept in instance/"
                   f"{CREDENTIALS_FILE}):")
        for username, password in result.passwords.items():
            click.echo(f"  {username:<12} {password}")
    else:
        click.echo(f"Demo staff accounts exist; their passwords are in instance/{CREDENTIALS_FILE}.")


@consult_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "facilitator", "analyst"]), required=True)
@click.option("--name", "display_name", default="", help="Name shown in the interface.")
def create_user_command(username: str, role: str, display_name: str) -> None:
    """Create a staff account; the password is prompted, or read from stdin."""
    from consult.accounts.operations import create_user
    from consult.errors import ConsultError

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        create_user(username, password, role, display_name=display_name)
    except ConsultError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {role} account {username.strip().lower()!r}.")


@consult_cli.command("urls")
@click.option("--port", default=8000, show_default=True)
def urls_command(port: int) -> None:
    """Print the addresses participants and staff open."""
    from consult.network import public_base_url

    base = public_base_url(current_app, port)
    click.echo(f"Participants: {base}/")
    click.echo(f"Staff:        {base}/staff/login")


def register_cli(app: Flask) -> None:
    app.cli.add_command(consult_cli)
