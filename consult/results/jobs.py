"""Workbooks built off the request: a job row every process reads, a file only its owner gets.

A workbook of a large consultation takes longer than a page should (about 17 s for 100,000
answers, docs/benchmarks.md), so ``results.export_xlsx`` hands it to a job: a row in
``export_jobs`` (the progress poll and the download may reach any process of ``make run``),
built by a thread of the process that was asked, into ``instance/exports/<token>.xlsx``
(owner-only). The thread's heartbeat writes the rows done every second; a job whose heartbeat
stopped (its process died or restarted) reads as failed, never as an endless "preparing".

One running job per person and parameters (a double click gets the same job; the database
enforces it across processes), at most ``EXPORT_JOBS_PER_USER`` running per person. Files
are deleted ``EXPORT_JOB_KEEP_MINUTES`` after they are ready, and the rows after a week.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from consult.database import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from consult.enums import StrEnum, enum_column
from consult.extensions import db
from consult.results.queries import Filters
from consult.timeutil import utcnow
from consult.voting.models import Response

log = logging.getLogger(__name__)

#: Rows of finished jobs are deleted after this long.
ROWS_KEPT = timedelta(days=7)
#: The folder of the instance folder that holds the files.
FOLDER = "exports"
#: A job's token in a URL: ``secrets.token_urlsafe(24)``.
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class JobState(StrEnum):
    running = "running"  #: being built (or its process died: see ``ExportJob.shown_state``)
    done = "done"  #: the file is ready
    failed = "failed"  #: an error or a stopped process; nothing to download
    expired = "expired"  #: was ready; its file has been deleted


class JobCancelled(Exception):
    """The job's row is no longer running (given up as stale, or deleted with its event)."""


class ExportJob(db.Model):
    """A workbook being prepared for one staff member, with the parameters of its download."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        sa.CheckConstraint("done_rows >= 0 AND total_rows >= 0", name="rows_not_negative"),
        sa.CheckConstraint("lang IN ('km', 'en', 'both')", name="lang_known"),
        # One running job per person and parameters, whichever process was asked.
        sa.Index("uq_export_jobs_running", "user_id", "params_key", unique=True,
                 sqlite_where=sa.text("state = 'running'"),
                 postgresql_where=sa.text("state = 'running'")),
    )

    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the job's URLs carry; with the owner check, another person's id is never guessed.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The event exported.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    #: Who asked: the only person who sees the job and gets its file.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    #: Headers in Khmer, English or both (the download's ``lang``).
    lang: Mapped[str] = mapped_column(sa.String(4))
    #: False: without the organisation and the codes of commenters (the ``identifying=0`` link).
    identifying: Mapped[bool]
    #: The filters, as ``Filters.as_dict()`` writes them (the About sheet's and the audit's).
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: SHA-256 of the event, filters, language and identifying flag: the same download twice.
    params_key: Mapped[str] = mapped_column(sa.String(64))
    #: Where the job is; read through ``shown_state`` (a dead process leaves ``running``).
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "state"),
                                            default=JobState.running)
    #: Answers the Responses sheet will hold (counted when the job was asked for).
    total_rows: Mapped[int] = mapped_column(default=0)
    #: Answers written so far (the heartbeat's last figure).
    done_rows: Mapped[int] = mapped_column(default=0)
    #: SHA-256 of the raw responses (the About sheet's), for the audit entry of each download.
    checksum: Mapped[str | None] = mapped_column(sa.String(64))
    #: The file name the browser saves.
    download_name: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Size of the file in bytes, once ready.
    size: Mapped[int | None]
    #: Why it failed, for the log reader: ``stopped`` (no heartbeat) or the error's class.
    error: Mapped[str] = mapped_column(sa.String(200), default="")
    #: When it was asked for (UTC).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The heartbeat: when the building thread last wrote (UTC).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When it became done or failed (UTC).
    finished_at: Mapped[datetime | None]
    #: First download (UTC); until then a ready page starts the download by itself.
    downloaded_at: Mapped[datetime | None]

    def shown_state(self, now: datetime | None = None) -> JobState:
        """The state to show: a running job without a heartbeat has failed; an old file is gone."""
        now = now or utcnow()
        silent_since, started_before = _stopped_limits(now)
        if self.state == JobState.running and (
                self.updated_at < silent_since or self.created_at < started_before):
            return JobState.failed
        if self.state == JobState.done and (
                self.finished_at is None or self.finished_at < now - _keep()
                or not file_path(self.token).exists()):
            return JobState.expired
        return self.state

    @property
    def stopped(self) -> bool:
        """Whether it failed because its process stopped (not because of an error)."""
        return self.state == JobState.running or self.error == "stopped"

    def filters_of(self) -> Filters:
        """The job's filters, as the export reads them."""
        return Filters(event_id=self.event_id, **self.filters)


def _keep() -> timedelta:
    return timedelta(minutes=current_app.config["EXPORT_JOB_KEEP_MINUTES"])


def _stopped_limits(now: datetime) -> tuple[datetime, datetime]:
    """A running job has stopped when its heartbeat is older than the first, or it started
    before the second (``EXPORT_JOB_STALE_SECONDS``, ``EXPORT_JOB_MAX_MINUTES``)."""
    config = current_app.config
    return (now - timedelta(seconds=config["EXPORT_JOB_STALE_SECONDS"]),
            now - timedelta(minutes=config["EXPORT_JOB_MAX_MINUTES"]))


def folder() -> Path:
    """Where prepared workbooks are kept: ``exports/`` in the instance folder (owner-only)."""
    return Path(current_app.instance_path) / FOLDER


def file_path(token: str) -> Path:
    """The ready file of the job ``token``."""
    return folder() / f"{token}.xlsx"


def answer_count(filters: Filters) -> int:
    """Count the rows of the Responses sheet under ``filters`` (voided participants' too)."""
    stmt = filters.apply(select(func.count(Response.id)), with_voided=True)
    return db.session.scalar(stmt) or 0


def params_key(filters: Filters, lang: str, identifying: bool) -> str:
    """Name a download's parameters: equal for the same event, filters, language and flag."""
    text = json.dumps([filters.event_id, filters.as_dict(), lang, identifying], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Started:
    job: ExportJob
    #: "new" (launch it), "same" (a running job with these parameters), "busy" (too many
    #: running: ``job`` is the person's latest).
    outcome: str


def start_export(event, user, filters: Filters, lang: str, identifying: bool,
                 total: int, *, now: datetime | None = None) -> Started:
    """Add a job for ``user``'s workbook, or return the running one with the same parameters.

    Flushes; the caller commits, then ``launch``es a new job. Jobs whose heartbeat stopped
    are marked failed first, and kept files past their time deleted (``sweep``).
    """
    from consult.results.export import export_filename

    now = now or utcnow()
    sweep(now)
    key = params_key(filters, lang, identifying)
    same = _running(user.id, key)
    if same is not None:
        return Started(same, "same")
    mine = db.session.scalars(select(ExportJob).where(
        ExportJob.user_id == user.id, ExportJob.state == JobState.running)
        .order_by(ExportJob.id.desc())).all()
    if len(mine) >= current_app.config["EXPORT_JOBS_PER_USER"]:
        return Started(mine[0], "busy")
    job = ExportJob(token=secrets.token_urlsafe(24), event_id=event.id, user_id=user.id,
                    lang=lang, identifying=identifying, filters=filters.as_dict(),
                    params_key=key, state=JobState.running, total_rows=total,
                    download_name=export_filename(event, "xlsx", identifying),
                    created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        # Another process added the same job a moment ago (PostgreSQL): that one it is.
        same = _running(user.id, key)
        if same is None:
            raise
        return Started(same, "same")
    return Started(job, "new")


def _running(user_id: int, key: str) -> ExportJob | None:
    return db.session.scalar(select(ExportJob).where(
        ExportJob.user_id == user_id, ExportJob.params_key == key,
        ExportJob.state == JobState.running))


def sweep(now: datetime | None = None) -> None:
    """Fail the jobs whose heartbeat stopped, forget old rows, delete files past their time.

    Flushes; the caller commits. A file goes when no running job and no job ready within
    ``EXPORT_JOB_KEEP_MINUTES`` owns it (``sweep_files``).
    """
    now = now or utcnow()
    silent_since, started_before = _stopped_limits(now)
    db.session.execute(
        update(ExportJob)
        .where(ExportJob.state == JobState.running,
               sa.or_(ExportJob.updated_at < silent_since,
                      ExportJob.created_at < started_before))
        .values(state=JobState.failed, error="stopped", finished_at=now))
    db.session.execute(
        update(ExportJob)
        .where(ExportJob.state == JobState.done, ExportJob.finished_at < now - _keep())
        .values(state=JobState.expired))
    db.session.execute(delete(ExportJob).where(ExportJob.state != JobState.running,
                                               ExportJob.created_at < now - ROWS_KEPT))
    sweep_files(now)


def sweep_files(now: datetime | None = None) -> None:
    """Delete the files no running job, and no job ready within the keeping time, owns.

    Reads only: safe on any page. The folder is listed before the jobs are read, so a file
    listed was created after its job's row was committed and is seen with it.
    """
    try:
        names = os.listdir(folder())
    except FileNotFoundError:
        return
    if not names:
        return
    now = now or utcnow()
    owned = set(db.session.scalars(select(ExportJob.token).where(sa.or_(
        ExportJob.state == JobState.running,
        sa.and_(ExportJob.state == JobState.done, ExportJob.finished_at >= now - _keep())))))
    for name in names:
        if name.split(".", 1)[0] not in owned:
            (folder() / name).unlink(missing_ok=True)


def mark_downloaded(job: ExportJob, now: datetime | None = None) -> None:
    """Remember the first download: the ready page then no longer starts it by itself."""
    if job.downloaded_at is None:
        job.downloaded_at = now or utcnow()


# --- Building ------------------------------------------------------------------------------


def launch(job: ExportJob) -> None:
    """Build ``job`` (committed) in a thread of this process; in this thread with the setting off."""
    app = current_app._get_current_object()
    if not current_app.config["EXPORT_JOBS_IN_THREADS"]:
        build(app, job.id)
        return
    threading.Thread(target=build, args=(app, job.id), name=f"export-job-{job.id}",
                     daemon=True).start()


def build(app, job_id: int) -> None:
    """Write the job's workbook to its file, with a heartbeat; record done or failed."""
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        if job is None or job.state != JobState.running:
            return
        token = job.token
        part = file_path(token).with_suffix(".part")
        beat = Heartbeat(app, job_id)
        beat.start()
        try:
            checksum, size = _write(job, part, beat)
            os.replace(part, file_path(token))
            beat.stop()
            if not _finish(job_id, state=JobState.done, checksum=checksum, size=size,
                           done_rows=beat.done, finished_at=utcnow()):
                file_path(token).unlink(missing_ok=True)  # given up meanwhile: not shown
        except JobCancelled:
            log.warning("Export job %s was given up while it ran", job_id)
        except Exception as error:
            log.exception("Export job %s failed", job_id)
            beat.stop()
            db.session.rollback()
            _finish(job_id, state=JobState.failed, error=type(error).__name__[:200],
                    finished_at=utcnow())
        finally:
            beat.stop()
            part.unlink(missing_ok=True)


def _write(job: ExportJob, part: Path, beat: Heartbeat) -> tuple[str, int]:
    from consult.events.models import Event
    from consult.results.workbook import write_workbook

    event = db.session.get(Event, job.event_id)
    if event is None:
        raise JobCancelled
    os.makedirs(folder(), mode=PRIVATE_DIR_MODE, exist_ok=True)
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as out:
        checksum = write_workbook(event, job.filters_of(), job.lang, out, progress=beat.add,
                                  identifying=job.identifying)
        size = out.tell()
    db.session.rollback()  # end the long read: the Responses stream held it open
    return checksum, size


def _finish(job_id: int, **values) -> bool:
    """Record the end of a job still running; False when it was given up (or is gone)."""
    from consult.database import write_turn

    for _attempt in range(20):
        try:
            with write_turn():
                result = db.session.execute(
                    update(ExportJob)
                    .where(ExportJob.id == job_id, ExportJob.state == JobState.running)
                    .values(updated_at=utcnow(), **values))
                db.session.commit()
            return result.rowcount == 1
        except OperationalError:
            db.session.rollback()
            time.sleep(0.5)  # the database is busy (another program holds it): again
    log.error("Export job %s: its end could not be recorded", job_id)
    return False


class Heartbeat:
    """Rows written so far: counted by the building thread, written every second by its own.

    ``add`` is ``write_workbook``'s progress callback: a sum, no database, so the Responses
    sheet is not slowed. The heartbeat's thread writes ``done_rows`` and ``updated_at``; when
    the row is no longer running (given up as stale), the next ``add`` stops the build.
    """

    def __init__(self, app, job_id: int):
        self.app = app
        self.job_id = job_id
        self.done = 0
        self.cancelled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"export-beat-{job_id}",
                                        daemon=True)

    def add(self, rows: int) -> None:
        self.done += rows
        if self.cancelled:
            raise JobCancelled

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        with self.app.app_context():
            interval = current_app.config["EXPORT_JOB_HEARTBEAT_SECONDS"]
            while not self._stop.wait(interval):
                self._beat()

    def _beat(self) -> None:
        from consult.database import write_turn

        try:
            with write_turn():
                result = db.session.execute(
                    update(ExportJob)
                    .where(ExportJob.id == self.job_id, ExportJob.state == JobState.running)
                    .values(done_rows=self.done, updated_at=utcnow()))
                db.session.commit()
        except OperationalError:
            db.session.rollback()  # busy: the next beat tries again
            return
        if result.rowcount == 0:
            self.cancelled = True
            self._stop.set()
