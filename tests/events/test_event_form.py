"""Admins create and edit events in the browser; every bad value is refused, clearly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role
from consult.events.models import Event, EventStatus
from consult.events.operations import DEFAULT_SECTORS
from consult.extensions import db
from tests.conftest import login

GOOD = {
    "title_en": "Validation workshop", "title_km": "សិក្ខាសាលាបញ្ជាក់សុពលភាព",
    "description_en": "On the AI strategy", "description_km": "",
    "venue_en": "Sokha Hotel", "venue_km": "សណ្ឋាគារសុខា",
    "starts_on": "2026-03-10", "ends_on": "2026-03-11", "timezone": "Asia/Phnom_Penh",
    "join_code": "kh-2m26", "join_mode": "badge", "default_locale": "en",
    "validate_pct": "70", "sector_floor_pct": "50", "contest_pct": "50", "spread_pct": "30",
    "min_sector_n": "3", "min_cell": "3",
}


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


@pytest.fixture
def admin(client, make):
    user = make.user(Role.admin)
    db.session.commit()
    login(client, user)
    return user


def test_new_event_form_offers_a_fresh_join_code(client, admin):
    page = client.get("/staff/events/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="join_code"' in html and 'value="Asia/Phnom_Penh"' in html
    assert '<option value="Asia/Phnom_Penh">' in html  # the time zone suggestions


def test_create_an_event(client, admin):
    response = client.post("/staff/events/new", data=GOOD)
    event = db.session.scalar(select(Event))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/events/{event.id}/sectors")
    assert event.join_code == "KH2M26"  # normalized: spaces gone, upper case
    assert event.status == EventStatus.draft
    assert (event.title_en, event.venue_km, event.timezone) == (
        "Validation workshop", "សណ្ឋាគារសុខា", "Asia/Phnom_Penh")
    assert str(event.starts_on) == "2026-03-10" and str(event.ends_on) == "2026-03-11"
    assert event.join_mode.value == "badge" and event.default_locale == "en"
    assert event.validate_pct == 70 and event.khmer_digits is False
    assert [(s.label_en, s.label_km) for s in event.sectors] == DEFAULT_SECTORS
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.create"))
    assert entry.event_id == event.id and entry.user_id == admin.id


def test_a_title_in_one_language_is_enough(client, admin):
    data = {**GOOD, "title_en": "", "starts_on": "", "ends_on": ""}
    assert client.post("/staff/events/new", data=data).status_code == 302
    event = db.session.scalar(select(Event))
    assert event.title_km and event.starts_on is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title_en", "", "Please give a title in Khmer or English."),
    ("join_code", "AB", "4 to 12 letters"),
    ("join_code", "ABCD0", "without 0, 1, O, I or L"),
    ("join_code", "ABCDEFGHJKMNP", "4 to 12 letters"),
    ("join_code", "ÁBCD", "4 to 12 letters"),
    ("ends_on", "2026-03-01", "The last day cannot be before the first day."),
    ("starts_on", "10/03/2026", "Not a valid date"),
    ("timezone", "Mars/Olympus", "Unknown time zone"),
    ("timezone", "../../etc/passwd", "Unknown time zone"),
    ("contest_pct", "80", "cannot be above the validation threshold"),
    ("validate_pct", "101", "Between 0 and 100"),
    ("join_mode", "everyone", "Not a valid choice"),
    ("default_locale", "fr", "Not a valid choice"),
])
def test_bad_values_are_refused(client, admin, field, value, message):
    data = {**GOOD, field: value}
    if field == "title_en":
        data["title_km"] = ""
    response = client.post("/staff/events/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _events() == 0


def test_a_taken_join_code_is_refused(client, admin, make):
    make.event(join_code="TAKEN7")
    db.session.commit()
    response = client.post("/staff/events/new", data={**GOOD, "join_code": "taken-7"})
    assert response.status_code == 400
    assert "Another event already has the join code TAKEN7" in response.get_data(as_text=True)
    assert _events() == 1


def test_edit_every_field(client, admin, make):
    event = make.event(join_code="OLD234")
    db.session.commit()
    page = client.get(f"/staff/events/{event.id}/edit")
    assert page.status_code == 200 and 'value="OLD234"' in page.get_data(as_text=True)
    data = {**GOOD, "join_code": "NEW234", "khmer_digits": "y", "timezone": "Asia/Bangkok"}
    response = client.post(f"/staff/events/{event.id}/edit", data=data)
    assert response.status_code == 302
    saved = db.session.get(Event, event.id)
    assert (saved.join_code, saved.timezone, saved.title_en, saved.khmer_digits) == (
        "NEW234", "Asia/Bangkok", "Validation workshop", True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.edit"))
    assert entry.details["changes"]["join_code"] == ["OLD234", "NEW234"]
    assert entry.details["changes"]["starts_on"] == [None, "2026-03-10"]


def test_edit_keeps_its_own_code_and_refuses_another_events(client, admin, make):
    event = make.event(join_code="MYNE23")
    make.event(join_code="THERS7")
    db.session.commit()
    assert client.post(f"/staff/events/{event.id}/edit",
                       data={**GOOD, "join_code": "MYNE23"}).status_code == 302
    response = client.post(f"/staff/events/{event.id}/edit",
                           data={**GOOD, "join_code": "THERS7"})
    assert response.status_code == 400
    assert db.session.get(Event, event.id).join_code == "MYNE23"


def test_edit_page_reaches_the_status_controls(client, admin, make):
    event = make.event(status=EventStatus.draft)
    db.session.commit()
    html = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert f"/staff/events/{event.id}/status" in html
    response = client.post(f"/staff/events/{event.id}/status",
                           data={"status": "live", "back": "edit"})
    assert response.headers["Location"].endswith(f"/staff/events/{event.id}/edit#status")
    assert db.session.get(Event, event.id).status == EventStatus.live


def test_the_khmer_form_is_in_khmer(khmer_client, make):
    user = make.user(Role.admin)
    db.session.commit()
    login(khmer_client, user)
    response = khmer_client.post("/staff/events/new", data={**GOOD, "join_code": "A1"})
    assert response.status_code == 400
    assert 'lang="km"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["facilitator", "analyst"])
def test_only_admins_create_or_edit(client, make, role):
    event = make.event()
    user = make.user(Role(role))
    db.session.commit()
    login(client, user)
    assert client.get("/staff/events/new").status_code == 403
    assert client.post("/staff/events/new", data=GOOD).status_code == 403
    assert client.get(f"/staff/events/{event.id}/edit").status_code == 403
    assert client.post(f"/staff/events/{event.id}/edit", data=GOOD).status_code == 403
    assert _events() == 1 and db.session.get(Event, event.id).title_en != GOOD["title_en"]


def test_staff_home_links_for_admins_only(client, make):
    event = make.event()
    facilitator = make.user(Role.facilitator)
    admin = make.user(Role.admin)
    db.session.commit()
    login(client, admin)
    html = client.get("/staff/").get_data(as_text=True)
    for page in ("edit", "sectors", "team", "duplicate", "delete"):
        assert f"/staff/events/{event.id}/{page}" in html
    assert "/staff/events/new" in html
    client.post("/staff/logout")
    login(client, facilitator)
    html = client.get("/staff/").get_data(as_text=True)
    assert "/staff/events/new" not in html and f"/staff/events/{event.id}/edit" not in html
