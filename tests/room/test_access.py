"""Every staff route for every role: who gets in, who is sent to sign in, who is refused."""

from __future__ import annotations

import pytest

from consult.accounts.models import Role
from consult.extensions import db
from tests.conftest import login
from tests.helpers import as_participant, workshop

ROLES = ["anonymous", "participant", "analyst", "facilitator", "admin"]
LOGIN, FORBIDDEN, OK = "login", 403, "ok"

#: (method, path template, {role: expected}); "ok" is 200 for GET, a redirect back for POST.
READ = {"anonymous": LOGIN, "participant": LOGIN, "analyst": OK, "facilitator": OK, "admin": OK}
RUN = {"anonymous": LOGIN, "participant": LOGIN, "analyst": FORBIDDEN, "facilitator": OK,
       "admin": OK}
ADMIN = {"anonymous": LOGIN, "participant": LOGIN, "analyst": FORBIDDEN, "facilitator": FORBIDDEN,
         "admin": OK}
SCREEN = {"anonymous": FORBIDDEN, "participant": FORBIDDEN, "analyst": OK, "facilitator": OK,
          "admin": OK}
ROUTES = [
    ("GET", "/staff/", READ),
    ("GET", "/staff/events/{event}/console", READ),
    ("GET", "/staff/events/{event}/console/live", READ),
    ("POST", "/staff/events/{event}/rounds/{draft}/open", RUN),
    ("POST", "/staff/events/{event}/rounds/{open}/close", RUN),
    ("POST", "/staff/events/{event}/rounds/{open}/extend", RUN),
    ("POST", "/staff/events/{event}/rounds/{open}/reveal", RUN),
    ("POST", "/staff/events/{event}/rounds/{open}/hide-results", RUN),
    ("POST", "/staff/events/{event}/responses/{response}/comment-visibility", RUN),
    ("GET", "/staff/events/{event}/results", READ),
    ("GET", "/staff/events/{event}/results/items/{item}", READ),
    ("GET", "/staff/events/{event}/comments", READ),
    ("GET", "/staff/events/{event}/export.xlsx", READ),
    ("GET", "/staff/events/{event}/export.csv", READ),
    ("GET", "/staff/events/{event}/settings", ADMIN),
    ("GET", "/e/{code}/screen", SCREEN),
    ("GET", "/e/{code}/screen/live", SCREEN),
]


@pytest.fixture
def world(make):
    event, open_round, items = workshop(make)
    draft = make.round(event)
    person = make.participant(event)
    response = make.response(person, items[0], comment="A comment")
    users = {role: make.user(Role(role), username=role) for role in ("analyst", "facilitator",
                                                                     "admin")}
    db.session.commit()
    return {"event": event.id, "code": event.join_code, "open": open_round.id,
            "draft": draft.id, "response": response.id, "item": items[0].id, "person": person, "users": users}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "expected"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_access(client, world, role, method, path, expected):
    if role == "participant":
        as_participant(client, world["person"])
    elif role != "anonymous":
        login(client, world["users"][role])
    url = path.format(**world)
    data = {"minutes": "5", "hidden": "1"}
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    outcome = expected[role]
    if outcome == LOGIN:
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    elif outcome == FORBIDDEN:
        assert response.status_code == 403
    elif method == "GET":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/console" in response.headers["Location"]


def test_screen_link_with_its_token_needs_no_login(client, world, make):
    from consult.events.models import Event

    token = db.session.get(Event, world["event"]).screen_token
    assert client.get(f"/e/{world['code']}/screen?k={token}").status_code == 200
    assert client.get(f"/e/{world['code']}/screen/live?k={token}").status_code == 200
    assert client.get(f"/e/{world['code']}/screen?k=wrong").status_code == 403


def test_analyst_sees_the_console_without_buttons(client, world):
    login(client, world["users"]["analyst"])
    html = client.get(f"/staff/events/{world['event']}/console").get_data(as_text=True)
    assert "/close" not in html and "/open" not in html
    assert "only facilitators can open and close rounds" in html
