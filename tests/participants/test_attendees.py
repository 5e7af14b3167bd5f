"""Attendees: import from a spreadsheet (re-import updates), add one, the list and its search,
a profile corrected by staff (answers follow), and who may do any of it."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from consult.accounts.models import AuditEntry, Role
from consult.extensions import db
from consult.participants import attendees
from consult.participants.models import Gender, Participant, Source
from consult.spreadsheet import ImportRefused
from consult.voting.models import Response
from tests.conftest import login
from tests.helpers import workshop

HEADER = ("name", "name_km", "organisation", "sector", "gender", "language", "badge_number",
          "email")
GOOD = [
    ("Sok Dara", "សុខ ដារា", "MPTC", "Government (ministries and agencies)", "man", "km", "001",
     "Dara.Sok@example.org"),
    ("", "ចាន់ ស្រីមុំ", "CADT", "គ្រឹះស្ថានសិក្សា និងស្ថាប័នស្រាវជ្រាវ", "ស្ត្រី", "", "002", ""),
    ("Jane Smith", "", "UNESCO", "5", "", "en", "", "j.smith@example.org"),
]


def workbook(rows, header=HEADER, title="attendees") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, event_id: int, data: bytes, name: str = "attendees.xlsx"):
    return client.post(f"/staff/events/{event_id}/attendees/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def people(event) -> dict[str, Participant]:
    db.session.expire_all()
    return {p.badge_number or p.email: p for p in db.session.scalars(
        select(Participant).where(Participant.event_id == event.id))}


def count(model=Participant) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


@pytest.fixture
def event(make):
    event, _round, _items = workshop(make)
    return event


@pytest.fixture
def facilitator(client, make, event):
    user = make.user(Role.facilitator)
    db.session.commit()
    login(client, user)
    return user


# --- Import ------------------------------------------------------------------------------

def test_import_registers_attendees_with_their_profiles(client, event, facilitator):
    data = workbook(GOOD)
    response = upload(client, event.id, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    got = people(event)
    assert set(got) == {"001", "002", "j.smith@example.org"}
    gov, academia = event.sectors[0], event.sectors[1]
    dara = got["001"]
    assert (dara.display_name, dara.display_name_km, dara.organisation) == \
        ("Sok Dara", "សុខ ដារា", "MPTC")
    assert (dara.sector_id, dara.gender, dara.locale, dara.email) == \
        (gov.id, Gender.man, "km", "dara.sok@example.org")
    assert dara.source == Source.badge and dara.has_profile
    # A sector and a gender written in Khmer; no language: the event's.
    mom = got["002"]
    assert (mom.sector_id, mom.gender, mom.locale) == (academia.id, Gender.woman,
                                                        event.default_locale)
    assert mom.has_profile and mom.email is None
    # A sector by its number and no gender: they complete the profile when they scan.
    jane = got["j.smith@example.org"]
    assert jane.sector_id == event.sectors[4].id and jane.gender is None
    assert not jane.has_profile and jane.badge_number is None and jane.locale == "en"
    [entry] = audits("attendee.import")
    assert entry.event_id == event.id and entry.user_id == facilitator.id
    assert entry.details["file"] == "attendees.xlsx"
    assert entry.details["sha256"] == attendees.hashlib.sha256(data).hexdigest()
    assert (entry.details["created"], entry.details["updated"]) == (3, 0)
    # The audit trail (read by analysts) names no one.
    assert "Dara" not in str(entry.details) and "example.org" not in str(entry.details)


def test_a_reimport_updates_and_never_duplicates(client, event, facilitator):
    assert upload(client, event.id, workbook(GOOD)).status_code == 302
    before = people(event)
    again = [
        # Same badge number: the organisation changes; an empty e-mail keeps the one known.
        ("Sok Dara", "សុខ ដារា", "Ministry of Post and Telecommunications", "1", "man", "km",
         "001", ""),
        # Same person, found by e-mail (typed in capitals); now with a badge number.
        ("Jane Smith", "", "UNESCO", "5", "woman", "en", "003", "J.SMITH@example.org"),
        # Unchanged.
        GOOD[1],
        # New.
        ("Vann Sokha", "វ៉ាន់ សុខា", "", "", "", "", "004", ""),
    ]
    response = upload(client, event.id, workbook(again))
    assert response.status_code == 302
    after = people(event)
    assert count() == 4
    assert set(after) == {"001", "002", "003", "004"}
    assert after["001"].id == before["001"].id
    assert after["001"].organisation == "Ministry of Post and Telecommunications"
    assert after["001"].email == "dara.sok@example.org"
    assert after["003"].id == before["j.smith@example.org"].id
    assert after["003"].gender == Gender.woman and after["003"].has_profile
    last = audits("attendee.import")[-1].details
    assert (last["created"], last["updated"], last["unchanged"]) == (1, 2, 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported: 1 new attendee(s), 2 updated, 1 unchanged." in page


def test_a_row_matching_two_registered_attendees_is_refused(client, event, facilitator):
    assert upload(client, event.id, workbook(GOOD)).status_code == 302
    # Badge 001 is Dara's, the e-mail Jane's: which one to update is not for Consult to guess.
    clash = [("Sok Dara", "", "", "", "", "", "001", "j.smith@example.org")]
    with pytest.raises(ImportRefused) as refused:
        attendees.import_attendees(event, facilitator, workbook(clash))
    assert [(p.sheet, p.row, p.column) for p in refused.value.problems] == \
        [("attendees", 2, "H")]
    db.session.rollback()
    assert count() == 3


EXPECTED_PROBLEMS = {
    # (row, column letter): a word of the message
    (2, "D"): "No sector of this event",
    (3, "E"): "woman, man, another, undisclosed",
    (4, "F"): "km",
    (5, "H"): "not an e-mail",
    (6, "A"): "name",
    (7, "G"): "badge number or an e-mail",
    (9, "G"): "row 8",
    (10, "A"): "At most 200 characters",
}


def test_bad_rows_are_all_listed_with_sheet_row_and_column_and_nothing_is_written(
        client, event, facilitator):
    rows = [
        ("A", "", "", "Farmers", "", "", "101", ""),
        ("B", "", "", "", "girl", "", "102", ""),
        ("C", "", "", "", "", "fr", "103", ""),
        ("D", "", "", "", "", "", "104", "not-an-address"),
        ("", "", "MPTC", "", "", "", "105", ""),
        ("F", "", "", "", "", "", "", ""),
        ("G", "", "", "", "", "", "108", ""),
        ("H", "", "", "", "", "", "108", ""),
        ("x" * 201, "", "", "", "", "", "110", ""),
        ("Fine", "", "", "1", "woman", "km", "111", ""),
    ]
    data = workbook(rows)
    with force_locale("en"), pytest.raises(ImportRefused) as refused:
        attendees.read_attendees(event, data)
    with force_locale("en"):
        got = {(p.row, p.column): str(p.message) for p in refused.value.problems}
    assert {p.sheet for p in refused.value.problems} == {"attendees"}
    assert set(got) == set(EXPECTED_PROBLEMS)
    for place, words in EXPECTED_PROBLEMS.items():
        assert words in got[place], (place, got[place])
    response = upload(client, event.id, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "the file has 8 problems" in page
    assert '<td lang="en">D (sector)</td>' in page
    assert count() == 0
    assert audits("attendee.import") == []


def test_missing_columns_are_named(client, event, facilitator):
    data = workbook([("A", "x")], header=("organisation", "gender"))
    response = upload(client, event.id, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "needs a name column" in page and "needs a column badge_number or email" in page


@pytest.mark.parametrize(("data", "needle"), [
    (b"", "The file is empty."),
    (b"name,badge_number\nA,1\n", "This is not an Excel workbook (.xlsx)"),
])
def test_a_file_that_is_no_workbook_is_refused(client, event, facilitator, data, needle):
    response = upload(client, event.id, data, "attendees.csv")
    assert response.status_code == 400
    assert needle in response.get_data(as_text=True)
    assert count() == 0


def test_no_file_is_refused(client, event, facilitator):
    response = client.post(f"/staff/events/{event.id}/attendees/import", data={})
    assert response.status_code == 400
    assert "Please choose a file to import." in response.get_data(as_text=True)


def test_the_template_has_examples_that_import(client, event, facilitator):
    response = client.get(f"/staff/events/{event.id}/attendees/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["attendees", "examples", "sectors", "values"]
    assert [c.value for c in wb["attendees"][1]] == list(HEADER)
    assert wb["attendees"].max_row == 1  # blank: importing it as it is adds no one
    examples = [r for r in wb["examples"].iter_rows(min_row=2, values_only=True)]
    assert len(examples) == 3
    sectors = [r for r in wb["sectors"].iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in sectors] == [s.label_en for s in event.sectors]
    assert upload(client, event.id, workbook(examples)).status_code == 302
    assert count() == 3


@pytest.mark.parametrize("label", ["=HYPERLINK(\"http://x.test\",\"ok\")", "+1+1", "-1",
                                   "@SUM(A1)", "\t=1+1", "\r=1+1", "a\x07bell"])
def test_the_template_writes_sector_labels_as_text(client, event, facilitator, label):
    """A sector's label typed by staff is text in the template: never a formula, no
    apostrophe shown, no control character a workbook cannot hold."""
    event.sectors[0].label_en = event.sectors[1].label_km = label
    db.session.commit()
    wb = load_workbook(io.BytesIO(
        client.get(f"/staff/events/{event.id}/attendees/template.xlsx").data))
    expected = label.replace("\x07", "").replace("\r", "\n")  # XML reads CR as a line feed
    for cell in (wb["sectors"]["B2"], wb["sectors"]["C3"]):
        assert (cell.value, cell.data_type) == (expected, "s"), cell.coordinate
    example = wb["examples"]["D2"]  # the first example names the first sector in English
    assert (example.value, example.data_type) == (expected, "s")


def test_the_import_page_in_khmer(khmer_client, event, make):
    user = make.user(Role.facilitator)
    db.session.commit()
    login(khmer_client, user)
    page = khmer_client.get(f"/staff/events/{event.id}/attendees/import")
    assert page.status_code == 200 and '<html lang="km"' in page.get_data(as_text=True)
    response = upload(khmer_client, event.id, workbook([("A", "", "", "", "", "", "", "")]))
    assert response.status_code == 400


# --- One by one --------------------------------------------------------------------------

def form(**overrides) -> dict:
    data = {"display_name": "Sok Dara", "display_name_km": "សុខ ដារា", "organisation": "MPTC",
            "sector": "0", "gender": "", "locale": "km", "badge_number": "០៧", "email": ""}
    return data | overrides


def test_add_one_attendee(client, event, facilitator):
    sector = event.sectors[1]
    response = client.post(f"/staff/events/{event.id}/attendees/new",
                           data=form(sector=str(sector.id), gender="woman"))
    assert response.status_code == 302
    [person] = people(event).values()
    assert person.badge_number == "07"  # Khmer digits typed at the desk
    assert person.source == Source.badge and person.has_profile
    assert person.sector_id == sector.id and person.gender == Gender.woman
    [entry] = audits("attendee.add")
    assert entry.target_id == person.id and entry.details == {"profile_complete": True}
    # Without sector and gender, the profile waits for the badge scan.
    assert client.post(f"/staff/events/{event.id}/attendees/new",
                       data=form(badge_number="8", display_name="Chan")).status_code == 302
    assert not people(event)["8"].has_profile


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"display_name": "", "display_name_km": ""}, "Give the attendee&#39;s name"),
    ({"badge_number": "", "email": ""}, "Give a badge number or an e-mail"),
    ({"email": "nobody"}, "This is not an e-mail address."),
    ({"sector": "999999"}, "Please choose a sector from the list."),
    ({"gender": "robot"}, "Please choose one of the answers for gender."),
])
def test_add_refuses_bad_input(client, event, facilitator, overrides, needle):
    response = client.post(f"/staff/events/{event.id}/attendees/new", data=form(**overrides))
    assert response.status_code == 400
    assert needle in response.get_data(as_text=True)
    assert count() == 0


BADGE_RULE = "A badge number holds only Latin letters, digits and the signs"


@pytest.mark.parametrize("badge", ["²", "1²", "①", "１２", "Ⅻ", "A 12", "12#", "=1+1",
                                   "ក-១", "0\t7"])
def test_add_refuses_a_badge_number_with_other_signs(client, event, facilitator, badge):
    """Only letters, digits (Khmer ones read as ASCII), dash, dot and slash: a badge number
    sorts and prints the same everywhere."""
    response = client.post(f"/staff/events/{event.id}/attendees/new",
                           data=form(badge_number=badge))
    assert response.status_code == 400
    assert BADGE_RULE in response.get_data(as_text=True)
    assert count() == 0


def test_a_badge_number_may_hold_letters_digits_dash_dot_and_slash(client, event, facilitator,
                                                                   make):
    response = client.post(f"/staff/events/{event.id}/attendees/new",
                           data=form(badge_number=" MPTC-១២/3.b "))
    assert response.status_code == 302
    [person] = people(event).values()
    assert person.badge_number == "MPTC-12/3.b"
    edit = client.post(f"/staff/events/{event.id}/attendees/{person.id}",
                       data=form(badge_number="12²"))
    assert edit.status_code == 400 and BADGE_RULE in edit.get_data(as_text=True)
    assert people(event)["MPTC-12/3.b"].id == person.id


def test_the_import_refuses_a_badge_number_with_other_signs(event):
    rows = [(*GOOD[0][:6], "²", ""), (*GOOD[1][:6], "០០៣", ""), (*GOOD[2][:6], "A 1", "")]
    with force_locale("en"), pytest.raises(ImportRefused) as refused:
        attendees.read_attendees(event, workbook(rows))
    with force_locale("en"):  # the messages are lazy: read them in English too
        got = {(p.row, p.column): str(p.message) for p in refused.value.problems}
    assert set(got) == {(2, "G"), (4, "G")}  # row 3's Khmer digits are fine
    assert all(message.startswith(BADGE_RULE) for message in got.values())


def test_a_badge_number_or_email_is_one_attendee_s(client, event, facilitator, make):
    make.participant(event, badge_number="07", email="a@example.org", source=Source.badge)
    db.session.commit()
    for data in (form(badge_number=" 07 "), form(badge_number="9", email="A@example.org")):
        response = client.post(f"/staff/events/{event.id}/attendees/new", data=data)
        assert response.status_code == 400
        assert "Another participant of this event has this" in response.get_data(as_text=True)
    assert count() == 1


# --- The list ------------------------------------------------------------------------------

def test_the_list_shows_routes_profiles_and_counts(client, event, facilitator, make):
    gov = event.sectors[0]
    dara = make.participant(event, sector=gov, display_name="Sok Dara", badge_number="001",
                            organisation="MPTC", source=Source.badge)
    make.participant(event, sector=None, gender=None, profile_completed_at=None,
                     display_name_km="ចាន់ ស្រីមុំ", badge_number="002", source=Source.badge)
    web = make.participant(event, organisation="UNESCO")
    make.participant(event, source=Source.paper)
    voided = make.participant(event, badge_number="009", display_name="Test phone",
                              source=Source.badge)
    voided.void(facilitator, "test phone")
    db.session.commit()
    page = client.get(f"/staff/events/{event.id}/attendees").get_data(as_text=True)
    counts = page[page.index('class="attendee-counts"'):page.index("</ul>",
                                                                   page.index("attendee-counts"))]
    # Web 1, badge 2 (the voided one left out), paper 1; 1 without a profile; 1 voided.
    assert [int(n) for n in
            attendees.re.findall(r"<strong>(\d+)</strong>", counts)] == [1, 2, 1, 1, 1]
    assert "Sok Dara" in page and "ចាន់ ស្រីមុំ" in page and web.public_code in page
    assert page.count("Not complete") == 1 and "is-voided" in page
    assert f"/staff/events/{event.id}/attendees/{dara.id}" in page
    assert "5 participants" in page


@pytest.mark.parametrize(("query", "found"), [
    ("dara", {"dara"}), ("ស្រីមុំ", {"mom"}), ("unesco", {"web"}), ("002", {"mom"}),
    ("០០២", {"mom"}), ("nobody", set()),
])
def test_search(client, event, facilitator, make, query, found):
    who = {
        "dara": make.participant(event, display_name="Sok Dara", badge_number="001"),
        "mom": make.participant(event, display_name_km="ចាន់ ស្រីមុំ", badge_number="002"),
        "web": make.participant(event, organisation="UNESCO"),
    }
    db.session.commit()
    page = client.get(f"/staff/events/{event.id}/attendees",
                      query_string={"q": query}).get_data(as_text=True)
    shown = {name for name, p in who.items() if p.public_code in page}
    assert shown == found
    if not found:
        assert "No participant matches this search." in page


def test_search_by_participant_code_typed_any_way(client, event, facilitator, make):
    person, other = make.participant(event), make.participant(event)
    db.session.commit()
    typed = person.public_code.replace("-", " ").lower()  # "p 7kq2m9"
    page = client.get(f"/staff/events/{event.id}/attendees",
                      query_string={"q": typed}).get_data(as_text=True)
    assert person.public_code in page and other.public_code not in page


def test_the_list_has_pages_of_a_hundred(client, event, facilitator, make):
    for n in range(attendees.PER_PAGE + 1):
        make.participant(event, display_name=f"Person {n:03d}", badge_number=str(n))
    db.session.commit()
    first = client.get(f"/staff/events/{event.id}/attendees").get_data(as_text=True)
    assert first.count('class="meta code"') == attendees.PER_PAGE
    assert "page 1 of 2" in first and "Person 000" in first and "Person 100" not in first
    second = client.get(f"/staff/events/{event.id}/attendees?page=2").get_data(as_text=True)
    assert second.count('class="meta code"') == 1 and "Person 100" in second


# --- Editing a profile -------------------------------------------------------------------

def test_an_edit_moves_the_answers_with_the_profile(client, make, facilitator):
    event, round_, items = workshop(make)
    gov, academia = event.sectors[0], event.sectors[1]
    person = make.participant(event, sector=gov, gender=Gender.man, email="p@example.org")
    for item in items:
        make.response(person, item, 3)
    round_.close()  # the participant can no longer change it; staff still correct it
    db.session.commit()
    url = f"/staff/events/{event.id}/attendees/{person.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="p@example.org"' in page and "Not given" not in page  # a profile stays whole
    response = client.post(url, data=form(display_name="", display_name_km="",
                                          sector=str(academia.id), gender="woman", locale="en",
                                          badge_number="", email="q@example.org",
                                          organisation="CADT"))
    assert response.status_code == 302
    db.session.expire_all()
    answers = db.session.execute(select(Response.sector_id, Response.gender)
                                 .where(Response.participant_id == person.id)).all()
    assert set(answers) == {(academia.id, Gender.woman)}
    [entry] = audits("attendee.edit")
    assert entry.target_id == person.id
    assert entry.details["before"] == {"sector": gov.label_en, "gender": "man",
                                       "lang": "km", "organisation": ""}
    assert entry.details["after"] == {"sector": academia.label_en, "gender": "woman",
                                      "lang": "en", "organisation": "CADT"}
    assert entry.details["fields"] == ["email"]  # named, never its value
    assert "example.org" not in str(entry.details)
    # The audit page shows the change in words.
    audit = client.get(f"/staff/events/{event.id}/audit").get_data(as_text=True)
    assert "Participant&#39;s profile corrected" in audit or "Participant's profile corrected" \
        in audit


def test_an_edit_refuses_a_badge_number_taken(client, event, facilitator, make):
    make.participant(event, badge_number="001", source=Source.badge)
    person = make.participant(event, badge_number="002", display_name="B", source=Source.badge)
    db.session.commit()
    response = client.post(f"/staff/events/{event.id}/attendees/{person.id}",
                           data=form(badge_number="001", sector=str(person.sector_id),
                                     gender="woman"))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Participant, person.id).badge_number == "002"
    assert audits("attendee.edit") == []


def test_an_edit_that_changes_nothing_writes_no_audit(client, event, facilitator, make):
    person = make.participant(event, display_name="Sok Dara", display_name_km="សុខ ដារា",
                              organisation="MPTC", badge_number="07", locale="km")
    db.session.commit()
    response = client.post(f"/staff/events/{event.id}/attendees/{person.id}",
                           data=form(sector=str(person.sector_id), gender="woman"))
    assert response.status_code == 302
    assert audits("attendee.edit") == []


def test_another_event_s_participant_is_not_found(client, event, facilitator, make):
    other = make.participant(make.event())
    db.session.commit()
    assert client.get(f"/staff/events/{event.id}/attendees/{other.id}").status_code == 404
    assert client.post(f"/staff/events/{event.id}/attendees/{other.id}/void",
                       data={"reason": "x"}).status_code == 404


# --- Who may ---------------------------------------------------------------------------

@pytest.mark.parametrize("identity", ["analyst", "clerk", "stranger"])
def test_only_those_who_run_the_room_see_or_change_attendees(client, make, identity):
    event, _round, _items = workshop(make)
    user = {"analyst": lambda: make.user(Role.analyst),
            "clerk": lambda: make.user(Role.clerk),
            "stranger": lambda: make.user(Role.facilitator, team=False)}[identity]()
    person = make.participant(event, display_name="Sok Dara", badge_number="001")
    db.session.commit()
    login(client, user)
    base = f"/staff/events/{event.id}/attendees"
    for url in (base, f"{base}/new", f"{base}/import", f"{base}/template.xlsx",
                f"{base}/{person.id}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Sok Dara" not in response.get_data(as_text=True)
    for url, data in ((f"{base}/{person.id}", form(display_name="Changed")),
                      (f"{base}/{person.id}/void", {"reason": "x"}),
                      (f"{base}/new", form(badge_number="99")),
                      (f"{base}/import", {"file": (io.BytesIO(workbook(GOOD)), "a.xlsx")})):
        assert client.post(url, data=data).status_code == 403, url
    db.session.expire_all()
    assert count() == 1
    assert db.session.get(Participant, person.id).display_name == "Sok Dara"
    assert not db.session.get(Participant, person.id).is_voided


@pytest.mark.parametrize(("role", "linked"), [(Role.facilitator, True), (Role.admin, True),
                                              (Role.analyst, False)])
def test_the_event_pages_link_the_list_for_those_who_may(client, make, role, linked):
    event, _round, _items = workshop(make)
    user = make.user(role)
    db.session.commit()
    login(client, user)
    page = client.get(f"/staff/events/{event.id}/audit").get_data(as_text=True)
    assert (f'href="/staff/events/{event.id}/attendees"' in page) is linked


def test_an_archived_event_s_attendees_do_not_change(client, make):
    from consult.events.models import EventStatus

    event, round_, _items = workshop(make)
    round_.close()
    event.set_status(EventStatus.archived)
    user = make.user(Role.facilitator)
    person = make.participant(event)
    db.session.commit()
    login(client, user)
    assert client.get(f"/staff/events/{event.id}/attendees").status_code == 200
    response = client.post(f"/staff/events/{event.id}/attendees/{person.id}/void",
                           data={"reason": "x"})
    assert response.status_code == 409
    assert "archived" in response.get_data(as_text=True)
