"""Consensus rules on hand-computed cases, including every edge of DESIGN.md section 4."""

from __future__ import annotations

import pytest

from consult.results.consensus import GroupAgreement, Status, Thresholds, consensus

T = Thresholds()
EN = {"Accept-Language": "en"}  # the reasons are read in English


def g(label, opinion, agree):
    return GroupAgreement(key=label, label=label, opinion_n=opinion, agree_n=agree)


def test_no_answers_yet_is_not_a_finding(app):
    with app.test_request_context(headers=EN):
        result = consensus(0, 0, [], T, n=0)
        assert result.status == Status.no_answers and result.overall_pct is None
        assert result.balanced_pct is None and result.spread == 0
        assert "Nobody has answered yet" in result.reason


def test_answers_all_no_opinion_are_not_validated(app):
    with app.test_request_context(headers=EN):
        result = consensus(0, 0, [], T, n=21)
        assert result.status == Status.not_validated and result.overall_pct is None
        assert "No answer with an opinion" in result.reason


def test_reasons_round_half_up(app):
    with app.test_request_context(headers=EN):
        # 5 of 8 = 62.5 %: "63%", as Excel shows it (Python's round would say 62).
        r = consensus(8, 5, [], Thresholds(validate_pct=70))
        assert "Overall agreement 63% is below 70%" in r.reason


def test_validated(app):
    with app.test_request_context(headers=EN):
        r = consensus(20, 16, [g("Government", 10, 8), g("Academia", 10, 8)], T)
        assert r.status == Status.validated and r.overall_pct == 80
        assert r.balanced_pct == 80 and r.spread == 0


def test_sector_below_floor_makes_it_contested_and_names_the_sector(app):
    with app.test_request_context(headers=EN):
        r = consensus(20, 14, [g("Government", 16, 13), g("Civil society", 4, 1)], T)
        assert r.overall_pct == 70 and r.status == Status.contested
        assert "Civil society (25%)" in r.reason and "below 50%" in r.reason
        assert r.balanced_pct == pytest.approx((81.25 + 25) / 2)


def test_a_sector_below_min_sector_n_is_not_eligible(app):
    with app.test_request_context(headers=EN):
        # Civil society has 2 answers with an opinion (< 3): ignored, so validated.
        r = consensus(12, 9, [g("Government", 10, 9), g("Civil society", 2, 0)], T)
        assert [s.label for s in r.eligible] == ["Government"]
        assert r.status == Status.validated and r.spread == 0 and r.balanced_pct == 90


def test_overall_exactly_at_the_threshold_validates(app):
    with app.test_request_context(headers=EN):
        t = Thresholds(validate_pct=75)
        assert consensus(4, 3, [], t).status == Status.validated  # 75.0 ≥ 75


def test_sector_exactly_at_the_floor_is_not_below(app):
    with app.test_request_context(headers=EN):
        r = consensus(14, 10, [g("A", 4, 2), g("B", 10, 8)], Thresholds(spread_pct=31))
        # A: 50.0 (= floor), B: 80.0, spread 30 < 31.
        assert r.below_floor == [] and r.status == Status.validated


def test_spread_of_exactly_30_points_is_contested_and_names_the_two_sectors(app):
    with app.test_request_context(headers=EN):
        r = consensus(20, 15, [g("Industry", 10, 9), g("Academia", 10, 6)], T)
        assert r.spread == pytest.approx(30) and r.overall_pct == 75
        assert r.status == Status.contested
        assert "Industry (90%) and Academia (60%) differ by 30 points" in r.reason


def test_between_contest_and_validate_without_disagreement_is_not_validated(app):
    with app.test_request_context(headers=EN):
        r = consensus(10, 6, [g("A", 5, 3), g("B", 5, 3)], T)
        assert r.overall_pct == 60 and r.status == Status.not_validated
        assert "below 66%" in r.reason


def test_below_contest_is_not_validated_even_with_a_wide_spread(app):
    with app.test_request_context(headers=EN):
        r = consensus(10, 4, [g("A", 5, 4), g("B", 5, 0)], T)
        assert r.status == Status.not_validated and "below 50%" in r.reason


def test_overall_exactly_at_contest_with_a_low_sector_is_contested(app):
    with app.test_request_context(headers=EN):
        r = consensus(10, 5, [g("A", 5, 5), g("B", 5, 0)], T)
        assert r.overall_pct == 50 and r.status == Status.contested
