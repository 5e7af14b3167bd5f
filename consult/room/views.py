"""The facilitator's console and the projector screen."""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
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
from consult.agenda.models import Round
from consult.errors import ConsultError
from consult.events.models import Event
from consult.extensions import db
from consult.i18n import current_lang, tr_text
from consult.network import public_url
from consult.participants.models import GENDER_LABELS, Gender
from consult.qr import qr_svg
from consult.results.figures import group_table
from consult.results.report import BAR_LABELS
from consult.room import live_cache as live
from consult.room.forms import ExtendRoundForm, OpenRoundForm
from consult.timeutil import utcnow
from consult.voting import operations as voting_ops

bp = Blueprint("room", __name__)
bp.record_once(lambda state: live.init_app(state.app))

STAFF = (Role.facilitator, Role.analyst)
#: What one projector page holds without JavaScript, in estimated lines at 1920×1080
#: (with JavaScript the page measures what fits the screen it is on).
SCREEN_PAGE_LINES = 13
SCREEN_PROMPT_CHARS_PER_LINE = 70


def _live_context(event: Event, snapshot: live.Snapshot) -> dict:
    """Turnout and tallies of the open rounds, for the console's live panel.

    ``snapshot``: the figures (``live.console_snapshot``), shared by every viewer of this
    process; what depends on the viewer (the buttons a role allows) is added here.
    """
    data = snapshot.data
    genders = [g.value for g in Gender]
    sector_ids = [s.id for s in event.sectors]
    panels = [{"round": round_,
               "responded": group_table(data["responded_rows"].get(round_.id, []), sector_ids,
                                        genders),
               "figures": data["figures"][round_.id], "comments": data["comments"][round_.id]}
              for round_ in data["rounds"]]
    return {"event": event, "joined": group_table(data["joined_rows"], sector_ids, genders),
            "joined_total": data["joined_total"], "genders": genders,
            "gender_labels": GENDER_LABELS, "panels": panels, "bar_labels": BAR_LABELS,
            "can_run": can_in(event.id, Role.facilitator)}


def _live_response(snapshot: live.Snapshot, shared, viewer: str, render=None):
    """Answer a live poll: 304 when the viewer has this version already, else the HTML.

    ``shared``: (html, digest) of the rendering every viewer of this variant gets; ``viewer``:
    what else sets this viewer's HTML apart; ``render``: renders the viewer's own HTML when it
    is not the shared one (a facilitator's, with form tokens).
    """
    html, digest = shared
    etag = f"{snapshot.version}-{digest}-{current_lang()}-{viewer}"
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(render() if render is not None else html)
    response.set_etag(etag)
    # Every poll asks again (If-None-Match); only this browser may keep a copy.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


def _form_tokens_key() -> str:
    """What changes a facilitator's form tokens: the session's CSRF secret (and the time, when
    tokens expire), so a panel kept after a 304 never holds a token that no longer works."""
    generate_csrf()  # puts the secret in the session if it is not there yet
    secret = str(session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), ""))
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    if limit:
        secret += f"-{int(time.time() // max(1, limit // 2))}"
    return hashlib.blake2b(secret.encode(), digest_size=6).hexdigest()


def _agenda_context(event: Event) -> dict:
    """The round cards: each round's state, countdown and the buttons it allows now."""
    rounds = db.session.scalars(
        select(Round).where(Round.event_id == event.id).order_by(Round.position)
        .options(selectinload(Round.items))
    ).all()
    now = utcnow()
    on_screen = live.shown_reveal(event)
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
        # A page load counts afresh (after a comment is hidden, the page shows it hidden);
        # the polls after it share what it counted.
        screen_url=screen_url,
        **{**_live_context(event, live.console_snapshot(event, fresh=True)),
           **_agenda_context(event)},
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
    """Return the live panel alone (the console's script swaps it in every few seconds).

    The figures are computed at most once per interval for every viewer; 304 when nothing
    this viewer sees has changed since its last poll.
    """
    event = event_or_404(event_id)
    snapshot = live.console_snapshot(event)
    context = _live_context(event, snapshot)
    # The panel without a facilitator's buttons is the same for every viewer: rendered once
    # per language, its digest tells whether anything shown has changed.
    shared = snapshot.render(current_lang(), lambda: render_template(
        "room/_console_live.html", **{**context, "can_run": False}))
    if not context["can_run"]:
        return _live_response(snapshot, shared, "view")
    return _live_response(snapshot, shared, f"run-{current_user.id}-{_form_tokens_key()}",
                          lambda: render_template("room/_console_live.html", **context))


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
    live.live_cache().discard(event.id)  # this process's consoles show it at their next poll
    flash(_("Comment hidden from published views.") if hide else _("Comment shown again."),
          "success")
    return redirect(url_for("room.console", event_id=event.id) + "#comments")


def _screen_allowed(event: Event) -> bool:
    key = request.args.get("k", "")
    # Bytes: compare_digest refuses a str with a character outside ASCII (a 500 before).
    if key and hmac.compare_digest(key.encode(), event.screen_token.encode()):
        return True
    return can_in(event.id, *STAFF)


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


def _screen_context(event: Event, snapshot: live.Snapshot, page: int = 1) -> dict:
    """The open rounds, turnout and revealed results (``live.screen_snapshot``), one page."""
    data = snapshot.data
    rounds, figures = data["rounds"], data["figures"]
    responded = {r.id: sum(n for *_, n in data["responded_rows"].get(r.id, [])) for r in rounds}
    pages = _screen_pages(figures) or [[]]
    page = min(max(page, 1), len(pages))
    return {"event": event, "open_rounds": rounds, "responded": responded,
            "revealed": data["revealed"], "figures": figures, "bar_labels": BAR_LABELS,
            "joined_total": data["joined_total"],
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
                           **_screen_context(event, live.screen_snapshot(event),
                                             request.args.get("page", 1, type=int)))


@bp.get("/e/<code>/screen/live")
def screen_live(code: str):
    """Return the projector's live part alone (its script swaps it in every few seconds).

    The same for every projector: computed at most once per interval and rendered once per
    language and page; 304 when it has not changed since the projector's last poll.
    """
    event = event_by_code_or_404(code)
    if not _screen_allowed(event):
        abort(403)
    snapshot = live.screen_snapshot(event)
    context = _screen_context(event, snapshot, request.args.get("page", 1, type=int))
    shared = snapshot.render((current_lang(), context["page"]), lambda: render_template(
        "room/_screen_live.html", **context))
    return _live_response(snapshot, shared, "screen")
