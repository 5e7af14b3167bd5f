"""Creating events and their sectors."""

from __future__ import annotations

from consult.accounts.models import User
from consult.accounts.operations import record
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
    from flask_babel import lazy_gettext as _l

    from consult.errors import ConsultError

    if float(values["contest_pct"]) > float(values["validate_pct"]):
        raise ConsultError(_l("The contest threshold cannot be above the validation threshold."))
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
TEAM_ROLES = ("facilitator", "analyst")


def set_team_role(event: Event, user: User, role: str | None, actor: User | None) -> None:
    """Put ``user`` on ``event``'s team with ``role``, change their role, or (None) remove them."""
    from flask_babel import lazy_gettext as _l

    from consult.accounts.models import Role
    from consult.errors import ConsultError

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
