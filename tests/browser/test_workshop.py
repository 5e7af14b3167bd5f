"""A whole workshop in real Chromium, in Khmer: join, profile, wait, vote, console, projector.

Participants are 360-px phones in Khmer (three at once in the end-to-end test, one with
JavaScript off), the facilitator a 1440-px laptop, the projector a 1920×1080 screen opened with
its token. The demo workshop (join code KH7Q2P) gives realistic Khmer text; its round 2 has
three agreement and three priority items.

UI wording is not asserted (the Khmer catalog is being filled); elements are found by ids,
classes and names, and the "Not saved:" prefix is read from the page's own ``data-msg-*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from consult.accounts.models import User
from consult.agenda import operations as agenda_ops
from consult.agenda.models import Item, Round
from consult.demo import DEMO_JOIN_CODE, seed_demo
from consult.extensions import db
from consult.participants.models import Gender, Participant
from consult.voting.models import Response
from tests.browser.conftest import opened, screenshot
from tests.helpers import as_participant

pytestmark = pytest.mark.browser

CODE = DEMO_JOIN_CODE
STAFF_PASSWORD = "facilitator password for the browser tests"
T = 15_000  # ms: the longest any expectation waits (pages poll every 3 s)
PHONE = {"viewport": {"width": 360, "height": 780}, "locale": "km-KH", "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "km-KH"}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "locale": "km-KH"}
SAVED = re.compile(r"\bitem-status-saved\b")
ERROR = re.compile(r"\bitem-status-error\b")


# ---- data -----------------------------------------------------------------------------------

@dataclass
class Workshop:
    """Plain ids and strings of the demo workshop (no ORM objects cross the test's threads)."""

    event_id: int
    screen_token: str
    round_id: int
    #: The round's items in page order: (id, kind).
    items: list[tuple[int, str]]
    sector_ids: list[int]
    agreement: list[int] = field(default_factory=list)
    priority: list[int] = field(default_factory=list)


def seed(app) -> Workshop:
    """Load the demo workshop; give the demo facilitator a known password."""
    result = seed_demo(app.instance_path)
    user = db.session.scalar(select(User).where(User.username == "facilitator"))
    user.set_password(STAFF_PASSWORD)
    db.session.commit()
    event = result.event
    round_ = db.session.scalar(select(Round).where(Round.event_id == event.id,
                                                   Round.position == 2))
    items = db.session.scalars(select(Item).where(Item.round_id == round_.id)
                               .order_by(Item.round_position)).all()
    ws = Workshop(event_id=event.id, screen_token=event.screen_token, round_id=round_.id,
                  items=[(i.id, str(i.kind)) for i in items],
                  sector_ids=[s.id for s in event.sectors])
    ws.agreement = [i for i, kind in ws.items if kind == "agreement"]
    ws.priority = [i for i, kind in ws.items if kind == "priority"]
    assert len(ws.agreement) >= 3 and len(ws.priority) >= 1, ws.items
    db.session.rollback()  # end the read transaction: the server writes from now on
    return ws


def round_action(ws: Workshop, action) -> None:
    """Run a facilitator operation on the round from the test (as the demo facilitator)."""
    db.session.rollback()
    round_ = db.session.get(Round, ws.round_id)
    user = db.session.scalar(select(User).where(User.username == "facilitator"))
    action(round_, user)
    db.session.commit()


def stored(organisation: str, item_id: int) -> list[tuple[int | None, int]]:
    """(value, revision) of every response row of the participant (by organisation) to an item."""
    db.session.rollback()  # a fresh snapshot: see what the server committed
    rows = db.session.execute(
        select(Response.value, Response.revision)
        .join(Participant, Participant.id == Response.participant_id)
        .where(Participant.organisation == organisation, Response.item_id == item_id)
    ).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


def round_times(ws: Workshop):
    db.session.rollback()
    round_ = db.session.get(Round, ws.round_id)
    times = (round_.state, round_.opened_at, round_.closes_at)
    db.session.rollback()
    return times


def add_voters(make, ws: Workshop, values: list[dict[int, int]]) -> None:
    """Participants made in the database, one per dict of {item id: value}."""
    db.session.rollback()
    from consult.events.models import Event

    event = db.session.get(Event, ws.event_id)
    for n, answers in enumerate(values):
        participant = make.participant(event, sector=event.sectors[n % len(event.sectors)],
                                       gender=list(Gender)[n % 2], organisation=f"DB voter {n}")
        for item_id, value in answers.items():
            make.response(participant, db.session.get(Item, item_id), value=value)
    db.session.commit()


# ---- browser steps --------------------------------------------------------------------------

def join_by_typing(page, base: str, typed: str) -> None:
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.locator("input[name=code]").fill(typed)
    page.locator(".join-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/j/{CODE}")


def fill_profile(page, base: str, sector_id: int, gender: str, organisation: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.locator(f"input[name=sector][value='{sector_id}']").check()
    page.locator("input[name=organisation]").fill(organisation)
    page.locator(f"input[name=gender][value='{gender}']").check()
    page.locator("input[name=locale][value=km]").check()
    page.locator(".profile-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/e/{CODE}/wait")
    expect(page.locator(".flash-success")).to_be_visible()


def answer(page, item_id: int, value: int, status: int = 200):
    """Choose a value on the vote page (JS on) and wait for the server's answer."""
    radio = page.locator(f"fieldset#item-{item_id} input[name='item-{item_id}'][value='{value}']")
    with page.expect_response(lambda r: r.url.endswith(f"/items/{item_id}/answer")
                              and r.request.method == "POST") as info:
        radio.check()
    assert info.value.status == status, (item_id, value, info.value.status, info.value.text())
    item_status = page.locator(f"#item-{item_id}-status")
    if status == 200:
        expect(item_status).to_have_class(SAVED, timeout=T)
        expect(item_status).to_have_text(re.compile(r"^✓\s*\S"))
    return item_status


def not_saved_prefix(page) -> str:
    prefix = page.locator("body").get_attribute("data-msg-not-saved")
    assert prefix, "the page carries no data-msg-not-saved text"
    return prefix


def staff_login(page, base: str) -> None:
    page.goto(base + "/staff/login")
    page.locator("input[name=username]").fill("facilitator")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/staff/login"))


def round_card(page, ws: Workshop):
    return page.locator(f"#round-{ws.round_id}")


# ---- 1. the end-to-end workshop ------------------------------------------------------------

def test_workshop_end_to_end_in_khmer(app, live_server, browser):
    base = live_server.url
    ws = seed(app)
    a1, a2, a3 = ws.agreement[:3]
    p1, p2 = ws.priority[:2]
    contexts = []

    def context(**options):
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(T)
        contexts.append(ctx)
        return ctx.new_page()

    try:
        # Three phones join: typing the code (once lower case with spaces), or by the link.
        pa, pb, pc = context(**PHONE), context(**PHONE), context(**PHONE)
        join_by_typing(pa, base, "kh7 q2p")
        join_by_typing(pb, base, CODE)
        pc.goto(f"{base}/j/{CODE}")
        fill_profile(pa, base, ws.sector_ids[0], "woman", "Org A")
        fill_profile(pb, base, ws.sector_ids[1], "man", "Org B")
        fill_profile(pc, base, ws.sector_ids[2], "undisclosed", "Org C")
        for page in (pa, pb, pc):
            expect(page.locator("html")).to_have_attribute("lang", "km")
            expect(page.locator("a.round-link")).to_have_count(0)
            expect(page.locator(".waiting-note")).to_be_visible()

        # The facilitator signs in and opens the round with a 5-minute countdown.
        console = context(**LAPTOP)
        staff_login(console, base)
        console.goto(f"{base}/staff/events/{ws.event_id}/console")
        expect(console.locator("html")).to_have_attribute("lang", "km")
        # The demo event writes its numbers in Khmer digits (a Khmer event's default).
        expect(console.locator("#joined-total")).to_have_text("៣")
        card = round_card(console, ws)
        card.locator("input[name=minutes]").fill("5")
        card.locator("form[action$='/open'] button[type=submit]").click()
        expect(round_card(console, ws).locator(".round-state")).to_have_class(
            re.compile(r"\bstate-open\b"))
        state, opened_at, closes_at = round_times(ws)
        # The deadline is kept to the whole second.
        assert state == "open"
        assert timedelta(minutes=5, seconds=-1) < closes_at - opened_at <= timedelta(minutes=5)

        # The waiting screens show the round without a reload.
        for page in (pa, pb, pc):
            page.evaluate("window.__noReload = true")
        for page in (pa, pb, pc):
            link = page.locator("a.round-link")
            expect(link).to_have_count(1, timeout=T)
            assert page.evaluate("window.__noReload === true"), "the waiting page reloaded"
            assert link.get_attribute("href") == f"/e/{CODE}/rounds/{ws.round_id}"
            link.click()
            expect(page).to_have_url(f"{base}/e/{CODE}/rounds/{ws.round_id}")
            expect(page.locator("fieldset.item")).to_have_count(len(ws.items))
            expect(page.locator(".countdown")).to_have_text(
                re.compile(r"(?:៤:[០-៥][០-៩]|៥:០០)\s*$"), timeout=T)
            expect(page.locator("#closed-banner")).to_be_hidden()

        # They vote; A changes an answer.
        answer(pa, a1, 4)
        answer(pa, a1, 2)
        answer(pa, p1, 3)
        answer(pa, a2, 5)
        answer(pa, p2, 2)
        answer(pa, a3, 0)
        answer(pb, a1, 5)
        answer(pb, p1, 3)
        answer(pb, a2, 4)
        answer(pb, p2, 1)
        answer(pb, a3, 3)
        answer(pc, a1, 1)
        answer(pc, p1, 2)
        answer(pc, a2, 4)
        answer(pc, a3, 4)
        assert stored("Org A", a1) == [(2, 2)]
        assert stored("Org B", a1) == [(5, 1)]

        # The console's live panel counts them.
        live_round = console.locator(f"#console-live .live-round[data-round-id='{ws.round_id}']")
        expect(live_round.locator(".responded-total")).to_have_text("៣", timeout=T)
        expect(console.locator("#joined-total")).to_have_text("៣")
        screenshot(console, "console-km.png")

        # A's phone misses the status polls (flaky Wi-Fi), so it still shows the round open.
        pa.route("**/status.json", lambda route: route.abort())

        # The facilitator closes the round.
        round_card(console, ws).locator("form[action$='/close'] button[type=submit]").click()
        expect(round_card(console, ws).locator(".round-state")).to_have_class(
            re.compile(r"\bstate-closed\b"))
        assert round_times(ws)[0] == "closed"

        # B's phone learns it by polling: banner shown, answers locked.
        expect(pb.locator("#closed-banner")).to_be_visible(timeout=T)
        expect(pb.locator(f"input[name='item-{a2}']").first).to_be_disabled()

        # A changes an answer too late: refused, said so, nothing stored.
        expect(pa.locator("#closed-banner")).to_be_hidden()
        late = answer(pa, a2, 1, status=409)
        expect(late).to_have_class(ERROR, timeout=T)
        expect(late).to_have_text(re.compile("^" + re.escape(not_saved_prefix(pa)) + r"\s*\S"))
        expect(pa.locator("#closed-banner")).to_be_visible()
        expect(pa.locator(f"input[name='item-{a3}']").first).to_be_disabled()
        assert stored("Org A", a2) == [(5, 1)]

        # A projector opened with its token (no login) waits, then shows the revealed results.
        screen = context(**PROJECTOR)
        screen.goto(f"{base}/e/{CODE}/screen?k={ws.screen_token}")
        expect(screen.locator("html")).to_have_attribute("lang", "km")
        expect(screen.locator(".bar")).to_have_count(0)
        round_card(console, ws).locator("form[action$='/reveal'] button[type=submit]").click()
        bars = screen.locator("#screen-live .screen-results .bars .bar")
        # a1, a2 (3 agreement bars each) and p1 (3 priority bars): the cells with 3 opinions.
        expect(bars).to_have_count(9, timeout=T)
        first = screen.locator("#screen-live .screen-tallies > li").first
        # a1: A 2 (changed from 4), B 5, C 1 → agree 1/3, neutral 0, disagree 2/3.
        expect(first.locator(".bar-value")).to_have_text(["៣៣%", "០%", "៦៧%"])
        # a3 has 2 opinions (A said "no opinion"), p2 two answers: both hidden as small cells.
        expect(screen.locator("#screen-live .small-cell")).to_have_count(
            len(ws.items) - 3)
        expect(screen.locator("#screen-live .small-cell").first).to_have_text(
            re.compile(r"តិចជាង ៣ ចម្លើយ"))  # "fewer than 3 answers", in words and Khmer digits
        screenshot(screen, "projector-km-1920.png")
    finally:
        for ctx in contexts:
            ctx.close()


# ---- 2. a participant without JavaScript ----------------------------------------------------

def test_workshop_without_javascript(app, live_server, browser):
    base = live_server.url
    ws = seed(app)
    a1, a2 = ws.agreement[:2]
    p1 = ws.priority[0]
    with opened(browser, java_script_enabled=False, **PHONE) as ctx:
        page = ctx.new_page()
        join_by_typing(page, base, "kh7-q2p")
        fill_profile(page, base, ws.sector_ids[3], "woman", "Org NoJS")
        expect(page.locator(".waiting-note")).to_be_visible()
        refresh = page.locator("#waiting noscript a")
        expect(refresh).to_be_visible()

        round_action(ws, lambda r, u: agenda_ops.open_round(r, u, 5))
        refresh.click()
        expect(page).to_have_url(f"{base}/e/{CODE}/wait")
        page.locator("a.round-link").click()
        expect(page).to_have_url(f"{base}/e/{CODE}/rounds/{ws.round_id}")
        expect(page.locator("#closed-banner")).to_be_hidden()

        page.locator(f"input[name='item-{a1}'][value='4']").check()
        page.locator(f"input[name='item-{a2}'][value='2']").check()
        page.locator(f"input[name='item-{p1}'][value='3']").check()
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            page.locator(".submit-bar button[type=submit]").click()
        assert info.value.status == 302
        expect(page).to_have_url(f"{base}/e/{CODE}/rounds/{ws.round_id}#saved")
        expect(page.locator(".flash-success")).to_be_visible()
        for item_id in (a1, a2, p1):
            expect(page.locator(f"#item-{item_id}-status")).to_have_class(SAVED)
        assert stored("Org NoJS", a1) == [(4, 1)]
        assert stored("Org NoJS", a2) == [(2, 1)]
        assert stored("Org NoJS", p1) == [(3, 1)]

        # The round closes while the page is open; a late submit is refused with a 409 page.
        round_action(ws, agenda_ops.close_round)
        page.locator(f"input[name='item-{a2}'][value='5']").check()
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            page.locator(".submit-bar button[type=submit]").click()
        assert info.value.status == 409
        expect(page.locator(".flash-error")).to_be_visible()
        expect(page.locator("#closed-banner")).to_be_visible()
        prefix = not_saved_prefix(page)
        for item_id in (a1, a2, p1):
            item_status = page.locator(f"#item-{item_id}-status")
            expect(item_status).to_have_class(ERROR)
            expect(item_status).to_have_text(re.compile("^" + re.escape(prefix) + r"\s*\S"))
        # The page shows what was typed, and nothing changed in the database.
        expect(page.locator(f"input[name='item-{a2}'][value='5']")).to_be_checked()
        assert stored("Org NoJS", a1) == [(4, 1)]
        assert stored("Org NoJS", a2) == [(2, 1)]
        assert stored("Org NoJS", p1) == [(3, 1)]


# ---- 3 and 4. the pages, for axe and for the screenshots ------------------------------------

def tour(app, make, live_server, browser, visit) -> None:
    """Walk through every page in Khmer, calling ``visit(page, name)`` on each.

    Names: join, profile, wait, vote (360-px phone), console (1440 px), projector (1920 px,
    after the results are revealed).
    """
    base = live_server.url
    ws = seed(app)
    round_action(ws, lambda r, u: agenda_ops.open_round(r, u, 5))
    contexts = []
    try:
        phone_ctx = browser.new_context(**PHONE)
        contexts.append(phone_ctx)
        phone_ctx.set_default_timeout(T)
        phone = phone_ctx.new_page()
        phone.goto(base + "/")
        phone.evaluate("document.fonts.ready.then(() => true)")
        visit(phone, "join")
        join_by_typing(phone, base, CODE)
        visit(phone, "profile")
        fill_profile(phone, base, ws.sector_ids[1], "woman", "Org Tour")
        expect(phone.locator("a.round-link")).to_have_count(1)
        visit(phone, "wait")
        phone.locator("a.round-link").click()
        expect(phone.locator("fieldset.item")).to_have_count(len(ws.items))
        answer(phone, ws.agreement[0], 4)
        answer(phone, ws.priority[0], 3)
        visit(phone, "vote")

        # Others voted too (made in the database), so tallies and results have figures.
        a1, a2, a3 = ws.agreement[:3]
        p1 = ws.priority[0]
        add_voters(make, ws, [{a1: 5, a2: 4, a3: 2, p1: 3}, {a1: 2, a2: 4, a3: 3, p1: 2},
                              {a1: 4, a2: 1, p1: 1}, {a1: 3, a2: 5, p1: 3}])

        laptop_ctx = browser.new_context(**LAPTOP)
        contexts.append(laptop_ctx)
        laptop_ctx.set_default_timeout(T)
        laptop = laptop_ctx.new_page()
        staff_login(laptop, base)
        laptop.goto(f"{base}/staff/events/{ws.event_id}/console")
        expect(laptop.locator("#console-live .responded-total")).to_have_text("៥")
        visit(laptop, "console")

        round_action(ws, agenda_ops.close_round)
        round_action(ws, lambda r, u: agenda_ops.reveal_round(r, u, True))
        screen_ctx = browser.new_context(**PROJECTOR)
        contexts.append(screen_ctx)
        screen = screen_ctx.new_page()
        screen.goto(f"{base}/e/{CODE}/screen?k={ws.screen_token}")
        expect(screen.locator(".screen-results .bar").first).to_be_visible()
        screen.evaluate("document.fonts.ready.then(() => true)")
        visit(screen, "projector")
    finally:
        for ctx in contexts:
            ctx.close()


def test_pages_have_no_serious_accessibility_violations(app, make, live_server, browser):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = []

    def visit(page, name):
        if name == "console":  # not in the brief's list: checked, reported, not asserted
            return
        assert page.locator("html").get_attribute("lang") == "km", name
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
                found.append(f"{name}: {violation['id']} ({violation['impact']}): "
                             f"{violation['help']} → {targets}")

    tour(app, make, live_server, browser, visit)
    assert not found, "serious or critical axe violations:\n" + "\n".join(found)


def test_screenshots_in_khmer(app, make, live_server, browser):
    names = {"join": "join-km-360.png", "profile": "profile-km-360.png",
             "wait": "wait-km-360.png", "vote": "vote-km-360.png", "console": "console-km.png",
             "projector": "projector-km-1920.png"}
    overflow = {}

    def visit(page, name):
        assert page.locator("html").get_attribute("lang") == "km", name
        width = page.viewport_size["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            overflow[name] = (scroll_width, width)
        path = screenshot(page, names[name])
        assert path.stat().st_size > 0

    tour(app, make, live_server, browser, visit)
    assert not overflow, f"pages wider than the screen (scrollWidth, viewport): {overflow}"


# ---- 5. page weight -------------------------------------------------------------------------

def test_vote_page_weight_under_60_kb(app, make, client):
    """HTML + CSS + JS of the biggest demo round's vote page, uncompressed, font excluded."""
    seed_demo(app.instance_path)
    db.session.commit()
    from consult.events.models import Event

    event = db.session.scalar(select(Event).where(Event.join_code == CODE))
    biggest = db.session.execute(
        select(Item.round_id, func.count()).where(Item.event_id == event.id,
                                                  Item.round_id.is_not(None))
        .group_by(Item.round_id).order_by(func.count().desc())
    ).first()
    round_ = db.session.get(Round, biggest[0])
    round_.open()
    participant = make.participant(event, organisation="Weight")
    db.session.commit()
    as_participant(client, participant)

    url = f"/e/{CODE}/rounds/{round_.id}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data()
    page.close()
    sizes = {url: len(html)}
    text = html.decode()
    assets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text)
    assets += re.findall(r'<script[^>]+src="([^"]+)"', text)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        sizes[asset] = len(response.get_data())
        response.close()
    total = sum(sizes.values())
    print(f"\nvote page weight ({biggest[1]} items): "
          + ", ".join(f"{k} {v:,} B" for k, v in sizes.items()) + f"; total {total:,} B")
    assert total < 60_000, sizes


def test_refused_answer_says_not_saved_once(app, live_server, browser):
    """A late answer refused because the round closed says "Not saved" once, with or without JS."""
    base = live_server.url
    ws = seed(app)
    a1 = ws.agreement[0]
    texts = {}
    for js in (True, False):
        ctx = browser.new_context(java_script_enabled=js, **PHONE)
        ctx.set_default_timeout(T)
        try:
            page = ctx.new_page()
            page.goto(f"{base}/j/{CODE}")
            fill_profile(page, base, ws.sector_ids[0], "man", f"Org prefix {js}")
            if js:
                page.route("**/status.json", lambda route: route.abort())
            round_action(ws, lambda r, u: agenda_ops.open_round(r, u, None))
            page.goto(f"{base}/e/{CODE}/rounds/{ws.round_id}")
            round_action(ws, agenda_ops.close_round)
            if js:
                answer(page, a1, 4, status=409)
            else:
                page.locator(f"input[name='item-{a1}'][value='4']").check()
                page.locator(".submit-bar button[type=submit]").click()
            item_status = page.locator(f"#item-{a1}-status")
            expect(item_status).to_have_class(ERROR)
            texts["js" if js else "no-js"] = (not_saved_prefix(page), item_status.inner_text())
        finally:
            ctx.close()
    doubled = {k: text for k, (prefix, text) in texts.items() if text.count(prefix) != 1}
    assert not doubled, doubled


def test_vote_page_retries_a_503_and_says_so_until_saved(app, live_server, browser):
    """Database away for a moment: the page shows "trying again", retries with backoff, saves."""
    base = live_server.url
    ws = seed(app)
    a1 = ws.agreement[0]
    round_action(ws, lambda r, u: agenda_ops.open_round(r, u, None))
    with opened(browser, **PHONE) as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/j/{CODE}")
        fill_profile(page, base, ws.sector_ids[0], "woman", "Org retry")
        page.goto(f"{base}/e/{CODE}/rounds/{ws.round_id}")
        refused = []

        def unavailable_twice(route):
            if len(refused) < 2:
                refused.append(route.request.post_data)
                route.fulfill(status=503, headers={"Retry-After": "2"},
                              content_type="application/json",
                              body='{"error": "unavailable", "message": "Not saved, try again"}')
            else:
                route.continue_()

        page.route("**/answer", unavailable_twice)
        item_status = page.locator(f"#item-{a1}-status")
        page.locator(f"input[name='item-{a1}'][value='4']").check()
        retrying = page.locator("body").get_attribute("data-msg-retrying")
        expect(item_status).to_have_text(retrying)
        assert stored("Org retry", a1) == []
        expect(item_status).to_have_class(SAVED, timeout=T)  # after 1 s and 2 s of backoff
        # Both refused requests carried the answer (the page posts a URL-encoded form).
        assert len(refused) == 2
        assert all(re.search(rf"(^|&)item-{a1}=4(&|$)", body) for body in refused)
        assert stored("Org retry", a1) == [(4, 1)]
