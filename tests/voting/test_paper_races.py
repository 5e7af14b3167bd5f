"""Paper ballots saved at the same moment count once (issue 11).

On PostgreSQL two requests run side by side: each test holds both at the same step with a
barrier, then lets them write. On SQLite writers take turns (``consult.database.write_turn``),
so the races cannot happen there; the unique keys they rely on are tested on both databases.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import AuditEntry, Role, User
from consult.agenda.models import Round
from consult.events.models import Event
from consult.extensions import db
from consult.participants.models import Participant, Source
from consult.timeutil import utcnow
from consult.voting import paper
from consult.voting.models import BallotStatus, PaperBallot, Response
from tests.conftest import IS_POSTGRES
from tests.voting.paper_helpers import ballot, closed_round

ANSWERS = ["4", "3", "2", "31", "2 1 - 3", "x"]
OTHER_ANSWERS = ["5", "3", "2", "31", "2 1 - 3", "x"]

postgres_only = pytest.mark.skipif(
    not IS_POSTGRES, reason="SQLite's writers take turns (consult.database.write_turn)")


def _held_together(monkeypatch, name: str, parties: int = 2) -> None:
    """Make each thread's first call of ``paper.<name>`` wait until every thread made it.

    Once one thread blocks on a lock instead, the others go on after a short timeout.
    """
    barrier = threading.Barrier(parties, timeout=2)
    original = getattr(paper, name)
    waited = threading.local()

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if not getattr(waited, "done", False):
            waited.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return result

    monkeypatch.setattr(paper, name, held)


def _side_by_side(app, calls) -> list[str]:
    """Run each call (a function of nothing, inside its own app context) in its own thread;
    return what each ended with, "ok" or the exception's class name."""
    outcomes: list[str] = []

    def run(call):
        with app.app_context():
            try:
                call()
                db.session.commit()
                outcomes.append("ok")
            except Exception as error:  # the outcome is what the test checks
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _typing(event_id, round_id, user_id, fields):
    def call():
        round_ = db.session.get(Round, round_id) if round_id is not None else None
        paper.enter_ballot(db.session.get(Event, event_id), round_,
                           db.session.get(User, user_id), fields)
    return call


def _n(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_ballot_of_the_whole_agenda_is_stored_once_per_number(app, make):
    event, round_, _ = closed_round(make)
    clerk = make.user(Role.clerk)
    db.session.commit()
    for _ in range(2):
        db.session.add(PaperBallot(event_id=event.id, ballot_number="7", round_id=None,
                                   first_entry={}, entered_by_id=clerk.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # A round's ballot and the whole agenda's of one number are two rows (refused elsewhere).
    db.session.add_all([
        PaperBallot(event_id=event.id, ballot_number="7", round_id=None, first_entry={},
                    entered_by_id=clerk.id),
        PaperBallot(event_id=event.id, ballot_number="7", round_id=round_.id, first_entry={},
                    entered_by_id=clerk.id)])
    db.session.flush()


def test_a_ballot_number_is_one_participant_of_the_event(app, make):
    event = make.event()
    other = make.event()
    db.session.commit()
    now = utcnow()

    def person(event_):
        return Participant(event_id=event_.id, source=Source.paper, paper_number="7",
                           sector_id=event_.sectors[0].id, joined_at=now)

    db.session.add_all([person(event), person(other)])
    db.session.flush()
    db.session.add(person(event))
    with pytest.raises(IntegrityError):
        db.session.flush()


@postgres_only
@pytest.mark.parametrize("whole_agenda", [True, False], ids=["whole agenda", "round"])
def test_two_first_typings_at_once_count_once(app, make, monkeypatch, whole_agenda):
    event, round_, items = closed_round(make)
    one, two = make.user(Role.clerk, username="one"), make.user(Role.clerk, username="two")
    db.session.commit()
    fields = ballot("7", items, ANSWERS)
    round_id = None if whole_agenda else round_.id
    calls = [_typing(event.id, round_id, one.id, fields), _typing(event.id, round_id, two.id,
                                                                    fields)]
    db.session.remove()
    _held_together(monkeypatch, "find_ballot")
    assert _side_by_side(app, calls) == ["IntegrityError", "ok"]
    assert (_n(PaperBallot), _n(Participant)) == (1, 1)
    assert _n(Response) == 6


@postgres_only
def test_two_second_typings_at_once_take_turns(app, make, monkeypatch):
    event, round_, items = closed_round(make, double_entry=True)
    first, agree, differ = (make.user(Role.clerk, username=n) for n in ("a", "b", "c"))
    db.session.commit()
    paper.enter_ballot(event, round_, first, ballot("7", items, ANSWERS))
    db.session.commit()
    calls = [_typing(event.id, round_.id, agree.id, ballot("7", items, ANSWERS)),
             _typing(event.id, round_.id, differ.id, ballot("7", items, OTHER_ANSWERS))]
    db.session.remove()
    _held_together(monkeypatch, "find_ballot")
    assert _side_by_side(app, calls) == ["ConsultError", "ok"]
    saved = db.session.scalar(select(PaperBallot))
    # Either the matching typing came first (counted), or the other one (a mismatch, not
    # counted): never a mismatch that counts.
    if saved.status == BallotStatus.confirmed:
        assert saved.second_entered_by_id == agree.id and _n(Response) == 6
    else:
        assert saved.status == BallotStatus.mismatch
        assert saved.participant_id is None and _n(Response) == 0
        assert saved.second_entered_by_id == differ.id


@postgres_only
def test_two_facilitators_resolving_at_once_count_it_once(app, make, monkeypatch):
    event, round_, items = closed_round(make, double_entry=True)
    one, two = make.user(Role.clerk, username="one"), make.user(Role.clerk, username="two")
    boss, chief = (make.user(Role.facilitator, username=n) for n in ("boss", "chief"))
    db.session.commit()
    paper.enter_ballot(event, round_, one, ballot("7", items, ANSWERS))
    paper.enter_ballot(event, round_, two, ballot("7", items, OTHER_ANSWERS))
    db.session.commit()
    ballot_id, field = db.session.scalar(select(PaperBallot.id)), f"item_{items[0].id}"

    def resolving(user_id, value):
        def call():
            paper.resolve_ballot(db.session.get(PaperBallot, ballot_id),
                                 db.session.get(User, user_id), {field: value})
        return call

    calls = [resolving(boss.id, "4"), resolving(chief.id, "5")]
    db.session.remove()
    _held_together(monkeypatch, "ballot_round")
    assert _side_by_side(app, calls) == ["ConsultError", "ok"]
    assert _n(AuditEntry, AuditEntry.action == "paper.confirm") == 1
    assert _n(AuditEntry, AuditEntry.action == "paper.resolve") == 1
    assert _n(Participant) == 1 and _n(Response) == 6


@postgres_only
def test_one_number_confirmed_for_two_rounds_at_once_is_one_participant(app, make,
                                                                        monkeypatch):
    event, first, first_items = closed_round(make)
    _, second, second_items = closed_round(make, event=event)
    one, two = make.user(Role.clerk, username="one"), make.user(Role.clerk, username="two")
    db.session.commit()
    calls = [_typing(event.id, first.id, one.id, ballot("7", first_items, ANSWERS)),
             _typing(event.id, second.id, two.id, ballot("7", second_items, ANSWERS))]
    db.session.remove()
    _held_together(monkeypatch, "participant_of")
    assert _side_by_side(app, calls) == ["ok", "ok"]
    assert _n(Participant) == 1
    people = db.session.scalars(select(PaperBallot.participant_id)).all()
    assert len(people) == 2 and len(set(people)) == 1
    assert _n(Response) == 12


@postgres_only
def test_one_number_typed_with_two_profiles_at_once_is_refused_once(app, make, monkeypatch):
    event, first, first_items = closed_round(make)
    _, second, second_items = closed_round(make, event=event)
    one, two = make.user(Role.clerk, username="one"), make.user(Role.clerk, username="two")
    db.session.commit()
    calls = [_typing(event.id, first.id, one.id, ballot("7", first_items, ANSWERS)),
             _typing(event.id, second.id, two.id,
                     ballot("7", second_items, ANSWERS, sector="2"))]
    db.session.remove()
    _held_together(monkeypatch, "participant_of")
    assert _side_by_side(app, calls) == ["BallotRefused", "ok"]
    assert _n(Participant) == 1 and _n(PaperBallot) == 1 and _n(Response) == 6
