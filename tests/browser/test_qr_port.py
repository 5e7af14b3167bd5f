"""The projector's QR code carries the port the server really listens on (issue 9).

The server is started as ``make run`` starts it (``python -m consult.server``, benchmarks/harness)
on a free port that is not 8000, with no PUBLIC_URL, on a fresh database with the demo workshop.
Chromium opens the projector screen; the QR code is photographed and decoded with zxing-cpp,
as a phone would. The decoded address must carry that port and open that event; the resume
link a participant gets after the profile must carry it too.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from benchmarks.harness import CODE, Server, prepare, run_in_app
from consult.network import lan_address

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def decode_qr(png: bytes) -> str:
    """Read the one QR code in a screenshot, as a phone's camera app would."""
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(codes) == 1, f"expected one QR code, found {len(codes)}"
    return codes[0].text


@pytest.fixture
def server(tmp_path, empty_database_url):
    """The server on a free port (never 8000), no PUBLIC_URL, the demo workshop seeded."""
    prepare(tmp_path, empty_database_url, round_items=1)  # `flask db upgrade` + `seed-demo`
    token = run_in_app(tmp_path, empty_database_url, f"""
    from sqlalchemy import select
    from consult.events.models import Event
    print(db.session.scalar(select(Event.screen_token).where(Event.join_code == "{CODE}")))
""").strip()
    srv = Server(tmp_path, empty_database_url, workers=1, extra_env={"PUBLIC_URL": ""})
    assert srv.port != 8000
    srv.start()
    srv.screen_token = token
    yield srv
    srv.stop()


def test_projector_qr_and_resume_link_carry_the_servers_port(browser, server, tmp_path):
    port, host = server.port, lan_address() or "127.0.0.1"
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="km-KH")
    try:
        projector = context.new_page()
        projector.goto(f"{server.base}/e/{CODE}/screen?k={server.screen_token}")
        qr = projector.locator(".qr-box svg").first
        png = qr.screenshot(path=str(tmp_path / "projector-qr.png"))
        joined = decode_qr(png)
        assert joined == f"http://{host}:{port}/j/{CODE}"
        assert joined in projector.locator(".screen-url").inner_text()

        # The decoded address opens that event (reached on loopback: tests touch no other host).
        address = urlsplit(joined)
        assert address.port == port
        phone = context.new_page()
        phone.set_viewport_size({"width": 360, "height": 780})
        phone.goto(f"http://127.0.0.1:{address.port}{address.path}")
        assert phone.locator("form.profile-form").count() == 1
        assert f"/e/{CODE}/profile" in phone.locator("form.profile-form").get_attribute("action")
        phone.locator("input[name=sector]").first.check()
        phone.locator("input[name=gender][value=woman]").check()
        phone.locator("input[name=locale][value=km]").check()
        phone.locator(".profile-form button[type=submit]").click()
        phone.wait_for_url(re.compile(rf"/e/{CODE}/wait"))

        phone.goto(f"{server.base}/e/{CODE}/profile")
        resume = phone.locator(".resume-link a").get_attribute("href")
        assert re.fullmatch(rf"http://{re.escape(host)}:{port}/r/[\w-]+", resume), resume
        resume_qr = phone.locator(".resume .qr-box svg").first.screenshot(
            path=str(tmp_path / "resume-qr.png"))
        assert decode_qr(resume_qr) == resume
    finally:
        context.close()
