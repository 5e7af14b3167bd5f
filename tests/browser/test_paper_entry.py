"""Entry speed: a scripted clerk types 16-item paper ballots in Chromium, keyboard only.

The clerk signs in, opens the entry page of a closed round of 16 items (every kind) in Khmer
at 1440 px and types each ballot with the keyboard alone: the characters of each field, Tab to
the next, Enter to save; the next ballot's number has the cursor when the page comes back.
A first ballot checks that Tab visits the fields in printed order; ten more are timed. The
keystrokes and seconds per ballot are printed (docs/benchmarks.md records them), and the
entry form is screenshot in Khmer at 1440 px, empty and with a mistake shown beside its field.

    .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/browser/test_paper_entry.py
"""

from __future__ import annotations

import random
import statistics
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from consult.accounts.models import Role
from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.voting.models import BallotStatus, PaperBallot, Response
from tests.browser.conftest import opened, screenshot
from tests.browser.test_workshop import LAPTOP, T
from tests.factories import DEFAULT_PASSWORD
from tests.voting.paper_helpers import closed_round

pytestmark = pytest.mark.browser

KINDS = ((ItemKind.agreement,) * 6 + (ItemKind.priority,) * 3 + (ItemKind.choice,) * 2
         + (ItemKind.multi,) * 2 + (ItemKind.ranking,) * 2 + (ItemKind.text,))
TIMED = 10


def _ballot(rng: random.Random, number: int, items) -> list[tuple[str, str]]:
    """(field name, what the clerk types) in printed order, as a filled ballot reads."""
    fields = [("ballot_number", str(number)), ("sector", str(rng.randint(1, 6))),
              ("gender", str(rng.randint(1, 4))),
              ("organisation", rng.choice(["MoEYS", "MPTC", "CADT", "", "UNDP"]))]
    commented = set(rng.sample(range(len(items)), 2))  # two comments on a ballot
    for n, item in enumerate(items):
        if rng.random() < 0.06:
            typed = ""  # a blank box
        elif item.kind == ItemKind.agreement:
            typed = str(rng.choice([0, 1, 2, 3, 4, 5]))
        elif item.kind == ItemKind.priority:
            typed = str(rng.randint(1, 3))
        elif item.kind == ItemKind.choice:
            typed = str(rng.randint(1, 4))
        elif item.kind == ItemKind.multi:
            typed = " ".join(str(o) for o in sorted(rng.sample(range(1, 5), 2)))
        elif item.kind == ItemKind.ranking:
            places = rng.sample(["1", "2", "3", "-"], 4)
            typed = " ".join(places)
        else:
            typed = rng.choice(["More teachers", "Data centres", "Khmer NLP"])
        fields.append((f"item_{item.id}", typed))
        comment = "Needs a budget" if n in commented and typed else ""
        fields.append((f"comment_{item.id}", comment))
    return fields


def _type(page, fields, check_focus: bool = False, tabs: list | None = None) -> int:
    """Type one ballot with the keyboard alone; return the keystrokes it took (and append the
    Tab and Enter presses among them to ``tabs``)."""
    last = max(i for i, (_, typed) in enumerate(fields) if typed)
    keys = moves = 0
    for i, (name, typed) in enumerate(fields[:last + 1]):
        if check_focus:
            assert page.evaluate("document.activeElement.name") == name
        if typed:
            page.keyboard.type(typed)
            keys += len(typed)
        if i < last:
            page.keyboard.press("Tab")
            moves += 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if tabs is not None:
        tabs.append(moves + 1)
    return keys + moves + 1


def _counted() -> tuple[int, int]:
    db.session.rollback()
    try:
        ballots = db.session.scalar(select(func.count()).select_from(PaperBallot).where(
            PaperBallot.status == BallotStatus.confirmed))
        return ballots, db.session.scalar(select(func.count()).select_from(Response))
    finally:
        db.session.rollback()


def test_a_clerk_types_ballots_by_keyboard_alone(browser, live_server, make):
    event, round_, items = closed_round(
        make, KINDS, title_en="National validation workshop on AI readiness",
        title_km="សិក្ខាសាលាបញ្ជាក់សុពលភាពថ្នាក់ជាតិស្តីពីភាពត្រៀមខ្លួនសម្រាប់បញ្ញាសិប្បនិម្មិត")
    clerk = make.user(Role.clerk, username="clerk")
    db.session.commit()
    rng = random.Random(2026)
    ballots = [_ballot(rng, n, items) for n in range(1, TIMED + 2)]
    expected_answers = sum(1 for b in ballots for name, typed in b
                           if name.startswith("item_") and typed)
    base = live_server.url
    with opened(browser, T, **LAPTOP) as context:
        page = context.new_page()
        page.goto(base + "/staff/login")
        page.locator("input[name=username]").fill(clerk.username)
        page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(base + "/staff/")
        entry = f"{base}/staff/events/{event.id}/paper/rounds/{round_.id}"
        page.goto(entry)
        expect(page.locator("html")).to_have_attribute("lang", "km")
        number = page.locator("input[name=ballot_number]")
        expect(number).to_be_focused()

        # The first ballot: Tab visits every field in printed order.
        _type(page, ballots[0], check_focus=True)
        expect(page).to_have_url(entry)
        expect(number).to_be_focused()

        keystrokes, moves, seconds = [], [], []
        for fields in ballots[1:]:
            started = time.perf_counter()
            keystrokes.append(_type(page, fields, tabs=moves))
            expect(number).to_be_focused()
            seconds.append(time.perf_counter() - started)
        assert _counted() == (TIMED + 1, expected_answers)
        screenshot(page, "paper-entry-km-1440.png")

        # A mistake: nothing is saved, the message stands beside the field, the cursor on it.
        wrong = [(name, "7" if name == f"item_{items[0].id}" else typed)
                 for name, typed in _ballot(rng, 99, items)]
        _type(page, wrong)
        field = page.locator(f"input[name=item_{items[0].id}]")
        expect(field).to_be_focused()
        expect(page.locator(f"#item_{items[0].id}-error")).to_be_visible()
        assert _counted()[0] == TIMED + 1
        screenshot(page, "paper-entry-error-km-1440.png")

    print(f"\npaper entry, {len(items)}-item ballot, {TIMED} ballots timed: "
          f"keystrokes per ballot mean {statistics.mean(keystrokes):.1f} "
          f"(min {min(keystrokes)}, max {max(keystrokes)}; of which Tab and Enter "
          f"{statistics.mean(moves):.1f}); seconds per ballot "
          f"mean {statistics.mean(seconds):.3f}, median {statistics.median(seconds):.3f}, "
          f"max {max(seconds):.3f}")
    assert statistics.mean(keystrokes) < 120
