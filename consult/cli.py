"""Command line: ``flask consult seed-demo | create-user | set-password | urls | export |
reissue-link | verify-export | backup``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from consult.extensions import db
from consult.network import DEFAULT_PORT

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


def _read_password(prompt: str) -> str:
    """Ask twice at a terminal; otherwise read one line from stdin (scripts, pipes)."""
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@contextmanager
def _refusals_as_click_errors() -> Iterator[None]:
    """Turn an operation's refusal into a plain command-line error, nothing written."""
    from consult.errors import ConsultError

    try:
        yield
    except ConsultError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None


#: The server's port, for links when PUBLIC_URL is unset (``make run`` passes its own).
_port_option = click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, envvar="PORT",
                            help="The port the server listens on ($PORT), for links when "
                                 "PUBLIC_URL is unset.")


@consult_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "facilitator", "analyst"]), required=True)
@click.option("--name", "display_name", default="", help="Name shown in the interface.")
@click.option("--event", "codes", multiple=True, metavar="CODE",
              help="Put a facilitator or analyst on this event's team (repeatable).")
def create_user_command(username: str, role: str, display_name: str,
                        codes: tuple[str, ...]) -> None:
    """Create a staff account; the password is prompted, or read from stdin."""
    from consult.accounts.operations import create_user
    from consult.events.operations import set_team_role

    events = [_find_event(code) for code in codes]
    password = _read_password("Password")
    with _refusals_as_click_errors():
        user = create_user(username, password, role, display_name=display_name)
        for event in events:
            set_team_role(event, user, role, actor=None)
    db.session.commit()
    click.echo(f"Created {role} account {username.strip().lower()!r}.")


@consult_cli.command("set-password")
@click.argument("username")
def set_password_command(username: str) -> None:
    """Set a staff account's password (prompted, or read from stdin); its sessions end."""
    from consult.accounts.operations import change_password, user_by_name

    name = username.strip().lower()
    user = user_by_name(name)
    if user is None:
        raise click.ClickException(f"No staff account is called {name!r}.")
    password = _read_password("New password")
    with _refusals_as_click_errors():
        change_password(user, password)
    db.session.commit()
    click.echo(f"Changed the password of {name!r}; every session of the account has ended.")


@consult_cli.command("urls")
@_port_option
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
@click.option("--no-identifying", "no_identifying", is_flag=True,
              help="Leave out the organisation, and the participant code of every response "
                   "with a comment (docs/security.md).")
def export_command(event_ref: str, fmt: str, lang: str, out_path: str,
                   no_identifying: bool) -> None:
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
                for chunk in csv_chunks(event, filters, "km" if lang == "km" else "en",
                                        identifying=not no_identifying):
                    fh.write(chunk)
                    bar.update(chunk.count("\n"))
            digest = None
        else:
            with open(out_path, "wb") as fh, click.progressbar(
                    length=total, label="Responses", file=sys.stderr) as bar:
                digest = write_workbook(event, filters, lang, fh, progress=bar.update,
                                        identifying=not no_identifying)
    record(f"export.{fmt}", event_id=event.id, target=event, lang=lang, via="cli",
           checksum=digest, identifying=not no_identifying)
    db.session.commit()
    click.echo(f"Wrote {out_path} ({total} responses).")


@consult_cli.command("import-agenda")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--event", "event_ref", required=True, metavar="CODE",
              help="The event (id or join code) whose agenda the file is added to.")
def import_agenda_command(path: str, event_ref: str) -> None:
    """Add the sections, rounds and items of an XLSForm to an event's agenda (docs/xlsform.md).

    A file with problems imports nothing: every problem is printed with its sheet, row and
    column, and the command exits with status 1.
    """
    from pathlib import Path

    from flask_babel import force_locale

    from consult.agenda.xlsform import MAX_FILE_BYTES, ImportRefused, import_agenda

    event = _find_event(event_ref)
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    with current_app.test_request_context(), force_locale("en"), _refusals_as_click_errors():
        try:
            result = import_agenda(event, None, data, filename=Path(path).name)
        except ImportRefused as error:
            db.session.rollback()
            for problem in error.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Imported {result.sections} section(s), {result.rounds} round(s) and "
               f"{result.items} item(s) into {event.join_code}.")


@consult_cli.command("export-agenda")
@click.argument("event_ref", metavar="EVENT")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), required=True)
def export_agenda_command(event_ref: str, out_path: str) -> None:
    """Write an event's agenda (EVENT: id or join code) as an XLSForm workbook."""
    from consult.agenda.xlsform import export_agenda

    event = _find_event(event_ref)
    with current_app.test_request_context():
        data = export_agenda(event, None, via="cli")
    with open(out_path, "wb") as fh:
        fh.write(data)
    db.session.commit()
    click.echo(f"Wrote {out_path} ({len(event.items)} items).")


@consult_cli.command("reissue-link")
@click.argument("event_ref", metavar="EVENT")
@click.argument("public_code", metavar="PARTICIPANT_CODE")
@_port_option
def reissue_link_command(event_ref: str, public_code: str, port: int) -> None:
    """Give a participant (EVENT: id or join code; code P-…) a new resume link and print it.

    Their old link, badge QR code and every browser signed in with them stop working.
    """

    from consult.network import public_url
    from consult.participants.operations import participant_by_public_code, reissue_resume_link

    event = _find_event(event_ref)
    participant = participant_by_public_code(event, public_code)
    if participant is None:
        raise click.ClickException(
            f"No participant {public_code.strip().upper()} in event {event.join_code}.")
    reissue_resume_link(participant)
    db.session.commit()
    with current_app.test_request_context():
        link = public_url("participants.resume", port, token=participant.token)
    click.echo(f"New resume link for {participant.public_code} (the old one no longer works):")
    click.echo(link)


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


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.1f} kB"


@consult_cli.command("backup")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: instance/backups/consult-<UTC time>.db).")
@click.option("--every", "every", type=click.FloatRange(min=0.1), default=None, metavar="MINUTES",
              help="Keep going: a new backup every MINUTES until Ctrl-C (while an event is live).")
@click.option("--keep", type=click.IntRange(min=1), default=48, show_default=True,
              help="With --every: how many of the newest backups to keep in instance/backups.")
def backup_command(out_path: str | None, every: float | None, keep: int) -> None:
    """Back up the database while the app runs (SQLite online backup, or pg_dump).

    Safe during a workshop: votes go on while the copy is made, and the copy holds every vote
    acknowledged before it began. The file is readable by its owner only. Restore: docs/deploy.md.
    """
    import time
    from pathlib import Path

    from consult.database import BackupError, backup_database, default_backup_path, prune_backups

    if every is not None and out_path:
        raise click.UsageError("--every writes a new file each time: leave out --out.")
    url = db.engine.url
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"]
    while True:
        target = Path(out_path) if out_path else default_backup_path(current_app.instance_path, url)
        try:
            made = backup_database(url, target, timeout)
        except BackupError as error:
            if every is None:
                raise click.ClickException(str(error)) from None
            click.echo(f"Backup skipped: {error}", err=True)
        else:
            click.echo(f"Backed up to {made.path} ({_size(made.size)}, copied in "
                       f"{made.seconds:.2f} s; integrity check: {made.integrity}).")
            if not made.ok and every is None:
                raise click.ClickException("The copy failed its integrity check: do not rely "
                                           "on it; check the disk and run the command again.")
        if every is None:
            return
        for old in prune_backups(target.parent, keep):
            click.echo(f"Removed the old backup {old.name} (keeping the newest {keep}).")
        try:
            time.sleep(every * 60)
        except KeyboardInterrupt:
            click.echo("Stopped; no backup was interrupted.")
            return
