"""Leaving a consultation on a borrowed phone, and a resume link a facilitator re-issues."""

from __future__ import annotations

import pytest
from flask_babel import gettext as _
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.extensions import db
from consult.participants.models import Source
from consult.participants.operations import reissue_resume_link
from tests.conftest import login
from tests.helpers import as_participant, workshop


def test_the_profile_page_offers_a_way_to_leave(client, make):
    event = make.event()
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    html = client.get(f"/e/{event.join_code}/profile").get_data(as_text=True)
    assert f'action="/e/{event.join_code}/leave"' in html
    assert "This is not my phone" in html


def test_a_newcomer_is_not_offered_to_leave(client, make):
    event = make.event()
    db.session.commit()
    html = client.get(f"/e/{event.join_code}/profile").get_data(as_text=True)
    assert "/leave" not in html


@pytest.mark.parametrize("lang", ["en", "km"])
def test_leaving_forgets_the_participant_in_this_browser_only(app, client, make, lang):
    event, _round, _items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    client.post("/language", data={"lang": lang, "next": "/"})
    as_participant(client, person)
    other_phone = app.test_client()
    as_participant(other_phone, person)
    response = client.post(f"/e/{event.join_code}/leave", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path == "/"
    with app.test_request_context(headers={"Cookie": f"consult_lang={lang}"}):
        message = _("You have left this consultation on this device. Your answers are kept: "
                    "open your resume link to come back.")
    assert message in html
    # This browser is anonymous again: the waiting screen sends it to the profile form.
    wait = client.get(f"/e/{event.join_code}/wait")
    assert wait.status_code == 302 and wait.headers["Location"] == f"/j/{event.join_code}"
    # The participant's other device and resume link still work.
    assert other_phone.get(f"/e/{event.join_code}/wait").status_code == 200
    assert client.get(f"/r/{person.token}").status_code == 302
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200


def test_leaving_keeps_a_staff_member_signed_in(client, make):
    event = make.event()
    person = make.participant(event)
    user = make.user(Role.facilitator)
    db.session.commit()
    as_participant(client, person)
    login(client, user)
    assert client.post(f"/e/{event.join_code}/leave").status_code == 302
    assert client.get("/staff/").status_code == 200


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_leaving_needs_the_form_token(client, make):
    event = make.event()
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    assert client.post(f"/e/{event.join_code}/leave").status_code == 400
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200


def test_leave_is_post_only(client, make):
    event = make.event()
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    assert client.get(f"/e/{event.join_code}/leave").status_code == 405
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200


# Re-issuing a resume link.

def test_reissuing_a_link_ends_the_old_link_and_every_old_cookie(app, client, make):
    event = make.event()
    person = make.participant(event, source=Source.badge, badge_number="17")
    facilitator = make.user(Role.facilitator)
    db.session.commit()
    old_token = person.token
    as_participant(client, person)
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200
    reissue_resume_link(person, actor=facilitator)
    db.session.commit()
    assert person.token != old_token
    # The phone holding the old cookie is anonymous now; the old link is refused.
    assert client.get(f"/e/{event.join_code}/wait").status_code == 302
    assert client.get(f"/r/{old_token}").status_code == 404
    fresh = app.test_client()
    assert fresh.get(f"/r/{person.token}").status_code == 302
    assert fresh.get(f"/e/{event.join_code}/wait").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "participant.reissue_link"))
    assert (entry.user_id, entry.event_id, entry.target_id) == (facilitator.id, event.id,
                                                                person.id)
    assert old_token not in str(entry.details) and person.token not in str(entry.details)


def test_reissue_link_command_prints_the_new_link(app, make):
    event = make.event(join_code="KH7Q2P")
    person = make.participant(event, public_code="P-7KQ2M9")
    db.session.commit()
    old_token = person.token
    result = app.test_cli_runner().invoke(args=["consult", "reissue-link", "kh7q2p", "p-7kq2m9"])
    assert result.exit_code == 0, result.output
    db.session.refresh(person)
    assert person.token != old_token
    assert f"http://192.0.2.10:8000/r/{person.token}" in result.output
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action.like("participant.%"))) == "participant.reissue_link"


@pytest.mark.parametrize(("args", "message"), [
    (["NOPE99", "P-7KQ2M9"], "No event with id or join code"),
    (["KH7Q2P", "P-AAAAAA"], "No participant P-AAAAAA"),
])
def test_reissue_link_command_refuses_unknown_codes(app, make, args, message):
    other = make.event(join_code="ZZ2345")
    make.participant(other, public_code="P-AAAAAA")  # another event's participant
    event = make.event(join_code="KH7Q2P")
    person = make.participant(event, public_code="P-7KQ2M9")
    db.session.commit()
    old_token = person.token
    result = app.test_cli_runner().invoke(args=["consult", "reissue-link", *args])
    assert result.exit_code != 0 and message in result.output
    db.session.refresh(person)
    assert person.token == old_token


def test_a_facilitator_reissues_a_link_from_the_staff_page(app, client, make):
    event = make.event()
    person = make.participant(event, public_code="P-7KQ2M9")
    facilitator = make.user(Role.facilitator)
    db.session.commit()
    old_token = person.token
    login(client, facilitator)
    page = client.get(f"/staff/events/{event.id}/resume-link")
    assert page.status_code == 200 and 'name="public_code"' in page.get_data(as_text=True)
    response = client.post(f"/staff/events/{event.id}/resume-link",
                           data={"public_code": "p 7kq2m9"})
    html = response.get_data(as_text=True)
    db.session.refresh(person)
    assert response.status_code == 200 and person.token != old_token
    assert f"/r/{person.token}" in html and "<svg" in html and "P-7KQ2M9" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_staff_page_says_when_no_participant_has_the_code(client, make):
    event = make.event()
    other = make.event()
    person = make.participant(other, public_code="P-7KQ2M9")
    facilitator = make.user(Role.facilitator)
    db.session.commit()
    old_token = person.token
    login(client, facilitator)
    response = client.post(f"/staff/events/{event.id}/resume-link",
                           data={"public_code": "P-7KQ2M9"})
    assert response.status_code == 400
    assert "No participant of this event has the code" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.token == old_token


def test_an_analyst_cannot_reissue_a_link(client, make):
    event = make.event()
    person = make.participant(event)
    analyst = make.user(Role.analyst)
    db.session.commit()
    old_token = person.token
    login(client, analyst)
    response = client.post(f"/staff/events/{event.id}/resume-link",
                           data={"public_code": person.public_code})
    assert response.status_code == 403
    db.session.refresh(person)
    assert person.token == old_token
