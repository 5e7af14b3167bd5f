"""Creating events and their sectors."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.errors import ConsultError
from consult.events.models import Event, EventStaff, Sector
from consult.extensions import db

#: The default stakeholder groups (DESIGN.md section 2), English and Khmer.
DEFAULT_SECTORS: list[tuple[str, str]] = [
    ("Government (ministries and agencies)", "រាជរដ្ឋាភិបាល (ក្រសួង-ស្ថាប័ន)"),
    ("Academia and research", "គ្រឹះស្ថានសិក្សា និងស្ថាប័នស្រាវជ្រាវ"),
    ("Private sector and industry", "វិស័យឯកជន និងឧស្សាហកម្ម"),
    ("Civil society and NGOs", "សង្គមស៊ីវិល និងអង្គការមិនមែនរដ្ឋាភិបាល"),
    ("Development partners and international organisations",
     "ដៃគូអភិវឌ្ឍន៍ និងអង្គការអន្តរជាតិ"),
    ("Other", "វិស័យផ្សេងៗ"),
]


def create_event(*, actor: User | None = None, sectors: list[tuple[str, str]] | None = None,
                 **fields) -> Event:
    """Create an event with its sectors (the default set unless given).

    A Khmer event writes its numbers in Khmer digits unless told otherwise: one digit
    system per screen (ជុំទី១ beside ៥ ចំណុច, never beside 5).
    """
    fields.setdefault("khmer_digits", fields.get("default_locale", "km") == "km")
    event = Event(**fields)
    for position, (label_en, label_km) in enumerate(sectors or DEFAULT_SECTORS, start=1):
        event.sectors.append(Sector(position=position, label_en=label_en, label_km=label_km))
    db.session.add(event)
    db.session.flush()
    record("event.create", user=actor, event_id=event.id, target=event,
           join_code=event.join_code)
    return event


def change_status(event: Event, actor: User, status: str) -> None:
    """Move an event to draft, live or archived (Event.set_status refuses other moves)."""
    before = event.status
    event.set_status(status)
    db.session.flush()
    if event.status != before:
        record("event.status", user=actor, event_id=event.id, target=event,
               before=before.value, after=event.status.value)


THRESHOLD_FIELDS = ("validate_pct", "sector_floor_pct", "contest_pct", "spread_pct",
                    "min_sector_n", "min_cell", "khmer_digits")


def update_thresholds(event: Event, actor: User, **values) -> None:
    """Change an event's consensus thresholds and display options; audited with old values."""
    problem = threshold_problem(values)
    if problem is not None:
        raise ConsultError(problem)
    before = {name: getattr(event, name) for name in THRESHOLD_FIELDS}
    for name in THRESHOLD_FIELDS:
        value = values[name]
        setattr(event, name, float(value) if name.endswith("_pct") else value)
    event.touch_state()
    db.session.flush()
    record("event.thresholds", user=actor, event_id=event.id, target=event,
           before={k: float(v) if isinstance(v, float) else v for k, v in before.items()},
           after={name: getattr(event, name) for name in THRESHOLD_FIELDS})


#: Roles a staff member can have in an event's team (admins are on every team already).
TEAM_ROLES = ("facilitator", "analyst", "clerk")


def set_team_role(event: Event, user: User, role: str | None, actor: User | None) -> None:
    """Put ``user`` on ``event``'s team with ``role``, change their role, or (None) remove them."""
    from consult.accounts.models import Role

    if user.role == Role.admin:
        raise ConsultError(_l("Administrators work on every event; they need no place on a "
                              "team."))
    if role is not None and role not in TEAM_ROLES:
        raise ConsultError(_l("Unknown role."))
    member = db.session.get(EventStaff, (event.id, user.id))
    before = member.role if member is not None else None
    if before == role:
        return
    if role is None:
        db.session.delete(member)
    elif member is None:
        db.session.add(EventStaff(event_id=event.id, user_id=user.id, role=role))
    else:
        member.role = role
    db.session.flush()
    record("event.team", user=actor, event_id=event.id, target=user, username=user.username,
           before=before, after=role)


# --- Creating, editing, duplicating and deleting events (the event form) ---

#: The fields of the event form, in the order they are saved and audited.
EVENT_FIELDS = ("title_en", "title_km", "description_en", "description_km", "venue_en",
                "venue_km", "starts_on", "ends_on", "timezone", "join_code", "join_mode",
                "default_locale", *THRESHOLD_FIELDS)

#: Shortest and longest join code an admin may choose (``Event.join_code`` holds 12).
JOIN_CODE_LENGTH = (4, 12)


class EventError(ConsultError):
    """An event form refused, with every problem found, each under the field it concerns."""

    def __init__(self, problems: dict):
        super().__init__(" ".join(str(message) for message in problems.values()))
        self.problems = problems


def threshold_problem(values: dict):
    """Why these thresholds cannot be saved, or None: the one rule that ties them together."""
    if float(values["contest_pct"]) > float(values["validate_pct"]):
        return _l("The contest threshold cannot be above the validation threshold.")
    return None


@cache
def _timezones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def timezone_names() -> list[str]:
    """Every IANA time zone name this server knows, sorted (for the form's suggestions)."""
    return sorted(_timezones())


def event_problems(values: dict, event: Event | None = None) -> dict:
    """Every reason the event form's values cannot be saved, by field (empty when they can).

    ``event``: the event being edited (its own join code is not "taken").
    """
    from sqlalchemy import select

    from consult.access import normalize_code
    from consult.events.models import JOIN_CODE_ALPHABET, JoinMode

    problems: dict = {}
    if not (values.get("title_en") or "").strip() and not (values.get("title_km") or "").strip():
        problems["title_en"] = _l("Please give a title in Khmer or English.")
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = _l("The last day cannot be before the first day.")
    if (values.get("timezone") or "").strip() not in _timezones():
        problems["timezone"] = _l("Unknown time zone. Choose a name from the list, such as "
                                  "%(example)s.", example="Asia/Phnom_Penh")
    code = normalize_code(values.get("join_code"))
    low, high = JOIN_CODE_LENGTH
    if not low <= len(code) <= high or any(c not in JOIN_CODE_ALPHABET for c in code):
        problems["join_code"] = _l(
            "A join code has 4 to 12 letters and digits, without 0, 1, O, I or L "
            "(they are easily confused).")
    else:
        query = select(Event.id).where(Event.join_code == code)
        if event is not None:
            query = query.where(Event.id != event.id)
        if db.session.scalar(query) is not None:
            problems["join_code"] = _l("Another event already has the join code %(code)s. "
                                       "Please choose another.", code=code)
    if values.get("join_mode") not in {mode.value for mode in JoinMode}:
        problems["join_mode"] = _l("Please choose who may join.")
    if values.get("default_locale") not in ("km", "en"):
        problems["default_locale"] = _l("Please choose a language.")
    problem = threshold_problem(values)
    if problem is not None:
        problems["contest_pct"] = problem
    return problems


def _clean(values: dict) -> dict:
    """The form's values as the columns store them."""
    from consult.access import normalize_code

    clean = {name: values[name] for name in EVENT_FIELDS}
    for name in ("title_en", "title_km", "description_en", "description_km", "venue_en",
                 "venue_km", "timezone"):
        clean[name] = (clean[name] or "").strip()
    clean["join_code"] = normalize_code(clean["join_code"])
    for name in THRESHOLD_FIELDS:
        if name.endswith("_pct"):
            clean[name] = float(clean[name])
    return clean


def add_event(actor: User, **values) -> Event:
    """Create a draft event from the event form, with the default sectors; refuse bad values."""
    from consult.events.models import EventStatus

    problems = event_problems(values)
    if problems:
        raise EventError(problems)
    return create_event(actor=actor, status=EventStatus.draft, **_clean(values))


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else getattr(value, "value", value)


def edit_event(event: Event, actor: User, **values) -> None:
    """Change every field of the event form; audited with each changed field before and after."""
    problems = event_problems(values, event)
    if problems:
        raise EventError(problems)
    changes = {}
    for name, value in _clean(values).items():
        before = getattr(event, name)
        if _plain(before) != _plain(value):
            changes[name] = [_plain(before), _plain(value)]
            setattr(event, name, value)
    if not changes:
        return
    event.touch_state()
    db.session.flush()
    record("event.edit", user=actor, event_id=event.id, target=event, changes=changes)


# --- Sectors ---

def _sector_audit(event: Event, actor: User, change: str, sector: Sector, **details) -> None:
    record("event.sectors", user=actor, event_id=event.id, target=sector, change=change,
           label_en=sector.label_en, label_km=sector.label_km, **details)


def _sector_labels(label_en: str, label_km: str) -> tuple[str, str]:
    label_en, label_km = (label_en or "").strip(), (label_km or "").strip()
    if not label_en and not label_km:
        raise ConsultError(_l("A sector needs a name in Khmer or English."))
    return label_en, label_km


def add_sector(event: Event, actor: User, label_en: str, label_km: str) -> Sector:
    """Add a sector at the end of the event's list."""
    from sqlalchemy import func, select

    label_en, label_km = _sector_labels(label_en, label_km)
    last = db.session.scalar(select(func.max(Sector.position))
                             .where(Sector.event_id == event.id)) or 0
    sector = Sector(event_id=event.id, position=last + 1, label_en=label_en, label_km=label_km)
    db.session.add(sector)
    db.session.flush()
    _sector_audit(event, actor, "add", sector)
    return sector


def rename_sector(event: Event, sector: Sector, actor: User, label_en: str,
                  label_km: str) -> None:
    """Rename a sector in both languages (answers already given follow the new name)."""
    label_en, label_km = _sector_labels(label_en, label_km)
    before = [sector.label_en, sector.label_km]
    if before == [label_en, label_km]:
        return
    sector.label_en, sector.label_km = label_en, label_km
    db.session.flush()
    _sector_audit(event, actor, "rename", sector, before=before)


def move_sector(event: Event, sector: Sector, actor: User, step: int) -> None:
    """Swap a sector with the one above (step -1) or below (+1); at either end, do nothing.

    Positions are unique per event and checked per statement: the sector waits at a
    negative position while its neighbour takes its place (SQLite and PostgreSQL alike).
    """
    ordered = sorted(event.sectors, key=lambda s: s.position)
    index = ordered.index(sector)
    if not 0 <= index + step < len(ordered):
        return
    other = ordered[index + step]
    mine, theirs = sector.position, other.position
    sector.position = -mine
    db.session.flush()
    other.position = mine
    db.session.flush()
    sector.position = theirs
    db.session.flush()
    db.session.expire(event, ["sectors"])
    _sector_audit(event, actor, "move", sector, before=mine, after=theirs)


def sector_in_use(sector: Sector) -> bool:
    """Whether a participant chose this sector or an answer was counted under it."""
    from sqlalchemy import exists, or_, select

    from consult.participants.models import Participant
    from consult.voting.models import Response

    return bool(db.session.scalar(select(or_(
        exists().where(Participant.sector_id == sector.id),
        exists().where(Response.sector_id == sector.id)))))


def delete_sector(event: Event, sector: Sector, actor: User) -> None:
    """Delete a sector no participant chose; refuse one in use, and the last one."""
    if sector_in_use(sector):
        raise ConsultError(_l("The sector %(name)s cannot be deleted: participants have chosen "
                              "it. Rename it instead.",
                              name=sector.label_en or sector.label_km), 409)
    if len(event.sectors) <= 1:
        raise ConsultError(_l("An event needs at least one sector."), 409)
    _sector_audit(event, actor, "delete", sector, position=sector.position)
    db.session.delete(sector)
    db.session.flush()
    db.session.expire(event, ["sectors"])


# --- Duplicating and deleting ---

#: Settings a copy takes over from its source (not the join code, status or screen token).
COPIED_FIELDS = tuple(name for name in EVENT_FIELDS if name != "join_code")


def unused_join_code() -> str:
    """A generated join code no event has yet."""
    from sqlalchemy import select

    from consult.events.models import new_join_code

    while True:
        code = new_join_code()
        if db.session.scalar(select(Event.id).where(Event.join_code == code)) is None:
            return code


def duplicate_event(source: Event, actor: User, *, title_en: str, title_km: str) -> Event:
    """Copy an event as a draft template: settings, sectors and agenda; no one's answers.

    Rounds come back as drafts; items are made through the agenda's own ``add_item`` so the
    copy passes the same rules, and follow-ups point at the copy's items.
    """
    from consult.agenda.editing import OptionSpec, add_item, add_round, add_section
    from consult.events.models import EventStatus

    title_en, title_km = (title_en or "").strip(), (title_km or "").strip()
    if not title_en and not title_km:
        raise EventError({"title_en": _l("Please give a title in Khmer or English.")})
    fields = {name: getattr(source, name) for name in COPIED_FIELDS}
    fields.update(title_en=title_en, title_km=title_km)
    # Not create_event: the copy's story is told by one "event.duplicate" entry.
    copy = Event(status=EventStatus.draft, join_code=unused_join_code(), **fields)
    for sector in source.sectors:
        copy.sectors.append(Sector(position=sector.position, label_en=sector.label_en,
                                   label_km=sector.label_km))
    db.session.add(copy)
    db.session.flush()
    sections = {s.id: add_section(copy, actor, key=s.key, title_en=s.title_en,
                                  title_km=s.title_km, description_en=s.description_en,
                                  description_km=s.description_km, audit=False)
                for s in source.sections}
    rounds = {r.id: add_round(copy, actor, title_en=r.title_en, title_km=r.title_km,
                              audit=False) for r in source.rounds}
    items = sorted(source.items, key=lambda i: (i.section.position, i.position))
    copies: dict = {}
    while len(copies) < len(items):  # a follow-up is copied after the item it follows
        waiting = [i for i in items if i.id not in copies
                   and (i.follows_item_id is None or i.follows_item_id in copies
                        or i.follows_item_id not in {x.id for x in items})]
        for item in waiting:
            copies[item.id] = add_item(
                copy, actor, section=sections[item.section_id],
                round=rounds.get(item.round_id), kind=item.kind.value, code=item.code,
                prompt_en=item.prompt_en, prompt_km=item.prompt_km, detail_en=item.detail_en,
                detail_km=item.detail_km, allow_comment=item.allow_comment,
                max_choices=item.max_choices, top_k=item.top_k,
                options=[OptionSpec(o.code, o.label_en, o.label_km) for o in item.options],
                follows=copies.get(item.follows_item_id), audit=False)
    # Follow-ups may have been made out of order: give every copy its source's places back,
    # through negative places so no two items share one in between.
    for step in (-1, 1):
        for item in items:
            made = copies[item.id]
            made.position = step * item.position
            if item.round_position is not None and made.round_id is not None:
                made.round_position = step * item.round_position
        db.session.flush()
    record("event.duplicate", user=actor, event_id=copy.id, target=copy,
           source_id=source.id, source_join_code=source.join_code, join_code=copy.join_code,
           sections=len(sections), rounds=len(rounds), items=len(copies))
    return copy


def event_counts(event: Event) -> dict[str, int]:
    """How many participants, responses, items and rounds an event holds (what deletion loses)."""
    from sqlalchemy import func, select

    from consult.agenda.models import Item, Round
    from consult.participants.models import Participant
    from consult.voting.models import PaperBallot, Response

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "participants": count(Participant, Participant.event_id == event.id),
        "responses": count(Response, Response.item_id.in_(
            select(Item.id).where(Item.event_id == event.id))),
        "items": count(Item, Item.event_id == event.id),
        "rounds": count(Round, Round.event_id == event.id),
        "paper_ballots": count(PaperBallot, PaperBallot.event_id == event.id),
    }


def delete_event(event: Event, actor: User, typed_code: str) -> dict[str, int]:
    """Delete an event and everything in it, once the admin has typed its join code.

    Refused while a round is open (close it first: the room is voting). The audit entry
    outlives the event (its ``event_id`` is empty) and says what was deleted, with counts:
    the proof a retention promise was kept. Returns the counts.
    """
    from sqlalchemy import delete

    from consult.access import normalize_code
    from consult.agenda.models import RoundState

    if normalize_code(typed_code) != event.join_code:
        raise EventError({"join_code": _l("That is not this event's join code. Nothing was "
                                          "deleted.")})
    if any(r.state == RoundState.open for r in event.rounds):
        raise ConsultError(_l("A round of this event is open. Close it before deleting the "
                              "event."), 409)
    counts = event_counts(event)
    record("event.delete", user=actor, event_id=None, target=event, id=event.id,
           join_code=event.join_code, title_en=event.title_en, title_km=event.title_km,
           status=event.status.value, **counts)
    db.session.flush()
    event_id = event.id
    db.session.expunge(event)
    # The database deletes the rest (every table's event_id cascades; audit entries keep
    # theirs as NULL): one statement, whatever the ORM has or has not loaded.
    db.session.execute(delete(Event).where(Event.id == event_id))
    db.session.expire_all()
    return counts
