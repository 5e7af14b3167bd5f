"""A large workbook in real Chromium: the progress page follows the job, then downloads the file.

An analyst clicks *Workbook (Excel)*; the workbook goes through a job (every export does here)
whose writer is held half-way, so the page is seen counting; once released, the page's script
sees the job ready, loads the page again and the download starts by itself. A job whose
process stopped offers to try again, and trying again downloads it; an analyst signed out
meanwhile is taken to the sign-in page and the script stops asking. The running page at 360
and 1440 px, the ready and the failed page at 360 px go to docs/screenshots/
(export-progress-<lang>-<width>.png, export-ready-<lang>-360.png, export-failed-<lang>-360.png).
"""

from __future__ import annotations

import threading

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from consult.accounts.models import Role
from consult.extensions import db
from consult.i18n import LOCALE_COOKIE, localize_digits
from consult.results.jobs import ExportJob, JobState
from tests.browser.conftest import opened, screenshot, sign_in
from tests.results import workshop_fixture

pytestmark = pytest.mark.browser


def _digits(lang: str, event, number: int) -> str:
    with force_locale(lang):
        return localize_digits(number, event)


def _ask_for_the_workbook(page, base: str, event_id: int) -> None:
    """Sign in as the analyst and click *Workbook (Excel)* on the event's results."""
    sign_in(page, base, "analyst")
    page.goto(f"{base}/staff/events/{event_id}/results")
    page.locator("a[href*='/export.xlsx']").first.click()


def _says(lang: str, message: str) -> str:
    """``message`` as the page in ``lang`` says it (whatever the catalog holds today)."""
    with force_locale(lang):
        return gettext(message)


@pytest.mark.config(EXPORT_IN_REQUEST_MAX_ROWS=0, EXPORT_JOB_HEARTBEAT_SECONDS=0.2)
@pytest.mark.parametrize("lang", ["km", "en"])
def test_the_progress_page_counts_then_downloads(browser, live_server, app, make, monkeypatch,
                                                 tmp_path, lang):
    from consult.results import workbook

    fx = workshop_fixture.build(make)
    make.user(Role.analyst, username="analyst")
    db.session.commit()
    halfway, release, real = threading.Event(), threading.Event(), workbook.write_workbook

    def held(*args, progress=None, **kwargs):
        progress(15)  # 15 of the 40 answers written …
        halfway.set()
        release.wait(60)  # … until the page has been seen counting
        checksum = real(*args, **kwargs)
        progress(25)
        return checksum

    monkeypatch.setattr(workbook, "write_workbook", held)
    base = live_server.url
    running = _says(lang, "Preparing the workbook")
    ready = _says(lang, "The workbook is ready")
    try:
        with opened(browser, locale="km-KH", viewport={"width": 1440, "height": 900},
                    accept_downloads=True) as context:
            context.add_cookies([{"name": LOCALE_COOKIE, "value": lang, "url": base}])
            page = context.new_page()
            _ask_for_the_workbook(page, base, fx.event.id)
            expect(page.locator("h1")).to_have_text(running)
            assert halfway.wait(30)
            # The script asks every 1.5 s and moves the bar: 15 of 40.
            bar = page.locator(".export-job progress")
            expect(bar).to_have_attribute("max", "40")
            expect(bar).to_have_js_property("value", 15)
            expect(page.locator("[data-export-text]")).to_have_text(
                _says(lang, "Writing the answers: %(done)s of %(total)s") % {
                    "done": _digits(lang, fx.event, 15), "total": _digits(lang, fx.event, 40)})
            screenshot(page, f"export-progress-{lang}-1440.png")
            page.set_viewport_size({"width": 360, "height": 780})
            screenshot(page, f"export-progress-{lang}-360.png")
            with page.expect_download(timeout=60_000) as info:
                release.set()
            path = tmp_path / "workbook.xlsx"
            info.value.save_as(path)
            expect(page.locator("h1")).to_have_text(ready)
            screenshot(page, f"export-ready-{lang}-360.png")
            # A job whose process stopped: said in words, with a button to try again.
            job = db.session.scalar(select(ExportJob))
            job.state, job.error = JobState.failed, "stopped"
            db.session.commit()
            page.goto(f"{base}/staff/events/{fx.event.id}/exports/{job.token}")
            expect(page.locator("h1")).to_have_text(_says(lang, "The workbook was not finished"))
            screenshot(page, f"export-failed-{lang}-360.png")
            with page.expect_download(timeout=60_000):
                page.locator(".export-job form button").click()
    finally:
        release.set()
    book = load_workbook(path, read_only=True)
    assert book.sheetnames[-2] in ("Responses", "ចម្លើយ") or len(book.sheetnames) == 10
    rows = list(book.worksheets[-2].iter_rows(values_only=True))
    assert len(rows) == 41  # the header and the workshop's 40 answers


@pytest.mark.config(EXPORT_IN_REQUEST_MAX_ROWS=0, EXPORT_JOB_HEARTBEAT_SECONDS=0.2)
def test_signed_out_while_preparing_the_page_goes_to_sign_in(browser, live_server, app, make,
                                                           monkeypatch):
    """The progress script stops asking once the answer says the page is gone (signed out)."""
    from consult.results import workbook

    fx = workshop_fixture.build(make)
    make.user(Role.analyst, username="analyst")
    db.session.commit()
    halfway, release, real = threading.Event(), threading.Event(), workbook.write_workbook

    def held(*args, progress=None, **kwargs):
        halfway.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbook, "write_workbook", held)
    base = live_server.url
    asked = []
    try:
        with opened(browser, viewport={"width": 360, "height": 780}) as context:
            page = context.new_page()
            page.on("request", lambda r: asked.append(r.url) if "progress.json" in r.url else None)
            _ask_for_the_workbook(page, base, fx.event.id)
            assert halfway.wait(30)
            expect(page.locator(".export-job progress")).to_be_visible()
            context.clear_cookies()  # signed out (in another tab, or the session ended)
            page.wait_for_url(f"{base}/staff/login*", timeout=10_000)
            stopped_at = len(asked)
            page.wait_for_timeout(3_500)  # two more periods: no question asked since
            assert len(asked) == stopped_at and stopped_at >= 1
    finally:
        release.set()
