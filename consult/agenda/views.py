"""The agenda builder, the XLSForm import and export, and the Delphi re-vote (staff)."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from consult.access import (
    can_in,
    event_or_404,
    item_or_404,
    item_or_none,
    roles_required,
    round_or_404,
    round_or_none,
    section_or_404,
    section_or_none,
)
from consult.accounts.models import Role
from consult.agenda import editing, xlsform
from consult.agenda.editing import OptionSpec
from consult.agenda.followups import put_again as put_items_again
from consult.agenda.forms import (
    BLANK_OPTION_ROWS,
    KIND_CHOICES,
    MAX_OPTION_ROWS,
    ConfirmForm,
    ImportAgendaForm,
    ItemForm,
    MoveForm,
    PutAgainForm,
    RoundForm,
    SectionForm,
)
from consult.agenda.models import (
    AGREEMENT_SCALE,
    PRIORITY_SCALE,
    RoundState,
)
from consult.errors import ConsultError
from consult.extensions import db
from consult.i18n import tr_text
from consult.inputs import submitted_number
from consult.voting.queries import round_items

bp = Blueprint("agenda", __name__, url_prefix="/staff/events/<int:event_id>/agenda")

# --- The agenda builder -------------------------------------------------------------------
def _builder_rounds(event) -> list:
    return sorted(event.rounds, key=lambda r: r.position)


def _agenda_url(event, anchor: str = "") -> str:
    return url_for("agenda.edit_agenda", event_id=event.id) + (f"#{anchor}" if anchor else "")


def _problems_flash(error: ConsultError) -> None:
    problems = getattr(error, "problems", None)
    for message in ([str(p) for p in problems] if problems else [str(error.message)]):
        flash(message, "error")


def _run(event, action, anchor: str, success: str, *, done_anchor=None):
    """Run one edit operation: commit and say ``success``, or roll back and flash why not; then
    back to the agenda at ``anchor`` (after success, at ``done_anchor(result)`` when given)."""
    try:
        result = action()
    except ConsultError as error:
        db.session.rollback()
        _problems_flash(error)
        return redirect(_agenda_url(event, anchor))
    db.session.commit()
    if success:
        flash(success, "success")
    return redirect(_agenda_url(event, done_anchor(result) if done_anchor else anchor))


def _edit_action(event, action, anchor: str, success: str):
    """Run one edit operation from a button (delete, move): commit, or flash why not."""
    if not ConfirmForm().validate_on_submit():
        flash(_("This form has expired. Please reload the page and try again."), "error")
        return redirect(_agenda_url(event, anchor))
    return _run(event, action, anchor, success)


def _move(event, form: MoveForm, anchor: str, move):
    """Move a section, round or item one place: ``move(direction)``; 400 for a bad form."""
    if not form.validate_on_submit():
        abort(400)
    return _edit_action(event, lambda: move(form.direction.data), anchor, "")


def _edit_page(event, form, update, anchor: str, saved: str, template: str, **shown):
    """Edit a section or a round on its own page: save and go back to it, or show the form
    again with the reason under the English title."""
    if form.validate_on_submit():
        try:
            update(form)
        except ConsultError as error:
            db.session.rollback()
            form.title_en.errors = [str(error.message)]
        else:
            db.session.commit()
            flash(saved, "success")
            return redirect(_agenda_url(event, anchor))
    return render_template(template, event=event, form=form, **shown), 400 if form.errors else 200


@bp.get("")
@roles_required(Role.analyst, Role.facilitator)
def edit_agenda(event_id: int):
    """Show the agenda, both languages side by side; facilitators and admins edit it."""
    event = event_or_404(event_id)
    rounds = _builder_rounds(event)
    sections = sorted(event.sections, key=lambda s: s.position)
    unscheduled = sorted((i for i in event.items if i.round_id is None),
                         key=lambda i: (i.section.position, i.position))
    return render_template(
        "agenda/agenda_edit.html", event=event, rounds=rounds, sections=sections,
        unscheduled=unscheduled, missing=editing.missing_translations(event),
        answered=editing.answered_item_ids(i.id for i in event.items),
        can_edit=can_in(event.id, Role.facilitator), section_form=SectionForm(prefix="section"),
        round_form=RoundForm(prefix="round"), kinds={c.value: c.label for c in KIND_CHOICES},
        open_problems={r.id: editing.open_problems(r) for r in rounds
                       if r.state != RoundState.open})


@bp.post("/sections")
@roles_required(Role.facilitator)
def add_section(event_id: int):
    """Add a section at the end of the agenda."""
    event = event_or_404(event_id)
    form = SectionForm(prefix="section")
    if not form.validate_on_submit():
        flash(_("Please check the section: %(errors)s", errors=_form_errors(form)), "error")
        return redirect(_agenda_url(event, "sections"))
    return _run(event, lambda: editing.add_section(event, current_user, **_section_values(form)),
                "sections", _("Section added."), done_anchor=lambda section: f"section-{section.id}")


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _section_values(form) -> dict:
    return {name: getattr(form, name).data or "" for name in
            ("key", "title_en", "title_km", "description_en", "description_km")}


@bp.route("/sections/<int:section_id>", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def edit_section(event_id: int, section_id: int):
    """Edit a section's key, titles and introductions."""
    event = event_or_404(event_id)
    section = section_or_404(event, section_id)
    return _edit_page(
        event, SectionForm(obj=section),
        lambda form: editing.update_section(section, current_user, **_section_values(form)),
        f"section-{section.id}", _("Section saved."), "agenda/section_edit.html", section=section)


@bp.post("/sections/<int:section_id>/delete")
@roles_required(Role.facilitator)
def delete_section(event_id: int, section_id: int):
    """Delete a section that has no items."""
    event = event_or_404(event_id)
    section = section_or_404(event, section_id)
    return _edit_action(event, lambda: editing.delete_section(section, current_user),
                        "sections", _("Section deleted."))


@bp.post("/sections/<int:section_id>/move")
@roles_required(Role.facilitator)
def move_section(event_id: int, section_id: int):
    """Move a section one place up or down."""
    event = event_or_404(event_id)
    section = section_or_404(event, section_id)
    return _move(event, MoveForm(), f"section-{section.id}",
                 lambda direction: editing.move_section(section, current_user, direction))


@bp.post("/rounds")
@roles_required(Role.facilitator)
def add_round(event_id: int):
    """Add a draft round at the end of the agenda."""
    event = event_or_404(event_id)
    form = RoundForm(prefix="round")
    if not form.validate_on_submit():
        flash(_("Please check the round: %(errors)s", errors=_form_errors(form)), "error")
        return redirect(_agenda_url(event, "rounds"))
    return _run(event, lambda: editing.add_round(event, current_user, **_round_values(form)),
                "rounds", _("Round added."), done_anchor=lambda round_: f"round-{round_.id}")


def _round_values(form) -> dict:
    return {"title_en": form.title_en.data or "", "title_km": form.title_km.data or ""}


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def edit_round(event_id: int, round_id: int):
    """Edit a round's titles."""
    event = event_or_404(event_id)
    round_ = round_or_404(event, round_id)
    return _edit_page(
        event, RoundForm(obj=round_),
        lambda form: editing.update_round(round_, current_user, **_round_values(form)),
        f"round-{round_.id}", _("Round saved."), "agenda/round_edit.html", round=round_)


@bp.post("/rounds/<int:round_id>/delete")
@roles_required(Role.facilitator)
def delete_round(event_id: int, round_id: int):
    """Delete a round without answers; its items stay on the agenda, not in a round."""
    event = event_or_404(event_id)
    round_ = round_or_404(event, round_id)
    return _edit_action(event, lambda: editing.delete_round(round_, current_user), "rounds",
                        _("Round deleted. Its items are kept under “Not in a round”."))


@bp.post("/rounds/<int:round_id>/move")
@roles_required(Role.facilitator)
def move_round(event_id: int, round_id: int):
    """Move a round one place up or down."""
    event = event_or_404(event_id)
    round_ = round_or_404(event, round_id)
    return _move(event, MoveForm(), f"round-{round_.id}",
                 lambda direction: editing.move_round(round_, current_user, direction))


def _item_form(event, item=None, formdata=None) -> ItemForm:
    """The item form with its section and round choices and enough option rows."""
    form = ItemForm(formdata=formdata, obj=item) if formdata is not None else ItemForm(obj=item)
    form.section.choices = [SelectChoice(s.id, f"{s.key} {tr_text(s, 'title')}".strip())
                            for s in sorted(event.sections, key=lambda s: s.position)]
    form.round.choices = [SelectChoice(0, _("Not in a round"))] + [
        SelectChoice(r.id, tr_text(r, "title")) for r in _builder_rounds(event)]
    if not request.form:
        if item is None:
            form.section.data = _int_arg("section") or (form.section.choices[0].value
                                                        if form.section.choices else 0)
            form.round.data = _int_arg("round") or 0
            form.allow_comment.data = True
        else:
            form.round.data = item.round_id or 0
            form.section.data = item.section_id
            form.kind.data = item.kind.value
        while form.options.entries:
            form.options.pop_entry()
        for option in (item.options if item is not None else []):
            form.options.append_entry({"option_id": str(option.id), "code": option.code,
                                       "label_en": option.label_en,
                                       "label_km": option.label_km})
        extra = min(max(_int_arg("rows") or BLANK_OPTION_ROWS, 0), MAX_OPTION_ROWS)
        for _n in range(min(extra, MAX_OPTION_ROWS - len(form.options.entries))):
            form.options.append_entry()
    elif not any(k.startswith("options-") for k in request.form):
        while form.options.entries:  # no rows posted: none kept (never the stored ones as new)
            form.options.pop_entry()
    elif "more_rows" in request.form:
        for _n in range(min(BLANK_OPTION_ROWS, MAX_OPTION_ROWS - len(form.options.entries))):
            form.options.append_entry()
    return form


def _int_arg(name: str) -> int | None:
    return submitted_number(request.args.get(name, ""), digits=5)


def _option_specs(form: ItemForm) -> list[OptionSpec]:
    """The option rows as typed: blank rows dropped; a cleared existing row is dropped too."""
    specs = []
    for row in form.options.entries:
        code, label_en, label_km = (row.form.code.data or "", row.form.label_en.data or "",
                                    row.form.label_km.data or "")
        if not (code.strip() or label_en.strip() or label_km.strip()):
            continue
        specs.append(OptionSpec(code=code, label_en=label_en, label_km=label_km,
                                id=submitted_number(row.form.option_id.data)))
    return specs


#: Which form field shows a problem the rules found.
PROBLEM_FIELDS = {"kind": "kind", "code": "code", "prompt": "prompt_en",
                  "max_choices": "max_choices", "top_k": "top_k", "section": "section",
                  "round": "round"}


def _save_item(event, form: ItemForm, item=None):
    """Create or update the item from a valid form; the errors onto the form when refused."""
    section = section_or_none(event, form.section.data)
    round_ = round_or_none(event, form.round.data)
    if section is None:
        form.section.errors = [_("Please choose a section.")]
        return None
    if form.round.data and round_ is None:  # the choices already refuse another event's round
        form.round.errors = [_("The section and round must be of this event.")]
        return None
    values = {"section": section, "round": round_, "kind": form.kind.data,
              "code": form.code.data or "", "prompt_en": form.prompt_en.data or "",
              "prompt_km": form.prompt_km.data or "", "detail_en": form.detail_en.data or "",
              "detail_km": form.detail_km.data or "", "allow_comment": form.allow_comment.data,
              "max_choices": form.max_choices.data, "top_k": form.top_k.data,
              "options": _option_specs(form)}
    try:
        if item is None:
            item = editing.add_item(event, current_user, **values)
        else:
            editing.update_item(item, current_user, **values)
    except ConsultError as error:
        db.session.rollback()
        form.problems, form.option_problems = [], []
        for problem in getattr(error, "problems", None) or [error.message]:
            name = PROBLEM_FIELDS.get(getattr(problem, "field", ""))
            if getattr(problem, "field", "") == "options":
                form.option_problems.append(str(problem))
            elif name is not None:
                getattr(form, name).errors = [*getattr(form, name).errors, str(problem)]
            else:
                form.problems.append(str(problem))
        return None
    db.session.commit()
    return item


def _render_item_form(event, form: ItemForm, item=None, status: int = 200):
    missing = set(editing.item_gaps(item)) if item is not None else set()
    answered = editing.is_answered(item) if item is not None else False
    return render_template(
        "agenda/item_edit.html", event=event, item=item, form=form, missing=missing,
        answered=answered, picked=editing.answered_option_ids(item) if answered else set(),
        problems=getattr(form, "problems", []),
        option_problems=getattr(form, "option_problems", []),
    ), status


@bp.route("/items/new", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def add_item(event_id: int):
    """Add an item of any kind, with its options, to a section (and a round)."""
    event = event_or_404(event_id)
    if not event.sections:
        flash(_("Add a section first: every item belongs to a section."), "error")
        return redirect(_agenda_url(event, "sections"))
    form = _item_form(event, formdata=request.form if request.form else None)
    if request.method == "POST" and "more_rows" not in request.form:
        if form.validate_on_submit():
            item = _save_item(event, form)
            if item is not None:
                flash(_("Item %(code)s added.", code=item.code), "success")
                return redirect(_agenda_url(event, f"item-{item.id}"))
        return _render_item_form(event, form, status=400)
    return _render_item_form(event, form)


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def edit_item(event_id: int, item_id: int):
    """Edit an item: wording always; kind, code, scale and options while no one has answered."""
    event = event_or_404(event_id)
    item = item_or_404(event, item_id)
    form = _item_form(event, item, formdata=request.form if request.form else None)
    if request.method == "POST" and "more_rows" not in request.form:
        if form.validate_on_submit() and _save_item(event, form, item) is not None:
            flash(_("Item %(code)s saved.", code=item.code), "success")
            return redirect(_agenda_url(event, f"item-{item.id}"))
        item = item_or_none(event, item_id)  # reloaded after the rollback; None if deleted
        return _render_item_form(event, form, item, status=400)
    return _render_item_form(event, form, item)


@bp.post("/items/<int:item_id>/delete")
@roles_required(Role.facilitator)
def delete_item(event_id: int, item_id: int):
    """Delete an item no one has answered."""
    event = event_or_404(event_id)
    item = item_or_404(event, item_id)
    anchor = f"round-{item.round_id}" if item.round_id else "unscheduled"
    code = item.code
    return _edit_action(event, lambda: editing.delete_item(item, current_user), anchor,
                        _("Item %(code)s deleted.", code=code))


@bp.post("/items/<int:item_id>/move")
@roles_required(Role.facilitator)
def move_item(event_id: int, item_id: int):
    """Move an item one place up or down its round or its section."""
    event = event_or_404(event_id)
    item = item_or_404(event, item_id)
    form = MoveForm()
    scope = form.scope.data or "round"
    anchor = f"section-{item.section_id}" if scope == "section" else f"item-{item.id}"
    return _move(event, form, anchor,
                 lambda direction: editing.move_item(item, current_user, direction, scope))


@bp.get("/rounds/<int:round_id>/preview")
@roles_required(Role.analyst, Role.facilitator)
def preview_round(event_id: int, round_id: int):
    """Show a round as a participant's phone shows it, in Khmer or English, not answerable."""
    event = event_or_404(event_id)
    round_ = round_or_404(event, round_id)
    lang = request.args.get("lang") if request.args.get("lang") in ("km", "en") else (
        event.default_locale)
    items = round_items(round_.id)
    with force_locale(lang):
        phone = render_template(
            "agenda/_round_phone.html", event=event, round=round_, items=items, answers={},
            states={}, shown={i.id: {"values": set(), "ranks": {}, "comment": ""}
                              for i in items},
            is_open=False, agreement_scale=AGREEMENT_SCALE, priority_scale=PRIORITY_SCALE,
            lang=lang)
    return render_template("agenda/round_preview.html", event=event, round=round_,
                           phone=phone, lang=lang, items=items)


# --- XLSForm import and export ------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.facilitator)
def import_agenda(event_id: int):
    """Add sections, rounds and items from an XLSForm: every problem listed, or all imported."""
    event = event_or_404(event_id)
    form = ImportAgendaForm()
    refusal = xlsform.import_refusal(event)
    problems, status = [], 200
    if form.validate_on_submit():
        if refusal is not None:
            status = 409
        else:
            upload = form.file.data
            try:
                result = xlsform.import_agenda(event, current_user,
                                               upload.read(xlsform.MAX_FILE_BYTES + 1),
                                               filename=upload.filename or "")
            except xlsform.ImportRefused as error:
                db.session.rollback()
                problems, status = error.problems, 400
            else:
                db.session.commit()
                flash(_("Imported %(sections)s section(s), %(rounds)s round(s) and %(items)s "
                        "item(s).", sections=result.sections, rounds=result.rounds,
                        items=result.items), "success")
                if "agenda.edit_agenda" in current_app.view_functions:
                    return redirect(url_for("agenda.edit_agenda", event_id=event.id))
                return redirect(url_for("agenda.import_agenda", event_id=event.id))
    elif form.errors:
        status = 400
    sections, items = xlsform.agenda_counts(event)
    return render_template("agenda/agenda_import.html", event=event, form=form,
                           refusal=refusal, problems=problems, sections=sections,
                           items=items, max_rows=xlsform.MAX_ROWS), status


@bp.get("/export.xlsx")
@roles_required(Role.analyst, Role.facilitator)
def export_agenda(event_id: int):
    """Download the event's agenda as an XLSForm (the import's format)."""
    event = event_or_404(event_id)
    data = xlsform.export_agenda(event, current_user)
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype=xlsform.XLSX_MIMETYPE, as_attachment=True,
                     download_name=xlsform.export_filename(event), max_age=0)


@bp.get("/template.xlsx")
@roles_required(Role.analyst, Role.facilitator)
def download_template(event_id: int):
    """Download a blank XLSForm template with an example of every kind of item."""
    event_or_404(event_id)
    return send_file(io.BytesIO(xlsform.template_workbook()), mimetype=xlsform.XLSX_MIMETYPE,
                     as_attachment=True, download_name="consult-agenda-template.xlsx",
                     max_age=0)


# --- Delphi re-vote -----------------------------------------------------------------------


@bp.post("/follow-ups")
@roles_required(Role.facilitator)
def put_again(event_id: int):
    """Put the picked items to the room again: a new draft round of follow-ups, to edit and open."""
    event = event_or_404(event_id)
    back = url_for("results.summary", event_id=event.id) + "#put-again"
    form = PutAgainForm()
    if not form.validate():
        flash(_("This form has expired. Please reload the page and try again."), "error")
        return redirect(back)
    try:
        items = [item_or_none(event, submitted_number(i)) for i in form.items.data or []]
        round_ = put_items_again(event, items, current_user)
    except ConsultError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back)
    db.session.commit()
    flash(_("New draft round: %(round)s. Check the prompts, then open it from the console.",
            round=tr_text(round_, "title")), "success")
    if "agenda.edit_agenda" in current_app.view_functions:
        return redirect(url_for("agenda.edit_agenda", event_id=event.id) + f"#round-{round_.id}")
    return redirect(url_for("room.console", event_id=event.id) + f"#round-{round_.id}")
