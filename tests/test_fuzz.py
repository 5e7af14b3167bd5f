"""Fuzzing in the suite: malformed requests on every route, as every identity, never a 5xx.

The generator is ``benchmarks/fuzz.py``'s (the same one sends 100,000 requests to a real
server; figures in docs/security.md). Here a seeded few thousand go through the test client,
with CSRF off and on (with the identity's real token, or a forged or missing one). After each
refusal the database must hold the same rows as before; at the end its integrity, foreign keys
and "every response has a participant with a profile" must hold. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import re

import pytest

from benchmarks.fuzz import (
    IDENTITIES,
    STAFF_IDENTITIES,
    Fuzzer,
    describe_world,
    identity_lost,
    invariants,
    routes_of,
    table_counts,
)
from consult.accounts.models import Role, User
from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.i18n import LOCALE_COOKIE
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import as_participant, workshop

#: Requests per run (two runs: CSRF off and on). FUZZ_REQUESTS=20000 for a longer local run.
REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "1200"))
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def world(make):
    """Two live events: rounds open, closed and draft, items of every kind, answers with
    comments, and a staff member of each role."""
    kinds = (ItemKind.agreement, ItemKind.priority, ItemKind.choice, ItemKind.multi,
             ItemKind.ranking, ItemKind.text)
    event, _round, items = workshop(make, kinds=kinds)
    closed = make.round(event)
    draft = make.round(event)
    second = make.section(event)
    for r in (closed, draft):
        make.item(event, second, r)
    closed.open()
    closed.close()
    voters = [make.participant(event, sector=s) for s in event.sectors[:3]]
    for voter in voters:
        make.response(voter, items[0], 4, comment="A comment")
    other, _, _ = workshop(make, kinds=(ItemKind.agreement,))
    make.participant(other)
    users = {role.value: make.user(role) for role in (Role.analyst, Role.facilitator, Role.admin)}
    db.session.commit()
    return event, users, describe_world()


class Identities:
    """One test client per identity, signed in through the real pages; rebuilt when lost."""

    def __init__(self, app, make, event, users):
        self.app, self.make, self.event, self.users = app, make, event, users
        self.event_id = event.id
        self.user_ids = {kind: user.id for kind, user in users.items()}
        self.usernames = {kind: user.username for kind, user in users.items()}
        self.clients = {kind: self.sign_in(kind) for kind in IDENTITIES}

    def sign_in(self, kind: str):
        client = self.app.test_client()
        client.set_cookie(LOCALE_COOKIE, "en")
        if kind == "participant":
            participant = self.make.participant(self.event)
            db.session.commit()
            as_participant(client, participant)
        token = self.token(client, "/staff/login" if kind in STAFF_IDENTITIES else "/")
        if kind in STAFF_IDENTITIES:
            self.restore(kind)
            response = client.post("/staff/login", data={
                "csrf_token": token, "username": self.usernames[kind],
                "password": DEFAULT_PASSWORD})
            assert response.status_code == 302, response.status_code
            token = self.token(client, "/staff/")
        return client, token

    def restore(self, kind: str) -> None:
        """Give the account back its role, password, activity and team place: a fuzzed admin
        request may have deactivated, demoted or reset it (as an admin would undo it)."""
        from werkzeug.security import generate_password_hash

        from consult.events.models import EventStaff

        db.session.rollback()
        user = db.session.get(User, self.user_ids[kind])
        user.active, user.role = True, Role(kind)
        user.password_hash = generate_password_hash(DEFAULT_PASSWORD, method="pbkdf2:sha256:1")
        if kind != "admin" and db.session.get(EventStaff, (self.event_id, user.id)) is None:
            db.session.add(EventStaff(event_id=self.event_id, user_id=user.id, role=kind))
        db.session.commit()

    @staticmethod
    def token(client, path: str) -> str | None:
        found = _CSRF.search(client.get(path).get_data(as_text=True))
        return found.group(1) if found else None


def _where(error: BaseException | None) -> str:
    """The innermost line of our own code in ``error``'s traceback."""
    import traceback

    if error is None:
        return "?"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/consult/" in f.filename]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


def _per_item(req, response) -> bool:
    """The page without JavaScript saves each valid answer of a round and marks the others
    (400, "some answers need your attention"): those saved rows are no refusal's."""
    return (req.endpoint == "voting.submit_round" and response.status_code == 400
            and b"item-status-error" in response.data)


def _fingerprint() -> dict:
    """Row counts, and the sum of the votes' revisions (a refused vote changes neither)."""
    counts = table_counts()
    db.session.rollback()  # end the read: the next request writes from its own session
    return counts


@pytest.mark.parametrize("csrf", [
    pytest.param(False, marks=pytest.mark.config(WTF_CSRF_ENABLED=False)),
    pytest.param(True, marks=pytest.mark.config(WTF_CSRF_ENABLED=True)),
], ids=["csrf-off", "csrf-on"])
def test_fuzzed_requests_never_get_a_5xx(app, make, world, csrf):
    event, users, known = world
    fuzzer = Fuzzer(known, routes_of(app.url_map), seed=12 + csrf)
    identities = Identities(app, make, event, users)
    logged: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = logged.append
    app.logger.addHandler(handler)
    failures, refused_but_wrote, statuses = [], [], {}
    before = _fingerprint()
    try:
        for n in range(REQUESTS):
            kind = fuzzer.rng.choice(IDENTITIES)
            client, token = identities.clients[kind]
            req = fuzzer.request(token)
            response = client.open(req.url, method=req.method, data=req.body,
                                   headers=req.headers)
            status = response.status_code
            statuses[status] = statuses.get(status, 0) + 1
            if status >= 500:
                cause = logged[-1].exc_info[1] if logged and logged[-1].exc_info else None
                failures.append(f"{status} as {kind}: {req.describe()}\n  {cause!r}"
                                f" at {_where(cause)}")
            if status >= 400 or req.method != "GET":  # (a page that opens writes no rows)
                after = _fingerprint()
                if status >= 400 and after != before and not _per_item(req, response):
                    changed = {k: (before[k], v) for k, v in after.items() if before[k] != v}
                    refused_but_wrote.append(f"{status} as {kind} changed {changed}: "
                                             f"{req.describe()}")
                before = after
            # Signed out, left; or the visitor joined an event: a new one, now and then.
            lost = identity_lost(kind, req, status, response.headers)
            if lost or (kind == "anonymous" and n % 50 == 0):
                identities.clients[kind] = identities.sign_in(kind)
                before = _fingerprint()
    finally:
        app.logger.removeHandler(handler)
    assert not failures, f"{len(failures)} responses 5xx:\n" + "\n".join(failures[:15])
    assert not logged, "errors logged:\n" + "\n".join(r.getMessage() for r in logged[:15])
    assert not refused_but_wrote, "\n".join(refused_but_wrote[:15])
    assert invariants()["problems"] == []
    # The run reached past the front door: pages answered, forms accepted, refusals given.
    assert statuses.get(200, 0) > REQUESTS / 10 and statuses.get(302, 0) > REQUESTS / 50
    assert sum(c for s, c in statuses.items() if 400 <= s < 500) > REQUESTS / 10
