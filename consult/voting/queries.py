"""Read-side queries for the vote page."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from consult.agenda.models import Item
from consult.extensions import db
from consult.voting.models import Response, ResponseChoice


def round_items(round_id: int) -> list[Item]:
    """Return the items of a round in order, with their options loaded."""
    return list(db.session.scalars(
        select(Item).where(Item.round_id == round_id).order_by(Item.round_position)
        .options(selectinload(Item.options))
    ))


@dataclass(slots=True)
class StoredChoice:
    """An option picked in a stored answer (its place, for a ranking)."""

    option_id: int
    rank: int | None


@dataclass(slots=True)
class StoredAnswer:
    """What the vote page shows of a stored answer: the fields it reads of a ``Response``."""

    value: int | None
    text_value: str | None
    comment: str | None
    choices: list[StoredChoice] = field(default_factory=list)


@cache
def stored_answers_query():
    """A participant's answers to the items of a round, a row per option picked (built once;
    the vote page's fast path runs the same statement on the driver)."""
    return (select(Response.item_id, Response.value, Response.text_value, Response.comment,
                   ResponseChoice.option_id, ResponseChoice.rank)
            .join(Item, Item.id == Response.item_id)
            .outerjoin(ResponseChoice, ResponseChoice.response_id == Response.id)
            .where(Response.participant_id == bindparam("participant_id"),
                   Item.round_id == bindparam("round_id")))


def stored_answers(participant_id: int, round_id: int) -> dict[int, StoredAnswer]:
    """Return the participant's answers to the round's items as plain rows, by item id (one
    query, no ORM objects: the cached vote page reads them on every load)."""
    return grouped_answers(db.session.execute(
        stored_answers_query(), {"participant_id": participant_id, "round_id": round_id}))


def grouped_answers(rows) -> dict[int, StoredAnswer]:
    """The rows of ``stored_answers_query`` as one ``StoredAnswer`` per item, by item id."""
    answers: dict[int, StoredAnswer] = {}
    for item_id, value, text_value, comment, option_id, rank in rows:
        answer = answers.get(item_id)
        if answer is None:
            answer = answers[item_id] = StoredAnswer(value, text_value, comment)
        if option_id is not None:
            answer.choices.append(StoredChoice(option_id, rank))
    return answers
