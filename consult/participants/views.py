"""Landing page and joining an event."""

from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from consult.events.models import Event
from consult.extensions import db
from consult.i18n import ascii_digits
from consult.participants.forms import JoinForm

bp = Blueprint("participants", __name__)


def normalize_code(raw: str) -> str:
    """Upper-case a typed code, drop spaces and dashes, turn Khmer digits into ASCII."""
    return re.sub(r"[\s\-]+", "", ascii_digits(raw or "")).upper()


@bp.get("/")
def landing():
    """Show the page where a participant types a join code."""
    return render_template("participants/landing.html", form=JoinForm())


@bp.post("/join")
def join():
    """Find the event for a typed join code and go to it."""
    form = JoinForm()
    if form.validate_on_submit():
        code = normalize_code(form.code.data)
        event = find_event(code)
        if event is not None:
            return redirect(url_for("participants.join_event", code=event.join_code))
        return wrong_code(form, code)
    return render_template("participants/landing.html", form=form), 200


def find_event(code: str) -> Event | None:
    """Return the event with this (normalised) join code, if any."""
    return db.session.scalar(select(Event).where(Event.join_code == code))


def wrong_code(form: JoinForm, code: str):
    """Show the landing page again with a message about the unknown code."""
    form.code.data = code[:12]
    form.code.errors = [
        _("No consultation has the code “%(code)s”. Check the code on the screen and try again.",
          code=code[:12])
    ]
    return render_template("participants/landing.html", form=form), 404


@bp.get("/j/<code>")
def join_event(code: str):
    """Show the event a join code or QR code points to."""
    event = find_event(normalize_code(code))
    if event is None:
        return wrong_code(JoinForm(formdata=None), normalize_code(code))
    if code != event.join_code:
        return redirect(url_for("participants.join_event", code=event.join_code))
    g.event = event
    flash(_("Welcome. Voting opens when the facilitator starts a round."), "info")
    return render_template("participants/event_welcome.html", event=event)
