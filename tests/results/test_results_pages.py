"""The results pages: heat map, ranked lists, participation under filters, open answers,
suppressed cells that say why, "no answers yet", printing; "no opinion" in live tallies."""

from __future__ import annotations

import re
from pathlib import Path

from consult.accounts.models import Role
from consult.agenda.models import ItemKind
from consult.extensions import db
from tests.conftest import login
from tests.helpers import workshop


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page, marker, end="</section>"):
    start = page.index(marker)
    return page[start:page.index(end, start)]


def test_heat_map_of_agree_by_sector_with_reasons_and_status(client, fx, analyst):
    page = _get(client, f"/staff/events/{fx.event.id}/results")
    heat = _section(page, 'id="heatmap"')
    row = heat[heat.index(f'data-item-id="{fx.items["A1"].id}"'):]
    row = row[:row.index("</tr>")]
    cells = re.findall(r'<td class="heat ([^"]+)"[^>]*>([^<]+)<', row)
    hidden = re.findall(r'class="small-cell heat heat-hidden" data-hidden="(\w+)">([^<]+)<', row)
    # Everyone 64 %, Government 75 %, Academia 33 %, CSO 67 %; Private has 1 answer with an
    # opinion (small group); Development partners and Other have no answers at all.
    assert cells == [("heat-6", "64%"), ("heat-7", "75%"), ("heat-3", "33%"), ("heat-6", "67%")]
    assert ("small_group", "fewer than 3 answers") in hidden and ("no_answers", "no answers") in hidden
    assert 'data-status="contested"' in row
    # Only agreement items have a row.
    assert f'data-item-id="{fx.items["P1"].id}"' not in heat


def test_ranked_lists_sector_by_sector(client, fx, analyst, make):
    section, round1 = fx.items["P1"].section, fx.round1
    p2 = make.item(fx.event, section, round1, kind=ItemKind.priority, code="P2")
    for name in ("g1", "g2", "g3"):
        make.response(fx.people[name], p2, 3)
    db.session.commit()
    page = _get(client, f"/staff/events/{fx.event.id}/results")
    ranking = _section(page, 'id="priority-ranking"')
    lists = re.findall(r'data-sector="(\d*)">(.*?)</div>', ranking, re.S)
    order = {sector: re.findall(r'<span class="code">(\w+)</span>', body) for sector, body in lists}
    gov, academia = fx.event.sectors[:2]
    # Overall: P2 3.00 (3 answers) before P1 2.33. Government: P2 3.00, P1 2.67.
    # Academia: P1 has 2 answers (a small group), P2 none: no score to show at all.
    assert order[""] == ["P2", "P1"] and order[str(gov.id)] == ["P2", "P1"]
    gov_body = dict(lists)[str(gov.id)]
    assert re.findall(r"data-score>([^<]+)<", gov_body) == ["3.00", "2.67"]
    assert order[str(academia.id)] == []
    assert "No item has enough answers" in dict(lists)[str(academia.id)]
    assert "data-score" not in dict(lists)[str(academia.id)]
    options = _section(page, 'id="option-ranking"')
    k1 = {o.code: o.id for o in fx.items["K1"].options}
    assert re.findall(r'data-option-id="(\d+)"', options) == [str(k1["b"]), str(k1["a"]),
                                                              str(k1["c"])]
    assert re.findall(r"data-points>([^<]+)<", options) == ["5 points", "3 points", "1 points"]


def test_participation_table_follows_sector_and_gender_filters(client, fx, analyst):
    gov, academia = fx.event.sectors[:2]
    base = f"/staff/events/{fx.event.id}/results"

    def table(query=""):
        part = _section(_get(client, base + query), 'id="participation"')
        return {int(s): (int(j), int(r)) for s, j, r in re.findall(
            r'data-sector-id="(\d+)">.*?data-joined>(\d+)<.*?data-responded="\d+"[^>]*>(\d+)<',
            part, re.S)}

    assert table()[gov.id] == (4, 4) and table()[academia.id] == (3, 3)
    assert table("?gender=man")[gov.id] == (2, 2)
    assert table("?gender=man")[academia.id] == (1, 1)
    assert list(table(f"?sector={academia.id}")) == [academia.id]


def test_open_text_answers_on_the_item_page_with_sector_and_gender(client, fx, analyst):
    url = f"/staff/events/{fx.event.id}/results/items/{fx.items['T1'].id}"
    answers = _section(_get(client, url), 'id="text-answers"')
    assert "More GPUs for universities" in answers and "=1+1" in answers
    assert "Government (ministries and agencies)" in answers and "Woman" in answers
    academia = fx.event.sectors[1]
    filtered = _section(_get(client, f"{url}?sector={academia.id}"), 'id="text-answers"')
    assert "=1+1" in filtered and "More GPUs" not in filtered


def test_suppressed_cells_say_why_on_the_item_page(client, make, analyst):
    event, _, items = workshop(make, kinds=(ItemKind.agreement, ItemKind.agreement))
    gov, academia = event.sectors[:2]
    for _ in range(4):  # everyone in Government answers "no opinion"
        make.response(make.participant(event, sector=gov), items[0], 0)
    make.response(make.participant(event, sector=academia), items[0], 5)
    db.session.commit()
    page = _get(client, f"/staff/events/{event.id}/results/items/{items[0].id}")
    sectors = _section(page, 'data-by="sector"')

    def reason(sector):
        row = sectors[sectors.index(f'data-group="{sector.id}"'):]
        return re.search(r'class="small-cell" data-hidden="(\w+)"[^>]*>([^<]+)<', row).groups()

    assert reason(gov) == ("no_opinion", "no opinion given")
    assert reason(academia) == ("small_group", "fewer than 3 answers")
    assert reason(event.sectors[2]) == ("no_answers", "no answers")
    # Overall: 5 answers, 1 with an opinion: a small group, never "fewer than 3 answers" beside n = 100 of
    # "no opinion" (see the next assertion on an all-"no opinion" item).
    summary = _get(client, f"/staff/events/{event.id}/results")
    row = summary[summary.index(f'<tr data-item-id="{items[0].id}"'):]
    assert 'data-hidden="small_group"' in row[:row.index("</tr>")]


def test_an_item_nobody_answered_reads_no_answers_yet(client, make, analyst):
    event, _, items = workshop(make, kinds=(ItemKind.agreement, ItemKind.agreement))
    for _ in range(5):
        make.response(make.participant(event), items[1], 0)
    db.session.commit()
    summary = _get(client, f"/staff/events/{event.id}/results")
    row = summary[summary.index(f'<tr data-item-id="{items[0].id}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-status="no_answers"' in row and "No answers yet" in row
    assert "Not validated" not in row and 'data-hidden="no_answers"' in row
    silent = summary[summary.index(f'<tr data-item-id="{items[1].id}"'):]
    silent = silent[:silent.index("</tr>")]
    assert 'data-status="not_validated"' in silent and "no opinion given" in silent
    assert "fewer than 3 answers" not in silent
    item_page = _get(client, f"/staff/events/{event.id}/results/items/{items[0].id}")
    assert 'data-status="no_answers"' in item_page and "Not validated" not in item_page
    heat = _section(summary, 'id="heatmap"')
    assert heat.count('data-status="no_answers"') == 1


def test_live_tallies_show_no_opinion(client, make, analyst):
    event, round_, items = workshop(make, kinds=(ItemKind.agreement,))
    values = [0] * 13 + [5] * 4 + [1] * 4  # 13 of 21 "no opinion"; 4 agree, 4 disagree
    for value in values:
        make.response(make.participant(event), items[0], value)
    db.session.commit()
    console = _get(client, f"/staff/events/{event.id}/console/live")
    round_ = db.session.merge(round_)
    round_.reveal()
    db.session.commit()
    screen = _get(client, f"/e/{event.join_code}/screen/live?k={event.screen_token}")
    for html in (console, screen):
        assert 'data-no-opinion="13"' in html
        assert "No opinion: 13 of 21 answers (62%)" in html
        assert "bars show the 8 with an opinion" in html
        assert ">50%<" in html  # the bars stay shares of the answers with an opinion


def test_pages_print_cleanly_with_filters_and_time_stated(client, fx, analyst):
    gov = fx.event.sectors[0]
    for url in (f"/staff/events/{fx.event.id}/results?sector={gov.id}&gender=woman",
                f"/staff/events/{fx.event.id}/results/items/{fx.items['A1'].id}"
                f"?sector={gov.id}&gender=woman"):
        header = _section(_get(client, url), 'class="print-header"', "</div>")
        assert "Sector: Government (ministries and agencies)" in header
        assert "Gender: Woman" in header
        assert re.search(r"Printed at:</strong> \d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Phnom_Penh\)",
                         header)
    plain = _section(_get(client, f"/staff/events/{fx.event.id}/results"),
                     'class="print-header"', "</div>")
    assert "none (every response)" in plain
    css = Path(__file__).parents[2].joinpath("static/css/app.css").read_text()
    block = css[css.index("/* results: print and heat map (figures) */"):]
    printing = block[block.index("@media print"):]
    for hidden in (".site-header", ".subnav", ".filters", "form", "button"):
        assert hidden in printing.split("display: none")[0]
    assert ".print-header { display: block" in printing
    assert "print-color-adjust: exact" in printing


def test_pages_in_khmer(khmer_client, fx, make):
    user = make.user(Role.analyst)
    db.session.commit()
    login(khmer_client, user)
    page = _get(khmer_client, f"/staff/events/{fx.event.id}/results")
    assert 'id="heatmap"' in page and 'id="priority-ranking"' in page
    item = _get(khmer_client, f"/staff/events/{fx.event.id}/results/items/{fx.items['T1'].id}")
    assert "More GPUs for universities" in item
