"""One digit system per screen: a Khmer event writes every number in Khmer digits.

The main pages of a Khmer event (the join page, profile, waiting screen, vote page with saved
answers and a countdown, console, projector with revealed results, results and item pages)
show no ASCII digit in their visible text, tooltips included. Codes and addresses are not
numbers: the join code, item codes, participant codes and URLs keep their Latin characters.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import Role
from consult.agenda.models import ItemKind
from consult.events.operations import create_event
from consult.extensions import db
from consult.i18n import LOCALE_COOKIE, khmer_digits
from consult.participants.models import Gender, Participant
from consult.timeutil import utcnow
from consult.voting.models import ResponseChoice
from tests.conftest import login
from tests.helpers import as_participant, vote
from tests.test_i18n import visible_text

ASCII_DIGIT = re.compile(r"[0-9]")
KHMER_DIGIT = re.compile(r"[០-៩]")
URL = re.compile(r"https?://\S+|/[\w./?=&%-]*\d[\w./?=&%-]*")
OPTIONS = [("a", "Option A", "ជម្រើសទីមួយ"), ("b", "Option B", "ជម្រើសទីពីរ"),
           ("c", "Option C", "ជម្រើសទីបី")]


def _km(text: str) -> str:
    return khmer_digits(text)


def khmer_event(make):
    """A Khmer event with figures of every kind; its own text has no ASCII digit.

    Round ១ is closed and revealed (a contested item with two sectors below the floor, a
    priority, a ranking, a choice and open answers); round ២ is open until later today (one
    item follows an item of round ១: a shift); round ៣ is open for three days.
    """
    event = make.event(title_en="Validation workshop", title_km="សិក្ខាសាលាបញ្ជាក់សុពលភាព",
                       default_locale="km")
    section = make.section(event, title_en="Pillar 1", title_km=_km("សសរស្តម្ភទី1"))
    rounds = [make.round(event, title_en=f"Round {n}", title_km=_km(f"ជុំទី{n}"))
              for n in (1, 2, 3)]
    counter = iter(range(1, 100))

    def item(round_, kind=ItemKind.agreement, **kw):
        n = next(counter)
        kw.setdefault("prompt_km", _km(f"សេចក្តីថ្លែងទី{n}"))
        options = OPTIONS if kind in (ItemKind.choice, ItemKind.ranking, ItemKind.multi) else ()
        return make.item(event, section, round_, kind=kind, options=options, **kw)

    items = {"A1": item(rounds[0]), "P1": item(rounds[0], ItemKind.priority),
             "K1": item(rounds[0], ItemKind.ranking, top_k=2),
             "C1": item(rounds[0], ItemKind.choice), "T1": item(rounds[0], ItemKind.text)}
    items["A2"] = item(rounds[1], follows_item_id=items["A1"].id)
    items["M2"] = item(rounds[1], ItemKind.multi, max_choices=2)
    items["K2"] = item(rounds[1], ItemKind.ranking, top_k=2)
    items["A3"] = item(rounds[2])
    gov, academia, private, cso = event.sectors[:4]
    # A1: government 4 of 4 agree, academia 1 of 3, private sector 1 of 3 (both below the
    # 50 % floor), civil society 3 of 3: 9 of 13 (69 %) overall, contested; one "no opinion".
    votes = {gov: [5, 5, 4, 4], academia: [2, 1, 4], private: [1, 2, 5], cso: [4, 4, 4, 0]}
    rounds[0].open()
    people = []
    for sector, values in votes.items():
        for n, value in enumerate(values):
            person = make.participant(event, sector=sector, gender=(Gender.woman, Gender.man)[n % 2])
            make.response(person, items["A1"], value, comment_locale="km",
                          comment=None if people else "សូមពន្លឿនការអនុវត្ត")
            people.append(person)
    for person, value in zip(people[:7], (3, 3, 2, 1, 3, 2, 2), strict=True):
        make.response(person, items["P1"], value)
    picks = [["a", "b"], ["b", "c"], ["b", "a"], ["c"], ["b"], ["a", "b"]]
    for person, codes in zip(people, picks, strict=False):
        _choose(make, person, items["K1"], codes, ranked=True)
        _choose(make, person, items["C1"], codes[:1])
    make.response(people[1], items["T1"], None, text_value="ត្រូវការគ្រូបង្គោលបន្ថែម")
    rounds[0].close()
    rounds[1].open(closes_at=utcnow() + timedelta(minutes=20))
    rounds[2].open(closes_at=utcnow() + timedelta(days=3))
    rounds[0].reveal()  # after the openings: the projector shows round ១'s results
    for person in people[:5]:
        make.response(person, items["A2"], 5)
    facilitator = make.user(Role.facilitator, locale="km")
    db.session.commit()
    return event, rounds, items, people, facilitator


def _choose(make, person, item, codes, ranked=False):
    by_code = {o.code: o.id for o in item.options}
    response = make.response(person, item, None)
    for rank, code in enumerate(codes, start=1):
        db.session.add(ResponseChoice(response_id=response.id, option_id=by_code[code],
                                      rank=rank if ranked else None))
    db.session.flush()


def ascii_digits_shown(html: str, event) -> list[str]:
    """ASCII digits in the visible text (tooltips too), codes and addresses left out."""
    text = visible_text(html)
    codes = {event.join_code, *(i.code for i in event.items),
             *db.session.scalars(select(Participant.public_code)
                                 .where(Participant.event_id == event.id))}
    for code in sorted(codes, key=len, reverse=True):
        text = text.replace(code, " ")
    text = URL.sub(" ", text)
    return [text[max(0, m.start() - 30):m.end() + 20] for m in ASCII_DIGIT.finditer(text)]


def _staff_client(app, user):
    client = app.test_client()
    login(client, user)
    client.set_cookie(LOCALE_COOKIE, "km")
    return client


def _pages(app, khmer_client, event, rounds, items, people, facilitator):
    """(name, html) of the main pages of the event, in Khmer, with saved answers."""
    code = event.join_code
    newcomer = app.test_client()
    yield "join page", newcomer.get(f"/j/{code}", follow_redirects=True)
    yield "profile", newcomer.get(f"/e/{code}/profile")
    participant = people[0]
    as_participant(khmer_client, participant)
    yield "waiting screen", khmer_client.get(f"/e/{code}/wait")
    saved = vote(khmer_client, event, items["A2"], 4, comment="យល់ស្រប")
    assert saved.status_code == 200 and saved.get_json()["saved"]
    yield "answer saved (JSON message)", saved.get_json()["message"]
    ranked = {f"rank-{items['K2'].id}-a": "2", f"rank-{items['K2'].id}-b": "1"}
    round2 = f"/e/{code}/rounds/{rounds[1].id}"
    posted = khmer_client.post(round2, data={f"item-{items['A2'].id}": "5", **ranked},
                               follow_redirects=True)
    yield "vote page after a plain post (flash)", posted
    yield "vote page with a countdown", khmer_client.get(round2)
    yield "vote page closing another day", khmer_client.get(f"/e/{code}/rounds/{rounds[2].id}")
    yield "vote page refusing an answer", khmer_client.post(
        round2, data={f"item-{items['M2'].id}": ["a", "b", "c"]}, follow_redirects=True)
    screen = f"/e/{code}/screen?k={event.screen_token}"
    projector = khmer_client.get(screen)
    assert 'class="screen-results"' in projector.get_data(as_text=True)
    yield "projector with revealed results", projector
    yield "projector (live part)", khmer_client.get(
        f"/e/{code}/screen/live?k={event.screen_token}")
    staff = _staff_client(app, facilitator)
    console = f"/staff/events/{event.id}/console"
    yield "console", staff.get(console)
    yield "console (agenda part)", staff.get(f"{console}/agenda")
    yield "console (live part)", staff.get(f"{console}/live")
    results = f"/staff/events/{event.id}/results"
    yield "results", staff.get(results)
    for key in ("A1", "P1", "K1", "C1", "T1", "A2"):
        yield f"item page {key}", staff.get(f"{results}/items/{items[key].id}")


def test_a_khmer_event_writes_every_number_in_khmer_digits(app, khmer_client, make):
    event, rounds, items, people, facilitator = khmer_event(make)
    assert event.khmer_digits  # the default of a Khmer event
    seen = 0
    for name, page in _pages(app, khmer_client, event, rounds, items, people, facilitator):
        html = page if isinstance(page, str) else page.get_data(as_text=True)
        if not isinstance(page, str):
            assert page.status_code < 500, name
            assert '<html lang="km">' in html or name.endswith("part)"), name
        assert KHMER_DIGIT.search(visible_text(html)), f"{name}: no number at all?"
        leaked = ascii_digits_shown(html, event)
        assert not leaked, f"{name}: ASCII digits in {leaked[:5]}"
        seen += 1
    assert seen == 20


@pytest.mark.parametrize(("digits", "shown"), [(True, ("៥ ចំណុច", "(៣៣%)")),
                                               (False, ("5 ចំណុច", "(33%)"))])
def test_the_setting_is_the_events(app, make, digits, shown):
    """Switched off, a Khmer page of the event writes 5 ចំណុច and 33%."""
    event, _, items, _, facilitator = khmer_event(make)
    event.khmer_digits = digits
    db.session.commit()
    staff = _staff_client(app, facilitator)
    console = visible_text(staff.get(f"/staff/events/{event.id}/console").get_data(as_text=True))
    item = staff.get(f"/staff/events/{event.id}/results/items/{items['A1'].id}")
    assert shown[0] in console and shown[1] in visible_text(item.get_data(as_text=True))


def test_an_english_event_starts_with_latin_digits(app):
    with app.test_request_context():
        english = create_event(title_en="Workshop", title_km="សិក្ខាសាលា", default_locale="en")
        khmer = create_event(title_en="Workshop", title_km="សិក្ខាសាលា")
        chosen = create_event(title_en="Workshop", title_km="សិក្ខាសាលា", khmer_digits=False)
    assert (english.khmer_digits, khmer.khmer_digits, chosen.khmer_digits) == (False, True, False)


def test_reasons_and_shifts_in_khmer_digits(app, khmer_client, make):
    """The consensus reason names both low sectors, joined in Khmer, with Khmer figures."""
    event, _, _, _, facilitator = khmer_event(make)
    staff = _staff_client(app, facilitator)
    page = staff.get(f"/staff/events/{event.id}/results").get_data(as_text=True)
    text = visible_text(page)
    academia, private = (tr.label_km for tr in event.sectors[1:3])
    # Both sectors below the floor, joined the Khmer way (CLDR: "A និង​B"), never ", ".
    assert f"{academia} (៣៣%) និង\u200b{private} (៣៣%)" in text
    assert f"{academia} (៣៣%), {private}" not in text
    assert "+៣១" in text  # A2 (100 %) follows A1 (69 %): a shift of +31 points


def test_the_demo_event_uses_khmer_digits(app):
    from consult.demo import seed_demo

    with app.app_context():
        result = seed_demo(app.instance_path)
        assert result.event.khmer_digits


FORMAL_DATE = r"ថ្ងៃទី[០-៩]{1,2} ខែ\S+ ឆ្នាំ[០-៩]{4} ម៉ោង [០-៩]{2}:[០-៩]{2}"


def test_dates_in_the_formal_khmer_pattern_on_pages_and_in_the_workbook(app, make):
    """Deadlines, the printed time and the workbook's export time: ថ្ងៃទី២៥ ខែវិច្ឆិកា …"""
    from openpyxl import load_workbook

    event, _, _, _, facilitator = khmer_event(make)
    staff = _staff_client(app, facilitator)
    console = visible_text(staff.get(f"/staff/events/{event.id}/console").get_data(as_text=True))
    # Round ៣ closes in three days: បិទនៅថ្ងៃសៅរ៍ ទី២៨ ខែវិច្ឆិកា ឆ្នាំ២០២៦ ម៉ោង ២១:០៥
    assert re.search(r"បិទនៅថ្ងៃ\S+ ទី[០-៩]{1,2} ខែ\S+ ឆ្នាំ[០-៩]{4} ម៉ោង [០-៩]{2}:[០-៩]{2}", console)
    results = visible_text(staff.get(f"/staff/events/{event.id}/results").get_data(as_text=True))
    assert re.search(FORMAL_DATE + r" \(Asia/Phnom_Penh\)", results)
    export = staff.get(f"/staff/events/{event.id}/export.xlsx?lang=km")
    assert export.status_code == 200
    about = load_workbook(io.BytesIO(export.data)).worksheets[0]
    values = [str(row[1]) for row in about.iter_rows(values_only=True) if row[1]]
    assert any(re.fullmatch(FORMAL_DATE + r" \(Asia/Phnom_Penh\)", v) for v in values), values
