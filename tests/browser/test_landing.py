"""The landing page in real Chromium: Khmer, in the app's own font, at 360 px."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

FONT_LOADED = """async () => {
  await document.fonts.ready;
  const faces = [...document.fonts].filter(f => f.family.includes("Noto Sans Khmer Consult"));
  return {
    status: faces.map(f => f.status),
    check: document.fonts.check('20px "Noto Sans Khmer Consult"', 'ចូលរួម'),
  };
}"""


def test_landing_page_in_khmer_uses_the_served_font(live_server, phone):
    font_requests = []
    phone.on("requestfinished", lambda r: font_requests.append(r.url) if ".woff2" in r.url
             else None)
    external = []
    phone.on("request", lambda r: external.append(r.url)
             if not r.url.startswith(live_server.url) and not r.url.startswith("data:") else None)
    phone.goto(live_server.url + "/")
    assert phone.locator("html").get_attribute("lang") == "km"
    heading = phone.locator("h1").inner_text()
    assert any("\u1780" <= ch <= "\u17ff" for ch in heading)
    fonts = phone.evaluate(FONT_LOADED)
    assert fonts["status"] == ["loaded"] and fonts["check"], fonts
    assert any(url.endswith("/static/fonts/NotoSansKhmer.woff2") for url in font_requests)
    assert external == [], external
    family = phone.locator("h1").evaluate("e => getComputedStyle(e).fontFamily")
    assert family.startswith('"Noto Sans Khmer Consult"')
    # Nothing overflows the 360-px screen sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "landing-km-360.png")


def test_language_switch_and_wrong_code_in_the_browser(live_server, phone):
    phone.goto(live_server.url + "/")
    phone.get_by_role("button", name="English").click()
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.get_by_label("Join code").fill("zz zz zz")
    phone.get_by_role("button", name="Join", exact=True).click()
    assert "No consultation has the code “ZZZZZZ”" in phone.locator("[role=alert]").inner_text()
    phone.get_by_role("button", name="ខ្មែរ").click()
    assert phone.locator("html").get_attribute("lang") == "km"
