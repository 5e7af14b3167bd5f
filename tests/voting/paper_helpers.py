"""Shared steps of the paper ballot tests: a closed round of several kinds, typing a ballot."""

from __future__ import annotations

from sqlalchemy import func, select

from consult.agenda.models import ItemKind
from consult.extensions import db
from consult.voting.models import PaperBallot, Response

OPTIONS = [("a", "Option A", "ជម្រើស ក"), ("b", "Option B", "ជម្រើស ខ"),
           ("c", "Option C", "ជម្រើស គ"), ("d", "Option D", "ជម្រើស ឃ")]
#: One item of each kind, in printed order.
KINDS = (ItemKind.agreement, ItemKind.priority, ItemKind.choice, ItemKind.multi,
         ItemKind.ranking, ItemKind.text)


def closed_round(make, kinds=KINDS, *, event=None, close=True, codes=None, **event_kw):
    """An event (live) with a round of ``kinds`` that was opened and closed; its items."""
    event = event or make.event(**event_kw)
    section = event.sections[0] if event.sections else make.section(event)
    round_ = make.round(event)
    items = []
    for n, kind in enumerate(kinds, start=1):
        options = OPTIONS if kind in (ItemKind.choice, ItemKind.multi, ItemKind.ranking) else ()
        kw = {"code": codes[n - 1]} if codes else {}
        items.append(make.item(event, section, round_, kind=kind, options=options,
                               prompt_en=f"Prompt {n} of round {round_.position}",
                               prompt_km=f"ចំណុចទី {n}", **kw))
    round_.open()
    if close:
        round_.close()
    db.session.commit()
    return event, round_, items


def ballot(number, items, answers, *, sector="1", gender="1", organisation="MoEYS",
           comments=None) -> dict:
    """The entry form's fields for one ballot: ``answers`` are the typed digits in item order."""
    data = {"ballot_number": str(number), "sector": sector, "gender": gender,
            "organisation": organisation}
    for item, typed in zip(items, answers, strict=True):
        data[f"item_{item.id}"] = typed
    for item, comment in (comments or {}).items():
        data[f"comment_{item.id}"] = comment
    return data


def enter_url(event, round_=None) -> str:
    base = f"/staff/events/{event.id}/paper"
    return f"{base}/rounds/{round_.id}" if round_ is not None else f"{base}/agenda"


def count(model=Response, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def ballots(event) -> list[PaperBallot]:
    db.session.rollback()
    return db.session.scalars(select(PaperBallot).where(PaperBallot.event_id == event.id)
                              .order_by(PaperBallot.id)).all()


def client_of(app, user):
    """A new browser (test client, in English) signed in as ``user``."""
    from consult.i18n import LOCALE_COOKIE
    from tests.conftest import login

    client = app.test_client()
    client.set_cookie(LOCALE_COOKIE, "en")
    login(client, user)
    return client
