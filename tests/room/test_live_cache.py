"""The live figures of the console and the projector: computed once per interval for every
viewer of a process, a round change at once, 304 when nothing changed, buttons by role."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from consult.accounts.models import Role
from consult.extensions import db
from consult.i18n import LOCALE_COOKIE
from consult.room.live_cache import LiveCache
from consult.timeutil import utcnow
from tests.conftest import login
from tests.helpers import workshop


@pytest.fixture
def cache(app) -> LiveCache:
    """This app's live cache, on a clock the test moves by hand (``cache.now``)."""
    cache = app.extensions["consult.live_cache"]
    cache.now = 1000.0
    cache.clock = lambda: cache.now
    return cache


def _client(app, user=None, lang="en"):
    client = app.test_client()
    client.set_cookie(LOCALE_COOKIE, lang)
    if user is not None:
        login(client, user)
    return client


def _console(event):
    return f"/staff/events/{event.id}/console/live"


def _screen(event):
    return f"/e/{event.join_code}/screen/live?k={event.screen_token}"


def _responded(html: str) -> int:
    return int(re.search(r'class="big-number responded-total">(\d+)<', html).group(1))


def _vote(make, event, item, value=5, **kw):
    make.response(make.participant(event), item, value, **kw)
    db.session.commit()


@pytest.fixture
def room(app, make, cache):
    """A workshop with three answers, two facilitators, an analyst, each signed in."""
    facilitators = [make.user(Role.facilitator), make.user(Role.facilitator)]
    analyst = make.user(Role.analyst)
    event, round_, items = workshop(make)
    for value in (5, 4, 2):
        _vote(make, event, items[0], value, comment=f"Comment {value}")
    return {"event": event, "round": round_, "items": items, "analyst_user": analyst,
            "facilitators": [_client(app, u) for u in facilitators],
            "analyst": _client(app, analyst), "projector": _client(app)}


def test_figures_are_computed_once_for_every_viewer(room, cache):
    event = room["event"]
    viewers = [*room["facilitators"], room["analyst"]]
    pages = [c.get(_console(event)) for c in viewers * 2]
    assert all(p.status_code == 200 and _responded(p.get_data(as_text=True)) == 3 for p in pages)
    assert cache.computed["console"] == 1
    for client in (room["projector"], _client(room["analyst"].application), *viewers):
        assert "Round 1" in client.get(_screen(event)).text
    assert cache.computed["screen"] == 1
    cache.now += 1.0  # the interval has passed: the next poll starts counting again, once
    for client in viewers:
        client.get(_console(event))
    assert cache.wait_idle()
    assert cache.computed["console"] == 2


@pytest.mark.config(LIVE_CACHE_SECONDS=0)
def test_no_interval_counts_on_every_poll(room, cache):
    for client in (*room["facilitators"], *room["facilitators"]):
        client.get(_console(room["event"]))
    assert cache.computed["console"] == 4


def test_a_vote_shows_after_the_interval(room, make, cache):
    event, items = room["event"], room["items"]
    analyst = room["analyst"]
    assert _responded(analyst.get(_console(event)).get_data(as_text=True)) == 3
    _vote(make, event, items[0], 5)
    # Within the interval every viewer gets what was counted: the same figures.
    assert _responded(analyst.get(_console(event)).get_data(as_text=True)) == 3
    assert _responded(room["facilitators"][0].get(_console(event)).get_data(as_text=True)) == 3
    cache.now += 0.75
    assert _responded(analyst.get(_console(event)).get_data(as_text=True)) == 3
    assert cache.computed["console"] == 1
    cache.now += 0.25
    # The first poll after the interval starts counting, and takes what was counted before.
    assert _responded(analyst.get(_console(event)).get_data(as_text=True)) == 3
    assert cache.wait_idle() and cache.computed["console"] == 2
    html = analyst.get(_console(event)).get_data(as_text=True)
    assert _responded(html) == 4
    assert ">75%<" in html  # 3 agree of 4 with an opinion


def test_the_projector_shows_a_vote_after_the_interval(room, make, cache):
    event, round_, items = room["event"], room["round"], room["items"]
    round_ = db.session.merge(round_)
    round_.reveal()
    db.session.commit()
    projector = room["projector"]
    assert ">67%<" in projector.get(_screen(event)).get_data(as_text=True)
    _vote(make, event, items[0], 5)
    assert ">67%<" in projector.get(_screen(event)).get_data(as_text=True)
    cache.now += 1.0
    assert ">67%<" in projector.get(_screen(event)).get_data(as_text=True)
    assert cache.wait_idle()
    html = projector.get(_screen(event)).get_data(as_text=True)
    assert ">75%<" in html and ">67%<" not in html


def test_a_round_change_shows_at_once(room, make, cache):
    """Opened, closed, revealed, past its deadline: the next poll shows it, the clock stopped."""
    event, first = room["event"], room["round"]
    second = make.round(event)
    make.item(event, round=second)
    db.session.commit()
    facilitator, projector = room["facilitators"][0], room["projector"]
    base = f"/staff/events/{event.id}/rounds"
    assert f'data-round-id="{second.id}"' not in facilitator.get(_console(event)).text
    assert "Round 2" not in projector.get(_screen(event)).text

    facilitator.post(f"{base}/{second.id}/open")
    assert f'data-round-id="{second.id}"' in facilitator.get(_console(event)).text
    assert "Round 2" in projector.get(_screen(event)).text

    facilitator.post(f"{base}/{first.id}/close")
    assert f'data-round-id="{first.id}"' not in facilitator.get(_console(event)).text
    facilitator.post(f"{base}/{first.id}/reveal")
    assert "Results: Round 1" in projector.get(_screen(event)).text

    second = db.session.merge(second)
    second.closes_at = utcnow() - timedelta(seconds=1)  # its deadline passed a moment ago
    db.session.commit()
    html = facilitator.get(_console(event)).text
    assert f'data-round-id="{second.id}"' not in html and "No round is open." in html
    assert cache.now == 1000.0  # none of it waited for the interval


def test_a_voided_participant_leaves_the_figures_at_once(room, make, cache):
    event, items = room["event"], room["items"]
    analyst = room["analyst"]
    phone = make.participant(event)
    make.response(phone, items[0], 1, comment="Testing the microphone")
    db.session.commit()
    html = analyst.get(_console(event)).text
    assert _responded(html) == 4 and "Testing the microphone" in html
    phone = db.session.merge(phone)
    phone.void(None, "A test phone")
    db.session.commit()
    html = analyst.get(_console(event)).text
    assert _responded(html) == 3 and "Testing the microphone" not in html


def test_unchanged_panel_answers_304(room, make, cache):
    event, items = room["event"], room["items"]
    for client, path in ((room["analyst"], _console(event)),
                         (room["facilitators"][0], _console(event)),
                         (room["projector"], _screen(event))):
        first = client.get(path)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag
        # Counted again after the interval, nothing new: still 304.
        cache.now += 1.0
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert cache.wait_idle()
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    etag = room["analyst"].get(_console(event)).headers["ETag"]
    _vote(make, event, items[0], 1)
    cache.now += 1.0
    room["analyst"].get(_console(event), headers={"If-None-Match": etag})
    assert cache.wait_idle()
    changed = room["analyst"].get(_console(event), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and _responded(changed.text) == 4
    assert changed.headers["ETag"] != etag


def test_the_etag_differs_by_language_role_and_viewer(app, room):
    event = room["event"]
    analyst, (one, two) = room["analyst"], room["facilitators"]
    etags = {name: client.get(_console(event)).headers["ETag"]
             for name, client in (("analyst", analyst), ("one", one), ("two", two))}
    assert len(set(etags.values())) == 3
    khmer = _client(app, room["analyst_user"], lang="km")
    response = khmer.get(_console(event), headers={"If-None-Match": etags["analyst"]})
    assert response.status_code == 200 and "ចំនួនអ្នកចូលរួម៖" in response.text
    # Another facilitator's version is not this one's: its form tokens would be another's.
    assert one.get(_console(event), headers={"If-None-Match": etags["two"]}).status_code == 200
    screen_en = room["projector"].get(_screen(event)).headers["ETag"]
    screen_km = _client(app, lang="km").get(_screen(event), headers={"If-None-Match": screen_en})
    assert screen_km.status_code == 200


def test_buttons_differ_by_role_with_the_figures_shared(room, cache):
    event = room["event"]
    (one, two), analyst = room["facilitators"], room["analyst"]
    html_one, html_two = one.get(_console(event)).text, two.get(_console(event)).text
    html_analyst = analyst.get(_console(event)).text
    assert cache.computed["console"] == 1
    assert html_one.count("/comment-visibility") == 3 and "/comment-visibility" not in html_analyst
    assert 'name="csrf_token"' not in html_analyst and "Comment 5" in html_analyst
    # Each facilitator's forms carry a token of their own session, never another's.
    tokens_one = set(re.findall(r'name="csrf_token" value="([^"]+)"', html_one))
    tokens_two = set(re.findall(r'name="csrf_token" value="([^"]+)"', html_two))
    assert tokens_one and tokens_two and not tokens_one & tokens_two
    # The buttons of a facilitator work from the shared figures.
    response_id = re.search(r'data-response-id="(\d+)"', html_one).group(1)
    url = f"/staff/events/{event.id}/responses/{response_id}/comment-visibility"
    assert one.post(url, data={"hidden": "1"}).status_code == 302


def _hidden_mark(html: str, response_id) -> bool:
    row = html[html.index(f'data-response-id="{response_id}"'):]
    return "Hidden from published views" in row[:row.index("</li>")]


def test_a_hidden_comment_shows_at_once_in_this_process(room, cache):
    event = room["event"]
    facilitator, other = room["facilitators"]
    html = other.get(_console(event)).text
    response_id = re.search(r'data-response-id="(\d+)"', html).group(1)
    url = f"/staff/events/{event.id}/responses/{response_id}/comment-visibility"
    assert facilitator.post(url, data={"hidden": "1"}).status_code == 302
    assert _hidden_mark(other.get(_console(event)).text, response_id)
    assert cache.now == 1000.0


def test_the_console_page_counts_afresh_and_its_polls_share_it(room, make, cache):
    """A page load is exact (after an action, the page shows its effect); polls reuse it."""
    event, items = room["event"], room["items"]
    analyst = room["analyst"]
    assert _responded(analyst.get(_console(event)).text) == 3
    _vote(make, event, items[0], 5)
    page = analyst.get(f"/staff/events/{event.id}/console").text
    assert _responded(page) == 4
    assert _responded(analyst.get(_console(event)).text) == 4
    assert cache.computed["console"] == 2 and cache.now == 1000.0


@pytest.mark.parametrize("path", ["console", "screen"])
def test_no_304_and_no_figures_for_those_not_allowed(app, room, path):
    """A valid ETag is no key: the access checks come first."""
    event = room["event"]
    url = _console(event) if path == "console" else _screen(event)
    etag = (room["analyst"] if path == "console" else room["projector"]).get(url).headers["ETag"]
    stranger = _client(app)
    url = url if path == "console" else f"/e/{event.join_code}/screen/live?k=wrong"
    response = stranger.get(url, headers={"If-None-Match": etag})
    assert response.status_code in (302, 403) and "Comment 5" not in response.text
    if path == "console":
        from tests import factories

        outsider = factories.user(Role.facilitator, team=False)
        db.session.commit()
        login(stranger, outsider)
        response = stranger.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 403


def test_one_computation_while_many_threads_ask():
    """No thundering herd: one thread computes, the others wait for it and share its result."""
    cache = LiveCache(1.0, clock=lambda: 0.0)
    started, release = threading.Event(), threading.Event()
    calls = []

    def compute():
        calls.append(1)
        started.set()
        assert release.wait(10)
        return 5, {"n": len(calls)}

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(("console", 1), 5,
                                                                        compute)))
               for _ in range(8)]
    threads[0].start()
    assert started.wait(10)
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1 and len(results) == 8
    assert all(r is results[0] for r in results) and results[0].data == {"n": 1}


def test_after_the_interval_polls_take_the_previous_result_while_one_thread_counts():
    now = [0.0]
    cache = LiveCache(1.0, clock=lambda: now[0])
    first = cache.get(("screen", 1), 5, lambda: (5, {"n": 1}))
    now[0] = 2.0
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        assert release.wait(10)
        return 5, {"n": 2}

    # The poll that finds it old does not wait: the previous result, the count in a thread.
    assert cache.get(("screen", 1), 5, slow) is first
    assert started.wait(10)
    assert cache.get(("screen", 1), 5, lambda: pytest.fail("counted twice")) is first
    # A new state cannot take the previous result: it waits, then computes its own.
    newer = []
    waiter = threading.Thread(target=lambda: newer.append(cache.get(("screen", 1), 6,
                                                                    lambda: (6, {"n": 3}))))
    waiter.start()
    release.set()
    waiter.join(10)
    assert cache.wait_idle()
    assert newer[0].data == {"n": 3} and newer[0].version == 6
    assert cache.get(("screen", 1), 5, lambda: pytest.fail("older state")) is newer[0]
    assert cache.computed["screen"] == 3


def test_a_failed_computation_leaves_no_one_waiting(caplog):
    now = [0.0]
    cache = LiveCache(1.0, clock=lambda: now[0])

    def broken():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get(("console", 1), 1, broken)
    kept = cache.get(("console", 1), 1, lambda: (1, {"ok": True}))
    assert kept.data == {"ok": True}
    now[0] = 5.0
    # Failing in its thread: logged, the previous result stays, the next poll tries again.
    assert cache.get(("console", 1), 1, broken) is kept
    assert cache.wait_idle() and "not computed" in caplog.text
    assert cache.get(("console", 1), 1, lambda: (1, {"ok": 2})) is kept
    assert cache.wait_idle() and cache.get(("console", 1), 1, broken).data == {"ok": 2}


def test_a_computation_begun_before_a_discard_is_not_kept():
    """A comment hidden while the figures were being counted: those figures are not kept."""
    now = [0.0]
    cache = LiveCache(1.0, clock=lambda: now[0])
    cache.get(("console", 1), 1, lambda: (1, {"hidden": False}))
    now[0] = 2.0
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        assert release.wait(10)
        return 1, {"hidden": False}

    cache.get(("console", 1), 1, slow)
    assert started.wait(10)
    cache.discard(1)
    release.set()
    assert cache.wait_idle()
    assert cache.get(("console", 1), 1, lambda: (1, {"hidden": True})).data == {"hidden": True}

