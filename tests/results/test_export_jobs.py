"""Large workbooks prepared by a job: the progress page and its poll, the download, who may."""

from __future__ import annotations

import io
import os
import stat
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import AuditEntry, Role
from consult.extensions import db
from consult.results import jobs
from consult.results.jobs import ExportJob, Heartbeat, JobCancelled, JobState
from consult.timeutil import utcnow
from tests.conftest import login

#: Every workbook through a job, built in the request that asks (no thread).
JOB = pytest.mark.config(EXPORT_IN_REQUEST_MAX_ROWS=0, EXPORT_JOBS_IN_THREADS=False)


def _base(fx) -> str:
    return f"/staff/events/{fx.event.id}"


def _job(token: str) -> ExportJob:
    db.session.expire_all()
    return db.session.scalar(select(ExportJob).where(ExportJob.token == token))


def _token_of(response) -> str:
    assert response.status_code == 303, response.status_code
    path = urlsplit(response.headers["Location"]).path
    assert "/exports/" in path, path
    return path.rsplit("/", 1)[1]


def _audits():
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.xlsx")
                              .order_by(AuditEntry.id)).all()


def _running_job(fx, user, *, done=0, total=2000, age=timedelta(0), **kw) -> ExportJob:
    """A job row as a thread of another process would have left it."""
    now = utcnow() - age
    job = ExportJob(token=jobs.secrets.token_urlsafe(24), event_id=fx.event.id, user_id=user.id,
                    lang="en", identifying=True, filters={}, params_key=kw.pop("key", "k" * 64),
                    state=JobState.running, total_rows=total, done_rows=done,
                    download_name="x.xlsx", created_at=now, updated_at=now, **kw)
    db.session.add(job)
    db.session.commit()
    return job


def _client_for(app, user):
    other = app.test_client()
    login(other, user)
    other.post("/language", data={"lang": "en", "next": "/"})
    return other


# --- The good path -------------------------------------------------------------------------


@JOB
def test_a_large_workbook_is_prepared_then_downloaded_once_audited(app, client, fx, analyst):
    sector = fx.event.sectors[0].id
    asked = client.get(f"{_base(fx)}/export.xlsx?lang=en&sector={sector}")
    token = _token_of(asked)
    job = _job(token)
    assert (job.state, job.user_id, job.lang, job.identifying) == (JobState.done, analyst.id,
                                                                   "en", True)
    assert job.filters == {"sector_id": sector}
    assert job.total_rows == job.done_rows == 16  # the government sector's answers
    assert _audits() == []  # audited when handed over, as every download is

    page = client.get(f"{_base(fx)}/exports/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "The workbook is ready" in html and "Download the workbook" in html
    assert f'data-auto-download="{_base(fx)}/exports/{token}/download"' in html
    assert "Sector: Government" in html and "<dd>16</dd>" in html
    status = client.get(f"{_base(fx)}/exports/{token}/progress.json").get_json()
    assert status["state"] == "done" and status["download_url"].endswith(f"{token}/download")

    download = client.get(f"{_base(fx)}/exports/{token}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment; filename=consult-")
    book = load_workbook(io.BytesIO(download.data))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Filters"] == f'{{"sector_id": {sector}}}' and about["Responses"] == 16
    assert about["SHA-256 of the raw responses"] == _job(token).checksum
    assert book["Responses"].max_row == 17
    (entry,) = _audits()
    assert (entry.user_id, entry.event_id) == (analyst.id, fx.event.id)
    assert entry.details == {"filters": {"sector_id": sector}, "lang": "en",
                             "checksum": _job(token).checksum, "identifying": True}
    # Downloaded: the page no longer starts it by itself; a second download is audited too.
    assert _job(token).downloaded_at is not None
    assert "data-auto-download" not in client.get(f"{_base(fx)}/exports/{token}").get_data(
        as_text=True)
    assert client.get(f"{_base(fx)}/exports/{token}/download").status_code == 200
    assert len(_audits()) == 2


@JOB
def test_the_file_is_the_owners_alone_on_disk(app, client, fx, analyst):
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx"))
    path = jobs.file_path(token)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [f"{token}.xlsx"]  # no part left


@JOB
def test_without_identifying_columns_the_job_keeps_the_choice(app, client, fx, analyst):
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx?lang=km&identifying=0"))
    job = _job(token)
    assert (job.identifying, job.lang) == (False, "km")
    page = client.get(f"{_base(fx)}/exports/{token}").get_data(as_text=True)
    assert "Left out" in page and "Khmer" in page
    download = client.get(f"{_base(fx)}/exports/{token}/download")
    assert "-no-identifying.xlsx" in download.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.data))
    responses = list(book.worksheets[-2].iter_rows(values_only=True))[1:]
    assert all(row[5] in (None, "") for row in responses)  # no organisation
    assert _audits()[0].details["identifying"] is False


def test_a_small_workbook_still_comes_at_once(app, client, fx, analyst):
    response = client.get(f"{_base(fx)}/export.xlsx?lang=en")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 0
    assert len(_audits()) == 1


@pytest.mark.config(EXPORT_IN_REQUEST_MAX_ROWS=0, EXPORT_JOB_HEARTBEAT_SECONDS=0.05)
def test_a_job_in_a_thread_is_polled_until_ready(app, client, fx, analyst, monkeypatch):
    """The job really runs in a thread of the process; the page's poll follows it.

    The writer is held at its start until the poll has seen the job running and its
    heartbeat beating, so each step is seen whatever the machine's speed.
    """
    from consult.results import workbook

    release, real = threading.Event(), workbook.write_workbook

    def held(*args, **kwargs):
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbook, "write_workbook", held)
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx?lang=both"))
    try:
        status = client.get(f"{_base(fx)}/exports/{token}/progress.json").get_json()
        assert status == {"state": "running", "done": 0, "total": 40,
                          "status": "Computing the figures…"}
        assert "Preparing the workbook" in client.get(f"{_base(fx)}/exports/{token}").get_data(
            as_text=True)
        early = client.get(f"{_base(fx)}/exports/{token}/download")
        assert early.status_code == 302
        assert urlsplit(early.headers["Location"]).path == f"{_base(fx)}/exports/{token}"
        started = _job(token).updated_at
        deadline = time.monotonic() + 30  # a safeguard against a hang, not a speed target
        while _job(token).updated_at == started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _job(token).updated_at > started  # the heartbeat beats while it works
    finally:
        release.set()
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"{_base(fx)}/exports/{token}/progress.json").get_json()
        seen.append(status)
        if status["state"] != "running":
            break
        time.sleep(0.05)
    for thread in threading.enumerate():
        if thread.name.startswith("export-"):
            thread.join(30)
    assert seen[-1]["state"] == "done", seen[-1]
    assert all(s["total"] == 40 and 0 <= s["done"] <= 40 for s in seen)
    assert [s["done"] for s in seen] == sorted(s["done"] for s in seen)
    download = client.get(seen[-1]["download_url"])
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames[0] == "About" and book["Responses"].max_row == 41
    assert len(_audits()) == 1


def test_progress_reads_rows_of_the_total(app, client, fx, analyst):
    job = _running_job(fx, analyst, done=500, total=2000)
    status = client.get(f"{_base(fx)}/exports/{job.token}/progress.json").get_json()
    assert status == {"state": "running", "done": 500, "total": 2000,
                      "status": "Writing the answers: 500 of 2,000"}
    html = client.get(f"{_base(fx)}/exports/{job.token}").get_data(as_text=True)
    assert 'max="2000" value="500"' in html and "Preparing the workbook" in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "js/export.js" in html
    first = _running_job(fx, analyst, done=0, key="f" * 64)
    assert client.get(f"{_base(fx)}/exports/{first.token}/progress.json").get_json()[
        "status"] == "Computing the figures…"


def test_the_download_before_it_is_ready_goes_back_to_the_progress_page(app, client, fx,
                                                                          analyst):
    job = _running_job(fx, analyst, done=10)
    response = client.get(f"{_base(fx)}/exports/{job.token}/download")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"{_base(fx)}/exports/{job.token}"
    assert _audits() == []


# --- Failures ------------------------------------------------------------------------------


@JOB
def test_a_job_whose_process_stopped_shows_failed_and_can_be_tried_again(app, client, fx,
                                                                          analyst):
    job = _running_job(fx, analyst, done=300, age=timedelta(seconds=45),
                       key=jobs.params_key(jobs.Filters(event_id=fx.event.id), "en", True))
    status = client.get(f"{_base(fx)}/exports/{job.token}/progress.json").get_json()
    assert status["state"] == "failed" and "server stopped" in status["status"]
    html = client.get(f"{_base(fx)}/exports/{job.token}").get_data(as_text=True)
    assert "The workbook was not finished" in html and "Try again" in html
    assert "<progress" not in html and "refresh" not in html
    again = client.post(f"{_base(fx)}/exports/{job.token}/retry")
    token = _token_of(again)
    assert token != job.token and _job(token).state == JobState.done
    assert (_job(job.token).state, _job(job.token).error) == (JobState.failed, "stopped")
    assert client.get(f"{_base(fx)}/exports/{token}/download").status_code == 200


@JOB
def test_a_job_that_fails_says_so_and_leaves_no_file(app, client, fx, analyst, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("disk full")

    monkeypatch.setattr("consult.results.workbook.write_workbook", broken)
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx"))
    job = _job(token)
    assert (job.state, job.error) == (JobState.failed, "ValueError")
    html = client.get(f"{_base(fx)}/exports/{token}").get_data(as_text=True)
    assert "An error stopped the workbook" in html and "Try again" in html
    assert list(jobs.folder().iterdir()) == []
    assert client.get(f"{_base(fx)}/exports/{token}/download").status_code == 302
    assert _audits() == []


@JOB
def test_a_file_past_its_time_is_gone_and_can_be_prepared_again(app, client, fx, analyst):
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx"))
    job = _job(token)
    job.finished_at = utcnow() - timedelta(minutes=61)
    db.session.commit()
    html = client.get(f"{_base(fx)}/exports/{token}").get_data(as_text=True)
    assert "no longer kept" in html and "Prepare it again" in html
    assert not jobs.file_path(token).exists()  # the page's sweep deleted it
    assert client.get(f"{_base(fx)}/exports/{token}/download").status_code == 302
    new = _token_of(client.post(f"{_base(fx)}/exports/{token}/retry"))
    assert _job(token).state == JobState.expired and _job(new).state == JobState.done


def test_a_job_given_up_stops_at_its_next_rows(app, fx, analyst):
    job = _running_job(fx, analyst)
    beat = Heartbeat(app, job.id)
    beat.add(1000)
    beat._beat()
    assert (_job(job.token).done_rows, beat.cancelled) == (1000, False)
    _job(job.token).state = JobState.failed
    db.session.commit()
    beat._beat()
    assert beat.cancelled
    with pytest.raises(JobCancelled):
        beat.add(1000)


def test_a_job_given_up_before_it_ends_leaves_no_file(app, fx, analyst, monkeypatch):
    job = _running_job(fx, analyst)
    job_id, token = job.id, job.token
    real = jobs._write

    def then_given_up(job, part, beat):
        result = real(job, part, beat)
        db.session.execute(jobs.update(ExportJob).where(ExportJob.id == job_id)
                           .values(state=JobState.failed, error="stopped"))
        db.session.commit()
        return result

    monkeypatch.setattr(jobs, "_write", then_given_up)
    jobs.build(app, job_id)
    assert _job(token).state == JobState.failed
    assert not jobs.file_path(token).exists()


def test_files_no_job_owns_are_swept(app, fx, analyst):
    running = _running_job(fx, analyst)
    os.makedirs(jobs.folder(), mode=0o700, exist_ok=True)
    for name in (f"{running.token}.part", "A" * 32 + ".xlsx", "B" * 32 + ".part"):
        (jobs.folder() / name).write_bytes(b"x")
    jobs.sweep_files()
    assert [p.name for p in jobs.folder().iterdir()] == [f"{running.token}.part"]


# --- A double click, and how many at once --------------------------------------------------


@pytest.mark.config(EXPORT_IN_REQUEST_MAX_ROWS=0)
def test_a_double_click_gets_the_same_job(app, client, fx, analyst, monkeypatch):
    launched = []
    monkeypatch.setattr(jobs, "launch", launched.append)  # the thread is still at work
    first = _token_of(client.get(f"{_base(fx)}/export.xlsx?lang=en"))
    second = _token_of(client.get(f"{_base(fx)}/export.xlsx?lang=en"))
    assert first == second and len(launched) == 1
    assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 1
    # Other parameters are another workbook; retrying a running job reuses it.
    other = _token_of(client.get(f"{_base(fx)}/export.xlsx?lang=km"))
    assert other != first and len(launched) == 2
    assert _token_of(client.post(f"{_base(fx)}/exports/{first}/retry")) == first
    # A third at once is one too many: the latest is shown, with a word why.
    third = client.get(f"{_base(fx)}/export.xlsx?lang=both", follow_redirects=True)
    assert "You already have 2 workbooks being prepared" in third.get_data(as_text=True)
    assert len(launched) == 2
    assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 2


def test_the_database_keeps_one_running_job_per_person_and_parameters(app, fx, analyst):
    _running_job(fx, analyst, key="s" * 64)
    row = {"token": "T" * 32, "event_id": fx.event.id, "user_id": analyst.id, "lang": "en",
           "identifying": True, "filters": {}, "params_key": "s" * 64, "state": "running",
           "total_rows": 1, "done_rows": 0, "download_name": "", "error": "",
           "created_at": utcnow(), "updated_at": utcnow()}
    with pytest.raises(IntegrityError):
        db.session.execute(insert(ExportJob), [row])
    db.session.rollback()
    db.session.execute(insert(ExportJob), [{**row, "state": "failed"}])  # finished: fine
    db.session.commit()


# --- Who may -------------------------------------------------------------------------------


@JOB
@pytest.mark.parametrize("who", ["other analyst", "admin"])
def test_another_staff_member_gets_404_for_someone_elses_job(app, client, fx, analyst, make,
                                                             who):
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx"))
    other = make.user(Role.admin if who == "admin" else Role.analyst)
    db.session.commit()
    theirs = _client_for(app, other)
    for suffix in ("", "/progress.json", "/download"):
        assert theirs.get(f"{_base(fx)}/exports/{token}{suffix}").status_code == 404
    assert theirs.post(f"{_base(fx)}/exports/{token}/retry").status_code == 404
    assert _audits() == []


@JOB
@pytest.mark.parametrize("role", [Role.facilitator, Role.admin])
def test_facilitators_and_admins_prepare_their_own(app, fx, make, role):
    user = make.user(role)
    db.session.commit()
    theirs = _client_for(app, user)
    token = _token_of(theirs.get(f"{_base(fx)}/export.xlsx"))
    assert theirs.get(f"{_base(fx)}/exports/{token}/download").status_code == 200


@JOB
def test_strangers_clerks_and_the_signed_out_are_refused(app, client, fx, analyst, make):
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx"))
    stranger = make.user(Role.facilitator, team=False)
    clerk = make.user(Role.clerk)
    db.session.commit()
    for user in (stranger, clerk):
        theirs = _client_for(app, user)
        assert theirs.get(f"{_base(fx)}/export.xlsx").status_code == 403
        for suffix in ("", "/progress.json", "/download"):
            assert theirs.get(f"{_base(fx)}/exports/{token}{suffix}").status_code == 403
        assert theirs.post(f"{_base(fx)}/exports/{token}/retry").status_code == 403
    anonymous = app.test_client()
    response = anonymous.get(f"{_base(fx)}/exports/{token}/download")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 1


@JOB
def test_unknown_malformed_and_other_events_jobs_are_404(app, client, fx, analyst, make):
    token = _token_of(client.get(f"{_base(fx)}/export.xlsx"))
    other_event = make.event()  # the analyst is on its team too
    db.session.commit()
    for path in (f"{_base(fx)}/exports/{'Z' * 32}", f"{_base(fx)}/exports/short",
                 f"{_base(fx)}/exports/{'Z' * 32}/progress.json",
                 f"/staff/events/{other_event.id}/exports/{token}",
                 f"/staff/events/{other_event.id}/exports/{token}/download"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"{_base(fx)}/exports/{'Z' * 32}/retry").status_code == 404
