"""Building and editing the agenda: sections, rounds, items and their options.

The agenda builder's views, the XLSForm import, the Delphi re-vote and event duplication all
create through these functions, so an item is checked by one set of rules however it is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda.models import (
    OPTION_KINDS,
    Item,
    ItemKind,
    ItemOption,
    Round,
    RoundState,
    Section,
)
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
    #: The existing option this row edits (the builder's form); None for a new option.
    id: int | None = None


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
    problems += _count_problems(
        "max_choices", max_choices, kind == ItemKind.multi, len(options),
        _l("Only a multiple-choice item has a maximum number of choices."),
        _l("The maximum number of choices must be between 1 and the number of options."))
    problems += _count_problems(
        "top_k", top_k, kind == ItemKind.ranking, len(options),
        _l("Only a ranking item has a number of places to rank."),
        _l("The number of places to rank must be between 1 and the number of options."))
    return problems


def _count_problems(field: str, count: int | None, kind_has_it: bool, options: int,
                    wrong_kind, out_of_range) -> list[Problem]:
    """What is wrong with an item's count of choices or places (``field``), when one is given."""
    if count is None:
        return []
    if not kind_has_it:
        return [Problem(field, wrong_kind)]
    if not 1 <= count <= max(options, 1):
        return [Problem(field, out_of_range)]
    return []


def _placement_problems(event: Event, section: Section, round_: Round | None) -> list[Problem]:
    """A section or round of another event refused (an item stays within its event)."""
    if section.event_id != event.id or (round_ is not None and round_.event_id != event.id):
        return [Problem("section", _l("The section and round must be of this event."))]
    return []


def _require_title(title_en: str, title_km: str, message) -> None:
    """Refuse a section or round without a title in either language."""
    if not title_en.strip() and not title_km.strip():
        _refuse("title", message)


def _next(column, *where) -> int:
    return (db.session.scalar(select(func.max(column)).where(*where)) or 0) + 1


def add_section(event: Event, actor: User | None, *, key: str = "", title_en: str = "",
                title_km: str = "", description_en: str = "", description_km: str = "",
                audit: bool = True) -> Section:
    """Add a section at the end of the event's agenda."""
    _require_title(title_en, title_km, _l("A section needs a title in Khmer or English."))
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
    _require_title(title_en, title_km, _l("A round needs a title in Khmer or English."))
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
    problems += _placement_problems(event, section, round)
    if follows is not None and follows.event_id != event.id:
        problems.append(Problem("follows", _l("A follow-up must follow an item of the same "
                                              "event.")))
    refusal = _open_refusal(round)  # the builder's rule: an open round's items stay as they are
    if refusal is not None:
        problems.append(refusal)
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
    if round is not None:
        event.touch_state()  # the round's vote page changes (voting/page_cache.py keys on it)
    db.session.flush()
    if audit:
        record("agenda.item_add", user=actor, event_id=event.id, target=item, code=item.code,
               kind=item.kind.value)
    return item


# --- Guards: what answers exist ---------------------------------------------------------------
# Editing is free while no one has answered. Once answers exist, changes that would make them
# mean something else are refused: deleting an answered item or option, changing an item's
# kind, code, maximum of choices or places to rank, or an answered option's code. Wording
# (prompts, details, labels, titles) stays editable and is audited with before/after.


def answered_item_ids(item_ids: Iterable[int]) -> set[int]:
    """Return the ids among ``item_ids`` that have at least one answer."""
    from consult.voting.models import Response

    ids = list(item_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Response.item_id).where(Response.item_id.in_(ids))
                                  .distinct()))


def is_answered(item: Item) -> bool:
    """Whether anyone has answered ``item``."""
    from consult.voting.models import Response

    return bool(db.session.scalar(select(exists().where(Response.item_id == item.id))))


def answered_option_ids(item: Item) -> set[int]:
    """Return the ids of ``item``'s options that some answer picked."""
    from consult.voting.models import ResponseChoice

    return set(db.session.scalars(
        select(ResponseChoice.option_id).join(ItemOption, ItemOption.id == ResponseChoice.option_id)
        .where(ItemOption.item_id == item.id).distinct()))


def round_has_answers(round_: Round) -> bool:
    """Whether an answer was given in ``round_`` or to one of its items."""
    from consult.voting.models import Response

    return bool(db.session.scalar(select(exists().where(
        (Response.round_id == round_.id)
        | Response.item_id.in_(select(Item.id).where(Item.round_id == round_.id))))))


# --- Missing translations -------------------------------------------------------------------

LANGS = ("en", "km")


def _gaps(obj, field: str) -> set[str]:
    """Languages in which ``obj.<field>`` is empty while the other language has it."""
    values = {lang: (getattr(obj, f"{field}_{lang}") or "").strip() for lang in LANGS}
    if not any(values.values()):
        return set()
    return {lang for lang, value in values.items() if not value}


@dataclass
class MissingText:
    """What is written in one language only: the fields marked, and a count per round."""

    #: {(kind, id, field, lang)}: e.g. ("item", 7, "prompt", "km"), ("option", 3, "label", "en").
    fields: set[tuple[str, int, str, str]]
    #: Missing fields per round id (None: items not in a round), round titles included.
    per_round: dict[int | None, int]
    #: Missing fields per section id, section titles and descriptions included.
    per_section: dict[int, int]

    def has(self, kind: str, obj_id: int, field: str, lang: str) -> bool:
        return (kind, obj_id, field, lang) in self.fields

    def item_count(self, item: Item) -> int:
        return sum(1 for f in self.fields
                   if (f[0] == "item" and f[1] == item.id)
                   or (f[0] == "option" and f[1] in {o.id for o in item.options}))


def item_gaps(item: Item) -> list[tuple[str, int, str, str]]:
    """The fields of ``item`` and its options written in one language only."""
    found = [("item", item.id, field, lang) for field in ("prompt", "detail")
             for lang in sorted(_gaps(item, field))]
    for option in item.options:
        found += [("option", option.id, "label", lang) for lang in sorted(_gaps(option, "label"))]
    return found


def missing_translations(event: Event) -> MissingText:
    """Every agenda text of ``event`` written in one language only (the one function)."""
    fields: set[tuple[str, int, str, str]] = set()
    per_round: dict[int | None, int] = {None: 0}
    per_section: dict[int, int] = {}
    for round_ in event.rounds:
        gaps = [("round", round_.id, "title", lang) for lang in sorted(_gaps(round_, "title"))]
        fields.update(gaps)
        per_round[round_.id] = len(gaps)
    for section in event.sections:
        gaps = [("section", section.id, field, lang) for field in ("title", "description")
                for lang in sorted(_gaps(section, field))]
        fields.update(gaps)
        per_section[section.id] = len(gaps)
    for item in event.items:
        gaps = item_gaps(item)
        fields.update(gaps)
        per_round[item.round_id] = per_round.get(item.round_id, 0) + len(gaps)
    return MissingText(fields, per_round, per_section)


def open_problems(round_: Round) -> list[str]:
    """Why ``round_`` cannot be opened (translated messages; empty when it can).

    A round with no items, or one whose prompts or option labels are missing in the event's
    default language, would show participants an empty or half-translated page.
    """
    items = list(db.session.scalars(select(Item).where(Item.round_id == round_.id)
                                    .order_by(Item.round_position)))
    if not items:
        return [str(_l("This round has no items: add items in the agenda builder before "
                       "opening it."))]
    lang = round_.event.default_locale if round_.event.default_locale in LANGS else "km"
    codes = [item.code for item in items
             if not (getattr(item, f"prompt_{lang}") or "").strip()
             or any(not (getattr(o, f"label_{lang}") or "").strip() for o in item.options)]
    if not codes:
        return []
    if lang == "km":
        return [str(_l("Khmer wording is missing for items %(codes)s (the event's default "
                       "language): add it in the agenda builder before opening the round.",
                       codes=", ".join(codes)))]
    return [str(_l("English wording is missing for items %(codes)s (the event's default "
                   "language): add it in the agenda builder before opening the round.",
                   codes=", ".join(codes)))]


# --- Editing, deleting and moving -------------------------------------------------------------


def _refuse(field: str, message) -> None:
    raise AgendaError([Problem(field, message)])


def _changes(obj, values: dict) -> dict[str, list]:
    """Set ``values`` on ``obj``; return {field: [before, after]} for those that changed."""
    changed = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value:
            changed[name] = [before.value if hasattr(before, "value") else before,
                             value.value if hasattr(value, "value") else value]
            setattr(obj, name, value)
    return changed


def _swap(a, b, column: str) -> None:
    """Swap ``a.<column>`` and ``b.<column>`` under a unique constraint, on any database.

    Each step is flushed on its own, through a temporary negative position, so no two rows
    hold one position at any moment (PostgreSQL checks a unique constraint row by row).
    """
    pa, pb = getattr(a, column), getattr(b, column)
    setattr(a, column, -pa)
    db.session.flush()
    setattr(b, column, pa)
    db.session.flush()
    setattr(a, column, pb)
    db.session.flush()


def _neighbour(model, obj, column: str, where, direction: str):
    position = getattr(model, column)
    if direction == "up":
        query = select(model).where(where, position < getattr(obj, column)).order_by(
            position.desc())
    else:
        query = select(model).where(where, position > getattr(obj, column)).order_by(position)
    return db.session.scalars(query.limit(1)).first()


def update_section(section: Section, actor: User | None, *, key: str = "", title_en: str = "",
                   title_km: str = "", description_en: str = "",
                   description_km: str = "") -> dict:
    """Change a section's key, titles and descriptions."""
    _require_title(title_en, title_km, _l("A section needs a title in Khmer or English."))
    changed = _changes(section, {"key": key.strip(), "title_en": title_en.strip(),
                                 "title_km": title_km.strip(),
                                 "description_en": description_en.strip(),
                                 "description_km": description_km.strip()})
    db.session.flush()
    if changed:
        record("agenda.section_edit", user=actor, event_id=section.event_id, target=section,
               **changed)
    return changed


def delete_section(section: Section, actor: User | None) -> None:
    """Delete an empty section (its items must be moved or deleted first)."""
    if db.session.scalar(select(exists().where(Item.section_id == section.id))):
        _refuse("section", _l("This section still has items: move them to another section or "
                              "delete them first."))
    record("agenda.section_delete", user=actor, event_id=section.event_id, target=section,
           title_en=section.title_en, title_km=section.title_km)
    db.session.delete(section)
    db.session.flush()


def move_section(section: Section, actor: User | None, direction: str) -> bool:
    """Move a section one place up or down the agenda; False when it is at that end."""
    return _move_in_agenda(Section, section, actor, direction, "agenda.section_move")


def update_round(round_: Round, actor: User | None, *, title_en: str = "",
                 title_km: str = "") -> dict:
    """Change a round's titles (allowed in any state: it is wording)."""
    _require_title(title_en, title_km, _l("A round needs a title in Khmer or English."))
    changed = _changes(round_, {"title_en": title_en.strip(), "title_km": title_km.strip()})
    db.session.flush()
    if changed:
        record("agenda.round_edit", user=actor, event_id=round_.event_id, target=round_,
               **changed)
    return changed


def delete_round(round_: Round, actor: User | None) -> None:
    """Delete a round that is not open and has no answers; its items stay, not in a round."""
    if round_.state == RoundState.open:
        _refuse("round", _l("This round is open: close it before deleting it."))
    if round_has_answers(round_):
        _refuse("round", _l("This round has answers: it cannot be deleted. You can still edit "
                            "its wording."))
    items = list(db.session.scalars(select(Item).where(Item.round_id == round_.id)))
    for item in items:
        item.round_id = None
        item.round_position = None
    db.session.flush()
    record("agenda.round_delete", user=actor, event_id=round_.event_id, target=round_,
           title_en=round_.title_en, title_km=round_.title_km, items=[i.code for i in items])
    db.session.delete(round_)
    db.session.flush()


def move_round(round_: Round, actor: User | None, direction: str) -> bool:
    """Move a round one place up or down the agenda; False when it is at that end."""
    return _move_in_agenda(Round, round_, actor, direction, "agenda.round_move")


def _move_in_agenda(model, obj, actor: User | None, direction: str, action: str) -> bool:
    """Swap a section or round with its neighbour in the event's agenda, and audit it."""
    other = _neighbour(model, obj, "position", model.event_id == obj.event_id, direction)
    if other is None:
        return False
    _swap(obj, other, "position")
    record(action, user=actor, event_id=obj.event_id, target=obj, direction=direction)
    return True


def _open_refusal(round_: Round | None):
    if round_ is not None and round_.state == RoundState.open:
        return Problem("round", _l("The round %(round)s is open: items cannot be added to it, "
                                   "removed from it or changed in kind or options until it is "
                                   "closed. Wording can still be corrected.",
                                   round=round_.title_en or round_.title_km))
    return None


def update_item(item: Item, actor: User | None, *, section: Section, round: Round | None,
                kind: str, code: str, prompt_en: str = "", prompt_km: str = "",
                detail_en: str = "", detail_km: str = "", allow_comment: bool = True,
                max_choices: int | None = None, top_k: int | None = None,
                options: Sequence[OptionSpec] = ()) -> dict:
    """Change an item; refuse what would corrupt answers given or an open round.

    ``options``: the options as they should be, in order; a spec with ``id`` edits that
    option, one without adds an option, and an existing option not listed is deleted.
    Returns {field: [before, after]} of what changed (also audited as agenda.item_edit).
    """
    event = item.event
    problems = item_problems(event=event, kind=kind, code=code, prompt_en=prompt_en,
                             prompt_km=prompt_km, max_choices=max_choices, top_k=top_k,
                             options=options, item=item)
    problems += _placement_problems(event, section, round)
    existing = {o.id: o for o in item.options}
    kept_ids = {o.id for o in options if o.id is not None}
    if kept_ids - set(existing):
        problems.append(Problem("options", _l("An option of another item was given.")))
    new_kind = ItemKind(kind) if not any(p.field == "kind" for p in problems) else item.kind
    option_codes_changed = (
        [o.code.strip() for o in options] != [o.code for o in item.options])
    structural = (new_kind != item.kind or option_codes_changed
                  or max_choices != item.max_choices or top_k != item.top_k)
    moving = (round.id if round is not None else None) != item.round_id
    for round_ in (item.round, round):
        refusal = _open_refusal(round_)
        if refusal is not None and (moving or structural):
            problems.append(refusal)
            break
    answered = is_answered(item)
    if answered:
        if new_kind != item.kind:
            problems.append(Problem("kind", _l("People have answered this item: its kind cannot "
                                               "change. Create a new item instead.")))
        if code.strip() != item.code:
            problems.append(Problem("code", _l("People have answered this item: its code cannot "
                                               "change (exports and the codebook use it).")))
        if max_choices != item.max_choices:
            problems.append(Problem("max_choices", _l("People have answered this item: the "
                                                      "maximum number of choices cannot change.")))
        if top_k != item.top_k:
            problems.append(Problem("top_k", _l("People have answered this item: the number of "
                                                "places to rank cannot change.")))
        picked = answered_option_ids(item)
        for option_id in sorted(picked):
            option = existing[option_id]
            spec = next((o for o in options if o.id == option_id), None)
            if spec is None:
                problems.append(Problem("options", _l(
                    "Option %(code)s has been chosen in answers: it cannot be deleted.",
                    code=option.code)))
            elif spec.code.strip() != option.code:
                problems.append(Problem("options", _l(
                    "Option %(code)s has been chosen in answers: its code cannot change.",
                    code=option.code)))
    if problems:
        raise AgendaError(problems)

    changed = {}
    if section.id != item.section_id:
        changed["section"] = [item.section.key or item.section_id, section.key or section.id]
        item.position = _next(Item.position, Item.section_id == section.id)
        item.section_id = section.id
        item.section = section
    if (round.id if round is not None else None) != item.round_id:
        changed["round"] = [item.round_id, round.id if round is not None else None]
        item.round_position = (_next(Item.round_position, Item.round_id == round.id)
                               if round is not None else None)
        item.round_id = round.id if round is not None else None
        item.round = round
    changed |= _changes(item, {
        "kind": ItemKind(kind), "code": code.strip(), "prompt_en": prompt_en.strip(),
        "prompt_km": prompt_km.strip(), "detail_en": detail_en.strip(),
        "detail_km": detail_km.strip(), "allow_comment": allow_comment,
        "max_choices": max_choices, "top_k": top_k})
    changed |= _update_options(item, options, existing)
    if changed:
        event.touch_state()  # what phones show of it changed (voting/page_cache.py keys on it)
    db.session.flush()
    if changed:
        record("agenda.item_edit", user=actor, event_id=event.id, target=item,
               **{"item": item.code, "answered": answered, **changed})
    return changed


def _update_options(item: Item, options: Sequence[OptionSpec],
                    existing: dict[int, ItemOption]) -> dict:
    """Make ``item.options`` what ``options`` says, without two rows on one position or code."""
    changed: dict[str, list] = {}
    kept = {o.id for o in options if o.id is not None}
    original = {i: {"code": o.code, "label_en": o.label_en, "label_km": o.label_km}
                for i, o in existing.items()}
    for option_id, option in existing.items():
        if option_id not in kept:
            changed[f"option {option.code}"] = [option.label_en or option.label_km, None]
            item.options.remove(option)
    db.session.flush()
    # Park the kept options on temporary negative positions and codes, then set the new ones.
    for n, option in enumerate(item.options, start=1):
        option.position = -n
        option.code = f"~{option.id}"
    db.session.flush()
    for position, spec in enumerate(options, start=1):
        values = {"position": position, "code": spec.code.strip(),
                  "label_en": spec.label_en.strip(), "label_km": spec.label_km.strip()}
        if spec.id is None:
            item.options.append(ItemOption(**values))
            changed[f"option {values['code']}"] = [None, values["label_en"] or values["label_km"]]
            continue
        option = existing[spec.id]
        before = original[spec.id]
        option.position = position
        option.code = values["code"]
        option.label_en, option.label_km = values["label_en"], values["label_km"]
        for name in ("code", "label_en", "label_km"):
            if before[name] != values[name]:
                changed[f"option {before['code']} {name}"] = [before[name], values[name]]
    item.options.sort(key=lambda o: o.position)
    return changed


def delete_item(item: Item, actor: User | None) -> None:
    """Delete an item no one has answered, unless its round is open."""
    refusal = _open_refusal(item.round)
    if refusal is not None:
        raise AgendaError([refusal])
    if is_answered(item):
        _refuse("item", _l("People have answered %(code)s: it cannot be deleted. You can still "
                           "correct its wording.", code=item.code))
    record("agenda.item_delete", user=actor, event_id=item.event_id, target=item, code=item.code,
           kind=item.kind.value)
    if item.round_id is not None:
        item.event.touch_state()  # its round's vote page changes (voting/page_cache.py)
    db.session.delete(item)
    db.session.flush()


def move_item(item: Item, actor: User | None, direction: str, scope: str = "round") -> bool:
    """Move an item one place up or down its round (``scope="round"``) or its section."""
    if scope == "round":
        if item.round_id is None:
            return False
        other = _neighbour(Item, item, "round_position", Item.round_id == item.round_id,
                           direction)
        column = "round_position"
    else:
        other = _neighbour(Item, item, "position", Item.section_id == item.section_id,
                           direction)
        column = "position"
    if other is None:
        return False
    _swap(item, other, column)
    if scope == "round":
        item.event.touch_state()  # its round's vote page changes (voting/page_cache.py)
    record("agenda.item_move", user=actor, event_id=item.event_id, target=item,
           direction=direction, scope=scope)
    return True
