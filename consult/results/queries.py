"""Aggregation in SQL (GROUP BY), returning plain rows and dicts.

The console, the projector and (later) the results pages and the workbook all read their
numbers from these functions, so every view shows the same figures.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from consult.agenda.models import Item
from consult.extensions import db
from consult.participants.models import Participant
from consult.voting.models import Response, ResponseChoice


def value_counts(item_ids: list[int]) -> dict[int, dict[int, int]]:
    """Count answers per scale value (agreement, priority), per item."""
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    if not item_ids:
        return counts
    rows = db.session.execute(
        select(Response.item_id, Response.value, func.count())
        .where(Response.item_id.in_(item_ids), Response.value.is_not(None))
        .group_by(Response.item_id, Response.value)
    )
    for item_id, value, n in rows:
        counts[item_id][value] = n
    return counts


def option_counts(item_ids: list[int]) -> dict[int, dict[int, int]]:
    """Count how often each option was picked (choice, multi), per item."""
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    if not item_ids:
        return counts
    rows = db.session.execute(
        select(Response.item_id, ResponseChoice.option_id, func.count())
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .where(Response.item_id.in_(item_ids))
        .group_by(Response.item_id, ResponseChoice.option_id)
    )
    for item_id, option_id, n in rows:
        counts[item_id][option_id] = n
    return counts


def ranking_points(item_ids: list[int], places: dict[int, int]) -> dict[int, dict[int, int]]:
    """Borda points per option: a place p of k earns k - p + 1 (``places`` is k per item)."""
    points: dict[int, dict[int, int]] = defaultdict(dict)
    if not item_ids:
        return points
    rows = db.session.execute(
        select(Response.item_id, ResponseChoice.option_id, ResponseChoice.rank, func.count())
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .where(Response.item_id.in_(item_ids), ResponseChoice.rank.is_not(None))
        .group_by(Response.item_id, ResponseChoice.option_id, ResponseChoice.rank)
    )
    for item_id, option_id, rank, n in rows:
        k = places.get(item_id, rank)
        points[item_id][option_id] = points[item_id].get(option_id, 0) + max(k - rank + 1, 0) * n
    return points


def answer_counts(item_ids: list[int]) -> dict[int, int]:
    """Count the participants who answered each item."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(Response.item_id, func.count()).where(Response.item_id.in_(item_ids))
        .group_by(Response.item_id)
    )
    return dict(rows.all())


def joined_by_group(event_id: int) -> list[tuple[int | None, str | None, int]]:
    """Participants with a profile, as (sector_id, gender, count)."""
    return [tuple(r) for r in db.session.execute(
        select(Participant.sector_id, Participant.gender, func.count())
        .where(Participant.event_id == event_id, Participant.profile_completed_at.is_not(None))
        .group_by(Participant.sector_id, Participant.gender)
    )]


def responded_by_group(round_id: int) -> list[tuple[int | None, str | None, int]]:
    """Participants who answered at least one item of a round, as (sector_id, gender, count)."""
    return [tuple(r) for r in db.session.execute(
        select(Response.sector_id, Response.gender,
               func.count(func.distinct(Response.participant_id)))
        .where(Response.round_id == round_id)
        .group_by(Response.sector_id, Response.gender)
    )]


def joined_count(event_id: int) -> int:
    """How many participants have joined (profile filled)."""
    return db.session.scalar(
        select(func.count()).select_from(Participant)
        .where(Participant.event_id == event_id, Participant.profile_completed_at.is_not(None))
    ) or 0


def item_ids_of_round(round_id: int) -> list[int]:
    return list(db.session.scalars(select(Item.id).where(Item.round_id == round_id)))
