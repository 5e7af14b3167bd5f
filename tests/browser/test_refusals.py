"""A refused answer (4xx) reaches the vote page as "not saved" with the reason, and is not
retried: the page retries only a 5xx, so every refusal the server gives must be a 4xx.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consult.agenda import operations as agenda_ops
from tests.browser.conftest import opened
from tests.browser.test_workshop import (
    CODE,
    ERROR,
    PHONE,
    fill_profile,
    not_saved_prefix,
    round_action,
    seed,
    stored,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("refusal", ["comment-too-long", "forged-csrf"])
@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_a_refused_answer_says_why_and_is_not_retried(app, live_server, browser, refusal):
    base = live_server.url
    ws = seed(app)
    a1 = ws.agreement[0]
    round_action(ws, lambda r, u: agenda_ops.open_round(r, u, None))
    with opened(browser, **PHONE) as ctx:
        page = ctx.new_page()
        page.goto(f"{base}/j/{CODE}")
        fill_profile(page, base, ws.sector_ids[0], "woman", f"Org {refusal}")
        page.goto(f"{base}/e/{CODE}/rounds/{ws.round_id}")
        if refusal == "comment-too-long":  # more than the textarea lets anyone type
            page.locator(f"#comment-{a1}").evaluate("(el) => { el.removeAttribute('maxlength');"
                                                     " el.value = 'x'.repeat(2100); }")
        else:  # the token no longer matches the session (it expired, or was forged)
            page.route("**/answer", lambda route: route.continue_(
                headers={**route.request.headers, "x-csrftoken": "forged"},
                post_data=(route.request.post_data or "").replace(
                    route.request.headers.get("x-csrftoken", "-"), "forged")))
        posts = []
        page.on("request", lambda r: posts.append(r) if r.url.endswith("/answer") else None)
        with page.expect_response(lambda r: r.url.endswith(f"/items/{a1}/answer")) as info:
            page.locator(f"input[name='item-{a1}'][value='4']").check()
        assert info.value.status == 400
        message = info.value.json()["message"]
        item_status = page.locator(f"#item-{a1}-status")
        expect(item_status).to_have_class(ERROR)
        expect(item_status).to_contain_text(not_saved_prefix(page))
        expect(item_status).to_contain_text(message)
        page.wait_for_timeout(2500)  # a retry would come after 1 s
        assert len(posts) == 1
        expect(item_status).to_have_class(ERROR)
        assert stored(f"Org {refusal}", a1) == []
