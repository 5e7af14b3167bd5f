"""Joining: codes as people type them, the profile, resume and badge links, limits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.events.models import JoinMode
from consult.extensions import db
from consult.participants.models import Participant, Source
from consult.voting.models import Response
from tests.helpers import as_participant, vote, workshop


def _profile(event, in_sector=None, **kw):
    data = {"sector": (in_sector or event.sectors[1]).id, "gender": "woman", "locale": "km",
            "organisation": "Royal University of Phnom Penh"}
    data.update(kw)
    return data


@pytest.mark.parametrize("typed", ["KH7Q2P", "kh7q2p", " kh 7q-2p ", "KH៧Q២P"])
def test_join_code_as_typed(client, make, typed):
    make.event(join_code="KH7Q2P")
    db.session.commit()
    response = client.post("/join", data={"code": typed})
    assert response.status_code == 302 and response.headers["Location"] == "/j/KH7Q2P"


@pytest.mark.parametrize(("lang", "text"), [("en", "No consultation has the code"),
                                            ("km", "\u1780")])
def test_wrong_code_gets_a_translated_message_on_the_landing_page(client, lang, text):
    client.post("/language", data={"lang": lang, "next": "/"})
    response = client.post("/join", data={"code": "nope12"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "NOPE12" in html and text in html and 'name="code"' in html


def test_empty_code_is_asked_for(client):
    response = client.post("/join", data={"code": ""})
    assert response.status_code == 400 and "Please type the join code" in response.get_data(
        as_text=True)


def test_lowercase_link_redirects_to_the_canonical_one(client, make):
    make.event(join_code="ABC234")
    db.session.commit()
    response = client.get("/j/abc234")
    assert response.status_code == 302 and response.headers["Location"] == "/j/ABC234"


def test_join_with_profile_then_wait(client, make):
    event = make.event()
    db.session.commit()
    page = client.get(f"/j/{event.join_code}")
    assert page.status_code == 200 and 'name="sector"' in page.get_data(as_text=True)
    response = client.post(f"/e/{event.join_code}/profile", data=_profile(event))
    assert response.status_code == 302 and response.headers["Location"].endswith("/wait")
    person = db.session.scalar(select(Participant))
    assert person.sector_id == event.sectors[1].id and person.gender == "woman"
    assert person.source == Source.web and person.has_profile
    assert person.organisation == "Royal University of Phnom Penh"
    # The same browser is remembered: the QR link now goes straight to the waiting screen.
    assert client.get(f"/j/{event.join_code}").headers["Location"].endswith("/wait")
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200


@pytest.mark.parametrize(("change", "message"), [
    ({"sector": ""}, "Please choose your sector"),
    ({"gender": "robot"}, "Not a valid choice"),
    ({"locale": "fr"}, "Not a valid choice"),
    ({"organisation": "x" * 301}, "300"),
])
def test_bad_profile_is_refused_and_nothing_saved(client, make, change, message):
    event = make.event()
    db.session.commit()
    response = client.post(f"/e/{event.join_code}/profile", data=_profile(event, **change))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_sector_of_another_event_is_refused(client, make):
    event, other = make.event(), make.event()
    db.session.commit()
    response = client.post(f"/e/{event.join_code}/profile",
                           data=_profile(event, in_sector=other.sectors[0]))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_profile_editable_until_a_round_closes_and_answers_follow(client, make):
    event, round_, items = workshop(make)
    client.post(f"/e/{event.join_code}/profile", data=_profile(event, locale="en"))
    vote(client, event, items[0], "4")
    client.post(f"/e/{event.join_code}/profile",
                data=_profile(event, in_sector=event.sectors[3], gender="man", locale="en"))
    response = db.session.scalar(select(Response))
    assert response.sector_id == event.sectors[3].id and response.gender == "man"
    round_ = db.session.merge(round_)
    round_.close()
    db.session.commit()
    refused = client.post(f"/e/{event.join_code}/profile", data=_profile(event, locale="en"))
    assert refused.status_code == 409
    assert db.session.scalar(select(Participant.sector_id)) == event.sectors[3].id
    page = client.get(f"/e/{event.join_code}/profile").get_data(as_text=True)
    assert "can no longer be changed" in page


def test_resume_link_brings_back_the_same_participant(app, client, make):
    event = make.event()
    db.session.commit()
    client.post(f"/e/{event.join_code}/profile", data=_profile(event))
    page = client.get(f"/e/{event.join_code}/profile").get_data(as_text=True)
    person = db.session.scalar(select(Participant))
    assert f"http://192.0.2.10:8000/r/{person.token}" in page and "<svg" in page
    other_phone = app.test_client()
    response = other_phone.get(f"/r/{person.token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/wait")
    assert other_phone.get(f"/e/{event.join_code}/wait").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_bad_resume_link(client):
    assert client.get("/r/not-a-token").status_code == 404


def test_badge_event_refuses_the_code_and_admits_the_badge(app, client, make):
    event = make.event(join_mode=JoinMode.badge)
    badge = Participant(event=event, source=Source.badge, display_name="H.E. Sok",
                        badge_number="B-017")
    db.session.add(badge)
    db.session.commit()
    refused = client.post(f"/e/{event.join_code}/profile", data=_profile(event))
    assert refused.status_code == 403 and "badge" in refused.get_data(as_text=True)
    phone = app.test_client()
    response = phone.get(f"/r/{badge.token}")
    assert response.headers["Location"].endswith("/profile")
    done = phone.post(f"/e/{event.join_code}/profile", data=_profile(event))
    assert done.status_code == 302
    person = db.session.get(Participant, badge.id)
    assert person.has_profile and person.source == Source.badge
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_participant_of_one_event_is_a_stranger_to_another(client, make):
    event, _, _ = workshop(make)
    other, other_round, _ = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    response = client.get(f"/e/{other.join_code}/rounds/{other_round.id}")
    assert response.status_code == 302 and f"/j/{other.join_code}" in response.headers["Location"]


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_only_failed_joins_count_towards_the_limit(client, make):
    event = make.event()
    db.session.commit()
    for _ in range(30):  # a room joining from one Wi-Fi address
        assert client.post("/join", data={"code": event.join_code}).status_code == 302
    codes = [client.post("/join", data={"code": "WRONG1"}).status_code for _ in range(21)]
    assert codes[:20] == [404] * 20 and codes[20] == 429
    assert "Too many wrong codes" in client.post("/join", data={"code": "WRONG1"}).get_data(
        as_text=True)
