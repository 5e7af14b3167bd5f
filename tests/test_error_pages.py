"""Every error page renders translated, in both languages, without a traceback."""

from __future__ import annotations

import pytest
from flask import abort

CODES = [400, 403, 404, 405, 409, 413, 429, 500, 503]


@pytest.fixture
def app_with_errors(app):
    @app.get("/_raise/<int:code>")
    def _raise(code):
        abort(code)

    @app.get("/_crash")
    def _crash():
        raise RuntimeError("secret internals")

    return app


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize("code", CODES)
def test_error_page_is_translated(app_with_errors, lang, code):
    client = app_with_errors.test_client()
    client.post("/language", data={"lang": lang, "next": "/"})
    response = client.get(f"/_raise/{code}")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    from flask_babel import force_locale

    from consult.error_pages import ERROR_TEXTS

    with app_with_errors.test_request_context(), force_locale(lang):
        title = str(ERROR_TEXTS[code][0])
    assert title in html
    assert "Traceback" not in html


def test_unexpected_exception_is_a_translated_500_without_details(app_with_errors):
    client = app_with_errors.test_client()
    response = client.get("/_crash", headers={"Accept-Language": "km"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html
    assert '<html lang="km">' in html


def test_method_not_allowed_page(client):
    response = client.get("/join")
    assert response.status_code == 405


def test_too_large_upload_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/join", data={"code": "x" * 5000})
    assert response.status_code == 413


def test_errors_answer_json_to_scripts(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404 and response.json["message"]
