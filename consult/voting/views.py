"""The vote page: one round, every item, saved as answered (JS) or with one button; and the
staff's paper ballot entry (DESIGN.md flow 5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from consult.access import (
    can_in,
    event_or_404,
    item_or_404,
    paper_ballot_or_404,
    participant_event_or_404,
    participant_or_profile,
    roles_required,
    round_or_404,
)
from consult.accounts.models import Role
from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, Item, ItemKind, Round
from consult.database import write_turn
from consult.errors import ConsultError, RoundNotOpen
from consult.events.models import EventStatus
from consult.extensions import db
from consult.i18n import format_clock, localize_digits
from consult.participants.models import GENDER_LABELS
from consult.ratelimit import VOTE_LIMIT, vote_allowed  # noqa: F401 - VOTE_LIMIT: tests read it
from consult.timeutil import utcnow
from consult.voting import paper
from consult.voting.forms import DoubleEntryForm, UploadBallotsForm, ballot_form, resolve_form
from consult.voting.models import BallotStatus
from consult.voting.operations import InvalidAnswer, cast_vote, parse_answer
from consult.voting.page_cache import (
    UNCUT,
    PageCache,
    Skeleton,
    answer_values,
    fillable,
    page_cache,
    page_key,
    request_values,
    stored_shown,
)
from consult.voting.page_cache import writer as answer_writer
from consult.voting.queries import round_items, stored_answers

bp = Blueprint("voting", __name__)

#: What the vote page shows beside an answer once it is stored (also the fast path's).
SAVED_AT = _l("Saved at %(time)s")


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


def _option_codes(items) -> dict[int, dict[int, str]]:
    """The items' option codes by option id, by item id (in the items' order)."""
    return {item.id: {o.id: o.code for o in item.options} for item in items}


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
        shown[item.id] = stored_shown({o.id: o.code for o in item.options},
                                       answers.get(item.id))
    return shown


@bp.app_template_global("answer_slot")
def _no_answer(*key) -> Markup:
    """Draw ``voting/_item.html`` with nothing answered (the builder's preview of a round)."""
    return Markup("")


def _page_html(event, round_, items, is_open: bool, **context) -> str:
    """Render the vote page; ``context`` gives ``answer_slot`` (page_cache.py)."""
    return render_template(
        "voting/round_vote.html", event=event, round=round_, items=items, is_open=is_open,
        agreement_scale=AGREEMENT_SCALE, priority_scale=PRIORITY_SCALE, **context)


def _render(event, round_, participant, items, states=None, form=None, status=200):
    """Render the vote page for this participant, from scratch (after a submit: its flash,
    what was typed and each item's error)."""
    answers = stored_answers(participant.id, round_.id)
    values = answer_values(_shown_values(items, answers, form), states or {}, set(answers))
    return _page_html(event, round_, items, round_.accepting_answers,
                      answer_slot=answer_writer(values)), status


def _filled_page(event, round_, participant, cache: PageCache):
    """The vote page from the round's cached skeleton, filled with the participant's answers;
    None when the page cannot be cut into a skeleton."""
    is_open = round_.accepting_answers
    key = page_key(event, round_, is_open)
    skeleton = cache.get(key)
    if skeleton is None:
        items = round_items(round_.id)
        skeleton = Skeleton.of(
            lambda **slots: _page_html(event, round_, items, is_open, **slots),
            _option_codes(items)) or UNCUT
        cache.put(key, skeleton)
    if skeleton is UNCUT:
        return None
    return skeleton.filled(stored_answers(participant.id, round_.id), request_values())


@bp.get("/e/<code>/rounds/<int:round_id>")
def vote_page(code: str, round_id: int):
    """Show every item of a round with the participant's current answers."""
    event = participant_event_or_404(code)
    participant = participant_or_profile(event)
    round_ = round_or_404(event, round_id, opened=True)
    # When a round opens the whole room loads this page at once: from the cache, filled.
    cache = page_cache()
    if cache is not None and fillable():
        page = _filled_page(event, round_, participant, cache)
        if page is not None:
            return page
    return _render(event, round_, participant, round_items(round_.id))


def _count_vote(participant) -> None:
    """Refuse the vote (429, come back in ``Retry-After`` s) past the participant's limit."""
    from consult.fastpath.vote import LIMIT_VERDICT

    # Counted once: the fast path, when it handed this vote over, counted it already.
    allowed, retry_after = request.environ.get(LIMIT_VERDICT) or vote_allowed(participant.id)
    if not allowed:
        g.retry_after = retry_after
        abort(429)


@bp.post("/e/<code>/rounds/<int:round_id>")
def submit_round(code: str, round_id: int):
    """Save every answered item of the round at once (the page without JavaScript)."""
    event = participant_event_or_404(code)
    participant = participant_or_profile(event)
    _count_vote(participant)
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
def answer_item(code: str, item_id: int):
    """Save one item's answer (the page's JavaScript, as each answer is given)."""
    event = participant_event_or_404(code)
    participant = participant_or_profile(event)
    _count_vote(participant)
    item = item_or_404(event, item_id)
    now = utcnow()
    # Worded before the write: after the commit the event's attributes would be read again.
    saved_message = str(SAVED_AT) % {"time": format_clock(now)}
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


# --- Paper ballots: the clerk's entry, double entry, resolution, upload (DESIGN.md flow 5) ---

#: Who types paper ballots: the event's clerks and facilitators (and admins); only
#: facilitators and admins resolve mismatches and switch double entry.
TYPISTS = (Role.facilitator, Role.clerk)
PAPER = "/staff/events/<int:event_id>/paper"


def _paper_round(event, round_id: int | None):
    """The round a ballot paper is for (None: the whole agenda); 404 for another event's."""
    return round_or_404(event, round_id) if round_id is not None else None


def _scope_url(endpoint: str, event, round_) -> str:
    return url_for(endpoint, event_id=event.id,
                   **({"round_id": round_.id} if round_ is not None else {}))


@contextmanager
def _paper_write() -> Iterator[None]:
    """Write (and commit) a paper ballot in this machine's write turn; a unique key that
    another clerk's or facilitator's save took at the same moment (PostgreSQL) is refused
    with a message, nothing saved, rather than a server error."""
    try:
        with write_turn():
            yield
    except IntegrityError:
        db.session.rollback()
        raise ConsultError(_l("Someone else saved this ballot at the same moment, so nothing was "
                              "saved: please try again."), 409) from None


def _put_problems(form, problems: dict) -> None:
    """Show each problem under its field; those of no field atop the form."""
    for name, message in problems.items():
        if name and name in form:
            form[name].errors = [*form[name].errors, str(message)]
        else:
            form.form_errors.append(str(message))


def _entry_page(event, round_, form, status=200, refusal=None):
    items = paper.ballot_items(event, round_)
    return render_template(
        "voting/paper_entry.html", event=event, round=round_, items=items, form=form,
        refusal=refusal, tally=paper.tally(event, round_.id if round_ else None, current_user),
        sectors=event.sectors, genders=list(GENDER_LABELS.items()),
        agreement_scale=AGREEMENT_SCALE, priority_scale=PRIORITY_SCALE,
        item_field=paper.item_field, comment_field=paper.comment_field,
        upload_url=_scope_url("voting.upload_ballots", event, round_),
    ), status


@bp.get(PAPER)
@roles_required(*TYPISTS)
def list_ballots(event_id: int):
    """List the event's ballot papers with their counts, and the ballots not counted yet."""
    event = event_or_404(event_id)
    rounds = db.session.scalars(select(Round).where(Round.event_id == event.id)
                                .order_by(Round.position)).all()
    return render_template(
        "voting/paper_list.html", event=event, rounds=rounds,
        tallies=paper.tallies(event, current_user), open_ballots=paper.open_ballots(event),
        whole_refusal=paper.entry_refusal(event, None),
        archived=event.status == EventStatus.archived,
        can_resolve=can_in(event.id, Role.facilitator),
        double_entry_form=DoubleEntryForm(double_entry=event.double_entry),
        round_titles={r.id: r for r in rounds})


@bp.route(PAPER + "/rounds/<int:round_id>", methods=["GET", "POST"])
@bp.route(PAPER + "/agenda", methods=["GET", "POST"])
@roles_required(*TYPISTS)
def enter_ballot(event_id: int, round_id: int | None = None):
    """Type one paper ballot (a round's, or the whole agenda's): one ballot per screen."""
    event = event_or_404(event_id)
    round_ = _paper_round(event, round_id)
    refusal = paper.entry_refusal(event, round_)
    items = paper.ballot_items(event, round_)
    form = ballot_form(items)
    if refusal is not None:
        return _entry_page(event, round_, form, 409 if request.method == "POST" else 200,
                           refusal)
    if request.method == "GET":
        return _entry_page(event, round_, form)
    if not form.validate_on_submit():
        return _entry_page(event, round_, form, 400)
    try:
        with _paper_write():
            ballot = paper.enter_ballot(event, round_, current_user, form.data)
            number, status = ballot.ballot_number, ballot.status
            db.session.commit()
    except paper.BallotRefused as error:
        _put_problems(form, error.problems)
        return _entry_page(event, round_, form, 400)
    except ConsultError as error:
        form.form_errors.append(str(error.message))
        return _entry_page(event, round_, form, error.status_code)
    if status == BallotStatus.confirmed:
        flash(_("Ballot %(number)s is counted.", number=number), "success")
    elif status == BallotStatus.mismatch:
        flash(_("Ballot %(number)s differs from its first typing: a facilitator will compare "
                "the two and resolve it.", number=number), "warning")
    else:
        flash(_("Ballot %(number)s is saved: it counts once another clerk has typed it too.",
                number=number), "success")
    return redirect(_scope_url("voting.enter_ballot", event, round_))


def _describe(event, items_by_field: dict, name: str, value: str) -> str:
    """A typed value with what it means on the ballot (``2 · Agree``), for the resolution."""
    from consult.i18n import tr_text

    if not value:
        return ""
    if name == "sector":
        return f"{value} · {tr_text(event.sectors[int(value) - 1], 'label')}"
    if name == "gender":
        return f"{value} · {GENDER_LABELS[paper.GENDER_ORDER[int(value) - 1]]}"
    item = items_by_field.get(name)
    if item is None or not name.startswith("item_"):
        return value
    if item.kind == ItemKind.agreement:
        return f"{value} · {AGREEMENT_SCALE.get(int(value), '')}"
    if item.kind == ItemKind.priority:
        return f"{value} · {PRIORITY_SCALE.get(int(value), '')}"
    if item.kind in (ItemKind.choice, ItemKind.multi):
        labels = [tr_text(item.options[int(n) - 1], "label") for n in value.split()]
        return f"{value} · {'; '.join(labels)}"
    if item.kind == ItemKind.ranking:
        places = value.split()
        ranked = sorted((int(p), tr_text(o, "label"))
                        for o, p in zip(item.options, places, strict=False) if p != "-")
        return f"{value} · {' > '.join(label for _, label in ranked)}"
    return value


def _field_labels(items) -> dict[str, str]:
    labels = {"sector": _("Sector"), "gender": _("Gender"), "organisation": _("Organisation")}
    for n, item in enumerate(items, start=1):
        number = localize_digits(n)
        labels[paper.item_field(item)] = _("Item %(n)s (%(code)s)", n=number, code=item.code)
        labels[paper.comment_field(item)] = _("Comment on item %(n)s (%(code)s)", n=number,
                                              code=item.code)
    return labels


@bp.route(PAPER + "/ballots/<int:ballot_id>/resolve", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def resolve_ballot(event_id: int, ballot_id: int):
    """Compare a ballot's two typings field by field and choose what counts."""
    event = event_or_404(event_id)
    ballot = paper_ballot_or_404(event, ballot_id)
    round_ = paper.ballot_round(ballot)
    if ballot.status != BallotStatus.mismatch:
        flash(_("This ballot has no differences to resolve."), "warning")
        return redirect(url_for("voting.list_ballots", event_id=event.id))
    items = paper.ballot_items(event, round_)
    first, second = ballot.first_entry, ballot.second_entry or {}
    differing = paper.differences(first, second)
    form = resolve_form(differing)
    status = 200
    if form.validate_on_submit():
        chosen = {}
        for name in differing:
            pick = form[f"pick_{name}"].data
            if pick == "first":
                chosen[name] = first.get(name, "")
            elif pick == "second":
                chosen[name] = second.get(name, "")
            elif pick == "other":
                chosen[name] = form[f"other_{name}"].data or ""
        try:
            with _paper_write():
                paper.resolve_ballot(ballot, current_user, chosen)
                number = ballot.ballot_number
                db.session.commit()
        except paper.BallotRefused as error:
            for name, message in error.problems.items():
                target = f"pick_{name}" if name in differing else ""
                _put_problems(form, {target: message})
            status = 400
        except ConsultError as error:
            form.form_errors.append(str(error.message))
            status = error.status_code
        else:
            flash(_("Ballot %(number)s is counted.", number=number), "success")
            return redirect(url_for("voting.list_ballots", event_id=event.id))
    elif request.method == "POST":
        status = 400
    by_field = {}
    for item in items:
        by_field[paper.item_field(item)] = by_field[paper.comment_field(item)] = item
    labels = _field_labels(items)
    rows = [(name, labels.get(name, name), _describe(event, by_field, name, first.get(name, "")),
             _describe(event, by_field, name, second.get(name, ""))) for name in differing]
    return render_template("voting/paper_resolve.html", event=event, ballot=ballot,
                           round=round_, form=form, rows=rows), status


@bp.post(PAPER + "/double-entry")
@roles_required(Role.facilitator)
def set_double_entry(event_id: int):
    """Turn double entry on or off for the event's paper ballots."""
    event = event_or_404(event_id)
    form = DoubleEntryForm()
    if form.validate_on_submit():
        try:
            with _paper_write():
                paper.set_double_entry(event, current_user, bool(form.double_entry.data))
                db.session.commit()
        except ConsultError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Double entry is on.") if event.double_entry else _("Double entry is off."),
                  "success")
    return redirect(url_for("voting.list_ballots", event_id=event.id))


@bp.route(PAPER + "/rounds/<int:round_id>/upload", methods=["GET", "POST"])
@bp.route(PAPER + "/agenda/upload", methods=["GET", "POST"])
@roles_required(*TYPISTS)
def upload_ballots(event_id: int, round_id: int | None = None):
    """Upload ballots typed elsewhere (sheet ``ballots``): every problem listed, or all saved."""
    from consult.spreadsheet import MAX_FILE_BYTES, ImportRefused

    event = event_or_404(event_id)
    round_ = _paper_round(event, round_id)
    refusal = paper.entry_refusal(event, round_)
    form = UploadBallotsForm()
    problems, status = [], 200
    if refusal is not None:
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        upload = form.file.data
        try:
            with _paper_write():
                count = paper.upload_ballots(event, round_, current_user,
                                             upload.read(MAX_FILE_BYTES + 1),
                                             filename=upload.filename or "")
                db.session.commit()
        except ImportRefused as error:
            problems, status = error.problems, 400
        except ConsultError as error:
            form.form_errors.append(str(error.message))
            status = error.status_code
        else:
            flash(_("Saved %(count)s ballot(s) from the file.", count=count), "success")
            return redirect(_scope_url("voting.enter_ballot", event, round_))
    elif request.method == "POST":
        status = 400
    items = paper.ballot_items(event, round_)
    return render_template("voting/paper_upload.html", event=event, round=round_, form=form,
                           refusal=refusal, problems=problems,
                           columns=[h for h, _ in paper.sheet_columns(items)]), status
