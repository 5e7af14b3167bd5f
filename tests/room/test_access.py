"""Every endpoint for every identity: who gets in, who signs in first, who is refused.

The table below names the expected outcome of each (endpoint, method) for each identity, and
``test_the_table_lists_every_endpoint`` compares it with ``app.url_map``: a view nobody added
to the table fails the suite until someone writes down who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.extensions import db
from consult.voting.models import Response
from tests.conftest import login
from tests.helpers import as_participant, workshop

#: ``participant`` took part in the event under test; ``outsider`` in another event only;
#: ``stranger`` is a facilitator on another event's team, not on this one's; ``clerk`` types
#: paper ballots in this event and may open nothing else of it.
IDENTITIES = ("anonymous", "participant", "outsider", "analyst", "facilitator", "admin",
              "stranger", "clerk")
STAFF_ROLES = ("analyst", "facilitator", "admin")

#: An outcome is a status code, or the path a redirect leads to (query and fragment aside).
LOGIN = "/staff/login"
STAFF_HOME = "/staff/"
LANDING = "/"
JOIN = "/j/{code}"
WAIT = "/e/{code}/wait"
VOTE_PAGE = "/e/{code}/rounds/{open}"
CONSOLE = "/staff/events/{event}/console"
SETTINGS = "/staff/events/{event}/settings"
AGENDA = "/staff/events/{event}/agenda"
PAPER = "/staff/events/{event}/paper"
EXPORT_JOB = "/staff/events/{event}/exports/" + "N" * 32


def everyone(outcome) -> dict:
    return dict.fromkeys(IDENTITIES, outcome)


def staff(analyst, facilitator, admin, *, others=LOGIN, stranger=403, clerk=403) -> dict:
    """Outcomes for the staff roles of the event's team; everyone else gets ``others``.

    Staff of another event are refused (403) unless ``stranger`` says otherwise, and so is the
    event's clerk unless ``clerk`` does: a page that names no event treats them as the staff
    members they are.
    """
    return {**everyone(others), "analyst": analyst, "facilitator": facilitator, "admin": admin,
            "stranger": stranger, "clerk": clerk}


def any_staff(analyst, facilitator, admin, *, others=LOGIN, clerk=None) -> dict:
    """Outcomes for a page that names no event: staff of another event get the facilitator's,
    a clerk the facilitator's too unless ``clerk`` says otherwise."""
    return staff(analyst, facilitator, admin, others=others, stranger=facilitator,
                 clerk=facilitator if clerk is None else clerk)


def participant_only(outcome, *, others=JOIN) -> dict:
    """The event's own participant gets ``outcome``; anyone else is sent to join it."""
    return {**everyone(others), "participant": outcome}


#: Staff who read (results, console, exports): every role; others sign in first.
READ = staff(200, 200, 200)
#: Staff who run the room: facilitators and admins; analysts are refused.
RUN = staff(403, CONSOLE, CONSOLE)


@dataclass(frozen=True)
class Route:
    path: str
    expected: dict
    data: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


PROFILE = {"sector": "{sector}", "gender": "woman", "locale": "en", "organisation": ""}

ROUTES: dict[tuple[str, str], Route] = {
    # Participants: public pages, then the pages of the event's own participant.
    ("healthz", "GET"): Route("/healthz", everyone(200)),
    ("participants.landing", "GET"): Route("/", everyone(200)),
    ("participants.join", "POST"): Route("/join", everyone(JOIN), data={"code": "{code}"}),
    # Anyone may open the profile form (an outsider joins as a new participant of this event);
    # the event's participant, already registered, goes on to wait.
    ("participants.join_event", "GET"): Route("/j/{code}", {**everyone(200), "participant": WAIT}),
    ("participants.resume", "GET"): Route("/r/{token}", everyone(WAIT)),
    ("participants.profile", "GET"): Route("/e/{code}/profile", everyone(200)),
    # A round has closed in this world, so the registered participant's profile is locked;
    # newcomers (the outsider, signed-in staff) still join.
    ("participants.profile", "POST"): Route("/e/{code}/profile",
                                            {**everyone(WAIT), "participant": 409}, data=PROFILE),
    ("participants.wait", "GET"): Route(WAIT, participant_only(200)),
    # "This is not my phone": forgets whoever the cookie names (nobody's a no-op); staff stay.
    ("participants.leave_event", "POST"): Route("/e/{code}/leave", everyone(LANDING)),
    ("participants.status", "GET"): Route("/e/{code}/status.json", everyone(200)),
    ("voting.vote_page", "GET"): Route(VOTE_PAGE, participant_only(200)),
    ("voting.submit_round", "POST"): Route(VOTE_PAGE, participant_only(VOTE_PAGE),
                                           data={"item-{unanswered}": "4"}),
    # The page's script asks for JSON: anyone but the participant is told to fill a profile.
    ("voting.answer_item", "POST"): Route(
        "/e/{code}/items/{unanswered}/answer", participant_only(200, others=409),
        data={"item-{unanswered}": "4"}, headers={"Accept": "application/json"}),
    ("i18n.set_language", "POST"): Route("/language", everyone(LANDING),
                                         data={"lang": "en", "next": "/"}),
    # Staff sign-in: a wrong password shows the form again; signed-in staff go home.
    ("accounts.login", "GET"): Route(LOGIN, any_staff(STAFF_HOME, STAFF_HOME, STAFF_HOME,
                                                      others=200)),
    ("accounts.login", "POST"): Route(LOGIN, any_staff(STAFF_HOME, STAFF_HOME, STAFF_HOME,
                                                       others=200),
                                      data={"username": "admin", "password": "wrong"}),
    ("accounts.logout", "POST"): Route("/staff/logout", any_staff(LANDING, LANDING, LANDING)),
    ("accounts.home", "GET"): Route(STAFF_HOME, any_staff(200, 200, 200)),
    # Every staff member changes their own password; a wrong current one shows the form again.
    ("accounts.change_own_password", "GET"): Route("/staff/password", any_staff(200, 200, 200)),
    ("accounts.change_own_password", "POST"): Route(
        "/staff/password", any_staff(400, 400, 400),
        data={"current_password": "wrong", "new_password": "x" * 12, "confirm": "x" * 12}),
    # A new resume link for a participant: those who run the room (no participant has this
    # code, so the form comes back; tests/participants/test_leave.py issues real ones).
    ("participants.reissue_link", "GET"): Route("/staff/events/{event}/resume-link",
                                                staff(403, 200, 200)),
    ("participants.reissue_link", "POST"): Route("/staff/events/{event}/resume-link",
                                                 staff(403, 400, 400),
                                                 data={"public_code": "P-000000"}),
    # The room: everyone on the staff watches; facilitators act.
    ("room.console", "GET"): Route(CONSOLE, READ),
    ("room.console_agenda", "GET"): Route(CONSOLE + "/agenda", READ),
    ("room.console_live", "GET"): Route(CONSOLE + "/live", READ),
    ("room.open_round", "POST"): Route("/staff/events/{event}/rounds/{draft}/open", RUN),
    ("room.close_round", "POST"): Route("/staff/events/{event}/rounds/{open}/close", RUN),
    ("room.undo_close", "POST"): Route("/staff/events/{event}/rounds/{closed}/undo-close", RUN),
    ("room.extend_round", "POST"): Route("/staff/events/{event}/rounds/{open}/extend", RUN,
                                         data={"minutes": "5"}),
    ("room.reveal_round", "POST"): Route("/staff/events/{event}/rounds/{open}/reveal", RUN),
    ("room.hide_results", "POST"): Route("/staff/events/{event}/rounds/{open}/hide-results", RUN),
    ("room.set_comment_visibility", "POST"): Route(
        "/staff/events/{event}/responses/{response}/comment-visibility", RUN,
        data={"hidden": "1"}),
    # The projector: staff, or anyone holding the screen link (tested below); no one else.
    ("room.screen", "GET"): Route("/e/{code}/screen", staff(200, 200, 200, others=403)),
    ("room.screen_live", "GET"): Route("/e/{code}/screen/live", staff(200, 200, 200, others=403)),
    # Results: every staff role reads.
    ("results.summary", "GET"): Route("/staff/events/{event}/results", READ),
    ("results.item_detail", "GET"): Route("/staff/events/{event}/results/items/{item}", READ),
    ("results.comments", "GET"): Route("/staff/events/{event}/comments", READ),
    ("results.export_xlsx", "GET"): Route("/staff/events/{event}/export.xlsx", READ),
    ("results.export_csv", "GET"): Route("/staff/events/{event}/export.csv", READ),
    # A workbook prepared by a job: the readers get in, and this token names no job of theirs
    # (404); tests/results/test_export_jobs.py shows the owner their job and others a 404.
    ("results.export_progress", "GET"): Route(EXPORT_JOB, staff(404, 404, 404)),
    ("results.export_status", "GET"): Route(EXPORT_JOB + "/progress.json", staff(404, 404, 404)),
    ("results.download_export", "GET"): Route(EXPORT_JOB + "/download", staff(404, 404, 404)),
    ("results.retry_export", "POST"): Route(EXPORT_JOB + "/retry", staff(404, 404, 404)),
    # Event settings: admins only.
    ("events.edit_settings", "GET"): Route(SETTINGS, staff(403, 403, 200)),
    ("events.edit_settings", "POST"): Route(SETTINGS, staff(403, 403, SETTINGS), data={
        "validate_pct": "66", "sector_floor_pct": "50", "contest_pct": "50", "spread_pct": "30",
        "min_sector_n": "3", "min_cell": "3"}),
    ("events.change_event_status", "POST"): Route("/staff/events/{event}/status",
                                                  staff(403, 403, SETTINGS),
                                                  data={"status": "live"}),
    # Events: create, edit, sectors, duplicate, delete, team.
    # Admins only. The POSTs that would make or destroy an event get data that fails its
    # check (nothing is created or deleted): an admin gets the form back (400).
    ("events.new_event", "GET"): Route("/staff/events/new", any_staff(403, 403, 200)),
    ("events.new_event", "POST"): Route("/staff/events/new", any_staff(403, 403, 400),
                                        data={"title_en": "", "title_km": ""}),
    ("events.edit_event", "GET"): Route("/staff/events/{event}/edit", staff(403, 403, 200)),
    ("events.edit_event", "POST"): Route(
        "/staff/events/{event}/edit", staff(403, 403, "/staff/events/{event}/edit"), data={
            "title_en": "Renamed", "title_km": "", "join_code": "{code}",
            "timezone": "Asia/Phnom_Penh", "join_mode": "open", "default_locale": "km",
            "validate_pct": "66", "sector_floor_pct": "50", "contest_pct": "50",
            "spread_pct": "30", "min_sector_n": "3", "min_cell": "3"}),
    ("events.edit_sectors", "GET"): Route("/staff/events/{event}/sectors", staff(403, 403, 200)),
    ("events.edit_sectors", "POST"): Route(
        "/staff/events/{event}/sectors", staff(403, 403, "/staff/events/{event}/sectors"),
        data={"action": "add", "label_en": "Farmers", "label_km": ""}),
    ("events.edit_team", "GET"): Route("/staff/events/{event}/team", staff(403, 403, 200)),
    ("events.edit_team", "POST"): Route("/staff/events/{event}/team", staff(403, 403, 400),
                                        data={"action": "add", "user_id": "999999",
                                              "role": "analyst"}),
    ("events.duplicate_event", "GET"): Route("/staff/events/{event}/duplicate",
                                             staff(403, 403, 200)),
    ("events.duplicate_event", "POST"): Route("/staff/events/{event}/duplicate",
                                              staff(403, 403, 400),
                                              data={"title_en": "", "title_km": ""}),
    ("events.delete_event", "GET"): Route("/staff/events/{event}/delete", staff(403, 403, 200)),
    ("events.delete_event", "POST"): Route("/staff/events/{event}/delete", staff(403, 403, 400),
                                           data={"join_code": "WRONG2"}),
    # Agenda builder.
    # Everyone on the team reads the agenda and the phone preview; facilitators edit. POSTs
    # are refused or harmless: the answered item is not deleted, moves at an end do nothing.
    ("agenda.edit_agenda", "GET"): Route(AGENDA, READ),
    ("agenda.preview_round", "GET"): Route(AGENDA + "/rounds/{open}/preview", READ),
    ("agenda.add_section", "POST"): Route(AGENDA + "/sections", staff(403, AGENDA, AGENDA),
                                          data={"section-title_en": "Extra"}),
    ("agenda.edit_section", "GET"): Route(AGENDA + "/sections/{section}", staff(403, 200, 200)),
    ("agenda.edit_section", "POST"): Route(AGENDA + "/sections/{section}",
                                           staff(403, 400, 400), data={"title_en": "", "title_km": ""}),
    ("agenda.delete_section", "POST"): Route(AGENDA + "/sections/{section}/delete",
                                             staff(403, AGENDA, AGENDA)),
    ("agenda.move_section", "POST"): Route(AGENDA + "/sections/{section}/move",
                                           staff(403, AGENDA, AGENDA), data={"direction": "up"}),
    ("agenda.add_round", "POST"): Route(AGENDA + "/rounds", staff(403, AGENDA, AGENDA),
                                        data={"round-title_en": ""}),
    ("agenda.edit_round", "GET"): Route(AGENDA + "/rounds/{draft}", staff(403, 200, 200)),
    ("agenda.edit_round", "POST"): Route(AGENDA + "/rounds/{draft}", staff(403, 400, 400),
                                         data={"title_en": "", "title_km": ""}),
    ("agenda.delete_round", "POST"): Route(AGENDA + "/rounds/{open}/delete",
                                           staff(403, AGENDA, AGENDA)),
    ("agenda.move_round", "POST"): Route(AGENDA + "/rounds/{open}/move",
                                         staff(403, AGENDA, AGENDA), data={"direction": "up"}),
    ("agenda.add_item", "GET"): Route(AGENDA + "/items/new", staff(403, 200, 200)),
    ("agenda.add_item", "POST"): Route(AGENDA + "/items/new", staff(403, 400, 400),
                                       data={"kind": "agreement", "code": ""}),
    ("agenda.edit_item", "GET"): Route(AGENDA + "/items/{item}", staff(403, 200, 200)),
    ("agenda.edit_item", "POST"): Route(AGENDA + "/items/{item}", staff(403, 400, 400),
                                        data={"kind": "text", "code": ""}),
    ("agenda.delete_item", "POST"): Route(AGENDA + "/items/{item}/delete",
                                          staff(403, AGENDA, AGENDA)),
    ("agenda.move_item", "POST"): Route(AGENDA + "/items/{item}/move",
                                        staff(403, AGENDA, AGENDA),
                                        data={"direction": "up", "scope": "round"}),
    # XLSForm import and export.
    # The import form for those who build the agenda; a POST with no file is refused (400).
    ("agenda.import_agenda", "GET"): Route("/staff/events/{event}/agenda/import",
                                           staff(403, 200, 200)),
    ("agenda.import_agenda", "POST"): Route("/staff/events/{event}/agenda/import",
                                            staff(403, 400, 400)),
    ("agenda.export_agenda", "GET"): Route("/staff/events/{event}/agenda/export.xlsx", READ),
    ("agenda.download_template", "GET"): Route("/staff/events/{event}/agenda/template.xlsx",
                                               READ),
    # Delphi re-vote.
    # A new draft round of follow-ups, then on to the builder (the console while there is none).
    ("agenda.put_again", "POST"): Route("/staff/events/{event}/agenda/follow-ups",
                                        staff(403, "{after_put_again}", "{after_put_again}"),
                                        data={"items": "{item}"}),
    # Staff accounts and the audit trail.
    # Accounts: admins only. The POSTs name no account (404 for an admin) or a taken user
    # name (the form again), so no case changes the world's users; tests/accounts/ do.
    ("accounts.list_staff", "GET"): Route("/staff/users", any_staff(403, 403, 200)),
    ("accounts.new_staff", "GET"): Route("/staff/users/new", any_staff(403, 403, 200)),
    ("accounts.new_staff", "POST"): Route("/staff/users/new", any_staff(403, 403, 400),
                                          data={"username": "admin", "role": "analyst"}),
    ("accounts.deactivate_staff", "POST"): Route("/staff/users/999999/deactivate",
                                                 any_staff(403, 403, 404)),
    ("accounts.reactivate_staff", "POST"): Route("/staff/users/999999/reactivate",
                                                 any_staff(403, 403, 404)),
    ("accounts.change_staff_role", "POST"): Route("/staff/users/999999/role",
                                                  any_staff(403, 403, 404),
                                                  data={"role": "admin"}),
    ("accounts.reset_staff_password", "POST"): Route("/staff/users/999999/reset-password",
                                                     any_staff(403, 403, 404)),
    # The audit trail: every staff role of the event reads it; the whole trail is for admins.
    ("accounts.event_audit", "GET"): Route("/staff/events/{event}/audit", READ),
    ("accounts.event_audit_csv", "GET"): Route("/staff/events/{event}/audit.csv", READ),
    ("accounts.audit", "GET"): Route("/staff/audit", any_staff(403, 403, 200)),
    ("accounts.audit_csv", "GET"): Route("/staff/audit.csv", any_staff(403, 403, 200)),
    # Printing.
    # Badges (they carry sign-in links), the poster, ballots and their blank spreadsheet: those
    # who run the room; tests/participants/test_printing.py checks what they print.
    ("participants.list_printables", "GET"): Route("/staff/events/{event}/print",
                                                   staff(403, 200, 200)),
    ("participants.print_badges", "POST"): Route("/staff/events/{event}/print/badges",
                                                 staff(403, 200, 200)),
    ("participants.print_poster", "GET"): Route("/staff/events/{event}/print/poster",
                                                staff(403, 200, 200)),
    ("participants.print_ballots", "GET"): Route("/staff/events/{event}/print/ballots",
                                                 staff(403, 200, 200)),
    ("participants.download_ballot_sheet", "GET"): Route(
        "/staff/events/{event}/print/ballots.xlsx", staff(403, 200, 200)),
    # Attendees.
    # Names and e-mails: those who run the room (analysts and clerks 403). The POSTs are
    # refused (no name, no file) or name no participant of the event (404), so nothing changes;
    # tests/participants/test_attendees*.py do.
    ("participants.list_attendees", "GET"): Route("/staff/events/{event}/attendees",
                                                  staff(403, 200, 200)),
    ("participants.add_attendee", "GET"): Route("/staff/events/{event}/attendees/new",
                                                staff(403, 200, 200)),
    ("participants.add_attendee", "POST"): Route("/staff/events/{event}/attendees/new",
                                                 staff(403, 400, 400)),
    ("participants.edit_attendee", "GET"): Route("/staff/events/{event}/attendees/999999",
                                                 staff(403, 404, 404)),
    ("participants.edit_attendee", "POST"): Route("/staff/events/{event}/attendees/999999",
                                                  staff(403, 404, 404)),
    ("participants.void_participant", "POST"): Route(
        "/staff/events/{event}/attendees/999999/void", staff(403, 404, 404),
        data={"reason": "test phone"}),
    ("participants.restore_participant", "POST"): Route(
        "/staff/events/{event}/attendees/999999/restore", staff(403, 404, 404),
        data={"reason": "not a duplicate"}),
    ("participants.import_attendees", "GET"): Route("/staff/events/{event}/attendees/import",
                                                    staff(403, 200, 200)),
    ("participants.import_attendees", "POST"): Route("/staff/events/{event}/attendees/import",
                                                     staff(403, 400, 400)),
    ("participants.download_attendee_template", "GET"): Route(
        "/staff/events/{event}/attendees/template.xlsx", staff(403, 200, 200)),
    # Paper ballots.
    # The event's clerks, facilitators and admins type ballots; the POSTs are refused (an empty
    # ballot number, no file), so nothing is added. Facilitators and admins resolve mismatches
    # (no ballot has this id: 404) and switch double entry (already off: nothing changes).
    ("voting.list_ballots", "GET"): Route(PAPER, staff(403, 200, 200, clerk=200)),
    ("voting.enter_ballot", "GET"): Route(PAPER + "/rounds/{closed}",
                                          staff(403, 200, 200, clerk=200)),
    ("voting.enter_ballot", "POST"): Route(PAPER + "/rounds/{closed}",
                                           staff(403, 400, 400, clerk=400),
                                           data={"ballot_number": "", "sector": "1"}),
    ("voting.upload_ballots", "GET"): Route(PAPER + "/rounds/{closed}/upload",
                                            staff(403, 200, 200, clerk=200)),
    ("voting.upload_ballots", "POST"): Route(PAPER + "/rounds/{closed}/upload",
                                             staff(403, 400, 400, clerk=400)),
    ("voting.resolve_ballot", "GET"): Route(PAPER + "/ballots/999999/resolve",
                                            staff(403, 404, 404)),
    ("voting.resolve_ballot", "POST"): Route(PAPER + "/ballots/999999/resolve",
                                             staff(403, 404, 404)),
    ("voting.set_double_entry", "POST"): Route(PAPER + "/double-entry", staff(403, PAPER, PAPER)),
}

#: The only requests that may add a response: the event's own participant voting.
VOTES = {("voting.submit_round", "POST"), ("voting.answer_item", "POST")}

CASES = [(key, identity) for key in ROUTES for identity in IDENTITIES]


def test_the_table_lists_every_endpoint(app):
    """Each served (endpoint, method) has a row, and each row's path reaches its endpoint."""
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.endpoint != "static" for method in rule.methods - {"HEAD", "OPTIONS"}}
    missing, stale = served - set(ROUTES), set(ROUTES) - served
    assert not missing, f"endpoints with no row in ROUTES (add their expected outcomes): {missing}"
    assert not stale, f"rows for endpoints the app no longer serves: {stale}"
    adapter = app.url_map.bind("localhost")
    placeholders = {k: 1 for k in ("event", "open", "draft", "closed", "item", "unanswered",
                                   "response", "sector", "section")} | {"code": "ABC234", "token": "t"}
    for (endpoint, method), route in ROUTES.items():
        matched, _ = adapter.match(route.path.format(**placeholders), method=method)
        assert matched == endpoint, f"{route.path} reaches {matched}, not {endpoint}"
        assert set(route.expected) == set(IDENTITIES), endpoint


@pytest.fixture
def world(make):
    event, open_round, items = workshop(make)
    draft = make.round(event)
    closed = make.round(event)
    closed.open()
    closed.close()  # just now: its close can still be undone
    person = make.participant(event)
    response = make.response(person, items[0], comment="A comment")
    outsider = make.participant(make.event())
    users = {role: make.user(Role(role), username=role) for role in STAFF_ROLES}
    users["stranger"] = make.user(Role.facilitator, username="stranger", team=False)
    users["clerk"] = make.user(Role.clerk, username="clerk")
    make.team_member(make.event(), users["stranger"])
    db.session.commit()
    return {"event": event.id, "code": event.join_code, "open": open_round.id,
            "draft": draft.id, "closed": closed.id, "item": items[0].id,
            "unanswered": items[1].id, "response": response.id, "token": person.token,
            "sector": event.sectors[0].id,
            "section": items[0].section_id,  # the agenda builder's section rows
            "after_put_again": _after_put_again(event.id),
            "people": {"participant": person, "outsider": outsider}, "users": users}


def _after_put_again(event_id: int) -> str:
    """Where "Put to the room again" leads: the agenda builder, or the console without one."""
    from flask import current_app

    endpoint = ("agenda.edit_agenda" if "agenda.edit_agenda" in current_app.view_functions
                else "room.console")
    return current_app.url_map.bind("localhost").build(endpoint, {"event_id": event_id})


def _sign_in(client, world, identity: str) -> None:
    if identity in world["people"]:
        as_participant(client, world["people"][identity])
    elif identity in world["users"]:
        login(client, world["users"][identity])


def _responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


@pytest.mark.parametrize(("key", "identity"), CASES,
                         ids=[f"{k[1]} {k[0]} as {i}" for k, i in CASES])
def test_access(client, world, key, identity):
    route = ROUTES[key]
    _sign_in(client, world, identity)
    before = _responses()
    url = route.path.format(**world)
    data = {k.format(**world): v.format(**world) for k, v in route.data.items()}
    method = key[1]
    response = client.open(url, method=method, data=data or None, headers=route.headers)
    expected = route.expected[identity]
    if isinstance(expected, int):
        assert response.status_code == expected, response.get_data(as_text=True)[:300]
    else:
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
        assert urlsplit(response.headers["Location"]).path == expected.format(**world)
    added = _responses() - before
    assert added == (1 if key in VOTES and identity == "participant" else 0)


def test_screen_link_with_its_token_needs_no_login(client, world):
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
