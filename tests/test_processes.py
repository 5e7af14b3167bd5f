"""Several app processes on one database: nothing a process keeps in memory is needed by another."""

from __future__ import annotations

from tests.conftest import login
from tests.helpers import as_participant, vote, workshop


def test_a_round_opened_through_one_process_is_seen_at_once_through_another(app, make, other_app):
    event, round_, items = workshop(make, open_round=False)
    staff = make.user("facilitator")
    person = make.participant(event)
    from consult.extensions import db

    db.session.commit()
    first, second = other_app(), other_app()
    console, phone = first.test_client(), second.test_client()
    as_participant(phone, person)
    login(console, staff)
    before = phone.get(f"/e/{event.join_code}/status.json")
    assert before.json["rounds"] == []
    assert vote(phone, event, items[0], "4").status_code == 409  # not open yet

    assert console.post(f"/staff/events/{event.id}/rounds/{round_.id}/open").status_code == 302
    after = phone.get(f"/e/{event.join_code}/status.json",
                      headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and [r["id"] for r in after.json["rounds"]] == [round_.id]
    assert vote(phone, event, items[0], "4").status_code == 200

    assert console.post(f"/staff/events/{event.id}/rounds/{round_.id}/close").status_code == 302
    closed = phone.get(f"/e/{event.join_code}/status.json",
                       headers={"If-None-Match": after.headers["ETag"]})
    assert closed.status_code == 200 and closed.json["rounds"] == []
    assert vote(phone, event, items[0], "5").status_code == 409


def test_a_staff_session_is_good_in_every_process(app, make, other_app):
    """Sessions live in the signed cookie, so any process reads what another one wrote."""
    staff = make.user("facilitator")
    from consult.extensions import db

    db.session.commit()
    first, second = other_app(), other_app()
    client = first.test_client()
    login(client, staff)
    cookie = client.get_cookie("session")
    other = second.test_client()
    other.set_cookie("session", cookie.value)
    assert other.get("/staff/").status_code == 200
