"""Command line: ``flask consult seed-demo | create-user | urls | export | verify-export``."""

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
@click.option("--port", type=int, default=8000, show_default=True, envvar="PORT",
              help="The port the server listens on ($PORT; `make run` passes its own).")
def urls_command(port: int) -> None:
    """Print the addresses participants and staff open (PUBLIC_URL, else LAN address:port)."""
    from consult.network import public_base_url

    base = public_base_url(current_app, port)
    click.echo(f"Participants: {base}/")
    click.echo(f"Staff:        {base}/staff/login")


def register_cli(app: Flask) -> None:
    app.cli.add_command(consult_cli)


def _find_event(ref: str):
    """The event named on the command line by its id or its join code."""
    from consult.access import find_event
    from consult.events.models import Event

    event = db.session.get(Event, int(ref)) if ref.isdigit() else find_event(ref)
    if event is None:
        raise click.ClickException(f"No event with id or join code {ref!r}.")
    return event


@consult_cli.command("export")
@click.argument("event_ref", metavar="EVENT")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx",
              show_default=True)
@click.option("--lang", type=click.Choice(["km", "en", "both"]), default="both", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), required=True)
def export_command(event_ref: str, fmt: str, lang: str, out_path: str) -> None:
    """Export an event's results (EVENT: id or join code) as a workbook or CSV."""
    from sqlalchemy import func, select

    from consult.accounts.operations import record
    from consult.agenda.models import Item
    from consult.results.export import csv_chunks
    from consult.results.queries import Filters
    from consult.results.workbook import write_workbook
    from consult.voting.models import Response

    event = _find_event(event_ref)
    filters = Filters(event_id=event.id)
    total = db.session.scalar(select(func.count()).select_from(Response).join(Item)
                              .where(Item.event_id == event.id)) or 0
    with current_app.test_request_context():
        if fmt == "csv":
            with open(out_path, "w", encoding="utf-8", newline="") as fh, click.progressbar(
                    length=total, label="Responses", file=sys.stderr) as bar:
                for chunk in csv_chunks(event, filters, "km" if lang == "km" else "en"):
                    fh.write(chunk)
                    bar.update(chunk.count("\n"))
            digest = None
        else:
            with open(out_path, "wb") as fh, click.progressbar(
                    length=total, label="Responses", file=sys.stderr) as bar:
                digest = write_workbook(event, filters, lang, fh, progress=bar.update)
    record(f"export.{fmt}", event_id=event.id, target=event, lang=lang, via="cli",
           checksum=digest)
    db.session.commit()
    click.echo(f"Wrote {out_path} ({total} responses).")


@consult_cli.command("verify-export")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def verify_export_command(path: str) -> None:
    """Check a workbook: its Responses sheet against its checksum, and against the database.

    Exit code 0 when both match, 1 when the file was edited or the database changed.
    """
    from consult.results.verify import VerifyError, verify_workbook

    try:
        result = verify_workbook(path)
    except VerifyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Checksum in the About sheet: {result.expected}")
    if result.file_matches:
        others = ("its other sheets are as exported" if result.figures_expected
                  else "its other sheets carry no checksum (an earlier version of Consult)")
        click.echo(f"File:     OK — its {result.file_count} responses give this checksum; "
                   f"{others}.")
    else:
        edited = [name for name, ok in (("the Responses sheet", result.responses_match),
                                        ("the other sheets (figures)", result.figures_match))
                  if not ok]
        click.echo("File:     EDITED — file ≠ its own checksum (edited after export): "
                   f"{' and '.join(edited)} changed.")
    if result.database_matches:
        click.echo(f"Database: OK — its {result.database_count} responses give this checksum.")
    else:
        click.echo(f"Database: CHANGED — database changed since export: its "
                   f"{result.database_count} responses now give {result.database_digest}.")
    if result.matches:
        click.echo("MATCH: the file is as exported and the database has not changed since.")
        return
    if result.first_difference is not None:
        click.echo("The file and the database first differ at row "
                   f"{result.first_difference} of the Responses sheet.")
    if not result.file_matches:
        click.echo("DIFFERENT: this copy was edited after export; do not cite it as the export.")
    else:
        click.echo("DIFFERENT: the file is as exported, but the responses in the database "
                   "changed since; export again for the current figures.")
    sys.exit(1)
