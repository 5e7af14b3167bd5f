"""Importing a checked file: sections, rounds and items added through the agenda's own rules."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda import editing
from consult.agenda.models import Item, Section
from consult.agenda.xlsform.reading import parse_form
from consult.agenda.xlsform.sheets import FileProblem, ImportRefused
from consult.errors import ConsultError
from consult.events.models import Event, EventStatus
from consult.extensions import db


@dataclass
class ImportResult:
    """What an import added."""

    sections: int
    rounds: int
    items: int
    sha256: str



def import_refusal(event: Event):
    """Why an agenda cannot be imported into ``event`` now (a translated message), or None."""
    from consult.voting.models import Response

    if event.status == EventStatus.archived:
        return _l("This event is archived: its agenda cannot change.")
    answered = db.session.scalar(select(exists().where(
        Response.item_id.in_(select(Item.id).where(Item.event_id == event.id)))))
    if answered:
        return _l("People have already answered in this event, so its agenda cannot be "
                  "imported into. Import into a new event instead.")
    return None


def import_agenda(event: Event, actor: User | None, data: bytes, filename: str = ""
                  ) -> ImportResult:
    """Add the sections, rounds and items of an XLSForm at the end of ``event``'s agenda.

    The whole file is checked first: with any problem, nothing is written (ImportRefused).
    """
    refusal = import_refusal(event)
    if refusal is not None:
        raise ConsultError(refusal, 409)
    form = parse_form(data, event)
    try:
        sections = [editing.add_section(event, actor, key=g.key, title_en=g.title_en,
                                        title_km=g.title_km, description_en=g.description_en,
                                        description_km=g.description_km, audit=False)
                    for g in form.groups]
        rounds = {r.name: editing.add_round(event, actor, title_en=r.title_en,
                                            title_km=r.title_km, audit=False)
                  for r in form.rounds}
        items = {i.code: i for i in db.session.scalars(select(Item)
                                                       .where(Item.event_id == event.id))}
        for q in form.questions:
            items[q.code] = editing.add_item(
                event, actor, section=sections[q.group], round=rounds.get(q.round_name),
                kind=q.kind.value, code=q.code, prompt_en=q.prompt_en, prompt_km=q.prompt_km,
                detail_en=q.detail_en, detail_km=q.detail_km, allow_comment=q.allow_comment,
                max_choices=q.max_choices, top_k=q.top_k, options=q.options,
                follows=items.get(q.follows) if q.follows else None, audit=False)
    except editing.AgendaError as error:  # checked above; kept so nothing half-made survives
        raise ImportRefused([FileProblem("", None, "", "", p.message)
                             for p in error.problems]) from error
    digest = hashlib.sha256(data).hexdigest()
    result = ImportResult(len(sections), len(rounds), len(form.questions), digest)
    record("agenda.import", user=actor, event_id=event.id, target=event, file=filename[:200],
           sha256=digest, sections=result.sections, rounds=result.rounds, items=result.items)
    return result

def agenda_counts(event: Event) -> tuple[int, int]:
    """How many sections and items ``event`` has (shown on the import page)."""
    sections = db.session.scalar(select(func.count()).select_from(Section)
                                 .where(Section.event_id == event.id)) or 0
    items = db.session.scalar(select(func.count()).select_from(Item)
                              .where(Item.event_id == event.id)) or 0
    return sections, items
