"""The room in Chromium: the projector fits its screen, the console keeps up, the phone's
save bar never hides the keyboard focus, countdowns read in days when the deadline is far.

The demo workshop (join code KH7Q2P) gives realistic Khmer text; its rounds 4 and 5 have
eight items each (four agreement, four priority).
"""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.agenda import operations as agenda_ops
from consult.agenda.models import Item, Round
from consult.demo import DEMO_JOIN_CODE
from consult.events.models import Event
from consult.extensions import db
from consult.timeutil import utcnow
from tests.browser.conftest import opened, screenshot
from tests.browser.test_workshop import (
    LAPTOP,
    PHONE,
    PROJECTOR,
    T,
    fill_profile,
    seed,
    staff_login,
)

pytestmark = pytest.mark.browser

CODE = DEMO_JOIN_CODE
#: Where the screenshots to look at (not kept in docs/) are written.
SHOTS = Path(tempfile.gettempdir())


def eight_item_round(ws):
    """The id and item ids of the demo's first round with eight items."""
    db.session.rollback()
    rounds = db.session.scalars(select(Round).where(Round.event_id == ws.event_id)
                                .order_by(Round.position)).all()
    round_ = next(r for r in rounds if len(r.items) == 8)
    ids = round_.id, [i.id for i in round_.items]
    db.session.rollback()
    return ids


def voted_eight_item_round(make, ws):
    """Open the eight-item round, let seven phones answer every item, close it."""
    round_id, item_ids = eight_item_round(ws)
    act(round_id, lambda r: agenda_ops.open_round(r, None))
    votes(make, ws, item_ids)
    act(round_id, lambda r: agenda_ops.close_round(r, None))
    return round_id, item_ids


def act(round_id: int, action) -> None:
    """Run a facilitator operation on a round from the test, and commit."""
    db.session.rollback()
    action(db.session.get(Round, round_id))
    db.session.commit()


def votes(make, ws, item_ids: list[int], voters: int = 7) -> None:
    """``voters`` participants answer every item (agreement 1–5, priority 1–3)."""
    db.session.rollback()
    event = db.session.get(Event, ws.event_id)
    for n in range(voters):
        participant = make.participant(event, sector=event.sectors[n % len(event.sectors)],
                                       organisation=f"Voter {n}")
        for item_id in item_ids:
            item = db.session.get(Item, item_id)
            value = (n % 5) + 1 if item.kind == "agreement" else (n % 3) + 1
            make.response(participant, item, value=value)
    db.session.commit()


#: What of the results lies outside the window (nothing may), and which items show.
SCREEN_STATE = """() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const outside = [];
  const parts = document.querySelectorAll(
    '#screen-live .screen-results, #screen-live .screen-results *, #screen-live .screen-round');
  for (const el of parts) {
    if (!el.getClientRects().length) continue;  // not rendered (another page)
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.top < -0.5 || r.left < -0.5 || r.bottom > vh + 0.5 || r.right > vw + 0.5) {
      outside.push(`${el.tagName}.${el.className.baseVal ?? el.className} ` +
                   `${Math.round(r.top)}..${Math.round(r.bottom)}`);
    }
  }
  const shown = [...document.querySelectorAll('#screen-live .screen-tallies > li')]
    .filter(li => li.getClientRects().length).map(li => Number(li.dataset.itemId));
  return {outside, shown, page: document.getElementById('screen-page-count').textContent,
          scrollHeight: document.documentElement.scrollHeight, vh,
          pagerHidden: document.getElementById('screen-pager').hidden};
}"""


# ---- the projector ---------------------------------------------------------------------------

@pytest.mark.config(SCREEN_PAGE_SECONDS=2)
def test_projector_shows_every_item_of_an_eight_item_round_within_the_screen(
        app, make, live_server, browser):
    base = live_server.url
    ws = seed(app)
    round_id, item_ids = voted_eight_item_round(make, ws)
    with opened(browser, **PROJECTOR) as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/e/{CODE}/screen?k={ws.screen_token}")
        page.evaluate("document.fonts.ready.then(() => true)")
        expect(page.locator("html")).to_have_attribute("lang", "km")
        act(round_id, lambda r: agenda_ops.reveal_round(r, None, True))
        expect(page.locator("#screen-live .screen-results")).to_be_visible(timeout=T)

        # Automatic paging (every 2 s here): sample for two rounds of pages; at no moment
        # does anything of the results lie outside the 1920×1080 window.
        seen, pages = set(), set()
        for _ in range(40):
            state = page.evaluate(SCREEN_STATE)
            assert not state["outside"], state
            assert state["scrollHeight"] <= state["vh"], state
            assert state["shown"], state
            seen.update(state["shown"])
            pages.add(state["page"])
            page.wait_for_timeout(250)
        assert seen == set(item_ids), (seen, item_ids)
        assert len(pages) >= 2 and not state["pagerHidden"]
        n_pages = len(pages)

        # The facilitator pauses, then walks the pages with the button and the keys a
        # presentation clicker sends; every item shows once per walk, always on screen.
        page.locator("#screen-pager .screen-pause").click()
        walked, shown_pages = [], []
        first = page.evaluate(SCREEN_STATE)
        for n in range(n_pages):
            state = page.evaluate(SCREEN_STATE)
            assert not state["outside"], state
            walked += state["shown"]
            shown_pages.append(state["page"])
            if n % 2:
                page.keyboard.press("PageDown")
            else:
                page.locator("#screen-pager .screen-next").click()
            if n == 0:
                screenshot(page, "projector-paged-km-1920.png")
        assert sorted(walked) == sorted(item_ids) and len(set(shown_pages)) == n_pages
        page.wait_for_timeout(2500)  # paused: no page turns by itself
        assert page.evaluate(SCREEN_STATE)["shown"] == first["shown"]
        page.keyboard.press("ArrowLeft")
        assert page.evaluate(SCREEN_STATE)["page"] == shown_pages[-1]

        # A live update (the page swaps its live part every 3 s) keeps the page in place.
        before = page.evaluate(SCREEN_STATE)
        with page.expect_response(lambda r: "/screen/live" in r.url):
            pass
        page.wait_for_timeout(300)
        after = page.evaluate(SCREEN_STATE)
        assert after["shown"] == before["shown"] and not after["outside"]
        page.screenshot(path=str(SHOTS / "room-projector-km-1920.png"))


def test_projector_at_1024_by_768_still_fits(app, make, live_server, browser):
    """A small projector gets more pages, never a scroll bar."""
    base = live_server.url
    ws = seed(app)
    round_id, item_ids = voted_eight_item_round(make, ws)
    act(round_id, lambda r: agenda_ops.reveal_round(r, None, True))
    with opened(browser, viewport={"width": 1024, "height": 768}, locale="km-KH") as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/e/{CODE}/screen?k={ws.screen_token}")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.keyboard.press("p")  # pause: the test turns the pages
        page.wait_for_timeout(300)
        walked = []
        for _ in range(len(item_ids)):
            state = page.evaluate(SCREEN_STATE)
            assert not state["outside"], state
            walked += state["shown"]
            if set(walked) == set(item_ids):
                break
            page.keyboard.press("ArrowRight")
        assert sorted(walked) == sorted(item_ids)
        page.screenshot(path=str(SHOTS / "room-projector-km-1024.png"))


# ---- the console -----------------------------------------------------------------------------

def test_console_agenda_follows_a_deadline_without_a_reload(app, live_server, browser):
    base = live_server.url
    ws = seed(app)
    act(ws.round_id, lambda r: agenda_ops.open_round(r, None, 5))
    with opened(browser, **LAPTOP) as ctx:
        page = ctx.new_page()
        staff_login(page, base)
        page.goto(f"{base}/staff/events/{ws.event_id}/console")
        card = page.locator(f"#round-{ws.round_id}")
        expect(card.locator("form[action$='/close']")).to_have_count(1)
        # The facilitator opens the list of items: the focus stays on its summary.
        page.locator(f"#round-{ws.round_id}-items summary").click()
        page.evaluate("window.__noReload = true")

        def soon(r):
            r.closes_at = utcnow() + timedelta(seconds=2)

        act(ws.round_id, soon)
        expect(card.locator("form[action$='/close']")).to_have_count(0, timeout=T)
        expect(card.locator("form[action$='/open'] button")).to_be_visible()
        expect(card.locator(".round-state")).to_have_class(re.compile(r"\bstate-closed\b"))
        assert page.evaluate("window.__noReload === true")
        assert page.locator(f"#round-{ws.round_id}-items").get_attribute("open") is not None
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        # Closed by its deadline, not by a person: nothing to undo.
        expect(card.locator(".undo-close")).to_have_count(0)
        page.screenshot(path=str(SHOTS / "room-console-km-1440.png"), full_page=True)


def test_console_undoes_a_close_by_mistake(app, live_server, browser):
    base = live_server.url
    ws = seed(app)
    act(ws.round_id, lambda r: agenda_ops.open_round(r, None, 30))
    db.session.rollback()
    deadline = db.session.get(Round, ws.round_id).closes_at
    db.session.rollback()
    with opened(browser, **LAPTOP) as ctx:
        page = ctx.new_page()
        staff_login(page, base)
        page.goto(f"{base}/staff/events/{ws.event_id}/console")
        card = page.locator(f"#round-{ws.round_id}")
        card.locator("form[action$='/close'] button").click()
        expect(card.locator(".round-state")).to_have_class(re.compile(r"\bstate-closed\b"))
        card.locator(".undo-close").click()
        expect(card.locator(".round-state")).to_have_class(re.compile(r"\bstate-open\b"))
        expect(card.locator(".countdown")).to_have_text(re.compile(r"(?:២៩|៣០):[០-៩]{2}\s*$"))
        db.session.rollback()
        assert db.session.get(Round, ws.round_id).closes_at == deadline
        db.session.rollback()


# ---- countdowns ------------------------------------------------------------------------------

@pytest.mark.parametrize(("left", "shown"), [
    # The phone reads Khmer: the units come from the catalog through the page's data attributes,
    # the digits are the demo event's (Khmer, a Khmer event's default).
    (timedelta(days=13, hours=23, minutes=30), r"១៣ ថ្ងៃ ២៣ ម៉ោង"),
    (timedelta(hours=5, minutes=7, seconds=30), r"៥ ម៉ោង ០៧ នាទី"),
    (timedelta(minutes=4, seconds=30), r"៤:[២៣][០-៩]"),
])
def test_countdown_reads_in_days_hours_or_minutes(app, live_server, browser, left, shown):
    base = live_server.url
    ws = seed(app)
    act(ws.round_id, lambda r: agenda_ops.open_round(r, None))

    def deadline(r):
        r.closes_at = (utcnow() + left).replace(microsecond=0)

    act(ws.round_id, deadline)
    with opened(browser, **PHONE) as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/j/{CODE}")
        fill_profile(page, base, ws.sector_ids[0], "woman", "Org countdown")
        page.goto(f"{base}/e/{CODE}/rounds/{ws.round_id}")
        expect(page.locator(".round-head .countdown")).to_have_text(
            re.compile(shown + r"\s*$"), timeout=T)
        assert not re.search(r"\d{3,}:\d\d|[0-9]", page.locator(".round-head").inner_text())


# ---- the phone's save bar and the keyboard ---------------------------------------------------

#: Whether the focused element shows at its centre (not under the sticky save bar); a link
#: that wraps is checked at the centre of each of its lines.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const label = el.id || el.name || el.textContent.trim().slice(0, 30);
  const vh = window.innerHeight;
  let inView = true, visible = true, y = 0, hitName = null;
  for (const r of el.getClientRects()) {
    const x = r.left + r.width / 2;
    y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    inView = inView && y >= 0 && y <= vh;
    if (!hit || !(hit === el || el.contains(hit))) {
      visible = false;
      hitName = hit ? hit.tagName + '.' + hit.className : null;
    }
  }
  return {label, y: Math.round(y), vh, inView, visible, hit: hitName};
}"""


def test_no_tab_stop_hides_under_the_save_bar_on_a_360_px_phone(app, live_server, browser):
    base = live_server.url
    ws = seed(app)
    round_id, item_ids = eight_item_round(ws)
    act(round_id, lambda r: agenda_ops.open_round(r, None, 20))
    with opened(browser, **{**PHONE, "viewport": {"width": 360, "height": 740}}) as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/j/{CODE}")
        fill_profile(page, base, ws.sector_ids[0], "woman", "Org keyboard")
        page.goto(f"{base}/e/{CODE}/rounds/{round_id}")
        page.evaluate("document.fonts.ready.then(() => true)")
        expect(page.locator(".submit-bar")).to_be_visible()
        stops, covered = [], []
        for _ in range(200):
            page.keyboard.press("Tab")
            state = page.evaluate(FOCUS_STATE)
            if state is None:
                continue
            if stops and state["label"] == stops[0]["label"]:
                break  # back at the first stop
            stops.append(state)
            if not (state["inView"] and state["visible"]):
                covered.append(state)
        # At least each item's radio group, the save button and the link back.
        assert len(stops) >= len(item_ids) + 2, stops
        assert not covered, f"{len(covered)} of {len(stops)} tab stops hidden: {covered}"
        page.screenshot(path=str(SHOTS / "room-vote-km-360.png"), full_page=True)


TAP_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a.button, button, .choice, summary, select,
                                              input[type=text], input[type=number]')) {
    if (!el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 44 - 0.5) small.push(`${el.tagName}.${el.className} ${r.height}`);
  }
  return small;
}"""


def test_touch_targets_are_at_least_44_px(app, live_server, browser):
    base = live_server.url
    ws = seed(app)
    act(ws.round_id, lambda r: agenda_ops.open_round(r, None, 20))
    with opened(browser, **PHONE) as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/j/{CODE}")
        fill_profile(page, base, ws.sector_ids[0], "woman", "Org taps")
        page.goto(f"{base}/e/{CODE}/rounds/{ws.round_id}")
        assert page.evaluate(TAP_TARGETS.replace("\n", " ")) == []
        page.goto(f"{base}/e/{CODE}/wait")
        assert page.evaluate(TAP_TARGETS.replace("\n", " ")) == []
