"""Per-item figures for the console and projector: queries plus the pure share rules."""

from __future__ import annotations

from dataclasses import dataclass

from consult.agenda.models import AGREEMENT_SCALE, PRIORITY_SCALE, Item, ItemKind
from consult.events.models import Event
from consult.results import queries
from consult.results.figures import Shares, agreement_shares, category_shares


@dataclass
class ItemFigures:
    item: Item
    n: int
    shares: Shares | None
    #: (label source, key, percentage or None) rows to draw as bars.
    bars: list


def item_figures(event: Event, items: list[Item]) -> list[ItemFigures]:
    """Compute the figures of ``items`` with one query per kind of tally."""
    filters = queries.for_items(event.id, [i.id for i in items])
    values = {k[0]: v for k, v in queries.value_counts(filters).items()}
    options = {k[0]: v for k, v in queries.option_counts(filters).items()}
    answered = {k[0]: v for k, v in queries.answer_counts(filters).items()}
    ranks = queries.rank_counts(filters) if any(
        i.kind == ItemKind.ranking for i in items) else {}
    points = {i.id: queries.borda_points(ranks.get(i.id, {}), i.top_k or len(i.options))
              for i in items if i.kind == ItemKind.ranking}
    result = []
    for item in items:
        n = answered.get(item.id, 0)
        shares, bars = None, []
        if item.kind == ItemKind.agreement:
            shares = agreement_shares(values.get(item.id, {}), event.min_cell)
            bars = [("agree", shares.pct.get("agree")), ("neutral", shares.pct.get("neutral")),
                    ("disagree", shares.pct.get("disagree"))]
        elif item.kind == ItemKind.priority:
            shares = category_shares(values.get(item.id, {}), n, event.min_cell, PRIORITY_SCALE)
            bars = [(f"priority-{k}", shares.pct.get(k)) for k in PRIORITY_SCALE]
        elif item.kind in (ItemKind.choice, ItemKind.multi):
            keys = [o.id for o in item.options]
            shares = category_shares(options.get(item.id, {}), n, event.min_cell, keys)
            bars = [(o, shares.pct.get(o.id)) for o in item.options]
        elif item.kind == ItemKind.ranking:
            total = sum(points.get(item.id, {}).values())
            shares = Shares(n=n, base=n, suppressed=n < event.min_cell)
            if total and not shares.suppressed:
                shares.pct = {o.id: 100 * points[item.id].get(o.id, 0) / total
                              for o in item.options}
            bars = [(o, shares.pct.get(o.id)) for o in item.options]
        result.append(ItemFigures(item=item, n=n, shares=shares, bars=bars))
    return result


#: Labels of the bar keys that are not options.
BAR_LABELS = {
    "agree": AGREEMENT_SCALE[4],
    "neutral": AGREEMENT_SCALE[3],
    "disagree": AGREEMENT_SCALE[2],
    **{f"priority-{k}": v for k, v in PRIORITY_SCALE.items()},
}
