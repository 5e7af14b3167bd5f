"""The vote page: one round, every item, saved as answered (JS) or with one button."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from consult.access import item_or_404, participant_event_or_404, participant_or_profile, round_or_404
from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, Item, ItemKind
from consult.database import write_turn
from consult.errors import ConsultError, RoundNotOpen
from consult.extensions import db, limiter
from consult.i18n import format_clock
from consult.timeutil import utcnow
from consult.voting.operations import InvalidAnswer, cast_vote, parse_answer
from consult.voting.queries import answers_of, round_items

bp = Blueprint("voting", __name__)

#: Per participant (never per address: a whole room shares one Wi-Fi address).
VOTE_LIMIT = "240 per minute"


@dataclass
class ItemState:
    """What the page shows about one item after a submit."""

    saved: bool = False
    error: str | None = None


def answer_from_form(item: Item, form: MultiDict):
    """Parse the fields of one item out of a submitted form."""
    prefix = f"item-{item.id}"
    # Only rankings read places; other kinds need not load the options (a query per vote).
    ranks = ({o.code: form.get(f"{prefix}-rank-{o.code}", "") for o in item.options}
             if item.kind == ItemKind.ranking else {})
    return parse_answer(item, form.getlist(prefix), ranks, form.get(f"comment-{item.id}"))


def _has_input(item: Item, form: MultiDict) -> bool:
    prefix = f"item-{item.id}"
    return any(
        k == prefix or k.startswith(prefix + "-") or k == f"comment-{item.id}"
        for k, v in form.items(multi=True) if v.strip()
    )


def _shown_values(items, answers, form: MultiDict | None) -> dict[int, dict]:
    """What each item's fields show: what was just typed, else what is stored."""
    shown = {}
    for item in items:
        prefix = f"item-{item.id}"
        if form is not None and _has_input(item, form):
            shown[item.id] = {
                "values": set(form.getlist(prefix)),
                "ranks": {o.code: form.get(f"{prefix}-rank-{o.code}", "") for o in item.options},
                "comment": form.get(f"comment-{item.id}", ""),
            }
            continue
        response = answers.get(item.id)
        codes = {o.id: o.code for o in item.options}
        values, ranks = set(), {}
        if response is not None:
            if response.value is not None:
                values.add(str(response.value))
            if response.text_value:
                values.add(response.text_value)
            for choice in response.choices:
                values.add(codes.get(choice.option_id, ""))
                if choice.rank:
                    ranks[codes.get(choice.option_id, "")] = str(choice.rank)
        shown[item.id] = {"values": values, "ranks": ranks,
                          "comment": (response.comment or "") if response else ""}
    return shown


def _render(event, round_, participant, items, states=None, form=None, status=200):
    answers = answers_of(participant.id, [i.id for i in items])
    return render_template(
        "voting/round_vote.html", event=event, round=round_, participant=participant,
        items=items, answers=answers, states=states or {},
        shown=_shown_values(items, answers, form),
        is_open=round_.accepting_answers,
        agreement_scale=AGREEMENT_SCALE, priority_scale=PRIORITY_SCALE,
    ), status


@bp.get("/e/<code>/rounds/<int:round_id>")
def vote_page(code: str, round_id: int):
    """Show every item of a round with the participant's current answers."""
    event = participant_event_or_404(code)
    participant = participant_or_profile(event)
    round_ = round_or_404(event, round_id, opened=True)
    return _render(event, round_, participant, round_items(round_.id))


@bp.post("/e/<code>/rounds/<int:round_id>")
@limiter.limit(VOTE_LIMIT)
def submit_round(code: str, round_id: int):
    """Save every answered item of the round at once (the page without JavaScript)."""
    event = participant_event_or_404(code)
    participant = participant_or_profile(event)
    round_ = round_or_404(event, round_id, opened=True)
    items = round_items(round_.id)
    states: dict[int, ItemState] = {}
    saved = 0
    try:
        with write_turn():
            for item in items:
                if not _has_input(item, request.form):
                    continue
                try:
                    answer = answer_from_form(item, request.form)
                    cast_vote(participant, item, answer)
                except InvalidAnswer as error:
                    states[item.id] = ItemState(error=str(error.message))
                    continue
                states[item.id] = ItemState(saved=True)
                saved += 1
            db.session.commit()
    except RoundNotOpen as error:
        db.session.rollback()
        message = str(error.message)
        for item in items:
            if _has_input(item, request.form):
                states[item.id] = ItemState(error=message)
        flash(_("Not saved: this round closed before your answers arrived."), "error")
        return _render(event, round_, participant, items, states, request.form, 409)
    if any(s.error for s in states.values()):
        flash(_("Some answers need your attention: see the messages below."), "error")
        return _render(event, round_, participant, items, states, request.form, 400)
    if saved:
        flash(_("Saved: %(n)d answers.", n=saved), "success")
    else:
        flash(_("Nothing to save yet: please choose an answer."), "warning")
    return redirect(url_for("voting.vote_page", code=event.join_code, round_id=round_.id)
                    + "#saved")


@bp.post("/e/<code>/items/<int:item_id>/answer")
@limiter.limit(VOTE_LIMIT)
def answer_item(code: str, item_id: int):
    """Save one item's answer (the page's JavaScript, as each answer is given)."""
    event = participant_event_or_404(code)
    participant = participant_or_profile(event)
    item = item_or_404(event, item_id)
    now = utcnow()
    # Worded before the write: after the commit the event's attributes would be read again.
    saved_message = _("Saved at %(time)s", time=format_clock(now))
    try:
        answer = answer_from_form(item, request.form)
        with write_turn():
            receipt = cast_vote(participant, item, answer, now=now)
            db.session.commit()
    except ConsultError as error:
        db.session.rollback()
        closed = isinstance(error, RoundNotOpen)
        return jsonify(saved=False, closed=closed, message=str(error.message),
                       status=error.status_code), error.status_code
    return jsonify(saved=True, revision=receipt.revision, message=saved_message)
