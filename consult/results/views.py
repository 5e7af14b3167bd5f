"""Analyst pages: the results summary, one item in detail, the comments, the exports."""

from __future__ import annotations

import tempfile
from dataclasses import replace

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_login import current_user
from sqlalchemy import select

from consult.access import can_in, event_or_404, item_or_404, roles_required
from consult.accounts.models import Role
from consult.accounts.operations import record
from consult.agenda.forms import PutAgainForm
from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, ItemKind, Round, Section
from consult.events.models import Event
from consult.extensions import db
from consult.participants.models import GENDER_LABELS
from consult.results import queries
from consult.results.consensus import STATUS_LABELS
from consult.results.export import comment_rows, csv_chunks, export_filename, identifying_arg
from consult.results.forms import SOURCE_LABELS, FilterForm
from consult.results.labels import COLUMNS
from consult.results.report import GENDERS, build_report, participation
from consult.results.workbook import EXPORT_LANGS, write_workbook
from consult.spreadsheet import XLSX_MIMETYPE
from consult.timeutil import utcnow

bp = Blueprint("results", __name__, url_prefix="/staff/events/<int:event_id>")

READERS = (Role.analyst, Role.facilitator)


def _filter_form(event: Event) -> FilterForm:
    form = FilterForm(formdata=request.args)
    rounds = db.session.scalars(select(Round).where(Round.event_id == event.id)
                                .order_by(Round.position)).all()
    sections = db.session.scalars(select(Section).where(Section.event_id == event.id)
                                  .order_by(Section.position)).all()
    form.fill_choices(event, rounds, sections)
    return form


def _filter_args(filters: queries.Filters) -> dict:
    """The query of links that keep the chosen filters: the valid ones only, by their names.

    Never the request's own arguments: a link built from ``lang``, ``_method`` or ``event_id``
    in the query string failed (or pointed elsewhere).
    """
    chosen = (("round", filters.round_id), ("section", filters.section_id),
              ("sector", filters.sector_id), ("gender", filters.gender), ("source", filters.source))
    return {name: value for name, value in chosen if value is not None}


def _labels(form: FilterForm | None = None, filters: queries.Filters | None = None) -> dict:
    return {"filter_args": _filter_args(filters) if filters is not None else {},
            "cols": COLUMNS, "status_labels": STATUS_LABELS, "gender_labels": GENDER_LABELS, "genders": GENDERS,
            "agreement_scale": AGREEMENT_SCALE, "priority_scale": PRIORITY_SCALE,
            "source_labels": SOURCE_LABELS,
            "filters_in_force": form.in_force() if form is not None else [],
            "printed_at": utcnow()}


@bp.get("/results")
@roles_required(*READERS)
def summary(event_id: int):
    """Show every item with its figures, status and reason, under the chosen filters."""
    event = event_or_404(event_id)
    form = _filter_form(event)
    filters = form.filters(event.id)
    report = build_report(event, filters)
    return render_template("results/results_summary.html", event=event, form=form,
                           report=report, participation=participation(event, filters),
                           can_put_again=can_in(event.id, Role.facilitator),
                           put_again_form=PutAgainForm(), **_labels(form, filters))


@bp.get("/results/items/<int:item_id>")
@roles_required(*READERS)
def item_detail(event_id: int, item_id: int):
    """Show one item: distribution, by sector, by gender, its comments."""
    event = event_or_404(event_id)
    item = item_or_404(event, item_id)
    form = _filter_form(event)
    chosen = form.filters(event.id)
    # Round and section choose items, and this page is one item: only the filters on who
    # answered apply (a round that left the item out made the page fail). The links keep them.
    filters = replace(chosen, round_id=None, section_id=None, item_ids=(item.id,))
    form.round.data = form.section.data = 0
    report = build_report(event, filters)
    result = report.by_id(item.id)
    comments = comment_rows(filters, include_hidden=True)
    texts = queries.text_answers(filters) if item.kind == ItemKind.text else []
    return render_template("results/results_item.html", event=event, form=form, result=result,
                           report=report, comments=comments, texts=texts,
                           **_labels(form, chosen))


@bp.get("/comments")
@roles_required(*READERS)
def comments(event_id: int):
    """List every comment with its item, sector, gender, language and source."""
    event = event_or_404(event_id)
    form = _filter_form(event)
    filters = form.filters(event.id)
    rows = comment_rows(filters, include_hidden=True)
    return render_template("results/results_comments.html", event=event, form=form, rows=rows,
                           **_labels(form, filters))


def _export_lang() -> str:
    lang = request.args.get("lang", "")
    return lang if lang in EXPORT_LANGS else "both"


@bp.get("/export.xlsx")
@roles_required(*READERS)
def export_xlsx(event_id: int):
    """Download the Excel workbook (DESIGN.md section 5), streamed."""
    event = event_or_404(event_id)
    filters = _filter_form(event).filters(event.id)
    lang = _export_lang()
    identifying = identifying_arg(request.args.get("identifying"))
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it after streaming
    checksum = write_workbook(event, filters, lang, spool, identifying=identifying)
    record("export.xlsx", user=current_user, event_id=event.id, target=event,
           filters=filters.as_dict(), lang=lang, checksum=checksum, identifying=identifying)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=export_filename(event, "xlsx", identifying), max_age=0)


@bp.get("/export.csv")
@roles_required(*READERS)
def export_csv(event_id: int):
    """Download the raw responses as CSV (UTF-8 with BOM, so Excel reads Khmer)."""
    event = event_or_404(event_id)
    filters = _filter_form(event).filters(event.id)
    identifying = identifying_arg(request.args.get("identifying"))
    record("export.csv", user=current_user, event_id=event.id, target=event,
           filters=filters.as_dict(), identifying=identifying)
    db.session.commit()
    lang = _export_lang()
    chunks = csv_chunks(event, filters, "km" if lang == "km" else "en", identifying=identifying)
    name = export_filename(event, "csv", identifying)
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
