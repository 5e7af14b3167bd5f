"""Votes racing the close of their round: acknowledged = stored, exactly (both databases)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.access import PARTICIPANT_SESSION_KEY
from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import Round, RoundState
from consult.extensions import db
from consult.timeutil import utcnow
from consult.voting.models import Response
from tests.conftest import login
from tests.helpers import workshop

VOTERS = 8
#: A voter stops at its first "closed" refusal; this only bounds a close that never comes.
VOTES_EACH = 2000


@pytest.mark.parametrize("run", range(3))
# On a busy machine a writer among 9 threads can wait past the 1-s stalled-writer guard, and
# its queue then gets 503 "try again" (tests/test_database_lock.py tests that guard): not this
# test's subject.
@pytest.mark.config(SQLITE_STALLED_WRITER_MS=30000)
def test_votes_racing_the_close_are_stored_exactly_when_acknowledged(app, make, run):
    event, round_, items = workshop(make)
    people = [make.participant(event) for _ in range(VOTERS)]
    facilitator = make.user(Role.facilitator)
    db.session.commit()
    # Threads get plain values: ORM objects belong to this thread's session.
    code, item_ids = event.join_code, [i.id for i in items]
    tokens, person_ids = [p.token for p in people], [p.id for p in people]
    event_id, round_id = event.id, round_.id
    acked: dict[tuple[int, int], list[str]] = defaultdict(list)
    refused = []
    errors = []
    start = threading.Barrier(VOTERS + 1, timeout=30)
    # The close goes out once some votes are in (64, 128, 192), and the voters go on until it
    # refuses them: with a fixed number of votes and a fixed sleep, a fast machine had every
    # vote in before the close, and none raced it.
    close_after = 64 * (1 + run)
    go_close = threading.Event()
    #: (sent, answered) of every vote, on one clock with the close's.
    spans: list[tuple[float, float]] = []

    def voter(n: int):
        client = app.test_client()
        with client.session_transaction() as session:
            session[PARTICIPANT_SESSION_KEY] = tokens[n]
        start.wait()
        for k in range(VOTES_EACH):
            item_id = item_ids[(n + k) % len(item_ids)]
            value = str(1 + (n + k) % 3)
            sent = time.monotonic()
            response = client.post(f"/e/{code}/items/{item_id}/answer",
                                   data={f"item-{item_id}": value},
                                   headers={"Accept": "application/json"})
            spans.append((sent, time.monotonic()))
            if response.status_code == 200:
                acked[(person_ids[n], item_id)].append(value)
            elif response.status_code == 409 and response.json.get("closed"):
                refused.append((person_ids[n], item_id))
                return
            else:
                errors.append((response.status_code, response.get_data(as_text=True)[:200]))
            if len(spans) >= close_after:
                go_close.set()

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(VOTERS)]
    for thread in threads:
        thread.start()
    staff = app.test_client()
    login(staff, facilitator)
    start.wait()
    assert go_close.wait(30)
    close_sent = time.monotonic()
    closed = staff.post(f"/staff/events/{event_id}/rounds/{round_id}/close")
    close_done = time.monotonic()
    assert closed.status_code == 302
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    # Votes were on their way while the close was: the race this test is about.
    assert any(sent < close_done and done > close_sent for sent, done in spans)
    assert len(refused) == VOTERS  # every voter went on until the close refused it
    rows = db.session.execute(select(Response.participant_id, Response.item_id, Response.value,
                                     Response.revision)).all()
    stored = {(p, i): (v, rev) for p, i, v, rev in rows}
    assert set(stored) == set(acked)
    for key, values in acked.items():
        assert stored[key] == (int(values[-1]), len(values)), key
    assert db.session.get(Round, round_id).state == RoundState.closed


def test_a_passed_deadline_is_closed_once_and_audited_once(app, make):
    event, round_, _ = workshop(make)
    round_.closes_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    code, deadline, round_id = event.join_code, round_.closes_at, round_.id
    time.sleep(1.1)
    codes = []
    start = threading.Barrier(6, timeout=30)

    def poll():
        client = app.test_client()
        start.wait()
        codes.append(client.get(f"/e/{code}/status.json").status_code)

    threads = [threading.Thread(target=poll) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert codes == [200] * 6
    closes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "round.close")).all()
    assert len(closes) == 1 and closes[0].details == {"reason": "deadline"}
    db.session.expire_all()
    closed = db.session.get(Round, round_id)
    assert closed.state == RoundState.closed and closed.closed_at == deadline
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
