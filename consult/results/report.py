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
    converged,
    group_table,
    iqr,
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
    iqr: float | None = None  #: agreement: Q3 − Q1 of the answers with an opinion (inclusive)

    @property
    def score_shown(self) -> bool:
        """Whether this group's priority score may be shown (it has one, and is not a small cell)."""
        return self.score is not None and not self.shares.suppressed

    @property
    def no_opinion(self) -> int:
        """Answers "no opinion" (agreement items; 0 for the other kinds)."""
        return self.shares.no_opinion if self.shares is not None else 0


@dataclass
class SectorFollow:
    """One sector's figures in the earlier round and in the follow-up."""

    pct_before: float | None
    pct_after: float | None
    iqr_before: float | None  #: None unless the sector is eligible and shown in that round
    iqr_after: float | None

    @property
    def shift(self) -> float | None:
        if self.pct_before is None or self.pct_after is None:
            return None
        return self.pct_after - self.pct_before


@dataclass
class FollowUp:
    """An agreement item put to the room again, against the item it follows (Delphi re-vote).

    IQRs are of the 1–5 answers with an opinion (``figures.iqr``, inclusive quartiles); the
    spread is the consensus spread of each round; ``converged`` is ``figures.converged``.
    """

    earlier: Item
    pct_before: float | None  #: % agree overall (None when not shown as a percentage)
    pct_after: float | None
    iqr_before: float | None
    iqr_after: float | None
    spread_before: float | None  #: None with fewer than two eligible sectors
    spread_after: float | None
    sectors: dict = field(default_factory=dict)  #: sector id → SectorFollow

    @property
    def converged(self) -> bool | None:
        return converged(self.iqr_before, self.iqr_after, self.spread_before, self.spread_after)


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
    follow: FollowUp | None = None  #: agreement follow-ups: IQR, spread and convergence
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

    def shown_iqr(self, sector_id: int | None = None) -> float | None:
        """Agreement items: the IQR overall, or a sector's when it is eligible; None when the
        group is not shown as a percentage (the IQR of a small group is not published)."""
        if self.item.kind != ItemKind.agreement:
            return None
        cell = self.cell(sector_id)
        if cell.shares.suppressed:
            return None
        if sector_id is not None and sector_id not in {g.key for g in self.consensus.eligible}:
            return None
        return cell.iqr

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
                         mean=mean_of(counts), iqr=iqr(counts))
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


def build_report(event: Event, filters: queries.Filters | None = None, *,
                 by_gender: bool = True) -> Report:
    """Compute every item's figures for ``event`` under ``filters``.

    ``by_gender=False``: leave out the split by gender (``ItemResult.by_gender`` stays empty),
    a third of the counting, for surfaces that never show it.
    """
    filters = filters or queries.Filters(event_id=event.id)
    items = event_items(event, filters)
    thresholds = Thresholds.of(event)
    min_cell = event.min_cell
    groups = (None, "sector", "gender") if by_gender else (None, "sector")
    # Only the counts some item reads: a round of agreement items has no options to count.
    uses_values = any(not i.uses_options for i in items)
    uses_options = any(i.uses_options for i in items)
    values = {by: queries.value_counts(filters, by) if uses_values else {} for by in groups}
    options = {by: queries.option_counts(filters, by) if uses_options else {} for by in groups}
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
        for gender in GENDERS if by_gender else ():
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
    """The figures of ``items`` (a round on the console or projector), in the order given.

    Without the split by gender, which neither shows (``by_gender`` is empty).
    """
    if not items:
        return []
    report = build_report(event, queries.for_items(event.id, [i.id for i in items]),
                          by_gender=False)
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
    """For follow-up items, the change in % agree since the item they follow, and for agreement
    follow-ups the IQR and spread of both rounds and whether the room converged.

    Two GROUP BY queries (the earlier items' counts per value, overall and per sector), plus one
    to load the earlier items, whatever the number of follow-ups.
    """
    followers = [r for r in results if r.item.follows_item_id and r.item.kind == ItemKind.agreement]
    if not followers:
        return
    earlier_ids = tuple({r.item.follows_item_id for r in followers})
    earlier = queries.Filters(event_id=event.id, item_ids=earlier_ids, sector_id=filters.sector_id,
                              gender=filters.gender, source=filters.source)
    before = queries.value_counts(earlier)
    before_sector = queries.value_counts(earlier, "sector")
    earlier_items = {i.id: i for i in db.session.scalars(select(Item).where(
        Item.id.in_(earlier_ids)))}
    thresholds = Thresholds.of(event)
    labels = {s.id: SectorLabel(s) for s in event.sectors}
    for result in followers:
        then = pct_agree(before.get((result.item.follows_item_id,), {}))
        now = pct_agree(result.overall.counts)
        result.follow_shift = None if then is None or now is None else now - then
        for sector_id, cell in result.by_sector.items():
            then = pct_agree(before_sector.get((result.item.follows_item_id, sector_id), {}))
            now = pct_agree(cell.counts)
            if then is not None and now is not None:
                result.follow_sector_shift[sector_id] = now - then
        earlier_item = earlier_items.get(result.item.follows_item_id)
        if earlier_item is not None and earlier_item.kind == ItemKind.agreement:
            result.follow = _follow_up(result, earlier_item, before, before_sector, labels,
                                       thresholds, event.min_cell)


def _follow_up(result: ItemResult, earlier: Item, before: dict, before_sector: dict,
               labels: dict, t: Thresholds, min_cell: int) -> FollowUp:
    """The IQR and spread of an agreement item and of the item it follows (one figures path)."""
    counts = before.get((earlier.id,), {})
    by_sector = {sid: before_sector.get((earlier.id, sid), {}) for sid in result.by_sector}
    then = consensus(
        agreement_shares(counts, 1).base, agreement_counts(counts)["agree"],
        [GroupAgreement(sid, labels[sid], agreement_shares(c, 1).base,
                        agreement_counts(c)["agree"]) for sid, c in by_sector.items()], t)
    now = result.consensus
    # An IQR is shown (and compared) only for a group shown as a percentage, and by sector
    # only for a sector eligible in that round (DESIGN.md section 4).
    floor = max(min_cell, 1)
    sector_floor = max(min_cell, t.min_sector_n, 1)

    def shown(c: dict, at_least: int) -> float | None:
        return iqr(c) if agreement_shares(c, 1).base >= at_least else None

    follow = FollowUp(
        earlier=earlier,
        pct_before=pct_agree(counts) if agreement_shares(counts, 1).base >= floor else None,
        pct_after=None if result.overall.shares.suppressed else pct_agree(result.overall.counts),
        iqr_before=shown(counts, floor),
        iqr_after=shown(result.overall.counts, floor),
        spread_before=then.spread if len(then.eligible) >= 2 else None,
        spread_after=now.spread if now is not None and len(now.eligible) >= 2 else None)
    for sid, cell in result.by_sector.items():
        follow.sectors[sid] = SectorFollow(
            pct_before=pct_agree(by_sector[sid]) if agreement_shares(
                by_sector[sid], 1).base >= floor else None,
            pct_after=pct_agree(cell.counts) if not cell.shares.suppressed else None,
            iqr_before=shown(by_sector[sid], sector_floor),
            iqr_after=shown(cell.counts, sector_floor))
    return follow
