"""Pure functions turning counts into the shares people read (DESIGN.md section 4).

Every percentage a surface shows comes from here: ``agreement_shares`` is the one place that
knows "% agree = answers 4 and 5 of the answers with an opinion", ``category_shares`` the share
of answering participants (priority, choice, multi), ``ranking_shares`` the share of Borda
points. ``round_half_up`` is the one rounding rule (62.5 → 63, as Excel shows it) and
``suppressed_text`` the one wording of a cell that is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from consult.agenda.models import NO_OPINION

#: Why a cell is not shown as a percentage (``Shares.hidden_because``).
NO_ANSWERS = "no_answers"
NO_OPINION_GIVEN = "no_opinion"
SMALL_GROUP = "small_group"


@dataclass
class Shares:
    """Counts and percentages of one item; ``suppressed`` when the cell is not shown."""

    n: int  #: answers, "no opinion" included
    base: int  #: answers the percentages are of
    pct: dict = field(default_factory=dict)  #: key → percentage (0–100), unrounded
    suppressed: bool = False

    @property
    def no_opinion(self) -> int:
        """Answers left out of the percentages ("no opinion" on an agreement item)."""
        return self.n - self.base

    @property
    def no_opinion_pct(self) -> float | None:
        """"No opinion" as a share of every answer."""
        return share(self.no_opinion, self.n)

    @property
    def hidden_because(self) -> str | None:
        """Why the cell is not shown: no answers, no answer with an opinion, a small group."""
        if not self.suppressed:
            return None
        if self.n == 0:
            return NO_ANSWERS
        if self.base == 0:
            return NO_OPINION_GIVEN
        return SMALL_GROUP


def suppressed_text(shares: Shares | None, min_cell: int) -> str | None:
    """The words shown instead of a percentage, or None when the cell is shown."""
    because = shares.hidden_because if shares is not None else None
    if because == NO_ANSWERS:
        return _("no answers")
    if because == NO_OPINION_GIVEN:
        return _("no opinion given")
    if because == SMALL_GROUP:
        return _("fewer than %(n)d answers", n=min_cell)
    return None


def round_half_up(value: float | None, digits: int = 0) -> float | None:
    """Round halves away from zero (62.5 → 63), as Excel and LibreOffice show a cell.

    The float's shortest decimal form is rounded, so 2.675 becomes 2.68 as a reader expects.
    """
    if value is None:
        return None
    step = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def share(part: int | float, base: int | float) -> float | None:
    """``part`` as a percentage of ``base`` (None when the base is empty)."""
    return 100 * part / base if base else None


def _suppressed(base: int, min_cell: int) -> bool:
    # An empty base is never shown, whatever the small-cell minimum.
    return base < max(min_cell, 1)


def agreement_counts(counts: dict[int, int]) -> dict[str, int]:
    """Answers grouped as agree (4–5), neutral (3), disagree (1–2) and no opinion."""
    return {"agree": counts.get(4, 0) + counts.get(5, 0), "neutral": counts.get(3, 0),
            "disagree": counts.get(1, 0) + counts.get(2, 0),
            "no_opinion": counts.get(NO_OPINION, 0)}


def agreement_shares(counts: dict[int, int], min_cell: int) -> Shares:
    """% agree (4–5), neutral (3), disagree (1–2) of the answers with an opinion."""
    groups = agreement_counts(counts)
    n = sum(counts.values())
    base = n - groups["no_opinion"]
    shares = Shares(n=n, base=base, suppressed=_suppressed(base, min_cell))
    if not shares.suppressed:
        shares.pct = {key: share(groups[key], base) for key in ("agree", "neutral", "disagree")}
    return shares


def pct_agree(counts: dict[int, int]) -> float | None:
    """% agree of a tally, whatever its size (for shifts and consensus, never published alone)."""
    return agreement_shares(counts, 1).pct.get("agree")


def category_shares(counts: dict, n: int, min_cell: int, keys) -> Shares:
    """Share of the ``n`` answering participants per key (priority levels, options)."""
    shares = Shares(n=n, base=n, suppressed=_suppressed(n, min_cell))
    if not shares.suppressed:
        shares.pct = {k: share(counts.get(k, 0), n) for k in keys}
    return shares


def ranking_shares(points: dict, n: int, min_cell: int, keys) -> Shares:
    """Share of all Borda points per option, among ``n`` answering participants.

    The one share shown for a ranking item everywhere (page, item page, console, projector,
    workbook): an option's points over the points given to every option.
    """
    shares = Shares(n=n, base=n, suppressed=_suppressed(n, min_cell))
    total = sum(points.values())
    if not shares.suppressed and total:
        shares.pct = {k: share(points.get(k, 0), total) for k in keys}
    return shares


def mean_of(counts: dict[int, int]) -> float | None:
    """Mean of the scale values answered, "no opinion" left out (agreement mean, priority score)."""
    scored = {v: n for v, n in counts.items() if v != NO_OPINION}
    total = sum(scored.values())
    return sum(v * n for v, n in scored.items()) / total if total else None


def group_table(rows, sector_ids, genders) -> dict:
    """Turn (sector_id, gender, count) rows into {sector_id: {gender: n}} with totals."""
    table = {s: dict.fromkeys(genders, 0) for s in sector_ids}
    for sector_id, gender, n in rows:
        table.setdefault(sector_id, dict.fromkeys(genders, 0))
        key = gender.value if hasattr(gender, "value") else gender
        table[sector_id][key] = table[sector_id].get(key, 0) + n
    return table


def quartile(counts: dict[int, int], p: float) -> float | None:
    """The ``p`` quantile (0–1) of the 1–5 answers with an opinion, by the inclusive method.

    The method of Excel's QUARTILE.INC and PERCENTILE.INC, LibreOffice's QUARTILE and numpy's
    default ("linear"): with the n answers sorted x[0] ≤ … ≤ x[n−1], h = (n − 1)·p and the
    quantile is x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). Computed exactly from the count of
    each scale value (the tally GROUP BY value), never from the answers one by one.
    """
    scored = sorted((v, n) for v, n in counts.items() if v != NO_OPINION and n > 0)
    total = sum(n for _, n in scored)
    if not total:
        return None
    h = (total - 1) * p
    low = int(h)

    def at(index: int) -> int:
        """The value in sorted position ``index``, read from the cumulative counts."""
        seen = 0
        for value, n in scored:
            seen += n
            if index < seen:
                return value
        return scored[-1][0]

    return at(low) + (h - low) * (at(min(low + 1, total - 1)) - at(low))


def iqr(counts: dict[int, int]) -> float | None:
    """Interquartile range Q3 − Q1 of the answers with an opinion (None without any).

    1, 2, 3, 4, 5 → Q1 2, Q3 4, IQR 2; answers all 4 → 0. In Excel:
    =QUARTILE.INC(range,3)-QUARTILE.INC(range,1) over the 1–5 answers, "no opinion" (0) left out.
    """
    q1, q3 = quartile(counts, 0.25), quartile(counts, 0.75)
    return None if q1 is None else q3 - q1


def converged(iqr_before: float | None, iqr_after: float | None, spread_before: float | None,
              spread_after: float | None) -> bool | None:
    """Whether the room converged on a re-voted item (DESIGN.md section 4).

    Converged: the IQR did not grow (after ≤ before) and the spread between eligible sectors
    narrowed (after < before; a spread already 0 that stays 0 counts as narrowed, having
    nowhere to go). None (not decided) when either round has no answer with an opinion, or
    fewer than two eligible sectors (no spread to compare: ``spread_*`` is None).
    """
    if None in (iqr_before, iqr_after, spread_before, spread_after):
        return None
    narrowed = spread_after < spread_before or spread_before == spread_after == 0
    return iqr_after <= iqr_before and narrowed
