"""The facilitator's console and the projector screen."""

from __future__ import annotations

import hmac
from collections import defaultdict

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.access import (
    can_in,
    event_by_code_or_404,
    event_or_404,
    response_or_404,
    roles_required,
    round_or_404,
)
from consult.accounts.models import Role
from consult.agenda import operations as agenda_ops
from consult.agenda.models import Item, Round, RoundState
from consult.agenda.queries import rounds_accepting_answers
from consult.errors import ConsultError
from consult.events.models import Event
from consult.extensions import db
from consult.i18n import tr_text
from consult.network import public_url
from consult.participants.models import GENDER_LABELS, Gender
from consult.qr import qr_svg
from consult.results import queries
from consult.results.figures import group_table
from consult.results.report import BAR_LABELS, live_results, responded_rows
from consult.room.forms import ExtendRoundForm, OpenRoundForm
from consult.timeutil import utcnow
from consult.voting import operations as voting_ops
from consult.voting.models import Response

bp = Blueprint("room", __name__)

STAFF = (Role.facilitator, Role.analyst)
#: What one projector page holds without JavaScript, in estimated lines at 1920×1080
#: (with JavaScript the page measures what fits the screen it is on).
SCREEN_PAGE_LINES = 13
SCREEN_PROMPT_CHARS_PER_LINE = 70


def _round_items(round_ids) -> list[Item]:
    """The items of these rounds, round by round in their order (ids and order are all
    ``live_results`` needs from them)."""
    round_ids = list(round_ids)
    if not round_ids:
        return []
    return list(db.session.scalars(
        select(Item).join(Round, Round.id == Item.round_id).where(Item.round_id.in_(round_ids))
        .order_by(Round.position, Item.round_position)))


def _live_context(event: Event) -> dict:
    """Turnout and tallies of the open rounds, for the console's live panel."""
    rounds = rounds_accepting_answers(event.id)
    genders = [g.value for g in Gender]
    joined = group_table(queries.joined_by_group(event.id), [s.id for s in event.sectors],
                         genders)
    # One report and one turnout query for all open rounds, whatever their number: this
    # panel is polled every few seconds by every console.
    figures = defaultdict(list)
    for result in live_results(event, _round_items(r.id for r in rounds)):
        figures[result.item.round_id].append(result)
    responded = responded_rows(event.id)
    panels = []
    for round_ in rounds:
        # The latest comments, the voided participants' left out as from every figure.
        comments = db.session.scalars(
            queries.Filters(event_id=event.id).narrow_people(
                select(Response).where(Response.round_id == round_.id,
                                       Response.comment.is_not(None)),
                None, None, None, Response.participant_id)
            .order_by(Response.updated_at.desc()).limit(50)
        ).all()
        panels.append({"round": round_,
                       "responded": group_table(responded[round_.id],
                                                [s.id for s in event.sectors], genders),
                       "figures": figures[round_.id], "comments": comments})
    return {"event": event, "joined": joined, "joined_total": queries.joined_count(event.id),
            "genders": genders, "gender_labels": GENDER_LABELS, "panels": panels,
            "bar_labels": BAR_LABELS,
            "can_run": can_in(event.id, Role.facilitator)}


def _agenda_context(event: Event) -> dict:
    """The round cards: each round's state, countdown and the buttons it allows now."""
    rounds = db.session.scalars(
        select(Round).where(Round.event_id == event.id).order_by(Round.position)
        .options(selectinload(Round.items))
    ).all()
    now = utcnow()
    on_screen = _shown_reveal(event)
    return {"event": event, "rounds": rounds, "open_form": OpenRoundForm(),
            "extend_form": ExtendRoundForm(),
            "on_screen_id": on_screen.id if on_screen is not None else None,
            "undoable": {r.id for r in rounds if agenda_ops.can_undo_close(r, now)},
            "can_run": can_in(event.id, Role.facilitator)}


@bp.get("/staff/events/<int:event_id>/console")
@roles_required(*STAFF)
def console(event_id: int):
    """Show the agenda with a button per round, and the live panel."""
    event = event_or_404(event_id)
    screen_url = url_for("room.screen", code=event.join_code, k=event.screen_token)
    return render_template(
        "room/event_console.html",
        join_url=public_url("participants.join_event", code=event.join_code),
        screen_url=screen_url, **{**_live_context(event), **_agenda_context(event)},
    )


@bp.get("/staff/events/<int:event_id>/console/agenda")
@roles_required(*STAFF)
def console_agenda(event_id: int):
    """Return the round cards alone (the console swaps them in with the live panel)."""
    event = event_or_404(event_id)
    return render_template("room/_console_agenda.html", **_agenda_context(event))


@bp.get("/staff/events/<int:event_id>/console/live")
@roles_required(*STAFF)
def console_live(event_id: int):
    """Return the live panel alone (the console's script swaps it in every few seconds)."""
    event = event_or_404(event_id)
    return render_template("room/_console_live.html", **_live_context(event))


def _round_action(event_id: int, round_id: int, action, success: str):
    event = event_or_404(event_id)
    round_ = round_or_404(event, round_id)
    try:
        action(round_)
    except ConsultError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("room.console", event_id=event.id) + f"#round-{round_id}")
    db.session.commit()
    flash(success % {"round": tr_text(round_, "title")}, "success")
    return redirect(url_for("room.console", event_id=event.id) + f"#round-{round_id}")


@bp.post("/staff/events/<int:event_id>/rounds/<int:round_id>/open")
@roles_required(Role.facilitator)
def open_round(event_id: int, round_id: int):
    """Open (or reopen) a round, with an optional countdown."""
    form = OpenRoundForm()
    if not form.validate():
        flash(" ".join(form.minutes.errors), "error")
        return redirect(url_for("room.console", event_id=event_id))
    return _round_action(event_id, round_id,
                         lambda r: agenda_ops.open_round(r, current_user, form.minutes.data),
                         _("Round opened: %(round)s"))


@bp.post("/staff/events/<int:event_id>/rounds/<int:round_id>/close")
@roles_required(Role.facilitator)
def close_round(event_id: int, round_id: int):
    """Close an open round."""
    return _round_action(event_id, round_id,
                         lambda r: agenda_ops.close_round(r, current_user),
                         _("Round closed: %(round)s"))


@bp.post("/staff/events/<int:event_id>/rounds/<int:round_id>/undo-close")
@roles_required(Role.facilitator)
def undo_close(event_id: int, round_id: int):
    """Reopen a round closed less than a minute ago, with the deadline it had."""
    return _round_action(event_id, round_id,
                         lambda r: agenda_ops.undo_close(r, current_user),
                         _("Close undone, the round is open again: %(round)s"))


@bp.post("/staff/events/<int:event_id>/rounds/<int:round_id>/extend")
@roles_required(Role.facilitator)
def extend_round(event_id: int, round_id: int):
    """Set an open round's countdown to end some minutes from now."""
    form = ExtendRoundForm()
    if not form.validate():
        flash(" ".join(form.minutes.errors), "error")
        return redirect(url_for("room.console", event_id=event_id))
    return _round_action(event_id, round_id,
                         lambda r: agenda_ops.extend_round(r, current_user, form.minutes.data),
                         _("Countdown changed: %(round)s"))


@bp.post("/staff/events/<int:event_id>/rounds/<int:round_id>/reveal")
@roles_required(Role.facilitator)
def reveal_round(event_id: int, round_id: int):
    """Show a round's results on the projector."""
    return _round_action(event_id, round_id,
                         lambda r: agenda_ops.reveal_round(r, current_user, True),
                         _("Results shown on the projector: %(round)s"))


@bp.post("/staff/events/<int:event_id>/rounds/<int:round_id>/hide-results")
@roles_required(Role.facilitator)
def hide_results(event_id: int, round_id: int):
    """Take a round's results off the projector."""
    return _round_action(event_id, round_id,
                         lambda r: agenda_ops.reveal_round(r, current_user, False),
                         _("Results hidden from the projector: %(round)s"))


@bp.post("/staff/events/<int:event_id>/responses/<int:response_id>/comment-visibility")
@roles_required(Role.facilitator)
def set_comment_visibility(event_id: int, response_id: int):
    """Hide a comment from published views, or show it again (never deleted)."""
    event = event_or_404(event_id)
    response = response_or_404(event, response_id, with_comment=True)
    hide = request.form.get("hidden") == "1"
    voting_ops.set_comment_hidden(response, current_user, hide)
    db.session.commit()
    flash(_("Comment hidden from published views.") if hide else _("Comment shown again."),
          "success")
    return redirect(url_for("room.console", event_id=event.id) + "#comments")


def _screen_allowed(event: Event) -> bool:
    key = request.args.get("k", "")
    # Bytes: compare_digest refuses a str with a character outside ASCII (a 500 before).
    if key and hmac.compare_digest(key.encode(), event.screen_token.encode()):
        return True
    return can_in(event.id, *STAFF)


def _shown_reveal(event: Event) -> Round | None:
    """The revealed round the projector shows: the room sees the current round.

    A reveal shows when it is newer than the latest opening of any round: once the next round
    opens, the earlier results leave the screen (also after that round closes, so they are
    never taken for its results) until the facilitator reveals again.
    """
    revealed = db.session.scalars(
        select(Round).where(Round.event_id == event.id, Round.results_revealed.is_(True),
                            Round.state != RoundState.draft.value,
                            Round.revealed_at.is_not(None))
        .order_by(Round.revealed_at.desc()).limit(1)
        # The row just read, not a copy loaded earlier in this request: another request may
        # have revealed it meanwhile, and the old copy's revealed_at is None (a 500 before).
        .execution_options(populate_existing=True)
    ).first()
    if revealed is None:
        return None
    latest_opening = db.session.scalar(
        select(func.max(Round.opened_at)).where(Round.event_id == event.id))
    return revealed if latest_opening is None or revealed.revealed_at >= latest_opening else None


def _screen_pages(figures: list, lines: int = SCREEN_PAGE_LINES) -> list[list[int]]:
    """Split the revealed items into projector pages (indexes into ``figures``).

    An estimate in lines (prompt, one per bar, the count); what the page shows without
    JavaScript. With JavaScript the projector measures the real heights and pages again.
    """
    pages: list[list[int]] = []
    used = lines
    for index, fig in enumerate(figures):
        prompt = len(tr_text(fig.item, "prompt"))
        drawn = fig.shares is not None and not fig.shares.suppressed
        cost = -(-prompt // SCREEN_PROMPT_CHARS_PER_LINE) + (len(fig.bars) if drawn else 1) + 1
        if used + cost > lines:
            pages.append([])
            used = 0
        pages[-1].append(index)
        used += cost
    return pages


def _screen_context(event: Event, page: int = 1) -> dict:
    rounds = rounds_accepting_answers(event.id)
    revealed = _shown_reveal(event)
    figures = live_results(event, _round_items([revealed.id])) if revealed is not None else []
    by_round = responded_rows(event.id)
    responded = {r.id: sum(n for *_, n in by_round[r.id]) for r in rounds}
    pages = _screen_pages(figures) or [[]]
    page = min(max(page, 1), len(pages))
    return {"event": event, "open_rounds": rounds, "responded": responded,
            "revealed": revealed, "figures": figures, "bar_labels": BAR_LABELS,
            "joined_total": queries.joined_count(event.id),
            "pages": pages, "page": page, "on_page": set(pages[page - 1]),
            "page_seconds": current_app.config["SCREEN_PAGE_SECONDS"]}


@bp.get("/e/<code>/screen")
def screen(code: str):
    """The projector view: QR code, join count, the open round, revealed results."""
    event = event_by_code_or_404(code)
    if not _screen_allowed(event):
        abort(403)
    join_url = public_url("participants.join_event", code=event.join_code)
    return render_template("room/event_screen.html", join_url=join_url, join_qr=qr_svg(join_url),
                           live_url=url_for("room.screen_live", code=event.join_code,
                                            k=request.args.get("k") or None),
                           **_screen_context(event, request.args.get("page", 1, type=int)))


@bp.get("/e/<code>/screen/live")
def screen_live(code: str):
    """Return the projector's live part alone (its script swaps it in every few seconds)."""
    event = event_by_code_or_404(code)
    if not _screen_allowed(event):
        abort(403)
    return render_template("room/_screen_live.html",
                           **_screen_context(event, request.args.get("page", 1, type=int)))
