"""Shared test steps: a workshop with one open round, a participant with a profile."""

from __future__ import annotations

from consult.access import PARTICIPANT_SESSION_KEY
from consult.agenda.models import ItemKind
from consult.extensions import db


def workshop(make, kinds=(ItemKind.agreement, ItemKind.agreement, ItemKind.priority),
             open_round=True, **event_kw):
    """Create an event with one round holding items of ``kinds``; open it unless told."""
    event = make.event(**event_kw)
    section = make.section(event)
    round_ = make.round(event)
    items = []
    for kind in kinds:
        options = ()
        if kind in (ItemKind.choice, ItemKind.multi, ItemKind.ranking):
            options = [("a", "Option A", "ជម្រើស ក"), ("b", "Option B", "ជម្រើស ខ"),
                       ("c", "Option C", "ជម្រើស គ")]
        items.append(make.item(event, section, round_, kind=kind, options=options))
    if open_round:
        round_.open()
    db.session.commit()
    return event, round_, items


def as_participant(client, participant) -> None:
    """Put the participant's token in the client's session cookie."""
    with client.session_transaction() as session:
        session[PARTICIPANT_SESSION_KEY] = participant.token


def vote(client, event, item, value, comment=None, **extra):
    data = {f"item-{item.id}": value, **extra}
    if comment is not None:
        data[f"comment-{item.id}"] = comment
    return client.post(f"/e/{event.join_code}/items/{item.id}/answer", data=data,
                       headers={"Accept": "application/json"})
