"""The projector: join QR with the LAN address, live count, results only once revealed."""

from __future__ import annotations

import re

from consult.extensions import db
from tests.helpers import workshop


def _screen(client, event, live=False):
    path = f"/e/{event.join_code}/screen" + ("/live" if live else "")
    return client.get(f"{path}?k={event.screen_token}").get_data(as_text=True)


def test_screen_shows_join_qr_with_the_public_address_never_localhost(client, make):
    event, _, _ = workshop(make)
    html = client.get(f"http://localhost/e/{event.join_code}/screen?k={event.screen_token}"
                      ).get_data(as_text=True)
    assert f"http://192.0.2.10:8000/j/{event.join_code}" in html
    assert "<svg" in html and "localhost" not in html and "127.0.0.1" not in html
    assert event.join_code in html
    assert "site-header" not in html  # no staff chrome


def test_results_appear_only_when_revealed_and_small_cells_are_hidden(client, make):
    event, round_, items = workshop(make)
    for value in (5, 4, 2):
        make.response(make.participant(event), items[0], value)
    make.response(make.participant(event), items[1], 5)
    db.session.commit()
    before = _screen(client, event, live=True)
    assert "bar-agree" not in before
    round_ = db.session.merge(round_)
    round_.reveal()
    db.session.commit()
    after = _screen(client, event, live=True)
    assert "bar-agree" in after and ">67%<" in after and ">33%<" in after
    # items[1] has a single answer: never a percentage, "fewer than 3 answers" instead.
    assert "fewer than 3 answers" in after
    assert len(re.findall(r'class="bar bar-agree"', after)) == 1


def test_joined_count_is_live(client, make):
    event, _, _ = workshop(make)
    for _ in range(4):
        make.participant(event)
    db.session.commit()
    assert re.search(r"<strong>4</strong>", _screen(client, event, live=True))


def _revealed_title(html):
    """The title of the round whose results the projector shows, if any."""
    match = re.search(r"Results: ([^<]+)</h2>", html)
    return match.group(1).strip() if match else None


def test_projector_shows_the_current_round_not_an_older_reveal(client, make):
    """Round 1 revealed, then round 2 opened: the room sees round 2 voting, not round 1."""
    from datetime import timedelta

    from consult.agenda import operations as ops
    from consult.timeutil import utcnow

    event, first, items = workshop(make)
    second = make.round(event)
    make.item(event, round=second)
    for value in (5, 4, 2):
        make.response(make.participant(event), items[0], value)
    t0 = utcnow().replace(microsecond=0) + timedelta(seconds=1)  # after round 1 opened
    ops.close_round(first, None, now=t0)
    first.reveal(True, now=t0 + timedelta(minutes=1))
    db.session.commit()
    html = _screen(client, event, live=True)
    assert _revealed_title(html) == "Round 1" and "bar-agree" in html

    second = db.session.merge(second)
    ops.open_round(second, None, now=t0 + timedelta(minutes=2))
    db.session.commit()
    html = _screen(client, event, live=True)
    assert _revealed_title(html) is None and "bar-agree" not in html
    assert "Round 2" in html and "Voting is open" in html

    # Round 2 closes: round 1's results do not come back, to be taken for round 2's.
    second = db.session.merge(second)
    ops.close_round(second, None, now=t0 + timedelta(minutes=3))
    db.session.commit()
    assert _revealed_title(_screen(client, event, live=True)) is None

    # A reveal made after the latest opening is the newest thing to show: it shows.
    first = db.session.merge(first)
    first.reveal(True, now=t0 + timedelta(minutes=3, seconds=30))
    db.session.commit()
    assert _revealed_title(_screen(client, event, live=True)) == "Round 1"

    # Reopening a revealed round hides its results until revealed again.
    first = db.session.merge(first)
    ops.open_round(first, None, now=t0 + timedelta(minutes=5))
    db.session.commit()
    html = _screen(client, event, live=True)
    assert _revealed_title(html) is None and "bar-agree" not in html


def test_projector_pages_without_javascript_show_every_item_once(client, make):
    """8 items never stand on one screen: ``?page=`` walks them, each item on one page."""
    from consult.agenda.models import ItemKind

    event, round_, items = workshop(make, kinds=[ItemKind.agreement] * 6 + [ItemKind.choice] * 2)
    for item in items:
        for value in (5, 4, 2):
            make.response(make.participant(event), item, value if item.kind == "agreement"
                          else None)
    round_.close()
    round_.reveal()
    db.session.commit()
    first = client.get(f"/e/{event.join_code}/screen?k={event.screen_token}").get_data(
        as_text=True)
    pages = int(re.search(r'data-pages="(\d+)"', first).group(1))
    assert pages >= 3
    assert 'id="screen-pager"' in first and "page=2" in first  # the Next link without JS
    seen = []
    for page in range(1, pages + 1):
        html = client.get(f"/e/{event.join_code}/screen?k={event.screen_token}&page={page}"
                          ).get_data(as_text=True)
        shown = re.findall(r'<li value="\d+" data-item-id="(\d+)">', html)
        assert shown, page
        seen += [int(i) for i in shown]
    assert seen == [i.id for i in items]
