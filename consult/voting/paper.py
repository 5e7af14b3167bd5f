"""Paper ballots: the printed convention read back, typing, double entry, resolution, upload.

A paper ballot (DESIGN.md flow 5) is typed after its round closed. What a clerk types is read
with the convention the printed ballot shows (docs/facilitator-guide.md, "Paper ballots"):
the sector's and the gender's number, the organisation as written, then one field per item
in printed order with the digits of its boxes. Each item's digits become the same form values
a phone sends, and ``parse_answer`` judges them: a paper answer is valid exactly when the
same answer from a phone is, and ``cast_vote(..., paper=True)`` writes it the same way, marked
``paper`` through its participant.

A typing is stored as an *entry*: the typed fields in a canonical form (``"1 3"`` for a
multiple choice typed ``31``), keyed by the entry form's field names (``sector``, ``gender``,
``organisation``, ``item_<id>``, ``comment_<id>``; blank fields left out), so that two typings
compare field by field and a resolved entry is read again by the same function. With double
entry a ballot counts once two different clerks typed it alike, or a facilitator resolved
their differences; without, the first typing counts at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.agenda.models import Item, ItemKind, Round
from consult.errors import ConsultError
from consult.events.models import Event, EventStatus
from consult.extensions import db
from consult.i18n import ascii_digits
from consult.inputs import submitted_number
from consult.participants.models import Gender, Participant, Source
from consult.timeutil import utcnow
from consult.voting.models import BallotStatus, PaperBallot
from consult.voting.operations import Answer, InvalidAnswer, cast_vote, parse_answer
from consult.voting.queries import round_items

#: Genders in the order of the printed boxes: 1 woman, 2 man, 3 another, 4 prefer not to say.
GENDER_ORDER = list(Gender)
#: The header fields of a ballot, after its number, in printed order.
HEADER_FIELDS = ("sector", "gender", "organisation")
#: A ballot number: letters and digits, dashes allowed inside (``A-017``).
_BALLOT_NUMBER = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
MAX_BALLOT_NUMBER = 40
MAX_ORGANISATION = 300
#: The most digits a typed sector, gender, option number or place may have.
MAX_TYPED_DIGITS = 6
#: What a ranking's typed place may be when the option got none.
_NO_PLACE = {"-", ".", "_"}
#: The blank sheet's and the upload's sheet name.
SHEET = "ballots"


class BallotRefused(ConsultError):
    """A typed ballot not saved, with every problem by field (nothing was saved)."""

    def __init__(self, problems: dict):
        super().__init__(_l("Nothing was saved: correct the fields marked below."), 400)
        self.problems = problems


def item_field(item: Item) -> str:
    return f"item_{item.id}"


def comment_field(item: Item) -> str:
    return f"comment_{item.id}"


# --- Which ballot: a round's, or the whole agenda's ----------------------------------------

def ballot_items(event: Event, round_: Round | None) -> list[Item]:
    """The items of a ballot in printed order: a round's, or every round's, round by round."""
    if round_ is not None:
        return round_items(round_.id)
    return list(db.session.scalars(
        select(Item).join(Round, Round.id == Item.round_id).where(Item.event_id == event.id)
        .order_by(Round.position, Item.round_position).options(selectinload(Item.options))))


def entry_refusal(event: Event, round_: Round | None):
    """Why this ballot cannot be typed now (a translated message), or None when it can."""
    if event.status == EventStatus.archived:
        return _l("This event is archived: it is read-only, so no ballot can be typed.")
    if round_ is not None:
        if not round_.accepts_paper:
            return _l("This round has not been opened yet: its paper ballots can be typed once "
                      "it has been opened.")
        return None
    rounds = db.session.scalars(select(Round).where(
        Round.event_id == event.id, Round.id.in_(select(Item.round_id)))).all()
    if not rounds:
        return _l("No round of this event has items yet.")
    if any(not r.accepts_paper for r in rounds):
        return _l("Some rounds have not been opened yet: type their ballots round by round, or "
                  "the whole agenda once every round has been opened.")
    return None


# --- Reading a typed ballot -----------------------------------------------------------------

def typed_number(raw: str | None, *, digits: int = MAX_TYPED_DIGITS) -> int | None:
    """A number typed on a ballot: Khmer digits read as ASCII, spaces dropped; None unless
    what is left is 1 to ``digits`` ASCII digits (the one rule: ``"²"`` and ``"①"`` are no
    number, and a string of thousands of digits is never converted)."""
    return submitted_number(re.sub(r"\s+", "", ascii_digits(raw or "")), digits=digits)


def normalize_number(raw: str | None) -> str:
    """A ballot number as stored: Khmer digits made ASCII, upper case, no spaces, and a number
    of digits only without leading zeros (``0017`` is ``17``, as a spreadsheet reads it)."""
    number = re.sub(r"\s+", "", ascii_digits(raw or "")).upper()
    value = typed_number(number, digits=MAX_BALLOT_NUMBER)
    return str(value) if value is not None else number


def _numbers(raw: str, count: int) -> list[str]:
    """The option numbers typed in ``raw``: ``"13"``, ``"1 3"`` or ``"1,3"`` (with more than
    nine options the numbers need a separator)."""
    if re.search(r"[\s,;+/]", raw):
        return [t for t in re.split(r"[\s,;+/]+", raw) if t]
    return list(raw) if count <= 9 else [raw]


def _options_by_number(item: Item, raw: str) -> list[str]:
    """The codes of the options numbered in ``raw``, in the order typed; InvalidAnswer else."""
    count = len(item.options)
    codes = []
    for token in _numbers(raw, count):
        number = typed_number(token)
        if number is None or not 1 <= number <= count:
            raise InvalidAnswer(_l("Type the number of an option, from 1 to %(count)s.",
                                   count=count))
        codes.append(item.options[number - 1].code)
    return codes


def _places(item: Item, raw: str) -> list[str]:
    """The place typed for each option in option order (``"2 1 -"``), blanks as ``"-"``."""
    count = len(item.options)
    tokens = _numbers(raw, count)
    if len(tokens) > count:
        raise InvalidAnswer(_l("Type one place for each option, in the options' order: this "
                               "item has %(count)s options.", count=count))
    tokens = ["-" if t in _NO_PLACE else _canonical_number(t) for t in tokens]
    return tokens + ["-"] * (count - len(tokens))


def _canonical_number(typed: str) -> str:
    """A typed number as stored (``"04"`` is ``"4"``, so two clerks' typings compare alike);
    anything else as typed, for ``parse_answer`` to refuse."""
    number = typed_number(typed)
    return str(number) if number is not None else typed


def read_answer(item: Item, raw: str | None, comment: str | None) -> tuple[str, Answer]:
    """Read one item's typed digits (and comment) into (canonical text, Answer).

    The digits become the values a phone would send, and ``parse_answer`` (the phone's rule)
    decides; InvalidAnswer with the message for the clerk otherwise.
    """
    raw = (raw or "").strip()
    kind = item.kind
    ranks = None
    if kind == ItemKind.text:
        canonical, values = raw, [raw]
    else:
        digits = ascii_digits(raw)
        if kind in (ItemKind.agreement, ItemKind.priority):
            canonical = _canonical_number(re.sub(r"\s+", "", digits))
            values = [canonical] if canonical else []
        elif kind == ItemKind.ranking:
            places = _places(item, digits) if digits else []
            canonical = " ".join(places) if any(p != "-" for p in places) else ""
            ranks = {o.code: ("" if p == "-" else p) for o, p in zip(item.options, places,
                                                                      strict=False)}
            values = []
        else:
            codes = _options_by_number(item, digits) if digits else []
            numbers = {o.code: n for n, o in enumerate(item.options, start=1)}
            chosen = list(dict.fromkeys(codes))
            if kind == ItemKind.multi:
                chosen.sort(key=numbers.get)
            canonical = " ".join(str(numbers[c]) for c in chosen)
            values = codes
    answer = parse_answer(item, values, ranks, comment)
    if answer.is_empty and answer.comment:
        raise InvalidAnswer(_l("Please choose an answer first."))
    return canonical, answer


def read_ballot(event: Event, items: list[Item], fields: Mapping[str, str | None]
                ) -> tuple[str, dict]:
    """Read a typed ballot into (ballot number, entry), or BallotRefused with every problem.

    ``fields`` are the entry form's: ``ballot_number``, ``sector``, ``gender``,
    ``organisation``, ``item_<id>`` and ``comment_<id>``.
    """
    problems: dict = {}
    entry: dict[str, str] = {}
    number = normalize_number(fields.get("ballot_number"))
    if not number:
        problems["ballot_number"] = _l("Please type the ballot number.")
    elif len(number) > MAX_BALLOT_NUMBER or not _BALLOT_NUMBER.fullmatch(number):
        problems["ballot_number"] = _l(
            "A ballot number has at most %(n)s letters and digits (a dash may separate them).",
            n=MAX_BALLOT_NUMBER)
    count = len(event.sectors)
    sector = typed_number(fields.get("sector"))
    if not (fields.get("sector") or "").strip():
        problems["sector"] = _l("Please type the sector's number, from 1 to %(count)s.",
                                count=count)
    elif sector is None or not 1 <= sector <= count:
        problems["sector"] = _l("No sector has this number: type one from 1 to %(count)s.",
                                count=count)
    else:
        entry["sector"] = str(sector)
    gender = typed_number(fields.get("gender"))
    if gender is None or not 1 <= gender <= len(GENDER_ORDER):
        problems["gender"] = _l("Please type the gender's number, from 1 to %(count)s.",
                                count=len(GENDER_ORDER))
    else:
        entry["gender"] = str(gender)
    organisation = " ".join((fields.get("organisation") or "").split())
    if len(organisation) > MAX_ORGANISATION:
        problems["organisation"] = _l("At most %(n)s characters.", n=MAX_ORGANISATION)
    elif organisation:
        entry["organisation"] = organisation
    answered = False
    for item in items:
        key, note = item_field(item), comment_field(item)
        raw, comment = fields.get(key), fields.get(note)
        try:
            canonical, answer = read_answer(item, raw, None)
        except InvalidAnswer as error:
            problems[key] = error.message
            continue
        if (comment or "").strip():  # read again with it: its problem shows beside it
            try:
                _, answer = read_answer(item, raw, comment)
            except InvalidAnswer as error:
                problems[note] = error.message
                continue
        if canonical:
            entry[key] = canonical
            answered = True
        if answer.comment:
            entry[note] = answer.comment
    if not answered and not problems and items:
        problems[""] = _l("This ballot has no answer: type at least one, or put it aside.")
    if problems:
        raise BallotRefused(problems)
    return number, entry


def answers_of_entry(items: list[Item], entry: dict) -> list[tuple[Item, Answer]]:
    """The answers an entry gives, in printed order (blank items left out)."""
    answers = []
    for item in items:
        _, answer = read_answer(item, entry.get(item_field(item)), entry.get(comment_field(item)))
        if not answer.is_empty:
            answers.append((item, answer))
    return answers


def differences(first: dict, second: dict) -> list[str]:
    """The fields on which two typings of a ballot differ, in printed order."""
    keys = list(dict.fromkeys([*first, *second]))
    return [k for k in keys if (first.get(k) or "") != (second.get(k) or "")]


def field_order(items: list[Item]) -> list[str]:
    """Every field of a ballot in printed order (the header's, then each item and comment)."""
    order = list(HEADER_FIELDS)
    for item in items:
        order += [item_field(item), comment_field(item)]
    return order


# --- Typing, confirming, resolving ----------------------------------------------------------

def find_ballot(event: Event, number: str, round_: Round | None) -> PaperBallot | None:
    """The ballot of this number for this round (or the whole agenda), if typed already,
    locked until the transaction ends (PostgreSQL), and read afresh.

    Two clerks typing the second time, or a typing and a resolution, then take turns: the
    second to come reads the status the first left (SQLite's writers take turns already).
    """
    where = (PaperBallot.round_id == round_.id) if round_ is not None else (
        PaperBallot.round_id.is_(None))
    return db.session.scalar(
        select(PaperBallot).where(PaperBallot.event_id == event.id,
                                  PaperBallot.ballot_number == number, where)
        .with_for_update().execution_options(populate_existing=True))


def participant_of(event: Event, number: str) -> Participant | None:
    """The participant a ballot number became (its first confirmed ballot made them)."""
    return db.session.scalar(select(Participant).where(
        Participant.event_id == event.id, Participant.paper_number == number))


def _profile(event: Event, entry: dict) -> tuple[int, Gender]:
    return (event.sectors[int(entry["sector"]) - 1].id,
            GENDER_ORDER[int(entry["gender"]) - 1])


def _check_person(event: Event, number: str, person: Participant | None, entry: dict) -> None:
    """Refuse a ballot whose number's participant was voided, or has another profile."""
    if person is None:
        return
    if person.is_voided:
        raise BallotRefused({"ballot_number": _l(
            "Ballot number %(number)s belongs to a participant who was voided, so their "
            "ballots do not count: restore them on the attendee list first, or check the "
            "number.", number=number)})
    if (person.sector_id, person.gender) != _profile(event, entry):
        raise BallotRefused({"sector": _l(
            "Ballot number %(number)s was counted before with another sector or gender: check "
            "the ballot (a facilitator corrects a profile on the attendee list).",
            number=number)})


def _check_number(event: Event, round_: Round | None, number: str, entry: dict) -> None:
    """Refuse a ballot number used on the other kind of ballot, or with another profile."""
    other_kind = (PaperBallot.round_id.is_(None) if round_ is not None
                  else PaperBallot.round_id.is_not(None))
    if db.session.scalar(select(PaperBallot.id).where(
            PaperBallot.event_id == event.id, PaperBallot.ballot_number == number,
            other_kind).limit(1)) is not None:
        raise BallotRefused({"ballot_number": _l(
            "Ballot number %(number)s was used on a ballot of the whole agenda and on a round's "
            "ballot: one person answers each item once. Check the number.", number=number)})
    _check_person(event, number, participant_of(event, number), entry)


def save_typing(event: Event, round_: Round | None, user: User, number: str, entry: dict,
                items: list[Item], *, now: datetime | None = None) -> PaperBallot:
    """Save one clerk's typing of ballot ``number``: a first typing, or the second one that
    confirms it (or shows a mismatch); without double entry the first typing counts."""
    refusal = entry_refusal(event, round_)
    if refusal is not None:
        raise ConsultError(refusal, 409)
    now = now or utcnow()
    _check_number(event, round_, number, entry)
    ballot = find_ballot(event, number, round_)
    if ballot is None:
        ballot = PaperBallot(event_id=event.id, ballot_number=number,
                             round_id=round_.id if round_ is not None else None,
                             first_entry=entry, entered_by_id=user.id, entered_at=now,
                             status=BallotStatus.entered)
        db.session.add(ballot)
        db.session.flush()
        record("paper.enter", user=user, event_id=event.id, target=ballot,
               ballot_number=number, round_id=ballot.round_id, typing=1)
        if not event.double_entry:
            confirm(ballot, entry, user, items, now=now)
        return ballot
    if ballot.status == BallotStatus.confirmed:
        raise ConsultError(_l("Ballot %(number)s of this ballot paper has been counted already. "
                              "If it was typed wrongly, ask a facilitator.", number=number), 409)
    if ballot.status == BallotStatus.mismatch:
        raise ConsultError(_l("Ballot %(number)s was typed twice with differences: it waits for "
                              "a facilitator to resolve them.", number=number), 409)
    if ballot.entered_by_id == user.id:
        raise ConsultError(_l("You have typed ballot %(number)s already: another clerk must "
                              "type it the second time.", number=number), 409)
    ballot.second_entry = entry
    ballot.second_entered_by_id = user.id
    ballot.second_entered_at = now
    db.session.flush()
    record("paper.enter", user=user, event_id=event.id, target=ballot, ballot_number=number,
           round_id=ballot.round_id, typing=2)
    differing = differences(ballot.first_entry, entry)
    if differing:
        ballot.status = BallotStatus.mismatch
        db.session.flush()
        record("paper.mismatch", user=user, event_id=event.id, target=ballot,
               ballot_number=number, round_id=ballot.round_id, fields=differing)
    else:
        confirm(ballot, entry, user, items, now=now)
    return ballot


def enter_ballot(event: Event, round_: Round | None, user: User, fields: Mapping[str, str],
                 *, now: datetime | None = None) -> PaperBallot:
    """Read a ballot typed in the entry form and save the typing (see ``save_typing``)."""
    refusal = entry_refusal(event, round_)
    if refusal is not None:
        raise ConsultError(refusal, 409)
    items = ballot_items(event, round_)
    number, entry = read_ballot(event, items, fields)
    return save_typing(event, round_, user, number, entry, items, now=now)


def confirm(ballot: PaperBallot, entry: dict, user: User, items: list[Item], *,
            now: datetime | None = None) -> Participant:
    """Count a ballot: its number's participant (made on its first ballot) answers through
    the vote's one path, marked paper."""
    event = db.session.get(Event, ballot.event_id)
    now = now or utcnow()
    person = _person_of_number(event, ballot.ballot_number, entry, now)
    for item, answer in answers_of_entry(items, entry):
        cast_vote(person, item, answer, now=now, paper=True)
    ballot.status = BallotStatus.confirmed
    ballot.participant_id = person.id
    ballot.confirmed_by_id = user.id
    ballot.confirmed_at = now
    db.session.flush()
    record("paper.confirm", user=user, event_id=event.id, target=ballot,
           ballot_number=ballot.ballot_number, round_id=ballot.round_id,
           participant=person.public_code)
    return person


def _person_of_number(event: Event, number: str, entry: dict, now: datetime) -> Participant:
    """The participant of a ballot number, made on its first confirmed ballot.

    ``participants.paper_number`` is unique in an event: when another round's ballot of the
    same number is confirmed at the same moment (PostgreSQL), this insert fails and the
    participant the other one made is read instead, and checked like any earlier one.
    """
    person = participant_of(event, number)
    if person is not None:
        _check_person(event, number, person, entry)
        return person
    sector_id, gender = _profile(event, entry)
    person = Participant(event_id=event.id, source=Source.paper, paper_number=number,
                         sector_id=sector_id, gender=gender,
                         organisation=entry.get("organisation", ""),
                         locale=event.default_locale or "km", joined_at=now,
                         profile_completed_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        person = participant_of(event, number)
        if person is None:
            raise
        _check_person(event, number, person, entry)
    return person


def ballot_round(ballot: PaperBallot) -> Round | None:
    return db.session.get(Round, ballot.round_id) if ballot.round_id is not None else None


def resolve_ballot(ballot: PaperBallot, user: User, chosen: Mapping[str, str], *,
                   now: datetime | None = None) -> Participant:
    """Resolve a mismatch: ``chosen`` gives the final value of every differing field (the
    first typing's, the second's or a corrected one); the result is read again and counted."""
    event = db.session.get(Event, ballot.event_id)
    # Locked and read afresh: of two facilitators resolving at once, the second reads the
    # first one's result (PostgreSQL; SQLite's writers take turns already).
    db.session.refresh(ballot, with_for_update=True)
    if ballot.status != BallotStatus.mismatch:
        raise ConsultError(_l("This ballot has no differences to resolve."), 409)
    round_ = ballot_round(ballot)
    refusal = entry_refusal(event, round_)
    if refusal is not None:
        raise ConsultError(refusal, 409)
    differing = differences(ballot.first_entry, ballot.second_entry or {})
    missing = {k: _l("Please choose a value.") for k in differing if k not in chosen}
    if missing:
        raise BallotRefused(missing)
    resolved = {k: v for k, v in ballot.first_entry.items() if k not in differing}
    resolved.update({k: chosen[k] for k in differing})
    items = ballot_items(event, round_)
    number, entry = read_ballot(event, items, {"ballot_number": ballot.ballot_number,
                                               **resolved})
    _check_number(event, round_, number, entry)
    record("paper.resolve", user=user, event_id=event.id, target=ballot,
           ballot_number=number, round_id=ballot.round_id,
           fields={k: [ballot.first_entry.get(k, ""), (ballot.second_entry or {}).get(k, ""),
                       entry.get(k, "")] for k in differing})
    return confirm(ballot, entry, user, items, now=now)


def set_double_entry(event: Event, user: User, on: bool) -> None:
    """Turn double entry on or off; refused while typed ballots wait (their rule would change)."""
    if event.status == EventStatus.archived:
        raise ConsultError(entry_refusal(event, None), 409)
    if bool(event.double_entry) == on:
        return
    if db.session.scalar(select(PaperBallot.id).where(
            PaperBallot.event_id == event.id,
            PaperBallot.status != BallotStatus.confirmed).limit(1)) is not None:
        raise ConsultError(_l("Some ballots wait for a second typing or a facilitator: finish "
                              "them before changing double entry."), 409)
    event.double_entry = on
    db.session.flush()
    record("paper.double_entry", user=user, event_id=event.id, target=event, on=on)


# --- Upload of ballots typed elsewhere -----------------------------------------------------

#: The header columns of the sheet, in order.
UPLOAD_HEADER = ("ballot_number", "sector", "gender", "organisation")


def sheet_columns(items: list[Item]) -> list[tuple[str, str]]:
    """(column header, entry field) of the sheet ``ballots``, in order: the header columns,
    then each item's code and, where it takes comments, ``<code> comment``."""
    columns = [(name, name) for name in UPLOAD_HEADER]
    for item in items:
        columns.append((item.code, item_field(item)))
        if item.allow_comment:
            columns.append((f"{item.code} comment", comment_field(item)))
    return columns


def column_clashes(columns: list[tuple[str, str]]) -> list[str]:
    """The headers of ``sheet_columns`` that another column's header reads the same as
    (an item coded ``gender``, or ``Xcomment`` beside item ``X``'s comment): such a sheet
    cannot be read back."""
    from consult.spreadsheet import normalized

    seen: dict[str, int] = {}
    for header, _ in columns:
        seen[normalized(header)] = seen.get(normalized(header), 0) + 1
    return [header for header, name in columns
            if seen[normalized(header)] > 1 and name not in UPLOAD_HEADER]


def upload_ballots(event: Event, round_: Round | None, user: User, data: bytes,
                   filename: str = "", *, now: datetime | None = None) -> int:
    """Save every ballot of a workbook (sheet ``ballots``) as this clerk's typing, with the
    entry form's rules; every problem with its sheet, row and column, or all saved."""
    from consult import spreadsheet as sheets

    refusal = entry_refusal(event, round_)
    if refusal is not None:
        raise ConsultError(refusal, 409)
    problems: list = []
    wb = sheets.open_workbook(data, problems)
    ws = sheets.find_worksheet(wb, SHEET) if wb is not None else None
    if wb is not None and ws is None:
        problems.append(sheets.FileProblem("", None, "", "", _l(
            "The workbook has no sheet %(sheet)s.", sheet=SHEET)))
    if ws is None:
        raise sheets.ImportRefused(problems)
    items = ballot_items(event, round_)
    columns = sheet_columns(items)
    clashes = column_clashes(columns)
    if clashes:
        raise sheets.ImportRefused([sheets.FileProblem(ws.title, 1, "", header, _l(
            "Column %(column)s reads the same as another column of the sheet (letter case and "
            "spaces do not count): give its item another code in the agenda before uploading "
            "ballots.", column=header))
            for header in dict.fromkeys(clashes)], (ws.title,))
    by_header = {sheets.normalized(header): name for header, name in columns}
    unknown: list[str] = []

    def field_of(header: str) -> str | None:
        name = by_header.get(sheets.normalized(header))
        if name is None:
            unknown.append(header)
        return name

    sheet = sheets.read_sheet(ws, ws.title, field_of, problems)
    for header in unknown:
        problems.append(sheets.FileProblem(ws.title, 1, "", header, _l(
            "This column is not on this ballot: its items' codes and %(comment)s columns only.",
            comment="<code> comment")))
    required = [(h, n) for h, n in columns if n != "organisation" and not n.startswith("comment_")]
    for header, name in required:
        if not sheet.has(name):
            problems.append(sheets.FileProblem(ws.title, 1, "", header, _l(
                "The sheet %(sheet)s has no column %(column)s.", sheet=ws.title, column=header)))
    if problems:
        raise sheets.ImportRefused(problems, (ws.title,))
    typed, rows_of = [], {}
    for row, values in sheet.rows:
        fields = {name: sheet.get(values, name) for name in sheet.columns}
        try:
            number, entry = read_ballot(event, items, fields)
        except BallotRefused as error:
            problems += [sheet.problem(row, key or None, message)
                         for key, message in error.problems.items()]
            continue
        if number in rows_of:
            problems.append(sheet.problem(row, "ballot_number", _l(
                "Ballot number %(number)s is on row %(row)s too.", number=number,
                row=rows_of[number])))
            continue
        rows_of[number] = row
        typed.append((row, number, entry))
    if problems:
        raise sheets.ImportRefused(problems, (ws.title,))
    for row, number, entry in typed:
        try:
            save_typing(event, round_, user, number, entry, items, now=now)
        except BallotRefused as error:
            problems += [sheet.problem(row, key or None, message)
                         for key, message in error.problems.items()]
        except ConsultError as error:
            problems.append(sheet.problem(row, "ballot_number", error.message))
    if problems:  # the caller rolls back what the rows before were saving
        raise sheets.ImportRefused(problems, (ws.title,))
    record("paper.upload", user=user, event_id=event.id, target=event, filename=filename[:200],
           round_id=round_.id if round_ is not None else None, count=len(typed))
    return len(typed)


# --- Counts for the entry page --------------------------------------------------------------

@dataclass
class Tally:
    """Typings and ballots of one ballot paper (a round, or the whole agenda)."""

    mine: int = 0  #: typings by the signed-in clerk
    typings: int = 0  #: typings by anyone
    confirmed: int = 0
    waiting: int = 0  #: typed once, waiting for the second typing
    mismatch: int = 0


def tally(event: Event, round_id: int | None, user: User) -> Tally:
    """Count the typings and ballots of a ballot paper (the entry page's running count)."""
    scope = (PaperBallot.round_id == round_id) if round_id is not None else (
        PaperBallot.round_id.is_(None))
    rows = db.session.execute(
        select(PaperBallot.status, func.count(),
               func.count(PaperBallot.second_entered_by_id),
               func.sum(_mine(user)))
        .where(PaperBallot.event_id == event.id, scope).group_by(PaperBallot.status)).all()
    result = Tally()
    for status, n, seconds, mine in rows:
        result.typings += n + seconds
        result.mine += int(mine or 0)
        name = _TALLY_FIELD[BallotStatus(status)]
        setattr(result, name, getattr(result, name) + n)
    return result


_TALLY_FIELD = {BallotStatus.confirmed: "confirmed", BallotStatus.entered: "waiting",
                BallotStatus.mismatch: "mismatch"}


def _mine(user: User):
    return (case((PaperBallot.entered_by_id == user.id, 1), else_=0)
            + case((PaperBallot.second_entered_by_id == user.id, 1), else_=0))


def tallies(event: Event, user: User) -> dict[int | None, Tally]:
    """The tally of each ballot paper of the event that has ballots, by round id."""
    ids = db.session.scalars(select(PaperBallot.round_id).where(
        PaperBallot.event_id == event.id).distinct()).all()
    return {round_id: tally(event, round_id, user) for round_id in ids}


def open_ballots(event: Event) -> list[PaperBallot]:
    """Ballots not counted yet (waiting for a second typing, or mismatched), oldest first."""
    return list(db.session.scalars(select(PaperBallot).where(
        PaperBallot.event_id == event.id,
        or_(PaperBallot.status == BallotStatus.entered,
            PaperBallot.status == BallotStatus.mismatch))
        .order_by(PaperBallot.entered_at, PaperBallot.id)))
