"""The SQLite write turn: writers queue in the kernel, and a failed writer leaves nothing."""

from __future__ import annotations

import os
import threading
import time

import pytest

from consult.database import write_turn
from consult.events.models import Event
from consult.extensions import db
from tests.conftest import IS_POSTGRES


def test_a_failed_write_is_rolled_back_before_the_turn_passes(app, make):
    event = make.event(title_en="Before")
    db.session.commit()
    with pytest.raises(RuntimeError), write_turn():
        db.session.get(Event, event.id).title_en = "Half-written"
        db.session.flush()
        raise RuntimeError("the vote failed")
    db.session.expire_all()
    assert db.session.get(Event, event.id).title_en == "Before"


@pytest.mark.skipif(IS_POSTGRES, reason="PostgreSQL has no single-writer lock to queue for")
def test_writers_take_turns(app):
    """Two threads in the block never overlap, and the lock file sits beside the database."""
    inside, overlaps = [], []

    def writer():
        with app.app_context(), write_turn():
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(True)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert os.path.exists(db.engine.url.database + ".write-lock")
