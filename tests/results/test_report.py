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


@pytest.fixture
def fx(app, make):
    return workshop_fixture.build(make)


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
