"""The status document phones poll: small, cached by ETag, and it notices deadlines."""

from __future__ import annotations

from datetime import timedelta

from consult.extensions import db
from consult.timeutil import utcnow
from tests.helpers import workshop


def test_status_lists_open_rounds_and_answers_304_until_something_changes(client, make):
    event, round_, _ = workshop(make, open_round=False)
    first = client.get(f"/e/{event.join_code}/status.json")
    assert first.status_code == 200 and first.json["rounds"] == []
    etag = first.headers["ETag"]
    again = client.get(f"/e/{event.join_code}/status.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    round_ = db.session.merge(round_)
    round_.open(closes_at=utcnow() + timedelta(minutes=5))
    db.session.commit()
    changed = client.get(f"/e/{event.join_code}/status.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    [listed] = changed.json["rounds"]
    assert listed["id"] == round_.id and listed["url"].endswith(f"/rounds/{round_.id}")
    assert listed["closes_at"].endswith("Z")


def test_status_etag_depends_on_language(khmer_client, make):
    client = khmer_client
    event, _, _ = workshop(make)
    km = client.get(f"/e/{event.join_code}/status.json")
    client.post("/language", data={"lang": "en", "next": "/"})
    en = client.get(f"/e/{event.join_code}/status.json")
    assert km.headers["ETag"] != en.headers["ETag"]
    assert km.json["rounds"][0]["title"] != en.json["rounds"][0]["title"]


def test_status_of_an_unknown_code(client):
    response = client.get("/e/NOPE99/status.json")
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_waiting_page_without_javascript_shows_open_rounds(client, make):
    from tests.helpers import as_participant

    event, round_, _ = workshop(make)
    as_participant(client, make.participant(event))
    db.session.commit()
    html = client.get(f"/e/{event.join_code}/wait").get_data(as_text=True)
    assert f"/e/{event.join_code}/rounds/{round_.id}" in html and "<noscript>" in html
