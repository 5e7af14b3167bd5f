"""Aggregation in SQL (GROUP BY), returning plain rows and dicts.

The tallies are read through ``report.build_report`` (the one figures path of every surface);
the turnout and participation counts directly. Each function runs a fixed number of queries,
whatever the number of participants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields

from sqlalchemy import Select, case, func, select

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

    def apply(self, stmt: Select, *, with_voided: bool = False) -> Select:
        """Add the WHERE clauses; ``stmt`` must select from responses.

        ``with_voided``: keep the answers of voided participants too — only for the raw
        Responses sheet and CSV, which list them with a mark; every figure leaves them out.
        """
        stmt = stmt.join(Item, Item.id == Response.item_id).where(Item.event_id == self.event_id)
        if self.item_ids is not None:
            stmt = stmt.where(Response.item_id.in_(self.item_ids))
        if self.round_id is not None:
            stmt = stmt.where(Item.round_id == self.round_id)
        if self.section_id is not None:
            stmt = stmt.where(Item.section_id == self.section_id)
        return self.narrow_people(stmt, Response.sector_id, Response.gender, Response.source,
                                  None if with_voided else Response.participant_id)

    def narrow_people(self, stmt: Select, sector, gender, source, participant_id) -> Select:
        """Add the who-counts filters on the given columns: sector, gender, source, and never
        a voided participant (``participant_id``: the column naming the participant; None only
        for the raw lists that mark them instead)."""
        for value, column in ((self.sector_id, sector), (self.gender, gender),
                              (self.source, source)):
            if value is not None:
                stmt = stmt.where(column == value)
        if participant_id is not None:
            stmt = stmt.where(participant_id.not_in(voided_ids(self.event_id)))
        return stmt

    def as_dict(self) -> dict:
        """The filters that are set (for the About sheet and the audit)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("event_id", "item_ids") and getattr(self, f.name) is not None}


def voided_ids(event_id: int) -> Select:
    """The ids of ``event_id``'s voided participants (a test phone, a duplicate), as a subquery.

    Few are ever voided, so ``NOT IN`` this list is cheap beside the tallies it narrows.
    """
    return select(Participant.id).where(Participant.event_id == event_id,
                                        Participant.voided_at.is_not(None))


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


def borda_points(filters: Filters, by: str | None = None) -> dict[tuple, dict[int, int]]:
    """Modified Borda points per option of ranking answers: {(item_id, *group): {option_id: points}}.

    A participant who ranked m options gives the option in place p m − p + 1 points
    (DESIGN.md section 4), so ranking fewer options never gains one more weight.
    """
    group = GROUPS[by]
    ranked = filters.apply(  # m: how many options each answer ranked
        select(ResponseChoice.response_id, func.count().label("m"))
        .select_from(Response)
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .where(ResponseChoice.rank.is_not(None))
        .group_by(ResponseChoice.response_id)).subquery()
    points = ranked.c.m - ResponseChoice.rank + 1
    stmt = filters.apply(
        select(Response.item_id, *group, ResponseChoice.option_id,
               func.sum(case((points > 0, points), else_=0)))
        .join(ResponseChoice, ResponseChoice.response_id == Response.id)
        .join(ranked, ranked.c.response_id == Response.id)
        .where(ResponseChoice.rank.is_not(None))
        .group_by(Response.item_id, *group, ResponseChoice.option_id)
    )
    result: dict[tuple, dict[int, int]] = defaultdict(dict)
    for *key, option_id, total in db.session.execute(stmt):
        result[tuple(_plain(k) for k in key)][option_id] = int(total)
    return result


def text_answers(filters: Filters) -> list:
    """Open-text answers with the sector and gender they were given in, agenda then answer order."""
    stmt = filters.apply(
        select(Response.id, Item.code, Response.sector_id, Response.gender, Response.source,
               Response.text_value, Response.updated_at)
        .where(Response.text_value.is_not(None), Response.text_value != "")
    ).order_by(Item.section_id, Item.position, Response.id)
    return db.session.execute(stmt).all()


def joined_by_group(event_id: int, filters: Filters | None = None
                    ) -> list[tuple[int | None, str | None, int]]:
    """Participants with a profile, as (sector_id, gender, count); narrowed by ``filters``."""
    stmt = (select(Participant.sector_id, Participant.gender, func.count())
            .where(Participant.event_id == event_id,
                   Participant.profile_completed_at.is_not(None))
            .group_by(Participant.sector_id, Participant.gender))
    stmt = (filters or Filters(event_id=event_id)).narrow_people(
        stmt, Participant.sector_id, Participant.gender, Participant.source, Participant.id)
    return [(s, _plain(g), n) for s, g, n in db.session.execute(stmt)]


def responded_by_group(round_id: int) -> list[tuple[int | None, str | None, int]]:
    """Participants who answered at least one item of a round, as (sector_id, gender, count)."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return []
    return [(s, _plain(g), n) for s, g, n in db.session.execute(
        Filters(event_id=round_.event_id).apply(
            select(Response.sector_id, Response.gender,
                   func.count(func.distinct(Response.participant_id)))
            .where(Response.round_id == round_id)
            .group_by(Response.sector_id, Response.gender))
    )]


def responded_by_round(event_id: int, filters: Filters | None = None
                       ) -> list[tuple[int, int | None, str | None, int]]:
    """Participants who answered in each round: (round_id, sector_id, gender, count).

    With ``filters``, only the answers they let through count (sector, gender, source, round,
    section).
    """
    filters = filters or Filters(event_id=event_id)
    return [(r, s, _plain(g), n) for r, s, g, n in db.session.execute(filters.apply(
        select(Response.round_id, Response.sector_id, Response.gender,
               func.count(func.distinct(Response.participant_id)))
        .join(Round, Round.id == Response.round_id).where(Round.event_id == event_id)
        .group_by(Response.round_id, Response.sector_id, Response.gender)
    ))]


def joined_count(event_id: int) -> int:
    """How many participants have joined (profile filled), the voided left out."""
    return db.session.scalar(Filters(event_id=event_id).narrow_people(
        select(func.count()).select_from(Participant)
        .where(Participant.event_id == event_id, Participant.profile_completed_at.is_not(None)),
        Participant.sector_id, Participant.gender, Participant.source, Participant.id)
    ) or 0


def _plain(value):
    """Enum members to their stored string, so keys compare with plain strings."""
    return value.value if hasattr(value, "value") else value
