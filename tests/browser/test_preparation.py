"""Preparing a workshop in real Chromium, in Khmer, from an empty database (DESIGN.md flow 1).

An admin signs in, creates an event, imports an XLSForm with every kind of item (a bad file
first), fixes an item's wording, makes the event live and opens its rounds; two phones vote on
every kind; a contested item is put to the room again and voted on again; the workbook is
downloaded and read with openpyxl. Screenshots of the event form, the import errors and the
agenda builder go to docs/screenshots/ (the facilitator guide shows them).

UI wording is not asserted: elements are found by names, ids and addresses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.agenda.models import Item, Round
from consult.events.models import Event
from consult.extensions import db
from consult.voting.models import Response
from tests.browser.conftest import screenshot
from tests.browser.test_workshop import LAPTOP, PHONE, T
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "agenda" / "xlsform"
CODE = "PREP26"


def _fresh(query):
    """Run a read on a fresh snapshot (the server commits in its own threads)."""
    db.session.rollback()
    try:
        return query()
    finally:
        db.session.rollback()


def _event_id() -> int:
    return _fresh(lambda: db.session.scalar(select(Event.id).where(Event.join_code == CODE)))


def _items(event_id: int) -> dict[str, tuple[int, str, int | None]]:
    """Code → (id, kind, round id) of the event's items."""
    rows = _fresh(lambda: db.session.execute(
        select(Item.code, Item.id, Item.kind, Item.round_id).where(Item.event_id == event_id)
    ).all())
    return {code: (id_, str(kind), round_id) for code, id_, kind, round_id in rows}


def _answers(event_id: int, round_id: int) -> int:
    return _fresh(lambda: db.session.scalar(
        select(func.count()).select_from(Response).join(Item, Item.id == Response.item_id)
        .where(Item.event_id == event_id, Response.round_id == round_id)))


def sign_in(page, base: str) -> None:
    page.goto(base + "/staff/login")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(base + "/staff/")


def create_event(page, base: str) -> int:
    page.goto(base + "/staff/")
    page.locator("a[href='/staff/events/new']").click()
    expect(page).to_have_url(base + "/staff/events/new")
    page.locator("input[name=title_en]").fill("Validation workshop on AI readiness")
    page.locator("input[name=title_km]").fill(
        "សិក្ខាសាលាបញ្ជាក់សុពលភាពស្តីពីភាពត្រៀមខ្លួនសម្រាប់បញ្ញាសិប្បនិម្មិត")
    page.locator("input[name=venue_km]").fill("ភ្នំពេញ")
    page.locator("input[name=join_code]").fill(CODE.lower())  # typed any way: stored upper case
    # Two phones in this test: every sector with one answer is eligible, every cell shown.
    page.locator("input[name=min_sector_n]").fill("1")
    page.locator("input[name=min_cell]").fill("1")
    screenshot(page, "event-form-km-1440.png")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".flash-success")).to_be_visible()
    event_id = _event_id()
    assert event_id is not None
    return event_id


def import_agenda(page, base: str, event_id: int) -> None:
    agenda = f"{base}/staff/events/{event_id}/agenda"
    page.goto(agenda)
    page.locator(f"a[href='/staff/events/{event_id}/agenda/import']").click()
    # A file with mistakes: every problem listed, with sheet, row and column; nothing imported.
    page.locator("input[type=file][name=file]").set_input_files(str(FIXTURES / "bad.xlsx"))
    page.locator("main form button[type=submit]").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.first.locator("td").first).to_have_text("survey")
    screenshot(page, "import-errors-km-1440.png")
    assert _items(event_id) == {}
    # The good file: every kind, two sections, two rounds.
    page.locator("input[type=file][name=file]").set_input_files(str(FIXTURES / "every_kind.xlsx"))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(agenda) + r"(#.*)?$"))
    kinds = {code: kind for code, (_, kind, _) in _items(event_id).items()}
    assert sorted(kinds.values()) == sorted(
        ["agreement", "text", "priority", "choice", "multi", "ranking"]), kinds


def fix_item(page, base: str, event_id: int, item_id: int, prompt_km: str) -> None:
    page.goto(f"{base}/staff/events/{event_id}/agenda/items/{item_id}")
    page.locator("textarea[name=prompt_km]").fill(prompt_km)
    page.locator("main form button[type=submit]:not([name])").last.click()
    expect(page).to_have_url(re.compile(rf"/staff/events/{event_id}/agenda"))
    expect(page.locator(f"#item-{item_id}, [id='item-{item_id}']").first).to_contain_text(
        prompt_km)


def make_live(page, base: str, event_id: int) -> None:
    page.goto(f"{base}/staff/events/{event_id}/edit")
    page.locator("input[name=status][value=live]").check()
    page.locator("form[action$='/status'] button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert _fresh(lambda: db.session.get(Event, event_id).status.value) == "live"


def console_round(page, base: str, event_id: int, round_id: int, action: str) -> None:
    """Open or close a round from the console."""
    page.goto(f"{base}/staff/events/{event_id}/console")
    card = page.locator(f"#round-{round_id}")
    card.locator(f"form[action$='/{action}'] button[type=submit]").click()
    expect(page.locator(f"#round-{round_id} .round-state")).to_have_class(
        re.compile(r"\bstate-" + ("open" if action == "open" else "closed") + r"\b"))


def join(page, base: str, sector_position: int, gender: str, organisation: str) -> None:
    page.goto(f"{base}/j/{CODE}")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.locator("input[name=sector]").nth(sector_position).check()
    page.locator("input[name=organisation]").fill(organisation)
    page.locator(f"input[name=gender][value='{gender}']").check()
    page.locator("input[name=locale][value=km]").check()
    page.locator(".profile-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/e/{CODE}/wait")


def vote(page, base: str, round_id: int, answers: dict[int, object]) -> None:
    """Answer every item of a round on the phone and press "Save my answers".

    A value is a scale value or an option code (radio), a list of codes (checkboxes), a dict
    code → place (ranking), or a text (open answer).
    """
    page.goto(f"{base}/e/{CODE}/rounds/{round_id}")
    for item_id, value in answers.items():
        field = page.locator(f"fieldset#item-{item_id}")
        if isinstance(value, dict):
            for code, place in value.items():
                field.locator(f"select[name='item-{item_id}-rank-{code}']").select_option(
                    str(place))
        elif isinstance(value, list):
            for code in value:
                field.locator(f"input[value='{code}']").check()
        elif isinstance(value, str) and field.locator("textarea[name^=item-]").count():
            field.locator(f"textarea[name='item-{item_id}']").fill(value)
        else:
            field.locator(f"input[name='item-{item_id}'][value='{value}']").check()
    page.locator("#vote-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(f"{base}/e/{CODE}/rounds/{round_id}") + "#saved"))
    for item_id in answers:
        expect(page.locator(f"#item-{item_id}-status")).to_have_class(
            re.compile(r"\bitem-status-saved\b"), timeout=T)


def test_prepare_and_run_a_workshop_in_khmer(app, make, live_server, browser, tmp_path):
    base = live_server.url
    make.user(Role.admin, username="admin")  # the empty database's one staff account
    db.session.commit()
    contexts = []

    def page_of(**options):
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(T)
        contexts.append(ctx)
        return ctx.new_page()

    try:
        staff = page_of(accept_downloads=True, **LAPTOP)
        sign_in(staff, base)
        event_id = create_event(staff, base)
        import_agenda(staff, base, event_id)
        items = _items(event_id)
        f1, f2 = items["F1"][0], items["F2"][0]
        r1, r2, r3, r4 = (items[c][0] for c in ("R1", "R2", "R3", "R4"))
        round1, round2 = items["F1"][2], items["R1"][2]
        assert items["F2"][2] == round1 and {items[c][2] for c in ("R2", "R3", "R4")} == {round2}

        fix_item(staff, base, event_id, f1,
                 "លទ្ធផលរកឃើញពិពណ៌នាស្ថានភាពនៅកម្ពុជាបានត្រឹមត្រូវ។")
        staff.goto(f"{base}/staff/events/{event_id}/agenda")
        expect(staff.locator(f"#round-{round1}")).to_be_visible()
        screenshot(staff, "agenda-builder-km-1440.png", full_page=False)
        make_live(staff, base, event_id)

        # Two phones join, from two sectors.
        phone_a, phone_b = page_of(**PHONE), page_of(**PHONE)
        join(phone_a, base, 0, "woman", "Ministry A")
        join(phone_b, base, 1, "man", "University B")

        # Round 1: agreement and open text. The room splits on F1.
        console_round(staff, base, event_id, round1, "open")
        vote(phone_a, base, round1, {f1: 5, f2: "ទិន្នន័យអំពីជំនាញឌីជីថល"})
        vote(phone_b, base, round1, {f1: 1, f2: "Data on digital skills"})
        assert _answers(event_id, round1) == 4
        console_round(staff, base, event_id, round1, "close")

        # Round 2: priority, choice, multiple choice (at most two) and ranking (top two).
        console_round(staff, base, event_id, round2, "open")
        vote(phone_a, base, round2, {r1: 3, r2: "gov", r3: ["health", "education"],
                                     r4: {"law": 1, "data": 2}})
        vote(phone_b, base, round2, {r1: 2, r2: "acad", r3: ["education"],
                                     r4: {"skills": 1, "law": 2}})
        assert _answers(event_id, round2) == 8
        console_round(staff, base, event_id, round2, "close")

        # F1 is contested (50% agree, sectors 100 points apart): put it to the room again.
        staff.goto(f"{base}/staff/events/{event_id}/results")
        picks = staff.locator("#put-again input[name=items]")
        expect(staff.locator(f"#put-again input[name=items][value='{f1}']")).to_be_checked()
        for n in range(picks.count()):
            box = picks.nth(n)
            box.set_checked(box.get_attribute("value") == str(f1))
        staff.locator("#put-again button[type=submit]").click()
        expect(staff).to_have_url(re.compile(rf"/staff/events/{event_id}/agenda"))
        follow_ups = {code: v for code, v in _items(event_id).items() if code.startswith("F1.")}
        assert list(follow_ups) == ["F1.2"], follow_ups
        f1_again, _, round3 = follow_ups["F1.2"]
        assert round3 not in (round1, round2)

        # The re-vote: the room comes closer.
        console_round(staff, base, event_id, round3, "open")
        vote(phone_a, base, round3, {f1_again: 4})
        vote(phone_b, base, round3, {f1_again: 4})
        console_round(staff, base, event_id, round3, "close")
        assert _fresh(lambda: db.session.get(Round, round3).state.value) == "closed"

        # The workbook, downloaded as an analyst would.
        staff.goto(f"{base}/staff/events/{event_id}/results")
        expect(staff.locator("body")).to_contain_text("F1.2")
        screenshot(staff, "results-revote-km-1440.png")
        with staff.expect_download() as info:
            staff.locator("a[href*='/export.xlsx']").first.click()
        path = tmp_path / "workshop.xlsx"
        info.value.save_as(path)
        workbook = load_workbook(path, read_only=True)
        summary = [row for row in workbook["Summary"].iter_rows(values_only=True)]
        codes = {row[1] for row in summary[1:] if row and len(row) > 1}
        for code in ("F1", "F2", "R1", "R2", "R3", "R4", "F1.2"):
            assert any(code == str(c) for c in codes), (code, codes)
        # The follow-up row names the item it follows.
        header = [str(c) for c in summary[0]]
        again = next(row for row in summary[1:] if row[1] == "F1.2")
        assert "F1" in [str(v) for v in again], dict(zip(header, again, strict=False))

        # The audit trail tells how the result came about: the import, the fix, the rounds,
        # the re-vote and the export.
        staff.goto(f"{base}/staff/events/{event_id}/audit")
        rows = staff.locator("main table tbody tr")
        expect(rows.first).to_be_visible()
        assert rows.count() >= 12, rows.count()
        screenshot(staff, "audit-km-1440.png", full_page=False)
    finally:
        for ctx in contexts:
            ctx.close()
