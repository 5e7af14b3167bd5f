"""Event status through HTTP: a draft is staff's preview, an archived event is read-only.

Draft: participants cannot join (staff may look at the profile page, but not register).
Archived: newcomers are refused, those who took part can read their answers, nobody votes,
rounds stay closed, results and exports stay available. Live: everything works.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.agenda.models import Round, RoundState
from consult.events.models import EventStatus
from consult.extensions import db
from consult.participants.models import Participant
from consult.voting.models import Response
from tests.conftest import login
from tests.helpers import as_participant, vote, workshop

NOT_STARTED = "This consultation has not started yet. Please come back when it opens."
ENDED = "This consultation has ended. Thank you for taking part."


def _profile(event) -> dict:
    return {"sector": event.sectors[0].id, "gender": "woman", "locale": "en", "organisation": ""}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _sign_in(client, make, role: Role) -> None:
    user = make.user(role)
    db.session.commit()
    login(client, user)


def _in_khmer(app, message: str) -> str:
    """The message as the Khmer catalog has it (English until translated)."""
    from flask_babel import gettext

    with app.test_request_context(), force_locale("km"):
        return gettext(message)


# --- draft -------------------------------------------------------------------------------------

@pytest.fixture
def draft(make):
    return workshop(make, open_round=False, status=EventStatus.draft)[0]


def test_a_draft_refuses_participants_with_a_translated_message(app, client, khmer_client, draft):
    for path in (f"/j/{draft.join_code}", f"/e/{draft.join_code}/profile",
                 f"/e/{draft.join_code}/wait"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert NOT_STARTED in response.get_data(as_text=True)
    response = khmer_client.get(f"/j/{draft.join_code}")
    assert response.status_code == 403
    assert _in_khmer(app, NOT_STARTED) in response.get_data(as_text=True)
    assert 'lang="km"' in response.get_data(as_text=True)


def test_a_draft_refuses_a_profile_even_from_staff(client, make, draft):
    response = client.post(f"/e/{draft.join_code}/profile", data=_profile(draft))
    assert response.status_code == 403
    _sign_in(client, make, Role.admin)
    response = client.post(f"/e/{draft.join_code}/profile", data=_profile(draft))
    assert response.status_code == 403 and NOT_STARTED in response.get_data(as_text=True)
    assert _count(Participant) == 0


@pytest.mark.parametrize("role", [Role.analyst, Role.facilitator, Role.admin])
def test_staff_preview_the_profile_page_of_a_draft(client, make, draft, role):
    _sign_in(client, make, role)
    for path in (f"/j/{draft.join_code}", f"/e/{draft.join_code}/profile"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'name="sector"' in response.get_data(as_text=True)


def test_a_drafts_status_document_is_not_found(client, draft):
    assert client.get(f"/e/{draft.join_code}/status.json").status_code == 404


def test_a_drafts_rounds_cannot_open(client, make, draft):
    _sign_in(client, make, Role.facilitator)
    round_ = draft.rounds[0]
    client.post(f"/staff/events/{draft.id}/rounds/{round_.id}/open", data={})
    assert db.session.get(Round, round_.id).state == RoundState.draft


# --- archived ----------------------------------------------------------------------------------

@pytest.fixture
def archived(make):
    """A workshop that ran (one participant answered the first item with 4), then archived."""
    event, round_, items = workshop(make)
    person = make.participant(event)
    make.response(person, items[0], value=4)
    draft_round = make.round(event)
    round_.close()
    event.set_status(EventStatus.archived)
    db.session.commit()
    return {"event": event, "round": round_, "items": items, "person": person,
            "draft_round": draft_round}


def test_an_archived_event_refuses_newcomers(client, archived):
    event = archived["event"]
    response = client.get(f"/j/{event.join_code}")
    assert response.status_code == 403 and ENDED in response.get_data(as_text=True)
    response = client.post(f"/e/{event.join_code}/profile", data=_profile(event))
    assert response.status_code == 403
    assert _count(Participant) == 1


def test_a_participant_of_an_archived_event_reads_but_does_not_change(client, archived):
    event, round_, person = archived["event"], archived["round"], archived["person"]
    as_participant(client, person)
    wait = client.get(f"/e/{event.join_code}/wait")
    assert wait.status_code == 200
    assert f"/rounds/{round_.id}" not in wait.get_data(as_text=True)  # no round to open
    page = client.get(f"/e/{event.join_code}/rounds/{round_.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This round is closed. Your answers are shown below." in html
    assert 'class="submit-bar"' not in html and " disabled>" in html
    status = client.get(f"/e/{event.join_code}/status.json")
    assert status.status_code == 200 and status.json["rounds"] == []
    # The profile is frozen too.
    response = client.post(f"/e/{event.join_code}/profile", data=_profile(event))
    assert response.status_code == 403 and ENDED in response.get_data(as_text=True)


def test_no_vote_is_stored_in_an_archived_event(client, archived):
    event, round_, items, person = (archived["event"], archived["round"], archived["items"],
                                    archived["person"])
    as_participant(client, person)
    answered = vote(client, event, items[0], "1")
    fresh = vote(client, event, items[1], "5")
    form = client.post(f"/e/{event.join_code}/rounds/{round_.id}",
                       data={f"item-{items[0].id}": "2", f"item-{items[1].id}": "2"})
    assert answered.status_code in (403, 409) and answered.json["saved"] is False
    assert fresh.status_code in (403, 409) and fresh.json["saved"] is False
    assert form.status_code in (403, 409)
    rows = db.session.execute(select(Response.item_id, Response.value, Response.revision)).all()
    assert rows == [(items[0].id, 4, 1)]


@pytest.mark.parametrize("path", ["results", "results/items/{item}", "comments", "export.xlsx",
                                  "export.csv"])
def test_results_and_exports_of_an_archived_event_stay_available(client, make, archived, path):
    _sign_in(client, make, Role.analyst)
    url = f"/staff/events/{archived['event'].id}/" + path.format(item=archived["items"][0].id)
    assert client.get(url).status_code == 200


def test_an_archived_events_rounds_cannot_open(client, make, archived):
    event = archived["event"]
    _sign_in(client, make, Role.facilitator)
    page = client.post(f"/staff/events/{event.id}/rounds/{archived['draft_round'].id}/open",
                       data={}, follow_redirects=True)
    assert ENDED in page.get_data(as_text=True)
    client.post(f"/staff/events/{event.id}/rounds/{archived['round'].id}/open", data={})
    states = db.session.scalars(select(Round.state).order_by(Round.position)).all()
    assert states == [RoundState.closed, RoundState.draft]


# --- live --------------------------------------------------------------------------------------

def test_a_live_event_works_from_join_to_vote(client, make):
    event, round_, items = workshop(make, open_round=False)
    facilitator = make.user(Role.facilitator)
    db.session.commit()
    assert client.get(f"/j/{event.join_code}").status_code == 200
    response = client.post(f"/e/{event.join_code}/profile", data=_profile(event))
    assert response.status_code == 302
    # A facilitator, in another browser, opens the round.
    staff = client.application.test_client()
    login(staff, facilitator)
    staff.post(f"/staff/events/{event.id}/rounds/{round_.id}/open", data={})
    assert db.session.get(Round, round_.id).state == RoundState.open
    status = client.get(f"/e/{event.join_code}/status.json")
    assert [r["id"] for r in status.json["rounds"]] == [round_.id]
    assert client.get(f"/e/{event.join_code}/wait").status_code == 200
    assert client.get(f"/e/{event.join_code}/rounds/{round_.id}").status_code == 200
    assert vote(client, event, items[0], "5").json["saved"] is True
    assert db.session.execute(select(Response.item_id, Response.value)).all() == [(items[0].id, 5)]


def test_the_waiting_page_of_an_ended_consultation_says_so_and_does_not_poll(client, make):
    from consult.events.models import EventStatus
    from tests.helpers import as_participant, workshop

    event, round_, _items = workshop(make)
    person = make.participant(event)
    round_.close()
    event.status = EventStatus.archived
    db.session.commit()
    as_participant(client, person)
    html = client.get(f"/e/{event.join_code}/wait").get_data(as_text=True)
    assert "This consultation has ended" in html
    assert "the facilitator will open the next round soon" not in html.split("<template")[0]
    assert "data-status-url" not in html
