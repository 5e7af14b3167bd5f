"""The live figures of the console and the projector, computed at most once per interval.

Every console and the projector poll their live part every few seconds. Each poll used to count
every answer again, once per viewer. Here each figure set — the console's (turnout, the open
rounds' tallies, the latest comments) and the projector's (turnout, the revealed round's
tallies) — is computed at most once per ``LIVE_CACHE_SECONDS`` in each process and event, and
every viewer of that process reads the same result.

The first poll after the interval starts the next computation in a thread of its own and, like
every poll until it is done, takes the previous result: no poll waits for the counting (at
160,000 answers it takes far longer than a poll may), and never do two computations of the same
figures run at once. A vote therefore shows at the first poll after the interval and that
computation.

A result is kept for the ``state_version`` it was computed under (consult/events/models.py):
after a round is opened, closed or revealed, a deadline passes, a threshold changes or a
participant is voided, no poll takes a result of the earlier state — the first computes (the
others wait for it), so the change shows at the next poll.

The figures are the ones every surface shows (``report.live_results``, ``responded_rows``,
``queries``); this module only decides how often they are computed. They are read in a
database session of their own, closed at once: the rows a result holds then belong to no
request, and any thread may read what was loaded (never load more: a lazy load raises).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.agenda.models import Item, Round, RoundState
from consult.agenda.queries import rounds_accepting_answers
from consult.events.models import Event
from consult.extensions import db
from consult.results import queries
from consult.results.report import live_results, responded_rows
from consult.voting.models import Response

log = logging.getLogger(__name__)

#: How many latest comments of each open round the console shows.
LATEST_COMMENTS = 50
#: The longest a poll waits for another thread's computation before computing itself.
WAIT_SECONDS = 20.0


@dataclass
class Snapshot:
    """One computed figure set, shared by every viewer of this process (read only)."""

    #: The event's ``state_version`` it was computed under.
    version: int
    #: What the views lay out: plain values, and rows loaded in a closed session.
    data: dict
    #: ``time.monotonic`` (or the cache's clock) when it was computed.
    at: float
    #: Shared renderings, by variant (language, page…): (html, digest of the html).
    rendered: dict = field(default_factory=dict)

    def render(self, variant: Hashable, render: Callable[[], str]) -> tuple[str, str]:
        """The rendering of this snapshot for ``variant``, made once; and its digest (an ETag).

        Only for HTML that is the same for every viewer of that variant: never a form token.
        """
        done = self.rendered.get(variant)
        if done is None:
            html = render()
            digest = hashlib.blake2b(html.encode(), digest_size=9).hexdigest()
            done = self.rendered.setdefault(variant, (html, digest))
        return done


class LiveCache:
    """Snapshots by key, each recomputed at most once per ``seconds`` (0: on every call).

    ``compute()`` returns ``(version, data)``: the state version it read, and the figures.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        #: Tests set a clock they move by hand.
        self.clock = clock
        #: Computations made, by the key's first part ("console", "screen"): what tests count.
        self.computed: Counter = Counter()
        self._lock = threading.Lock()
        self._entries: dict[Hashable, Snapshot] = {}
        self._running: dict[Hashable, threading.Event] = {}
        #: Bumped by ``discard``: a computation begun before it is not kept.
        self._epoch = 0

    def get(self, key: tuple, version: int, compute: Callable[[], tuple[int, dict]], *,
            fresh: bool = False) -> Snapshot:
        """The snapshot of ``key`` for state ``version`` (or a later one).

        Younger than the interval, it is returned as it is. Older, it is returned too, and a
        thread of its own computes the next one unless one does already. With no snapshot of
        this state, the caller waits for the thread computing it, or computes it itself.
        ``fresh``: compute now whatever is kept (a page load; the result is kept for the polls).
        """
        if self.seconds <= 0:
            return self._compute(key, compute)
        while True:
            with self._lock:
                kept = self._entries.get(key)
                usable = kept is not None and kept.version >= version and not fresh
                if usable and self.clock() - kept.at < self.seconds:
                    return kept
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = threading.Event()
                    if not usable:
                        break
                    threading.Thread(target=self._refresh, args=(key, compute, running),
                                     name=f"live-{key[0]}-{key[1]}", daemon=True).start()
                if usable:
                    return kept  # the next one is on its way: the previous one meanwhile
            if not running.wait(WAIT_SECONDS):
                return self._compute(key, compute)  # stuck: do not wait on it
        try:
            return self._compute(key, compute)
        finally:
            self._done(key, running)

    def wait_idle(self, timeout: float = WAIT_SECONDS) -> bool:
        """Wait until no computation runs (tests and benchmarks); whether none does."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                running = next(iter(self._running.values()), None)
            if running is None:
                return True
            if not running.wait(max(0.0, deadline - time.monotonic())):
                return False

    def _refresh(self, key, compute, running: threading.Event) -> None:
        try:
            self._compute(key, compute)
        except Exception:  # the previous result stays; the next poll after it tries again
            log.exception("live figures %s not computed", key)
        finally:
            self._done(key, running)

    def _compute(self, key, compute) -> Snapshot:
        epoch = self._epoch
        version, data = compute()
        snapshot = Snapshot(version=version, data=data, at=self.clock())
        with self._lock:
            self.computed[key[0]] += 1
            kept = self._entries.get(key)
            if (kept is None or kept.version <= version) and epoch == self._epoch:
                self._entries[key] = snapshot
            self._forget_old()
        return snapshot

    def _done(self, key, running: threading.Event) -> None:
        with self._lock:
            self._running.pop(key, None)
        running.set()

    def discard(self, event_id: int) -> None:
        """Drop what is kept for an event (its next poll computes)."""
        with self._lock:
            self._epoch += 1
            for key in [k for k in self._entries if k[1] == event_id]:
                del self._entries[key]

    def _forget_old(self) -> None:
        """Drop snapshots nobody has asked for in a while (an event that ended)."""
        limit = max(300.0, 10 * self.seconds)
        now = self.clock()
        for key in [k for k, s in self._entries.items() if now - s.at > limit]:
            del self._entries[key]


def live_cache() -> LiveCache:
    """This process's cache for the current app."""
    return current_app.extensions["consult.live_cache"]


def init_app(app) -> None:
    app.extensions["consult.live_cache"] = LiveCache(float(app.config["LIVE_CACHE_SECONDS"]))


def _own_session(compute: Callable[[Event], dict], event_id: int
                 ) -> Callable[[], tuple[int, dict]]:
    """Run ``compute(event)`` in a database session of its own, closed when it returns, in
    this thread or another; return the event's state version it read, and what it computed."""
    app = current_app._get_current_object()

    def run() -> tuple[int, dict]:
        # A new application context has its own scoped session; leaving it closes the
        # session, so the rows it loaded are detached, with what was loaded kept.
        with app.app_context():
            event = db.session.get(Event, event_id)
            return event.state_version, compute(event)
    return run


def console_snapshot(event: Event, *, fresh: bool = False) -> Snapshot:
    """Turnout, tallies and latest comments of the open rounds, for the console."""
    return live_cache().get(("console", event.id), event.state_version,
                            _own_session(_console_figures, event.id), fresh=fresh)


def screen_snapshot(event: Event) -> Snapshot:
    """Turnout, the open rounds and the revealed round's tallies, for the projector."""
    return live_cache().get(("screen", event.id), event.state_version,
                            _own_session(_screen_figures, event.id))


def _round_items(round_ids) -> list[Item]:
    """The items of these rounds, round by round in their order (ids and order are all
    ``live_results`` needs from them)."""
    round_ids = list(round_ids)
    if not round_ids:
        return []
    return list(db.session.scalars(
        select(Item).join(Round, Round.id == Item.round_id).where(Item.round_id.in_(round_ids))
        .order_by(Round.position, Item.round_position)))


def _turnout(event: Event) -> dict:
    """Joined by group and in all, and who answered each round (plain rows)."""
    return {"joined_rows": queries.joined_by_group(event.id),
            "joined_total": queries.joined_count(event.id),
            # A plain dict: a defaultdict would grow when a viewer reads a missing round.
            "responded_rows": dict(responded_rows(event.id))}


def _console_figures(event: Event) -> dict:
    rounds = rounds_accepting_answers(event.id)
    # One report and one turnout query for all open rounds, whatever their number.
    figures = defaultdict(list)
    for result in live_results(event, _round_items(r.id for r in rounds)):
        figures[result.item.round_id].append(result)
    comments = {}
    for round_ in rounds:
        # The latest comments, the voided participants' left out as from every figure.
        comments[round_.id] = db.session.scalars(
            queries.Filters(event_id=event.id).narrow_people(
                select(Response).where(Response.round_id == round_.id,
                                       Response.comment.is_not(None)),
                None, None, None, Response.participant_id)
            .order_by(Response.updated_at.desc()).limit(LATEST_COMMENTS)
            .options(selectinload(Response.item))
        ).all()
    return {**_turnout(event), "rounds": rounds, "comments": comments,
            "figures": {r.id: figures[r.id] for r in rounds}}


def _screen_figures(event: Event) -> dict:
    revealed = shown_reveal(event)
    return {**_turnout(event), "rounds": rounds_accepting_answers(event.id), "revealed": revealed,
            "figures": live_results(event, _round_items([revealed.id])) if revealed else []}


def shown_reveal(event: Event) -> Round | None:
    """The revealed round the projector shows: the room sees the current round.

    A reveal shows when it is newer than the latest opening of any round: once the next round
    opens, the earlier results leave the screen (also after that round closes, so they are
    never taken for its results) until the facilitator reveals again.
    """
    revealed = db.session.scalars(
        select(Round).where(Round.event_id == event.id, Round.results_revealed.is_(True),
                            Round.state != RoundState.draft.value,
                            Round.revealed_at.is_not(None))
        .order_by(Round.revealed_at.desc()).limit(1)
        # The row just read, not a copy loaded earlier in this request: another request may
        # have revealed it meanwhile, and the old copy's revealed_at is None (a 500 before).
        .execution_options(populate_existing=True)
    ).first()
    if revealed is None:
        return None
    latest_opening = db.session.scalar(
        select(func.max(Round.opened_at)).where(Round.event_id == event.id))
    return revealed if latest_opening is None or revealed.revealed_at >= latest_opening else None
