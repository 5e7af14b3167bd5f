"""Consensus rules of DESIGN.md section 4, as pure functions over counts.

Every comparison is on unrounded values and "≥" means ≥: an item at exactly 66.0 % overall
agreement meets a 66 % threshold; a spread of exactly 30 points fails "spread < 30".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from consult.enums import StrEnum
from consult.i18n import format_list, format_number, format_pct
from consult.results.figures import share


class Status(StrEnum):
    validated = "validated"
    contested = "contested"
    not_validated = "not_validated"
    no_answers = "no_answers"  #: nobody has answered yet: not a finding, shown in neutral grey


STATUS_LABELS = {
    Status.validated: _l("Validated"),
    Status.contested: _l("Contested"),
    Status.not_validated: _l("Not validated"),
    Status.no_answers: _l("No answers yet"),
}


@dataclass(frozen=True)
class Thresholds:
    """An event's thresholds (percentages 0–100 and minimum counts)."""

    validate_pct: float = 66.0
    sector_floor_pct: float = 50.0
    contest_pct: float = 50.0
    spread_pct: float = 30.0
    min_sector_n: int = 3

    @classmethod
    def of(cls, event) -> Thresholds:
        return cls(event.validate_pct, event.sector_floor_pct, event.contest_pct,
                   event.spread_pct, event.min_sector_n)


@dataclass(frozen=True)
class GroupAgreement:
    """One sector's answers to one agreement item."""

    key: object  #: the sector id
    label: str
    opinion_n: int  #: answers with an opinion (1–5)
    agree_n: int  #: answers 4 or 5

    @property
    def pct_agree(self) -> float | None:
        return share(self.agree_n, self.opinion_n)


@dataclass
class Consensus:
    status: Status
    overall_pct: float | None
    balanced_pct: float | None  #: mean of the eligible sectors' % agree
    spread: float  #: highest minus lowest eligible % agree (0 with fewer than two)
    thresholds: Thresholds
    eligible: list[GroupAgreement] = field(default_factory=list)
    below_floor: list[GroupAgreement] = field(default_factory=list)
    spread_pair: tuple[GroupAgreement, GroupAgreement] | None = None

    @property
    def wide(self) -> bool:
        return self.spread >= self.thresholds.spread_pct

    @property
    def reason(self) -> str:
        """Why, in words, in the current language (sector labels too)."""
        t = self.thresholds
        if self.status == Status.no_answers:
            return str(_l("Nobody has answered yet."))
        if self.overall_pct is None:
            return str(_l("No answer with an opinion yet."))
        overall = self.overall_pct
        problems = []
        if self.below_floor:
            problems.append(str(_l(
                "%(sectors)s below %(floor)s agreement.",
                sectors=format_list(f"{s.label} ({_pct(s.pct_agree)})" for s in self.below_floor),
                floor=_pct(t.sector_floor_pct))))
        if self.wide:
            high, low = self.spread_pair
            problems.append(str(_l(
                "%(high)s (%(high_pct)s) and %(low)s (%(low_pct)s) differ by %(spread)s points.",
                high=high.label, high_pct=_pct(high.pct_agree), low=low.label,
                low_pct=_pct(low.pct_agree), spread=_points(self.spread))))
        if self.status == Status.validated:
            return str(_l(
                "%(agree)s agree overall; every sector with enough answers is at or above "
                "%(floor)s and they differ by less than %(spread)s points.",
                agree=_pct(overall), floor=_pct(t.sector_floor_pct), spread=_points(t.spread_pct)))
        if self.status == Status.contested:
            return " ".join(problems)
        if overall < t.contest_pct:
            return str(_l(
                "Overall agreement %(agree)s is below %(threshold)s needed to validate and below "
                "%(contest)s needed to call it contested.", agree=_pct(overall),
                threshold=_pct(t.validate_pct), contest=_pct(t.contest_pct)))
        if overall < t.validate_pct:
            problems.insert(0, str(_l("Overall agreement %(agree)s is below %(threshold)s.",
                                      agree=_pct(overall), threshold=_pct(t.validate_pct))))
        return " ".join(problems)


def _points(value: float) -> str:
    """Points of a spread, written as the page writes numbers (Khmer digits if asked)."""
    return format_number(value, digits=0)


def _pct(value: float) -> str:
    return format_pct(value)


def consensus(opinion_n: int, agree_n: int, sectors: list[GroupAgreement],
              t: Thresholds, n: int | None = None) -> Consensus:
    """Decide validated / contested / not validated (``reason`` says why, in words).

    ``n`` counts every answer, "no opinion" included: with none at all the status is
    "no answers yet" (not a finding); answers all "no opinion" are "not validated".
    """
    overall = share(agree_n, opinion_n)
    eligible = [s for s in sectors if s.opinion_n >= t.min_sector_n]
    balanced = (sum(s.pct_agree for s in eligible) / len(eligible)) if eligible else None
    spread, pair = 0.0, None
    if len(eligible) >= 2:
        low = min(eligible, key=lambda s: s.pct_agree)
        high = max(eligible, key=lambda s: s.pct_agree)
        spread, pair = high.pct_agree - low.pct_agree, (high, low)
    below = [s for s in eligible if s.pct_agree < t.sector_floor_pct]
    result = Consensus(Status.not_validated, overall, balanced, spread, t, eligible, below, pair)
    if not (opinion_n if n is None else n):
        result.status = Status.no_answers
    if overall is None:
        return result
    problems = bool(below) or result.wide
    if overall >= t.validate_pct and not problems:
        result.status = Status.validated
    elif overall >= t.contest_pct and problems:
        result.status = Status.contested
    return result
