"""Aggregation in SQL (GROUP BY), returning plain rows and dicts.

The console, the projector, the results pages, the CSV and the workbook all read their numbers
from these functions, so every view shows the same figures. Each function runs a fixed number
of queries, whatever the number of participants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields

from sqlalchemy import Select, func, select

from consult.agenda.models import Item, Round
from consult.extensions import db
from consult.participants.models import Participant
from consult.voting.models import Response, ResponseChoice

#: Grouping columns a tally can be split by.
GROUPS = {
    None: (),
    "sector": (Response.sector_id,),
    "gender": (Response.gender,),
    "sector_gender": (Response.sector_id, Response.gender),
}


@dataclass(frozen=True)
class Filters:
    """Which responses count: by event always, and optionally narrower."""

    event_id: int
    round_id: int | None = None
    section_id: int | None = None
    sector_id: int | None = None
    gender: str | None = None
    source: str | None = None
    item_ids: tuple[int, ...] | None = None

    def apply(self, stmt: Select) -> Select:
        """Add the WHERE clauses; ``stmt`` must select from responses."""
        stmt = stmt.join(Item, Item.id == Response.item_id).where(Item.event_id == self.event_id)
        if self.item_ids is not None:
            stmt = stmt.where(Response.item_id.in_(self.item_ids))
        if self.round_id is not None:
            stmt = stmt.where(Item.round_id == self.round_id)
        if self.section_id is not None:
            stmt = stmt.where(Item.section_id == self.section_id)
        if self.sector_id is not None:
            stmt = stmt.where(Response.sector_id == self.sector_id)
        if self.gender is not None:
            stmt = stmt.where(Response.gender == self.gender)
        if self.source is not None:
            stmt = stmt.where(Response.source == self.source)
        return stmt

    def as_dict(self) -> dict:
        """The filters that are set (for the About sheet and the audit)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("event_id", "item_ids") and getattr(self, f.name) is not None}


def for_items(event_id: int, item_ids) -> Filters:
    return Filters(event_id=event_id, item_ids=tuple(item_ids))


def value_counts(filters: Filters, by: str | None = None) -> dict[tuple, dict[int, int]]:
    """Count answers per scale value (agreement, priority): {(item_id, *group): {value: n}}."""
    group = GROUPS[by]
    stmt = filters.apply(
        select(Response.item_id, *group, Response.value, func.count())
        .where(Response.value.is_not(None))
        .group_by(Response.item_id, *group, Response.value)
    )
    counts: dict[tuple, dict[int, int]] = defaultdict(dict)
    for *key, value, n in db.session.execute(stmt):
        counts[tuple(_plain(k) for k in key)][value] = n
    return counts


def answer_counts(filters: Filters, by: str | None = None) -> dict[tuple, int]:
    """Count the participants who answered each item: {(item_id, *group): n}."""
    group = GROUPS[by]
    stmt = filters.apply(
        select(Response.item_id, *group, func.count()).group_by(Response.item_id, *group)
    )
    return {tuple(_plain(k) for k in key): n for *key, n in db.session.execute(stmt)}


def option_counts(filters: Filters, by: str | None = None) -> dict[tuple, dict[int, int]]:
    """Count picks per option (choice, multi, ranking): {(item_id, *group): {option_id: n}}."""
    group = GROUPS[by]
    stmt = filters.apply(
        select(Response.item_id, *group, ResponseChoice.option_id, func.count())
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .group_by(Response.item_id, *group, ResponseChoice.option_id)
    )
    counts: dict[tuple, dict[int, int]] = defaultdict(dict)
    for *key, option_id, n in db.session.execute(stmt):
        counts[tuple(_plain(k) for k in key)][option_id] = n
    return counts


def rank_counts(filters: Filters) -> dict[int, dict[tuple[int, int], int]]:
    """Count (option, place) pairs of ranking answers: {item_id: {(option_id, rank): n}}."""
    stmt = filters.apply(
        select(Response.item_id, ResponseChoice.option_id, ResponseChoice.rank, func.count())
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .where(ResponseChoice.rank.is_not(None))
        .group_by(Response.item_id, ResponseChoice.option_id, ResponseChoice.rank)
    )
    counts: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for item_id, option_id, rank, n in db.session.execute(stmt):
        counts[item_id][(option_id, rank)] = n
    return counts


def borda_points(ranks: dict[tuple[int, int], int], places: int) -> dict[int, int]:
    """Borda points per option: a place p of k earns k − p + 1."""
    points: dict[int, int] = defaultdict(int)
    for (option_id, rank), n in ranks.items():
        points[option_id] += max(places - rank + 1, 0) * n
    return dict(points)


def joined_by_group(event_id: int) -> list[tuple[int | None, str | None, int]]:
    """Participants with a profile, as (sector_id, gender, count)."""
    return [(s, _plain(g), n) for s, g, n in db.session.execute(
        select(Participant.sector_id, Participant.gender, func.count())
        .where(Participant.event_id == event_id, Participant.profile_completed_at.is_not(None))
        .group_by(Participant.sector_id, Participant.gender)
    )]


def responded_by_group(round_id: int) -> list[tuple[int | None, str | None, int]]:
    """Participants who answered at least one item of a round, as (sector_id, gender, count)."""
    return [(s, _plain(g), n) for s, g, n in db.session.execute(
        select(Response.sector_id, Response.gender,
               func.count(func.distinct(Response.participant_id)))
        .where(Response.round_id == round_id)
        .group_by(Response.sector_id, Response.gender)
    )]


def responded_by_round(event_id: int) -> list[tuple[int, int | None, str | None, int]]:
    """Participants who answered in each round: (round_id, sector_id, gender, count)."""
    return [(r, s, _plain(g), n) for r, s, g, n in db.session.execute(
        select(Response.round_id, Response.sector_id, Response.gender,
               func.count(func.distinct(Response.participant_id)))
        .join(Round, Round.id == Response.round_id).where(Round.event_id == event_id)
        .group_by(Response.round_id, Response.sector_id, Response.gender)
    )]


def joined_count(event_id: int) -> int:
    """How many participants have joined (profile filled)."""
    return db.session.scalar(
        select(func.count()).select_from(Participant)
        .where(Participant.event_id == event_id, Participant.profile_completed_at.is_not(None))
    ) or 0


def _plain(value):
    """Enum members to their stored string, so keys compare with plain strings."""
    return value.value if hasattr(value, "value") else value
