"""Analyst pages: the results summary, one item in detail, the comments, the exports."""

from __future__ import annotations

import tempfile
from dataclasses import replace

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from consult.access import can_in, event_or_404, export_job_or_404, item_or_404, roles_required
from consult.accounts.models import Role
from consult.accounts.operations import record
from consult.agenda.forms import ConfirmForm, PutAgainForm
from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, ItemKind, Round, Section
from consult.database import write_turn
from consult.events.models import Event
from consult.extensions import db
from consult.i18n import format_number
from consult.participants.models import GENDER_LABELS
from consult.results import jobs, queries
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
#: How often the progress page of a workbook asks how far it is.
EXPORT_POLL_MS = 1500
EXPORT_LANG_LABELS = {"km": _l("Khmer"), "en": _l("English"), "both": _l("Khmer and English")}


def _filter_form(event: Event, formdata=None) -> FilterForm:
    form = FilterForm(formdata=request.args if formdata is None else formdata)
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
    """Download the Excel workbook (DESIGN.md section 5); a large one is prepared by a job.

    Up to ``EXPORT_IN_REQUEST_MAX_ROWS`` answers (about a second) the file comes at once, as
    it always did; beyond, the analyst is sent to the job's progress page (results/jobs.py).
    """
    event = event_or_404(event_id)
    filters = _filter_form(event).filters(event.id)
    lang = _export_lang()
    identifying = identifying_arg(request.args.get("identifying"))
    total = jobs.answer_count(filters)
    if total > current_app.config["EXPORT_IN_REQUEST_MAX_ROWS"]:
        return _start_export(event, filters, lang, identifying, total)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it after streaming
    checksum = write_workbook(event, filters, lang, spool, identifying=identifying)
    record("export.xlsx", user=current_user, event_id=event.id, target=event,
           filters=filters.as_dict(), lang=lang, checksum=checksum, identifying=identifying)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=export_filename(event, "xlsx", identifying), max_age=0)


def _start_export(event: Event, filters: queries.Filters, lang: str, identifying: bool,
                  total: int):
    """Start the job (or find the same one running) and go to its progress page."""
    with write_turn():
        started = jobs.start_export(event, current_user._get_current_object(), filters, lang,
                                    identifying, total)
        db.session.commit()
    if started.outcome == "new":
        jobs.launch(started.job)
    elif started.outcome == "busy":
        flash(ngettext("You already have %(num)d workbook being prepared. Please wait until "
                       "it is ready, then ask for the next.",
                       "You already have %(num)d workbooks being prepared. Please wait until "
                       "one is ready, then ask for the next.",
                       current_app.config["EXPORT_JOBS_PER_USER"]), "error")
    return redirect(url_for("results.export_progress", event_id=event.id,
                            token=started.job.token), 303)


def _job_texts(job: jobs.ExportJob, state: jobs.JobState) -> dict:
    """What the progress page and its poll say about ``job`` in ``state``."""
    done, total = job.done_rows, job.total_rows
    if state == jobs.JobState.running:
        if done <= 0:
            status = _("Computing the figures…")
        elif done < total:
            status = _("Writing the answers: %(done)s of %(total)s",
                       done=format_number(done), total=format_number(total))
        else:
            status = _("Saving the file…")
    elif state == jobs.JobState.done:
        status = _("The workbook is ready")
    elif state == jobs.JobState.expired:
        status = _("This workbook is no longer kept: files are deleted %(minutes)s minutes "
                   "after they are ready. Please prepare it again.",
                   minutes=current_app.config["EXPORT_JOB_KEEP_MINUTES"])
    elif job.stopped:
        status = _("The server stopped while preparing the workbook (it may have been "
                   "restarted). The answers are safe. Please try again.")
    else:
        status = _("An error stopped the workbook before it was finished. The error has "
                   "been logged for the administrator. Please try again.")
    return {"state": state.value, "done": done, "total": total, "status": str(status)}


def _export_job(event_id: int, token: str):
    event = event_or_404(event_id)
    return event, export_job_or_404(event, token)


@bp.get("/exports/<token>")
@roles_required(*READERS)
def export_progress(event_id: int, token: str):
    """Show how far the workbook is; the page updates itself and downloads it once ready."""
    event, job = _export_job(event_id, token)
    jobs.sweep_files()
    state = job.shown_state()
    filter_args = _filter_args(job.filters_of())
    form = _filter_form(event, MultiDict(filter_args))
    response = make_response(render_template(
        "results/export_progress.html", event=event, job=job, texts=_job_texts(job, state),
        state=state, states=jobs.JobState, filters_in_force=form.in_force(),
        retry_form=ConfirmForm(), filter_args=filter_args,
        poll_ms=EXPORT_POLL_MS, lang_label=EXPORT_LANG_LABELS[job.lang],
        keep_minutes=current_app.config["EXPORT_JOB_KEEP_MINUTES"]))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/<token>/progress.json")
@roles_required(*READERS)
def export_status(event_id: int, token: str):
    """Say how far the workbook is (the progress page's script asks every second or two)."""
    event, job = _export_job(event_id, token)
    state = job.shown_state()
    data = _job_texts(job, state)
    if state == jobs.JobState.done:
        data["download_url"] = url_for("results.download_export", event_id=event.id,
                                       token=job.token)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/<token>/download")
@roles_required(*READERS)
def download_export(event_id: int, token: str):
    """Hand over the prepared workbook, audited as every download is; before it is ready (or
    once it is gone), back to its progress page."""
    event, job = _export_job(event_id, token)
    back = redirect(url_for("results.export_progress", event_id=event.id, token=job.token))
    if job.shown_state() != jobs.JobState.done:
        return back
    try:
        handle = open(jobs.file_path(job.token), "rb")  # noqa: SIM115 - send_file closes it
    except FileNotFoundError:
        return back
    with write_turn():
        record("export.xlsx", user=current_user, event_id=event.id, target=event,
               filters=job.filters, lang=job.lang, checksum=job.checksum,
               identifying=job.identifying)
        jobs.mark_downloaded(job)
        db.session.commit()
    return send_file(handle, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=job.download_name, max_age=0)


@bp.post("/exports/<token>/retry")
@roles_required(*READERS)
def retry_export(event_id: int, token: str):
    """Prepare the same workbook again (after a failure, or once its file was deleted)."""
    event, job = _export_job(event_id, token)
    filters = job.filters_of()
    return _start_export(event, filters, job.lang, job.identifying, jobs.answer_count(filters))


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
