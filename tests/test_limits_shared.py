"""The documented limits hold against a real server started as ``make run`` starts it.

The server ``make run`` starts (``consult/server.py``), here with 3 processes, the default
settings (no ``RATELIMIT_STORAGE_URI``, so no Redis): every request on a new connection, so the requests
land on different processes, and the processes share one count.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.harness import _CSRF, CODE, Phone, Server, Staff, prepare, sector_ids
from consult.accounts.views import LOGIN_ACCOUNT_LIMIT
from consult.ratelimit import WRONG_CODE_LIMIT
from consult.voting.views import VOTE_LIMIT
from tests.conftest import SQLITE_RUN_ONLY

pytestmark = [pytest.mark.slow, SQLITE_RUN_ONLY]  # the server runs on SQLite in either run


def _amount(limit: str) -> int:
    return int(limit.split()[0])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("limits-shared")
    saved = os.environ.pop("RATELIMIT_STORAGE_URI", None)  # the default, as on a venue laptop
    try:
        event_id, round_id, items = prepare(instance, None, round_items=2)
        server = Server(instance, workers=3).start()
    finally:
        if saved is not None:
            os.environ["RATELIMIT_STORAGE_URI"] = saved
    try:
        staff = Staff(server.port)
        staff.login()
        assert staff.round_action(event_id, round_id, "open", minutes=60) == 302
        staff.close()
        yield server, items
    finally:
        server.stop()


def _once(port: int, method: str, path: str, **kw) -> int:
    """One request on its own connection (so any of the processes may take it)."""
    phone = Phone(port)
    try:
        return phone.request(method, path, **kw)[0]
    finally:
        phone.close()


def test_wrong_passwords_for_one_account_are_counted_across_processes(server):
    server, _ = server
    limit = _amount(LOGIN_ACCOUNT_LIMIT)
    staff = Staff(server.port)
    try:
        page = staff.request("GET", "/staff/login")[2].decode()
        csrf = _CSRF.search(page).group(1)  # one session and its token, for every attempt
        codes = []
        for _ in range(limit + 1):
            staff.close()  # a new connection each time
            codes.append(staff.request("POST", "/staff/login", {
                "csrf_token": csrf, "username": "someone", "password": "wrong"})[0])
    finally:
        staff.close()
    assert codes[:limit] == [200] * limit and codes[limit] == 429, codes


def test_votes_of_one_participant_are_counted_across_processes(server):
    server, items = server
    limit = _amount(VOTE_LIMIT)
    phone = Phone(server.port)
    try:
        phone.join(sector_ids(server.port)[0], "woman")
        codes = []
        for n in range(limit + 1):
            phone.close()
            codes.append(phone.vote(items[n % 2], 1 + n % 5)[0])
    finally:
        phone.close()
    assert codes[:limit] == [200] * limit and codes[limit] == 429, codes


def test_wrong_codes_from_one_address_are_counted_across_processes(server):
    server, _ = server
    limit = _amount(WRONG_CODE_LIMIT)
    codes = [_once(server.port, "GET", f"/e/WRONG{n % 10}/status.json") for n in range(limit + 1)]
    assert codes[:limit] == [404] * limit and codes[limit] == 429, codes
    # ...and a right code still opens from the same address.
    assert _once(server.port, "GET", f"/j/{CODE}") == 200
