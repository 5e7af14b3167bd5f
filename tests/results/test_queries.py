"""Tallies in SQL: counts per value, per option, Borda points, turnout by group."""

from __future__ import annotations

from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.participants.models import Gender
from consult.results import queries
from consult.results.figures import (
    agreement_shares,
    category_shares,
    group_table,
    ranking_shares,
    round_half_up,
    suppressed_text,
)
from consult.voting.models import ResponseChoice
from tests.helpers import workshop


def _choose(response, item, codes, ranked=False):
    by_code = {o.code: o.id for o in item.options}
    for rank, code in enumerate(codes, start=1):
        db.session.add(ResponseChoice(response_id=response.id, option_id=by_code[code],
                                      rank=rank if ranked else None))
    db.session.flush()


def test_value_and_answer_counts(make):
    event, _, items = workshop(make)
    for value in (5, 5, 4, 0, 1):
        make.response(make.participant(event), items[0], value)
    db.session.commit()
    filters = queries.Filters(event_id=event.id)
    assert queries.value_counts(filters) == {(items[0].id,): {5: 2, 4: 1, 0: 1, 1: 1}}
    assert queries.answer_counts(filters) == {(items[0].id,): 5}


def test_option_counts(make):
    event, _, items = workshop(make, kinds=(ItemKind.multi,))
    multi = items[0]
    for codes in (["a", "b"], ["a"], ["c"]):
        _choose(make.response(make.participant(event), multi, None), multi, codes)
    db.session.commit()
    ids = {o.code: o.id for o in multi.options}
    filters = queries.Filters(event_id=event.id)
    assert queries.option_counts(filters)[(multi.id,)] == {ids["a"]: 2, ids["b"]: 1, ids["c"]: 1}


def test_modified_borda_count_on_partial_rankings(make):
    """DESIGN.md section 4: m options ranked → place p earns m − p + 1, whatever k is."""
    event, _, items = workshop(make, kinds=(ItemKind.ranking,))
    ranking = items[0]  # k = 3 options
    gov, academia = event.sectors[0], event.sectors[1]
    answers = [(gov, ["a", "b", "c"]),  # full: a 3, b 2, c 1
               (gov, ["b"]),  # one option ranked: b 1 (not 3: truncating gains nothing)
               (academia, ["c", "a"])]  # two ranked: c 2, a 1
    for sector, codes in answers:
        _choose(make.response(make.participant(event, sector=sector), ranking, None), ranking,
                codes, True)
    db.session.commit()
    r = {o.code: o.id for o in ranking.options}
    filters = queries.Filters(event_id=event.id)
    # By hand: a 3 + 1 = 4, b 2 + 1 = 3, c 1 + 2 = 3 (old rule k − p + 1: a 5, b 5, c 4).
    assert queries.borda_points(filters) == {(ranking.id,): {r["a"]: 4, r["b"]: 3, r["c"]: 3}}
    by_sector = queries.borda_points(filters, "sector")
    assert by_sector[(ranking.id, gov.id)] == {r["a"]: 3, r["b"]: 3, r["c"]: 1}
    assert by_sector[(ranking.id, academia.id)] == {r["a"]: 1, r["c"]: 2}


def test_turnout_by_sector_and_gender(make):
    event, round_, items = workshop(make)
    gov, ngo = event.sectors[0], event.sectors[3]
    a = make.participant(event, sector=gov, gender=Gender.woman)
    b = make.participant(event, sector=gov, gender=Gender.man)
    make.participant(event, sector=ngo, gender=Gender.woman)
    make.response(a, items[0])
    make.response(a, items[1])
    make.response(b, items[0])
    db.session.commit()
    joined = group_table(queries.joined_by_group(event.id), [gov.id, ngo.id], ["woman", "man"])
    assert joined == {gov.id: {"woman": 1, "man": 1}, ngo.id: {"woman": 1, "man": 0}}
    responded = group_table(queries.responded_by_group(round_.id), [gov.id, ngo.id],
                            ["woman", "man"])
    assert responded == {gov.id: {"woman": 1, "man": 1}, ngo.id: {"woman": 0, "man": 0}}
    assert queries.joined_count(event.id) == 3


def test_agreement_shares_leave_out_no_opinion_and_hide_small_cells():
    shares = agreement_shares({5: 2, 4: 1, 3: 1, 1: 1, 0: 5}, min_cell=3)
    assert shares.n == 10 and shares.base == 5
    assert shares.pct == {"agree": 60.0, "neutral": 20.0, "disagree": 20.0}
    small = agreement_shares({5: 2, 0: 4}, min_cell=3)
    assert small.suppressed and small.pct == {}
    assert agreement_shares({}, 3).pct == {}


def test_a_suppressed_cell_says_why(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        nobody = agreement_shares({}, 3)
        assert nobody.hidden_because == "no_answers"
        assert suppressed_text(nobody, 3) == "no answers"
        # 100 answers, all "no opinion": not a small group.
        silent = agreement_shares({0: 100}, 3)
        assert silent.n == 100 and silent.hidden_because == "no_opinion"
        assert suppressed_text(silent, 3) == "no opinion given"
        small = agreement_shares({5: 2, 0: 4}, 3)
        assert small.hidden_because == "small_group" and suppressed_text(small, 3) == "fewer than 3 answers"
        shown = agreement_shares({5: 3}, 3)
        assert shown.hidden_because is None and suppressed_text(shown, 3) is None
        assert category_shares({}, 0, 3, [1]).hidden_because == "no_answers"


def test_round_half_up():
    assert round_half_up(62.5) == 63 and round(62.5) == 62  # Python rounds half to even
    assert round_half_up(63.5) == 64 and round_half_up(-0.5) == -1
    assert round_half_up(2.675, 2) == 2.68 and round_half_up(100 * 5 / 8) == 63
    assert round_half_up(None) is None


def test_format_pct_rounds_half_up(app):
    from consult.i18n import format_pct

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_pct(62.5) == "63%" and format_pct(12.5) == "13%"
        assert format_pct(62.45, digits=1) == "62.5%"


def test_ranking_shares_are_shares_of_points():
    shares = ranking_shares({1: 4, 2: 3, 3: 3}, 3, 3, [1, 2, 3])
    assert shares.pct == {1: 40.0, 2: 30.0, 3: 30.0}
    assert ranking_shares({1: 4}, 2, 3, [1]).suppressed


def test_category_shares():
    shares = category_shares({3: 2, 1: 2}, 4, 3, [3, 2, 1])
    assert shares.pct == {3: 50.0, 2: 0.0, 1: 50.0}
    assert category_shares({3: 1}, 1, 3, [3]).suppressed
