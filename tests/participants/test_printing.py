"""Printing: badge sheets, the join poster, paper ballots and the blank ballot spreadsheet.

Through HTTP on the test database: what each page prints, the selection and numbering
options, bad query values (400, never 500), and another event's round (404). Who may open the
pages is in tests/room/test_access.py; the PDF pages Chromium prints, in
tests/browser/test_printing.py.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.qr import qr_svg
from consult.timeutil import utcnow
from tests.conftest import login
from tests.helpers import workshop

PUBLIC = "http://192.0.2.10:8000"  # PUBLIC_URL of the test apps (tests/conftest.py)
KINDS = (ItemKind.agreement, ItemKind.priority, ItemKind.choice, ItemKind.multi,
         ItemKind.ranking, ItemKind.text)


@pytest.fixture
def world(make):
    """An event with ten attendees (badges 1..10), a round of every kind and a second round."""
    event, first, items = workshop(make, kinds=KINDS, open_round=False)
    items[-1].allow_comment = False  # the text item takes no comment
    second = make.round(event)
    later = make.item(event, event.sections[0], second, code="R2-A")
    people = [make.participant(event, badge_number=str(n), display_name=f"Attendee {n}",
                               display_name_km=f"អ្នកចូលរួម {n}", organisation=f"Ministry {n}")
              for n in (10, 9, 8, 7, 6, 5, 4, 3, 2, 1)]
    walk_in = make.participant(event)  # joined with the code: no badge
    voided = make.participant(event, badge_number="99", display_name="Test phone",
                              voided_at=utcnow())
    other = make.event()
    other_round = make.round(other)
    stranger = make.participant(other, badge_number="5", display_name="Someone else")
    user = make.user(Role.facilitator)
    db.session.commit()
    return {"event": event, "first": first, "second": second, "items": items, "later": later,
            "people": {p.badge_number: p for p in people}, "walk_in": walk_in,
            "voided": voided, "other_round": other_round, "stranger": stranger, "user": user}


@pytest.fixture
def staff(client, world):
    login(client, world["user"])
    return client


def _url(world, page: str) -> str:
    return f"/staff/events/{world['event'].id}/print{page}"


def _badge_numbers(html: str) -> list[str]:
    return re.findall(r'class="badge-number">№ <strong>([^<]+)</strong>', html)


# --- Badges --------------------------------------------------------------------------------

def test_badges_print_every_attendee_eight_to_a_sheet_in_badge_order(staff, world):
    response = staff.post(_url(world, "/badges"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _badge_numbers(html) == [str(n) for n in range(1, 11)]  # 2 before 10
    assert html.count('class="sheet sheet-a4 badge-sheet"') == 2  # 8 + 2
    first_sheet = html.split('badge-sheet"')[1]
    assert first_sheet.count('class="name-badge"') == 8
    for person in world["people"].values():
        assert str(qr_svg(f"{PUBLIC}/r/{person.token}")) in html  # the QR code of their link
    assert "អ្នកចូលរួម 3" in html and "Attendee 3" in html and "Ministry 3" in html
    assert "Test phone" not in html and world["walk_in"].token not in html  # voided, no badge
    assert world["stranger"].token not in html
    assert html.count('<svg') >= 10
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "participant.print_badges"))
    assert entry.details["count"] == 10 and entry.user_id == world["user"].id
    assert not any(p.token in str(entry.details) for p in world["people"].values())


def _badges(client, world, **selection) -> str:
    response = client.post(_url(world, "/badges"), data=selection)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_badges_from_to_and_ids_narrow_the_sheet(staff, world):
    assert _badge_numbers(_badges(staff, world, **{"from": "3", "to": "5"})) == ["3", "4", "5"]
    assert _badge_numbers(_badges(staff, world, **{"from": "9"})) == ["9", "10"]
    assert _badge_numbers(_badges(staff, world, **{"from": "៣", "to": "៥"})) == ["3", "4", "5"]
    people = world["people"]
    ids = f"{people['7'].id}, {people['2'].id} {world['stranger'].id},{world['voided'].id}"
    html = _badges(staff, world, ids=ids)
    assert _badge_numbers(html) == ["2", "7"]  # another event's and the voided: never
    html = _badges(staff, world, **{"from": "50"})
    assert _badge_numbers(html) == [] and "No pre-registered attendee" in html


@pytest.mark.parametrize("selection", [{"ids": "abc"}, {"ids": "1;2"}, {"from": "9" * 41},
                                       {"ids": "1," * 2001}, {"ids": "99999999999"},
                                       {"from": "²"}, {"to": "1²"}, {"from": "①"},
                                       {"to": "A 1"}])
def test_badges_refuse_a_bad_selection(staff, world, selection):
    response = staff.post(_url(world, "/badges"), data=selection)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="badges"' in html  # the Print page, with the error
    if "ids" not in selection and len(next(iter(selection.values()))) < 41:
        assert "A badge number holds only Latin letters, digits and the signs" in html
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "participant.print_badges")) is None


def test_badges_print_whatever_a_stored_badge_number_holds(staff, world, make):
    """Badge numbers stored before the rule (or by another route) still sort and print."""
    for badge in ("²", "1²", "①", "A-10", "A-9", "១២", "Ⅻ"):
        make.participant(world["event"], badge_number=badge, display_name=f"Odd {badge}")
    db.session.commit()
    page = staff.get(_url(world, ""))
    assert page.status_code == 200
    assert "17 pre-registered attendees have a badge number." in page.get_data(as_text=True)
    numbers = _badge_numbers(_badges(staff, world))
    assert numbers.index("A-9") < numbers.index("A-10")
    assert set(numbers) >= {"²", "1²", "①", "១២", "Ⅻ"}
    assert _badge_numbers(_badges(staff, world, **{"from": "A-9", "to": "A-10"})) == [
        "A-9", "A-10"]


def test_badge_key_reads_only_ascii_digits_as_numbers():
    from consult.participants.printing import badge_key

    assert badge_key("2") < badge_key("10") and badge_key("A-9") < badge_key("A-10")
    assert badge_key("១២") == badge_key("12")  # Khmer digits typed at the desk
    assert badge_key("²") == ((1, 0, "²"),)  # a superscript is text, not the number 2
    assert badge_key("1²") == ((0, 1, ""), (1, 0, "²"))


def test_printing_badges_is_a_post_the_get_writes_nothing(staff, world):
    assert staff.get(_url(world, "/badges")).status_code == 405
    assert staff.get(_url(world, "/badges?from=1")).status_code == 405
    page = staff.get(_url(world, "")).get_data(as_text=True)
    form = page.split('id="badges"')[1].split("</form>")[0]
    assert 'method="post"' in form and 'action="/staff/events/' in form
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "participant.print_badges")) is None


def test_printing_badges_needs_the_print_page_s_csrf_token(app, staff, world):
    """Another site's page cannot print badges, nor fill the audit trail, for a signed-in
    facilitator."""
    app.config["WTF_CSRF_ENABLED"] = True  # after signing in through the test helper
    assert staff.post(_url(world, "/badges")).status_code == 400
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "participant.print_badges")) is None
    page = staff.get(_url(world, "")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      page.split('id="badges"')[1])[1]
    response = staff.post(_url(world, "/badges"), data={"csrf_token": token, "from": "9"})
    assert response.status_code == 200
    assert _badge_numbers(response.get_data(as_text=True)) == ["9", "10"]
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "participant.print_badges"))
    assert entry.details["count"] == 2 and entry.details["start"] == "9"


# --- The poster ----------------------------------------------------------------------------

def test_poster_carries_the_join_link_and_code(staff, world):
    event = world["event"]
    html = staff.get(_url(world, "/poster")).get_data(as_text=True)
    assert "sheet sheet-a4 poster" in html
    assert f"{PUBLIC}/j/{event.join_code}" in html
    assert f"<strong>{event.join_code}</strong>" in html
    assert html.count("<li>") == 3 and "Scan the QR code" in html
    assert f"Or open {PUBLIC}/ and type the code {event.join_code}." in html
    assert event.title_km in html and event.title_en in html
    assert "sheet sheet-a3 poster" in staff.get(_url(world, "/poster?size=a3")).get_data(
        as_text=True)


def test_poster_prints_both_languages_on_a_khmer_page(khmer_client, world):
    login(khmer_client, world["user"])
    html = khmer_client.get(_url(world, "/poster")).get_data(as_text=True)
    assert '<html lang="km">' in html
    assert "Scan the QR code with your phone" in html  # the English line is there too


@pytest.mark.parametrize("size", ["a5", "A4 ", "", "%00"])
def test_poster_refuses_an_unknown_size(staff, world, size):
    assert staff.get(_url(world, f"/poster?size={size}")).status_code == 400


# --- Paper ballots -------------------------------------------------------------------------

def _ballots(html: str) -> list[str]:
    return re.findall(r'class="ballot-number">.*?<strong>(\d+)</strong>', html, flags=re.S)


def _boxes(section: str) -> list[str]:
    return re.findall(r'class="box-square">(\d*)</span>', section)


def test_ballots_of_a_round_are_numbered_copies_with_every_digit_printed(staff, world):
    event, first = world["event"], world["first"]
    response = staff.get(_url(world, f"/ballots?round={first.id}&first=7&count=3"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _ballots(html) == ["7", "8", "9"]
    copy = html.split('<article class="ballot">')[1]
    sectors = copy.split('boxes-sectors')[1].split("</div>\n</div>")[0]
    assert _boxes(sectors) == [str(n) for n in range(1, len(event.sectors) + 1)]
    genders = copy.split('boxes-genders')[1].split("</div>\n</div>")[0]
    assert _boxes(genders) == ["1", "2", "3", "4"]
    items = copy.split('<section class="ballot-item')[1:]
    assert [re.search(r'item-number">(\d+)<', s)[1] for s in items] == ["1", "2", "3", "4", "5",
                                                                          "6"]
    agreement, priority, choice, multi, ranking, text = items
    assert _boxes(agreement) == ["5", "4", "3", "2", "1", "0"]
    assert "Strongly agree" in agreement and "No opinion" in agreement
    assert _boxes(priority) == ["3", "2", "1"]
    assert _boxes(choice) == ["1", "2", "3"] and "ជម្រើស ក" in choice and "Option A" in choice
    assert _boxes(multi) == ["1", "2", "3"] and "Tick every option" in multi
    assert ranking.count("box-square box-write") == 3  # a place to write beside each option
    assert re.findall(r'option-number">(\d)<', ranking) == ["1", "2", "3"]
    assert "write-lines" in text and "ballot-comment" not in text  # no comment allowed
    assert "ballot-comment" in agreement
    assert world["later"].code not in html  # round 2 is on its own ballot
    assert first.title_km in html and first.title_en in html


def test_a_whole_agenda_ballot_numbers_items_round_by_round(staff, world):
    html = staff.get(_url(world, "/ballots?count=2")).get_data(as_text=True)
    assert _ballots(html) == ["1", "2"]
    copy = html.split('<article class="ballot">')[1]
    assert copy.count('class="ballot-round"') == 2
    numbers = re.findall(r'item-number">(\d+)<', copy)
    assert numbers == [str(n) for n in range(1, 8)]
    assert copy.index(world["items"][0].code) < copy.index(world["later"].code)
    assert "Whole agenda" in copy


def test_ballots_default_to_one_copy_numbered_one(staff, world):
    html = staff.get(_url(world, "/ballots")).get_data(as_text=True)
    assert _ballots(html) == ["1"]


def test_a_round_of_another_event_is_not_found(staff, world):
    other = world["other_round"].id
    assert staff.get(_url(world, f"/ballots?round={other}")).status_code == 404
    assert staff.get(_url(world, f"/ballots.xlsx?round={other}")).status_code == 404
    assert staff.get(_url(world, "/ballots?round=2147483647")).status_code == 404


@pytest.mark.parametrize("query", ["round=abc", "round=-1", "first=0", "first=x", "count=0",
                                   "count=1001", "count=", "first=1e3", "count=99999999999999",
                                   "first=１"])
def test_ballots_refuse_bad_values(staff, world, query):
    for page in ("/ballots", "/ballots.xlsx"):
        response = staff.get(_url(world, f"{page}?{query}"))
        assert response.status_code == 400, (page, query)
        assert 'id="ballots"' in response.get_data(as_text=True)


def test_ballots_of_an_event_without_items_say_so(staff, make, world):
    empty = make.event()
    db.session.commit()
    html = staff.get(f"/staff/events/{empty.id}/print/ballots").get_data(as_text=True)
    assert 'class="ballot"' not in html and "There is no item to print" in html


# --- The blank spreadsheet -----------------------------------------------------------------

def _sheet(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response, load_workbook(io.BytesIO(response.data))


def test_blank_spreadsheet_has_the_conventions_columns(staff, world):
    first, items = world["first"], world["items"]
    response, book = _sheet(staff, _url(world, f"/ballots.xlsx?round={first.id}"))
    assert f"ballots-{world['event'].join_code}-round-1.xlsx" in response.headers[
        "Content-Disposition"]
    sheet = book["ballots"]
    header = [cell.value for cell in sheet[1]]
    expected = ["ballot_number", "sector", "gender", "organisation"]
    for item in items:
        expected.append(item.code)
        if item.allow_comment:
            expected.append(f"{item.code} comment")
    assert header == expected
    assert sheet.max_row == 1  # blank: every row below is a ballot
    assert "Sector" in sheet["B1"].comment.text
    assert "Statement" in sheet.cell(row=1, column=5).comment.text  # the item's prompt
    codes = {(row[0], row[1]): row[2] for row in book["codes"].iter_rows(min_row=2,
                                                                          values_only=True)}
    assert "Strongly agree" in codes[(items[0].code, "5")]
    assert "Prefer not to say" in codes[("gender", "4")]
    assert codes[("sector", "1")] == " / ".join(
        dict.fromkeys([world["event"].sectors[0].label_km, world["event"].sectors[0].label_en]))
    assert "ជម្រើស គ" in codes[(items[2].code, "3")]
    rules = {str(v.sqref): (v.formula1, v.formula2) for v in sheet.data_validations.dataValidation}
    assert rules["C2:C5000"] == ("1", "4") and rules["E2:E5000"] == ("0", "5")


@pytest.mark.parametrize("label", ["=HYPERLINK(\"http://x.test\",\"ok\")", "+1+1", "-2+3",
                                   "@SUM(A1)", "\t=1+1", "\r=1+1", "a\x07bell"])
def test_blank_spreadsheet_writes_typed_labels_as_text(staff, world, label):
    """A sector's or an option's label is text in the sheet: never a formula, no apostrophe
    shown, no control character a workbook cannot hold."""
    event, first, items = world["event"], world["first"], world["items"]
    for labelled in (event.sectors[0], items[2].options[0]):
        labelled.label_en = labelled.label_km = label  # one language: the cell starts with it
    db.session.commit()
    _response, book = _sheet(staff, _url(world, f"/ballots.xlsx?round={first.id}"))
    cells = {(row[0].value, row[1].value): row[2] for row in book["codes"].iter_rows(min_row=2)}
    for key in (("sector", "1"), (items[2].code, "1")):
        cell = cells[key]
        expected = label.replace("\x07", "").replace("\r", "\n")  # XML reads CR as LF
        assert (cell.value, cell.data_type) == (expected, "s"), key


def test_blank_spreadsheet_of_the_whole_agenda(staff, world):
    response, book = _sheet(staff, _url(world, "/ballots.xlsx"))
    assert f"ballots-{world['event'].join_code}.xlsx" in response.headers["Content-Disposition"]
    header = [cell.value for cell in book["ballots"][1]]
    assert header[-2:] == [world["later"].code, f"{world['later'].code} comment"]


# --- The Print page ------------------------------------------------------------------------

def test_the_print_page_lists_the_printables(staff, world):
    html = staff.get(_url(world, "")).get_data(as_text=True)
    assert "10 pre-registered attendees have a badge number." in html
    for anchor in ('id="badges"', 'id="poster"', 'id="ballots"', 'name="from"', 'name="to"',
                   'name="ids"', 'name="size"', 'name="round"', 'name="first"', 'name="count"'):
        assert anchor in html
    assert 'value="50"' in html  # copies to print, a sensible default
    assert "/print/ballots.xlsx" in html


@pytest.mark.parametrize(("role", "linked"), [(Role.facilitator, True), (Role.admin, True),
                                              (Role.analyst, False), (Role.clerk, False)])
def test_the_event_menu_links_the_print_page_for_those_who_run_the_room(client, make, world,
                                                                        role, linked):
    user = make.user(role)
    db.session.commit()
    login(client, user)
    page = client.get(f"/staff/events/{world['event'].id}/console")
    html = page.get_data(as_text=True) if page.status_code == 200 else ""
    assert (f"/staff/events/{world['event'].id}/print\"" in html) is linked
