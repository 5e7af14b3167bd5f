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
    # items[1] has a single answer: never a percentage, "n < 3" instead.
    assert "n &lt; 3" in after or "n < 3" in after
    assert len(re.findall(r'class="bar bar-agree"', after)) == 1


def test_joined_count_is_live(client, make):
    event, _, _ = workshop(make)
    for _ in range(4):
        make.participant(event)
    db.session.commit()
    assert re.search(r"<strong>4</strong>", _screen(client, event, live=True))
