"""The results of an event: every item's figures, overall, by sector and by gender.

``build_report`` runs a fixed handful of GROUP BY queries (it does not grow with the number of
participants) and applies the pure rules of ``figures`` and ``consensus``. The results page,
the projector, the CSV and the workbook all lay out what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.agenda.models import NO_OPINION, PRIORITY_SCALE, Item, ItemKind, Section
from consult.events.models import Event
from consult.extensions import db
from consult.i18n import tr_text
from consult.participants.models import Gender
from consult.results import queries
from consult.results.consensus import Consensus, GroupAgreement, Thresholds, consensus
from consult.results.figures import Shares, agreement_shares, category_shares

GENDERS = [g.value for g in Gender]


@dataclass
class GroupCell:
    """One item's figures for one group (a sector, a gender, or everyone)."""

    n: int  #: answers (no opinion included)
    counts: dict  #: value → n, or option id → n
    shares: Shares | None
    mean: float | None = None
    score: float | None = None  #: priority score (high 3, medium 2, low 1)


@dataclass
class ItemResult:
    item: Item
    section: Section
    overall: GroupCell
    by_sector: dict = field(default_factory=dict)  #: sector id → GroupCell
    by_gender: dict = field(default_factory=dict)  #: gender → GroupCell
    consensus: Consensus | None = None
    points: dict | None = None  #: ranking: option id → Borda points
    follow_shift: float | None = None  #: % agree now minus % agree of the followed item
    follow_sector_shift: dict = field(default_factory=dict)


@dataclass
class Report:
    event: Event
    filters: queries.Filters
    thresholds: Thresholds
    items: list[ItemResult]

    def by_id(self, item_id: int) -> ItemResult | None:
        return next((r for r in self.items if r.item.id == item_id), None)


def _mean(counts: dict[int, int]) -> float | None:
    scored = {v: n for v, n in counts.items() if v != NO_OPINION}
    total = sum(scored.values())
    return sum(v * n for v, n in scored.items()) / total if total else None


def _cell(item: Item, counts: dict, n: int, min_cell: int) -> GroupCell:
    if item.kind == ItemKind.agreement:
        return GroupCell(n=n, counts=counts, shares=agreement_shares(counts, min_cell),
                         mean=_mean(counts))
    if item.kind == ItemKind.priority:
        return GroupCell(n=n, counts=counts,
                         shares=category_shares(counts, n, min_cell, list(PRIORITY_SCALE)),
                         score=_mean(counts))
    if item.kind in (ItemKind.choice, ItemKind.multi, ItemKind.ranking):
        return GroupCell(n=n, counts=counts,
                         shares=category_shares(counts, n, min_cell, [o.id for o in item.options]))
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
    values = {by: queries.value_counts(filters, by) for by in (None, "sector", "gender")}
    options = {by: queries.option_counts(filters, by) for by in (None, "sector", "gender")}
    answered = {by: queries.answer_counts(filters, by) for by in (None, "sector", "gender")}
    ranks = queries.rank_counts(filters)
    sector_labels = {s.id: SectorLabel(s) for s in event.sectors}

    def counts_for(item, by, key):
        source = options if item.uses_options else values
        return source[by].get(key, {})

    results = []
    for item in items:
        overall = _cell(item, counts_for(item, None, (item.id,)),
                        answered[None].get((item.id,), 0), min_cell)
        result = ItemResult(item=item, section=item.section, overall=overall)
        for sector in event.sectors:
            key = (item.id, sector.id)
            result.by_sector[sector.id] = _cell(item, counts_for(item, "sector", key),
                                                answered["sector"].get(key, 0), min_cell)
        for gender in GENDERS:
            key = (item.id, gender)
            result.by_gender[gender] = _cell(item, counts_for(item, "gender", key),
                                             answered["gender"].get(key, 0), min_cell)
        if item.kind == ItemKind.agreement:
            result.consensus = consensus(
                overall.shares.base, _agree(overall.counts),
                [GroupAgreement(sid, sector_labels[sid], cell.shares.base, _agree(cell.counts))
                 for sid, cell in result.by_sector.items()],
                thresholds)
        elif item.kind == ItemKind.ranking:
            result.points = queries.borda_points(ranks.get(item.id, {}),
                                                 item.top_k or len(item.options))
        results.append(result)
    _follow_shifts(results, event, filters)
    return Report(event=event, filters=filters, thresholds=thresholds, items=results)


class SectorLabel:
    """A sector's label in whatever language is current when it is shown."""

    def __init__(self, sector):
        self.sector = sector

    def __str__(self) -> str:
        return tr_text(self.sector, "label")


def _agree(counts: dict[int, int]) -> int:
    return counts.get(4, 0) + counts.get(5, 0)


def _pct_agree(counts: dict[int, int]) -> float | None:
    base = sum(n for v, n in counts.items() if v != NO_OPINION)
    return 100 * _agree(counts) / base if base else None


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
        then = _pct_agree(before.get((result.item.follows_item_id,), {}))
        now = _pct_agree(result.overall.counts)
        result.follow_shift = None if then is None or now is None else now - then
        for sector_id, cell in result.by_sector.items():
            then = _pct_agree(before_sector.get((result.item.follows_item_id, sector_id), {}))
            now = _pct_agree(cell.counts)
            if then is not None and now is not None:
                result.follow_sector_shift[sector_id] = now - then
