"""The vote page from the cache: the very page a full render gives, for every answer state,
kept up to date by every change that shows on it, and never anyone else's answers.

Two apps on one database: ``app`` caches the vote page (the default), ``plain`` renders it in
full on every load (``VOTE_PAGE_CACHE_SIZE=0``). A page is compared byte for byte once its two
per-request values are set aside: the form token (signed with the time, so no two requests
share one) and the server's clock (``data-server-now``); each is checked on its own
(``_normalised``), and a submit with the cached page's token is accepted.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from flask import template_rendered
from sqlalchemy import update

from consult.agenda import editing
from consult.agenda.models import ItemKind, Round
from consult.agenda.operations import close_round
from consult.extensions import db
from consult.i18n import LOCALE_COOKIE
from consult.timeutil import utcnow
from consult.voting.operations import cast_vote, parse_answer
from consult.voting.page_cache import UNCUT, PageCache
from tests.conftest import IS_POSTGRES, login
from tests.helpers import as_participant, workshop

KINDS = (ItemKind.agreement, ItemKind.priority, ItemKind.choice, ItemKind.multi,
         ItemKind.ranking, ItemKind.text)
#: Text a participant may type: markup, quotes, an ampersand, Khmer and a line break.
TRICKY = '</textarea><script>alert("x")</script> & \'ok\' ខ្មែរ\nសួស្តី'
COMMENT = '<b>"Needs more"</b> & ល្អណាស់'

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
NOW = re.compile(r'data-server-now="([^"]*)"')


@pytest.fixture
def plain(other_app):
    """An app on the same database that renders the vote page in full on every load."""
    return other_app(VOTE_PAGE_CACHE_SIZE=0)


def _client(app, person, lang: str | None = "en"):
    client = app.test_client()
    if lang:
        client.set_cookie(LOCALE_COOKIE, lang)
    as_participant(client, person)
    return client


def _normalised(response) -> str:
    """The page with its form token and clock set aside, once each is checked."""
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    tokens = TOKEN.findall(html)
    assert len(tokens) == 2 and len(set(tokens)) == 1 and re.fullmatch(r"[\w.-]{20,}", tokens[0])
    (now,) = NOW.findall(html)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now)
    return NOW.sub('data-server-now="NOW"', TOKEN.sub('name="csrf_token" value="TOKEN"', html))


def _page(client, url: str) -> str:
    before = utcnow().replace(microsecond=0)
    response = client.get(url)
    after = utcnow()
    html = _normalised(response)
    now = datetime.fromisoformat(NOW.search(response.get_data(as_text=True))[1].rstrip("Z"))
    assert before <= now <= after
    return html


@pytest.fixture
def renders(app):
    """The templates the cached app renders (none when a page comes from the cache)."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def _url(event, round_, query: str = "") -> str:
    return f"/e/{event.join_code}/rounds/{round_.id}{query}"


def _answer(person, item, values=(), ranks=None, comment=None):
    cast_vote(person, item, parse_answer(item, list(values), ranks, comment))


def _cache(app) -> PageCache:
    return app.extensions["vote_page_cache"]


def _same_page(app, plain, person, url, lang="en", renders=None) -> str:
    """Load the page from the cache twice (a miss, then a hit) and in full; all must agree."""
    cached = _client(app, person, lang)
    first = _page(cached, url)
    if renders is not None:
        renders.clear()
    again = _page(cached, url)
    if renders is not None:
        assert renders == [], "the second load must come from the cache"
    full = _page(_client(plain, person, lang), url)
    assert first == again == full
    return first


# Each state: by kind, what the participant has stored (values, ranks, comment).
STATES = {
    "nothing": {},
    "scales": {ItemKind.agreement: (["0"], None, COMMENT), ItemKind.priority: (["3"], None, None)},
    "options": {ItemKind.choice: (["b"], None, "ok"), ItemKind.multi: (["a", "c"], None, None),
                ItemKind.ranking: ([], {"c": "1", "a": "2"}, None)},
    "text": {ItemKind.text: ([TRICKY], None, COMMENT)},
    "one place": {ItemKind.ranking: ([], {"b": "1"}, "ជម្រើសទាំងអស់ <ល្អ>")},
    "everything": {ItemKind.agreement: (["5"], None, "a"), ItemKind.priority: (["1"], None, "b"),
                   ItemKind.choice: (["a"], None, None), ItemKind.multi: (["b"], None, "&"),
                   ItemKind.ranking: ([], {"a": "1", "b": "2", "c": "3"}, COMMENT),
                   ItemKind.text: (["ចម្លើយ"], None, None)},
}


@pytest.mark.parametrize("lang", ["en", "km"])
@pytest.mark.parametrize("state", list(STATES))
def test_cached_page_is_the_full_render(app, plain, make, renders, state, lang):
    event, round_, items = workshop(make, kinds=KINDS, khmer_digits=True)
    round_.extend(utcnow() + timedelta(minutes=20))
    person = make.participant(event)
    by_kind = {item.kind: item for item in items}
    for kind, (values, ranks, comment) in STATES[state].items():
        _answer(person, by_kind[kind], values, ranks, comment)
    db.session.commit()

    html = _same_page(app, plain, person, _url(event, round_), lang, renders)

    assert html.count(" checked") == sum(len(v) for kind, (v, _, _) in STATES[state].items()
                                        if kind != ItemKind.text)
    assert html.count("<details class=\"comment\" open>") == sum(
        1 for _, _, c in STATES[state].values() if c)
    assert html.count("item-status item-status-saved") == len(STATES[state])
    assert 'class="countdown"' in html
    if state == "text":
        assert ("&lt;/textarea&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; "
                "&#39;ok&#39; ខ្មែរ\nសួស្តី</textarea>") in html
        assert "&lt;b&gt;&#34;Needs more&#34;&lt;/b&gt; &amp; ល្អណាស់</textarea>" in html
    if state == "everything":
        ranking = by_kind[ItemKind.ranking]
        for code, place in (("a", "1"), ("b", "2"), ("c", "3")):
            select_ = re.search(rf'name="item-{ranking.id}-rank-{code}".*?</select>', html, re.S)
            assert re.findall(r'value="(\d)" selected', select_[0]) == [place]


def test_a_participant_never_sees_anothers_answers(app, plain, make):
    event, round_, items = workshop(make, kinds=KINDS)
    first, second = make.participant(event), make.participant(event)
    _answer(first, items[0], ["5"], comment="only mine")
    _answer(first, items[5], ["my own words"])
    _answer(second, items[2], ["c"])
    db.session.commit()
    url = _url(event, round_)

    mine = _same_page(app, plain, first, url)
    theirs = _same_page(app, plain, second, url)

    assert "only mine" in mine and "my own words" in mine
    assert "only mine" not in theirs and "my own words" not in theirs
    assert theirs.count(" checked") == 1 and f'name="item-{items[2].id}" value="c" checked' in theirs
    assert len(_cache(app)) == 1  # one page for both


def test_each_language_and_round_has_its_own_page(app, plain, make):
    event, round_, _ = workshop(make, kinds=(ItemKind.agreement,), khmer_digits=True)
    other = make.round(event)
    make.item(event, round=other, prompt_en="Second round's statement")
    other.open()
    person = make.participant(event)
    db.session.commit()

    english = _same_page(app, plain, person, _url(event, round_), "en")
    khmer = _same_page(app, plain, person, _url(event, round_), "km")
    second = _same_page(app, plain, person, _url(event, other), "en")

    assert '<html lang="en">' in english and '<html lang="km">' in khmer
    assert '<span class="item-number">១.</span>' in khmer
    assert "Second round&#39;s statement" in second and "Second round" not in english
    assert len(_cache(app)) == 3


def test_the_countdown_writes_the_digits_of_each_language(app, make):
    """Not the digits of the language the process first drew the page in."""
    event, round_, _ = workshop(make, khmer_digits=True)
    round_.extend(utcnow() + timedelta(minutes=20))
    person = make.participant(event)
    db.session.commit()
    url = _url(event, round_)
    khmer = _client(app, person, "km").get(url).get_data(as_text=True)
    english = _client(app, person, "en").get(url).get_data(as_text=True)
    assert re.findall(r'data-digits="([^"]*)"', khmer) == ["០១២៣៤៥៦៧៨៩"] * 2
    assert re.findall(r'data-digits="([^"]*)"', english) == ["0123456789"] * 2


def test_every_change_that_shows_on_the_page_shows_at_once(app, plain, make):
    event, round_, items = workshop(make, kinds=(ItemKind.agreement, ItemKind.choice))
    person = make.participant(event)
    db.session.commit()
    url = _url(event, round_)
    _same_page(app, plain, person, url)

    # An item's wording, corrected while the round is open (the agenda builder's operation).
    item = items[1]
    editing.update_item(
        item, None, section=item.section, round=round_, kind="choice", code=item.code,
        prompt_en="Which <one> first?", prompt_km=item.prompt_km,
        options=[editing.OptionSpec(o.code, f"{o.label_en} & more", o.label_km, id=o.id)
                 for o in item.options])
    db.session.commit()
    html = _same_page(app, plain, person, url)
    assert "Which &lt;one&gt; first?" in html and "Option B &amp; more" in html

    # The event's own settings (its row): the title atop the page.
    event.title_en = "Renamed workshop"
    db.session.commit()
    assert "Renamed workshop" in _same_page(app, plain, person, url)

    # The participant's own answers, saved from another tab.
    _answer(person, items[0], ["2"])
    db.session.commit()
    assert f'name="item-{items[0].id}" value="2" checked' in _same_page(app, plain, person, url)

    # A countdown, then the facilitator's close.
    round_.extend(utcnow() + timedelta(minutes=5))
    db.session.commit()
    html = _same_page(app, plain, person, url)
    assert 'data-closes-at="' in html and "Voting closes" in html
    close_round(round_, None)
    db.session.commit()
    html = _same_page(app, plain, person, url)
    assert "data-closes-at" not in html and "Save my answers" not in html
    assert 'id="closed-banner" role="alert">' in html and html.count("disabled>") == 2

    # Reopened with a countdown that then runs out, before anyone closes the round.
    round_.reopen(utcnow() + timedelta(minutes=5))
    db.session.commit()
    assert "Save my answers" in _same_page(app, plain, person, url)
    db.session.execute(update(Round).where(Round.id == round_.id)
                       .values(closes_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    html = _same_page(app, plain, person, url)
    assert "Save my answers" not in html and html.count("disabled>") == 2


def test_return_address_of_the_language_switch_is_this_request(app, plain, make):
    event, round_, _ = workshop(make)
    person = make.participant(event)
    db.session.commit()
    html = _same_page(app, plain, person, _url(event, round_, '?from=<qr>&"x"'))
    assert (f'name="next" value="/e/{event.join_code}/rounds/{round_.id}'
            '?from=&lt;qr&gt;&amp;&#34;x&#34;"') in html
    lower = _same_page(app, plain, person, f"/e/{event.join_code.lower()}/rounds/{round_.id}")
    assert f'name="next" value="/e/{event.join_code.lower()}/rounds/{round_.id}"' in lower


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_form_of_a_cached_page_saves_without_javascript(app, make, renders):
    event, round_, items = workshop(make)
    person = make.participant(event)
    db.session.commit()
    client = _client(app, person)
    url = _url(event, round_)
    client.get(url)
    renders.clear()
    page = client.get(url).get_data(as_text=True)
    assert renders == []
    token = TOKEN.search(page)[1]

    response = client.post(url, data={"csrf_token": token, f"item-{items[0].id}": "4",
                                      f"comment-{items[0].id}": "<ok>"})
    assert response.status_code == 302

    saved = client.get(url).get_data(as_text=True)  # with its flash: rendered in full
    assert "Saved: 1 answers." in saved and renders
    renders.clear()
    after = client.get(url).get_data(as_text=True)  # the flash is gone: from the cache
    assert renders == [] and "Saved: 1 answers." not in after
    assert f'name="item-{items[0].id}" value="4" checked' in after
    assert ">&lt;ok&gt;</textarea>" in after


def test_an_answer_refused_after_a_submit_is_shown_as_typed(app, make):
    event, round_, items = workshop(make, kinds=(ItemKind.agreement, ItemKind.text))
    person = make.participant(event)
    _answer(person, items[1], ["stored"])
    db.session.commit()
    client = _client(app, person)
    url = _url(event, round_)
    client.get(url)  # the round's page is cached

    response = client.post(url, data={f"item-{items[0].id}": "9",
                                      f"item-{items[1].id}": "typed <again>"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    status = f'id="item-{items[0].id}-status" aria-live="polite">'
    assert (f'item-status item-status-error" {status}Not saved: '
            "This answer is not one of the choices.</p>") in html
    assert "typed &lt;again&gt;</textarea>" in html and "stored" not in html


def test_a_signed_in_staff_member_gets_their_own_page(app, make):
    event, round_, _ = workshop(make)
    staff = make.user()
    person = make.participant(event)
    db.session.commit()
    url = _url(event, round_)
    client = _client(app, person)
    login(client, staff)
    as_participant(client, person)

    assert "Sign out" in client.get(url).get_data(as_text=True)
    assert len(_cache(app)) == 0
    assert "Sign out" not in _client(app, person).get(url).get_data(as_text=True)
    assert "Sign out" in client.get(url).get_data(as_text=True)


@pytest.mark.config(VOTE_PAGE_CACHE_SIZE=2)
def test_the_cache_keeps_the_pages_last_used(app, make):
    event, first, _ = workshop(make)
    rounds = [first]
    for _ in range(2):
        round_ = make.round(event)
        make.item(event, round=round_)
        round_.open()
        rounds.append(round_)
    person = make.participant(event)
    db.session.commit()
    client = _client(app, person)
    for round_ in rounds:
        assert client.get(_url(event, round_)).status_code == 200
    assert len(_cache(app)) == 2
    assert {key[0] for key in _cache(app)._entries} == {rounds[1].id, rounds[2].id}


def test_page_cache_is_a_bounded_lru_under_threads():
    cache = PageCache(8)
    cache.put(("a",), "A")
    for n in range(7):
        cache.put((n,), n)
    assert cache.get(("a",)) == "A"  # used: now the newest
    cache.put(("b",), "B")
    assert cache.get((0,)) is None and cache.get(("a",)) == "A"

    def churn(offset):
        for n in range(2000):
            cache.put((offset, n % 20), n)
            cache.get((offset, (n + 7) % 20))

    threads = [threading.Thread(target=churn, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 8 and len(cache._entries) == 8


@pytest.mark.skipif(IS_POSTGRES, reason="PostgreSQL stores no NUL byte in text")
def test_a_page_that_cannot_be_cut_is_rendered_in_full(app, plain, make, renders):
    event, round_, items = workshop(make)
    items[0].prompt_en = "A stray \x00 byte"
    person = make.participant(event)
    db.session.commit()
    url = _url(event, round_)
    assert "A stray \x00 byte" in _page(_client(app, person), url)
    renders.clear()
    assert _page(_client(app, person), url) == _page(_client(plain, person), url)
    assert renders == ["voting/round_vote.html"]  # once, not a skeleton first
    assert list(_cache(app)._entries.values()) == [UNCUT]


def test_the_builders_preview_shows_no_answers(app, make):
    event, round_, items = workshop(make, kinds=KINDS)
    person = make.participant(event)
    _answer(person, items[0], ["5"], comment="mine")
    staff = make.user()
    db.session.commit()
    client = app.test_client()
    login(client, staff)
    html = client.get(f"/staff/events/{event.id}/agenda/rounds/{round_.id}/preview?lang=en")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert " checked" not in text and "mine" not in text and "Saved" not in text
