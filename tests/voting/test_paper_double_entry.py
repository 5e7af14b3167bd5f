"""Fifty paper ballots with double entry count exactly like the same answers given by phone.

Two twin events carry the same closed round of 16 items of every kind. In one, fifty people
answer by phone while the round is open. In the other, the same answers arrive on paper after
the round closed: two clerks type each ballot, five typings differ and a facilitator resolves
them, and a clerk who types a ballot twice is refused. The computed report, the results page,
the workbook's Summary sheet and the CSV are then the same for both events (the CSV without
ids, times and source), and the ``paper`` source filter selects exactly the paper answers.
"""

from __future__ import annotations

import csv
import io
import random
import re

from openpyxl import load_workbook
from sqlalchemy import select

from consult.accounts.models import AuditEntry, Role
from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.participants.models import Gender, Participant
from consult.results.report import build_report
from consult.voting.models import BallotStatus, Response
from tests.helpers import as_participant
from tests.voting.paper_helpers import ballots, client_of, closed_round, count, enter_url

KINDS = ((ItemKind.agreement,) * 6 + (ItemKind.priority,) * 3 + (ItemKind.choice,) * 2
         + (ItemKind.multi,) * 2 + (ItemKind.ranking,) * 2 + (ItemKind.text,))
CODES = [f"Q{n:02d}" for n in range(1, len(KINDS) + 1)]
PEOPLE = 50
ORGANISATIONS = ["MoEYS", "MPTC", "CADT", "RUPP", "Smart Axiata", "UNDP", ""]


# --- The fifty people and their answers -------------------------------------------------------

def _people(seed: int = 11) -> list[dict]:
    """Each person's profile and answers: what a phone sends and what the ballot shows."""
    rng = random.Random(seed)
    people = []
    for _ in range(PEOPLE):
        answers = []
        for kind in KINDS:
            if rng.random() < 0.08:
                answers.append(None)  # left blank
            elif kind == ItemKind.agreement:
                answers.append(rng.choice([0, 1, 2, 3, 4, 4, 5, 5]))
            elif kind == ItemKind.priority:
                answers.append(rng.choice([1, 2, 3, 3]))
            elif kind == ItemKind.choice:
                answers.append([rng.randint(1, 4)])
            elif kind == ItemKind.multi:
                answers.append(sorted(rng.sample(range(1, 5), rng.randint(1, 3))))
            elif kind == ItemKind.ranking:
                order = rng.sample(range(1, 5), rng.randint(1, 4))  # option numbers by place
                answers.append(order)
            else:
                answers.append(rng.choice(["More teachers", "ភាសាខ្មែរ", "Data centres"]))
        comments = {i: rng.choice(["Needs a budget", "យល់ស្រប", "Too vague"])
                    for i in range(len(KINDS)) if answers[i] is not None and rng.random() < 0.15}
        people.append({"sector": rng.randint(1, 6), "gender": rng.randint(1, 4),
                       "organisation": rng.choice(ORGANISATIONS), "answers": answers,
                       "comments": comments})
    return people


def _typed(kind, answer) -> str:
    """The answer as a clerk types it from the paper, in the convention's digits."""
    if answer is None:
        return ""
    if kind in (ItemKind.agreement, ItemKind.priority):
        return str(answer)
    if kind == ItemKind.choice:
        return str(answer[0])
    if kind == ItemKind.multi:
        return "".join(str(n) for n in answer)
    if kind == ItemKind.ranking:  # the place written beside each option, in option order
        places = {number: place for place, number in enumerate(answer, start=1)}
        return " ".join(str(places.get(n, "-")) for n in range(1, 5))
    return answer


def _ballot(number: int, person: dict, items) -> dict:
    data = {"ballot_number": str(number), "sector": str(person["sector"]),
            "gender": str(person["gender"]), "organisation": person["organisation"]}
    for i, (item, answer) in enumerate(zip(items, person["answers"], strict=True)):
        data[f"item_{item.id}"] = _typed(item.kind, answer)
        if i in person["comments"]:
            data[f"comment_{item.id}"] = person["comments"][i]
    return data


def _phone_form(person: dict, items) -> dict:
    """What the vote page (without JavaScript) posts for the same answers."""
    data = {}
    for i, (item, answer) in enumerate(zip(items, person["answers"], strict=True)):
        if answer is None:
            continue
        codes = [o.code for o in item.options]
        if item.kind in (ItemKind.agreement, ItemKind.priority):
            data[f"item-{item.id}"] = str(answer)
        elif item.kind in (ItemKind.choice, ItemKind.multi):
            data[f"item-{item.id}"] = [codes[n - 1] for n in answer]
        elif item.kind == ItemKind.ranking:
            for place, n in enumerate(answer, start=1):
                data[f"item-{item.id}-rank-{codes[n - 1]}"] = str(place)
        else:
            data[f"item-{item.id}"] = answer
        if i in person["comments"]:
            data[f"comment-{item.id}"] = person["comments"][i]
    return data


# --- Reading the figures of an event ----------------------------------------------------------

def _report_figures(event) -> list:
    """The computed report in plain values: ids replaced by codes and sector positions."""
    db.session.rollback()
    report = build_report(event)
    sectors = {s.id: s.position for s in event.sectors}

    def cell(c, options):
        key = (lambda k: options.get(k, k)) if options else (lambda k: k)
        shares = c.shares
        return (c.n, {key(k): v for k, v in c.counts.items()},
                None if shares is None else (shares.n, shares.base, shares.suppressed,
                                             {key(k): round(v, 9) for k, v in shares.pct.items()}),
                c.mean, c.score, c.iqr,
                None if c.points is None else {key(k): v for k, v in c.points.items()})

    figures = []
    for result in report.items:
        options = {o.id: o.code for o in result.item.options}
        consensus = result.consensus
        figures.append((
            result.item.code, cell(result.overall, options),
            {sectors[s]: cell(c, options) for s, c in result.by_sector.items()},
            {g: cell(c, options) for g, c in result.by_gender.items()},
            None if consensus is None else (consensus.status, consensus.overall_pct,
                                            consensus.balanced_pct, consensus.spread,
                                            str(consensus.reason)),
        ))
    return figures


def _page_text(client, event, query: str = "") -> str:
    """The results page's text, without the event's own address and code."""
    html = client.get(f"/staff/events/{event.id}/results{query}").get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    text = re.sub(r"<[^>]+>", " ", main)
    return " ".join(text.replace(event.join_code, "CODE").split())


def _summary_sheet(client, event, query: str = "") -> list[tuple]:
    data = client.get(f"/staff/events/{event.id}/export.xlsx{query}").data
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in wb["Summary"].iter_rows(values_only=True)]


#: CSV columns that name rows or say how they came: left out when comparing the two events.
NOT_COMPARED = {"participant", "item_id", "source", "created_at", "updated_at"}


def _csv_rows(client, event, query: str = "") -> list[tuple]:
    text = client.get(f"/staff/events/{event.id}/export.csv{query}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return sorted(tuple(v for k, v in row.items() if k not in NOT_COMPARED) for row in rows)


def _sources(client, event) -> set[str]:
    text = client.get(f"/staff/events/{event.id}/export.csv").get_data(as_text=True)
    return {row["source"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


# --- The test ---------------------------------------------------------------------------------

#: Ballot number → (field, what the first clerk types, what the second types, what counts):
#: the five typings that differ, and how the facilitator resolves each field.
MISTAKES = {
    3: [("item", 0, "first-wrong", "second")],
    10: [("sector", None, "first-wrong", "second")],
    20: [("item", 11, "both-wrong", "other")],
    30: [("item", 13, "second-wrong", "first"), ("organisation", None, "second-wrong", "first")],
    40: [("gender", None, "first-wrong", "second"), ("item", 3, "second-wrong", "first")],
}


def _wrong(field: str, index, data: dict, items, variant: int) -> dict:
    """``data`` with one field typed wrongly (``variant`` makes two different mistakes)."""
    data = dict(data)
    if field == "item":
        key = f"item_{items[index].id}"
        candidates = {ItemKind.agreement: ["1", "2", "3"], ItemKind.multi: ["4", "23", "12"],
                      ItemKind.ranking: ["1 - - -", "- 1 - -", "- - 1 -"]}[items[index].kind]
        data[key] = [c for c in candidates if c != data[key]][variant]
    elif field == "organisation":
        data["organisation"] = "MoEYS typo"
    else:
        data[field] = str(int(data[field]) % (6 if field == "sector" else 4) + 1)
    return data


def test_fifty_paper_ballots_with_double_entry_count_like_phone_answers(app, client, make):
    people = _people()
    phone_event, phone_round, phone_items = closed_round(
        make, KINDS, close=False, codes=CODES, title_en="Twin", title_km="ភ្លោះ")
    paper_event, paper_round, paper_items = closed_round(
        make, KINDS, codes=CODES, title_en="Twin", title_km="ភ្លោះ", double_entry=True)
    first_clerk = make.user(Role.clerk, username="clerk_a")
    second_clerk = make.user(Role.clerk, username="clerk_b")
    facilitator = make.user(Role.facilitator, username="facilitator")
    phone_people = [make.participant(phone_event, sector=phone_event.sectors[p["sector"] - 1],
                                     gender=list(Gender)[p["gender"] - 1],
                                     organisation=p["organisation"]) for p in people]
    db.session.commit()

    # By phone, while the round is open (the vote page without JavaScript), then closed.
    for person, participant in zip(people, phone_people, strict=True):
        phone = app.test_client()
        as_participant(phone, participant)
        sent = phone.post(f"/e/{phone_event.join_code}/rounds/{phone_round.id}",
                          data=_phone_form(person, phone_items))
        assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    phone_round.close()
    db.session.commit()

    # On paper, after the round closed: the first clerk types every ballot.
    a, b = client_of(app, first_clerk), client_of(app, second_clerk)
    url = enter_url(paper_event, paper_round)
    typed = {n: _ballot(n, p, paper_items) for n, p in enumerate(people, start=1)}
    for number, data in typed.items():
        for field, index, who, _ in MISTAKES.get(number, []):
            if who in ("first-wrong", "both-wrong"):
                data = _wrong(field, index, data, paper_items, 0)
        assert a.post(url, data=data).status_code == 302
    # Typed once: nothing counts yet.
    assert count(Response, Response.item_id.in_([i.id for i in paper_items])) == 0
    # The same clerk cannot be the second typist.
    again = a.post(url, data=typed[7])
    assert again.status_code == 409
    assert "You have typed ballot 7 already" in again.get_data(as_text=True)

    # The second clerk types them all; five differ from the first typing.
    for number, data in typed.items():
        for field, index, who, _ in MISTAKES.get(number, []):
            if who in ("second-wrong", "both-wrong"):
                data = _wrong(field, index, data, paper_items, 1)
        assert b.post(url, data=data).status_code == 302
    states = {x.ballot_number: x.status for x in ballots(paper_event)}
    assert {n for n, s in states.items() if s == BallotStatus.mismatch} == {
        str(n) for n in MISTAKES}
    assert sum(s == BallotStatus.confirmed for s in states.values()) == PEOPLE - len(MISTAKES)
    assert count(Participant, Participant.event_id == paper_event.id) == PEOPLE - len(MISTAKES)

    # A clerk cannot resolve; the facilitator compares the two typings and chooses.
    boss = client_of(app, facilitator)
    by_number = {x.ballot_number: x for x in ballots(paper_event)}
    resolve = f"/staff/events/{paper_event.id}/paper/ballots/{{}}/resolve"
    assert a.get(resolve.format(by_number["3"].id)).status_code == 403
    assert a.post(resolve.format(by_number["3"].id), data={}).status_code == 403
    for number, mistakes in MISTAKES.items():
        ballot = by_number[str(number)]
        page = boss.get(resolve.format(ballot.id))
        assert page.status_code == 200
        form = {}
        for field, index, _, pick in mistakes:
            name = f"item_{paper_items[index].id}" if field == "item" else field
            assert f'name="pick_{name}"' in page.get_data(as_text=True)
            form[f"pick_{name}"] = pick
            if pick == "other":
                form[f"other_{name}"] = typed[number][name]
        done = boss.post(resolve.format(ballot.id), data=form)
        assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert {x.status for x in ballots(paper_event)} == {BallotStatus.confirmed}
    db.session.rollback()
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.event_id == paper_event.id)).all()
    assert actions.count("paper.enter") == 2 * PEOPLE
    assert actions.count("paper.mismatch") == actions.count("paper.resolve") == len(MISTAKES)
    assert actions.count("paper.confirm") == PEOPLE

    # Every figure is the same as by phone.
    reader = client_of(app, facilitator)
    figures = _report_figures(paper_event)
    assert figures == _report_figures(phone_event)
    assert all(n > 30 for _, (n, *_), *_ in figures)  # every item, answered by most of them
    page_text = _page_text(reader, paper_event)
    assert page_text == _page_text(reader, phone_event)
    assert all(code in page_text for code in CODES)
    summary = _summary_sheet(reader, paper_event)
    assert summary == _summary_sheet(reader, phone_event)
    assert [row[1] for row in summary[1:]] == CODES
    phone_csv, paper_csv = _csv_rows(reader, phone_event), _csv_rows(reader, paper_event)
    assert len(paper_csv) == sum(a is not None for p in people for a in p["answers"])
    assert paper_csv == phone_csv
    assert _sources(reader, paper_event) == {"paper"} and _sources(reader, phone_event) == {"web"}

    # The paper filter: everything on the paper event, nothing on the phone event.
    paper_only = "?source=paper"
    assert _summary_sheet(reader, paper_event, paper_only) == _summary_sheet(reader, paper_event)
    assert _csv_rows(reader, paper_event, paper_only) == paper_csv
    assert _csv_rows(reader, phone_event, paper_only) == []
    assert _csv_rows(reader, paper_event, "?source=web") == []
    page = reader.get(f"/staff/events/{paper_event.id}/results{paper_only}").get_data(as_text=True)
    assert re.search(r'<option selected value="paper">|<option value="paper" selected', page)
    assert _page_text(reader, phone_event, paper_only) != _page_text(reader, phone_event)
