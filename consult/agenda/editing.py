"""Building and editing the agenda: sections, rounds, items and their options.

The agenda builder's views, the XLSForm import, the Delphi re-vote and event duplication all
create through these functions, so an item is checked by one set of rules however it is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda.models import OPTION_KINDS, Item, ItemKind, ItemOption, Round, Section
from consult.errors import ConsultError
from consult.events.models import Event
from consult.extensions import db

#: Item and option codes: what XLSForm allows in a ``name`` (letters, digits, ``_ - .``),
#: so an agenda exports to a form Kobo and ODK accept.
CODE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*|[0-9][A-Za-z0-9_.\-]*")
MAX_CODE_LENGTH = 40


@dataclass(frozen=True)
class OptionSpec:
    """One option as typed or imported: code and bilingual label."""

    code: str
    label_en: str = ""
    label_km: str = ""


@dataclass(frozen=True)
class Problem:
    """What is wrong with an item as given: the field it concerns and why."""

    field: str
    message: object  #: a lazy translated string

    def __str__(self) -> str:
        return str(self.message)


class AgendaError(ConsultError):
    """An agenda change refused, with every problem found (not only the first)."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(" ".join(str(p) for p in problems))
        self.problems = list(problems)


def _code_problem(code: str, field: str) -> Problem | None:
    if not code:
        return Problem(field, _l("A code is required."))
    if len(code) > MAX_CODE_LENGTH or not CODE_PATTERN.fullmatch(code):
        return Problem(field, _l("A code has at most 40 letters, digits, dashes, dots or "
                                 "underscores, with no spaces."))
    return None


def item_problems(*, event: Event, kind: str, code: str, prompt_en: str, prompt_km: str,
                  max_choices: int | None = None, top_k: int | None = None,
                  options: Sequence[OptionSpec] = (), item: Item | None = None,
                  taken_codes: Iterable[str] | None = None) -> list[Problem]:
    """Every reason the item as given cannot be saved (empty when it can): the one set of rules.

    ``item``: the item being edited (its own code is not "taken"). ``taken_codes``: codes
    already used in the event, when the caller knows them better than the database does (an
    import checking a whole file before anything is written).
    """
    problems: list[Problem] = []
    try:
        kind = ItemKind(kind)
    except ValueError:
        return [Problem("kind", _l("Unknown kind of item."))]
    code = (code or "").strip()
    problem = _code_problem(code, "code")
    if problem is not None:
        problems.append(problem)
    else:
        if taken_codes is None:
            query = select(Item.id).where(Item.event_id == event.id, Item.code == code)
            if item is not None and item.id is not None:
                query = query.where(Item.id != item.id)
            taken = db.session.scalar(query.limit(1)) is not None
        else:
            taken = code in set(taken_codes)
        if taken:
            problems.append(Problem("code", _l("Another item of this event has the code "
                                               "%(code)s.", code=code)))
    if not (prompt_en or "").strip() and not (prompt_km or "").strip():
        problems.append(Problem("prompt", _l("An item needs a prompt in Khmer or English.")))
    if kind in OPTION_KINDS:
        if len(options) < 2:
            problems.append(Problem("options", _l("This kind of item needs at least two "
                                                  "options.")))
        seen: set[str] = set()
        for option in options:
            problem = _code_problem(option.code.strip(), "options")
            if problem is not None:
                problems.append(problem)
            elif option.code.strip() in seen:
                problems.append(Problem("options", _l("Two options have the code %(code)s.",
                                                      code=option.code.strip())))
            seen.add(option.code.strip())
            if not option.label_en.strip() and not option.label_km.strip():
                problems.append(Problem("options", _l("Option %(code)s needs a label in Khmer "
                                                      "or English.", code=option.code)))
    elif options:
        problems.append(Problem("options", _l("Only choice, multiple-choice and ranking items "
                                              "have options.")))
    if max_choices is not None:
        if kind != ItemKind.multi:
            problems.append(Problem("max_choices", _l("Only a multiple-choice item has a "
                                                      "maximum number of choices.")))
        elif not 1 <= max_choices <= max(len(options), 1):
            problems.append(Problem("max_choices", _l("The maximum number of choices must be "
                                                      "between 1 and the number of options.")))
    if top_k is not None:
        if kind != ItemKind.ranking:
            problems.append(Problem("top_k", _l("Only a ranking item has a number of places "
                                                "to rank.")))
        elif not 1 <= top_k <= max(len(options), 1):
            problems.append(Problem("top_k", _l("The number of places to rank must be between "
                                                "1 and the number of options.")))
    return problems


def _next(column, *where) -> int:
    return (db.session.scalar(select(func.max(column)).where(*where)) or 0) + 1


def add_section(event: Event, actor: User | None, *, key: str = "", title_en: str = "",
                title_km: str = "", description_en: str = "", description_km: str = "",
                audit: bool = True) -> Section:
    """Add a section at the end of the event's agenda."""
    if not title_en.strip() and not title_km.strip():
        raise AgendaError([Problem("title", _l("A section needs a title in Khmer or "
                                               "English."))])
    section = Section(event_id=event.id, position=_next(Section.position,
                                                        Section.event_id == event.id),
                      key=key.strip(), title_en=title_en.strip(), title_km=title_km.strip(),
                      description_en=description_en.strip(),
                      description_km=description_km.strip())
    db.session.add(section)
    db.session.flush()
    if audit:
        record("agenda.section_add", user=actor, event_id=event.id, target=section,
               title_en=section.title_en, title_km=section.title_km)
    return section


def add_round(event: Event, actor: User | None, *, title_en: str = "", title_km: str = "",
              audit: bool = True) -> Round:
    """Add a draft round at the end of the event's agenda."""
    if not title_en.strip() and not title_km.strip():
        raise AgendaError([Problem("title", _l("A round needs a title in Khmer or "
                                               "English."))])
    round_ = Round(event_id=event.id, position=_next(Round.position, Round.event_id == event.id),
                   title_en=title_en.strip(), title_km=title_km.strip())
    db.session.add(round_)
    db.session.flush()
    if audit:
        record("agenda.round_add", user=actor, event_id=event.id, target=round_,
               title_en=round_.title_en, title_km=round_.title_km)
    return round_


def add_item(event: Event, actor: User | None, *, section: Section, round: Round | None = None,
             kind: str, code: str, prompt_en: str = "", prompt_km: str = "",
             detail_en: str = "", detail_km: str = "", allow_comment: bool = True,
             max_choices: int | None = None, top_k: int | None = None,
             options: Sequence[OptionSpec] = (), follows: Item | None = None,
             audit: bool = True) -> Item:
    """Add an item at the end of its section (and of its round, if given); refuse a bad one."""
    problems = item_problems(event=event, kind=kind, code=code, prompt_en=prompt_en,
                             prompt_km=prompt_km, max_choices=max_choices, top_k=top_k,
                             options=options)
    if section.event_id != event.id or (round is not None and round.event_id != event.id):
        problems.append(Problem("section", _l("The section and round must be of this event.")))
    if follows is not None and follows.event_id != event.id:
        problems.append(Problem("follows", _l("A follow-up must follow an item of the same "
                                              "event.")))
    if problems:
        raise AgendaError(problems)
    item = Item(
        event_id=event.id, section_id=section.id,
        position=_next(Item.position, Item.section_id == section.id),
        round_id=round.id if round is not None else None,
        round_position=(_next(Item.round_position, Item.round_id == round.id)
                        if round is not None else None),
        code=code.strip(), kind=ItemKind(kind), prompt_en=prompt_en.strip(),
        prompt_km=prompt_km.strip(), detail_en=detail_en.strip(), detail_km=detail_km.strip(),
        allow_comment=allow_comment, max_choices=max_choices, top_k=top_k,
        follows_item_id=follows.id if follows is not None else None,
    )
    for position, option in enumerate(options, start=1):
        item.options.append(ItemOption(position=position, code=option.code.strip(),
                                       label_en=option.label_en.strip(),
                                       label_km=option.label_km.strip()))
    db.session.add(item)
    db.session.flush()
    if audit:
        record("agenda.item_add", user=actor, event_id=event.id, target=item, code=item.code,
               kind=item.kind.value)
    return item
