"""Tallies in SQL: counts per value, per option, Borda points, turnout by group."""

from __future__ import annotations

from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.participants.models import Gender
from consult.results import queries
from consult.results.figures import agreement_shares, category_shares, group_table
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


def test_option_counts_and_borda_points(make):
    event, _, items = workshop(make, kinds=(ItemKind.multi, ItemKind.ranking))
    multi, ranking = items
    for codes in (["a", "b"], ["a"], ["c"]):
        _choose(make.response(make.participant(event), multi, None), multi, codes)
    for codes in (["a", "b", "c"], ["b", "a"], ["b", "c", "a"]):
        _choose(make.response(make.participant(event), ranking, None), ranking, codes, True)
    db.session.commit()
    ids = {o.code: o.id for o in multi.options}
    filters = queries.Filters(event_id=event.id)
    assert queries.option_counts(filters)[(multi.id,)] == {ids["a"]: 2, ids["b"]: 1, ids["c"]: 1}
    r = {o.code: o.id for o in ranking.options}
    # k = 3: first 3 points, second 2, third 1.
    ranks = queries.rank_counts(filters)[ranking.id]
    assert queries.borda_points(ranks, 3) == {r["a"]: 3 + 2 + 1, r["b"]: 2 + 3 + 3, r["c"]: 1 + 2}


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


def test_category_shares():
    shares = category_shares({3: 2, 1: 2}, 4, 3, [3, 2, 1])
    assert shares.pct == {3: 50.0, 2: 0.0, 1: 50.0}
    assert category_shares({3: 1}, 1, 3, [3]).suppressed
