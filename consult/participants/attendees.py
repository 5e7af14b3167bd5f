"""Attendees: participants registered before the event (badges) — one by one or from a
spreadsheet — and the staff's corrections: edit a profile, void a participant, restore them.

An attendee is a ``Participant`` with ``source`` badge, a name and a key: the badge number or
the e-mail, which a re-import matches (badge number first) so it updates, never duplicates.
Their profile is filled from the sheet; it counts as complete once sector and gender are known,
else they complete it when they scan their badge. Names and e-mails are personal data: only
the event's facilitators and admins see them (the attendee pages); the audit trail, which
analysts read, names the fields changed, never their values.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, fields

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Select, case, func, or_, select

from consult import spreadsheet
from consult.access import normalize_code
from consult.accounts.operations import record
from consult.errors import ConsultError
from consult.events.models import Event, EventStatus, Sector
from consult.extensions import db
from consult.i18n import ascii_digits
from consult.participants.models import GENDER_LABELS, Gender, Participant, Source
from consult.participants.operations import answers_follow_profile
from consult.spreadsheet import FileProblem, ImportRefused, Sheet, normalized, text_row
from consult.timeutil import utcnow
from consult.voting.models import Response

#: The columns of the attendee sheet, in the template's order.
COLUMNS = ("name", "name_km", "organisation", "sector", "gender", "language", "badge_number",
           "email")
#: Other ways people write a column's header (compared normalized).
ALIASES = {"name_en": "name", "namekm": "name_km", "organization": "organisation",
           "badge": "badge_number", "badgenumber": "badge_number", "e-mail": "email",
           "lang": "language", "locale": "language"}
#: The sheet read (else the first); the template's other sheets only explain.
SHEET = "attendees"
#: Attendees on one page of the list.
PER_PAGE = 100
MAX_NAME = 200
MAX_ORGANISATION = 300
MAX_BADGE = 40
#: What a badge number holds once Khmer digits are ASCII: Latin letters, digits, dash, dot
#: and slash, so it sorts and prints the same everywhere (printing.badge_key). Not ``\w`` or
#: ``\d``: "²" and "①" are digits to Python that ``int()`` refuses (consult/inputs.py).
BADGE_NUMBER = re.compile(r"[A-Za-z0-9./-]+")
MAX_EMAIL = 254
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: What a language cell may say, compared normalized.
LANGUAGES = {"km": "km", "khmer": "km", "ខ្មែរ": "km", "ភាសាខ្មែរ": "km",
             "en": "en", "english": "en", "អង់គ្លេស": "en", "ភាសាអង់គ្លេស": "en"}


@dataclass(frozen=True)
class AttendeeData:
    """What staff give about an attendee; None (or "") for what they did not give."""

    display_name: str = ""
    display_name_km: str = ""
    organisation: str = ""
    sector_id: int | None = None
    gender: Gender | None = None
    locale: str | None = None
    badge_number: str | None = None
    email: str | None = None


# --- One value at a time: the rules the form and the sheet share ------------------------

def clean_badge(text: str | None) -> str | None:
    """A badge number as stored and compared: trimmed, Khmer digits as ASCII."""
    text = ascii_digits(text or "").strip()
    return text or None


def badge_problem(badge: str | None):
    """Why ``badge`` (as ``clean_badge`` left it) is not a badge number, or None."""
    if badge is not None and not BADGE_NUMBER.fullmatch(badge):
        return _l("A badge number holds only Latin letters, digits and the signs %(signs)s.",
                  signs="- . /")
    return None


def clean_email(text: str | None) -> str | None:
    """An e-mail as stored and compared: trimmed, lower case."""
    text = (text or "").strip().lower()
    return text or None


def email_problem(email: str | None):
    """Why ``email`` is not an address, or None."""
    if email is not None and (len(email) > MAX_EMAIL or not EMAIL.fullmatch(email)):
        return _l("This is not an e-mail address.")
    return None


def sector_by_text(event: Event, text: str) -> Sector | None:
    """The sector of ``event`` a cell names: its label in English or Khmer, or its number."""
    key = normalized(ascii_digits(text))
    for number, sector in enumerate(event.sectors, start=1):
        if key in (str(number), normalized(sector.label_en), normalized(sector.label_km)):
            return sector
    return None


def _gender_names() -> dict[str, Gender]:
    names = {g.value: g for g in Gender}
    for lang in ("en", "km"):
        with force_locale(lang):
            names |= {normalized(str(label)): g for g, label in GENDER_LABELS.items()}
    return names


# --- Reading a sheet ----------------------------------------------------------------------

@dataclass(frozen=True)
class SheetRow:
    number: int
    data: AttendeeData


def _field_of(header: str) -> str | None:
    h = normalized(header)
    h = ALIASES.get(h, h)
    return h if h in COLUMNS else None


def read_attendees(event: Event, data: bytes) -> tuple[Sheet, list[SheetRow]]:
    """Read and check a whole attendee sheet; raise ImportRefused with every problem."""
    problems: list[FileProblem] = []
    wb = spreadsheet.open_workbook(data, problems)
    if wb is None:
        raise ImportRefused(problems)
    ws = spreadsheet.find_worksheet(wb, SHEET) or wb.worksheets[0]
    sheet = spreadsheet.read_sheet(ws, ws.title, _field_of, problems)
    wb.close()
    if not sheet.has("name") and not sheet.has("name_km"):
        problems.append(sheet.problem(1, None, _l(
            "The sheet %(sheet)s needs a name column: %(name)s, %(name_km)s or both.",
            sheet=sheet.title, name="name", name_km="name_km")))
    if not sheet.has("badge_number") and not sheet.has("email"):
        problems.append(sheet.problem(1, None, _l(
            "The sheet %(sheet)s needs a column %(badge)s or %(email)s: a re-import finds "
            "each attendee by them.", sheet=sheet.title, badge="badge_number", email="email")))
    if problems:
        raise ImportRefused(problems)
    genders = _gender_names()
    rows, badges, emails = [], {}, {}
    for number, values in sheet.rows:
        row = _read_row(event, sheet, number, values, genders, problems)
        for key, seen, column in ((row.badge_number, badges, "badge_number"),
                                  (row.email, emails, "email")):
            if key is None:
                continue
            if key.lower() in seen:
                problems.append(sheet.problem(number, column, _l(
                    "The same as in row %(row)s: each attendee needs their own badge number "
                    "and e-mail.", row=seen[key.lower()])))
            else:
                seen[key.lower()] = number
        rows.append(SheetRow(number, row))
    if problems:
        raise ImportRefused(problems)
    return sheet, rows


def _read_row(event: Event, sheet: Sheet, number: int, values: tuple,
              genders: dict[str, Gender], problems: list[FileProblem]) -> AttendeeData:
    """One row as AttendeeData, adding its problems (each on its column)."""
    def cell(name: str) -> str:
        return sheet.get(values, name)

    name, name_km = cell("name"), cell("name_km")
    if not name and not name_km:
        problems.append(sheet.problem(number, "name" if sheet.has("name") else "name_km",
                                      _l("Give the attendee's name (in Latin script, in Khmer "
                                         "or both).")))
    for column, limit in (("name", MAX_NAME), ("name_km", MAX_NAME),
                          ("organisation", MAX_ORGANISATION), ("badge_number", MAX_BADGE)):
        if len(cell(column)) > limit:
            problems.append(sheet.problem(number, column, _l(
                "At most %(n)s characters.", n=limit)))
    sector = None
    if cell("sector"):
        sector = sector_by_text(event, cell("sector"))
        if sector is None:
            problems.append(sheet.problem(number, "sector", _l(
                "No sector of this event is called “%(text)s”: write its label in English or "
                "Khmer, or its number from %(first)s to %(last)s.", text=cell("sector")[:60],
                first=1, last=len(event.sectors))))
    gender = None
    if cell("gender"):
        gender = genders.get(normalized(cell("gender")))
        if gender is None:
            problems.append(sheet.problem(number, "gender", _l(
                "Write %(values)s, or their labels in English or Khmer.",
                values="woman, man, another, undisclosed")))
    locale = None
    if cell("language"):
        locale = LANGUAGES.get(normalized(cell("language")))
        if locale is None:
            problems.append(sheet.problem(number, "language", _l(
                "Write %(km)s or %(en)s.", km="km", en="en")))
    badge, email = clean_badge(cell("badge_number")), clean_email(cell("email"))
    if badge_problem(badge) is not None:
        problems.append(sheet.problem(number, "badge_number", badge_problem(badge)))
    if email_problem(email) is not None:
        problems.append(sheet.problem(number, "email", email_problem(email)))
    if badge is None and email is None:
        problems.append(sheet.problem(number, "badge_number" if sheet.has("badge_number")
                                      else "email", _l(
            "Give a badge number or an e-mail: a re-import finds the attendee by them.")))
    return AttendeeData(display_name=name[:MAX_NAME], display_name_km=name_km[:MAX_NAME],
                        organisation=cell("organisation")[:MAX_ORGANISATION],
                        sector_id=sector.id if sector is not None else None, gender=gender,
                        locale=locale, badge_number=badge, email=email)


# --- Writing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    sha256: str


def refuse_archived(event: Event) -> None:
    """Attendees of an archived event are read-only (its results are final)."""
    if event.status == EventStatus.archived:
        raise ConsultError(_l("This event is archived: its attendees cannot change."), 409)


def _existing(event: Event) -> tuple[dict[str, Participant], dict[str, Participant]]:
    """The event's participants by badge number and by e-mail (lower case)."""
    people = db.session.scalars(select(Participant).where(
        Participant.event_id == event.id,
        or_(Participant.badge_number.is_not(None), Participant.email.is_not(None)))).all()
    return ({p.badge_number.lower(): p for p in people if p.badge_number},
            {p.email.lower(): p for p in people if p.email})


def _match(row: AttendeeData, by_badge, by_email) -> tuple[Participant | None, str | None]:
    """The participant a row updates (badge number first, else e-mail), and the column of a
    clash: the row's e-mail or badge number belongs to someone else."""
    badge_owner = by_badge.get(row.badge_number.lower()) if row.badge_number else None
    email_owner = by_email.get(row.email) if row.email else None
    found = badge_owner or email_owner
    if found is not None and email_owner is not None and email_owner is not found:
        return found, "email"
    if found is not None and badge_owner is not None and badge_owner is not found:
        return found, "badge_number"
    return found, None


def import_attendees(event: Event, actor, data: bytes, filename: str = "") -> ImportResult:
    """Add or update the attendees of a sheet; with any problem, nothing is written."""
    refuse_archived(event)
    sheet, rows = read_attendees(event, data)
    by_badge, by_email = _existing(event)
    problems, plan, claimed = [], [], {}
    for row in rows:
        found, clash = _match(row.data, by_badge, by_email)
        if clash is not None:
            problems.append(sheet.problem(row.number, clash, _l(
                "This badge number and this e-mail belong to two different attendees "
                "already registered.")))
        elif found is not None and found.id in claimed:
            problems.append(sheet.problem(row.number, None, _l(
                "This row and row %(row)s are the same registered attendee.",
                row=claimed[found.id])))
        elif found is not None:
            claimed[found.id] = row.number
        plan.append((row, found))
    if problems:
        raise ImportRefused(problems)
    created = updated = unchanged = 0
    for row, found in plan:
        if found is None:
            db.session.add(_new_attendee(event, row.data))
            created += 1
        elif _update(found, row.data, blank_keeps=True):
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    digest = hashlib.sha256(data).hexdigest()
    record("attendee.import", user=actor, event_id=event.id, target=event, file=filename[:200],
           sha256=digest, created=created, updated=updated, unchanged=unchanged)
    return ImportResult(created, updated, unchanged, digest)


def _new_attendee(event: Event, data: AttendeeData) -> Participant:
    participant = Participant(event=event, source=Source.badge,
                              locale=data.locale or event.default_locale)
    _update(participant, data, blank_keeps=False)
    return participant


#: The fields whose values the audit trail never shows (personal data).
PERSONAL = ("display_name", "display_name_km", "email", "badge_number")


def _update(participant: Participant, data: AttendeeData, *, blank_keeps: bool) -> dict:
    """Apply ``data``; ``blank_keeps``: a value not given keeps what is there (a re-import).

    Return the changes, {field: (before, after)}; the answers follow a new sector or gender,
    and the profile is complete once sector and gender are known.
    """
    changes = {}
    for f in fields(AttendeeData):
        value = getattr(data, f.name)
        if value in (None, "") and (blank_keeps or f.name in ("sector_id", "gender", "locale")):
            continue  # a profile once given is corrected, never emptied
        if f.name in ("display_name", "display_name_km", "organisation"):
            value = value or ""
        before = getattr(participant, f.name)
        if before != value:
            changes[f.name] = (before, value)
            setattr(participant, f.name, value)
    if participant.profile_completed_at is None and participant.sector_id \
            and participant.gender is not None:
        participant.profile_completed_at = utcnow()
    if participant.id is not None and ("sector_id" in changes or "gender" in changes):
        answers_follow_profile(participant)
    return changes


def key_problems(event: Event, data: AttendeeData,
                 participant: Participant | None = None) -> dict[str, object]:
    """{field: message} for a badge number or e-mail another participant of ``event`` has."""
    problems = {}
    for name, column in (("badge_number", Participant.badge_number),
                         ("email", Participant.email)):
        value = getattr(data, name)
        if value is None:
            continue
        stmt = select(Participant.id).where(Participant.event_id == event.id,
                                            func.lower(column) == value.lower())
        if participant is not None:
            stmt = stmt.where(Participant.id != participant.id)
        if db.session.scalar(stmt.limit(1)) is not None:
            problems[name] = (_l("Another participant of this event has this badge number.")
                              if name == "badge_number" else
                              _l("Another participant of this event has this e-mail."))
    return problems


def _refuse_keys(event, data, participant=None) -> None:
    problems = key_problems(event, data, participant)
    if problems:
        raise ConsultError(next(iter(problems.values())), 409)


def add_attendee(event: Event, actor, data: AttendeeData) -> Participant:
    """Register one attendee (source badge) with what staff know of them."""
    refuse_archived(event)
    if not (data.display_name or data.display_name_km):
        raise ConsultError(_l("Give the attendee's name (in Latin script, in Khmer or both)."))
    if data.badge_number is None and data.email is None:
        raise ConsultError(_l("Give a badge number or an e-mail: a re-import finds the "
                              "attendee by them."))
    _refuse_keys(event, data)
    participant = _new_attendee(event, data)
    db.session.add(participant)
    db.session.flush()
    record("attendee.add", user=actor, event_id=event.id, target=participant,
           profile_complete=participant.has_profile)
    return participant


def edit_attendee(participant: Participant, actor, data: AttendeeData) -> dict:
    """Correct a participant's profile and details (a wrong sector); their answers follow.

    Staff may correct a profile after a round closed, when the participant no longer can.
    The audit entry holds the profile before and after, and names the personal fields changed.
    """
    event = participant.event
    refuse_archived(event)
    if participant.source == Source.badge and not (data.display_name or data.display_name_km):
        raise ConsultError(_l("Give the attendee's name (in Latin script, in Khmer or both)."))
    _refuse_keys(event, data, participant)
    changes = _update(participant, data, blank_keeps=False)
    db.session.flush()
    if changes:
        shown = {k: v for k, v in changes.items() if k not in PERSONAL}
        record("attendee.edit", user=actor, event_id=event.id, target=participant,
               before={_audit_key(k): _audit_value(k, b) for k, (b, _a) in shown.items()},
               after={_audit_key(k): _audit_value(k, a) for k, (_b, a) in shown.items()},
               fields=[k for k in changes if k in PERSONAL])
    return changes


def _audit_key(name: str) -> str:
    return {"sector_id": "sector", "locale": "lang"}.get(name, name)


def _audit_value(name: str, value):
    if name == "sector_id":
        sector = db.session.get(Sector, value) if value else None
        return sector.label_en or sector.label_km if sector is not None else None
    return getattr(value, "value", value)


def void_participant(participant: Participant, actor, reason: str) -> None:
    """Take a participant's answers out of every figure (a test phone, a duplicate)."""
    refuse_archived(participant.event)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ConsultError(_l("Please say why."))
    participant.void(actor, reason)
    db.session.flush()
    record("attendee.void", user=actor, event_id=participant.event_id, target=participant,
           reason=reason)


def restore_participant(participant: Participant, actor, reason: str) -> None:
    """Count a voided participant's answers again."""
    refuse_archived(participant.event)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ConsultError(_l("Please say why."))
    participant.restore()
    db.session.flush()
    record("attendee.restore", user=actor, event_id=participant.event_id, target=participant,
           reason=reason)


def data_of(participant: Participant) -> AttendeeData:
    """What a participant's edit form starts from."""
    return AttendeeData(**{f.name: getattr(participant, f.name) for f in fields(AttendeeData)})


# --- Reading the list ---------------------------------------------------------------------

@dataclass(frozen=True)
class AttendeeRow:
    participant: Participant
    answers: int  #: how many items they answered


def _search(event: Event, text: str, source: str | None) -> Select:
    stmt = select(Participant).where(Participant.event_id == event.id)
    text = (text or "").strip()[:100]
    if text:
        code = normalize_code(text)
        matches = [Participant.display_name.icontains(text, autoescape=True),
                   Participant.display_name_km.icontains(text, autoescape=True),
                   Participant.organisation.icontains(text, autoescape=True),
                   Participant.email.icontains(text, autoescape=True),
                   Participant.badge_number.icontains(ascii_digits(text), autoescape=True)]
        if code:
            matches.append(func.replace(Participant.public_code, "-", "")
                           .contains(code, autoescape=True))
        stmt = stmt.where(or_(*matches))
    if source in {s.value for s in Source}:
        stmt = stmt.where(Participant.source == Source(source))
    return stmt


def attendee_count(event: Event, text: str = "", source: str | None = None) -> int:
    """How many participants of ``event`` the search finds."""
    return db.session.scalar(select(func.count()).select_from(
        _search(event, text, source).subquery())) or 0


def attendee_rows(event: Event, text: str = "", source: str | None = None,
                  page: int = 1) -> list[AttendeeRow]:
    """One page of the event's participants the search finds, by name, the unnamed last."""
    answers = (select(Response.participant_id, func.count().label("n"))
               .group_by(Response.participant_id).subquery())
    unnamed = case(((Participant.display_name == "") & (Participant.display_name_km == ""), 1),
                   else_=0)
    stmt = (_search(event, text, source)
            .add_columns(func.coalesce(answers.c.n, 0))
            .outerjoin(answers, answers.c.participant_id == Participant.id)
            .order_by(unnamed, func.lower(Participant.display_name),
                      Participant.display_name_km, Participant.id)
            .limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE))
    return [AttendeeRow(p, n) for p, n in db.session.execute(stmt)]


def route_counts(event: Event) -> dict:
    """How many participants came by each route (code, badge, paper), how many have a profile
    and how many are voided; the counted routes leave the voided out."""
    counts = {s.value: 0 for s in Source} | {"voided": 0, "no_profile": 0, "total": 0}
    stmt = (select(Participant.source, Participant.voided_at.is_not(None),
                   Participant.profile_completed_at.is_(None), func.count())
            .where(Participant.event_id == event.id)
            .group_by(Participant.source, Participant.voided_at.is_not(None),
                      Participant.profile_completed_at.is_(None)))
    for source, voided, no_profile, n in db.session.execute(stmt):
        counts["total"] += n
        if voided:
            counts["voided"] += n
            continue
        counts[getattr(source, "value", source)] += n
        if no_profile:
            counts["no_profile"] += n
    return counts


# --- The template -------------------------------------------------------------------------

def template_workbook(event: Event) -> bytes:
    """A blank attendee sheet, with examples, the event's sectors and the accepted values."""
    sectors = event.sectors
    wb = Workbook()
    _sheet(wb.active, SHEET, COLUMNS, [])
    first = sectors[0] if sectors else None
    second = sectors[1] if len(sectors) > 1 else first
    examples = [
        ("Sok Dara", "សុខ ដារា", "Ministry of Post and Telecommunications",
         first.label_en if first else "", "man", "km", "001", "dara.sok@example.org"),
        ("Chan Sreymom", "ចាន់ ស្រីមុំ", "Cambodia Academy of Digital Technology",
         second.label_km if second else "", "ស្ត្រី", "km", "002", ""),
        ("Jane Smith", "", "UNESCO", "5" if len(sectors) >= 5 else "", "", "en", "003",
         "j.smith@example.org"),
    ]
    _sheet(wb.create_sheet(), "examples", COLUMNS, examples)
    _sheet(wb.create_sheet(), "sectors", ("sector", "label (English)", "label (ខ្មែរ)"),
           [(n, s.label_en, s.label_km) for n, s in enumerate(sectors, start=1)])
    values = []
    for gender, label in GENDER_LABELS.items():
        with force_locale("en"):
            label_en = str(label)
        with force_locale("km"):
            label_km = str(label)
        values.append(("gender", gender.value, label_en, label_km))
    values += [("language", "km", "Khmer", "ខ្មែរ"), ("language", "en", "English", "អង់គ្លេស")]
    _sheet(wb.create_sheet(), "values", ("column", "value", "English", "ខ្មែរ"), values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(ws, title: str, header: tuple, rows: list[tuple]) -> None:
    ws.title = title
    ws.append(text_row(ws, header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(text_row(ws, row))  # sector labels are typed by staff: text, never formulas
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 24
    ws.freeze_panes = "A2"
