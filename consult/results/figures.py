"""Pure functions turning counts into the shares people read (DESIGN.md section 4)."""

from __future__ import annotations

from dataclasses import dataclass, field

from consult.agenda.models import NO_OPINION


@dataclass
class Shares:
    """Counts and percentages of one item; ``suppressed`` when the cell is too small."""

    n: int  #: answers, "no opinion" included
    base: int  #: answers the percentages are of
    pct: dict = field(default_factory=dict)  #: key → percentage (0–100), unrounded
    suppressed: bool = False


def agreement_shares(counts: dict[int, int], min_cell: int) -> Shares:
    """% agree (4–5), neutral (3), disagree (1–2) of the answers with an opinion."""
    n = sum(counts.values())
    base = n - counts.get(NO_OPINION, 0)
    shares = Shares(n=n, base=base, suppressed=base < min_cell)
    if base and not shares.suppressed:
        shares.pct = {
            "agree": 100 * (counts.get(4, 0) + counts.get(5, 0)) / base,
            "neutral": 100 * counts.get(3, 0) / base,
            "disagree": 100 * (counts.get(1, 0) + counts.get(2, 0)) / base,
        }
    return shares


def category_shares(counts: dict, n: int, min_cell: int, keys) -> Shares:
    """Share of the ``n`` answering participants per key (priority levels, options)."""
    shares = Shares(n=n, base=n, suppressed=n < min_cell)
    if n and not shares.suppressed:
        shares.pct = {k: 100 * counts.get(k, 0) / n for k in keys}
    return shares


def group_table(rows, sector_ids, genders) -> dict:
    """Turn (sector_id, gender, count) rows into {sector_id: {gender: n}} with totals."""
    table = {s: dict.fromkeys(genders, 0) for s in sector_ids}
    for sector_id, gender, n in rows:
        table.setdefault(sector_id, dict.fromkeys(genders, 0))
        key = gender.value if hasattr(gender, "value") else gender
        table[sector_id][key] = table[sector_id].get(key, 0) + n
    return table
