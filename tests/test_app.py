"""The application shell: headers, secret key, CSRF, language choice."""

from __future__ import annotations

import pytest

from consult import create_app
from consult.extensions import db
from consult.security import load_or_create_secret_key
from tests.conftest import app_config


def test_security_headers_on_every_response(client):
    for path in ("/", "/staff/login", "/no-such-page", "/static/css/app.css"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()


def test_no_inline_scripts_in_pages(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


def test_session_cookie_is_httponly_and_lax(app, client):
    client.post("/language", data={"lang": "en", "next": "/"})
    response = client.post("/staff/login", data={"username": "x", "password": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookies = [c for c in cookies if c.startswith("session=")]
    assert session_cookies, cookies
    assert all("HttpOnly" in c and "SameSite=Lax" in c for c in session_cookies)


def test_app_without_secret_key_uses_the_generated_one(tmp_path, monkeypatch):
    monkeypatch.setattr("config.INSTANCE_DIR", tmp_path)
    app = create_app(app_config(SECRET_KEY=None))
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()


def test_secret_key_generated_once_into_instance(tmp_path):
    key1 = load_or_create_secret_key(str(tmp_path))
    key2 = load_or_create_secret_key(str(tmp_path))
    assert key1 == key2 and len(key1) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_csrf_is_enforced_on_posts(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/join", data={"code": "ABCDEF"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True) or "ផុតកំណត់" in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("en-US,en;q=0.9", "en"), ("km-KH,km;q=0.9", "km"), ("fr-FR", "km"), ("", "km")],
)
def test_locale_from_browser(khmer_client, accept, expected):
    html = khmer_client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{expected}">' in html


def test_language_switch_wins_over_browser_and_is_kept(client):
    response = client.post("/language", data={"lang": "en", "next": "/staff/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    html = client.get("/", headers={"Accept-Language": "km"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Join a consultation" in html
    client.post("/language", data={"lang": "km", "next": "/"})
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="km">' in html and "Join a consultation" not in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    response = client.post("/language", data={"lang": "fr", "next": "/"})
    assert "consult_lang" not in response.headers.get("Set-Cookie", "")


def test_event_default_locale_applies_to_its_pages(client, make):
    event = make.event(default_locale="en")
    db.session.commit()
    html = client.get(f"/j/{event.join_code}", headers={"Accept-Language": ""}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in html
