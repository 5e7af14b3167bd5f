"""Wrong join codes: a room behind one address is never locked out, a code-guessing script is.

Every wrong code on any page that takes one (the join form and link, the profile, the waiting
page, the projector, the status document) counts against one budget per address; a right code
is never refused, however many wrong ones came before it from the same Wi-Fi.
"""

from __future__ import annotations

import random

import pytest

from consult.extensions import db
from consult.ratelimit import WRONG_CODE_LIMIT
from tests.helpers import as_participant, workshop

LIMIT = int(WRONG_CODE_LIMIT.split()[0])
pytestmark = pytest.mark.config(RATELIMIT_ENABLED=True)


def _typo(code: str, rng: random.Random) -> str:
    """The code with one character changed, as a thumb on a small screen changes it."""
    at = rng.randrange(len(code))
    wrong = rng.choice([c for c in "ABCDEFGHJKMNPQRSTUVWXYZ23456789" if c != code[at]])
    return code[:at] + wrong + code[at + 1:]


def test_a_room_behind_one_address_joins_with_typos_and_no_correct_code_is_refused(app, make):
    """300 participants on one Wi-Fi address, 30 % of them mistype first: 0 right codes refused."""
    event = make.event()
    db.session.commit()
    code, rng = event.join_code, random.Random(12)
    refused, wrong_answers = [], []
    for n in range(300):
        phone = app.test_client()  # each its own browser, all behind the venue's one address
        if n % 10 < 3:  # 30 % typo first, on the form or in the link
            typed = _typo(code, rng)
            answer = (phone.post("/join", data={"code": typed}) if n % 2
                      else phone.get(f"/j/{typed}"))
            wrong_answers.append(answer.status_code)
        right = (phone.post("/join", data={"code": code.lower()}) if n % 2
                 else phone.get(f"/j/{code}"))
        if right.status_code not in (200, 302):
            refused.append((n, right.status_code))
    assert refused == []
    # The room did exceed the budget: the later typists were asked to wait, yet got in.
    assert wrong_answers.count(429) > 0 and wrong_answers.count(404) == LIMIT


def test_someone_who_mistyped_over_the_budget_reads_why_then_gets_in_with_the_right_code(client,
                                                                                          make):
    event = make.event()
    db.session.commit()
    for _ in range(LIMIT):
        assert client.post("/join", data={"code": "WRONG2"}).status_code == 404
    response = client.post("/join", data={"code": "WRONG3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many wrong codes from this network" in html and 'name="code"' in html
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert client.post("/join", data={"code": event.join_code}).status_code == 302
    assert client.get(f"/j/{event.join_code}").status_code == 200


def test_a_khmer_reader_gets_the_landing_page_in_khmer_when_over_the_budget(khmer_client):
    for _ in range(LIMIT):
        khmer_client.get("/j/WRONG2")
    response = khmer_client.get("/j/WRONG2")
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and 'lang="km"' in html and 'name="code"' in html


def _wrong_code_urls(code: str) -> list[tuple[str, str]]:
    return [("GET", f"/j/{code}"), ("POST", "/join"), ("GET", f"/e/{code}/status.json"),
            ("GET", f"/e/{code}/profile"), ("GET", f"/e/{code}/wait"),
            ("GET", f"/e/{code}/screen"), ("GET", f"/e/{code}/screen/live")]


def _ask(client, method: str, url: str, code: str):
    if method == "POST":
        return client.post(url, data={"code": code})
    return client.get(url)


def test_a_script_guessing_codes_on_every_page_is_throttled_by_one_budget(app, client, make):
    """150 guesses spread over every page that takes a code: past the budget, all answer 429."""
    workshop(make)
    rng = random.Random(7)
    answers = []
    for n in range(150):
        guess = "".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(6))
        method, url = _wrong_code_urls(guess)[n % 7]
        answers.append(_ask(client, method, url, guess).status_code)
    assert answers[:LIMIT] == [404] * LIMIT
    assert answers[LIMIT:] == [429] * (150 - LIMIT)
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert other.get("/j/WRONG2").status_code == 404


@pytest.mark.parametrize("page", range(7))
def test_every_page_that_takes_a_code_refuses_wrong_codes_past_the_budget(client, page):
    method, url = _wrong_code_urls("WRONG2")[page]
    for _ in range(LIMIT):
        assert _ask(client, method, url, "WRONG2").status_code == 404
    response = _ask(client, method, url, "WRONG2")
    assert response.status_code == 429


def test_status_document_says_429_in_json_past_the_budget(client):
    for _ in range(LIMIT):
        client.get("/e/WRONG2/status.json")
    response = client.get("/e/WRONG2/status.json")
    assert response.status_code == 429 and response.json["error"] == "too_many_wrong_codes"
    assert "Retry-After" in response.headers


def test_right_codes_on_every_page_pass_past_the_budget(client, make, app):
    event, _, _ = workshop(make)
    person = make.participant(event)
    db.session.commit()
    as_participant(client, person)
    screen_key = event.screen_token
    for _ in range(LIMIT + 5):
        client.get("/e/WRONG2/status.json")
    code = event.join_code
    assert client.get(f"/e/{code}/status.json").status_code == 200
    assert client.get(f"/e/{code}/wait").status_code == 200
    assert client.get(f"/e/{code}/profile").status_code == 200
    assert client.get(f"/e/{code}/screen?k={screen_key}").status_code == 200
    assert client.get(f"/e/{code}/screen/live?k={screen_key}").status_code == 200
    assert client.get(f"/j/{code}").status_code in (200, 302)


def test_right_codes_do_not_use_the_budget(client, make):
    event = make.event()
    db.session.commit()
    for _ in range(3 * LIMIT):
        assert client.get(f"/e/{event.join_code}/status.json").status_code == 200
        assert client.post("/join", data={"code": event.join_code}).status_code == 302
    assert client.get("/j/WRONG2").status_code == 404


@pytest.mark.config(RATELIMIT_ENABLED=False)
def test_no_budget_when_limits_are_off(client):
    assert {client.get("/j/WRONG2").status_code for _ in range(LIMIT + 5)} == {404}
