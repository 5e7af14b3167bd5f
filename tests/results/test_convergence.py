"""Interquartile range and convergence of re-voted items (DESIGN.md section 4, "Convergence").

The IQR is Q3 − Q1 by the inclusive method (Excel's QUARTILE.INC, numpy's default, Python's
``statistics.quantiles(method="inclusive")``), computed from the count of each scale value.
Hand-checked on the fixture workshop (tests/results/workshop_fixture.py):
A1 with an opinion, sorted: 1 2 2 3 4 4 4 4 5 5 5 (n 11): Q1 at position 2.5 → 2.5, Q3 at 7.5 →
4.5, IQR 2. Government 2 4 4 5: Q1 at 0.75 → 3.5, Q3 at 2.25 → 4.25, IQR 0.75. Academia 1 2 4:
Q1 1.5, Q3 3, IQR 1.5. Civil society 3 4 5: IQR 1. A2 (its follow-up): every answer 4, IQR 0.
Spread of A1: 75 − 33.3 = 41.7 points; of A2: 0 (every eligible sector at 100 %).
"""

from __future__ import annotations

import io
import itertools
import statistics

import pytest
from openpyxl import load_workbook

from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.results.figures import converged, iqr, quartile
from consult.results.report import build_report

# --- The quartiles, from counts -------------------------------------------------------------


@pytest.mark.parametrize(("counts", "q1", "q3", "spread"), [
    ({1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, 2, 4, 2),
    ({4: 9}, 4, 4, 0),
    ({4: 1}, 4, 4, 0),
    ({1: 1, 5: 1}, 2, 4, 2),
    ({1: 2, 5: 2}, 1, 5, 4),
    ({2: 1, 3: 1, 4: 1, 5: 1}, 2.75, 4.25, 1.5),
    ({1: 1, 2: 2, 3: 1, 4: 4, 5: 3, 0: 5}, 2.5, 4.5, 2),  # "no opinion" (0) left out
])
def test_iqr_of_known_distributions(counts, q1, q3, spread):
    assert quartile(counts, 0.25) == q1
    assert quartile(counts, 0.75) == q3
    assert iqr(counts) == spread


def test_no_answer_with_an_opinion_has_no_iqr():
    assert iqr({}) is None
    assert iqr({0: 4}) is None


def test_the_same_as_pythons_inclusive_quartiles_on_every_small_tally():
    for tally in itertools.product(range(3), repeat=5):
        counts = dict(zip(range(1, 6), tally, strict=True))
        answers = [v for v, n in counts.items() for _ in range(n)]
        if len(answers) < 2:
            continue
        q = statistics.quantiles(answers, n=4, method="inclusive")
        assert iqr(counts) == pytest.approx(q[2] - q[0]), counts


@pytest.mark.parametrize(("before", "after", "spread_before", "spread_after", "expected"), [
    (2, 0, 41.7, 0, True),
    (1, 1, 30, 20, True),  # the IQR did not grow
    (1, 1.5, 30, 20, False),  # the IQR grew
    (1, 0.5, 20, 20, False),  # the spread did not narrow
    (1, 0.5, 20, 35, False),
    (1, 1, 0, 0, True),  # nothing left to narrow
    (None, 1, 20, 10, None),
    (1, 1, None, 10, None),  # fewer than two eligible sectors: not decided
])
def test_converged(before, after, spread_before, spread_after, expected):
    assert converged(before, after, spread_before, spread_after) is expected


# --- On the fixture workshop: one figures path ------------------------------------------------


def test_report_gives_iqr_spread_and_convergence(app, fx):
    report = build_report(fx.event)
    gov, academia, private, cso = fx.event.sectors[:4]
    a1, a2 = report.by_id(fx.items["A1"].id), report.by_id(fx.items["A2"].id)
    assert a1.overall.iqr == 2 and a1.shown_iqr() == 2
    assert a1.shown_iqr(gov.id) == 0.75 and a1.shown_iqr(academia.id) == 1.5
    assert a1.shown_iqr(cso.id) == 1
    assert a1.shown_iqr(private.id) is None  # not eligible (one answer with an opinion)
    assert a1.follow is None
    f = a2.follow
    assert f.earlier.id == fx.items["A1"].id
    assert (f.iqr_before, f.iqr_after) == (2, 0)
    assert f.spread_before == pytest.approx(75 - 100 / 3) and f.spread_after == 0
    assert f.converged is True
    assert f.pct_before == pytest.approx(700 / 11) and f.pct_after == 100
    assert (f.sectors[gov.id].iqr_before, f.sectors[gov.id].iqr_after) == (0.75, 0)
    assert f.sectors[academia.id].iqr_before == 1.5 and f.sectors[cso.id].iqr_before == 1
    assert f.sectors[private.id].iqr_before is None and f.sectors[private.id].shift is None
    assert f.sectors[gov.id].shift == 25


def test_a_room_that_did_not_converge(app, fx, make):
    """A3 follows A1 and splits the room further: answers 1 and 5 only, IQR 4."""
    a1 = fx.items["A1"]
    a3 = make.item(fx.event, fx.items["A1"].section, fx.round2, code="A3",
                   follows_item_id=a1.id)
    for index, person in enumerate(fx.people.values()):
        make.response(person, a3, 1 if index % 2 else 5)
    db.session.commit()
    f = build_report(fx.event).by_id(a3.id).follow
    assert (f.iqr_before, f.iqr_after) == (2, 4)
    assert f.converged is False


def test_a_follow_up_of_a_priority_item_has_no_iqr(app, fx, make):
    p2 = make.item(fx.event, fx.items["P1"].section, fx.round2, kind=ItemKind.priority,
                   code="P2", follows_item_id=fx.items["P1"].id)
    db.session.commit()
    result = build_report(fx.event).by_id(p2.id)
    assert result.follow is None and result.shown_iqr() is None


# --- On every surface ---------------------------------------------------------------------------


def test_results_page_shows_iqr_and_convergence(client, fx, analyst):
    page = client.get(f"/staff/events/{fx.event.id}/results").get_data(as_text=True)
    row = page[page.index(f'<tr data-item-id="{fx.items["A1"].id}"'):]
    assert "data-iqr>2<" in row[:row.index("</tr>")]
    revotes = page[page.index('id="re-votes"'):]
    revotes = revotes[:revotes.index("</section>")]
    assert 'data-iqr-before="2.0" data-iqr-after="0.0"' in revotes
    assert 'data-converged="yes"' in revotes and "Converged" in revotes
    assert "2 → 0" in revotes and "42 → 0" in revotes and "+36" in revotes


def test_item_page_shows_iqr_by_sector_and_the_re_vote(client, fx, analyst):
    gov = fx.event.sectors[0]
    a1 = client.get(f"/staff/events/{fx.event.id}/results/items/{fx.items['A1'].id}"
                    ).get_data(as_text=True)
    row = a1[a1.index(f'data-group="{gov.id}"'):]
    assert "<td data-iqr>0.75</td>" in row[:row.index("</tr>")]
    a2 = client.get(f"/staff/events/{fx.event.id}/results/items/{fx.items['A2'].id}"
                    ).get_data(as_text=True)
    card = a2[a2.index('id="re-vote"'):]
    assert "Re-vote of A1" in card and 'data-converged="yes"' in card
    row = card[card.index(f'data-group="{gov.id}"'):]
    assert "<td data-iqr-before>0.75</td><td data-iqr-after>0</td>" in row


def test_projector_shows_the_shift_iqr_and_convergence(client, fx, analyst):
    round2 = db.session.merge(fx.round2)
    round2.reveal()
    db.session.commit()
    screen = client.get(f"/e/{fx.event.join_code}/screen/live?k={fx.event.screen_token}"
                        ).get_data(as_text=True)
    chunk = screen[screen.index(f'data-item-id="{fx.items["A2"].id}"'):]
    assert 'data-follow-of="A1"' in chunk
    assert "Since A1: +36 points" in chunk and "IQR 2 → 0" in chunk
    assert 'data-converged="yes"' in chunk
    gov = fx.event.sectors[0]
    assert f'<li data-sector-id="{gov.id}">' in chunk
    private = fx.event.sectors[2]  # a small group in A1: no shift shown for it
    assert f'data-sector-id="{private.id}"' not in chunk


def test_workbook_summary_has_iqr_and_convergence(client, fx, analyst):
    data = client.get(f"/staff/events/{fx.event.id}/export.xlsx?lang=en").data
    wb = load_workbook(io.BytesIO(data))
    rows = [list(r) for r in wb["Summary"].iter_rows(values_only=True)]
    head = rows[0]
    col = {name: head.index(name) for name in (
        "Code", "IQR", "Earlier item", "IQR in the earlier round", "Spread in the earlier round",
        "Converged")}
    by_code = {r[col["Code"]]: r for r in rows[1:]}
    a1, a2 = by_code["A1"], by_code["A2"]
    assert a1[col["IQR"]] == 2 and a1[col["Earlier item"]] is None
    assert a2[col["IQR"]] == 0 and a2[col["Earlier item"]] == "A1"
    assert a2[col["IQR in the earlier round"]] == 2
    assert a2[col["Spread in the earlier round"]] == pytest.approx(41.7)
    assert a2[col["Converged"]] == "yes"
    about = "\n".join(str(r[1]) for r in wb["About"].iter_rows(values_only=True))
    assert "QUARTILE.INC" in about and "Converged: the IQR did not grow" in about


def test_khmer_workbook_defines_iqr_in_both_languages(client, fx, analyst):
    data = client.get(f"/staff/events/{fx.event.id}/export.xlsx?lang=both").data
    wb = load_workbook(io.BytesIO(data))
    about = "\n".join(str(r[1]) for r in wb["About"].iter_rows(values_only=True))
    assert "QUARTILE.INC" in about
