"""The vote page, rendered once per round, language and version, then filled per participant.

When a round opens, every phone in the room asks for its page within seconds. The page is the
same for everyone but a few dozen values: which answers are checked or typed, which items say
"Saved", the form's token, the server's clock, the address the language switch returns to. So
the page is rendered once with a marker at each of those places (a *skeleton*), kept in a
small LRU cache per process, and each request fills the markers from the participant's stored
answers: a few hundred string pieces joined, instead of a Jinja render with ~60 catalog look-ups.

One template draws both: every per-participant value of ``voting/_item.html`` goes through
``answer_slot(*key)``, which writes the value in a normal render and a marker in a skeleton,
and both take the values from ``answer_values``. A filled skeleton is therefore the page a
normal render gives, byte for byte (tests/voting/test_page_cache.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from babel.dates import get_timezone
from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from consult.i18n import current_lang
from consult.timeutil import utcnow

#: Where a per-participant value goes in a skeleton. No page text holds a NUL byte (none gets
#: past the input cleaning); should one ever be stored in an item's wording, the count of
#: markers disagrees with the count of slots and that page is rendered in full (``UNCUT``).
MARK = "\x00"
#: Skeletons kept per process unless ``VOTE_PAGE_CACHE_SIZE`` says otherwise (0: no cache).
#: One is ~50 KB (16 items in Khmer): 256 are ~13 MB, rounds × 2 languages × a few versions.
DEFAULT_SIZE = 256


class _Uncut:
    """What the cache keeps for a page that cannot be cut: it is rendered in full, once a load."""

    def __repr__(self) -> str:
        return "UNCUT"


UNCUT = _Uncut()


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A rendered vote page cut at its per-participant values."""

    #: The page's text between the slots: one more piece than there are slots.
    parts: tuple[str, ...]
    #: What goes between ``parts[n]`` and ``parts[n + 1]``: a key of ``answer_values`` or
    #: ``request_values``.
    keys: tuple[tuple, ...]
    #: The round's items in page order, each with its options' codes by option id: what a
    #: stored answer is read against.
    option_codes: dict[int, dict[int, str]]

    @classmethod
    def of(cls, render: Callable[..., str], option_codes: dict[int, dict[int, str]]):
        """Render a page through ``render(**context)`` with markers; None if it cannot be cut."""
        keys: list[tuple] = []

        def slot(*key) -> Markup:
            keys.append(key)
            return Markup(MARK)  # noqa: S704 - a NUL byte, taken out again

        html = render(answer_slot=slot, csrf_token=lambda: slot("csrf"),
                      server_now=lambda: slot("now"), request=_RequestSlots(slot))
        parts = html.split(MARK)
        if len(parts) != len(keys) + 1:
            return None
        return cls(tuple(parts), tuple(keys), option_codes)

    def filled(self, answers: dict, slots: dict[tuple, str],
               saved_text: str | None = None) -> str:
        """The page of a participant with these stored answers (by item id), the request's
        ``slots`` (``request_values``) in place."""
        shown = {item_id: stored_shown(codes, answers.get(item_id))
                 for item_id, codes in self.option_codes.items()}
        return self.fill(answer_values(shown, {}, set(answers), saved_text) | slots)

    def fill(self, values: dict) -> str:
        """Return the page with each slot's value (empty for a key ``values`` lacks)."""
        out = [""] * (2 * len(self.keys) + 1)
        out[::2] = self.parts
        get = values.get
        out[1::2] = [get(key, "") for key in self.keys]
        return "".join(out)


class _RequestSlots:
    """What the skeleton's templates read of ``request``: the language switch's return address."""

    query_string = b""

    def __init__(self, slot):
        self._slot = slot

    @property
    def path(self) -> Markup:
        return self._slot("next")

    full_path = path


def stored_shown(codes: dict[int, str], response) -> dict:
    """What an item's fields show of a stored answer (a ``Response`` or a ``StoredAnswer``)."""
    values, ranks = set(), {}
    if response is not None:
        if response.value is not None:
            values.add(str(response.value))
        if response.text_value:
            values.add(response.text_value)
        for choice in response.choices:
            values.add(codes.get(choice.option_id, ""))
            if choice.rank:
                ranks[codes.get(choice.option_id, "")] = str(choice.rank)
    return {"values": values, "ranks": ranks,
            "comment": (response.comment or "") if response else ""}


def saved_label() -> str:
    """What an answered item's status says, in the current language."""
    return "✓ " + _("Saved")


def answer_values(shown: dict[int, dict], states: dict, saved: set[int],
                  saved_text: str | None = None) -> dict[tuple, str]:
    """The HTML of each answer slot of the page: what each item's fields show and its status.

    ``shown``: by item id, the values, ranks and comment its fields show; ``states``: by item
    id, what a submit just did (an ``ItemState``); ``saved``: the ids of the items answered;
    ``saved_text``: ``saved_label()``, when the caller has it already (the fast path).
    """
    values: dict[tuple, str] = {}
    for item_id, v in shown.items():
        for value in v["values"]:
            values["checked", item_id, value] = " checked"
        for code, place in v["ranks"].items():
            values["selected", item_id, code, place] = " selected"
        if v["values"]:
            # A text item's answer (a choice item never asks for its "text" slot).
            values["text", item_id] = escape(next(iter(v["values"])))
        if v["comment"]:
            values["open", item_id] = " open"
            values["comment", item_id] = escape(v["comment"])
        state = states.get(item_id)
        if state is not None and state.error:
            values["status-class", item_id] = " item-status-error"
            values["status", item_id] = f"{_('Not saved:')} {escape(state.error)}"
        elif (state is not None and state.saved) or item_id in saved:
            values["status-class", item_id] = " item-status-saved"
            saved_text = saved_text or saved_label()
            values["status", item_id] = saved_text
    return values


def writer(values: dict[tuple, str]) -> Callable[..., Markup]:
    """``answer_slot`` for a normal render: write each slot's value at once."""
    return lambda *key: Markup(values.get(key, ""))  # noqa: S704 - escaped in answer_values


def request_values() -> dict[tuple, str]:
    """The values of the slots that are this request's: form token, clock, return address."""
    return slot_values(generate_csrf(),
                       request.full_path if request.query_string else request.path)


def slot_values(csrf_token: str, path: str) -> dict[tuple, str]:
    """``request_values`` from plain values (the fast path has no request context)."""
    return {
        ("csrf",): escape(csrf_token),
        # As the ``server_now`` of the templates (consult/__init__.py) writes it.
        ("now",): escape(utcnow().isoformat(timespec="seconds") + "Z"),
        ("next",): escape(path),
    }


def fillable() -> bool:
    """Whether this request's page may be a filled skeleton.

    Not when it shows flashed messages (after a submit), nor for a signed-in staff member
    (their header and footer differ), nor on a request whose session was never opened.
    """
    return not ("_flashes" in session or getattr(session, "unopened", False)
                or current_user.is_authenticated)


def page_key(event, round_, is_open: bool) -> tuple:
    """What the vote page of ``round_`` depends on, but the participant and the request.

    ``round_.version`` changes with every change of the round's row (title, state, deadline);
    ``event.state_version`` with every change phones must notice, an agenda edit included
    (consult/agenda/editing.py); ``event.updated_at`` with any change of the event's row
    (title, digits, time zone). Whether the round takes answers changes at its deadline,
    before anyone closes it; the deadline says "at 14:00" or "on 3 May at 14:00" depending
    on today's date in the event's time zone.
    """
    return key_of(round_.id, round_.version, event.id, event.state_version, event.updated_at,
                  current_lang(), is_open, round_.closes_at, event.timezone, request.script_root)


def key_of(round_id: int, round_version: int, event_id: int, state_version: int,
           updated_at, lang: str, is_open: bool, closes_at, timezone: str,
           script_root: str) -> tuple:
    """``page_key`` from plain values (the fast path reads them in one statement)."""
    today = None
    if is_open and closes_at is not None:
        today = utcnow().replace(tzinfo=UTC).astimezone(get_timezone(timezone)).date()
    return (round_id, round_version, event_id, state_version, updated_at, lang, is_open, today,
            script_root)


class PageCache:
    """A thread-safe LRU, bounded in entries: the vote pages' skeletons, and the fast paths'
    status documents and verified signatures (consult/fastpath/)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def page_cache(app=None) -> PageCache | None:
    """The cache of vote pages of ``app`` (the current one by default) in this process; None
    when turned off."""
    app = app or current_app
    cache = app.extensions.get("vote_page_cache")
    if cache is None:
        size = app.config.get("VOTE_PAGE_CACHE_SIZE", DEFAULT_SIZE)
        if not size:
            return None
        cache = app.extensions.setdefault("vote_page_cache", PageCache(size))
    return cache
