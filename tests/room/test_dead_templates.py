"""No template is left that nothing renders, and no attribute the script no longer reads."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import as_participant, workshop

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_the_unrendered_welcome_page_is_gone():
    assert not (TEMPLATES / "participants" / "event_welcome.html").exists()


def test_the_waiting_page_carries_no_version(client, make):
    event, _, _ = workshop(make)
    as_participant(client, make.participant(event))
    from consult.extensions import db

    db.session.commit()
    html = client.get(f"/e/{event.join_code}/wait").get_data(as_text=True)
    assert 'id="waiting"' in html and "data-version" not in html
