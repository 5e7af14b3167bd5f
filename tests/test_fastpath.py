"""The fast paths (consult/fastpath/) and group commit (consult/voting/committer.py).

Each fast path must answer exactly as the normal view would, and hand every unusual request to
the view. "Taken" is shown by breaking the view (the fast path still answers) or by the group
committer's counts; "handed over" by the view's own answer.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest

from consult.agenda.models import ItemKind, RoundState
from consult.errors import RoundNotOpen
from consult.extensions import db
from consult.timeutil import utcnow
from consult.voting.committer import committer
from consult.voting.models import Response, ResponseChoice
from tests.helpers import as_participant, vote, workshop

HEADERS_OF_A_304 = ("ETag", "Cache-Control", "Vary", "Content-Security-Policy",
                    "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                    "Permissions-Policy")


def _broken_view(*args, **kwargs):
    raise AssertionError("the view was called: the fast path did not answer")


def _poll(client, event, etag=None, **headers):
    if etag:
        headers["If-None-Match"] = etag
    return client.get(f"/e/{event.join_code}/status.json", headers=headers)


# --- the status poll ---------------------------------------------------------------------


def test_a_poll_whose_document_did_not_change_is_answered_without_the_view(app, client, make):
    event, _, _ = workshop(make)
    etag = _poll(client, event).headers["ETag"]
    app.view_functions["participants.status"] = _broken_view
    response = _poll(client, event, etag)
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == etag


def test_the_fast_304_carries_the_headers_of_the_view(app, khmer_client, make, other_app):
    client = khmer_client
    event, _, _ = workshop(make)
    etag = _poll(client, event).headers["ETag"]
    fast = _poll(client, event, etag)
    slow = _poll(other_app(FAST_PATHS=False).test_client(), event, etag)
    assert fast.status_code == slow.status_code == 304
    for name in HEADERS_OF_A_304:
        assert fast.headers.get(name) == slow.headers.get(name), name


@pytest.mark.parametrize("cookie, accept, expected", [
    (None, None, "km"),                 # the event's language
    ("en", None, "en"),                 # the switch cookie wins
    (None, "en-US,en;q=0.9", "km"),     # the event's language before the browser's
])
def test_the_fast_path_asks_the_one_language_rule(app, khmer_client, make, cookie, accept,
                                                 expected):
    client = khmer_client
    event, _, _ = workshop(make)
    headers = {"Accept-Language": accept} if accept else {}
    if cookie:
        client.set_cookie("consult_lang", cookie)
    etag = _poll(client, event, **headers).headers["ETag"]
    assert etag.strip('"').endswith(f"-{expected}")
    app.view_functions["participants.status"] = _broken_view
    assert _poll(client, event, etag, **headers).status_code == 304
    other = etag.replace(f"-{expected}", "-en" if expected == "km" else "-km")
    app.view_functions["participants.status"] = lambda code: ("view", 200)
    assert _poll(client, event, other, **headers).status_code == 200  # the view's answer


def test_a_changed_document_is_the_views_to_send(client, make):
    event, round_, _ = workshop(make, open_round=False)
    etag = _poll(client, event).headers["ETag"]
    round_ = db.session.merge(round_)
    round_.open()
    db.session.commit()
    changed = _poll(client, event, etag)
    assert changed.status_code == 200 and [r["id"] for r in changed.json["rounds"]] == [round_.id]


@pytest.mark.parametrize("lang", ["km", "en"])
def test_the_document_the_view_wrote_is_sent_again_for_its_etag(app, make, other_app, lang):
    """When a round opens every phone's next poll wants the new document: the view writes it
    once, and every other phone gets those bytes and headers, as the view would send them."""
    event, round_, _ = workshop(make, open_round=False)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.set_cookie("consult_lang", lang)
    old = _poll(first, event).headers["ETag"]
    round_ = db.session.merge(round_)
    round_.open()
    db.session.commit()
    written = _poll(first, event, old)  # the view
    app.view_functions["participants.status"] = _broken_view
    kept = _poll(second, event, old)
    assert kept.status_code == 200 and kept.data == written.data
    assert [r["id"] for r in kept.json["rounds"]] == [round_.id]
    assert kept.headers["ETag"] != old and f"-{lang}" in kept.headers["ETag"]
    slow = other_app(FAST_PATHS=False).test_client()
    slow.set_cookie("consult_lang", lang)
    slow = _poll(slow, event, old)
    assert list(kept.headers.items()) == list(slow.headers.items())
    assert kept.data == slow.data
    assert _poll(second, event).data == written.data  # a first poll, no ETag yet


def test_a_kept_document_is_never_sent_for_a_newer_state(app, client, make):
    event, round_, _ = workshop(make, open_round=False)
    etag = _poll(client, event).headers["ETag"]
    round_ = db.session.merge(round_)
    round_.open()
    db.session.commit()
    assert len(_poll(client, event, etag).json["rounds"]) == 1  # kept
    round_.close()
    db.session.commit()
    app.view_functions["participants.status"] = lambda code: ("the view", 200)
    assert _poll(client, event, etag).data == b"the view"


def test_a_round_past_its_deadline_is_closed_by_the_view(client, make):
    event, round_, _ = workshop(make, open_round=False)
    round_ = db.session.merge(round_)
    round_.open(closes_at=utcnow() + timedelta(minutes=5))
    db.session.commit()
    etag = _poll(client, event).headers["ETag"]
    round_.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = _poll(client, event, etag)
    assert response.status_code == 200 and response.json["rounds"] == []
    db.session.expire_all()
    assert db.session.get(type(round_), round_.id).state == RoundState.closed


@pytest.mark.parametrize("path", ["/e/NOPE99/status.json", "/e/%E1%9F%A1ABC/status.json"])
def test_unknown_and_unusual_codes_go_to_the_view(client, path):
    response = client.get(path, headers={"If-None-Match": '"1-km"'})
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_a_draft_event_is_unknown_to_a_phone(client, make):
    from consult.events.models import EventStatus

    event, _, _ = workshop(make, open_round=False)
    event = db.session.merge(event)
    event.status = EventStatus.draft
    db.session.commit()
    assert _poll(client, event, '"1-km"').status_code == 404


def test_fast_paths_can_be_turned_off(other_app, make):
    event, _, _ = workshop(make)
    app = other_app(FAST_PATHS=False)
    client = app.test_client()
    etag = _poll(client, event).headers["ETag"]
    app.view_functions["participants.status"] = _broken_view
    assert _poll(client, event, etag).status_code == 500  # the broken view answered


# --- the vote ----------------------------------------------------------------------------


def _voter(client, make, event):
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    return person


def _stored(person, item):
    db.session.expire_all()
    return db.session.scalar(db.select(Response).where(Response.participant_id == person.id,
                                                       Response.item_id == item.id))


def test_a_vote_is_stored_by_the_group_committer_and_answered_as_the_view_does(
        app, client, make, other_app):
    event, _, items = workshop(make)
    person = _voter(client, make, event)
    before = committer(app).votes
    app.view_functions["voting.answer_item"] = _broken_view
    fast = vote(client, event, items[0], "4", comment="ស្រាវជ្រាវ <b>")
    assert fast.status_code == 200 and committer(app).votes == before + 1
    stored = _stored(person, items[0])
    assert (stored.value, stored.comment, stored.revision) == (4, "ស្រាវជ្រាវ <b>", 1)
    slow_client = other_app(FAST_PATHS=False).test_client()
    slow_client.set_cookie("consult_lang", "en")
    as_participant(slow_client, person)
    slow = vote(slow_client, event, items[0], "5")
    assert set(fast.json) == set(slow.json) == {"saved", "revision", "message"}
    assert (fast.json["revision"], slow.json["revision"]) == (1, 2)
    assert fast.json["message"].split()[0] == slow.json["message"].split()[0]
    assert fast.headers["Content-Type"] == slow.headers["Content-Type"]
    for name in ("Content-Security-Policy", "X-Frame-Options", "Vary"):
        assert fast.headers.get(name) == slow.headers.get(name), name


def test_choices_and_rankings_are_stored_through_the_fast_path(app, client, make):
    event, _, items = workshop(make, kinds=(ItemKind.multi, ItemKind.ranking))
    person = _voter(client, make, event)
    multi, ranking = items
    app.view_functions["voting.answer_item"] = _broken_view
    assert client.post(f"/e/{event.join_code}/items/{multi.id}/answer",
                       data={f"item-{multi.id}": ["a", "c"]}).status_code == 200
    assert client.post(f"/e/{event.join_code}/items/{ranking.id}/answer",
                       data={f"item-{ranking.id}-rank-b": "1",
                             f"item-{ranking.id}-rank-a": "2"}).status_code == 200
    codes = {o.id: o.code for i in items for o in i.options}

    def picked(item):
        response = _stored(person, item)
        return sorted((c.rank or 0, codes[c.option_id]) for c in db.session.scalars(
            db.select(ResponseChoice).where(ResponseChoice.response_id == response.id)))

    assert picked(multi) == [(0, "a"), (0, "c")]
    assert picked(ranking) == [(1, "b"), (2, "a")]
    # A changed answer replaces the picks.
    assert client.post(f"/e/{event.join_code}/items/{multi.id}/answer",
                       data={f"item-{multi.id}": "b"}).status_code == 200
    assert picked(multi) == [(0, "b")]


def test_a_closed_round_is_refused_by_the_view_with_its_message(app, client, make):
    event, round_, items = workshop(make)
    _voter(client, make, event)
    round_ = db.session.merge(round_)
    round_.close()
    db.session.commit()
    response = vote(client, event, items[0], "4")
    assert response.status_code == 409 and response.json["closed"] is True
    assert response.json["saved"] is False and response.json["message"]


@pytest.mark.parametrize("case", ["no-csrf", "bad-answer", "other-event", "no-profile",
                                  "no-session", "empty"])
def test_unusual_votes_get_the_views_answer(app, client, make, case):
    event, _, items = workshop(make)
    person = _voter(client, make, event)
    data = {f"item-{items[0].id}": "4"}
    url = f"/e/{event.join_code}/items/{items[0].id}/answer"
    expected = 200
    if case == "no-csrf":
        app.config["WTF_CSRF_ENABLED"] = True
        expected = 400
    elif case == "bad-answer":
        data = {f"item-{items[0].id}": "9"}
        expected = 400
    elif case == "other-event":
        _, _, other_items = workshop(make)
        url = f"/e/{event.join_code}/items/{other_items[0].id}/answer"
        expected = 404
    elif case == "no-profile":
        person.profile_completed_at = None
        db.session.commit()
        expected = 409
    elif case == "no-session":
        client.delete_cookie("session")
        expected = 409
    elif case == "empty":
        data = {}
        expected = 400
    before = committer(app).votes
    response = client.post(url, data=data, headers={"Accept": "application/json"})
    assert response.status_code == expected, response.data
    assert committer(app).votes == before


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_the_vote_limit_counts_the_fast_path(app, client, make, monkeypatch):
    from consult import ratelimit

    monkeypatch.setattr(ratelimit, "VOTE_LIMIT", "3 per minute")
    event, _, items = workshop(make)
    _voter(client, make, event)
    codes = [vote(client, event, items[0], "4").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


# --- group commit ------------------------------------------------------------------------


@pytest.mark.config(SQLITE_STALLED_WRITER_MS=30000)
def test_one_refused_vote_does_not_undo_its_batch(app, make):
    """Votes queued while the write turn is held go in one transaction: the vote for a closed
    round is refused alone, every other one is stored and acknowledged."""
    from consult.voting.operations import Answer

    event, open_round, items = workshop(make)
    section = items[0].section
    closed_round = make.round(event)
    late = make.item(event, section, closed_round)
    people = [make.participant(event) for _ in range(6)]
    db.session.commit()
    people = [SimpleNamespace(id=p.id, has_profile=True, sector_id=p.sector_id, gender=p.gender,
                              source=p.source, locale=p.locale) for p in people]
    items = [SimpleNamespace(id=i.id, round_id=i.round_id, kind=i.kind, uses_options=False)
             for i in [*items, late]]
    targets = [(p, items[n % 3]) for n, p in enumerate(people)] + [(people[0], items[3])]
    results: dict[int, object] = {}
    writer = committer(app)
    batches = writer.batches

    def cast(n, person, item):
        with app.app_context():
            try:
                results[n] = writer.cast(person, item, Answer(value=4), utcnow())
            except Exception as error:
                results[n] = error

    with _writer_held(open_round):  # the writer waits while every vote is queued
        threads = [threading.Thread(target=cast, args=(n, p, i))
                   for n, (p, i) in enumerate(targets)]
        for thread in threads:
            thread.start()
        deadline = utcnow() + timedelta(seconds=3)
        while len(writer._queue) < len(targets) - 1 and utcnow() < deadline:
            threading.Event().wait(0.01)
        db.session.rollback()
    for thread in threads:
        thread.join(timeout=30)
    assert isinstance(results[len(targets) - 1], RoundNotOpen)
    assert all(results[n].revision == 1 for n in range(len(targets) - 1))
    assert writer.batches - batches <= 2  # the first vote may have gone alone
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == len(people)


@contextmanager
def _writer_held(round_):
    """Hold the writer back: SQLite's write turn, PostgreSQL's lock on the round's row."""
    from consult.agenda.models import Round
    from consult.database import write_turn

    if db.engine.dialect.name == "sqlite":
        with write_turn():
            yield
        return
    db.session.execute(db.select(Round).where(Round.id == round_.id).with_for_update())
    try:
        yield
    finally:
        db.session.rollback()


def test_many_phones_at_once_are_all_stored_once(app, make):
    """32 phones voting together through HTTP: every acknowledged vote stored, once."""
    event, _, items = workshop(make)
    people = [make.participant(event) for _ in range(32)]
    db.session.commit()
    people = [SimpleNamespace(token=p.token) for p in people]  # read here, not in the threads
    items = [SimpleNamespace(id=i.id) for i in items]
    event = SimpleNamespace(join_code=event.join_code)
    writer = committer(app)
    votes = writer.votes
    codes = []

    def phone(person):
        client = app.test_client()
        as_participant(client, person)
        for item in items:
            codes.append(vote(client, event, item, "3").status_code)

    threads = [threading.Thread(target=phone, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [200] * (32 * len(items))
    assert writer.votes - votes == 32 * len(items)
    db.session.expire_all()
    rows = db.session.scalars(db.select(Response.revision)).all()
    assert len(rows) == 32 * len(items) and set(rows) == {1}


def test_the_fast_paths_csrf_check_agrees_with_flask_wtf(app):
    """The vote's fast path reads tokens as Flask-WTF does: same verdict for each token."""
    from flask import session
    from flask_wtf.csrf import ValidationError, generate_csrf, validate_csrf

    signing = app.wsgi_app.signing()
    with app.test_request_context():
        app.config["WTF_CSRF_TIME_LIMIT"] = 3600
        good = generate_csrf()
        mine = dict(session)
    with app.test_request_context():
        other = generate_csrf()  # another session's token
    candidates = [good, good + "x", good[:-2], other, "", "not-a-token", good.upper()]
    for token in candidates:
        with app.test_request_context():
            session.update(mine)
            try:
                validate_csrf(token)
                expected = True
            except ValidationError:
                expected = False
        assert signing.csrf_valid(mine, token) is expected, token
        assert signing.csrf_valid(mine, token) is expected, token  # remembered: same verdict
    assert signing.csrf_valid({}, good) is False  # a session without its token


def test_a_session_cookie_is_read_as_flask_reads_it(app, client, make):
    event, _, _ = workshop(make)
    person = _voter(client, make, event)
    signing = app.wsgi_app.signing()
    cookie = client.get_cookie("session").value
    assert signing.session(cookie)["participant"] == person.token
    assert signing.session(cookie[:-3] + "abc") is None
    assert signing.session("") is None and signing.session(None) is None


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_a_vote_handed_to_the_view_is_counted_once(app, client, make, monkeypatch):
    from consult import ratelimit

    monkeypatch.setattr(ratelimit, "VOTE_LIMIT", "2 per minute")
    event, round_, items = workshop(make)
    _voter(client, make, event)
    round_ = db.session.merge(round_)
    round_.close()
    db.session.commit()
    codes = [vote(client, event, items[0], "4").status_code for _ in range(3)]
    assert codes == [409, 409, 429]


def test_a_writer_that_dies_is_replaced_and_its_votes_not_left_waiting(app, client, make,
                                                                       monkeypatch):
    from consult.voting import committer as module

    event, _, items = workshop(make)
    person = _voter(client, make, event)
    real = module._WriteStatements
    calls = []

    def broken_once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the writer could not start")
        return real()

    monkeypatch.setattr(module, "_WriteStatements", broken_once)
    first = vote(client, event, items[0], "4")  # not stored by the writer: the view stores it
    second = vote(client, event, items[1], "5")  # a new writer
    assert first.status_code == second.status_code == 200
    assert (_stored(person, items[0]).revision, _stored(person, items[1]).revision) == (1, 1)
    assert len(calls) == 2
