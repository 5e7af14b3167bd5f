"""The address in QR codes and printed links: PUBLIC_URL, else the LAN address and the port the
server listens on — never a port the server does not use (issue 9: 8000 whatever the port).

The real server on another port, its QR decoded in Chromium, is tests/browser/test_qr_port.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult import network
from consult.extensions import db
from consult.network import public_base_url
from consult.participants.models import Participant
from tests.conftest import login
from tests.helpers import workshop

LAN = "192.0.2.77"  # TEST-NET-1: stands for the laptop's address on the venue Wi-Fi


@pytest.fixture
def on_lan(monkeypatch):
    """The machine's LAN address, fixed so the tests do not depend on this machine's network."""
    monkeypatch.setattr(network, "lan_address", lambda: LAN)


def _screen(client, event, base_url):
    response = client.get(f"/e/{event.join_code}/screen?k={event.screen_token}",
                          base_url=base_url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.config(PUBLIC_URL="")
@pytest.mark.parametrize("port", [8080, 9123])
def test_projector_link_carries_the_port_the_request_came_in_on(client, make, on_lan, port):
    event, _, _ = workshop(make)
    html = _screen(client, event, f"http://127.0.0.1:{port}")
    assert f"http://{LAN}:{port}/j/{event.join_code}" in html
    assert ":8000" not in html


@pytest.mark.config(PUBLIC_URL="")
def test_port_80_is_left_out_of_the_link(client, make, on_lan):
    event, _, _ = workshop(make)
    html = _screen(client, event, "http://127.0.0.1")
    assert f"http://{LAN}/j/{event.join_code}" in html


@pytest.mark.config(PUBLIC_URL="")
def test_resume_link_carries_the_port_too(client, make, on_lan):
    event, _, _ = workshop(make)
    base = "http://127.0.0.1:8181"
    client.post(f"/e/{event.join_code}/profile", base_url=base, data={
        "sector": event.sectors[0].id, "gender": "woman", "locale": "en"})
    page = client.get(f"/e/{event.join_code}/profile", base_url=base).get_data(as_text=True)
    person = db.session.scalar(select(Participant))
    assert f"http://{LAN}:8181/r/{person.token}" in page


@pytest.mark.config(PUBLIC_URL="")
def test_console_join_link_carries_the_port_too(app, make, on_lan):
    event, _, _ = workshop(make)
    staff = app.test_client()
    user = make.user("facilitator")
    db.session.commit()
    login(staff, user)
    console = staff.get(f"/staff/events/{event.id}/console", base_url="http://localhost:8181")
    assert f"http://{LAN}:8181/j/{event.join_code}" in console.get_data(as_text=True)


@pytest.mark.config(PUBLIC_URL="https://consult.example.org/")
def test_public_url_wins_over_address_and_port(client, make, on_lan):
    event, _, _ = workshop(make)
    html = _screen(client, event, "http://127.0.0.1:8080")
    assert f"https://consult.example.org/j/{event.join_code}" in html
    assert LAN not in html and ":8080" not in html


@pytest.mark.config(PUBLIC_URL="")
def test_public_base_url_reads_the_request_or_the_port_given(app, on_lan):
    with app.test_request_context("/", base_url="http://127.0.0.1:8765"):
        assert public_base_url(app) == f"http://{LAN}:8765"
        assert public_base_url(app, 8080) == f"http://{LAN}:8080"
    assert public_base_url(app, 8080) == f"http://{LAN}:8080"
    with pytest.raises(RuntimeError):
        public_base_url(app)  # no request, no port: no guess


@pytest.mark.config(PUBLIC_URL="")
def test_urls_command_prints_the_port_the_server_will_use(app, on_lan):
    runner = app.test_cli_runner()
    given = runner.invoke(args=["consult", "urls", "--port", "8080"])
    assert given.exit_code == 0, given.output
    assert f"Participants: http://{LAN}:8080/" in given.output
    assert f"Staff:        http://{LAN}:8080/staff/login" in given.output
    from_env = runner.invoke(args=["consult", "urls"], env={"PORT": "9090"})
    assert f"http://{LAN}:9090/" in from_env.output  # the PORT consult/server.py binds too


@pytest.mark.config(PUBLIC_URL="https://consult.example.org")
def test_urls_command_prints_public_url_when_set(app, on_lan):
    result = app.test_cli_runner().invoke(args=["consult", "urls", "--port", "8080"])
    assert "Participants: https://consult.example.org/" in result.output
    assert LAN not in result.output
