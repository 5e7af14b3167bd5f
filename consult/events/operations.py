"""Creating events and their sectors."""

from __future__ import annotations

from consult.accounts.models import User
from consult.accounts.operations import record
from consult.events.models import Event, Sector
from consult.extensions import db

#: The default stakeholder groups (DESIGN.md section 2), English and Khmer.
DEFAULT_SECTORS: list[tuple[str, str]] = [
    ("Government (ministries and agencies)", "រាជរដ្ឋាភិបាល (ក្រសួង និងស្ថាប័ន)"),
    ("Academia and research", "គ្រឹះស្ថានសិក្សា និងស្ថាប័នស្រាវជ្រាវ"),
    ("Private sector and industry", "វិស័យឯកជន និងឧស្សាហកម្ម"),
    ("Civil society and NGOs", "សង្គមស៊ីវិល និងអង្គការមិនមែនរដ្ឋាភិបាល"),
    ("Development partners and international organisations",
     "ដៃគូអភិវឌ្ឍន៍ និងអង្គការអន្តរជាតិ"),
    ("Other", "ផ្សេងៗ"),
]


def create_event(*, actor: User | None = None, sectors: list[tuple[str, str]] | None = None,
                 **fields) -> Event:
    """Create an event with its sectors (the default set unless given)."""
    event = Event(**fields)
    for position, (label_en, label_km) in enumerate(sectors or DEFAULT_SECTORS, start=1):
        event.sectors.append(Sector(position=position, label_en=label_en, label_km=label_km))
    db.session.add(event)
    db.session.flush()
    record("event.create", user=actor, event_id=event.id, target=event,
           join_code=event.join_code)
    return event
