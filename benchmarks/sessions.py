"""Sessions that end, measured against a running server (issue 12, docs/security.md).

One browser joins an event as a participant, then signs in as a staff member. The script asks:
does an error page on a session-less path (a missing static file, a wrong method on the health
check or the status document) replace that browser's cookie, and does a copy of the cookie
taken before sign-out still open staff pages afterwards?

Run against ``make run`` (rate limits off, or the sign-in may be refused after a few runs):
``.venv/bin/python benchmarks/sessions.py http://127.0.0.1:8000 facilitator PASSWORD KH7Q2P``
"""

from __future__ import annotations

import http.client
import re
import sys
import urllib.parse

if len(sys.argv) != 5:
    sys.exit(__doc__)
base, username, password, code = sys.argv[1:5]
url = urllib.parse.urlsplit(base)


def request(method, path, cookie=None, form=None):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    headers = {"Accept": "text/html"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read().decode("utf-8", "replace")
    set_cookie = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"
                  and v.startswith("session=")]
    conn.close()
    return resp.status, data, (set_cookie[0].split(";")[0] if set_cookie else None)


def csrf(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def merge(cookie, new):
    return new if new else cookie


# A participant joins, then a staff member signs in in the same browser.
status, html, c = request("GET", f"/j/{code}")
cookie = c
status, html, c = request("GET", f"/j/{code}", cookie)
sector = re.search(r'name="sector"[^>]*value="(\d+)"', html).group(1)
status, _, c = request("POST", f"/e/{code}/profile", cookie, {
    "csrf_token": csrf(html), "sector": sector, "gender": "woman", "locale": "en",
    "organisation": ""})
cookie = merge(cookie, c)
status, html, c = request("GET", "/staff/login", cookie)
cookie = merge(cookie, c)
status, _, c = request("POST", "/staff/login", cookie, {
    "csrf_token": csrf(html), "username": username, "password": password})
cookie = merge(cookie, c)
assert status == 302, status
status, home, c = request("GET", "/staff/", cookie)
cookie = merge(cookie, c)
print(f"signed in: GET /staff/ -> {status}; participant wait page -> "
      f"{request('GET', f'/e/{code}/wait', cookie)[0]}")

# 1. Error pages on session-less paths.
for method, path in (("GET", "/static/x.css"), ("GET", "/static/fonts/missing.woff2"),
                     ("POST", "/healthz"), ("POST", f"/e/{code}/status.json")):
    status, _, c = request(method, path, cookie)
    after = merge(cookie, c)
    print(f"{method} {path} -> {status}; Set-Cookie session: {'yes' if c else 'no'}; "
          f"still staff: {request('GET', '/staff/', after)[0] == 200}; still participant: "
          f"{request('GET', f'/e/{code}/wait', after)[0] == 200}")

# 2. A copy of the cookie after sign-out.
copy = cookie
status, _, c = request("POST", "/staff/logout", cookie, {"csrf_token": csrf(home)})
print(f"sign-out -> {status}")
print(f"copied cookie after sign-out: GET /staff/ -> {request('GET', '/staff/', copy)[0]}")
event_id = re.search(r"/staff/events/(\d+)/console", home).group(1)
status, _, _ = request("POST", f"/staff/events/{event_id}/rounds/999999/open", copy,
                       {"csrf_token": csrf(home)})
print(f"copied cookie after sign-out: POST open round -> {status} (302 = sent to sign-in)")
