"""Read-side queries for the vote page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.agenda.models import Item
from consult.extensions import db
from consult.voting.models import Response


def round_items(round_id: int) -> list[Item]:
    """Return the items of a round in order, with their options loaded."""
    return list(db.session.scalars(
        select(Item).where(Item.round_id == round_id).order_by(Item.round_position)
        .options(selectinload(Item.options))
    ))


def answers_of(participant_id: int, item_ids: list[int]) -> dict[int, Response]:
    """Return the participant's responses to these items, by item id."""
    if not item_ids:
        return {}
    rows = db.session.scalars(
        select(Response).where(Response.participant_id == participant_id,
                               Response.item_id.in_(item_ids))
        .options(selectinload(Response.choices))
    )
    return {r.item_id: r for r in rows}
