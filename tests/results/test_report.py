"""The report's figures against hand-computed values (tests/results/workshop_fixture.py)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import event as sa_event

from consult.extensions import db
from consult.results.consensus import Status
from consult.results.queries import Filters
from consult.results.report import build_report
from tests.results import workshop_fixture


def test_agreement_overall_by_sector_and_gender(app, fx):
    with app.test_request_context():
        report = build_report(fx.event)
        a1 = report.by_id(fx.items["A1"].id)
        assert a1.overall.n == 12 and a1.overall.shares.base == 11
        assert a1.overall.mean == pytest.approx(39 / 11)
        assert a1.overall.shares.pct["agree"] == pytest.approx(700 / 11)
        assert a1.overall.shares.pct["neutral"] == pytest.approx(100 / 11)
        assert a1.overall.shares.pct["disagree"] == pytest.approx(300 / 11)
        gov, academia, private, cso = fx.event.sectors[:4]
        assert a1.by_sector[gov.id].shares.pct["agree"] == 75
        assert a1.by_sector[academia.id].shares.pct["agree"] == pytest.approx(100 / 3)
        assert a1.by_sector[private.id].n == 2 and a1.by_sector[private.id].shares.suppressed
        assert a1.by_sector[cso.id].shares.pct["agree"] == pytest.approx(200 / 3)
        assert a1.by_gender["woman"].shares.pct["agree"] == 60
        assert a1.by_gender["man"].shares.pct["agree"] == 80
        assert a1.by_gender["another"].shares.suppressed
        c = a1.consensus
        assert [s.key for s in c.eligible] == [gov.id, academia.id, cso.id]
        assert c.balanced_pct == pytest.approx((75 + 100 / 3 + 200 / 3) / 3)
        assert c.spread == pytest.approx(75 - 100 / 3)
        assert c.status == Status.contested
        with force_locale("en"):
            assert "Academia and research (33%) below 50%" in c.reason
            assert "Government (ministries and agencies) (75%) and Academia" in c.reason
            assert "differ by 42 points" in c.reason
        with force_locale("km"):
            assert "គ្រឹះស្ថានសិក្សា" in c.reason


def test_follow_up_shift(app, fx):
    with app.test_request_context():
        report = build_report(fx.event)
        a2 = report.by_id(fx.items["A2"].id)
        assert a2.consensus.status == Status.validated
        assert a2.follow_shift == pytest.approx(100 - 700 / 11)
        gov, academia = fx.event.sectors[:2]
        assert a2.follow_sector_shift[gov.id] == 25
        assert a2.follow_sector_shift[academia.id] == pytest.approx(100 - 100 / 3)


def test_priority_choice_multi_ranking(app, fx):
    with app.test_request_context():
        report = build_report(fx.event)
        p1 = report.by_id(fx.items["P1"].id).overall
        assert p1.n == 6 and p1.score == pytest.approx(14 / 6)
        assert p1.shares.pct == pytest.approx({3: 50, 2: 100 / 3, 1: 100 / 6})
        opts = {o.code: o.id for o in fx.items["C1"].options}
        c1 = report.by_id(fx.items["C1"].id).overall
        assert c1.counts == {opts["a"]: 3, opts["b"]: 1}
        assert c1.shares.pct[opts["a"]] == 75
        opts = {o.code: o.id for o in fx.items["M1"].options}
        m1 = report.by_id(fx.items["M1"].id).overall
        assert m1.n == 3 and m1.shares.pct[opts["b"]] == 100
        opts = {o.code: o.id for o in fx.items["K1"].options}
        k1 = report.by_id(fx.items["K1"].id)
        assert k1.points == {opts["a"]: 3, opts["b"]: 5, opts["c"]: 1}


@pytest.mark.parametrize(("filters", "n"), [
    ({"source": "paper"}, 1),
    ({"gender": "man"}, 5),
    ({"sector_id": "GOV"}, 4),
    ({"round_id": "R2"}, None),
])
def test_filters(app, fx, filters, n):
    values = {k: (fx.event.sectors[0].id if v == "GOV" else fx.round2.id if v == "R2" else v)
              for k, v in filters.items()}
    with app.test_request_context():
        report = build_report(fx.event, Filters(event_id=fx.event.id, **values))
        if n is None:
            assert [r.item.code for r in report.items] == ["A2"]
        else:
            assert report.by_id(fx.items["A1"].id).overall.n == n


def test_query_count_does_not_grow_with_participants(app, make):
    def count_queries(event):
        statements = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", record)
        try:
            with app.test_request_context():
                build_report(event)
        finally:
            sa_event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    small = workshop_fixture.build(make)
    db.session.expire_all()
    first = count_queries(small.event)
    for n in range(30):  # three times the participants
        person = make.participant(small.event, sector=small.event.sectors[n % 4])
        for code in ("A1", "A2", "P1"):
            make.response(person, small.items[code], 4 if code != "P1" else 2)
    db.session.commit()
    db.session.expire_all()
    assert count_queries(small.event) == first


def _priority(make, event, section, round_, code, answers):
    """A priority item answered {sector index: [values]}."""
    from consult.agenda.models import ItemKind

    item = make.item(event, section, round_, kind=ItemKind.priority, code=code)
    for sector_index, values in answers.items():
        for value in values:
            make.response(make.participant(event, sector=event.sectors[sector_index]), item,
                          value)
    return item


def test_priority_ranking_overall_and_per_sector(app, make):
    from tests.helpers import workshop

    event, round_, _ = workshop(make, kinds=())
    section = event.sections[0]
    # Agenda order Q1, Q2, Q3, Q4. Scores overall: Q1 2.0, Q2 2.5, Q3 2.5 (tie: Q2 first),
    # Q4 no answers (last). Government: Q1 3.0 (3 answers), Q2 2.0, Q3 only 2 answers
    # (small cell: last, whatever its score).
    q1 = _priority(make, event, section, round_, "Q1", {0: [3, 3, 3], 1: [1, 1, 1]})
    q2 = _priority(make, event, section, round_, "Q2", {0: [2, 2, 2], 1: [3, 3, 3]})
    q3 = _priority(make, event, section, round_, "Q3", {0: [3, 3], 1: [2, 2]})
    q4 = _priority(make, event, section, round_, "Q4", {})
    db.session.commit()
    with app.test_request_context():
        report = build_report(event)
        assert [r.item.code for r in report.priority_ranking()] == ["Q2", "Q3", "Q1", "Q4"]
        gov = event.sectors[0].id
        assert [r.item.code for r in report.priority_ranking(gov)] == ["Q1", "Q2", "Q3", "Q4"]
        assert report.by_id(q1.id).by_sector[gov].score == 3
        assert report.by_id(q3.id).by_sector[gov].shares.suppressed
        assert report.by_id(q4.id).overall.score is None
        assert report.by_id(q2.id).overall.score == 2.5


def test_ranking_uses_the_modified_borda_count_and_lists_options_by_points(app, fx, make):
    from consult.voting.models import ResponseChoice

    k1 = fx.items["K1"]
    opts = {o.code: o for o in k1.options}
    # c2 ranks one option only: 1 point (m − p + 1), not 2 (k − p + 1 with k = 2).
    response = make.response(fx.people["c2"], k1, None)
    db.session.add(ResponseChoice(response_id=response.id, option_id=opts["c"].id, rank=1))
    db.session.commit()
    with app.test_request_context():
        result = build_report(fx.event).by_id(k1.id)
        assert result.points == {opts["a"].id: 3, opts["b"].id: 5, opts["c"].id: 2}
        assert result.ranked_options() == [(opts["b"], 5), (opts["a"], 3), (opts["c"], 2)]
        assert result.overall.shares.pct == {opts["a"].id: 30, opts["b"].id: 50,
                                             opts["c"].id: 20}
        cso = fx.event.sectors[3].id  # c1 b>a, c2 c: b 2, a 1, c 1 (ties keep option order)
        assert result.ranked_options(cso) == [(opts["b"], 2), (opts["a"], 1), (opts["c"], 1)]
        assert build_report(fx.event).by_id(fx.items["A1"].id).ranked_options() == []


def test_live_results_are_the_report_figures_in_the_given_order(app, fx):
    from consult.results.report import live_results

    with app.test_request_context():
        items = [fx.items["K1"], fx.items["A1"], fx.items["P1"]]
        live = live_results(fx.event, items)
        report = build_report(fx.event)
        assert [r.item.code for r in live] == ["K1", "A1", "P1"]
        for result in live:
            full = report.by_id(result.item.id)
            assert result.bars == full.bars and result.n == full.n
        assert live[1].bars == [("agree", pytest.approx(700 / 11)),
                                ("neutral", pytest.approx(100 / 11)),
                                ("disagree", pytest.approx(300 / 11))]


def test_an_item_nobody_answered_has_no_answers_yet(app, make):
    from tests.helpers import workshop

    event, _, items = workshop(make, kinds=("agreement", "agreement"))
    for _ in range(4):
        make.response(make.participant(event), items[1], 0)  # all "no opinion"
    db.session.commit()
    with app.test_request_context():
        report = build_report(event)
        empty, silent = report.by_id(items[0].id), report.by_id(items[1].id)
        assert empty.status == Status.no_answers
        assert empty.overall.shares.hidden_because == "no_answers"
        assert silent.status == Status.not_validated
        assert silent.overall.shares.hidden_because == "no_opinion"


def test_participation_follows_the_filters(app, fx):
    from consult.results.report import participation

    gov, academia = fx.event.sectors[:2]
    with app.test_request_context():
        everyone = participation(fx.event)
        assert sum(everyone["joined"][gov.id].values()) == 4
        assert everyone["responded"][fx.round1.id][gov.id]["woman"] == 2
        assert everyone["responded"][fx.round1.id][gov.id]["man"] == 2
        women = participation(fx.event, Filters(event_id=fx.event.id, gender="woman"))
        assert women["joined"][gov.id] == {"woman": 2}
        assert women["joined"][academia.id] == {"woman": 2}
        assert women["responded"][fx.round1.id][gov.id] == {"woman": 2}
        gov_only = participation(fx.event, Filters(event_id=fx.event.id, sector_id=gov.id))
        assert list(gov_only["joined"]) == [gov.id]
        assert sum(gov_only["joined"][gov.id].values()) == 4
        paper = participation(fx.event, Filters(event_id=fx.event.id, source="paper"))
        assert paper["responded"][fx.round1.id][gov.id]["woman"] == 1
        round2 = participation(fx.event, Filters(event_id=fx.event.id, round_id=fx.round2.id))
        assert [r.id for r in round2["rounds"]] == [fx.round2.id]
