"""The vote page's fast path (consult/fastpath/page.py): the cached page, filled without Flask.

It must give the very bytes and headers the view gives, and hand every unusual request to the
view. "Taken" is shown by breaking the view after the first load (which renders and caches the
page); "handed over" by the view's own answer.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from consult.agenda.models import ItemKind, Round, RoundState
from consult.events.models import EventStatus
from consult.extensions import db
from consult.i18n import LOCALE_COOKIE
from consult.timeutil import utcnow
from consult.voting.models import Response
from consult.voting.operations import cast_vote, parse_answer
from tests.conftest import login
from tests.helpers import as_participant, workshop

KINDS = (ItemKind.agreement, ItemKind.priority, ItemKind.choice, ItemKind.multi,
         ItemKind.ranking, ItemKind.text)
TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
NOW = re.compile(r'data-server-now="([^"]*)"')


def _broken_view(*args, **kwargs):
    raise AssertionError("the view was called: the fast path did not answer")


def _url(event, round_, query: str = "") -> str:
    return f"/e/{event.join_code}/rounds/{round_.id}{query}"


def _phone(app, person, lang: str | None = None):
    client = app.test_client()
    if lang:
        client.set_cookie(LOCALE_COOKIE, lang)
    as_participant(client, person)
    return client


def _comparable(html: str) -> str:
    return NOW.sub("NOW", TOKEN.sub("TOKEN", html))


def _room(make, **event_kw):
    """An open round of every kind with a deadline, and a participant who answered a few."""
    event, round_, items = workshop(make, kinds=KINDS, **event_kw)
    round_.extend(utcnow() + timedelta(minutes=20))
    person = make.participant(event)
    by_kind = {item.kind: item for item in items}
    for kind, values, ranks, comment in (
            (ItemKind.agreement, ["4"], None, '<b>"why"</b> & ល្អ'),
            (ItemKind.multi, ["a", "c"], None, None),
            (ItemKind.ranking, [], {"b": "1", "a": "2"}, None),
            (ItemKind.text, ["</textarea> ចម្លើយ"], None, None)):
        cast_vote(person, by_kind[kind], parse_answer(by_kind[kind], values, ranks, comment))
    db.session.commit()
    return event, round_, items, person


@pytest.mark.parametrize("lang", ["en", "km", None])
def test_the_fast_page_is_the_views_page_byte_for_byte(app, other_app, make, lang):
    event, round_, _items, person = _room(make, khmer_digits=True)
    url = _url(event, round_)
    phone = _phone(app, person, lang)
    first = phone.get(url)  # the view: writes the form token, renders and caches the page
    assert first.status_code == 200 and "Set-Cookie" in first.headers
    app.view_functions["voting.vote_page"] = _broken_view

    fast = phone.get(url)
    slow = _phone(other_app(FAST_PATHS=False), person, lang)
    slow.get(url)  # its own form token first, as the phone's
    slow = slow.get(url)

    assert fast.status_code == slow.status_code == 200
    assert list(fast.headers.items()) == [
        (name, str(len(fast.data)) if name == "Content-Length" else value)
        for name, value in slow.headers.items()]
    html = fast.get_data(as_text=True)
    assert _comparable(html) == _comparable(slow.get_data(as_text=True))
    assert len(re.findall(r'value="[^"]*" checked', html)) == 3
    assert html.count("item-status item-status-saved") == 4
    expected = "km" if lang in (None, "km") else "en"  # the event's language is Khmer
    assert f'<html lang="{expected}">' in html
    (now,) = NOW.findall(html)
    assert abs((utcnow() - utcnow().fromisoformat(now.rstrip("Z"))).total_seconds()) < 5


def test_the_fast_pages_form_token_is_accepted(app, make):
    event, round_, items, person = _room(make)
    phone = _phone(app, person, "en")
    phone.get(_url(event, round_))
    app.view_functions["voting.vote_page"] = _broken_view
    html = phone.get(_url(event, round_)).get_data(as_text=True)
    (token, _) = TOKEN.findall(html)
    response = phone.post(_url(event, round_),
                          data={"csrf_token": token, f"item-{items[1].id}": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(Response.value).where(
        Response.participant_id == person.id, Response.item_id == items[1].id)) == 2


def test_each_phone_gets_its_own_answers(app, make):
    event, round_, _items, person = _room(make)
    other = make.participant(event)
    db.session.commit()
    url = _url(event, round_)
    first = _phone(app, person)
    first.get(url)  # caches the page
    second = _phone(app, other)
    second.get(url)  # its form token
    app.view_functions["voting.vote_page"] = _broken_view
    html = second.get(url).get_data(as_text=True)
    assert not re.search(r'value="[^"]*" (checked|selected)', html)
    assert "&lt;/textarea&gt; ចម្លើយ" not in html and "item-status-saved" not in html
    assert "&lt;/textarea&gt; ចម្លើយ" in first.get(url).get_data(as_text=True)


def _taken_by_view(app, phone, url, status=200):
    """The view answers (the fast path handed it over)."""
    app.view_functions["voting.vote_page"] = lambda code, round_id: ("the view", status)
    response = phone.get(url)
    assert response.data == b"the view", response.data[:200]
    return response


def _warm(app, make, **event_kw):
    event, round_, items, person = _room(make, **event_kw)
    phone = _phone(app, person, "en")
    assert phone.get(_url(event, round_)).status_code == 200
    return event, round_, items, person, phone


def test_the_first_load_of_a_new_session_is_the_views(app, make):
    """It writes the form token into the session (and sends the cookie)."""
    event, round_, _items, person = _room(make)
    _phone(app, person, "en").get(_url(event, round_))  # the page is cached
    _taken_by_view(app, _phone(app, person, "en"), _url(event, round_))


def test_a_page_not_cached_yet_is_the_views(app, make):
    event, round_, _items, _person, phone = _warm(app, make)
    app.extensions["vote_page_cache"]._entries.clear()
    _taken_by_view(app, phone, _url(event, round_))


@pytest.mark.parametrize("case", ["flash", "staff", "query", "remember"])
def test_unusual_requests_are_the_views(app, make, case):
    event, round_, _items, _person, phone = _warm(app, make)
    url = _url(event, round_)
    if case == "flash":
        with phone.session_transaction() as session:
            session["_flashes"] = [("success", "Saved: 1 answers.")]
    elif case == "staff":
        user = make.user(username="facilitator")
        db.session.commit()
        login(phone, user)
    elif case == "query":
        url += "?lang=km"
    else:
        phone.set_cookie("remember_token", "1|x")
    _taken_by_view(app, phone, url)


@pytest.mark.parametrize("change", ["archived", "draft round", "no profile", "voided",
                                    "another event's round"])
def test_pages_the_view_refuses_or_words_otherwise_are_the_views(app, make, change):
    event, round_, _items, person, phone = _warm(app, make)
    url = _url(event, round_)
    if change == "archived":
        db.session.merge(event).status = EventStatus.archived
    elif change == "draft round":
        url = _url(event, make.round(event))
    elif change == "no profile":
        db.session.merge(person).profile_completed_at = None
    elif change == "voided":
        db.session.merge(person).voided_at = utcnow()
    else:
        _other, other_round, _ = workshop(make)
        url = _url(event, other_round)
    db.session.commit()
    _taken_by_view(app, phone, url)


def test_a_round_past_its_deadline_is_closed_by_the_view(app, make):
    event, round_, _items, _person, phone = _warm(app, make)
    db.session.merge(round_).closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = phone.get(_url(event, round_))
    assert response.status_code == 200 and "item-status-saved" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == RoundState.closed


def test_a_closed_round_and_its_changes_show_at_once(app, make):
    """A new round version is a new page: the fast path never serves the old one."""
    event, round_, _items, _person, phone = _warm(app, make)
    app.view_functions["voting.vote_page"] = _broken_view
    assert 'name="csrf_token"' in phone.get(_url(event, round_)).get_data(as_text=True)
    round_ = db.session.merge(round_)
    round_.close()
    db.session.commit()
    app.view_functions["voting.vote_page"] = lambda code, round_id: ("the view", 200)
    assert phone.get(_url(event, round_)).data == b"the view"


def test_fast_paths_can_be_turned_off(other_app, make):
    app = other_app(FAST_PATHS=False)
    event, round_, _items, person = _room(make)
    phone = _phone(app, person, "en")
    phone.get(_url(event, round_))
    _taken_by_view(app, phone, _url(event, round_))
