"""A small workshop whose every figure was computed by hand (see the comments)."""

from __future__ import annotations

from dataclasses import dataclass

from consult.agenda.models import Item, ItemKind
from consult.extensions import db
from consult.participants.models import Gender, Source
from consult.timeutil import utcnow
from consult.voting.models import ResponseChoice
from tests import factories

OPTIONS = [("a", "Option A", "ជម្រើស ក"), ("b", "Option B", "ជម្រើស ខ"), ("c", "Option C", "ជម្រើស គ")]


@dataclass
class Fixture:
    event: object
    round1: object
    round2: object
    items: dict[str, Item]
    people: dict[str, object]
    hidden_response_id: int


def build(make=factories) -> Fixture:
    """Four sectors (Private has only 2 answers: not eligible), three genders, web and paper."""
    event = make.event(title_en="Fixture workshop", title_km="សិក្ខាសាលាគំរូ")
    gov, academia, private, cso = event.sectors[:4]
    section = make.section(event, title_en="Pillar 1", title_km="សសរស្តម្ភទី ១")
    round1 = make.round(event, title_en="Round 1", title_km="ជុំទី ១")
    round2 = make.round(event, title_en="Round 2", title_km="ជុំទី ២")
    items = {
        "A1": make.item(event, section, round1, code="A1", prompt_en="Adopt the strategy",
                        prompt_km="អនុម័តយុទ្ធសាស្ត្រ"),
        "P1": make.item(event, section, round1, kind=ItemKind.priority, code="P1"),
        "C1": make.item(event, section, round1, kind=ItemKind.choice, code="C1", options=OPTIONS),
        "M1": make.item(event, section, round1, kind=ItemKind.multi, code="M1", options=OPTIONS),
        "K1": make.item(event, section, round1, kind=ItemKind.ranking, code="K1", options=OPTIONS,
                        top_k=2),
        "T1": make.item(event, section, round1, kind=ItemKind.text, code="T1"),
    }
    items["A2"] = make.item(event, section, round2, code="A2", follows_item_id=items["A1"].id,
                            prompt_en="Adopt the strategy (again)", prompt_km="អនុម័តម្តងទៀត")
    w, m, x = Gender.woman, Gender.man, Gender.another
    spec = {  # name: (sector, gender, source)
        "g1": (gov, w, Source.web), "g2": (gov, m, Source.web), "g3": (gov, w, Source.paper),
        "g4": (gov, m, Source.web), "a1": (academia, w, Source.web),
        "a2": (academia, w, Source.web), "a3": (academia, m, Source.web),
        "p1": (private, m, Source.web), "p2": (private, w, Source.web),
        "c1": (cso, w, Source.web), "c2": (cso, m, Source.web), "c3": (cso, x, Source.web),
    }
    people = {name: make.participant(event, sector=s, gender=g, source=src,
                                     profile_completed_at=utcnow())
              for name, (s, g, src) in spec.items()}
    round1.open()
    round2.open()
    # A1: gov 5 4 4 2 (75%), academia 2 1 4 (33%), private 5 0 (1 with opinion: ineligible),
    # cso 4 5 3 (67%). Overall 7 agree of 11 with an opinion = 63.6%; mean 39/11.
    a1 = {"g1": 5, "g2": 4, "g3": 4, "g4": 2, "a1": 2, "a2": 1, "a3": 4, "p1": 5, "p2": 0,
          "c1": 4, "c2": 5, "c3": 3}
    comments = {"g1": '=HYPERLINK("http://evil.example","click")', "a1": "@SUM(1)",
                "c1": "ល្អណាស់ សូមបន្ត", "g2": "spam"}
    hidden = None
    for name, value in a1.items():
        response = make.response(people[name], items["A1"], value, comment=comments.get(name),
                                 comment_locale="km" if name == "c1" else "en")
        if name == "g2":
            hidden = response
    # A2 follows A1: everyone with an opinion agrees (100%): shift +36.4 points.
    for name in ("g1", "g2", "g3", "g4", "a1", "a2", "a3", "c1", "c2", "c3"):
        make.response(people[name], items["A2"], 4)
    # P1: high 3, medium 2, low 1 of 6: score 14/6.
    for name, value in {"g1": 3, "g2": 3, "g3": 2, "a1": 1, "a2": 3, "c1": 2}.items():
        make.response(people[name], items["P1"], value)
    _options(make, people, items["C1"], {"g1": ["a"], "g2": ["b"], "a1": ["a"], "c1": ["a"]})
    _options(make, people, items["M1"], {"g1": ["a", "b"], "a1": ["b"], "c1": ["b", "c"]})
    # K1 (top 2): a 2+1 = 3 points, b 1+2+2 = 5, c 1.
    _options(make, people, items["K1"], {"g1": ["a", "b"], "a1": ["b", "c"], "c1": ["b", "a"]},
             ranked=True)
    make.response(people["g1"], items["T1"], None, text_value="More GPUs for universities")
    make.response(people["a1"], items["T1"], None, text_value="=1+1")
    round1.close()
    db.session.commit()
    hider = make.user("facilitator")
    hidden.comment_hidden_at = utcnow()
    hidden.comment_hidden_by_id = hider.id
    db.session.commit()
    return Fixture(event, round1, round2, items, people, hidden.id)


def _options(make, people, item, picks, ranked=False):
    by_code = {o.code: o.id for o in item.options}
    for name, codes in picks.items():
        response = make.response(people[name], item, None)
        for rank, code in enumerate(codes, start=1):
            db.session.add(ResponseChoice(response_id=response.id, option_id=by_code[code],
                                          rank=rank if ranked else None))
    db.session.flush()
