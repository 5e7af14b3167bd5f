"""The same figures everywhere: results page, item page, console, projector, CSV and workbook.

Every kind of item (agreement, priority, choice, multi, ranking) of the hand-computed workshop
(tests/results/workshop_fixture.py), plus a partial ranking and a choice share of exactly
62.5 % (half up: "63%" on every page, 0.625 in the workbook, which Excel shows as 63 %).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter, defaultdict

import pytest
from openpyxl import load_workbook

from consult.extensions import db
from consult.voting.models import ResponseChoice
from tests.results import workshop_fixture


def _pick(make, person, item, codes, ranked=False):
    response = make.response(person, item, None)
    by_code = {o.code: o.id for o in item.options}
    for rank, code in enumerate(codes, start=1):
        db.session.add(ResponseChoice(response_id=response.id, option_id=by_code[code],
                                      rank=rank if ranked else None))


@pytest.fixture
def fx(app, make):
    fx = workshop_fixture.build(make)
    p = fx.people
    # C1 now 8 answers: a 5, b 2, c 1 → 62.5 %, 25 %, 12.5 %.
    for name, code in {"g3": "a", "g4": "a", "a2": "b", "a3": "c"}.items():
        _pick(make, p[name], fx.items["C1"], [code])
    # K1 (top 2): c2 ranks one option only, so it earns 1 point (m − p + 1 = 1), not 2.
    _pick(make, p["c2"], fx.items["K1"], ["c"], ranked=True)
    db.session.commit()
    return fx


#: Hand-computed figures, as every surface must show them (percentages rounded half up).
#: K1 points: g1 a>b (a 2, b 1), a1 b>c (b 2, c 1), c1 b>a (b 2, a 1), c2 c (c 1):
#: a 3, b 5, c 2 of 10 points.
EXPECTED = {
    "A1": {"n": 12, "mean": "3.55", "no_opinion": 1,
           "pct": {"agree": "64%", "neutral": "9%", "disagree": "27%"},
           "counts": {5: 3, 4: 4, 3: 1, 2: 2, 1: 1, 0: 1}},
    "P1": {"n": 6, "score": "2.33", "pct": {3: "50%", 2: "33%", 1: "17%"},
           "counts": {3: 3, 2: 2, 1: 1}},
    "C1": {"n": 8, "pct": {"a": "63%", "b": "25%", "c": "13%"},
           "counts": {"a": 5, "b": 2, "c": 1}},
    "M1": {"n": 3, "pct": {"a": "33%", "b": "100%", "c": "33%"},
           "counts": {"a": 1, "b": 3, "c": 1}},
    "K1": {"n": 4, "pct": {"a": "30%", "b": "50%", "c": "20%"},
           "counts": {"a": 2, "b": 3, "c": 2}, "points": {"a": 3, "b": 5, "c": 2}},
}
KINDS = list(EXPECTED)
#: A1's interquartile range (inclusive quartiles, as Excel's QUARTILE.INC): 1 2 2 3 4 4 4 4 5 5 5
#: → Q1 2.5, Q3 4.5 (tests/results/test_convergence.py).
EXPECTED_A1_IQR = "2"


def _option_ids(fx, code):
    return {o.code: str(o.id) for o in fx.items[code].options}


def _bar_key(fx, code, key):
    """The data-key of a bar: agree/neutral/disagree, priority-N, or an option id."""
    if code == "A1":
        return key
    if code == "P1":
        return f"priority-{key}"
    return _option_ids(fx, code)[key]


def _bars(chunk: str) -> dict[str, str]:
    return dict(re.findall(r'data-key="([\w-]+)" class="bar [^"]*">.*?class="bar-value">([^<]+)<',
                           chunk, re.S))


def _answers(chunk: str) -> int:
    return int(re.search(r"(\d+) answers?<", chunk).group(1))


def _check_bars(fx, code, chunk, surface):
    want = EXPECTED[code]
    got = _bars(chunk)
    assert got == {_bar_key(fx, code, k): v for k, v in want["pct"].items()}, (surface, code)
    assert _answers(chunk) == want["n"], (surface, code)
    if code == "A1":
        assert f'data-no-opinion="{want["no_opinion"]}"' in chunk, surface


def test_results_page(client, fx, analyst):
    page = client.get(f"/staff/events/{fx.event.id}/results").get_data(as_text=True)
    for code, want in EXPECTED.items():
        row = page[page.index(f'<tr data-item-id="{fx.items[code].id}"'):]
        row = row[:row.index("</tr>")]
        assert re.search(r"data-n>(\d+)<", row).group(1) == str(want["n"]), code
        shares = dict(re.findall(r'data-share="(\w+)"[^>]*>([^<]+)<', row))
        keys = {k: str(k) if code in ("A1", "P1") else _option_ids(fx, code)[k]
                for k in want["pct"]}
        assert shares == {keys[k]: v for k, v in want["pct"].items()}, code
    a1 = page[page.index(f'<tr data-item-id="{fx.items["A1"].id}"'):]
    assert re.search(r"data-mean>([^<]+)<", a1).group(1) == "3.55"
    assert re.search(r"data-iqr>([^<]+)<", a1).group(1) == EXPECTED_A1_IQR
    assert 'data-no-opinion="1"' in a1[:a1.index("</tr>")]
    p1 = page[page.index(f'<tr data-item-id="{fx.items["P1"].id}"'):]
    assert re.search(r"data-score>([^<]+)<", p1).group(1) == "2.33"


def test_item_pages(client, fx, analyst):
    for code, want in EXPECTED.items():
        item = fx.items[code]
        page = client.get(f"/staff/events/{fx.event.id}/results/items/{item.id}"
                          ).get_data(as_text=True)
        dist = page[page.index('class="turnout distribution"'):]
        dist = dist[:dist.index("</table>")]
        assert re.search(r"data-n>(\d+)<", dist).group(1) == str(want["n"]), code
        if code in ("A1", "P1"):
            counts = {int(v): int(n) for v, n in
                      re.findall(r'data-value="(\d+)">.*?data-count>(\d+)<', dist)}
            assert counts == want["counts"], code
        else:
            ids = _option_ids(fx, code)
            rows = dict(re.findall(r'data-option-id="(\d+)">.*?data-count>(\d+)<', dist))
            assert rows == {ids[k]: str(v) for k, v in want["counts"].items()}, code
            shares = dict(re.findall(r'data-share="(\d+)">([^<]+)<', dist))
            assert shares == {ids[k]: v for k, v in want["pct"].items()}, code
        if code == "K1":
            points = dict(re.findall(r'data-option-id="(\d+)">.*?data-points>(\d+)<', dist, re.S))
            assert points == {ids[k]: str(v) for k, v in want["points"].items()}
        if code == "P1":
            assert re.search(r"data-score>([^<]+)<", page).group(1) == "2.33"
            assert [m for m in re.findall(r"<td class=\"num\">([^<]*)</td>", dist) if m] == [
                "50%", "33%", "17%"]
        if code == "A1":
            gov, academia, _, cso = fx.event.sectors[:4]
            for sector, agree in ((gov, "75%"), (academia, "33%"), (cso, "67%")):
                row = page[page.index(f'data-group="{sector.id}"'):]
                assert re.search(r'data-share="agree">([^<]+)<', row).group(1) == agree


def test_console_and_projector(client, fx, analyst):
    round1 = db.session.merge(fx.round1)
    round1.reopen()
    db.session.commit()
    console = client.get(f"/staff/events/{fx.event.id}/console/live").get_data(as_text=True)
    panel = console[console.index(f'data-round-id="{fx.round1.id}"'):]
    end = panel.find("data-round-id=", 20)
    chunks = panel[:end if end != -1 else None].split('class="tally-prompt"')[1:]
    order = ["A1", "P1", "C1", "M1", "K1", "T1"]
    assert len(chunks) == len(order)
    for code, chunk in zip(order, chunks, strict=True):
        assert html.escape(fx.items[code].prompt_en) in chunk[:200]
        if code in EXPECTED:
            _check_bars(fx, code, chunk, "console")
    round1 = db.session.merge(fx.round1)
    round1.reveal()
    db.session.commit()
    screen = client.get(f"/e/{fx.event.join_code}/screen/live?k={fx.event.screen_token}"
                        ).get_data(as_text=True)
    for code in EXPECTED:
        start = screen.index(f'data-item-id="{fx.items[code].id}"')
        end = screen.find('data-item-id="', start + 1)
        chunk = screen[start:end if end != -1 else None]
        _check_bars(fx, code, chunk, "projector")


def _half_up_pct(part, base):
    """Independent of the app: integer arithmetic, halves up."""
    return f"{(200 * part + base) // (2 * base)}%"


def test_csv_recounted_by_hand_gives_the_same_figures(client, fx, analyst):
    body = client.get(f"/staff/events/{fx.event.id}/export.csv").get_data(as_text=True)
    rows = [r for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))]
    by_item = defaultdict(list)
    for row in rows:
        by_item[row["item_code"]].append(row["value"])
    for code, want in EXPECTED.items():
        values = by_item[code]
        assert len(values) == want["n"], code
        if code in ("A1", "P1"):
            counts = Counter(int(v) for v in values)
            assert counts == want["counts"], code
        else:
            sep = ">" if code == "K1" else ";"
            counts = Counter(c for v in values for c in v.split(sep) if c)
            assert counts == want["counts"], code
    a1 = Counter(int(v) for v in by_item["A1"])
    opinion = sum(n for v, n in a1.items() if v != 0)
    assert _half_up_pct(a1[4] + a1[5], opinion) == EXPECTED["A1"]["pct"]["agree"]
    c1 = Counter(by_item["C1"])
    assert _half_up_pct(c1["a"], len(by_item["C1"])) == EXPECTED["C1"]["pct"]["a"] == "63%"
    points = Counter()
    for value in by_item["K1"]:
        ranked = value.split(">")
        for place, option in enumerate(ranked, start=1):
            points[option] += len(ranked) - place + 1
    assert points == EXPECTED["K1"]["points"]
    assert {k: _half_up_pct(v, sum(points.values())) for k, v in points.items()} == \
        EXPECTED["K1"]["pct"]


def _column(header_row, *names):
    for name in names:
        for index, value in enumerate(header_row):
            if value == name:
                return index
    raise AssertionError(f"no column {names} in {header_row}")


def test_workbook_writes_the_same_figures(client, fx, analyst):
    response = client.get(f"/staff/events/{fx.event.id}/export.xlsx?lang=en")
    wb = load_workbook(io.BytesIO(response.data))
    summary = [list(r) for r in wb["Summary"].iter_rows(values_only=True)]
    head = summary[0]
    code_col, n_col = _column(head, "Code"), _column(head, "n")
    rows = {r[code_col]: r for r in summary[1:]}
    for code, want in EXPECTED.items():
        assert rows[code][n_col] == want["n"], code
    a1 = rows["A1"]
    for key, label in (("agree", "Agree %"), ("neutral", "Neutral %"),
                       ("disagree", "Disagree %")):
        value = a1[_column(head, label)]
        # The cell holds the unrounded fraction; Excel's 0% format rounds half up.
        assert _half_up_pct(round(value * 10**9), 10**9) == EXPECTED["A1"]["pct"][key]
    assert f'{a1[_column(head, "Mean")]:.2f}' == EXPECTED["A1"]["mean"]
    assert f'{a1[_column(head, "IQR")]:g}' == EXPECTED_A1_IQR
    assert f'{rows["P1"][_column(head, "Priority score")]:.2f}' == EXPECTED["P1"]["score"]
    dist = [list(r) for r in wb["Distribution"].iter_rows(values_only=True)]
    dhead = dist[0]
    c_code, c_answer = _column(dhead, "Code"), _column(dhead, "Answer code")
    c_count, c_points = _column(dhead, "Count"), _column(dhead, "Points")
    for code, want in EXPECTED.items():
        got = {r[c_answer]: r[c_count] for r in dist[1:] if r[c_code] == code}
        assert got == {str(k): v for k, v in want["counts"].items()}, code
    points = {r[c_answer]: r[c_points] for r in dist[1:] if r[c_code] == "K1"}
    assert points == EXPECTED["K1"]["points"]
