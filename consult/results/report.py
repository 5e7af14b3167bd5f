"""The one path every surface reads its figures from (DESIGN.md section 4).

``build_report(event, filters)`` returns every item's figures — overall, by sector and by
gender, the consensus status of agreement items, the priority scores and the modified Borda
points of ranking items — and ``live_results(event, items)`` the same figures for the items of
one round. The results page, the item page, the console's live panel, the projector and the
workbook lay out what these return; none computes a share itself. (The CSV holds the raw
responses these figures are counted from, not figures.)

Counting is done in SQL by ``queries`` (a fixed number of GROUP BY queries per call, whatever the
number of participants: three per tally, plus two when a follow-up item needs its earlier item's
answers); turning counts into shares is ``figures``; the status rules are ``consensus``.

Shares shown for each kind: agreement, % of the answers with an opinion; priority, choice and
multi, % of the participants who answered the item; ranking, % of all Borda points given.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, Item, ItemKind, Round, Section
from consult.events.models import Event
from consult.extensions import db
from consult.i18n import tr_text
from consult.participants.models import Gender
from consult.results import queries
from consult.results.consensus import Consensus, GroupAgreement, Status, Thresholds, consensus
from consult.results.figures import (
    Shares,
    agreement_counts,
    agreement_shares,
    category_shares,
    group_table,
    mean_of,
    pct_agree,
    ranking_shares,
)

GENDERS = [g.value for g in Gender]

#: Labels of the bar keys that are not options.
BAR_LABELS = {
    "agree": AGREEMENT_SCALE[4],
    "neutral": AGREEMENT_SCALE[3],
    "disagree": AGREEMENT_SCALE[2],
    **{f"priority-{k}": v for k, v in PRIORITY_SCALE.items()},
}


@dataclass
class GroupCell:
    """One item's figures for one group (a sector, a gender, or everyone)."""

    n: int  #: answers (no opinion included)
    counts: dict  #: value → n, or option id → n
    shares: Shares | None
    mean: float | None = None
    score: float | None = None  #: priority score (high 3, medium 2, low 1)
    points: dict | None = None  #: ranking: option id → modified Borda points

    @property
    def score_shown(self) -> bool:
        """Whether this group's priority score may be shown (it has one, and is not a small cell)."""
        return self.score is not None and not self.shares.suppressed

    @property
    def no_opinion(self) -> int:
        """Answers "no opinion" (agreement items; 0 for the other kinds)."""
        return self.shares.no_opinion if self.shares is not None else 0


@dataclass
class ItemResult:
    item: Item
    section: Section
    overall: GroupCell
    by_sector: dict = field(default_factory=dict)  #: sector id → GroupCell
    by_gender: dict = field(default_factory=dict)  #: gender → GroupCell
    consensus: Consensus | None = None
    follow_shift: float | None = None  #: % agree now minus % agree of the followed item
    follow_sector_shift: dict = field(default_factory=dict)
    order: int = 0  #: position in agenda order (ties in rankings keep it)

    @property
    def points(self) -> dict | None:
        """Ranking items: option id → modified Borda points, everyone counted."""
        return self.overall.points

    @property
    def n(self) -> int:
        return self.overall.n

    @property
    def shares(self) -> Shares | None:
        return self.overall.shares

    @property
    def status(self) -> Status | None:
        return self.consensus.status if self.consensus is not None else None

    @property
    def bars(self) -> list[tuple]:
        """(key, percentage) rows to draw: a bar key of ``BAR_LABELS`` or an option."""
        pct = self.overall.shares.pct if self.overall.shares is not None else {}
        if self.item.kind == ItemKind.agreement:
            return [(key, pct.get(key)) for key in ("agree", "neutral", "disagree")]
        if self.item.kind == ItemKind.priority:
            return [(f"priority-{k}", pct.get(k)) for k in PRIORITY_SCALE]
        if self.item.uses_options:
            return [(o, pct.get(o.id)) for o in self.item.options]
        return []

    def cell(self, sector_id: int | None = None) -> GroupCell:
        """The overall cell, or one sector's."""
        return self.overall if sector_id is None else self.by_sector[sector_id]

    def ranked_options(self, sector_id: int | None = None) -> list[tuple]:
        """Ranking items: (option, points), most points first (ties: option order)."""
        if self.item.kind != ItemKind.ranking:
            return []
        points = self.cell(sector_id).points or {}
        order = sorted(enumerate(self.item.options),
                       key=lambda pair: (-points.get(pair[1].id, 0), pair[0]))
        return [(option, points.get(option.id, 0)) for _, option in order]


@dataclass
class Report:
    event: Event
    filters: queries.Filters
    thresholds: Thresholds
    items: list[ItemResult]

    def by_id(self, item_id: int) -> ItemResult | None:
        return next((r for r in self.items if r.item.id == item_id), None)

    @property
    def agreement_items(self) -> list[ItemResult]:
        return [r for r in self.items if r.item.kind == ItemKind.agreement]

    def priority_ranking(self, sector_id: int | None = None) -> list[ItemResult]:
        """Priority items by score, highest first (ties: agenda order), overall or in a sector.

        An item whose score is not shown in that group (no answers, or fewer than the small-cell
        minimum) comes last, in agenda order, so its place does not reveal the score.
        """
        def key(result):
            cell = result.cell(sector_id)
            return (0, -cell.score, result.order) if cell.score_shown else (1, 0, result.order)

        return sorted((r for r in self.items if r.item.kind == ItemKind.priority), key=key)


def _cell(item: Item, counts: dict, n: int, min_cell: int, points: dict | None) -> GroupCell:
    if item.kind == ItemKind.agreement:
        return GroupCell(n=n, counts=counts, shares=agreement_shares(counts, min_cell),
                         mean=mean_of(counts))
    if item.kind == ItemKind.priority:
        return GroupCell(n=n, counts=counts,
                         shares=category_shares(counts, n, min_cell, list(PRIORITY_SCALE)),
                         score=mean_of(counts))
    keys = [o.id for o in item.options]
    if item.kind == ItemKind.ranking:
        points = points or {}
        return GroupCell(n=n, counts=counts, points=points,
                         shares=ranking_shares(points, n, min_cell, keys))
    if item.kind in (ItemKind.choice, ItemKind.multi):
        return GroupCell(n=n, counts=counts, shares=category_shares(counts, n, min_cell, keys))
    return GroupCell(n=n, counts={}, shares=None)


def event_items(event: Event, filters: queries.Filters) -> list[Item]:
    """The event's items in agenda order (section, then position), within the filters."""
    stmt = (select(Item).join(Section, Section.id == Item.section_id)
            .where(Item.event_id == event.id)
            .order_by(Section.position, Item.position)
            .options(selectinload(Item.options), selectinload(Item.section)))
    if filters.round_id is not None:
        stmt = stmt.where(Item.round_id == filters.round_id)
    if filters.section_id is not None:
        stmt = stmt.where(Item.section_id == filters.section_id)
    if filters.item_ids is not None:
        stmt = stmt.where(Item.id.in_(filters.item_ids))
    return list(db.session.scalars(stmt))


def build_report(event: Event, filters: queries.Filters | None = None) -> Report:
    """Compute every item's figures for ``event`` under ``filters``."""
    filters = filters or queries.Filters(event_id=event.id)
    items = event_items(event, filters)
    thresholds = Thresholds.of(event)
    min_cell = event.min_cell
    groups = (None, "sector", "gender")
    values = {by: queries.value_counts(filters, by) for by in groups}
    options = {by: queries.option_counts(filters, by) for by in groups}
    answered = {by: queries.answer_counts(filters, by) for by in groups}
    has_ranking = any(i.kind == ItemKind.ranking for i in items)
    points = {by: queries.borda_points(filters, by) if has_ranking else {} for by in groups}
    sector_labels = {s.id: SectorLabel(s) for s in event.sectors}

    def cell(item, by, key):
        counts = (options if item.uses_options else values)[by].get(key, {})
        return _cell(item, counts, answered[by].get(key, 0), min_cell, points[by].get(key))

    results = []
    for order, item in enumerate(items):
        overall = cell(item, None, (item.id,))
        result = ItemResult(item=item, section=item.section, overall=overall, order=order)
        for sector in event.sectors:
            result.by_sector[sector.id] = cell(item, "sector", (item.id, sector.id))
        for gender in GENDERS:
            result.by_gender[gender] = cell(item, "gender", (item.id, gender))
        if item.kind == ItemKind.agreement:
            result.consensus = consensus(
                overall.shares.base, agreement_counts(overall.counts)["agree"],
                [GroupAgreement(sid, sector_labels[sid], c.shares.base,
                                agreement_counts(c.counts)["agree"])
                 for sid, c in result.by_sector.items()],
                thresholds, n=overall.n)
        results.append(result)
    _follow_shifts(results, event, filters)
    return Report(event=event, filters=filters, thresholds=thresholds, items=results)


def live_results(event: Event, items: list[Item]) -> list[ItemResult]:
    """The figures of ``items`` (a round on the console or projector), in the order given."""
    if not items:
        return []
    report = build_report(event, queries.for_items(event.id, [i.id for i in items]))
    return [r for r in (report.by_id(i.id) for i in items) if r is not None]


def responded_rows(event_id: int, filters: queries.Filters | None = None) -> dict[int, list]:
    """Who answered each round, as (sector_id, gender, n) rows per round id (one query)."""
    rows = defaultdict(list)
    for round_id, *row in queries.responded_by_round(event_id, filters):
        rows[round_id].append(row)
    return rows


def participation(event: Event, filters: queries.Filters | None = None) -> dict:
    """Joined, and responded per round, by sector (rows) and gender (columns), under ``filters``.

    ``{"rounds": [Round], "joined": {sector_id: {gender: n}},
    "responded": {round_id: {sector_id: {gender: n}}}}``. Sector, gender and source narrow who
    counts; round and section narrow which answers count as having responded.
    """
    filters = filters or queries.Filters(event_id=event.id)
    stmt = select(Round).where(Round.event_id == event.id).order_by(Round.position)
    if filters.round_id is not None:
        stmt = stmt.where(Round.id == filters.round_id)
    rounds = db.session.scalars(stmt).all()
    sector_ids = [s.id for s in event.sectors]
    if filters.sector_id is not None:
        sector_ids = [s for s in sector_ids if s == filters.sector_id]
    genders = [g for g in GENDERS if filters.gender in (None, g)]
    by_round = responded_rows(event.id, filters)
    return {"rounds": rounds,
            "joined": group_table(queries.joined_by_group(event.id, filters), sector_ids,
                                  genders),
            "responded": {r.id: group_table(by_round[r.id], sector_ids, genders)
                          for r in rounds}}


class SectorLabel:
    """A sector's label in whatever language is current when it is shown."""

    def __init__(self, sector):
        self.sector = sector

    def __str__(self) -> str:
        return tr_text(self.sector, "label")


def _follow_shifts(results: list[ItemResult], event: Event, filters: queries.Filters) -> None:
    """For follow-up items, the change in % agree since the item they follow."""
    followers = [r for r in results if r.item.follows_item_id and r.item.kind == ItemKind.agreement]
    if not followers:
        return
    earlier_ids = tuple({r.item.follows_item_id for r in followers})
    earlier = queries.Filters(event_id=event.id, item_ids=earlier_ids, sector_id=filters.sector_id,
                              gender=filters.gender, source=filters.source)
    before = queries.value_counts(earlier)
    before_sector = queries.value_counts(earlier, "sector")
    for result in followers:
        then = pct_agree(before.get((result.item.follows_item_id,), {}))
        now = pct_agree(result.overall.counts)
        result.follow_shift = None if then is None or now is None else now - then
        for sector_id, cell in result.by_sector.items():
            then = pct_agree(before_sector.get((result.item.follows_item_id, sector_id), {}))
            now = pct_agree(cell.counts)
            if then is not None and now is not None:
                result.follow_sector_shift[sector_id] = now - then
